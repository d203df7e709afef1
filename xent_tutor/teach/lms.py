"""A worksheet for a learning platform: Moodle XML or GIFT, one numerical question per stage and per final loss.

Each question is judged as the quiz judges: the right value within one unit of the asked precision (the same
step's value worked from rounded numbers also right), each known mistake's value with its feedback.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from ..lesson.text import t
from ..practice import precision as P
from ..practice import quiz as q
from .worksheet import Item, _h, _heads, _html_table, _options, _rows

PENALTY = "0.3333333"  # a wrong try costs a third, as the quiz gives three tries


@dataclass
class Answer:
    """One numerical answer: the number as written, its share of the mark (0 or 100), tolerance and feedback."""

    text: str
    fraction: int
    tolerance: str
    feedback: str


@dataclass
class Question:
    """One numerical question: its name, the problem and question in HTML, answers in order, worked answer."""

    name: str
    html: str
    answers: list[Answer]
    worked: str


def _written(value: float, decimals: int) -> str | None:
    return P.fmt(value, decimals) if math.isfinite(value) else None


def answers(step: q.Step, lang: str) -> list[Answer]:
    """The right value (and the value worked from the numbers the quiz would carry), then each known mistake."""
    d = step.decimals
    unit = P.fmt(P.unit(d), d)
    right = [step.expected] + [s.value for s in q.sources(step) if math.isfinite(s.value)]
    out: list[Answer] = []
    for value in right:
        text = _written(value, d)
        if text is not None and all(abs(float(a.text) - value) > P.unit(d) / 2 for a in out):
            out.append(Answer(text, 100, unit, t("lms.right", lang)))
    for m in step.mistakes:
        text = _written(m.value, d)
        if text is None or any(abs(float(a.text) - m.value) <= P.unit(d) for a in out):
            continue  # a mistake that gives the right number (or one already listed) is never the one matched
        verdict = q.Verdict(False, m.kind, m.value, step.expected, dict(m.params, value=text))
        drift = max(P.unit(d), q.MISTAKE_DRIFT * abs(m.value))  # as the quiz recognises it
        out.append(Answer(text, 0, _tolerance(drift, d), q.describe(verdict, lang) or ""))
    return out


def _tolerance(x: float, decimals: int) -> str:
    """A tolerance written in plain decimals (no exponent, which GIFT does not read), never below the unit."""
    return f"{x:.{decimals + 2}f}".rstrip("0").rstrip(".")


def questions(items: list[Item], lang: str) -> list[Question]:
    """A question for every value `xent grade` checks on each problem (the stages, then the loss)."""
    out = []
    for item in items:
        head, body = _rows(item.problem, lang)
        problem = (f"<p><code>{_h(item.ref)}</code></p>{_html_table(_heads(lang, head), body)}"
                   f"<p>{_h(t('ws.options', lang, options=_options(item.problem)))}</p>")  # fmt: skip
        title = t("ws.problem", lang, number=item.number) + (f" — {item.title}" if item.title else "")
        for step in item.asked:
            words = [t(step.prompt_key, lang, **step.params), *(t(k, lang, **step.params) for k in step.notes)]
            asked = t("lms.asked", lang, decimals=step.decimals)
            html = problem + "".join(f"<p>{_h(w)}</p>" for w in words) + f"<p><em>{_h(asked)}</em></p>"
            worked = t("quiz.worked", lang, formula=step.filled, value=step.answer)
            out.append(Question(f"{title} ({step.stage})", html, answers(step, lang), worked))
    return out


# --- Moodle XML ---------------------------------------------------------------------------------


def _text(parent: ET.Element, tag: str, text: str, fmt: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(el, "text").text = text
    return el


def moodle(items: list[Item], lang: str, category: str) -> str:
    """Moodle XML: a category, then one numerical question per stage and per loss."""
    quiz = ET.Element("quiz")
    cat = ET.SubElement(quiz, "question", {"type": "category"})
    _text(cat, "category", f"$course$/top/{category}")
    for question in questions(items, lang):
        el = ET.SubElement(quiz, "question", {"type": "numerical"})
        _text(el, "name", question.name)
        _text(el, "questiontext", question.html, "html")
        _text(el, "generalfeedback", f"<p>{_h(question.worked)}</p>", "html")
        ET.SubElement(el, "defaultgrade").text = "1"
        ET.SubElement(el, "penalty").text = PENALTY
        ET.SubElement(el, "hidden").text = "0"
        for a in question.answers:  # Moodle takes the first answer within its tolerance: the right ones first
            ans = ET.SubElement(el, "answer", {"fraction": str(a.fraction), "format": "moodle_auto_format"})
            ET.SubElement(ans, "text").text = a.text
            _text(ans, "feedback", f"<p>{_h(a.feedback)}</p>", "html")
            ET.SubElement(ans, "tolerance").text = a.tolerance
        other = ET.SubElement(el, "answer", {"fraction": "0", "format": "moodle_auto_format"})
        ET.SubElement(other, "text").text = "*"  # any other number
        _text(other, "feedback", f"<p>{_h(t('lms.other', lang))}</p>", "html")
        ET.SubElement(other, "tolerance").text = "0"
        for tag, value in (("unitgradingtype", "0"), ("unitpenalty", "0.1"), ("showunits", "3"), ("unitsleft", "0")):
            ET.SubElement(el, tag).text = value
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"


# --- GIFT ---------------------------------------------------------------------------------------

_GIFT_SPECIAL = "\\~=#{}:"


def gift_escape(text: str) -> str:
    """Text with GIFT's special characters escaped, on one line."""
    out = "".join("\\" + c if c in _GIFT_SPECIAL else c for c in text)
    return out.replace("\r", " ").replace("\n", " ")


def gift(items: list[Item], lang: str, category: str) -> str:
    """GIFT: one numerical question per stage and per loss, the right answers first, then each mistake."""
    lines = [f"$CATEGORY: $course$/top/{category}", ""]
    for question in questions(items, lang):
        parts = [f"=%{a.fraction}%{a.text}:{a.tolerance}#{gift_escape(a.feedback)}" for a in question.answers]
        lines += [
            f"::{gift_escape(question.name)}::[html]{gift_escape(question.html)}{{#",
            *(f"    {p}" for p in parts),
            f"    ####{gift_escape(question.worked)}",
            "}",
            "",
        ]
    return "\n".join(lines)
