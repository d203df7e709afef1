"""Verdicts a learner can trust (issue 17): the precision rule, answers as people type them, help, hints."""

from __future__ import annotations

import math
import re

import pytest

from xent_tutor.errors import XentError
from xent_tutor.lesson.text import message, t
from xent_tutor.practice import precision as P
from xent_tutor.practice import quiz as q
from xent_tutor.practice.arith import evaluate
from xent_tutor.practice.exercises import get, load_all


def steps(ex: str) -> list[q.Step]:
    return q.make_steps(q.from_exercise(get(ex)))


def step(ex: str, stage: str, row: int | None = None) -> q.Step:
    return next(s for s in steps(ex) if s.stage == stage and (row is None or s.row == row))


# ---- the precision rule itself (hand-derived numbers) ----------------------------------------------------


@pytest.mark.parametrize(
    "x, small, d",
    [(0.4951, True, 4), (0.0568, True, 5), (0.0024726, True, 6), (0.00004540, True, 8), (403.4288, True, 4),
     (0.0024726, False, 4), (1.0, True, 4), (0.1, True, 4), (0.0999, True, 5)],
)  # fmt: skip
def test_asked_decimals_are_4_or_4_significant_figures_when_small(x, small, d):
    assert P.asked_decimals(x, small) == d


@pytest.mark.parametrize(
    "value, text, outcome",
    [
        (6.0025, "6.0025", P.RIGHT),
        (6.0024, "6.0024", P.RIGHT),  # one unit of the 4th decimal
        (6.0023, "6.0023", P.RIGHT_FROM),  # -ln(0.002473) = 6.00232: from the p as asked
        (5.9915, "5.9915", P.CLOSE),  # -ln(0.0025): p to 4 decimals, not 4 significant figures
        (6.0, "6.0", P.SHORT),
        (6.00, "6.00", P.SHORT),
        (7.0, "7", P.WRONG),
    ],
)
def test_judge_outcomes(value, text, outcome):
    exact = -math.log(1 / (1 + math.exp(6)))  # 6.0024757 (confident-wrong), by hand
    carried = P.Source(-math.log(0.002473), (("p", "0.002473"),))
    assert P.judge(value, text, exact, 4, [carried]).outcome == outcome


@pytest.mark.parametrize(
    "text, outcome",
    [
        ("0.09449", P.RIGHT),
        ("0.09450", P.RIGHT),  # five decimals, one unit off: the rule's slack for carried rounding
        ("0.0945", P.SHORT),  # four decimals where five are asked: a try, like 1.18 for 1.1754
        ("0.094", P.SHORT),
    ],
)
def test_fewer_decimals_than_asked_is_never_right_by_the_slack(text, outcome):
    exact = math.exp(-1.05) / (math.exp(-1.05) + math.exp(1.21))  # 0.0944896 (by hand), 4 sig figs = 5 decimals
    assert P.asked_decimals(exact, small_matters=True) == 5
    assert P.judge(float(text), text, exact, 5).outcome == outcome


@pytest.mark.parametrize("text", ["0.7", "0.70", "0.700"])
def test_the_asked_rounding_with_trailing_zeros_dropped_is_right(text):
    assert P.judge(float(text), text, 0.69996, 4).outcome == P.RIGHT  # 0.69996 to 4 decimals is 0.7000


@pytest.mark.parametrize("lang, said", [("en", "rounded to 1 decimal;"), ("zh", "")])
def test_one_decimal_is_singular(lang, said):
    exact = (
        -math.log(math.exp(-0.0464) / (math.exp(-0.0464) + math.exp(-0.0268)))
        - math.log(math.exp(-0.0091) / (math.exp(-0.0234) + math.exp(-0.0091)))
    ) / 2  # the article's 0.6945
    text = t("grade.rounded", lang, value="0.7", expected=f"{exact:.4f}", decimals=1, asked=4)
    assert "1 decimals" not in text and said in text
    assert "rounded to 2 decimals;" in t(
        "grade.rounded", "en", value="0.69", expected=f"{exact:.4f}", decimals=2, asked=4
    )


def test_written_decimals_read_answers_as_typed():
    assert P.written_decimals("0.6945") == 4 and P.written_decimals("0,6945") == 4
    assert P.written_decimals("0.6945。") == 4 and P.written_decimals("2.473e-3") == 6
    assert P.written_decimals("-ln(0.4951)") is None


# ---- bullet 1: a rounded guess gives nothing away and counts as a try -----------------------------------


@pytest.mark.parametrize(
    "ex, stage, text",
    [("confident-wrong", "p_true", "0.0025"), ("article-exercise", "exp", "0.95"),
     ("article-exercise", "loss", "0.69"), ("uniform-prediction", "loss", "1.386")],
)  # fmt: skip
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_rounded_guess_is_a_try_and_prints_no_digits(ex, stage, text, lang):
    s = step(ex, stage)
    v = q.check(s, float(text), text)
    assert not v.correct and v.kind == "rounded"
    said = q.describe(v, lang)
    assert s.answer not in said and f"{s.expected:.4f}" not in said.replace(text, "")
    assert str(s.decimals) in said


