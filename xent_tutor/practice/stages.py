"""The values of every stage a learner computes by hand, per sample, as an exercise file stores them."""

from __future__ import annotations

import math

import numpy as np

from ..engine.core import Result

SHIFT_ABOVE = 10.0  # as the quiz: past e^10 nobody works by hand, so a row's exponentials are shifted
DECIMALS = 4


def number(x: float) -> float | str:
    """A value rounded to 4 decimals; NaN and infinities as the strings an exercise file uses."""
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return round(x, DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


def stage_values(result: Result) -> dict[str, list]:
    """exp (e^z, or e^(z - max) for a row whose largest logit is above 10), row_sum, p_true, neg_log_p,
    per_sample_loss; p_true and neg_log_p are null for soft labels and ignored samples."""
    tr = result.trace
    z = np.asarray(tr.logits, dtype=np.float64)
    shift = np.where(z.max(axis=1) > SHIFT_ABOVE, z.max(axis=1), 0.0)
    with np.errstate(all="ignore"):
        e = np.exp(z - shift[:, None])
    out: dict[str, list] = {
        "exp": [[number(v) for v in row] for row in e],
        "row_sum": [number(v) for v in e.sum(axis=1)],
    }
    if tr.p_true is not None:
        out["p_true"] = [None if ig else number(p) for p, ig in zip(tr.p_true, tr.ignored)]
        out["neg_log_p"] = [None if ig else number(v) for v, ig in zip(tr.neg_log_p, tr.ignored)]
    out["per_sample_loss"] = [number(v) for v in result.per_sample]
    return out
