"""Practice problems: generate them, split them into the article's steps, check and diagnose."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from ..engine.core import Options, Problem, Result, explain, make_problem
from ..errors import XentError
from . import precision as P
from .stages import STAGES, missing_reason

# What `--stage` accepts: the short names of the issue and the stage keys themselves.
STAGE_NAMES = {"exp": "exp", "sum": "row_sum", "p": "p_true", "neg_log_p": "neg_log_p", "sample_loss": "sample_loss",
               "loss": "loss"}  # fmt: skip
STAGE_FLAGS = {stage: name for name, stage in STAGE_NAMES.items()}
DIFFICULTIES = ("easy", "medium", "hard")
MODES = ("steps", "final")
DECIMALS = 4
# The precision rule lives in precision.py (judge); TOL is one unit of the 4th decimal.
TOL = 1e-4
SLACK = 1e-9  # float noise on the boundary
MISTAKE_DRIFT = 3e-4  # relative: a known mistake is still recognised when worked from rounded numbers
SHIFT_ABOVE = 10.0
MAX_TRIES = 3
ROW_MISTAKES_UP_TO = 10  # rows (and classes) up to which "another class in row k" is tried at the final


@dataclass
class QuizProblem:
    """A problem a learner works by hand, with where it came from."""

    logits: list
    labels: list | int
    options: dict = field(default_factory=dict)
    exercise_id: str | None = None
    seed: int | None = None
    difficulty: str | None = None

    def core(self) -> Problem:
        """The validated core problem."""
        return make_problem(np.asarray(self.logits), np.asarray(self.labels), Options.from_dict(self.options))


@dataclass(frozen=True)
class Mistake:
    """A likely mistake: its kind, the number it produces, and the numbers its message names."""

    kind: str
    value: float
    params: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Input:
    """A number a step is worked from: an earlier step's value (which the learner may have typed) or a given."""

    key: str  # the quantity ("e1.0", "S1", "p1.0", "l2", "t1.2", "z1.0") a learner's typed value is filed under
    symbol: str  # how a verdict names it: "p", "Σ", "t_0", "row 2's loss"
    exact: float
    decimals: int = DECIMALS  # the precision a learner carries it at (the precision its step asks)
    shown: str | None = None  # how the quiz printed it before this step (the table's t, a given loss)
    given: bool = False  # printed exactly as the problem states it (a logit, a weight): never rounded

    @property
    def carried(self) -> str:
        """The number as a learner carries it: as shown, or rounded to its asked precision."""
        if self.given:
            return P._given(self.exact)
        return self.shown if self.shown is not None else P.fmt(self.exact, self.decimals)


@dataclass
class Step:
    """One question: its stage, expected value, hints, known mistakes and what `show` reveals."""

    stage: str
    params: dict  # the question's numbers
    expected: float
    formula: str  # catalogue key of the general formula
    filled: str  # the formula with the numbers written in (holds as printed for the value at `decimals`)
    mistakes: tuple[Mistake, ...] = ()
    prompt: str = ""  # catalogue key of the question; "quiz.prompt.<stage>" when empty
    chained: float | None = None  # worked from the earlier values as a learner carries them
    show: tuple[tuple[str, dict], ...] = ()  # (catalogue key, params) lines that reveal the value
    row: int | None = None  # 1-based row the step is about
    notes: tuple[str, ...] = ()  # catalogue keys of sentences added to the question (same params)
    decimals: int = DECIMALS  # the precision asked (4 decimals, or 4 significant figures for a small value)
    key: str = ""  # the quantity this step's answer is filed under, for later steps' inputs
    inputs: tuple[Input, ...] = ()  # what the value is worked from
    fn: Callable[[Sequence[float]], float] | None = None  # the value from the inputs' values
    render: Callable[[Sequence[str]], str] | None = None  # the formula from the inputs as written
    extra: tuple[P.Source, ...] = ()  # other displayed numbers the value follows from (the show line's ln p)
    logged: bool = False  # the step takes a log of an input (its rounding matters by d(−ln p) = dp / p)
    hint: str = ""  # the last hint, the formula with this problem's numbers (the filled formula when empty)

    def __post_init__(self) -> None:
        self.params.setdefault("asked", self.decimals)
        if self.chained is None and self.fn is not None and self.inputs:
            try:  # the value worked from the earlier values as a learner carries them
                self.chained = self.fn([float(i.carried) for i in self.inputs])
            except (ValueError, ZeroDivisionError, OverflowError):
                self.chained = None

    @property
    def prompt_key(self) -> str:
        """The question's catalogue key."""
        return self.prompt or "quiz.prompt." + self.stage

    @property
    def tol(self) -> float:
        """One unit of the last asked decimal."""
        return P.unit(self.decimals)

    @property
    def hint_filled(self) -> str:
        """The formula with this problem's numbers, as the last hint gives it (never the value itself)."""
        return self.hint or self.filled

    @property
    def answer(self) -> str:
        """The expected value written at the asked precision."""
        return P.fmt(self.expected, self.decimals)


@dataclass
class Verdict:
    """The outcome of one answer: right, right but under-rounded, or wrong with the likely mistake."""

    correct: bool
    kind: str | None  # "rounded"/"cut" (short), "close", a mistake kind, "from_yours" (right) or None
    value: float
    expected: float
    params: dict = field(default_factory=dict)
    judgement: P.Judgement | None = None  # the precision rule's verdict (source of a right-from-yours answer)

    @property
    def mistake(self) -> str | None:
        """The mistake kind of a wrong answer (None when right, rounded or unrecognised)."""
        return None if self.correct or self.rounded or self.kind == "close" else self.kind

    @property
    def rounded(self) -> bool:
        """A right value given with fewer decimals than asked: rounded, or cut."""
        return self.kind in ("rounded", "cut")


def generate(seed: int, difficulty: str = "easy") -> QuizProblem:
    """A random problem with two-decimal numbers a learner can work by hand."""
    rng = np.random.default_rng(seed)
    if difficulty == "easy":
        n, c, scale = int(rng.integers(1, 3)), int(rng.integers(2, 4)), 2.0
    elif difficulty == "medium":
        n, c, scale = int(rng.integers(2, 4)), int(rng.integers(3, 5)), 3.0
    else:
        n, c, scale = int(rng.integers(2, 4)), int(rng.integers(3, 6)), 3.0
    logits = np.round(rng.uniform(-scale, scale, size=(n, c)), 2)
    labels: list = rng.integers(0, c, size=n).tolist()
    options: dict = {}
    if difficulty == "hard":
        twist = ("weight", "ignore_index", "label_smoothing", "soft")[int(rng.integers(0, 4))]
        if twist == "weight":
            options["weight"] = np.round(rng.uniform(0.5, 3.0, size=c), 1).tolist()
        elif twist == "ignore_index":
            labels[int(rng.integers(0, n))] = -100
        elif twist == "label_smoothing":
            options["label_smoothing"] = float(rng.choice([0.1, 0.2]))
        else:
            raw = rng.integers(1, 10, size=(n, c)).astype(float)
            soft = np.round(raw / raw.sum(axis=1, keepdims=True), 2)
            soft[:, -1] = np.round(1.0 - soft[:, :-1].sum(axis=1), 2)
            labels = soft.tolist()
    return QuizProblem(logits.tolist(), labels, options, seed=seed, difficulty=difficulty)


