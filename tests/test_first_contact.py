"""Issue 20 item 5: --labels (and the options) without --logits apply to the article's logits, or --exercise's."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xent_tutor.cli import app

ROOT = Path(__file__).parent.parent

runner = CliRunner()
ARTICLE_Z = [[-0.0464, -0.0268], [-0.0234, -0.0091]]


def _soft_loss(z, t):
    """Hand-derived: the mean over rows of -sum_c t_c ln softmax(z)_c."""
    total = 0.0
    for row, tr in zip(z, t):
        lse = math.log(sum(math.exp(v) for v in row))
        total += -sum(tc * (v - lse) for tc, v in zip(tr, row))
    return total / len(z)


def test_soft_labels_on_the_articles_logits():
    t = [[0.9, 0.1], [0.2, 0.8]]
    r = runner.invoke(app, ["explain", "--labels", json.dumps(t), "-f", "value"])
    assert r.exit_code == 0, r.output
    assert float(r.stdout) == pytest.approx(_soft_loss(ARTICLE_Z, t), rel=1e-12)
    assert "--labels applied to the logits of article-exercise, shape (2, 2)" in r.stderr


def test_other_class_indices_on_the_articles_logits_say_so_in_the_lesson():
    r = runner.invoke(app, ["explain", "--labels", "[1, 0]", "-f", "value"])
    assert float(r.stdout) == pytest.approx(_soft_loss(ARTICLE_Z, [[0, 1], [1, 0]]), rel=1e-12)
    r = runner.invoke(app, ["explain", "--labels", "[1, 0]"])
    assert r.exit_code == 0, r.output
    assert "--labels applied to the logits of article-exercise" in " ".join(r.stdout.split())


def test_labels_apply_to_an_exercises_logits():
    r = runner.invoke(app, ["explain", "--exercise", "batch-mean", "--labels", "[2, 2, 2]", "-f", "json"])
    assert r.exit_code == 0, r.output
    stages = json.loads(r.stdout)["stages"]
    stored = json.loads((ROOT / "exercises" / "batch-mean.json").read_text(encoding="utf-8"))
    assert stages["labels"] == [2, 2, 2]
    assert stages["logits"] == stored["logits"]
    assert "logits of batch-mean" in r.stderr


def test_a_label_that_does_not_fit_says_whose_logits_it_was_checked_against():
    r = runner.invoke(app, ["explain", "--labels", "[0, 1, 1]"])
    assert r.exit_code == 2
    assert r.stderr.count("\n") == 1
    assert "3 labels for 2 rows" in r.stderr and "the logits are article-exercise's" in r.stderr


def test_logits_still_need_labels_and_exercise_still_refuses_logits():
    r = runner.invoke(app, ["explain", "--logits", "[[1, 2]]"])
    assert r.exit_code == 2 and "--logits needs --labels" in r.stderr
    r = runner.invoke(app, ["explain", "--exercise", "batch-mean", "--logits", "[[1, 2]]", "--labels", "[0]"])
    assert r.exit_code == 2 and "--exercise" in r.stderr


def test_quiet_and_chinese():
    r = runner.invoke(app, ["explain", "--labels", "[1, 0]", "-f", "value", "-q"])
    assert r.exit_code == 0 and r.stderr == ""
    r = runner.invoke(app, ["explain", "--labels", "[1, 0]", "-f", "value", "--lang", "zh"])
    assert "--labels 用于练习 article-exercise 的 logits" in r.stderr
