"""Parse JSON and remember where every value starts, so a problem can be shown as file:line:column."""

from __future__ import annotations

import json
import re
from json.decoder import scanstring

_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_SPACE = re.compile(r"[ \t\n\r]*")
_WORDS = {"true": True, "false": False, "null": None}

Path = tuple  # a value's place: keys and list indices from the top


class Positions:
    """Where each value (by path) and each object key starts in the text, as (line, column)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.values: dict[Path, int] = {}
        self.keys: dict[Path, int] = {}
        self.duplicates: list[Path] = []

    def at(self, path: Path, key: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of the value at `path` (its key with key=True), else its parent's."""
        table = self.keys if key else self.values
        while path not in table and path:
            path, table = path[:-1], self.values
        return self.line_col(table.get(path, 0))

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        line = self.text.count("\n", 0, offset) + 1
        return line, offset - (self.text.rfind("\n", 0, offset) + 1) + 1


def parse(text: str) -> tuple[object, Positions]:
    """The value and its positions; a syntax error raises json.JSONDecodeError (with line and column)."""
    json.loads(text)  # the standard parser's errors name line and column
    pos = Positions(text)
    value, _ = _value(text, _skip(text, 0), (), pos)
    return value, pos


def _skip(text: str, i: int) -> int:
    return _SPACE.match(text, i).end()


def _value(text: str, i: int, path: Path, pos: Positions) -> tuple[object, int]:
    pos.values[path] = i
    ch = text[i]
    if ch == "{":
        out: dict = {}
        i = _skip(text, i + 1)
        while text[i] != "}":
            key, j = scanstring(text, i + 1)
            if key in out:
                pos.duplicates.append((*path, key))
            pos.keys[(*path, key)] = i
            i = _skip(text, _skip(text, j) + 1)  # past the colon
            out[key], i = _value(text, i, (*path, key), pos)
            i = _skip(text, i)
            if text[i] == ",":
                i = _skip(text, i + 1)
        return out, i + 1
    if ch == "[":
        items: list = []
        i = _skip(text, i + 1)
        while text[i] != "]":
            item, i = _value(text, i, (*path, len(items)), pos)
            items.append(item)
            i = _skip(text, i)
            if text[i] == ",":
                i = _skip(text, i + 1)
        return items, i + 1
    if ch == '"':
        return scanstring(text, i + 1)
    for word, val in _WORDS.items():
        if text.startswith(word, i):
            return val, i + len(word)
    for word, val in (("NaN", float("nan")), ("Infinity", float("inf")), ("-Infinity", float("-inf"))):
        if text.startswith(word, i):
            return val, i + len(word)
    m = _NUMBER.match(text, i)
    s = m.group()
    return (float(s) if any(c in s for c in ".eE") else int(s)), m.end()
