"""Figures without side effects: a user's matplotlib backend and pyplot's figures survive every public call
that draws and saves (a rate experiment, a claim, a check's report)."""

import os

import pytest


@pytest.mark.parametrize("backend", ["svg", "pdf"])
def test_drawing_and_saving_leave_the_users_backend_and_pyplot_alone(backend, tmp_path, fresh_python):
    code = f"""
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from pathlib import Path

import infonce_gauss as ig

out = Path({str(tmp_path)!r})
before = matplotlib.get_backend()
ig.sphere_rates(k=(1,), dims=(8, 16, 32), n=300, seeds=2, fit_range=(8, 32), progress=False).save(
    out / "rates", wall_seconds=0.0)
ig.run_claims(ig.select(["MP-PROP2"]), profile=ig.PROFILES["quick"], out_dir=out / "claims", seed=0, progress=False)
ig.check(np.random.default_rng(0).standard_normal((400, 8)), null_replicates=300, subsample=300).save(out / "check")
print(before, matplotlib.get_backend(), plt.get_fignums())
"""
    done = fresh_python(code, env={**os.environ, "MPLBACKEND": backend})
    assert done.stdout.split() == [backend, backend, "[]"]
    assert (tmp_path / "rates" / "rates_sphere.png").is_file() and (tmp_path / "claims" / "figures" / "prop2_tv.png").is_file()
    assert any((tmp_path / "check" / "figures").glob("*.png"))
