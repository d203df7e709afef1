"""Quiz logic: every step's value against PyTorch, the one tolerance rule, every diagnosis with its numbers."""

from __future__ import annotations

import json
import math

import pytest
from conftest import DATA

from xent_tutor.lesson.text import t
from xent_tutor.practice import quiz as q
from xent_tutor.practice.exercises import get, load_all

# Every stage of every exercise and of fixed random problems, computed by PyTorch
# (tests/data/torch_quiz_steps.py); the random problems' inputs are in tests/data/quiz_problems.json.
REF = json.loads((DATA / "torch_quiz_steps.json").read_text())["problems"]


def problem(pid: str) -> q.QuizProblem:
    r = REF[pid]
    return q.QuizProblem(r["logits"], r["labels"], r["options"])


def steps(pid: str, mode: str = "steps") -> list[q.Step]:
    return q.make_steps(problem(pid), mode)


def step(pid: str, stage: str, row: int | None = None) -> q.Step:
    """The quiz's step for a stage (and row); a stage the quiz does not ask, as `xent grade` asks it."""
    found = [s for s in steps(pid) if s.stage == stage and (row is None or s.row == row)]
    return found[0] if found else q.stage_step(problem(pid), stage)


def torch_value(pid: str, s: q.Step) -> float:
    """What PyTorch says the step's quantity is."""
    r = REF[pid]
    if s.stage == "loss":
        return r["loss"]
    i = s.row - 1
    k = s.params["cls"]
    shift = "_shifted" in s.prompt_key
    if s.stage == "exp":
        return r["exp_shifted" if shift else "exp"][i][k]
    if s.stage == "row_sum":
        return r["row_sum_shifted" if shift else "row_sum"][i]
    if s.stage == "p_true":
        return r["p"][i][k]
    return r["sample"][i]


@pytest.mark.parametrize("pid", sorted(REF))
def test_every_step_matches_pytorch(pid):
    for s in steps(pid):
        assert s.expected == pytest.approx(torch_value(pid, s), rel=1e-12, abs=1e-15), (pid, s.stage, s.row)
    assert steps(pid, "final")[0].expected == pytest.approx(REF[pid]["loss"], rel=1e-12)


def test_random_problems_still_generate_the_stored_inputs():
    data = json.loads((DATA / "quiz_problems.json").read_text())["problems"]
    for prob in data:
        if prob["id"].startswith("seed "):
            seed, level = prob["id"][5:].split(" (")
            qp = q.generate(int(seed), level.rstrip(")"))
            assert (qp.logits, qp.labels, qp.options) == (prob["logits"], prob["labels"], prob["options"])


def test_article_exercise_asks_both_rows():
    ss = steps("article-exercise")
    assert [(s.stage, s.row) for s in ss] == [
        ("exp", 1), ("row_sum", 1), ("p_true", 1), ("neg_log_p", 1), ("neg_log_p", 2), ("loss", None),
    ]  # fmt: skip
    assert round(ss[4].expected, 4) == 0.6860 and round(ss[5].expected, 4) == 0.6945


def test_final_mode_gives_nothing_away():
    for pid in ("article-exercise", "unbatched-sample", "batch-mean", "ignore-index"):
        (s,) = steps(pid, "final")
        assert s.notes == () and "given" not in s.params and "ignored" not in s.params


def test_rows_beyond_the_second_are_given_in_the_final_prompt():
    s = step("batch-mean", "loss")
    row3 = REF["batch-mean"]["sample"][2]
    assert s.params["given"] == f"3: {row3:.4f}" and "quiz.note.given" in s.notes
    ignored = step("ignore-index", "loss")
    assert ignored.params["ignored"] == "2" and "given" not in ignored.params


def test_soft_rows_ask_the_real_sample_loss_with_t_on_screen():
    for pid in ("soft-labels", "seed 1 (hard)", "seed 4 (hard)", "tie (soft)"):
        for s in steps(pid):
            for lang in ("en", "zh"):
                words = [t(k, lang, **s.params) for k in (s.prompt_key, *s.notes, s.formula)]
                assert not any(w in " ".join(words) for w in ("true class", "真实类别", "z_true", "z_真")), words
            assert s.stage not in ("p_true", "neg_log_p")  # soft labels have no true class
            if s.stage == "sample_loss":
                target = REF[pid]["labels"][s.row - 1]
                assert s.params["t"] == "[" + ", ".join(f"{x:.4f}" for x in target) + "]"
                assert s.prompt_key == "quiz.prompt.sample_soft"


