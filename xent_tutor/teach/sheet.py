"""A class's CSV as real spreadsheets export it: bounded, decoded as told, separator sniffed, header by name."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from .. import fileio
from ..errors import XentError

MAX_BYTES = fileio.LIMITS["answers"]  # a class of 500 with 100 answers each is about 2 MiB
MAX_ROWS = 500_000
SEPARATORS = (",", ";", "\t")
COLUMNS = ("student", "exercise", "answer", "stage")
REQUIRED = COLUMNS[:3]
# What a header cell may say for each column (compared trimmed and case-folded), in English and Chinese.
HEADER_WORDS = {
    "student": ("student", "students", "name", "student name", "学生", "姓名", "学生姓名", "名字"),
    "exercise": ("exercise", "exercise id", "problem", "question", "练习", "题目", "习题", "问题"),
    "answer": ("answer", "answers", "response", "答案", "回答", "作答"),
    "stage": ("stage", "step", "步骤", "阶段"),
}
_WORD_COLUMN = {w: col for col, words in HEADER_WORDS.items() for w in words}
_BREAK = re.compile(r"(\r\n|\r|\n)")


@dataclass
class Record:
    """One CSV record: the line it starts on and its fields, or why it could not be read."""

    line: int
    fields: list[str] | None
    reason: str = ""  # catalogue key when fields is None
    params: dict | None = None
    partial: list[str] | None = None  # a broken record's line read on its own: who and which exercise it names


@dataclass
class Sheet:
    """A parsed answers file: its separator, the column of each name, and its records (header excluded)."""

    separator: str
    columns: dict[str, int]  # column name -> field index
    width: int  # fields in the header row; 0 without a header (then 3 or 4 fields a row)
    records: list[Record]

    @property
    def decimal_comma(self) -> bool:
        """A comma inside an answer is a decimal comma when it cannot be the separator."""
        return self.separator != ","


def read_bytes(path: str, stdin: BinaryIO | None, where: str | None, kind: str) -> bytes:
    """A regular file's bytes (or stdin's for '-'), refused at once past MAX_BYTES; FIFOs and devices refused."""
    if path != "-":
        return fileio.read_bytes(path, where, kind, MAX_BYTES)
    if stdin is None:
        raise XentError("no_stdin", where)
    data = fileio.read_stream(stdin, MAX_BYTES)
    if data is None:
        raise XentError("io.read", where, path="-", why="too_big", limit=fileio.human(MAX_BYTES), kind=kind)
    return data


def decode(data: bytes, path: str, encoding: str | None = None) -> str:
    """The file's text: UTF-8 (a BOM dropped) unless told; an undecodable byte is an error naming its line."""
    name = "utf-8"
    if encoding is not None:
        try:
            name = codecs.lookup(encoding).name
        except LookupError:
            raise XentError("grade_bad_encoding", "encoding", value=encoding) from None
    if name == "utf-8" and data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode(name)
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        if encoding is None:
            utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
            raise XentError("grade_not_utf16" if utf16 else "grade_not_utf8", None, path=path, line=line) from None
        raise XentError("grade_not_encoding", "encoding", path=path, line=line, encoding=encoding) from None
    return text[1:] if text.startswith("\ufeff") else text


def physical_lines(text: str) -> list[str]:
    """The text's lines with their line breaks (CRLF, CR or LF: the breaks the csv module knows)."""
    parts = _BREAK.split(text)
    lines = [parts[i] + parts[i + 1] for i in range(0, len(parts) - 1, 2)]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def header_columns(cells: list[str]) -> dict[str, int]:
    """The columns a header row names (the first cell naming each wins)."""
    found: dict[str, int] = {}
    for i, cell in enumerate(cells):
        col = _WORD_COLUMN.get(" ".join(cell.split()).casefold())
        if col is not None and col not in found:
            found[col] = i
    return found


def _split(line: str, sep: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=sep, strict=True), [])
    except csv.Error:
        return []


def sniff(lines: list[str]) -> tuple[str, dict[str, int] | None]:
    """The separator, and the header's columns when the first row is a header."""
    sample = [ln for ln in lines[:200] if ln.strip()][:50]
    if not sample:
        return ",", None
    for sep in SEPARATORS:
        cols = header_columns(_split(sample[0], sep))
        if len(cols) >= 2:  # two column names: a header, whatever else it holds
            return sep, cols
    try:
        sniffed = csv.Sniffer().sniff("".join(sample), delimiters="".join(SEPARATORS)).delimiter
    except csv.Error:
        sniffed = ","

    # The Sniffer takes "ana;x;0,5" for a comma file (both are regular): the separator that gives
    # rows of 3 or 4 fields is the one a grader can use; the Sniffer's choice wins a tie.
    def fits(sep: str) -> int:
        return sum(len(_split(ln, sep)) in (3, 4) for ln in sample)

    best = max(SEPARATORS, key=lambda sep: (fits(sep), sep == sniffed))
    return best, None


