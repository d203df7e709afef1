"""The asides: the article's numbers, the two-class link against PyTorch, --brief, both languages."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from conftest import DATA
from typer.testing import CliRunner

from xent_tutor.cli import app
from xent_tutor.engine.core import Options, explain, make_problem
from xent_tutor.lesson.asides import bce
from xent_tutor.lesson.layout import build, fmt

runner = CliRunner()
BCE_CASES = json.loads((DATA / "torch_bce_reference.json").read_text())["cases"]


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_article_exercise_shows_its_exponentials_and_relates_the_loss_to_ln_2():
    out = runner.invoke(app, ["explain"]).stdout
    exp = out.split("3. Exponentials")[1].split("4. Softmax")[0]
    assert re.search(r"1\s+e\^z\s+0\.9547\*\s+0\.9736\s+1\.9282", exp)
    reduction = flat(out.split("8. Reduction")[1])
    assert "costs ln 2 = 0.6931 per sample. This loss, 0.6945, is just above it (by 0.0014)" in reduction
    assert "perplexity e^loss = 2.0027" in reduction and "loss / ln 2 = 1.0020" in reduction


def test_the_articles_binary_case_is_a_sigmoid_of_the_gap():
    out = flat(runner.invoke(app, ["explain", "--exercise", "article-binary"]).stdout)
    assert "Row 1: sigmoid(0.1616) = 0.5403." in out
    assert "binary_cross_entropy_with_logits(0.1616, 1) = 0.6156, row 1's loss" in out


@pytest.mark.parametrize("case", BCE_CASES, ids=lambda c: c["name"])
def test_two_class_link_agrees_with_pytorchs_bce_with_logits(case):
    """Each sample's loss, and the lesson's sigmoid and BCE figures, against PyTorch's own BCE."""
    z = np.asarray(case["logits"], dtype=float)
    o = Options(label_smoothing=case["label_smoothing"])
    result = explain(make_problem(z, np.asarray(case["labels"]), o))
    np.testing.assert_allclose(result.per_sample, case["bce"], rtol=1e-12, atol=1e-15)
    for x, y, want in zip(case["gap"], case["target1"], case["bce"]):
        assert bce(x, y) == pytest.approx(want, rel=1e-12, abs=1e-15)
    text = flat(" ".join(" ".join(s.asides) for s in build(result, asides=True).sections))
    f = lambda x: fmt(x, 4)  # noqa: E731
    assert f"Row 1: sigmoid({f(case['gap'][0])}) = {f(case['sigmoid'][0])}." in text
    assert f"= {f(case['bce'][0])}, row 1's loss" in text


def test_brief_leaves_the_asides_out():
    full = runner.invoke(app, ["explain"]).stdout
    brief = runner.invoke(app, ["explain", "--brief"]).stdout
    assert "▸" in full and "▸" not in brief
    assert "(0.7030 + 0.6860) / 2 = 0.6945" in brief and "0.9547*" in brief  # the stages stay
    assert len(brief.splitlines()) < len(full.splitlines())


def test_chinese_asides_use_the_same_numbers():
    out = flat(runner.invoke(app, ["explain", "--lang", "zh"]).stdout)
    assert "ln 2 = 0.6931" in out and "0.6945" in out and "sigmoid(0.0196) = 0.5049" in out
    assert "▸" in out and "独热" in out


def test_markdown_carries_the_asides():
    out = runner.invoke(app, ["explain", "-f", "markdown"]).stdout
    assert "▸ A uniform guess, p = 1/2 for every class, costs ln 2 = 0.6931 per sample." in out
