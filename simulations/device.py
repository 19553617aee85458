"""Devices and tensors: pick the torch device (``"auto"`` is CUDA when present, else the CPU), and tell a
tensor from an array.

torch is imported here lazily, so nothing outside the training code pays for it.
"""

from __future__ import annotations

import contextlib
import os
import sys

__all__ = ["is_tensor", "resolve_device", "one_torch_thread", "usable_cores"]


def is_tensor(x) -> bool:
    """Whether ``x`` is a torch tensor, told without importing torch (a tensor exists only once torch is loaded)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def resolve_device(name: str = "auto"):
    """Return a ``torch.device`` for ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.

    Raises a ValueError that says what to pass for an unknown name, or for CUDA on a machine without it.
    """
    import torch

    text = str(name).strip().lower()
    if text == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if text == "cpu":
        return torch.device("cpu")
    if text == "cuda" or text.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise ValueError(f"device {name!r} asked for CUDA, but no CUDA device is available; use 'cpu' or 'auto'.")
        device = torch.device(text)
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ValueError(f"device {name!r}: only {torch.cuda.device_count()} CUDA device(s) present.")
        return device
    raise ValueError(f"unknown device {name!r}; use 'auto', 'cpu', 'cuda' or 'cuda:N'.")


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity mask where the platform has one, else the CPU count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@contextlib.contextmanager
def one_torch_thread():
    """Run torch on one CPU thread inside the block.

    Results then do not depend on the machine's thread count (reductions split across threads round
    differently), and two threads on two busy cores spin-wait (measured 10× slower in training).
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
