r"""The InfoNCE objective: empirical loss, its population limit, the uniformity potential Φ.

The paper's notation (Sec. 3). Directions :math:`u,v\in S^{d-1}`, inverse temperature :math:`\alpha=1/\tau`.

* **Empirical InfoNCE (paper Eq. 2)**, a batch of N positive pairs, N candidates (the positive
  included), one-directional:

  .. math:: L_N=-\frac1N\sum_i\log\frac{e^{\alpha u_i\cdot v_i}}{\sum_{j=1}^Ne^{\alpha u_i\cdot v_j}},

  and the symmetric variant of practice (SimCLR/CLIP) :math:`\tfrac12(L_N(u,v)+L_N(v,u))`.
* **Population functional (Eq. 4; Wang & Isola 2020, Thm 1)**: :math:`E L_N-\log N\to
  \mathcal L(\mu,\pi)=-\alpha E_\pi[u\cdot v]+\Phi(\mu)`, with the uniformity potential
  :math:`\Phi(\mu)=E_{u\sim\mu}\log E_{v\sim\mu}e^{\alpha u\cdot v}`.
* **Φ at the uniform law** :math:`\sigma`: :math:`\Phi(\sigma)=\log{}_0F_1(;\tfrac d2;\tfrac{\alpha^2}4)`
  (the sphere MGF), with the bounds of :func:`derive_phi_uniform_bounds`.
* **σ is the unique minimizer of Φ** (W&I, App. A). Checked here on parametric families where Φ is a
  quadrature: vMF tilts, mixtures of vMFs with axes in a plane, axial angular central Gaussians;
  with Jensen's :math:`\Phi(\mu)\ge\alpha\|m(\mu)\|^2` beside it.
* **Local curvature (Appendix D)**: Funk–Hecke eigenvalues of the kernel :math:`e^{\alpha u\cdot v}`
  and :math:`q^*(d,\alpha)=dA_d(\alpha)(1-A_d(\alpha)/2)\to\alpha`.
* **Finite-batch bias**: :math:`E L_N-\log N-\mathcal L=c_1/N+O(N^{-2})`, with the
  first-order constant of :meth:`VMFAugmentation.bias_constant`; :math:`\Theta(1/N)`, not the
  :math:`O(N^{-1/2})` the paper's discussion cites (that is the order of the batch loss's standard
  deviation, not of its bias).

Quadratures reduce every Φ to integrals over angles :math:`\theta` with densities
:math:`\propto\sin^m\theta\,e^{\ell(\theta)}`, each done by Gauss–Legendre on the window where the
integrand is within :math:`e^{-80}` of its peak (:func:`_windowed_rule`, geometric convergence,
checked against the exact normalizers in the tests). The log ₀F₁ evaluations they need are
Chebyshev interpolants of :func:`infonce_gauss.theory.special.log_hyp0f1` in :math:`\sqrt z`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import sympy as sp
from numpy.polynomial import chebyshev
from scipy import optimize, special

from infonce_gauss.theory.special import bessel_ratio, log_hyp0f1
from infonce_gauss.theory.validation import finite_array, integer, inverse_temperature, positive
from infonce_gauss.theory.vmf import vmf_log_normalizer

PAPER_ALPHA = 10.0  # the inverse temperature 1/τ of the paper's experiments (τ = 0.1)

__all__ = [
    "PAPER_ALPHA",
    "infonce_loss",
    "symmetric_infonce_loss",
    "empirical_phi",
    "l_align",
    "l_uniform",
    "alignment_term_from_l_align",
    "log_pair_mgf_from_l_uniform",
    "population_loss",
    "phi_uniform",
    "phi_uniform_bounds",
    "derive_phi_uniform_bounds",
    "jensen_lower_bound",
    "optimal_uniformity",
    "phi_vmf",
    "phi_vmf_mixture",
    "vmf_mixture_mean",
    "phi_axial_acg",
    "log_funk_hecke_eigenvalue",
    "funk_hecke_ratio",
    "local_curvature",
    "derive_local_curvature_limit",
    "VMFAugmentation",
    "CopyOrFresh",
]


# --------------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------------
def _directions(u, name: str) -> np.ndarray:
    """An (..., N, d) array of unit rows, d >= 2."""
    arr = finite_array(u, name)
    if arr.ndim < 2 or arr.shape[-1] < 2:
        raise ValueError(f"{name} must be an (..., N, d) array of directions with d >= 2, got shape {arr.shape}.")
    norms = np.einsum("...i,...i->...", arr, arr)
    if np.any(np.abs(norms - 1) > 1e-6):
        raise ValueError(f"{name} must hold unit vectors (rows on S^(d-1)); divide each row by its norm first.")
    return arr


def _pair_batch(u, v) -> tuple[np.ndarray, np.ndarray]:
    u, v = _directions(u, "u (anchors)"), _directions(v, "v (positives)")
    if u.shape != v.shape:
        raise ValueError(f"u and v must have the same shape (pairs (u_i, v_i)), got {u.shape} and {v.shape}.")
    return u, v


# --------------------------------------------------------------------------------------------
# Empirical InfoNCE (Eq. 2) and Wang & Isola's metrics
# --------------------------------------------------------------------------------------------
def _one_sided(u, v, alpha):
    logits = alpha * np.einsum("...id,...jd->...ij", u, v)
    positives = np.diagonal(logits, axis1=-2, axis2=-1)
    return np.mean(special.logsumexp(logits, axis=-1) - positives, axis=-1)


def infonce_loss(u, v, alpha):
    r"""Empirical InfoNCE of paper Eq. 2: :math:`-\frac1N\sum_i\log\frac{e^{\alpha u_i\cdot v_i}}{\sum_je^{\alpha u_i\cdot v_j}}`.

    Parameters
    ----------
    u, v : array_like, shape (..., N, d)
        Anchors and positives, unit rows; leading axes are independent batches.
    alpha : float
        Inverse temperature :math:`1/\tau`.

    Returns
    -------
    float or ndarray
        One loss per batch; log-sum-exp throughout (no overflow at :math:`\tau=0.01`, d = 4096).
    """
    u, v = _pair_batch(u, v)
    out = _one_sided(u, v, inverse_temperature(alpha))
    return out if np.ndim(out) else float(out)


def symmetric_infonce_loss(u, v, alpha):
    r"""The two-sided loss :math:`\tfrac12(L_N(u,v)+L_N(v,u))` used in practice (SimCLR, CLIP).

    The paper gives only the one-sided Eq. 2. Both have the same population limit when
    :math:`(u,v)` and :math:`(v,u)` have the same law (both views from one channel).
    """
    u, v = _pair_batch(u, v)
    alpha = inverse_temperature(alpha)
    out = 0.5 * (_one_sided(u, v, alpha) + _one_sided(v, u, alpha))
    return out if np.ndim(out) else float(out)


def empirical_phi(u, alpha, *, include_self=False):
    r"""Φ of the empirical law of n points: :math:`\frac1n\sum_i\log\frac1{n'}\sum_{j}e^{\alpha u_i\cdot u_j}`.

    ``include_self=False`` drops :math:`j=i` (:math:`n'=n-1`): for i.i.d. draws from μ this estimates
    Φ(μ) with bias :math:`-E_\mu[s^2/(2g^2)]/(n-1)` (log of a sample mean). With
    ``include_self=True`` it is Φ of the empirical measure itself (:math:`n'=n`), the quantity an
    InfoNCE loss with perfectly aligned positives sees (Lemma 2).
    """
    u = _directions(u, "u (points on the sphere)")
    n = u.shape[-2]
    if n < 2:
        raise ValueError("empirical_phi needs at least 2 points.")
    logits = inverse_temperature(alpha) * np.einsum("...id,...jd->...ij", u, u)
    if not include_self:
        logits = logits + np.where(np.eye(n, dtype=bool), -np.inf, 0.0)
    out = np.mean(special.logsumexp(logits, axis=-1), axis=-1) - math.log(n if include_self else n - 1)
    return out if np.ndim(out) else float(out)


def l_align(u, v, *, power=2.0):
    r"""Wang & Isola's alignment metric :math:`L_{align}=\frac1N\sum_i\|u_i-v_i\|^{p}` (default p = 2)."""
    u, v = _pair_batch(u, v)
    power = positive(power, "power")
    return float(np.mean(np.linalg.norm(u - v, axis=-1) ** power))


