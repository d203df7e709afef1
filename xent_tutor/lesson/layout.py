"""Lay a Result out as a lesson: titled sections of text cells, ready for any renderer."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from ..engine.core import Result, Summary
from . import asides as aside
from .claims import bars_why, grad_why, live_rows, select_why, target_why, weighted
from .text import note, t, variant

MAX_TERMS = 8  # terms written out in the reduction formula before eliding
BAR_WIDTH = 30


@dataclass
class Cell:
    """One table cell; `true` marks the true class."""

    text: str
    true: bool = False
    dim: bool = False


@dataclass
class Section:
    """A stage: title, why, and a table (header + rows); `lines` for formula stages."""

    title: str
    why: list[str]
    header: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    key: str = ""
    pre: bool = False  # lines are a picture: keep them unwrapped and monospaced
    more: str = ""  # the "… N more rows …" line under the table, if rows were elided
    left: tuple[int, ...] = (0,)  # columns aligned left; the rest are numbers, aligned right
    key_lines: list[str] = field(default_factory=list)  # what a picture's marks mean: wrapped text under it
    asides: list[str] = field(default_factory=list)  # short ideas with this problem's numbers (not in --brief)


@dataclass
class Lesson:
    """Every stage in order, plus the notes and the final loss line."""

    title: str
    legend: str
    sections: list[Section]
    notes: list[str]


def fmt(x: float, precision: int) -> str:
    """A number as the lesson shows it: fixed decimals, scientific when huge."""
    x = float(x)
    if np.isnan(x):
        return "nan"
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    if abs(x) >= 1e7 or 0 < abs(x) < 0.5 * 10.0**-precision:
        return f"{x:.{max(precision - 1, 1)}e}"
    text = f"{x:.{precision}f}"
    return "0" + text[2:] if text.startswith("-0") and not text.strip("-0.") else text


def choose_columns(result: Result, budget: int) -> list[int] | None:
    """Class columns to show, or None when even the must-keep ones do not fit (fold instead)."""
    c = result.problem.num_classes
    if c <= budget:
        return list(range(c))
    tr = result.trace
    keep: list[int] = []
    for row in range(len(tr.rows)):
        for k in (_true_class(result, row), _argmax(tr.logits[row])):
            if k is not None and k not in keep:
                keep.append(k)
    if len(keep) + 1 > budget:
        return None
    with np.errstate(all="ignore"):
        order = np.argsort(-np.nan_to_num(tr.logits.max(axis=0), nan=-np.inf), kind="stable")
    for k in (int(i) for i in order):
        cols = sorted({*keep, k})
        if len(_with_gaps(cols, c)) <= budget:
            keep = cols
    return sorted(keep)


def _true_class(result: Result, row: int) -> int | None:
    tr = result.trace
    if tr.labels is None:
        return _argmax(tr.target[row])
    return None if tr.ignored[row] else int(tr.labels[row])


def _argmax(v: np.ndarray) -> int | None:
    with np.errstate(all="ignore"):
        clean = np.nan_to_num(v, nan=-np.inf)
    return int(np.argmax(clean)) if v.size else None


def build(
    result: Result,
    precision: int = 4,
    lang: str = "en",
    budget: int = 12,
    *,
    grad: bool = False,
    pictures: bool = False,
    asides: bool = False,
) -> Lesson:
    """The whole lesson for `result`, with at most `budget` class columns per table; `asides` adds the ideas."""
    # K-dimensional input: every sentence speaks of positions, not rows or samples.
    with variant("pos" if len(result.problem.sample_shape) > 1 else ""):
        return _build(result, precision, lang, budget, grad=grad, pictures=pictures, asides=asides)


def _build(
    result: Result, precision: int, lang: str, budget: int, *, grad: bool, pictures: bool, asides: bool
) -> Lesson:
    p = result.problem
    tr = result.trace
    cols = choose_columns(result, budget)
    f = lambda x: fmt(x, precision)  # noqa: E731
    row_names = [_row_name(result, i) for i in range(len(tr.rows))]
    sections: list[Section] = []

    def grid(key: str, why: list[str], values: np.ndarray, lead: list[tuple[str, list[str]]], tail=()) -> Section:
        header = [t("col.index" if len(p.sample_shape) > 1 else "col.row", lang)]
        header += [h for h, _ in lead]
        rows = []
        for i in range(len(tr.rows)):
            cells = [Cell(row_names[i])] + [Cell(v[i]) for _, v in lead]
            cells += _class_cells(result, values[i], i, cols, f)
            cells += [Cell(v[i]) for _, v in tail]
            rows.append(cells)
        header += _class_headers(cols, p.num_classes, lang)
        header += [h for h, _ in tail]
        return Section(t("stage." + key, lang), why, header, rows, key=key)

    labels = _label_texts(result, lang, f)
    logits_why = [t("stage.logits.why_soft" if p.soft else "stage.logits.why", lang)]
    if len(p.sample_shape) > 1:
        logits_why.insert(0, _kdim_why(p, lang))
    sections.append(grid("logits", logits_why, tr.logits, [(t("col.label", lang), labels)]))
    sections[-1].asides = aside.logits(result, row_names, lang, f)
    row_max = [(t("col.max", lang), [f(x) for x in tr.row_max])]
    sections.append(grid("shift", [t("stage.shift.why", lang)], tr.shifted, row_max))
    sections.append(_exp_section(result, row_names, cols, lang, f))
    p_sum = [("Σ p", [f(x) for x in tr.probs.sum(axis=1)])]
    sections.append(grid("softmax", _softmax_why(result, row_names, lang, f), tr.probs, [], p_sum))
    sections[-1].asides = aside.softmax(result, row_names, lang, f)

    if pictures:
        sections.append(_bars(result, row_names, cols, lang, f))

    sections.append(grid("target", target_why(result, lang, f), tr.target, []))
    for i in np.flatnonzero(tr.ignored):  # an ignored row has no target: say so, as stages 6 and 7 do
        cells = sections[-1].rows[i]
        cells[1:] = [Cell(t("ignored", lang), dim=True)] + [Cell("—", dim=True)] * (len(cells) - 2)

    if tr.labels is not None:
        s = Section(
            t("stage.select", lang),
            select_why(result, lang, f),
            [t("col.row", lang), t("col.label", lang), t("col.p_true", lang)],
            key="select",
        )
        for i in range(len(tr.rows)):
            p_true = t("ignored", lang) if tr.ignored[i] else f(tr.p_true[i])
            s.rows.append([Cell(row_names[i]), Cell(labels[i]), Cell(p_true, true=True)])
        s.asides = aside.cross_entropy(result, row_names, lang, f)
        sections.append(s)

    sections.append(_loss_section(result, row_names, lang, f))
    nll = sections[-1]
    if tr.labels is None:
        nll.asides += aside.cross_entropy(result, row_names, lang, f)
    nll.asides += aside.log_softmax(result, row_names, lang, f) + aside.kl(result, row_names, lang, f)
    if pictures and tr.p_true is not None:
        curve = _curve(result, row_names, lang, f)
        if curve is not None:
            sections.append(curve)
    sections.append(_reduction_section(result, lang, f))
    sections[-1].asides = aside.reduction(result, lang, f)
    if grad and tr.grad is not None:
        why = [t("stage.grad.why", lang, d=f(result.denominator)), *grad_why(result, row_names, lang, f)]
        if result.denominator == 0 and result.live:
            why.append(t("stage.grad.nan", lang))
        s = grid("grad", why, tr.grad, [])
        s.lines = _grad_example(result, row_names, lang, f)
        sections.append(s)
    if not asides:
        for section in sections:
            section.asides = []
    hidden = p.num_samples - len(tr.rows)
    number = 0
    for section in sections:
        if section.key not in PICTURES:
            number += 1
            section.title = f"{number}. {section.title}"
        if section.header and hidden and section.key != "bars":
            section.more = t("more_rows", lang, n=hidden)
    # With the asides on, the ln C aside already says how the loss compares with a uniform guess.
    notes = [note(n.key, n.params, lang) for n in result.notes if not (asides and n.key == "doctor_guess")]
    legend = t("legend_soft" if p.soft else "legend", lang, precision=precision)
    if cols is None or len(cols) < p.num_classes:
        legend += "\n" + t("columns_note", lang, classes=p.num_classes)
    return Lesson(
        t("title", lang),
        legend,
        sections,
        notes,
    )


def _row_name(result: Result, i: int) -> str:
    p = result.problem
    m = int(result.trace.rows[i])
    if len(p.sample_shape) > 1:
        return "(" + ", ".join(map(str, p.position(m))) + ")"
    return str(m + 1)


def _label_texts(result: Result, lang: str, f) -> list[str]:
    tr = result.trace
    if tr.labels is None:
        return [t("col.soft_label", lang)] * len(tr.rows)
    return [t("label_ignored", lang, label=int(y)) if ign else str(int(y)) for y, ign in zip(tr.labels, tr.ignored)]


def _with_gaps(cols: list[int], c: int) -> list[int | None]:
    """The shown class columns in order, with None where classes are elided."""
    out: list[int | None] = []
    prev = -1
    for k in cols:
        if k - prev > 1:
            out.append(None)
        out.append(k)
        prev = k
    if c - 1 - prev > 0:
        out.append(None)
    return out


def _class_headers(cols: list[int] | None, c: int, lang: str) -> list[str]:
    if cols is None:
        return [t("col.true", lang), t("col.largest", lang)]
    return ["…" if k is None else t("col.class", lang, c=k) for k in _with_gaps(cols, c)]


def _class_cells(result: Result, values: np.ndarray, i: int, cols, f) -> list[Cell]:
    true = _true_class(result, i) if result.trace.labels is not None else None
    if cols is None:
        top = [int(k) for k in np.argsort(-np.nan_to_num(values, nan=-np.inf))[:3]]
        true_text = f"{true}: {f(values[true])}" if true is not None else "—"
        largest = ", ".join(f"{k}: {f(values[k])}" for k in top if k != true)
        return [Cell(true_text, true=true is not None), Cell(largest)]
    return [
        Cell("…", dim=True) if k is None else Cell(f(values[k]) + ("*" if k == true else ""), true=k == true)
        for k in _with_gaps(cols, len(values))
    ]


def _raw_ok(result: Result) -> np.ndarray:
    """Rows where e^z without the shift gives the same p (no overflow, no underflow, no lost digits)."""
    tr = result.trace
    with np.errstate(all="ignore"):
        finite = np.isfinite(tr.logits).all(axis=1) & np.isfinite(tr.raw_sum) & (tr.raw_sum > 0)
        raw_p = tr.raw_exp / tr.raw_sum[:, None]
        close = np.isclose(raw_p, tr.probs, rtol=1e-9, atol=1e-300).all(axis=1)
    return finite & close


def _exp_section(result: Result, row_names: list[str], cols, lang: str, f) -> Section:
    """e^z as the article computes it, beside e^(z − max) as PyTorch does, with each row's sum."""
    p = result.problem
    tr = result.trace
    header = [t("col.index" if len(p.sample_shape) > 1 else "col.row", lang), ""]
    header += [*_class_headers(cols, p.num_classes, lang), "Σ"]
    s = Section(t("stage.exp", lang), [t("stage.exp.why", lang)], header, key="exp", left=(0, 1))
    for i in range(len(tr.rows)):
        s.rows.append([Cell(row_names[i]), Cell("e^z"), *_class_cells(result, tr.raw_exp[i], i, cols, f),
                       Cell(f(tr.raw_sum[i]))])  # fmt: skip
        s.rows.append([Cell(""), Cell("e^(z−max)"), *_class_cells(result, tr.exp[i], i, cols, f),
                       Cell(f(tr.row_sum[i]))])  # fmt: skip
    ok = _raw_ok(result)
    bad = [i for i in range(len(tr.rows)) if not ok[i] and np.isfinite(tr.logits[i]).all()]
    if bad:
        s.why.append(t("stage.exp.unsafe", lang, row=row_names[bad[0]]))
    elif ok.any():
        s.why.append(t("stage.exp.same", lang))
    return s


