"""The command line: parse options, wire core to renderer, map the domain error to exit 2."""

from __future__ import annotations

import math
import os
import sys
import warnings
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from . import __version__
from .errors import XentError
from .terminal import OutputError, stdin_closed

FORMATS = ("table", "json", "markdown", "value")
EXIT_USAGE = 2


class _Group(TyperGroup):
    """Turns every error into one line on stderr and an honest exit code."""

    def main(self, args: Any = None, prog_name: Any = None, complete_var: Any = None,
             standalone_mode: bool = True, **extra: Any) -> Any:  # fmt: skip
        from .lesson.text import LANGS, lang_in_args
        from .usage import localize

        _LANG.clear()
        wanted = lang_in_args(list(sys.argv[1:] if args is None else args))
        if wanted in LANGS:
            _LANG["lang"] = wanted  # so that --help, read before --lang, is in that language too
        localize(self, _lang())
        _use_exercises(None)
        # numpy's RuntimeWarnings (overflow in exp, 0/0) are PyTorch's answers, explained in notes.
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except XentError as e:
            _fail(_message(e))
            rv = EXIT_USAGE
        except typer.TyperException as e:
            from .usage import usage_error

            _fail(usage_error(e, _lang()))
            rv = getattr(e, "exit_code", EXIT_USAGE)
        except typer.Abort:
            rv = 130
        except OutputError:
            raise  # the entry point reports it once, after the last flush
        except BrokenPipeError:
            rv = 1
        except Exception as e:  # a bug: one line, not a traceback, unless debugging
            if os.environ.get("XENT_DEBUG"):
                raise
            _fail(f"internal error ({type(e).__name__}: {e}); please report it")
            rv = 1
        if not standalone_mode:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)


def _message(e: XentError) -> str:
    from .lesson.text import message

    return message(e, _lang())


def _fail(text: str) -> None:
    from .lesson.text import printable, t

    try:
        sys.stderr.write(t("err.prefix", _lang()) + printable(text) + "\n")
        sys.stderr.flush()
    except (OutputError, OSError):
        pass  # stderr is closed or full: the exit code still tells


def _lang() -> str:
    from .lesson.text import LANGS, detect_lang

    chosen = _LANG.get("lang") or os.environ.get("XENT_LANG")
    return chosen if chosen in LANGS else detect_lang()


app = typer.Typer(
    cls=_Group,
    name="xent",
    help="A terminal tutor for PyTorch's cross-entropy loss, computed stage by stage.",
    epilog="Example: xent explain    (the article's exercise, every stage)",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"xent {__version__}\n")
        raise typer.Exit(0)


LangOpt = Annotated[str | None, typer.Option(help="Language: en or zh (default: from LANG / LC_ALL).")]


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = False,
    lang: LangOpt = None,
) -> None:
    """A terminal tutor for PyTorch's cross-entropy loss, computed stage by stage."""
    _set_lang(lang)  # `xent --lang zh quiz` as well as `xent quiz --lang zh`


NoColorOpt = Annotated[bool, typer.Option("--no-color", help="No colour (NO_COLOR works too).")]
WidthOpt = Annotated[int | None, typer.Option(help="Lay out for this many columns (default: the terminal's).")]
ExercisesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--exercises", metavar="DIR", help="A folder of your own exercises (repeat for more; env XENT_EXERCISES)."
    ),
]


def _use_exercises(folders: list[str] | None) -> None:
    from .practice.exercises import use_folders

    use_folders(folders or ())


