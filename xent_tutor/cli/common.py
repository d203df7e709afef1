"""What every command shares: the error-mapping group, the language, consoles, common options and limits."""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from ..errors import XentError
from ..terminal import OutputError

FORMATS = ("table", "json", "markdown", "value")
EXIT_USAGE = 2


class Group(TyperGroup):
    """Turns every error into one line on stderr and an honest exit code."""

    def main(self, args: Any = None, prog_name: Any = None, complete_var: Any = None,
             standalone_mode: bool = True, **extra: Any) -> Any:  # fmt: skip
        from ..lesson.text import LANGS, lang_in_args
        from ..usage import localize

        _LANG.clear()
        wanted = lang_in_args(list(sys.argv[1:] if args is None else args))
        if wanted in LANGS:
            _LANG["lang"] = wanted  # so that --help, read before --lang, is in that language too
        localize(self, current_lang())
        _check_environment()
        use_exercises(None)
        # numpy's RuntimeWarnings (overflow in exp, 0/0) are PyTorch's answers, explained in notes.
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except XentError as e:
            fail(message_of(e))
            rv = exit_code_of(e)
        except typer.TyperException as e:
            from ..usage import usage_error

            fail(usage_error(e, current_lang()))
            rv = getattr(e, "exit_code", EXIT_USAGE)
        except typer.Abort:
            rv = 130
        except OutputError:
            raise  # the entry point reports it once, after the last flush
        except BrokenPipeError:
            rv = 1
        except MemoryError:  # an input within every limit that this machine still cannot hold
            fail(msg("out_of_memory", current_lang()))
            rv = 1
        except Exception as e:  # a bug: one line, not a traceback, unless debugging
            if os.environ.get("XENT_DEBUG"):
                raise
            fail(f"internal error ({type(e).__name__}: {e}); please report it")
            rv = 1
        if not standalone_mode:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)


# A file write that failed part-way (the disk, a size limit, the device): what was asked for was not
# delivered, as with a failed write to stdout (exit 1); a path the user can correct is a usage error (exit 2).
WRITE_FAILED = ("disk_full", "quota", "too_big_for_fs", "io", "no_memory", "interrupted", "network", "stale", "other")
EXIT_OUTPUT = 1


def exit_code_of(e: XentError) -> int:
    """Exit 1 for a write cut short, 2 for anything else the command line or its files got wrong."""
    return EXIT_OUTPUT if e.key == "io.write" and e.params.get("why") in WRITE_FAILED else EXIT_USAGE


def _check_environment() -> None:
    """Unusable environment values dropped or clamped before anything reads them: one warning each."""
    from ..lesson.text import printable, t
    from .environment import sanitize

    lang = current_lang()
    for key, params in sanitize():
        words = {k: t(str(v), lang) if k in ("why", "unit") else v for k, v in params.items()}
        with contextlib.suppress(OutputError, OSError):  # stderr closed: the warning cannot be shown
            sys.stderr.write(t("warn_prefix", lang) + printable(t(key, lang, **words)) + "\n")


def say(text: str) -> None:
    """A note or a message on stderr; when stderr is closed or full it goes unsaid and the exit code stands."""
    try:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
    except (OutputError, OSError):
        pass


def message_of(e: XentError) -> str:
    from ..lesson.text import message

    return message(e, current_lang())


def fail(text: str) -> None:
    from ..lesson.text import printable, t

    try:
        sys.stderr.write(t("err.prefix", current_lang()) + printable(text) + "\n")
        sys.stderr.flush()
    except (OutputError, OSError):
        pass  # stderr is closed or full: the exit code still tells


def current_lang() -> str:
    from ..lesson.text import LANGS, detect_lang

    chosen = _LANG.get("lang") or os.environ.get("XENT_LANG")
    return chosen if chosen in LANGS else detect_lang()


_LANG: dict[str, str] = {}


def set_lang(lang: str | None) -> None:
    from ..lesson.text import LANGS

    if lang is not None:
        if lang not in LANGS:
            raise XentError("bad_lang", "lang", value=lang)
        _LANG["lang"] = lang


def msg(key: str, lang: str, **params: Any) -> str:
    """A catalogue sentence; its text parameters (paths, ids, names) shown with control characters escaped."""
    from ..lesson.text import printable, t

    return t(key, lang, **{k: printable(v) if isinstance(v, str) else v for k, v in params.items()})


def make_console(width: int | None, no_color: bool = False, record: bool = False) -> Any:
    """A Console per invocation: NO_COLOR, FORCE_COLOR and the terminal width are read now."""
    from ..lesson.wrap import Console

    return Console(
        width=width,
        highlight=False,
        soft_wrap=False,
        no_color=no_color or None,
        record=record,
    )


def check_width(width: int | None) -> None:
    if width is not None and not MIN_WIDTH <= width <= MAX_WIDTH:
        raise XentError("bad_width", "width", value=width, low=MIN_WIDTH, high=MAX_WIDTH)


def use_exercises(folders: list[str] | None) -> None:
    from ..practice.exercises import use_folders

    use_folders(folders or ())


def progress_path(option: str | None) -> Any:
    from pathlib import Path

    from ..fileio import check_name
    from ..practice.progress import ENV_VAR

    if option:
        return check_name(option, "progress_file")
    chosen = os.environ.get(ENV_VAR)
    if chosen:
        return check_name(chosen, "$" + ENV_VAR)
    return Path(typer.get_app_dir("xent")) / "progress.json"


LangOpt = Annotated[str | None, typer.Option(help="Language: en or zh (default: from LANG / LC_ALL).")]
NoColorOpt = Annotated[bool, typer.Option("--no-color", help="No colour (NO_COLOR works too).")]
WidthOpt = Annotated[int | None, typer.Option(help="Lay out for this many columns (default: the terminal's).")]
ExercisesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--exercises", metavar="DIR", help="A folder of your own exercises (repeat for more; env XENT_EXERCISES)."
    ),
]
ProgressOpt = Annotated[
    str | None,
    typer.Option("--progress-file", help="Where quiz progress is kept (default: env XENT_PROGRESS_FILE)."),
]

MIN_WIDTH, MAX_WIDTH = 40, 1000
JSON_ROWS = 1000  # stage rows in --format json unless --rows says otherwise
MAX_GRAD_JSON = 10_000_000  # logits whose gradient --format json writes (80 MB of float64, streamed)
MAX_INPUT_MIB = 1 << 16  # --max-input: 64 GiB; text is read in chunks, so only what is there is held
MAX_SHOWN = 10_000  # --rows and --top: every shown sample is held as text and tables (a JSON row is ~9 kB)
