"""The one precision rule: how a numeric answer is judged, and how numbers are printed so equations hold.

Every check in xent (the quiz, `xent quiz --answer`, `xent grade`, a worksheet's tolerance) calls `judge`:

    judge(value, text, exact, decimals, sources) -> Judgement

An answer is RIGHT when it is within one unit of the last asked decimal of the exact value (written with
fewer decimals than asked, only when it is the asked rounding with trailing zeros dropped); RIGHT_FROM
("right, from your numbers") when it is that close to the value that follows exactly from numbers the
learner typed or was shown earlier (a `Source`); SHORT when it is a right value written with fewer
decimals than asked (a try, and the digits are not given away); CLOSE when it is near (1 % or ten units)
but none of these; WRONG otherwise. `asked_decimals` says how many decimals a value is asked with:
4, or 4 significant figures for a small value that a later step divides by or takes the log of.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

DECIMALS = 4  # every answer: at least 4 decimals
SIG = 4  # a small value that is divided by or logged: 4 significant figures
MAX_DECIMALS = 12  # past this a value is written in scientific notation
SLACK = 1e-9  # float noise on a boundary (relative to the unit)
CLOSE_REL = 0.01  # "close": within 1 % ...
CLOSE_UNITS = 10  # ... or ten units of the last asked decimal

RIGHT = "right"
RIGHT_FROM = "right_from"
SHORT = "short"
CLOSE = "close"
WRONG = "wrong"
OUTCOMES = (RIGHT, RIGHT_FROM, SHORT, CLOSE, WRONG)


def asked_decimals(value: float, small_matters: bool = False) -> int:
    """Decimals asked for a value: 4, or 4 significant figures when small and later divided by or logged."""
    if not small_matters or not math.isfinite(value) or value == 0:
        return DECIMALS
    return max(DECIMALS, SIG - 1 - math.floor(math.log10(abs(value))))


def unit(decimals: int) -> float:
    """One unit of the last decimal."""
    return 10.0**-decimals


def fmt(value: float, decimals: int = DECIMALS) -> str:
    """A value written with `decimals` decimals (scientific past MAX_DECIMALS); -0 written as 0."""
    if not math.isfinite(value):
        return str(value)
    if decimals > MAX_DECIMALS:
        exp = math.floor(math.log10(abs(value))) if value else 0
        return f"{value:.{max(SIG - 1, decimals + exp)}e}"
    out = f"{value:.{decimals}f}"
    return out[1:] if out.startswith("-") and float(out) == 0 else out


def fmt_asked(value: float, small_matters: bool = False) -> str:
    """A value at the precision the quiz asks for it."""
    return fmt(value, asked_decimals(value, small_matters))


_NUMBER = re.compile(r"^[+-]?(\d*)\.?(\d*)(?:[eE]([+-]?\d+))?$")


def written_decimals(text: str | None) -> int | None:
    """The decimals a plain number was written with (mantissa decimals minus exponent); None for arithmetic."""
    if text is None:
        return None
    from ..errors import XentError
    from .arith import as_typed

    try:
        src = as_typed(text)
    except XentError:
        return None
    m = _NUMBER.match(src)
    if not m or not (m.group(1) or m.group(2)):
        return None
    return len(m.group(2)) - int(m.group(3) or 0)


def half_up(value: float, decimals: int) -> float:
    """A value rounded as by hand (half up) from its shortest decimal writing."""
    try:
        q = Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return round(value, decimals)
    return float(q)


@dataclass(frozen=True)
class Source:
    """A value that follows exactly from numbers the learner typed or was shown, and those numbers."""

    value: float
    numbers: tuple[tuple[str, str], ...]  # (symbol, the number as typed or shown), e.g. (("p", "0.0025"),)
    typed: bool = False  # at least one of the numbers is the learner's own
    equation: str = ""  # the step's formula written with those numbers (holds as printed)


@dataclass(frozen=True)
class Judgement:
    """The verdict on one numeric answer under the precision rule."""

    outcome: str  # one of OUTCOMES
    value: float
    exact: float
    decimals: int  # decimals asked
    source: Source | None = None  # RIGHT_FROM: the numbers it follows from
    given: int | None = None  # SHORT: decimals the answer was written with
    how: str = ""  # SHORT: "rounded" or "cut"
    off: float = field(default=0.0)  # |value - exact|

    @property
    def right(self) -> bool:
        """Counted right (exact to the asked precision, or from the learner's own numbers)."""
        return self.outcome in (RIGHT, RIGHT_FROM)


def _near(a: float, b: float, decimals: int) -> bool:
    u = unit(decimals)
    return abs(a - b) <= u * (1 + 1e-6) + SLACK * max(1.0, abs(b)) * 1e-3


def _same(value: float, x: float, decimals: int) -> bool:
    eps = unit(decimals) * 1e-6
    return abs(value - half_up(x, decimals)) <= eps or abs(value - round(x, decimals)) <= eps


def judge(value: float, text: str | None, exact: float, decimals: int, sources: Sequence[Source] = ()) -> Judgement:
    """Right, right from the learner's own numbers, short (fewer decimals than asked), close, or wrong."""
    off = abs(value - exact)
    given = written_decimals(text)
    short = given is not None and given < decimals

    def near(x: float) -> bool:
        # Fewer decimals than asked is right only as the asked rounding with its trailing zeros dropped.
        if short:
            return _same(value, x, decimals)
        return _near(value, x, decimals)

    if near(exact):
        return Judgement(RIGHT, value, exact, decimals, off=off)
    matches = [s for s in sources if math.isfinite(s.value) and near(s.value)]
    if matches:
        best = min(matches, key=lambda s: (not s.typed, abs(value - s.value)))
        return Judgement(RIGHT_FROM, value, exact, decimals, best, off=off)
    if given is not None and 1 <= given < decimals:  # a whole number is as likely a guess
        targets = [exact, *(s.value for s in sources if math.isfinite(s.value))]
        eps = unit(given) * 1e-6
        for x in targets:
            if abs(value - half_up(x, given)) <= eps or abs(value - round(x, given)) <= eps:
                return Judgement(SHORT, value, exact, decimals, given=given, how="rounded", off=off)
        for x in targets if given >= 2 else ():
            if abs(value - math.trunc(x * 10**given) / 10**given) <= eps:
                return Judgement(SHORT, value, exact, decimals, given=given, how="cut", off=off)
    if off <= max(CLOSE_REL * abs(exact), CLOSE_UNITS * unit(decimals)):
        return Judgement(CLOSE, value, exact, decimals, off=off)
    return Judgement(WRONG, value, exact, decimals, off=off)


def fit(
    items: Sequence[str | tuple[float, int]],
    fn: Callable[[Sequence[float]], float],
    result: float,
    result_decimals: int,
) -> list[str]:
    """Inputs written so that fn(the inputs as printed) rounds to `result` at `result_decimals`.

    An item is a fixed text (a given number, the learner's own) or (value, decimals): such values get
    one more decimal at a time, all together, until the equation holds to its last printed digit.
    """
    want = fmt(result, result_decimals)
    extra = 0
    while True:
        texts = [x if isinstance(x, str) else fmt(x[0], x[1] + extra) for x in items]
        try:
            got = fn([float(x) for x in texts])
        except (ValueError, ZeroDivisionError, OverflowError):
            got = math.nan
        if fmt(got, result_decimals) == want or all(isinstance(x, str) for x in items):
            return texts
        if extra >= 8:  # no number of digits makes it hold (a fixed input is off): write them as asked
            return [x if isinstance(x, str) else fmt(x[0], x[1]) for x in items]
        extra += 1


def _given(x: float) -> str:
    """A given number (logit, weight) as the problem states it, without trailing zeros."""
    return f"{x:.6f}".rstrip("0").rstrip(".") if abs(x) < 1e6 else repr(x)
