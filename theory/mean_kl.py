r"""Lemma 1 (App. B.2), the mean–KL inequality, with the explicit constant :math:`C=1/2`, and the sphere's MGF bound.

For :math:`U\sim\sigma` on :math:`S^{d-1}` and a unit vector w, :math:`\log E_\sigma e^{t\,w\cdot u}=\log{}_0F_1(;d/2;t^2/4)`
(:func:`sphere_log_mgf`) and :math:`\log{}_0F_1(;d/2;t^2/4)\le t^2/(2d)` term by term, since :math:`(b)_n\ge b^n`
(:func:`subgaussian_mgf_bound`): :math:`w\cdot u` is sub-Gaussian with variance proxy :math:`1/d`. Donsker–Varadhan
with :math:`\varphi=t\,w\cdot u`, w the direction of the mean :math:`m(\mu)=E_\mu U` and :math:`t=d\|m\|` then gives

.. math:: \mathrm{KL}(\mu\|\sigma)\ge\tfrac d2\|m(\mu)\|^2\ge\tfrac{d-1}2\|m(\mu)\|^2

for every law μ on the sphere (:func:`lemma1_lower_bound`; the paper states the (d−1) form with C implicit).
:func:`derive_lemma1` re-derives each step with sympy and shows that C = 1/2 cannot be improved as
:math:`\|m\|\to0`.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from infonce_gauss.theory.validation import finite_array, integer
from infonce_gauss.theory.vmf import vmf_log_normalizer

__all__ = [
    "LEMMA1_CONSTANT",
    "sphere_log_mgf",
    "subgaussian_mgf_bound",
    "lemma1_lower_bound",
    "derive_lemma1",
]

_D, _T, _M = sp.symbols("d t m", positive=True)

LEMMA1_CONSTANT = 0.5  # C of Lemma 1: KL(mu||sigma) >= C (d - 1) ||m||^2, and >= C d ||m||^2


def sphere_log_mgf(d, t):
    r""":math:`\log E_\sigma e^{t\,w\cdot u}=\log{}_0F_1(;d/2;t^2/4)` for any unit w (A3); even in t."""
    return vmf_log_normalizer(d, np.abs(finite_array(t, "t")))


def subgaussian_mgf_bound(d, t):
    r""":math:`t^2/(2d)`: :math:`\log{}_0F_1(;d/2;t^2/4)\le t^2/(2d)` since :math:`(d/2)_n\ge(d/2)^n` term by
    term, i.e. :math:`w\cdot u` is sub-Gaussian with variance proxy :math:`1/d=\mathrm{Var}(w\cdot u)` (strictly)."""
    d = integer(d, "d (the ambient dimension)", minimum=2)
    t = finite_array(t, "t")
    return t * t / (2 * d)


def lemma1_lower_bound(d, mean_length, *, paper_form: bool = False):
    r"""Lemma 1 with :math:`C=1/2`: :math:`\mathrm{KL}(\mu\|\sigma)\ge\tfrac d2\|m(\mu)\|^2`, or the paper's weaker
    form :math:`C(d-1)\|m\|^2` with ``paper_form=True``."""
    d = integer(d, "d (the ambient dimension)", minimum=2)
    m = finite_array(mean_length, "mean_length")
    if np.any(m < 0) or np.any(m > 1):
        raise ValueError("a mean length ||m(mu)|| lies in [0, 1].")
    return LEMMA1_CONSTANT * ((d - 1) if paper_form else d) * m * m


def derive_lemma1() -> dict:
    r"""Sympy derivation of Lemma 1's constant and of the MGF bound's sharpness.

    Returns ``{'term_ratio', 'optimal_t', 'bound', 'log_mgf_series'}``:

    * ``term_ratio``: :math:`\frac{z^n/((b)_nn!)}{(z/b)^n/n!}=b^n/(b)_n=\Gamma(b)b^n/\Gamma(b+n)`, ≤ 1 for
      :math:`n\ge0`, which proves :math:`{}_0F_1(;b;z)\le e^{z/b}` (z = t²/4, b = d/2);
    * ``optimal_t`` and ``bound``: :math:`\max_t[t\|m\|-t^2/(2d)]` at :math:`t=d\|m\|`, value :math:`d\|m\|^2/2`;
    * ``log_mgf_series``: :math:`\log{}_0F_1(;d/2;t^2/4)=t^2/(2d)-t^4/(4d^2(d+2))+O(t^6)`: the variance proxy
      1/d equals the variance, so C = 1/2 cannot be improved as :math:`\|m\|\to0`.
    """
    n = sp.symbols("n", integer=True, nonnegative=True)
    b = _D / 2
    term_ratio = sp.gammasimp(b**n * sp.gamma(b) / sp.gamma(b + n))
    objective = _T * _M - _T**2 / (2 * _D)
    (t_star,) = sp.solve(sp.diff(objective, _T), _T)
    series = sum((_T**2 / 4) ** k / (sp.rf(b, k) * sp.factorial(k)) for k in range(4))
    log_series = sp.series(sp.log(series), _T, 0, 6).removeO()
    return {
        "term_ratio": term_ratio,
        "optimal_t": t_star,
        "bound": sp.simplify(objective.subs(_T, t_star)),
        "log_mgf_series": sp.expand(sp.simplify(log_series)),
    }
