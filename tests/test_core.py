"""The core against hand-derived numbers, PyTorch reference data and mathematical properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import assert_matches_torch, torch_cases
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from xent_tutor.engine.core import Options, explain, make_problem
from xent_tutor.errors import XentError
from xent_tutor.lesson.text import message

ARTICLE_Z = [[-0.0464, -0.0268], [-0.0234, -0.0091]]


def run(logits, labels, **opts):
    if "weight" in opts and opts["weight"] is not None:
        opts["weight"] = np.asarray(opts["weight"], dtype=float)
    return explain(make_problem(np.asarray(logits), np.asarray(labels), Options(**opts)))


def test_article_exercise_stage_by_stage():
    r = run(ARTICLE_Z, [0, 1])
    # Hand-derived: p = 1 / (1 + e^(z_other - z_true)).
    p0 = 1 / (1 + math.exp(-0.0268 + 0.0464))
    p1 = 1 / (1 + math.exp(-0.0234 + 0.0091))
    np.testing.assert_allclose(r.trace.p_true, [p0, p1], rtol=1e-15)
    assert np.round(r.trace.probs, 4).tolist() == [[0.4951, 0.5049], [0.4964, 0.5036]]
    assert np.round(r.per_sample, 4).tolist() == [0.7030, 0.6860]
    assert round(r.loss, 4) == 0.6945
    assert r.loss == pytest.approx((-math.log(p0) - math.log(p1)) / 2, rel=1e-15)
    assert r.denominator == 2


def test_article_binary_sample():
    r = run([0.0, 0.1616], 1)
    assert round(float(r.trace.p_true[0]), 4) == 0.5403
    assert round(r.loss, 4) == 0.6156


def test_stages_are_consistent():
    r = run([[3.0, 1.0, -2.0], [0.5, 0.5, 4.0]], [0, 2])
    tr = r.trace
    np.testing.assert_allclose(tr.shifted.max(axis=1), 0)
    np.testing.assert_allclose(tr.exp.sum(axis=1), tr.row_sum)
    np.testing.assert_allclose(tr.probs.sum(axis=1), 1)
    np.testing.assert_allclose(tr.neg_log_p, -np.log(tr.p_true))
    assert tr.target.tolist() == [[1, 0, 0], [0, 0, 1]]


@pytest.mark.parametrize("case", torch_cases(), ids=lambda c: c["name"])
def test_agrees_with_pytorch(case):
    r = run(
        case["logits"],
        case["labels"],
        reduction=case["reduction"],
        weight=case["weight"],
        ignore_index=case["ignore_index"],
        label_smoothing=case["label_smoothing"],
    )
    assert_matches_torch(r.loss, case["loss"])
    if case["grad"] is not None:
        z = np.asarray(case["logits"], dtype=float)
        c = z.shape[1] if z.ndim > 1 else z.shape[0]
        want = np.moveaxis(np.asarray(case["grad"]), 1, -1).reshape(-1, c) if z.ndim > 1 else (
            np.asarray(case["grad"]).reshape(1, c))  # fmt: skip
        assert_matches_torch(r.trace.grad, want)


def test_huge_logits_are_exact_thanks_to_the_shift():
    assert run([[1000.0, 0.0, -1000.0]], [0]).loss == 0.0
    assert run([[1000.0, 0.0, -1000.0]], [2]).loss == 2000.0


def test_all_ignored_mean_is_nan_and_explained():
    r = run([[1.0, 2.0]], [-100])
    assert math.isnan(r.loss)
    assert "all_ignored_mean" in [n.key for n in r.notes]


def test_weighted_mean_divides_by_sum_of_target_weights():
    w = [1.0, 3.0]
    r = run(ARTICLE_Z, [0, 1], weight=w)
    nll = -np.log(r.trace.p_true)
    assert r.loss == pytest.approx((1 * nll[0] + 3 * nll[1]) / 4, rel=1e-14)
    assert r.denominator == 4


def test_single_weighted_sample_weight_cancels():
    a = run([[0.3, 1.2, -0.4]], [1]).loss
    b = run([[0.3, 1.2, -0.4]], [1], weight=[1.0, 7.0, 2.0]).loss
    assert a == pytest.approx(b, rel=1e-14)


def test_ignore_index_on_real_class_still_shapes_softmax():
    r = run([[1.0, 2.0, 0.5], [0.3, 0.2, 0.1]], [1, 0], ignore_index=1)
    p = np.exp([0.3, 0.2, 0.1]) / np.exp([0.3, 0.2, 0.1]).sum()
    assert r.loss == pytest.approx(-math.log(p[0]), rel=1e-14)
    assert "ignore_real_class" in [n.key for n in r.notes]


def test_unbatched_none_is_scalar():
    r = run([0.5, -1.0, 2.0], 2, reduction="none")
    assert isinstance(r.loss, float)


def test_kdim_positions():
    z = np.zeros((2, 3, 2))
    p = make_problem(z, np.zeros((2, 2), dtype=int))
    assert p.num_samples == 4 and p.sample_shape == (2, 2)
    assert p.position(3) == (1, 1)


@pytest.mark.parametrize(
    "logits, labels, opts, key",
    [
        ([[1.0, 2.0]], [2], {}, "label_range"),
        ([[1.0, 2.0]], [-1], {}, "label_range"),
        ([[1.0, 2.0]], [0.5], {}, "label_not_int"),
        ([[1.0, 2.0], [1.0, 2.0]], [0], {}, "labels_count"),
        ([[1.0, 2.0]], [[0.5, 0.5, 0.0]], {}, "soft_shape"),
        ([[1.0, 2.0]], [[0.7, 0.7]], {}, "soft_sum"),
        ([[1.0, 2.0]], [[1.2, -0.2]], {}, "soft_negative"),
        ([[1.0, 2.0]], [[0.5, 0.5]], {"ignore_index": 0}, "soft_ignore_index"),
        ([[1.0, 2.0]], [0], {"weight": [1.0]}, "weight_length"),
        ([[1.0, 2.0]], [0], {"weight": [1.0, -1.0]}, "bad_weight"),
        ([[1.0, 2.0]], [0], {"label_smoothing": -0.1}, "bad_smoothing"),
        ([[1.0, 2.0]], [0], {"label_smoothing": 1.5}, "bad_smoothing"),
        ([[1.0, 2.0]], [0], {"reduction": "avg"}, "bad_reduction"),
        (1.0, 0, {}, "logits_scalar"),
    ],
)
def test_refusals(logits, labels, opts, key):
    with pytest.raises(XentError) as e:
        run(logits, labels, **opts)
    assert e.value.key == key
    assert message(e.value)  # renders as a sentence


finite = st.floats(-50, 50, allow_nan=False, allow_subnormal=False)


@st.composite
def batches(draw):
    n = draw(st.integers(1, 6))
    c = draw(st.integers(1, 6))
    z = draw(hnp.arrays(np.float64, (n, c), elements=finite))
    y = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    return z, y


@settings(max_examples=200, deadline=None)
@given(batches(), st.floats(-1e3, 1e3, allow_nan=False))
def test_shift_invariance(batch, shift):
    z, y = batch
    a = run(z, y, reduction="none").loss
    b = run(z + shift, y, reduction="none").loss
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


@settings(max_examples=200, deadline=None)
@given(batches(), st.floats(0, 1))
def test_loss_nonnegative_and_rows_sum_to_one(batch, eps):
    z, y = batch
    r = run(z, y, reduction="none", label_smoothing=eps)
    assert (r.per_sample >= 0).all()
    np.testing.assert_allclose(r.trace.probs.sum(axis=1), 1, rtol=1e-12)


@settings(max_examples=200, deadline=None)
@given(batches())
def test_agrees_with_direct_logsumexp(batch):
    z, y = batch
    r = run(z, y, reduction="none")
    lse = np.array([math.log(math.fsum(math.exp(v - max(row)) for v in row)) + max(row) for row in z])
    np.testing.assert_allclose(r.per_sample, lse - z[np.arange(len(y)), y], rtol=1e-9, atol=1e-12)


@settings(max_examples=200, deadline=None)
@given(batches(), st.booleans())
def test_sum_is_mean_times_denominator(batch, weighted):
    z, y = batch
    w = np.linspace(0.5, 2.0, z.shape[1]) if weighted else None
    mean = run(z, y, reduction="mean", weight=w)
    total = run(z, y, reduction="sum", weight=w)
    assert total.loss == pytest.approx(mean.loss * mean.denominator, rel=1e-12, abs=1e-12)
