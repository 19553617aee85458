"""log 0F1 and the Bessel ratio A_d against mpmath (the issue's 1e-10 relative grid up to d = 1e4, κ = 1e4),
against textbook closed forms, and through the Riccati equation that A_d satisfies."""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import special

from infonce_gauss.theory.special import bessel_ratio, log_hyp0f1

DIMS = [2, 3, 4, 7, 10, 33, 100, 257, 1000, 3001, 10_000]
KAPPAS = [1e-6, 1e-3, 0.1, 1.0, 3.0, 10.0, 50.0, 100.0, 500.0, 1000.0, 3000.0, 10_000.0]


@pytest.fixture(scope="module")
def reference():
    """mpmath at 40 digits: log 0F1(; d/2; κ²/4) and I_{d/2}(κ)/I_{d/2-1}(κ) on the grid."""
    with mpmath.workdps(40):
        return {(d, k): (float(mpmath.log(mpmath.hyp0f1(mpmath.mpf(d) / 2, mpmath.mpf(k) ** 2 / 4))),
                         float(mpmath.besseli(mpmath.mpf(d) / 2, k) / mpmath.besseli(mpmath.mpf(d) / 2 - 1, k)))
                for d in DIMS for k in KAPPAS}


def test_log_hyp0f1_matches_mpmath_to_1e10_on_the_grid(reference):
    worst = max(abs(log_hyp0f1(d / 2, k * k / 4) / ref[0] - 1) for (d, k), ref in reference.items())
    assert worst < 1e-10, worst


def test_bessel_ratio_matches_mpmath_to_1e10_on_the_grid(reference):
    worst = max(abs(bessel_ratio(d, k) / ref[1] - 1) for (d, k), ref in reference.items())
    assert worst < 1e-10, worst


def test_bessel_ratio_broadcasts_over_mixed_arrays(reference):
    d = np.array([2, 10_000, 33])[:, None]
    k = np.array([1e-3, 10_000.0])[None, :]
    got = bessel_ratio(d, k)
    assert got.shape == (3, 2)
    expected = np.array([[reference[(int(a), float(b))][1] for b in k[0]] for a in d[:, 0]])
    np.testing.assert_allclose(got, expected, rtol=1e-10)


@pytest.mark.parametrize("kappa", [0.3, 2.0, 40.0, 700.0])  # small kappa: test_small_argument_limits
def test_closed_forms_in_two_and_three_dimensions(kappa):
    # d = 3: 0F1(; 3/2; κ²/4) = sinh κ / κ and A_3 = coth κ - 1/κ (Mardia & Jupp 2000, §9.3.2, Langevin function);
    # d = 2: 0F1(; 1; κ²/4) = I_0(κ) and A_2 = I_1/I_0 (scipy's exponentially scaled Bessel functions)
    log_sinhc = kappa + math.log(-math.expm1(-2 * kappa) / (2 * kappa))
    assert log_hyp0f1(1.5, kappa**2 / 4) == pytest.approx(log_sinhc, rel=1e-13, abs=1e-300)
    langevin = 1 / math.tanh(kappa) - 1 / kappa
    assert bessel_ratio(3, kappa) == pytest.approx(langevin, rel=1e-12)
    assert log_hyp0f1(1.0, kappa**2 / 4) == pytest.approx(math.log(special.ive(0, kappa)) + kappa, rel=1e-13)
    assert bessel_ratio(2, kappa) == pytest.approx(special.ive(1, kappa) / special.ive(0, kappa), rel=1e-12)


def test_small_argument_limits():
    # log 0F1(; b; z) = z/b - z²/(2 b²(b+1)) + ...; A_d(κ) = κ/d - κ³/(d²(d+2)) + ...
    for b, z in ((1.0, 1e-12), (5000.0, 1e-9)):
        assert log_hyp0f1(b, z) == pytest.approx(z / b - z * z / (2 * b * b * (b + 1)), rel=1e-14)
    for d, k in ((2, 1e-5), (1000, 1e-3)):
        assert bessel_ratio(d, k) == pytest.approx(k / d - k**3 / (d * d * (d + 2)), rel=1e-13)
    assert log_hyp0f1(3.0, 0.0) == 0.0 and bessel_ratio(5, 0.0) == 0.0


@given(d=st.integers(2, 5000), kappa=st.floats(1e-2, 5e3))
def test_ratio_is_the_log_normalizer_derivative_and_solves_riccati(d, kappa):
    # d/dκ log 0F1(; d/2; κ²/4) = A_d(κ), and A' = 1 - A² - (d-1)A/κ (Watson 1944, recurrences of I_ν);
    # central differences of log_hyp0f1 give A' to O(h²).
    h = 1e-3 * kappa
    log_f = [log_hyp0f1(d / 2, (kappa + s * h) ** 2 / 4) for s in (-1, 1)]
    a = bessel_ratio(d, kappa)
    assert 0 < a < 1
    assert (log_f[1] - log_f[0]) / (2 * h) == pytest.approx(a, rel=2e-6)
    derivative = (bessel_ratio(d, kappa + h) - bessel_ratio(d, kappa - h)) / (2 * h)
    riccati = 1 - a * a - (d - 1) * a / kappa
    assert derivative == pytest.approx(riccati, rel=1e-4, abs=1e-9 * a)


@given(d=st.integers(2, 3000), k1=st.floats(0, 1e4), k2=st.floats(0, 1e4))
def test_ratio_increases_in_kappa_and_decreases_in_d(d, k1, k2):
    lo, hi = sorted((k1, k2))
    assert bessel_ratio(d, lo) <= bessel_ratio(d, hi)
    assert bessel_ratio(d + 1, hi) <= bessel_ratio(d, hi)


@pytest.mark.parametrize("call, message", [
    (lambda: log_hyp0f1(0.0, 1.0), "b must be"),
    (lambda: log_hyp0f1(1.0, -1.0), "z must be"),
    (lambda: log_hyp0f1(1.0, np.nan), "z must be"),
    (lambda: bessel_ratio(1, 1.0), "d must be"),
    (lambda: bessel_ratio(3, -0.5), "kappa must be"),
])
def test_bad_input_is_explained(call, message):
    with pytest.raises(ValueError, match=message):
        call()
