"""Line breaking for Chinese paragraphs: UAX #14 (uniseg), kept away from formulas, fed to Rich."""

from __future__ import annotations

import itertools
import re
from functools import lru_cache
from typing import Any

from rich.cells import cell_len
from rich.console import Console as RichConsole
from rich.containers import Lines
from rich.measure import Measurement
from rich.text import Text

from .text import HAN, UNSAFE_INLINE, escape_inline, printable_lines, typeset_minus

# Chinese text around formulas: ideographs, kana, CJK and full-width punctuation.
_CJK = r"\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef“”‘’…—"
# A formula, number or code: a run of other characters between two pieces of Chinese text.
FORMULA = re.compile(rf"[^{_CJK}\s](?:[^{_CJK}\n]*[^{_CJK}\s])?")
CJK = re.compile(
    r"[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]"
)  # Chinese text (not … — “ ”, which English uses too)
_TAIL = re.compile(f"[^{_CJK}]*$")
NO_START = set("，。、；：？！）》」』】〕”’…,.;:?!)]}%")  # never begins a line
NO_END = set("（《「『【〔“‘([{-−")  # never ends a line (a minus stays with what it negates)
_CLOSE = set("，。、；：？！）》」』】〕”’")


@lru_cache(maxsize=4096)
def _uax14(text: str) -> tuple[int, ...]:
    from uniseg.linebreak import line_break_boundaries  # 80 ms to import: only for Chinese text

    return tuple(line_break_boundaries(text))


# Formula words: a function glued to its argument, relations a line may end after, operators it may start with.
_FUNC = re.compile(r"[−-]?(?:ln|log|log2|log10|exp|sqrt|sigmoid|Σ(?:_\w+)?)|.*\be\^")
_RELATION = ("=", "≈", "←", "→", "≤", "≥", "<", ">")
_OPERATOR = set("+−-·×")
_OPERATOR_SPACED = re.compile(r" [=≈+−·×/-] ")
_NUMBER = re.compile(r"[−+-]?\d[\d.,]*%?")
_MATH = re.compile(r"[−+-]?(?:\d[\d.]*|[A-Za-zεΣσ∂Δ](?:_\w+|\[\w+\])?|ln|log\d*|exp|sqrt|max|min|e\^\S*)[.,;]?"
                   r"|[=≈←→≤≥<>+−·×/^*|‖-]|.*[()\[\]^·_=/∂Σ].*")  # fmt: skip
_WORD = re.compile(r"[A-Za-z]{3,}")
_MATH_WORDS = {"ln", "log", "log2", "log10", "exp", "sqrt", "max", "min", "sigmoid", "softmax", "inf", "nan", "NaN",
               "mean", "sum", "none"}  # fmt: skip
_ORDINAL = {"row", "rows", "class", "step", "seed", "line", "column", "problem", "exercise", "item", "sample"}
_QUOTE = re.compile(r"(?<![A-Za-z0-9])'[^'\n]*'(?![A-Za-z0-9])|`[^`\n]*`")


def _is_math(token: str) -> bool:
    """A token of a formula: a number, a symbol, an operator, or anything with brackets, ^, _ or ·."""
    core = token.rstrip("，。；,.;")
    if not core or HAN.search(core):
        return False
    words = [w for w in _WORD.findall(core) if w not in _MATH_WORDS]
    return not words and bool(_MATH.fullmatch(core))


def _glue(left: str, right: str, chinese: bool) -> str:
    """How a break between two space-separated tokens reads: 'no' (never), 'formula' (inside one) or 'ok'."""
    if _FUNC.fullmatch(left) or (left in _OPERATOR and not right.startswith(_RELATION)):
        return "no"  # ln | p, exp | (z), Σ | e^z; a − | b (a formula breaks before its operator)
    if _NUMBER.fullmatch(left) and (HAN.match(right) or (not chinese and right[:1].isalpha())):
        return "no"  # 3 | 步, 2 | samples
    if _NUMBER.match(right) and (HAN.search(left[-1:]) or (not chinese and left.lower() in _ORDINAL)):
        return "no"  # 第 | 1, 种子 | 3, row | 2
    if (left.endswith(_RELATION) and left.rstrip("=≈←→≤≥<>") == "") or left.endswith((",", ";")):
        return "formula"  # a formula may break after = (or a list after a comma) ...
    if right[:1] in _OPERATOR and (len(right) == 1 or right[0] == "·") and left[-1:] not in _OPERATOR:
        return "formula"  # ... or before a top-level + − ·
    if _is_math(left) and _is_math(right):
        return "no" if left[-1:] in _OPERATOR or right[:1] in "=/" or left[-1:] == "/" else "inner"
    return "ok"


