"""'Did you mean …': the known names nearest to one a person typed, by edit distance."""

from __future__ import annotations

from collections.abc import Iterable

MAX_SUGGESTIONS = 3


def distance(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap two neighbours) that turn a into b."""
    if a == b:
        return 0
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[-1]


def _close_enough(typed: str, name: str) -> int | None:
    """The distance when it is small for the names' length (a third of the typed text, at least 2)."""
    d = distance(typed, name)
    return d if d <= max(2, len(typed) // 3) else None


def nearest(typed: str, names: Iterable[tuple[str, Iterable[str]]]) -> list[str]:
    """The ids (at most 3, nearest first) whose id or one of whose titles is close to `typed` (case ignored)."""
    want = typed.strip().lower()
    if not want:
        return []
    scored = []
    for ident, titles in names:
        found = [_close_enough(want, ident.lower())]
        found += [_close_enough(want, title.strip().lower()) for title in titles]
        if len(want) >= 4 and (want in ident.lower() or any(want in title.lower() for title in titles)):
            found.append(len(ident) - len(want))  # a part of the id or the title
        best = min((d for d in found if d is not None), default=None)
        if best is not None:
            scored.append((best, ident))
    return [ident for _, ident in sorted(scored)[:MAX_SUGGESTIONS]]