def l_uniform(u, *, t=2.0):
    r"""Wang & Isola's uniformity metric :math:`L_{uniform}=\log\frac{2}{n(n-1)}\sum_{i<j}e^{-t\|u_i-u_j\|^2}` (t = 2)."""
    u = _directions(u, "u (points on the sphere)")
    if u.ndim != 2 or u.shape[0] < 2:
        raise ValueError("l_uniform needs an (n, d) array with n >= 2.")
    t = positive(t, "t")
    n = u.shape[0]
    i, j = np.triu_indices(n, 1)
    sq = np.maximum(2.0 - 2.0 * np.einsum("nd,nd->n", u[i], u[j]), 0.0)
    return float(special.logsumexp(-t * sq) - math.log(i.size))


def alignment_term_from_l_align(l_align_value, alpha):
    r"""Paper's alignment term from W&I's metric (p = 2): :math:`-\alpha E[u\cdot v]=-\alpha+\tfrac\alpha2L_{align}`,
    since :math:`\|u-v\|^2=2-2u\cdot v`."""
    return -inverse_temperature(alpha) + 0.5 * inverse_temperature(alpha) * float(l_align_value)


def log_pair_mgf_from_l_uniform(l_uniform_value, t):
    r""":math:`\log E_{u,v\sim\mu}e^{2t\,u\cdot v}=2t+L_{uniform}(t)`; at :math:`t=\alpha/2` this is the
    upper Jensen bound :math:`\Phi(\mu)\le\alpha+L_{uniform}(\alpha/2)`."""
    return 2 * positive(t, "t") + float(l_uniform_value)


