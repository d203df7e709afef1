"""Pure numpy core: PyTorch's cross_entropy in float64, with a trace of every stage."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from ..errors import XentError
from .batch import SOFT_ROW_SUM_TOL, BadSoftLabel, Kept, batch_loss, compute_dtype, smoothed
from .doctor import examine
from .options import Options

REDUCTIONS = ("mean", "sum", "none")
SOFT_CHECK_IN_PASS = 1 << 20  # class probabilities from this many on are checked in the batch pass


@dataclass
class Problem:
    """Validated input: logits flattened to (M, C) samples, target flattened to match."""

    logits: np.ndarray | Positions  # (M, C): a view, or rows gathered on demand for (N, C, d...)
    target: np.ndarray  # (M,) int64 class indices, or (M, C) float64 probabilities
    options: Options
    logits_shape: tuple[int, ...]  # as given: (C,), (N, C) or (N, C, d1, ..., dK)
    sample_shape: tuple[int, ...]  # shape of the per-sample loss: (), (N,) or (N, d1, ..., dK)
    class_dim: int = 1  # where the user's logits keep the classes
    float_labels: bool = False  # class indices given as whole-number floats (PyTorch wants them as integers)
    unchecked: bool = False  # big class-probability targets: checked chunk by chunk in the batch pass

    @property
    def soft(self) -> bool:
        """True for class-probability targets."""
        return self.target.ndim == 2

    @property
    def num_classes(self) -> int:
        """C."""
        return self.logits.shape[1]

    @property
    def num_samples(self) -> int:
        """M: rows, or positions for K-dimensional input."""
        return self.logits.shape[0]

    def position(self, m: int) -> tuple[int, ...]:
        """The index tuple of flattened sample m in the per-sample loss's shape."""
        if not self.sample_shape:
            return ()
        return tuple(int(i) for i in np.unravel_index(m, self.sample_shape))


@dataclass
class Note:
    """Something worth telling the learner; `key` names a catalogue message."""

    key: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass
class Trace:
    """Every stage for the rows a person will read (a prefix of the batch)."""

    rows: np.ndarray  # flattened sample indices shown
    logits: np.ndarray
    row_max: np.ndarray
    shifted: np.ndarray
    exp: np.ndarray
    row_sum: np.ndarray
    probs: np.ndarray
    log_probs: np.ndarray
    target: np.ndarray  # the effective target distribution (one-hot, smoothed or soft)
    labels: np.ndarray | None  # class indices, None for soft targets
    ignored: np.ndarray  # bool
    p_true: np.ndarray | None  # probability of the labelled class
    neg_log_p: np.ndarray | None  # -ln p of the labelled class
    sample_weight: np.ndarray  # each sample's share of the mean's denominator
    loss: np.ndarray  # per-sample loss
    grad: np.ndarray | None  # d(reduced loss)/d(logits); None for reduction='none'
    raw_exp: np.ndarray | None = None  # e^z without the shift, as the article computes it (may overflow)
    raw_sum: np.ndarray | None = None  # each row's sum of raw_exp


@dataclass
class Result:
    """The loss, the per-sample losses and the trace."""

    problem: Problem
    trace: Trace
    per_sample: np.ndarray  # (M,)
    numerator: float  # sum of the per-sample losses
    denominator: float  # the mean's denominator; 1 for sum, nan for none
    live: int  # samples that count (not ignored)
    correct: int  # samples whose largest logit is the true class; -1 when not counted
    loss: float | np.ndarray
    notes: tuple[Note, ...]
    kept: Kept | None = None  # summary figures gathered in the batch pass
    row_max: np.ndarray | None = None  # (M,) each row's max and log-sum-exp, kept for the gradient
    lse: np.ndarray | None = None


def make_problem(logits: np.ndarray, target: np.ndarray, options: Options | None = None, class_dim: int = 1) -> Problem:
    """Validate shapes, labels and options as PyTorch would, plus what a learner gets wrong."""
    options = _check_options(options or Options())
    z = np.asarray(logits)
    t = np.asarray(target)
    if z.ndim < 2 and class_dim not in (1, 0, -1):  # (C,): the classes are dimension 0, i.e. -1
        raise XentError("bad_class_dim", "class_dim", dim=class_dim, ndim=z.ndim)
    if class_dim != 1 and z.ndim >= 2:
        if not -z.ndim <= class_dim < z.ndim or class_dim in (0, -z.ndim):
            raise XentError("bad_class_dim", "class_dim", dim=class_dim, ndim=z.ndim)
        if t.shape == z.shape:
            t = np.moveaxis(t, class_dim, 1)
        z = np.moveaxis(z, class_dim, 1)
    if z.dtype.kind not in "iuf":
        raise XentError("not_numeric", "logits")
    if z.ndim == 0:
        raise XentError("logits_scalar", "logits")
    z = z.astype(compute_dtype(z.dtype), copy=False)
    batched = z.ndim >= 2
    c = z.shape[1] if batched else z.shape[0]
    if c == 0 and (not batched or z.shape[0] * int(np.prod(z.shape[2:])) or t.shape == z.shape):
        raise XentError("no_classes", "logits")  # PyTorch too: no class can be the target
    if options.weight is not None and options.weight.shape != (c,):
        raise XentError("weight_length", "weight", got=options.weight.size, classes=c)
    if t.shape == z.shape:
        return _soft_problem(z, t, options, c, class_dim)
    sample_shape = (z.shape[0], *z.shape[2:]) if batched else ()
    if t.shape != sample_shape:
        _shape_error(z.shape, t.shape, sample_shape, t)
    labels = _check_labels(t, c, options.ignore_index, sample_shape)
    return Problem(_samples(z), labels.reshape(-1), options, z.shape, sample_shape, class_dim, t.dtype.kind == "f")


