"""Fixtures shared by the calibration tests of simulations/."""

import math

import pytest


@pytest.fixture
def within():
    """``within(count, trials, p, sds=4.0)``: whether |count - trials·p| is within ``sds`` binomial standard
    deviations (a false-alarm count against its level)."""

    def check(count, trials, p, sds=4.0):
        return abs(count - trials * p) <= sds * math.sqrt(trials * p * (1 - p))

    return check
