"""The check battery, the application's own result: ``check`` on a user's embeddings
(:func:`~infonce_gauss.battery.check.check`), its calibration claims (``CHK-``) and its figures.

``CLAIMS`` is imported on first use, so that ``check`` does not load the claims' simulations."""

__all__ = ["CLAIMS"]


def __getattr__(name: str):
    if name == "CLAIMS":
        from infonce_gauss.battery.claims import CLAIMS

        return CLAIMS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
