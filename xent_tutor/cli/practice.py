"""The learner's commands: `xent quiz`, the `xent exercises` listing and `xent progress`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from typer.core import TyperGroup

from ..errors import XentError
from ..lesson.text import printable
from .app import app
from .common import (
    ExercisesOpt,
    LangOpt,
    NoColorOpt,
    ProgressOpt,
    WidthOpt,
    check_width,
    current_lang,
    make_console,
    msg,
    progress_path,
    set_lang,
    use_exercises,
)


@app.command()
def quiz(
    exercise: Annotated[str | None, typer.Option(help="Practise an exercise: its id or a file path.")] = None,
    folders: ExercisesOpt = None,
    random: Annotated[bool, typer.Option("--random", help="A random problem instead of the learning path.")] = False,
    stage: Annotated[
        str | None,
        typer.Option(help="Drill one stage on fresh random problems: exp, sum, p, neg_log_p, sample_loss or loss."),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed for a reproducible random problem.")] = None,
    difficulty: Annotated[str | None, typer.Option(help="easy, medium or hard (a random problem).")] = None,
    mode: Annotated[str, typer.Option(help="steps (every stage, the default) or final (the loss only).")] = "steps",
    rounds: Annotated[
        int | None, typer.Option(help="Problems in a row before the summary (5 for --stage and --review; at most 100).")
    ] = None,
    review: Annotated[
        bool,
        typer.Option(
            "--review",
            help="Drill the stages you missed on fresh random problems, the most recently missed most often.",
        ),
    ] = False,
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
    Review:  xent quiz --review
    Grading: xent quiz --exercise article-exercise --answer '(0.7030+0.6860)/2'
    """
    from ..practice import quiz as q
    from ..practice.session import MAX_ROUNDS, choose, grade, run_session

    set_lang(lang)
    use_exercises(folders)
    if difficulty is not None and difficulty not in q.DIFFICULTIES:
        raise XentError("bad_difficulty", "difficulty", value=difficulty)
    if mode not in q.MODES:
        raise XentError("bad_mode", "mode", value=mode)
    if rounds is not None and not 1 <= rounds <= MAX_ROUNDS:
        raise XentError("bad_rounds", "rounds", value=rounds, limit=MAX_ROUNDS)
    if fmt not in ("table", "json"):
        raise XentError("bad_format", "format", value=fmt, choices=("table", "json"))
    if seed is not None and seed < 0:
        raise XentError("bad_seed", "seed", value=seed)
    if seed is not None and exercise is not None:
        raise XentError("seed_and_exercise", "seed")
    check_width(width)
    if review:
        given = (("--exercise", exercise), ("--stage", stage), ("--answer", answer), ("--random", random or None),
                 ("--mode", None if mode == "steps" else mode))  # fmt: skip
        clash = next((name for name, value in given if value is not None), None)
        if clash:
            raise XentError("review_and_other", "review", option=clash)
    if stage is not None:
        if stage not in q.STAGE_NAMES and stage not in q.STAGES:
            raise XentError("bad_stage", "stage", value=stage)
        stage = q.STAGE_NAMES.get(stage, stage)
    lang = current_lang()
    if answer is not None:
        if exercise is None and seed is None:
            raise XentError("answer_needs_exercise", "answer")
        raise typer.Exit(grade(exercise, seed, difficulty or "easy", answer, fmt, lang))
    console = make_console(width, no_color)
    path = progress_path(progress_file)
    plan, note = choose(exercise, seed, difficulty, random, stage, rounds, mode, path, review_due=review)
    if note == "path_done":
        console.print(msg("quiz.path_done_random", lang))
    elif note:
        sys.stderr.write(msg("warn_prefix", lang) + printable(note) + "\n")
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
    set_lang(lang)
    use_exercises(folders)
    if ctx.invoked_subcommand is not None:
        return
    from ..practice.session import list_exercises

    check_width(width)
    list_exercises(make_console(width, no_color), progress_path(progress_file), current_lang())


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
    from ..practice.session import reset_progress, show_progress

    set_lang(lang)
    check_width(width)
    path = progress_path(progress_file)
    if reset:
        raise typer.Exit(reset_progress(make_console(width, no_color), path, yes, current_lang()))
    show_progress(make_console(width, no_color), path, current_lang())
