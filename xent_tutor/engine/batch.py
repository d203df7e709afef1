"""Per-sample losses over a whole batch: cache-sized chunks, in place, on every core.

A row's loss never depends on its neighbours: every reduction runs along one row in an order
fixed by C alone (numpy's pairwise sum along a contiguous row, or, for few classes, a sum down a
transposed chunk's classes one after another), whatever the chunk, the thread or the batch size.
No BLAS call is made, so no BLAS thread pool starts inside the worker threads.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..errors import XentError
from .options import Options

SOFT_ROW_SUM_TOL = 1e-3  # a probability row may sum to 1 within this
CHUNK_ELEMENTS = 1 << 18  # logits per chunk (1 MiB of float32): cache-sized, yet few Python steps
PARALLEL_ELEMENTS = 1 << 22  # below this a second thread did not pay (measured: benchmarks/README.md)
SMALL_C = 56  # below this many classes a chunk is transposed first (measured: faster up to about 48)
EINSUM_ROW = 8192  # numpy's buffer: einsum splits longer rows at places that depend on the row
THREADS_ENV = "XENT_NUM_THREADS"
MAX_THREADS = 256  # more threads than this only adds overhead (and a huge count would start that many)


@dataclass
class Kept:
    """What the summary needs of the counted, finite losses, gathered chunk by chunk."""

    count: int = 0
    total: float = 0.0  # float64 sum
    maximum: float = float("-inf")
    top: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # candidates for the top k
    minimum: float = float("inf")


@dataclass
class BatchLoss:
    """Every sample's loss, the float64 sums the reduction needs, and the argmax hits."""

    losses: np.ndarray  # (M,), float32 for float32 logits, else float64
    total: float  # sum of the losses, accumulated in float64
    denominator: float  # sum of the mean's shares: w[y] of non-ignored targets, or M for soft
    correct: int  # samples whose true class has the largest logit (-1 when not counted)
    kept: Kept | None = None  # summary figures, when asked for
    nan_ignored: int = 0  # ignored samples whose softmax is nan (+inf, nan, or every logit -inf)
    nan_ignored_first: int = -1
    row_max: np.ndarray | None = None  # (M,) float64 max of each row, kept for the gradient when asked
    lse: np.ndarray | None = None  # (M,) float64 log(sum(exp(z - max))): ln p = (z - max) - lse


def compute_dtype(dtype: np.dtype) -> np.dtype:
    """float32 stays float32 (as PyTorch would); every other input is computed in float64."""
    return np.dtype(np.float32) if dtype in (np.float32, np.float16) else np.dtype(np.float64)


def smoothed(t: np.ndarray, eps: float, c: int) -> np.ndarray:
    """(1 - eps) * t + eps / C."""
    return t * (1.0 - eps) + eps / c if eps > 0 else t


def soft_rows(z: np.ndarray, t: np.ndarray, eps: float, w: np.ndarray | None) -> np.ndarray:
    """-sum_c (log p_c * target_c) * w_c, in PyTorch's order: NaN and inf exactly where PyTorch's are.

    The target is smoothed first ((1 - eps) t + eps / C), so with smoothing a -inf logit meets a
    positive coefficient (+inf loss), and 0 * (-inf) appears only for a zero target or weight.
    """
    with np.errstate(all="ignore"):
        m = z.max(axis=1, keepdims=True)
        logp = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
        target = t * (1 - eps) + eps / z.shape[1] if eps > 0 else t
        prod = logp * target
        if w is not None:
            prod = prod * w
        return -prod.sum(axis=1)


class BadSoftLabel(Exception):
    """A class-probability target found wrong in the batch pass: (kind, sample, class, value)."""


def down(f: Callable[..., np.ndarray], *arrays: np.ndarray) -> np.ndarray:
    """A reduction down the classes of (C, rows) chunks, in the same order for any number of rows.

    numpy sums down axis 0 class after class when there are two or more rows, but a lone row is
    one contiguous run that it sums pairwise: a lone row is therefore reduced as two copies.
    """
    if arrays[0].shape[1] != 1:
        return f(*arrays)
    return f(*(np.repeat(a, 2, axis=1) if a.ndim == 2 else a for a in arrays))[:1]


def _sum0(a: np.ndarray) -> np.ndarray:
    return a.sum(axis=0)


