"""`xent explain`: parse the input and options, compute, and render the lesson or the data."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import XentError
from ..fileio import may_write
from ..terminal import stdin_closed
from .app import app
from .common import (
    FORMATS,
    JSON_ROWS,
    MAX_GRAD_JSON,
    MAX_INPUT_MIB,
    MAX_SHOWN,
    ExercisesOpt,
    LangOpt,
    NoColorOpt,
    WidthOpt,
    check_width,
    current_lang,
    make_console,
    msg,
    say,
    set_lang,
    use_exercises,
)


@app.command()
def explain(
    logits: Annotated[
        str | None,
        typer.Option(help="Logits: a list like '[[1.0, 2.0]]', a .json/.csv/.npy path, or '-'."),
    ] = None,
    labels: Annotated[
        str | None,
        typer.Option(help="Class indices like '[0, 1]', or class probabilities shaped like the logits."),
    ] = None,
    weight: Annotated[str | None, typer.Option(help="Per-class weights, one per class (list, file or '-').")] = None,
    ignore_index: Annotated[int, typer.Option(help="Label value whose samples are left out of the loss.")] = -100,
    label_smoothing: Annotated[float, typer.Option(help="Label smoothing ε, between 0 and 1.")] = 0.0,
    reduction: Annotated[str, typer.Option(help="mean, sum or none.")] = "mean",
    class_dim: Annotated[
        int,
        typer.Option(help="Dimension of the logits that holds the classes (PyTorch: 1; -1 for (N, T, V))."),
    ] = 1,
    exercise: Annotated[
        str | None, typer.Option(help="Explain an exercise: its id (see 'xent exercises') or a file path.")
    ] = None,
    folders: ExercisesOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json, markdown or value.")] = "table",
    precision: Annotated[int, typer.Option(help="Decimals shown (display only).")] = 4,
    rows: Annotated[int | None, typer.Option(help="Samples shown in each stage (default 20; json 1000).")] = None,
    top: Annotated[int, typer.Option(help="Also list the K samples with the highest loss.")] = 0,
    output: Annotated[str | None, typer.Option(help="Write the per-sample losses to a .npy or .csv file.")] = None,
    grad: Annotated[bool, typer.Option("--grad", help="Add the gradient of the loss for every logit.")] = False,
    grad_output: Annotated[
        str | None,
        typer.Option(help="Write the gradient of the loss (the logits' shape and dtype) to a .npy or .csv file."),
    ] = None,
    export: Annotated[
        str | None, typer.Option(help="Also save what is shown as .svg, .html or .txt (for slides and notes).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace existing --output / --grad-output / --export files.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No notes and no progress bar.")] = False,
    threads: Annotated[
        int | None, typer.Option(help="Threads for a big batch (default: XENT_NUM_THREADS, else the usable cores).")
    ] = None,
    max_input: Annotated[
        int, typer.Option(help="Largest JSON/CSV/stdin input read, in MiB (.npy files have no limit).")
    ] = 256,
    brief: Annotated[
        bool, typer.Option("--brief", help="Only the stages: leave out the asides (▸) on the ideas behind them.")
    ] = False,
    lang: LangOpt = None,
    no_color: NoColorOpt = False,
    width: WidthOpt = None,
) -> None:
    """Show how CrossEntropyLoss turns logits into a loss, stage by stage.

    With no input it explains the article's exercise.

    \b
    Example: xent explain --logits '[[2.0, 0.5, -1.0]]' --labels '[0]' --label-smoothing 0.1
    """
    from ..service import ExplainRequest, borrowed_logits, run_explain

    set_lang(lang)
    use_exercises(folders)
    if fmt not in FORMATS:
        raise XentError("bad_format", "format", value=fmt, choices=FORMATS)
    if not 0 <= precision <= 17:
        raise XentError("bad_precision", "precision", value=precision)
    if rows is not None and rows < 1:
        raise XentError("bad_rows", "rows", value=rows)
    if top < 0:
        raise XentError("bad_top", "top", value=top)
    if export is not None and not export.lower().endswith((".svg", ".html", ".txt")):
        raise XentError("export_type", "export", path=export)
    if export is not None and fmt != "table":
        raise XentError("export_format", "export", format=fmt)
    check_width(width)
    from ..engine.batch import MAX_THREADS

    if threads is not None and not 1 <= threads <= MAX_THREADS:
        raise XentError("bad_threads", "threads", value=threads, limit=MAX_THREADS)
    if not 1 <= max_input <= MAX_INPUT_MIB:
        raise XentError("bad_max_input", "max_input", value=max_input, limit=MAX_INPUT_MIB)
    if output is not None and not output.lower().endswith((".npy", ".csv")):
        raise XentError("output_type", "output", path=output)
    if grad_output is not None:
        from ..engine.outputs import check_grad_path

        check_grad_path(grad_output)
        if reduction == "none":
            raise XentError("grad_output_none", "grad_output")
    named = [(path, option) for path, option in ((output, "output"), (grad_output, "grad_output"), (export, "export"))]
    for i, (path, option) in enumerate(named):
        if path is None:
            continue
        may_write(path, option, force)  # refused before any work, not after it
        for other, other_option in named[:i]:
            if other is not None and Path(other).resolve() == Path(path).resolve():
                raise XentError("same_output", option, path=path, other="--" + other_option.replace("_", "-"))
    req = ExplainRequest(
        logits=logits,
        labels=labels,
        weight=weight,
        ignore_index=ignore_index,
        label_smoothing=label_smoothing,
        reduction=reduction,
        exercise=exercise,
        class_dim=class_dim,
        max_input=max_input << 20,
    )
    lesson_view = fmt in ("table", "markdown")
    # value shows no stage and no summary: no work for them; others compute one past the limit to tell.
    shown = 0 if fmt == "value" else min(rows or (JSON_ROWS if fmt == "json" else 20), MAX_SHOWN + 1)
    asked = {"rows": rows or 0, "top": top}
    top = 0 if fmt == "value" else min(top, MAX_SHOWN + 1)
    if threads is None:
        from ..engine.batch import workers

        threads = workers()  # XENT_NUM_THREADS is checked before any input is read
    with _progress_bar(quiet) as progress:
        result = run_explain(
            req,
            None if stdin_closed() else typer.get_binary_stream("stdin"),
            rows=shown,
            argmax=lesson_view,
            top=top,
            threads=threads,
            progress=progress,
            keep_lse=grad_output is not None or (grad and fmt == "json"),
        )
    lang = current_lang()
    if output is not None:
        from ..engine.outputs import write_losses

        write_losses(Path(output), result.per_sample.reshape(result.problem.sample_shape), force)
    if grad_output is not None:
        from ..engine.outputs import write_grad

        write_grad(Path(grad_output), result, force)
    summary = None
    n = result.problem.num_samples
    top = min(top, n)
    for option, value in asked.items():
        if fmt != "value" and min(value, n) > MAX_SHOWN:
            raise XentError("too_many_shown", option, value=min(value, n), samples=n, limit=MAX_SHOWN)
    logits = math.prod(result.problem.logits_shape)
    if fmt == "json" and grad and logits > MAX_GRAD_JSON:  # refused before any note is written
        raise XentError("grad_json_too_big", "grad", logits=logits, limit=MAX_GRAD_JSON)
    if fmt != "value" and (top or (lesson_view and result.problem.num_samples > len(result.trace.rows))):
        from ..engine.core import summarize

        summary = summarize(result, top)
    borrowed = borrowed_logits(req)
    borrowed_line = borrowed and msg("borrowed_logits", lang, id=borrowed, shape=_shape(result.problem.logits_shape))
    if fmt in ("value", "json") and not quiet:
        if borrowed_line:
            say(msg("note_prefix", lang) + borrowed_line)
        _warn_notes(result, lang)
    if grad and result.problem.options.reduction == "none" and not quiet:
        say(msg("note_prefix", lang) + msg("grad_none", lang))
    if fmt == "value":
        from ..lesson.render import write_value

        write_value(result, sys.stdout)
    elif fmt == "json":
        from ..lesson.render import write_json

        full_grad = None
        if grad:
            from ..engine.core import gradient

            full_grad = gradient(result, "float64")  # JSON numbers at float64 precision
        write_json(result, sys.stdout, summary, grad=grad, full_grad=full_grad)
    else:
        from ..service import lesson_for

        console = make_console(width, no_color, record=export is not None)
        lesson = lesson_for(result, lang, console.width, precision=precision, grad=grad, pictures=fmt == "table",
                            brief=brief, quiet=quiet, summary=summary)  # fmt: skip
        if borrowed_line and not quiet:
            lesson.notes.insert(0, borrowed_line)
        if fmt == "markdown":
            from ..lesson.render import render_markdown
            from ..lesson.text import printable_lines

            sys.stdout.write(printable_lines(render_markdown(lesson)))
        else:
            from ..lesson.render import render_rich

            render_rich(lesson, console)
        if export is not None:
            _export(console, export, lang, force)


def _export(console: Any, path: str, lang: str, force: bool = False) -> None:
    """Save exactly what was shown, atomically, as SVG, HTML or text."""
    from ..engine.outputs import write_text

    suffix = path.lower().rsplit(".", 1)[-1]
    title = msg("title", lang)
    if suffix == "svg":
        text = console.export_svg(title=title)
    elif suffix == "html":
        text = console.export_html()
    else:
        text = console.export_text()
    write_text(Path(path), text, "export", force)
    sys.stderr.write(msg("prefix", lang) + msg("export_done", lang, path=path) + "\n")


class _progress_bar:
    """A rich.progress bar on stderr for work that runs past half a second; none off a terminal."""

    def __init__(self, quiet: bool) -> None:
        self.enabled = not quiet and sys.stderr.isatty()
        self.bar: Any = None
        self.task: Any = None
        self.started = 0.0

    def __enter__(self) -> Any:
        import time

        self.started = time.monotonic()
        return self.update if self.enabled else None

    def update(self, done: int, total: int) -> None:
        import time

        if self.bar is None:
            if time.monotonic() - self.started < 0.5 or done >= total:
                return
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(console=Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task("cross-entropy", total=total)
        self.bar.update(self.task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _warn_notes(result: Any, lang: str) -> None:
    from ..lesson.text import note

    for n in result.notes:
        say(msg("note_prefix", lang) + note(n.key, n.params, lang))


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
