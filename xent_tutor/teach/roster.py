"""A class roster: a CSV with a student column (in English or Chinese), or one name a line."""

from __future__ import annotations

import csv
import hashlib
import io
import re

from ..errors import XentError

NAME_COLUMNS = ("student", "name", "学生", "姓名")
MAX_SEED = 10**6


def read_roster(path: str) -> list[str]:
    """The names on a roster, in its order, each once (blank lines and '#' comments skipped)."""
    from ..fileio import read_text

    text = read_text(path, "roster", "answers")
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise XentError("roster_empty", "roster", path=path)
    names = _column(lines)
    if names is None:
        names = [line.strip() for line in lines]
    names = [n for n in dict.fromkeys(n.strip() for n in names) if n]
    if not names:
        raise XentError("roster_empty", "roster", path=path)
    return names


def _column(lines: list[str]) -> list[str] | None:
    """The student column of a CSV roster (separator sniffed), or None when the first line names no such column."""
    try:
        dialect = csv.Sniffer().sniff(lines[0], delimiters=",;\t")
    except csv.Error:
        return None
    rows = list(csv.reader(io.StringIO("\n".join(lines)), dialect))
    head = [h.strip().lower() for h in rows[0]]
    at = next((head.index(c) for c in NAME_COLUMNS if c in head), None)
    if at is None:
        return None
    return [row[at] for row in rows[1:] if len(row) > at]


def student_seed(name: str, seed: int) -> int:
    """The seed of a student's first problem: from the name and the sheet's --seed, the same on every run."""
    digest = hashlib.sha256(f"{seed}\x00{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % MAX_SEED


def file_names(names: list[str], extension: str) -> list[str]:
    """A file name per student: the name's letters and digits, '-' between words, made unique."""
    out: list[str] = []
    taken: set[str] = set()
    for name in names:
        stem = re.sub(r"[^\w]+", "-", name, flags=re.UNICODE).strip("-_")[:80] or "student"
        candidate, n = stem, 1
        while candidate.lower() in taken or candidate.lower() in ("key", "answers"):
            n += 1
            candidate = f"{stem}-{n}"
        taken.add(candidate.lower())
        out.append(candidate + extension)
    return out
