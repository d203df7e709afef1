"""The Python face of xent: `explain(logits, labels)` for a notebook or a script, over the same calls as the CLI."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from .engine.core import Options, Result, gradient, make_problem
from .engine.core import explain as _explain
from .engine.inputs import nested_shape
from .errors import XentError
from .lesson.text import LANGS, detect_lang, message, note

if TYPE_CHECKING:
    from .lesson.layout import Lesson

__all__ = ["Explanation", "InputError", "explain"]

WIDTH = 100  # columns of the lesson a notebook shows (a cell has no terminal width)


class InputError(ValueError):
    """A bad argument to `explain`: the message names the argument and what is wrong, in the chosen language."""

    def __init__(self, error: XentError, lang: str) -> None:
        self.key, self.where, self.params = error.key, error.where, error.params
        super().__init__(message(error, lang, style="python"))


def _as_array(x: Any, name: str) -> np.ndarray:
    """Anything array-like (a list, NumPy, a torch or JAX tensor via __array__ or __dlpack__) as a NumPy array."""
    if isinstance(x, np.ndarray):
        return x
    detach = getattr(x, "detach", None)
    if callable(detach):  # a tensor that requires grad refuses __array__ until it is detached
        x = detach()
    if isinstance(x, list):
        with contextlib.suppress(RecursionError):  # nested past Python's limit: NumPy refuses it below
            nested_shape(x, name)  # a ragged list: which row is short, not NumPy's "inhomogeneous shape"
    try:
        if hasattr(x, "__array__") or not hasattr(x, "__dlpack__"):
            return np.asarray(x)
        return np.from_dlpack(x)
    except (TypeError, ValueError, RuntimeError, BufferError) as e:
        raise XentError("api_not_array", name, type=type(x).__name__, reason=str(e).split("\n")[0]) from None


def explain(
    logits: Any,
    labels: Any,
    *,
    weight: Any = None,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
    class_dim: int = 1,
    lang: str | None = None,
    rows: int = 20,
) -> Explanation:
    """PyTorch's cross_entropy(logits, labels, ...) with every stage, as an `Explanation` a notebook displays."""
    lang = lang or detect_lang()
    if lang not in LANGS:
        raise InputError(XentError("bad_lang", "lang", value=lang), "en")
    try:
        z = _as_array(logits, "logits")
        t = _as_array(labels, "labels")
        w = None if weight is None else _as_array(weight, "weight").astype(np.float64)
        if not isinstance(ignore_index, (int, np.integer)) or isinstance(ignore_index, bool):
            raise XentError("api_not_int", "ignore_index", value=repr(ignore_index))
        if not isinstance(class_dim, (int, np.integer)) or isinstance(class_dim, bool):
            raise XentError("api_not_int", "class_dim", value=repr(class_dim))
        options = Options(reduction, w, int(ignore_index), float(label_smoothing))
        problem = make_problem(z, t, options, int(class_dim))
        result = _explain(problem, max(0, int(rows)), argmax=True)
    except XentError as e:
        raise InputError(e, lang) from None
    return Explanation(result, lang, (z, t, options))


@dataclass(eq=False)
class Explanation:
    """One computed loss: the numbers (`loss`, `losses`, `grad`, `stages`, `notes`) and the lesson that shows them."""

    result: Result
    lang: str = "en"
    _inputs: tuple = field(default=(), repr=False)  # logits, labels, options as given: for the 'none' gradient

    @property
    def loss(self) -> float | np.ndarray:
        """What F.cross_entropy returns: a float for mean and sum, the per-sample array for reduction='none'."""
        loss = self.result.loss
        return loss if isinstance(loss, np.ndarray) else float(loss)

    @property
    def losses(self) -> np.ndarray:
        """Every sample's loss (weighted, smoothed; 0 where ignored), in the shape reduction='none' gives."""
        return self.result.per_sample.reshape(self.result.problem.sample_shape)

    @cached_property
    def grad(self) -> np.ndarray:
        """d loss / d logits in the logits' shape; for reduction='none', of the losses' sum (loss.sum().backward())."""
        if self.result.problem.options.reduction != "none":
            return gradient(self.result)
        z, t, o = self._inputs
        summed = Options("sum", o.weight, o.ignore_index, o.label_smoothing)
        return gradient(_explain(make_problem(z, t, summed, self.result.problem.class_dim), 0))

    @property
    def stages(self) -> dict[str, np.ndarray | None]:
        """Every stage for the first `rows` samples, flattened to (rows, C) or (rows,): the lesson's tables."""
        tr = self.result.trace
        names = ("logits", "row_max", "shifted", "exp", "row_sum", "probs", "log_probs", "target", "p_true",
                 "neg_log_p", "sample_weight", "loss")  # fmt: skip
        return {name: getattr(tr, name) for name in names}

    @property
    def notes(self) -> list[str]:
        """What the lesson warns about for this input (non-finite logits, ignored samples, likely mistakes)."""
        return [note(n.key, n.params, self.lang) for n in self.result.notes]

    def lesson(self, width: int = WIDTH, *, brief: bool = False, grad: bool = False) -> Lesson:
        """The lesson as data (sections of tables and formula lines), as `xent explain` lays it out."""
        from .service import lesson_for

        return lesson_for(self.result, self.lang, width, brief=brief, grad=grad)

    def show(self, *, width: int | None = None, brief: bool = False, grad: bool = False) -> None:
        """Print the lesson in the terminal, with colour where the terminal has it."""
        from .lesson.render import render_rich
        from .lesson.wrap import Console

        console = Console(width=width, highlight=False, soft_wrap=False)
        render_rich(self.lesson(console.width, brief=brief, grad=grad), console)

    def __rich__(self) -> Any:
        from .lesson.render import rich_group

        return rich_group(self.lesson())

    def _repr_html_(self) -> str:
        from .lesson.render import render_rich
        from .lesson.wrap import Console

        console = Console(width=WIDTH, record=True, file=io.StringIO(), force_terminal=True, highlight=False)
        render_rich(self.lesson(WIDTH), console)
        return console.export_html(inline_styles=True)

    def _repr_markdown_(self) -> str:
        from .lesson.render import render_markdown

        return render_markdown(self.lesson())

    def __repr__(self) -> str:
        p = self.result.problem
        loss = self.loss
        shown = f"{loss:.4f}" if isinstance(loss, float) else f"array of shape {loss.shape}"
        return (f"Explanation(loss={shown}, reduction={p.options.reduction!r}, samples={p.num_samples}, "
                f"classes={p.num_classes})")  # fmt: skip
