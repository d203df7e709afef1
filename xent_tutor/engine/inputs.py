"""Read arrays from a JSON-style list, a .json/.csv/.npy file, or stdin; errors name the spot."""

from __future__ import annotations

import bisect
import csv
import errno
import io
import json
import math
import os
import re
import stat
import warnings
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..errors import XentError
from ..fileio import io_error, read_stream

MAX_DEPTH = 8
MAX_INPUT = 256 << 20  # bytes of text (JSON, CSV, stdin) read at most unless --max-input says otherwise
NPY_MAGIC = b"\x93NUMPY"
_NUMBER = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)\Z", re.IGNORECASE)
_INT = re.compile(r"[+-]?\d+\Z")
_TOKEN = re.compile(r"\s*(?:([\[\],])|([^\s\[\],]+))")


def read_array(value: str, where: str, stdin: BinaryIO | None = None, max_bytes: int = MAX_INPUT) -> np.ndarray:
    """Turn an option's value (inline list, number, path, or '-') into an array."""
    text = value.strip()
    if not text:
        raise XentError("empty", where)
    if text == "-":
        if stdin is None:
            raise XentError("no_stdin", where)
        data = read_stream(stdin, max_bytes)
        if data is None:
            raise XentError("input_too_large", where, path="-", limit=max_bytes >> 20)
        return _from_bytes(data, where, "-")
    if text.startswith("[") or _NUMBER.match(text):
        return parse_list(text, where)
    return read_file(Path(text), where, max_bytes)


def read_file(path: Path, where: str, max_bytes: int = MAX_INPUT) -> np.ndarray:
    """Load a .json, .csv or .npy file; .npy is memory-mapped and never unpickled."""
    suffix = path.suffix.lower()
    size = _regular_size(path, where, known=suffix in (".json", ".csv", ".npy"))
    if suffix not in (".json", ".csv", ".npy"):
        if not suffix:
            raise XentError("file_no_type", where, path=str(path))
        raise XentError("file_type", where, path=str(path), suffix=suffix)
    if suffix != ".npy" and size > max_bytes:
        raise XentError("input_too_large", where, path=str(path), limit=max_bytes >> 20)
    try:
        with open(path, "rb") as f:
            if suffix == ".npy":
                _npy_header(f, size, where, path)
                return _check_npy(np.load(path, mmap_mode="r", allow_pickle=False), where, path)
            data = read_stream(f, max_bytes, hint=size)
    except ValueError as e:
        raise _npy_error(e, where, path) from None
    except OSError as e:
        raise io_error(e, path, where) from None
    if data is None:  # it grew while being read
        raise XentError("input_too_large", where, path=str(path), limit=max_bytes >> 20)
    text = _decode(data, where, str(path))
    if suffix == ".csv":
        return parse_csv(text, where, str(path))
    return parse_list(text, where, str(path))