def _example_class(result: Result, i: int) -> int:
    """The class a sentence about row i talks about: its label, else its target's largest share."""
    tr = result.trace
    if tr.labels is not None and not tr.ignored[i]:
        return int(tr.labels[i])
    return int(np.argmax(tr.target[i])) if np.isfinite(tr.target[i]).all() else 0


def _ratio(xs) -> float:
    return xs[0] / xs[1]


def fitted(f, values, fn, result: float) -> list[str]:
    """Values written with the digits an equation needs to hold for `result` as printed (precision.fit)."""
    from ..practice.precision import fit

    shown = f(result)
    d = len(shown.partition(".")[2])
    if "e" in shown or not all(np.isfinite(float(v)) and abs(float(v)) < 1e7 for v in values):
        return [f(v) for v in values]  # scientific notation: printed as it is
    return fit([(float(v), d) for v in values], fn, float(result), d)


def _softmax_why(result: Result, row_names: list[str], lang: str, f) -> list[str]:
    """Softmax's sentence, then one probability worked both ways (raw and shifted) when both work."""
    tr = result.trace
    out = [t("stage.softmax.why", lang)]
    ok = _raw_ok(result)
    rows = [i for i in live_rows(result) if ok[i]]
    if rows:
        i = int(rows[0])
        k = _example_class(result, i)
        p = float(tr.probs[i, k])
        e, total = fitted(f, [tr.raw_exp[i, k], tr.raw_sum[i]], _ratio, p)
        es, ss = fitted(f, [tr.exp[i, k], tr.row_sum[i]], _ratio, p)
        out.append(t("stage.softmax.example", lang, row=row_names[i], c=k, e=e, s=total, es=es, ss=ss, p=f(p)))
    return out


