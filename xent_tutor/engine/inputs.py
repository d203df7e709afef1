"""Read arrays from a JSON-style list, a .json/.csv/.npy file, or stdin; errors name the spot."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..errors import XentError

MAX_DEPTH = 8
NPY_MAGIC = b"\x93NUMPY"
_NUMBER = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)\Z", re.IGNORECASE)
_INT = re.compile(r"[+-]?\d+\Z")
_TOKEN = re.compile(r"\s*(?:([\[\],])|([^\s\[\],]+))")


def read_array(value: str, where: str, stdin: BinaryIO | None = None) -> np.ndarray:
    """Turn an option's value (inline list, number, path, or '-') into an array."""
    text = value.strip()
    if not text:
        raise XentError("empty", where)
    if text == "-":
        if stdin is None:
            raise XentError("no_stdin", where)
        return _from_bytes(stdin.read(), where, "-")
    if text.startswith("[") or _NUMBER.match(text):
        return parse_list(text, where)
    return read_file(Path(text), where)


def read_file(path: Path, where: str) -> np.ndarray:
    """Load a .json, .csv or .npy file; .npy is memory-mapped and never unpickled."""
    suffix = path.suffix.lower()
    if suffix not in (".json", ".csv", ".npy"):
        if not path.exists():
            raise XentError("file_missing", where, path=str(path))
        raise XentError("file_type", where, path=str(path), suffix=suffix or "(none)")
    try:
        if suffix == ".npy":
            return _check_npy(np.load(path, mmap_mode="r", allow_pickle=False), where, path)
        data = path.read_bytes()
    except FileNotFoundError:
        raise XentError("file_missing", where, path=str(path)) from None
    except IsADirectoryError:
        raise XentError("file_is_dir", where, path=str(path)) from None
    except PermissionError:
        raise XentError("file_unreadable", where, path=str(path), reason="permission denied") from None
    except ValueError as e:
        raise _npy_error(e, where, path) from None
    except OSError as e:
        raise XentError("file_unreadable", where, path=str(path), reason=e.strerror or str(e)) from None
    text = _decode(data, where, str(path))
    if suffix == ".csv":
        return parse_csv(text, where, str(path))
    return parse_list(text, where, str(path))


def _from_bytes(data: bytes, where: str, source: str) -> np.ndarray:
    if data.startswith(NPY_MAGIC):
        try:
            return _check_npy(np.load(io.BytesIO(data), allow_pickle=False), where, source)
        except ValueError as e:
            raise _npy_error(e, where, source) from None
    text = _decode(data, where, source).strip()
    if not text:
        raise XentError("empty", where)
    if text.startswith("[") or _NUMBER.match(text):
        return parse_list(text, where, source)
    return parse_csv(text, where, source)


