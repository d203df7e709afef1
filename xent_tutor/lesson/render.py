"""Renderers: a Lesson to Rich tables or Markdown, a Result to JSON or a bare value."""

from __future__ import annotations

import json
import math
import re
from typing import TYPE_CHECKING, Any

import numpy as np

from ..engine.core import Result, Summary
from .text import typeset_minus

if TYPE_CHECKING:
    from rich.console import Console

    from .layout import Lesson

TRUE_STYLE = "bold green"
ASIDE = "▸ "  # marks an aside: an idea behind the stage, with this problem's numbers


def render_rich(lesson: Lesson, console: Console, header: bool = True) -> None:
    """Print the lesson as titled Rich tables, in one write."""
    console.print(rich_group(lesson, header))


def rich_group(lesson: Lesson, header: bool = True) -> Any:
    """The lesson as one Rich renderable: titled tables, formula lines, asides and notes."""
    from rich import box
    from rich.console import Group
    from rich.rule import Rule
    from rich.table import Table
    from rich.text import Text

    parts: list = []
    if header:
        parts += [Rule(Text(lesson.title, style="bold")), Text(lesson.legend, style="dim")]
    for s in lesson.sections:
        if s.title:
            parts += [Text(""), Text(s.title, style="bold cyan")]
        parts += [Text(why, style="italic") for why in s.why]
        if s.header:
            table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
            for i, h in enumerate(s.header):
                table.add_column(h, justify="left" if i in s.left else "right", overflow="fold")
            for row in s.rows:
                table.add_row(*(_cell(c, Text) for c in row))
            if s.more:
                table.add_row(Text(s.more, style="dim"), *[""] * (len(s.header) - 1))
            parts.append(table)
        if s.pre:
            parts += [Text(line, no_wrap=True, overflow="crop") for line in s.lines]
            parts += [Text(line) for line in s.key_lines]
        else:
            parts += [Text(line, style="bold") for line in s.lines]
        parts += [Text(ASIDE + text) for text in s.asides]
    for n in lesson.notes:
        parts += [Text(""), Text("! " + n, style="yellow")]
    return Group(*parts)


def _cell(c, text_cls):
    style = TRUE_STYLE if c.true else ("dim" if c.dim else "")
    return text_cls(c.text, style=style)


def render_markdown(lesson: Lesson) -> str:
    """The same lesson as Markdown: headings, pipe tables, formula lines."""
    out = [f"# {lesson.title}", "", f"_{lesson.legend}_", ""]
    for s in lesson.sections:
        out += [f"## {s.title}", ""]
        out += [typeset_minus(why) for why in s.why]
        out.append("")
        if s.header:
            out.append("| " + " | ".join(_md(h) for h in s.header) + " |")
            out.append("|" + "|".join("---" if i in s.left else "---:" for i in range(len(s.header))) + "|")
            for row in s.rows:
                out.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
            if s.more:
                out.append("| " + s.more + " |" + " |" * (len(s.header) - 1))
            out.append("")
        if s.pre:
            out += ["```", *s.lines, "```", ""]
            out += [x for line in s.key_lines for x in (line, "")]
        else:
            for line in s.lines:
                out += [f"`{line}`", ""]
        for text in s.asides:
            out += [ASIDE + typeset_minus(text), ""]
    for n in lesson.notes:
        out += [f"> {typeset_minus(n)}", ""]
    return "\n".join(out).rstrip() + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*")


def _md_cell(c) -> str:
    return f"**{_md(c.text)}**" if c.true else _md(c.text)


def _clean(x: Any) -> Any:
    """nan and inf become None, so the output is strict JSON."""
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, np.ndarray):
        return _clean(x.tolist())
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(x) else None
    if isinstance(x, np.integer):
        return int(x)
    return x