class Positions:
    """(N, C, d1, ..., dK) logits seen as (M, C) samples without a copy: rows are gathered on demand."""

    ndim = 2

    def __init__(self, z: np.ndarray) -> None:
        self.z3 = z.reshape(z.shape[0], z.shape[1], -1)
        n, c, self.per = self.z3.shape
        self.shape = (n * self.per, c)
        self.dtype = z.dtype
        self.size = n * self.per * c

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key: object) -> np.ndarray:
        if isinstance(key, slice):
            start, stop, _ = key.indices(self.shape[0])
            parts = []
            m = start
            while m < stop:  # a slice of samples: whole runs of positions of one batch item
                n, s0 = divmod(m, self.per)
                s1 = min(self.per, s0 + stop - m)
                parts.append(self.z3[n, :, s0:s1].T)
                m += s1 - s0
            if not parts:
                return np.empty((0, self.shape[1]), self.dtype)
            return parts[0] if len(parts) == 1 else np.concatenate(parts)
        n, s = np.divmod(np.asarray(key), self.per)
        return self.z3[n, :, s]

    def __array__(self, dtype: object = None, copy: object = None) -> np.ndarray:
        full = np.moveaxis(self.z3, 1, -1).reshape(self.shape)
        return full if dtype is None else full.astype(dtype)


def _samples(z: np.ndarray) -> np.ndarray | Positions:
    """The logits as (M, C) rows of samples: a view when the classes are last in memory."""
    if z.ndim == 1:
        return z.reshape(1, -1)
    if z.ndim == 2:
        return z
    last = np.moveaxis(z, 1, -1)
    return last.reshape(-1, z.shape[1]) if last.flags.c_contiguous else Positions(z)


def _check_options(o: Options) -> Options:
    if o.reduction not in REDUCTIONS:
        raise XentError("bad_reduction", "reduction", value=o.reduction)
    eps = float(o.label_smoothing)
    if not np.isfinite(eps) or eps < 0.0 or eps > 1.0:
        raise XentError("bad_smoothing", "label_smoothing", value=o.label_smoothing)
    w = o.weight
    if w is not None:
        w = np.asarray(w)
        if w.dtype.kind not in "iuf":
            raise XentError("not_numeric", "weight")
        w = w.astype(np.float64, copy=False)
        if w.ndim != 1:
            raise XentError("weight_shape", "weight", ndim=w.ndim)
        bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
        if bad.size:
            i = int(bad[0])
            raise XentError("bad_weight", "weight", cls=i, value=_num(w[i]))
    return Options(o.reduction, w, int(o.ignore_index), eps)


def _shape_error(zshape: tuple[int, ...], tshape: tuple[int, ...], want: tuple[int, ...], t: np.ndarray) -> None:
    if len(zshape) >= 3 and tshape == zshape[:-1]:  # a language model's (N, T, V) with (N, T): classes last
        raise XentError("target_shape_class_last", "labels", got=_shp(tshape), want=_shp(want), logits=_shp(zshape))
    if len(tshape) == 2 and _one_hot(t):
        indices = "[" + ", ".join(str(int(i)) for i in np.argmax(t[:4], axis=1)) + (", …]" if len(t) > 4 else "]")
        want_text = f"({want[0]},)" if len(want) == 1 else _shp(want)
        raise XentError("one_hot_shape", "labels", got=_shp(tshape), want=want_text, soft=_shp(zshape), idx=indices)
    if len(zshape) == 2 and len(tshape) == 1:
        raise XentError("labels_count", "labels", labels=tshape[0], rows=zshape[0])
    if len(zshape) == 1 and len(tshape) == 1:
        raise XentError("soft_shape_1d", "labels", got=f"({tshape[0]},)", want=f"({zshape[0]},)")
    if len(tshape) == len(zshape):
        raise XentError("soft_shape", "labels", got=_shp(tshape), want=_shp(zshape))
    raise XentError("target_shape", "labels", got=_shp(tshape), want=_shp(want), soft=_shp(zshape))


