"""Quiz history in one JSON file, written atomically and merged under a lock."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .. import signals
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


def load(path: Path) -> tuple[dict[str, Any], XentError | None]:
    """The progress in `path` for a writer: a damaged xent file is moved aside (with a note); another
    program's file, or a newer xent's, is refused (XentError) and left exactly as it is."""
    kind, data, reason = inspect(_read_bytes(path))
    if kind in ("foreign", "newer"):
        raise _refusal(path, kind, reason)
    if kind == "corrupt":
        return empty(), _move_aside(path, reason)
    return data, None


def read(path: Path) -> tuple[dict[str, Any], XentError | None]:
    """The progress in `path` for a reader: nothing is renamed or written, a damaged file is only reported
    (the note is an XentError to show as a warning)."""
    kind, data, reason = inspect(_read_bytes(target(path)))
    if kind in ("foreign", "newer"):
        raise _refusal(path, kind, reason)
    if kind == "corrupt":
        return empty(), XentError("progress_corrupt_kept", None, path=str(path), what=reason, limit=MAX_BYTES >> 20)
    return data, None


# A file xent wrote begins with its format key (json.dump keeps the key order of empty()): a damaged one
# that still begins so is xent's, and anything else is another program's, never to be moved or written.
_XENT_START = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*\{\s*\"format\"\s*:\s*(-?\d+)?")


def inspect(raw: bytes | None) -> tuple[str, dict[str, Any], str]:
    """What a progress file's bytes hold: (kind, record, reason).

    kind is "ok" (a record of a known format, or no file / an empty one), "corrupt" (xent's, damaged),
    "newer" (a newer xent's format; reason is the number) or "foreign" (not xent's; reason says what it is).
    """
    if raw is None or not raw.strip():
        return "ok", empty(), ""
    start = _XENT_START.match(raw[:4096])
    number = int(start.group(1)) if start and start.group(1) and len(start.group(1)) < 10 else None
    if number is not None and number > FORMAT_VERSION:
        return "newer", empty(), str(number)
    try:
        return "ok", parse(raw), ""
    except _Foreign as e:
        if start:  # begins as xent's files do: damaged (cut short, overwritten in the middle, ...)
            return "corrupt", empty(), str(e)
        return "foreign", empty(), str(e)
    except _Newer as e:
        return "newer", empty(), str(e)
    except (ValueError, TypeError) as e:
        return "corrupt", empty(), _reason(e)


class _Foreign(ValueError):
    """Bytes that are not a JSON object with xent's format key."""


class _Newer(ValueError):
    """A progress record of a format newer than this xent knows."""


def _refusal(path: Path, kind: str, reason: str) -> XentError:
    if kind == "newer":
        return XentError("progress_newer", "progress_file", path=str(path), format=reason, known=FORMAT_VERSION)
    return XentError("progress_foreign", "progress_file", path=str(path), what=reason, limit=MAX_BYTES >> 20)


def parse(raw: bytes) -> dict[str, Any]:
    """The progress record in a file's bytes, as format 2; ValueError (saying what is wrong) for anything else."""
    if len(raw) > MAX_BYTES:
        raise _Foreign("large")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _Foreign("binary") from None
    try:
        data = json.loads(text)
    except RecursionError:
        raise _Foreign("nested") from None
    except ValueError:
        raise _Foreign("not_json") from None
    if not isinstance(data, dict) or "format" not in data:
        raise _Foreign("no_format")
    version = data["format"]
    if _count(version) and version > FORMAT_VERSION:
        raise _Newer(str(version))
    if version not in KNOWN_FORMATS or isinstance(version, bool):
        raise ValueError(f"unknown format {str(version)[:20]}")
    if not isinstance(data.get("sessions"), list) or not isinstance(data.get("solved"), list):
        raise ValueError("missing sessions")
    problem = shape_problem(data)
    if problem:
        raise ValueError(problem)
    return migrate(data)


# --- Validation hook: every field a reader uses has the type it expects (format 1 or 2). ---


def shape_problem(data: dict[str, Any]) -> str | None:
    """What is wrong inside a record of a known format, or None."""
    for key in ("solved", "attempted"):
        if key in data and not (isinstance(data[key], list) and all(isinstance(x, str) for x in data[key])):
            return f"{key} holds something other than exercise ids"
    for i, s in enumerate(data["sessions"], 1):
        if not isinstance(s, dict):
            return f"session {i} is not an object"
        wrong = _session_problem(s, data["format"])  # a format-2 file keeps migrated sessions as tables too
        if wrong:
            return f"session {i}: {wrong}"
    return None


def _count(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def _counts(x: object) -> bool:
    return isinstance(x, dict) and all(isinstance(k, str) and _count(n) for k, n in x.items())


def _session_problem(s: dict[str, Any], version: object) -> str | None:
    for key in ("when", "mode", "id"):
        if key in s and not isinstance(s[key], str):
            return f"{key} is not text"
    if "problems" in s and not (isinstance(s["problems"], list) and all(isinstance(p, str) for p in s["problems"])):
        return "problems is not a list of names"
    for key in ("right", "asked"):
        if key in s and not _count(s[key]):
            return f"{key} is not a count"
    if "seconds" in s and (isinstance(s["seconds"], bool) or not isinstance(s["seconds"], (int, float))):
        return "seconds is not a number"
    if "mistakes" in s and not _counts(s["mistakes"]):
        return "mistakes is not a table of counts"
    if "answers" in s and not _count(s["answers"]):
        return "answers is not a count"
    firsts = s.get("firsts", {})
    if not (isinstance(firsts, dict) and all(isinstance(v, str) and set(v) <= {"0", "1"} for v in firsts.values())):
        return "firsts is not a table of 0/1 marks"
    done = s.get("exercises", {})
    if not (isinstance(done, dict) and all(_counts(v) for v in done.values())):
        return "exercises is not a table of counts per exercise"
    by_stage = s.get("by_stage") or {}
    if not isinstance(by_stage, dict):
        return "by_stage is not an object"
    for stage, value in by_stage.items():
        if version == 1:
            ok = isinstance(value, list) and len(value) == 2 and all(map(_count, value)) and value[0] <= value[1]
        else:
            ok = _counts(value)
        if not ok:
            return f"by_stage {stage[:20]!r} is not " + ("[right, asked]" if version == 1 else "a table of counts")
    return None


# --- The file itself: what kind of file, bounded reads, moving aside, stale temporary files. ---

MAX_BYTES = 64 << 20  # a history this large is not one xent wrote; it is moved aside, not read into memory


def target(path: Path) -> Path:
    """The file that holds the progress: a symlink is followed (and kept); a folder, device or FIFO is refused."""
    real = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        st = os.stat(real)
    except (FileNotFoundError, NotADirectoryError):  # none yet; saving will say if it cannot be made
        return real
    except OSError as e:
        raise XentError("progress_unusable", "progress_file", path=str(path), reason=e.strerror or str(e)) from None
    if not stat.S_ISREG(st.st_mode):
        raise XentError("progress_not_regular", "progress_file", path=str(path))
    return real


def check(path: Path) -> None:
    """Refuse an unusable progress file before a quiz starts, not after the learner's answers."""
    target(path)


def _read_bytes(path: Path) -> bytes | None:
    """The file's bytes (None if there is none yet), at most MAX_BYTES + 1 of them."""
    try:
        with open(path, "rb") as f:
            return f.read(MAX_BYTES + 1)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except IsADirectoryError:
        raise XentError("progress_not_regular", "progress_file", path=str(path)) from None
    except OSError as e:
        raise XentError("progress_unusable", "progress_file", path=str(path), reason=e.strerror or str(e)) from None


def _reason(e: Exception) -> str:
    return str(e)[:80]


def _move_aside(path: Path, what: str) -> XentError:
    """Rename a damaged file out of the way; the note says where it went (refused if it cannot be moved)."""
    moved = path.with_name(f"{path.name}.bad-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
    try:
        os.replace(path, moved)
    except OSError as e:
        raise XentError("progress_stuck", "progress_file", path=str(path), what=what,
                        error=e.strerror or str(e), limit=MAX_BYTES >> 20) from None  # fmt: skip
    return XentError("progress_corrupt", None, path=str(path), moved=str(moved), what=what, limit=MAX_BYTES >> 20)


def _clean_stale(path: Path) -> None:
    """Remove temporary files a killed writer left (only called under the lock, so none is in use)."""
    pattern = re.compile(re.escape(path.name) + r"\.[A-Za-z0-9_]{8}\.tmp")
    with contextlib.suppress(OSError):
        for f in path.parent.iterdir():
            if pattern.fullmatch(f.name):
                with contextlib.suppress(OSError):
                    f.unlink()


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
    """Write to a temporary file in the same folder, then rename over the old one (its permissions kept).

    The format key is written first: that is how a damaged file is still known as xent's.
    """
    data = {"format": data["format"], **data}
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with contextlib.suppress(OSError):
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def record(path: Path, session: dict[str, Any], solved: list[str], attempted: list[str] = ()) -> XentError | None:
    """Add one session (or replace the one with its `id`) and the exercises solved or tried.

    Returns a note if a damaged file was moved aside; a file that is not xent's is refused.
    """
    real = target(path)
    try:
        with signals.deferred(), _locked(real):
            _clean_stale(real)
            data, note = load(real)
            sessions = data["sessions"]
            same = [i for i, s in enumerate(sessions) if "id" in session and s.get("id") == session["id"]]
            if same:
                sessions[same[-1]] = session
            else:
                sessions.append(session)
            data["solved"] = sorted(set(data["solved"]) | set(solved))
            data["attempted"] = sorted(set(data.get("attempted", [])) | set(attempted) | set(solved))
            write_atomic(real, data)
            return note
    except OSError as e:
        raise XentError("progress_write", "progress_file", path=str(path), reason=e.strerror or str(e)) from None


def _claim(path: Path, real: Path) -> tuple[str, dict[str, Any], str]:
    """What the file holds, for a writer: refused (XentError) unless it is xent's, of a format it knows."""
    kind, data, what = inspect(_read_bytes(real))
    if kind in ("foreign", "newer"):
        raise _refusal(path, kind, what)
    return kind, data, what


class Recorder:
    """One quiz session in the progress file: checked before the first question, saved after every answer."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.id = secrets.token_hex(8)
        self._saved: str | None = None

    def open(self) -> XentError | None:
        """Refuse a file that is not xent's or is a newer xent's; move a damaged one aside now (the note says where)."""
        real = target(self.path)
        kind, _, _ = _claim(self.path, real)
        if kind != "corrupt":
            return None
        try:
            with signals.deferred(), _locked(real):
                _, note = load(real)  # read again under the lock: another quiz may have moved it already
                return note
        except OSError as e:
            raise XentError(
                "progress_write", "progress_file", path=str(self.path), reason=e.strerror or str(e)
            ) from None

    def save(
        self, session: dict[str, Any], solved: list[str], attempted: list[str], *, final: bool = False
    ) -> XentError | None:
        """Save the session as it stands; before the end, only when more than the clock changed since the last save."""
        state = json.dumps([{k: v for k, v in session.items() if k != "seconds"}, solved, attempted], sort_keys=True)
        if state == self._saved and not final:
            return None
        note = record(self.path, {"id": self.id, **session}, solved, attempted)
        self._saved = state
        return note


def reset(path: Path) -> None:
    """Start over with an empty history (a file that is not xent's, or a newer xent's, is refused)."""
    real = target(path)
    _claim(path, real)
    try:
        with signals.deferred(), _locked(real):
            _clean_stale(real)
            kind, _, what = _claim(path, real)  # again under the lock: another xent may have written it
            if kind == "corrupt":
                _move_aside(real, what)
            write_atomic(real, empty())
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


# --- Mastery: how each stage went, attempt by attempt, oldest first. ---

MASTERY_WINDOW = 10  # "the last attempts" a stage's mastery is measured over


def stage_log(data: dict[str, Any]) -> dict[str, list[int]]:
    """Per stage, every finished step oldest first: 1 right on the first try, 0 otherwise.

    Sessions saved before the order was kept give their counts; their misses are put last
    (the cautious guess: a stage missed in an old session counts as missed recently).
    """
    out: dict[str, list[int]] = {}
    for s in data["sessions"]:
        firsts = s.get("firsts")
        if isinstance(firsts, dict) and firsts:
            for stage, marks in firsts.items():
                out.setdefault(stage, []).extend(int(m) for m in marks)
            continue
        for stage, counts in (s.get("by_stage") or {}).items():
            first = int(counts.get("right_first", 0))
            rest = sum(int(counts.get(k, 0)) for k in ("right_retry", "revealed", "skipped", "format1_not_right"))
            out.setdefault(stage, []).extend([1] * first + [0] * rest)
    return out


def mastery(data: dict[str, Any], window: int = MASTERY_WINDOW) -> dict[str, tuple[int, int]]:
    """Per stage: (right first try, attempts) over its last `window` attempts."""
    return {stage: (sum(log[-window:]), len(log[-window:])) for stage, log in stage_log(data).items() if log}


def exercise_results(data: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Per exercise solved in a session that kept the detail: the solve with the fewest wrong tries."""
    best: dict[str, dict[str, int]] = {}
    for s in data["sessions"]:
        for ex, done in (s.get("exercises") or {}).items():
            if done.get("solved") and (ex not in best or done.get("wrong_tries", 0) < best[ex].get("wrong_tries", 0)):
                best[ex] = done
    return best