def _dot0(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->j", a, b)


def _wdot0(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.einsum("ij,i->j", a, w)


class _Kernel:
    """The loss of rows [a, b), computed chunk by chunk in one reusable buffer."""

    def __init__(self, logits: np.ndarray, target: np.ndarray, o: Options, argmax: bool, top: int):
        self.keep_max: np.ndarray | None = None  # when set, each row's max and lse are written here
        self.keep_lse: np.ndarray | None = None
        self.z = logits
        self.t = target
        self.o = o
        self.argmax = argmax
        self.top = top
        self.c = logits.shape[1]
        self.dtype = compute_dtype(logits.dtype)
        self.soft = target.ndim == 2
        self.check = False  # class probabilities still to be checked (set by batch_loss)
        self.col = self.c < SMALL_C  # chunks laid out (C, rows): every step runs along long rows
        w = o.weight
        self.w = None if w is None else w.astype(self.dtype)
        self.w64 = None if w is None else w.astype(np.float64)
        self.total_w = float(self.w64.sum()) if w is not None else float(self.c)
        # A transposed chunk of very few classes is quicker at half the size (measured).
        chunk = CHUNK_ELEMENTS // 2 if self.c <= 16 else CHUNK_ELEMENTS
        self.rows = max(1, chunk // max(self.c, 1))
        self.out = np.empty(0)  # the batch's losses, set by batch_loss; the top-k reads them back
        self.base = np.arange(self.rows) * self.c  # flat offset of each row of a contiguous chunk
        self.ar = np.arange(self.rows)

    def run(self, a: int, b: int, out: np.ndarray, done: list[int], slot: int) -> tuple:
        """Fill out[a:b]; return (sum of losses, sum of shares, argmax hits, kept figures)."""
        rows = min(self.rows, b - a)
        buf = np.empty((self.c, rows) if self.col else (rows, self.c), self.dtype)
        tbuf = np.empty((self.c, rows), self.dtype) if self.col and self.soft else None
        totals: list[float] = []
        shares: list[float] = []  # per chunk; summed exactly (math.fsum) so a tiny denominator keeps its digits
        hits = 0
        kept = Kept() if self.argmax or self.top else None
        nan_ignored = [0, -1]  # ignored samples whose softmax is nan: how many, and the first
        with np.errstate(all="ignore"):
            for s in range(a, b, self.rows):
                e = min(b, s + self.rows)
                part = buf[:, : e - s] if self.col else buf[: e - s]
                loss, sh, hit, ignored, bad = self._chunk(s, e, part, None if tbuf is None else tbuf[:, : e - s])
                if bad is not None and bad.size:
                    nan_ignored[0] += int(bad.size)
                    nan_ignored[1] = s + int(bad[0]) if nan_ignored[1] < 0 else nan_ignored[1]
                out[s:e] = loss
                totals.append(float(loss.sum()))
                shares.append(sh)
                hits += hit
                if kept is not None:
                    self._keep(kept, out[s:e], ignored, s)
                done[slot] = e - a
        return math.fsum(totals), math.fsum(shares), hits, kept, nan_ignored

    def _keep(self, kept: Kept, loss: np.ndarray, ignored: np.ndarray | None, s: int) -> None:
        """Fold this chunk's counted finite losses into the running summary figures."""
        ok = np.isfinite(loss)
        if ignored is not None:
            ok &= ~ignored
        n = int(np.count_nonzero(ok))
        if not n:
            return
        vals = loss if n == len(loss) else loss[ok]
        kept.count += n
        kept.total += float(vals.sum(dtype=np.float64))
        kept.maximum = max(kept.maximum, float(vals.max()))
        kept.minimum = min(kept.minimum, float(vals.min()))
        if self.top:
            k = self.top
            floor = -np.inf if len(kept.top) < k else float(np.min(self.out[kept.top]))
            idx = np.flatnonzero(ok & (loss >= floor)) if floor > -np.inf else np.flatnonzero(ok)
            if idx.size > k:
                idx = idx[np.argpartition(loss[idx], -k)[-k:]]
            best = np.concatenate([kept.top, idx + s])
            if best.size > k:
                best = best[np.argpartition(self.out[best], -k)[-k:]]
            kept.top = best

    def _chunk(self, s: int, e: int, buf: np.ndarray, tbuf: np.ndarray | None = None) -> tuple:
        """(losses, sum of shares, argmax hits, ignored mask or None, ignored rows with a nan softmax)."""
        c = np.asarray(self.z[s:e])
        t = self.t[s:e]
        n = e - s
        if self.col:
            np.copyto(buf, c.T)
            m = buf.max(axis=0)  # down the classes, one whole-array call
            np.subtract(buf, m, out=buf)  # the stability shift, in place
        else:
            top = c.argmax(axis=1)
            m = self._pick(c, top)
            np.subtract(c, m[:, None], out=buf)
        if self.soft and self.col:
            return self._soft_col(buf, tbuf, np.asarray(t), m, c, s), float(n), -1, None, None
        if self.soft:
            return self._soft(buf, np.asarray(t), m, None if self.col else top, c, s), float(n), -1, None, None
        ignored = t == self.o.ignore_index
        any_ignored = bool(ignored.any())
        safe = np.where(ignored, 0, t) if any_ignored else t
        if self.col:  # z_y - m read from the shifted (C, rows) chunk: a flat take
            zy = np.take(buf.reshape(-1), safe * n + self.ar[:n]) if buf.flags.c_contiguous else buf[safe, self.ar[:n]]
        else:
            zy = self._pick(c, safe) - m  # z_y - m, the same bits as in buf
        zero = buf == 0 if self.col else None  # the maxima, ties included
        hit = -1
        if self.argmax:
            first = top if not self.col else self._first_max(zero, zy, safe)
            hit = int(np.count_nonzero((first == safe) & ~ignored))
        eps = self.o.label_smoothing
        if eps > 0:
            shifted_sum = self._dot(buf, self.w)  # sum_c w_c (z_c - m)
        lse = self._lse(buf, m, None if self.col else top, zero, s)
        loss = lse - zy  # -log p_y = log(sum(exp(z - m))) - (z_y - m), in float64
        wy = None
        if self.w64 is not None:
            wy = self.w64[safe]
            if any_ignored:
                wy[ignored] = 0.0  # the denominator sums the counted rows only (never total minus ignored)
            loss *= wy
        if eps > 0:
            loss *= 1.0 - eps
            loss += (eps / self.c) * (lse * self.total_w - shifted_sum)
        counted = n - int(np.count_nonzero(ignored)) if any_ignored else n
        share = float(counted) if wy is None else float(wy.sum())  # pairwise within the chunk
        bad = None
        if any_ignored:
            bad = np.flatnonzero(ignored & np.isnan(lse))  # PyTorch's gradient there is 0 * nan
            # Ignored rows are skipped, not multiplied by zero: a nan there must not leak.
            loss[ignored] = 0.0
        return loss, share, hit, ignored if any_ignored else None, bad

    def _soft(
        self, buf: np.ndarray, t: np.ndarray, m: np.ndarray, top: np.ndarray | None, z: np.ndarray, at: int
    ) -> np.ndarray:
        """-sum_c a_c log p_c with a = ((1 - eps) t + eps / C) w, in the logits' precision.

        Expanded as lse * sum_c a_c - sum_c a_c (z_c - m), each sum split into its t part and its
        eps part, so no (rows, C) float64 copy of the targets is made. A NaN from that split (a
        -inf logit whose t_c w_c is 0) is recomputed as PyTorch forms it, coefficients first.
        """
        tw = t if t.dtype == self.dtype else t.astype(self.dtype)
        if self.check:
            self._check(tw.T, tw.sum(axis=1), at)
        if self.w is not None:
            tw = tw * self.w
        mass = tw.sum(axis=1).astype(np.float64)  # sum_c t_c w_c
        tz = self._dot(buf, tw)  # sum_c t_c w_c (z_c - m), before exp
        eps = self.o.label_smoothing
        if eps > 0:
            share = eps / self.c
            mass = (1.0 - eps) * mass + share * self.total_w
            tz = (1.0 - eps) * tz + share * self._dot(buf, self.w)
        loss = self._lse(buf, m, top, None, at) * mass - tz
        bad = np.flatnonzero(np.isnan(loss))
        if bad.size:
            loss[bad] = soft_rows(np.asarray(z[bad]), t[bad], self.o.label_smoothing, self.w)
        return loss

    def _soft_col(self, buf: np.ndarray, tb: np.ndarray, t: np.ndarray, m: np.ndarray, z: np.ndarray, at: int):
        """_soft for a (C, rows) chunk: the targets copied once beside it, checked there, and every
        sum taken down the classes (weights applied in place: no t * w temporary)."""
        np.copyto(tb, t.T, casting="unsafe")
        sums = down(_sum0, tb)
        if self.check:
            self._check(tb, sums, at)
        if self.w is not None:
            tb *= self.w[:, None]
            mass = down(_sum0, tb).astype(np.float64)  # sum_c t_c w_c
        else:
            mass = sums.astype(np.float64)
        tz = down(_dot0, buf, tb).astype(np.float64)  # sum_c t_c w_c (z_c - m), before exp
        eps = self.o.label_smoothing
        if eps > 0:
            share = eps / self.c
            flat = down(_sum0, buf) if self.w is None else down(_wdot0, buf, self.w)
            mass = (1.0 - eps) * mass + share * self.total_w
            tz = (1.0 - eps) * tz + share * flat.astype(np.float64)
        loss = self._lse(buf, m, None, None, at) * mass - tz
        bad = np.flatnonzero(np.isnan(loss))
        if bad.size:
            loss[bad] = soft_rows(np.asarray(z[bad]), t[bad], self.o.label_smoothing, self.w)
        return loss

    def _check(self, tb: np.ndarray, sums: np.ndarray, at: int) -> None:
        """Class probabilities checked in the pass (a big batch defers it here): >= 0, finite, rows sum to 1."""
        if not (float(tb.min()) >= 0 and np.isfinite(float(tb.max()))):
            wrong = ~np.isfinite(tb) | (tb < 0)
            r = int(np.flatnonzero(wrong.any(axis=0))[0])  # the first sample, then its first class
            k = int(np.flatnonzero(wrong[:, r])[0])
            raise BadSoftLabel("soft_negative", at + r, k, float(tb[k, r]))
        off = np.flatnonzero(np.abs(sums.astype(np.float64) - 1.0) > SOFT_ROW_SUM_TOL)
        if off.size:
            raise BadSoftLabel("soft_sum", at + int(off[0]), None, float(sums[off[0]]))

    def _pick(self, c: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """c[i, cols[i]] for every row i (a flat take: several times faster than 2-D fancy indexing)."""
        if c.flags.c_contiguous:
            return np.take(c.reshape(-1), self.base[: len(c)] + cols)
        return c[np.arange(len(c)), cols]

    def _dot(self, buf: np.ndarray, a: np.ndarray | None) -> np.ndarray:
        """sum_c a_c * buf_c per sample in float64 (a: None for ones, (C,) or (rows, C)); no BLAS."""
        if self.col:
            acc = np.zeros(buf.shape[1])
            for k in range(self.c):
                if a is None:
                    acc += buf[k]
                else:
                    acc += buf[k] * (a[k] if a.ndim == 1 else a[:, k])
            return acc
        if a is None:
            return buf.sum(axis=1).astype(np.float64)
        if self.c <= EINSUM_ROW:
            return np.einsum("ij,j->i" if a.ndim == 1 else "ij,ij->i", buf, a).astype(np.float64)
        return (buf * a).sum(axis=1).astype(np.float64)  # products summed pairwise along the row

    @staticmethod
    def _first_max(zero: np.ndarray, zy: np.ndarray, safe: np.ndarray) -> np.ndarray:
        """np.argmax per sample of a (C, rows) chunk, from its maxima mask (z_y - m is 0 on a maximum)."""
        first = np.where(zy == 0, safe, -1)
        tied = np.flatnonzero(zero.sum(axis=0, dtype=np.int8) > 1) if np.count_nonzero(zero) > len(zy) else []
        if len(tied):
            first[tied] = zero[:, tied].argmax(axis=0)
        return first

    def _lse(self, buf: np.ndarray, m: np.ndarray, top: np.ndarray | None, zero=None, at: int = 0) -> np.ndarray:
        """log(sum(exp(z - m))) per sample as log1p of the sum over the non-maximal classes.

        The largest class contributes exactly e^0 = 1; leaving it out of the sum keeps every
        bit of the small rest, so a confident row's loss keeps float64's relative precision.
        The exponentials are taken in place.
        """
        m = m.astype(np.float64)
        if self.col:
            zero = buf == 0 if zero is None else zero
            np.exp(buf, out=buf)
            np.subtract(buf, zero, out=buf)  # each maximum's 1 -> 0 exactly
            # Summed down the classes in the input's precision, class by class in order (the same
            # bits whatever the chunk), then one float64 conversion per row.
            rest = down(_sum0, buf).astype(np.float64)
            ties = np.count_nonzero(zero) - buf.shape[1]
            if ties:
                rest += zero.sum(axis=0, dtype=np.int64) - 1  # a tied maximum is a rest term of 1
        else:
            np.exp(buf, out=buf)
            np.put(buf.reshape(-1), self.base[: len(top)] + top, 0.0)  # buf is the first rows: contiguous
            rest = buf.sum(axis=1).astype(np.float64)
        # m - m is nan when the max is +inf, -inf or nan: the whole row is then nan, as in PyTorch.
        lse = np.log1p(rest) + (m - m)
        if self.keep_lse is not None:
            self.keep_max[at : at + len(lse)] = m
            self.keep_lse[at : at + len(lse)] = lse
        return lse


def workers() -> int:
    """Threads to use: XENT_NUM_THREADS when set, else the cores this process may use."""
    env = os.environ.get(THREADS_ENV, "").strip()
    if env:
        if not (env.isascii() and env.isdigit()) or not 1 <= int(env) <= MAX_THREADS:
            raise XentError("bad_threads_env", "", value=env[:40], limit=MAX_THREADS)
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def batch_loss(
    logits: np.ndarray,
    target: np.ndarray,
    o: Options,
    *,
    argmax: bool = False,
    top: int = 0,
    threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    keep_lse: bool = False,
    check_soft: bool = False,
) -> BatchLoss:
    """Every sample's loss, split over threads (numpy releases the GIL in its loops).

    With `argmax` or `top`, the counted finite losses' count, sum, max and the `top` highest
    candidates are gathered in the same pass.
    """
    m = logits.shape[0]
    kernel = _Kernel(logits, target, o, argmax, top)
    kernel.check = check_soft and target.ndim == 2
    losses = np.empty(m, dtype=np.float32 if kernel.dtype == np.float32 else np.float64)
    kernel.out = losses
    if keep_lse:
        kernel.keep_max = np.empty(m)
        kernel.keep_lse = np.empty(m)
    n = threads or workers()
    if m * kernel.c < PARALLEL_ELEMENTS:
        n = 1
    n = max(1, min(n, m))
    bounds = np.linspace(0, m, n + 1).astype(int)
    done = [0] * n
    if n == 1:
        parts = [kernel.run(0, m, losses, done, 0)]
    else:
        from concurrent.futures import ThreadPoolExecutor  # only big batches pay for the import

        with ThreadPoolExecutor(n) as pool:
            futures = [pool.submit(kernel.run, bounds[i], bounds[i + 1], losses, done, i) for i in range(n)]
            if progress is not None:
                _watch(futures, done, m, progress)
            parts = [f.result() for f in futures]
    if progress is not None:
        progress(m, m)
    total = math.fsum(p[0] for p in parts)
    share = math.fsum(p[1] for p in parts)
    correct = sum(p[2] for p in parts) if argmax and target.ndim == 1 and m else -1
    kept = None
    if argmax or top:
        kept = Kept()
        for p in parts:
            k = p[3] or Kept()
            kept.count += k.count
            kept.total += k.total
            kept.maximum = max(kept.maximum, k.maximum)
            kept.minimum = min(kept.minimum, k.minimum)
            kept.top = np.concatenate([kept.top, k.top])
    nan_ignored = sum(p[4][0] for p in parts)
    first = min((p[4][1] for p in parts if p[4][1] >= 0), default=-1)
    return BatchLoss(losses, total, share, correct, kept, nan_ignored, first, kernel.keep_max, kernel.keep_lse)


def _watch(futures, done: list[int], m: int, progress: Callable[[int, int], None]) -> None:
    """Report the rows done every tenth of a second until every thread has finished."""
    from concurrent.futures import wait

    while wait(futures, timeout=0.1).not_done:
        progress(sum(done), m)
