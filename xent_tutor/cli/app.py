"""The `xent` application: its root options; each capability's module adds its commands."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from .. import __version__
from .common import Group, LangOpt, set_lang

app = typer.Typer(
    cls=Group,
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


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = False,
    lang: LangOpt = None,
) -> None:
    """A terminal tutor for PyTorch's cross-entropy loss, computed stage by stage."""
    set_lang(lang)  # `xent --lang zh quiz` as well as `xent quiz --lang zh`