def test_smoothing_shows_the_smoothed_target():
    s = step("label-smoothing", "sample_loss")
    eps, c = 0.1, 3
    want = [(1 - eps) + eps / c, eps / c, eps / c]
    assert s.params["t"] == "[" + ", ".join(f"{x:.4f}" for x in want) + "]"
    assert s.expected == pytest.approx(REF["label-smoothing"]["sample"][0], rel=1e-12)


# ---- the one tolerance rule, at every stage ----------------------------------------------------------


def _all_steps():
    return list(_each_step())


def _each_step():
    for pid in ("article-exercise", "soft-labels", "label-smoothing", "weights 1.0 4.4", "big logits", "seed 1 (hard)"):
        for s in steps(pid):
            yield pytest.param(pid, s, id=f"{pid}-{s.stage}-{s.row}")


@pytest.mark.parametrize("pid, s", _all_steps())
def test_one_precision_rule_at_every_stage(pid, s):
    exact = torch_value(pid, s)
    unit = 10.0**-s.decimals
    # Asked: 4 decimals, or 4 significant figures for a small value that is divided by or logged next.
    assert s.decimals == (4 if s.stage in ("neg_log_p", "loss") or exact >= 0.1 else 3 - math.floor(math.log10(exact)))
    assert q.check(s, round(exact, s.decimals), f"{exact:.{s.decimals}f}").correct
    assert q.check(s, exact + 0.9 * unit).correct and q.check(s, exact - 0.9 * unit).correct
    accepted = [exact] + [src.value for src in q.sources(s)]  # worked from rounded or shown numbers
    assert not q.check(s, max(accepted) + 1.1 * unit).correct
    assert not q.check(s, min(accepted) - 1.1 * unit).correct


def half_up(text: str, d: int) -> str:
    """Rounding as a learner does it by hand, from the written digits."""
    from decimal import ROUND_HALF_UP, Decimal

    return str(Decimal(text).quantize(Decimal(1).scaleb(-d), rounding=ROUND_HALF_UP))


@pytest.mark.parametrize("pid, s", _all_steps())
def test_under_rounded_right_number_is_a_try_that_gives_no_digits_away(pid, s):
    exact = torch_value(pid, s)
    accepted = [exact] + [src.value for src in q.sources(s)]
    for d in range(1, s.decimals):
        text = f"{exact:.{d}f}"
        if any(abs(float(text) - x) <= 10.0**-s.decimals for x in accepted):
            continue  # the rounded number is already within the rule
        v = q.check(s, float(text), text)
        assert v.rounded and v.kind == "rounded" and not v.correct, (text, v)
        en, zh = q.describe(v, "en"), q.describe(v, "zh")
        asked = s.decimals
        assert en.startswith(f"{text} has {d} decimal{'s' if d > 1 else ''}; this ")
        assert f"{asked} decimals" in en and f"{asked} 位小数" in zh and zh.startswith(f"{text} 只有 {d} 位小数；")
        rest = (en + zh).replace(text, "")
        assert f"{exact:.{asked}f}" not in rest and f"{exact:.4f}" not in rest  # the digits are not given
        full = v.params["expected"]
        assert full == f"{exact:.{asked}f}"
        assert q.describe(v, "en", "grade").startswith(
            f"{text} is {full} rounded to {d} decimal{'s' if d > 1 else ''};"
        )
        assert "再试" not in q.describe(v, "zh", "grade") and "try again" not in q.describe(v, "en", "grade")


@pytest.mark.parametrize("pid, s", _all_steps())
def test_a_cut_right_number_is_short_not_right(pid, s):
    exact = torch_value(pid, s)
    for d in (2, 3):
        cut = f"{math.trunc(exact * 10**d) / 10**d:.{d}f}"
        values = [exact] + ([s.chained] if s.chained is not None else [])
        if any(f"{x:.{d}f}" == cut for x in values) or abs(float(cut) - exact) <= 10.0**-s.decimals:
            continue  # cutting and rounding agree here, or the cut number is within the rule
        v = q.check(s, float(cut), cut)
        assert v.kind == "cut" and v.rounded and not v.correct, (cut, v)
        full, rounded = v.params["expected"], v.params["rounded"]
        assert rounded == half_up(f"{exact:.12f}", d) != cut
        en, zh = q.describe(v, "en"), q.describe(v, "zh")
        assert full not in en + zh and rounded not in en + zh
        g_en, g_zh = q.describe(v, "en", "grade"), q.describe(v, "zh", "grade")
        assert g_en.startswith(
            f"{cut} is close: {full} cut to {d} decimals, not rounded ({d} decimals rounded give {rounded})"
        )
        assert g_zh.startswith(
            f"{cut} 很接近：它是把 {full} 截断到 {d} 位小数，而不是四舍五入（四舍五入到 {d} 位是 {rounded}）"
        )
        assert "try again" not in g_en and "再试" not in g_zh