MIN_WIDTH, MAX_WIDTH = 40, 1000
JSON_ROWS = 1000  # stage rows in --format json unless --rows says otherwise
MAX_GRAD_JSON = 10_000_000  # logits whose gradient --format json writes (80 MB of float64, streamed)
MAX_SHOWN = 10_000  # --rows and --top: every shown sample is held as text and tables (a JSON row is ~9 kB)


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
    export: Annotated[
        str | None, typer.Option(help="Also save what is shown as .svg, .html or .txt (for slides and notes).")
    ] = None,
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
    from .service import ExplainRequest, run_explain

    _set_lang(lang)
    _use_exercises(folders)
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
    _check_width(width)
    if threads is not None and threads < 1:
        raise XentError("bad_threads", "threads", value=threads)
    if max_input < 1:
        raise XentError("bad_max_input", "max_input", value=max_input)
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
        from .engine.batch import workers

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
        )
    lang = _lang()
    if output is not None:
        from pathlib import Path

        from .engine.outputs import write_losses

        write_losses(Path(output), result.per_sample.reshape(result.problem.sample_shape))
    summary = None
    n = result.problem.num_samples
    top = min(top, n)
    for option, value in asked.items():
        if fmt != "value" and min(value, n) > MAX_SHOWN:
            raise XentError("too_many_shown", option, value=min(value, n), samples=n, limit=MAX_SHOWN)
    if fmt != "value" and (top or (lesson_view and result.problem.num_samples > len(result.trace.rows))):
        from .engine.core import summarize

        summary = summarize(result, top)
    if fmt in ("value", "json") and not quiet:
        _warn_notes(result, lang)
    if grad and result.problem.options.reduction == "none" and not quiet:
        sys.stderr.write(_text("note_prefix", lang) + _text("grad_none", lang) + "\n")
    if fmt == "value":
        from .lesson.render import write_value

        write_value(result, sys.stdout)
    elif fmt == "json":
        from .lesson.render import write_json

        full_grad = None
        logits = math.prod(result.problem.logits_shape)
        if grad and logits > MAX_GRAD_JSON:
            raise XentError("grad_json_too_big", "grad", logits=logits, limit=MAX_GRAD_JSON)
        if grad:
            from .engine.core import gradient

            full_grad = gradient(result)
        write_json(result, sys.stdout, summary, grad=grad, full_grad=full_grad)
    else:
        from .lesson.layout import build, summary_sections

        console = _console(width, no_color, record=export is not None)
        budget = _class_budget(console.width, precision)
        lesson = build(result, precision, lang, budget, grad=grad, pictures=fmt == "table", asides=not brief)
        if class_dim != 1 and len(result.problem.logits_shape) > 1:
            lesson.notes.insert(0, _text("class_dim_note", lang, dim=class_dim))
        if quiet:
            lesson.notes.clear()
        if summary is not None:
            lesson.sections += summary_sections(result, summary, lang, precision)
        if fmt == "markdown":
            from .lesson.render import render_markdown

            sys.stdout.write(render_markdown(lesson))
        else:
            from .lesson.render import render_rich

            render_rich(lesson, console)
        if export is not None:
            _export(console, export, lang)


