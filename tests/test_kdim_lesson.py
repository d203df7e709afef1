"""Issue 20 item 4: a K-dimensional lesson states its shape and speaks of positions, never rows, samples or batch."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

from xent_tutor.engine.core import Options, explain, make_problem
from xent_tutor.lesson.layout import build
from xent_tutor.lesson.render import render_markdown

EN_WORDS = re.compile(r"\b(rows?|samples?|batch(es)?|per-sample)\b", re.I)
ZH_WORDS = re.compile(r"第 \S+ 行|每一?行|样本|批次")
# Stage 1's statement names the samples and the tables' rows on purpose: it is where positions are introduced.
STATEMENT = re.compile(r"^(The logits have shape|logits 的形状是)")


def _problem(kind: str, reduction: str, weighted: bool, smoothing: float, ignore: bool):
    rng = np.random.default_rng(7)
    z = rng.normal(size=(2, 3, 2, 2))  # N = 2, C = 3, 2 × 2 positions
    if kind == "soft":
        t = rng.dirichlet(np.ones(3), size=(2, 2, 2)).transpose(0, 3, 1, 2)
    else:
        t = rng.integers(0, 3, size=(2, 2, 2))
        if ignore:
            t[0, 0, 0] = -100
    w = np.array([1.0, 2.0, 0.5]) if weighted else None
    return explain(make_problem(z, t, Options(reduction, w, -100, smoothing)))


CASES = list(itertools.product(["hard", "soft"], ["mean", "sum", "none"], [False, True], [0.0, 0.1], [False, True]))


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(("kind", "reduction", "weighted", "smoothing", "ignore"), CASES)
def test_every_sentence_speaks_of_positions(kind, reduction, weighted, smoothing, ignore, lang):
    if kind == "soft" and ignore:
        pytest.skip("soft labels have no ignore index")
    result = _problem(kind, reduction, weighted, smoothing, ignore)
    lesson = build(result, 4, lang, 12, grad=reduction != "none", pictures=True, asides=True)
    words = EN_WORDS if lang == "en" else ZH_WORDS
    text = render_markdown(lesson)
    bad = [line for line in text.splitlines() if words.search(line) and not STATEMENT.match(line)]
    assert bad == []


def test_stage_one_states_shape_class_dimension_and_positions():
    result = _problem("hard", "mean", False, 0.0, False)
    why = build(result, 4, "en", 12).sections[0].why[0]
    assert why.startswith("The logits have shape (2, 3, 2, 2): the classes are dimension 1 (C = 3).")
    assert "Each of the N = 2 samples has 4 positions (d1 × d2 = 2 × 2), 8 positions in all" in why
    assert "named by its index (n, d1, d2)" in why
    mean = build(result, 4, "en", 12).sections[-1].why[0]
    assert "averaged over all 8 positions" in mean


def test_class_last_input_states_where_the_classes_are():
    z = np.zeros((1, 5, 4))  # (N, T, V): a language model's logits, classes last
    result = explain(make_problem(z, np.zeros((1, 5), int), Options(), class_dim=-1))
    why = build(result, 4, "zh", 12).sections[0].why[0]
    assert why.startswith("logits 的形状是 (1, 5, 4)：类别在第 2 维（C = 4）。这一个样本有 5 个位置")


def test_two_dimensional_input_keeps_rows_and_samples():
    result = explain(make_problem(np.array([[1.0, 2.0], [0.5, 0.1]]), np.array([0, 1])))
    text = render_markdown(build(result, 4, "en", 12, asides=True))
    assert "one row per sample" in text and "position" not in text
