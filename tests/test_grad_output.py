"""The gradient as data: `--grad-output FILE.npy/.csv` against autograd, and the JSON gradient's shape."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from conftest import DATA, assert_matches_torch, decode
from typer.testing import CliRunner

from xent_tutor.cli import app
from xent_tutor.engine import core

CASES = json.loads((DATA / "torch_grad_output.json").read_text())["cases"]  # make_torch_grad_output.py
runner = CliRunner()


def args_for(case: dict, tmp_path, fmt: str = "value") -> list[str]:
    dtype = np.float32 if case["dtype"] == "float32" else np.float64
    z = np.asarray(case["logits"], np.float64).astype(dtype)
    y = np.asarray(case["labels"])
    np.save(tmp_path / "z.npy", z)
    np.save(tmp_path / "y.npy", y)
    out = ["explain", "--logits", str(tmp_path / "z.npy"), "--labels", str(tmp_path / "y.npy"),
           "--reduction", case["reduction"], "--label-smoothing", str(case["label_smoothing"]),
           "--class-dim", str(case["class_dim"]), "-f", fmt, "-q"]  # fmt: skip
    if case["weight"] is not None:
        out += ["--weight", json.dumps(case["weight"])]
    return out


def check(got: np.ndarray, case: dict) -> None:
    want = np.asarray(decode(case["grad"]), np.float64).reshape(case["shape"])
    assert got.shape == want.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    if case["dtype"] == "float64":
        assert got.dtype == np.float64
        assert_matches_torch(got, want)  # 1e-12 relative
    else:
        assert got.dtype == np.float32  # autograd's dtype for float32 logits
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7, equal_nan=True)


@pytest.mark.parametrize("block", [core.GRAD_BLOCK, 7])  # 7 logits a block: every row and run boundary
@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_grad_output_npy_matches_autograd(case, block, tmp_path, monkeypatch):
    monkeypatch.setattr(core, "GRAD_BLOCK", block)
    r = runner.invoke(app, [*args_for(case, tmp_path), "--grad-output", str(tmp_path / "g.npy")])
    assert r.exit_code == 0, r.output
    check(np.load(tmp_path / "g.npy"), case)


@pytest.mark.parametrize("case", [c for c in CASES if len(c["shape"]) <= 2], ids=lambda c: c["name"])
def test_grad_output_csv_matches_autograd(case, tmp_path, monkeypatch):
    monkeypatch.setattr(core, "GRAD_BLOCK", 11)
    r = runner.invoke(app, [*args_for(case, tmp_path), "--grad-output", str(tmp_path / "g.csv")])
    assert r.exit_code == 0, r.output
    text = (tmp_path / "g.csv").read_text()
    lines = text.splitlines()
    assert len(lines) == (case["shape"][0] if len(case["shape"]) == 2 else 1)
    got = np.loadtxt(tmp_path / "g.csv", delimiter=",", ndmin=2).reshape(case["shape"])
    case = {**case, "dtype": "float64"}  # CSV digits are the float32 values' exact decimals, read back as float64
    want = np.asarray(decode(case["grad"]), np.float64).reshape(case["shape"])
    if "float32" in case["name"]:
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    else:
        check(got, case)


def test_a_csv_gradient_of_k_dimensional_logits_is_refused(tmp_path):
    case = next(c for c in CASES if c["name"] == "kdim-hard-weight-ignore")
    r = runner.invoke(app, [*args_for(case, tmp_path), "--grad-output", str(tmp_path / "g.csv")])
    assert r.exit_code == 2
    assert r.stderr.count("\n") == 1 and "--grad-output" in r.stderr and "(3, 4, 5, 6)" in r.stderr
    assert not (tmp_path / "g.csv").exists()


def test_grad_output_never_replaces_a_file_without_force(tmp_path):
    target = tmp_path / "g.npy"
    target.write_bytes(b"precious")
    base = ["explain", "--logits", "[[1, 2, 3]]", "--labels", "[0]", "-f", "value", "--grad-output", str(target)]
    r = runner.invoke(app, base)
    assert r.exit_code == 2 and "--force" in r.stderr and r.stdout == ""  # refused before any work
    assert target.read_bytes() == b"precious"
    r = runner.invoke(app, [*base, "--force"])
    assert r.exit_code == 0
    p = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()
    np.testing.assert_allclose(np.load(target), [[p[0] - 1, p[1], p[2]]], rtol=1e-14)
    assert [f for f in os.listdir(tmp_path) if f != "g.npy"] == []  # no temporary file left behind


def test_grad_output_refusals_are_one_line(tmp_path):
    base = ["explain", "--logits", "[[1, 2, 3]]", "--labels", "[0]", "-f", "value"]
    for extra, words in [
        (["--grad-output", str(tmp_path / "g.txt")], ".npy or .csv"),
        (["--grad-output", str(tmp_path / "g.npy"), "--reduction", "none"], "reduction='none'"),
        (["--grad-output", str(tmp_path / "g.npy"), "--output", str(tmp_path / "g.npy")], "its own file"),
    ]:
        r = runner.invoke(app, base + extra)
        assert r.exit_code == 2 and r.stderr.count("\n") == 1 and words in r.stderr, r.stderr
    assert os.listdir(tmp_path) == []


def test_the_json_gradient_keeps_its_shape(tmp_path):
    for shape, labels in [((0, 4), np.zeros(0, np.int64)), ((2, 3, 0), np.zeros((2, 0), np.int64))]:
        np.save(tmp_path / "z.npy", np.zeros(shape, np.float32))
        np.save(tmp_path / "y.npy", labels)
        r = runner.invoke(app, ["explain", "--logits", str(tmp_path / "z.npy"), "--labels", str(tmp_path / "y.npy"),
                                "--reduction", "sum", "--grad", "-f", "json", "-q"])  # fmt: skip
        assert r.exit_code == 0, r.output
        data = json.loads(r.stdout)
        assert data["grad_shape"] == list(shape)
        assert np.asarray(data["grad"]).size == 0
        assert data["grad"] == np.zeros(shape).tolist()  # nested to the depth a list can show
    case = next(c for c in CASES if c["name"] == "kdim-hard-weight-ignore")
    r = runner.invoke(app, [*args_for(case, tmp_path, "json"), "--grad"])
    data = json.loads(r.stdout)
    assert data["grad_shape"] == case["shape"]
    assert_matches_torch(np.asarray(data["grad"]), np.asarray(decode(case["grad"])))  # nested as the logits


def test_the_json_gradient_writes_null_for_nan(tmp_path):
    case = next(c for c in CASES if c["name"] == "zero-denominator")
    r = runner.invoke(app, [*args_for(case, tmp_path, "json"), "--grad"])
    data = json.loads(r.stdout)
    want = np.asarray(decode(case["grad"]))
    got = np.array([[np.nan if v is None else v for v in row] for row in data["grad"]])
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    assert_matches_torch(got, want)


@pytest.mark.parametrize("fast", [True, False])
def test_both_number_formatters_write_the_same_numbers(fast, monkeypatch):
    from xent_tutor.engine import outputs

    if not fast:
        monkeypatch.setattr(outputs, "_orjson", lambda: None)
    values = np.array([[1e-5, 1e16, 0.1, -0.0, 5e-324], [np.nan, np.inf, -np.inf, 3e38, 1 / 3]])
    for a in (values, values.astype(np.float32)):
        got = json.loads(outputs.array_json(a))
        want = [[None if not np.isfinite(v) else float(v) for v in row] for row in a.astype(np.float64)]
        assert got == want  # exact: every float read back bit for bit
        lines = outputs.csv_rows(a).splitlines()
        np.testing.assert_array_equal(np.array([[float(v) for v in ln.split(",")] for ln in lines]), a)
    assert outputs.array_json(np.zeros((0, 3))) == "[]" and outputs.array_json(np.zeros((2, 0))) == "[[],[]]"
