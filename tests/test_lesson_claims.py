"""Every claim the lesson makes is checked against the numbers it shows, over every option combination."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xent_tutor.engine.core import Options, explain, make_problem
from xent_tutor.lesson.layout import Lesson, Section, build, fmt

F = lambda x: fmt(x, 4)  # noqa: E731


@st.composite
def problems(draw):
    """Logits, targets and options: smoothing, weights, ignore_index, soft targets, C = 1 and 2, reductions."""
    c = draw(st.sampled_from([1, 2, 2, 3, 4]))
    n = draw(st.integers(1, 4))
    scale = draw(st.sampled_from([0.05, 1.0, 6.0, 800.0]))
    z = np.asarray(draw(st.lists(st.floats(-1, 1), min_size=n * c, max_size=n * c))).reshape(n, c) * scale
    soft = c > 1 and draw(st.booleans())
    eps = draw(st.sampled_from([0.0, 0.0, 0.1, 0.5, 1.0]))
    weight = None
    if draw(st.booleans()):
        weight = np.asarray(draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0]), min_size=c, max_size=c)))
    reduction = draw(st.sampled_from(["mean", "sum", "none"]))
    ii = -100
    if soft:
        raw = np.asarray(draw(st.lists(st.floats(0, 1), min_size=n * c, max_size=n * c))).reshape(n, c) + 1e-3
        if draw(st.booleans()):  # some soft rows are one-hot
            raw[0] = np.eye(c)[0]
        target = raw / raw.sum(axis=1, keepdims=True)
    else:
        target = np.asarray(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
        if draw(st.booleans()):
            ii = draw(st.sampled_from([-100, int(target[0])]))
            target[-1] = ii
    return make_problem(z, target, Options(reduction, weight, ii, eps))


def words(s: Section) -> str:
    """Everything a section says, on one line."""
    return " ".join(" ".join([*s.why, *s.lines, *s.asides]).split())


def section(lesson: Lesson, key: str) -> Section | None:
    return next((s for s in lesson.sections if s.key == key), None)


def row_index(result, name: str) -> int:
    return [str(int(m) + 1) for m in result.trace.rows].index(name)


def classes(text: str) -> list[int]:
    if text == "no class":
        return []
    return [int(k) for k in text.removeprefix("classes ").removeprefix("class ").split(", ") if k != "…"]


def check_gradient(result, lesson: Lesson) -> None:
    s = section(lesson, "grad")
    tr = result.trace
    if result.problem.options.reduction == "none":
        assert s is None
        return
    text = words(s)
    g = tr.grad
    live = [i for i in np.flatnonzero(~tr.ignored) if np.isfinite(g[i]).all()]
    if "pushes the true class's score up" in text:
        for i in live:
            y = tr.labels[i]
            assert g[i, y] < 0 and np.all(np.delete(g[i], y) > 0), (i, g[i])
    if "in proportion to its probability" in text:
        assert np.all((tr.target[live] == 0) | (tr.target[live] == 1))
    if "Every gradient shown is 0" in text:
        assert all(np.all(g[i] == 0) for i in live)
    for row, up, down in re.findall(r"Row (\d+): a step raises (.+?) and lowers (.+?)\.", text):
        i = row_index(result, row)
        assert all(g[i, k] < 0 for k in classes(up)) and all(g[i, k] > 0 for k in classes(down)), (row, g[i])
    for row, y, p, share, gy in re.findall(
        r"In row (\d+) the true class (\d+) goes down: its p = (\S+) is already above its share of the"
        r"(?: smoothed)? target, (\S+), so its gradient (\S+) is positive",
        text,
    ):
        i = row_index(result, row)
        assert int(y) == tr.labels[i] and g[i, int(y)] > 0
        assert p == F(tr.probs[i, int(y)]) and gy == F(g[i, int(y)])
        w = result.problem.options.weight
        a = tr.target[i] * (1.0 if w is None else w)
        assert share == F(a[int(y)] / a.sum()) and tr.probs[i, int(y)] > a[int(y)] / a.sum()
    # Nothing left unsaid: a true class pushed down is always named.
    if tr.labels is not None and any(g[i, tr.labels[i]] > 0 for i in live):
        assert "goes down: its p =" in text
    moving = [i for i in live if np.any(g[i] != 0)]
    if moving and "pushes the true class's score up" not in text:
        assert "a step raises" in text


def check_target(result, lesson: Lesson) -> None:
    tr = result.trace
    live = np.flatnonzero(~tr.ignored)
    onehot = np.all((tr.target[live] == 0) | (tr.target[live] == 1))
    everything = " ".join(words(s) for s in lesson.sections)
    if "multiplied by 0" in everything.replace("no class is multiplied by 0", ""):
        assert tr.labels is not None and onehot
    if "The label becomes a one-hot vector" in everything:
        assert onehot
    if tr.labels is not None and not onehot:
        assert "no class is multiplied by 0" in everything


def check_curve(result, lesson: Lesson) -> None:
    s = section(lesson, "curve")
    tr = result.trace
    if s is None:
        return
    legend = [line for line in s.key_lines if re.match(r"\d = row", line)]
    shared = [re.match(r"\+ = points ([\d, ]+): too close", line) for line in s.key_lines if line.startswith("+")]
    plot = [line for line in s.lines if "┤" in line or "│" in line]
    for line in plot:
        assert not re.search(r"\d\d", line.split("┤")[-1].split("│")[-1]), line  # no marker pair reads as a number
    assert sum("┤" in line for line in plot) >= 3  # a few ticks on the y axis
    assert legend and all(shared)
    plus = [m[1].split(", ") for m in shared]
    drawn = "".join(row.split("┤")[-1].split("│")[-1] for row in plot)
    assert drawn.count("+") == len(plus)
    marks = [re.match(r"(\d) = ", line)[1] for line in legend]
    assert len(set(marks)) == len(marks)  # no two rows share a marker in the list
    for line in legend:
        m = re.match(
            r"(\d) = row (\d+): p = (\S+), −ln p = ([^;]+)(; above the plot, drawn at its top edge)?"
            r"(?:; this sample's loss is (\S+) \(off the curve\))?$",
            line,
        )
        assert m, line
        i = row_index(result, m[2])
        assert m[3] == F(tr.p_true[i]) and m[4] == F(tr.neg_log_p[i])
        assert m[4] == F(tr.loss[i]) or m[6] == F(tr.loss[i]), line  # the point's height is the loss, or it says
        top = max(float(x.split("┤")[0]) for x in plot if "┤" in x)
        assert bool(m[5]) == (tr.neg_log_p[i] > top), line  # "above the plot" exactly when it is
        assert (m[1] in drawn) != any(m[1] in group for group in plus), line  # its own digit, or one "+" lists it


def check_wording(result, lesson: Lesson, zh: Lesson) -> None:
    """Sentences that hold only for some inputs: the article's numbers, marks, bars' goal, the mean's count."""
    p = result.problem
    tr = result.trace
    text = " ".join(words(s) for s in lesson.sections)
    zh_text = " ".join(words(s) for s in zh.sections)
    assert "the article's numbers" not in text and "原文中的数字" not in zh_text  # any input, so never "its numbers"
    assert "第一行" not in zh_text and "第二行" not in zh_text  # display lines never read as sample rows
    if p.soft:
        assert "marks the true class" not in lesson.legend and "标记真实类别" not in zh.legend
        assert "The label names the true class" not in words(lesson.sections[0])
    bars = section(lesson, "bars")
    if bars is not None:
        caption = words(bars)
        live = np.flatnonzero(~tr.ignored)
        w = p.options.weight
        if "grow toward 1" in caption:  # what training aims for: the true class's share of w·t is 1
            assert not p.soft
            for i in live:
                a = tr.target[i] * (1.0 if w is None else w)
                assert a.sum() == 0 or F(a[tr.labels[i]] / a.sum()) == F(1.0)
        m = re.search(r"toward its target share (\S+), not toward 1", caption)
        if m:
            for i in live:
                a = tr.target[i] * (1.0 if w is None else w)
                assert m[1] == F(a[tr.labels[i]] / a.sum()) != F(1.0)
        if "each bar toward its t." in caption:
            assert p.soft and (p.options.weight is None or np.all(p.options.weight == 1))
        assert ("*" in caption) == (not p.soft)
        if "does not move the bars" in caption:
            assert w is not None and all((tr.target[i] * w).sum() == 0 for i in live)
    nll = section(lesson, "nll")
    if "w_c" in words(nll) + nll.title:  # a weight in the formula only when there are weights
        assert p.options.weight is not None and not np.all(p.options.weight == 1)
    everything = " ".join(words(s) for s in lesson.sections)
    if "every other class is multiplied by 0" in everything or "1 for the true class, 0 elsewhere" in everything:
        assert p.num_classes > 1
    if p.num_classes == 1 and not p.soft:
        assert "softmax gives p = 1 whatever the logit, so −ln p = 0" in words(section(lesson, "select"))
    for i, row in enumerate(section(lesson, "target").rows):  # an ignored row says so in the target table
        assert (row[1].text == "ignored") == bool(tr.ignored[i])
    reduce = words(section(lesson, "reduce"))
    if "averaged over the batch" in reduce:
        assert result.live == p.num_samples
    m = re.search(r"averaged over the (\d+) non-ignored samples?\.", reduce)
    if m:
        assert int(m[1]) == result.live < p.num_samples and m[0].endswith("samples." if result.live > 1 else "sample.")


