"""Every sentence xent says, looked up by key in a per-language catalogue."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..errors import XentError

LANGS = ("en", "zh")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")  # Chinese characters
DEFAULT_LANG = "en"
# Control characters (C0, DEL, C1), line and paragraph separators, bidi marks, embeddings, overrides and
# isolates, and lone surrogates (a file name's undecodable bytes): never echoed raw.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


# The same, but a line break (and a tab) kept: for text of several lines.
UNSAFE_INLINE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def escape_inline(chars: str) -> str:
    """Control characters as their Python escapes: ESC as \\x1b, RLO as \\u202e."""
    return chars.encode("unicode_escape", "backslashreplace").decode("ascii")


# ASCII '-' standing for a minus in prose: before a number, ln, Σ, e^, exp or a bracket, or spaced between two
# operands. Never in a word (log-sum-exp), an option and its value (--class-dim -1), Python code
# (logits.movedim(-1, 1)), a range or a path, or inside quotes.
_CODE = re.compile(r"'[^'\n]*'|`[^`\n]*`|(?<![\w-])--[a-z][\w-]*(?: -?[\w.]+)?|\b\w+\.\w+\([^()]*\)")
_UNARY = re.compile(r"(?<![A-Za-z0-9_\-'/.^])-(?=\d|ln\b|Σ|e\^|exp\b|log|\()|(?<=\^)-(?=\d|\()")
_BINARY = re.compile(r"(?<=[\w)\]]) - (?=[\w(\[]|−)")
_PROSE = re.compile(r"[A-Za-z]{2}|[\u3400-\u9fff]")


def typeset_minus(text: str) -> str:
    """Prose and its formulas with one minus sign, U+2212: '-ln p = -0.7030' reads '−ln p = −0.7030'.

    Code keeps its ASCII '-' (quoted text, options), and so do tables of numbers, which are copied."""
    if "-" not in text or not _PROSE.search(text) or re.search(r"\S {2,}\S", text):
        return text
    out, last = [], 0
    for m in _CODE.finditer(text):
        out.append(_BINARY.sub(" − ", _UNARY.sub("−", text[last : m.start()])))
        out.append(m.group())
        last = m.end()
    out.append(_BINARY.sub(" − ", _UNARY.sub("−", text[last:])))
    return "".join(out)


def printable(text: str, limit: int | None = None) -> str:
    """User text made safe to show on one line: control characters as escapes, cut at `limit` chars."""
    if limit is not None and len(text) > limit:
        text = text[:limit] + "…"
    return _UNSAFE.sub(lambda m: escape_inline(m.group()), text)


def printable_lines(text: str) -> str:
    """Text of several lines made safe for a terminal: line breaks and tabs kept, other controls escaped."""
    return UNSAFE_INLINE.sub(lambda m: escape_inline(m.group()), text)


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The key -> text table for `lang`."""
    path = os.path.join(os.path.dirname(__file__), "locales", f"{lang}.json")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def detect_lang(env: dict[str, str] | None = None) -> str:
    """Chinese when LC_ALL / LC_MESSAGES / LANG starts with 'zh' and a zh catalogue exists."""
    env = os.environ if env is None else env
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if value:
            return "zh" if value.lower().startswith("zh") and "zh" in LANGS else DEFAULT_LANG
    return DEFAULT_LANG


def lang_in_args(args: list[str]) -> str | None:
    """The value of --lang on a command line, read before parsing (for --help and early errors)."""
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


_VARIANT: ContextVar[str] = ContextVar("xent_variant", default="")


@contextmanager
def variant(name: str) -> Iterator[None]:
    """Within the block, `t(key)` says `key@name` where the catalogue has it (e.g. "pos": positions, not rows)."""
    token = _VARIANT.set(name)
    try:
        yield
    finally:
        _VARIANT.reset(token)


def t(key: str, lang: str = DEFAULT_LANG, **params: object) -> str:
    """The text for `key` in `lang` (English when missing), with params filled in."""
    table = catalogue(lang)
    if params.get("decimals") == 1 and f"{key}_one" in catalogue(DEFAULT_LANG):  # "1 decimal", not "1 decimals"
        key = f"{key}_one"
    chosen = _VARIANT.get()
    if chosen and f"{key}@{chosen}" in catalogue(DEFAULT_LANG):
        key = f"{key}@{chosen}"
    template = table.get(key) or catalogue(DEFAULT_LANG)[key]
    return template.format(**params) if params else template


