"""The play screen's panels as Rich Text, drawn from the state (no Textual here)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from rich.cells import cell_len
from rich.text import Text

from ..lesson.layout import build, fmt
from ..lesson.text import t
from ..lesson.wrap import divide
from .state import PlayState

SPARK = "▁▂▃▄▅▆▇█"
EIGHTHS = " ▏▎▍▌▋▊▉"
LABEL_WIDTH = 15  # the stage names' column in the row panel
HISTORY_WIDTH = 48


@dataclass
class Grid:
    """The logits grid and where its class cells are, for mouse clicks."""

    text: Text
    columns: list[tuple[int, int]]  # [start, end) x of each class cell
    rows_y: list[int]  # y of each sample's line


def _pad(s: str, width: int, right: bool = True) -> str:
    gap = " " * max(0, width - cell_len(s))
    return gap + s if right else s + gap


def _nums(values, precision: int) -> list[str]:
    return [fmt(float(v), precision) for v in values]


def status(state: PlayState, lang: str) -> Text:
    """One line: where the numbers came from and the options, step and rate in play."""
    w = "—" if state.weight is None else "[" + ",".join(f"{x:g}" for x in state.weight) + "]"
    text = t(
        "play.status", lang, source=state.source, reduction=state.reduction, eps=f"{state.smoothing:g}",
        weight=w, step=f"{state.step:g}", lr=f"{state.lr:g}",
    )  # fmt: skip
    return Text(text, style="bold")


def grid(state: PlayState, lang: str, precision: int = 4, width: int = 80, grads: bool = False) -> Grid:
    """Every sample's logits (▶ on the selected one), and p of the true class, −ln p and loss when they fit;
    with `grads`, each sample's ∂L/∂z under its logits."""
    tr = state.result.trace
    n, c = state.logits.shape
    z = [_nums(row, precision) for row in tr.logits]
    g = [_nums(row, precision) for row in tr.grad]
    heads = [t("col.class", lang, c=k) for k in range(c)]
    longest = max(len(s) for rows in (z, g if grads else z) for row in rows for s in row)
    row_w = max(cell_len(t("col.row", lang)), len(str(n))) + 1
    label_w = max(cell_len(t("col.label", lang)), max(len(str(int(y))) for y in tr.labels)) + 2
    # ▶ and * around the value and a space between cells, unless only the tight cells fit the width.
    gap = 3 if row_w + label_w + c * (longest + 3) <= width else 2
    cell = max(longest + gap, max(cell_len(h) for h in heads) + 2)
    plain = state.weight is None and not state.smoothing
    extra = [(t("col.p_true_short", lang), tr.p_true), ("−ln p", tr.neg_log_p)]
    extra += [] if plain else [(t("col.loss", lang), tr.loss)]
    columns_text = [
        (h, [t("ignored", lang) if tr.ignored[i] else fmt(float(v[i]), precision) for i in range(n)]) for h, v in extra
    ]
    ews = [max(cell_len(h), *(cell_len(x) for x in col)) + 2 for h, col in columns_text]
    while columns_text and row_w + label_w + c * cell + sum(ews) > width:
        columns_text.pop()  # the row panel and the loss line still show these numbers
        ews.pop()
    text = Text()
    text.append(_pad(t("col.row", lang), row_w, False) + _pad(t("col.label", lang), label_w), style="bold")
    text.append("".join(_pad(h + " ", cell) for h in heads), style="bold")
    text.append("".join(_pad(h, w) for (h, _), w in zip(columns_text, ews)) + "\n", style="bold")
    x0 = row_w + label_w
    columns = [(x0 + k * cell, x0 + (k + 1) * cell) for k in range(c)]
    rows_y = []
    for i in range(n):
        rows_y.append(1 + i * (2 if grads else 1))
        ignored = bool(tr.ignored[i])
        text.append(_pad(str(i + 1), row_w, False) + _pad(str(int(tr.labels[i])), label_w))
        for k in range(c):
            true = not ignored and k == int(tr.labels[i])
            selected = i == state.row and k == state.col
            body = ("▶" if selected else " ") + z[i][k] + ("*" if true else " ")
            style = "reverse bold" if selected else ("bold" if true else "")
            text.append(" " * (cell - cell_len(body)) + body, style=style)
        text.append("".join(_pad(col[i], w) for (_, col), w in zip(columns_text, ews)), style="dim" if ignored else "")
        if grads:
            text.append("\n" + _pad("∂L/∂z", x0, False), style="italic")
            text.append("".join(_pad(v + " ", cell) for v in g[i]), style="italic")
        if i < n - 1:
            text.append("\n")
    return Grid(text, columns, rows_y)


