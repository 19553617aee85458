"""Importing this package registers every claim; one module per result, tagged by its id prefix."""

from infonce_gauss.claims import sphere  # noqa: F401  MP-: Maxwell–Poincaré, Diaconis–Freedman, thin shell
from infonce_gauss.claims import battery  # noqa: F401  CHK-: the paper's per-coordinate protocol calibrated; the check battery
from infonce_gauss.claims import hgr  # noqa: F401  HGR-: maximal correlation, η₂, Prop 1, Assumption 3, E1
from infonce_gauss.claims import polar  # noqa: F401  POL-: polar KL/entropy, Eq. 13, Lemma 1, vMF
from infonce_gauss.claims import infonce  # noqa: F401  NCE-: InfoNCE objective, Φ, finite-batch rate, plateau particles
from infonce_gauss.claims import empirical  # noqa: F401  EMP-: trained encoders, Table 1 and Figs. 2–4 reproductions
from infonce_gauss.claims import regularized  # noqa: F401  REG-: Theorem 1, β₀, Corollary 2, Appendix D, stability (derived)
