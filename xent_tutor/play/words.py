"""What the last key did, in sentences chosen from the actual numbers (sign words follow the signs)."""

from __future__ import annotations

import numpy as np

from ..lesson.claims import target_why
from ..lesson.layout import fmt
from ..lesson.text import note, t
from .state import Event, PlayState

LISTED = 3  # logits named per direction before "and N more"


def sentences(state: PlayState, lang: str, precision: int = 4) -> list[str]:
    """The explanation of the last event, then the core's notes for the numbers in play."""
    ev = state.event
    out: list[str] = []
    f = lambda x: fmt(x, precision)  # noqa: E731
    if ev is None:
        out.append(t("play.welcome", lang))
    elif ev.kind == "train":
        out += _trained(state, ev, lang, f)
    elif ev.kind == "no_step":
        out.append(t("play.no_step", lang, loss=f(state.loss)))
    elif ev.kind == "step_size":
        out.append(t("play.step_size", lang, step=ev.params["step"]))
    elif ev.kind == "rate":
        out.append(t("play.rate", lang, lr=ev.params["lr"]))
    elif ev.kind == "predict_ask":
        return [t("play.predict_ask", lang, lr=f"{state.lr:g}", cell=cell_name(state.row, state.col, lang))]
    elif ev.kind == "predict_cancel":
        out.append(t("play.predict_cancel", lang))
    elif ev.kind == "predicted":
        way = "up" if ev.params["sign"] > 0 else "down"
        return [t("play.predicted_" + way, lang, cell=cell_name(ev.params["row"], ev.params["col"], lang))]
    elif ev.kind == "undo_none":
        out.append(t("play.undo_none", lang))
    elif ev.kind in ("undo", "reset"):
        assert ev.before is not None
        out.append(t("play.undo", lang, what=t("play.undo_what." + str(ev.params["what"]), lang))
                   if ev.kind == "undo" else t("play.reset", lang))  # fmt: skip
        out.append(loss_change(float(ev.before.loss), state.loss, lang, f))
    else:
        out += _changed(state, ev, lang, f)
    if ev is not None and ev.kind in ("train", "smoothing"):
        out.append(_floor(state, lang, f))
    out += [note(n.key, n.params, lang) for n in state.result.notes]
    return [s for s in out if s]


def cell_name(row: int, col: int, lang: str) -> str:
    """A logit named as on the grid: rows from 1, classes from 0."""
    return t("play.cell", lang, row=row + 1, col=col)


def loss_change(before: float, after: float, lang: str, f) -> str:
    """The loss went down, up, or stayed: the word and the difference follow the numbers as shown."""
    if not (np.isfinite(before) and np.isfinite(after)):
        return t("play.loss_now", lang, b=f(after))
    a, b, d = shown_difference(before, after, f)
    if d < 0:
        return t("play.loss_down", lang, a=a, b=b, d=fmt(-d, _decimals(a, b)))
    if d > 0:
        return t("play.loss_up", lang, a=a, b=b, d=fmt(d, _decimals(a, b)))
    return t("play.loss_same", lang, a=f(after))


def shown_difference(before: float, after: float, f) -> tuple[str, str, float]:
    """Both numbers as shown, with more decimals when needed to tell them apart, and the difference of those."""
    a, b = f(before), f(after)
    digits = _decimals(a, b)
    while before != after and float(a) == float(b) and digits < 15:
        digits += 1
        a, b = fmt(before, digits), fmt(after, digits)
    # The difference of the shown figures, so that "a → b (down d)" adds up on the page.
    return a, b, round(float(b) - float(a), digits)


def _decimals(*shown: str) -> int:
    """The decimals the shown numbers carry (fixed notation), so a difference is written with as many."""
    return max((len(x.split(".")[1]) if "." in x and "e" not in x else 4) for x in shown)


def _changed(state: PlayState, ev: Event, lang: str, f) -> list[str]:
    p = ev.params
    out: list[str] = []
    if ev.kind == "nudge":
        key = "play.nudged_up" if p["new"] > p["old"] else "play.nudged_down"
        out.append(t(key, lang, cell=cell_name(p["row"], p["col"], lang), old=f(p["old"]), new=f(p["new"]),
                     step=state.step))  # fmt: skip
    elif ev.kind == "label":
        key = "play.label_ignored" if p["ignored"] else "play.label"
        out.append(t(key, lang, row=p["row"] + 1, label=p["label"]))
    elif ev.kind == "weight":
        out.append(t("play.weight", lang, col=p["col"], value=f"{p['value']:g}"))
    elif ev.kind == "smoothing":
        out += target_why(state.result, lang, f)
    elif ev.kind == "reduction":
        out.append(t("stage.reduce." + str(p["reduction"]), lang))
    assert ev.before is not None
    out.append(loss_change(float(ev.before.loss), state.loss, lang, f))
    if ev.kind == "nudge":
        out.append(_slope(ev, lang, f))
    return out


