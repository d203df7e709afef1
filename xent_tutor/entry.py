"""The console script: `xent --version` answers before Typer, numpy or Rich are imported."""

from __future__ import annotations

import sys


def main() -> None:
    """Run xent with guarded standard streams; exit with its code."""
    from .terminal import install, run

    install()
    sys.exit(run(_main))


def _main() -> None:
    if sys.argv[1:] in (["--version"], ["-V"]):
        from . import __version__

        sys.stdout.write(f"xent {__version__}\n")
        return
    from .cli import main as run_cli

    run_cli()
