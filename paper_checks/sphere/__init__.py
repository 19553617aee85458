"""The Maxwell–Poincaré result (Lemma 3, Theorem 2, Assumption 2, Prop 2): its claims (``MP-``), plots
and rate experiment :func:`sphere_rates`."""

from infonce_gauss.sphere.claims import CLAIMS
from infonce_gauss.sphere.rates import RATE, sphere_rates

__all__ = ["CLAIMS", "RATE", "sphere_rates"]
