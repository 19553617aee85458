"""Importing this package registers every claim; one module per result, tagged by its id prefix."""

from paper_checks.claims import sphere  # noqa: F401  MP-: Maxwell–Poincaré, Diaconis–Freedman, thin shell
from paper_checks.claims import battery  # noqa: F401  CHK-: the paper's per-coordinate protocol calibrated; the check battery
from paper_checks.claims import hgr  # noqa: F401  HGR-: maximal correlation, η₂, Prop 1, Assumption 3, E1
from paper_checks.claims import polar  # noqa: F401  POL-: polar KL/entropy, Eq. 13, Lemma 1, vMF
from paper_checks.claims import infonce  # noqa: F401  NCE-: InfoNCE objective, Φ, finite-batch rate, plateau particles
from paper_checks.claims import empirical  # noqa: F401  EMP-: trained encoders, Table 1 and Figs. 2–4 reproductions
from paper_checks.claims import regularized  # noqa: F401  REG-: Theorem 1, β₀, Corollary 2, Appendix D, stability (derived)
