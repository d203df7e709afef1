"""Write per-sample losses for other tools: .npy or .csv, atomically."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import numpy as np

from .errors import XentError


def write_losses(path: Path, losses: np.ndarray) -> None:
    """Save `losses` (any shape) to a .npy or .csv file via a temporary file and a rename."""
    suffix = path.suffix.lower()
    if suffix not in (".npy", ".csv"):
        raise XentError("output_type", "output", path=str(path))
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=folder)
    except OSError as e:
        raise XentError("output_failed", "output", path=str(path), reason=e.strerror or str(e)) from None
    try:
        with os.fdopen(fd, "wb") as f:
            if suffix == ".npy":
                np.save(f, np.asarray(losses), allow_pickle=False)
            else:
                flat = np.asarray(losses).reshape(len(losses) if np.ndim(losses) else 1, -1)
                np.savetxt(f, flat, delimiter=",", fmt="%.17g")
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise XentError("output_failed", "output", path=str(path), reason=e.strerror or str(e)) from None
