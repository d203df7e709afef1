"""Every equation the quiz prints holds for its numbers as printed, to the last printed digit.

Over every exercise and drills of every stage (seeds 1-50, every difficulty), in both languages: each
worked line, each `show` line and each "right, from your numbers" line is parsed, every `LHS = number`
in it evaluated from the printed LHS alone (ln, exp, /, sums, means), and rounded to the printed decimals.
"""

from __future__ import annotations

import math
import re

import pytest

from xent_tutor.errors import XentError
from xent_tutor.lesson.text import t
from xent_tutor.practice import quiz as q
from xent_tutor.practice.arith import evaluate
from xent_tutor.practice.exercises import load_all
from xent_tutor.practice.session import in_words

NUMBER = re.compile(r" = (-?\d+\.\d+(?:e[+-]?\d+)?)(?=$|[.,;:)，。；：）]|\s(?![-+*/·−×^]))")
STARTS = re.compile(r"(?:^|(?<=\s)|(?<=[:;：；，（(]))")


def _decimals(text: str) -> int:
    mantissa, _, exp = text.partition("e")
    return len(mantissa.partition(".")[2]) - int(exp or 0)


def _fmt(x: float, d: int) -> str:
    out = f"{x:.{d}f}"
    return out[1:] if out.startswith("-") and float(out) == 0 else out


def _readable(text: str) -> str:
    """The lesson's `ln 0.0025` and `e^−6` written as the calculator reads them."""
    return re.sub(r"\bln (-?[0-9.]+)", r"ln(\1)", text)


def equations(line: str) -> list[tuple[str, str]]:
    """(LHS, RHS) for every `... = number` whose LHS (the longest readable arithmetic before it) evaluates.

    In a chain `A = B = 0.5`, every member is checked against the last number.
    """
    out = []
    line = _readable(line)
    for m in NUMBER.finditer(line):
        rest = line[m.end() :]
        if rest.startswith(" = "):
            continue  # not the end of its chain: the chain's last number is the value
        before = line[: m.start()]
        members = before.split(" = ")
        for i in range(len(members) - 1, -1, -1):
            segment = members[i]
            found = None
            for start in sorted({s.start() for s in STARTS.finditer(segment)}):
                lhs = segment[start:].strip()
                if not lhs:
                    continue
                try:
                    evaluate(lhs)
                except XentError:
                    continue
                found = lhs
                break
            if found is None or re.search(r"[-+*/·×^(−]$", segment[: segment.rindex(found)].rstrip()):
                break  # nothing readable, or the tail of a formula in words (loss / ln 2)
            if re.search(r"[a-z(/+·*]", found):  # an operation, not a bare label
                out.append((found, m.group(1)))
            if found != segment.strip():
                break  # words before it: the chain starts here
    return out


def holds(lhs: str, rhs: str) -> bool:
    d = _decimals(rhs)
    got = evaluate(lhs)
    if d > 12:
        return math.isclose(got, float(rhs), rel_tol=10 ** -(len(rhs.partition("e")[0]) - 3))
    return abs(got - float(rhs)) <= 0.5 * 10.0**-d * (1 + 1e-9)  # a tie rounds either way


def printed(step: q.Step, lang: str) -> list[str]:
    """Every line the quiz can print for a step that states an equation."""
    from xent_tutor.practice.precision import fmt

    lines = [t("quiz.worked", lang, formula=step.filled, value=step.answer)]
    lines += [t(key, lang, **in_words(params, lang)) for key, params in step.show]
    for src in q.sources(step):
        if src.equation:
            lines.append(f"{src.equation} = {fmt(src.value, step.decimals)}")
    return lines


def _problems():
    for ex in load_all().values():
        yield ex.id, q.from_exercise(ex), None
    for difficulty in q.DIFFICULTIES:
        for seed in range(1, 51):
            qp = q.generate(seed, difficulty)
            yield f"seed {seed} {difficulty}", qp, None
            yield f"seed {seed} {difficulty} loss drill", qp, "loss"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_printed_equation_holds_to_its_last_digit(lang):
    checked = 0
    bad = []
    for name, qp, stage in _problems():
        steps = [q.drill_step(qp, stage)] if stage else q.make_steps(qp)
        for step in steps:
            for line in printed(step, lang):
                for lhs, rhs in equations(line):
                    checked += 1
                    if not holds(lhs, rhs):
                        bad.append((name, step.stage, lhs, rhs, evaluate(lhs)))
    assert not bad, bad[:10]
    assert checked > 2000  # the parser found the equations (worked lines, show lines, right-from lines)


def test_show_line_vectors_hold_elementwise():
    """A soft or smoothed row's show line: ln of each printed p is the printed ln p, and -Σ t·ln p the loss."""
    seen = 0
    for _, qp, _ in _problems():
        for step in q.make_steps(qp):
            for key, params in step.show:
                if key != "quiz.show.target":
                    continue
                t_, p, lnp = ([x.strip() for x in params[k].strip("[]").split(",")] for k in ("t", "p", "lnp"))
                for pi, li in zip(p, lnp, strict=True):
                    assert _fmt(math.log(float(pi)), _decimals(li)) == li, (pi, li)
                w = qp.options.get("weight") or [1.0] * len(t_)
                total = -math.fsum(float(wi) * float(ti) * float(li) for wi, ti, li in zip(w, t_, lnp, strict=True))
                assert _fmt(total, 4) == params["value"], (t_, lnp, params["value"])
                seen += 1
    assert seen > 20


def test_the_issues_false_equations_are_fixed():
    from xent_tutor.practice.exercises import get

    steps = q.make_steps(q.from_exercise(get("confident-wrong")))
    neg = next(s for s in steps if s.stage == "neg_log_p")
    assert neg.filled == "-ln(0.0024726)" and neg.answer == "6.0025"  # -ln(0.0025) would be 5.9915
    p = next(s for s in steps if s.stage == "p_true")
    assert p.answer == "0.002473" and p.decimals == 6  # 4 significant figures: its log is taken next
    smooth = next(s for s in q.make_steps(q.from_exercise(get("label-smoothing"))) if s.stage == "sample_loss")
    lhs = smooth.filled
    assert holds(lhs, smooth.answer) and smooth.answer == "0.3365"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_equation_the_lesson_prints_holds_to_its_last_digit(lang):
    """The lesson (xent explain, with its asides) over every exercise and seeds 1-50 of each difficulty."""
    from xent_tutor.engine.core import explain
    from xent_tutor.lesson.layout import build

    checked = 0
    bad = []
    for name, qp, stage in _problems():
        if stage:
            continue
        lesson = build(explain(qp.core()), lang=lang, asides=True, pictures=True)
        texts = list(lesson.notes)
        for section in lesson.sections:
            texts += section.why + section.lines + section.asides + section.key_lines
        for text in texts:
            for lhs, rhs in equations(text.replace("−", "-")):
                checked += 1
                if not holds(lhs, rhs):
                    bad.append((name, lhs, rhs))
    assert not bad, bad[:10]
    assert checked > 1000
