"""Every claim the lesson makes is checked against the numbers it shows, over every option combination."""

from __future__ import annotations

import math
import re

import numpy as np
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
    legend = [line for line in s.lines if re.match(r"\d = row", line)]
    plot = [line for line in s.lines if "┤" in line or "│" in line]
    for line in plot:
        assert not re.search(r"\d\d", line.split("┤")[-1].split("│")[-1]), line  # no marker pair reads as a number
    assert sum("┤" in line for line in plot) >= 3  # a few ticks on the y axis
    assert legend
    for line in legend:
        m = re.match(r"(\d) = row (\d+): p = (\S+), −ln p = ([^;]+)(?:; this sample's loss is (\S+) \(off)?", line)
        assert m, line
        i = row_index(result, m[2])
        assert m[3] == F(tr.p_true[i]) and m[4] == F(tr.neg_log_p[i])
        assert m[4] == F(tr.loss[i]) or m[5] == F(tr.loss[i]), line  # the point's height is the loss, or it says
        assert any(m[1] in row for row in plot)


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


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_every_claim_matches_the_numbers(problem):
    result = explain(problem)
    lesson = build(result, 4, "en", grad=True, pictures=True)
    check_gradient(result, lesson)
    check_target(result, lesson)
    check_curve(result, lesson)
    check_exp(result, lesson)


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
