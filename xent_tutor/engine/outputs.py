"""Write per-sample losses for other tools: .npy or .csv, atomically."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import numpy as np

from ..errors import XentError


def write_losses(path: Path, losses: np.ndarray) -> None:
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

    _atomic(path, save, "output")


def write_text(path: Path, text: str, option: str) -> None:
    """Save text (an SVG, HTML or text export) via a temporary file and a rename."""
    _atomic(path, lambda f: f.write(text.encode("utf-8")), option)


def _atomic(path: Path, save, option: str) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=folder)
    except OSError as e:
        raise XentError("output_failed", option, path=str(path), reason=e.strerror or str(e)) from None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a saved result is an ordinary file
        with os.fdopen(fd, "wb") as f:
            save(f)
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise XentError("output_failed", option, path=str(path), reason=e.strerror or str(e)) from None
