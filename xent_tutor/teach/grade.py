"""`xent grade`: a class's answers (CSV rows student,exercise,answer[,stage]) graded in one run."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from ..errors import XentError
from ..lesson.text import message, t
from ..practice import quiz as q
from ..practice.arith import evaluate
from ..practice.stages import ALIASES, STAGES
from . import refs
from .sheet import Record, Sheet, answer_text, parse

_PLAIN = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")  # what float() and the calculator agree on
HEADER = ("student", "exercise", "answer")
STAGE_ALIASES = ALIASES  # the quiz's --stage names, the stage keys, and an exercise file's per_sample_loss
STATUSES = ("right", "wrong", "blank", "unreadable", "malformed")
ATTEMPTS = ("last", "best", "first")
_RANK = {"right": 2, "wrong": 1}  # --attempts best: right over wrong over blank, unreadable or malformed


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
    counted: bool = True  # False for a repeated answer another attempt of the same item replaces

    @property
    def item(self) -> tuple[str, str, str] | None:
        """(student, exercise, stage): what a repeated answer repeats; None for a row no student can own."""
        return (self.student, self.exercise, self.stage) if self.student and self.exercise else None


@dataclass
class Tally:
    """A student's or an exercise's score and mistakes."""

    name: str
    right: int = 0
    graded: int = 0  # items attempted: right, wrong, blank, unreadable or malformed, each repeat counted once
    blank: int = 0
    unreadable: int = 0  # unreadable or malformed
    mistakes: Counter = field(default_factory=Counter)
    roster: bool | None = None  # on the roster (None without one)

    @property
    def score(self) -> float:
        """Right items over attempted items; 0 for a student with none (absent)."""
        return self.right / self.graded if self.graded else 0.0

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
        self.values: dict[str, float | XentError] = {}  # a class writes the same answers again and again
        self.verdicts: dict[tuple[str, str, str], tuple] = {}  # and the same answer to the same step

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

    def step(self, ref: str, stage: str, diagnose: bool = True) -> q.Step:
        """The step for a stage of a problem, cached; a bad reference raises the cached error. Without
        `diagnose` the loss step may lack its mistakes (enough to judge right or short, and much cheaper)."""
        key = (ref, stage, diagnose or stage != "loss")
        if key not in self.steps:
            try:
                self.steps[key] = self._step(ref, stage, key[2])
            except XentError as e:
                self.steps[key] = e
        found = self.steps[key]
        if isinstance(found, XentError):
            raise found
        return found

    def _step(self, ref: str, stage: str, diagnose: bool) -> q.Step:
        if ref not in self.problems:
            try:
                self.problems[ref] = refs.problem(ref)
            except XentError as e:
                self.problems[ref] = e
        qp = self.problems[ref]
        if isinstance(qp, XentError):
            raise qp
        if stage == "loss":
            return q.loss_step(qp, diagnose)  # as `xent quiz --answer`
        return q.stage_step(qp, stage)  # a stage as the worksheet key gives it

    def record(self, rec: Record, sheet: Sheet) -> Row:
        """One CSV record's verdict."""
        fields = rec.fields if rec.fields is not None else rec.partial or []

        def cell(name: str) -> str:
            i = sheet.columns.get(name)
            return fields[i].strip() if i is not None and i < len(fields) else ""

        student, ref, answer = name_of(cell("student")), cell("exercise"), cell("answer")
        raw_stage = cell("stage").lower()
        stage = STAGE_ALIASES.get(raw_stage, raw_stage) if raw_stage else "loss"
        row = Row(rec.line, student, ref, answer, stage, "malformed")
        if rec.fields is None:  # the CSV broke on this line: still the named student's attempt, scoring 0
            row.message = t(rec.reason, self.lang, **(rec.params or {}))
            return row
        if sheet.width:
            extra = any(f.strip() for f in fields[sheet.width :])
            short = any(sheet.columns[c] >= len(fields) for c in HEADER)
            if extra or short:
                row.message = t("grade.bad_fields_header", self.lang, found=len(fields), want=sheet.width)
                return row
        elif len(fields) not in (3, 4):
            row.message = t("grade.bad_fields", self.lang, found=len(fields))
            return row
        for name, value in (("student", student), ("exercise", ref)):
            if not value:
                row.message = t("grade.empty_field", self.lang, field=name)
                return row
        if stage not in STAGES:
            row.status = "unreadable"
            row.message = t("grade.bad_stage", self.lang, stage=raw_stage, stages=", ".join(STAGES))
            return row
        if not answer:
            row.status = "blank"
            row.message = t("grade.blank", self.lang)
            return row
        key = (ref, stage, answer_text(answer, sheet.decimal_comma))
        found = self.verdicts.get(key)
        if found is None:
            found = self.verdicts[key] = self._verdict(*key)
        row.status, row.kind, row.message, row.value, row.expected = found
        return row

    def _verdict(self, ref: str, stage: str, text: str) -> tuple[str, str, str, float | None, float | None]:
        """(status, kind, message, value, expected) of one answer text to one step."""
        try:
            step = self.step(ref, stage, diagnose=False)
            value = self.value(text)
        except XentError as e:  # the row, not an option, is wrong
            return "unreadable", "", message(XentError(e.key, None, **e.params), self.lang), None, None
        verdict = q.check(step, value, text)
        if not verdict.correct and not verdict.rounded and not step.mistakes:
            step = self.step(ref, stage)  # wrong: now its likely mistake is worth computing
            verdict = q.check(step, value, text)
        if verdict.correct:
            return "right", "", "", value, step.expected
        # A mistake, "rounded"/"cut"/"close" (right but short, or close), or unrecognised.
        why = q.describe(verdict, self.lang, "grade") or t("grade.no_diagnosis", self.lang, expected=step.answer)
        return "wrong", verdict.kind or "", why, value, step.expected


