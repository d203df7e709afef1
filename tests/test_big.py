"""Real model outputs: .npy batches, K-dimensional and class-last logits, summaries, --top, --output."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import DATA, WIDTH
from typer.testing import CliRunner

from xent_tutor.cli import app

runner = CliRunner()


def xent(*args):
    return runner.invoke(app, list(args))


def reference(name):
    return json.loads((DATA / "torch_reference.json").read_text())[name]


def test_segmentation_map_agrees_with_pytorch(tmp_path):
    out = tmp_path / "loss.npy"
    r = xent("explain", "--logits", str(DATA / "seg_logits.npy"), "--labels", str(DATA / "seg_labels.npy"),
             "--reduction", "none", "--output", str(out), "-f", "value")  # fmt: skip
    assert r.exit_code == 0, r.output
    want = np.load(DATA / "seg_loss_none.npy")
    got = np.load(out)
    assert got.shape == (4, 32, 32)
    # float32 input is computed in float32 (as PyTorch does); the reference is float64.
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=2e-6)
    mean = xent(
        "explain", "--logits", str(DATA / "seg_logits.npy"), "--labels", str(DATA / "seg_labels.npy"), "-f", "value"
    )
    assert float(mean.stdout) == pytest.approx(reference("seg_mean_float32"), rel=1e-6)


def test_class_last_logits_with_class_dim(tmp_path):
    args = ["explain", "--logits", str(DATA / "lm_logits.npy"), "--labels", str(DATA / "lm_labels.npy")]
    r = xent(*args, "--class-dim", "-1", "-f", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    np.testing.assert_allclose(data["per_sample_loss"], np.load(DATA / "lm_loss_none.npy"), rtol=2e-6, atol=2e-6)
    assert data["loss"] == pytest.approx(reference("lm_mean_float32"), rel=1e-6)
    assert data["stages"]["positions"][:2] == [[0, 0], [0, 1]]
    table = xent(*args, "--class-dim", "2", "--rows", "3")
    assert "(0, 1)" in table.stdout and "movedim(2, 1)" in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) <= WIDTH
    # Without --class-dim the shapes do not fit, and the message says so.
    bad = xent(*args)
    assert bad.exit_code == 2 and "labels of shape (2, 16)" in bad.stderr


def test_bad_class_dim():
    r = xent("explain", "--logits", "[[1, 2]]", "--labels", "[0]", "--class-dim", "0")
    assert r.exit_code == 2 and "class dimension 0" in r.stderr


@pytest.fixture
def batch(tmp_path):
    rng = np.random.default_rng(5)
    z = rng.normal(size=(5000, 7)).astype(np.float32)
    y = rng.integers(0, 7, 5000)
    z[1234, y[1234]] = -30.0  # one confident wrong prediction
    np.save(tmp_path / "z.npy", z)
    np.save(tmp_path / "y.npy", y)
    return tmp_path, z, y


def test_big_batch_lesson_is_readable(batch):
    tmp, z, y = batch
    r = xent("explain", "--logits", str(tmp / "z.npy"), "--labels", str(tmp / "y.npy"), "--rows", "4", "--top", "3")
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert "… 4996 more rows …" in out
    assert "5000 samples: mean" in out and "median" in out
    hits = int((z.argmax(axis=1) == y).sum())
    assert f"Argmax accuracy: {100 * hits / 5000:.1f}% ({hits} of 5000" in out
    top = out.split("The 3 samples with the highest loss")[1]
    rows = [line.split() for line in top.splitlines() if line[:1].isdigit()]
    assert rows[0][0] == "1235"  # 1-based row of the planted sample, the worst one
    assert max(len(line) for line in out.splitlines()) <= WIDTH


def test_top_in_json(batch):
    tmp, _, y = batch
    r = xent("explain", "--logits", str(tmp / "z.npy"), "--labels", str(tmp / "y.npy"), "--top", "2", "-f", "json")
    data = json.loads(r.stdout)
    assert data["rows_shown"] == 1000 and len(data["per_sample_loss"]) == 5000
    first = data["summary"]["top"][0]
    assert first["index"] == 1234 and first["label"] == int(y[1234])
    assert first["p_true"] == pytest.approx(np.exp(first["loss"] * -1), rel=1e-5)


def test_output_csv_and_bad_output(batch):
    tmp, _, _ = batch
    out = tmp / "losses.csv"
    r = xent(
        "explain", "--logits", str(tmp / "z.npy"), "--labels", str(tmp / "y.npy"), "--output", str(out), "-f", "value"
    )
    assert r.exit_code == 0
    values = np.loadtxt(out, delimiter=",")
    assert values.shape == (5000,) and values.mean() == pytest.approx(float(r.stdout), rel=1e-6)
    r = xent("explain", "--output", str(tmp / "losses.txt"))
    assert r.exit_code == 2 and "use a .npy or .csv" in r.stderr
    r = xent("explain", "--output", str(tmp / "missing" / "l.npy"))
    assert r.exit_code == 2 and r.stderr.endswith("l.npy': its folder does not exist\n")


def test_npy_is_memory_mapped_not_copied(batch):
    from xent_tutor.engine.core import make_problem
    from xent_tutor.engine.inputs import read_array

    tmp, _, _ = batch
    z = read_array(str(tmp / "z.npy"), "logits")
    y = read_array(str(tmp / "y.npy"), "labels")
    assert isinstance(z, np.memmap)
    p = make_problem(z, y)
    assert p.logits.dtype == np.float32 and np.shares_memory(p.logits, z)


def test_progress_bar_only_on_a_terminal_and_after_half_a_second(monkeypatch):
    import io

    from xent_tutor.cli import explain as cli

    clock = iter([0.0, 0.1, 0.9, 1.0, 1.1])
    monkeypatch.setattr("time.monotonic", lambda: next(clock))
    err = io.StringIO()
    err.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr("sys.stderr", err)
    bar = cli._progress_bar(quiet=False)
    with bar as update:
        update(10, 100)  # 0.1 s: too early for a bar
        assert bar.bar is None
        update(50, 100)  # 0.9 s: the bar appears
        assert bar.bar is not None
    with cli._progress_bar(quiet=True) as update:
        assert update is None
    monkeypatch.setattr("sys.stderr", io.StringIO())  # not a terminal
    with cli._progress_bar(quiet=False) as update:
        assert update is None
