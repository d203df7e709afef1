"""`xent grade`: a class's answers (CSV rows student,exercise,answer[,stage]) graded in one run."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field

from ..errors import XentError
from ..lesson.text import message, t
from ..practice import quiz as q
from ..practice.arith import evaluate
from . import refs

_PLAIN = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")  # what float() and the calculator agree on
HEADER = ("student", "exercise", "answer")
STAGE_ALIASES = {**q.STAGE_NAMES, "final": "loss"}  # the quiz's --stage names, and the stage keys
STATUSES = ("right", "wrong", "unreadable", "malformed")


@dataclass
class Row:
    """One graded row: its verdict, the diagnosis (wrong) or the reason (unreadable, malformed)."""

    line: int
    student: str
    exercise: str
    answer: str
    stage: str
    status: str
    kind: str = ""
    message: str = ""
    value: float | None = None
    expected: float | None = None


@dataclass
class Tally:
    """A student's or an exercise's score and mistakes."""

    name: str
    right: int = 0
    graded: int = 0
    unreadable: int = 0
    mistakes: Counter = field(default_factory=Counter)

    def common(self) -> tuple[str, int]:
        """The most common mistake kind and its count ('' when none)."""
        if not self.mistakes:
            return "", 0
        kind, n = min(self.mistakes.items(), key=lambda kv: (-kv[1], kv[0]))
        return kind, n


class Grader:
    """Grades rows, computing each problem's steps once however many rows name it."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.steps: dict[tuple[str, str], q.Step | XentError] = {}
        self.problems: dict[str, q.QuizProblem | XentError] = {}
        self.every_step: dict[str, list[q.Step]] = {}
        self.values: dict[str, float | XentError] = {}  # a class writes the same answers again and again

    def value(self, answer: str) -> float:
        """The answer's value, each distinct text evaluated once; a plain number skips the calculator."""
        found = self.values.get(answer)
        if found is None:
            try:
                found = float(answer) if _PLAIN.fullmatch(answer) else evaluate(answer)
            except XentError as e:
                found = e
            self.values[answer] = found
        if isinstance(found, XentError):
            raise found
        return found

    def step(self, ref: str, stage: str) -> q.Step:
        """The step for a stage of a problem, cached; a bad reference raises the cached error."""
        key = (ref, stage)
        if key not in self.steps:
            try:
                self.steps[key] = self._step(ref, stage)
            except XentError as e:
                self.steps[key] = e
        found = self.steps[key]
        if isinstance(found, XentError):
            raise found
        return found

    def _step(self, ref: str, stage: str) -> q.Step:
        if ref not in self.problems:
            try:
                self.problems[ref] = refs.problem(ref)
            except XentError as e:
                self.problems[ref] = e
        qp = self.problems[ref]
        if isinstance(qp, XentError):
            raise qp
        if stage == "loss":
            return q.make_steps(qp, "final")[-1]  # as `xent quiz --answer`
        if ref not in self.every_step:
            self.every_step[ref] = q.make_steps(qp)
        for s in self.every_step[ref]:
            if s.stage == stage:
                return s
        raise XentError("grade_no_stage", None, stage=stage, ref=ref)

    def grade(self, line: int, fields: list[str]) -> Row:
        """One CSV row's verdict."""
        if len(fields) not in (3, 4) or not all(f.strip() for f in fields[:3]):
            reason = t("grade.bad_fields", self.lang, found=len(fields))
            if len(fields) in (3, 4):
                reason = t("grade.empty_field", self.lang, field=HEADER[[f.strip() for f in fields[:3]].index("")])
            cells = [*fields, "", "", ""]
            return Row(line, cells[0].strip(), cells[1].strip(), cells[2].strip(), "", "malformed", "", reason)
        student, ref, answer = (f.strip() for f in fields[:3])
        stage = fields[3].strip().lower() if len(fields) == 4 and fields[3].strip() else "loss"
        stage = STAGE_ALIASES.get(stage, stage)
        row = Row(line, student, ref, answer, stage, "unreadable")
        if stage not in q.STAGES:
            row.message = t("grade.bad_stage", self.lang, stage=stage, stages=", ".join(q.STAGES))
            return row
        try:
            step = self.step(ref, stage)
            value = self.value(answer)
        except XentError as e:
            row.message = message(XentError(e.key, None, **e.params), self.lang)  # the row, not an option, is wrong
            return row
        verdict = q.check(step, value, answer)
        row.value, row.expected = value, step.expected
        if verdict.correct:
            row.status = "right"
            return row
        row.status = "wrong"
        row.kind = verdict.kind or ""  # a mistake, "rounded"/"cut" (right but under 4 decimals), or unrecognised
        row.message = q.describe(verdict, self.lang, "grade") or t(
            "grade.no_diagnosis", self.lang, expected=q.n4(step.expected)
        )
        return row


def decode(data: bytes) -> str:
    """CSV bytes as text: UTF-8 (a spreadsheet's BOM dropped), else GB 18030 as Chinese spreadsheets save."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise XentError("grade_not_text", None) from None


def rows(text: str) -> list[tuple[int, list[str] | None, str]]:
    """(line, fields, error) per CSV record; a record the csv module cannot read has fields None."""
    reader = csv.reader(io.StringIO(text, newline=""))
    out: list[tuple[int, list[str] | None, str]] = []
    while True:
        before = reader.line_num
        try:
            fields = next(reader)
        except StopIteration:
            return out
        except csv.Error as e:
            out.append((reader.line_num, None, str(e)))
            if reader.line_num == before:
                return out
            continue
        if fields and any(f.strip() for f in fields):
            out.append((reader.line_num - fields_lines(fields) + 1, fields, ""))


def fields_lines(fields: list[str]) -> int:
    """How many lines a record spans (a quoted field may hold line breaks)."""
    joined = "".join(fields)
    return 1 + joined.count("\n") if "\n" in joined else 1


def grade_text(text: str, lang: str) -> list[Row]:
    """Every row of a CSV text graded; a header row student,exercise,answer[,stage] is skipped."""
    grader = Grader(lang)
    out = []
    for i, (line, fields, error) in enumerate(rows(text)):
        if fields is None:
            out.append(Row(line, "", "", "", "", "malformed", "", t("grade.csv_error", lang, reason=error)))
            continue
        if i == 0 and tuple(f.strip().lower() for f in fields[:3]) == HEADER:
            continue
        out.append(grader.grade(line, fields))
    return out


def summarize(graded: list[Row]) -> tuple[list[Tally], list[Tally], Counter]:
    """Per student and per exercise (in order of first appearance), and the count of each status."""
    students: dict[str, Tally] = {}
    exercises: dict[str, Tally] = {}
    for row in graded:
        if row.status == "malformed":
            continue
        for table, name in ((students, row.student), (exercises, row.exercise)):
            tally = table.setdefault(name, Tally(name))
            tally.graded += 1
            tally.right += row.status == "right"
            tally.unreadable += row.status == "unreadable"
            if row.status == "wrong" and row.kind:
                tally.mistakes[row.kind] += 1
    return list(students.values()), list(exercises.values()), Counter(r.status for r in graded)