def _units(text: str) -> list[tuple[int, int]]:
    """Formulas, numbers and code that stay whole when they fit: non-Chinese runs in Chinese text, runs of
    formula tokens in English."""
    if CJK.search(text):
        return [m.span() for m in FORMULA.finditer(text)]
    spans: list[tuple[int, int]] = []
    for m in re.finditer(r"\S+", text):
        if _is_math(m.group()):
            if spans and spans[-1][1] == m.start() - 1 and _is_math(text[spans[-1][0] : spans[-1][1]].split()[-1]):
                spans[-1] = (spans[-1][0], m.end())
            else:
                spans.append(m.span())
    return [(a, b) for a, b in spans if " " in text[a:b]]


def _brackets(text: str) -> set[int]:
    """Positions inside a formula's brackets (in English, brackets around prose may break)."""
    inside: set[int] = set()
    stack: list[int] = []
    chinese = bool(CJK.search(text))
    for i, ch in enumerate(text):
        if ch in "([{":
            stack.append(i)
        elif ch in ")]}" and stack:
            a = stack.pop()
            body = text[a + 1 : i]
            prose = not chinese and any(w not in _MATH_WORDS for w in _WORD.findall(body))
            if not prose:
                inside |= set(range(a + 1, i + 1))
    return inside


@lru_cache(maxsize=4096)
def breaks(text: str, width: int = 0) -> tuple[tuple[int, ...], ...]:
    """Where a line may start, best first: between words and Chinese characters; inside a formula wider
    than `width` after = or before a top-level + − ·, then before a top-level / or ×; inside its brackets
    at the same places; anywhere else UAX #14 allows but the rules never forbid."""
    chinese = bool(CJK.search(text))
    allowed = set(_uax14(text)) if chinese else {i for i in range(1, len(text)) if text[i - 1] == " " != text[i]}
    # After a Chinese comma or full stop a formula may begin the next line (UAX #14 glues "，-ln").
    allowed |= {i for i in range(1, len(text)) if text[i - 1] in _CLOSE and not text[i].isspace()}
    allowed |= {i for i in range(1, len(text)) if text[i] == "·" and text[i - 1] not in " ·"}  # before a ·
    allowed = {i for i in allowed if 0 < i < len(text) and text[i] not in NO_START and text[i - 1] not in NO_END}
    # A gloss stays with its word: "hint（提示）" is one piece, never "hint" at a line's end.
    allowed = {i for i in allowed if not (text[i] == "（" and text[i - 1].isascii() and text[i - 1].isalnum())}
    never: set[int] = set()
    formula: set[int] = set()
    slash: set[int] = set()
    for i in allowed:
        spaced = text[i + 1 : i + 2] == " " or text[i - 2 : i - 1] == " "  # a / in a formula, not in a path
        if text[i] == "=" or text[i - 1] in "·×" or ((text[i] == "/" or text[i - 1] == "/") and spaced):
            never.add(i)  # a formula breaks after =, never before it; before an operator, never after it
        elif text[i - 1] == " " or text[i] == "·":
            left = text[:i].split()[-1] if text[:i].strip() else ""
            left = _TAIL.search(left).group() or left[-1:]  # "答案，0" ends in the number 0
            right = text[i:].split()[0] if text[i:].strip() else ""
            kind = _glue(left, right, chinese) if left and right else "ok"
            if kind == "no":
                never.add(i)
            elif kind == "formula":
                formula.add(i)
            elif text[i] == "·":
                slash.add(i)  # before a ·: allowed, but + and − read better
            elif kind == "inner":
                never.add(i)
        elif text[i - 1].isdigit() and HAN.match(text[i]):
            never.add(i)  # 3次
    for i in range(1, len(text) - 1):
        if text[i] in "/×" and text[i - 1] == " " == text[i + 1]:
            slash.add(i)  # before a / or ×: better than inside a bracket
    quoted = {i for m in _QUOTE.finditer(text) for i in range(m.start() + 1, m.end())}
    nested = _brackets(text) | quoted
    inside, too_wide = set(), set()
    for a, b in _units(text):
        span = set(range(a + 1, b))
        inside |= span
        if cell_len(text[a:b]) > width - 2:  # leave room for punctuation that may not start a line
            too_wide |= span
    between = allowed - inside - never - nested
    shallow = (formula & too_wide) - nested
    shallower = (slash & too_wide) - nested
    deep = (formula & too_wide & nested) - quoted
    deeper = (slash & too_wide & nested) - quoted
    anywhere = allowed - never
    return tuple(tuple(sorted(x)) for x in (between, shallow, shallower, deep, deeper, anywhere))