def _regular_size(path: Path, where: str, known: bool) -> int:
    """The size of a regular file (symlinks followed); devices, FIFOs and sockets are refused unread."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if known or re.fullmatch(r"[^\s(),;]+", str(path)):  # a file name that is not there
            raise XentError("file_missing", where, path=str(path)) from None
        raise XentError("not_input", where, value=_clip(str(path))) from None
    except (OSError, ValueError) as e:  # a name too long, a NUL byte, a loop of links: not a usable file name
        if known and isinstance(e, OSError) and e.errno not in (errno.ENAMETOOLONG, errno.ELOOP):
            raise io_error(e, path, where) from None
        raise XentError("not_input", where, value=_clip(str(path))) from None
    if stat.S_ISDIR(st.st_mode):
        raise XentError("file_is_dir", where, path=str(path))
    if not stat.S_ISREG(st.st_mode):
        raise XentError("not_regular", where, path=str(path))
    return st.st_size


def _npy_header(f: BinaryIO, size: int, where: str, source: object) -> None:
    """Check a .npy header (signature, dtype, shape against the bytes present) before anything is allocated."""
    from numpy.lib import format as npy

    if f.read(len(NPY_MAGIC)) != NPY_MAGIC:
        raise XentError("not_npy", where, path=str(source))
    f.seek(0)
    version = npy.read_magic(f)
    if version == (1, 0):
        shape, _, dtype = npy.read_array_header_1_0(f)
    elif version == (2, 0):
        shape, _, dtype = npy.read_array_header_2_0(f)
    else:
        raise XentError("npy_bad", where, path=str(source), reason=f"unsupported .npy version {version}")
    if dtype.hasobject:
        raise XentError("npy_object", where, path=str(source))
    if dtype.kind not in "iuf":
        raise XentError("npy_dtype", where, path=str(source), dtype=str(dtype))
    count = math.prod(int(n) for n in shape)
    need, have = count * dtype.itemsize, size - f.tell()
    if need > have:
        raise XentError("npy_short", where, path=str(source), shape=str(tuple(shape)), need=need, have=have)


def _from_bytes(data: bytes, where: str, source: str) -> np.ndarray:
    if data.startswith(NPY_MAGIC):
        try:
            f = io.BytesIO(data)
            _npy_header(f, len(data), where, source)
            f.seek(0)
            return _check_npy(np.load(f, allow_pickle=False), where, source)
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
    return XentError("npy_bad", where, path=str(source), reason=str(e).splitlines()[0][:80])


def _check_npy(a: np.ndarray, where: str, source: object) -> np.ndarray:
    if not isinstance(a, np.ndarray):
        raise XentError("not_npy", where, path=str(source))
    if a.dtype.hasobject:
        raise XentError("npy_object", where, path=str(source))
    if a.dtype.kind not in "iuf":
        raise XentError("npy_dtype", where, path=str(source), dtype=str(a.dtype))
    return a  # an empty batch is PyTorch's business too: the core gives its answer


def number(word: str) -> int | float:
    """One numeric token: an int when it has int64's digits at most, else a float; OverflowError beyond float64."""
    if _INT.match(word) and len(word) <= 19:
        return int(word)
    value = float(word)
    if math.isinf(value) and "inf" not in word.lower():
        raise OverflowError(word)
    return value


def _clip(word: str) -> str:
    return word[:20] + ("…" if len(word) > 20 else "")


CAREFUL_LIMIT = 1 << 20  # characters: above this a JSON error is placed by json's own pass, never re-read slowly


def parse_list(text: str, where: str, source: str | None = None) -> np.ndarray:
    """Parse a number or a nested list of numbers; refuse ragged, deep or non-numeric input.

    json reads it at C speed; what xent reads beyond JSON (inf, nan; in a long text also .5, 5., +5, 007)
    is rewritten for one more try. A short text json cannot read goes to the careful parser for the
    precise message; a long one is refused from where json stopped, so nothing is read twice slowly.
    """
    long = len(text) > CAREFUL_LIMIT
    boolean = "true" in text or "false" in text  # json reads them, and numpy would count them as 1 and 0
    original, shifts = text, []
    data, error = (None, None) if boolean and not long else _json_numbers(text)
    if data is None and not boolean and _spelled(text):  # inf / nan spelled the way xent accepts them
        text = _rewrite(_SPELLED, _json_spelling, text, shifts)
        data, error = _json_numbers(text)
    if data is None and long and not boolean and _loose_anywhere(text):
        text = _rewrite(_LOOSE, _json_number, text, shifts)
        data, error = _json_numbers(text)
    if data is not None and boolean and isinstance(data, list):
        bad = _first_non_number(data, ())
        if bad is not None:
            raise _not_number(*bad, where, source)
    if data is not None:
        arr = _from_python(data, where, source, exact=long)
        # JSON reads 1e400 as inf: more infinities than spelled ones means a number too large (named below).
        if arr is not None and (arr.dtype.kind != "f" or np.isinf(arr).sum() <= text.count("Infinity")):
            return arr
        if long and arr is not None:
            raise _too_large(arr, text, where, source)
    elif long:
        raise _json_error(error, original, shifts, where, source)
    # Short texts only: the careful parser, for a precise error (a token, a comma, a bracket out of place).
    return _to_array(_parse_nested(text, where, source), where, source)


