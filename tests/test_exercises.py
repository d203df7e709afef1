"""Every shipped exercise: valid, hinted, and its stored answer agrees with the core."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT

from xent_tutor.engine.core import explain
from xent_tutor.practice.exercises import FORMAT_VERSION, get, load_all, parse
from xent_tutor.service import problem_from_exercise

FILES = sorted((ROOT / "exercises").glob("*.json"))


def test_article_exercises_exist():
    assert {"article-exercise", "article-binary"} <= set(load_all())


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_exercise_file(path):
    data = json.loads(path.read_text("utf-8"))
    ex = parse(data, str(path))
    assert data["format"] == FORMAT_VERSION
    assert path.stem == ex.id, "file name and id agree, so ids stay stable"
    assert ex.hints and all(h.get("en") for h in ex.hints)
    assert ex.title.get("en") and ex.teaches.get("en")
    loss = explain(problem_from_exercise(ex.id)).loss
    # Answers are stored as the article does: rounded to 4 decimals.
    assert abs(loss - ex.answer) <= 5e-5 + 1e-12, (loss, ex.answer)


def test_article_exercise_answer():
    assert get("article-exercise").answer == 0.6945
