r"""The verdict rules that ``check`` (``infonce_gauss.encoder_check.rules``) and the training monitor
(:meth:`~infonce_gauss.simulations.monitor.GaussianityMonitor.verdicts`) share: one home for each tolerance and
for the way an estimate with its standard error is judged against it.

* an effect size against a tolerance (:func:`interval_verdict`): ``holds`` if its 95% interval lies below,
  ``fails`` if above, ``cannot tell`` if it straddles;
* Assumption 2 (:data:`THIN_SHELL_MAX_RATIO`): :math:`\mathrm{CV}(\|z\|)/\mathrm{CV}_\chi(d)` below 3;
* the mean direction (:func:`mean_tolerance`): :math:`\|m\|^2=\|E u\|^2` below :math:`1/\sqrt d`;
* isotropy (:data:`ISOTROPY_MIN_FRACTION`): a participation ratio of at least d/2;
* Prop 1 (:func:`bound_verdict`): the slack :math:`\eta_2+(1-\eta_2)\|m\|^2-E[u\cdot v]` fails only if the
  upper end of its two-sided 1 − level interval lies below 0.
"""

from __future__ import annotations

import math

from scipy import stats

__all__ = ["THIN_SHELL_MAX_RATIO", "ISOTROPY_MIN_FRACTION", "Z95", "interval_verdict", "mean_tolerance",
           "bound_verdict"]

THIN_SHELL_MAX_RATIO = 3.0
"""CV/CV_χ(d) above which the norms are no thin shell (the paper's contrastive encoders sit at 1.3–2.5×, its
supervised ones at ≥ 3.8×)."""
ISOTROPY_MIN_FRACTION = 0.5
"""The least participation ratio, as a fraction of d, of an isotropic spectrum."""
Z95 = 1.959963984540054
"""The two-sided normal quantile of a 95% interval."""


def interval_verdict(value: float, se: float, tolerance: float) -> str:
    """``holds`` if the 95% interval ``value ± Z95·se`` lies below ``tolerance``, ``fails`` if above, else
    ``cannot tell``."""
    lo, hi = value - Z95 * se, value + Z95 * se
    return "holds" if hi < tolerance else "fails" if lo > tolerance else "cannot tell"


def mean_tolerance(d: int) -> float:
    r""":math:`1/\sqrt d`, the tolerance of :math:`\|m\|^2`: a mean direction of norm :math:`d^{-1/4}`, small beside
    the unit directions, whose coordinates are of order :math:`1/\sqrt d`."""
    return 1 / math.sqrt(d)


def bound_verdict(slack: float, slack_se: float, level: float) -> str:
    """``fails`` if the upper end of the two-sided 1 − level interval of a bound's slack,
    ``slack + z_{1−level/2}·se``, lies below 0 (the bound is violated), ``holds`` otherwise."""
    return "fails" if slack + float(stats.norm.isf(level / 2)) * slack_se < 0 else "holds"
