"""Per-sample losses over a whole batch: cache-sized chunks, in place, on every core."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .core import Options

CHUNK_ELEMENTS = 1 << 19  # logits per chunk (2 MiB of float32): cache-sized, yet few Python steps
PARALLEL_ELEMENTS = 1 << 21  # below this, threads cost more than they save
SMALL_C = 32  # below this many classes a chunk is transposed first


@dataclass
class BatchLoss:
    """Every sample's loss, the float64 sums the reduction needs, and the argmax hits."""

    losses: np.ndarray  # (M,), float32 for float32 logits, else float64
    total: float  # sum of the losses, accumulated in float64
    denominator: float  # sum of the mean's shares: w[y] of non-ignored targets, or M for soft
    correct: int  # samples whose largest logit is the true class (-1 when not counted)


def compute_dtype(dtype: np.dtype) -> np.dtype:
    """float32 stays float32 (as PyTorch would); every other input is computed in float64."""
    return np.dtype(np.float32) if dtype in (np.float32, np.float16) else np.dtype(np.float64)


def smoothed(t: np.ndarray, eps: float, c: int) -> np.ndarray:
    """(1 - eps) * t + eps / C."""
    return t * (1.0 - eps) + eps / c if eps > 0 else t


class _Kernel:
    """The loss of rows [a, b), computed chunk by chunk in one reusable buffer."""

    def __init__(self, logits: np.ndarray, target: np.ndarray, o: Options, argmax: bool):
        self.z = logits
        self.t = target
        self.o = o
        self.argmax = argmax
        self.c = logits.shape[1]
        self.dtype = compute_dtype(logits.dtype)
        self.soft = target.ndim == 2
        w = o.weight
        self.w = None if w is None else w.astype(self.dtype)
        self.w64 = None if w is None else w.astype(np.float64)
        self.rows = max(1, CHUNK_ELEMENTS // max(self.c, 1))

    def run(self, a: int, b: int, out: np.ndarray, done: list[int], slot: int) -> tuple[float, float, int]:
        """Fill out[a:b]; return (sum of losses, sum of shares, argmax hits)."""
        rows = min(self.rows, b - a)
        # Few classes: lay the chunk out class-major, so every reduction runs over long rows.
        buf = np.empty((self.c, rows) if self.c < SMALL_C else (rows, self.c), self.dtype)
        total = share = 0.0
        hits = 0
        with np.errstate(all="ignore"):
            for s in range(a, b, self.rows):
                e = min(b, s + self.rows)
                part = buf[:, : e - s] if self.c < SMALL_C else buf[: e - s]
                loss, sh, hit = self._chunk(s, e, part)
                out[s:e] = loss
                total += float(loss.sum())
                share += sh
                hits += hit
                done[slot] = e - a
        return total, share, hits

    def _chunk(self, s: int, e: int, buf: np.ndarray) -> tuple[np.ndarray, float, int]:
        c = np.asarray(self.z[s:e])
        t = self.t[s:e]
        col = self.c < SMALL_C  # buf is (C, rows): reduce over axis 0
        ax = 0 if col else 1
        if col:
            np.copyto(buf, c.T)
            m = buf.max(axis=0)
            np.subtract(buf, m, out=buf)  # the stability shift, in place
        else:
            m = c.max(axis=1)
            np.subtract(c, m[:, None], out=buf)
        if self.soft:
            coef = smoothed(np.asarray(t, np.float64), self.o.label_smoothing, self.c)
            if self.w64 is not None:
                coef = coef * self.w64
            tz = (buf * (coef.T if col else coef)).sum(axis=ax)  # sum_c a_c (z_c - m), before exp
            return self._lse(buf, ax) * coef.sum(axis=1) - tz, float(e - s), -1
        ignored = t == self.o.ignore_index
        any_ignored = bool(ignored.any())
        safe = np.where(ignored, 0, t) if any_ignored else t
        hit = -1
        if self.argmax:
            hit = int(np.count_nonzero((np.argmax(c, axis=1) == safe) & ~ignored))
        zy = c[np.arange(e - s), safe] - m  # z_y - m
        eps = self.o.label_smoothing
        if eps > 0:
            w = self.w if self.w is not None else np.ones(self.c, self.dtype)
            shifted_sum = (w @ buf if col else buf @ w).astype(np.float64)  # sum_c w_c (z_c - m)
        lse = self._lse(buf, ax)
        loss = lse - zy  # -log p_y = log(sum(exp(z - m))) - (z_y - m), in float64
        wy = None
        if self.w64 is not None:
            wy = self.w64[safe]
            loss *= wy
        if eps > 0:
            total_w = float(self.w64.sum()) if self.w64 is not None else float(self.c)
            loss = (1.0 - eps) * loss + (eps / self.c) * (lse * total_w - shifted_sum)
        share = float(e - s) if wy is None else float(wy.sum())
        if any_ignored:
            # Ignored rows are skipped, not multiplied by zero: a nan there must not leak.
            loss[ignored] = 0.0
            share -= float(np.count_nonzero(ignored)) if wy is None else float(wy[ignored].sum())
        return loss, share, hit

    @staticmethod
    def _lse(buf: np.ndarray, axis: int) -> np.ndarray:
        """log(sum(exp(z - m))) per sample, exponentials in place.

        Along a row numpy sums pairwise, so a float32 row sum is within a few float32 ulps
        (about 2e-7 relative) of a float64 one; down a column it adds one by one, so those
        sums are taken in float64.
        """
        np.exp(buf, out=buf)
        if axis == 1:
            return np.log(buf.sum(axis=1).astype(np.float64))
        return np.log(buf.sum(axis=0, dtype=np.float64))


def workers() -> int:
    """Cores this process may use."""
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
    threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BatchLoss:
    """Every sample's loss, split over threads (numpy releases the GIL in its loops)."""
    m = logits.shape[0]
    kernel = _Kernel(logits, target, o, argmax)
    losses = np.empty(m, dtype=np.float32 if kernel.dtype == np.float32 else np.float64)
    small = m * kernel.c < PARALLEL_ELEMENTS
    n = 1 if small else threads or workers()
    bounds = np.linspace(0, m, n + 1).astype(int)
    done = [0] * n
    if small:
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
    total = sum(p[0] for p in parts)
    share = sum(p[1] for p in parts)
    correct = sum(p[2] for p in parts) if argmax and target.ndim == 1 and m else -1
    return BatchLoss(losses, total, share, correct)


def _watch(futures, done: list[int], m: int, progress: Callable[[int, int], None]) -> None:
    """Report the rows done every tenth of a second until every thread has finished."""
    from concurrent.futures import wait

    while wait(futures, timeout=0.1).not_done:
        progress(sum(done), m)
