"""Write graded rows, their summary and the gradebook as a text table, CSV or JSON, to a stream."""

from __future__ import annotations

import csv
import json
import math
import re
from typing import TextIO

from rich.cells import cell_len

from ..lesson.text import UNSAFE_INLINE, catalogue, printable, printable_lines, t
from .grade import STATUSES, Gradebook, Row, Summary, Tally

CSV_COLUMNS = ("line", "student", "exercise", "stage", "answer", "status", "kind", "message", "value", "expected",
               "counted")  # fmt: skip
SUMMARY_COLUMNS = ("scope", "name", "right", "graded", "score", "unreadable", "common_mistake", "common_count",
                   "blank", "on_roster")  # fmt: skip
# A number (a point or a comma for decimals) is data to a spreadsheet, even with a sign in front.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(text: str) -> str:
    """A text cell a spreadsheet will not run: one starting like a formula gets a leading ' (OWASP's advice);
    a plain number such as -0.5 stays as it is, since a spreadsheet reads it as the number it is."""
    text = printable(text)  # and no terminal codes: a cell is read on a terminal too
    if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def terminal_safe(text: str, fmt: str) -> str:
    """Report text with no terminal codes: escaped in a table, \\u escapes (the same data) in JSON."""
    if fmt == "json":
        return UNSAFE_INLINE.sub(lambda m: "".join(f"\\u{ord(c):04x}" for c in m.group()), text)
    return printable_lines(text)


def _number(x: float | None) -> str:
    return "" if x is None else f"{x:.10g}"


def _yes(flag: bool | None) -> str:
    return "" if flag is None else ("yes" if flag else "no")


def write_csv(out: TextIO, graded: list[Row]) -> None:
    """One CSV line per row, machine words for status and kind, the message in the chosen language."""
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in graded:
        w.writerow([r.line, cell(r.student), cell(r.exercise), r.stage and cell(r.stage), cell(r.answer), r.status,
                    r.kind, cell(r.message), _number(r.value), _number(r.expected), _yes(r.counted)])  # fmt: skip


def write_summary_csv(out: TextIO, summary: Summary) -> None:
    """Per student and per exercise, one CSV line each."""
    w = csv.writer(out, lineterminator="\n")
    w.writerow(SUMMARY_COLUMNS)
    for scope, tallies in (("student", summary.students), ("exercise", summary.exercises)):
        for s in tallies:
            kind, n = s.common()
            w.writerow([scope, cell(s.name), s.right, s.graded, f"{s.score:.4f}", s.unreadable, kind, n, s.blank,
                        _yes(s.roster) if scope == "student" else ""])  # fmt: skip


def gradebook_csv(book: Gradebook, lang: str) -> str:
    """The gradebook as an LMS imports it: UTF-8 with a BOM (Excel), CRLF lines, the student first."""
    import io

    buf = io.StringIO()
    w = csv.writer(buf)  # RFC 4180: CRLF
    w.writerow([t("grade.book.student", lang), *map(cell, book.exercises), t("grade.book.total", lang),
                t("grade.book.attempted", lang), t("grade.book.percent", lang)])  # fmt: skip
    for name, points, total, attempted, percent in book.rows:
        w.writerow([cell(name), *points, total, attempted, f"{percent:.2f}"])
    return "\ufeff" + buf.getvalue()


def _tally_json(s: Tally) -> dict:
    kind, n = s.common()
    data = {"name": s.name, "right": s.right, "graded": s.graded, "score": round(s.score, 4), "blank": s.blank,
            "unreadable": s.unreadable, "common_mistake": kind or None, "common_count": n,
            "mistakes": dict(sorted(s.mistakes.items()))}  # fmt: skip
    if s.roster is not None:
        data["on_roster"] = s.roster
    return data


def write_json(out: TextIO, graded: list[Row], summary: Summary, book: Gradebook, rules: dict) -> None:
    """One JSON object: every row, the summaries, the gradebook grid, the counts and the rules used."""
    data = {
        "rows": [{k: getattr(r, k) for k in CSV_COLUMNS} for r in graded],
        "students": [_tally_json(s) for s in summary.students],
        "exercises": [_tally_json(s) for s in summary.exercises],
        "gradebook": {
            "columns": ["student", *book.exercises, "total", "attempted", "percent"],
            "rows": [[name, *points, *rest] for name, points, *rest in book.rows],
        },
        "counts": {s: summary.counts.get(s, 0) for s in STATUSES},
        "rules": rules,
        "not_on_roster": [{"name": n, "lines": at, "did_you_mean": guess} for n, at, guess in summary.unknown],
    }
    for row in data["rows"]:
        for k in ("kind", "message"):
            row[k] = row[k] or None
        for k in ("value", "expected"):
            row[k] = row[k] if row[k] is not None and math.isfinite(row[k]) else None
    json.dump(data, out, ensure_ascii=False, allow_nan=False)
    out.write("\n")


