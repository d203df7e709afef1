"""Practice problems: generate them, split them into the article's steps, check and diagnose."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from ..engine.core import Options, Problem, Result, explain, make_problem

STAGES = ("exp", "row_sum", "p_true", "neg_log_p", "loss")
DIFFICULTIES = ("easy", "medium", "hard")
MODES = ("steps", "final")
ROUNDING = 5e-5  # half a unit in the 4th decimal: answers are rounded as in the article
MAX_DRIFT = 2e-3
SHIFT_ABOVE = 10.0


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


@dataclass
class Step:
    """One question: which stage, its expected value, hints, and the values of known mistakes."""

    stage: str
    params: dict
    expected: float
    tol: float
    formula: str  # catalogue key of the general formula
    filled: str  # the formula with the numbers written in
    mistakes: tuple[tuple[str, float], ...] = ()
    prompt: str = ""  # catalogue key of the question; "quiz.prompt.<stage>" when empty

    @property
    def prompt_key(self) -> str:
        """The question's catalogue key."""
        return self.prompt or "quiz.prompt." + self.stage


@dataclass
class Verdict:
    """The outcome of one answer."""

    correct: bool
    mistake: str | None
    value: float
    expected: float


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


def focus(result: Result) -> tuple[int, int]:
    """The row the step questions use (first non-ignored) and its true class."""
    tr = result.trace
    if tr.labels is None:
        return 0, int(np.argmax(tr.target[0]))
    live = np.flatnonzero(~tr.ignored)
    row = int(live[0]) if live.size else 0
    return row, int(tr.labels[row]) if live.size else 0


def _n(x: float) -> str:
    """A number as written into a hint."""
    return f"{x:.4f}".rstrip("0").rstrip(".") if abs(x) < 1e6 else f"{x:.4g}"


def make_steps(qp: QuizProblem, mode: str = "steps") -> list[Step]:
    """The questions for this problem, in the article's order."""
    problem = qp.core()
    result = explain(problem)
    steps = [_loss_step(qp, problem, result)]
    if mode == "final" or (problem.soft is False and bool(result.trace.ignored.all())):
        return steps
    row, k = focus(result)
    z = problem.logits[row]
    c = problem.num_classes
    # Beyond e^10 nobody works by hand (and e^1000 overflows): ask for e^(z - max) instead.
    shift = float(z.max()) > SHIFT_ABOVE
    where = {"row": row + 1, "cls": k, "z": _n(float(z[k])), "max": _n(float(z.max()))}
    if shift:
        z = z - z.max()
    e = np.exp(z)
    total = float(e.sum())
    p = e / total
    others = [j for j in range(c) if j != k]
    terms = " + ".join(f"e^{_paren(z[j])}" for j in range(c))
    shifted = np.exp(z - z.max())
    prompt = "_shifted" if shift else ""
    p2 = np.exp(p[k]) / np.exp(p).sum()  # softmax applied twice
    tol_p = ROUNDING + p[k] * (ROUNDING / e[k] + c * ROUNDING / total)
    tol_nl = ROUNDING + tol_p / p[k]
    steps_before = [
        Step(
            "exp",
            where,
            float(e[k]),
            ROUNDING + 1e-9,
            "hint.exp" + prompt,
            f"exp({_n(float(z[k]))})",
            _mistakes(
                float(e[k]),
                [("shifted_exp", float(shifted[k])), ("exp_sign", math.exp(-z[k]))]
                + [("wrong_class", float(e[j])) for j in others],
            ),
            "quiz.prompt.exp" + prompt,
        ),
        Step(
            "row_sum",
            where,
            total,
            c * ROUNDING + 1e-9,
            "hint.row_sum" + prompt,
            terms,
            _mistakes(
                total,
                [("shifted_exp", float(shifted.sum())), ("only_true_term", float(e[k]))]
                + [("missing_term", total - float(e[j])) for j in range(c)],
            ),
            "quiz.prompt.row_sum" + prompt,
        ),
        Step(
            "p_true",
            where,
            float(p[k]),
            tol_p,
            "hint.p_true",
            f"{_n(float(e[k]))} / {_n(total)}",
            _mistakes(
                float(p[k]),
                [("softmax_twice", float(p2)), ("unnormalized", float(e[k]))]
                + [("wrong_class", float(p[j])) for j in others],
            ),
        ),
        Step(
            "neg_log_p",
            where,
            float(-math.log(p[k])),
            tol_nl,
            "hint.neg_log_p",
            f"-ln({_n(float(p[k]))})",
            _mistakes(
                -math.log(p[k]),
                [
                    ("sign", math.log(p[k])),
                    ("log10", -math.log10(p[k])),
                    ("log2", -math.log2(p[k])),
                    ("prob_not_loss", float(p[k])),
                    ("softmax_twice", -math.log(p2)),
                ]
                + [("wrong_class", -math.log(p[j])) for j in others if p[j] > 0],
            ),
        ),
    ]
    return [*steps_before, *steps]