def _one_hot(t: np.ndarray) -> bool:
    """Rows of 0s with a single 1: class indices written out as one-hot vectors."""
    if t.dtype.kind not in "iuf" or not t.size or t.size > 1 << 24:
        return False
    with np.errstate(all="ignore"):
        return bool(np.all((t == 0) | (t == 1)) and np.all(t.sum(axis=1) == 1))


def _check_labels(t: np.ndarray, c: int, ii: int, sample_shape: tuple[int, ...]) -> np.ndarray:
    if t.dtype.kind not in "iuf":
        raise XentError("not_numeric", "labels")
    flat = t.reshape(-1)
    if t.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(flat) | (flat != np.round(flat)))
        if bad.size:
            m = int(bad[0])
            raise XentError(
                "label_not_int",
                "labels",
                at=_where(m, sample_shape),
                value=_num(flat[m]),
            )
    # Range first, on the values as given: a huge float or uint64 must not wrap when cast.
    if flat.dtype.kind == "i":  # one compare: a negative label seen as unsigned is huge
        out = flat.view(flat.dtype.str.replace("i", "u")) >= c
        bad = np.flatnonzero(out & (flat != ii)) if out.any() else out[:0]
    else:
        bad = np.flatnonzero(((flat < 0) | (flat >= c)) & (flat != ii))
    if bad.size:
        m = int(bad[0])
        value = flat[m].item()
        raise XentError(
            "label_range",
            "labels",
            at=_where(m, sample_shape),
            value=_num(value) if isinstance(value, float) else value,
            top=c - 1,
            ii=ii,
        )
    return flat.astype(np.int64, copy=False)


def _soft_problem(z: np.ndarray, t: np.ndarray, options: Options, c: int, class_dim: int) -> Problem:
    if t.dtype.kind not in "iuf":
        raise XentError("not_numeric", "labels")
    if options.ignore_index >= 0:
        raise XentError("soft_ignore_index", "ignore_index", value=options.ignore_index)
    if t.dtype not in (np.float32, np.float64):
        t = t.astype(np.float64)  # float32 probabilities stay as given: no copy of a big batch
    batched = z.ndim >= 2
    sample_shape = (z.shape[0], *z.shape[2:]) if batched else ()
    axis = 1 if batched else 0

    def sample(index: tuple[int, ...]) -> int:
        pos = (index[0], *index[2:]) if batched else ()
        return int(np.ravel_multi_index(pos, sample_shape)) if pos else 0

    if t.size >= SOFT_CHECK_IN_PASS:  # one pass instead of three: the batch pass checks each chunk
        return Problem(_samples(z), _samples(t), options, z.shape, sample_shape, class_dim, unchecked=True)
    # Two reductions clear a good batch; only a bad one pays for finding the first culprit.
    clean = t.size == 0 or (float(t.min()) >= 0 and np.isfinite(float(t.max())))
    bad = np.empty((0, t.ndim), int) if clean else np.argwhere(~np.isfinite(t) | (t < 0))
    if bad.size:
        index = tuple(int(v) for v in bad[0])
        m = sample(index)
        raise XentError("soft_negative", "labels", at=_where(m, sample_shape), cls=index[axis], value=_num(t[index]))
    sums = t.sum(axis=axis).reshape(-1)
    bad = np.flatnonzero(np.abs(sums - 1.0) > SOFT_ROW_SUM_TOL)
    if bad.size:
        m = int(bad[0])
        raise XentError("soft_sum", "labels", at=_where(m, sample_shape), value=_num(sums[m]))
    return Problem(_samples(z), _samples(t), options, z.shape, sample_shape, class_dim)


def _where(m: int, sample_shape: tuple[int, ...]) -> int | tuple[int, ...]:
    """A human position: a 1-based row for a batch, an index tuple for K-dimensional samples."""
    if len(sample_shape) <= 1:
        return m + 1
    return tuple(int(i) for i in np.unravel_index(m, sample_shape))


def _shp(s: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(d) for d in s) + ")"


def _num(x: float) -> str:
    return f"{float(x):g}"


