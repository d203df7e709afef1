"""Write per-sample losses for other tools: .npy or .csv, atomically."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import XentError
from ..fileio import write_file


def write_losses(path: Path, losses: np.ndarray, force: bool = False) -> None:
    """Save `losses` (any shape) to a .npy or .csv file via a temporary file and a rename."""
    suffix = path.suffix.lower()
    if suffix not in (".npy", ".csv"):
        raise XentError("output_type", "output", path=str(path))

    def save(f) -> None:
        if suffix == ".npy":
            np.save(f, np.asarray(losses), allow_pickle=False)
        else:
            flat = np.asarray(losses).reshape(len(losses) if np.ndim(losses) else 1, -1)
            np.savetxt(f, flat, delimiter=",", fmt="%.17g")

    write_file(path, save, "output", force)


def write_text(path: Path, text: str, option: str, force: bool = False) -> None:
    """Save text (an SVG, HTML or text export) via a temporary file and a rename."""
    write_file(path, text, option, force)