def wide_formulas(text: str, width: int) -> list[tuple[int, int]]:
    """The formulas too wide for a line: each goes on its own lines, the ones after its first indented.
    (A path or a long name is not a formula: it is only folded where it must be.)"""
    return [(a, b) for a, b in _units(text) if cell_len(text[a:b]) > width - 2 and _OPERATOR_SPACED.search(text[a:b])]


def layout(text: str, width: int, indent: int = 2) -> list[tuple[int, bool]]:
    """Where each line after the first starts, and whether it is indented: a formula too wide for a line
    starts a line of its own and all its lines are indented; the text after it starts a new line."""
    between, shallow, shallower, deep, deeper, anywhere = breaks(text, width - indent)
    wide = [(a, b) for a, b in wide_formulas(text, width - indent) if a > 0]
    # A formula starts its own line, unless it goes on from Chinese words before it (损失 = …).
    forced = sorted({a for a, _ in wide if text[a] not in "=≈←→"} | {_after(text, b) for _, b in wide} - {len(text)})
    tiers = (tuple(sorted(set(between) | set(shallow))), shallower, deep, deeper, anywhere)
    out: list[tuple[int, bool]] = []
    start, indented = 0, False
    while start < len(text):
        room = width - (indent if indented else 0)
        limit = next((a for a in forced if a > start and text[start:a].strip()), len(text))
        if cell_len(text[start:limit].rstrip()) <= room:
            if limit == len(text):
                return out
            end = limit
        else:
            end = next(filter(None, (_last_fit(text, start, tier, room, limit) for tier in tiers)), None)
            if end is None:  # one piece wider than the line: fold, but not before closing punctuation
                end = start + 1
                while end < limit and cell_len(text[start : end + 1]) <= room:
                    end += 1
                while end - 1 > start and text[end] in NO_START:
                    end -= 1
        indented = indent > 0 and any(a <= end < b for a, b in wide)
        out.append((end, indented))
        start = end
    return out


def _after(text: str, end: int) -> int:
    """Where the text after a formula starts: past the punctuation and spaces that close it."""
    while end < len(text) and (text[end] in NO_START or text[end] == " "):
        end += 1
    return end


def divide(text: str, width: int) -> list[int]:
    """Offsets where each line after the first starts, so no line is wider than `width` cells."""
    return [end for end, _ in layout(text, width, indent=0)]


def _last_fit(text: str, start: int, candidates: tuple[int, ...], width: int, limit: int) -> int | None:
    best = None
    for b in candidates:
        if b <= start:
            continue
        if b > limit:
            break
        if cell_len(text[start:b].rstrip()) > width:
            break
        best = b
    return best


