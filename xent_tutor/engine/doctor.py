"""The loss doctor: likely mistakes in what was handed to CrossEntropyLoss, read from the numbers themselves."""

from __future__ import annotations

import math

import numpy as np

from .options import Options

PROB_TOL = 1e-3  # a row of probabilities sums to 1 within this
LSE_TOL = 1e-3  # a row of log-probabilities has a log-sum-exp within this of 0
GUESS_TOL = 0.01  # a mean loss within 1% of ln C is a uniform guess's
ONE_CLASS_BATCH = 8  # a batch this large with a single class is suspicious; a learner's 3-row example is not
FIRST = 1024  # rows looked at before a whole batch is scanned: most inputs are ruled out there
CHUNK = 1 << 16


def _rows(logits, start: int, stop: int) -> np.ndarray:
    return np.asarray(logits[np.arange(start, stop)] if not isinstance(logits, np.ndarray) else logits[start:stop])


def _all_rows(logits, m: int, test) -> bool:
    """True when `test` holds for every row: the first rows first, then the rest chunk by chunk."""
    if not test(_rows(logits, 0, min(m, FIRST))):
        return False
    return all(test(_rows(logits, s, min(m, s + CHUNK))) for s in range(FIRST, m, CHUNK))


def _probabilities(z: np.ndarray) -> bool:
    with np.errstate(all="ignore"):
        return bool(np.all((z >= 0) & (z <= 1)) and np.all(np.abs(z.sum(axis=1, dtype=np.float64) - 1) <= PROB_TOL))


def _log_probabilities(z: np.ndarray) -> bool:
    z = z.astype(np.float64, copy=False)
    with np.errstate(all="ignore"):
        if not np.all(z <= 0) or np.isneginf(z).all(axis=1).any():
            return False
        m = z.max(axis=1, keepdims=True)
        lse = m[:, 0] + np.log(np.exp(z - m).sum(axis=1))
        return bool(np.all(np.abs(lse) <= LSE_TOL))


def examine(problem, loss, loss_of, numerator: float, denominator: float, live: int) -> list[tuple[str, dict]]:
    """(key, params) for each likely mistake; `loss_of(logits)` recomputes the loss with the same target and options."""
    found: list[tuple[str, dict]] = []
    o: Options = problem.options
    m, c = problem.num_samples, problem.num_classes
    if not m or c < 2:
        return found
    if _all_rows(problem.logits, m, _probabilities):
        with np.errstate(divide="ignore"):
            as_probs = loss_of(np.log(np.asarray(problem.logits[np.arange(m)], dtype=np.float64)))
        found.append(("doctor_probs", {"got": _scalar(loss), "nll": _scalar(as_probs)}))
    elif _all_rows(problem.logits, m, _log_probabilities):
        found.append(("doctor_log_probs", {}))
    if o.reduction != "none" and denominator and math.isfinite(denominator):
        mean = numerator / denominator  # the per-sample mean whatever the reduction: the loss 'mean' gives
        lnc = math.log(c)
        if math.isfinite(mean) and abs(mean - lnc) <= GUESS_TOL * lnc:
            found.append(("doctor_guess", {"loss": mean, "c": c, "lnc": lnc}))
    if not problem.soft:
        t, ii = problem.target, o.ignore_index
        if live and 2 * (m - live) > m:
            found.append(("doctor_mostly_ignored", {"ignored": m - live, "n": m, "live": live, "ii": ii}))
        if live >= ONE_CLASS_BATCH and _one_label(t[:FIRST], ii) is not None:  # most batches differ in the first rows
            only = _one_label(t, ii)
            if only is not None:
                found.append(("doctor_one_class", {"cls": only, "n": live}))
        if problem.float_labels and live:
            first = int(np.flatnonzero(t != ii)[0])
            at = first + 1 if len(problem.sample_shape) <= 1 else problem.position(first)
            found.append(("doctor_float_labels", {"value": f"{float(t[first]):.1f}", "at": at}))
    return found


def _one_label(labels: np.ndarray, ignore_index: int) -> int | None:
    """The single class every counted label names (None for two or more, or none counted)."""
    counted = labels[labels != ignore_index]
    if not counted.size or counted.min() != counted.max():
        return None
    return int(counted[0])


def _scalar(loss) -> float:
    return float(np.mean(loss)) if isinstance(loss, np.ndarray) else float(loss)
