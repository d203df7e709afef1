"""`xent exercises new`: an exercise file from an input, with the answer and every stage computed."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import __version__
from ..engine.core import Options, explain, make_problem
from ..errors import XentError
from ..lesson.text import LANGS, t
from ..practice.exercises import FORMAT_VERSION, implied_concepts
from ..practice.quiz import QuizProblem, make_steps
from ..practice.stages import number, stage_values

MAX_VALUES = 10_000  # an exercise is worked by hand; more belongs in `xent explain`
HINT_ROWS = 6


def build(
    ex_id: str,
    logits: np.ndarray,
    labels: np.ndarray,
    options: dict[str, Any],
    *,
    title: str | None = None,
    teaches: str | None = None,
    hints: list[str] | None = None,
    lang: str = "en",
    difficulty: str | None = None,
    order: int | None = None,
) -> dict[str, Any]:
    """A format-2 exercise: each text generated in every language except where the teacher gave `lang`'s."""
    if logits.size > MAX_VALUES:
        raise XentError("new_too_big", "logits", size=logits.size, max=MAX_VALUES)
    problem = make_problem(logits, labels, Options.from_dict(options))
    result = explain(problem)
    loss = float(result.loss)
    if not math.isfinite(loss):
        raise XentError("new_not_finite", "logits", loss=loss)
    data: dict[str, Any] = {"format": FORMAT_VERSION, "id": ex_id}
    if order is not None:
        data["order"] = order
    lists = {"logits": _plain(logits), "labels": _plain(labels), "options": options}
    data["difficulty"] = difficulty or guess_difficulty(problem)
    data["concepts"] = implied_concepts({**lists, "logits": logits.tolist()})
    qp = QuizProblem(lists["logits"], lists["labels"], options)
    step = make_steps(qp, "final")[-1]
    stages = stage_values(result)
    data["title"] = {g: title if title and g == lang else _title(problem, g) for g in LANGS}
    data["teaches"] = {g: teaches if teaches and g == lang else _teaches(data["concepts"], g) for g in LANGS}
    data.update(lists)
    data["answer"] = round(loss, 4)
    data["stages"] = stages
    if hints:
        data["hints"] = [{lang: h} for h in hints]
    else:
        data["hints"] = [{g: t(step.formula, g) for g in LANGS}, {g: _worked(stages, step.filled, g) for g in LANGS}]
    data["source"] = f"xent exercises new (xent {__version__}, float64 with PyTorch's formulas)"
    return data


def _title(problem, lang: str) -> str:
    """'Cross-entropy of 1 sample over 2 classes', with each count's noun in the right number."""
    rows, classes = problem.num_samples, problem.num_classes
    samples = t("new.samples_one" if rows == 1 else "new.samples", lang, n=rows)
    kinds = t("new.classes_one" if classes == 1 else "new.classes", lang, n=classes)
    return t("new.title", lang, samples=samples, classes=kinds)


def _teaches(concepts: list[str], lang: str) -> str:
    return t("new.teaches", lang, concepts=_join([t("concept." + c, lang) for c in concepts], lang))


def _join(items: list[str], lang: str) -> str:
    return ("；" if lang == "zh" else "; ").join(items)


def _plain(a: np.ndarray) -> Any:
    """An array as the nested lists an exercise file holds (non-finite values as strings)."""
    if a.dtype.kind in "iub":
        return a.tolist()
    if a.ndim == 0:
        return number_exact(float(a))
    return [_plain(row) for row in a]


def number_exact(x: float) -> float | str:
    """A value as given (not rounded); NaN and infinities as strings."""
    return x if math.isfinite(x) else number(x)


def guess_difficulty(problem) -> str:
    """hard with weights, ignored samples, smoothing or soft labels; medium with 2+ rows and 3+ classes."""
    o = problem.options
    if o.weight is not None or o.label_smoothing or problem.soft or (problem.target == o.ignore_index).any():
        return "hard"
    return "medium" if problem.num_samples > 1 and problem.num_classes > 2 else "easy"


def _worked(stages: dict[str, list], filled: str, lang: str) -> str:
    """Each row's p and -ln p (or its loss), then the reduction with the numbers."""
    parts = []
    for i, loss in enumerate(stages["per_sample_loss"][:HINT_ROWS]):
        p = stages.get("p_true", [None] * (i + 1))[i]
        if "p_true" in stages and p is None:
            parts.append(t("new.hint_ignored", lang, row=i + 1))
        elif p is not None and stages["neg_log_p"][i] == loss:
            parts.append(t("new.hint_row", lang, row=i + 1, p=_n(p), nl=_n(stages["neg_log_p"][i])))
        else:
            parts.append(t("new.hint_loss", lang, row=i + 1, loss=_n(loss)))
    if len(stages["per_sample_loss"]) > HINT_ROWS:
        parts.append("…")
    return t("new.hint_worked", lang, rows=_join(parts, lang), filled=filled)


def _n(x: Any) -> str:
    return f"{x:.4f}" if isinstance(x, float) else str(x)
