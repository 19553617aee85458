"""The check battery, the application's own result: ``check`` on a user's embeddings
(:func:`~infonce_gauss.battery.check.check`), its calibration claims (``CHK-``) and its figures."""

from infonce_gauss.battery.claims import CLAIMS

__all__ = ["CLAIMS"]