def _rewrite(pattern: re.Pattern, fn, text: str, shifts: list[list[tuple[int, int]]]) -> str:
    """pattern.sub(fn, text), noting where the text moved so a position in it can be traced back."""
    marks: list[tuple[int, int]] = []  # (position in the new text, new - old from there on)
    moved = 0

    def replace(m: re.Match) -> str:
        nonlocal moved
        out = fn(m)
        moved += len(out) - (m.end() - m.start())
        marks.append((m.end() + moved, moved))
        return out

    new = pattern.sub(replace, text)
    shifts.append(marks)
    return new


def _traced_back(pos: int, shifts: list[list[tuple[int, int]]]) -> int:
    """A position in the rewritten text as a position in the text given."""
    for marks in reversed(shifts):
        i = bisect.bisect_right(marks, (pos, math.inf)) - 1
        pos -= marks[i][1] if i >= 0 else 0
    return max(pos, 0)


def _spelled(text: str) -> bool:
    """inf or nan somewhere (a plain search first: the case-blind pattern is slow on megabytes of digits)."""
    low = text.lower()
    return ("inf" in low or "nan" in low) and _SPELLED.search(text) is not None


# A number xent reads that JSON does not: a leading '+', a leading or trailing '.', leading zeros.
_LOOSE = re.compile(
    r"(?<![\w.+-])(?P<sign>[+-]?)(?=\+|\.\d|0\d|\d+\.(?!\d))\+?(?P<int>\d*)(?:\.(?P<frac>\d*))?(?P<exp>[eE][+-]?\d+)?(?![\w.])"
)


def _loose_anywhere(text: str, chunk: int = 1 << 23) -> bool:
    """Whether _LOOSE may match: a '+' not after e, a '.' beside a non-digit, a 0 that leads digits.

    Vectorised over the bytes, a piece at a time: a regex over megabytes of digits takes seconds.
    """
    padded = "  " + text + " "  # two characters before the first, one after the last
    for start in range(0, len(text), chunk):
        b = np.frombuffer(padded[start : start + chunk + 3].encode("utf-8", "replace"), np.uint8)
        low = b | 32
        digit = (b >= 48) & (b <= 57)
        word = digit | ((low >= 97) & (low <= 122)) | (b == 46) | (b == 95)  # what may precede a number's start
        two, one, mid, nxt = slice(0, -3), slice(1, -2), slice(2, -1), slice(3, None)
        sign = (b[one] == 43) | (b[one] == 45)
        starts = ~word[one] & ~sign | sign & ~word[two] & (low[two] != 101)  # a number begins at mid
        if (
            ((b[mid] == 46) & ~(digit[one] & digit[nxt])).any()
            or ((b[mid] == 43) & (low[one] != 101)).any()
            or ((b[mid] == 48) & digit[nxt] & starts).any()
        ):
            return True
    return False


def _json_number(m: re.Match) -> str:
    """The same number written as JSON: +5 -> 5, .5 -> 0.5, 5. -> 5.0, 007 -> 7."""
    frac = m.group("frac")
    return ("-" if m.group("sign") == "-" else "") + (m.group("int").lstrip("0") or "0") + (
        "." + (frac or "0") if frac is not None else "") + (m.group("exp") or "")  # fmt: skip


_JSON_WHY = (
    ("Expecting ',' delimiter", "comma"),
    ("Expecting value", "value"),
    ("Extra data", "extra"),
    ("Expecting property name", "object"),
    ("Expecting ':'", "object"),
    ("Unterminated string", "string"),
    ("Invalid control character", "string"),
    ("Invalid \\escape", "string"),
)