def check_exp(result, lesson: Lesson) -> None:
    s = section(lesson, "exp")
    tr = result.trace
    with np.errstate(all="ignore"):
        e = np.exp(tr.logits)
    for i in range(len(tr.rows)):
        raw, shifted = s.rows[2 * i], s.rows[2 * i + 1]
        assert raw[1].text == "e^z" and shifted[1].text == "e^(z−max)"
        assert raw[-1].text == F(e[i].sum())
        assert shifted[-1].text == F(np.exp(tr.logits[i] - tr.logits[i].max()).sum())
    text = words(s)
    if "Both lines give the same probabilities" in text:
        assert np.all(np.isfinite(e)) and np.allclose(e / e.sum(axis=1, keepdims=True), tr.probs, rtol=1e-6)


def num(text: str) -> float:
    return float(text.replace(",", ""))


def shown(text: str, x: float) -> bool:
    """The text is x as the lesson rounds it (4 decimals; a value near 0 may differ in its last bits)."""
    return text == F(x) or abs(num(text) - x) <= 5e-5 * max(1.0, abs(x))


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def bce(x: float, y: float) -> float:
    """binary_cross_entropy_with_logits written out: -(y ln sigmoid(x) + (1 - y) ln(1 - sigmoid(x)))."""
    return float(y * np.logaddexp(0.0, -x) + (1 - y) * np.logaddexp(0.0, x))


