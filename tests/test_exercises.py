"""Every shipped exercise: valid format 2, on the path, and its stored answer is PyTorch's."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT

from xent_tutor.engine.core import explain
from xent_tutor.errors import XentError
from xent_tutor.practice.exercises import (
    CONCEPTS,
    FORMAT_VERSION,
    SCHEMA_FILE,
    get,
    implied_concepts,
    load_all,
    migrate,
    parse,
    path_order,
)
from xent_tutor.service import problem_from_exercise

FILES = sorted((ROOT / "exercises").glob("*.json"))
TORCH = json.loads((ROOT / "tests" / "data" / "torch_exercise_answers.json").read_text("utf-8"))["exercises"]
SCHEMA = json.loads(SCHEMA_FILE.read_text("utf-8"))


def test_article_exercises_exist():
    assert {"article-exercise", "article-binary"} <= set(load_all())


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_exercise_file(path):
    data = json.loads(path.read_text("utf-8"))
    ex = parse(data, str(path))
    assert data["format"] == FORMAT_VERSION
    assert set(data) <= set(SCHEMA["properties"]), "only the fields the schema documents"
    assert set(SCHEMA["required"]) <= set(data)
    assert path.stem == ex.id, "file name and id agree, so ids stay stable"
    assert ex.hints and all(h.get("en") and h.get("zh") for h in ex.hints)
    assert ex.title.get("en") and ex.teaches.get("en") and ex.title.get("zh") and ex.teaches.get("zh")
    assert set(implied_concepts(data)) <= set(ex.concepts), "the concepts include what the input needs"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_stored_answer_is_pytorchs(path):
    ex = parse(json.loads(path.read_text("utf-8")), str(path))
    ref = TORCH[ex.id]
    assert (ref["logits"], ref["labels"], ref["options"]) == (ex.logits, ex.labels, ex.options), "reference is stale"
    # Answers are stored as the article does: rounded to 4 decimals.
    assert ex.answer == round(ref["loss"], 4)
    assert explain(problem_from_exercise(ex.id)).loss == pytest.approx(ref["loss"], rel=1e-12)


def test_path_is_one_ordered_line_through_every_shipped_exercise():
    path = path_order()
    assert [ex.order for ex in path] == list(range(1, len(FILES) + 1))
    assert path[0].id == "article-binary" and "article-exercise" in [ex.id for ex in path[:4]]
    assert list(load_all()) == [ex.id for ex in path]


def test_schema_lists_the_same_concepts_as_the_code():
    assert SCHEMA["properties"]["concepts"]["items"]["enum"] == list(CONCEPTS)
    assert SCHEMA["properties"]["format"]["const"] == FORMAT_VERSION


def test_format_1_file_is_migrated_in_memory():
    v1 = {
        "format": 1,
        "id": "mine",
        "title": {"en": "Mine"},
        "teaches": {"en": "weights"},
        "logits": [[1.0, 0.0], [0.0, 2.0]],
        "labels": [0, -100],
        "options": {"weight": [1.0, 2.0]},
        "answer": 0.3133,
        "hints": [{"en": "think"}],
    }
    migrated = migrate(v1)
    assert migrated["format"] == 2 and v1["format"] == 1, "the caller's data is not changed"
    ex = parse(v1)
    assert ex.order is None and ex.difficulty is None
    assert ex.concepts == ("softmax", "neg_log", "batch_mean", "class_weights", "ignore_index")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"format": 3}, "format 3"),
        ({"concepts": ["magic"]}, "unknown concept magic"),
        ({"order": 0}, "'order'"),
        ({"order": True}, "'order'"),
        ({"difficulty": "extreme"}, "'difficulty'"),
        ({"title": "no languages"}, "'title'"),
        ({"hints": []}, "no hints"),
    ],
)
def test_bad_fields_are_named(change, reason):
    data = {**json.loads(FILES[0].read_text("utf-8")), **change}
    with pytest.raises(XentError) as e:
        parse(data, "x.json")
    assert e.value.key == "bad_exercise" and reason in e.value.params["reason"]


def test_article_exercise_answer():
    assert get("article-exercise").answer == 0.6945