def _paren(x: float) -> str:
    s = _n(float(x))
    return f"({s})" if s.startswith("-") else s


def _loss_step(qp: QuizProblem, problem: Problem, result: Result) -> Step:
    from ..lesson.layout import build

    o = problem.options
    loss = float(result.loss)
    tr = result.trace
    reduction = build(result).sections[-1].lines[0]
    filled = reduction.rsplit(" = ", 1)[0]
    live = ~tr.ignored
    # How far an honest answer drifts when every intermediate p was rounded to 4 decimals.
    coef = tr.target * (o.weight if o.weight is not None else 1.0)
    with np.errstate(all="ignore"):
        drift = np.nan_to_num((coef * ROUNDING / tr.probs).sum(axis=1))[live]
    denominator = 1.0 if o.reduction == "sum" or not result.denominator else result.denominator
    tol = ROUNDING + min(MAX_DRIFT, float(drift.sum()) / denominator)
    cand: list[tuple[str, float]] = [
        ("sign", -loss),
        ("log10", loss / math.log(10)),
        ("log2", loss / math.log(2)),
    ]
    if o.reduction == "mean" and result.denominator != 1:
        cand.append(("sum_not_mean", result.numerator))
    if problem.num_samples > 1 and live.any():
        cand.append(("one_row", float(result.per_sample[np.flatnonzero(live)[0]])))
    if o.reduction == "mean" and result.denominator != problem.num_samples:
        cand.append(("mean_all_rows", result.numerator / problem.num_samples))
    if o.weight is not None:
        cand.append(("weights_left_out", _variant(problem, weight=None)))
    if o.label_smoothing:
        cand.append(("smoothing_left_out", _variant(problem, label_smoothing=0.0)))
    if not problem.soft and problem.num_classes > 1:
        cand.append(("wrong_class", _wrong_class_loss(problem, result)))
        if not o.label_smoothing and o.weight is None and live.any():
            ps = tr.p_true[live]
            cand.append(("prob_not_loss", float(ps.sum() if o.reduction == "sum" else ps.mean())))
    with np.errstate(all="ignore"):
        soft_z = tr.probs.reshape(problem.logits.shape)
    cand.append(("softmax_twice", _variant(problem, logits=soft_z)))
    return Step("loss", {"reduction": o.reduction}, loss, tol, _loss_formula(problem), filled,
                _mistakes(loss, cand))  # fmt: skip


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


def _variant(problem: Problem, logits: np.ndarray | None = None, **changes) -> float:
    """The loss of the same problem with one thing changed (a likely mistake)."""
    o = replace(problem.options, **changes)
    p = replace(problem, logits=problem.logits if logits is None else logits, options=o)
    return float(explain(p, rows=0).loss)


def _wrong_class_loss(problem: Problem, result: Result) -> float:
    """The loss had every row used its most probable wrong class."""
    probs = result.trace.probs.copy()
    labels = problem.target.copy()
    live = labels != problem.options.ignore_index
    probs[np.flatnonzero(live), labels[live]] = -1.0
    labels[live] = np.argmax(probs, axis=1)[live]
    return float(explain(replace(problem, target=labels), rows=0).loss)


def _mistakes(expected: float, cand: list[tuple[str, float]]) -> tuple[tuple[str, float], ...]:
    """Keep the mistakes whose value is finite and differs from the right answer."""
    out = []
    for key, value in cand:
        if math.isfinite(value) and abs(value - expected) > 2 * ROUNDING:
            out.append((key, float(value)))
    return tuple(out)


def check(step: Step, value: float) -> Verdict:
    """Right within the rounding tolerance, or wrong with the likely mistake named."""
    if abs(value - step.expected) <= step.tol:
        return Verdict(True, None, value, step.expected)
    for key, wrong in step.mistakes:
        if abs(value - wrong) <= max(step.tol, ROUNDING * 2):
            return Verdict(False, key, value, step.expected)
    return Verdict(False, None, value, step.expected)


@dataclass
class Tally:
    """Counts for a session's summary and the progress file."""

    right: int = 0
    wrong: int = 0
    skipped: int = 0
    by_stage: dict[str, list[int]] = field(default_factory=dict)  # stage -> [right, asked]
    solved: list[str] = field(default_factory=list)

    def add(self, stage: str, outcome: str) -> None:
        """Count one answered (or skipped) step."""
        right, asked = self.by_stage.get(stage, [0, 0])
        self.by_stage[stage] = [right + (outcome == "right"), asked + 1]
        if outcome == "right":
            self.right += 1
        elif outcome == "wrong":
            self.wrong += 1
        else:
            self.skipped += 1

    @property
    def asked(self) -> int:
        """Steps answered or skipped."""
        return self.right + self.wrong + self.skipped

    def weakest(self) -> str | None:
        """The stage that went wrong most often."""
        misses = {s: asked - right for s, (right, asked) in self.by_stage.items() if asked > right}
        return max(misses, key=lambda s: (misses[s], -STAGES.index(s))) if misses else None
