"""`xent quiz --review`: which stages are due, weakest and most recently missed first, and in what order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import progress

# A missed stage stays due until it has been right on the first try this many times in a row since.
SETTLED = 3


@dataclass(frozen=True)
class Due:
    """A stage to review: its first-try record over the last attempts, and attempts since its last miss."""

    stage: str
    first: int  # right first try in the window
    attempts: int  # attempts in the window
    since_miss: int  # first-try rights since the last miss (0: the last attempt was a miss)

    @property
    def share(self) -> int:
        """Rounds per cycle: a stage missed just now comes up SETTLED times as often as one nearly settled."""
        return SETTLED - self.since_miss


def due(data: dict[str, Any], order: tuple[str, ...]) -> list[Due]:
    """The stages due for review: missed in the last attempts and not yet right SETTLED times in a row since.

    Most recently missed first, then the lowest first-try rate, then the article's order of stages.
    """
    out = []
    for stage, log in progress.stage_log(data).items():
        if stage not in order:
            continue
        window = log[-progress.MASTERY_WINDOW :]
        if 0 not in window:
            continue
        since = len(log) - 1 - max(i for i, mark in enumerate(log) if mark == 0)
        if since < SETTLED:
            out.append(Due(stage, sum(window), len(window), since))
    return sorted(out, key=lambda d: (d.since_miss, d.first / d.attempts, order.index(d.stage)))


def schedule(stages: list[Due], rounds: int) -> list[str]:
    """The stage of each round: each due stage in proportion to its share, never twice in a row when another is due."""
    if not stages:
        return []
    credit = {d.stage: d.share for d in stages}
    out: list[str] = []
    for _ in range(rounds):
        if not any(credit.values()):
            credit = {d.stage: d.share for d in stages}
        ready = [d.stage for d in stages if credit[d.stage]]
        fresh = [s for s in ready if not out or s != out[-1]] or ready
        pick = max(fresh, key=lambda s: credit[s])  # max keeps the first of equals: the most recently missed
        credit[pick] -= 1
        out.append(pick)
    return out
