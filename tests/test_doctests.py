"""The Examples sections of the public API's docstrings run as doctests."""

import doctest
import importlib

import pytest

MODULES = ["infonce_gauss", "infonce_gauss.encoder_check.check", "infonce_gauss.simulations.sliced",
           "infonce_gauss.simulations.monitor"]


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no Examples"
    assert result.failed == 0
