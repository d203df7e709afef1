"""Each exercise's predict-first question and takeaway: stored in the files, filled from the numbers, confirmed."""

from __future__ import annotations

import json
import math
import os
import re
import sys

import numpy as np
import pexpect
import pytest
from conftest import ROOT
from typer.testing import CliRunner

from xent_tutor.cli import app
from xent_tutor.practice import takeaway
from xent_tutor.practice.exercises import library

runner = CliRunner()
EXERCISES = ROOT / "exercises"


def lse(z) -> float:
    z = np.asarray(z, dtype=np.float64)
    return float(z.max() + np.log(np.exp(z - z.max()).sum()))


def nll(z, k) -> float:
    return lse(z) - float(z[k])


# Each built-in exercise: what its prediction compares with, worked by hand, and the right choice.
HAND = {
    "article-binary": (math.log(2), "below"),
    "unbatched-sample": (math.log(3), "below"),
    "uniform-prediction": (math.log(4), "equal"),
    "article-exercise": (math.log(2), "above"),
    "batch-mean": (math.log(3), "below"),
    "confident-wrong": (math.log(2), "above"),
    "sum-reduction": ((nll([2.0, 0.0], 0) + nll([0.0, 1.0], 0)) / 2, "above"),  # their mean
    "huge-logits": (nll([0.0, -1.0, -10.0], 1), "equal"),  # the same logits minus the max
    "class-weights": ((nll([1.0, 0.0], 0) + nll([0.0, 1.0], 1) + nll([0.5, 0.0], 1)) / 3, "above"),  # no weights
    "ignore-index": ((nll([1.0, 0.0], 0) + nll([0.0, 2.0], 1)) / 3, "above"),  # divided by all 3 rows
    "label-smoothing": (nll([2.0, 0.0, -1.0], 0), "above"),  # without smoothing
    "soft-labels": (nll([1.0, 0.0, 0.0], 0), "above"),  # one-hot on t's likeliest class, 0
}
OTHER = {"above": "below", "below": "above", "equal": "above"}


@pytest.fixture
def pfile(tmp_path, monkeypatch):
    path = tmp_path / "progress.json"
    monkeypatch.setenv("XENT_PROGRESS_FILE", str(path))
    return path


def xent(*args, input=None):
    return runner.invoke(app, list(args), input=input)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_every_exercise_on_the_path_has_both_in_both_languages():
    for ex in library().exercises.values():
        if ex.order is None:
            continue
        data = json.loads((EXERCISES / f"{ex.id}.json").read_text("utf-8"))
        assert set(data["takeaway"]) == {"en", "zh"}, ex.id
        assert set(data["predict"]["question"]) == {"en", "zh"}, ex.id
        assert data["predict"]["compare"] in takeaway.COMPARES
    assert set(HAND) == {ex.id for ex in library().exercises.values() if ex.order is not None}


def test_no_number_is_typed_into_a_template():
    for f in sorted(EXERCISES.glob("*.json")):
        data = json.loads(f.read_text("utf-8"))
        for text in [*data["takeaway"].values(), *data["predict"]["question"].values()]:
            assert not re.search(r"\d\.\d", text), (f.name, text)  # every decimal comes from a placeholder


@pytest.mark.parametrize("exercise", sorted(HAND))
def test_the_reference_and_the_right_choice_match_the_hand_numbers(exercise):
    from xent_tutor.engine.core import explain
    from xent_tutor.service import problem_from_exercise

    ex = library().exercises[exercise]
    problem = problem_from_exercise(exercise)
    result = explain(problem)
    ref, right = HAND[exercise]
    assert takeaway.reference(ex.predict["compare"], problem, result) == pytest.approx(ref, abs=1e-12)
    assert takeaway.truth(float(result.loss), ref) == right


def _final_mode(exercise: str, choice: str, lang: str = "en"):
    return xent("quiz", "--exercise", exercise, "--mode", "final", "--lang", lang, input=f"{choice}\nskip\n")