def xlogy(a: np.ndarray, b: np.ndarray) -> float:
    """Σ a ln b over a > 0 (0 ln 0 = 0)."""
    return float(sum(x * math.log(y) for x, y in zip(a, b) if x > 0))


def cross(a: np.ndarray, log_p: np.ndarray) -> float:
    """Σ a ln p from ln p itself (p may underflow to 0 where ln p does not)."""
    return float(sum(x * y for x, y in zip(a, log_p) if x > 0))


def check_asides(result, lesson: Lesson) -> set[str]:
    """Check every aside's numbers; return the kinds of claim found (so examples can insist on them)."""
    tr = result.trace
    text = " ".join(words(s) for s in lesson.sections)
    o = result.problem.options
    w = np.ones(result.problem.num_classes) if o.weight is None else o.weight
    seen: set[str] = set()
    pattern = r"Row (\d+): z_(\d+) − z_(\d+) = (\S+) = ln\(p_\d+ / p_\d+\), so class \d+ is e\^\(\S+\) = (\S+) times"
    for row, a, b, gap, ratio in re.findall(pattern, text):
        i, a, b = row_index(result, row), int(a), int(b)
        x = tr.logits[i, a] - tr.logits[i, b]
        assert gap == F(x) and ratio == F(math.exp(x))
        assert abs(x - (tr.log_probs[i, a] - tr.log_probs[i, b])) < 1e-9 * max(1.0, abs(x))  # = ln(p_a / p_b)
        seen.add("logit")
    if "With one class, softmax gives p = 1" in text:
        assert result.problem.num_classes == 1 and np.all(result.per_sample[~tr.ignored] == 0)
        seen.add("logit_one")
    for row, gap, p1 in re.findall(r"Row (\d+): sigmoid\((\S+)\) = (\S+)\.", text):
        i = row_index(result, row)
        x = tr.logits[i, 1] - tr.logits[i, 0]
        assert gap == F(x) and p1 == F(sigmoid(x)) == F(tr.probs[i, 1])
        seen.add("sigmoid")
    pattern = r"binary_cross_entropy_with_logits\((\S+), (\S+)\) = (\S+), row (\d+)'s loss"
    for gap, t1, loss, row in re.findall(pattern, text):
        i = row_index(result, row)
        x = tr.logits[i, 1] - tr.logits[i, 0]
        assert gap == F(x) and num(t1) == round(tr.target[i, 1], 4)
        assert loss == F(bce(x, tr.target[i, 1])) and abs(num(loss) - tr.loss[i]) <= 5e-5 * max(1.0, tr.loss[i])
        seen.add("bce")
    pattern = r"A one-hot t makes every term 0 except the true class's, leaving −ln p: row (\d+): −\(.*?\) = (\S+)\."
    for row, value in re.findall(pattern, text):
        i = row_index(result, row)
        assert np.all((tr.target[i] == 0) | (tr.target[i] == 1))
        assert value == F(-tr.log_probs[i, np.argmax(tr.target[i])])  # H(t, p) = −ln p of the one class
        seen.add("ce_onehot")
    for row, value in re.findall(r"more than one class's p counts: row (\d+): −\(.*?\) = (\S+)\.", text):
        i = row_index(result, row)
        assert np.count_nonzero(tr.target[i]) > 1
        assert value == F(tr.loss[i]) and shown(value, -cross(w * tr.target[i], tr.log_probs[i]))
        seen.add("ce")
    pattern = r"Row (\d+): ln p_\d+ = (\S+) − ln (\S+) = (\S+); NLLLoss \D*?(\S+)\.(?: |$)"
    for row, s, total, logp, loss in re.findall(pattern, text):
        i = row_index(result, row)
        y = tr.labels[i]
        shifted = tr.logits[i] - tr.logits[i].max()
        # the sum and ln p carry the digits their equations need to hold as printed (4 decimals at least)
        d, dl = len(total.partition(".")[2]), len(logp.partition(".")[2])
        assert s == F(shifted[y]) or (len(s.partition(".")[2]) == d >= 4 and num(s) == round(float(shifted[y]), d))
        assert total == f"{np.exp(shifted).sum():.{d}f}"
        assert dl >= 4 and num(logp) == round(float(tr.log_probs[i, y]), dl) and loss == F(tr.loss[i])
        seen.add("nll")
    for row, loss, h, kl in re.findall(r"row (\d+): (\S+) = (\S+) \+ (\S+), and its floor is", text):
        i = row_index(result, row)
        t = tr.target[i]
        assert o.weight is None or np.all(o.weight == 1)
        assert h == F(-xlogy(t, t)) and loss == F(tr.loss[i]) and num(h) <= num(loss) + 1e-4
        assert abs(num(h) + num(kl) - num(loss)) <= 2e-4 and num(kl) >= 0
        seen.add("kl")
    for row, loss, floor in re.findall(r"row (\d+)'s loss (\S+) can go no lower than (\S+) ", text):
        i = row_index(result, row)
        a = w * tr.target[i]
        assert loss == F(tr.loss[i]) and floor == F(-xlogy(a, a / a.sum())) and num(floor) <= num(loss) + 1e-4
        seen.add("floor")
    return seen | check_reference_points(result, text)


