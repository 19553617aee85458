"""The InfoNCE result (Eq. 4, Φ, the finite-batch rate, Lemma 2 → Corollary 1): its settings, claims
(``NCE-``), plots and rate experiment :func:`infonce_rates`."""

from infonce_gauss.infonce.claims import CLAIMS
from infonce_gauss.infonce.rates import RATE, infonce_rates

__all__ = ["CLAIMS", "RATE", "infonce_rates"]
