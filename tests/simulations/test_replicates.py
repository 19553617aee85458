"""Seed-level summaries and Welch contrasts, against scipy's Welch test and their definitions."""

import math

import numpy as np
import pytest
from hypothesis import given, strategies as st
from scipy import stats

from infonce_gauss.simulations.replicates import contrast, replicate_seeds, summarize

values = st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=2, max_size=8)


def test_replicate_seeds_are_distinct_reproducible_and_refuse_bad_counts():
    seeds = replicate_seeds(0, 5)
    assert seeds == replicate_seeds(0, 5) and len(set(seeds)) == 5 and seeds != replicate_seeds(1, 5)
    assert replicate_seeds(0, 3) == seeds[:3]
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="positive integer"):
            replicate_seeds(0, bad)


def test_summary_is_the_mean_and_sd_over_root_k():
    s = summarize([1.0, 2.0, 4.0])
    assert s.mean == pytest.approx(7 / 3) and s.k == 3
    assert s.se == pytest.approx(math.sqrt(((1 - 7 / 3) ** 2 + (2 - 7 / 3) ** 2 + (4 - 7 / 3) ** 2) / 2 / 3))
    assert math.isnan(summarize([3.0]).se)
    with pytest.raises(ValueError, match="finite"):
        summarize([1.0, math.nan])


@given(values, values)
def test_contrast_matches_scipys_welch_test(a, b):
    c = contrast(a, b)
    if c.se == 0:
        return
    ref = stats.ttest_ind(b, a, equal_var=False)
    assert c.t == pytest.approx(ref.statistic, rel=1e-9, abs=1e-9)
    assert c.pvalue == pytest.approx(ref.pvalue, rel=1e-7, abs=1e-12)
    assert c.difference == pytest.approx(np.mean(b) - np.mean(a), abs=1e-9)


def test_contrast_is_resolved_only_beyond_welchs_quantile():
    a, b = [0.0, 1.0, 2.0], [10.0, 11.0, 12.0]
    c = contrast(a, b)  # t = 10/sqrt(2/3) = 12.2 on 4 df
    assert c.df == pytest.approx(4.0) and c.resolved
    assert not contrast(a, [1.5, 2.5, 3.5]).resolved  # t = 1.84 < t_0.995(4) = 4.60
    with pytest.raises(ValueError, match="two seeds"):
        contrast([1.0], [2.0, 3.0])