def from_exercise(exercise) -> QuizProblem:
    """A stored exercise as a quiz problem."""
    return QuizProblem(exercise.logits, exercise.labels, dict(exercise.options), exercise.id)


def n4(x: float) -> str:
    """A number as the learner writes it: 4 decimals."""
    return f"{x:.4f}"


def _n(x: float) -> str:
    """A given number (logit, weight, target) without trailing zeros."""
    return f"{x:.4f}".rstrip("0").rstrip(".") if abs(x) < 1e6 else f"{x:.4g}"


def _paren(x: float) -> str:
    s = _n(float(x))
    return f"({s})" if s.startswith("-") else s


def _vector(values) -> str:
    return "[" + ", ".join(n4(float(v)) for v in values) + "]"


@dataclass
class _Row:
    """One row's numbers as a learner works them, from its raw logits."""

    index: int  # 0-based
    z: np.ndarray
    t: np.ndarray  # the target distribution (one-hot, smoothed or soft)
    label: int | None  # class index for hard labels
    shift: bool

    @property
    def x(self) -> np.ndarray:
        return self.z - self.z.max() if self.shift else self.z

    @property
    def e(self) -> np.ndarray:
        return np.exp(self.x)

    @property
    def p(self) -> np.ndarray:
        e = self.e
        return e / e.sum()

    @property
    def log_p(self) -> np.ndarray:
        x = self.z - self.z.max()
        return x - math.log(float(np.exp(x).sum()))


def rows_of(qp: QuizProblem) -> tuple[Problem, Result, list[_Row]]:
    """The core problem, its result, and every row as a learner works it."""
    problem = qp.core()
    result = explain(problem)
    tr = result.trace
    rows = []
    for i in range(len(tr.logits)):
        z = np.asarray(tr.logits[i], dtype=np.float64)
        label = None if tr.labels is None or tr.ignored[i] else int(tr.labels[i])
        rows.append(_Row(i, z, np.asarray(tr.target[i]), label, float(z.max()) > SHIFT_ABOVE))
    return problem, result, rows


def is_plain(problem: Problem) -> bool:
    """Hard labels without smoothing: each sample's loss is -ln p of one class."""
    return not problem.soft and not problem.options.label_smoothing


def live_rows(problem: Problem, result: Result) -> list[int]:
    """0-based rows that count in the loss."""
    return [int(i) for i in np.flatnonzero(~result.trace.ignored)]


def make_steps(qp: QuizProblem, mode: str = "steps") -> list[Step]:
    """The questions for this problem, in the article's order; every value the final needs is asked or given."""
    problem, result, rows = rows_of(qp)
    live = live_rows(problem, result)
    if mode == "final" or not live:
        return [_loss_step(problem, result, rows, asked=None if mode == "final" else [])]
    first = rows[live[0]]
    k = _class(first)
    steps = [_exp_step(first, k, [rows[i] for i in live]), _sum_step(first, k)]
    if first.label is not None:  # soft labels have no true class, so no p_true
        steps.append(_p_step(first, k))
    steps.append(_sample_step(problem, first, k, None))
    asked = [live[0]]
    if len(live) > 1:
        second = rows[live[1]]
        steps.append(_sample_step(problem, second, _class(second), first))
        asked.append(live[1])
    return [*steps, _loss_step(problem, result, rows, asked)]


def loss_step(qp: QuizProblem, mistakes: bool = True) -> Step:
    """The final loss as `xent quiz --answer` checks it (make_steps(qp, "final")); `mistakes=False` skips the
    diagnoses, for a caller that judges first and diagnoses only a wrong answer."""
    problem, result, rows = rows_of(qp)
    return _loss_step(problem, result, rows, None, mistakes)


def step_count(qp: QuizProblem, mode: str = "steps") -> int:
    """len(make_steps(qp, mode)), without building the steps (a long session is counted before it starts)."""
    if mode == "final":
        return 1
    problem, result, _ = rows_of(qp)
    live = live_rows(problem, result)
    if not live:
        return 1
    return (4 if problem.soft else 5) + (len(live) > 1)  # soft labels: no p_true step


def _class(row: _Row) -> int:
    """The class a row's steps are about: its label, or for a soft target the class with the largest t."""
    return row.label if row.label is not None else int(np.argmax(row.t))


def has_stage(qp: QuizProblem, stage: str) -> bool:
    """Whether the problem has this stage (soft labels have no p_true or neg_log_p; every sample ignored, no row)."""
    problem, result, _ = rows_of(qp)
    return missing_reason(stage, problem.soft, len(live_rows(problem, result))) is None


def stage_step(qp: QuizProblem, stage: str) -> Step:
    """The one step a stage name means (as `xent grade` and a drill ask it): about the first sample that
    counts, or the final loss as `xent quiz --answer` checks it; XentError when the problem has no such stage."""
    if stage == "loss":
        return make_steps(qp, "final")[-1]
    problem, result, rows = rows_of(qp)
    live = live_rows(problem, result)
    reason = missing_reason(stage, problem.soft, len(live))
    if reason is not None:
        raise XentError(reason, None, stage=stage)
    row = rows[live[0]]
    k = _class(row)
    if stage == "exp":
        return _exp_step(row, k, [rows[i] for i in live])
    if stage == "row_sum":
        return _sum_step(row, k)
    if stage == "p_true":
        return _p_step(row, k)
    if stage == "neg_log_p":
        return _neg_log_step(row, k, _where(row, k), "", None)
    if stage == "sample_loss":
        return _sample_loss_step(problem, row, k)
    raise XentError("bad_stage", "stage", value=stage)


def drill_step(qp: QuizProblem, stage: str) -> Step:
    """One stage of a problem on its own; a loss drill gives every sample's loss in the prompt."""
    if stage == "loss":
        problem, result, rows = rows_of(qp)
        return _loss_step(problem, result, rows, asked=[])
    return stage_step(qp, stage)


def _where(row: _Row, k: int) -> dict:
    return {"row": row.index + 1, "cls": k, "z": _n(float(row.z[k])), "max": _n(float(row.z.max()))}


def _true(row: _Row) -> str:
    """'' for a labelled row, '_class' for a soft or smoothed row (no 'true class' wording)."""
    return "" if row.label is not None and float(row.t.max()) == 1.0 else "_class"


