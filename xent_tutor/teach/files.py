"""Write a teacher's files: atomically, and never over an existing file unless asked to."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ..errors import XentError


def save(path: Path, text: str, option: str, force: bool = False) -> None:
    """Write `text` via a temporary file; an existing file is replaced only with `force`."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise XentError("file_is_folder", option, path=str(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", suffix=".tmp", dir=folder)
    except OSError as e:
        raise XentError("output_failed", option, path=str(path), reason=e.strerror or str(e)) from None
    try:
        umask = os.umask(0)
        os.umask(umask)
        mode = path.stat().st_mode & 0o7777 if force and path.is_file() else 0o666 & ~umask
        os.chmod(tmp, mode)  # a rewritten file keeps its permissions
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        if force:
            os.replace(tmp, path)
        else:
            _link(tmp, path, option)
    except OSError as e:
        raise XentError("output_failed", option, path=str(path), reason=e.strerror or str(e)) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _link(tmp: str, path: Path, option: str) -> None:
    """Put the new file in place only if nothing is there (a hard link never overwrites)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise XentError("file_exists", option, path=str(path)) from None
    except OSError:  # a file system without hard links: check, then rename
        if path.exists():
            raise XentError("file_exists", option, path=str(path)) from None
        os.replace(tmp, path)


def dumps(data: Any) -> str:
    """JSON with two-space indents and every list of numbers on one line (a row of logits reads as a row)."""
    return _dump(data, 0) + "\n"


def _dump(value: Any, depth: int) -> str:
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{json.dumps(k)}: {_dump(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value) or _flat(value):
            return json.dumps(value, ensure_ascii=False)
        return "[\n" + ",\n".join(inner + _dump(v, depth + 1) for v in value) + "\n" + pad + "]"
    return json.dumps(value, ensure_ascii=False)


def _flat(value: list) -> bool:
    """A short list of lists of numbers (a small matrix) fits on one line."""
    return (
        all(isinstance(v, list) and all(not isinstance(x, dict | list) for x in v) for v in value)
        and len(json.dumps(value)) <= 60
    )
