"""An exercise's closing lesson: a predict-first question before its final step, and its takeaway.

Both are templates stored in the exercise file; every number in them is a placeholder filled here
from the exercise's own numbers, never typed in. The prediction compares the final loss with one
reference value xent computes (`COMPARES`), so the numbers themselves confirm or refute it.
"""

from __future__ import annotations

import math
import re
import string
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..engine.core import Problem, Result, explain
from .precision import fmt, fmt_asked

# What the final loss can be compared with; each needs the problem to have the thing it leaves out.
COMPARES = ("ln_c", "unweighted", "unsmoothed", "hard_labels", "all_rows", "mean", "shifted")
CHOICES = ("above", "below", "equal")
# Words a learner may type for each choice (English, Chinese, symbols).
CHOICE_WORDS = {
    "above": (
        "above",
        "higher",
        "more",
        "greater",
        "bigger",
        "larger",
        ">",
        "高于",
        "大于",
        "更高",
        "更大",
        "高",
        "大",
    ),
    "below": ("below", "lower", "less", "smaller", "<", "低于", "小于", "更低", "更小", "低", "小"),
    "equal": ("equal", "same", "equals", "=", "==", "等于", "相等", "一样", "相同"),
}
PLACEHOLDERS = (
    "loss", "ref", "c", "n", "live", "ln_c", "ln2", "times_ln2", "p", "p_percent", "row1", "row2", "row3",
    "max_row", "min_row", "mean", "unweighted", "unsmoothed", "hard", "all_rows", "entropy", "eps", "share",
    "max", "wmax", "den", "argmax",
)  # fmt: skip
_TYPED = re.compile(r"(?<![\w{])\d+\.\d+")  # a decimal written into a template instead of a placeholder


def needs(compare: str, problem: Problem) -> bool:
    """Whether the comparison means something for this problem (weights to leave out, rows to count, ...)."""
    o = problem.options
    ignored = not problem.soft and bool((np.asarray(problem.target) == o.ignore_index).any())
    return {
        "ln_c": problem.num_classes > 1,
        "unweighted": o.weight is not None,
        "unsmoothed": bool(o.label_smoothing),
        "hard_labels": problem.soft,
        "all_rows": ignored and o.reduction == "mean",
        "mean": o.reduction == "sum" and problem.num_samples > 1,
        "shifted": True,
    }[compare]


def _variant(problem: Problem, **changes: Any) -> float:
    logits = changes.pop("logits", problem.logits)
    target = changes.pop("target", problem.target)
    p = replace(problem, logits=logits, target=target, options=replace(problem.options, **changes))
    return float(explain(p, rows=0).loss)


def reference(compare: str, problem: Problem, result: Result) -> float:
    """The value the final loss is compared with."""
    if compare == "ln_c":
        return math.log(problem.num_classes)
    if compare == "unweighted":
        return _variant(problem, weight=None)
    if compare == "unsmoothed":
        return _variant(problem, label_smoothing=0.0)
    if compare == "hard_labels":
        return _variant(problem, target=np.argmax(np.asarray(problem.target), axis=-1))
    if compare == "all_rows":
        return float(result.numerator) / problem.num_samples
    if compare == "mean":
        return float(result.numerator) / max(int(result.live), 1)
    z = np.asarray(problem.logits, dtype=np.float64)  # "shifted": every row minus its max
    return _variant(problem, logits=z - z.max(axis=-1, keepdims=True))


def truth(loss: float, ref: float) -> str:
    """above, below or equal, as the two values read to 4 decimals."""
    a, b = round(loss, 4), round(ref, 4)
    return "equal" if a == b else "above" if a > b else "below"


def choice(text: str) -> str | None:
    """The choice a typed answer names, or None."""
    word = text.strip().strip("。.!！").lower()
    return next((c for c, words in CHOICE_WORDS.items() if word in words), None)