def uniform_loss(result) -> float | np.ndarray:
    """The same problem with every logit 0: each p = 1/C."""
    p = result.problem
    z = np.zeros((p.num_samples, p.num_classes))
    return explain(make_problem(z, np.asarray(p.target), p.options)).loss


def check_reference_points(result, text: str) -> set[str]:
    c = result.problem.num_classes
    loss = result.loss
    seen = set()
    m = re.search(r"A uniform guess, p = 1/(\d+) for every class, costs ln (\d+) = (\S+) per sample", text)
    if m:
        assert int(m[1]) == int(m[2]) == c and m[3] == F(math.log(c))
    m = re.search(r"This loss, (\S+), is (just above|just below|\S+ above|\S+ below) it", text)
    if m:
        assert result.problem.options.reduction == "mean"
        ref = float(uniform_loss(result))
        assert abs(ref - math.log(c)) < 1e-3 * math.log(c)  # what "a uniform guess costs ln C" claims
        assert m[1] == F(loss)
        if abs(loss - ref) > 1e-12 * ref:  # equal up to rounding: either word is fair
            assert (loss > ref) == m[2].endswith("above")
        assert ("just" in m[2]) == (abs(loss - ref) < 0.01 * ref)
        seen.add("uniform")
    m = re.search(r"per sample, (\S+) for these (\d+) samples; this sum is (\S+)\.", text)
    if m:
        assert m[1] == F(math.log(c) * int(m[2])) and m[3] == F(loss)
        assert abs(float(uniform_loss(result)) - num(m[1])) < 1e-3 * max(1.0, num(m[1]))
        seen.add("uniform_sum")
    if "a sample whose loss is above that does worse than guessing" in text:
        p = result.problem
        each = np.asarray(uniform_loss(result), dtype=float).reshape(-1)
        counted = each if p.soft else each[p.target != p.options.ignore_index]
        assert np.allclose(counted, math.log(c), rtol=1e-3)
        seen.add("uniform_none")
    m = re.search(r"perplexity e\^loss = (\S+), .*? in bits, loss / ln 2 = (\S+) ", text)
    if m:
        assert m[1] == F(math.exp(loss)) and m[2] == F(loss / math.log(2))
        seen.add("units")
    m = re.search(r"in bits: loss / ln 2 = (\S+) .*? e\^loss is beyond float64's range", text)
    if m:
        assert m[1] == F(loss / math.log(2)) and loss > math.log(np.finfo(float).max)
        seen.add("bits")
    p = result.problem
    m = re.search(r"dividing the sum (\S+) by the (\S+) samples it counts keeps", text)
    if m:  # no class weights on class indices: the denominator is the number of samples counted
        counted = p.num_samples if p.soft else int(np.sum(p.target != p.options.ignore_index))
        assert m[1] == F(result.numerator) and int(m[2]) == counted == result.denominator > 1
        assert abs(num(m[1]) / num(m[2]) - loss) < 1e-3 * max(1.0, loss)
        seen.add("why_mean")
    m = re.search(r"divides the sum (\S+) by the true classes' total weight (\S+), which", text)
    if m:
        w = p.options.weight
        live = p.target[p.target != p.options.ignore_index]
        assert not p.soft and m[1] == F(result.numerator) and num(m[2]) == round(float(np.sum(w[live])), 4)
        assert abs(num(m[1]) / num(m[2]) - loss) < 1e-3 * max(1.0, loss)
        seen.add("why_mean_weighted")
    m = re.search(r"With the one sample here, the mean is that sample's loss, (\S+)\.", text)
    if m:
        assert result.denominator == 1 and m[1] == F(loss)
        seen.add("why_mean_one")
    return seen


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_every_claim_matches_the_numbers(problem):
    result = explain(problem)
    lesson = build(result, 4, "en", grad=True, pictures=True, asides=True)
    check_gradient(result, lesson)
    check_target(result, lesson)
    check_curve(result, lesson)
    check_exp(result, lesson)
    check_asides(result, lesson)
    check_wording(result, lesson, build(result, 4, "zh", grad=True, pictures=True, asides=True))
    brief = build(result, 4, "en", grad=True, pictures=True, asides=False)
    assert not any(s.asides for s in brief.sections)
    zh = build(result, 4, "zh", grad=True, pictures=True, asides=True)  # the same sentences, chosen the same way
    assert [(len(s.why), len(s.asides), len(s.lines)) for s in zh.sections] == [
        (len(s.why), len(s.asides), len(s.lines)) for s in lesson.sections
    ]