def test_article_binary_0615_is_cut_not_rounded():
    loss = step("article-binary", "loss")  # true loss 0.61556..., 3 decimals rounded: 0.616
    v = q.check(loss, 0.615, "0.615")
    assert v.kind == "cut" and q.describe(v, "en", "grade") == (
        "0.615 is close: 0.6156 cut to 3 decimals, not rounded (3 decimals rounded give 0.616); "
        "4 decimals, rounded, are required."
    )
    assert q.check(loss, 0.616, "0.616").kind == "rounded"


def test_article_tolerance_examples_from_the_issue():
    exp = step("article-exercise", "exp")
    assert q.check(exp, 0.9546, "0.9546").correct  # e^-0.0464 = 0.95466
    loss = step("article-exercise", "loss")
    for text in ("0.6945", "0.69451", "0.6946"):
        assert q.check(loss, float(text), text).correct
    for text in ("0.69", "0.695", "0.694"):
        assert q.check(loss, float(text), text).rounded
    p = step("article-exercise", "p_true")
    assert q.check(p, 0.495, "0.495").rounded


# ---- every diagnosis kind, at every stage where it applies, with words and numbers in both languages ----

LN10, LN2 = math.log(10), math.log(2)


def _r(pid):
    return REF[pid]


A = "article-exercise"
# (problem, stage, row, answer from PyTorch's numbers, kind, English words, Chinese words)
DIAGNOSES = [
    (A, "exp", 1, lambda r: math.exp(0.0464), "exp_sign", "is e^(−z)|z = -0.0464", "e^(−z)|z = -0.0464"),
    (A, "exp", 1, lambda r: r["exp_shifted"][0][0], "shifted_exp", "e^(z − max)|max -0.0268|e^z itself",
     "最大值 -0.0268|e^z 本身"),
    (A, "exp", 1, lambda r: r["exp"][0][1], "wrong_class_exp", "class 1's e^z|not a probability|class 0's",
     "类别 1 的 e^z|不是概率|类别 0"),
    ("big logits", "exp", 1, lambda r: r["exp"][0][1], "unshifted_exp", "without the shift|max 12",
     "没有做平移|最大值 12"),
    (A, "row_sum", 1, lambda r: r["exp"][0][0], "only_true_term", "only class 0's term|all 2 classes",
     "类别 0 这一项|全部 2 个类别"),
    (A, "row_sum", 1, lambda r: r["row_sum_shifted"][0], "shifted_sum", "sum of e^(z − max)|max -0.0268",
     "最大值 -0.0268"),
    ("batch-mean", "row_sum", 1, lambda r: r["exp"][0][0] + r["exp"][0][1], "missing_term",
     "leaves out class 2's term e^z = 0.3679", "漏掉了类别 2 的那一项 e^z = 0.3679"),
    ("big logits", "row_sum", 1, lambda r: r["row_sum"][0], "unshifted_exp", "subtract the row's max 12",
     "减去该行最大值 12"),
    (A, "p_true", 1, lambda r: r["exp"][0][0], "unnormalized", "divide it by the row sum 1.9282",
     "除以行和 1.9282"),
    (A, "p_true", 1, lambda r: r["row_sum"][0] / r["exp"][0][0], "inverted", "upside down|at most 1", "颠倒|不会超过 1"),
    (A, "p_true", 1, lambda r: math.exp(r["p"][0][0]) / (math.exp(r["p"][0][0]) + math.exp(r["p"][0][1])),
     "softmax_twice", "softmax twice", "两次 softmax"),
    (A, "p_true", 1, lambda r: r["p"][0][1], "wrong_class_p", "class 1's probability|class 0's", "类别 1 的概率|类别 0"),
    (A, "neg_log_p", 1, lambda r: -r["sample"][0], "sign", "wrong sign|minus", "符号错了|负号"),
    (A, "neg_log_p", 1, lambda r: r["sample"][0] / LN10, "log10", "log base 10|ln x = 2.3026 × log10 x",
     "以 10 为底|ln x = 2.3026 × log10 x"),
    (A, "neg_log_p", 1, lambda r: r["sample"][0] / LN2, "log2", "log base 2|ln x = 0.6931 × log2 x",
     "以 2 为底|ln x = 0.6931 × log2 x"),
    (A, "neg_log_p", 1, lambda r: -r["sample"][0] / LN10, "sign_log10", "two slips: log base 10 and the sign",
     "两处错误|以 10 为底|符号反了"),
    (A, "neg_log_p", 1, lambda r: -r["sample"][0] / LN2, "sign_log2", "two slips: log base 2 and the sign",
     "两处错误|以 2 为底"),
    (A, "neg_log_p", 1, lambda r: r["p"][0][0], "prob_not_loss", "probability p itself|take −ln(0.4951)",
     "概率 p 本身|−ln(0.4951)"),
    (A, "neg_log_p", 1, lambda r: -r["log_p"][0][1], "wrong_class_loss", "−ln p of class 1|class 0's p",
     "类别 1 的 −ln p|类别 0 的 p"),
    (A, "neg_log_p", 2, lambda r: r["sample"][0], "other_row", "row 1's value|about row 2", "第 1 行的值|第 2 行"),
    ("seed 2 (hard)", "sample_loss", 1, lambda r: r["sample"][0], "weight_left_out_row", "without its weight|w[0] = 1.6",
     "没有乘权重|w[0] = 1.6"),
    ("label-smoothing", "sample_loss", 1, lambda r: -r["log_p"][0][0], "smoothing_left_out_row",
     "true class alone|ε = 0.1", "真实类别|ε = 0.1"),
    ("soft-labels", "sample_loss", 1, lambda r: -r["log_p"][0][0], "one_class", "class 0 alone (t = 0.5)|t_c > 0",
     "类别 0（t = 0.5）|t_c > 0"),
    ("soft-labels", "sample_loss", 1, lambda r: -sum(t * p for t, p in zip(r["labels"][0], r["p"][0])), "p_not_log",
     "without the log|−Σ t_c·ln p_c", "没有取对数|−Σ t_c·ln p_c"),
    ("soft-labels", "sample_loss", 1, lambda r: -0.5 * r["log_p"][0][0], "one_term",
     "only class 0's term t_c·(−ln p_c) = 0.5 × 0.5514|every class with t_c > 0 (3 terms here)",
     "只是类别 0 这一项 t_c·(−ln p_c) = 0.5 × 0.5514|（这里共 3 项）"),
    ("soft-labels", "sample_loss", 1, lambda r: -0.25 * r["log_p"][0][1], "one_term",
     "only class 1's term t_c·(−ln p_c) = 0.25 × 1.5514", "只是类别 1 这一项 t_c·(−ln p_c) = 0.25 × 1.5514"),
    ("label-smoothing", "sample_loss", 1, lambda r: -(0.9 * r["log_p"][0][0] + 0.05 * (r["log_p"][0][1] + r["log_p"][0][2])),
     "smoothing_spread", "ε = 0.1 over the other 2 classes (ε/(C − 1) = 0.0500 each)|ε/C = 0.0333 to all 3 classes|"
     "t = [0.9333, 0.0333, 0.0333]", "其余 2 个类别（每个 ε/(C − 1) = 0.0500）|ε/C = 0.0333 分给全部 3 个类别"),
    (A, "loss", None, lambda r: -r["loss"], "sign", "wrong sign", "符号错了"),
    (A, "loss", None, lambda r: r["loss"] / LN10, "log10", "log base 10", "以 10 为底"),
    (A, "loss", None, lambda r: r["loss"] / LN2, "log2", "log base 2", "以 2 为底"),
    (A, "loss", None, lambda r: -r["loss"] / LN10, "sign_log10", "log base 10 and the sign", "以 10 为底"),
    (A, "loss", None, lambda r: -r["loss"] / LN2, "sign_log2", "log base 2 and the sign", "以 2 为底"),
    (A, "loss", None, lambda r: sum(r["sample"]), "sum_not_mean", "sum of the samples' losses|divides it by N = 2",
     "损失之和|除以样本数 N（这里是 2）"),
    ("weights 1.0 4.4", "loss", None, lambda r: sum(r["per_sample_none"]), "sum_not_mean",
     "divides it by Σ w[y] = 1.0 + 4.4 = 5.4", "除以真实类别的权重之和 Σ w[y]（这里是 1.0 + 4.4 = 5.4）"),
    ("ignore-index", "loss", None, lambda r: r["sample"][0] + r["sample"][2], "sum_not_mean",
     "the number of samples not ignored, 2", "未被忽略的样本数（这里是 2）"),
    ("sum-reduction", "loss", None, lambda r: r["loss"] / 2, "mean_not_sum", "mean over the 2 samples|divides by nothing",
     "2 个样本的平均值|不做除法"),
    (A, "loss", None, lambda r: r["sample"][1], "one_row", "row 2's loss alone|all 2 samples",
     "第 2 行的损失|全部 2 个样本"),
    (A, "loss", None, lambda r: r["sample"][0], "one_row", "row 1's loss alone", "第 1 行的损失"),
    ("ignore-index", "loss", None, lambda r: (r["sample"][0] + r["sample"][2]) / 3, "mean_all_rows",
     "divides by all 3 rows|the number of samples not ignored, 2", "全部 3 行|未被忽略的样本数（这里是 2）"),
    ("class-weights", "loss", None, lambda r: sum(r["per_sample_none"]) / 3, "mean_all_rows",
     "all 3 rows|Σ w[y] = 1.0 + 3.0 + 3.0 = 7.0", "全部 3 行|Σ w[y]（这里是 1.0 + 3.0 + 3.0 = 7.0）"),
    ("class-weights", "loss", None, lambda r: sum(r["sample"]) / 3, "weights_left_out",
     "leaves out the class weights|divide by Σ w[y] = 1.0 + 3.0 + 3.0 = 7.0", "没有用类别权重|Σ w[y]（这里是 1.0 + 3.0 + 3.0 = 7.0）"),
    ("label-smoothing", "loss", None, lambda r: -r["log_p"][0][0], "smoothing_left_out", "without label smoothing|ε = 0.1",
     "没有标签平滑|ε = 0.1"),
    (A, "loss", None, lambda r: (-r["log_p"][0][1] - r["log_p"][1][0]) / 2, "wrong_class", "most likely wrong class",
     "错误类别"),
    (A, "loss", None, lambda r: (-r["log_p"][0][1] + r["sample"][1]) / 2, "wrong_class_row",
     "−ln p of class 1 in row 1 (0.6834)|row 1's label is class 0, whose −ln p is 0.7030",
     "第 1 行用了类别 1 的 −ln p（0.6834）|第 1 行的标签是类别 0，它的 −ln p 是 0.7030"),
    (A, "loss", None, lambda r: (r["sample"][0] - r["log_p"][1][0]) / 2, "wrong_class_row",
     "−ln p of class 0 in row 2 (0.7003)|row 2's label is class 1, whose −ln p is 0.6860",
     "第 2 行用了类别 0 的 −ln p（0.7003）|第 2 行的标签是类别 1，它的 −ln p 是 0.6860"),
    ("class-weights", "loss", None, lambda r: (r["per_sample_none"][0] + r["per_sample_none"][1]
                                               - 3 * r["log_p"][2][0]) / 7, "wrong_class_row",
     "−ln p of class 0 in row 3|row 3's label is class 1, whose −ln p is 0.9741",
     "第 3 行用了类别 0 的 −ln p|第 3 行的标签是类别 1，它的 −ln p 是 0.9741"),
    (A, "loss", None, lambda r: (r["p"][0][0] + r["p"][1][1]) / 2, "mean_of_p", "combines the probabilities p",
     "合并的是概率 p"),
    ("soft-labels", "loss", None, lambda r: -r["log_p"][0][0], "argmax_target", "most likely target class|−Σ_c t_c·ln p_c",
     "目标概率最大的类别|−Σ_c t_c·ln p_c"),
]  # fmt: skip