def name_of(text: str) -> str:
    """A student's name as one spelling: Unicode NFC, runs of spaces as one."""
    return unicodedata.normalize("NFC", " ".join(text.split()))


def grade_sheet(sheet: Sheet, lang: str) -> list[Row]:
    """Every record of a parsed answers file graded, in file order."""
    grader = Grader(lang)
    return [grader.record(rec, sheet) for rec in sheet.records]


def apply_attempts(graded: list[Row], rule: str = "last") -> int:
    """Keep one answer per (student, exercise, stage) by the rule (last, best or first); return how many
    repeated answers were set aside (their rows stay, marked not counted)."""
    chosen: dict[tuple[str, str, str], Row] = {}
    for row in graded:
        key = row.item
        if key is None:
            continue
        held = chosen.get(key)
        if held is None:
            chosen[key] = row
            continue
        if rule == "last" or (rule == "best" and _RANK.get(row.status, 0) >= _RANK.get(held.status, 0)):
            held.counted = False
            chosen[key] = row
        else:
            row.counted = False
    return sum(not r.counted for r in graded)


@dataclass
class Summary:
    """Per student (roster order, then others) and per exercise; counts; names off the roster."""

    students: list[Tally]
    exercises: list[Tally]
    counts: Counter
    unknown: list[tuple[str, list[int], str | None]] = field(default_factory=list)  # name, lines, did you mean


def summarize(graded: list[Row], roster: list[str] | None = None) -> Summary:
    """Each counted item scored for its student and its exercise; every roster student listed (absent at 0)."""
    students: dict[str, Tally] = {}
    if roster is not None:
        for name in roster:
            students.setdefault(name_of(name), Tally(name_of(name), roster=True))
    order = list(students)
    listed = set(order)
    exercises: dict[str, Tally] = {}
    lines: dict[str, list[int]] = {}
    for row in graded:
        if row.item is None:
            continue
        if roster is not None and row.student not in listed:
            lines.setdefault(row.student, []).append(row.line)
        off = False if roster is not None else None
        for table, name, flag in ((students, row.student, off), (exercises, row.exercise, None)):
            tally = table.setdefault(name, Tally(name, roster=flag))
            if not row.counted:
                continue
            tally.graded += 1
            tally.right += row.status == "right"
            tally.blank += row.status == "blank"
            tally.unreadable += row.status in ("unreadable", "malformed")
            if row.status == "wrong" and row.kind:
                tally.mistakes[row.kind] += 1
    unknown = [(name, at, did_you_mean(name, order)) for name, at in lines.items()]
    return Summary(list(students.values()), list(exercises.values()), Counter(r.status for r in graded), unknown)


def did_you_mean(name: str, names: list[str]) -> str | None:
    """The closest roster name to a name not on it (a typo, a different case or accent), if one is close."""
    folded = {n.casefold(): n for n in names}
    if name.casefold() in folded:
        return folded[name.casefold()]
    bare = {_bare(n): n for n in names}
    if _bare(name) in bare:
        return bare[_bare(name)]
    close = difflib.get_close_matches(name.casefold(), list(folded), n=1, cutoff=0.75)
    return folded[close[0]] if close else None


def _bare(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", name.casefold()) if not unicodedata.combining(c))


@dataclass
class Gradebook:
    """One row per student, one column per exercise: the points (stages answered right), total, percent."""

    exercises: list[str]
    rows: list[tuple[str, list[int], int, int, float]]  # student, points per exercise, total, attempted, percent


def gradebook(graded: list[Row], summary: Summary) -> Gradebook:
    """The grid an LMS imports, from the same counted items as the summary (so the percents agree)."""
    exercises = [x.name for x in summary.exercises]
    index = {name: i for i, name in enumerate(exercises)}
    points = {s.name: [0] * len(exercises) for s in summary.students}
    for row in graded:
        if row.counted and row.item is not None and row.status == "right":
            points[row.student][index[row.exercise]] += 1
    rows = [(s.name, points[s.name], s.right, s.graded, round(100 * s.score, 2)) for s in summary.students]
    return Gradebook(exercises, rows)


def grade_text(
    text: str, path: str, lang: str, attempts: str = "last", roster: list[str] | None = None
) -> tuple[list[Row], Summary, int]:
    """A whole answers file graded: the rows, the summary (roster students included) and how many
    repeated answers the attempts rule set aside."""
    graded = grade_sheet(parse(text, path), lang)
    repeats = apply_attempts(graded, attempts)
    return graded, summarize(graded, roster), repeats
