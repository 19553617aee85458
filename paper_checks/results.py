"""Results on disk: one folder per run, atomic writes, deterministic figures, and run.json.

Every file goes through :mod:`infonce_gauss.simulations.files` (temporary name, atomic rename), so an
interrupted run never leaves a half-written file that looks complete. ``run.json`` is written last.
"""

from __future__ import annotations

import datetime as _dt
import io
import os
import platform
import subprocess
import sys
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path

from infonce_gauss.simulations.files import atomic_write_bytes

__all__ = ["new_run_dir", "save_figure", "run_metadata"]

_PACKAGES = ("infonce-gauss", "numpy", "scipy", "sympy", "mpmath", "matplotlib", "tqdm", "torch")


def new_run_dir(command: str, out: str | os.PathLike | None = None, *, root: str | os.PathLike = "results") -> Path:
    """``out`` if given (created if needed), else a fresh ``results/<command>-<timestamp>/``."""
    if out is not None:
        path = Path(out)
        if path.exists() and not path.is_dir():
            raise ValueError(f"--out {path} is a file; give a folder to write the results into.")
        path.mkdir(parents=True, exist_ok=True)
        return path
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = Path(root) / f"{command}-{stamp}"
    path, i = base, 1
    while path.exists():
        path, i = Path(f"{base}-{i}"), i + 1
    path.mkdir(parents=True)
    return path


def save_figure(figure, stem: str | os.PathLike) -> list[Path]:
    """Save ``figure`` as ``stem.png`` and ``stem.pdf`` without timestamps (byte-reproducible), then close it."""
    import matplotlib.pyplot as plt

    stem = Path(stem)
    paths = []
    for fmt, meta in (("png", {"Software": None}), ("pdf", {"Creator": None, "Producer": None, "CreationDate": None})):
        buf = io.BytesIO()
        figure.savefig(buf, format=fmt, dpi=150, metadata=meta, bbox_inches="tight")
        paths.append(atomic_write_bytes(stem.with_suffix(f".{fmt}"), buf.getvalue()))
    plt.close(figure)
    return paths


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, cwd=Path(__file__).parent
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return (out.stdout.strip() or None) if out.returncode == 0 else None


def _device() -> dict:
    """The compute device: torch's view if torch is already loaded (never imported just for this)."""
    torch = sys.modules.get("torch")
    if torch is None:
        return {"compute": "cpu (numpy/scipy)", "torch_loaded": False}
    cuda = bool(torch.cuda.is_available())
    return {
        "compute": "cuda" if cuda else "cpu",
        "torch_loaded": True,
        "cuda_device": torch.cuda.get_device_name(0) if cuda else None,
        "torch_threads": torch.get_num_threads(),
    }


def run_metadata(command: str, config: Mapping, *, seed: int | None, wall_seconds: float) -> dict:
    """Everything needed to reproduce a run: command, config, seed, versions, device, git commit, time."""
    return {
        "command": command,
        "config": dict(config),
        "seed": seed,
        "finished": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "wall_seconds": round(wall_seconds, 3),
        "versions": {"python": platform.python_version(), **{p: _version(p) for p in _PACKAGES}},
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "device": _device(),
        "git_commit": _git_commit(),
    }
