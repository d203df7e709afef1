"""`xent worksheet`: numbered problems with room to work, and a separate answer key with every stage."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..engine.core import explain
from ..fileio import is_folder
from ..lesson.text import t
from ..practice import quiz as q
from ..practice.exercises import exercise_files, get
from ..practice.exercises import text as in_lang
from ..practice.precision import fmt_asked
from ..practice.stages import ROW_STAGES, STAGES, stage_values
from . import refs

WORK_LINES = 8  # blank lines left for working under each problem
FORMATS = ("markdown", "html", "moodle", "gift")
EXTENSIONS = {"markdown": ".md", "html": ".html"}
MAX_COUNT = 200


@dataclass
class Item:
    """One problem on the sheet: its number, how `xent grade` names it, the problem and its key."""

    number: int
    ref: str
    title: str
    problem: q.QuizProblem
    stages: dict[str, list]
    loss: float
    filled: str  # the reduction with the numbers, as the quiz's worked line
    asked: list[q.Step]  # the step of every stage the problem has, as `xent grade` checks it (the loss last)
    soft: bool = False


def problem_refs(exercises: list[str], count: int, difficulty: str, seed: int) -> list[str]:
    """The references on the sheet: the given exercises (a folder: its files), else count random problems."""
    if not exercises:
        return [refs.seed_ref(seed + i, difficulty) for i in range(count)]
    out: list[str] = []
    for ref in exercises:
        path = Path(ref)
        out += [str(p) for p in exercise_files(path)] if is_folder(path) else [ref]
    return out


def items(references: list[str], lang: str) -> list[Item]:
    """Each reference worked out: the problem, every stage, the loss and its worked line."""
    out = []
    for number, ref in enumerate(references, 1):
        qp = refs.problem(ref)
        problem = qp.core()
        result = explain(problem)
        asked = [q.stage_step(qp, stage) for stage in STAGES if q.has_stage(qp, stage)]
        title = in_lang(get(ref).title, lang) if qp.exercise_id else ""
        out.append(Item(number, ref, title, qp, stage_values(result), float(result.loss), asked[-1].filled, asked,
                        problem.soft))  # fmt: skip
    return out


def graded(item: Item) -> list[tuple[str, str]]:
    """(stage, value to 4 decimals) for each value `xent grade` checks on this problem, the loss last."""
    return [(step.stage, step.answer) for step in item.asked]


def _num(x: float) -> str:
    return f"{x:.10g}"


def _cell(x) -> str:
    if x is None:
        return "—"
    return x if isinstance(x, str) else f"{x:.4f}"


def _names(problem) -> list[str]:
    """Each sample's name: its row (1, 2, ...), or its index tuple for (N, C, d...) input."""
    if len(problem.sample_shape) <= 1:
        return [str(m + 1) for m in range(problem.num_samples)]
    return [str(problem.position(m)) for m in range(problem.num_samples)]


def _rows(qp: q.QuizProblem, lang: str) -> tuple[list[str], list[list[str]]]:
    """The problem's table: one row per sample (its index tuple for (N, C, d...) input), label(s), each class."""
    problem = qp.core()
    logits = np.asarray(problem.logits, dtype=float)
    ignore = problem.options.ignore_index
    head = ["row", "label"] + [f"z{c}" for c in range(problem.num_classes)]
    body = []
    for m, (where, row) in enumerate(zip(_names(problem), logits)):
        if problem.soft:
            label = "[" + ", ".join(_num(v) for v in problem.target[m]) + "]"
        else:
            y = int(problem.target[m])
            label = t("ws.ignored", lang, label=y) if y == ignore else str(y)
        body.append([where, label] + [_num(v) for v in row])
    return head, body


def _options(qp: q.QuizProblem) -> str:
    o = qp.options
    parts = [f"reduction='{o.get('reduction', 'mean')}'"]
    if o.get("weight") is not None:
        parts.append("weight=[" + ", ".join(_num(w) for w in o["weight"]) + "]")
    if "ignore_index" in o:
        parts.append(f"ignore_index={o['ignore_index']}")
    if o.get("label_smoothing"):
        parts.append(f"label_smoothing={_num(o['label_smoothing'])}")
    return ", ".join(parts)


def _heads(lang: str, head: list[str]) -> list[str]:
    words = {"row": t("ws.col.row", lang), "label": t("ws.col.label", lang)}
    return [words.get(h, h) for h in head]


def _work_steps(item: Item, lang: str) -> list[str]:
    """What the learner writes under a problem, each named as `xent grade` names its stage."""
    out = []
    for step in item.asked:
        shifted = "_shifted" if step.stage in ("exp", "row_sum") and "_shifted" in step.prompt_key else ""
        params = {"row": step.row, "cls": step.params.get("cls")} if step.stage in ROW_STAGES else {}
        out.append(t("ws.work." + step.stage + shifted, lang, **params))
    return out


