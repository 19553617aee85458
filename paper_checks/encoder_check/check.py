r"""``check``: the paper's assumptions measured on embeddings a user brings.

:func:`check` takes an (n, d) NumPy array, a memory-mapped array, a torch tensor (on the CPU its
statistics run in NumPy; on a CUDA device the passes over the rows and the per-coordinate tests run there,
:mod:`infonce_gauss.encoder_check.torch_backend`), an :class:`~infonce_gauss.encoder_check.embeddings.EmbeddingMatrix`
or the path of an embedding file, and returns a :class:`~infonce_gauss.encoder_check.result.CheckResult`: one
:class:`~infonce_gauss.encoder_check.result.Assumption` per assumption (holds / fails / cannot tell, effect
sizes with intervals, a p-value, the rule and the paper's reference). The rules are the declared list
:data:`~infonce_gauss.encoder_check.rules.RULES`, each evaluated as soon as the passes have gathered its
inputs; the passes over the rows are those of
:mod:`infonce_gauss.encoder_check.streaming` (memory bounded by ``memory_mb`` plus O(n) vectors and O(d²)
matrices, so files larger than memory work); the report is :mod:`infonce_gauss.encoder_check.report`.
"""

from __future__ import annotations

import inspect
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from infonce_gauss.encoder_check import rules
from infonce_gauss.encoder_check import streaming
from infonce_gauss.encoder_check.calibration import null_rates, outcome_map
from infonce_gauss.encoder_check.embeddings import EmbeddingMatrix, label_vector, load_trace, load_vector
from infonce_gauss.encoder_check.result import CheckConfig, CheckResult
from infonce_gauss.simulations.device import is_tensor
from infonce_gauss.simulations.projections import random_directions
from infonce_gauss.simulations.sliced import sliced_epps_pulley
from infonce_gauss.simulations.univariate import CoordinateTests, coordinate_tests

__all__ = ["check", "OptionWarning"]