def _exp_step(row: _Row, k: int, others: Sequence[_Row] = ()) -> Step:
    e, z = row.e, row.z
    value = float(e[k])
    suffix = "_shifted" if row.shift else ""
    cand = [Mistake("exp_sign", math.exp(-row.x[k]), {"z": _n(float(row.x[k]))})]
    cand.append(Mistake("logit_not_exp", float(row.x[k]), {"z": _n(float(row.x[k]))}))
    cand += [Mistake("other_row", float(o.e[k]), {"other": o.index + 1, "row": row.index + 1})
             for o in others if o.index != row.index]  # fmt: skip
    if row.shift:
        with np.errstate(over="ignore"):
            cand.append(Mistake("unshifted_exp", float(np.exp(z[k])), {"max": _n(float(z.max()))}))
    else:
        cand.append(Mistake("shifted_exp", float(np.exp(z[k] - z.max())), {"max": _n(float(z.max()))}))
    cand += [Mistake("wrong_class_exp", float(e[j]), {"cls": j, "want": k}) for j in range(len(z)) if j != k]
    d = P.asked_decimals(value, True)  # divided by the row sum next
    filled = f"exp({_n(float(row.x[k]))})" if not row.shift else f"exp({_n(float(z[k]))} − {_paren(z.max())})"
    return Step(
        "exp", _where(row, k), value, "hint.exp" + (suffix or _true(row)), filled,
        _keep(value, cand, d), "quiz.prompt.exp" + suffix + _true(row), value, _show_exp(row), row.index + 1,
        _sig_note(d), d, f"e{row.index + 1}.{k}",
    )  # fmt: skip


def _sig_note(d: int) -> tuple[str, ...]:
    """The note that a small value is asked to 4 significant figures (none at 4 decimals)."""
    return ("quiz.note.sig",) if d > DECIMALS else ()


def _asked(values) -> list[str]:
    """Each value at the precision a step would ask for it (4 significant figures when small)."""
    return [P.fmt_asked(float(v), True) for v in values]


def _show_exp(row: _Row) -> tuple[tuple[str, dict], ...]:
    e = row.e
    values = ", ".join(f"{j}: {v}" for j, v in enumerate(_asked(e)))
    if row.shift:
        return (("quiz.show.exp_shifted", {"row": row.index + 1, "values": values, "max": _n(float(row.z.max()))}),)
    lines = [("quiz.show.exp", {"row": row.index + 1, "values": values})]
    if float(row.z.max()) != 0.0:
        shifted = ", ".join(f"{j}: {v}" for j, v in enumerate(_asked(np.exp(row.z - row.z.max()))))
        lines.append(("quiz.show.shift_aside", {"max": _n(float(row.z.max())), "values": shifted}))
    return tuple(lines)


def _e_inputs(row: _Row) -> tuple[Input, ...]:
    r = row.index + 1
    return tuple(
        Input(f"e{r}.{j}", f"e^z_{j}", float(v), P.asked_decimals(float(v), True)) for j, v in enumerate(row.e)
    )


def _sum_step(row: _Row, k: int) -> Step:
    e = row.e
    total = float(e.sum())
    suffix = "_shifted" if row.shift else ""
    cand = [Mistake("only_true_term", float(e[k]), {"cls": k, "c": len(e)})]
    if row.shift:
        with np.errstate(over="ignore"):
            cand.append(Mistake("unshifted_exp", float(np.exp(row.z).sum()), {"max": _n(float(row.z.max()))}))
    else:
        cand.append(Mistake("shifted_sum", float(np.exp(row.z - row.z.max()).sum()), {"max": _n(float(row.z.max()))}))
    d = P.asked_decimals(total, True)  # the row sum divides e^z next
    cand.append(Mistake("logit_sum", float(row.x.sum()), {}))
    for r in (1, 2, 3):
        rounded = [round(float(v), r) for v in e]
        cand.append(Mistake("rounded_early", math.fsum(rounded), {"what": "e^z", "decimals": r,
                            "rounded": " + ".join(f"{v:.{r}f}" for v in rounded)}))  # fmt: skip
    cand += [Mistake("missing_term", total - float(e[j]), {"cls": j, "term": P.fmt_asked(float(e[j]), True)})
             for j in range(len(e))]  # fmt: skip
    terms = " + ".join(f"e^{_paren(v)}" for v in row.x)
    shown = ", ".join(f"{j}: {v}" for j, v in enumerate(_asked(e)))
    ins = _e_inputs(row)
    return Step(
        "row_sum", _where(row, k), total, "hint.row_sum" + suffix, terms, _keep(total, cand, d),
        "quiz.prompt.row_sum" + suffix, None,
        (("quiz.show.row_sum" + suffix, {"row": row.index + 1, "values": shown, "total": P.fmt(total, d)}),),
        row.index + 1, _sig_note(d), d, f"S{row.index + 1}", ins, _sum, lambda xs: " + ".join(xs),
    )  # fmt: skip


def _sum(xs: Sequence[float]) -> float:
    return float(math.fsum(xs))


def _ratio(xs: Sequence[float]) -> float:
    return xs[0] / xs[1]


def _neg_ln(xs: Sequence[float]) -> float:
    return -math.log(xs[0])


def _p_step(row: _Row, k: int) -> Step:
    e, p = row.e, row.p
    total = float(e.sum())
    value = float(p[k])
    p2 = np.exp(p) / np.exp(p).sum()
    d = P.asked_decimals(value, True)  # its log is taken next
    cand = [
        Mistake("unnormalized", float(e[k]), {"total": P.fmt_asked(total, True)}),
        Mistake("inverted", total / float(e[k]), {}),
        Mistake("softmax_twice", float(p2[k]), {}),
    ]
    cand += [Mistake("wrong_class_p", float(p[j]), {"cls": j, "want": k}) for j in range(len(p)) if j != k]
    zsum = float(row.x.sum())
    if zsum:
        cand.append(Mistake("logit_ratio", float(row.x[k]) / zsum, {}))
    for r in (1, 2, 3):
        ek, sr = round(float(e[k]), r), round(total, r)
        if sr:
            cand.append(Mistake("rounded_early", ek / sr, {"what": "e^z / Σ", "decimals": r,
                                "rounded": f"{ek:.{r}f} / {sr:.{r}f}"}))  # fmt: skip
    r = row.index + 1
    ins = (_e_inputs(row)[k], Input(f"S{r}", "Σ", total, P.asked_decimals(total, True)))
    filled = _fill(ins, _ratio, _slash, value, d)
    shown = ", ".join(f"{j}: {v}" for j, v in enumerate(_asked(p)))
    return Step(
        "p_true", _where(row, k), value, "hint.p_true" + _true(row), filled,
        _keep(value, cand, d), "quiz.prompt.p_true" + _true(row), None,
        (("quiz.show.p", {"row": r, "values": shown, "total": P.fmt_asked(total, True)}),), r,
        _sig_note(d), d, f"p{r}.{k}", ins, _ratio, _slash,
    )  # fmt: skip


def _slash(xs: Sequence[str]) -> str:
    return f"{xs[0]} / {xs[1]}"


def _ln_of(xs: Sequence[str]) -> str:
    return f"-ln({xs[0]})"


