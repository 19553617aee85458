"""lazy_import: nothing is imported until an attribute is read, and many threads reading at once all see
the whole module."""

import pytest

from infonce_gauss.theory._lazy import lazy_import


def test_the_module_is_imported_on_first_attribute_and_seen_whole_by_many_threads(fresh_python):
    code = ("import sys, threading\nfrom infonce_gauss.theory._lazy import lazy_import\n"
            "m = lazy_import('http.cookiejar')\nprint('http.cookiejar' in sys.modules)\n"
            "barrier, seen = threading.Barrier(16), []\n"
            "def read():\n    barrier.wait()\n    seen.append(m.CookieJar.__name__)\n"
            "threads = [threading.Thread(target=read) for _ in range(16)]\n"
            "[t.start() for t in threads]; [t.join() for t in threads]\n"
            "print('http.cookiejar' in sys.modules, len(seen), set(seen))\n")
    assert fresh_python(code).stdout.split("\n")[:2] == ["False", "True 16 {'CookieJar'}"]


def test_a_missing_module_fails_when_first_used():
    missing = lazy_import("no_such_module_here")  # no error yet
    with pytest.raises(ModuleNotFoundError, match="no_such_module_here"):
        missing.anything