@app.command()
def play(
    logits: Annotated[str | None, typer.Option(help="Logits: a list like '[[1.0, 2.0]]' or a file.")] = None,
    labels: Annotated[str | None, typer.Option(help="Class indices like '[0, 1]' (one per row).")] = None,
    weight: Annotated[str | None, typer.Option(help="Per-class weights, one per class.")] = None,
    ignore_index: Annotated[int, typer.Option(help="Label value whose samples are left out of the loss.")] = -100,
    label_smoothing: Annotated[float, typer.Option(help="Label smoothing ε, between 0 and 1 (m toggles it).")] = 0.0,
    reduction: Annotated[str, typer.Option(help="mean or sum (r toggles it).")] = "mean",
    exercise: Annotated[str | None, typer.Option(help="Start from a stored exercise (default: the article's).")] = None,
    save_dir: Annotated[str, typer.Option(help="Folder where s saves exercise files.")] = ".",
    lang: LangOpt = None,
    no_color: NoColorOpt = False,
) -> None:
    """Move the logits and watch every stage, the loss and the gradient follow; then train.

    A full-screen app: arrows select a logit, + and - nudge it, g takes a gradient step,
    G trains until Esc, s saves an exercise, e prints the xent explain command on exit, ? shows the keys.

    \b
    Example: xent play --logits '[[2.0, 0.5, -1.0]]' --labels '[0]' --label-smoothing 0.1
    """
    from .service import ExplainRequest, build_problem

    _set_lang(lang)
    lang = _lang()
    req = ExplainRequest(
        logits=logits,
        labels=labels,
        weight=weight,
        ignore_index=ignore_index,
        label_smoothing=label_smoothing,
        reduction=reduction,
        exercise=exercise,
    )
    from .play.state import PlayState
    from .service import DEFAULT_EXERCISE

    problem = build_problem(req, None)  # play reads keys from the terminal, so never logits from stdin
    source = exercise or (_text("play.source_input", lang) if logits is not None else DEFAULT_EXERCISE)
    state = PlayState(problem, source)
    if not (sys.stdout.isatty() and sys.stdin.isatty()):
        raise XentError("play_not_tty", None)
    from pathlib import Path

    if no_color:
        os.environ["NO_COLOR"] = "1"
    from .play.app import PlayApp

    command = PlayApp(state, lang, Path(save_dir)).run()
    if command:
        sys.stdout.write(command + "\n")


def _export(console: Any, path: str, lang: str) -> None:
    """Save exactly what was shown, atomically, as SVG, HTML or text."""
    from pathlib import Path

    from .engine.outputs import write_text

    suffix = path.lower().rsplit(".", 1)[-1]
    title = _text("title", lang)
    if suffix == "svg":
        text = console.export_svg(title=title)
    elif suffix == "html":
        text = console.export_html()
    else:
        text = console.export_text()
    write_text(Path(path), text, "export")
    sys.stderr.write(_text("prefix", lang) + _text("export_done", lang, path=path) + "\n")


def _text(key: str, lang: str, **params: Any) -> str:
    from .lesson.text import t

    return t(key, lang, **params)


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
    from .lesson.text import note

    for n in result.notes:
        sys.stderr.write(_text("note_prefix", lang) + note(n.key, n.params, lang) + "\n")


def _console(width: int | None, no_color: bool = False, record: bool = False) -> Any:
    """A Console per invocation: NO_COLOR, FORCE_COLOR and the terminal width are read now."""
    from .lesson.wrap import Console

    return Console(
        width=width,
        highlight=False,
        soft_wrap=False,
        no_color=no_color or None,
        record=record,
    )


_LANG: dict[str, str] = {}


def _set_lang(lang: str | None) -> None:
    from .lesson.text import LANGS

    if lang is not None:
        if lang not in LANGS:
            raise XentError("bad_lang", "lang", value=lang)
        _LANG["lang"] = lang


def _check_width(width: int | None) -> None:
    if width is not None and not MIN_WIDTH <= width <= MAX_WIDTH:
        raise XentError("bad_width", "width", value=width, low=MIN_WIDTH, high=MAX_WIDTH)


