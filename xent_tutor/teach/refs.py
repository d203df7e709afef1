"""What a teacher's row or sheet names as a problem: an exercise id, a file path, or seed:N:difficulty."""

from __future__ import annotations

from ..errors import XentError
from ..practice import quiz as q
from ..practice.exercises import get

SEED_PREFIX = "seed:"


def problem(ref: str) -> q.QuizProblem:
    """The quiz problem a reference names, or the domain error saying why it names none."""
    ref = ref.strip()
    if ref.startswith(SEED_PREFIX):
        parts = ref.split(":")
        difficulty = parts[2] if len(parts) == 3 else "easy"
        if len(parts) not in (2, 3) or not parts[1].isdigit() or difficulty not in q.DIFFICULTIES:
            raise XentError("bad_seed_ref", None, ref=ref)
        return q.generate(int(parts[1]), difficulty)
    return q.from_exercise(get(ref))


def seed_ref(seed: int, difficulty: str) -> str:
    """The reference a worksheet prints for a random problem."""
    return f"{SEED_PREFIX}{seed}:{difficulty}"