def row_panel(state: PlayState, lang: str, precision: int = 4, width: int = 80, bars: bool = True) -> Text:
    """The selected row's stages: e^z (or e^(z−max)), p with bars, the target, the gradient, the formulas.

    Without `bars` (a short terminal), p's bar line is left out: the numbers above it stay.
    """
    res = state.result
    tr = res.trace
    i, k = state.row, state.col
    c = state.num_classes
    f = lambda x: fmt(x, precision)  # noqa: E731
    exp_name, exp, exp_sum = exponentials(state, i)
    lines = [
        (exp_name, _nums(exp[i], precision), "Σ = " + f(exp_sum[i])),
        ("p = e / Σ", _nums(tr.probs[i], precision), "Σ p = " + f(tr.probs[i].sum())),
        *([("", None, "")] if bars else []),
        ("t", _nums(tr.target[i], precision), ""),
        ("∂L/∂z", _nums(tr.grad[i], precision), ""),
    ]
    digits = max(len(s) for _, row, _ in lines if row for s in row)
    cell = max(digits + 2, max(cell_len(t("col.class", lang, c=j)) for j in range(c)) + 2)
    ignored = bool(tr.ignored[i])
    y = None if ignored else int(tr.labels[i])
    head = t("play.row_head_ignored" if ignored else "play.row_head", lang, row=i + 1, label=int(tr.labels[i]))
    text = Text(_pad(head, LABEL_WIDTH + 1, False), style="bold")
    if cell_len(head) > LABEL_WIDTH:
        text.append("\n" + " " * (LABEL_WIDTH + 1))
    text.append("".join(_pad(t("col.class", lang, c=j) + " ", cell) for j in range(c)) + "\n", style="bold")
    room = width - (LABEL_WIDTH + 1 + c * cell)
    for name, row, tail in lines:
        text.append(_pad(name, LABEL_WIDTH, False) + " ")
        for j in range(c):
            style = "reverse" if j == k else ("bold" if j == y else "")
            if row is None:
                text.append(_pad(_bar(float(tr.probs[i, j]), digits + 1), cell), style="bold" if j == y else "")
            else:
                text.append(_pad(row[j] + ("*" if j == y else " "), cell), style=style)
        text.append(("  " + tail if tail and cell_len(tail) + 2 <= room else "") + "\n")
    text.append(_formulas(state, lang, f))
    return text


def exponentials(state: PlayState, i: int) -> tuple[str, np.ndarray, np.ndarray]:
    """The article's e^z when it gives row i's p exactly (no overflow or underflow), else PyTorch's e^(z − max)."""
    tr = state.result.trace
    if tr.raw_exp is not None and tr.raw_sum is not None:
        with np.errstate(all="ignore"):
            raw, total = tr.raw_exp[i], tr.raw_sum[i]
            if np.isfinite(total) and total > 0 and np.allclose(raw / total, tr.probs[i], rtol=1e-9, atol=1e-300):
                return "e^z", tr.raw_exp, tr.raw_sum
    return "e^(z−max)", tr.exp, tr.row_sum