def values(problem: Problem, result: Result, compare: str | None = None) -> dict[str, str]:
    """Every placeholder a template may use, from the exercise's numbers."""
    tr = result.trace
    loss = float(result.loss)
    live = [i for i in range(len(tr.ignored)) if not tr.ignored[i]]
    losses = [float(np.asarray(result.per_sample).reshape(-1)[i]) for i in live] or [loss]
    row0 = live[0] if live else 0
    p = float(tr.p_true[row0]) if tr.p_true is not None and not problem.soft else float("nan")
    o = problem.options
    out = {
        "loss": fmt(loss),
        "c": str(problem.num_classes),
        "n": str(problem.num_samples),
        "live": str(len(live)),
        "ln_c": fmt(math.log(problem.num_classes)),
        "ln2": fmt(math.log(2)),
        "times_ln2": f"{loss / math.log(2):.1f}",
        "p": fmt_asked(p, small_matters=True) if math.isfinite(p) else "",
        "p_percent": f"{100 * p:.1f}" if math.isfinite(p) else "",
        "max_row": fmt(max(losses)),
        "min_row": fmt(min(losses)),
        "mean": fmt(float(result.numerator) / max(len(live), 1)),
        "eps": f"{o.label_smoothing:g}",
        "share": fmt(o.label_smoothing / problem.num_classes),
        "max": f"{float(np.max(problem.logits)):g}",
        "den": fmt(float(result.denominator)),
        "wmax": f"{float(np.max(o.weight)):g}" if o.weight is not None else "",
    }
    for k, v in enumerate(losses[:3], 1):
        out[f"row{k}"] = fmt(v)
    if o.weight is not None:
        out["unweighted"] = fmt(_variant(problem, weight=None))
    if o.label_smoothing:
        out["unsmoothed"] = fmt(_variant(problem, label_smoothing=0.0))
    if problem.soft:
        t = np.asarray(problem.target, dtype=np.float64).reshape(-1, problem.num_classes)[0]
        out["hard"] = fmt(reference("hard_labels", problem, result))
        out["entropy"] = fmt(float(-(t[t > 0] * np.log(t[t > 0])).sum()))
        out["argmax"] = str(int(np.argmax(t)))
    if needs("all_rows", problem):
        out["all_rows"] = fmt(reference("all_rows", problem, result))
    if compare is not None:
        out["ref"] = fmt(reference(compare, problem, result))
    return out


def fields(template: str) -> list[str]:
    """The placeholders a template names ({loss}, ...)."""
    try:
        return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError:
        return ["{"]


def template_problems(template: str, problem: Problem, compare: str | None) -> list[tuple[str, str]]:
    """What is wrong with a template for this problem: (catalogue key, detail) pairs; [] when it can be filled."""
    out = [("check.lesson_placeholder", name) for name in fields(template) if name not in PLACEHOLDERS]
    out += [("check.lesson_typed", m.group(0)) for m in _TYPED.finditer(template)]
    have = values(problem, explain(problem), compare)
    out += [
        ("check.lesson_unavailable", name) for name in fields(template) if name in PLACEHOLDERS and not have.get(name)
    ]
    return out


def fill(template: str, problem: Problem, result: Result, compare: str | None = None) -> str:
    """A template with its placeholders filled from the problem's numbers."""
    return template.format(**values(problem, result, compare))


@dataclass
class Lesson:
    """An exercise's predict-first question and takeaway, filled with its numbers, in one language."""

    question: str | None  # None when the exercise has none (or it cannot be filled)
    takeaway: str | None
    loss: str  # the final loss and the reference as printed (4 decimals)
    ref: str
    truth: str  # above, below or equal: what the numbers say


def lesson(predict: dict, takeaway: dict[str, str], problem: Problem, lang: str) -> Lesson | None:
    """The exercise's lesson in `lang` (English, else any language written), or None when it has neither part."""
    from .exercises import text

    result = explain(problem)
    compare = predict.get("compare") if predict else None
    if compare is not None and (compare not in COMPARES or not needs(compare, problem)):
        compare = None
    question = text(predict["question"], lang) if compare else None
    if question is not None and template_problems(question, problem, compare):
        question = None
    said = text(takeaway, lang) if takeaway else None
    if said is not None and template_problems(said, problem, compare):
        said = None
    if question is None and said is None:
        return None
    loss = float(result.loss)
    ref = reference(compare, problem, result) if compare else loss
    return Lesson(
        fill(question, problem, result, compare) if question else None,
        fill(said, problem, result, compare) if said else None,
        fmt(loss),
        fmt(ref),
        truth(loss, ref),
    )