def _fill(ins: Sequence[Input], fn, render, value: float, d: int) -> str:
    """The formula with the exact inputs written so it holds for `value` at `d` decimals as printed."""
    items = [P._given(i.exact) if i.given else (i.exact, i.decimals) for i in ins]
    return render(P.fit(items, fn, value, d))


def _sample_step(problem: Problem, row: _Row, k: int, before: _Row | None) -> Step:
    """The quiz's step about a sample: -ln p of the labelled class (stage neg_log_p; a weight is applied in
    the final), or the sample's loss -Σ w_c t_c ln p_c for a soft or smoothed target (stage sample_loss)."""
    where = _where(row, k)
    again = "" if before is None else "_again"
    if row.label is not None and _true(row) == "":
        w = problem.options.weight
        return _neg_log_step(row, k, where, again, before, None if w is None else float(w[k]))
    return _target_step(problem, row, k, where, again, before)


def _sample_loss_step(problem: Problem, row: _Row, k: int) -> Step:
    """A sample's loss asked on its own, as reduction='none' gives it: -ln p, w[y]·(-ln p), or -Σ w_c t_c ln p_c."""
    if row.label is not None and _true(row) == "":
        plain = _neg_log_step(row, k, _where(row, k), "", None)
        w = problem.options.weight
        return replace(plain, stage="sample_loss") if w is None else _weighted_sample_step(row, k, float(w[k]), plain)
    return _target_step(problem, row, k, _where(row, k), "", None)


def _weighted_sample_step(row: _Row, k: int, w: float, plain: Step) -> Step:
    """A weighted sample's loss w[y]·(-ln p_y), as reduction='none' gives it."""
    nl = plain.expected
    value = w * nl
    r = row.index + 1
    pk = float(row.p[k])
    params = dict(plain.params, w=_n(w), p=P.fmt_asked(pk, True))
    cand = [
        *_log_mistakes(value),
        Mistake("weight_left_out_row", nl, {"w": _n(w), "cls": k}),
        Mistake("prob_not_loss", pk, {"p": P.fmt_asked(pk, True)}),
    ]
    cand += [Mistake("wrong_class_loss", -w * float(row.log_p[j]), {"cls": j, "want": k})
             for j in range(len(row.z)) if j != k]  # fmt: skip
    ins = (Input("w", "w[y]", w, DECIMALS, given=True), Input(f"p{r}.{k}", "p", pk, P.asked_decimals(pk, True)))
    filled = _fill(ins, _weighted_neg_ln, _times_ln, value, DECIMALS)
    shown = P.fit([P._given(w), (nl, DECIMALS)], _product, value, DECIMALS)  # the show line holds as printed
    show = (("quiz.show.sample_weighted", {"row": r, "cls": k, "w": shown[0], "nl": shown[1], "value": n4(value)}),)
    return Step("sample_loss", params, value, "hint.sample_weighted", filled, _keep(value, cand),
                "quiz.prompt.sample_weighted", None, show, r, (), DECIMALS, f"l{r}", ins, _weighted_neg_ln,
                _times_ln, logged=True)  # fmt: skip


def _weighted_neg_ln(xs: Sequence[float]) -> float:
    return -xs[0] * math.log(xs[1])


def _product(xs: Sequence[float]) -> float:
    return xs[0] * xs[1]


def _times_ln(xs: Sequence[str]) -> str:
    return f"{xs[0]} × -ln({xs[1]})"


def _log_mistakes(value: float) -> list[Mistake]:
    """The sign and base mistakes of a value -ln(...) (or a sum of them), alone and combined."""
    return [
        Mistake("sign", -value, {}),
        Mistake("log10", value / math.log(10), {}),
        Mistake("log2", value / math.log(2), {}),
        Mistake("sign_log10", -value / math.log(10), {}),
        Mistake("sign_log2", -value / math.log(2), {}),
    ]


def _neg_log_step(row: _Row, k: int, where: dict, again: str, before: _Row | None, w: float | None = None) -> Step:
    p = row.p
    value = -float(row.log_p[k])
    p2 = np.exp(p) / np.exp(p).sum()
    cand = [
        *_log_mistakes(value),
        Mistake("prob_not_loss", float(p[k]), {"p": P.fmt_asked(float(p[k]), True)}),
        Mistake("softmax_twice", -math.log(float(p2[k])), {}),
    ]
    cand += [Mistake("wrong_class_loss", -float(row.log_p[j]), {"cls": j, "want": k}) for j in range(len(p)) if j != k]
    if before is not None and before.label is not None:
        cand.append(
            Mistake("other_row", -float(before.log_p[before.label]), {"other": before.index + 1, "row": row.index + 1})
        )
    r = row.index + 1
    pk = float(p[k])
    cand += _rounded_p(pk, value)
    if w is not None and w != 1.0:
        cand.append(Mistake("weighted_too_early", w * value, {"w": _n(w), "lnp": n4(value)}))
    ins = (Input(f"p{r}.{k}", "p", pk, P.asked_decimals(pk, True)),)
    fitted = _fill(ins, _neg_ln, _ln_of, value, DECIMALS)
    show = (("quiz.show.neg_log_p", {"row": r, "cls": k, "p": fitted[4:-1], "value": n4(value)}),)
    formula = fitted if not again else f"-ln(e^{_paren(row.z[k])} / ({' + '.join(f'e^{_paren(v)}' for v in row.z)}))"
    notes = ("quiz.note.again",) if again else ()
    return Step("neg_log_p", where, value, "hint.neg_log_p", formula, _keep(value, cand),
                "quiz.prompt.neg_log_p", None, show, r, notes, DECIMALS, f"l{r}", ins, _neg_ln, _ln_of,
                logged=True)  # fmt: skip


def _rounded_p(pk: float, value: float) -> list[Mistake]:
    """-ln of p rounded to fewer decimals than asked before the log, alone and with a sign or base slip."""
    out = []
    for d in reversed(range(1, P.asked_decimals(pk, True))):  # 0.50 rather than 0.5 when both give it
        pr = round(pk, d)
        if pr <= 0 or pr == pk:
            continue
        v = -math.log(pr)
        params = {"what": "p", "decimals": d, "rounded": f"{pr:.{d}f}"}
        out.append(Mistake("rounded_early", v, params))
        for kind, slip in (("sign", -v), ("log10", v / math.log(10)), ("sign_log10", -v / math.log(10))):
            out.append(Mistake("two_slips", slip, dict(params, first=kind, second="rounded_early")))
    return out


