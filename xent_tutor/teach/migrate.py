"""`xent exercises migrate`: rewrite format-1 exercise files as format 2, atomically, only when valid."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..fileio import is_folder
from ..practice.check import Problem, validate_file, validate_text
from ..practice.exercises import exercise_files, migrate, read_bytes
from .files import dumps, save

ORDER = ("format", "id", "order", "difficulty", "concepts", "title", "teaches", "logits", "labels", "options",
         "answer", "stages", "hints", "source")  # fmt: skip


@dataclass
class Outcome:
    """What happened to one file: migrated, already format 2, or kept as it was (with the problems)."""

    path: str
    status: str  # "migrated", "current", "kept"
    problems: list[Problem] = field(default_factory=list)


def migrate_file(path: Path) -> Outcome:
    """Rewrite one file as format 2 when it is a valid format-1 file; otherwise leave it untouched."""
    problems = [p for p in validate_file(path) if p.error]
    try:  # a FIFO, a device or a file too big was refused unread by validate_file: never opened again
        data = json.loads(read_bytes(path).decode("utf-8"))  # deep nesting: RecursionError
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return Outcome(str(path), "kept", problems)
    if isinstance(data, dict) and data.get("format") == 2:
        return Outcome(str(path), "current")  # what else is wrong with it is for `xent exercises check`
    if problems or data.get("format") != 1:
        return Outcome(str(path), "kept", problems)
    new = migrate(data)
    ordered = {k: new[k] for k in ORDER if k in new} | {k: v for k, v in new.items() if k not in ORDER}
    text = dumps(ordered)
    after = [p for p in validate_text(text, str(path), path.stem) if p.error]
    if after:  # never replace a file with one that would not pass the check
        return Outcome(str(path), "kept", after)
    save(path, text, "migrate", force=True)
    return Outcome(str(path), "migrated")


def migrate_paths(paths: list[Path]) -> list[Outcome]:
    """Each file (a folder: its .json files), migrated or kept."""
    files: list[Path] = []
    for p in paths:
        files += exercise_files(p) if is_folder(p) else [p]
    return [migrate_file(f) for f in files]
