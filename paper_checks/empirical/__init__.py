"""Trained encoders, the paper's experiments (Table 1, Figs. 2–4): the training presets (settings), claims
(``EMP-``) and training plots. Its rate is the d × N sweep preset ``fig3-sweep`` (``infonce-gauss train``)."""

from infonce_gauss.empirical.claims import CLAIMS
from infonce_gauss.empirical.presets import PRESETS

__all__ = ["CLAIMS", "PRESETS"]
