"""Modules imported on first use: ``sp = lazy_import("sympy")`` binds a stand-in whose attributes import it.

Not :class:`importlib.util.LazyLoader`: before Python 3.12.3 its first attribute access is not thread-safe
(CPython gh-114763: another thread can see the module half-loaded). Here the first access imports the
module under a lock with :func:`importlib.import_module`, which is thread-safe, and ``sys.modules`` holds
only the real module.
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType

__all__ = ["lazy_import"]


class _LazyModule:
    """Stands in for the module ``name`` until an attribute is read; then forwards to it."""

    def __init__(self, name: str):
        self._name = name
        self._module: ModuleType | None = None
        self._lock = threading.Lock()

    def __getattr__(self, attribute: str):
        module = self._module
        if module is None:
            with self._lock:
                if self._module is None:
                    self._module = importlib.import_module(self._name)
                module = self._module
        return getattr(module, attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}{' (imported)' if self._module is not None else ''}>"


def lazy_import(name: str) -> _LazyModule:
    """A stand-in for the module ``name`` that imports it when one of its attributes is first read; a
    ModuleNotFoundError then, not now, if it is missing."""
    return _LazyModule(name)
