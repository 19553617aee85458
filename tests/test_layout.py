"""The layout: one namespace over the three folders, every package installed, no import cycle, no result
folder importing another, and each layer's ``__all__`` (its lazily loaded modules) equal to its folder.

The cycle test reads every module of ``theory/``, ``simulations/`` and ``paper_checks/`` under its
installed name (``infonce_gauss.theory.*``, ``infonce_gauss.simulations.*``, ``infonce_gauss.*``) and
follows every import, deferred (function-level) ones included.
"""

import ast
import importlib
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"paper_checks": "infonce_gauss", "theory": "infonce_gauss.theory", "simulations": "infonce_gauss.simulations"}


def _modules() -> dict[str, Path]:
    found = {}
    for folder, package in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((package, *parts))] = path
    return found


def _imports(name: str, path: Path, known) -> set[str]:
    out = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def _cycles(graph) -> list[set[str]]:
    """Strongly connected components of two or more modules (Tarjan)."""
    index, low, stack, on, comps = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while (w := stack.pop()) != v:
                on.discard(w)
                comp.add(w)
            on.discard(v)
            comps.append(comp | {v})

    for v in graph:
        if v not in index:
            visit(v)
    return [c for c in comps if len(c) > 1]


def test_no_module_imports_a_module_that_imports_it_back():
    known = _modules()
    graph = {m: _imports(m, p, known) for m, p in known.items()}
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]


def test_layers_point_one_way():
    known = _modules()
    for name, path in known.items():
        deps = _imports(name, path, known)
        if name.startswith("infonce_gauss.theory"):
            assert all(d.startswith("infonce_gauss.theory") for d in deps), (name, deps)
        elif name.startswith("infonce_gauss.simulations"):
            assert all(d.startswith(("infonce_gauss.theory", "infonce_gauss.simulations")) for d in deps), (name, deps)


def _result_of(module: str, results) -> str | None:
    """The result folder (``infonce_gauss.<result>``) a module belongs to, None for the rest."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in results else None


def test_no_result_folder_imports_another():
    from infonce_gauss.catalog import RESULTS

    results = {r.name for r in RESULTS}
    known = _modules()
    assert results <= {m.split(".")[1] for m in known if m.count(".") == 1}, "a result of the catalog has no folder"
    for name, path in known.items():
        own = _result_of(name, results)
        if own is not None:
            others = {_result_of(d, results) for d in _imports(name, path, known)} - {None, own}
            assert not others, (name, others)


def test_pyproject_lists_every_package_folder():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    packages = {name for name, path in _modules().items() if path.name == "__init__.py"}
    assert set(config["packages"]) == packages
    assert config["package-dir"] == {package: folder for folder, package in FOLDERS.items()}


def test_one_namespace_outside_the_checkout(tmp_path):
    code = ("import importlib.util, infonce_gauss as ig;"
            "assert all(importlib.util.find_spec(n) is None for n in ('theory', 'simulations', 'paper_checks'));"
            "assert ig.theory.sphere.tv_to_gaussian(64, 1) > 0 and callable(ig.sphere_rates);"
            "print(sorted(ig.__all__))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "run_claims" in out.stdout and "check" in out.stdout


@pytest.mark.parametrize("name", __import__("infonce_gauss").__all__)
def test_every_public_name_resolves(name):
    import infonce_gauss

    assert getattr(infonce_gauss, name) is not None


LAYERS = {"theory": "infonce_gauss.theory", "simulations": "infonce_gauss.simulations"}
OPTIONAL = {"infonce_gauss.simulations.lightning": "lightning"}  # module -> the optional package it needs


def _public_modules(folder: str) -> list[str]:
    """The public modules of a layer's folder: its ``*.py`` files and subpackages not named ``_*``."""
    root = ROOT / folder
    files = {path.stem for path in root.glob("*.py")}
    packages = {path.parent.name for path in root.glob("*/__init__.py")}
    return sorted(name for name in files | packages if not name.startswith("_"))


@pytest.mark.parametrize("folder", sorted(LAYERS))
def test_a_layers_all_is_its_folder(folder):
    assert importlib.import_module(LAYERS[folder]).__all__ == _public_modules(folder)


@pytest.mark.parametrize("module", [f"{LAYERS[folder]}.{name}" for folder in sorted(LAYERS) for name in _public_modules(folder)])
def test_every_module_of_a_layer_resolves_as_an_attribute_of_its_package(module):
    if module in OPTIONAL:
        pytest.importorskip(OPTIONAL[module], reason=f"{module} needs the optional package {OPTIONAL[module]!r} (dev extra)")
    package, _, name = module.rpartition(".")
    assert name in importlib.import_module(package).__all__
    assert getattr(importlib.import_module(package), name) is importlib.import_module(module)


def test_importing_the_layers_imports_neither_torch_nor_sympy(fresh_python):
    # then the first attribute access imports the module (here two that need neither)
    code = ("import sys, infonce_gauss.theory as t, infonce_gauss.simulations as s;"
            "print(sorted(m for m in ('torch', 'sympy') if m in sys.modules));"
            "print(t.validation.__name__, s.files.__name__)")
    assert fresh_python(code).stdout.split("\n")[:2] == ["[]", "infonce_gauss.theory.validation infonce_gauss.simulations.files"]
