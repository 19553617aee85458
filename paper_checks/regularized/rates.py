"""The regularized-route rate: β₀ and the vMF critical β vs d (exact), and the regularizer sweep on free
particles (β = c·β₀)."""

from __future__ import annotations

from infonce_gauss.arguments import positive_int
from infonce_gauss.options import Option
from infonce_gauss.rates import RateExperiment, RateResult
from infonce_gauss.regularized.plots import plot_regularized
from infonce_gauss.simulations.rates import fit_rate, points_needed
from infonce_gauss.simulations.regularized import regularizer_sweep
from infonce_gauss.simulations.sampling import spawn_seeds
from infonce_gauss.theory.infonce import PAPER_ALPHA, local_curvature
from infonce_gauss.theory.regularized import VMFRegularizedModel

__all__ = ["critical_beta_table", "critical_beta_fits", "regularized_rates", "RATE"]


def critical_beta_table(dims, eta2s, *, points=48) -> list[dict]:
    r"""β₀ and the vMF critical β for each (η₂, d), α = 10 (:class:`~infonce_gauss.theory.regularized.VMFRegularizedModel`).

    Columns: ``beta0`` :math:`=2\alpha(1-\eta_2)/(d-1)` (Theorem 1), ``beta_critical`` (the least β for
    which σ beats every vMF tilt, from a scan of ``points`` tilts), ``sup_ratio``, ``kappa_argmax``,
    ``small_kappa_limit`` and the local curvature ``q_star`` :math:`=q^*(d,\alpha)` (Appendix D).
    """
    rows = []
    for eta2 in eta2s:
        for d in dims:
            c = VMFRegularizedModel(d, PAPER_ALPHA, eta2).critical_beta(points=points)
            rows.append({"d": d, "alpha": PAPER_ALPHA, "eta2": eta2, "beta0": c.beta0, "beta_critical": c.value,
                         "sup_ratio": c.sup_ratio, "kappa_argmax": c.kappa, "small_kappa_limit": c.small_kappa_limit,
                         "q_star": local_curvature(d, PAPER_ALPHA)})
    return rows


def critical_beta_fits(rows, *, d_min=32) -> list[dict]:
    """Exact-curve slopes (one correction term) of β₀(d) (predicted −1) and of every positive critical-β curve."""
    fits = []
    for eta2 in sorted({r["eta2"] for r in rows}):
        sel = [r for r in rows if r["eta2"] == eta2 and r["d"] >= d_min]
        for term, predicted in (("beta0", -1.0), ("beta_critical", None)):
            if len(sel) >= points_needed(corrections=1, exact=True) and all(r[term] > 0 for r in sel):
                fit = fit_rate([r["d"] for r in sel], [r[term] for r in sel], exact=True, corrections=1, predicted_slope=predicted)
                fits.append({"term": term, "family": f"eta2={eta2}", **fit.to_dict()})
    return fits


def regularized_rates(*, dims=(4, 8, 16, 32, 64, 128, 256, 512, 1024), eta2=(0.0, 0.2, 0.5),
                      particle_dims=(16, 64, 256, 512), factors=(0.0, 0.5, 1.0, 2.0, 4.0), particles=512, steps=400,
                      seeds=1, alignment=0.5, device="auto", seed=0, progress=True, executor=None) -> RateResult:
    r"""Theorem 1's threshold :math:`\beta_0=2\alpha(1-\eta_2)/(d-1)` and the vMF critical β vs d (exact), and
    free particles trained with the regularizer at :math:`\beta=c\,\beta_0`: radii against the χ law of
    :math:`\gamma_\lambda`, projections against :math:`N(0,1/(2\lambda))`.

    Parameters
    ----------
    dims : sequence of int
        Dimensions of the exact β₀ / critical-β curves.
    eta2 : sequence of float
        η₂ values of the exact curves.
    particle_dims, factors, particles, steps, seeds, alignment, device
        The particle sweep: dimensions, c = β/β₀, points, training steps, replicates (spawned from
        ``seed``), the plateau alignment (= the η₂ of β₀), torch device.
    seed, progress, executor
        Run seed; the exact curves and particles run in-process (``progress`` and ``executor`` are
        accepted for a uniform call).
    """
    seed_list = spawn_seeds(seed, seeds)
    critical = [{"experiment": "critical", **r} for r in critical_beta_table(dims, eta2)]
    fits = critical_beta_fits(critical)
    trained = [{"experiment": "particles", **row} for s in seed_list
               for row in regularizer_sweep(list(particle_dims), list(factors), n=particles, steps=steps, seed=s,
                                            alpha=PAPER_ALPHA, alignment=alignment, device=device)]
    config = {"alpha": PAPER_ALPHA, "dims": list(dims), "eta2": list(eta2), "particle_dims": list(particle_dims),
              "factors": list(factors), "particles": particles, "steps": steps, "alignment": alignment, "seed": seed,
              "seeds": seed_list}
    return RateResult("regularized", critical + trained, fits, plot_regularized(critical, trained), config)


RATE = RateExperiment(
    name="regularized",
    help="Theorem 1: beta0 = 2 alpha (1 - eta2)/(d - 1) and the critical beta on the vMF family vs d (exact), "
    "and free particles trained with the regularizer at beta = c beta0: radii vs the chi law, projections vs "
    "N(0, 1/(2 lambda))",
    function=regularized_rates,
    options=(
        Option("dims", "dimensions of the exact beta0 / critical-beta curves", int, "+", "D"),
        Option("eta2", "eta2 values", float, "+"),
        Option("particle_dims", "dimensions of the particle sweep", int, "+", "D"),
        Option("factors", "beta / beta0", float, "+", "C"),
        Option("particles", "particles n", positive_int),
        Option("steps", "training steps per run", positive_int),
        Option("seeds", "particle seeds", positive_int),
        Option("alignment", "plateau alignment = eta2 of beta0", float),
        Option("device", "torch device: auto, cpu, cuda", str),
    ),
)
