"""Curated exercises: JSON data files with a stable id, found installed or in the source tree."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import XentError

FORMAT_VERSION = 1
_REQUIRED = ("format", "id", "title", "teaches", "logits", "labels", "answer", "hints")


@dataclass
class Exercise:
    """One stored problem with its expected answer and hints."""

    id: str
    title: dict[str, str]
    teaches: dict[str, str]
    logits: Any
    labels: Any
    answer: float
    hints: list[dict[str, str]]
    options: dict[str, Any] = field(default_factory=dict)
    path: str = ""


def exercise_dir() -> Path:
    """exercises/ inside the installed package, else the source tree's top-level exercises/."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "exercises", package.parent / "exercises"):
        if candidate.is_dir():
            return candidate
    return package / "exercises"


def parse(data: dict[str, Any], path: str = "") -> Exercise:
    """Check one exercise's fields and build it."""
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise XentError("bad_exercise", None, path=path, reason="missing " + ", ".join(missing))
    if data["format"] != FORMAT_VERSION:
        raise XentError("bad_exercise", None, path=path, reason=f"format {data['format']!r}")
    if not data["hints"]:
        raise XentError("bad_exercise", None, path=path, reason="no hints")
    return Exercise(
        id=data["id"],
        title=data["title"],
        teaches=data["teaches"],
        logits=data["logits"],
        labels=data["labels"],
        answer=float(data["answer"]),
        hints=list(data["hints"]),
        options=dict(data.get("options", {})),
        path=path,
    )


@cache
def load_all() -> dict[str, Exercise]:
    """Every exercise, by id, in file-name order."""
    out: dict[str, Exercise] = {}
    for f in sorted(exercise_dir().glob("*.json")):
        try:
            data = json.loads(f.read_text("utf-8"))
        except (OSError, ValueError) as e:
            raise XentError("bad_exercise", None, path=str(f), reason=str(e)) from None
        ex = parse(data, str(f))
        out[ex.id] = ex
    return out


def get(exercise_id: str) -> Exercise:
    """The exercise with this id, or the domain error naming it."""
    path = exercise_dir() / f"{exercise_id}.json"
    if path.name == f"{exercise_id}.json" and path.is_file():  # the file name is the id
        ex = parse(json.loads(path.read_text("utf-8")), str(path))
        if ex.id == exercise_id:
            return ex
    found = load_all().get(exercise_id)
    if found is None:
        raise XentError("unknown_exercise", "exercise", id=exercise_id)
    return found