def _json_error(error: Exception | None, text: str, shifts: list, where: str, source: str | None) -> XentError:
    """Where json stopped in a long text, and why, in words: line, column and the text up to that point."""
    if not isinstance(error, json.JSONDecodeError):
        return XentError("too_deep", where, depth=MAX_DEPTH, src=source)  # json's only other failure: recursion
    why = next((word for start, word in _JSON_WHY if error.msg.startswith(start)), "other")
    pos = min(_traced_back(error.pos, shifts), len(text))
    line, col = text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos)
    near = " ".join(text[max(0, pos - 24) : pos + 1].split())
    return XentError("parse_json." + why, where, line=line, col=col, near=near, src=source)


_BIG_EXPONENT = re.compile(r"[eE]\+?0*[3-9]\d\d")


def _too_large(arr: np.ndarray, text: str, where: str, source: str | None) -> XentError:
    """The first number json read as infinity without its being spelled so (1e400), by its place in the list."""
    value = next(filter(None, map(_overflowing, _BIG_EXPONENT.finditer(text))), None)
    if value is None:  # no large exponent: hundreds of digits
        value = next(filter(None, map(_overflowing, re.finditer(r"\d{309}", text))), "inf")
    if "Infinity" in text or arr.ndim == 0:  # spelled infinities beside it: which one is too large is not known
        return XentError("too_large_somewhere", where, value=value, src=source)
    first = np.argwhere(np.isinf(arr))[0]
    return XentError("too_large", where, loc=tuple(int(i) + 1 for i in first), value=value, src=source)


def _overflowing(m: re.Match) -> str | None:
    """The whole number around a match, clipped, if float64 cannot hold it."""
    text, start, end = m.string, m.start(), m.end()
    while start > 0 and text[start - 1] in "0123456789.+-eE":
        start -= 1
    while end < len(text) and text[end] in "0123456789.eE+-":
        end += 1
    try:
        return _clip(text[start:end]) if math.isinf(float(text[start:end])) else None
    except ValueError:
        return None


_SPELLED = re.compile(r"(?<![\w.])([+-]?)(inf(?:inity)?|nan)(?![\w.])", re.IGNORECASE)


def _json_spelling(m: re.Match) -> str:
    if m.group(2).lower() == "nan":
        return "NaN"
    return ("-" if m.group(1) == "-" else "") + "Infinity"


def _json_numbers(text: str) -> tuple[object, Exception | None]:
    """The JSON value in `text` (C speed, linear), or None and why json could not read it."""
    try:
        return json.loads(text), None
    except (ValueError, RecursionError, OverflowError) as e:
        return None, e


def _from_python(data: object, where: str, source: str | None, exact: bool = False) -> np.ndarray | None:
    """An array from parsed JSON: numpy first; a ragged list is named by _to_array; None if not all numbers
    (with `exact`, what is not a number is named at once instead)."""
    if isinstance(data, bool) or not isinstance(data, (list, int, float)):
        if exact:
            raise _not_number((), data, where, source)
        return None
    try:
        arr = np.array(data)
        if arr.dtype.kind in "iuf" and arr.ndim <= MAX_DEPTH:
            return arr
    except (ValueError, OverflowError):
        pass
    if isinstance(data, list) and _depth(data) <= MAX_DEPTH:
        bad = _first_non_number(data, ())
        if bad is None:
            return _to_array(data, where, source)  # numbers, but ragged (or beyond int64): the precise message
        if exact:
            raise _not_number(*bad, where, source)
    elif exact:
        raise XentError("too_deep", where, depth=MAX_DEPTH, src=source)
    return None


def _not_number(loc: tuple[int, ...], value: object, where: str, source: str | None) -> XentError:
    if isinstance(value, dict):
        return XentError("parse_object", where, src=source)
    return XentError("not_a_number", where, loc=loc, value=_clip(json.dumps(value)), src=source)