@pytest.mark.parametrize("pid, stage, row, answer, kind, en, zh", DIAGNOSES,
                         ids=[f"{d[0]}-{d[1]}-{d[2]}-{d[4]}" for d in DIAGNOSES])  # fmt: skip
def test_diagnosis_names_the_number_and_what_to_do(pid, stage, row, answer, kind, en, zh):
    s = step(pid, stage, row)
    typed = f"{answer(_r(pid)):.4f}"
    v = q.check(s, float(typed), typed)
    assert not v.correct and v.kind == kind, (v, [m.kind for m in s.mistakes])
    for lang, words in (("en", en), ("zh", zh)):
        text = q.describe(v, lang)
        assert text.startswith(typed), text
        for w in words.split("|"):
            assert w in text, (lang, w, text)
    assert "{" not in q.describe(v, "en") and "{" not in q.describe(v, "zh")


def test_every_mistake_kind_is_covered_by_the_table():
    from conftest import DATA

    corpus = json.loads((DATA / "wrong_answers.json").read_text())["answers"]  # the search's kinds, in their corpus
    named = {k for a in corpus for k in a["kinds"]} - {"right"}
    assert {d[4] for d in DIAGNOSES} | named | {"rounded", "cut", "close"} == set(q.MISTAKE_KINDS)


