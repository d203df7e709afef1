"""A small safe calculator for answers: numbers, + - * / ^ **, exp, ln/log, sqrt, e, pi."""

from __future__ import annotations

import ast
import math
import re
import unicodedata

from ..errors import XentError

MAX_LENGTH = 200
MAX_NODES = 200
_FUNCS = {
    "exp": math.exp,
    "ln": math.log,
    "log": math.log,
    "log2": math.log2,
    "log10": math.log10,
    "sqrt": math.sqrt,
}
_CONSTS = {"e": math.e, "pi": math.pi, "π": math.pi}
_BINOPS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: math.pow(a, b),
}
_TRANSLATE = str.maketrans({"−": "-", "×": "*", "·": "*", "÷": "/", "（": "(", "）": ")"})


def normalize(text: str) -> str:
    """Full-width digits, period and brackets (as a Chinese input method types them) read as ASCII."""
    return unicodedata.normalize("NFKC", text).translate(_TRANSLATE)


_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")


def as_typed(text: str) -> str:
    """An answer as people type it, read: a trailing 。 or . dropped, one decimal comma read as a point.

    A comma that is not one unambiguous decimal comma (two commas, or a comma beside a point) is refused
    with the answer written with points: "did you mean 0.6945?".
    """
    src = normalize(text).strip()
    if len(src) > 1 and src[-1] in ".。" and src[-2] not in ".。":
        src = src[:-1].rstrip()
    if "," in src:
        pointed = src.replace(",", ".")
        if src.count(",") == 1 and "." not in src and _DECIMAL_COMMA.search(src):
            return pointed
        if _DECIMAL_COMMA.search(src) and "." not in src:
            try:
                _value(pointed)
            except XentError:
                pass
            else:
                raise XentError("answer_comma", None, value=text, suggestion=pointed)
    return src


def evaluate(text: str) -> float:
    """The value of an arithmetic answer; XentError('bad_expression') for anything else."""
    return _value(as_typed(text), text)


def _value(src: str, text: str | None = None) -> float:
    """The value of normalized arithmetic."""
    text = src if text is None else text
    src = src.replace("^", "**")
    if not src:
        raise XentError("bad_expression", None, value=text, reason_key="arith.empty")
    if len(src) > MAX_LENGTH:
        raise XentError("bad_expression", None, value=text[:20] + "…", reason_key="arith.too_long")
    try:
        tree = ast.parse(src, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise XentError("bad_expression", None, value=text, reason_key="arith.not_arithmetic") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise XentError("bad_expression", None, value=text, reason_key="arith.too_long")
    try:
        value = _eval(tree.body)
    except ZeroDivisionError:
        raise XentError("bad_expression", None, value=text, reason_key="arith.division_by_zero") from None
    except OverflowError:
        raise XentError("bad_expression", None, value=text, reason_key="arith.too_large") from None
    except ValueError:
        raise XentError("bad_expression", None, value=text, reason_key="arith.undefined") from None
    except TypeError:
        raise XentError("bad_expression", None, value=text, reason_key="arith.not_arithmetic") from None
    except RecursionError:
        raise XentError("bad_expression", None, value=text, reason_key="arith.too_deep") from None
    if not math.isfinite(value):
        raise XentError("bad_expression", None, value=text, reason_key="arith.not_finite")
    return value


def _eval(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value)  # floats only: 9**9**9 overflows at once instead of running
    if isinstance(node, ast.Name) and node.id in _CONSTS:
        return _CONSTS[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _eval(node.operand)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return _BINOPS[type(node.op)](_eval(node.left), _eval(node.right))
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCS
        and len(node.args) == 1
        and not node.keywords
    ):
        return _FUNCS[node.func.id](_eval(node.args[0]))
    raise TypeError("not allowed")
