"""The command line: one module per capability over a shared module; `app` and `main` are its face."""

from __future__ import annotations

from . import explain, play, practice, teach  # noqa: F401  (each adds its commands to the app)
from .app import app


def main() -> None:
    """Console-script entry point."""
    app()


__all__ = ["app", "main"]