def population_loss(alignment, phi, alpha):
    r"""Eq. 4: :math:`\mathcal L(\mu,\pi)=-\alpha E_\pi[u\cdot v]+\Phi(\mu)`, from the mean positive cosine and Φ."""
    alignment = float(alignment)
    if not -1 <= alignment <= 1:
        raise ValueError(f"alignment is a mean cosine E[u·v] and must lie in [-1, 1], got {alignment}.")
    return -inverse_temperature(alpha) * alignment + float(phi)


# --------------------------------------------------------------------------------------------
# Φ at the uniform law: exact value, bounds, W&I optimal uniformity
# --------------------------------------------------------------------------------------------
def _dimension(d) -> int:
    return integer(d, "d (the ambient dimension)", minimum=2)


def phi_uniform(d, alpha):
    r""":math:`\Phi(\sigma)=\log E_\sigma e^{\alpha w\cdot u}=\log{}_0F_1(;\tfrac d2;\tfrac{\alpha^2}4)`.

    Stable for any d and :math:`\alpha` (log-space series); ``alpha`` may be an array.
    """
    alpha = np.asarray(alpha, dtype=float)
    if np.any(~np.isfinite(alpha)) or np.any(alpha <= 0):
        raise ValueError("alpha (the inverse temperature 1/tau) must be finite and > 0.")
    return log_hyp0f1(_dimension(d) / 2, alpha**2 / 4)


def phi_uniform_bounds(d, alpha) -> tuple[float, float]:
    r"""Rigorous bounds :math:`\frac{d+2}2\log\bigl(1+\frac{\alpha^2}{d(d+2)}\bigr)\le\Phi(\sigma)\le\frac{\alpha^2}{2d}`.

    From :math:`\Phi(\sigma)=\int_0^\alpha A_d(\kappa)d\kappa` and the first two convergents of Gauss's
    continued fraction :math:`A_d(\kappa)=\kappa/(d+\kappa^2/(d+2+\kappa^2/(d+4+\dots)))` (positive
    elements, so the convergents alternate around the value):
    :math:`\kappa/(d+\kappa^2/(d+2))\le A_d(\kappa)\le\kappa/d`. The lower bound is
    :math:`\ge\alpha^2/(2d)-\alpha^4/(4d^2(d+2))`, so :math:`\Phi(\sigma)=\alpha^2/(2d)-O(\alpha^4/d^3)`
    (:func:`derive_phi_uniform_bounds` derives all of this with sympy).
    """
    d, alpha = _dimension(d), inverse_temperature(alpha)
    return 0.5 * (d + 2) * math.log1p(alpha**2 / (d * (d + 2))), alpha**2 / (2 * d)


@functools.lru_cache(maxsize=2)
def derive_phi_uniform_bounds() -> dict:
    r"""Derive the expansion and the bounds of :math:`\Phi(\sigma)=\log{}_0F_1(;d/2;\alpha^2/4)` with sympy.

    Returns a dict of sympy expressions in ``d`` and ``alpha``:

    * ``series``: the cumulant expansion to :math:`\alpha^6` from the ₀F₁ series,
      :math:`\frac{\alpha^2}{2d}-\frac{\alpha^4}{4d^2(d+2)}+O(\alpha^6)`;
    * ``upper``, ``lower``: :math:`\int_0^\alpha` of the continued-fraction convergents
      :math:`\kappa/d` and :math:`\kappa/(d+\kappa^2/(d+2))`;
    * ``lower_series``: the expansion of ``lower`` to :math:`\alpha^6`; its :math:`\alpha^4`
      coefficient equals that of ``series``, and ``lower`` :math:`\ge\alpha^2/(2d)-\alpha^4/(4d^2(d+2))`
      because :math:`\log(1+x)\ge x-x^2/2`.
    """
    d, a, k = sp.symbols("d alpha kappa", positive=True)
    b, z = d / 2, a**2 / 4
    hyp = sum(z**j / (sp.rf(b, j) * sp.factorial(j)) for j in range(4))
    upper = sp.integrate(k / d, (k, 0, a))
    lower = sp.simplify(sp.integrate(k / (d + k**2 / (d + 2)), (k, 0, a)))

    def expand(expr):
        series = sp.series(expr, a, 0, 7).removeO()
        return sum(sp.factor(sp.simplify(series.coeff(a, j))) * a**j for j in (2, 4, 6))

    return {"series": expand(sp.log(hyp)), "upper": upper, "lower": lower, "lower_series": expand(lower)}


