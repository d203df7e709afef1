"""Practice problems: generate them, split them into the article's steps, check and diagnose."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

import numpy as np

from ..engine.core import Options, Problem, Result, explain, make_problem

STAGES = ("exp", "row_sum", "p_true", "neg_log_p", "loss")
# What `--stage` accepts: the short names of the issue and the stage keys themselves.
STAGE_NAMES = {"exp": "exp", "sum": "row_sum", "p": "p_true", "neg_log_p": "neg_log_p", "loss": "loss"}
STAGE_FLAGS = {stage: name for name, stage in STAGE_NAMES.items()}
DIFFICULTIES = ("easy", "medium", "hard")
MODES = ("steps", "final")
DECIMALS = 4
# The one tolerance rule, at every stage: within one unit of the 4th decimal (0.0001) of the exact
# value, or of the value worked from the earlier stages' values rounded to 4 decimals.
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


@dataclass
class Step:
    """One question: its stage, expected value, hints, known mistakes and what `show` reveals."""

    stage: str
    params: dict  # the question's numbers
    expected: float
    formula: str  # catalogue key of the general formula
    filled: str  # the formula with the numbers written in
    mistakes: tuple[Mistake, ...] = ()
    prompt: str = ""  # catalogue key of the question; "quiz.prompt.<stage>" when empty
    chained: float | None = None  # worked from the earlier values rounded to 4 decimals
    show: tuple[tuple[str, dict], ...] = ()  # (catalogue key, params) lines that reveal the value
    row: int | None = None  # 1-based row the step is about
    notes: tuple[str, ...] = ()  # catalogue keys of sentences added to the question (same params)

    @property
    def prompt_key(self) -> str:
        """The question's catalogue key."""
        return self.prompt or "quiz.prompt." + self.stage

    @property
    def tol(self) -> float:
        """The one tolerance rule (kept as an attribute for callers that print it)."""
        return TOL


@dataclass
class Verdict:
    """The outcome of one answer: right, right but under-rounded, or wrong with the likely mistake."""

    correct: bool
    kind: str | None  # "rounded" or "cut" (right but short), a mistake kind, or None when nothing known matches
    value: float
    expected: float
    params: dict = field(default_factory=dict)

    @property
    def mistake(self) -> str | None:
        """The mistake kind of a wrong answer (None when right, rounded or unrecognised)."""
        return None if self.correct or self.rounded else self.kind

    @property
    def rounded(self) -> bool:
        """Right but given with fewer than 4 decimals: rounded, or cut (only close)."""
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
    k = first.label if first.label is not None else int(np.argmax(first.t))
    steps = [_exp_step(first, k), _sum_step(first, k), _p_step(first, k), _sample_step(problem, first, k, None)]
    asked = [live[0]]
    if len(live) > 1:
        second = rows[live[1]]
        k2 = second.label if second.label is not None else int(np.argmax(second.t))
        steps.append(_sample_step(problem, second, k2, first))
        asked.append(live[1])
    return [*steps, _loss_step(problem, result, rows, asked)]


def drill_step(qp: QuizProblem, stage: str) -> Step:
    """One stage of a problem on its own; a loss drill gives every sample's loss in the prompt."""
    if stage == "loss":
        problem, result, rows = rows_of(qp)
        return _loss_step(problem, result, rows, asked=[])
    return next(s for s in make_steps(qp) if s.stage == stage)


def _where(row: _Row, k: int) -> dict:
    return {"row": row.index + 1, "cls": k, "z": _n(float(row.z[k])), "max": _n(float(row.z.max()))}


def _true(row: _Row) -> str:
    """'' for a labelled row, '_class' for a soft or smoothed row (no 'true class' wording)."""
    return "" if row.label is not None and float(row.t.max()) == 1.0 else "_class"


def _exp_step(row: _Row, k: int) -> Step:
    e, z = row.e, row.z
    suffix = "_shifted" if row.shift else ""
    cand = [Mistake("exp_sign", math.exp(-row.x[k]), {"z": _n(float(row.x[k]))})]
    if row.shift:
        with np.errstate(over="ignore"):
            cand.append(Mistake("unshifted_exp", float(np.exp(z[k])), {"max": _n(float(z.max()))}))
    else:
        cand.append(Mistake("shifted_exp", float(np.exp(z[k] - z.max())), {"max": _n(float(z.max()))}))
    cand += [Mistake("wrong_class_exp", float(e[j]), {"cls": j, "want": k}) for j in range(len(z)) if j != k]
    return Step(
        "exp", _where(row, k), float(e[k]), "hint.exp" + (suffix or _true(row)),
        f"exp({_n(float(row.x[k]))})" if not row.shift else f"exp({_n(float(z[k]))} − {_paren(z.max())})",
        _keep(float(e[k]), cand), "quiz.prompt.exp" + suffix + _true(row), float(e[k]), _show_exp(row), row.index + 1,
    )  # fmt: skip


