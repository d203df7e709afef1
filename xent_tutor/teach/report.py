"""Write graded rows and their summary as a text table, CSV or JSON, to a stream."""

from __future__ import annotations

import csv
import json
import math
from collections import Counter
from typing import TextIO

from rich.cells import cell_len

from ..lesson.text import t
from .grade import STATUSES, Row, Tally

CSV_COLUMNS = ("line", "student", "exercise", "stage", "answer", "status", "kind", "message", "value", "expected")
SUMMARY_COLUMNS = ("scope", "name", "right", "graded", "score", "unreadable", "common_mistake", "common_count")


def _number(x: float | None) -> str:
    return "" if x is None else f"{x:.10g}"


def write_csv(out: TextIO, graded: list[Row]) -> None:
    """One CSV line per row, machine words for status and kind, the message in the chosen language."""
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in graded:
        w.writerow([r.line, r.student, r.exercise, r.stage, r.answer, r.status, r.kind, r.message,
                    _number(r.value), _number(r.expected)])  # fmt: skip


def write_summary_csv(out: TextIO, students: list[Tally], exercises: list[Tally]) -> None:
    """Per student and per exercise, one CSV line each."""
    w = csv.writer(out, lineterminator="\n")
    w.writerow(SUMMARY_COLUMNS)
    for scope, tallies in (("student", students), ("exercise", exercises)):
        for s in tallies:
            kind, n = s.common()
            w.writerow([scope, s.name, s.right, s.graded, f"{s.right / s.graded:.4f}", s.unreadable, kind, n])


def _tally_json(s: Tally) -> dict:
    kind, n = s.common()
    return {"name": s.name, "right": s.right, "graded": s.graded, "score": round(s.right / s.graded, 4),
            "unreadable": s.unreadable, "common_mistake": kind or None, "common_count": n,
            "mistakes": dict(sorted(s.mistakes.items()))}  # fmt: skip


def write_json(out: TextIO, graded: list[Row], students: list[Tally], exercises: list[Tally], counts: Counter) -> None:
    """One JSON object: every row, the summaries and the counts."""
    data = {
        "rows": [{k: getattr(r, k) for k in CSV_COLUMNS} for r in graded],
        "students": [_tally_json(s) for s in students],
        "exercises": [_tally_json(s) for s in exercises],
        "counts": {s: counts.get(s, 0) for s in STATUSES},
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


def write_table(out: TextIO, graded: list[Row], students: list[Tally], exercises: list[Tally],
                counts: Counter, lang: str) -> None:  # fmt: skip
    """The verdicts, then the per-student and per-exercise summaries, then the counts."""
    head = [t(f"grade.col.{c}", lang) for c in ("line", "student", "exercise", "stage", "answer", "verdict", "why")]
    body = []
    for r in graded:
        why = r.message if r.status != "wrong" or not r.kind else f"[{r.kind}] {r.message}"
        body.append([str(r.line), r.student, r.exercise, r.stage, r.answer, t("grade.status." + r.status, lang), why])
    _table(out, head, body)
    for title, tallies in (("grade.by_student", students), ("grade.by_exercise", exercises)):
        out.write("\n" + t(title, lang) + "\n")
        rows = []
        for s in tallies:
            kind, n = s.common()
            rows.append([s.name, f"{s.right}/{s.graded}", f"{100 * s.right / s.graded:.0f}%", str(s.unreadable),
                         f"{kind} ×{n}" if kind else "—"])  # fmt: skip
        cols = ("name", "score", "percent", "unreadable", "common")
        _table(out, [t(f"grade.col.{c}", lang) for c in cols], rows)
    out.write("\n" + counts_line(counts, lang) + "\n")


def counts_line(counts: Counter, lang: str) -> str:
    """'N rows: a right, b wrong, c unreadable, d malformed'."""
    return t("grade.counts", lang, rows=sum(counts.values()), **{s: counts.get(s, 0) for s in STATUSES})
