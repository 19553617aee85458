"""Shared test configuration: hypothesis profiles, one torch thread per xdist worker.

Profiles: ``ci`` (default; few examples, no deadline) and ``deep`` (many examples, for manual runs):
``HYPOTHESIS_PROFILE=deep python -m pytest``.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("deep", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Each xdist worker gets one BLAS/torch thread so two workers do not oversubscribe two cores.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")


@pytest.fixture(autouse=True, scope="session")
def _private_null_cache(tmp_path_factory):
    """Null calibrations go to a temporary cache folder, never to the user's ~/.cache."""
    os.environ["INFONCE_GAUSS_CACHE"] = str(tmp_path_factory.mktemp("null-cache"))


@pytest.fixture
def fresh_python():
    """Run Python ``code`` in a new interpreter (what a fresh process imports, signals, prints) and return the
    completed process (``stdout``, ``stderr``); a non-zero exit fails the test with the interpreter's stderr."""
    import subprocess
    import sys

    def run(code: str, **kwargs) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, **kwargs)
        assert done.returncode == 0, done.stderr
        return done

    return run


class _Planted:
    """An object whose pickle runs ``os.mkdir(marker)`` when loaded: what a planted file would do."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.mkdir, (self.marker,)


@pytest.fixture
def planted(tmp_path):
    """``(payload, marker)``: pickling ``payload`` (alone or inside a dict) plants code that creates the folder
    ``marker`` when the file is unpickled; a test asserts that ``marker`` never appears."""
    marker = tmp_path / "CODE-RAN"
    return _Planted(marker), marker