def check(embeddings, *, positives=None, labels=None, trace=None, trace_run: str | None = None, eta2: float | None = None,
          level: float = 0.05,
          directions: int = 32, sliced_directions: int = 64, k: int = 8, subsample: int = 1000,
          null_replicates: int | None = None, tau: float = 0.1, whiten: bool = False, drop_nonfinite: bool = False,
          drop_constant: bool = False, seed: int = 0, memory_mb: int = 1024, workers: int | None = None,
          key: str | None = None, backend: str = "auto", progress: bool = False) -> CheckResult:
    r"""Check the paper's assumptions on an (n, d) matrix of embeddings, one row per sample.

    Parameters
    ----------
    embeddings : array_like, torch.Tensor, EmbeddingMatrix or path
        The n × d embeddings (a path is opened lazily: ``.npy``, ``.npz``, ``.safetensors``, ``.pt``, ``.csv``).
        Any finite scale works: the statistics are scale-invariant, and entries of extreme magnitude are
        rescaled by a power of two as they are read (:func:`~infonce_gauss.encoder_check.embeddings.scan`).
    positives : same kinds as ``embeddings``, optional
        Row i is the positive-pair embedding of row i; enables ``alignment`` (Prop 1).
    labels : array_like or path, optional
        One class label per row; adds the between-class share of the directions' variance.
    trace : (epochs, alignment) pair of arrays or a CSV path, optional
        The alignment trace of the training run; enables ``plateau`` (Assumption 1).
    trace_run : str, optional
        The run to take from a trace CSV that holds several (its ``run`` column).
    eta2 : float in [0, 1], optional
        The augmentation's mildness η₂ (Eq. 5); Prop 1's bound and the plateau's feasibility need it.
    level : float
        Level of every test the verdicts are decided by (default 0.05).
    directions, sliced_directions, k : int
        Random directions for the Anderson–Darling projections, for the sliced Epps–Pulley test, and
        the dimension of the jointly tested projection.
    subsample : int
        Rows for Henze–Zirkler and the Φ gap (the energy test uses at most 500); more than ``k``.
    null_replicates : int, optional
        Simulated null columns per law for the coordinate bands (default :math:`2\cdot10^7/n` in [200, 2000]).
    tau : float
        Temperature of the uniformity potential Φ (inverse temperature 1/τ), at least 1e-4.
    whiten : bool
        Also test ZCA-whitened coordinates (whitening from the SVD of the streamed QR factor of the centred data).
    drop_nonfinite, drop_constant : bool
        Drop rows with NaN/inf or zero norm (pairs together) and constant columns instead of raising.
    seed : int
        Seed of the directions, the subsample and the null calibration.
    memory_mb : int
        Memory for one column block of the per-coordinate tests.
    workers : int, optional
        Threads for the per-coordinate tests (default ``min(2, cpu_count)``).
    key : str, optional
        The array inside a ``.npz``/``.safetensors``/``.pt`` file holding several.
    backend : {"auto", "numpy", "torch"}
        Where a tensor's passes over the rows and per-coordinate tests run: ``"auto"`` on its device unless
        that is the CPU (then NumPy, which is faster there), ``"numpy"`` in NumPy, ``"torch"`` on its device
        even the CPU (for testing the device path). Every verdict agrees between them (the statistics to
        ~1e-11 relative up to n ≈ 10⁴, A² to ~3e-9 at 10⁵–10⁶ where NumPy's own summation rounding, of
        order n·ε, sets the gap; see :mod:`~infonce_gauss.encoder_check.torch_backend`).
    progress : bool
        Print a line per stage.

    Returns
    -------
    CheckResult
        One :class:`~infonce_gauss.encoder_check.result.Assumption` per rule of
        :data:`~infonce_gauss.encoder_check.rules.RULES` (``alignment`` None without positives,
        ``plateau`` None without a trace), ``.summary()``, ``.to_dict()``, ``.save(folder)``.

    Raises
    ------
    ValueError
        On unusable input (before any heavy work), saying what is wrong and what to do.

    Warns
    -----
    UserWarning
        For an option the input makes idle or changes: ``eta2`` without positives or a trace, ``k`` or
        ``directions`` above d (then clamped to d).

    Examples
    --------
    >>> import numpy as np
    >>> from infonce_gauss import check
    >>> z = np.random.default_rng(0).standard_normal((2000, 16))
    >>> result = check(z, null_replicates=200)
    >>> result.thin_shell.verdict, result.isotropy.verdict
    ('holds', 'holds')
    >>> print(result.thin_shell.effect.name)
    CV / CV_chi(d)
    >>> sorted(result.to_dict()["assumptions"])[:3]
    ['coordinates', 'isotropy', 'joint']
    """
    cfg = CheckConfig(directions=directions, sliced_directions=sliced_directions, k=k, subsample=subsample,
                      null_replicates=null_replicates, level=level, tau=tau, eta2=eta2, whiten=whiten,
                      drop_nonfinite=drop_nonfinite, drop_constant=drop_constant, seed=seed, memory_mb=memory_mb,
                      workers=workers)
    start = time.perf_counter()
    # progress on stderr, as tqdm's bars: stdout carries only the summary, which a pipe or a redirect keeps
    say = (lambda msg: print(f"[{time.perf_counter() - start:6.1f}s] {msg}", file=sys.stderr, flush=True)) if progress \
        else (lambda msg: None)
    x = _read(embeddings, "embeddings", key, backend)
    pos = None if positives is None else _read(positives, "positives", key, backend, like=x)
    if pos is not None and pos.shape != x.shape:
        raise ValueError(f"positives have shape {pos.shape} but the embeddings {x.shape}; row i of the positives must be "
                         "the positive view of row i of the embeddings.")
    labels = _labels(labels, x.shape[0])
    if isinstance(trace, (str, bytes)) or hasattr(trace, "__fspath__"):
        trace = load_trace(trace, run=trace_run)
    _warn_idle_options(cfg, x.shape[1], given=pos is not None or trace is not None)
    ev = rules.Evidence(config=cfg, trace=trace, positives=pos is not None)
    outcomes = {}
    rules.evaluate_ready(ev, outcomes)  # the plateau: a bad trace fails before the heavy work

    draws = _draws(cfg, labels, np.ones(x.shape[0], dtype=bool), x.shape[1])
    say(f"moments of {x.shape[0]} × {x.shape[1]} rows")
    keep, cols, described, first = streaming.scan_and_accumulate(
        x, pos, draws.directions, draws.sample_flag, draws.codes, drop_nonfinite=cfg.drop_nonfinite,
        drop_constant=cfg.drop_constant)
    n, d = described["n"], described["d"]
    described["statistics_on"] = "numpy" if isinstance(x, EmbeddingMatrix) else f"torch on {x.device}"
    if first is None:  # rows or columns dropped or the input rescaled: the pass again on what is kept
        say(f"moments of the {n} × {d} rows and columns kept")
        draws = _draws(cfg, labels, keep, d)
        first = streaming.accumulate(x, pos, keep, cols, draws.directions, draws.sample_flag, draws.codes)
    m, arrays = first
    sample_z = arrays["sample"]
    ev.d, ev.norms, ev.moments = d, arrays["norms"], m
    ev.sample_u = sample_z / np.linalg.norm(sample_z, axis=1, keepdims=True)
    ev.spectrum = rules.spectrum(m, d)
    rules.evaluate_ready(ev, outcomes)

    say("null calibration (Gaussian and uniform-sphere coordinates)")
    ev.nulls = null_rates(n, d, seed=cfg.seed, replicates=cfg.null_replicates)
    ev.outcome_map = outcome_map()  # with the moments' correlation matrix: the bands under the measured dependence
    say("per-coordinate Anderson–Darling and D'Agostino–Pearson tests")
    ev.variants, whitening_rank, qq = _coordinate_variants(x, keep, cols, ev.norms, m, cfg, draws.rng, say)
    rules.evaluate_ready(ev, outcomes)

    say("random projections (Anderson–Darling, sliced Epps–Pulley) and multivariate tests")
    proj = arrays["projections"]
    ev.projections, ev.joint_rows = proj[:, :draws.k_ad], draws.sample_idx
    ev.sliced = sliced_epps_pulley(proj[:, draws.k_ad:], workers=cfg.workers)
    rules.evaluate_ready(ev, outcomes)
    outcomes = {rule.key: outcomes[rule.key] for rule in rules.RULES}

    spectrum = dict(ev.spectrum, whitening_rank=whitening_rank)
    tables = {"norms": rules.norm_histogram(ev.norms, d, outcomes["thin_shell"].details["mean_norm"]),
              "pass_rates": rules.pass_rate_rows(outcomes["coordinates"]),
              "qq": qq + [row for j in range(min(3, draws.k_ad)) for row in rules.qq_rows(f"projection {j + 1}", proj[:, j], d)],
              "spectrum": rules.spectrum_rows(spectrum, d)}
    return CheckResult(
        outcomes=outcomes, input=described, config=cfg, calibration={law: r.to_dict() for law, r in ev.nulls.items()},
        spectrum=spectrum, labels=None if labels is None else rules.labels(m, draws.names),
        seconds=time.perf_counter() - start, tables=tables)


