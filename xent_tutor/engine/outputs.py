"""Write per-sample losses and gradients for other tools: .npy or .csv, atomically."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import XentError
from ..fileio import write_file

if TYPE_CHECKING:
    from .core import Result


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


def check_grad_path(path: str) -> None:
    """Refuse a --grad-output name that is neither .npy nor .csv (before any work)."""
    if not path.lower().endswith((".npy", ".csv")):
        raise XentError("output_type", "grad_output", path=path)


def write_grad(path: Path, result: Result, force: bool = False) -> None:
    """Save the gradient of the reduced loss, in the logits' shape and dtype, block by block.

    A .npy file holds any shape (blocks written in place; classes not last are laid out through a
    memory map of the file); a .csv file holds 1-D or 2-D logits' gradients, one line per row.
    """
    from .core import grad_dtype, gradient_blocks

    p = result.problem
    shape = list(p.logits_shape)  # classes at 1: put them back where the user's logits have them
    dim = p.class_dim % len(shape) if len(shape) > 1 else 0
    if len(shape) > 1:
        shape.insert(dim, shape.pop(1))
    shape = tuple(shape)
    dtype = grad_dtype(p)
    csv = path.suffix.lower() == ".csv"
    if csv and len(shape) > 2:
        raise XentError("grad_csv_shape", "grad_output", shape="(" + ", ".join(map(str, shape)) + ")")
    c = p.num_classes
    before = int(np.prod(shape[:dim], dtype=np.int64))  # the logits seen as (A, C, B)
    after = int(np.prod(shape[dim + 1 :], dtype=np.int64))

    def save(f) -> None:
        if csv:
            for _, g in gradient_blocks(result):
                f.write(csv_rows(g).encode("ascii"))
            return
        header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": shape}
        np.lib.format.write_array_header_1_0(f, header)
        if after == 1:  # classes last: the blocks are the file's bytes in order
            for _, g in gradient_blocks(result):
                f.write(np.ascontiguousarray(g, dtype).tobytes())
            return
        if before * c * after == 0:
            return
        f.flush()
        mm = np.memmap(f, dtype, "r+", f.tell(), (before, c, after))
        for start, g in gradient_blocks(result):
            m = start
            while m < start + len(g):  # a run of samples of one index a: mm[a, :, b0:b1] = rows.T
                a, b0 = divmod(m, after)
                b1 = min(after, b0 + start + len(g) - m)
                mm[a, :, b0:b1] = g[m - start : m - start + b1 - b0].T
                m += b1 - b0
        mm.flush()
        del mm

    write_file(path, save, "grad_output", force)


def csv_rows(g: np.ndarray) -> str:
    """Rows of numbers as CSV lines (shortest round-trip digits; nan, inf, -inf as numpy reads them)."""
    if g.ndim == 1:
        g = g.reshape(1, -1)
    finite = bool(np.isfinite(g).all())
    text = array_json(g) if finite else json.dumps(g.tolist(), separators=(",", ":"))
    text = text[2:-2].replace("],[", "\n") + "\n" if len(g) else ""
    if not finite:
        text = text.replace("NaN", "nan").replace("-Infinity", "-inf").replace("Infinity", "inf")
    return text


def array_json(a: np.ndarray) -> str:
    """An array as one JSON value (nested lists of its shape), NaN and infinities as null.

    Floats are written as float64's shortest round-trip digits (float32 values exactly, as their
    float64 value), formatted in C: orjson's numpy support when installed, else the json module.
    """
    if a.dtype.kind == "f" and a.dtype != np.float64:
        a = a.astype(np.float64)
    orjson = _orjson()
    if orjson is not None and a.dtype.kind in "fiub":
        return orjson.dumps(np.ascontiguousarray(a), option=orjson.OPT_SERIALIZE_NUMPY).decode("ascii")
    text = json.dumps(a.tolist(), separators=(",", ":"))
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        text = re.sub(r"-?Infinity|NaN", "null", text)
    return text


def _orjson():
    try:
        import orjson
    except ImportError:  # an environment without it: the json module, slower, the same numbers
        return None
    return orjson
