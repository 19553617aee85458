"""The regularized route (Theorem 1, β₀, Corollary 2, Appendix D): its claims (``REG-``), plots and
rate experiment :func:`regularized_rates`."""

from infonce_gauss.regularized.claims import CLAIMS
from infonce_gauss.regularized.rates import RATE, regularized_rates

__all__ = ["CLAIMS", "RATE", "regularized_rates"]
