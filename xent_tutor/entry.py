"""The console script: `xent --version` answers before Typer, numpy or Rich are imported."""

from __future__ import annotations

import sys


def main() -> None:
    """Run xent with guarded standard streams; exit with its code (128 + a signal that stopped it)."""
    from . import signals

    signals.install()  # first: Ctrl-C while Typer, numpy and Rich load is a quiet exit 130, not a traceback
    try:
        from .terminal import install, run

        install()
        code = run(_main)
    except KeyboardInterrupt:  # stopped outside any command's own handling: nothing to save, nothing to say
        code = 130
        _settle()
    signals.hold()
    sys.exit(signals.exit_code(code))


def _main() -> None:
    if sys.argv[1:] in (["--version"], ["-V"]):
        from . import __version__

        sys.stdout.write(f"xent {__version__}\n")
        return
    from .cli import main as run_cli

    run_cli()


def _settle() -> None:
    """Flush what was written; a stream that cannot take it is pointed at /dev/null (no message at exit)."""
    import os

    for fd, stream in ((1, sys.stdout), (2, sys.stderr)):
        try:
            if stream is not None:
                stream.flush()
        except Exception:  # OutputError, OSError: the exit code tells
            try:
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, fd)
                os.close(null)
            except OSError:
                pass
