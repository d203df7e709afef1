"""Write wrong_answers.json: realistic wrong answers to every step of every exercise, with their diagnoses.

Each value is worked here from the exercise's logits with numpy and the formulas of the mistake itself
(never by xent): the slips learners make (the sign, log base 10, another class or row, e^z without the
shift, logits summed instead of e^z, p rounded before the log, a term or a row left out, divided by C or
a wrong N, the weight applied too early, smoothing or weights left out, ...). An answer's "kinds" are
every slip that gives the same number to 4 decimals. Entries of kind "right" are worked correctly from
rounded numbers (each value as the quiz asks it: 4 decimals, 4 significant figures when small): no
verdict may call them wrong.

    python tests/data/make_wrong_answers.py     (from the repository root)
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
EXERCISES = HERE.parent.parent / "exercises"
IGNORE = -100


def sig(x: float) -> str:
    """x as the quiz asks a value a later step divides by or logs: 4 decimals, or 4 significant figures."""
    d = 4 if x == 0 or abs(x) >= 0.1 else 3 - math.floor(math.log10(abs(x)))
    return f"{x:.{d}f}"


def f4(x: float) -> str:
    return f"{x:.4f}"


def rows_of(ex: dict):
    z = np.asarray(ex["logits"], dtype=float)
    labels = ex["labels"]
    if z.ndim == 1:  # one unbatched sample
        z, labels = z[None, :], [labels]
    o = ex.get("options") or {}
    soft = isinstance(labels[0], list)
    c = z.shape[1]
    eps = float(o.get("label_smoothing", 0.0))
    weight = np.asarray(o["weight"], dtype=float) if o.get("weight") is not None else None
    ii = o.get("ignore_index", IGNORE)
    out = []
    for i in range(z.shape[0]):
        if soft:
            t, y = np.asarray(labels[i], dtype=float), None
        elif labels[i] == ii:
            continue
        else:
            y = int(labels[i])
            t = np.full(c, eps / c)
            t[y] += 1.0 - eps
        out.append((i, z[i], y, t))
    return out, o, soft, weight, eps


def sample_loss(zi, y, t, weight, eps):
    """The sample's loss as the quiz asks it: -ln p_y (plain), else -Σ w_c t_c ln p_c."""
    lp = zi - zi.max() - math.log(np.exp(zi - zi.max()).sum())
    if y is not None and eps == 0:
        return -lp[y]
    w = weight if weight is not None else np.ones(len(zi))
    return -float((w * t * lp).sum())


