"""The chunked, threaded batch path against a direct float64 formula."""

from __future__ import annotations

import numpy as np
import pytest

from xent_tutor.engine import batch
from xent_tutor.engine.batch import batch_loss
from xent_tutor.engine.core import Options


def direct(z, y, o: Options):
    """The per-sample loss straight from the formula, in float64, one row at a time."""
    z = np.asarray(z, dtype=np.float64)
    c = z.shape[1]
    w = o.weight if o.weight is not None else np.ones(c)
    out = []
    for row, t in zip(z, y):
        logp = row - row.max() - np.log(np.exp(row - row.max()).sum())
        if np.ndim(t) == 1:
            tt = (1 - o.label_smoothing) * np.asarray(t) + o.label_smoothing / c
            out.append(-(w * tt * logp).sum())
        elif t == o.ignore_index:
            out.append(0.0)
        else:
            tt = np.full(c, o.label_smoothing / c)
            tt[t] += 1 - o.label_smoothing
            out.append(-(w * tt * logp).sum())
    return np.array(out)


@pytest.fixture(params=[1, 7])
def small_chunks(request, monkeypatch):
    """Force tiny chunks and the threaded path, so every boundary is crossed."""
    monkeypatch.setattr(batch, "CHUNK_ELEMENTS", request.param)
    monkeypatch.setattr(batch, "PARALLEL_ELEMENTS", 1)


@pytest.mark.parametrize("n, c", [(1, 1), (1, 5), (3, 1), (17, 3), (64, 4), (101, 7), (9, 40)])
@pytest.mark.parametrize("eps", [0.0, 0.3])
@pytest.mark.parametrize("weighted", [False, True])
def test_chunked_equals_float64_formula(small_chunks, n, c, eps, weighted):
    rng = np.random.default_rng(n * 100 + c)
    z = rng.normal(size=(n, c)) * 5
    y = rng.integers(0, c, n)
    y[::5] = -100
    w = rng.random(c) + 0.1 if weighted else None
    o = Options("mean", w, -100, eps)
    b = batch_loss(z, y, o, threads=2)
    want = direct(z, y, o)
    np.testing.assert_allclose(b.losses, want, rtol=1e-12, atol=1e-14)
    assert b.total == pytest.approx(want.sum(), rel=1e-12, abs=1e-14)
    assert b.denominator == pytest.approx(
        np.where(y == -100, 0, (w if weighted else np.ones(c))[np.maximum(y, 0)]).sum()
    )


def test_soft_targets_chunked(small_chunks):
    rng = np.random.default_rng(3)
    z = rng.normal(size=(23, 4))
    t = rng.random((23, 4))
    t /= t.sum(axis=1, keepdims=True)
    o = Options("mean", rng.random(4), -100, 0.2)
    np.testing.assert_allclose(batch_loss(z, t, o, threads=2).losses, direct(z, t, o), rtol=1e-12)


def test_empty_batch():
    b = batch_loss(np.zeros((0, 3)), np.zeros(0, dtype=np.int64), Options())
    assert b.losses.shape == (0,) and b.total == 0.0 and b.denominator == 0.0


def test_argmax_accuracy(small_chunks):
    z = np.array([[3.0, 1.0], [0.0, 2.0], [5.0, 1.0], [1.0, 0.0]])
    b = batch_loss(z, np.array([0, 1, 1, -100]), Options(), argmax=True, threads=2)
    assert b.correct == 2


def test_float32_stays_float32_with_float64_sums():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(20000, 50)).astype(np.float32)
    y = rng.integers(0, 50, 20000)
    b32 = batch_loss(z, y, Options())
    b64 = batch_loss(z.astype(np.float64), y, Options())
    assert b32.losses.dtype == np.float32 and b64.losses.dtype == np.float64
    # float32 exponentials, float64 row sums: per-sample within a few float32 ulps of the loss scale.
    np.testing.assert_allclose(b32.losses, b64.losses, rtol=2e-6, atol=2e-6)
    assert b32.total / 20000 == pytest.approx(b64.total / 20000, rel=1e-6)


def test_progress_callback_reaches_the_end(monkeypatch):
    monkeypatch.setattr(batch, "PARALLEL_ELEMENTS", 1)
    seen = []
    batch_loss(
        np.zeros((1000, 3)),
        np.zeros(1000, dtype=np.int64),
        Options(),
        progress=lambda d, t: seen.append((d, t)),
    )
    assert seen[-1] == (1000, 1000)


@pytest.mark.parametrize("soft", [False, True])
def test_k_dimensional_logits_are_not_copied_and_cross_chunk_boundaries(small_chunks, tmp_path, soft):
    from xent_tutor.engine.core import Positions, explain, make_problem
    from xent_tutor.engine.inputs import read_array

    rng = np.random.default_rng(11)
    z = rng.normal(size=(3, 4, 5, 2)).astype(np.float32)
    np.save(tmp_path / "z.npy", z)
    mm = read_array(str(tmp_path / "z.npy"), "logits")
    if soft:
        t = rng.random((3, 4, 5, 2))
        t /= t.sum(axis=1, keepdims=True)
    else:
        t = rng.integers(0, 4, (3, 5, 2))
    p = make_problem(mm, t, Options("none", None, -100, 0.1))
    assert isinstance(p.logits, Positions) and np.shares_memory(p.logits.z3, mm)
    rows = np.moveaxis(z, 1, -1).reshape(-1, 4)  # the copy PyTorch's layout would need
    assert np.array_equal(p.logits[3:27], rows[3:27]) and np.array_equal(p.logits[[0, 29, 7]], rows[[0, 29, 7]])
    flat_t = np.moveaxis(t, 1, -1).reshape(-1, 4) if soft else t.reshape(-1)
    want = direct(rows, flat_t, Options("none", None, -100, 0.1))
    np.testing.assert_allclose(explain(p).per_sample, want, rtol=2e-6, atol=2e-6)