def _labels(labels, n: int) -> np.ndarray | None:
    """The class labels as an array of n (read from a file if a path), or None; a ValueError for a count that
    does not match or a NaN label."""
    if labels is None:
        return None
    labels = load_vector(labels, length=n) if isinstance(labels, (str, bytes)) or hasattr(labels, "__fspath__") \
        else label_vector(labels, length=n, source="labels")
    if labels.dtype.kind == "f" and (missing := np.isnan(labels)).any():
        raise ValueError(f"{int(missing.sum())} label(s) are NaN (e.g. row {int(np.flatnonzero(missing)[0])}); "
                         "give every row a class label.")
    return labels


class OptionWarning(UserWarning):
    """A warning about options that the input makes idle or changes. Its text names each option through
    :meth:`render`'s ``name(option, value=None)``: ``k=20`` here, ``--k 20`` on the command line."""

    def __init__(self, template: str, **options):
        self.template, self.options = template, options
        super().__init__(self.render(lambda name, value=None: name if value is None else f"{name}={value}"))

    def render(self, name: Callable[..., str]) -> str:
        """The text with each option named by ``name(option)`` or ``name(option, value)``."""
        return self.template.format(**{key: name(*option) for key, option in self.options.items()})


def _warn_idle_options(cfg: CheckConfig, d: int, *, given: bool) -> None:
    """Warn about an option the input makes idle (``eta2`` without positives or a trace) or clamps (``k`` or
    ``directions`` above d, unless at its default, which is documented as clamped)."""
    if cfg.eta2 is not None and not given:
        warnings.warn(OptionWarning("{eta2} is used only with {positives} (Prop 1's bound) or {trace} (the plateau); "
                                    "without either it is ignored.", eta2=("eta2",), positives=("positives",),
                                    trace=("trace",)), stacklevel=3)
    defaults = inspect.signature(check).parameters
    for name in ("k", "directions"):
        value = getattr(cfg, name)
        if value > d and value != defaults[name].default:
            warnings.warn(OptionWarning(f"{{given}} is larger than d = {d}; using {{used}}.", given=(name, value),
                                        used=(name, d)), stacklevel=3)


