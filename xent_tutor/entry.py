"""The console script: `xent --version` answers before Typer, numpy or Rich are imported."""

from __future__ import annotations

import sys


def main() -> None:
    """Run xent."""
    if sys.argv[1:] in (["--version"], ["-V"]):
        from . import __version__

        sys.stdout.write(f"xent {__version__}\n")
        return
    from .cli import main as run

    run()