def _target_step(problem: Problem, row: _Row, k: int, where: dict, again: str, before: _Row | None) -> Step:
    """A soft or smoothed row: the loss is -Σ_c t_c ln p_c over the classes with t_c > 0."""
    o = problem.options
    w = o.weight if o.weight is not None else np.ones(len(row.z))
    lp = row.log_p
    coef = w * row.t
    used = [c for c in range(len(row.z)) if coef[c] > 0]
    value = -float(sum(coef[c] * lp[c] for c in used))
    weighted = "_weighted" if o.weight is not None else ""
    params = dict(where, t=_vector(row.t), eps=_n(o.label_smoothing), share=n4(o.label_smoothing / len(row.z)),
                  w=_vector(w))  # fmt: skip
    cand = _log_mistakes(value)
    if row.label is not None:  # smoothing: the loss without it is -w[y] ln p_y
        cand.append(Mistake("smoothing_left_out_row", -float(w[row.label] * lp[row.label]), {"eps": params["eps"]}))
        c = len(row.z)
        if c > 1:  # ε spread over the other C − 1 classes instead of ε/C over all C
            eps = o.label_smoothing
            spread = np.full(c, eps / (c - 1))
            spread[row.label] = 1.0 - eps
            cand.append(Mistake("smoothing_spread", -float((w * spread * lp).sum()),
                                {"eps": params["eps"], "c": c, "c1": c - 1, "wrong": n4(eps / (c - 1)),
                                 "share": params["share"], "t": params["t"]}))  # fmt: skip
    else:
        top = int(np.argmax(row.t))
        cand.append(Mistake("one_class", -float(w[top] * lp[top]), {"cls": top, "t": _n(float(row.t[top]))}))
    cand.append(Mistake("p_not_log", -float(sum(coef[c] * row.p[c] for c in used)), {}))
    if row.label is not None and o.label_smoothing:  # ε/C added to the labelled class only
        ty = 1.0 - o.label_smoothing + o.label_smoothing / len(row.z)
        true_only = -float(w[row.label] * ty * lp[row.label])
        cand.append(Mistake("smoothing_true_only", true_only, {"share": params["share"]}))
    if len(used) > 1:  # one class's term left out
        cand += [Mistake("missing_class_term", value + float(coef[c] * lp[c]), {"cls": c, "coef": _n(float(coef[c])),
                         "lnp": n4(-float(lp[c]))}) for c in used]  # fmt: skip
    for d in (1, 2, 3):
        pr = [round(float(row.p[c]), d) for c in used]
        if all(x > 0 for x in pr):
            v = -math.fsum(float(coef[c]) * math.log(x) for c, x in zip(used, pr, strict=True))
            cand.append(Mistake("rounded_early", v, {"what": "p", "decimals": d,
                                "rounded": ", ".join(f"{x:.{d}f}" for x in pr)}))  # fmt: skip
    if len(used) > 1:  # one term of the sum on its own
        cand += [Mistake("one_term", -float(coef[c] * lp[c]), {"cls": c, "coef": _n(float(coef[c])),
                         "lnp": n4(-float(lp[c])), "n": len(used)}) for c in used]  # fmt: skip
    if before is not None:
        cand.append(
            Mistake("other_row", _target_value(problem, before), {"other": before.index + 1, "row": row.index + 1})
        )
    r = row.index + 1
    soft = row.label is None
    ins: list[Input] = []
    for c in used:  # t_c (as the table shows it, or given for soft labels), then p_c
        ins.append(Input(f"t{r}.{c}", f"t_{c}", float(row.t[c]), DECIMALS, n4(float(row.t[c])), given=soft))
    for c in used:
        pc = float(row.p[c])
        ins.append(Input(f"p{r}.{c}", f"p_{c}", pc, P.asked_decimals(pc, True)))
    wu = [float(w[c]) for c in used]
    n = len(used)

    def fn(xs: Sequence[float]) -> float:
        return -math.fsum(wu[i] * xs[i] * math.log(xs[n + i]) for i in range(n))

    wt = [_n(x) + "·" if o.weight is not None else "" for x in wu]

    def render(xs: Sequence[str]) -> str:
        return "-(" + " + ".join(f"{wt[i]}{xs[i]}·ln({xs[n + i]})" for i in range(n)) + ")"

    filled = _fill(ins, fn, render, value, DECIMALS)
    # The show line: t, p and ln p written so that each ln p and the loss hold for the printed numbers.
    items: list = [P._given(float(row.t[c])) if soft else (float(row.t[c]), DECIMALS) for c in used]
    items += [(float(lp[c]), DECIMALS) for c in used]

    def from_lnp(xs: Sequence[float]) -> float:
        return -math.fsum(wu[i] * xs[i] * xs[n + i] for i in range(n))

    shown = P.fit(items, from_lnp, value, DECIMALS)
    c_all = range(len(row.z))
    t_txt = [shown[used.index(c)] if c in used else n4(float(row.t[c])) for c in c_all]
    l_txt = [shown[n + used.index(c)] if c in used else n4(float(lp[c])) for c in c_all]
    p_txt = [P.fit([(float(row.p[c]), P.asked_decimals(float(row.p[c]), True))], _ln1, float(l_txt[c]),
                   len(l_txt[c].partition(".")[2]))[0] for c in c_all]  # fmt: skip
    show = (("quiz.show.target", {"row": r, "t": _list(t_txt), "p": _list(p_txt), "lnp": _list(l_txt),
                                  "value": n4(value)}),)  # fmt: skip
    # The displayed t and ln p (table and show line at 4 decimals), as a learner may combine them.
    t4 = [float(n4(float(row.t[c]))) for c in used]
    l4 = [float(n4(float(lp[c]))) for c in used]
    from_shown = -math.fsum(wu[i] * t4[i] * l4[i] for i in range(n))
    eq = "-(" + " + ".join(f"{wt[i]}{n4(t4[i])}·({n4(l4[i])})" for i in range(n)) + ")"
    extra = (P.Source(from_shown, (("t", _vector(row.t)), ("ln p", _vector(lp))), False, eq),)
    smooth = "_smooth" if row.label is not None else "_soft"
    notes = tuple(key for key, on in (("quiz.note.weighted", weighted), ("quiz.note.again", again)) if on)
    return Step("sample_loss", params, value, "hint.sample" + smooth, filled, _keep(value, cand),
                "quiz.prompt.sample" + smooth, None, show, r, notes, DECIMALS, f"l{r}", tuple(ins), fn, render,
                extra, logged=True)  # fmt: skip


def _list(texts: Sequence[str]) -> str:
    return "[" + ", ".join(texts) + "]"


def _ln1(xs: Sequence[float]) -> float:
    return math.log(xs[0])


def _target_value(problem: Problem, row: _Row) -> float:
    o = problem.options
    w = o.weight if o.weight is not None else np.ones(len(row.z))
    coef = w * row.t
    return -float(sum(coef[c] * row.log_p[c] for c in range(len(row.z)) if coef[c] > 0))


def sample_value(problem: Problem, row: _Row) -> float:
    """The value the sample step asks for this row: -ln p (plain) or -Σ w_c t_c ln p_c."""
    if row.label is not None and _true(row) == "":
        return -float(row.log_p[row.label])
    return _target_value(problem, row)


def _denominator(problem: Problem, result: Result, live: list[int]) -> tuple[str, str]:
    """What the mean divides by, in words with the real numbers: ('weights'|'live'|'n', text)."""
    o = problem.options
    if not problem.soft and o.weight is not None:
        ws = [float(o.weight[int(problem.target[i])]) for i in live]
        places = max(1, *(len(_n(w).partition(".")[2]) for w in ws))
        text = " + ".join(f"{w:.{places}f}" for w in ws)
        return "weights", (f"{text} = {sum(ws):.{places}f}" if len(ws) > 1 else text)
    if len(live) != problem.num_samples:
        return "live", str(len(live))
    return "n", str(problem.num_samples)


