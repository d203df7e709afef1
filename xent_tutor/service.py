"""Wiring between the CLI and the core: read the inputs, build the problem, explain it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

from .engine.core import Options, Problem, Result, explain, make_problem
from .errors import XentError

if TYPE_CHECKING:
    from .lesson.layout import Lesson

DEFAULT_EXERCISE = "article-exercise"


@dataclass
class ExplainRequest:
    """What the user asked for, as raw option strings."""

    logits: str | None = None
    labels: str | None = None
    weight: str | None = None
    ignore_index: int = -100
    label_smoothing: float = 0.0
    reduction: str = "mean"
    exercise: str | None = None
    class_dim: int = 1
    max_input: int = 256 << 20  # bytes of text read from a file or stdin at most


def problem_from_exercise(exercise_id: str, overrides: dict | None = None, labels: np.ndarray | None = None) -> Problem:
    """A stored exercise as a Problem; `overrides` replaces its options, `labels` its labels."""
    from .practice.exercises import get

    ex = get(exercise_id)
    options = Options.from_dict({**ex.options, **(overrides or {})})
    return make_problem(np.asarray(ex.logits), np.asarray(ex.labels) if labels is None else labels, options)


def borrowed_logits(req: ExplainRequest) -> str | None:
    """The exercise whose logits --labels is applied to, when --labels comes without --logits."""
    if req.logits is None and req.labels is not None:
        return DEFAULT_EXERCISE if req.exercise is None else req.exercise
    return None


def build_problem(req: ExplainRequest, stdin: BinaryIO | None) -> Problem:
    """Read every array option (at most one from stdin) and validate the whole problem."""
    if req.exercise is not None and req.logits is not None:
        raise XentError("exercise_and_input", "exercise")
    if req.logits is None:
        overrides: dict = {}
        if req.reduction != "mean":
            overrides["reduction"] = req.reduction
        if req.label_smoothing:
            overrides["label_smoothing"] = req.label_smoothing
        if req.ignore_index != -100:
            overrides["ignore_index"] = req.ignore_index
        used: dict[str, str] = {}
        labels = None if req.labels is None else _read("labels", req.labels, stdin, used, req.max_input)
        if req.weight is not None:
            overrides["weight"] = _read("weight", req.weight, stdin, used, req.max_input)
        source = DEFAULT_EXERCISE if req.exercise is None else req.exercise
        try:
            return problem_from_exercise(source, overrides, labels)
        except XentError as e:
            if labels is not None and e.where == "labels":
                e.params["borrowed"] = source
            raise
    if req.labels is None:
        raise XentError("missing_labels", "labels")
    used: dict[str, str] = {}
    logits = _read("logits", req.logits, stdin, used, req.max_input)
    labels = _read("labels", req.labels, stdin, used, req.max_input)
    weight = None if req.weight is None else _read("weight", req.weight, stdin, used, req.max_input)
    options = Options(req.reduction, weight, req.ignore_index, req.label_smoothing)
    return make_problem(logits, labels, options, req.class_dim)


def _read(
    name: str, value: str, stdin: BinaryIO | None, used: dict[str, str], max_bytes: int = 256 << 20
) -> np.ndarray:
    from .engine.inputs import read_array  # only when there is input to read

    if value.strip() == "-":
        if used.get("-"):
            raise XentError("two_stdin", name, other="--" + used["-"])
        used["-"] = name
    return read_array(value, name, stdin, max_bytes)


def run_explain(
    req: ExplainRequest,
    stdin: BinaryIO | None,
    rows: int | None = 20,
    *,
    argmax: bool = False,
    top: int = 0,
    threads: int | None = None,
    progress=None,
    keep_lse: bool = False,
) -> Result:
    """The whole explain pipeline: inputs -> problem -> result."""
    problem = build_problem(req, stdin)
    return explain(problem, rows, argmax=argmax, top=top, threads=threads, progress=progress, keep_lse=keep_lse)


def class_budget(width: int, precision: int) -> int:
    """How many class columns fit beside the row, label and sum columns."""
    column = max(precision + 5, 9) + 2
    return max(3, (width - 24) // column)


def lesson_for(
    result: Result,
    lang: str,
    width: int,
    *,
    precision: int = 4,
    grad: bool = False,
    pictures: bool = True,
    brief: bool = False,
    quiet: bool = False,
    summary: Any = None,
) -> Lesson:
    """The lesson `xent explain` and `Explanation.show()` print: stages, asides, notes, the batch summary."""
    from .lesson.layout import build, summary_sections
    from .lesson.text import t, variant

    budget = class_budget(width, precision)
    lesson = build(result, precision, lang, budget, grad=grad, pictures=pictures, asides=not brief)
    p = result.problem
    if p.class_dim != 1 and len(p.logits_shape) > 1:
        lesson.notes.insert(0, t("class_dim_note", lang, dim=p.class_dim))
    if quiet:
        lesson.notes.clear()
    if summary is not None:
        with variant("pos" if len(p.sample_shape) > 1 else ""):
            lesson.sections += summary_sections(result, summary, lang, precision)
    return lesson
