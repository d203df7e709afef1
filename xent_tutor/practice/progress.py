"""Quiz history in one JSON file, written atomically and merged under a lock."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import XentError

FORMAT_VERSION = 1
ENV_VAR = "XENT_PROGRESS_FILE"


def empty() -> dict[str, Any]:
    """A fresh progress record."""
    return {"format": FORMAT_VERSION, "sessions": [], "solved": []}


def load(path: Path) -> tuple[dict[str, Any], str | None]:
    """The progress in `path`; a corrupt or unknown-version file is moved aside (with a note)."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return empty(), None
    except OSError as e:
        raise XentError("progress_write", "progress_file", path=str(path), reason=str(e)) from None
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
            raise ValueError(f"unknown format {data.get('format') if isinstance(data, dict) else '?'}")
        if not isinstance(data.get("sessions"), list) or not isinstance(data.get("solved"), list):
            raise ValueError("missing sessions")
        return data, None
    except ValueError as e:
        moved = path.with_name(f"{path.name}.bad-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
        try:
            os.replace(path, moved)
        except OSError:
            moved = path
        return empty(), _corrupt_note(path, moved, str(e))


def _corrupt_note(path: Path, moved: Path, reason: str) -> str:
    from ..lesson.text import t

    return t("progress_corrupt", path=str(path), moved=str(moved), reason=reason[:80])


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock beside the file, so two quizzes at once merge instead of overwrite."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: the atomic rename still keeps the file whole
        yield
        return
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def write_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write to a temporary file in the same folder, then rename over the old one."""
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def record(path: Path, session: dict[str, Any], solved: list[str]) -> str | None:
    """Append one session and the exercises solved; returns a note if the old file was bad."""
    try:
        with _locked(path):
            data, note = load(path)
            data["sessions"].append(session)
            data["solved"] = sorted(set(data["solved"]) | set(solved))
            write_atomic(path, data)
            return note
    except OSError as e:
        raise XentError("progress_write", "progress_file", path=str(path), reason=e.strerror or str(e)) from None


def reset(path: Path) -> None:
    """Start over with an empty history."""
    try:
        with _locked(path):
            write_atomic(path, empty())
    except OSError as e:
        raise XentError("progress_write", "progress_file", path=str(path), reason=e.strerror or str(e)) from None


def stage_accuracy(data: dict[str, Any]) -> dict[str, list[int]]:
    """Per stage: [right, asked] over every session."""
    out: dict[str, list[int]] = {}
    for s in data["sessions"]:
        for stage, (right, asked) in s.get("by_stage", {}).items():
            r, a = out.get(stage, [0, 0])
            out[stage] = [r + right, a + asked]
    return out
