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

FORMAT_VERSION = 2
KNOWN_FORMATS = (1, 2)
ENV_VAR = "XENT_PROGRESS_FILE"
COUNTS = ("right_first", "right_retry", "revealed", "skipped", "hinted", "wrong_tries", "wrong_first")


def empty() -> dict[str, Any]:
    """A fresh progress record."""
    return {"format": FORMAT_VERSION, "sessions": [], "solved": [], "attempted": []}


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Progress of any known format as format 2; format 1's numbers are all kept.

    Format 1 counted one try per step: its `right` were right first try, and `asked - right`
    were wrong or skipped without saying which, so they are kept as `format1_not_right`.
    """
    if data.get("format") == FORMAT_VERSION:
        data.setdefault("attempted", [])
        return data
    sessions = []
    attempted: set[str] = set()
    for s in data["sessions"]:
        s = dict(s)
        by_stage = {}
        for stage, pair in (s.get("by_stage") or {}).items():
            right, asked = pair
            by_stage[stage] = {"right_first": right, "format1_not_right": asked - right}
        s["by_stage"] = by_stage
        s["format"] = 1
        sessions.append(s)
        attempted |= {p for p in s.get("problems", []) if isinstance(p, str) and not p.startswith("seed ")}
    return {"format": FORMAT_VERSION, "sessions": sessions, "solved": list(data["solved"]),
            "attempted": sorted(attempted), "migrated_from": 1}  # fmt: skip


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
        if not isinstance(data, dict) or data.get("format") not in KNOWN_FORMATS:
            raise ValueError(f"unknown format {data.get('format') if isinstance(data, dict) else '?'}")
        if not isinstance(data.get("sessions"), list) or not isinstance(data.get("solved"), list):
            raise ValueError("missing sessions")
        return migrate(data), None
    except (ValueError, TypeError) as e:
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


def record(path: Path, session: dict[str, Any], solved: list[str], attempted: list[str] = ()) -> str | None:
    """Append one session and the exercises solved or tried; returns a note if the old file was bad."""
    try:
        with _locked(path):
            data, note = load(path)
            data["sessions"].append(session)
            data["solved"] = sorted(set(data["solved"]) | set(solved))
            data["attempted"] = sorted(set(data.get("attempted", [])) | set(attempted) | set(solved))
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


def stage_totals(data: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Per stage: every count summed over the sessions (format 1's unsorted misses included)."""
    out: dict[str, dict[str, int]] = {}
    for s in data["sessions"]:
        for stage, counts in (s.get("by_stage") or {}).items():
            into = out.setdefault(stage, {})
            for key, n in counts.items():
                into[key] = into.get(key, 0) + int(n)
    return out


def mistake_totals(data: dict[str, Any]) -> dict[str, int]:
    """Wrong tries per mistake kind over every session."""
    out: dict[str, int] = {}
    for s in data["sessions"]:
        for kind, n in (s.get("mistakes") or {}).items():
            out[kind] = out.get(kind, 0) + int(n)
    return out