def _loss_section(result: Result, row_names: list[str], lang: str, f) -> Section:
    p = result.problem
    tr = result.trace
    o = p.options
    why = [t("stage.nll.why", lang)]
    header = [t("col.row", lang)]
    w = "" if weighted(result) else "_plain"  # no w_c in a formula when there are no weights
    if p.soft:
        why.append(t("stage.nll.soft" + w, lang))
    elif o.label_smoothing:
        why.append(t("stage.nll.smooth" + w, lang))
    elif o.weight is not None:
        why.append(t("stage.nll.weighted", lang))
    plain = tr.labels is not None and o.weight is None and not o.label_smoothing
    if tr.labels is not None:
        header.append(t("col.neg_log_p", lang))
        if o.weight is not None:
            header.append(t("col.weight", lang))
    if not plain:
        header.append(t("col.loss", lang))
    title = (
        "stage.nll"
        if plain
        else ("stage.nll_weighted" if tr.labels is not None and not o.label_smoothing else "stage.nll_full")
    )
    s = Section(t(title + (w if title == "stage.nll_full" else ""), lang), why, header, key="nll")
    for i in range(len(tr.rows)):
        cells = [Cell(row_names[i])]
        if tr.ignored[i]:
            cells += [Cell(t("ignored", lang), dim=True)] * (len(header) - 1)
        else:
            if tr.labels is not None:
                cells.append(Cell(f(tr.neg_log_p[i])))
                if o.weight is not None:
                    cells.append(Cell(f(tr.sample_weight[i])))
            if not plain:
                cells.append(Cell(f(tr.loss[i]), true=True))
        s.rows.append(cells)
    return s