# ---- bullet 3: method-correct work is right, and says from which numbers -------------------------------


def test_the_final_loss_from_the_learners_own_minus_ln_p_is_right():
    s = step("confident-wrong", "loss")
    typed = {"l1": (5.9915, "5.9915")}  # the learner's -ln(0.0025), accepted earlier from their p
    v = q.check(s, 5.9915, "5.9915", typed)
    assert v.correct and v.kind == "from_yours"
    assert v.judgement.source.numbers == (("L_1", "5.9915"),) and v.judgement.source.typed
    assert not q.check(s, 5.9915, "5.9915").correct  # without those numbers it is not the loss


def test_minus_ln_of_the_learners_p_is_right_from_their_p_with_the_exact_value():
    from xent_tutor.practice.session import right_from

    s = step("confident-wrong", "neg_log_p")
    v = q.check(s, -math.log(0.002473), "-ln(0.002473)", {"p1.1": (0.002473, "0.002473")})
    assert v.correct and v.kind == "from_yours"
    en, zh = right_from(v, s, "en"), right_from(v, s, "zh")
    assert en.startswith("Right, from your p = 0.002473: -ln(0.002473) = 6.0023. The exact value is 6.0025;")
    assert "Δ(−ln p) ≈ Δp / p" in en and "Δ(−ln p) ≈ Δp / p" in zh
    assert zh.startswith("正确（你的 p = 0.002473）：-ln(0.002473) = 6.0023。精确值是 6.0025；")


def test_label_smoothing_from_the_shown_t_and_ln_p_is_right():
    s = step("label-smoothing", "sample_loss")
    text = "0.9333*0.1698+0.0333*2.1698+0.0333*3.1698"  # the quiz's own displayed t and -ln p: 0.3363
    v = q.check(s, evaluate(text), text)
    assert v.correct and v.kind == "from_yours"
    assert dict(v.judgement.source.numbers)["t"] == "[0.9333, 0.0333, 0.0333]"


def test_every_chain_of_rounded_numbers_is_right_at_every_step():
    """No right-by-method answer is called wrong: each step from the previous answers as asked, typed."""
    for ex in load_all().values():
        known: dict = {}
        for s in q.make_steps(q.from_exercise(ex)):
            for inp in s.inputs:  # what the learner typed at the earlier steps
                if inp.key in known:
                    continue
            if s.fn is not None and s.inputs:
                vals = [known[i.key][0] if i.key in known else float(i.carried) for i in s.inputs]
                mine = s.fn(vals)
                text = P.fmt(mine, s.decimals)
                assert q.check(s, float(text), text, known).correct, (ex.id, s.stage, text)
            else:
                text = s.answer
            known[s.key] = (float(text), text)


# ---- bullet 6: first-contact faults ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [("0.6945。", 0.6945), ("0.6945.", 0.6945), ("０．６９４５。", 0.6945), ("0,6945", 0.6945), ("0，6945", 0.6945),
     ("-ln(0,4951)", -math.log(0.4951)), ("(0.7030+0.6860)/2。", 0.6945)],
)  # fmt: skip
def test_answers_as_people_type_them(text, value):
    assert evaluate(text) == pytest.approx(value, abs=1e-12)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_ambiguous_decimal_comma_is_refused_with_the_answer_written_with_points(lang):
    with pytest.raises(XentError) as e:
        evaluate("(0,7030+0,6860)/2")
    said = message(e.value, lang)
    assert "(0.7030+0.6860)/2" in said and ("did you mean" in said if lang == "en" else "你是想写" in said)


def test_the_intro_and_help_examples_are_no_exercises_answer():
    examples = set()
    for lang in ("en", "zh"):
        for key in ("quiz.instructions", "quiz.help"):
            examples |= set(re.findall(r"[-−]ln\([0-9.]+\)|\([0-9.+]+\)/\d", t(key, lang)))
    assert len(examples) == 2
    for ex in load_all().values():
        for s in q.make_steps(q.from_exercise(ex)) + q.make_steps(q.from_exercise(ex), "final"):
            for x in examples:
                assert not q.check(s, evaluate(x), x).correct, (ex.id, s.stage, x)


def test_the_hint_ladder_has_three_rungs_and_never_the_value():
    from xent_tutor.practice.session import idea

    for ex in load_all().values():
        qp = q.from_exercise(ex)
        for mode, s in [("steps", s) for s in q.make_steps(qp)] + [("final", q.make_steps(qp, "final")[0])]:
            for lang in ("en", "zh"):
                rungs = [t("hint.idea." + idea(s), lang), t(s.formula, lang), s.hint_filled]
                assert len(set(rungs)) == 3
                earlier = [x for x in s.inputs if not x.given]  # a one-sample loss is the last step's value
                if not (s.stage == "loss" and len(earlier) == 1 and mode == "steps"):
                    assert all(s.answer not in r for r in rungs), (ex.id, s.stage, rungs)