def entries_for(eid: str, ex: dict) -> list[dict]:
    rows, o, soft, weight, eps = rows_of(ex)
    out: list[dict] = []
    if not rows:
        return out
    i, zi, y, t = rows[0]
    k = y if y is not None else int(np.argmax(t))
    shift = zi.max() > 10
    x = zi - zi.max() if shift else zi
    e = np.exp(x)
    S = float(e.sum())
    p = e / S
    plain = y is not None and eps == 0

    def add(stage, row, text, value, kind, cands):
        out.append({"exercise": eid, "stage": stage, "row": row, "answer": text, "kind": kind,
                    "value": value, "cands": cands})  # fmt: skip

    # exp
    exp_c = [("exp_sign", math.exp(-x[k]), f4(math.exp(-x[k]))), ("logit_not_exp", x[k], f"{x[k]:g}")]
    exp_c += [("wrong_class_exp", e[j], sig(e[j])) for j in range(len(zi)) if j != k]
    if not shift and zi.max() != 0:
        exp_c.append(("shifted_exp", math.exp(zi[k] - zi.max()), sig(math.exp(zi[k] - zi.max()))))
    if len(rows) > 1:
        zo = rows[1][1]
        xo = zo - zo.max() if shift else zo
        exp_c.append(("other_row", math.exp(xo[k]), sig(math.exp(xo[k]))))
    exp_c.append(("right", e[k], sig(e[k])))
    steps = [("exp", i + 1, exp_c)]
    # row sum
    sum_c = [("logit_sum", float(x.sum()), f"{x.sum():.4f}"), ("only_true_term", e[k], sig(e[k]))]
    sum_c += [("missing_term", S - e[j], sig(S - e[j])) for j in range(len(zi))]
    r1 = sum(round(v, 1) for v in e)
    sum_c.append(("rounded_early", r1, " + ".join(f"{v:.1f}" for v in e)))
    if not shift and zi.max() != 0:
        sh = float(np.exp(zi - zi.max()).sum())
        sum_c.append(("shifted_sum", sh, sig(sh)))
    carried = sum(float(sig(v)) for v in e)
    sum_c.append(("right", carried, " + ".join(sig(v) for v in e)))
    steps.append(("row_sum", i + 1, sum_c))
    # p
    p_c = [("unnormalized", e[k], sig(e[k])), ("inverted", S / e[k], f4(S / e[k]))]
    p_c += [("wrong_class_p", p[j], sig(p[j])) for j in range(len(zi)) if j != k]
    if x.sum() != 0:
        p_c.append(("logit_ratio", x[k] / x.sum(), f4(x[k] / x.sum())))
    ek2, s2 = round(e[k], 2), round(S, 2)
    if s2:
        p_c.append(("rounded_early", ek2 / s2, f"{ek2:.2f}/{s2:.2f}"))
    p_c.append(("right", float(sig(e[k])) / float(sig(S)), f"{sig(e[k])}/{sig(S)}"))
    if not soft:  # soft labels have no true class, so no p step
        steps.append(("p_true", i + 1, p_c))
    # the sample steps (row 1, then row 2 worked from its logits)
    for n, (ri, rz, ry, rt) in enumerate(rows[:2]):
        rx = rz - rz.max()
        rp = np.exp(rx) / np.exp(rx).sum()
        lp = np.log(rp)
        value = sample_loss(rz, ry, rt, weight, eps)
        c = []
        if ry is not None and eps == 0:
            pk = rp[ry]
            c += [("sign", -value, f4(-value)), ("log10", -math.log10(pk), f4(-math.log10(pk))),
                  ("log2", -math.log2(pk), f4(-math.log2(pk))), ("prob_not_loss", pk, sig(pk))]  # fmt: skip
            c += [("wrong_class_loss", -lp[j], f4(-lp[j])) for j in range(len(rz)) if j != ry]
            for d in (1, 2):
                pr = round(pk, d)
                if pr > 0:
                    c.append(("rounded_early", -math.log(pr), f"-ln({pr:.{d}f})"))
                    c.append(("two_slips", math.log(pr), f"ln({pr:.{d}f})"))
            if weight is not None and weight[ry] != 1:
                c.append(("weighted_too_early", weight[ry] * value, f"{weight[ry]:g}*{f4(value)}"))
            if n == 1:
                prev = rows[0]
                c.append(("other_row", sample_loss(prev[1], prev[2], prev[3], weight, eps),
                          f4(sample_loss(prev[1], prev[2], prev[3], weight, eps))))  # fmt: skip
            c.append(("right", -math.log(float(sig(pk))), f"-ln({sig(pk)})"))
        else:
            w = weight if weight is not None else np.ones(len(rz))
            coef = w * rt
            used = [j for j in range(len(rz)) if coef[j] > 0]
            c.append(("sign", -value, f4(-value)))
            c.append(("p_not_log", -float(sum(coef[j] * rp[j] for j in used)), "p"))
            if ry is not None:
                c.append(("smoothing_left_out_row", -w[ry] * lp[ry], f4(-w[ry] * lp[ry])))
                ty = 1 - eps + eps / len(rz)
                c.append(("smoothing_true_only", -w[ry] * ty * lp[ry], f4(-w[ry] * ty * lp[ry])))
                spread = np.full(len(rz), eps / (len(rz) - 1))
                spread[ry] = 1 - eps
                c.append(("smoothing_spread", -float((w * spread * lp).sum()), "spread"))
            else:
                top = int(np.argmax(rt))
                c.append(("one_class", -w[top] * lp[top], f4(-w[top] * lp[top])))
            if len(used) > 1:
                for j in used:
                    c.append(("one_term", -coef[j] * lp[j], f4(-coef[j] * lp[j])))
                    c.append(("missing_class_term", value + coef[j] * lp[j], f4(value + coef[j] * lp[j])))
            shown = -sum(float(f4(coef[j])) * float(f4(lp[j])) for j in used)  # the table's t and ln p
            c.append(("right", shown, "+".join(f"{f4(coef[j])}*{f4(-lp[j])}" for j in used)))
        steps.append(("neg_log_p" if ry is not None and eps == 0 else "sample_loss", ri + 1, c))
    # the final loss
    red = o.get("reduction", "mean")
    losses = {ri: sample_loss(rz, ry, rt, weight, eps) for ri, rz, ry, rt in rows}
    wy = {ri: (weight[ry] if (weight is not None and ry is not None) else 1.0) for ri, _, ry, _ in rows}
    if weight is not None and ry is not None and eps == 0:  # plain weighted: the samples are -ln p
        num = sum(wy[r] * losses[r] for r in losses)
    else:
        num = sum(losses.values())
        wy = dict.fromkeys(losses, 1.0) if not (weight is not None and eps) else wy
    if red == "sum":
        den = 1.0
    elif weight is not None and not soft:
        den = sum(weight[ry] for _, _, ry, _ in rows)
    else:
        den = float(len(rows))
    loss = num / den
    total_rows = len(ex["labels"]) if isinstance(ex["labels"], list) else 1
    cc = len(zi)
    lc = [("sign", -loss, f4(-loss)), ("log10", loss / math.log(10), f4(loss / math.log(10)))]
    if red == "mean" and den != 1:
        lc.append(("sum_not_mean", num, f4(num)))
        if cc != den:
            lc.append(("divide_by_c", num / cc, f"{f4(num)}/{cc}"))
    if red == "sum" and len(rows) > 1:
        lc.append(("mean_not_sum", num / len(rows), f4(num / len(rows))))
    if red == "mean" and total_rows != len(rows):
        lc.append(("mean_all_rows", num / total_rows, f4(num / total_rows)))
    if len(rows) > 1:
        for r in losses:
            lc.append(("one_row", losses[r], f4(losses[r])))
            rest = num - (wy[r] if plain else 1.0) * losses[r]
            lc.append(("dropped_row", rest / den if red == "mean" else rest, f4(rest / den if red == "mean" else rest)))
    if red == "mean" and weight is None and not soft and len(rows) > 1:
        lc.append(("wrong_n", num / (len(rows) + 1), f"{f4(num)}/{len(rows) + 1}"))
    if plain and weight is None:
        ps = [math.exp(-losses[r]) for r in losses]
        rounded = [round(q, 2) for q in ps]
        if all(v > 0 for v in rounded):
            v = sum(-math.log(q) for q in rounded) / (den if red == "mean" else 1.0)
            lc.append(("rounded_early", v, f4(v)))
    if weight is not None and not soft and eps == 0:
        unweighted = sum(losses.values()) / (len(rows) if red == "mean" else 1.0)
        lc.append(("weights_left_out", unweighted, f4(unweighted)))
    carried = sum((wy[r] if plain else 1.0) * float(f4(losses[r])) for r in losses) / den
    lc.append(("right", carried, f4(carried)))
    steps.append(("loss", None, lc))
    for stage, row, cands in steps:
        right = next(v for kind, v, _ in cands if kind == "right")
        unit = 10.0 ** -(len(sig(right).partition(".")[2]) if stage in ("exp", "row_sum", "p_true") else 4)
        for kind, v, text in cands:
            if kind != "right" and (not math.isfinite(v) or abs(v - right) <= 3 * unit):
                continue  # this slip gives the right number here: not a wrong answer
            if text in ("p", "spread"):  # written as the number itself
                text = f4(v)
            add(stage, row, text, float(v), kind, None)
    # every answer's acceptable kinds: the slips giving the same number to 4 decimals
    by_step: dict = {}
    for a in out:
        by_step.setdefault((a["stage"], a["row"]), []).append(a)
    for group in by_step.values():
        for a in group:
            if a["kind"] == "right":
                a["kinds"] = ["right"]
            else:
                a["kinds"] = sorted({b["kind"] for b in group if b["kind"] != "right"
                                     and abs(b["value"] - a["value"]) <= 1e-4})  # fmt: skip
            del a["cands"]
    return out


def main() -> None:
    answers = []
    for path in sorted(EXERCISES.glob("*.json")):
        ex = json.loads(path.read_text(encoding="utf-8"))
        answers += entries_for(ex["id"], ex)
    seen = set()
    unique = []
    for a in answers:
        key = (a["exercise"], a["stage"], a["row"], a["answer"])
        if key not in seen:
            seen.add(key)
            unique.append(a)
    (HERE / "wrong_answers.json").write_text(json.dumps({"answers": unique}, indent=1) + "\n", encoding="utf-8")
    print(len(unique), "answers,", sum(a["kind"] != "right" for a in unique), "wrong")


if __name__ == "__main__":
    main()