def jensen_lower_bound(mean_length, alpha):
    r"""Jensen: :math:`\Phi(\mu)=E_u\log E_ve^{\alpha u\cdot v}\ge E_u\,\alpha u\cdot m=\alpha\|m(\mu)\|^2`."""
    r = float(mean_length)
    if not 0 <= r <= 1:
        raise ValueError(f"mean_length is ||m(mu)|| and must lie in [0, 1], got {r}.")
    return inverse_temperature(alpha) * r * r


def optimal_uniformity(d, t):
    r"""W&I's optimal uniformity :math:`L_{uniform}(\sigma;t)=-2t+\log{}_0F_1(;\tfrac d2;t^2)\to-2t` (A6).

    :math:`e^{-t\|u-v\|^2}=e^{-2t}e^{2t\,u\cdot v}` and the MGF of :math:`u\cdot v` at :math:`2t`. The gap to
    :math:`-2t` is at most :math:`2t^2/d` (the upper bound of :func:`phi_uniform_bounds` at :math:`\alpha=2t`).
    """
    t = positive(t, "t")
    return -2 * t + log_hyp0f1(_dimension(d) / 2, t * t)


# --------------------------------------------------------------------------------------------
# Quadrature machinery
# --------------------------------------------------------------------------------------------
_GL = np.polynomial.legendre.leggauss(160)


@np.errstate(divide="ignore")  # log sin θ is -inf at the ends of [0, π]
def _windowed_rule(ell, lo: float, hi: float, *, drop: float = 80.0) -> tuple[np.ndarray, np.ndarray, float]:
    r"""Gauss–Legendre rule for the density :math:`\propto e^{\ell(x)}` on [lo, hi] (ℓ unimodal, vectorized).

    The window is where :math:`\ell\ge\max\ell-` ``drop`` (the mass left out is below :math:`e^{-drop}`
    relative). Returns nodes, weights summing to 1 and :math:`\log\int_{lo}^{hi}e^{\ell}`.
    """
    grid = np.linspace(lo, hi, 4097)
    values = ell(grid)
    i = int(np.argmax(values))
    a, b = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    res = optimize.minimize_scalar(lambda x: -float(ell(np.array([x]))[0]), bounds=(a, b), method="bounded",
                                   options={"xatol": 1e-13 * max(1.0, abs(b))})
    x_peak, top = (res.x, -res.fun) if -res.fun >= values[i] else (grid[i], values[i])

    def edge(end):
        if float(ell(np.array([end]))[0]) >= top - drop:
            return end
        # clipped below at -drop so that a -inf at the boundary stays finite for brentq
        return optimize.brentq(lambda x: max(float(ell(np.array([x]))[0]) - (top - drop), -drop), x_peak, end, xtol=1e-15)

    left, right = edge(lo), edge(hi)
    half = 0.5 * (right - left)
    nodes = left + half * (_GL[0] + 1.0)
    log_w = np.log(half * _GL[1]) + ell(nodes) - top
    weights = np.exp(log_w)
    mass = weights.sum()
    return nodes, weights / mass, float(top + math.log(mass))


def _log_sin_power(m: float, theta):
    r""":math:`m\log\sin\theta`, with :math:`0\cdot\log 0=0` at the ends for m = 0."""
    return m * np.log(np.sin(theta)) if m else np.zeros_like(theta)


def _angle_rule(m: float, kappa: float) -> tuple[np.ndarray, np.ndarray, float]:
    r"""Rule for the angle θ ∈ [0, π] with density :math:`\propto\sin^m\theta\,e^{\kappa\cos\theta}`.

    For :math:`m=d-2` this is the angle to the axis of vMF(κ) on :math:`S^{d-1}`; for :math:`\kappa=0`
    and :math:`m=d-3` the second angle of a uniform point. The log mass is
    :math:`\log\int_0^\pi\sin^m\theta e^{\kappa\cos\theta}d\theta=\log\bigl(B(\tfrac{m+1}2,\tfrac12)\,{}_0F_1(;\tfrac{m}2+1;\tfrac{\kappa^2}4)\bigr)`.
    """
    def ell(theta):
        return kappa * np.cos(theta) + _log_sin_power(m, theta)

    return _windowed_rule(ell, 0.0, math.pi)


