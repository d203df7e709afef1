"""Issue 13: a row's loss is independent of its batch and accurate; PyTorch's edge-case answers."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import DATA, assert_matches_torch, decode
from typer.testing import CliRunner

from xent_tutor.cli import app
from xent_tutor.engine import batch
from xent_tutor.engine.batch import batch_loss
from xent_tutor.engine.core import Options, explain, gradient, make_problem, summarize
from xent_tutor.lesson.text import note

EDGES = json.loads((DATA / "torch_edge_cases.json").read_text())
runner = CliRunner()


def edge_cases() -> list[dict]:
    """Cases computed by PyTorch (see tests/data/make_torch_edge_cases.py)."""
    keys = ("logits", "labels", "loss", "grad")
    return [{k: decode(v) if k in keys else v for k, v in c.items()} for c in EDGES["cases"]]


def problem_of(case: dict):
    z = np.asarray(case["logits"], dtype=np.float64).reshape(case["shape"])
    y = np.asarray(case["labels"], dtype=np.int64).reshape(case["label_shape"])
    w = None if case["weight"] is None else np.asarray(case["weight"], dtype=np.float64)
    return make_problem(z, y, Options(case["reduction"], w, case["ignore_index"], case["label_smoothing"]))


@pytest.mark.parametrize("case", edge_cases(), ids=lambda c: c["name"])
def test_edge_cases_agree_with_pytorch(case):
    r = explain(problem_of(case))
    want = np.asarray(case["loss"], dtype=np.float64).reshape(case["loss_shape"])
    assert_matches_torch(r.loss, want)
    if case["grad"] is not None:
        want_grad = np.asarray(case["grad"], dtype=np.float64).reshape(case["shape"])
        got = gradient(r)
        assert got.shape == want_grad.shape
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want_grad))  # nan exactly where PyTorch has it
        assert_matches_torch(got, want_grad)


def sentences(r, lang="en") -> list[str]:
    return [note(n.key, n.params, lang) for n in r.notes]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_notes_say_what_the_value_is(lang):
    cases = {c["name"]: c for c in edge_cases()}
    zero = explain(problem_of(cases["zero-weight-smoothing"]))
    assert np.isnan(zero.loss) and np.isnan(gradient(zero)).all()
    text = " ".join(sentences(zero, lang))
    assert "NaN" in text and "+inf" in text  # it says NaN, *not* +inf
    assert "zero_weight_mean_smoothing" in [n.key for n in zero.notes]
    ignored = explain(problem_of(cases["ignored-posinf-grad"]))
    assert [n.key for n in ignored.notes][:1] == ["ignored_nonfinite"]
    assert "0 · NaN = NaN" in sentences(ignored, lang)[0]
    for name, key in [("neginf-target-zero-weight", "neginf_target_nan"),
                      ("neginf-zero-weight-smoothing", "neginf_smoothing_nan")]:  # fmt: skip
        r = explain(problem_of(cases[name]))
        assert np.isnan(r.per_sample).all() and [n.key for n in r.notes] == [key]
        assert "0 · inf" in sentences(r, lang)[0] and "NaN" in sentences(r, lang)[0]
    for reduction, word in [("mean", "NaN"), ("sum", " 0"), ("none", "[]" if lang == "en" else "空数组")]:
        r = explain(problem_of(cases[f"empty-{reduction}"]))
        assert [n.key for n in r.notes] == [f"empty_{reduction}"]
        said = sentences(r, lang)[0]
        assert ("empty array" in said) if (reduction, lang) == ("none", "en") else word in said
    if lang == "zh":
        for r in (zero, ignored):
            for n in r.notes[:1]:
                said = note(n.key, n.params, lang)
                assert "(" not in said and ":" not in said and "，" in said  # full-width punctuation


def test_a_plus_inf_note_only_for_plus_inf_losses():
    z = np.array([[0.0, -np.inf, 1.0], [1.0, 0.0, -np.inf], [-np.inf, 1.0, 2.0]])
    y = np.array([0, 0, 0])
    r = explain(make_problem(z, y, Options("none", np.array([1.0, 0.0, 1.0]), -100, 0.1)))
    said = {n.key: note(n.key, n.params) for n in r.notes}
    assert set(said) == {"neginf_smoothing", "neginf_smoothing_nan", "neginf_target"}
    for key, text in said.items():
        i = int(text.split(" ")[1].rstrip(":")) - 1
        if key.endswith("_nan"):
            assert np.isnan(r.per_sample[i]) and "NaN" in text and "loss is +inf" not in text
        else:
            assert np.isposinf(r.per_sample[i]) and "+inf" in text


def test_empty_batches_through_the_cli(tmp_path):
    np.save(tmp_path / "z.npy", np.zeros((0, 5), np.float32))
    for reduction, out in [("mean", "nan\n"), ("sum", "0.0\n"), ("none", "")]:
        r = runner.invoke(app, ["explain", "--logits", str(tmp_path / "z.npy"), "--labels", "[]",
                                "--reduction", reduction, "-f", "value"])  # fmt: skip
        assert r.exit_code == 0, r.output
        assert r.stdout == out and "no samples" in r.stderr
    table = runner.invoke(app, ["explain", "--logits", str(tmp_path / "z.npy"), "--labels", "[]", "--grad"])
    assert table.exit_code == 0 and "0 / 0 = nan" in table.stdout
    bad = runner.invoke(app, ["explain", "--logits", "[[], []]", "--labels", "[0, 1]"])
    assert bad.exit_code == 2 and "C = 0" in bad.stderr


# A row's loss must not depend on its neighbours: same bits alone as in any batch.
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("c", [1, 2, 5, 16, 17, 20, 55, 56, 100, 8193])
@pytest.mark.parametrize("opts", ["plain", "weight", "smooth", "weight+smooth+ignore", "soft"])
def test_a_rows_loss_is_the_same_bits_alone_and_in_any_batch(monkeypatch, dtype, c, opts):
    rng = np.random.default_rng(c)
    n = max(4, 40000 // c)
    z = (rng.normal(size=(n, c)) * rng.choice([1.0, 10.0, 40.0], size=(n, 1))).astype(dtype)
    z[1, 0] = z[1].max() if c > 1 else z[1, 0]  # a tie for the largest logit
    if opts == "soft":
        y = rng.random((n, c))
        y /= y.sum(axis=1, keepdims=True)
    else:
        y = rng.integers(0, c, n)
        y[::7] = -100 if "ignore" in opts else y[::7]
    w = rng.random(c) + 0.1 if "weight" in opts or opts == "soft" else None
    o = Options("none", w, -100, 0.2 if "smooth" in opts or opts == "soft" else 0.0)
    alone = np.concatenate([batch_loss(z[i : i + 1], y[i : i + 1], o).losses for i in range(0, n, max(1, n // 9))])
    monkeypatch.setattr(batch, "PARALLEL_ELEMENTS", 1)
    monkeypatch.setattr(batch, "CHUNK_ELEMENTS", 7 * c)  # odd chunk edges, two threads
    together = batch_loss(z, y, o, threads=2).losses[:: max(1, n // 9)]
    assert alone.tobytes() == together.tobytes()


def long_double_truth(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """-ln p_y in long double (64-bit mantissa on x86), straight from the definition."""
    zl = z.astype(np.longdouble)
    m = zl.max(axis=1, keepdims=True)
    e = np.exp(zl - m)
    top = zl.argmax(axis=1)
    e[np.arange(len(z)), top] = 0  # log(1 + rest): the long double sum keeps rest's digits too
    return np.log1p(e.sum(axis=1)) - (zl[np.arange(len(z)), y] - m[:, 0])


@pytest.mark.skipif(np.finfo(np.longdouble).eps >= np.finfo(np.float64).eps, reason="no extended long double")
def test_confident_rows_are_accurate_and_closer_to_the_truth_than_pytorch():
    c = EDGES["confident"]
    z = np.asarray(c["logits"])
    y = np.asarray(c["labels"])
    truth = long_double_truth(z, y)
    ours = explain(make_problem(z, y, Options("none"))).per_sample
    theirs = np.asarray(c["torch_none"])
    ulps = (np.abs(ours - truth) / np.spacing(truth.astype(np.float64))).astype(np.float64)
    torch_ulps = (np.abs(theirs - truth) / np.spacing(truth.astype(np.float64))).astype(np.float64)
    # The only error left is float64's rounding of z - max (up to ~35 here) and of exp: a few ulps.
    assert np.median(ulps) <= 4 and ulps.max() <= 40, (np.median(ulps), ulps.max())
    assert np.median(torch_ulps) > 100 * np.median(ulps), (np.median(torch_ulps), np.median(ulps))
    mean_truth = truth.mean()
    ours_err = abs(float((ours.sum() / len(ours) - mean_truth) / mean_truth))
    torch_err = abs(float((c["torch_mean"] - mean_truth) / mean_truth))
    assert ours_err < 1e-14 < torch_err, (ours_err, torch_err)


def test_parity_with_pytorch_holds_where_pytorch_is_accurate():
    c = EDGES["confident"]
    z = np.asarray(c["logits"])
    y = np.asarray(c["labels"])
    ours = explain(make_problem(z, y, Options("none"))).per_sample
    theirs = np.asarray(c["torch_none"])
    # Both are float64 rounding of a row sum near 1: they agree to float64's absolute 1e-15.
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-15)


def test_threads_option_and_environment(monkeypatch, tmp_path):
    rng = np.random.default_rng(2)
    np.save(tmp_path / "z.npy", rng.normal(size=(3000, 100)).astype(np.float32))
    np.save(tmp_path / "y.npy", rng.integers(0, 100, 3000))
    args = ["explain", "--logits", str(tmp_path / "z.npy"), "--labels", str(tmp_path / "y.npy"), "-f", "value"]
    one = runner.invoke(app, [*args, "--threads", "1"])
    two = runner.invoke(app, [*args, "--threads", "2"])
    assert one.exit_code == two.exit_code == 0
    assert float(one.stdout) == pytest.approx(float(two.stdout), rel=1e-12)
    bad = runner.invoke(app, [*args, "--threads", "0"])
    assert bad.exit_code == 2 and "--threads" in bad.stderr
    monkeypatch.setenv("XENT_NUM_THREADS", "many")
    env = runner.invoke(app, args)
    assert env.exit_code == 2 and "XENT_NUM_THREADS" in env.stderr and "many" in env.stderr
    monkeypatch.setenv("XENT_NUM_THREADS", "1")
    assert batch.workers() == 1


@pytest.mark.parametrize("twist", ["plain", "ignored+nan", "ties", "float32"])
def test_summary_from_the_batch_pass_matches_numpy(monkeypatch, twist):
    monkeypatch.setattr(batch, "PARALLEL_ELEMENTS", 1)
    monkeypatch.setattr(batch, "CHUNK_ELEMENTS", 999)
    rng = np.random.default_rng(4)
    n = 20001 if twist != "ties" else 20000
    z = rng.normal(size=(n, 6)) * 3
    if twist == "ties":
        z = np.round(z)  # many equal losses
    if twist == "float32":
        z = z.astype(np.float32)
    y = rng.integers(0, 6, n)
    if twist == "ignored+nan":
        y[::3] = -100
        z[5, 2] = np.nan
    r = explain(make_problem(z, y, Options()), 5, argmax=True, top=7, threads=2)
    s = summarize(r, top=7)
    keep = (y != -100) & np.isfinite(r.per_sample)
    vals = r.per_sample[keep].astype(np.float64)
    assert s.count == vals.size and s.median == np.median(vals) and s.maximum == vals.max()
    assert s.mean == pytest.approx(vals.mean(), rel=1e-12)
    counts, edges = np.histogram(vals, bins=8, range=(0.0, vals.max()))
    np.testing.assert_allclose(s.edges, edges)
    assert np.abs(s.counts - counts).sum() <= 2  # a loss on a bin edge may round either way
    assert s.counts.sum() == vals.size
    want_top = np.sort(vals)[::-1][:7]
    np.testing.assert_array_equal([t.loss for t in s.top], want_top)
    hits = int(((z.argmax(axis=1) == y) & (y != -100)).sum())
    assert r.correct == hits


def test_reduction_none_value_is_written_in_blocks(monkeypatch, tmp_path):
    from xent_tutor.lesson import render

    monkeypatch.setattr(render, "VALUE_BLOCK", 7)
    rng = np.random.default_rng(8)
    z = rng.normal(size=(50, 3))
    np.save(tmp_path / "z.npy", z)
    np.save(tmp_path / "y.npy", rng.integers(0, 3, 50))
    r = runner.invoke(app, ["explain", "--logits", str(tmp_path / "z.npy"), "--labels", str(tmp_path / "y.npy"),
                            "--reduction", "none", "-f", "value"])  # fmt: skip
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert len(lines) == 50 and r.stdout.endswith("\n")
    want = explain(make_problem(z, np.load(tmp_path / "y.npy"), Options("none"))).per_sample
    assert [float(v) for v in lines] == want.tolist()


def test_ignored_nan_rows_are_counted_across_chunks_and_threads(monkeypatch):
    monkeypatch.setattr(batch, "PARALLEL_ELEMENTS", 1)
    monkeypatch.setattr(batch, "CHUNK_ELEMENTS", 40)
    rng = np.random.default_rng(6)
    z = rng.normal(size=(500, 4))
    y = rng.integers(0, 4, 500)
    y[[30, 31, 260, 499]] = -100
    z[31, 2], z[260, 0], z[499] = np.inf, np.nan, -np.inf  # row 30 is ignored but finite
    r = explain(make_problem(z, y, Options()), 3, threads=2)
    assert [(n.key, n.params) for n in r.notes if n.key == "ignored_nonfinite"] == [
        ("ignored_nonfinite", {"at": 32, "count": 3})
    ]
    g = gradient(r)
    assert np.isnan(g[[31, 260, 499]]).all() and not np.isnan(np.delete(g, [31, 260, 499], axis=0)).any()