def _class_budget(width: int, precision: int) -> int:
    """How many class columns fit beside the row, label and sum columns."""
    column = max(precision + 5, 9) + 2
    return max(3, (width - 24) // column)


def _progress_path(option: str | None) -> Any:
    from pathlib import Path

    from .practice.progress import ENV_VAR

    chosen = option or os.environ.get(ENV_VAR)
    return Path(chosen) if chosen else Path(typer.get_app_dir("xent")) / "progress.json"


ProgressOpt = Annotated[
    str | None,
    typer.Option("--progress-file", help="Where quiz progress is kept (default: env XENT_PROGRESS_FILE)."),
]


@app.command()
def quiz(
    exercise: Annotated[str | None, typer.Option(help="Practise an exercise: its id or a file path.")] = None,
    folders: ExercisesOpt = None,
    random: Annotated[bool, typer.Option("--random", help="A random problem instead of the learning path.")] = False,
    stage: Annotated[
        str | None, typer.Option(help="Drill one stage on fresh random problems: exp, sum, p, neg_log_p or loss.")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed for a reproducible random problem.")] = None,
    difficulty: Annotated[str | None, typer.Option(help="easy, medium or hard (a random problem).")] = None,
    mode: Annotated[str, typer.Option(help="steps (every stage, the default) or final (the loss only).")] = "steps",
    rounds: Annotated[int | None, typer.Option(help="Problems in a row before the summary (5 for --stage).")] = None,
    answer: Annotated[
        str | None,
        typer.Option(help="Check one answer for the final loss and exit: 0 right, 1 wrong."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json (with --answer).")] = "table",
    progress_file: ProgressOpt = None,
    lang: LangOpt = None,
    no_color: NoColorOpt = False,
    width: WidthOpt = None,
) -> None:
    """Practise: compute each stage yourself; xent checks, names the likely mistake, and lets you try again.

    With no option, the first exercise of the learning path you have not solved.

    \b
    Example: xent quiz --exercise article-exercise --mode final
    Drill:   xent quiz --stage neg_log_p
    Grading: xent quiz --exercise article-exercise --answer '(0.7030+0.6860)/2'
    """
    from .practice import quiz as q
    from .practice.session import choose, grade, run_session

    _set_lang(lang)
    _use_exercises(folders)
    if difficulty is not None and difficulty not in q.DIFFICULTIES:
        raise XentError("bad_difficulty", "difficulty", value=difficulty)
    if mode not in q.MODES:
        raise XentError("bad_mode", "mode", value=mode)
    if rounds is not None and rounds < 1:
        raise XentError("bad_rounds", "rounds", value=rounds)
    if fmt not in ("table", "json"):
        raise XentError("bad_format", "format", value=fmt, choices=("table", "json"))
    if seed is not None and seed < 0:
        raise XentError("bad_seed", "seed", value=seed)
    if seed is not None and exercise is not None:
        raise XentError("seed_and_exercise", "seed")
    _check_width(width)
    if stage is not None:
        if stage not in q.STAGE_NAMES and stage not in q.STAGES:
            raise XentError("bad_stage", "stage", value=stage)
        stage = q.STAGE_NAMES.get(stage, stage)
    lang = _lang()
    if answer is not None:
        if exercise is None and seed is None:
            raise XentError("answer_needs_exercise", "answer")
        raise typer.Exit(grade(exercise, seed, difficulty or "easy", answer, fmt, lang))
    console = _console(width, no_color)
    path = _progress_path(progress_file)
    plan, note = choose(exercise, seed, difficulty, random, stage, rounds, mode, path)
    if note == "path_done":
        console.print(_text("quiz.path_done_random", lang))
    elif note:
        sys.stderr.write(_text("warn_prefix", lang) + note + "\n")
    raise typer.Exit(run_session(console, plan, path, lang))


exercises_app = typer.Typer(
    cls=TyperGroup,
    invoke_without_command=True,
    no_args_is_help=False,
    rich_markup_mode=None,
)
app.add_typer(exercises_app, name="exercises")


@exercises_app.callback()
def exercises(
    ctx: typer.Context,
    folders: ExercisesOpt = None,
    progress_file: ProgressOpt = None,
    lang: LangOpt = None,
    no_color: NoColorOpt = False,
    width: WidthOpt = None,
) -> None:
    """List the learning path (built-in and your own folders' exercises): solved, attempted or not started.

    \b
    Example: xent exercises --exercises ./my-class --lang zh
    Check:   xent exercises check ./my-class
    """
    _set_lang(lang)
    _use_exercises(folders)
    if ctx.invoked_subcommand is not None:
        return
    from .practice.session import list_exercises

    _check_width(width)
    list_exercises(_console(width, no_color), _progress_path(progress_file), _lang())


@exercises_app.command("check")
def exercises_check(
    paths: Annotated[list[str], typer.Argument(metavar="FILE|DIR...", help="Exercise files or folders of them.")],
    lang: LangOpt = None,
) -> None:
    """Validate exercise files and recompute their answers; file:line:column for each problem.

    \b
    Example: xent exercises check ./my-class
    """
    from pathlib import Path

    from .teach.check import check_paths

    _set_lang(lang)
    lang = _lang()
    results = check_paths([Path(p) for p in paths])
    bad = 0
    for name, problems in results:
        for problem in problems:
            sys.stdout.write(problem.text(lang) + "\n")
        if any(p.error for p in problems):
            bad += 1
        elif not problems:
            sys.stdout.write(_text("check.ok", lang, file=name) + "\n")
    if len(results) > 1 or bad:
        files = _text("check.files_one" if len(results) == 1 else "check.files", lang, n=len(results))
        sys.stdout.write(_text("check.summary", lang, files=files, bad=bad) + "\n")
    raise typer.Exit(EXIT_USAGE if bad else 0)


@exercises_app.command("new")
def exercises_new(
    ex_id: Annotated[str, typer.Option("--id", help="The new exercise's id: lower-case letters, digits and '-'.")],
    logits: Annotated[str, typer.Option(help="Logits: a list like '[[1.0, 2.0]]', a .json/.csv/.npy path, or '-'.")],
    labels: Annotated[str, typer.Option(help="Class indices like '[0, 1]', or class probabilities.")],
    weight: Annotated[str | None, typer.Option(help="Per-class weights, one per class.")] = None,
    ignore_index: Annotated[int, typer.Option(help="Label value whose samples are left out of the loss.")] = -100,
    label_smoothing: Annotated[float, typer.Option(help="Label smoothing ε, between 0 and 1.")] = 0.0,
    reduction: Annotated[str, typer.Option(help="mean or sum.")] = "mean",
    title: Annotated[
        str | None, typer.Option(help="Title, in the --lang language (default: generated in every language).")
    ] = None,
    teaches: Annotated[
        str | None, typer.Option(help="One sentence on what it teaches, in the --lang language.")
    ] = None,
    hint: Annotated[list[str] | None, typer.Option(help="A hint in the --lang language (repeat for more).")] = None,
    difficulty: Annotated[
        str | None, typer.Option(help="easy, medium or hard (default: from the options and size).")
    ] = None,
    order: Annotated[int | None, typer.Option(help="Place on the learning path (default: none).")] = None,
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="File or folder to write (default: ./ID.json).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
    lang: LangOpt = None,
) -> None:
    """Write a valid exercise file with the answer and every stage computed; add a title and hints.

    \b
    Example: xent exercises new --id two-rows --logits '[[2.0, 0.5], [0.1, 1.2]]' --labels '[0, 1]'
    """
    import re
    from pathlib import Path

    from .engine.inputs import read_array
    from .practice.exercises import DIFFICULTIES
    from .teach.check import exercise_schema, validate_text
    from .teach.files import dumps, save
    from .teach.new import build

    _set_lang(lang)
    lang = _lang()
    if not re.fullmatch(exercise_schema()["properties"]["id"]["pattern"], ex_id):
        raise XentError("new_bad_id", "id", value=ex_id)
    if reduction not in ("mean", "sum"):
        raise XentError("new_reduction", "reduction", value=reduction)
    if difficulty is not None and difficulty not in DIFFICULTIES:
        raise XentError("bad_difficulty", "difficulty", value=difficulty)
    if order is not None and order < 1:
        raise XentError("new_bad_order", "order", value=order)
    stdin = typer.get_binary_stream("stdin")
    if [logits.strip(), labels.strip(), (weight or "").strip()].count("-") > 1:
        raise XentError("two_stdin", "labels", other="--logits")
    options: dict[str, Any] = {"reduction": reduction}
    if weight is not None:
        options["weight"] = read_array(weight, "weight", stdin).astype(float).tolist()
    if ignore_index != -100:
        options["ignore_index"] = ignore_index
    if label_smoothing:
        options["label_smoothing"] = label_smoothing
    data = build(ex_id, read_array(logits, "logits", stdin), read_array(labels, "labels", stdin), options,
                 title=title, teaches=teaches, hints=hint, lang=lang, difficulty=difficulty, order=order)  # fmt: skip
    path = Path(output or f"{ex_id}.json")
    if path.is_dir() or (output or "").endswith(("/", os.sep)):  # "-o class/" names a folder, even a missing one
        path = path / f"{ex_id}.json"
    text = dumps(data)
    found = validate_text(text, str(path), path.stem)
    problems = [p for p in found if p.error]
    if problems:  # e.g. an id that breaks the schema, or a file name that is not the id
        raise XentError("new_invalid", "id", problem=problems[0].text(lang))
    save(path, text, "output", force)
    sys.stderr.write(_text("new.written", lang, path=str(path), answer=f"{data['answer']:.4f}") + "\n")
    for note in found:  # e.g. one class (the loss is always 0), or your texts in one language only
        sys.stderr.write(note.text(lang) + "\n")


@exercises_app.command("migrate")
def exercises_migrate(
    paths: Annotated[list[str], typer.Argument(metavar="FILE|DIR...", help="Exercise files or folders of them.")],
    lang: LangOpt = None,
) -> None:
    """Rewrite format-1 exercise files as format 2 (atomically; invalid files are left untouched).

    \b
    Example: xent exercises migrate ./my-class
    """
    from pathlib import Path

    from .teach.migrate import migrate_paths

    _set_lang(lang)
    lang = _lang()
    kept = 0
    for outcome in migrate_paths([Path(p) for p in paths]):
        sys.stdout.write(_text("migrate." + outcome.status, lang, file=outcome.path) + "\n")
        for problem in outcome.problems:
            sys.stdout.write("  " + problem.text(lang) + "\n")
        kept += outcome.status == "kept"
    raise typer.Exit(EXIT_USAGE if kept else 0)


@app.command()
def grade(
    file: Annotated[
        str, typer.Argument(metavar="ANSWERS.csv", help="CSV rows student,exercise,answer[,stage]; '-' for stdin.")
    ],
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
    summary: Annotated[
        str | None, typer.Option(help="Also write the per-student and per-exercise summary to this CSV file.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --summary file.")] = False,
    folders: ExercisesOpt = None,
    lang: LangOpt = None,
) -> None:
    """Grade a class's answers in one run: one verdict per row, then a summary per student and exercise.

    The exercise column holds an id, a file path, or seed:N:difficulty (a worksheet's random problem);
    the stage column (optional) is exp, row_sum, p_true, neg_log_p or loss (the default).

    \b
    Example: xent grade answers.csv --format csv > verdicts.csv
    """
    import io
    from pathlib import Path

    from .teach import report
    from .teach.grade import decode, grade_text, summarize

    _set_lang(lang)
    _use_exercises(folders)
    lang = _lang()
    if fmt not in ("table", "csv", "json"):
        raise XentError("bad_format", "format", value=fmt, choices=("table", "csv", "json"))
    try:
        data = typer.get_binary_stream("stdin").read() if file == "-" else Path(file).read_bytes()
    except OSError as e:
        raise XentError("grade_cannot_read", None, path=file, reason=e.strerror or str(e)) from None
    graded = grade_text(decode(data), lang)
    students, exercises, counts = summarize(graded)
    if summary is not None:
        from .teach.files import save

        buf = io.StringIO()
        report.write_summary_csv(buf, students, exercises)
        save(Path(summary), buf.getvalue(), "summary", force)
    out = io.StringIO()
    if fmt == "csv":
        report.write_csv(out, graded)
    elif fmt == "json":
        report.write_json(out, graded, students, exercises, counts)
    else:
        report.write_table(out, graded, students, exercises, counts, lang)
    sys.stdout.write(out.getvalue())
    if fmt != "table":
        sys.stderr.write("xent: " + report.counts_line(counts, lang) + "\n")


@app.command()
def worksheet(
    count: Annotated[int, typer.Option(help="How many random problems (without --exercise).")] = 10,
    difficulty: Annotated[str, typer.Option(help="easy, medium or hard (random problems).")] = "easy",
    seed: Annotated[
        int, typer.Option(help="Seed of the first random problem; the same seed gives the same sheet.")
    ] = 1,
    exercise: Annotated[
        list[str] | None, typer.Option(help="An exercise id, file or folder instead of random problems (repeat).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="markdown or html.")] = "markdown",
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write the sheet to this file (default: stdout).")
    ] = None,
    key: Annotated[
        str | None, typer.Option(help="Write the answer key (every stage, the loss to 4 decimals) to this file.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace existing --output / --key files.")] = False,
    folders: ExercisesOpt = None,
    lang: LangOpt = None,
) -> None:
    """Print a worksheet: numbered problems with room to work, and a separate answer key.

    Each problem is headed by how 'xent grade' names it (an id, a path or seed:N:difficulty).

    \b
    Example: xent worksheet --count 10 --difficulty medium --seed 7 --output sheet.md --key key.md
    """
    from pathlib import Path

    from .practice.quiz import DIFFICULTIES
    from .teach import worksheet as ws
    from .teach.files import save

    _set_lang(lang)
    _use_exercises(folders)
    lang = _lang()
    if fmt not in ws.FORMATS:
        raise XentError("bad_format", "format", value=fmt, choices=ws.FORMATS)
    if difficulty not in DIFFICULTIES:
        raise XentError("bad_difficulty", "difficulty", value=difficulty)
    if not 1 <= count <= ws.MAX_COUNT:
        raise XentError("ws_bad_count", "count", value=count, max=ws.MAX_COUNT)
    if seed < 0:
        raise XentError("ws_bad_seed", "seed", value=seed)
    if output is not None and key is not None and Path(output).resolve() == Path(key).resolve():
        raise XentError("ws_same_file", "key", path=key)
    refs = ws.problem_refs(exercise or [], count, difficulty, seed)
    if not refs:
        raise XentError("ws_no_problems", "exercise")
    items = ws.items(refs, lang)
    if exercise:
        intro = _text("ws.intro_exercises", lang, count=len(items))
    else:
        intro = _text("ws.intro_random", lang, count=count, difficulty=difficulty, seed=seed)
    sheet, answer_key = ws.render(items, fmt, lang, intro)
    for path, option in ((output, "output"), (key, "key")):
        if path is not None and Path(path).exists() and not force:
            raise XentError("file_exists", option, path=path)  # before writing either file
    if key is not None:
        save(Path(key), answer_key, "key", force)
    if output is not None:
        save(Path(output), sheet, "output", force)
        sys.stderr.write(_text("ws.written", lang, path=output) + "\n")
    else:
        sys.stdout.write(sheet)
    if key is not None:
        sys.stderr.write(_text("ws.key_written", lang, path=key) + "\n")


@app.command()
def progress(
    reset: Annotated[bool, typer.Option("--reset", help="Delete the quiz history.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Reset without asking.")] = False,
    progress_file: ProgressOpt = None,
    lang: LangOpt = None,
    no_color: NoColorOpt = False,
    width: WidthOpt = None,
) -> None:
    """Show quiz history: right first try, after retries, revealed, skipped, hinted; --reset starts over.

    \b
    Example: xent progress --reset --yes
    """
    from .practice.session import reset_progress, show_progress

    _set_lang(lang)
    _check_width(width)
    path = _progress_path(progress_file)
    if reset:
        raise typer.Exit(reset_progress(_console(width, no_color), path, yes, _lang()))
    show_progress(_console(width, no_color), path, _lang())


def main() -> None:
    """Console-script entry point."""
    app()