def _show_exp(row: _Row) -> tuple[tuple[str, dict], ...]:
    e = row.e
    values = ", ".join(f"{j}: {n4(float(v))}" for j, v in enumerate(e))
    if row.shift:
        return (("quiz.show.exp_shifted", {"row": row.index + 1, "values": values, "max": _n(float(row.z.max()))}),)
    lines = [("quiz.show.exp", {"row": row.index + 1, "values": values})]
    if float(row.z.max()) != 0.0:
        shifted = ", ".join(f"{j}: {n4(float(v))}" for j, v in enumerate(np.exp(row.z - row.z.max())))
        lines.append(("quiz.show.shift_aside", {"max": _n(float(row.z.max())), "values": shifted}))
    return tuple(lines)


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
    cand += [Mistake("missing_term", total - float(e[j]), {"cls": j, "term": n4(float(e[j]))}) for j in range(len(e))]
    terms = " + ".join(f"e^{_paren(v)}" for v in row.x)
    shown = ", ".join(f"{j}: {n4(float(v))}" for j, v in enumerate(e))
    return Step(
        "row_sum", _where(row, k), total, "hint.row_sum" + suffix, terms, _keep(total, cand),
        "quiz.prompt.row_sum" + suffix, float(np.round(e, DECIMALS).sum()),
        (("quiz.show.row_sum" + suffix, {"row": row.index + 1, "values": shown, "total": n4(total)}),), row.index + 1,
    )  # fmt: skip


def _p_step(row: _Row, k: int) -> Step:
    e, p = row.e, row.p
    total = float(e.sum())
    p2 = np.exp(p) / np.exp(p).sum()
    cand = [
        Mistake("unnormalized", float(e[k]), {"total": n4(total)}),
        Mistake("inverted", total / float(e[k]), {}),
        Mistake("softmax_twice", float(p2[k]), {}),
    ]
    cand += [Mistake("wrong_class_p", float(p[j]), {"cls": j, "want": k}) for j in range(len(p)) if j != k]
    chained = round(float(e[k]), DECIMALS) / round(total, DECIMALS) if round(total, DECIMALS) else float(p[k])
    shown = ", ".join(f"{j}: {n4(float(v))}" for j, v in enumerate(p))
    return Step(
        "p_true", _where(row, k), float(p[k]), "hint.p_true" + _true(row), f"{n4(float(e[k]))} / {n4(total)}",
        _keep(float(p[k]), cand), "quiz.prompt.p_true" + _true(row), chained,
        (("quiz.show.p", {"row": row.index + 1, "values": shown, "total": n4(total)}),), row.index + 1,
    )  # fmt: skip


def _sample_step(problem: Problem, row: _Row, k: int, before: _Row | None) -> Step:
    """-ln p of the labelled class, or the sample's loss -Σ t_c ln p_c for a soft or smoothed target."""
    where = _where(row, k)
    again = "" if before is None else "_again"
    if row.label is not None and _true(row) == "":
        return _neg_log_step(row, k, where, again, before)
    return _target_step(problem, row, k, where, again, before)


def _log_mistakes(value: float) -> list[Mistake]:
    """The sign and base mistakes of a value -ln(...) (or a sum of them), alone and combined."""
    return [
        Mistake("sign", -value, {}),
        Mistake("log10", value / math.log(10), {}),
        Mistake("log2", value / math.log(2), {}),
        Mistake("sign_log10", -value / math.log(10), {}),
        Mistake("sign_log2", -value / math.log(2), {}),
    ]