@pytest.mark.parametrize("exercise", sorted(HAND))
def test_the_numbers_confirm_a_right_prediction_and_refute_a_wrong_one(pfile, exercise):
    ref, right = HAND[exercise]
    answer = float(json.loads((EXERCISES / f"{exercise}.json").read_text("utf-8"))["answer"])
    relation = {"above": "above", "below": "below", "equal": "equal to"}[right]
    fact = f"the loss {answer:.4f} is {relation} {ref:.4f}."
    r = _final_mode(exercise, right)
    assert f"Your prediction was right: {fact}" in flat(r.stdout)
    r = _final_mode(exercise, OTHER[right])
    assert f"Your prediction ({OTHER[right]}) was not right: {fact}" in flat(r.stdout)


def test_the_question_comes_before_the_final_step_and_the_takeaway_after_it(pfile):
    answers = ["exp(0)", "exp(6)+exp(0)", "exp(0)/(exp(6)+exp(0))", "ln(1+exp(6))", "above", "ln(1+exp(6))"]
    r = xent("quiz", "--exercise", "confident-wrong", input="\n".join(answers) + "\n")
    text = flat(r.stdout)
    asked = text.index("Before the final loss, predict: will it be above, below or equal to ln 2 = 0.6931")
    assert text.index("what is −ln p") < asked < text.index("What is the final loss")
    assert "Noted: above. The final step will tell." in text
    p = 1 / (1 + math.exp(6))  # the true class's p, by hand: 0.0024726
    loss = math.log(1 + math.exp(6))
    takeaway_line = (f"Takeaway: {loss:.4f} ≈ {loss / math.log(2):.1f}× the article's ln 2 = {math.log(2):.4f}: "
                     f"the model gives the true class p = {p:.6f}")  # fmt: skip
    assert takeaway_line in text
    assert text.index("What is the final loss") < text.index("Takeaway:") < text.index("Solved confident-wrong")


@pytest.mark.parametrize(
    "typed, noted",
    [("higher", "above"), (">", "above"), ("Below.", "below"), ("same", "equal"), ("高于", "above"), ("等于", "equal")],
)
def test_predictions_as_people_type_them(pfile, typed, noted):
    r = _final_mode("uniform-prediction", typed)
    assert f"Noted: {noted}." in flat(r.stdout)


def test_a_line_that_is_no_prediction_goes_to_the_final_step(pfile):
    r = xent("quiz", "--exercise", "uniform-prediction", "--mode", "final", input="skip\n")
    text = flat(r.stdout)
    assert "Skipped: 1.3863 / 1 = 1.3863" in text  # a script's skip is for the step
    assert "The numbers: the loss 1.3863 is equal to 1.3863." in text
    assert "Takeaway: 1.3863 = ln 4: a model that guesses uniformly over 4 classes pays ln C" in text


@pytest.mark.parametrize("exercise", sorted(HAND))
def test_chinese_takeaway_and_confirmation(pfile, exercise):
    ref, right = HAND[exercise]
    answer = float(json.loads((EXERCISES / f"{exercise}.json").read_text("utf-8"))["answer"])
    r = _final_mode(exercise, {"above": "高于", "below": "低于", "equal": "等于"}[right], "zh")
    text = "".join(r.stdout.split())
    word = {"above": "高于", "below": "低于", "equal": "等于"}[right]
    assert f"预测正确：损失{answer:.4f}{word}{ref:.4f}。" in text
    assert "【要点】" in text and "{" not in text


def test_no_question_or_takeaway_in_a_drill_or_after_quitting(pfile):
    r = xent("quiz", "--exercise", "confident-wrong", "--stage", "loss", "--rounds", "1", input="6.0025\n")
    assert "Before the final loss, predict" not in r.stdout and "Takeaway" not in r.stdout
    r = xent("quiz", "--exercise", "confident-wrong", "--mode", "final", input="above\nquit\n")
    assert "Noted: above." in r.stdout and "Takeaway" not in r.stdout and "was right" not in r.stdout


