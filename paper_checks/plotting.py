"""What every figure of the suite shares: helpers over tidy tables and the colour map.

Plot functions live with their result (``sphere/plots.py``, ``hgr/plots.py``, ...); each takes a tidy
table (a list of dicts) and returns a :class:`matplotlib.figure.Figure`, and none recomputes anything.
Figures are built as ``Figure`` objects, never through pyplot: no backend is chosen and no figure is
registered with pyplot, so a user's own ``plt.show()`` and backend are untouched by the suite.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib
import numpy as np
from matplotlib.figure import Figure

__all__ = ["series_colours", "rows_matching", "sorted_xy", "mean_over_seeds", "canvas", "integer_ticks"]


def series_colours(count: int) -> np.ndarray:
    """``count`` RGBA colours evenly spaced over viridis from its dark end to 85% (the yellow end is too pale)."""
    return matplotlib.colormaps["viridis"](np.linspace(0, 0.85, count))


def rows_matching(table: Sequence[Mapping], **match) -> list[Mapping]:
    """The rows whose fields equal every ``key=value`` in ``match``."""
    return [r for r in table if all(r.get(k) == v for k, v in match.items())]


def sorted_xy(rows: Sequence[Mapping], x: str = "d", y: str = "value") -> tuple[np.ndarray, np.ndarray]:
    """Columns ``x`` and ``y`` as float arrays, sorted by ``x``."""
    rows = sorted(rows, key=lambda r: r[x])
    return np.array([r[x] for r in rows], float), np.array([r[y] for r in rows], float)


def mean_over_seeds(rows: Sequence[Mapping], *, x: str = "d", y: str = "value", se: str = "se"):
    r"""Per-``x`` mean of ``y`` over the seeds with the standard error of that mean.

    With :math:`m` seeds of estimates :math:`y_i` and standard errors :math:`s_i`, the mean
    :math:`\bar y=\frac1m\sum y_i` has standard error :math:`\sqrt{\sum s_i^2}/m` (independent seeds).

    Returns
    -------
    xs, mean, err : ndarray
    """
    xs = sorted({r[x] for r in rows})
    mean = np.array([np.mean([r[y] for r in rows if r[x] == v]) for v in xs])
    err = np.array([np.sqrt(np.sum([r[se] ** 2 for r in rows if r[x] == v])) / sum(r[x] == v for r in rows)
                    for v in xs])
    return np.array(xs, float), mean, err


def canvas(figure, size):
    """The given Figure/SubFigure, or a new constrained-layout Figure of ``size`` inches."""
    return figure if figure is not None else Figure(figsize=size, layout="constrained")


def integer_ticks(ax, values) -> None:
    """Label a log x axis at the settings themselves (no overlapping minor labels)."""
    from matplotlib.ticker import NullLocator

    ax.set_xticks(values, [str(int(v)) for v in values])
    ax.xaxis.set_minor_locator(NullLocator())
