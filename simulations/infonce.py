r"""Monte Carlo of the InfoNCE batch loss, its finite-N bias, and the free-particle experiment.

* :func:`batch_loss_estimates`: batches of N positive pairs from a solvable pair law of
  :mod:`infonce_gauss.theory.infonce`; the loss of Eq. 2 (and its symmetric variant) minus log N, the bias
  :math:`E L_N-\log N-\mathcal L` and the batch-to-batch standard deviation of :math:`L_N`, each with
  its standard error, n and seed.
* :func:`bias_sweep` / :func:`bias_rate_fits`: the N-sweep and the fitted slopes: the bias falls like
  :math:`c_1/N` (slope −1, constant derived here: :meth:`~infonce_gauss.theory.infonce.VMFAugmentation.bias_constant`), the standard deviation like :math:`N^{-1/2}`.
* :func:`train_particles` / :func:`particle_sweep`: n points on :math:`S^{d-1}` (a non-parametric
  encoder) trained with InfoNCE at a fixed alignment level (the plateau, Assumption 1), then their
  distance to uniformity and the Gaussianity of fixed projections against the exact finite-d law.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from infonce_gauss.simulations.estimates import Estimate, mean_estimate
from infonce_gauss.simulations.rates import column, fit_rate, points_needed, sweep
from infonce_gauss.simulations.sampling import as_generator, uniform_sphere
from infonce_gauss.simulations.sphere import kurtosis_estimate
from infonce_gauss.simulations.uniformity import bingham_test, rayleigh_test
from infonce_gauss.theory.infonce import CopyOrFresh, VMFAugmentation, empirical_phi, phi_uniform
from infonce_gauss.theory.sphere import (
    kolmogorov_to_gaussian,
    projected_cdf,
    projected_excess_kurtosis,
    squared_norm_law,
    tv_to_gaussian,
)
from infonce_gauss.theory.validation import integer, positive
from infonce_gauss.theory.vmf import vmf_kappa_for_mean_length

__all__ = [
    "sample_vmf",
    "sample_pairs",
    "batch_loss_estimates",
    "bias_sweep",
    "bias_rate_fits",
    "ParticleConfig",
    "ParticleRun",
    "train_particles",
    "particle_diagnostics",
    "particle_sweep",
]


# --------------------------------------------------------------------------------------------
# Samplers
# --------------------------------------------------------------------------------------------
def sample_vmf(means, kappa, *, rng) -> np.ndarray:
    r"""One draw from :math:`\mathrm{vMF}(\kappa,m_i)` per unit row :math:`m_i` of ``means`` (n, d).

    Draws around :math:`e_1` (:func:`_vmf_around_e1`) carried to :math:`m_i` by a reflection
    (:func:`_reflect_to`). :math:`\kappa=0` is the uniform law.
    """
    means = np.asarray(means, dtype=np.float64)
    if means.ndim != 2 or means.shape[1] < 2:
        raise ValueError(f"means must be an (n, d) array of unit rows with d >= 2, got shape {means.shape}.")
    kappa = float(kappa)
    if kappa < 0 or not math.isfinite(kappa):
        raise ValueError(f"kappa must be finite and >= 0, got {kappa!r}.")
    gen = as_generator(rng)
    if kappa == 0:
        return uniform_sphere(means.shape[0], means.shape[1], rng=gen)
    return _reflect_to(means, _vmf_around_e1(means.shape[0], means.shape[1], kappa, gen))


def _vmf_around_e1(n: int, d: int, kappa: float, gen) -> np.ndarray:
    r"""n draws of :math:`\mathrm{vMF}(\kappa,e_1)` on :math:`S^{d-1}` by Wood's (1994) rejection sampler.

    :math:`t=e_1\cdot v` has density :math:`\propto(1-t^2)^{(d-3)/2}e^{\kappa t}`; Wood proposes
    :math:`w=(1-(1+b)z)/(1-(1-b)z)`, :math:`z\sim\mathrm{Beta}(\tfrac{d-1}2,\tfrac{d-1}2)`, with
    :math:`b=(d-1)/(2\kappa+\sqrt{4\kappa^2+(d-1)^2})` and accepts with probability
    :math:`\exp(\kappa w+(d-1)\log(1-x_0w)-c)`; the remainder is uniform on :math:`S^{d-2}`.
    (scipy's ``vonmises_fisher`` draws the same law but costs about 6 s per call at d = 1024.)
    """
    m = d - 1
    b = m / (2 * kappa + math.sqrt(4 * kappa * kappa + m * m))
    x0 = (1 - b) / (1 + b)
    c = kappa * x0 + m * math.log1p(-x0 * x0)
    t = np.empty(n)
    todo = np.arange(n)
    while todo.size:
        z = gen.beta(m / 2, m / 2, size=todo.size)
        w = (1 - (1 + b) * z) / (1 - (1 - b) * z)
        accept = kappa * w + m * np.log1p(-x0 * w) - c >= np.log(gen.random(todo.size))
        t[todo[accept]] = w[accept]
        todo = todo[~accept]
    rest = uniform_sphere(n, m, rng=gen) if m >= 2 else gen.choice([-1.0, 1.0], size=(n, 1))
    return np.column_stack([t, np.sqrt(np.maximum(1 - t * t, 0.0))[:, None] * rest])


@functools.singledispatch
def sample_pairs(law, n, *, rng) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` positive pairs (u, v) from a pair law of :mod:`infonce_gauss.theory.infonce`."""
    raise ValueError(f"unknown pair law {type(law).__name__}; use VMFAugmentation or CopyOrFresh.")


@sample_pairs.register
def _(law: VMFAugmentation, n, *, rng):
    gen = as_generator(rng)
    u = uniform_sphere(integer(n, "n (number of pairs)", minimum=1), law.d, rng=gen)
    return u, sample_vmf(u, law.kappa, rng=gen)


@sample_pairs.register
def _(law: CopyOrFresh, n, *, rng):
    gen = as_generator(rng)
    n = integer(n, "n (number of pairs)", minimum=1)
    axis = np.tile(np.eye(law.d)[0], (n, 1))
    u, fresh = sample_vmf(axis, law.kappa, rng=gen), sample_vmf(axis, law.kappa, rng=gen)
    return u, np.where(gen.random(n)[:, None] < law.p, u, fresh)


# --------------------------------------------------------------------------------------------
# The batch loss and its bias
# --------------------------------------------------------------------------------------------
_CHUNK_ENTRIES = 2**22  # logits, and pair coordinates, per chunk of batches (32 MiB each in float64)


def _mean_logsumexp(logits, axis):
    """Mean over the other axis of log-sum-exp along ``axis`` of a (B, N, N) array (max-shifted)."""
    top = logits.max(axis=axis, keepdims=True)
    return np.mean(np.log(np.exp(logits - top).sum(axis=axis)) + np.squeeze(top, axis), axis=1)


def _batch_terms(u, v, alpha):
    """Per batch: mean positive cosine, mean log-sum-exp over candidates (both directions)."""
    logits = np.einsum("bid,bjd->bij", u, v)
    cosine = np.mean(np.diagonal(logits, axis1=1, axis2=2), axis=1)
    logits *= alpha
    return cosine, _mean_logsumexp(logits, 2), _mean_logsumexp(logits, 1)


def batch_loss_estimates(law, n_batch, *, batches, seed) -> dict[str, Estimate]:
    r"""Monte Carlo of the InfoNCE loss on ``batches`` independent batches of ``n_batch`` pairs.

    With :math:`\bar c` the batch's mean positive cosine and :math:`U_N=\frac1N\sum_i\log\sum_j
    e^{\alpha u_i\cdot v_j}`, :math:`L_N=-\alpha\bar c+U_N` (Eq. 2). Returns Estimates of

    * ``loss``: :math:`E L_N-\log N` (→ :math:`\mathcal L`), ``symmetric_loss`` likewise, and
      ``symmetric_minus_loss`` their per-batch difference (mean 0 when (u, v) and (v, u) have one law);
    * ``bias``: :math:`E L_N-\log N-\mathcal L=E[U_N-\log N]-\Phi(\mu)` (the alignment term's
      expectation :math:`-\alpha E_\pi[u\cdot v]` is known exactly, so it is not re-estimated: the
      same expectation with far less noise, whose standard error falls like 1/N instead of
      :math:`N^{-1/2}`);
    * ``loss_sd``: the standard deviation of :math:`L_N` across batches, with the delta-method
      standard error :math:`\sqrt{(\hat m_4/s^4-1)/(4B)}\,s` of a sample standard deviation.
    """
    n_batch = integer(n_batch, "n_batch (pairs per batch, N)", minimum=2)
    batches = integer(batches, "batches", minimum=3)
    gen = as_generator(seed)
    per_chunk = max(1, _CHUNK_ENTRIES // (n_batch * max(n_batch, law.d)))
    cos, fwd, bwd = [], [], []
    for start in range(0, batches, per_chunk):
        b = min(per_chunk, batches - start)
        u, v = sample_pairs(law, b * n_batch, rng=gen)
        terms = _batch_terms(u.reshape(b, n_batch, law.d), v.reshape(b, n_batch, law.d), law.alpha)
        for acc, value in zip((cos, fwd, bwd), terms):
            acc.append(value)
    cos, fwd, bwd = (np.concatenate(a) for a in (cos, fwd, bwd))
    log_n = math.log(n_batch)
    loss = -law.alpha * cos + fwd - log_n
    symmetric = -law.alpha * cos + 0.5 * (fwd + bwd) - log_n
    centred = loss - loss.mean()
    sd = float(centred.std(ddof=1))
    sd_se = sd * math.sqrt(max(np.mean(centred**4) / np.mean(centred**2) ** 2 - 1, 0.0) / (4 * batches))
    return {
        "loss": mean_estimate(loss, seed=seed),
        "symmetric_loss": mean_estimate(symmetric, seed=seed),
        "symmetric_minus_loss": mean_estimate(symmetric - loss, seed=seed),
        "bias": mean_estimate(fwd - log_n - law.phi(), seed=seed),
        "loss_sd": Estimate(sd, sd_se, batches, seed),
    }


def _bias_measure(law, n_batch, pairs, seed):
    batches = max(8, pairs // n_batch)
    est = batch_loss_estimates(law, n_batch, batches=batches, seed=seed)
    row = {f"{name}{part}": value for name, e in est.items() for part, value in (("", e.value), ("_se", e.se))}
    return {**row, "population_loss": law.population_loss(), "predicted_bias": law.bias_constant() / n_batch,
            "batches": batches}


def bias_sweep(law, sizes, *, pairs, seeds, executor=None, progress=False) -> list[dict]:
    """Tidy table: one row per batch size N and seed of :func:`batch_loss_estimates` on about ``pairs``
    pairs (``pairs // N`` batches, at least 8), with the exact population loss and the first-order
    prediction :math:`c_1/N` beside the estimates."""
    grid = [{"n_batch": integer(n, "batch size N", minimum=2)} for n in sizes]
    measure = functools.partial(_bias_measure, law, pairs=integer(pairs, "pairs", minimum=16))
    return sweep(measure, grid, seeds=list(seeds), executor=executor, progress=progress, desc="InfoNCE bias")


def bias_rate_fits(table, law, *, confidence_level=0.95) -> dict[str, dict]:
    r"""Fitted log–log slopes of the bias (:math:`|c_1|/N`: slope −1, constant :math:`|c_1|`) and of the
    standard deviation of :math:`L_N` (slope −1/2) against N, by weighted least squares on the SEs with
    one :math:`1/N` correction term (the :math:`O(N^{-2})` of the expansion). The bias is fitted in
    the sign of :math:`c_1`; rows where it is within 2 SE of 0 are dropped."""
    sign = math.copysign(1.0, law.bias_constant())
    bias_rows = [r for r in table if sign * r["bias"] > 2 * r["bias_se"]]
    needed = points_needed(corrections=1)
    if len({r["n_batch"] for r in bias_rows}) < needed:
        raise ValueError(f"fewer than {needed} batch sizes resolve the bias from 0; use more batches or smaller N.")
    bias = fit_rate(column(bias_rows, "n_batch"), sign * column(bias_rows, "bias"), se=column(bias_rows, "bias_se"),
                    corrections=1, confidence_level=confidence_level, predicted_slope=-1.0,
                    predicted_constant=abs(law.bias_constant()))
    spread = fit_rate(column(table, "n_batch"), column(table, "loss_sd"), se=column(table, "loss_sd_se"),
                      corrections=1, confidence_level=confidence_level, predicted_slope=-0.5)
    return {"bias": {"metric": "bias", **bias.to_dict(), "sign": sign, "slope_covers_prediction": bias.slope_covers_prediction},
            "loss_sd": {"metric": "loss_sd", **spread.to_dict(), "slope_covers_prediction": spread.slope_covers_prediction}}


# --------------------------------------------------------------------------------------------
# Free particles trained with InfoNCE at a fixed alignment level (Lemma 2 -> Corollary 1)
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ParticleConfig:
    r"""The free-particle InfoNCE experiment (the plateau route, Lemma 2 → Corollary 1).

    ``n`` particles :math:`a_i\in S^{d-1}` are the encoder's values on n items (a non-parametric
    encoder). Each step draws two views per item, :math:`u_i,v_i\sim\mathrm{vMF}(\kappa,a_i)`
    independently, with κ set so that :math:`E[u_i\cdot v_i]=A_d(\kappa)^2=` ``alignment`` for *every*
    configuration: the alignment plateau holds exactly (Assumption 1), and the population loss is
    :math:`-\alpha\cdot\text{alignment}+\Phi(\mu_a)`, :math:`\mu_a=\frac1n\sum_i\mathrm{vMF}(\kappa,a_i)`
    (Lemma 2). ``alignment = 1`` gives noiseless views :math:`u_i=v_i=a_i`. The loss is Eq. 2 on the
    full batch (N = n), minimized by Adam (cosine-decayed learning rate) over unnormalized parameters.

    ``start``: ``"cap"`` draws the particles from :math:`\mathrm{vMF}(\kappa_0,e_1)` with mean length
    ``init_mean_length`` (far from uniform, with a distinguished axis :math:`e_1`); ``"uniform"`` draws
    them i.i.d. from σ (rotation invariant: no direction is distinguished). ``threads``: torch CPU
    threads during training (default 1: these problems are small, and a fixed count keeps runs
    bit-identical; None keeps torch's setting).

    ``beta`` > 0 adds the paper's regularizer :math:`\beta(-\hat H(\rho)+\lambda\,\overline{\|z\|^2})` on the
    unnormalized points :math:`z_i=e^{s_i}a_i/\|a_i\|` (Eq. 11, :func:`infonce_gauss.simulations.regularizer.polar_regularizer_estimate`; the log radii
    :math:`s_i` are separate parameters, starting at 0), ``lam`` = λ; the default λ = d/2 makes the optimum
    :math:`N(0,I_d/d)`, with radii near 1 where the particles start.
    """

    n: int = 256
    d: int = 32
    alpha: float = 10.0
    alignment: float = 0.5
    steps: int = 300
    lr: float = 0.05
    start: str = "cap"
    init_mean_length: float = 0.9
    seed: int = 0
    device: str = "cpu"
    threads: int | None = 1
    beta: float = 0.0
    lam: float | None = None

    def __post_init__(self):
        integer(self.n, "n (number of particles)", minimum=4)
        if not (math.isfinite(self.beta) and self.beta >= 0):
            raise ValueError(f"beta (the regularizer weight) must be finite and >= 0, got {self.beta!r}.")
        if self.lam is not None:
            positive(self.lam, "lam (the weight lambda of E||z||^2)")
        if self.threads is not None:
            integer(self.threads, "threads", minimum=1)
        integer(self.d, "d (the ambient dimension)", minimum=2)
        integer(self.steps, "steps", minimum=1)
        positive(self.alpha, "alpha")
        positive(self.lr, "lr")
        if not 0 < self.alignment <= 1:
            raise ValueError(f"alignment is E[u·v] at the plateau and must lie in (0, 1], got {self.alignment!r}.")
        if self.start not in ("cap", "uniform"):
            raise ValueError(f"start must be 'cap' or 'uniform', got {self.start!r}.")
        if not 0 < self.init_mean_length < 1:
            raise ValueError(f"init_mean_length must lie in (0, 1), got {self.init_mean_length!r}.")

    @property
    def view_kappa(self) -> float:
        """κ with :math:`A_d(\\kappa)^2=` alignment (inf for alignment 1: noiseless views)."""
        return math.inf if self.alignment == 1 else vmf_kappa_for_mean_length(self.d, math.sqrt(self.alignment))

    @property
    def reference_lam(self) -> float:
        """λ of the regularizer (default d/2: the optimum N(0, I/d) has E‖z‖² = 1)."""
        return self.d / 2 if self.lam is None else float(self.lam)


def _reflect_to(means, draws):
    r"""Map draws around :math:`e_1` to draws around each row of ``means`` by an orthogonal reflection.

    :math:`H=I-2xx^\top/\|x\|^2` with :math:`x=e_1-s\,m`, :math:`s=\pm1` chosen so that
    :math:`\|x\|^2=2-2s\,m_1\ge2` (no cancellation), and :math:`s\,H` maps :math:`e_1` to m and
    preserves σ. Works on numpy arrays and torch tensors alike (differentiable in ``means``).
    """
    sign = (means[:, :1] < 0) * 2.0 - 1.0
    x = -sign * means
    x[:, 0] += 1.0
    scale = 2 * (x * draws).sum(1, keepdims=True) / (x * x).sum(1, keepdims=True)
    return sign * (draws - scale * x)


@dataclass(frozen=True)
class ParticleRun:
    """Initial and trained particles (float64 arrays, unit rows), the training history, and the trained
    unnormalized points (radius 1 unless the regularizer is on)."""

    config: ParticleConfig
    initial: np.ndarray
    final: np.ndarray
    history: tuple[dict, ...]
    final_points: np.ndarray | None = None

    @property
    def alignment(self) -> Estimate:
        """Mean positive cosine over all steps' batches (its expectation is ``config.alignment``)."""
        return mean_estimate([h["alignment"] for h in self.history], seed=self.config.seed)


def _initial_particles(config: ParticleConfig, gen) -> np.ndarray:
    if config.start == "uniform":
        return uniform_sphere(config.n, config.d, rng=gen)
    kappa = vmf_kappa_for_mean_length(config.d, config.init_mean_length)
    return sample_vmf(np.tile(np.eye(config.d)[0], (config.n, 1)), kappa, rng=gen)


def train_particles(config: ParticleConfig) -> ParticleRun:
    r"""Train the particles of ``config`` with the InfoNCE loss of Eq. 2; torch float32 on
    ``config.device``, deterministic on CPU for a given seed (initial points and views come from numpy).

    The history has one row per step: the loss minus log n, the batch's mean positive cosine and the
    particles' :math:`\|\bar a\|^2`.
    """
    import torch

    from infonce_gauss.simulations.device import resolve_device

    device = resolve_device(config.device)
    threads = torch.get_num_threads()
    if config.threads is not None:
        torch.set_num_threads(config.threads)
    try:
        return _train(config, device, torch)
    finally:
        torch.set_num_threads(threads)


def _train(config: ParticleConfig, device, torch) -> ParticleRun:
    from infonce_gauss.simulations.regularizer import polar_regularizer_estimate

    gen = np.random.default_rng(config.seed)
    initial = _initial_particles(config, gen)
    params = torch.tensor(initial, dtype=torch.float32, device=device, requires_grad=True)
    # log radii, a separate Adam parameter so that their step size is not set by the angular gradients
    jitter = 0.01 * gen.standard_normal((config.n, 1)) if config.beta > 0 else np.zeros((config.n, 1))  # breaks the tie
    log_radii = torch.tensor(jitter, dtype=torch.float32, device=device, requires_grad=config.beta > 0)
    optimizer = torch.optim.Adam([params, log_radii] if config.beta > 0 else [params], lr=config.lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.steps)
    kappa = config.view_kappa

    def view(points):
        if math.isinf(kappa):
            return points
        draws = torch.as_tensor(_vmf_around_e1(config.n, config.d, kappa, gen), dtype=torch.float32, device=device)
        return _reflect_to(points, draws)

    history = []
    for step in range(config.steps):
        points = params / params.norm(dim=1, keepdim=True)
        logits = config.alpha * (view(points) @ view(points).T)
        positives = logits.diagonal()
        loss = (torch.logsumexp(logits, dim=1) - positives).mean()
        if config.beta > 0:
            loss = loss + config.beta * polar_regularizer_estimate(log_radii.exp() * points, config.reference_lam, torch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        with torch.no_grad():
            mean = points.mean(0)
            history.append({"step": step, "loss_minus_log_n": float(loss) - math.log(config.n),
                            "alignment": float(positives.mean()) / config.alpha, "mean_norm2": float(mean @ mean)})
    final = params.detach().cpu().double().numpy()
    final = final / np.linalg.norm(final, axis=1, keepdims=True)
    return ParticleRun(config=config, initial=initial, final=final, history=tuple(history),
                       final_points=np.exp(log_radii.detach().cpu().double().numpy()) * final)


def _ks(values, cdf) -> tuple[float, float]:
    res = stats.kstest(values, cdf)
    return float(res.statistic), float(res.pvalue)


def particle_diagnostics(points, *, alpha, ks=(1, 2, 3)) -> dict:
    r"""Distance of n points on :math:`S^{d-1}` to uniformity and of their fixed projections to the exact
    finite-d law and to the Gaussian.

    * Rayleigh and Bingham effect sizes (:math:`\|\bar a\|^2`, :math:`d\operatorname{tr}S^2-1`) and
      p-values (:mod:`infonce_gauss.simulations.uniformity`); i.i.d. uniform points give on average :math:`1/n`
      and :math:`(d-1)/n`.
    * The Φ gap :math:`\hat\Phi-\Phi(\sigma)` of :func:`infonce_gauss.theory.infonce.empirical_phi` (no self-pairs).
    * Two fixed k-subspaces: ``axis`` (coordinates 1..k, containing :math:`e_1`, the axis of the
      particles' initial cap) and ``orth`` (the last k coordinates, orthogonal to it). For each k the
      Kolmogorov–Smirnov distance and p-value of :math:`\|\sqrt d\,a_{S}\|^2` against its exact law
      :math:`d\,\mathrm{Beta}(k/2,(d-k)/2)` under σ, and for the first coordinate of each block the
      signed KS against :func:`infonce_gauss.theory.sphere.projected_cdf` and against N(0, 1). Beside them the exact
      distances of the sphere law to the Gaussian (TV for each k, Kolmogorov for k = 1: :math:`c/d`).
    * The kurtosis of all coordinates pooled, next to the sphere law's :math:`3d/(d+2)` (SE as if the
      n·d values were independent).
    """
    points = np.asarray(points, dtype=np.float64)
    n, d = points.shape
    ray, bing = rayleigh_test(points), bingham_test(points)
    row = {"n": n, "d": d, "rayleigh_effect": ray.effect, "rayleigh_p": ray.pvalue, "rayleigh_iid": 1 / n,
           "bingham_effect": bing.effect, "bingham_p": bing.pvalue, "bingham_iid": (d - 1) / n,
           "phi_gap": empirical_phi(points, alpha) - phi_uniform(d, alpha),
           "kolmogorov_sphere_to_gauss": kolmogorov_to_gaussian(d)}
    scaled = math.sqrt(d) * points
    for k in (k for k in ks if 2 * k <= d):
        law = squared_norm_law(d, k)
        row[f"tv_sphere_to_gauss_k{k}"] = tv_to_gaussian(d, k)
        for block, cols in (("axis", slice(0, k)), ("orth", slice(d - k, d))):
            row[f"ks_{block}_k{k}"], row[f"ks_{block}_k{k}_p"] = _ks(np.sum(scaled[:, cols] ** 2, axis=1), law.cdf)
    for block, col in (("axis", 0), ("orth", d - 1)):
        row[f"ks_{block}_coordinate_sphere"], row[f"ks_{block}_coordinate_sphere_p"] = _ks(scaled[:, col], lambda t: projected_cdf(t, d))
        row[f"ks_{block}_coordinate_gauss"], row[f"ks_{block}_coordinate_gauss_p"] = _ks(scaled[:, col], stats.norm.cdf)
    kurt = kurtosis_estimate(scaled.ravel())
    row.update({"kurtosis": kurt.value, "kurtosis_se": kurt.se, "kurtosis_sphere": 3 + projected_excess_kurtosis(d)})
    return row


def _particle_measure(d, start, *, n, alpha, alignment, steps, lr, seed, device="cpu") -> list[dict]:
    run = train_particles(ParticleConfig(n=n, d=d, alpha=alpha, alignment=alignment, steps=steps, lr=lr,
                                         start=start, seed=seed, device=device))
    held = run.alignment
    return [{"start": start, "state": state, **particle_diagnostics(points, alpha=alpha), "seed": seed,
             "alignment_target": alignment, "alignment_mean": held.value, "alignment_se": held.se}
            for state, points in (("initial", run.initial), ("trained", run.final))]


def particle_sweep(dims, *, n, steps, seed, starts=("cap", "uniform"), alpha=10.0, alignment=0.5, lr=0.05,
                   device="cpu") -> list[dict]:
    r"""Train particles for each d of ``dims`` and each start; a tidy table with one row per
    (d, start, state), ``state`` in {initial, trained}, and the columns of :func:`particle_diagnostics`
    (the uniform start's initial rows are the i.i.d. baseline)."""
    return [row for d in sorted({integer(d, "d", minimum=4) for d in dims}) for start in starts
            for row in _particle_measure(d, start, n=n, alpha=alpha, alignment=alignment, steps=steps, lr=lr,
                                         seed=seed, device=device)]
