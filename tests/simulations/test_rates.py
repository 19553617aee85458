"""Rate sweeps and slope fits: interval coverage, truncation error for exact curves, executors."""

import math
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from functools import partial

import numpy as np
import pytest

from infonce_gauss.simulations.rates import InlineExecutor, column, fit_rate, points_needed, sweep


def test_confidence_interval_has_nominal_coverage():
    # 400 synthetic data sets y = 2 x^-0.7 · exp(N(0, 0.1²)); the 95% interval must cover -0.7 in
    # 380 ± 4.4·2 cases (binomial sd 4.4).
    x = np.repeat(np.geomspace(10, 1000, 8), 3)
    rng = np.random.default_rng(0)
    hits = sum(fit_rate(x, 2 * x**-0.7 * np.exp(0.1 * rng.standard_normal(x.size)), predicted_slope=-0.7).slope_covers_prediction
               for _ in range(400))
    assert abs(hits - 380) <= 2.5 * math.sqrt(400 * 0.05 * 0.95)


def test_weighted_fit_uses_standard_errors():
    x = np.geomspace(10, 1000, 10)
    rng = np.random.default_rng(1)
    se = 0.05 * x**-1.0
    hits = 0
    for _ in range(300):
        y = x**-1.0 + se * rng.standard_normal(x.size)
        hits += fit_rate(x, y, se=se, predicted_slope=-1.0).slope_covers_prediction
    assert abs(hits - 285) <= 3 * math.sqrt(300 * 0.05 * 0.95)


def test_exact_curve_with_a_next_order_term():
    x = np.geomspace(32, 1024, 12)
    fit = fit_rate(x, 0.35 / x * (1 + 1.3 / x - 4 / x**2), exact=True, corrections=1, predicted_slope=-1)
    assert fit.slope_covers_prediction
    assert fit.constant_ci[0] <= 0.35 <= fit.constant_ci[1]
    # A bare power-law fit of the same curve is biased and its interval says so.
    assert not fit_rate(x, 0.35 / x * (1 + 1.3 / x), predicted_slope=-1).slope_covers_prediction


def test_a_wrong_rate_is_rejected():
    x = np.geomspace(32, 1024, 12)
    assert not fit_rate(x, np.log(x) / x, exact=True, corrections=1, predicted_slope=-1).slope_covers_prediction
    assert not fit_rate(x, x**-0.9, exact=True, corrections=1, predicted_slope=-1).slope_covers_prediction


@pytest.mark.parametrize("x, y, kwargs, message", [
    ([1, 2], [1, 2], {}, ">= 3 points"),
    ([1, 2, 3], [1, -2, 3], {}, "y > 0"),
    ([1, 2, 3], [1, 2], {}, "same length"),
    ([1, 2, 3], [1, 2, np.nan], {}, "finite"),
    ([1, 2, 3, 4], [1, 2, 3, 4], {"se": [1, 1, 1, 0]}, "positive standard error"),
    ([1, 2, 3, 4], [1, 2, 3, 4], {"se": [1, 1, 1, 1], "exact": True}, "not both"),
    ([1, 2, 3], [1, 2, 3], {"corrections": 1}, "cannot fit"),
])
def test_fit_rate_bad_input(x, y, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fit_rate(x, y, **kwargs)


def _measure(d, scale, seed=None):
    return {"value": scale / d + (0 if seed is None else seed)}


@pytest.mark.parametrize("executor", [None, InlineExecutor(), ThreadPoolExecutor(2)])
def test_sweep_rows_for_every_setting_and_seed(executor):
    rows = sweep(partial(_measure, scale=2.0), [{"d": 1}, {"d": 4}], seeds=[0, 10], executor=executor, progress=False)
    assert [(r["d"], r["seed"], r["value"]) for r in rows] == [(1, 0, 2.0), (1, 10, 12.0), (4, 0, 0.5), (4, 10, 10.5)]
    np.testing.assert_array_equal(column(rows, "d"), [1, 1, 4, 4])


def test_sweep_runs_in_a_process_pool_and_without_seeds():
    with ProcessPoolExecutor(2) as pool:
        rows = sweep(partial(_measure, scale=1.0), [{"d": 2}], executor=pool, progress=False)
    assert rows == [{"d": 2, "value": 0.5}]


def test_sweep_errors():
    with pytest.raises(ValueError, match="empty"):
        sweep(_measure, [], progress=False)
    with pytest.raises(ZeroDivisionError):
        sweep(partial(_measure, scale=1.0), [{"d": 0}], progress=False)
    with pytest.raises(ValueError, match="column 'nope'"):
        column([{"d": 1}], "nope")


@pytest.mark.parametrize(("corrections", "exact"), [(0, False), (1, False), (1, True), (2, True)])
def test_points_needed_is_the_fewest_points_fit_rate_accepts(corrections, exact):
    n = points_needed(corrections=corrections, exact=exact)
    x = np.geomspace(8, 1024, n)
    y = 2.0 / x * (1 + 0.3 / x)
    fit = fit_rate(x, y, corrections=corrections, exact=exact)
    assert fit.n_points == n
    with pytest.raises(ValueError, match="cannot fit|needs >= 3 points"):
        fit_rate(x[:-1], y[:-1], corrections=corrections, exact=exact)
