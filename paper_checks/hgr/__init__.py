"""The HGR result (maximal correlation, η₂, Prop 1, Assumption 3): its claims (``HGR-``), plots and
rate experiment :func:`hgr_rates`."""

from infonce_gauss.hgr.claims import CLAIMS
from infonce_gauss.hgr.rates import RATE, hgr_rates

__all__ = ["CLAIMS", "RATE", "hgr_rates"]