def _decode(data: bytes, where: str, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise XentError("not_text", where, path=source) from None


def _npy_error(e: ValueError, where: str, source: object) -> XentError:
    if "object" in str(e).lower() or "pickle" in str(e).lower():
        return XentError("npy_object", where, path=str(source))
    return XentError("npy_bad", where, path=str(source), reason=str(e).splitlines()[0])


def _check_npy(a: np.ndarray, where: str, source: object) -> np.ndarray:
    if a.dtype.hasobject:
        raise XentError("npy_object", where, path=str(source))
    if a.dtype.kind not in "iuf":
        raise XentError("npy_dtype", where, path=str(source), dtype=str(a.dtype))
    return a  # an empty batch is PyTorch's business too: the core gives its answer


def parse_list(text: str, where: str, source: str | None = None) -> np.ndarray:
    """Parse a number or a nested list of numbers; refuse ragged, deep or non-numeric input."""
    try:
        if "true" in text or "false" in text:
            raise ValueError("booleans are not numbers")
        data = json.loads(text)
        if isinstance(data, (list, int, float)) and not isinstance(data, bool):
            arr = np.array(data)
            if arr.dtype.kind in "iuf" and arr.ndim <= MAX_DEPTH:
                return arr
    except (ValueError, RecursionError, OverflowError):
        pass
    # Slow path: the careful parser, for inf/nan spellings and for a precise error.
    return _to_array(_parse_nested(text, where, source), where, source)


def _parse_nested(text: str, where: str, source: str | None) -> object:
    stack: list[list] = []
    path: list[int] = []
    result: object = None
    expect_value = True
    pos = 0
    n = len(text)
    while True:
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip():
                raise XentError("parse_garbage", where, at=text[pos:].strip()[:20], src=source)
            break
        pos = m.end()
        punct, word = m.group(1), m.group(2)
        if result is not None and not stack:
            raise XentError("parse_trailing", where, at=(punct or word)[:20], src=source)
        if punct == "[":
            if not expect_value:
                raise XentError("parse_comma", where, loc=_loc(path), src=source)
            if len(stack) >= MAX_DEPTH:
                raise XentError("too_deep", where, depth=MAX_DEPTH, src=source)
            new: list = []
            if stack:
                stack[-1].append(new)
            stack.append(new)
            path.append(0)
            expect_value = True
        elif punct == "]":
            if not stack:
                raise XentError("parse_unbalanced", where, src=source)
            if expect_value and stack[-1]:
                raise XentError("parse_trailing_comma", where, loc=_loc(path), src=source)
            done = stack.pop()
            path.pop()
            if path:
                path[-1] += 1
            if not stack:
                result = done
            expect_value = False
        elif punct == ",":
            if expect_value or not stack:
                raise XentError("parse_missing_value", where, loc=_loc(path), src=source)
            expect_value = True
        else:
            if not expect_value:
                raise XentError("parse_comma", where, loc=_loc(path), src=source)
            if word.startswith(("{", '"{')):
                raise XentError("parse_object", where, src=source)
            if not _NUMBER.match(word):
                raise XentError("not_a_number", where, loc=_loc(path), value=word[:20], src=source)
            num = int(word) if _INT.match(word) else float(word)
            if stack:
                stack[-1].append(num)
                path[-1] += 1
            else:
                result = num
            expect_value = False
        if pos >= n:
            break
    if stack:
        raise XentError("parse_unclosed", where, src=source)
    if result is None:
        raise XentError("empty", where)
    return result


def _loc(path: list[int]) -> tuple[int, ...]:
    """1-based position of the element being read."""
    return tuple(i + 1 for i in path)


def _to_array(data: object, where: str, source: str | None) -> np.ndarray:
    shape = _shape(data, where, source, ())
    if 0 in shape:
        raise XentError("empty", where)
    flat: list = []
    _flatten(data, flat)
    if all(isinstance(v, int) for v in flat):
        try:
            return np.array(flat, dtype=np.int64).reshape(shape)
        except OverflowError:
            pass
    return np.array(flat, dtype=np.float64).reshape(shape)


def _shape(data: object, where: str, source: str | None, at: tuple[int, ...]) -> tuple[int, ...]:
    if not isinstance(data, list):
        return ()
    if not data:
        return (0,)
    first = _shape(data[0], where, source, (*at, 1))
    for i, item in enumerate(data[1:], start=2):
        s = _shape(item, where, source, (*at, i))
        if s != first and len(at) == 0 and len(s) == len(first) == 1:
            raise XentError("ragged_row", where, row=i, got=s[0], want=first[0], src=source)
        if s != first:
            raise XentError("ragged", where, loc=(*at, i), got=_describe(s), want=_describe(first), src=source)
    return (len(data), *first)


def _describe(shape: tuple[int, ...]) -> str:
    return "a number" if not shape else "(" + ", ".join(map(str, shape)) + ")"


def _flatten(data: object, out: list) -> None:
    if isinstance(data, list):
        for item in data:
            _flatten(item, out)
    else:
        out.append(data)


def parse_csv(text: str, where: str, source: str | None = None) -> np.ndarray:
    """Rows of comma-separated numbers; a first line of column names is skipped."""
    try:
        lines = [(i, row) for i, row in enumerate(csv.reader(io.StringIO(text)), 1) if row]
    except csv.Error as e:
        raise XentError("csv_bad", where, reason=str(e), src=source) from None
    if lines and not any(_NUMBER.match(f.strip()) for f in lines[0][1]):
        lines = lines[1:]
    if not lines:
        raise XentError("empty", where)
    width = len(lines[0][1])
    rows: list[list[float]] = []
    all_int = True
    for line_no, fields in lines:
        if len(fields) != width:
            raise XentError("csv_ragged", where, line=line_no, got=len(fields), want=width, src=source)
        row = []
        for col, f in enumerate(fields, 1):
            f = f.strip()
            if not _NUMBER.match(f):
                raise XentError("csv_not_number", where, line=line_no, col=col, value=f[:20], src=source)
            all_int = all_int and bool(_INT.match(f))
            row.append(int(f) if _INT.match(f) else float(f))
        rows.append(row)
    try:
        arr = np.array(rows, dtype=np.int64 if all_int else np.float64)
    except OverflowError:  # a whole number beyond int64: keep it as a float (and let checks name it)
        arr = np.array(rows, dtype=np.float64)
    return arr[:, 0] if width == 1 else arr
