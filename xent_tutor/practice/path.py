"""Where a learner stands on the learning path, read from the progress file (never written here)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import XentError
from . import progress
from .exercises import Exercise, path_order
from .exercises import text as in_lang


@dataclass
class Position:
    """The next unsolved exercise of the path (None when every one is solved), as 'number of total'."""

    exercise: Exercise | None
    number: int
    total: int
    solved: int

    @property
    def done(self) -> bool:
        """True when every exercise on the path is solved."""
        return self.exercise is None

    def title(self, lang: str) -> str:
        """The next exercise's title in `lang`."""
        return "" if self.exercise is None else in_lang(self.exercise.title, lang)


def path_position(path: Path) -> Position | None:
    """The learner's place on the path; None when the progress file or the exercises cannot be read."""
    try:
        data, _ = progress.read(path)
        order = path_order()
    except XentError:
        return None
    solved = set(data.get("solved", []))
    done = sum(ex.id in solved for ex in order)
    for number, ex in enumerate(order, 1):
        if ex.id not in solved:
            return Position(ex, number, len(order), done)
    return Position(None, len(order), len(order), done)