def to_json(result: Result, summary: Summary | None = None, arrays: bool = True) -> dict[str, Any]:
    """Every stage by name, the per-sample losses and the loss, as JSON-ready values."""
    p = result.problem
    tr = result.trace
    o = p.options
    loss = result.loss
    per_sample = result.per_sample.reshape(p.sample_shape)
    if not arrays:
        per_sample = BIG
        loss = BIG if o.reduction == "none" else loss
    data: dict[str, Any] = {
        "loss": loss,
        "per_sample_loss": per_sample,
        "reduction": o.reduction,
        "numerator": result.numerator,
        "denominator": None if o.reduction == "none" else result.denominator,
        "options": {
            "weight": o.weight,
            "ignore_index": o.ignore_index,
            "label_smoothing": o.label_smoothing,
            "target_kind": "probabilities" if p.soft else "indices",
        },
        "shape": {
            "logits": list(p.logits_shape),
            "classes": p.num_classes,
            "samples": p.num_samples,
        },
        "rows_shown": len(tr.rows),
        "stages": {
            "logits": tr.logits,
            "labels": tr.labels,
            "row_max": tr.row_max,
            "shifted": tr.shifted,
            "exp": tr.exp,
            "row_sum": tr.row_sum,
            "exp_raw": tr.raw_exp,
            "row_sum_raw": tr.raw_sum,
            "softmax": tr.probs,
            "log_softmax": tr.log_probs,
            "target": tr.target,
            "ignored": tr.ignored.tolist(),
            "p_true": tr.p_true,
            "neg_log_p": tr.neg_log_p,
            "sample_weight": tr.sample_weight,
            "loss": tr.loss,
        },
        "notes": [n.key for n in result.notes],
    }
    if result.correct >= 0:
        data["correct"] = result.correct
    if summary is not None:
        data["summary"] = {
            "count": summary.count,
            "mean": summary.mean,
            "median": summary.median,
            "max": summary.maximum,
            "histogram": {"edges": summary.edges, "counts": summary.counts},
            "accuracy": summary.accuracy,
            "top": [
                {
                    "index": item.index,
                    "position": list(p.position(item.index)),
                    "label": item.label,
                    "p_true": item.p_true,
                    "predicted": item.predicted,
                    "loss": item.loss,
                }
                for item in summary.top
            ],
        }
    if len(p.sample_shape) > 1:
        data["stages"]["positions"] = [list(p.position(int(m))) for m in tr.rows]
    return _clean(data)


BIG = "__XENT_PER_SAMPLE__"
GRAD = "__XENT_GRAD__"


def utf8(out: Any) -> bool:
    """Whether a stream takes UTF-8; JSON for any other (PYTHONIOENCODING=ascii) is written as \\u escapes."""
    return (getattr(out, "encoding", None) or "utf-8").lower().replace("-", "").replace("_", "").startswith("utf8")


def write_json(
    result: Result,
    out: Any,
    summary: Summary | None = None,
    grad: bool = False,
    full_grad: np.ndarray | None = None,
) -> None:
    """One strict JSON object; a big per-sample array is streamed instead of built in memory."""
    data = to_json(result, summary, arrays=False)
    if grad:
        data["grad"] = GRAD if full_grad is not None else None
        # A nested list cannot show a zero-length dimension ((0, C) is []): the shape is given beside it.
        data["grad_shape"] = list(full_grad.shape) if full_grad is not None else None
    text = json.dumps(data, ensure_ascii=not utf8(out), allow_nan=False)
    arrays = {BIG: result.per_sample.reshape(result.problem.sample_shape), GRAD: full_grad}
    for piece in re.split("(" + json.dumps(BIG) + "|" + json.dumps(GRAD) + ")", text):
        if piece[1:-1] in arrays:
            _stream_array(arrays[piece[1:-1]], out)
        else:
            out.write(piece)
    out.write("\n")


JSON_BLOCK = 1 << 16  # numbers formatted per call


def _stream_array(a: np.ndarray, out: Any) -> None:
    """A nested JSON list of the array's shape, written in blocks; NaN and inf become null."""
    if a.ndim == 0:
        out.write(json.dumps(_clean(float(a))))
        return
    row = math.prod(a.shape[1:])
    if row > JSON_BLOCK:  # rows too big for one block: each row on its own
        out.write("[")
        for i, sub in enumerate(a):
            out.write("," if i else "")
            _stream_array(sub, out)
        out.write("]")
        return
    out.write("[")
    step = max(1, JSON_BLOCK // max(1, row))
    for start in range(0, len(a), step):
        out.write(("," if start else "") + json_numbers(a[start : start + step]))
    out.write("]")


def json_numbers(block: np.ndarray) -> str:
    """The items of a block as JSON list items, without the outer brackets: nested rows, null for non-finite.

    Every float is written with its shortest round-trip digits, formatted in C (orjson's numpy
    support, about 40 ns a number; the json module's encoder where orjson is missing), so no
    Python code runs per number.
    """
    from ..engine.outputs import array_json

    return array_json(block)[1:-1]


def render_json(result: Result, summary: Summary | None = None, full_grad: np.ndarray | None = None) -> str:
    """One strict JSON object, as a string."""
    import io

    buf = io.StringIO()
    write_json(result, buf, summary, grad=full_grad is not None, full_grad=full_grad)
    return buf.getvalue()


VALUE_BLOCK = 1 << 16


def render_value(result: Result) -> str:
    """The loss at full precision; one line per sample for reduction='none'."""
    import io

    buf = io.StringIO()
    write_value(result, buf)
    return buf.getvalue().removesuffix("\n")


def write_value(result: Result, out: Any) -> None:
    """Write the loss at full precision; for reduction='none', one line per sample, in blocks."""
    loss = result.loss
    if not isinstance(loss, np.ndarray):
        out.write(repr(float(loss)) + "\n")
        return
    flat = loss.reshape(-1)
    for start in range(0, len(flat), VALUE_BLOCK):
        out.write("\n".join(map(repr, flat[start : start + VALUE_BLOCK].astype(np.float64).tolist())) + "\n")
