"""Issue 21's wrong answers: the weighted mean's denominator, and soft labels with a -inf logit."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from conftest import DATA, assert_matches_torch, decode
from typer.testing import CliRunner

from xent_tutor.cli import app
from xent_tutor.engine.core import Options, explain, gradient, make_problem
from xent_tutor.lesson.text import note

GAPS = json.loads((DATA / "torch_engine_gaps.json").read_text())  # tests/data/make_torch_engine_gaps.py
runner = CliRunner()


def sparse_problem(case: dict, reduction: str):
    z = np.zeros((case["rows"], case["classes"]))
    y = np.full(case["rows"], -100, np.int64)
    z[case["counted"]] = case["logits"]
    y[case["counted"]] = case["labels"]
    w = np.asarray(case["weight"], np.float64)
    return make_problem(z, y, Options(reduction, w, -100, case["label_smoothing"]))


@pytest.mark.parametrize("case", GAPS["sparse"], ids=lambda c: c["name"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_a_tiny_weighted_denominator_among_many_ignored_rows(case, reduction):
    r = explain(sparse_problem(case, reduction))
    want = case["results"][reduction]
    assert_matches_torch(r.loss, decode(want["loss"]))
    g = gradient(r)
    assert_matches_torch(g[case["counted"]], np.asarray(decode(want["grad_counted"])))
    assert np.abs(np.delete(g, case["counted"], axis=0)).max() == want["grad_ignored_max"] == 0.0


def test_the_weighted_mean_with_a_tiny_denominator_against_fsum():
    """Counted rows of weight 1e-7..1e-5 among 200,000 ignored rows; truth by math.fsum, term by term."""
    rng = np.random.default_rng(2101)
    rows, c = 200_000, 4
    w = np.array([5.0, 1e-7, 3e-6, 1e-5])
    z = rng.normal(size=(rows, c)) * 4
    y = np.full(rows, -100, np.int64)
    counted = np.sort(rng.choice(rows, 37, replace=False))
    y[counted] = rng.integers(1, c, counted.size)
    r = explain(make_problem(z, y, Options("mean", w, -100, 0.0)))
    num, den = [], []
    for i in counted:
        row = [float(v) for v in z[i]]
        top = max(row)
        nll = top + math.log(math.fsum(math.exp(v - top) for v in row)) - row[y[i]]
        num.append(float(w[y[i]]) * nll)
        den.append(float(w[y[i]]))
    assert r.denominator == pytest.approx(math.fsum(den), rel=1e-15)
    assert r.loss == pytest.approx(math.fsum(num) / math.fsum(den), rel=1e-13)


def dense_problem(case: dict, reduction: str):
    dtype = np.float32 if case["dtype"] == "float32" else np.float64
    z = np.asarray(decode(case["logits"]), dtype=np.float64).astype(dtype)
    t = np.asarray(decode(case["labels"]))
    w = None if case["weight"] is None else np.asarray(case["weight"], np.float64)
    return make_problem(z, t, Options(reduction, w, -100, case["label_smoothing"]))


def assert_close(got, want, dtype: str) -> None:
    got = np.asarray(got, np.float64)
    want = np.asarray(want, np.float64)
    assert got.shape == want.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))  # NaN exactly where PyTorch has it
    np.testing.assert_array_equal(np.isposinf(got), np.isposinf(want))  # and +inf
    if dtype == "float64":
        assert_matches_torch(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-7, equal_nan=True)


@pytest.mark.parametrize("case", GAPS["dense"], ids=lambda c: c["name"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_zero_denominators_and_soft_neginf_agree_with_pytorch(case, reduction):
    r = explain(dense_problem(case, reduction))
    want = case["results"][reduction]
    assert_close(r.loss, decode(want["loss"]), case["dtype"])
    if want["grad"] is not None:
        assert_close(gradient(r), decode(want["grad"]), case["dtype"])


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", ["zero-weight-eight-rows", "zero-weight-eight-rows-smoothing"])
def test_every_counted_weight_zero_is_said(name, lang):
    case = next(c for c in GAPS["dense"] if c["name"] == name)
    r = explain(dense_problem(case, "mean"))
    key = "zero_weight_mean_smoothing" if case["label_smoothing"] else "zero_weight_mean"
    assert r.denominator == 0.0 and math.isnan(r.loss)
    assert key in [n.key for n in r.notes]
    assert "NaN" in " ".join(note(n.key, n.params, lang) for n in r.notes)


def test_the_issues_command_prints_nan_with_the_note():
    common = ["explain", "--logits", json.dumps([[0, 0]] * 8), "--labels", json.dumps([1] + [-100] * 7),
              "--weight", "[0.1, 0]", "-f", "value"]  # fmt: skip
    for extra, words in [(["--label-smoothing", "0.1"], "The smoothing term is not 0"), ([], "0 / 0 = NaN")]:
        r = runner.invoke(app, common + extra)
        assert r.exit_code == 0, r.output
        assert r.stdout == "nan\n"
        assert "Every counted target (1) has class weight 0" in r.stderr and words in r.stderr


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("case", [c for c in GAPS["dense"] if c["name"].startswith("soft-")], ids=lambda c: c["name"])
def test_a_soft_neginf_note_follows_the_value(case, lang):
    r = explain(dense_problem(case, "none"))
    losses = np.atleast_1d(r.loss)
    said = {n.key: n for n in r.notes if n.key.startswith("neginf_soft")}
    assert said, "a non-finite loss must be explained"
    for key, n in said.items():
        text = note(n.key, n.params, lang)
        first = n.params["at"] - 1
        if np.isnan(losses[first]):
            assert key in ("neginf_soft", "neginf_soft_weight")
            assert "NaN" in text and "+inf，" not in text and "loss is +inf" not in text
        else:
            assert np.isposinf(losses[first]) and key in ("neginf_soft_inf", "neginf_soft_smoothing")
            assert "NaN" not in text and "+inf" in text
    counts = sum(n.params["count"] for n in said.values())
    assert counts == np.count_nonzero(~np.isfinite(losses))


def test_soft_smoothing_neginf_through_the_cli():
    r = runner.invoke(app, ["explain", "--logits", "[[0, -inf, 1]]", "--labels", "[[0.5, 0, 0.5]]",
                            "--label-smoothing", "0.1", "-f", "value"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert r.stdout == "inf\n"
    assert "NaN" not in r.stderr and "label smoothing gives every class a positive target" in r.stderr


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("c", [10, 70])  # classes down a transposed chunk, and along rows
def test_a_big_probability_batch_is_checked_in_the_pass(threads, c):
    """From 2^20 targets the checks run chunk by chunk in the loss pass: the same first culprit, named."""
    from xent_tutor.engine import core
    from xent_tutor.errors import XentError

    n = (1 << 21) // c
    rng = np.random.default_rng(c)
    z = rng.normal(size=(n, c)).astype(np.float32)
    t = np.full((n, c), 1.0 / c, np.float32)
    ok = explain(make_problem(z, t, Options("mean", None, -100, 0.0)), 0, threads=threads)
    assert ok.loss == pytest.approx(
        np.mean(np.log(np.exp(z.astype(np.float64)).sum(axis=1)) - z.mean(axis=1)), rel=1e-6
    )
    for kind, row, fix in [("soft_negative", n - 3, (-0.5, 2)), ("soft_sum", n // 2 + 1, (0.9, 0))]:
        bad = t.copy()
        bad[row, fix[1]] = fix[0]
        bad[row + 1, 0] = np.nan if kind == "soft_negative" else 0.5  # a later culprit is not the one named
        p = make_problem(z, bad, Options())
        assert p.unchecked and bad.size >= core.SOFT_CHECK_IN_PASS
        with pytest.raises(XentError) as e:
            explain(p, 0, threads=threads)
        assert e.value.key == kind and e.value.params["at"] == row + 1
        if kind == "soft_negative":
            assert e.value.params["cls"] == fix[1] and e.value.params["value"] == "-0.5"
        else:
            assert float(e.value.params["value"]) == pytest.approx(1 - 1 / c + 0.9, abs=1e-4)
