"""The package as a user installs it: its extras, the messages that tell wheel users what to install, and
the sdist's file list (the package's sources only). ``.ci/run`` builds the wheel and runs it in a fresh venv."""

import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("paper_checks", "simulations", "theory")


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_one_extra_per_cluster_engine_and_the_dask_test_runs_in_ci():
    from infonce_gauss.executors import ENGINES

    extras = _project()["optional-dependencies"]
    assert "cluster" not in extras
    assert {"dask", "ray"} <= set(extras) and {"dask", "ray"} <= set(ENGINES)  # named as --executor names them
    assert not any(dep.startswith("ray") for dep in extras["dask"])  # a dask user does not pull Ray
    assert any(dep.startswith("distributed") for dep in extras["dev"])  # so CI runs the dask sweep test
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in readme for name in extras), "README.md names every extra"


def test_no_message_sends_a_wheel_user_to_the_checkouts_constraints_file():
    # constraints/cpu.txt ships in neither wheel nor sdist; messages name the extra of the installed package
    offenders = [f"{path.relative_to(ROOT)}:{n}" for folder in SOURCES for path in (ROOT / folder).rglob("*.py")
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if "constraints/cpu.txt" in line or ("pip install -e" in line and "infonce-gauss[" not in line)]
    assert not offenders, offenders


def test_the_sdist_holds_the_package_sources_and_nothing_else(tmp_path):
    setuptools = pytest.importorskip("setuptools")
    if int(setuptools.__version__.split(".")[0]) < 77:
        pytest.skip("building the sdist needs setuptools >= 77 (pyproject's build-system)")
    done = subprocess.run([sys.executable, "-c", "import sys; from setuptools import build_meta as b; "
                           "print(b.build_sdist(sys.argv[1]))", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with tarfile.open(tmp_path / done.stdout.split()[-1]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    top = {name.split("/")[0] for name in names}
    assert "LICENSE" in top  # pyproject's license = "MIT" ships its text
    assert top <= {*SOURCES, "infonce_gauss.egg-info", "PKG-INFO", "README.md", "pyproject.toml", "setup.cfg",
                   "MANIFEST.in", "LICENSE"}, top
    tracked = subprocess.run(["git", "ls-files", *SOURCES], cwd=ROOT, capture_output=True, text=True).stdout.split()
    shipped = [name for name in tracked if name.endswith(".py") or "/data/" in name]
    if shipped:  # in a git checkout: every tracked source file is in the sdist
        assert set(shipped) <= names, set(shipped) - names
