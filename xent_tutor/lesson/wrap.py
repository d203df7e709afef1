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

from .text import HAN, UNSAFE_INLINE, escape_inline, printable_lines

# Chinese text around formulas: ideographs, kana, CJK and full-width punctuation.
_CJK = r"\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef“”‘’…—"
# A formula, number or code: a run of other characters between two pieces of Chinese text.
FORMULA = re.compile(rf"[^{_CJK}\s](?:[^{_CJK}\n]*[^{_CJK}\s])?")
NO_START = set("，。、；：？！）》」』】〕”’…,.;:?!)]}%")  # never begins a line
NO_END = set("（《「『【〔“‘([{-−")  # never ends a line (a minus stays with what it negates)
_CLOSE = set("，。、；：？！）》」』】〕”’")


@lru_cache(maxsize=4096)
def _uax14(text: str) -> tuple[int, ...]:
    from uniseg.linebreak import line_break_boundaries  # 80 ms to import: only for Chinese text

    return tuple(line_break_boundaries(text))


@lru_cache(maxsize=4096)
def breaks(text: str, width: int = 0) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """Where a line may start: between words and Chinese characters; inside a formula wider than
    `width` (at its spaces and after ·); inside its brackets; anywhere UAX #14 allows."""
    allowed = set(_uax14(text))
    # After a Chinese comma or full stop a formula may begin the next line (UAX #14 glues "，-ln").
    allowed |= {i for i in range(1, len(text)) if text[i - 1] in _CLOSE and not text[i].isspace()}
    allowed |= {i for i in range(1, len(text)) if text[i - 1] in "·×"}
    allowed = {i for i in allowed if 0 < i < len(text) and text[i] not in NO_START and text[i - 1] not in NO_END}
    # A gloss stays with its word: "hint（提示）" is one piece, never "hint" at a line's end.
    allowed = {i for i in allowed if not (text[i] == "（" and text[i - 1].isascii() and text[i - 1].isalnum())}
    inside, too_wide = set(), set()
    for m in FORMULA.finditer(text):
        span = set(range(m.start() + 1, m.end()))
        inside |= span
        if cell_len(m.group()) > width - 2:  # leave room for punctuation that may not start a line
            too_wide |= span
    depth, nested = 0, set()
    for i, ch in enumerate(text):
        depth = max(0, depth + (ch in "([{") - (ch in ")]}"))
        if depth:
            nested.add(i + 1)
    split = allowed & too_wide
    return (tuple(sorted(allowed - inside)), tuple(sorted(split - nested)), tuple(sorted(split & nested)),
            tuple(sorted(allowed)))  # fmt: skip


def divide(text: str, width: int) -> list[int]:
    """Offsets where each line after the first starts, so no line is wider than `width` cells."""
    between, shallow, deep, anywhere = breaks(text, width)
    tiers = (tuple(sorted(between + shallow)), deep, anywhere)
    offsets: list[int] = []
    start = 0
    while cell_len(text[start:].rstrip()) > width:
        end = next(filter(None, (_last_fit(text, start, tier, width) for tier in tiers)), None)
        if end is None:  # one piece wider than the line: fold, but not before closing punctuation
            end = start + 1
            while cell_len(text[start : end + 1]) <= width:
                end += 1
            while end - 1 > start and text[end] in NO_START:
                end -= 1
        offsets.append(end)
        start = end
    return offsets


def _last_fit(text: str, start: int, candidates: tuple[int, ...], width: int) -> int | None:
    best = None
    for b in candidates:
        if b <= start:
            continue
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
        """Word wrap, breaking Chinese paragraphs only where Chinese typesetting allows."""
        if not HAN.search(self.plain) or no_wrap or self.no_wrap or overflow == "ignore":
            return super().wrap(console, width, justify=justify, overflow=overflow, tab_size=tab_size, no_wrap=no_wrap)
        wrap_justify = justify or self.justify or "default"
        wrap_overflow = overflow or self.overflow or "fold"
        lines = Lines()
        for line in self.split(allow_blank=True):
            if "\t" in line:
                line.expand_tabs(tab_size)
            new_lines = line.divide(divide(line.plain, width))
            for part in new_lines:
                part.rstrip()
            new_lines.justify(console, width, justify=wrap_justify, overflow=wrap_overflow)
            for part in new_lines:
                part.truncate(width, overflow=wrap_overflow)
            lines.extend(new_lines)
        return lines

    def __rich_measure__(self, console: Any, options: Any) -> Measurement:
        """The widest unbreakable piece is the narrowest this text can go."""
        if not HAN.search(self.plain):
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
    """A Rich console on which every text with Chinese in it is wrapped as Chinese prose.

    Text is data here: strings are never read as Rich markup, and control characters (an ESC from a
    title, a C1 CSI, a bidi override) are shown as escapes, never sent to the terminal.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("markup", False)  # no catalogue sentence uses markup; a title's [link=…] is text
        super().__init__(*args, **kwargs)

    def render(self, renderable: Any, options: Any = None) -> Any:
        """Render as Rich does, with plain Text holding Chinese swapped for Prose."""
        if isinstance(renderable, Text):
            renderable = safe_text(renderable)
        if type(renderable) is Text and HAN.search(renderable.plain):
            renderable = Prose.of(renderable)
        return super().render(renderable, options)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        """Strings become Prose when they hold Chinese (so tables measure them right too)."""
        kwargs["markup"] = False
        rendered = super().render_str(printable_lines(text), **kwargs)
        return Prose.of(rendered) if type(rendered) is Text and HAN.search(rendered.plain) else rendered
