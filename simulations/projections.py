r"""Normality of random one-dimensional projections (Cramér–Wold).

A law on :math:`\mathbb R^d` is Gaussian iff every projection :math:`w^\top x` is. :func:`random_directions`
draws K Haar-uniform orthonormal directions (QR of a Gaussian matrix, signs fixed), and
:func:`projection_tests` tests each projection with Anderson–Darling, its D'Agostino–Stephens p-value
:math:`p_j` and the effect :math:`A^2/n`; the family rejects at level :math:`\alpha` when
:math:`\min_jp_j\le\alpha/K` (Bonferroni, valid under any dependence between the directions).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from infonce_gauss.simulations.sampling import as_generator
from infonce_gauss.simulations.univariate import anderson_pvalue, coordinate_tests
from infonce_gauss.theory.validation import integer

__all__ = ["random_directions", "ProjectionTests", "projection_tests"]

def random_directions(d, k, *, rng) -> np.ndarray:
    """A (d, k) matrix of k orthonormal directions, uniformly random (QR of a Gaussian matrix); k <= d."""
    d = integer(d, "d (the ambient dimension)", minimum=1)
    k = integer(k, "k (the number of directions)", minimum=1, maximum=d)
    q, r = np.linalg.qr(as_generator(rng).standard_normal((d, k)))
    return q * np.sign(np.diag(r))  # sign fix makes the law Haar-uniform


@dataclass(frozen=True)
class ProjectionTests:
    r"""Anderson–Darling on K random orthonormal projections (Cramér–Wold).

    ``effect`` is :math:`A^2/n` per direction, the Anderson–Darling distance of the projected law to
    its fitted normal (it converges to a divergence as n grows, where :math:`A^2` itself grows like n).
    The family rejects at ``level`` when :math:`\min_j p_j\le\text{level}/K` (Bonferroni, valid under any dependence);
    ``family_pvalue`` is :math:`\min(1, K\min_j p_j)`.
    """

    ad: np.ndarray
    pvalue: np.ndarray
    effect: np.ndarray
    family_pvalue: float
    level: float
    n: int

    @property
    def rejected(self) -> bool:
        return self.family_pvalue <= self.level


def projection_tests(projected, *, level: float = 0.05, workers=None) -> ProjectionTests:
    """Test each column of an (n, K) array of projections ``x @ W`` for normality (see :class:`ProjectionTests`)."""
    tests = coordinate_tests(projected, workers=workers)
    p = anderson_pvalue(tests.ad, tests.n)
    k = tests.ad.size
    return ProjectionTests(ad=tests.ad, pvalue=p, effect=tests.ad / tests.n,
                           family_pvalue=float(min(1.0, k * p.min())), level=level, n=tests.n)
