"""Issue 20 item 3: the loss doctor's notes and errors, each checked against what PyTorch does with the same input."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from conftest import DATA
from typer.testing import CliRunner

import xent_tutor
from xent_tutor.cli import app

REF = json.loads((DATA / "torch_doctor.json").read_text())
runner = CliRunner()


def _keys(e) -> list[str]:
    return [n.key for n in e.result.notes]


def test_softmax_outputs_as_logits_show_both_losses():
    case = REF["probs"]
    e = xent_tutor.explain(case["logits"], case["labels"])
    assert e.loss == pytest.approx(case["ce"], rel=1e-12)  # what PyTorch returns: softmax applied twice
    assert "doctor_probs" in _keys(e)
    (text,) = [n for n in e.notes if "softmax outputs" in n]
    assert f"{case['ce']:.4f}" in text and f"{case['nll_log']:.4f}" in text  # NLLLoss on ln p, from PyTorch
    zh = xent_tutor.explain(case["logits"], case["labels"], lang="zh").notes
    assert any("两次 softmax" in n and f"{case['nll_log']:.4f}" in n for n in zh)


def test_log_probabilities_as_logits_are_harmless():
    case = REF["log_probs"]
    e = xent_tutor.explain(case["logits"], case["labels"])
    assert case["ce_log_probs"] == pytest.approx(case["ce_raw"], rel=1e-12)  # PyTorch: idempotent
    assert e.loss == pytest.approx(case["ce_raw"], rel=1e-12)
    assert "doctor_log_probs" in _keys(e) and "doctor_probs" not in _keys(e)
    assert any("idempotent" in n for n in e.notes)


def test_a_uniform_guess_is_named_with_ln_c():
    case = REF["guess"]
    e = xent_tutor.explain(case["logits"], case["labels"])
    assert e.loss == pytest.approx(case["ce"], rel=1e-12)
    (text,) = [n for n in e.notes if "uniform guess" in n]
    assert f"ln 4 = {case['ln_c']:.4f}" in text


def test_a_loss_far_from_ln_c_is_not_called_a_guess():
    e = xent_tutor.explain([[4.0, 0.0, -2.0], [0.0, 5.0, 1.0]], [0, 1])
    assert "doctor_guess" not in _keys(e)
    near = math.log(3) * 1.02  # 2% above ln 3: a rounding of the threshold must not call it a guess
    z = np.array([[0.0, 0.0, 0.0]])
    e = xent_tutor.explain(z, [0])
    assert "doctor_guess" in _keys(e) and abs(e.loss - math.log(3)) < 1e-12 and near > e.loss


def test_mostly_ignored_and_one_class():
    case = REF["mostly_ignored"]
    e = xent_tutor.explain(case["logits"], case["labels"])
    assert e.loss == pytest.approx(case["ce"], rel=1e-12)
    assert "doctor_mostly_ignored" in _keys(e)
    assert any(n.startswith("3 of the 4 samples have the ignore index -100") for n in e.notes)
    case = REF["one_class"]
    e = xent_tutor.explain(case["logits"], case["labels"])
    assert e.loss == pytest.approx(case["ce"], rel=1e-12)
    assert "doctor_one_class" not in _keys(e)  # 3 rows: a learner's example, not a suspicious batch
    z = np.tile(np.array(case["logits"]), (3, 1))  # 9 rows, every label 2: PyTorch's loss is the same mean
    e = xent_tutor.explain(z, [2] * 9)
    assert e.loss == pytest.approx(case["ce"], rel=1e-12)
    assert any("Every one of the 9 counted labels is class 2" in n for n in e.notes)
    assert "doctor_one_class" not in _keys(xent_tutor.explain([[1.0, 2.0], [0.0, 1.0]], [0, 1]))


def test_float_labels_that_pytorch_refuses():
    case = REF["float_labels"]
    assert "Long" in case["refused"]  # PyTorch refuses float class indices
    e = xent_tutor.explain(case["logits"], np.array(case["labels"]))
    assert e.loss == pytest.approx(case["ce_long"], rel=1e-12)
    assert any("labels.long()" in n and "1.0 in row 1" in n for n in e.notes)
    assert "doctor_float_labels" not in _keys(xent_tutor.explain(case["logits"], [1, 0]))


def test_class_last_logits_get_the_fix_named():
    case = REF["class_last"]
    assert case["refused_as_given"]  # PyTorch refuses (N, T, V) with (N, T) as given
    r = runner.invoke(app, ["explain", "--logits", json.dumps(case["logits"]), "--labels", json.dumps(case["labels"])])
    assert r.exit_code == 2 and r.stderr.count("\n") == 1
    assert "add --class-dim -1" in r.stderr
    e = xent_tutor.explain(case["logits"], case["labels"], class_dim=-1)
    assert e.loss == pytest.approx(case["ce_movedim"], rel=1e-12)


def test_one_hot_rows_of_the_wrong_width_get_the_fix_named():
    r = runner.invoke(app, ["explain", "--logits", "[[1,2,3],[1,0,0]]", "--labels", "[[1,0],[0,1]]"])
    assert r.exit_code == 2
    assert "one-hot rows" in r.stderr and "[0, 1], shape (2,)" in r.stderr


def test_notes_reach_every_format():
    case = REF["probs"]
    args = ["explain", "--logits", json.dumps(case["logits"]), "--labels", json.dumps(case["labels"])]
    for fmt in ("value", "json"):
        r = runner.invoke(app, [*args, "-f", fmt])
        assert "softmax outputs" in r.stderr
    assert "doctor_probs" in json.loads(runner.invoke(app, [*args, "-f", "json"]).stdout)["notes"]  # keys, for scripts
    assert "softmax outputs" in " ".join(runner.invoke(app, [*args, "-f", "markdown"]).stdout.split())
    assert "softmax outputs" in " ".join(runner.invoke(app, args).stdout.split())


def test_ordinary_logits_get_no_doctor_note():
    e = xent_tutor.explain([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]], [0, 2])
    assert not [k for k in _keys(e) if k.startswith("doctor_")]