def test_a_mistake_worked_from_rounded_numbers_is_still_named():
    s = step("class-weights", "loss")
    v = q.check(s, 0.3133 + 3 * 0.3133 + 3 * 0.9741, "0.3133+3*0.3133+3*0.9741")  # exact sum 4.17535...
    assert v.kind == "sum_not_mean" and "Σ w[y] = 1.0 + 3.0 + 3.0 = 7.0" in q.describe(v)


def test_an_unknown_number_gets_no_false_diagnosis():
    v = q.check(step(A, "loss"), 0.1234, "0.1234")
    assert v.kind is None and q.describe(v) is None


# ---- generated problems and exercises ---------------------------------------------------------------


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("difficulty", q.DIFFICULTIES)
def test_generated_problems_are_workable(seed, difficulty):
    qp = q.generate(seed, difficulty)
    ss = q.make_steps(qp)
    assert ss[-1].stage == "loss"
    for s in ss:
        assert math.isfinite(s.expected)
        assert q.check(s, float(s.answer), s.answer).correct
        assert all(abs(m.value - s.expected) > 2 * s.tol for m in s.mistakes)
    assert q.generate(seed, difficulty) == qp


def test_every_exercise_works_as_a_quiz():
    for ex in load_all().values():
        ss = q.make_steps(q.from_exercise(ex))
        assert abs(ss[-1].expected - ex.answer) <= 5e-5 + 1e-12
        assert q.check(ss[-1], ex.answer, str(ex.answer)).correct


