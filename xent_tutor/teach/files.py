"""Write a teacher's files: atomically, and never over an existing file unless asked to."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..fileio import write_file


def save(path: Path, text: str, option: str, force: bool = False) -> None:
    """Write `text` via a temporary file; an existing file is replaced only with `force` (fileio's one rule)."""
    write_file(path, text, option, force)


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
