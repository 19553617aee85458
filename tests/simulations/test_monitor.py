"""GaussianityMonitor against analytic oracles (Gaussian, uniform sphere) and batch invariance."""

import math

import numpy as np
import pytest
import torch

from infonce_gauss.simulations.monitor import GaussianityMonitor
from infonce_gauss.simulations.sampling import uniform_sphere
from infonce_gauss.theory.sphere import chi_norm_moments


def _feed(x, batch=1000, positives=None, **kw):
    mon = GaussianityMonitor(x.shape[1], **kw)
    for a in range(0, x.shape[0], batch):
        mon.update(torch.from_numpy(x[a:a + batch]), None if positives is None else torch.from_numpy(positives[a:a + batch]))
    return mon.compute()


def test_gaussian_oracle():
    # N(0, I_d): CV of norms = CV_chi(d); coordinates and projections Gaussian (skew 0, excess kurtosis 0 ± √(24/n));
    # RankMe and participation ratio → d (Marchenko–Pastur: PR = d/(1 + d/n) to first order)
    n, d = 40_000, 16
    s = _feed(np.random.default_rng(0).standard_normal((n, d)))
    assert s["norm_cv"] == pytest.approx(chi_norm_moments(d).cv, rel=0.02)
    for key in ("coordinate_excess_kurtosis", "projection_excess_kurtosis"):
        assert abs(s[key]) < 4 * math.sqrt(24 / n)
    assert s["participation_ratio"] == pytest.approx(d / (1 + d / n), rel=2e-3)
    assert d * 0.999 < s["effective_rank"] <= d
    assert abs(s["mean_norm_sq"]) < 4 * s["mean_norm_sq_se"]


def test_uniform_sphere_oracle():
    # uniform on S^{d-1}: norms all 1 (CV 0), ||m||² = 0 (unbiased: within its SE), coordinate excess kurtosis −6/(d+2)
    n, d = 40_000, 8
    s = _feed(uniform_sphere(n, d, rng=1))
    assert s["norm_cv"] < 1e-6
    assert abs(s["mean_norm_sq"]) < 4 * s["mean_norm_sq_se"]
    assert s["coordinate_excess_kurtosis"] == pytest.approx(-6 / (d + 2), abs=4 * math.sqrt(24 / n / d) + 0.01)


def test_alignment_and_batch_invariance():
    # views z + σε of Gaussian z: E[u·v] → ρ = 1/√(1+σ²) as d grows (first order in 1/d: ρ − ρ(1−ρ²)/(2d))
    rng = np.random.default_rng(2)
    z = rng.standard_normal((20_000, 64))
    v = z + 0.5 * rng.standard_normal(z.shape)
    rho = 1 / math.sqrt(1.25)
    a = _feed(z, batch=500, positives=v)
    b = _feed(z, batch=20_000, positives=v)
    assert a["alignment"] == pytest.approx(rho - rho * (1 - rho**2) / 128, abs=4 * a["alignment_se"] + 2e-3)
    for key, value in a.items():
        assert b[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key


def test_bad_input_is_refused():
    mon = GaussianityMonitor(4)
    with pytest.raises(ValueError, match=r"\(batch, 4\)"):
        mon.update(torch.zeros(3, 5))
    with pytest.raises(ValueError, match="update"):
        mon.compute()


@pytest.mark.gpu
def test_cuda_agrees_with_cpu():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    x = np.random.default_rng(3).standard_normal((5000, 32))
    mon = GaussianityMonitor(32)
    mon.update(torch.from_numpy(x).cuda())
    cpu = _feed(x, batch=5000)
    for key, value in mon.compute().items():
        assert value == pytest.approx(cpu[key], rel=1e-10, abs=1e-12), key