@pytest.mark.parametrize("stage", q.STAGES)
def test_drill_step_asks_one_stage(stage):
    s = q.drill_step(q.generate(3, "medium"), stage)
    assert s.stage == stage
    if stage == "loss":
        assert "given" in s.params  # every sample's loss is on screen


def test_tally_counts_outcomes_separately_and_blames_wrong_tries_only():
    tally = q.Tally(planned=6)
    tally.add(q.StepResult("exp", "right_first"))
    tally.add(q.StepResult("row_sum", "skipped"))
    tally.add(q.StepResult("row_sum", "skipped"))
    tally.add(q.StepResult("loss", "right_retry", 1, True, ["sign"]))
    tally.add(q.StepResult("p_true", "revealed", 3, True, ["unknown"] * 3, hinted=True))
    assert [tally.total(k) for k in (*q.OUTCOMES, "hinted")] == [1, 1, 1, 2, 1]
    assert tally.weakest() == "p_true" and tally.done == 5 and not tally.finished
    assert tally.mistakes == {"sign": 1, "unknown": 3}
    skips_only = q.Tally()
    skips_only.add(q.StepResult("exp", "skipped"))
    assert skips_only.weakest() is None and skips_only.drill() is None


def test_exercise_ids_exist():
    assert get("article-exercise").order == 4


@pytest.mark.parametrize("difficulty", q.DIFFICULTIES)
def test_every_sentence_of_every_step_fills_in_both_languages(difficulty):
    """Prompts, notes, show lines and every mistake's diagnosis render with all their numbers."""
    for seed in range(40):
        for s in q.make_steps(q.generate(seed, difficulty)) + q.make_steps(q.generate(seed, difficulty), "final"):
            for lang in ("en", "zh"):
                texts = [t(s.prompt_key, lang, **s.params), t(s.formula, lang)]
                texts += [t(k, lang, **s.params) for k in s.notes] + [t(k, lang, **p) for k, p in s.show]
                for m in s.mistakes:
                    v = q.check(s, round(m.value, 4), f"{m.value:.4f}")
                    if v.kind is not None and not v.correct:
                        texts.append(q.describe(v, lang))
                assert all(x and "{" not in x for x in texts), texts


def test_mistake_names_have_no_commas_so_a_comma_list_reads():
    for lang, seps in (("en", ",;"), ("zh", "，、；,")):
        for kind in (*q.MISTAKE_KINDS, "unknown"):
            name = t("kind." + kind, lang)
            assert not any(ch in name for ch in seps), (lang, kind, name)
