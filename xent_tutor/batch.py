"""Per-sample losses over a whole batch, in chunks, without keeping any stage."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .core import Options

CHUNK_ELEMENTS = 1 << 16  # logits per chunk: small enough to stay in cache


def log_softmax(z: np.ndarray) -> np.ndarray:
    """Stable log-softmax over the last axis: (z - max) - log(sum(exp(z - max)))."""
    with np.errstate(all="ignore"):
        shifted = z - z.max(axis=1, keepdims=True) if z.size else z.astype(np.float64)
        return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def index_losses(log_probs: np.ndarray, labels: np.ndarray, o: Options) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample loss and mean-denominator share for class-index targets."""
    c = log_probs.shape[1]
    ignored = labels == o.ignore_index
    safe = np.where(ignored, 0, labels)
    w = o.weight if o.weight is not None else np.ones(c)
    wy = np.where(ignored, 0.0, w[safe])
    picked = np.take_along_axis(log_probs, safe[:, None], axis=1)[:, 0]
    with np.errstate(all="ignore"):
        loss = -wy * picked
        if o.label_smoothing > 0:
            smooth = -(log_probs * w).sum(axis=1)
            loss = (1.0 - o.label_smoothing) * loss + (o.label_smoothing / c) * smooth
    # Ignored rows are skipped, not multiplied by zero: a nan there must not leak.
    return np.where(ignored, 0.0, loss), wy


def soft_losses(log_probs: np.ndarray, target: np.ndarray, o: Options) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample loss and mean-denominator share (always 1) for probability targets."""
    c = log_probs.shape[1]
    t = smoothed(target, o.label_smoothing, c)
    coef = t * o.weight if o.weight is not None else t
    with np.errstate(all="ignore"):
        # As PyTorch: 0 * log 0 with a -inf logit is nan, not 0.
        loss = -(log_probs * coef).sum(axis=1)
    return loss, np.ones(len(loss))


def smoothed(t: np.ndarray, eps: float, c: int) -> np.ndarray:
    """(1 - eps) * t + eps / C."""
    return t * (1.0 - eps) + eps / c if eps > 0 else t


def target_distribution(
    target: np.ndarray, eps: float, c: int, ignore_index: int, soft: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The target distribution t (one-hot, smoothed or soft) and the ignored mask."""
    if soft:
        return smoothed(target, eps, c), np.zeros(len(target), bool)
    ignored = target == ignore_index
    live = np.flatnonzero(~ignored)
    onehot = np.zeros((len(target), c))
    onehot[live, target[live]] = 1.0
    t = smoothed(onehot, eps, c)
    t[ignored] = 0.0
    return t, ignored


def per_sample_losses(logits: np.ndarray, target: np.ndarray, o: Options) -> tuple[np.ndarray, np.ndarray]:
    """Every sample's loss and its share of the mean's denominator, chunk by chunk."""
    m, c = logits.shape
    soft = target.ndim == 2
    losses = np.empty(m)
    shares = np.empty(m)
    step = max(1, CHUNK_ELEMENTS // max(c, 1))
    for start in range(0, m, step):
        stop = min(m, start + step)
        lp = log_softmax(np.asarray(logits[start:stop], dtype=np.float64))
        fn = soft_losses if soft else index_losses
        losses[start:stop], shares[start:stop] = fn(lp, target[start:stop], o)
    return losses, shares