class Prose(Text):
    """Rich text that wraps Chinese by the rules above and everything else as Rich does."""

    @classmethod
    def of(cls, text: Text) -> Prose:
        """The same text, styles and settings, wrapped as prose."""
        prose = cls(text.plain, style=text.style, justify=text.justify, overflow=text.overflow,
                    no_wrap=text.no_wrap, end=text.end, tab_size=text.tab_size)  # fmt: skip
        prose.spans = list(text.spans)
        return prose

    def wrap(self, console: Any, width: int, *, justify: Any = None, overflow: Any = None,
             tab_size: int = 8, no_wrap: bool | None = None) -> Lines:  # fmt: skip
        """Word wrap, breaking Chinese only where Chinese typesetting allows and a formula only after = or
        before a top-level + − ·; a number keeps its measure word, ln its argument."""
        plain = self.plain
        fits = "\n" not in plain and cell_len(plain) <= width
        if fits or no_wrap or self.no_wrap or overflow == "ignore" or not (CJK.search(plain) or " " in plain):
            return super().wrap(console, width, justify=justify, overflow=overflow, tab_size=tab_size, no_wrap=no_wrap)
        wrap_justify = justify or self.justify or "default"
        wrap_overflow = overflow or self.overflow or "fold"
        lines = Lines()
        for line in self.split(allow_blank=True):
            if "\t" in line:
                line.expand_tabs(tab_size)
            cuts = layout(line.plain, width, indent=2 if width >= 30 else 0)  # a narrow cell has no room to indent
            new_lines = line.divide([end for end, _ in cuts])
            for part in new_lines:
                part.rstrip()
            for i, (_, indented) in enumerate(cuts, start=1):
                if indented:
                    new_lines[i] = Text("  ", style=new_lines[i].style) + new_lines[i]
            new_lines.justify(console, width, justify=wrap_justify, overflow=wrap_overflow)
            for part in new_lines:
                part.truncate(width, overflow=wrap_overflow)
            lines.extend(new_lines)
        return lines

    def __rich_measure__(self, console: Any, options: Any) -> Measurement:
        """The widest unbreakable piece is the narrowest this text can go."""
        if not CJK.search(self.plain):
            return super().__rich_measure__(console, options)
        widest = narrowest = 0
        for line in self.plain.splitlines():
            widest = max(widest, cell_len(line))
            cuts = (0, *breaks(line)[0], len(line))
            narrowest = max([narrowest, *(cell_len(line[a:b].strip()) for a, b in itertools.pairwise(cuts))])
        return Measurement(narrowest, widest)


def safe_text(text: Text) -> Text:
    """The same Text (styles kept) with every terminal control character shown as an escape, lines kept."""
    found = list(UNSAFE_INLINE.finditer(text.plain))
    if not found:
        return text
    out = text.copy()
    for m in reversed(found):  # slicing keeps the spans of what is around each escape
        out = out[: m.start()] + Text(escape_inline(m.group())) + out[m.end() :]
    return out


class Console(RichConsole):
    """A Rich console on which every text is wrapped as prose with formulas (Chinese by Chinese rules).

    Text is data here: strings are never read as Rich markup, and control characters (an ESC from a
    title, a C1 CSI, a bidi override) are shown as escapes, never sent to the terminal.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("markup", False)  # no catalogue sentence uses markup; a title's [link=…] is text
        super().__init__(*args, **kwargs)

    def render(self, renderable: Any, options: Any = None) -> Any:
        """Render as Rich does, with plain Text swapped for Prose and one minus sign in prose."""
        if isinstance(renderable, Text):
            renderable = safe_text(renderable)
            if not renderable.no_wrap:
                _typeset(renderable)
                if type(renderable) is Text:
                    renderable = Prose.of(renderable)
        return super().render(renderable, options)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        """Strings become Prose (so tables measure Chinese right too), with one minus sign in prose."""
        kwargs["markup"] = False
        rendered = super().render_str(printable_lines(text), **kwargs)
        if type(rendered) is Text and not rendered.no_wrap:
            _typeset(rendered)
            return Prose.of(rendered)
        return rendered


def _typeset(text: Text) -> None:
    """ASCII minus signs in prose become U+2212, in place (same length: the styles stay where they were)."""
    plain = text.plain
    typeset = typeset_minus(plain)
    if typeset != plain:
        text.plain = typeset
