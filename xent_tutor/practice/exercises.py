"""Exercises: JSON data files with a stable id, an order on the learning path, and the concepts they need."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import XentError

FORMAT_VERSION = 2
OLDEST_FORMAT = 1
SCHEMA_FILE = Path(__file__).with_name("exercise.schema.json")
# The ideas an exercise can need, in the order the path introduces them; display names are the
# catalogue's "concept.<name>".
CONCEPTS = (
    "softmax",
    "neg_log",
    "unbatched",
    "uniform",
    "batch_mean",
    "confidence",
    "sum_reduction",
    "stability_shift",
    "class_weights",
    "ignore_index",
    "label_smoothing",
    "soft_labels",
)
DIFFICULTIES = ("easy", "medium", "hard")
STAGE_VALUES = ("exp", "row_sum", "p_true", "neg_log_p", "per_sample_loss")
_REQUIRED = ("format", "id", "title", "teaches", "logits", "labels", "answer", "hints")


@dataclass
class Exercise:
    """One stored problem with its expected answer, hints and place on the path."""

    id: str
    title: dict[str, str]
    teaches: dict[str, str]
    logits: Any
    labels: Any
    answer: float
    hints: list[dict[str, str]]
    options: dict[str, Any] = field(default_factory=dict)
    path: str = ""
    order: int | None = None
    concepts: tuple[str, ...] = ()
    difficulty: str | None = None
    stages: dict[str, Any] = field(default_factory=dict)
    source: str = ""


def exercise_dir() -> Path:
    """exercises/ inside the installed package, else the source tree's top-level exercises/."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "exercises", package.parent / "exercises"):
        if candidate.is_dir():
            return candidate
    return package / "exercises"


def implied_concepts(data: dict[str, Any]) -> list[str]:
    """The concepts an exercise's input and options need, read from the data itself."""
    import numpy as np

    options = data.get("options") or {}
    logits = np.asarray(data.get("logits"), dtype=float)
    labels = np.asarray(data.get("labels"))
    found = {"softmax", "neg_log"}
    if logits.ndim == 1:
        found.add("unbatched")
    elif logits.ndim >= 2 and logits.shape[0] > 1:
        found.add("sum_reduction" if options.get("reduction") == "sum" else "batch_mean")
    if logits.size and float(np.max(logits)) > 50:
        found.add("stability_shift")
    if options.get("weight") is not None:
        found.add("class_weights")
    if labels.dtype.kind == "f" and labels.shape == logits.shape:
        found.add("soft_labels")
    elif labels.dtype.kind in "iu" and (labels == options.get("ignore_index", -100)).any():
        found.add("ignore_index")
    if options.get("label_smoothing"):
        found.add("label_smoothing")
    return [c for c in CONCEPTS if c in found]


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """An exercise of any known format as format 2 (format 1 had no order, concepts or difficulty)."""
    fmt = data.get("format")
    if fmt == FORMAT_VERSION:
        return data
    if fmt != 1:
        raise ValueError(f"format {fmt!r} is not one xent knows (1 or {FORMAT_VERSION})")
    out = dict(data)
    out["format"] = FORMAT_VERSION
    out.setdefault("concepts", implied_concepts(data))
    return out


def _texts(data: dict[str, Any], key: str, path: str) -> dict[str, str]:
    value = data[key]
    if not isinstance(value, dict) or not value or not all(isinstance(v, str) and v for v in value.values()):
        raise XentError("bad_exercise", None, path=path, reason=f"'{key}' must map a language to a text")
    return value


def parse(data: dict[str, Any], path: str = "") -> Exercise:
    """Check one exercise's fields (migrating older formats) and build it."""
    if not isinstance(data, dict):
        raise XentError("bad_exercise", None, path=path, reason="not a JSON object")
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise XentError("bad_exercise", None, path=path, reason="missing " + ", ".join(missing))
    try:
        data = migrate(data)
    except ValueError as e:
        raise XentError("bad_exercise", None, path=path, reason=str(e)) from None
    if not data["hints"] or not isinstance(data["hints"], list):
        raise XentError("bad_exercise", None, path=path, reason="no hints")
    concepts = data.get("concepts", [])
    unknown = [c for c in concepts if c not in CONCEPTS] if isinstance(concepts, list) else ["?"]
    if unknown:
        raise XentError("bad_exercise", None, path=path, reason="unknown concept " + ", ".join(map(str, unknown)))
    order = data.get("order")
    if order is not None and (not isinstance(order, int) or isinstance(order, bool) or order < 1):
        raise XentError("bad_exercise", None, path=path, reason="'order' must be a whole number from 1")
    difficulty = data.get("difficulty")
    if difficulty is not None and difficulty not in DIFFICULTIES:
        raise XentError("bad_exercise", None, path=path, reason="'difficulty' must be easy, medium or hard")
    return Exercise(
        id=data["id"],
        title=_texts(data, "title", path),
        teaches=_texts(data, "teaches", path),
        logits=data["logits"],
        labels=data["labels"],
        answer=float(data["answer"]),
        hints=list(data["hints"]),
        options=dict(data.get("options") or {}),
        path=path,
        order=order,
        concepts=tuple(concepts),
        difficulty=difficulty,
        stages=dict(data.get("stages") or {}),
        source=str(data.get("source", "")),
    )


def read(path: Path) -> Exercise:
    """One exercise file, or the domain error naming it."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as e:
        raise XentError("bad_exercise", None, path=str(path), reason=str(e)) from None
    return parse(data, str(path))


@cache
def load_all() -> dict[str, Exercise]:
    """Every built-in exercise, by id, in path order (then by id)."""
    found = [read(f) for f in sorted(exercise_dir().glob("*.json"))]
    found.sort(key=lambda ex: (ex.order is None, ex.order or 0, ex.id))
    return {ex.id: ex for ex in found}


def path_order() -> list[Exercise]:
    """The exercises that are on the learning path, first to last."""
    return [ex for ex in load_all().values() if ex.order is not None]


def get(exercise_id: str) -> Exercise:
    """The exercise with this id, or the domain error naming it."""
    path = exercise_dir() / f"{exercise_id}.json"
    if path.name == f"{exercise_id}.json" and path.is_file():  # the file name is the id
        ex = read(path)
        if ex.id == exercise_id:
            return ex
    found = load_all().get(exercise_id)
    if found is None:
        raise XentError("unknown_exercise", "exercise", id=exercise_id)
    return found
