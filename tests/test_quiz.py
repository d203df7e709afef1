"""Quiz logic: steps in the article's order, tolerance, and every listed mistake recognised."""

from __future__ import annotations

import math

import numpy as np
import pytest

from xent_tutor.practice import quiz as q
from xent_tutor.practice.exercises import get, load_all

ARTICLE = q.from_exercise(get("article-exercise"))


def steps(qp=ARTICLE, mode="steps"):
    return {s.stage: s for s in q.make_steps(qp, mode)}


def test_steps_follow_the_article():
    assert [s.stage for s in q.make_steps(ARTICLE)] == list(q.STAGES)
    assert [s.stage for s in q.make_steps(ARTICLE, "final")] == ["loss"]


def test_expected_values_hand_derived():
    s = steps()
    e0, e1 = math.exp(-0.0464), math.exp(-0.0268)
    assert s["exp"].expected == pytest.approx(e0)
    assert s["row_sum"].expected == pytest.approx(e0 + e1)
    assert s["p_true"].expected == pytest.approx(e0 / (e0 + e1))
    assert s["neg_log_p"].expected == pytest.approx(-math.log(e0 / (e0 + e1)))
    assert round(s["loss"].expected, 4) == 0.6945


@pytest.mark.parametrize("answer, ok", [(0.6945, True), (0.69451, True), (0.6946, True), (0.69, False), (0.7, False)])
def test_tolerance_fits_four_decimals(answer, ok):
    assert q.check(steps()["loss"], answer).correct is ok


def _mistake(step, answer):
    v = q.check(step, answer)
    assert not v.correct
    return v.mistake


P0 = math.exp(-0.0464) / (math.exp(-0.0464) + math.exp(-0.0268))


@pytest.mark.parametrize(
    "stage, answer, mistake",
    [
        ("neg_log_p", math.log(P0), "sign"),
        ("neg_log_p", -math.log10(P0), "log10"),
        ("neg_log_p", -math.log2(P0), "log2"),
        ("neg_log_p", P0, "prob_not_loss"),
        ("neg_log_p", -math.log(1 - P0), "wrong_class"),
        ("p_true", 1 - P0, "wrong_class"),
        ("loss", -0.6945, "sign"),
        ("loss", 0.6945 / math.log(10), "log10"),
        ("loss", 0.6945 / math.log(2), "log2"),
        ("loss", 0.7030 + 0.6860, "sum_not_mean"),
        ("exp", math.exp(-0.0464 + 0.0268), "shifted_exp"),
    ],
)
def test_article_mistakes(stage, answer, mistake):
    assert _mistake(steps()[stage], round(answer, 4)) == mistake


def test_softmax_twice_is_recognised():
    p = np.exp([-0.0464, -0.0268])
    p /= p.sum()
    p2 = np.exp(p) / np.exp(p).sum()
    assert _mistake(steps()["neg_log_p"], round(-math.log(p2[0]), 4)) == "softmax_twice"
    confident = q.QuizProblem([[4.0, 0.0, 0.0]], [0])
    z = np.array([4.0, 0.0, 0.0])
    p = np.exp(z) / np.exp(z).sum()
    twice = -math.log(math.exp(p[0]) / np.exp(p).sum())
    assert _mistake(steps(confident)["loss"], round(twice, 4)) == "softmax_twice"


def test_mean_over_all_rows_when_some_are_ignored():
    s = steps(q.from_exercise(get("ignore-index")))["loss"]
    l1, l3 = -math.log(1 / (1 + math.exp(-1))), -math.log(1 / (1 + math.exp(-2)))
    assert round(s.expected, 4) == round((l1 + l3) / 2, 4)
    assert _mistake(s, round((l1 + l3) / 3, 4)) == "mean_all_rows"


def test_weighted_mean_mistakes():
    s = steps(q.from_exercise(get("class-weights")))["loss"]
    losses = [
        -math.log(1 / (1 + math.exp(-1))),
        -math.log(1 / (1 + math.exp(-1))),
        -math.log(1 / (1 + math.exp(0.5))),
    ]
    weighted_sum = 1 * losses[0] + 3 * losses[1] + 3 * losses[2]
    assert s.expected == pytest.approx(weighted_sum / 7)
    assert _mistake(s, round(weighted_sum / 3, 4)) == "mean_all_rows"
    assert _mistake(s, round(sum(losses) / 3, 4)) == "weights_left_out"


def test_smoothing_left_out():
    s = steps(q.from_exercise(get("label-smoothing")))["loss"]
    z = np.array([2.0, 0.0, -1.0])
    plain = -(z[0] - math.log(np.exp(z).sum()))
    assert _mistake(s, round(plain, 4)) == "smoothing_left_out"


def test_plain_not_quite():
    assert _mistake(steps()["loss"], 0.1234) is None


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("difficulty", q.DIFFICULTIES)
def test_generated_problems_are_workable(seed, difficulty):
    qp = q.generate(seed, difficulty)
    z = np.asarray(qp.logits)
    assert np.array_equal(z, np.round(z, 2))
    if difficulty == "easy":
        assert z.shape[0] in (1, 2) and z.shape[1] in (2, 3)
    ss = q.make_steps(qp)
    assert ss[-1].stage == "loss"
    for s in ss:
        assert q.check(s, round(s.expected, 4)).correct
        assert math.isfinite(s.expected)
    assert q.generate(seed, difficulty) == qp  # reproducible


def test_every_exercise_works_as_a_quiz():
    for ex in load_all().values():
        ss = q.make_steps(q.from_exercise(ex))
        assert abs(ss[-1].expected - ex.answer) <= 5e-5 + 1e-12
        assert q.check(ss[-1], ex.answer).correct


def test_tally_weakest_stage():
    t = q.Tally()
    t.add("exp", "right")
    t.add("loss", "wrong")
    t.add("loss", "wrong")
    t.add("p_true", "wrong")
    assert t.weakest() == "loss" and t.right == 1 and t.asked == 4