def _neg_log_step(row: _Row, k: int, where: dict, again: str, before: _Row | None) -> Step:
    p = row.p
    value = -float(row.log_p[k])
    p2 = np.exp(p) / np.exp(p).sum()
    cand = [
        *_log_mistakes(value),
        Mistake("prob_not_loss", float(p[k]), {"p": n4(float(p[k]))}),
        Mistake("softmax_twice", -math.log(float(p2[k])), {}),
    ]
    cand += [Mistake("wrong_class_loss", -float(row.log_p[j]), {"cls": j, "want": k}) for j in range(len(p)) if j != k]
    if before is not None and before.label is not None:
        cand.append(
            Mistake("other_row", -float(before.log_p[before.label]), {"other": before.index + 1, "row": row.index + 1})
        )
    pk = round(float(p[k]), DECIMALS)
    chained = -math.log(pk) if pk > 0 else value
    show = (("quiz.show.neg_log_p", {"row": row.index + 1, "cls": k, "p": n4(float(p[k])), "value": n4(value)}),)
    formula = (
        f"-ln({n4(float(p[k]))})"
        if not again
        else f"-ln(e^{_paren(row.z[k])} / ({' + '.join(f'e^{_paren(v)}' for v in row.z)}))"
    )
    notes = ("quiz.note.again",) if again else ()
    return Step("neg_log_p", where, value, "hint.neg_log_p", formula, _keep(value, cand),
                "quiz.prompt.neg_log_p", chained, show, row.index + 1, notes)  # fmt: skip


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
    if len(used) > 1:  # one term of the sum on its own
        cand += [Mistake("one_term", -float(coef[c] * lp[c]), {"cls": c, "coef": _n(float(coef[c])),
                         "lnp": n4(-float(lp[c])), "n": len(used)}) for c in used]  # fmt: skip
    if before is not None:
        cand.append(
            Mistake("other_row", _target_value(problem, before), {"other": before.index + 1, "row": row.index + 1})
        )
    p_r = np.round(row.p, DECIMALS)
    chained = -float(sum(coef[c] * math.log(p_r[c]) for c in used if p_r[c] > 0)) if all(p_r[used] > 0) else value
    terms = " + ".join(f"{_n(float(coef[c]))}·ln({n4(float(row.p[c]))})" for c in used)
    smooth = "_smooth" if row.label is not None else "_soft"
    show = (
        ("quiz.show.target", {"row": row.index + 1, "t": _vector(row.t), "p": _vector(row.p),
                              "lnp": _vector(lp), "value": n4(value)}),
    )  # fmt: skip
    notes = tuple(key for key, on in (("quiz.note.weighted", weighted), ("quiz.note.again", again)) if on)
    return Step("neg_log_p", params, value, "hint.sample" + smooth, f"-({terms})", _keep(value, cand),
                "quiz.prompt.sample" + smooth, chained, show, row.index + 1, notes)  # fmt: skip


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


def _loss_step(problem: Problem, result: Result, rows: list[_Row], asked: list[int] | None) -> Step:
    """The final loss; `asked` lists the rows whose sample value was asked (None: final mode)."""
    from ..lesson.layout import build

    o = problem.options
    loss = float(result.loss)
    live = live_rows(problem, result)
    samples = {i: sample_value(problem, rows[i]) for i in live}
    plain = is_plain(problem)
    w = {i: (float(o.weight[rows[i].label]) if plain and o.weight is not None else 1.0) for i in live}
    den = result.denominator if o.reduction == "mean" else 1.0
    num = float(sum(w[i] * round(samples[i], DECIMALS) for i in live))
    chained = num / den if den else loss
    filled = build(result).sections[-1].lines[0].rsplit(" = ", 1)[0]
    kind, den_text = _denominator(problem, result, live) if o.reduction == "mean" else ("sum", "")
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
                chained, show, None, tuple(notes))  # fmt: skip


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


def _keep(expected: float, cand: list[Mistake]) -> tuple[Mistake, ...]:
    """The mistakes whose value is finite and cannot be taken for the right answer; first kind wins."""
    out: list[Mistake] = []
    for m in cand:
        if not math.isfinite(m.value) or abs(m.value - expected) <= 2 * TOL:
            continue
        if any(abs(m.value - o.value) <= SLACK for o in out):
            continue
        out.append(Mistake(m.kind, float(m.value), dict(m.params, value=n4(m.value))))
    return tuple(out)


_PLAIN = re.compile(r"^[+-]?\d*\.?(\d*)$")


def decimals(text: str | None) -> int | None:
    """How many decimals a plain number was written with (None for arithmetic)."""
    if text is None:
        return None
    from .arith import normalize

    m = _PLAIN.match(normalize(text).strip())
    return len(m.group(1)) if m and any(ch.isdigit() for ch in text) else None


def _close(value: float, step: Step) -> bool:
    targets = [step.expected] + ([step.chained] if step.chained is not None else [])
    return any(abs(value - x) <= TOL + SLACK for x in targets)