def _graded_line(item: Item, lang: str) -> str:
    """The values `xent grade` checks, by stage name, and why a stage is absent."""
    values = ", ".join(f"{stage} = {value}" for stage, value in graded(item))
    first = item.asked[0] if item.asked[0].stage != "loss" else None
    line = (t("ws.key_graded", lang, row=first.row, cls=first.params.get("cls"), values=values) if first
            else t("ws.key_graded_none", lang, values=values))  # fmt: skip
    return line + (" " + t("ws.key_graded_soft", lang) if item.soft else "")


def _key_rows(item: Item) -> tuple[list[str], list[list[str]]]:
    s = item.stages
    head = ["row", "exp", "row_sum", "p_true", "neg_log_p", "sample_loss"]
    body = []
    _, _, rows = q.rows_of(item.problem)  # exact values, written at the precision the quiz asks (precision.py)
    for i, (name, loss) in enumerate(zip(_names(item.problem.core()), s["per_sample_loss"])):
        p = s["p_true"][i] if "p_true" in s else None
        if p is not None and i < len(rows) and rows[i].label is not None:
            p = fmt_asked(float(rows[i].p[rows[i].label]), True)
        nl = s["neg_log_p"][i] if "neg_log_p" in s else None
        e, total = s["exp"][i], s["row_sum"][i]
        if i < len(rows) and np.isfinite(rows[i].e).all():
            e, total = [fmt_asked(float(v), True) for v in rows[i].e], fmt_asked(float(rows[i].e.sum()), True)
        body.append([name, ", ".join(_cell(v) for v in e), _cell(total), _cell(p),
                     _cell(nl), _cell(loss)])  # fmt: skip
    return head, body


def _key_heads(lang: str, head: list[str]) -> list[str]:
    return [t("ws.key." + h, lang) for h in head]


# --- Markdown -----------------------------------------------------------------------------------


def _md_table(head: list[str], body: list[list[str]]) -> list[str]:
    esc = [[c.replace("|", "\\|") for c in row] for row in [head, *body]]
    lines = ["| " + " | ".join(esc[0]) + " |", "|" + " --- |" * len(head)]
    return lines + ["| " + " | ".join(row) + " |" for row in esc[1:]]


def _md_heading(item: Item, lang: str) -> str:
    title = f" — {item.title}" if item.title else ""
    return f"## {t('ws.problem', lang, number=item.number)}{title}"


def _name_line(lang: str, name: str | None) -> str:
    return t("ws.name_line", lang) if name is None else t("ws.name_filled", lang, name=name)


def markdown_sheet(all_items: list[Item], lang: str, intro: str, name: str | None = None) -> str:
    """The problems, numbered, each with its table, options and room to work."""
    out = [f"# {t('ws.title', lang)}", "", _name_line(lang, name), "", intro, "", t("ws.instructions", lang), ""]
    for item in all_items:
        out += [_md_heading(item, lang), "", f"`{item.ref}`", ""]
        head, body = _rows(item.problem, lang)
        out += [*_md_table(_heads(lang, head), body), "", t("ws.options", lang, options=_options(item.problem)), ""]
        out += [f"- {s}: " for s in _work_steps(item, lang)] + ["", "```", *[""] * WORK_LINES, "```", ""]
    return "\n".join(out).rstrip() + "\n"


def markdown_key(all_items: list[Item], lang: str, intro: str) -> str:
    """Every stage's value per row, and the loss to 4 decimals with its worked line."""
    out = [f"# {t('ws.key_title', lang)}", "", intro, "", t("ws.key_note", lang), ""]
    for item in all_items:
        out += [_md_heading(item, lang), "", f"`{item.ref}`", ""]
        head, body = _key_rows(item)
        out += [*_md_table(_key_heads(lang, head), body), ""]
        out += [t("ws.key_loss", lang, loss=f"{item.loss:.4f}", filled=item.filled), ""]
        out += [_graded_line(item, lang), ""]
    return "\n".join(out).rstrip() + "\n"


# --- HTML ---------------------------------------------------------------------------------------

_CSS = """body{font-family:system-ui,sans-serif;max-width:48em;margin:2em auto;line-height:1.4}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #888;padding:.2em .6em;text-align:right}
section{break-inside:avoid;page-break-inside:avoid;margin-bottom:2em}code{font-size:.9em}
.work{border:1px dashed #888;height:10em;margin-top:.5em}
.blank{display:inline-block;min-width:12em;border-bottom:1px solid #000}
@media print{body{margin:0}}"""


def _h(x: str) -> str:
    return html.escape(x, quote=True)


def _html_table(head: list[str], body: list[list[str]]) -> str:
    rows = "".join("<tr>" + "".join(f"<td>{_h(c)}</td>" for c in row) + "</tr>" for row in body)
    return "<table><tr>" + "".join(f"<th>{_h(c)}</th>" for c in head) + "</tr>" + rows + "</table>"