def _is_number(x: object) -> bool:
    return isinstance(x, float) or (type(x) is int and -(1 << 63) <= x < 1 << 63)


def _first_non_number(data: list, at: tuple[int, ...]) -> tuple[tuple[int, ...], object] | None:
    """The 1-based place and the value of the first item that is neither a list nor a number, or None."""
    for i, x in enumerate(data, 1):
        if isinstance(x, list):
            found = _first_non_number(x, (*at, i))
            if found is not None:
                return found
        elif not _is_number(x):
            return (*at, i), x
    return None


def _depth(data: list) -> int:
    depth = 0
    while isinstance(data, list):
        depth += 1
        data = data[0] if data else None
    return depth


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
            try:
                num = number(word)
            except OverflowError:
                raise XentError("too_large", where, loc=_loc(path), value=_clip(word), src=source) from None
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


def nested_shape(data: object, where: str) -> tuple[int, ...]:
    """The shape of nested lists; a ragged one raises XentError naming the short row."""
    return _shape(data, where, None, ())


def _describe(shape: tuple[int, ...]) -> str:
    return "a number" if not shape else "(" + ", ".join(map(str, shape)) + ")"


def _flatten(data: object, out: list) -> None:
    if isinstance(data, list):
        for item in data:
            _flatten(item, out)
    else:
        out.append(data)


def _check_separator(text: str, where: str, source: str | None) -> None:
    """A file separated by ';', tabs or spaces is named as such instead of misread."""
    for line_no, line in enumerate(text.splitlines()[:1000], 1):
        if not line.strip():
            continue
        if "," not in line:
            for sep, key in ((";", "csv_semicolons"), ("\t", "csv_tabs"), (None, "csv_spaces")):
                fields = line.split(sep)
                numbers = all(_NUMBER.match(f.strip()) for f in fields)
                if len([f for f in fields if f.strip()]) > 1 and (sep or numbers):  # "my label" is a header
                    raise XentError(key, where, line=line_no, src=source)
        return


_NOT_INT = re.compile(r"[.eEnNiI]")


def _csv_fast(text: str) -> np.ndarray | None:
    """numpy's C reader for a plain CSV of numbers; None (the careful reader decides) for anything else."""
    body = text.lstrip("\ufeff")
    first, _, rest = body.lstrip("\r\n").partition("\n")
    if not any(_NUMBER.match(f.strip()) for f in first.split(",")):
        body = rest  # a line of column names
    if not body.strip() or '"' in body:
        return None
    kind = np.float64 if _NOT_INT.search(body) else np.int64
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # an empty file or a missing value is the careful reader's to name
            arr = np.loadtxt(io.StringIO(body), delimiter=",", dtype=kind, ndmin=2, comments=None)
    except (ValueError, OverflowError, UserWarning):
        return None
    if kind is np.float64 and np.isinf(arr).sum() > body.lower().count("inf"):
        return None  # 1e400 read as inf: the careful reader names it
    return arr[:, 0] if arr.shape[1] == 1 else arr


def parse_csv(text: str, where: str, source: str | None = None) -> np.ndarray:
    """Rows of comma-separated numbers; a first line of column names is skipped."""
    _check_separator(text, where, source)
    fast = _csv_fast(text)
    if fast is not None:
        return fast
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
            try:
                value = number(f)
            except OverflowError:
                raise XentError("csv_too_large", where, line=line_no, col=col, value=_clip(f), src=source) from None
            all_int = all_int and isinstance(value, int)
            row.append(value)
        rows.append(row)
    try:
        arr = np.array(rows, dtype=np.int64 if all_int else np.float64)
    except OverflowError:  # a whole number beyond int64: keep it as a float (and let checks name it)
        arr = np.array(rows, dtype=np.float64)
    return arr[:, 0] if width == 1 else arr
