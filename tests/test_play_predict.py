"""xent play: predict before a step (p), reset (r), undo (u), the reduction on n, every formula symbol defined."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_play_app import fits, make_app, readable, run, shown

from xent_tutor.engine.core import Options, make_problem

# The article's exercise, by hand: one gradient step (lr 1, mean over N = 2) moves z by -(p - t) / 2.
Z = [[-0.0464, -0.0268], [-0.0234, -0.0091]]
P1 = 1 / (1 + math.exp(Z[0][1] - Z[0][0]))  # row 1, p of class 0 (its label)
P2 = 1 / (1 + math.exp(Z[1][0] - Z[1][1]))  # row 2, p of class 1 (its label)
MOVE1 = (1 - P1) / 2  # row 1: class 0 rises by this, class 1 falls by it
MOVE2 = (1 - P2) / 2  # row 2: class 1 rises, class 0 falls
LOSS = (-math.log(P1) - math.log(P2)) / 2


def words(app) -> str:
    return " ".join(shown(app, "#words").split())


def test_the_hand_numbers_are_what_the_sentences_use():
    assert f"{MOVE1:.4f}" == "0.2524" and f"{MOVE2:.4f}" == "0.2482" and MOVE1 > MOVE2
    assert f"{LOSS:.4f}" == "0.6945"


@pytest.mark.parametrize(
    "lang, asked, recorded, scored",
    [("en", "Predict before the step: which logit will the next gradient step (lr = 1) move most, and which way?",
      "Your prediction: the next step moves row 1 class 1 most, down. Press g to take the step and see.",
      f"Your prediction was right: row 1 class 1 moved most, −{MOVE1:.4f}, the way you said (right so far: 1 of 1)."),
     ("zh", "先预测再走一步：下一步梯度下降（lr = 1）会让哪个 logit 变化最大，往哪个方向？",
      "你的预测：下一步中第 1 行类别 1 变化最大，方向向下。按 g 走这一步看看。",
      f"预测正确：第 1 行类别 1 变化最大，为 −{MOVE1:.4f}，方向和你说的一样（目前 1 次中答对 1 次）。")],
)  # fmt: skip
def test_a_right_prediction_is_scored_right(lang, asked, recorded, scored):
    app = make_app(lang=lang)

    async def script(pilot):
        await pilot.press("p")
        await pilot.pause()
        assert asked in shown(app, "#words").replace("\n", "" if lang == "zh" else " ")
        assert ("Predict:" if lang == "en" else "预测：") in shown(app, "#keys")
        fits(app)
        await pilot.press("right", "minus")  # row 1 class 1: + and − answer the question, they do not nudge
        await pilot.pause()
        assert words(app).replace(" ", "") == recorded.replace(" ", "")
        assert app.state.logits.tolist() == Z and app.state.steps_taken == 0
        await pilot.press("g")
        await pilot.pause()
        text = shown(app, "#words").replace("\n", "" if lang == "zh" else " ")
        assert scored.replace(" ", "") in text.replace(" ", "")
        fits(app)
        readable(app)  # the breakdown and every row's ∂L/∂z stay after the step

    run(app, script)


def test_the_tie_of_a_two_class_row_counts_either_logit():
    app = make_app()

    async def script(pilot):
        await pilot.press("p", "plus", "g")  # row 1 class 0 rises by exactly as much as class 1 falls
        await pilot.pause()
        assert f"Your prediction was right: row 1 class 0 moved most, +{MOVE1:.4f}" in words(app)

    run(app, script)


def test_right_logit_wrong_way_says_why():
    app = make_app()

    async def script(pilot):
        await pilot.press("p", "right", "plus", "g")
        await pilot.pause()
        g = MOVE1  # row 1 class 1: ∂L/∂z = (p_1 − 0) / 2 = (1 − P1) / 2 > 0, so it falls
        assert (f"Right logit, wrong way: row 1 class 1 moved −{MOVE1:.4f}, because a step moves each logit by "
                f"−lr·∂L/∂z and its ∂L/∂z was {g:.4f} (right so far: 0 of 1).") in words(app)  # fmt: skip

    run(app, script)


@pytest.mark.parametrize(
    "lang, said",
    [("en", f"Not this time: row 2 class 0 moved −{MOVE2:.4f}; the biggest move was row 1 class 0, +{MOVE1:.4f}, "
            f"where |∂L/∂z| = {MOVE1:.4f} was largest"),
     ("zh", f"这次没猜中：第 2 行类别 0 变化了 −{MOVE2:.4f}；第 1 行类别 0 变化最大，为 +{MOVE1:.4f}，"
            f"那里的 |∂L/∂z| = {MOVE1:.4f} 最大")],
)  # fmt: skip
def test_a_wrong_logit_names_the_biggest_move(lang, said):
    app = make_app(lang=lang)

    async def script(pilot):
        await pilot.press("p", "down", "minus", "g")
        await pilot.pause()
        text = shown(app, "#words").replace("\n", "" if lang == "zh" else " ")
        assert said.replace(" ", "") in text.replace(" ", "")
        await pilot.press("p", "up", "plus", "g")  # a second prediction, row 1 class 0: the running score goes on
        await pilot.pause()
        assert ("(right so far: 1 of 2)" if lang == "en" else "（目前 2 次中答对 1 次）") in shown(
            app, "#words"
        ).replace("\n", "" if lang == "zh" else " ")

    run(app, script)


def test_escape_cancels_a_prediction_and_plus_nudges_again():
    app = make_app()

    async def script(pilot):
        await pilot.press("p", "escape")
        await pilot.pause()
        assert words(app).startswith("No prediction this time.")
        await pilot.press("plus")
        await pilot.pause()
        assert app.state.logits[0, 0] == pytest.approx(Z[0][0] + 0.1) and app.state.prediction is None
        await pilot.press("g")
        await pilot.pause()
        assert "prediction" not in words(app)

    run(app, script)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_reset_returns_to_the_start_and_undo_takes_back_each_change(lang):
    app = make_app(lang=lang)

    async def script(pilot):
        await pilot.press("u")
        await pilot.pause()
        assert words(app).startswith("Nothing to undo." if lang == "en" else "没有可以撤销的更改。")
        await pilot.press("plus", "plus", "n", "g")
        await pilot.pause()
        after_step = app.state.logits.copy()
        assert app.state.reduction == "sum" and "sum" in shown(app, "#status")
        await pilot.press("r")
        await pilot.pause()
        assert app.state.logits.tolist() == Z and app.state.reduction == "mean" and app.state.steps_taken == 0
        assert shown(app, "#loss").splitlines()[0].endswith(f"= {LOSS:.4f}")
        assert words(app).startswith("Reset:" if lang == "en" else "已重置：")
        await pilot.press("u")  # the reset itself is undone
        await pilot.pause()
        assert np.array_equal(app.state.logits, after_step) and app.state.steps_taken == 1
        assert words(app).startswith("Undone: the reset." if lang == "en" else "已撤销：重置。")
        await pilot.press("u")  # then the step
        await pilot.pause()
        assert words(app).startswith("Undone: the gradient step." if lang == "en" else "已撤销：这一步梯度下降。")
        assert app.state.steps_taken == 0 and app.state.reduction == "sum"
        await pilot.press("u", "u")  # the reduction switch, then the second nudge
        await pilot.pause()
        assert app.state.reduction == "mean" and app.state.logits[0, 0] == pytest.approx(Z[0][0] + 0.1)
        await pilot.press("u")
        await pilot.pause()
        assert app.state.logits.tolist() == Z and len(app.state.history) == 1
        fits(app)
        readable(app)

    run(app, script)


def test_unweighted_gradient_formula_defines_t_and_d():
    app = make_app()

    async def script(pilot):
        row = shown(app, "#row")
        assert "∂L/∂z at row 1 class 0 = (p − t) / D" in row
        assert "t: the target row above; D = 2.0000: the mean divides by the N = 2 samples." in row
        await pilot.press("n")
        await pilot.pause()
        assert "D = 1.0000: the sum divides by nothing." in shown(app, "#row")

    run(app, script)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_weighted_gradient_formula_defines_a_w_and_d(lang):
    w = np.array([1, 2, 0.5])
    z = np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]])
    app = make_app(lang=lang, problem=make_problem(z, np.array([0, 2]), Options("mean", w, -100, 0.1)))
    t = np.full(3, 0.1 / 3) + np.array([0.9, 0, 0])  # row 1's smoothed target
    a = float((w * t).sum())  # A = Σ_c w_c·t_c, by hand: 0.9667 + 2·0.0333 + 0.5·0.0333
    d = 1.0 + 0.5  # D: the labelled classes' weights, w_0 + w_2

    async def script(pilot):
        await pilot.press("right")
        await pilot.pause()
        row = " ".join(shown(app, "#row").split())
        if lang == "en":
            assert "(A·p − w·t) / D" in row
            assert (f"A = Σ_c w_c·t_c over row 1 = {a:.4f}; w·t = w_1·t_1, with w_1 = 2; D = {d:.4f}: the mean "
                    "divides by the sum of the counted samples' weights w_y.") in row  # fmt: skip
        else:
            assert (f"A = 第 1 行的 Σ_c w_c·t_c = {a:.4f}；w·t = w_1·t_1，其中 w_1 = 2；D = {d:.4f}，平均时除以"
                    "计入的样本的权重 w_y 之和。") in row.replace("： ", "：")  # fmt: skip
        fits(app)

    run(app, script)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_keys_line_and_help_name_the_new_keys(lang):
    app = make_app(lang=lang)

    async def script(pilot):
        await pilot.press("right")  # a short sentence: nothing to scroll, so the key line lists the keys
        await pilot.pause()
        keys = shown(app, "#keys")
        for k in ("p 预测", "u 撤销", "r 重置") if lang == "zh" else ("p predict", "u undo", "r reset"):
            assert k in keys
        await pilot.press("question_mark")
        await pilot.pause()
        lines = shown(app, "#words").splitlines()
        starts = {line.split()[0] for line in lines[1:] if line.strip()}
        assert {"n", "p", "u", "r"} <= starts
        fits(app)

    run(app, script)


def test_reset_or_undo_while_asked_to_predict_ends_the_question():
    app = make_app()

    async def script(pilot):
        await pilot.press("plus", "p", "u")
        await pilot.pause()
        assert not app.state.predicting and "Predict:" not in shown(app, "#keys")
        await pilot.press("plus")  # a nudge again, not a prediction
        await pilot.pause()
        assert app.state.logits[0, 0] == pytest.approx(Z[0][0] + 0.1) and app.state.prediction is None

    run(app, script)