def _reduction_section(result: Result, lang: str, f) -> Section:
    p = result.problem
    o = p.options
    tr = result.trace
    s = Section(t("stage.reduce", lang), [], key="reduce")
    if o.reduction == "none":
        s.why.append(t("stage.reduce.none", lang, shape=_shape(result.problem.sample_shape)))
        n = result.problem.num_samples
        if not p.sample_shape:  # unbatched: PyTorch returns a scalar, not a list of one
            s.lines.append(f(tr.loss[0]))
        else:
            s.lines.append("[" + (_terms(tr.loss, n, ", ", lang, f) if n else "") + "]")
        return s
    shown = ~tr.ignored
    losses = tr.loss[shown]
    terms = _terms(losses, result.live, " + ", lang, f)
    if 0 < result.live <= MAX_TERMS and np.isfinite(result.loss) and result.denominator:
        texts = iter(fitted(f, list(losses), lambda xs: math.fsum(xs) / float(result.denominator), result.loss))
        terms = _terms(losses, result.live, " + ", lang, lambda x: next(texts))
    if o.reduction == "sum":
        s.why.append(t("stage.reduce.sum", lang))
        s.lines.append(f"{terms} = {f(result.loss)}")
        s.lines.append(t("loss_line", lang, value=f(result.loss)))
        return s
    if p.soft:
        s.why.append(t("stage.reduce.mean_soft", lang, m=result.problem.num_samples))
        denom = str(p.num_samples)
    elif o.weight is not None:
        s.why.append(t("stage.reduce.mean_weighted", lang))
        denom = _terms(tr.sample_weight[shown], result.live, " + ", lang, f)
        denom = f"({denom})" if result.live > 1 else denom
    else:
        s.why.append(_mean_why(result, lang))
        denom = str(result.live)
    numer = f"({terms})" if result.live > 1 else terms
    s.lines.append(f"{numer} / {denom} = {f(result.loss)}")
    if not result.denominator:
        s.why.append(t("stage.reduce.nan" if result.numerator == 0 else "stage.reduce.nan_weights", lang))
    s.lines.append(t("loss_line", lang, value=f(result.loss)))
    return s


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def _kdim_why(p, lang: str) -> str:
    """Stage 1 for (N, C, d1, ...): the shape, where the classes are, how many positions, how each is named."""
    n, dims = p.sample_shape[0], p.sample_shape[1:]
    dim = p.class_dim if p.class_dim >= 0 else p.class_dim + len(p.logits_shape)
    names = ", ".join(["n"] + [f"d{k}" for k in range(1, len(dims) + 1)])
    shown = list(p.logits_shape)  # kept with the classes in dimension 1: put them back where the user had them
    shown.insert(dim, shown.pop(1))
    sizes = " × ".join(f"d{k}" for k in range(1, len(dims) + 1)) + " = " + " × ".join(map(str, dims))
    key = "stage.logits.kdim" if n > 1 else "stage.logits.kdim_one"
    per = int(np.prod(dims))
    return t(key, lang, shape=_shape(tuple(shown)), dim=dim, c=p.num_classes, n=n, per=per, dims=sizes,
             m=p.num_samples, naming=f"({names})")  # fmt: skip


