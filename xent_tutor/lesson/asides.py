"""Short asides with this problem's numbers: the ideas behind each stage (left out by --brief)."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable

import numpy as np

from ..engine.core import Result
from .claims import live_rows, onehot_rows, weighted
from .text import t

Fmt = Callable[[float], str]
MAX_TERMS = 4  # classes written out in a sum before eliding
MAX_EXP = math.log(sys.float_info.max)  # e^x above this is inf in float64
NEAR = 0.01  # a loss within 1% of ln C is "just above / below" a uniform guess


def _finite_rows(result: Result) -> list[int]:
    """Counted rows whose logits, probabilities and loss are all finite."""
    tr = result.trace
    return [
        int(i)
        for i in live_rows(result)
        if np.isfinite(tr.logits[i]).all() and np.isfinite(tr.log_probs[i]).all() and np.isfinite(tr.loss[i])
    ]


def _subject(result: Result, i: int) -> int:
    """The class a sentence about row i is about: its label, else its target's largest share."""
    tr = result.trace
    return int(tr.labels[i]) if tr.labels is not None else int(np.argmax(tr.target[i]))


def _coef(result: Result, i: int) -> np.ndarray:
    """w_c · t_c for row i (t_c without weights)."""
    w = result.problem.options.weight
    return result.trace.target[i] * (1.0 if w is None else w)


def _exact(x: float, f: Fmt) -> str:
    """A whole number as itself (1, 0, 2), anything else as the lesson rounds it."""
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else f(x)