def _width(text: str) -> int:
    return len(text) if text.isascii() else cell_len(text)  # Chinese characters take two columns


def _table(out: TextIO, header: list[str], body: list[list[str]]) -> None:
    widths = [max(map(_width, col)) for col in zip(header, *body)]
    for cells in [header, *body]:
        line = "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths))
        out.write(line.rstrip() + "\n")


def kind_label(kind: str, lang: str) -> str:
    """A mistake kind as the table shows it: the machine word in English (as in CSV and JSON), else its name."""
    return kind if lang == "en" else t("kind." + kind, lang)


def stage_label(stage: str, lang: str) -> str:
    """A stage as the table shows it."""
    key = "grade.stage." + stage
    return t(key, lang) if key in catalogue(lang) else printable(stage, 20)  # an unknown stage as written


def write_table(out: TextIO, graded: list[Row], summary: Summary, rules: dict, lang: str) -> None:
    """The verdicts, then the per-student and per-exercise summaries, the rule used, then the counts."""
    head = [t(f"grade.col.{c}", lang) for c in ("line", "student", "exercise", "stage", "answer", "verdict", "why")]
    body = []
    for r in graded:
        why = (
            r.message
            if r.status != "wrong" or not r.kind
            else t("grade.tag", lang, kind=kind_label(r.kind, lang), text=r.message)
        )
        verdict = t("grade.status." + r.status, lang)
        if not r.counted:
            verdict = t("grade.not_counted", lang, verdict=verdict)
        body.append([str(r.line), printable(r.student, 40), printable(r.exercise, 40), stage_label(r.stage, lang)
                     if r.stage else "", printable(r.answer, 40), verdict, printable(why)])  # fmt: skip
    _table(out, head, body)
    for title, tallies in (("grade.by_student", summary.students), ("grade.by_exercise", summary.exercises)):
        out.write("\n" + t(title, lang) + "\n")
        rows = []
        for s in tallies:
            kind, n = s.common()
            common = t("kind.tally", lang, kind=kind_label(kind, lang), n=n) if kind else "—"
            rows.append([printable(s.name, 40), f"{s.right}/{s.graded}", f"{100 * s.score:.0f}%", str(s.blank),
                         str(s.unreadable), common])  # fmt: skip
            if s.roster is False:
                rows[-1][0] = t("grade.off_roster", lang, name=rows[-1][0])
            elif s.roster and not s.graded:
                rows[-1][0] = t("grade.absent", lang, name=rows[-1][0])
        cols = ("name", "score", "percent", "blank", "unreadable", "common")
        _table(out, [t(f"grade.col.{c}", lang) for c in cols], rows)
    out.write("\n" + rule_line(rules, lang) + "\n")
    out.write(counts_line(summary, lang) + "\n")


def rule_line(rules: dict, lang: str) -> str:
    """How the scores were made: right items over attempted items, and which of repeated answers counts."""
    return t("grade.rule", lang, attempts=t("grade.attempts." + rules["attempts"], lang))


def counts_line(summary: Summary, lang: str) -> str:
    """'N rows: a right, b wrong, c blank, d unreadable, e malformed'."""
    counts = summary.counts
    return t("grade.counts", lang, rows=sum(counts.values()), **{s: counts.get(s, 0) for s in STATUSES})


def warnings(summary: Summary, repeats: int, rules: dict, lang: str) -> list[str]:
    """The lines stderr gets: repeated answers and the rule that settled them, names not on the roster."""
    out = []
    if repeats:
        key = "grade.repeats_one" if repeats == 1 else "grade.repeats"
        out.append(t(key, lang, n=repeats, attempts=t("grade.attempts." + rules["attempts"], lang)))
    for name, at, guess in summary.unknown:
        lines = t("list.sep", lang).join(map(str, at[:5])) + ("…" if len(at) > 5 else "")
        key = "grade.unknown_student_guess" if guess else "grade.unknown_student"
        out.append(t(key, lang, name=name, lines=lines, guess=guess or ""))
    return out