def _slope(ev: Event, lang: str, f) -> str:
    """The slope before the nudge, and what it says about the move just made."""
    assert ev.before is not None and ev.before.trace.grad is not None
    g = float(ev.before.trace.grad[ev.params["row"], ev.params["col"]])
    if g == 0:
        return t("play.slope_zero", lang)
    # The sentence is about the move just made: raising (up) or lowering (down) the logit.
    way = "up" if ev.params["new"] > ev.params["old"] else "down"
    return t(f"play.slope_{'neg' if g < 0 else 'pos'}_{way}", lang, g=f(g))


def _trained(state: PlayState, ev: Event, lang: str, f) -> list[str]:
    assert ev.before is not None and ev.moved is not None and ev.grad is not None
    out = [t("play.trained", lang, n=ev.params["number"], lr=f"{ev.params['lr']:g}")]
    if ev.prediction is not None:
        out.append(_scored(state, ev, lang, f))
    before, after = float(ev.before.loss), state.loss
    out.append(loss_change(before, after, lang, f))
    weighted = state.weight is not None
    moved = ev.moved
    for key, mask in (("rose", moved > 0), ("fell", moved < 0)):
        idx = np.argwhere(mask)
        if idx.size:
            order = sorted(idx.tolist(), key=lambda rc: -abs(moved[rc[0], rc[1]]))
            sep = t("play.list_sep", lang)
            items = sep.join(f"{cell_name(r, c, lang)} {_signed(moved[r, c], f)}" for r, c in order[:LISTED])
            if len(order) > LISTED:
                items += t("play.and_more", lang, n=len(order) - LISTED)
            suffix = "_weighted" if weighted else ""
            out.append(t(f"play.{key}{suffix}", lang, items=items))
    still = np.argwhere(moved == 0)
    if still.size:
        rows = sorted({int(r) + 1 for r, _ in still.tolist()})
        out.append(t("play.still", lang, n=len(still), rows=", ".join(map(str, rows))))
    out.append(_largest(state, ev, lang, f))
    if after > before:
        out.append(t("play.overshot", lang, lr=f"{ev.params['lr']:g}"))
    return out


def _scored(state: PlayState, ev: Event, lang: str, f) -> str:
    """The prediction made with `p`, against the step just taken."""
    assert ev.prediction is not None and ev.moved is not None and ev.grad is not None
    guess = ev.prediction
    mine = float(ev.moved[guess.row, guess.col])
    r, c = (int(i) for i in np.unravel_index(np.argmax(np.abs(ev.moved)), ev.moved.shape))
    common = {"cell": cell_name(guess.row, guess.col, lang), "mine": _signed(mine, f),
              "right": state.predictions_right, "n": state.predictions}  # fmt: skip
    if guess.right:
        return t("play.predict_right", lang, **common)
    if guess.logit_right:
        return t("play.predict_wrong_way", lang, g=f(float(ev.grad[guess.row, guess.col])), **common)
    return t("play.predict_wrong", lang, best=cell_name(r, c, lang), delta=_signed(float(ev.moved[r, c]), f),
             g=f(abs(float(ev.grad[r, c]))), **common)  # fmt: skip


def _signed(x: float, f) -> str:
    text = f(abs(x))
    return ("+" if x > 0 else "−") + text


def _largest(state: PlayState, ev: Event, lang: str, f) -> str:
    """The biggest move, with the gradient formula's numbers written in."""
    assert ev.before is not None and ev.moved is not None and ev.grad is not None
    r, c = (int(i) for i in np.unravel_index(np.argmax(np.abs(ev.moved)), ev.moved.shape))
    tr = ev.before.trace
    w = state.weight if state.weight is not None else np.ones(state.num_classes)
    a = tr.target[r] * w
    g = float(ev.grad[r, c])
    common = {
        "cell": cell_name(r, c, lang),
        "p": f(tr.probs[r, c]),
        "t": f(tr.target[r, c]),
        "d": f(ev.before.denominator),
        "g": f(g),
        "lr": f"{ev.params['lr']:g}",
        "delta": _signed(float(ev.moved[r, c]), f),
    }
    if state.weight is None:
        return t("play.largest", lang, **common)
    return t("play.largest_weighted", lang, A=f(a.sum()), wt=f(a[c]), **common)


def _floor(state: PlayState, lang: str, f) -> str:
    """Why the loss cannot reach 0 with smoothing (H(t)), or why 0 is never reached without it."""
    if not np.isfinite(state.loss):
        return ""
    eps = state.smoothing
    if not eps:
        return t("play.no_floor", lang) if state.loss > 0 else ""
    floor = state.loss_floor()
    shown_loss, shown_floor = f(state.loss), f(floor)
    gap = fmt(max(float(shown_loss) - float(shown_floor), 0.0), _decimals(shown_loss, shown_floor))
    live = state.result.live
    if state.weight is not None:
        return t("play.floor_weighted", lang, eps=f"{eps:g}", floor=f(floor), gap=gap)
    if state.reduction == "sum" and live > 1:
        return t("play.floor_sum", lang, eps=f"{eps:g}", h=f(floor / live), n=live, floor=f(floor), gap=gap)
    return t("play.floor_mean", lang, eps=f"{eps:g}", floor=f(floor), gap=gap)