def _loss_step(
    problem: Problem, result: Result, rows: list[_Row], asked: list[int] | None, mistakes: bool = True
) -> Step:
    """The final loss; `asked` lists the rows whose sample value was asked (None: final mode); without
    `mistakes`, no wrong answer's diagnosis (their candidates cost most of the step)."""
    from ..lesson.layout import build

    o = problem.options
    loss = float(result.loss)
    live = live_rows(problem, result)
    samples = {i: sample_value(problem, rows[i]) for i in live}
    plain = is_plain(problem)
    w = {i: (float(o.weight[rows[i].label]) if plain and o.weight is not None else 1.0) for i in live}
    den = result.denominator if o.reduction == "mean" else 1.0
    ins: tuple[Input, ...] = ()
    fn = render = None
    hint = ""
    if live and den and math.isfinite(loss):
        shown_rows = [i for i in live if asked is None or i not in asked]  # given in the prompt
        ins = tuple(Input(f"l{i + 1}", "L_" + str(i + 1), samples[i], DECIMALS,
                          n4(samples[i]) if i in shown_rows and asked is not None else None) for i in live)  # fmt: skip
        fn, render = _mean_of(problem, live, [w[i] for i in live], den)
        filled = _fill(ins, fn, render, loss, DECIMALS)
        if asked is None:  # final mode: nothing was asked, so the numbers are each row's p
            hint = render([_sample_expr(problem, rows[i]) for i in live])
    else:
        filled = build(result).sections[-1].lines[0].rsplit(" = ", 1)[0]
    kind, den_text = _denominator(problem, result, live) if o.reduction == "mean" else ("sum", "")
    cand: list[Mistake] = []
    if mistakes:  # the wrong answers' diagnoses: judging right or short needs none of them
        cand = _log_mistakes(loss)
        if o.reduction == "mean" and den != 1:
            cand.append(Mistake("sum_not_mean", result.numerator, {"den": den_text, "how": kind}))
        if o.reduction == "sum" and len(live) > 1:
            cand.append(Mistake("mean_not_sum", result.numerator / len(live), {"n": len(live)}))
        for i in live if len(live) > 1 else []:
            cand.append(Mistake("one_row", samples[i], {"row": i + 1, "n": len(live)}))
        if o.reduction == "mean" and den != problem.num_samples:
            cand.append(Mistake("mean_all_rows", result.numerator / problem.num_samples,
                                {"n": problem.num_samples, "den": den_text, "how": kind}))  # fmt: skip
        if o.weight is not None:
            cand.append(Mistake("weights_left_out", _variant(problem, weight=None), {"den": den_text, "how": kind}))
        cand += _reduction_slips(problem, result, rows, live, samples, w, den, den_text, kind)
        if o.label_smoothing:
            cand.append(
                Mistake("smoothing_left_out", _variant(problem, label_smoothing=0.0), {"eps": _n(o.label_smoothing)})
            )
        if not problem.soft and problem.num_classes > 1 and live:
            cand.append(Mistake("wrong_class", _wrong_class_loss(problem, result), {}))
            if plain and len(live) <= ROW_MISTAKES_UP_TO:
                cand += _wrong_class_rows(problem, rows, live, samples, w, den)
            if plain and o.weight is None:
                ps = [float(rows[i].p[rows[i].label]) for i in live]
                cand.append(Mistake("mean_of_p", float(sum(ps) if o.reduction == "sum" else np.mean(ps)), {}))
        if problem.soft:
            hard = np.argmax(np.asarray(problem.target), axis=1)
            cand.append(Mistake("argmax_target", _variant(problem, target=hard), {}))
        with np.errstate(all="ignore"):
            soft_z = result.trace.probs.reshape(problem.logits.shape)
        cand.append(Mistake("softmax_twice", _variant(problem, logits=soft_z), {}))
    params = {"reduction": o.reduction}
    given = [i for i in live if asked is not None and i not in asked]
    ignored = [i + 1 for i in range(problem.num_samples) if i not in live]
    notes = []
    if given:
        params["given"] = ", ".join(f"{i + 1}: {n4(samples[i])}" for i in given)
        params["given_rows"] = tuple((i + 1, n4(samples[i]), None) for i in given)
        if plain and o.weight is not None:  # the given value is -ln p; its weight is applied in the final
            params["given_rows"] = tuple((i + 1, n4(samples[i]), _n(w[i])) for i in given)
        notes.append("quiz.note.given_weighted" if plain and o.weight is not None else "quiz.note.given")
    if ignored and asked is not None:
        params["ignored"] = ", ".join(map(str, ignored))
        params["ignored_rows"] = tuple(ignored)
        notes.append("quiz.note.ignored")
    show = (("quiz.show.loss", {"values": ", ".join(f"{i + 1}: {n4(samples[i])}" for i in live),
                                "value_rows": tuple((i + 1, n4(samples[i]), None) for i in live),
                                "filled": filled, "value": n4(loss)}),)  # fmt: skip
    return Step("loss", params, loss, _loss_formula(problem), filled, _keep(loss, cand), "quiz.prompt.loss",
                None, show, None, tuple(notes), DECIMALS, "loss", ins, fn, render, hint=hint)  # fmt: skip


def _sample_expr(problem: Problem, row: _Row) -> str:
    """A sample's loss written from its p: -ln(p), or -(c·ln(p_c) + ...) for a spread target."""
    if row.label is not None and _true(row) == "":
        return f"-ln({P.fmt_asked(float(row.p[row.label]), True)})"
    o = problem.options
    w = o.weight if o.weight is not None else np.ones(len(row.z))
    coef = w * row.t
    terms = [f"{_n(float(coef[c]))}·ln({P.fmt_asked(float(row.p[c]), True)})" for c in range(len(row.z)) if coef[c] > 0]
    return "-(" + " + ".join(terms) + ")"


def _mean_of(problem: Problem, live: list[int], w: list[float], den: float):
    """The reduction as a function of the samples' values and as a formula over them as written."""
    o = problem.options
    weighted = any(x != 1.0 for x in w)
    n = len(live)

    def fn(xs: Sequence[float]) -> float:
        return math.fsum(wi * x for wi, x in zip(w, xs, strict=True)) / den

    if o.reduction == "sum":
        den_text = ""
    elif not problem.soft and o.weight is not None:
        ws = [_n(float(o.weight[int(problem.target[i])])) for i in live]
        den_text = " / " + (f"({' + '.join(ws)})" if n > 1 else ws[0])
    else:
        den_text = f" / {_n(den)}"

    def render(xs: Sequence[str]) -> str:
        terms = [f"{_n(wi)}·{x}" if weighted else x for wi, x in zip(w, xs, strict=True)]
        body = " + ".join(terms)
        return (f"({body})" if n > 1 and den_text else body) + den_text

    return fn, render