def explain(
    problem: Problem,
    rows: int | None = None,
    *,
    argmax: bool = False,
    top: int = 0,
    threads: int | None = None,
    progress=None,
    doctor: bool = True,
    keep_lse: bool = False,
) -> Result:
    """Compute the loss over the whole batch and the trace for the first `rows` samples.

    `argmax` also counts the samples whose true class has the largest logit, and with `top`
    the pass gathers what `summarize` needs (count, sum, max, the `top` highest losses); with
    `keep_lse` it keeps each row's max and log-sum-exp, from which `gradient` needs one exp per logit.
    """
    o = problem.options
    try:
        b = batch_loss(problem.logits, problem.target, o, argmax=argmax, top=top, threads=threads,
                       progress=progress, keep_lse=keep_lse, check_soft=problem.unchecked)  # fmt: skip
    except BadSoftLabel as bad:
        kind, m, cls, value = bad.args
        at = _where(m, problem.sample_shape)
        if kind == "soft_negative":
            raise XentError(kind, "labels", at=at, cls=cls, value=_num(value)) from None
        raise XentError(kind, "labels", at=at, value=_num(value)) from None
    problem.unchecked = False
    denominator, loss = _reduce(b, o, problem.sample_shape)
    live = problem.num_samples if problem.soft else int(np.count_nonzero(problem.target != o.ignore_index))
    k = problem.num_samples if rows is None else max(0, min(rows, problem.num_samples))
    trace = _trace(problem, np.arange(k), b.losses, denominator)
    # Weights are >= 0, so a zero sum of the counted targets' weights means every one is 0.
    nan_ignored = (b.nan_ignored, b.nan_ignored_first)
    notes = _notes(problem, b.losses, live, b.total, nan_ignored, not problem.soft and b.denominator == 0)
    if doctor:
        found = examine(problem, loss, lambda z: _loss_on(problem, z), b.total, b.denominator, live)
        if any(key == "doctor_mostly_ignored" for key, _ in found):  # it says the same, with the counts
            notes = tuple(n for n in notes if n.key != "some_ignored")
        notes += tuple(Note(key, params) for key, params in found)
    return Result(
        problem, trace, b.losses, b.total, denominator, live, b.correct, loss, notes, b.kept, b.row_max, b.lse
    )


def _reduce(b, o: Options, sample_shape: tuple[int, ...]) -> tuple[float, float | np.ndarray]:
    """The mean's denominator (1 for sum, nan for none) and the reduced loss, as PyTorch reduces."""
    with np.errstate(all="ignore"):
        if o.reduction == "mean":
            return b.denominator, (b.total / b.denominator if b.denominator else float("nan"))
        if o.reduction == "sum":
            return 1.0, b.total
        loss = b.losses.reshape(sample_shape)
        return float("nan"), (float(loss) if not sample_shape else loss)


def _loss_on(problem: Problem, z: np.ndarray) -> float | np.ndarray:
    """The loss of other (M, C) logits with this problem's target and options."""
    return _reduce(batch_loss(z, problem.target, problem.options), problem.options, problem.sample_shape)[1]


def _softmax(z: np.ndarray) -> tuple[np.ndarray, ...]:
    """The softmax stages of float64 rows: max, shifted, exponentials, row sums, probabilities."""
    with np.errstate(all="ignore"):
        row_max = z.max(axis=1) if z.size else np.zeros(len(z))
        shifted = z - row_max[:, None]
        e = np.exp(shifted)
        row_sum = e.sum(axis=1)
        return row_max, shifted, e, row_sum, e / row_sum[:, None]


