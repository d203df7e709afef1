"""`xent play`: the full-screen playground (Textual is imported only here, when it runs)."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from ..errors import XentError
from .app import app
from .common import LangOpt, NoColorOpt, current_lang, msg, set_lang


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
    from ..service import ExplainRequest, build_problem

    set_lang(lang)
    lang = current_lang()
    req = ExplainRequest(
        logits=logits,
        labels=labels,
        weight=weight,
        ignore_index=ignore_index,
        label_smoothing=label_smoothing,
        reduction=reduction,
        exercise=exercise,
    )
    from ..play.state import PlayState
    from ..service import DEFAULT_EXERCISE

    problem = build_problem(req, None)  # play reads keys from the terminal, so never logits from stdin
    source = exercise or (msg("play.source_input", lang) if logits is not None else DEFAULT_EXERCISE)
    state = PlayState(problem, source)
    if not (sys.stdout.isatty() and sys.stdin.isatty()):
        raise XentError("play_not_tty", None)
    from pathlib import Path

    if no_color:
        os.environ["NO_COLOR"] = "1"
    from ..play.app import PlayApp

    command = PlayApp(state, lang, Path(save_dir)).run()
    if command:
        sys.stdout.write(command + "\n")