def _bar(p: float, width: int) -> str:
    """A bar of p·width cells in eighths, padded to width."""
    if not np.isfinite(p) or p <= 0:
        return " " * width
    eighths = round(min(p, 1.0) * width * 8)
    return (("█" * (eighths // 8)) + EIGHTHS[eighths % 8]).ljust(width)[:width]


def _formulas(state: PlayState, lang: str, f) -> str:
    """p and −ln p of the selected row, and the selected logit's gradient, with the numbers in."""
    res = state.result
    tr = res.trace
    i, k = state.row, state.col
    if tr.ignored[i]:
        first = t("play.ignored_row", lang, row=i + 1)
    else:
        y = int(tr.labels[i])
        name, exp, exp_sum = exponentials(state, i)
        key = "play.p_formula_raw" if name == "e^z" else "play.p_formula"
        first = t(key, lang, y=y, e=f(exp[i, y]), s=f(exp_sum[i]), p=f(tr.p_true[i]),
                  nl=f(tr.neg_log_p[i]))  # fmt: skip
    g = float(tr.grad[i, k])
    cell = t("play.cell", lang, row=i + 1, col=k)
    d = f(res.denominator)
    if state.weight is None:
        second = t("play.grad_formula", lang, cell=cell, p=f(tr.probs[i, k]), t=f(tr.target[i, k]), d=d, g=f(g))
        third = t("play.grad_terms", lang, d=d, why=denominator_why(state, lang))
    else:
        a = tr.target[i] * state.weight
        second = t("play.grad_formula_weighted", lang, cell=cell, A=f(a.sum()), p=f(tr.probs[i, k]), wt=f(a[k]),
                   d=d, g=f(g))  # fmt: skip
        third = t("play.grad_terms_weighted", lang, row=i + 1, col=k, A=f(a.sum()), w=f"{state.weight[k]:g}",
                  t=f(tr.target[i, k]), d=d, why=denominator_why(state, lang))  # fmt: skip
    return first + "\n" + second + "\n" + third


def denominator_why(state: PlayState, lang: str) -> str:
    """What D is for these options, in words with its numbers."""
    res = state.result
    if state.reduction == "sum":
        return t("play.d_sum", lang)
    if state.weight is not None:
        return t("play.d_weights", lang)
    if res.live != state.num_rows:
        return t("play.d_live", lang, n=res.live)
    return t("play.d_mean", lang, n=state.num_rows)


def loss_panel(state: PlayState, lang: str, precision: int = 4) -> Text:
    """The batch loss as `xent explain` writes it, and a sparkline of its history."""
    lesson = build(state.result, precision, lang)
    reduce = next(s for s in lesson.sections if s.key == "reduce")
    text = Text(_head(t("play.loss_head", lang)), style="bold")
    text.append(reduce.lines[0] + "\n")
    text.append(_head(t("play.history", lang)), style="bold")
    text.append(sparkline(state.history[-HISTORY_WIDTH:]))
    first, last = state.history[0], state.history[-1]
    text.append("  " + t("play.history_range", lang, n=len(state.history) - 1, a=fmt(first, precision),
                         b=fmt(last, precision)))  # fmt: skip
    return text


def _head(text: str) -> str:
    """A heading before its value: a space after an English colon, none after a full-width one."""
    return text if text.endswith("：") else text + " "


def sparkline(values: list[float]) -> str:
    """Values as block heights, lowest ▁ to highest █; non-finite values as a space."""
    v = np.asarray(values, dtype=np.float64)
    finite = v[np.isfinite(v)]
    if not finite.size:
        return " " * len(v)
    lo, hi = float(finite.min()), float(finite.max())
    out = []
    for x in v:
        if not np.isfinite(x):
            out.append(" ")
        elif hi == lo:
            out.append(SPARK[3])
        else:
            out.append(SPARK[round((x - lo) / (hi - lo) * (len(SPARK) - 1))])
    return "".join(out)


def words(lines: list[str], lang: str, width: int = 80) -> Text:
    """The explanation sentences as one paragraph; Chinese is broken into lines here, never inside a formula."""
    if lang != "zh":
        return Text(" ".join(lines))
    text = "".join(lines)
    cuts = [0, *divide(text, width), len(text)]
    return Text("\n".join(text[a:b].rstrip() for a, b in itertools.pairwise(cuts)))


def keys_line(lang: str, running: bool, more: bool = False, predicting: bool = False) -> Text:
    """The one-line key reminder at the bottom: while training, while predicting, or with more to read."""
    key = "play.keys_running" if running else "play.keys_predict" if predicting else "play.keys_short"
    if more and not running:
        key = "play.keys_more"
    return Text(t(key, lang), style="reverse")


def help_text(lang: str) -> Text:
    """Every key, one per line."""
    rows = [line.split("|", 1) for line in t("play.help", lang).splitlines()]
    width = max(cell_len(k) for k, _ in rows) + 2
    body = "\n".join(_pad(k, width, False) + v for k, v in rows)
    return Text(t("play.help_title", lang) + "\n", style="bold") + Text(body)