def _targets(problem: Problem, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For these rows: the target distribution t, the ignored mask, and a = w * t."""
    o = problem.options
    target, ignored = target_distribution(
        problem.target[rows], o.label_smoothing, problem.num_classes, o.ignore_index, problem.soft
    )
    return target, ignored, target * o.weight if o.weight is not None else target


def target_distribution(
    target: np.ndarray, eps: float, c: int, ignore_index: int, soft: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The target distribution t (one-hot, smoothed or soft) and the ignored mask."""
    if soft:
        return smoothed(np.asarray(target, np.float64), eps, c), np.zeros(len(target), bool)
    ignored = target == ignore_index
    live = np.flatnonzero(~ignored)
    onehot = np.zeros((len(target), c))
    onehot[live, target[live]] = 1.0
    t = smoothed(onehot, eps, c)
    t[ignored] = 0.0
    return t, ignored


def _trace(problem: Problem, rows: np.ndarray, losses: np.ndarray, denominator: float) -> Trace:
    o = problem.options
    z = np.asarray(problem.logits[rows], dtype=np.float64)
    row_max, shifted, e, row_sum, probs = _softmax(z)
    with np.errstate(all="ignore"):
        log_probs = shifted - np.log(row_sum)[:, None]
    target, ignored, coef = _targets(problem, rows)
    labels = p_true = neg_log_p = None
    if problem.soft:
        share = np.ones(len(rows))
    else:
        labels = problem.target[rows]
        safe = np.where(ignored, 0, labels)
        w = o.weight if o.weight is not None else np.ones(problem.num_classes)
        share = np.where(ignored, 0.0, w[safe])
        picked = np.take_along_axis(log_probs, safe[:, None], axis=1)[:, 0]
        p_true = np.where(ignored, np.nan, np.exp(picked))
        neg_log_p = np.where(ignored, np.nan, -picked)
    grad = None if o.reduction == "none" else _grad(probs, coef, ignored, denominator)
    loss = losses[rows].astype(np.float64)
    with np.errstate(all="ignore"):
        raw_exp = np.exp(z)
        raw_sum = raw_exp.sum(axis=1)
    return Trace(rows, z, row_max, shifted, e, row_sum, probs, log_probs, target, labels, ignored,
                 p_true, neg_log_p, share, loss, grad, raw_exp, raw_sum)  # fmt: skip


def _grad(probs: np.ndarray, coef: np.ndarray, ignored: np.ndarray, denominator: float) -> np.ndarray:
    """d(reduced loss)/dz = ((sum_c a_c) p - a) / D per sample, with a = w * t.

    As PyTorch: an ignored sample's row is 0 * p (nan when its softmax is nan: a +inf, a nan or
    every logit -inf), and a mean over weights that sum to 0 gives nan for every counted sample
    (PyTorch's weighted mean is 0 / 0 there, label smoothing or not).
    """
    with np.errstate(all="ignore"):
        g = (coef.sum(axis=1, keepdims=True) * probs - coef) / denominator
        if denominator == 0:
            g[~ignored] = np.nan
        g[ignored] = 0.0 * probs[ignored]
    return g


GRAD_BLOCK = 1 << 17  # logits per gradient block: cache-sized, yet few Python steps


def grad_dtype(problem: Problem) -> np.dtype:
    """The gradient's dtype: the logits' own for floating-point logits (as autograd), else float64."""
    return compute_dtype(problem.logits.dtype)


def gradient_blocks(result: Result, dtype: np.dtype | str | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """d(reduced loss)/dz for every sample, as (first sample, (rows, C) block) in sample order.

    ln p = (z - max) - lse from the loss pass when it kept them (else computed here), so a block
    costs one subtraction and one exp per logit, then the target's part: (S p - a) / D per row with
    a = w * t, S = sum_c a_c. An ignored row is 0 * p (NaN where p is), a zero denominator gives NaN
    for every counted row, as PyTorch's autograd. A block is only valid until the next is yielded.
    """
    p = result.problem
    if p.options.reduction == "none":
        return
    c = max(p.num_classes, 1)
    rows = max(1, GRAD_BLOCK // c)
    work = _GradWork(result, min(rows, p.num_samples), np.dtype(dtype or grad_dtype(p)))
    for start in range(0, p.num_samples, rows):
        yield start, work.block(start, min(p.num_samples, start + rows))


class _GradWork:
    """The gradient of a range of samples, in one set of buffers allocated once."""

    def __init__(self, result: Result, rows: int, dtype: np.dtype, index_rows: int | None = None) -> None:
        p = result.problem
        o = p.options
        self.p = p
        self.r = result
        self.c = p.num_classes
        self.dtype = dtype
        self.buf = np.empty((rows, self.c), self.dtype)
        self.tmp = np.empty((index_rows or rows, self.c), self.dtype) if p.soft else None
        self.ar = np.arange(rows if index_rows is None else index_rows)
        d = result.denominator
        self.d = d
        self.eps = o.label_smoothing
        self.w = o.weight
        w = o.weight
        total_w = float(w.sum()) if w is not None else float(self.c)
        # The smoothing part of a, eps/C * w, the same in every counted row (divided by D).
        share = self.eps / max(self.c, 1)
        self.flat_sum = share * total_w
        self.flat = None
        if self.eps and d:
            flat = share * (w if w is not None else np.ones(self.c)) / d
            self.flat = np.asarray(flat, self.dtype)

    def block(self, s: int, e: int, g: np.ndarray | None = None) -> np.ndarray:
        """The rows [s, e) of the gradient, computed into `g` (default: the work buffer)."""
        p = self.p
        n = e - s
        g = self.buf[:n] if g is None else g
        z = np.asarray(p.logits[s:e])
        with np.errstate(all="ignore"):
            if self.r.lse is not None:
                m, lse = self.r.row_max[s:e], self.r.lse[s:e]
            else:
                m = z.max(axis=1).astype(np.float64) if self.c else np.zeros(n)
                lse = np.log(np.exp(z - m[:, None].astype(z.dtype)).sum(axis=1, dtype=np.float64))
            one = 1.0 - self.eps
            d = self.d
            if d == 0:  # PyTorch: 0 / 0 for every counted row; an ignored row stays 0 * p
                self._p(g, z, m, lse)
                g *= 0
                if p.soft:
                    g[...] = np.nan
                else:
                    g[p.target[s:e] != p.options.ignore_index] = np.nan
                return g
            if p.soft:
                t = np.asarray(p.target[s:e])
                tw = self.tmp[:n]
                if self.w is not None:
                    np.multiply(t, (self.w * (one / d)).astype(self.dtype), out=tw)
                else:
                    np.multiply(t, self.dtype.type(one / d), out=tw)
                scale = tw.sum(axis=1, dtype=np.float64) + self.flat_sum / d  # S / D
                self._p(g, z, m, lse - np.log(scale))  # S p / D in one exp
                g -= tw
                if self.flat is not None:
                    g -= self.flat
                return g
            y = self.p.target[s:e]
            ignored = y == p.options.ignore_index
            any_ignored = bool(ignored.any())
            safe = np.where(ignored, 0, y) if any_ignored else y
            wy = self.w[safe] if self.w is not None else None
            hot = (one if wy is None else one * wy) / d  # the true class's part of a, over D
            scale = np.broadcast_to(np.asarray(((one if wy is None else one * wy) + self.flat_sum) / d), (n,))
            if any_ignored:
                scale = np.where(ignored, 0.0, scale)  # an ignored row is 0 * p: exp(-inf) = 0, NaN stays NaN
            # S p / D = exp((z - m) - (lse - ln(S / D))): the row's scale folded into the one exp.
            self._p(g, z, m, lse - np.log(scale))
            sub = np.broadcast_to(np.asarray(hot, self.dtype), (n,))
            if any_ignored:
                sub = np.where(ignored, 0, sub).astype(self.dtype)
            g.reshape(-1)[self.ar[:n] * self.c + safe] -= sub
            if self.flat is not None:
                g -= self.flat
                if any_ignored:
                    g[ignored] += self.flat  # (0 * p - f) + f is exactly 0 again (NaN stays NaN)
        return g

    def _p(self, g: np.ndarray, z: np.ndarray, m: np.ndarray, offset: np.ndarray) -> None:
        """g = exp((z - m) - offset) per row, as autograd forms p = exp(log_softmax).

        z - m first: exact on the largest logit (0), so p = 1 - tiny keeps the tiny's digits there.
        """
        np.subtract(z, m[:, None].astype(self.dtype), out=g)
        g -= offset[:, None].astype(self.dtype)
        np.exp(g, out=g)


def gradient(result: Result, dtype: np.dtype | str | None = None) -> np.ndarray | None:
    """The gradient of the reduced loss for every logit, in the logits' shape and dtype (float64 for integers).

    `dtype` asks for another precision (float64 of float32 logits: the sums then run in float64).
    """
    p = result.problem
    if p.options.reduction == "none":
        return None
    c = p.num_classes
    out = np.empty((p.num_samples, c), dtype or grad_dtype(p))
    rows = max(1, GRAD_BLOCK // max(c, 1))
    work = _GradWork(result, 0, out.dtype, min(rows, p.num_samples))  # blocks written straight into out
    for start in range(0, p.num_samples, rows):
        stop = min(p.num_samples, start + rows)
        work.block(start, stop, out[start:stop])
    return in_logits_shape(p, out)


def in_logits_shape(p: Problem, out: np.ndarray) -> np.ndarray:
    """(M, C) sample rows back in the shape the user gave the logits."""
    if len(p.logits_shape) == 1:
        return out.reshape(p.num_classes)
    shaped = np.moveaxis(out.reshape(*p.sample_shape, p.num_classes), -1, 1)
    return np.moveaxis(shaped, 1, p.class_dim) if p.class_dim != 1 else shaped


def _notes(
    problem: Problem,
    per_sample: np.ndarray,
    live: int,
    numerator: float,
    nan_ignored: tuple[int, int],
    zero_weights: bool = False,
) -> tuple[Note, ...]:
    o = problem.options
    if not problem.num_samples:
        return (Note("empty_" + o.reduction, {"shape": _shp(problem.logits_shape)}),)
    notes = list(_nonfinite_notes(problem, per_sample))
    count, first = nan_ignored
    if count and o.reduction != "none":
        # An ignored sample adds nothing, but PyTorch's gradient for its row is 0 * nan = nan.
        notes.append(Note("ignored_nonfinite", {"at": _where(first, problem.sample_shape), "count": count}))
    if not problem.soft:
        if 0 <= o.ignore_index < problem.num_classes:
            notes.append(Note("ignore_real_class", {"ii": o.ignore_index}))
        if live == 0 and problem.num_samples:
            key = "all_ignored_mean" if o.reduction == "mean" else "all_ignored"
            notes.append(Note(key, {"n": problem.num_samples}))
        elif live < problem.num_samples:
            notes.append(Note("some_ignored", {"n": problem.num_samples - live, "ii": o.ignore_index}))
        if live and o.reduction == "mean" and o.weight is not None and zero_weights:
            key = "zero_weight_mean_smoothing" if numerator != 0 else "zero_weight_mean"
            notes.append(Note(key, {"n": live}))
        if o.weight is not None and o.reduction == "mean":
            notes.append(Note("weighted_mean", {}))
    elif o.weight is not None and o.reduction == "mean":
        notes.append(Note("soft_weighted_mean", {"n": problem.num_samples}))
    return tuple(notes)


def _nonfinite_notes(problem: Problem, per_sample: np.ndarray) -> list[Note]:
    """Explain, as PyTorch's answer, every sample whose loss is nan or inf."""
    bad = np.flatnonzero(~np.isfinite(per_sample))
    if not bad.size:
        return []
    o = problem.options
    first: dict[str, int] = {}
    count: dict[str, int] = {}
    for start in range(0, bad.size, 65536):
        rows = bad[start : start + 65536]
        z = np.asarray(problem.logits[rows])
        with np.errstate(all="ignore"):
            kinds = {
                "nan_logit": np.isnan(z).any(axis=1),
                "posinf_logit": np.isposinf(z).any(axis=1),
                "all_neginf": np.isneginf(z).all(axis=1),
            }
            if problem.soft:
                kinds.update(_soft_neginf_kinds(problem, rows, z, np.isnan(per_sample[rows])))
            else:
                y = problem.target[rows]
                nan = np.isnan(per_sample[rows])  # a weight of 0 times +inf: say NaN, not +inf
                target_inf = np.isneginf(z[np.arange(len(rows)), y])
                kinds["neginf_target"] = target_inf & ~nan
                kinds["neginf_target_nan"] = target_inf & nan
                if o.label_smoothing > 0:
                    any_inf = np.isneginf(z).any(axis=1)
                    kinds["neginf_smoothing"] = any_inf & ~nan
                    kinds["neginf_smoothing_nan"] = any_inf & nan
        claimed = np.zeros(len(rows), bool)
        for key, mask in kinds.items():
            mask = mask & ~claimed
            claimed |= mask
            hits = np.flatnonzero(mask)
            if hits.size:
                first.setdefault(key, int(rows[hits[0]]))
                count[key] = count.get(key, 0) + int(hits.size)
    return [Note(key, {"at": _where(first[key], problem.sample_shape), "count": count[key]}) for key in first]


def _soft_neginf_kinds(problem: Problem, rows: np.ndarray, z: np.ndarray, nan: np.ndarray) -> dict[str, np.ndarray]:
    """Why a class-probability row with a -inf logit has its value: the note follows the value.

    PyTorch multiplies ln p_c = -inf by the (smoothed) target, then by the weight: NaN where either
    is 0, else +inf.
    """
    o = problem.options
    neginf = np.isneginf(z)
    target = smoothed(np.asarray(problem.target[rows]), o.label_smoothing, problem.num_classes)
    zero_target = (neginf & (target == 0)).any(axis=1)
    row = neginf.any(axis=1)
    return {
        "neginf_soft": row & nan & zero_target,
        "neginf_soft_weight": row & nan,
        "neginf_soft_smoothing" if o.label_smoothing > 0 else "neginf_soft_inf": row & ~nan,
    }


@dataclass
class Top:
    """One of the highest-loss samples."""

    index: int  # flattened sample index
    label: int | None
    p_true: float | None
    predicted: int
    loss: float


@dataclass
class Summary:
    """Where a big batch's loss comes from: spread of the per-sample losses and the worst ones."""

    count: int  # finite losses summarised
    mean: float
    median: float
    maximum: float
    edges: np.ndarray  # histogram bin edges
    counts: np.ndarray  # samples per bin
    accuracy: float | None  # argmax == label over non-ignored samples
    top: tuple[Top, ...]


HIST_BINS = 8
FINE_BINS = 1 << 16  # the histogram's bins split in 8192 each: the median's bin is found by counting
STATS_BLOCK = 1 << 20


def summarize(result: Result, top: int = 0, bins: int = HIST_BINS) -> Summary:
    """Mean, median, max, a histogram and the `top` highest losses of the non-ignored samples.

    Count, sum, max and the top-k candidates come from the batch pass (`result.kept`); one more
    pass in blocks counts the losses into FINE_BINS equal bins over [0, max], which gives the
    histogram and the median's bin, and the median is then selected among that bin's few values.
    """
    p = result.problem
    losses = result.per_sample
    kept = result.kept
    if kept is None or (top and len(kept.top) < min(top, kept.count)):
        kept = _kept(result, top)
    keep = None
    if kept.count != len(losses):  # some ignored or non-finite: the blocks drop them
        keep = np.ones(len(losses), bool) if p.soft else p.target != p.options.ignore_index
    if kept.count:
        hi = kept.maximum
        mean = kept.total / kept.count
        counts, edges, median = _histogram_median(losses, keep, kept.count, hi if hi > 0 else 1.0, bins, kept.minimum)
    else:
        hi = mean = median = float("nan")
        counts, edges = np.zeros(bins, int), np.linspace(0, 1, bins + 1)
    accuracy = None
    if result.correct >= 0 and result.live:
        accuracy = result.correct / result.live
    return Summary(kept.count, mean, median, hi, edges, counts, accuracy, _top(result, kept.top, top))


def _kept(result: Result, top: int) -> Kept:
    """The summary figures of a result computed without them (a direct pass over the losses)."""
    p = result.problem
    losses = result.per_sample
    keep = np.ones(len(losses), bool) if p.soft else p.target != p.options.ignore_index
    keep &= np.isfinite(losses)
    idx = np.flatnonzero(keep)
    vals = losses[idx]
    best = idx[:0]
    if top:
        best = idx[np.argpartition(vals, -top)[-top:]] if idx.size > top else idx
    if not vals.size:
        return Kept(0, 0.0, float("-inf"), best)
    return Kept(int(vals.size), float(vals.sum(dtype=np.float64)), float(vals.max()), best, float(vals.min()))


def _histogram_median(
    losses: np.ndarray, keep: np.ndarray | None, n: int, hi: float, bins: int, lo: float = 0.0
) -> tuple[np.ndarray, np.ndarray, float]:
    """Counts in `bins` equal bins over [0, hi], and the median (as np.median), in blocks."""
    fine = np.zeros(FINE_BINS, np.int64)
    index = _fine_index(losses.dtype, hi, lo)
    with np.errstate(all="ignore"):
        for start in range(0, len(losses), STATS_BLOCK):
            fine += np.bincount(index(_block(losses, keep, start)), minlength=FINE_BINS)
    counts = fine.reshape(bins, -1).sum(axis=1)
    edges = np.linspace(0.0, hi, bins + 1)
    cum = np.cumsum(fine)
    ranks = sorted({(n - 1) // 2, n // 2})
    cells = [int(np.searchsorted(cum, r, side="right")) for r in ranks]
    # The median's cells hold few values: pick them by value (a margin for rounding), then by cell.
    low = cells[0] * hi / FINE_BINS
    high = (cells[-1] + 1) * hi / FINE_BINS
    low, high = low - 1e-6 * abs(low) - 1e-300, high + 1e-6 * abs(high)
    picked = []
    for start in range(0, len(losses), STATS_BLOCK):
        part = _block(losses, keep, start)
        part = part[(part >= low) & (part <= high)]
        cell = index(part)
        picked.append(part[(cell >= cells[0]) & (cell <= cells[-1])])
    values = np.concatenate(picked).astype(np.float64)
    below = int(cum[cells[0] - 1]) if cells[0] else 0
    middle = np.partition(values, [r - below for r in ranks])[[r - below for r in ranks]]
    return counts, edges, float(middle.mean())


def _block(losses: np.ndarray, keep: np.ndarray | None, start: int) -> np.ndarray:
    part = losses[start : start + STATS_BLOCK]
    if keep is None:
        return part
    part = part[keep[start : start + STATS_BLOCK]]
    return part[np.isfinite(part)]


def _fine_index(dtype: np.dtype, hi: float, lo: float):
    """The fine bin of a loss: floor(x / max * FINE_BINS), the max itself in the last bin."""
    scale = FINE_BINS / hi
    if dtype == np.float32 and hi > 1e-30:
        scale = np.float32(scale)  # one float32 multiply: x <= max, so no overflow

    def index(part: np.ndarray) -> np.ndarray:
        cell = (part * scale).astype(np.int32)
        np.minimum(cell, FINE_BINS - 1, out=cell)
        if lo < 0:  # a soft-label loss rounded below 0 counts in the first bin
            np.maximum(cell, 0, out=cell)
        return cell

    return index


def _top(result: Result, candidates: np.ndarray, k: int) -> tuple[Top, ...]:
    if k <= 0:
        return ()
    losses = result.per_sample
    best = candidates
    if best.size > k:
        best = best[np.argpartition(losses[best], -k)[-k:]]
    best = best[np.argsort(-losses[best].astype(np.float64), kind="stable")]
    p = result.problem
    z = np.asarray(p.logits[best], dtype=np.float64)
    with np.errstate(all="ignore"):
        logp = z - z.max(axis=1, keepdims=True)
        logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
    out = []
    for i, m in enumerate(best):
        label = None if p.soft else int(p.target[m])
        p_true = None if label is None else float(np.exp(logp[i, label]))
        out.append(Top(int(m), label, p_true, int(np.argmax(z[i])), float(losses[m])))
    return tuple(out)
