"""The corpus of realistic wrong answers (tests/data/wrong_answers.json, from make_wrong_answers.py).

Every exercise, every stage: at least 90 % of the wrong answers get a named diagnosis, the one the
corpus expects; no answer worked right from rounded numbers is called wrong; every named diagnosis
has its sentence in both languages with the learner's number in it.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from conftest import DATA

from xent_tutor.practice import quiz as q
from xent_tutor.practice.arith import evaluate
from xent_tutor.practice.exercises import get, load_all

CORPUS = json.loads((DATA / "wrong_answers.json").read_text(encoding="utf-8"))["answers"]


def _step(entry: dict) -> q.Step:
    steps = q.make_steps(q.from_exercise(get(entry["exercise"])))
    return next(s for s in steps if s.stage == entry["stage"] and (entry["row"] is None or s.row == entry["row"]))


def _verdicts():
    for entry in CORPUS:
        s = _step(entry)
        yield entry, s, q.check(s, evaluate(entry["answer"]), entry["answer"])


def test_the_corpus_covers_every_exercise_and_stage_with_200_wrong_answers():
    wrong = [a for a in CORPUS if a["kind"] != "right"]
    assert len(wrong) >= 200
    assert {a["exercise"] for a in wrong} == set(load_all())
    assert {a["stage"] for a in wrong} == set(q.STAGES)
    for exercise in load_all():
        assert {a["stage"] for a in wrong if a["exercise"] == exercise} >= {"exp", "row_sum", "loss"}


def test_at_least_90_percent_of_wrong_answers_get_the_expected_named_diagnosis():
    named = expected = total = 0
    missed = []
    for entry, _s, v in _verdicts():
        if entry["kind"] == "right":
            continue
        total += 1
        assert not v.correct, (entry, v)
        if v.mistake is not None:
            named += 1
        if v.kind in entry["kinds"]:
            expected += 1
        else:
            missed.append((entry["exercise"], entry["stage"], entry["answer"], entry["kinds"], v.kind))
    assert named / total >= 0.90, (named, total, missed[:20])
    assert expected / total >= 0.90, (expected, total, missed[:20])


def test_no_answer_right_by_method_is_called_wrong():
    for entry, _s, v in _verdicts():
        if entry["kind"] == "right":
            assert v.correct, (entry, v)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_named_diagnosis_says_the_number_in_both_languages(lang):
    kinds = Counter()
    for entry, _s, v in _verdicts():
        if v.mistake is None:
            continue
        said = q.describe(v, lang)
        assert said and v.params["value"] in said, (entry, said)
        kinds[v.kind] += 1
    assert len(kinds) >= 25  # the search names many kinds of slip, not a few