def _under_rounded(value: float, text: str | None, step: Step) -> tuple[int, str, float] | None:
    """A right number written with fewer than 4 decimals: its decimals, 'rounded' or 'cut', and the value it matches."""
    d = decimals(text)
    if d is None or d >= DECIMALS or d < 2:  # one decimal right by rounding is as likely a guess
        return None
    targets = [step.expected] + ([step.chained] if step.chained is not None else [])
    for x in targets:
        if abs(value - round(x, d)) <= SLACK:
            return d, "rounded", x
    unit = 10.0**-d
    for x in targets:
        if abs(value - math.trunc(x / unit) * unit) <= SLACK:
            return d, "cut", x
    return None


def _half_up(text: str, d: int) -> str:
    """A written number rounded to d decimals as by hand (half up), from its digits."""
    from decimal import ROUND_HALF_UP, Decimal

    return str(Decimal(text).quantize(Decimal(1).scaleb(-d), rounding=ROUND_HALF_UP))


def check(step: Step, value: float, text: str | None = None) -> Verdict:
    """Right by the one tolerance rule; right but under-rounded; or wrong with the likely mistake and its numbers."""
    if _close(value, step):
        return Verdict(True, None, value, step.expected)
    under = _under_rounded(value, text, step)
    if under is not None:
        d, how, x = under
        full = n4(x)
        if _half_up(full, d) != f"{x:.{d}f}":  # 4 decimals would round the other way by hand: show more
            full = f"{x:.6f}"
        return Verdict(False, how, value, step.expected, {"value": text.strip(), "decimals": d,
                       "expected": full, "rounded": f"{x:.{d}f}"})  # fmt: skip
    best = None
    for m in step.mistakes:
        gap = abs(value - m.value)
        # A mistake worked from 4-decimal intermediates drifts like a right answer does.
        if gap <= max(TOL, MISTAKE_DRIFT * abs(m.value)) + SLACK and (best is None or gap < best[0]):
            best = (gap, m)
    if best is not None:
        return Verdict(False, best[1].kind, value, step.expected, dict(best[1].params, value=shown(value, text)))
    return Verdict(False, None, value, step.expected, {"value": shown(value, text)})


def shown(value: float, text: str | None) -> str:
    """The learner's number as typed (a plain number), else its value."""
    return text.strip() if decimals(text) is not None else f"{value:.4f}"


def describe(verdict: Verdict, lang: str = "en", prefix: str = "mistake") -> str | None:
    """The diagnosis sentence for a verdict, with its numbers (None when right or unrecognised).

    prefix "grade" words an under-rounded answer for one-shot grading, which has no next try.
    """
    from ..lesson.text import t

    if verdict.correct or verdict.kind is None:
        return None
    params = dict(verdict.params)
    if verdict.rounded:  # right but short: rounded, or cut (which is only close)
        return t(f"{prefix}.{verdict.kind}", lang, **params)
    if "how" in params:
        params["how"] = t(f"den.{params['how']}", lang, den=params.get("den", ""))
    return t("mistake." + verdict.kind, lang, **params)


MISTAKE_KINDS = (
    "rounded", "cut", "exp_sign", "shifted_exp", "unshifted_exp", "wrong_class_exp", "only_true_term", "shifted_sum",
    "missing_term", "unnormalized", "inverted", "softmax_twice", "wrong_class_p", "sign", "log10", "log2",
    "sign_log10", "sign_log2", "prob_not_loss", "wrong_class_loss", "other_row", "smoothing_left_out_row",
    "one_class", "p_not_log", "argmax_target", "mean_of_p", "sum_not_mean", "mean_not_sum", "one_row",
    "mean_all_rows", "weights_left_out", "smoothing_left_out", "wrong_class", "wrong_class_row", "one_term",
    "smoothing_spread",
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


def _zero() -> dict[str, int]:
    return {k: 0 for k in (*OUTCOMES, "hinted", "wrong_tries", "wrong_first")}


@dataclass
class Tally:
    """Counts for a session's summary and the progress file."""

    planned: int = 0  # steps the session meant to ask
    by_stage: dict[str, dict[str, int]] = field(default_factory=dict)
    mistakes: dict[str, int] = field(default_factory=dict)
    solved: list[str] = field(default_factory=list)
    attempted: list[str] = field(default_factory=list)

    def add(self, result: StepResult) -> None:
        """Count one finished step."""
        counts = self.by_stage.setdefault(result.stage, _zero())
        counts[result.outcome] += 1
        counts["hinted"] += result.hinted
        counts["wrong_tries"] += result.wrong_tries
        counts["wrong_first"] += result.wrong_first
        for kind in result.mistakes:
            self.mistakes[kind] = self.mistakes.get(kind, 0) + 1

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