class _Feed:
    """The lines from a position on, for a csv reader that can be restarted at any line."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.pos = 0

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        if self.pos >= len(self.lines):
            raise StopIteration
        self.pos += 1
        return self.lines[self.pos - 1]


def _csv_reason(error: csv.Error) -> tuple[str, dict]:
    text = str(error)
    if "NUL" in text:
        return "grade.csv_nul", {}
    if "field larger" in text:
        return "grade.csv_long", {"limit": csv.field_size_limit()}
    if "expected after" in text:
        return "grade.csv_after_quote", {}
    if "end of data" in text:
        return "grade.csv_unclosed", {}
    return "grade.csv_error", {"reason": text}


def _alone(line: str, sep: str) -> list[str] | None:
    """A broken line's fields as far as a lenient reader gets (None when even that fails)."""
    try:
        return next(csv.reader([line.replace("\0", "")], delimiter=sep), None)
    except csv.Error:
        return None


def records(lines: list[str], sep: str, used: list[int] | None) -> Iterator[Record]:
    """Each record with the line it starts on; a record that breaks is reported and reading resumes on the
    next line, so one stray quote costs one row, not the rest of the file."""
    feed = _Feed(lines)
    reader = csv.reader(feed, delimiter=sep, strict=True)
    while feed.pos < len(lines):
        start = feed.pos
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            key, params = _csv_reason(e)
            yield Record(start + 1, None, key, params, _alone(lines[start], sep))
            feed.pos = start + 1
            reader = csv.reader(feed, delimiter=sep, strict=True)
            continue
        if feed.pos - start > 1:
            # Names, exercises, answers and stages never hold a line break: a quote left open swallowed
            # the lines after it. Report this line and read the next ones as their own rows.
            cells = fields if used is None else [fields[i] for i in used if i < len(fields)]
            if any("\n" in c or "\r" in c for c in cells):
                yield Record(start + 1, None, "grade.csv_unclosed", {}, _alone(lines[start], sep))
                feed.pos = start + 1
                reader = csv.reader(feed, delimiter=sep, strict=True)
                continue
        if any(f.strip() for f in fields):
            yield Record(start + 1, fields)


def parse(text: str, path: str) -> Sheet:
    """The answers file parsed: separator, header (if any) and every record, each with its true line."""
    lines = physical_lines(text)
    if len(lines) > MAX_ROWS:
        raise XentError("grade_too_many_rows", None, path=path, limit=f"{MAX_ROWS:,}")
    sep, header = sniff(lines)
    if header is not None:
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise XentError("grade_header_missing", None, path=path, column=missing[0])
        recs = records(lines, sep, sorted(header.values()))
        first = next(recs, None)  # the header itself
        width = len(first.fields) if first is not None and first.fields is not None else max(header.values()) + 1
        return Sheet(sep, header, width, list(recs))
    return Sheet(sep, {c: i for i, c in enumerate(COLUMNS)}, 0, list(records(lines, sep, None)))


def answer_text(answer: str, decimal_comma: bool) -> str:
    """The answer as the calculator reads it: a decimal comma (0,6945) as a point when commas are not separators."""
    # (0,7030+0,6860)/2 too: the calculator has no other use for a comma.
    return answer.replace(",", ".") if decimal_comma else answer


def read_names(text: str, path: str) -> list[str]:
    """A roster: a CSV with a student column (any separator, English or Chinese header), or one name a line."""
    lines = physical_lines(text)
    if len(lines) > MAX_ROWS:
        raise XentError("grade_too_many_rows", None, path=path, limit=f"{MAX_ROWS:,}")
    first = next((ln for ln in lines if ln.strip()), "")
    for sep in SEPARATORS:
        cols = header_columns(_split(first, sep))
        if "student" in cols:
            i = cols["student"]
            names = []
            for n, rec in enumerate(records(lines, sep, [i])):
                if n and rec.fields is not None and i < len(rec.fields) and rec.fields[i].strip():
                    names.append(rec.fields[i].strip())
            return names
    return [ln.strip() for ln in lines if ln.strip()]