def _mean_why(result: Result, lang: str) -> str:
    """Plain mean: over the batch, or over the non-ignored samples when some are ignored."""
    n = result.live
    if n == result.problem.num_samples:
        return t("stage.reduce.mean", lang, m=n)
    if n == 0:
        return t("stage.reduce.mean_ignored_none", lang)
    return t("stage.reduce.mean_ignored_one" if n == 1 else "stage.reduce.mean_ignored", lang, n=n)


def _terms(values: np.ndarray, total: int, sep: str, lang: str, f) -> str:
    """The first few terms of a sum written out, and how many more there are."""
    if total == 0:
        return "0"
    shown = [f(x) for x in values[:MAX_TERMS]]
    more = total - len(shown)
    return sep.join(shown) + (sep + t("terms_more", lang, n=more) if more > 0 else "")


def summary_sections(result: Result, summary: Summary, lang: str = "en", precision: int = 4) -> list[Section]:
    """The spread of a batch's per-sample losses, and its highest-loss samples."""
    f = lambda x: fmt(x, precision)  # noqa: E731
    s = Section(t("stage.summary", lang), [], key="summary")
    s.why.append(
        t("summary.stats", lang, n=summary.count, mean=f(summary.mean), median=f(summary.median),
          max=f(summary.maximum))
    )  # fmt: skip
    if summary.accuracy is not None:
        hits = result.correct
        s.why.append(t("summary.accuracy", lang, pct=f"{100 * summary.accuracy:.1f}", hits=hits, n=result.live))
    s.header = [t("col.loss_range", lang), t("col.count", lang), ""]
    s.left = (0, 2)
    peak = max(int(summary.counts.max()), 1) if summary.counts.size else 1
    for i, n in enumerate(summary.counts):
        lo, hi = summary.edges[i], summary.edges[i + 1]
        bar = "█" * round(BAR_WIDTH * int(n) / peak)
        s.rows.append([Cell(f"{f(lo)} – {f(hi)}"), Cell(str(int(n))), Cell(bar, dim=False)])
    out = [s]
    if summary.top:
        p = result.problem
        top = Section(t("stage.top", lang, k=len(summary.top)), [t("stage.top.why", lang)], key="top")
        name = t("col.index" if len(p.sample_shape) > 1 else "col.row", lang)
        top.header = [
            name,
            t("col.label", lang),
            t("col.p_true", lang),
            t("col.predicted", lang),
            t("col.loss", lang),
        ]
        for item in summary.top:
            where = (
                "(" + ", ".join(map(str, p.position(item.index))) + ")"
                if len(p.sample_shape) > 1
                else str(item.index + 1)
            )
            top.rows.append([
                Cell(where),
                Cell(t("col.soft_label", lang) if item.label is None else str(item.label)),
                Cell("—" if item.p_true is None else f(item.p_true)),
                Cell(str(item.predicted), true=item.predicted == item.label),
                Cell(f(item.loss), true=True),
            ])  # fmt: skip
        out.append(top)
    return out


