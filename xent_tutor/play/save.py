"""Leave with something: the state as an exercise file (format 2), or as an `xent explain` command line."""

from __future__ import annotations

import json
import os
import shlex
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.core import explain, make_problem
from ..errors import XentError
from ..lesson.text import t
from ..practice.exercises import FORMAT_VERSION, implied_concepts, parse
from .state import PlayState

DECIMALS = 4  # logits and answer as the article writes them
HARD = {"class_weights", "label_smoothing", "ignore_index"}
MEDIUM = {"sum_reduction", "stability_shift", "batch_mean"}


def _nested(a: np.ndarray, unbatched: bool) -> Any:
    return a[0].tolist() if unbatched else a.tolist()


def exercise_data(state: PlayState, exercise_id: str) -> dict[str, Any]:
    """The current logits (rounded to 4 decimals), labels and options, with the core's answer for them."""
    z = np.round(state.logits, DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0
    labels = _nested(state.labels, state.unbatched)
    options: dict[str, Any] = {"reduction": state.reduction}
    if state.weight is not None:
        options["weight"] = [float(w) for w in state.weight]
    if state.ignore_index != -100:
        options["ignore_index"] = int(state.ignore_index)
    if state.smoothing:
        options["label_smoothing"] = float(state.smoothing)
    problem = make_problem(z[0] if state.unbatched else z, np.asarray(labels), state.options())
    loss = float(explain(problem, 0).loss)
    if not np.isfinite(loss):
        raise XentError("play_save_not_finite", None, loss=loss)
    answer = round(loss, DECIMALS)
    data: dict[str, Any] = {"format": FORMAT_VERSION, "id": exercise_id}
    concepts = implied_concepts({"logits": _nested(z, state.unbatched), "labels": labels, "options": options})
    found = set(concepts)
    difficulty = "hard" if found & HARD else "medium" if found & MEDIUM else "easy"
    n, c = state.logits.shape
    data |= {
        "difficulty": difficulty,
        "concepts": concepts,
        "title": {lang: t("play.ex_title", lang, n=n, c=c) for lang in ("en", "zh")},
        "teaches": {lang: t("play.ex_teaches", lang) for lang in ("en", "zh")},
        "logits": _nested(z, state.unbatched),
        "labels": labels,
        "options": options,
        "answer": answer,
        "hints": [{lang: t("play.ex_hint", lang) for lang in ("en", "zh")}],
        "source": t("play.ex_source", "en", steps=state.steps_taken),
    }
    parse(data, exercise_id)  # the file must be one the exercise reader accepts
    return data


def save_exercise(state: PlayState, folder: Path, now: float | None = None) -> tuple[Path, dict[str, Any]]:
    """Write a new exercise file in `folder`: a fresh name, written whole or not at all, never over a file."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".xent-play-", suffix=".tmp", dir=folder)
    try:
        for n in range(1, 1000):
            exercise_id = f"play-{stamp}" + (f"-{n}" if n > 1 else "")
            target = folder / f"{exercise_id}.json"
            if target.exists():
                continue
            data = exercise_data(state, exercise_id)
            body = dumps(data).encode("utf-8")
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, body)
            os.fsync(fd)
            try:
                os.link(tmp, target)  # fails if the name was taken meanwhile: nothing is overwritten
            except FileExistsError:
                continue
            return target, data
        raise FileExistsError(str(folder / f"play-{stamp}.json"))
    finally:
        os.close(fd)
        os.unlink(tmp)


def dumps(data: dict[str, Any]) -> str:
    """JSON laid out as the shipped exercises are: numbers on one line, texts indented."""
    parts = []
    for key, value in data.items():
        compact = key in ("logits", "labels", "concepts", "options")
        text = json.dumps(value, ensure_ascii=False, indent=None if compact else 2)
        parts.append(f"  {json.dumps(key)}: " + text.replace("\n", "\n  "))
    return "{\n" + ",\n".join(parts) + "\n}\n"


def explain_command(state: PlayState) -> str:
    """The `xent explain` command line for exactly these numbers, quoted for a POSIX shell."""

    def nums(a: np.ndarray) -> str:
        return json.dumps(_nested(a, state.unbatched))

    args = ["xent", "explain", "--logits", nums(state.logits), "--labels", nums(state.labels)]
    if state.weight is not None:
        args += ["--weight", json.dumps([float(w) for w in state.weight])]
    if state.ignore_index != -100:
        args += ["--ignore-index", str(state.ignore_index)]
    if state.smoothing:
        args += ["--label-smoothing", repr(float(state.smoothing))]
    if state.reduction != "mean":
        args += ["--reduction", state.reduction]
    return " ".join(shlex.quote(a) for a in args)
