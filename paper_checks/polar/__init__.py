"""The polar KL decomposition (Prop 3, Eq. 13, Lemma 1): its claims (``POL-``), plots and rate
experiment :func:`polar_rates`."""

from infonce_gauss.polar.claims import CLAIMS
from infonce_gauss.polar.rates import RATE, polar_rates

__all__ = ["CLAIMS", "RATE", "polar_rates"]