def location(value: object, lang: str = DEFAULT_LANG) -> str:
    """'row 2, column 3' for a 1-based position in a nested list."""
    path = tuple(value) if isinstance(value, tuple) else ()
    if len(path) == 2:
        return t("loc.row_col", lang, row=path[0], col=path[1])
    if len(path) == 1:
        return t("loc.item", lang, item=path[0])
    if path:
        return t("loc.path", lang, path=", ".join(str(i - 1) for i in path))
    return t("loc.top", lang)


def sample_at(value: object, lang: str = DEFAULT_LANG) -> str:
    """'row 2' for a batch row (1-based), 'position (0, 3)' for a K-dimensional sample."""
    if isinstance(value, tuple):
        return t("at.pos", lang, pos="(" + ", ".join(map(str, value)) + ")")
    return t("at.row", lang, row=value)


def _params(params: dict[str, object], lang: str) -> dict[str, object]:
    out = {k: printable(v) if isinstance(v, str) else v for k, v in params.items()}
    if "reason_key" in out:  # a reason given as a catalogue key, said in the reader's language
        out["reason"] = t(str(out.pop("reason_key")), lang)
    for k, v in out.items():
        if callable(getattr(v, "words", None)):  # a phrase worded per language (an exercise file's problem)
            out[k] = v.words(lang)
    if "loc" in out:
        out["loc"] = location(out["loc"], lang)
    if "at" in out and not isinstance(out["at"], str):
        out["at"] = sample_at(out["at"], lang)
    if "src" in out:
        out["src"] = t("err.src", lang, src=out["src"]) if out["src"] else ""
    if "why" in out:  # an OSError or a refused file, worded by fileio's catalogue word
        path = str(out.get("path", ""))
        if len(path) > 160:  # a 4,000-byte name stays one readable line: its start and its end
            out["path"] = path[:90] + "…" + path[-60:]
        if "kind" in out:
            out["kind"] = t("io.kind." + str(out["kind"]), lang)
        out["why"] = t("io.why." + str(out["why"]), lang, **out) + str(out.pop("debug", ""))
    if isinstance(out.get("what"), str) and f"progress_what.{out['what']}" in catalogue(DEFAULT_LANG):
        out["what"] = t(f"progress_what.{out['what']}", lang, **{**out, "what": ""})  # what a file holds, in words
    if isinstance(out.get("choices"), list | tuple):
        out["choices"] = either(out["choices"], lang)
    if "classes" not in out and "top" in out:
        out["classes"] = int(out["top"]) + 1  # type: ignore[call-overload]
    return out


def either(items: list | tuple, lang: str = DEFAULT_LANG) -> str:
    """'a, b or c' in English, 'a、b 或 c' in Chinese."""
    items = [printable(str(i)) for i in items]
    if len(items) < 2:
        return "".join(items)
    return t("list.or", lang, rest=t("list.sep", lang).join(items[:-1]), last=items[-1])


def message(err: XentError, lang: str = DEFAULT_LANG, style: str = "cli") -> str:
    """The one line describing an error: which option (or, in the "python" style, argument), what is wrong, where."""
    if err.where and err.where.startswith("$"):  # an environment variable: named as it is spelled
        where = t("err.env", lang, name=err.where[1:])
    elif err.where and style == "python":
        where = t("err.arg", lang, name=err.where)
    else:
        where = t("err.where", lang, opt="--" + err.where.replace("_", "-")) if err.where else ""
    said = where + t(err.key, lang, **_params(err.params, lang))
    if err.params.get("borrowed"):  # --labels without --logits: say whose logits the labels were checked against
        said += t("err.borrowed", lang, id=printable(str(err.params["borrowed"])))
    return said


def note(key: str, params: dict[str, object], lang: str = DEFAULT_LANG) -> str:
    """A note from the core, in words."""
    one = f"note.{key}_one"  # English needs a singular sentence for one sample
    if params.get("n") == 1 and one in catalogue(DEFAULT_LANG):
        key = key + "_one"
    return t("note." + key, lang, **_params(params, lang))