def test_smoothing_pushes_the_true_class_down_and_says_so():
    """The issue's example: PyTorch's gradient is [+0.0534, −0.0267, −0.0267]."""
    r = explain(make_problem(np.array([[5.0, 0.0, 0.0]]), np.array([0]), Options(label_smoothing=0.1)))
    text = words(section(build(r, grad=True), "grad"))
    assert "pushes the true class's score up" not in text
    assert "Row 1: a step raises classes 1, 2 and lowers class 0." in text
    assert "its gradient 0.0534 is positive" in text
    assert math.isclose(r.trace.grad[0, 0], 0.0534, abs_tol=5e-5)


def test_article_exp_stage_shows_the_articles_numbers():
    from xent_tutor.service import problem_from_exercise

    lesson = build(explain(problem_from_exercise("article-exercise")))
    s = section(lesson, "exp")
    first = [c.text.rstrip("*") for c in s.rows[0]]
    assert first[1:] == ["e^z", "0.9547", "0.9736", "1.9282"]
    assert [c.text.rstrip("*") for c in s.rows[1]][1:] == ["e^(z−max)", "0.9806", "1.0000", "1.9806"]
    assert "0.9547 / 1.9282 = 0.9806 / 1.9806 = 0.4951" in words(section(lesson, "softmax"))