def _xlogy(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a · ln b with 0 · ln 0 = 0."""
    with np.errstate(all="ignore"):
        return np.where(a == 0, 0.0, a * np.log(np.where(a == 0, 1.0, b)))


def logits(result: Result, names: list[str], lang: str, f: Fmt) -> list[str]:
    """What a logit is: only differences matter, and a difference is a log of a probability ratio."""
    c = result.problem.num_classes
    if c == 1:
        return [t("aside.logit_one", lang)]
    rows = _finite_rows(result)
    if not rows:
        return []
    i = rows[0]
    tr = result.trace
    a = _subject(result, i)
    others = [k for k in range(c) if k != a]
    b = max(others, key=lambda k: tr.logits[i, k])
    if tr.logits[i, b] > tr.logits[i, a]:  # the likelier class first: the ratio is at least 1
        a, b = b, a
    gap = float(tr.logits[i, a] - tr.logits[i, b])
    if gap > MAX_EXP:  # e^gap is beyond float64: say what it is without a number
        return [t("aside.logit_gap", lang, row=names[i], a=a, b=b, gap=f(gap))]
    return [t("aside.logit", lang, row=names[i], a=a, b=b, gap=f(gap), ratio=f(math.exp(gap)))]


def bce(x: float, y: float) -> float:
    """binary_cross_entropy_with_logits(x, y), computed stably as PyTorch does."""
    return max(x, 0.0) - x * y + math.log1p(math.exp(-abs(x)))


def softmax(result: Result, names: list[str], lang: str, f: Fmt) -> list[str]:
    """Two classes: softmax is the sigmoid of the logit gap, and the loss is BCE on that gap."""
    if result.problem.num_classes != 2:
        return []
    rows = _finite_rows(result)
    if not rows:
        return []
    i = rows[0]
    tr = result.trace
    gap = float(tr.logits[i, 1] - tr.logits[i, 0])
    out = [t("aside.sigmoid", lang, row=names[i], gap=f(gap), p1=f(tr.probs[i, 1]))]
    t1 = float(tr.target[i, 1])
    loss = bce(gap, t1)
    if not weighted(result) and math.isclose(loss, float(tr.loss[i]), rel_tol=1e-9, abs_tol=1e-12):
        out.append(t("aside.bce", lang, row=names[i], gap=f(gap), t1=_exact(t1, f), loss=f(loss)))
    return out


def _terms(coef: np.ndarray, probs: np.ndarray, f: Fmt, value: float | None = None) -> str:
    """'1·ln 0.4951 + 0·ln 0.5049', eliding zero terms and the tail of a long row.

    With `value`, the coefficients and p of the nonzero terms get the digits −Σ coef·ln p needs to print
    as f(value).
    """
    c = len(coef)
    a = [_exact(x, f) for x in coef]
    p = [f(x) for x in probs]
    if value is not None:
        a, p = _fitted_terms(coef, probs, value, f, a, p)
    if c <= MAX_TERMS:
        return " + ".join(f"{x}·ln {q}" for x, q in zip(a, p))
    shown = [k for k in range(c) if coef[k] != 0][: MAX_TERMS - 1]
    text = " + ".join(f"{a[k]}·ln {p[k]}" for k in shown)
    return text + (" + 0 + … + 0" if np.count_nonzero(coef) == len(shown) else " + …")


def _fitted_terms(coef, probs, value: float, f: Fmt, a: list[str], p: list[str]) -> tuple[list[str], list[str]]:
    """The printed coefficients (when not exact) and p of the nonzero terms, lengthened until the sum holds."""
    from ..practice.precision import fit

    shown = f(value)
    used = [k for k in range(len(coef)) if coef[k] != 0]
    if "e" in shown or not used or not all(probs[k] > 0 and "e" not in p[k] + a[k] for k in used):
        return a, p
    d = len(shown.partition(".")[2])
    items: list = [a[k] if float(a[k]) == float(coef[k]) else (float(coef[k]), d) for k in used]
    items += [(float(probs[k]), d) for k in used]
    n = len(used)

    def fn(xs):
        return -math.fsum(xs[j] * math.log(xs[n + j]) for j in range(n))

    texts = fit(items, fn, value, d)
    a, p = list(a), list(p)
    for j, k in enumerate(used):
        a[k], p[k] = texts[j], texts[n + j]
    return a, p


def cross_entropy(result: Result, names: list[str], lang: str, f: Fmt) -> list[str]:
    """−Σ t ln p, and how a one-hot target collapses it to −ln p of the true class."""
    rows = _finite_rows(result)
    if not rows:
        return []
    tr = result.trace
    mixed = [i for i in rows if not np.all((tr.target[i] == 0) | (tr.target[i] == 1))]
    if not mixed:
        i = rows[0]
        value = float(-tr.log_probs[i, _subject(result, i)])
        terms = _terms(tr.target[i], tr.probs[i], f, value)
        return [t("aside.ce_onehot", lang, row=names[i], terms=terms, value=f(value))]
    i = mixed[0]
    key = "aside.ce_weighted" if weighted(result) else "aside.ce_full"
    coef = _coef(result, i)
    return [t(key, lang, row=names[i], terms=_terms(coef, tr.probs[i], f, float(tr.loss[i])), value=f(tr.loss[i]))]


def log_softmax(result: Result, names: list[str], lang: str, f: Fmt) -> list[str]:
    """PyTorch's route: LogSoftmax (log-sum-exp) then NLLLoss, never ln of a rounded p."""
    rows = _finite_rows(result)
    if not rows:
        return []
    i = rows[0]
    tr = result.trace
    o = result.problem.options
    if result.problem.soft or o.label_smoothing:
        if result.problem.num_classes > MAX_TERMS:
            return [t("aside.log_softmax_long", lang)]
        logps = ", ".join(f(x) for x in tr.log_probs[i])
        return [t("aside.log_softmax", lang, row=names[i], logps=logps)]
    y = int(tr.labels[i])
    total = f(tr.row_sum[i])
    logp, shifted = f(tr.log_probs[i, y]), f(tr.shifted[i, y])
    if "e" not in logp + shifted + total and tr.row_sum[i] > 0:  # each printed step holds for the next one
        from ..practice.precision import fit

        d, lp = len(logp.partition(".")[2]), float(tr.log_probs[i, y])
        if weighted(result):  # the weighted loss −w·ln p, from ln p as printed
            w = float(_exact(o.weight[y], f))
            logp = fit([(lp, d)], lambda xs: -w * xs[0], float(tr.loss[i]), d)[0]
        shifted, total = fit([(float(tr.shifted[i, y]), d), (float(tr.row_sum[i]), d)],
                             lambda xs: xs[0] - math.log(xs[1]), float(logp), len(logp.partition(".")[2]))  # fmt: skip
    params = dict(row=names[i], y=y, s=shifted, sum=total, logp=logp, loss=f(tr.loss[i]))
    if weighted(result):
        return [t("aside.nll_weighted", lang, w=f(o.weight[y]), **params)]
    return [t("aside.nll", lang, **params)]


def entropy_floor(result: Result, i: int) -> tuple[float, float]:
    """Row i's floor (the least loss any p can give) and its distance from it: H(t) and KL(t ‖ p) unweighted."""
    a = _coef(result, i)
    total = a.sum()
    if total <= 0:
        return 0.0, 0.0
    best = np.sum(_xlogy(a, a / total))  # Σ a ln(a / A), the loss's value at p = a / A, negated
    with np.errstate(all="ignore"):
        cross = np.sum(np.where(a == 0, 0.0, a * result.trace.log_probs[i]))  # ln p exact even where p underflows
    return -float(best), max(0.0, float(best - cross))  # KL >= 0; a negative value is rounding


def kl(result: Result, names: list[str], lang: str, f: Fmt) -> list[str]:
    """H(t, p) = H(t) + KL(t ‖ p): a smoothed or soft target puts a floor under the loss."""
    tr = result.trace
    rows = [i for i in _finite_rows(result) if np.count_nonzero(_coef(result, i)) > 1]
    if not rows:
        return []
    i = rows[0]
    floor, gap = entropy_floor(result, i)
    if weighted(result):
        return [t("aside.kl_weighted", lang, row=names[i], floor=f(floor), gap=f(gap), loss=f(tr.loss[i]))]
    return [t("aside.kl", lang, row=names[i], loss=f(tr.loss[i]), h=f(floor), kl=f(gap))]


def _uniform(result: Result) -> float | None:
    """What every sample guessing p = 1/C would score under this reduction, when it is ln C times a count."""
    p = result.problem
    lnc = math.log(p.num_classes)
    o = p.options
    # Weighted: only a one-hot label's weighted mean divides out the weights (soft labels divide by N).
    if weighted(result) and not (o.reduction == "mean" and not p.soft and onehot_rows(result)):
        return None
    if o.reduction == "mean":
        return lnc
    if o.reduction == "sum":
        return lnc * result.live
    return None


def reduction(result: Result, lang: str, f: Fmt) -> list[str]:
    """Reference points under the final loss (ln C, perplexity, bits) and why the mean."""
    p = result.problem
    o = p.options
    c = p.num_classes
    out: list[str] = []
    if o.reduction == "none":
        if c > 1 and not weighted(result):
            out.append(t("aside.uniform_none", lang, c=c, lnc=f(math.log(c))))
        out.append(t("aside.why_none", lang))
        return out
    loss = float(result.loss)
    if not math.isfinite(loss) or not result.live:
        return out
    ref = _uniform(result)
    lnc = math.log(c)
    if c > 1 and ref is not None and o.reduction == "sum":
        out.append(t("aside.uniform_sum", lang, c=c, lnc=f(lnc), n=result.live, total=f(ref), loss=f(loss)))
    elif c > 1 and ref is not None:
        diff = loss - ref
        near = abs(diff) < NEAR * ref
        key = ("near_" if near else "") + ("above" if diff > 0 else "below")
        out.append(t("aside.uniform." + key, lang, c=c, lnc=f(lnc), loss=f(loss), d=f(abs(diff))))
    if o.reduction == "mean":
        if loss <= MAX_EXP:
            out.append(t("aside.units", lang, ppl=f(math.exp(loss)), bits=f(loss / math.log(2))))
        else:
            out.append(t("aside.units_bits", lang, bits=f(loss / math.log(2))))
        key = "aside.why_mean"
        if weighted(result) and result.trace.labels is not None:
            key = "aside.why_mean_weighted"  # the denominator is the true classes' total weight
        elif result.denominator == 1:
            key = "aside.why_mean_one"
        out.append(t(key, lang, d=_exact(result.denominator, f), total=f(result.numerator)))
    else:
        out.append(t("aside.why_sum", lang, n=p.num_samples))
    return out
