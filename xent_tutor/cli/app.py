"""The `xent` application: its root options; each capability's module adds its commands."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from .. import __version__
from .common import Group, LangOpt, current_lang, make_console, msg, progress_path, set_lang

app = typer.Typer(
    cls=Group,
    name="xent",
    help="A terminal tutor for PyTorch's cross-entropy loss, computed stage by stage.",
    epilog="Example: xent explain    (the article's exercise, every stage)",
    no_args_is_help=False,
    invoke_without_command=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"xent {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = False,
    lang: LangOpt = None,
) -> None:
    """A terminal tutor for PyTorch's cross-entropy loss, computed stage by stage."""
    set_lang(lang)  # `xent --lang zh quiz` as well as `xent quiz --lang zh`
    if ctx.invoked_subcommand is None:
        _welcome()


def _welcome() -> None:
    """What a newcomer who types `xent` alone sees: what xent is, the three ways in, where help is."""
    from ..practice.path import path_position

    lang = current_lang()
    where = path_position(progress_path(None))
    if where is None:
        quiz = msg("welcome.quiz", lang)
    elif where.done:
        quiz = msg("welcome.quiz_done", lang, total=where.total)
    else:
        quiz = msg("welcome.quiz_" + ("next" if where.solved else "start"), lang, number=where.number,
                   total=where.total, id=where.exercise.id, title=where.title(lang))  # fmt: skip
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    ways = Table.grid(padding=(0, 3))
    ways.add_column(no_wrap=True, style="bold")
    ways.add_column()
    for command, text in (
        ("explain", msg("welcome.explain", lang)),
        ("quiz", quiz),
        ("play", msg("welcome.play", lang)),
    ):
        ways.add_row("xent " + command, Text(text))
    console = make_console(None)
    console.print(Text(msg("welcome.intro", lang)))
    console.print()
    console.print(Padding(ways, (0, 0, 0, 2)))
    console.print()
    console.print(Text(msg("welcome.own", lang)))
    console.print(Text(msg("welcome.help", lang)))