def _page(title: str, lang: str, parts: list[str]) -> str:
    code = "zh-Hans" if lang == "zh" else "en"
    return (f'<!DOCTYPE html>\n<html lang="{code}">\n<head>\n<meta charset="utf-8">\n<title>{_h(title)}</title>\n'
            f"<style>\n{_CSS}\n</style>\n</head>\n<body>\n" + "\n".join(parts) + "\n</body>\n</html>\n")  # fmt: skip


def _html_heading(item: Item, lang: str) -> str:
    title = f" — {_h(item.title)}" if item.title else ""
    return f"<h2>{_h(t('ws.problem', lang, number=item.number))}{title}</h2><p><code>{_h(item.ref)}</code></p>"


def html_sheet(all_items: list[Item], lang: str, intro: str, name: str | None = None) -> str:
    """The sheet as one self-contained, printable HTML page."""
    title = t("ws.title", lang)
    parts = [f"<h1>{_h(title)}</h1>", f"<p>{_h(_name_line(lang, name))}</p>", f"<p>{_h(intro)}</p>",
             f"<p>{_h(t('ws.instructions', lang))}</p>"]  # fmt: skip
    for item in all_items:
        head, body = _rows(item.problem, lang)
        steps = "".join(f'<li>{_h(s)}: <span class="blank"></span></li>' for s in _work_steps(item, lang))
        parts.append(f"<section>{_html_heading(item, lang)}{_html_table(_heads(lang, head), body)}"
                     f"<p>{_h(t('ws.options', lang, options=_options(item.problem)))}</p><ul>{steps}</ul>"
                     '<div class="work"></div></section>')  # fmt: skip
    return _page(title, lang, parts)


def html_key(all_items: list[Item], lang: str, intro: str) -> str:
    """The answer key as one HTML page."""
    title = t("ws.key_title", lang)
    return _page(title, lang, [f"<h1>{_h(title)}</h1>", *_html_key_parts(all_items, lang, intro)])


def _html_key_parts(all_items: list[Item], lang: str, intro: str) -> list[str]:
    parts = [f"<p>{_h(intro)}</p>", f"<p>{_h(t('ws.key_note', lang))}</p>"]
    for item in all_items:
        head, body = _key_rows(item)
        loss = t("ws.key_loss", lang, loss=f"{item.loss:.4f}", filled=item.filled)
        parts.append(f"<section>{_html_heading(item, lang)}{_html_table(_key_heads(lang, head), body)}"
                     f"<p><strong>{_h(loss)}</strong></p><p>{_h(_graded_line(item, lang))}</p></section>")  # fmt: skip
    return parts


def render(all_items: list[Item], fmt: str, lang: str, intro: str, name: str | None = None) -> tuple[str, str]:
    """The sheet and the key in one format (a learning platform's file holds its answers: its key is Markdown)."""
    if fmt in ("moodle", "gift"):
        from . import lms

        category = t("ws.title", lang)
        text = lms.moodle(all_items, lang, category) if fmt == "moodle" else lms.gift(all_items, lang, category)
        return text, markdown_key(all_items, lang, intro)
    if fmt == "html":
        return html_sheet(all_items, lang, intro, name), html_key(all_items, lang, intro)
    return markdown_sheet(all_items, lang, intro, name), markdown_key(all_items, lang, intro)


@dataclass
class Student:
    """A student's sheet: the name, the file it goes to, the problems (seeded from the name) and the sheet."""

    name: str
    file: str
    items: list[Item]
    sheet: str
    key: str
    intro: str = ""


def class_sheets(names: list[str], count: int, difficulty: str, seed: int, fmt: str, lang: str) -> list[Student]:
    """One sheet per student, its random problems seeded from the student's name (the same on every run)."""
    from .roster import file_names, student_seed

    out = []
    for name, file in zip(names, file_names(names, EXTENSIONS[fmt])):
        first = student_seed(name, seed)
        sheet_items = items(problem_refs([], count, difficulty, first), lang)
        intro = t("ws.intro_student", lang, name=name, count=count, difficulty=t("difficulty." + difficulty, lang),
                  first=refs.seed_ref(first, difficulty))  # fmt: skip
        sheet, key = render(sheet_items, fmt, lang, intro, name)
        out.append(Student(name, file, sheet_items, sheet, key, intro))
    return out


def combined_key(students: list[Student], fmt: str, lang: str) -> str:
    """Every student's key, one after the other, in one file."""
    if fmt == "html":
        title = t("ws.key_title", lang)
        parts = [f"<h1>{_h(title)}</h1>"]
        for s in students:
            parts += [f"<h2>{_h(s.name)}</h2>", *_html_key_parts(s.items, lang, s.intro)]
        return _page(title, lang, parts)
    return "\n---\n\n".join(s.key for s in students)


def answers_template(students: list[Student]) -> str:
    """answers.csv for `xent grade`: a header, then one row per student, problem and checked value, answer blank."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["student", "exercise", "answer", "stage"])
    for s in students:
        for item in s.items:
            for stage, _ in graded(item):
                writer.writerow([s.name, item.ref, "", stage])
    return "\ufeff" + buffer.getvalue()  # a BOM: spreadsheets then read the names' accents and Chinese right