EXAMPLES = [
    # (logits, target, options, the kinds of claim the lesson must make and the test must have checked)
    ([[-0.0464, -0.0268], [-0.0234, -0.0091]], [0, 1], {},
     {"logit", "sigmoid", "bce", "ce_onehot", "nll", "uniform", "units", "why_mean"}),
    ([[5.0, 0.0, 0.0]], [0], {"label_smoothing": 0.1}, {"logit", "ce", "kl", "uniform", "units", "why_mean_one"}),
    ([[1.0, 2.0], [0.5, 0.1], [0.2, 0.3]], [0, 1, 1], {"weight": [2.0, 0.5]}, {"why_mean_weighted"}),
    ([[1.0, 2.0, 0.5], [0.3, 0.2, 0.1]], [[0.2, 0.5, 0.3], [1.0, 0.0, 0.0]], {"weight": [0.5, 2.0, 1.5]},
     {"ce", "floor", "units", "why_mean"}),
    ([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]], [0, 2], {"reduction": "sum"}, {"uniform_sum", "nll"}),
    ([[2.0, 0.5], [0.1, 0.2]], [0, 1], {"reduction": "none", "label_smoothing": 0.2}, {"uniform_none", "bce"}),
    ([[3.0], [-2.0]], [0, 0], {}, {"logit_one"}),
    ([[0.0, 1000.0]], [0], {}, {"bits"}),
]  # fmt: skip


@pytest.mark.parametrize("logits, target, options, kinds", EXAMPLES)
def test_each_kind_of_claim_is_made_and_checked(logits, target, options, kinds):
    weight = options.get("weight")
    o = Options(options.get("reduction", "mean"), None if weight is None else np.asarray(weight),
                label_smoothing=options.get("label_smoothing", 0.0))  # fmt: skip
    result = explain(make_problem(np.asarray(logits), np.asarray(target), o))
    assert kinds <= check_asides(result, build(result, 4, "en", asides=True))


def test_unbatched_none_shows_a_scalar_and_a_listed_label_says_give_one_number():
    r = explain(make_problem(np.array([0.3, -1.2, 2.0]), np.array(2), Options("none")))
    assert section(build(r), "reduce").lines == [F(r.loss)]  # PyTorch's loss here is a 0-d tensor
    from xent_tutor.errors import XentError
    from xent_tutor.lesson.text import message

    with pytest.raises(XentError) as e:
        make_problem(np.array([0.3, -1.2, 2.0]), np.array([2]), Options())
    assert "give one number" in message(e.value) and "(1,)" in message(e.value) and "(3,)" in message(e.value)


def test_one_ignored_sample_is_singular():
    from xent_tutor.lesson.text import note

    r = explain(make_problem(np.array([[1.0, 2.0], [0.5, 0.1]]), np.array([0, 1]), Options(ignore_index=1)))
    text = " ".join(note(n.key, n.params) for n in r.notes)
    assert "1 sample has the ignore index 1" in text and "sample(s)" not in text
    r = explain(make_problem(np.array([[1.0, 2.0]]), np.array([1]), Options(ignore_index=1)))
    assert "The only target is ignored" in " ".join(note(n.key, n.params) for n in r.notes)
