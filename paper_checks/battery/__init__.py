"""The ``CHK-`` result: the paper's per-coordinate protocol calibrated, and the calibration of
:func:`infonce_gauss.check` on laws whose answer is known (the check itself is the application
:mod:`infonce_gauss.encoder_check`).

``CLAIMS`` is imported on first use, so that importing the package loads none of the claims' simulations."""

__all__ = ["CLAIMS"]


def __getattr__(name: str):
    if name == "CLAIMS":
        from infonce_gauss.battery.claims import CLAIMS

        return CLAIMS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