BACKENDS = ("auto", "numpy", "torch")


def _read(data, name: str, key, backend: str, like=None):
    """``data`` read where its statistics run: a tensor on an accelerator (``backend="auto"``) or any tensor
    (``"torch"``) by :func:`infonce_gauss.encoder_check.torch_backend.as_input` on its device, anything else by
    :func:`~infonce_gauss.encoder_check.streaming.as_input` (NumPy); positives (``like``: the embeddings) where
    the embeddings' statistics run. torch_backend is imported only for a tensor."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}.")
    if like is not None:
        device = None if isinstance(like, EmbeddingMatrix) else like.device
    elif is_tensor(data) and (backend == "torch" or (backend == "auto" and data.device.type != "cpu")):
        device = data.device
    else:
        device = None
    if device is None:
        return streaming.as_input(data, name, key=key)
    from infonce_gauss.encoder_check import torch_backend

    return torch_backend.as_input(data, name, device=device, key=key)


@dataclass(frozen=True)
class _Draws:
    """The random choices of a check, made from ``seed`` for the rows and columns kept."""

    rng: np.random.Generator  # continues after the draws below (the QQ coordinates)
    k_ad: int
    directions: np.ndarray  # d × (k_ad + sliced directions): Anderson–Darling directions, then the sliced ones
    sample_idx: np.ndarray
    sample_flag: np.ndarray
    codes: np.ndarray | None
    names: np.ndarray | None


def _draws(cfg: CheckConfig, labels, keep: np.ndarray, d: int) -> _Draws:
    n = int(keep.sum())
    rng = np.random.default_rng(cfg.seed)
    k_ad = min(cfg.directions, d)
    directions = np.hstack([random_directions(d, k_ad, rng=rng), random_directions(d, min(cfg.sliced_directions, d), rng=rng)])
    sample_idx = np.sort(rng.choice(n, size=min(n, cfg.subsample), replace=False))
    sample_flag = np.zeros(n, dtype=bool)
    sample_flag[sample_idx] = True
    codes = names = None
    if labels is not None:
        names, codes = np.unique(np.asarray(labels)[keep], return_inverse=True)
    return _Draws(rng, k_ad, directions, sample_idx, sample_flag, codes, names)


def _coordinate_variants(x, keep, cols, norms, m, cfg: CheckConfig, rng, say) -> tuple[dict, int | None, list[dict]]:
    """Coordinate tests on unnormalized, normalized (and whitened) embeddings, one column block at a time
    (a reason string in place of the whitened tests where they cannot run), the whitening rank, and QQ
    rows for three random coordinates. Each block is centred before it is narrowed to float32
    (:func:`~infonce_gauss.encoder_check.streaming.column_blocks`; the tests are location-invariant)."""
    n, d = m.n, cols.size
    ops = streaming.backend(x)  # the blocks and their tests where x lives (NumPy or its torch device)
    parts = {"unnormalized": [], "normalized": []}
    qq_cols = set(cols[rng.choice(d, size=min(3, d), replace=False)].tolist())
    qq = []
    mean = m.sum_z / n
    inverse = 1 / norms
    scales = None
    done = 0
    for idx, block in ops.column_blocks(x, keep, cols, streaming.block_width(n, d, cfg.memory_mb), centre=mean):
        if scales is None:
            scales = [ops.put(v.astype(np.float32), block) for v in (inverse, inverse - inverse.mean())]
        parts["unnormalized"].append(ops.coordinate_tests(block, columns_first=True, workers=cfg.workers))
        qq += [row for j, col in zip(idx, block) if int(j) in qq_cols
               for row in rules.qq_rows(f"coordinate {int(j)}", ops.host(col), d)]
        _normalize(block, mean[done:done + idx.size], *scales)
        done += idx.size
        parts["normalized"].append(ops.coordinate_tests(block, columns_first=True, workers=cfg.workers))
        del block  # before the next block is built: one block in memory, not two
    variants = {name: _merge(p) for name, p in parts.items()}
    rank = None
    if cfg.whiten:
        say("whitened coordinates")
        if n <= d:
            variants["whitened"] = f"whitening needs more rows than columns (n = {n}, d = {d})"
        else:  # on the host (a device's rows are copied there chunk by chunk)
            variants["whitened"], rank = _whitened_tests(ops.host_matrix(x), keep, cols, m, cfg)
    return variants, rank, qq


def _normalize(block, mean: np.ndarray, inverse, deviation) -> None:
    r"""Turn the centred block :math:`y_{ji}=z_{ji}-\mu_j` in place into the normalized coordinates
    :math:`z_{ji}/\|z_i\|` shifted by the constant :math:`-\mu_j\,\overline{1/\|z\|}`:
    :math:`y_{ji}\,r_i+\mu_j(r_i-\bar r)` with :math:`r_i=1/\|z_i\|` (``inverse``) and :math:`r_i-\bar r`
    (``deviation``, formed in float64), so that neither term rounds away the spread of offset columns."""
    block *= inverse[None, :]
    for row, mu in zip(block, mean):  # row by row: no second block-sized temporary
        row += float(mu) * deviation


def _merge(parts: list[CoordinateTests]) -> CoordinateTests:
    return CoordinateTests(*(np.concatenate([getattr(p, f) for p in parts])
                               for f in ("ad", "dp_statistic", "dp_pvalue", "skewness", "excess_kurtosis")), n=parts[0].n)


def _whitening(x, keep, cols, mean: np.ndarray) -> tuple[np.ndarray, int]:
    r"""ZCA whitening matrix :math:`\sqrt n\,V_rS_r^{-1}V_r^\top` from the SVD :math:`R=USV^\top` of the R factor
    of the centred data :math:`Z-\bar z=QR` (streamed: R of each chunk stacked under the previous R), over
    the r singular values above :math:`10^{-5}s_{max}`. The SVD of R has the condition number of the data,
    where an eigendecomposition of the Gram matrix would square it; the pseudo-inverse covers
    LayerNorm-terminated encoders, whose embeddings lie in an affine hyperplane."""
    d = cols.size
    r = np.zeros((0, d))
    n = 0
    for z in streaming.kept_rows(x, keep, cols):
        r = np.linalg.qr(np.vstack([r, z - mean]), mode="r")
        n += z.shape[0]
    _, s, vt = np.linalg.svd(r, full_matrices=False)
    kept = s > s[0] * 1e-5
    v = vt[kept].T
    return (v * (np.sqrt(n) / s[kept])) @ v.T, int(kept.sum())


def _whitened_tests(x, keep, cols, m, cfg: CheckConfig) -> tuple[CoordinateTests, int]:
    """Per-coordinate tests on ZCA-whitened coordinates (see :func:`_whitening`), one column block at a time."""
    n, d = m.n, cols.size
    mean = m.sum_z / n
    white, rank = _whitening(x, keep, cols, mean)
    width = streaming.block_width(n, d, cfg.memory_mb)
    parts = []
    for j in range(0, d, width):
        columns = white[:, j:j + width]
        block = streaming.transposed_block(((z - mean) @ columns for z in streaming.kept_rows(x, keep, cols)), columns.shape[1], n)
        parts.append(coordinate_tests(block, columns_first=True, workers=cfg.workers))
        del block  # one block in memory, not two
    return _merge(parts), rank