def _perpendicular_rule(d: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Law of :math:`\cos\psi`, the in-plane perpendicular coordinate of a uniform point divided by
    :math:`\sin\theta`: :math:`\pm1` for d = 2, else density :math:`\propto\sin^{d-3}\psi` on [0, π]."""
    if d == 2:
        return np.array([-1.0, 1.0]), np.array([0.5, 0.5])
    psi, weights, _ = _angle_rule(d - 3, 0.0)
    return np.cos(psi), weights


@functools.lru_cache(maxsize=256)
def _log_hyp0f1_interpolant(b: float, x_lo: float, x_hi: float):
    r"""Chebyshev interpolant of :math:`x\mapsto\log{}_0F_1(;b;x^2)` on :math:`[x_{lo},x_{hi}]`.

    The function is analytic with its singularities at :math:`\pm i\,j_{b-1,k}/2` (zeros of Bessel J),
    so the coefficients decay geometrically; the degree doubles from 32 until the last three
    coefficients are below 1e-13 of the scale (about the accuracy of :func:`log_hyp0f1` itself).
    """
    if x_hi - x_lo < 1e-12 * max(1.0, x_hi):
        value = float(log_hyp0f1(b, x_lo * x_lo))
        return lambda x: np.full(np.shape(x), value)

    def f(s):
        x = x_lo + 0.5 * (x_hi - x_lo) * (s + 1.0)
        return log_hyp0f1(b, x * x)

    for degree in (32, 64, 128, 256, 512, 1024, 2048):
        coef = chebyshev.chebinterpolate(f, degree)
        if np.max(np.abs(coef[-3:])) <= 1e-13 * max(1.0, np.max(np.abs(coef))):
            break
    else:
        raise ArithmeticError(f"log 0F1(; {b}; x^2) on [{x_lo}, {x_hi}] needs a Chebyshev degree above 2048.")
    series = chebyshev.Chebyshev(coef, domain=[x_lo, x_hi])
    return lambda x: series(np.clip(x, x_lo, x_hi))


def _log_tilted_mgf(d: int, kappa: float, alpha: float):
    r""":math:`t\mapsto\log{}_0F_1(;\tfrac d2;\|\kappa w+\alpha u\|^2/4)` with :math:`t=w\cdot u`, i.e.
    :math:`\log E_{v\sim\sigma}e^{(\kappa w+\alpha u)\cdot v}`, as a vectorized function."""
    lo, hi = abs(kappa - alpha) / 2, (kappa + alpha) / 2
    interp = _log_hyp0f1_interpolant(d / 2, lo, hi)
    return lambda t: interp(0.5 * np.sqrt(np.maximum(kappa**2 + alpha**2 + 2 * kappa * alpha * t, 0.0)))


# --------------------------------------------------------------------------------------------
# Φ on non-uniform families
# --------------------------------------------------------------------------------------------
def _mixture_args(d, weights, kappas, angles):
    d = _dimension(d)
    weights = finite_array(weights, "weights").ravel()
    kappas = finite_array(kappas, "kappas").ravel()
    angles = finite_array(angles if angles is not None else np.zeros_like(kappas), "angles").ravel()
    if not weights.size == kappas.size == angles.size >= 1:
        raise ValueError(f"need one weight, kappa and angle per component, got {weights.size}, {kappas.size}, {angles.size}.")
    if np.any(weights < 0) or abs(weights.sum() - 1) > 1e-10:
        raise ValueError("weights must be non-negative and sum to 1.")
    if np.any(kappas < 0):
        raise ValueError("kappas (vMF concentrations) must be >= 0.")
    return d, weights, kappas, angles


def vmf_mixture_mean(d, weights, kappas, angles=None) -> np.ndarray:
    r"""Mean :math:`m=\sum_j\pi_jA_d(\kappa_j)(\cos\varphi_j,\sin\varphi_j)` of a planar vMF mixture, in
    the plane's coordinates (see :func:`phi_vmf_mixture`)."""
    d, weights, kappas, angles = _mixture_args(d, weights, kappas, angles)
    lengths = weights * np.asarray(bessel_ratio(d, kappas))
    return np.array([lengths @ np.cos(angles), lengths @ np.sin(angles)])


def phi_vmf_mixture(d, weights, kappas, angles, alpha) -> float:
    r"""Φ of :math:`\mu=\sum_j\pi_j\,\mathrm{vMF}(\kappa_j,w_j)`, axes :math:`w_j=(\cos\varphi_j,\sin\varphi_j,0,\dots)`.

    The inner expectation is exact: :math:`E_{v\sim\mu}e^{\alpha u\cdot v}=\sum_j\pi_j
    {}_0F_1(;\tfrac d2;\|\kappa_jw_j+\alpha u\|^2/4)/{}_0F_1(;\tfrac d2;\tfrac{\kappa_j^2}4)`, a function of
    :math:`w_j\cdot u` only. The outer one runs over each component i in its own frame: with θ the
    angle of u to :math:`w_i` (density :math:`\propto\sin^{d-2}\theta e^{\kappa_i\cos\theta}`) and ψ the
    independent angle of its remainder to the plane (density :math:`\propto\sin^{d-3}\psi`),
    :math:`w_j\cdot u=\cos(\varphi_j-\varphi_i)\cos\theta+\sin(\varphi_j-\varphi_i)\sin\theta\cos\psi`: a
    two-dimensional product quadrature per component. Collinear axes (angles 0 and π) include the
    symmetric mixtures with :math:`m=0`.
    """
    d, weights, kappas, angles = _mixture_args(d, weights, kappas, angles)
    alpha = inverse_temperature(alpha)
    keep = weights > 0
    weights, kappas, angles = weights[keep], kappas[keep], angles[keep]
    inner = [_log_tilted_mgf(d, float(k), alpha) for k in kappas]
    log_coef = np.log(weights) - np.asarray(vmf_log_normalizer(d, kappas), dtype=float).reshape(-1)
    perp, perp_w = _perpendicular_rule(d)
    total = 0.0
    for pi_i, kappa_i, phi_i in zip(weights, kappas, angles):
        theta, theta_w, _ = _angle_rule(d - 2, float(kappa_i))
        cos_t, sin_t = np.cos(theta)[:, None], np.sin(theta)[:, None]
        terms = [log_coef[j] + inner[j](np.cos(angles[j] - phi_i) * cos_t + np.sin(angles[j] - phi_i) * sin_t * perp)
                 for j in range(weights.size)]
        log_h = special.logsumexp(np.stack(terms), axis=0)
        total += pi_i * float(theta_w @ log_h @ perp_w)
    return total


def phi_vmf(d, kappa, alpha) -> float:
    r"""Φ of the vMF tilt :math:`\mathrm{vMF}(\kappa,w)`:
    :math:`E_{t}\log{}_0F_1(;\tfrac d2;\tfrac{\kappa^2+\alpha^2+2\kappa\alpha t}4)-\log{}_0F_1(;\tfrac d2;\tfrac{\kappa^2}4)`,
    :math:`t=w\cdot u` under the vMF (one-dimensional quadrature). :math:`\kappa=0` gives :func:`phi_uniform`."""
    return phi_vmf_mixture(d, [1.0], [float(kappa)], [0.0], alpha)


def phi_axial_acg(d, scale, alpha) -> float:
    r"""Φ of the angular central Gaussian :math:`\mathrm{ACG}(\Sigma)`, :math:`\Sigma=\mathrm{diag}(s,1,\dots,1)`.

    The law of :math:`g/\|g\|`, :math:`g\sim N(0,\Sigma)`: density :math:`s^{-1/2}(t^2/s+1-t^2)^{-d/2}` with
    respect to σ, :math:`t=e_1\cdot u` (Prop 3's angular part of an anisotropic Gaussian); mean 0, so
    Jensen gives only Φ ≥ 0. Given t the remainder is uniform on :math:`S^{d-2}`, so with
    :math:`t_u=e_1\cdot u`,

    .. math:: E_{v}e^{\alpha u\cdot v}=E_t\bigl[e^{\alpha tt_u}\,{}_0F_1(;\tfrac{d-1}2;\tfrac{\alpha^2(1-t^2)(1-t_u^2)}4)\bigr],

    and Φ is a two-dimensional quadrature (both t laws symmetric: the inner one folds into
    :math:`\cosh(\alpha tt_u)`, the outer one into :math:`t_u\ge0`). ``scale`` s = 1 is σ.
    """
    d, alpha = _dimension(d), inverse_temperature(alpha)
    s = positive(scale, "scale (the variance along e1 relative to the other axes)")

    def ell(theta):
        return _log_sin_power(d - 2, theta) - 0.5 * d * np.log(np.cos(theta) ** 2 / s + np.sin(theta) ** 2)

    theta, weights, _ = _windowed_rule(ell, 0.0, 0.5 * math.pi)
    t = np.cos(theta)
    one_minus = np.sin(theta) ** 2
    perp = _log_hyp0f1_interpolant((d - 1) / 2, 0.0, alpha / 2)
    x = alpha * t[:, None] * t[None, :]
    log_cosh = x + np.log1p(np.exp(-2 * x)) - math.log(2)
    terms = log_cosh + perp(0.5 * alpha * np.sqrt(one_minus[:, None] * one_minus[None, :]))
    log_h = special.logsumexp(terms, b=weights[None, :], axis=1)
    return float(weights @ log_h)


# --------------------------------------------------------------------------------------------
# Funk–Hecke eigenvalues and the local curvature of Φ at σ (Appendix D)
# --------------------------------------------------------------------------------------------
def log_funk_hecke_eigenvalue(d, alpha, n):
    r""":math:`\log\lambda_n` for :math:`Kh(u)=E_{v\sim\sigma}[e^{\alpha u\cdot v}h(v)]` on degree-n harmonics.

    Funk–Hecke: :math:`\lambda_n=\Gamma(\tfrac d2)(\tfrac2\alpha)^{d/2-1}I_{n+d/2-1}(\alpha)
    =\frac{(\alpha/2)^n}{(d/2)_n}\,{}_0F_1(;\tfrac d2+n;\tfrac{\alpha^2}4)`, so
    :math:`\lambda_0={}_0F_1(;\tfrac d2;\tfrac{\alpha^2}4)` and :math:`\lambda_1/\lambda_0=A_d(\alpha)`.
    """
    d, alpha = _dimension(d), inverse_temperature(alpha)
    n = np.asarray(n)
    if not np.issubdtype(n.dtype, np.integer) or np.any(n < 0):
        raise ValueError("n (the harmonic degree) must be a non-negative integer or an array of them.")
    out = (n * math.log(alpha / 2) - (special.gammaln(d / 2 + n) - special.gammaln(d / 2))
           + log_hyp0f1(d / 2 + n, alpha**2 / 4))
    return out if np.ndim(out) else float(out)


def funk_hecke_ratio(d, alpha, n):
    r""":math:`\lambda_n/\lambda_0\in(0,1]`, decreasing in n; :math:`\lambda_1/\lambda_0=A_d(\alpha)`."""
    out = np.exp(np.asarray(log_funk_hecke_eigenvalue(d, alpha, n)) - log_funk_hecke_eigenvalue(d, alpha, 0))
    return out if np.ndim(out) else float(out)


def local_curvature(d, alpha):
    r""":math:`q^*(d,\alpha)=dA_d(\alpha)(1-A_d(\alpha)/2)`: :math:`\Phi(\mu)-\Phi(\sigma)=q^*\|m(\mu)\|^2+\dots`
    along the mean direction (Appendix D).

    For :math:`\mu=(1+\varepsilon h)\sigma`, :math:`\Phi(\mu)-\Phi(\sigma)=\varepsilon^2\sum_{n\ge1}
    \frac{\lambda_n}{\lambda_0}(1-\frac{\lambda_n}{2\lambda_0})\|h_n\|^2+O(\varepsilon^3)`; a first harmonic
    :math:`h=c\,w\cdot u` has :math:`\varepsilon^2\|h_1\|^2=d\|m\|^2`. Tends to α as d → ∞; σ is a local
    minimizer of :math:`J_q=\Phi-q\|m\|^2` along m iff :math:`q^*>q`.
    """
    a = bessel_ratio(_dimension(d), inverse_temperature(alpha))
    return d * a * (1 - a / 2)


def derive_local_curvature_limit() -> sp.Expr:
    r"""Derive :math:`\lim_{d\to\infty}q^*(d,\alpha)` with sympy by squeezing :math:`A_d(\alpha)` between
    its continued-fraction convergents :math:`\alpha/(d+\alpha^2/(d+2))` and :math:`\alpha/d`; returns α
    (raises if the two limits differ)."""
    d, a = sp.symbols("d alpha", positive=True)
    limits = {sp.limit(d * r * (1 - r / 2), d, sp.oo) for r in (a / d, a / (d + a**2 / (d + 2)))}
    if len(limits) != 1:
        raise ArithmeticError(f"the squeeze limits differ: {limits}")
    return limits.pop()


# --------------------------------------------------------------------------------------------
# Solvable positive-pair laws: population loss and the finite-batch bias constant
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VMFAugmentation:
    r"""Positive pairs :math:`u\sim\sigma`, :math:`v\mid u\sim\mathrm{vMF}(\kappa,u)` on :math:`S^{d-1}`.

    Both marginals are σ (the kernel is symmetric), :math:`E_\pi[u\cdot v]=A_d(\kappa)`, so
    :math:`\mathcal L=-\alpha A_d(\kappa)+\log{}_0F_1(;\tfrac d2;\tfrac{\alpha^2}4)` exactly, and
    :math:`E_\pi e^{\alpha u\cdot v}={}_0F_1(;\tfrac d2;\tfrac{(\kappa+\alpha)^2}4)/{}_0F_1(;\tfrac d2;\tfrac{\kappa^2}4)`.
    """

    d: int
    kappa: float
    alpha: float

    def __post_init__(self):
        object.__setattr__(self, "d", _dimension(self.d))
        kappa = float(self.kappa)
        if not math.isfinite(kappa) or kappa < 0:
            raise ValueError(f"kappa (the vMF concentration of the positive view) must be finite and >= 0, got {self.kappa!r}.")
        object.__setattr__(self, "kappa", kappa)
        object.__setattr__(self, "alpha", inverse_temperature(self.alpha))

    def alignment(self) -> float:
        return float(bessel_ratio(self.d, self.kappa))

    def phi(self) -> float:
        return phi_uniform(self.d, self.alpha)

    def population_loss(self) -> float:
        return population_loss(self.alignment(), self.phi(), self.alpha)

    def bias_constant(self) -> float:
        r"""First-order constant :math:`c_1` of :math:`E L_N-\log N-\mathcal L=c_1/N+O(N^{-2})`.

        By exchangeability :math:`E L_N=-\alpha E_\pi[u\cdot v]+E\log\sum_je^{\alpha u_1\cdot v_j}`; with
        :math:`g(u)=E_{x\sim\mu}e^{\alpha u\cdot x}`, :math:`s^2(u)=\mathrm{Var}_{x\sim\mu}e^{\alpha u\cdot x}` and
        :math:`N-1` independent negatives, expanding :math:`\log` of the sample mean to second order gives

        .. math:: c_1=E_\pi\Bigl[\frac{e^{\alpha u\cdot v}}{g(u)}\Bigr]-1-E_\mu\Bigl[\frac{s^2(u)}{2g(u)^2}\Bigr].

        (W&I's form with M negatives plus the positive, normalized by log M, has the same expansion
        without the −1.) Under σ, :math:`g={}_0F_1(;\tfrac d2;\tfrac{\alpha^2}4)` and
        :math:`s^2={}_0F_1(;\tfrac d2;\alpha^2)-g^2`.
        """
        b, a, k = self.d / 2, self.alpha, self.kappa
        log_g = log_hyp0f1(b, a * a / 4)
        positive_ratio = math.exp(log_hyp0f1(b, (k + a) ** 2 / 4) - log_hyp0f1(b, k * k / 4) - log_g)
        return positive_ratio - 1 - 0.5 * math.expm1(log_hyp0f1(b, a * a) - 2 * log_g)


@dataclass(frozen=True)
class CopyOrFresh:
    r"""Positive pairs with a non-uniform marginal: :math:`u\sim\mu=\mathrm{vMF}(\kappa,e_1)`; :math:`v=u` with
    probability p, else an independent fresh draw from μ.

    Both marginals are μ, :math:`E_\pi[u\cdot v]=p+(1-p)A_d(\kappa)^2`, Φ(μ) from :func:`phi_vmf`, and
    the bias constant of :meth:`VMFAugmentation.bias_constant` becomes
    :math:`c_1=p\,(e^\alpha E_\mu[1/g]-1)-E_\mu[s^2/(2g^2)]`, one quadrature in :math:`t=e_1\cdot u` with
    :math:`g(u)={}_0F_1(;\tfrac d2;\|\kappa e_1+\alpha u\|^2/4)/{}_0F_1(;\tfrac d2;\tfrac{\kappa^2}4)` and
    :math:`E_\mu e^{2\alpha u\cdot x}` the same at 2α.
    """

    d: int
    kappa: float
    p: float
    alpha: float

    def __post_init__(self):
        object.__setattr__(self, "d", _dimension(self.d))
        kappa, p = float(self.kappa), float(self.p)
        if not math.isfinite(kappa) or kappa < 0:
            raise ValueError(f"kappa (the concentration of mu) must be finite and >= 0, got {self.kappa!r}.")
        if not 0 <= p <= 1:
            raise ValueError(f"p (the probability that the positive is a copy) must lie in [0, 1], got {self.p!r}.")
        object.__setattr__(self, "kappa", kappa)
        object.__setattr__(self, "p", p)
        object.__setattr__(self, "alpha", inverse_temperature(self.alpha))

    def alignment(self) -> float:
        return self.p + (1 - self.p) * float(bessel_ratio(self.d, self.kappa)) ** 2

    def phi(self) -> float:
        return phi_vmf(self.d, self.kappa, self.alpha)

    def population_loss(self) -> float:
        return population_loss(self.alignment(), self.phi(), self.alpha)

    def bias_constant(self) -> float:
        """:math:`c_1=p(e^\\alpha E_\\mu[1/g]-1)-E_\\mu[s^2/(2g^2)]` (see the class docstring)."""
        theta, weights, _ = _angle_rule(self.d - 2, self.kappa)
        t = np.cos(theta)
        log_norm = float(vmf_log_normalizer(self.d, self.kappa))
        log_g = _log_tilted_mgf(self.d, self.kappa, self.alpha)(t) - log_norm
        log_second = _log_tilted_mgf(self.d, self.kappa, 2 * self.alpha)(t) - log_norm
        inverse_g = weights @ np.exp(self.alpha - log_g)
        half_cv2 = 0.5 * (weights @ np.expm1(log_second - 2 * log_g))
        return self.p * (inverse_g - 1) - half_cv2
