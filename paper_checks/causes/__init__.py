"""Does InfoNCE itself make representations Gaussian? The factorial of trained encoders against their
initialization (claims ``CAUSE-``, preset ``causes-factorial``)."""

from infonce_gauss.causes.claims import CLAIMS
from infonce_gauss.causes.factorial import PRESET

PRESETS = {PRESET.name: PRESET}

__all__ = ["CLAIMS", "PRESETS"]
