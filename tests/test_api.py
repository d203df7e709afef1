"""Issue 20 item 2: the Python API, checked against PyTorch's numbers and shown as a notebook would."""

from __future__ import annotations

import io

import numpy as np
import pytest
from conftest import assert_matches_torch, torch_cases
from rich.console import Console

import xent_tutor

ARTICLE = ([[-0.0464, -0.0268], [-0.0234, -0.0091]], [0, 1])


@pytest.mark.parametrize("case", torch_cases(), ids=lambda c: c["name"])
def test_loss_and_grad_match_pytorch(case):
    e = xent_tutor.explain(
        case["logits"],
        case["labels"],
        weight=case["weight"],
        ignore_index=case["ignore_index"],
        label_smoothing=case["label_smoothing"],
        reduction=case["reduction"],
    )
    assert_matches_torch(e.loss, case["loss"])
    if case["reduction"] != "none":
        assert_matches_torch(e.grad, case["grad"])
        assert e.grad.shape == np.shape(case["logits"])


def test_the_articles_exercise():
    e = xent_tutor.explain(*ARTICLE)
    assert isinstance(e.loss, float) and round(e.loss, 4) == 0.6945  # the article's own answer
    assert e.losses.shape == (2,)
    assert repr(e) == "Explanation(loss=0.6945, reduction='mean', samples=2, classes=2)"


class OnlyArray:
    """A tensor-like object that NumPy can read only through __array__ (as torch and JAX arrays offer)."""

    def __init__(self, data):
        self._data = np.asarray(data)

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)


class OnlyDlpack:
    """A tensor-like object with only the DLPack protocol (CuPy, JAX, torch all offer it)."""

    def __init__(self, data):
        self._data = np.asarray(data)

    def __dlpack__(self, **kwargs):
        return self._data.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()


class NeedsDetach:
    """Like a torch tensor that requires grad: it refuses __array__ until detached."""

    def __init__(self, data):
        self._data = np.asarray(data)

    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")

    def detach(self):
        return OnlyArray(self._data)


@pytest.mark.parametrize("wrap", [OnlyArray, OnlyDlpack, NeedsDetach, np.asarray, list])
def test_tensor_likes_are_read_without_torch(wrap):
    z, y = ARTICLE
    e = xent_tutor.explain(wrap(np.array(z)) if wrap is not list else z, OnlyArray(y), weight=None)
    assert round(e.loss, 4) == 0.6945


def test_none_gradient_is_the_gradient_of_the_sum():
    z = np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]])
    y = np.array([0, 2])
    e = xent_tutor.explain(z, y, reduction="none")
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)  # hand-derived: d(sum of -ln p_y)/dz = p - onehot
    assert e.loss.shape == (2,)
    np.testing.assert_allclose(e.grad, p - np.eye(3)[y], rtol=1e-12)


def test_k_dimensional_and_class_last_shapes():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(2, 3, 4))  # (N, C, d1)
    y = rng.integers(0, 3, size=(2, 4))
    e = xent_tutor.explain(z, y, reduction="none")
    assert e.losses.shape == (2, 4) and e.grad.shape == (2, 3, 4)
    last = xent_tutor.explain(np.moveaxis(z, 1, -1), y, class_dim=-1)  # an LM's (N, T, V)
    assert last.grad.shape == (2, 4, 3)
    assert last.loss == pytest.approx(float(e.losses.mean()), rel=1e-12)


def test_notebook_displays_show_the_lesson():
    e = xent_tutor.explain(*ARTICLE)
    html = e._repr_html_()
    assert html.lstrip().startswith("<!DOCTYPE html>") and "0.6945" in html and "Reduction" in html
    md = e._repr_markdown_()
    assert md.startswith("# ") and "| " in md and "(0.7030 + 0.6860) / 2 = 0.6945" in md
    out = io.StringIO()
    Console(file=out, width=100, color_system=None).print(e)  # __rich__: a cell that holds `e` shows the lesson
    assert "(0.7030 + 0.6860) / 2 = 0.6945" in out.getvalue()


def test_show_prints_the_lesson(capsys):
    xent_tutor.explain(*ARTICLE).show(width=80)
    out = capsys.readouterr().out
    assert "loss = 0.6945" in out and max(len(line) for line in out.splitlines()) <= 80


def test_stages_and_notes():
    e = xent_tutor.explain([[0.0, float("-inf"), 1.0]], [1])
    assert e.stages["probs"].shape == (1, 3) and e.stages["probs"][0, 1] == 0.0
    assert e.loss == float("inf") and any("inf" in n for n in e.notes)
    assert xent_tutor.explain([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]], [0, 2]).notes == []


def test_chinese():
    e = xent_tutor.explain(*ARTICLE, lang="zh")
    assert "损失" in e._repr_markdown_()


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"labels": [5, 0]}, "labels: "),
        ({"label_smoothing": 1.5}, "label_smoothing: "),
        ({"reduction": "avg"}, "reduction: "),
        ({"weight": [1.0]}, "weight: "),
        ({"ignore_index": 1.5}, "ignore_index: "),
    ],
)
def test_bad_arguments_raise_a_value_error_naming_the_argument(kwargs, named):
    args = {"logits": ARTICLE[0], "labels": ARTICLE[1], **kwargs}
    with pytest.raises(ValueError) as info:
        xent_tutor.explain(args.pop("logits"), args.pop("labels"), **args)
    assert isinstance(info.value, xent_tutor.InputError)
    assert str(info.value).startswith(named) and "--" not in str(info.value)


@pytest.mark.parametrize(
    ("logits", "says"),
    [
        ([[1.0, 2.0], [3.0]], "logits: row 2 has 1 values but row 1 has 2"),
        (
            [[[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0]]],
            "logits: row 2, column 2 has shape (1) but the first one has (2)",
        ),
    ],
)
def test_ragged_lists_say_which_row_is_short(logits, says):
    with pytest.raises(xent_tutor.InputError) as info:
        xent_tutor.explain(logits, [0, 1])
    assert str(info.value).startswith(says), str(info.value)
    assert "inhomogeneous" not in str(info.value) and "pass a list" not in str(info.value)
