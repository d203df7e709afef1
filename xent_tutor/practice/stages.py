"""The stage vocabulary shared by the quiz, the worksheet key and `xent grade`, and each stage's values per sample.

One meaning per name, whatever the options:
  exp          e^z of the true class (soft labels: of the class with the largest target), shifted by the
               row's max when its largest logit is above 10
  row_sum      Σ e^z over the row's classes (shifted alike)
  p_true       the softmax probability of the true class; soft labels have no true class, so no p_true
  neg_log_p    -ln p of the true class, never weighted or smoothed; none for soft labels
  sample_loss  the sample's loss as PyTorch's reduction='none' gives it: -ln p, times w[y] with class
               weights, -Σ_c w_c t_c ln p_c with label smoothing or soft labels (0 for an ignored sample)
  loss         the final loss
Every stage but loss is about the first sample that counts (not ignored); the quiz also asks the second.
"""

from __future__ import annotations

import math

import numpy as np

from ..engine.core import Result

STAGES = ("exp", "row_sum", "p_true", "neg_log_p", "sample_loss", "loss")
ROW_STAGES = STAGES[:-1]
NO_TRUE_CLASS = ("p_true", "neg_log_p")  # the stages soft labels do not have
# What `xent quiz --stage` and `xent grade` accept for each stage: the short names of the issue, the stage
# keys themselves, and an exercise file's name for the sample's loss.
ALIASES = {
    "exp": "exp",
    "sum": "row_sum",
    "row_sum": "row_sum",
    "p": "p_true",
    "p_true": "p_true",
    "neg_log_p": "neg_log_p",
    "sample_loss": "sample_loss",
    "per_sample_loss": "sample_loss",
    "loss": "loss",
    "final": "loss",
}
SHIFT_ABOVE = 10.0  # as the quiz: past e^10 nobody works by hand, so a row's exponentials are shifted
DECIMALS = 4


def canonical(name: str) -> str | None:
    """The stage a name (any case, spaces around) stands for, or None."""
    return ALIASES.get(name.strip().lower())


def missing_reason(stage: str, soft: bool, counted: int) -> str | None:
    """Why a problem has no such stage (a catalogue key), or None when it has it."""
    if stage in NO_TRUE_CLASS and soft:
        return "stage.soft_no_true_class"
    if stage in ROW_STAGES and counted == 0:
        return "stage.none_counted"
    return None


def number(x: float) -> float | str:
    """A value rounded to 4 decimals; NaN and infinities as the strings an exercise file uses."""
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return round(x, DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


def stage_values(result: Result) -> dict[str, list]:
    """Per sample, as an exercise file stores them: exp (every class), row_sum, p_true, neg_log_p (null for an
    ignored sample; absent for soft labels) and per_sample_loss (the sample_loss stage)."""
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
