"""Settings of the InfoNCE result shared by its claims and its rate experiment: the laws it measures."""

from __future__ import annotations

from infonce_gauss.theory.infonce import PAPER_ALPHA, CopyOrFresh, VMFAugmentation

__all__ = ["BIAS_LAW", "LIMIT_LAWS"]

# sigma-marginal pairs whose 1/N expansion is reached by N ~ 32 (c1 = 3.295, alignment 0.153): at
# larger alpha·alignment or smaller d, e^{αu·v} is heavier tailed and the O(N^-2) term needs larger N
BIAS_LAW = VMFAugmentation(d=256, kappa=40.0, alpha=PAPER_ALPHA)
LIMIT_LAWS = {
    "uniform marginal, vMF views (d=256, kappa=40, alpha=10)": BIAS_LAW,
    "vMF marginal, copy-or-fresh views (d=16, kappa=5, p=0.5, alpha=3)": CopyOrFresh(d=16, kappa=5.0, p=0.5, alpha=3.0),
}