PICTURES = ("bars", "curve")  # drawn between the stages, not numbered as stages
BAR_CELLS = 24
BAR_ROWS = 5
_EIGHTHS = " ▏▎▍▌▋▊▉"


def _bar(p: float) -> str:
    """A horizontal bar of length p * BAR_CELLS, in eighths of a cell."""
    if not np.isfinite(p) or p <= 0:
        return ""
    eighths = round(min(p, 1.0) * BAR_CELLS * 8)
    return "█" * (eighths // 8) + _EIGHTHS[eighths % 8].strip()


def _bars(result: Result, row_names: list[str], cols: list[int] | None, lang: str, f) -> Section:
    """Each shown row's softmax as horizontal bars, the true class marked."""
    tr = result.trace
    s = Section(t("stage.bars", lang), [bars_why(result, lang, f)], key="bars", left=(0, 1, 3))
    s.header = [t("col.row", lang), t("col.class_name", lang), t("col.p", lang), ""]
    for i in range(min(len(tr.rows), BAR_ROWS)):
        true = _true_class(result, i) if tr.labels is not None else None
        shown = (
            cols
            if cols is not None
            else sorted({*(k for k in [true] if k is not None), *np.argsort(-np.nan_to_num(tr.probs[i]))[:3].tolist()})
        )
        for n, k in enumerate(shown):
            mark = " *" if k == true else ""
            p = float(tr.probs[i, k])
            s.rows.append([Cell(row_names[i] if n == 0 else ""), Cell(f"{k}{mark}", true=k == true),
                           Cell(f(p), true=k == true), Cell(_bar(p), true=k == true)])  # fmt: skip
    return s


CURVE_TICKS = 4  # intervals between the y axis's labels


def _curve(result: Result, row_names: list[str], lang: str, f, width: int = 48, height: int = 9) -> Section | None:
    """-ln p_y against p_y as a text plot, each shown sample marked on it; a loss off the curve is listed."""
    tr = result.trace
    live = [
        (row_names[i], float(tr.p_true[i]), float(tr.neg_log_p[i]), float(tr.loss[i]))
        for i in range(len(tr.rows))
        if not tr.ignored[i] and np.isfinite(tr.p_true[i])
    ]
    if not live:
        return None
    worst = max(nlp for _, _, nlp, _ in live)
    top = float(min(12.0, max(4.0, 4.0 * np.ceil(worst / 4.0))))
    grid = [[" "] * width for _ in range(height)]

    def cell(p: float, nlp: float) -> tuple[int, int]:
        y = min(top, nlp)  # ln p from log-sum-exp: exact even where p itself underflows to 0
        return height - 1 - round(y / top * (height - 1)), min(width - 1, int(p * width))

    for x in range(width):
        r, c = cell((x + 0.5) / width, -np.log((x + 0.5) / width))
        grid[r][c] = "·"
    legend = []
    spots: list[tuple[int, int, list[str]]] = []  # where a marker is drawn, and the markers drawn there
    off_curve = False
    for n, (name, p, nlp, loss) in enumerate(live[:9]):
        r, c = cell(p, nlp)
        mark = str(n + 1)
        # A marker touching another on the same line would read as a two-digit number: draw "+" there instead.
        spot = next((sp for sp in spots if sp[0] == r and abs(sp[1] - c) <= 1), None)
        if spot is None:
            spots.append((r, c, [mark]))
            grid[r][c] = mark
        else:
            spot[2].append(mark)
            grid[spot[0]][spot[1]] = "+"
        text = t("curve.point", lang, mark=mark, row=name, p=f(p), nlp=f(nlp))
        if nlp > top:
            text += t("curve.above", lang)
        if f(loss) != f(nlp):
            off_curve = True
            text += t("curve.loss", lang, loss=f(loss))
        legend.append(text)
    for _, _, shared in spots:
        if len(shared) > 1:
            legend.append(t("curve.shared", lang, marks=t("grad.sep", lang).join(shared)))
    step = (height - 1) // CURVE_TICKS
    lines = []
    for r, row in enumerate(grid):
        value = top * (height - 1 - r) / (height - 1)
        label = f"{value:5.1f} ┤" if r % step == 0 else "      │"
        lines.append(label + "".join(row))
    lines.append("      └" + "─" * width)
    axis = "0" + " " * (width // 2 - 3) + "0.5" + " " * (width - width // 2 - 2) + "1"
    lines.append("       " + axis)
    label = t("curve.axis_p", lang)
    lines.append(" " * max(0, 7 + width - _cells(label)) + label)  # under the axis's right end: fits 60 columns
    lines.append("  ↑ " + t("curve.axis_loss", lang))
    why = [t("stage.curve.why", lang)]
    if off_curve:
        why.append(t("stage.curve.off", lang))
    s = Section(t("stage.curve", lang), why, key="curve", pre=True)
    s.lines = [lines[-1], *lines[:-1]]
    s.key_lines = legend
    return s


def _cells(text: str) -> int:
    """Terminal columns `text` takes (wide CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _grad_example(result: Result, row_names: list[str], lang: str, f) -> list[str]:
    """The gradient formula with the numbers of the first counted row written in."""
    tr = result.trace
    o = result.problem.options
    live = np.flatnonzero(~tr.ignored)
    if not live.size or result.problem.num_classes > 6:
        return []
    i = int(live[0])
    w = o.weight if o.weight is not None else np.ones(result.problem.num_classes)
    coef = tr.target[i] * w
    return [
        t(
            "stage.grad.example",
            lang,
            row=row_names[i],
            a=f(coef.sum()),
            p=", ".join(f(x) for x in tr.probs[i]),
            wt=", ".join(f(x) for x in coef),
            d=f(result.denominator),
            g=", ".join(f(x) for x in tr.grad[i]),
        )
    ]