def _reduction_slips(problem: Problem, result: Result, rows: list[_Row], live: list[int], samples: dict, w: dict,
                     den: float, den_text: str, kind: str) -> list[Mistake]:  # fmt: skip
    """Divided by C or a wrong N, a row left out, the samples or p rounded too early."""
    o = problem.options
    out: list[Mistake] = []
    if not live or not den:
        return out
    num = math.fsum(w[i] * samples[i] for i in live)
    n = len(live)
    if o.reduction == "mean":
        c = problem.num_classes
        if c != den:
            out.append(Mistake("divide_by_c", num / c, {"c": c, "den": den_text, "how": kind}))
        for m in (n - 1, n + 1):
            if m > 0 and m != den and m != c:
                out.append(Mistake("wrong_n", num / m, {"div": m, "den": den_text, "how": kind}))
    if n > 1:
        for i in live:
            rest = num - w[i] * samples[i]
            params = {"row": i + 1, "term": n4(samples[i])}
            if o.reduction == "sum":
                out.append(Mistake("dropped_row", rest, params))
                continue
            out.append(Mistake("dropped_row", rest / den, params))
            if den - w[i] > 0:
                out.append(Mistake("dropped_row", rest / (den - w[i]), params))
    for d in (1, 2, 3):
        rounded = [round(samples[i], d) for i in live]
        value = math.fsum(w[i] * x for i, x in zip(live, rounded, strict=True)) / den
        out.append(Mistake("rounded_early", value, {"what": "-ln p", "decimals": d,
                           "rounded": ", ".join(f"{x:.{d}f}" for x in rounded)}))  # fmt: skip
    if is_plain(problem):
        for d in (1, 2, 3):
            ps = [round(float(rows[i].p[rows[i].label]), d) for i in live]
            if all(x > 0 for x in ps):
                value = math.fsum(-w[i] * math.log(x) for i, x in zip(live, ps, strict=True)) / den
                out.append(Mistake("rounded_early", value, {"what": "p", "decimals": d,
                                   "rounded": ", ".join(f"{x:.{d}f}" for x in ps)}))  # fmt: skip
    return out


def _loss_formula(problem: Problem) -> str:
    o = problem.options
    if problem.soft:
        return "hint.loss_soft"
    if o.label_smoothing:
        return "hint.loss_smooth"
    if o.reduction == "sum":
        return "hint.loss_sum"
    if o.weight is not None:
        return "hint.loss_weighted"
    if (problem.target == o.ignore_index).any():
        return "hint.loss_ignored"
    return "hint.loss_mean"


def _variant(problem: Problem, logits: np.ndarray | None = None, target: np.ndarray | None = None, **changes) -> float:
    """The loss of the same problem with one thing changed (a likely mistake)."""
    o = replace(problem.options, **changes)
    p = replace(problem, logits=problem.logits if logits is None else logits, options=o,
                target=problem.target if target is None else target)  # fmt: skip
    return float(explain(p, rows=0).loss)


def _wrong_class_rows(problem: Problem, rows: list[_Row], live: list[int], samples: dict, w: dict,
                      den: float) -> list[Mistake]:  # fmt: skip
    """The loss with one row's -ln p taken from another class of that row."""
    if not den or problem.num_classes > ROW_MISTAKES_UP_TO:
        return []
    num = float(sum(w[i] * samples[i] for i in live))
    out = []
    for i in live:
        r = rows[i]
        for j in range(problem.num_classes):
            if j != r.label:
                value = (num - w[i] * samples[i] + w[i] * -float(r.log_p[j])) / den
                out.append(Mistake("wrong_class_row", value, {"row": i + 1, "cls": j, "want": r.label,
                                   "wrong": n4(-float(r.log_p[j])), "right": n4(samples[i])}))  # fmt: skip
    return out


def _wrong_class_loss(problem: Problem, result: Result) -> float:
    """The loss had every row used its most probable wrong class."""
    probs = result.trace.probs.copy()
    labels = problem.target.copy()
    live = labels != problem.options.ignore_index
    probs[np.flatnonzero(live), labels[live]] = -1.0
    labels[live] = np.argmax(probs, axis=1)[live]
    return float(explain(replace(problem, target=labels), rows=0).loss)


def _keep(expected: float, cand: list[Mistake], d: int = DECIMALS) -> tuple[Mistake, ...]:
    """The mistakes whose value is finite and cannot be taken for the right answer; first kind wins."""
    out: list[Mistake] = []
    for m in cand:
        if not math.isfinite(m.value) or abs(m.value - expected) <= 2 * P.unit(d):
            continue
        if any(abs(m.value - o.value) <= SLACK for o in out):
            continue
        out.append(Mistake(m.kind, float(m.value), dict(m.params, value=P.fmt_asked(m.value, d > DECIMALS))))
    return tuple(out)


def decimals(text: str | None) -> int | None:
    """How many decimals a plain number was written with (None for arithmetic)."""
    return P.written_decimals(text)


Known = dict  # quantity key ("p1.1", "l2") -> (value, as written): the learner's own right answers


def sources(step: Step, known: Known | None = None) -> list[P.Source]:
    """The values that follow exactly from numbers the learner typed or was shown: carried, shown, their own."""
    out = list(step.extra)
    if step.fn is None or not step.inputs:
        return out
    known = known or {}
    seen: set[float] = set()
    for base in ("typed", "carried"):
        for own in (True, False):
            texts: list[str | tuple[float, int]] = []
            numbers: list[tuple[str, str]] = []
            typed = False
            for inp in step.inputs:
                if own and inp.key in known:
                    text = known[inp.key][1]
                    typed = True
                    numbers.append((inp.symbol, text))
                    texts.append(text)
                elif inp.given:
                    texts.append(P._given(inp.exact))
                elif base == "typed":  # the exact value, written as needed
                    texts.append((inp.exact, inp.decimals))
                else:
                    texts.append(inp.carried)
                    if float(inp.carried) != inp.exact:
                        numbers.append((inp.symbol, inp.carried))
            if (own and not typed) or (base == "typed" and not own):
                continue
            try:
                value = step.fn([float(x) if isinstance(x, str) else x[0] for x in texts])
            except (ValueError, ZeroDivisionError, OverflowError):
                continue
            if not math.isfinite(value) or value in seen:
                continue
            seen.add(value)
            shown_numbers = tuple(numbers)
            eq = step.render(P.fit(texts, step.fn, value, step.decimals)) if step.render else ""
            out.append(P.Source(value, shown_numbers, typed, eq))
    return out