def _bad_file(tmp_path, **changes):
    data = json.loads((EXERCISES / "confident-wrong.json").read_text("utf-8"))
    data.pop("order")
    data["id"] = "lesson-test"
    data.update(changes)
    path = tmp_path / "lesson-test.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "changes, said",
    [({"takeaway": {"en": "The loss is 6.0025."}},
      "takeaway.en: the number 6.0025 is typed in; write a placeholder such as {loss}"),
     ({"takeaway": {"en": "The loss is {los}."}}, "takeaway.en: {los} is not a number xent fills in; use one of loss"),
     ({"takeaway": {"en": "Without weights: {unweighted}."}}, "takeaway.en: {unweighted} has no value for this exercise"),
     ({"predict": {"compare": "unsmoothed", "question": {"en": "Above or below?"}}},
      "predict.compare 'unsmoothed' compares with something this exercise does not have"),
     ({"predict": {"compare": "nope", "question": {"en": "?"}}}, "predict.compare")],
)  # fmt: skip
def test_exercises_check_refuses_a_lesson_xent_cannot_fill(tmp_path, changes, said):
    r = xent("exercises", "check", str(_bad_file(tmp_path, **changes)))
    assert r.exit_code == 2 and said in flat(r.stdout + r.stderr)


def test_a_teachers_broken_lesson_is_refused_with_one_line_not_a_crash(tmp_path, pfile):
    path = _bad_file(tmp_path, takeaway={"en": "The loss is {los}."})
    r = xent("quiz", "--exercise", str(path), "--mode", "final", input="above\nln(1+exp(6))\n")
    assert r.exit_code == 2 and "Traceback" not in r.stderr
    assert "takeaway.en: {los} is not a number xent fills in" in flat(r.stderr) and r.stderr.count("\n") == 1


def test_the_built_in_files_pass_the_check():
    r = xent("exercises", "check", str(EXERCISES))
    assert r.exit_code == 0 and "0 with errors" in r.stdout


def test_a_script_that_answers_only_the_steps_still_works(pfile):
    r = xent("quiz", "--exercise", "uniform-prediction", "--mode", "final", input="ln(4)\n")
    assert "✓ Right" in r.stdout and "Noted" not in r.stdout and "The numbers: the loss 1.3863" in flat(r.stdout)


def test_in_a_terminal(tmp_path):
    env = dict(os.environ, XENT_PROGRESS_FILE=str(tmp_path / "p.json"), COLUMNS="120", NO_COLOR="1")
    child = pexpect.spawn(sys.executable, ["-m", "xent_tutor", "quiz", "--exercise", "huge-logits", "--mode", "final",
                                           "--lang", "zh"], env=env, encoding="utf-8", timeout=60)  # fmt: skip
    child.delaybeforesend = 0.3
    child.expect("算最终损失之前先预测")
    child.expect("> ")
    child.sendline("等于")
    child.expect("已记下你的预测（等于）")
    child.expect("> ")
    child.sendline("ln(1+exp(1)+exp(-9))")  # e^(z - max) = 1, e^1, e^-9 divided by e^0 for class 1, by hand
    child.expect("预测正确")
    child.expect("【要点】")
    child.expect(pexpect.EOF)


def test_in_a_terminal_an_answer_at_the_prediction_goes_to_the_final_step(tmp_path):
    env = dict(os.environ, XENT_PROGRESS_FILE=str(tmp_path / "p.json"), COLUMNS="120", NO_COLOR="1")
    child = pexpect.spawn(sys.executable, ["-m", "xent_tutor", "quiz", "--exercise", "uniform-prediction", "--mode",
                                           "final"], env=env, encoding="utf-8", timeout=60)  # fmt: skip
    child.delaybeforesend = 0.3
    child.expect("Before the final loss, predict")
    child.expect("> ")
    child.sendline("ln(4)")
    child.expect("No prediction: that goes to the final step")
    child.expect("Right")
    child.expect("The numbers: the loss 1.3863 is equal to 1.3863")
    child.expect(pexpect.EOF)
