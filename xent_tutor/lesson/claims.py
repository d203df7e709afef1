"""Sentences chosen by the numbers in the trace: what the target is, where a gradient step goes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..engine.core import Result
from .text import t

MAX_GRAD_ROWS = 3  # rows whose up/down classes are spelled out
MAX_LISTED = 6  # classes listed by number in one sentence


def live_rows(result: Result) -> np.ndarray:
    """Shown rows that count in the loss (not ignored)."""
    return np.flatnonzero(~result.trace.ignored)


def onehot_rows(result: Result) -> bool:
    """True when every counted row's target is exactly one-hot (hard label, no effective smoothing)."""
    live = live_rows(result)
    if not live.size:
        return not result.problem.soft and not result.problem.options.label_smoothing
    tg = result.trace.target[live]
    return bool(np.all((tg == 0) | (tg == 1)) and np.all(tg.sum(axis=1) == 1))


def weighted(result: Result) -> bool:
    """True when class weights are given and not all 1."""
    w = result.problem.options.weight
    return w is not None and not np.all(w == 1)


def target_why(result: Result, lang: str, f: Callable[[float], str]) -> list[str]:
    """The target stage's sentences: one-hot, smoothed or soft, and what weights do."""
    p = result.problem
    eps = p.options.label_smoothing
    c = p.num_classes
    out: list[str] = []
    if p.soft:
        out.append(t("stage.target.soft_smooth" if eps else "stage.target.soft", lang, eps=eps))
    elif onehot_rows(result):
        out.append(t("stage.target.onehot_one" if c == 1 else "stage.target.onehot", lang))
        if eps and c == 1:
            out.append(t("stage.target.smooth_one", lang))
    else:
        out.append(t("stage.target.smooth", lang, eps=eps, hi=f(1 - eps + eps / c), lo=f(eps / c)))
    if weighted(result):
        out.append(t("stage.target.weighted", lang, w=", ".join(f(x) for x in p.options.weight)))
    return out


def bars_why(result: Result, lang: str, f: Callable[[float], str]) -> str:
    """The bars' caption: where training moves the bars, from the target (one-hot, smoothed or soft)."""
    tr = result.trace
    if result.problem.soft:
        return t("stage.bars.soft_weighted" if weighted(result) else "stage.bars.soft", lang)
    if onehot_rows(result):
        return t("stage.bars.why", lang)
    w = result.problem.options.weight
    shares = set()
    for i in live_rows(result):
        a = tr.target[i] * (1.0 if w is None else w)
        if a.sum() > 0:
            shares.add(f(a[int(tr.labels[i])] / a.sum()))
    if not shares and live_rows(result).size:
        return t("stage.bars.still", lang)
    if shares <= {f(1.0)}:
        return t("stage.bars.why", lang)
    if len(shares) == 1:
        return t("stage.bars.smooth", lang, share=shares.pop())
    return t("stage.bars.smooth_rows", lang)


def select_why(result: Result, lang: str, f: Callable[[float], str]) -> list[str]:
    """Stage 6: only for a one-hot target is every other class multiplied by 0."""
    p = result.problem
    eps = p.options.label_smoothing
    c = p.num_classes
    if c == 1:
        return [t("stage.select.one", lang)]
    if onehot_rows(result):
        out = [t("stage.select.why", lang)]
        if weighted(result):
            out.append(t("stage.select.weighted", lang))
        return out
    return [t("stage.select.smooth", lang, lo=f(eps / c), hi=f(1 - eps + eps / c))]


def _classes(ks: list[int], lang: str) -> str:
    if not ks:
        return t("grad.no_class", lang)
    sep = t("grad.sep", lang)
    shown = sep.join(str(k) for k in ks[:MAX_LISTED]) + (sep + "…" if len(ks) > MAX_LISTED else "")
    return t("grad.class_one" if len(ks) == 1 else "grad.classes", lang, c=shown)


def grad_why(result: Result, row_names: list[str], lang: str, f: Callable[[float], str]) -> list[str]:
    """Where a gradient step moves each score, read from the signs of the gradient shown."""
    tr = result.trace
    g = tr.grad
    out = [t("stage.grad.rule", lang)]
    rows = [int(i) for i in live_rows(result) if np.all(np.isfinite(g[i]))]
    if not rows:
        return out
    if all(np.all(g[i] == 0) for i in rows):
        out.append(t("stage.grad.zero", lang))
        return out
    c = result.problem.num_classes
    labels = tr.labels
    if labels is not None and c > 1:
        standard = all(g[i, labels[i]] < 0 and np.all(np.delete(g[i], labels[i]) > 0) for i in rows)
        if standard:
            out.append(t("stage.grad.up_down_onehot" if onehot_rows(result) else "stage.grad.up_down", lang))
            return out
    moving = [i for i in rows if np.any(g[i] != 0)]
    for i in moving[:MAX_GRAD_ROWS]:
        up = [int(k) for k in np.flatnonzero(g[i] < 0)]
        down = [int(k) for k in np.flatnonzero(g[i] > 0)]
        out.append(t("stage.grad.row", lang, row=row_names[i], up=_classes(up, lang), down=_classes(down, lang)))
    if labels is not None:
        for i in moving:
            y = int(labels[i])
            if g[i, y] > 0:
                o = result.problem.options
                a = tr.target[i] * (o.weight if o.weight is not None else 1.0)
                share = a[y] / a.sum()
                key = "stage.grad.true_down_smooth" if o.label_smoothing else "stage.grad.true_down"
                out.append(t(key, lang, row=row_names[i], y=y, p=f(tr.probs[i, y]), share=f(share), g=f(g[i, y])))
                break
    return out