def check(step: Step, value: float, text: str | None = None, known: Known | None = None) -> Verdict:
    """The precision rule (precision.judge) on one answer; a wrong one gets the likely mistake and its numbers."""
    j = P.judge(value, text, step.expected, step.decimals, sources(step, known))
    if j.right:
        kind = None if j.outcome == P.RIGHT else "from_yours"
        return Verdict(True, kind, value, step.expected, {"value": shown(value, text)}, j)
    if j.outcome == P.SHORT:
        d = j.given or 0
        return Verdict(False, j.how, value, step.expected, {"value": text.strip() if text else "", "decimals": d,
                       "asked": step.decimals, "expected": step.answer,
                       "rounded": P.fmt(P.half_up(step.expected, d), d)}, j)  # fmt: skip
    best = None
    for m in step.mistakes:
        gap = abs(value - m.value)
        # A mistake worked from rounded intermediates drifts like a right answer does.
        if gap <= max(P.unit(step.decimals), MISTAKE_DRIFT * abs(m.value)) + SLACK and (best is None or gap < best[0]):
            best = (gap, m)
    if best is not None:
        return Verdict(False, best[1].kind, value, step.expected, dict(best[1].params, value=shown(value, text)), j)
    kind = "close" if j.outcome == P.CLOSE else None
    return Verdict(False, kind, value, step.expected, {"value": shown(value, text), "decimals": step.decimals}, j)


def shown(value: float, text: str | None) -> str:
    """The learner's number as typed (a plain number), else its value."""
    from .arith import as_typed

    return as_typed(text) if decimals(text) is not None else f"{value:.4f}"


def describe(verdict: Verdict, lang: str = "en", prefix: str = "mistake") -> str | None:
    """The diagnosis sentence for a verdict, with its numbers (None when right or unrecognised).

    prefix "grade" words an under-rounded answer for one-shot grading, which has no next try (and gives
    the expected value); the quiz's words never give the digits away before the last try.
    """
    from ..lesson.text import t

    if verdict.correct or verdict.kind is None:
        return None
    params = dict(verdict.params)
    if verdict.rounded:  # right but short: rounded, or cut
        if prefix == "grade":
            return t(f"grade.{verdict.kind}", lang, **params)
        key = "quiz.short_sig" if params.get("asked", DECIMALS) > DECIMALS else "quiz.short"
        return t(key, lang, **params)
    if "how" in params:
        params["how"] = t(f"den.{params['how']}", lang, den=params.get("den", ""))
    if verdict.kind == "two_slips":
        params["first"] = t("kind." + params["first"], lang)
    return t("mistake." + verdict.kind, lang, **params)


MISTAKE_KINDS = (
    "rounded", "cut", "close", "exp_sign", "shifted_exp", "unshifted_exp", "wrong_class_exp", "only_true_term",
    "shifted_sum", "missing_term", "unnormalized", "inverted", "softmax_twice", "wrong_class_p", "sign", "log10",
    "log2", "sign_log10", "sign_log2", "prob_not_loss", "wrong_class_loss", "other_row", "smoothing_left_out_row",
    "one_class", "p_not_log", "argmax_target", "mean_of_p", "sum_not_mean", "mean_not_sum", "one_row",
    "mean_all_rows", "weights_left_out", "smoothing_left_out", "wrong_class", "wrong_class_row", "one_term",
    "smoothing_spread", "logit_sum", "logit_not_exp", "logit_ratio", "rounded_early", "weighted_too_early",
    "smoothing_true_only", "missing_class_term", "divide_by_c", "wrong_n", "dropped_row", "two_slips",
    "weight_left_out_row",
)  # fmt: skip
OUTCOMES = ("right_first", "right_retry", "revealed", "skipped")


@dataclass
class StepResult:
    """How one step went: its outcome, the wrong tries and their mistake kinds, whether hints were used."""

    stage: str
    outcome: str  # one of OUTCOMES
    wrong_tries: int = 0
    wrong_first: bool = False  # the first number given was wrong (not merely under-rounded)
    mistakes: list[str] = field(default_factory=list)  # kind per wrong try ("unknown" when unrecognised)
    hinted: bool = False
    answered: bool = False  # the learner gave at least one number (a skip or show alone is no answer)

    @property
    def right(self) -> bool:
        """Right in the end by the learner's own answer (first try or after retries), with nothing revealed."""
        return self.outcome in ("right_first", "right_retry")


def _zero() -> dict[str, int]:
    return {k: 0 for k in (*OUTCOMES, "hinted", "wrong_tries", "wrong_first")}


@dataclass
class Tally:
    """Counts for a session's summary and the progress file."""

    planned: int = 0  # steps the session meant to ask
    by_stage: dict[str, dict[str, int]] = field(default_factory=dict)
    mistakes: dict[str, int] = field(default_factory=dict)
    solved: list[str] = field(default_factory=list)
    attempted: list[str] = field(default_factory=list)  # exercises with at least one answer
    answers: int = 0  # steps with at least one answer (finished or not): a session with none is not saved
    firsts: dict[str, list[int]] = field(default_factory=dict)  # per stage, in order: 1 right first try, else 0
    exercises: dict[str, dict[str, int]] = field(default_factory=dict)  # per exercise finished: how it went

    def add(self, result: StepResult) -> None:
        """Count one finished step."""
        self.firsts.setdefault(result.stage, []).append(int(result.outcome == "right_first"))
        counts = self.by_stage.setdefault(result.stage, _zero())
        counts[result.outcome] += 1
        counts["hinted"] += result.hinted
        counts["wrong_tries"] += result.wrong_tries
        counts["wrong_first"] += result.wrong_first
        for kind in result.mistakes:
            self.mistakes[kind] = self.mistakes.get(kind, 0) + 1

    def finish_exercise(self, exercise_id: str, results: list[StepResult]) -> bool:
        """Record a finished exercise: solved only when every step was right by the learner, none revealed."""
        solved = bool(results) and all(r.right for r in results)
        self.exercises[exercise_id] = {
            "steps": len(results),
            "right_first": sum(r.outcome == "right_first" for r in results),
            "right_retry": sum(r.outcome == "right_retry" for r in results),
            "revealed": sum(r.outcome == "revealed" for r in results),
            "skipped": sum(r.outcome == "skipped" for r in results),
            "wrong_tries": sum(r.wrong_tries for r in results),
            "solved": int(solved),
        }
        if solved and exercise_id not in self.solved:
            self.solved.append(exercise_id)
        return solved

    def total(self, key: str) -> int:
        """One count summed over the stages."""
        return sum(c[key] for c in self.by_stage.values())

    @property
    def done(self) -> int:
        """Steps finished (right, revealed or skipped)."""
        return sum(self.total(k) for k in OUTCOMES)

    @property
    def finished(self) -> bool:
        """Every planned step was reached."""
        return self.done >= self.planned

    def weakest(self) -> str | None:
        """The stage with the most wrong tries (skips and reveals without a wrong try do not count)."""
        wrong = {s: c["wrong_tries"] for s, c in self.by_stage.items() if c["wrong_tries"]}
        return max(wrong, key=lambda s: (wrong[s], -STAGES.index(s))) if wrong else None

    def drill(self) -> str | None:
        """The stage to drill next: the one the summary names as having the most wrong tries (one metric)."""
        return self.weakest()
