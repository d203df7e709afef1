"""The start-up floor: a minimal Typer app that imports numpy and prints one small Rich table.

`python benchmarks/floor_app.py show` is the floor for `xent explain`;
`python benchmarks/floor_app.py --version` (an eager callback) is the floor for `xent --version`.
"""

from typing import Annotated

import typer

app = typer.Typer()


def _version(value: bool) -> None:
    if value:
        print("floor 1.0")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True)] = False,
) -> None:
    """Floor app."""


@app.command()
def show() -> None:
    """Print one small table."""
    import numpy as np
    from rich.console import Console
    from rich.table import Table

    z = np.array([[-0.0464, -0.0268], [-0.0234, -0.0091]])
    table = Table("row", "class 0", "class 1")
    for i, row in enumerate(z):
        table.add_row(str(i + 1), *(f"{v:.4f}" for v in row))
    Console().print(table)


if __name__ == "__main__":
    app()
