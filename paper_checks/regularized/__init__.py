"""The regularized route (Theorem 1, β₀, Corollary 2, Appendix D): its claims (``REG-``), plots, rate
experiment :func:`regularized_rates` and the training presets of route 2 on encoders."""

from infonce_gauss.regularized.claims import CLAIMS
from infonce_gauss.regularized.presets import PRESETS
from infonce_gauss.regularized.rates import RATE, regularized_rates

__all__ = ["CLAIMS", "PRESETS", "RATE", "regularized_rates"]
