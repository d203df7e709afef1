"""The play state: logits, labels, options, nudge step, learning rate and loss history; no Textual."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..engine.core import Options, Problem, Result, explain, make_problem
from ..errors import XentError

STEPS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0)
RATES = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0)
WEIGHT_CYCLE = (1.0, 2.0, 0.5)
DEFAULT_SMOOTHING = 0.1
MAX_ROWS = 4
MAX_CLASSES = 5
HISTORY = 500
UNDO = 200  # changes `u` can take back
SAME_MOVE = 1e-12  # relative: moves this close to the largest count as the largest (a two-class row ties)


@dataclass
class Event:
    """What the last key did, for the sentences: `kind` names it, the rest are its numbers."""

    kind: str
    before: Result | None = None
    params: dict[str, object] = field(default_factory=dict)
    moved: np.ndarray | None = None  # logits after - before, for a gradient step
    grad: np.ndarray | None = None  # the gradient the step followed
    prediction: Prediction | None = None  # the learner's prediction this step scored


@dataclass
class Prediction:
    """Which logit the learner says the next gradient step moves most, and which way (+1 up, -1 down)."""

    row: int
    col: int
    sign: int
    right: bool | None = None  # once scored: logit and direction both right
    logit_right: bool | None = None  # once scored: one of the logits that moved most


@dataclass
class _Snapshot:
    """Everything a change can alter, so `u` can put it back."""

    logits: np.ndarray
    labels: np.ndarray
    weight: np.ndarray | None
    smoothing: float
    reduction: str
    steps_taken: int
    history: list[float]
    kind: str


class PlayState:
    """Everything `xent play` shows comes from `result`, recomputed by the core after each change."""

    def __init__(self, problem: Problem, source: str = "") -> None:
        _check_playable(problem)
        o = problem.options
        self.source = source
        self.unbatched = len(problem.logits_shape) == 1
        self.logits = np.array(problem.logits, dtype=np.float64).reshape(-1, problem.num_classes)
        self.labels = np.array(problem.target, dtype=np.int64).reshape(-1)
        self.ignore_index = o.ignore_index
        self.weight = None if o.weight is None else np.array(o.weight, dtype=np.float64)
        self.smoothing = o.label_smoothing
        self.smoothing_on = o.label_smoothing or DEFAULT_SMOOTHING
        self.reduction = o.reduction
        self.row = 0
        self.col = int(self.labels[0]) if 0 <= self.labels[0] < self.num_classes else 0
        self.step_index = STEPS.index(0.1)
        self.rate_index = RATES.index(1.0)
        self.steps_taken = 0
        self.event: Event | None = None
        self.result = self._compute()
        self.history: list[float] = [float(self.result.loss)]
        self.undo_stack: list[_Snapshot] = []
        self.start = self._snapshot("start")
        self.predicting = False  # `p` pressed: + or − on a logit records the prediction instead of nudging
        self.prediction: Prediction | None = None
        self.predictions = 0
        self.predictions_right = 0

    @property
    def num_rows(self) -> int:
        """N (1 for unbatched logits)."""
        return self.logits.shape[0]

    @property
    def num_classes(self) -> int:
        """C."""
        return self.logits.shape[1]

    @property
    def step(self) -> float:
        """How far one nudge moves the selected logit."""
        return STEPS[self.step_index]

    @property
    def lr(self) -> float:
        """The learning rate of a gradient step."""
        return RATES[self.rate_index]

    @property
    def loss(self) -> float:
        """The reduced loss now."""
        return float(self.result.loss)

    @property
    def grad(self) -> np.ndarray:
        """∂L/∂z for every logit, (N, C), from the core's trace."""
        return self.result.trace.grad

    def options(self) -> Options:
        """The options in play, as the core takes them."""
        return Options(self.reduction, self.weight, self.ignore_index, self.smoothing)

    def problem(self) -> Problem:
        """The current logits, labels and options, validated by the core."""
        z = self.logits[0] if self.unbatched else self.logits
        y = self.labels[0] if self.unbatched else self.labels
        return make_problem(z.copy(), np.asarray(y).copy(), self.options())

    def _compute(self) -> Result:
        return explain(self.problem(), None)

    def _snapshot(self, kind: str) -> _Snapshot:
        w = None if self.weight is None else self.weight.copy()
        return _Snapshot(self.logits.copy(), self.labels.copy(), w, self.smoothing, self.reduction,
                         self.steps_taken, list(self.history), kind)  # fmt: skip

    def _restore(self, snap: _Snapshot) -> None:
        self.logits, self.labels = snap.logits.copy(), snap.labels.copy()
        self.weight = None if snap.weight is None else snap.weight.copy()
        self.smoothing, self.reduction, self.steps_taken = snap.smoothing, snap.reduction, snap.steps_taken

    def _remember(self, kind: str) -> None:
        """Keep the state before a change, for `u`."""
        self.undo_stack.append(self._snapshot(kind))
        del self.undo_stack[:-UNDO]

    def _changed(self, kind: str, before: Result, **params: object) -> None:
        self.result = self._compute()
        self.history.append(float(self.result.loss))
        del self.history[:-HISTORY]
        self.event = Event(kind, before, params)

    # Cursor
    def move(self, d_row: int, d_col: int) -> None:
        """Move the cursor, staying on the grid."""
        self.select(self.row + d_row, self.col + d_col)

    def select(self, row: int, col: int) -> None:
        """Put the cursor on logit (row, col), clamped to the grid."""
        self.row = min(max(row, 0), self.num_rows - 1)
        self.col = min(max(col, 0), self.num_classes - 1)

    # Changes
    def nudge(self, sign: int) -> None:
        """Move the selected logit up (+1) or down (-1) by the step."""
        self._remember("nudge")
        before = self.result
        old = float(self.logits[self.row, self.col])
        self.logits[self.row, self.col] = old + sign * self.step
        self._changed("nudge", before, row=self.row, col=self.col, old=old, new=float(self.logits[self.row, self.col]))

    def cycle_label(self) -> None:
        """The selected row's label becomes the next class (then the ignore index, when it is no class)."""
        self._remember("label")
        before = self.result
        choices = list(range(self.num_classes))
        if not 0 <= self.ignore_index < self.num_classes:
            choices.append(self.ignore_index)
        current = int(self.labels[self.row])
        nxt = choices[(choices.index(current) + 1) % len(choices)] if current in choices else 0
        self.labels[self.row] = nxt
        self._changed("label", before, row=self.row, label=nxt, ignored=nxt == self.ignore_index)

    def cycle_weight(self) -> None:
        """The selected class's weight takes the next of 1, 2, 0.5; all ones means no weights."""
        self._remember("weight")
        before = self.result
        w = np.ones(self.num_classes) if self.weight is None else self.weight.copy()
        current = float(w[self.col])
        nxt = WEIGHT_CYCLE.index(current) + 1 if current in WEIGHT_CYCLE else 0
        w[self.col] = WEIGHT_CYCLE[nxt % len(WEIGHT_CYCLE)]
        self.weight = None if np.all(w == 1.0) else w
        self._changed("weight", before, col=self.col, value=float(w[self.col]))

    def toggle_smoothing(self) -> None:
        """Label smoothing off, or on at the given ε (0.1 when none was given)."""
        self._remember("smoothing")
        before = self.result
        self.smoothing = 0.0 if self.smoothing else self.smoothing_on
        self._changed("smoothing", before, eps=self.smoothing)

    def toggle_reduction(self) -> None:
        """mean <-> sum."""
        self._remember("reduction")
        before = self.result
        self.reduction = "sum" if self.reduction == "mean" else "mean"
        self._changed("reduction", before, reduction=self.reduction)

    def change_step(self, d: int) -> None:
        """A smaller (-1) or bigger (+1) nudge step."""
        self.step_index = min(max(self.step_index + d, 0), len(STEPS) - 1)
        self.event = Event("step_size", None, {"step": self.step})

    def change_rate(self, d: int) -> None:
        """A smaller (-1) or bigger (+1) learning rate."""
        self.rate_index = min(max(self.rate_index + d, 0), len(RATES) - 1)
        self.event = Event("rate", None, {"lr": self.lr})

    def can_train(self) -> bool:
        """A gradient step needs a finite loss and gradient."""
        return bool(np.isfinite(self.loss) and np.all(np.isfinite(self.grad)))

    def train_step(self) -> bool:
        """One gradient step z <- z - lr * dL/dz; False (and an event saying why) when there is none."""
        self.predicting = False  # g before + or −: no prediction this time
        if not self.can_train():
            self.event = Event("no_step", self.result)
            return False
        self._remember("train")
        before = self.result
        grad = self.grad.copy()
        old = self.logits.copy()
        self.logits = self.logits - self.lr * grad
        self.steps_taken += 1
        self._changed("train", before, number=self.steps_taken, lr=self.lr)
        assert self.event is not None
        self.event.moved = self.logits - old
        self.event.grad = grad
        if self.prediction is not None:
            self.event.prediction = self._score(self.prediction, self.event.moved)
            self.prediction = None
        return True

    # Predict, reset, undo
    def start_prediction(self) -> None:
        """`p`: the next + or − names the logit the next gradient step moves most, and which way."""
        self.predicting = True
        self.event = Event("predict_ask", self.result)

    def cancel_prediction(self) -> None:
        """Esc while predicting: no prediction."""
        self.predicting = False
        self.event = Event("predict_cancel", self.result)

    def predict(self, sign: int) -> None:
        """Record the prediction for the selected logit: +1 it will rise most, -1 it will fall most."""
        self.predicting = False
        self.prediction = Prediction(self.row, self.col, sign)
        self.event = Event("predicted", self.result, {"row": self.row, "col": self.col, "sign": sign})

    def _score(self, guess: Prediction, moved: np.ndarray) -> Prediction:
        """Right when the named logit is one of those that moved most (ties count) and moved the named way."""
        biggest = float(np.abs(moved).max())
        mine = float(moved[guess.row, guess.col])
        guess.logit_right = biggest > 0 and abs(abs(mine) - biggest) <= SAME_MOVE * biggest
        guess.right = bool(guess.logit_right and np.sign(mine) == guess.sign)
        self.predictions += 1
        self.predictions_right += guess.right
        return guess

    def reset(self) -> None:
        """`r`: the logits, labels and options the session started with (the loss history goes on; `u` undoes it)."""
        self._remember("reset")
        before = self.result
        self._restore(self.start)
        self.prediction = None
        self.predicting = False
        self._changed("reset", before)

    def undo(self) -> bool:
        """`u`: take back the last change (a nudge, label, weight, smoothing, reduction, step or reset)."""
        if not self.undo_stack:
            self.event = Event("undo_none", self.result)
            return False
        snap = self.undo_stack.pop()
        self.predicting = False
        before = self.result
        self._restore(snap)
        self.result = self._compute()
        self.history = snap.history
        self.event = Event("undo", before, {"what": snap.kind})
        return True

    def loss_floor(self) -> float:
        """The smallest loss these labels and options allow: Σ_i A_i·H(a_i / A_i) / D with a = w·t, A = Σ a."""
        tr = self.result.trace
        a = tr.target * (self.weight if self.weight is not None else 1.0)
        total = a.sum(axis=1)
        with np.errstate(all="ignore"):
            q = np.where(total[:, None] > 0, a / total[:, None], 0.0)
            terms = np.where(a > 0, -a * np.log(np.where(q > 0, q, 1.0)), 0.0)
        return float(terms.sum() / self.result.denominator)


def _check_playable(problem: Problem) -> None:
    """play shows a small 1-D or 2-D batch of class-index labels with one loss to train."""
    if problem.soft:
        raise XentError("play_soft", "labels")
    if len(problem.logits_shape) > 2:
        raise XentError("play_shape", "logits", ndim=len(problem.logits_shape))
    if problem.num_samples > MAX_ROWS or problem.num_classes > MAX_CLASSES:
        raise XentError(
            "play_size", "logits", rows=problem.num_samples, classes=problem.num_classes,
            max_rows=MAX_ROWS, max_classes=MAX_CLASSES,
        )  # fmt: skip
    if problem.options.reduction == "none":
        raise XentError("play_none", "reduction")
    z = np.asarray(problem.logits, dtype=np.float64)
    if not np.all(np.isfinite(z)):
        raise XentError("play_nonfinite", "logits")
