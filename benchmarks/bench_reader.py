"""Text readers beside their floor: xent's JSON/CSV readers against json.loads + np.array / np.loadtxt.

python benchmarks/bench_reader.py [--mb 50] [--reps 5]

The floor is what any reader of the same text must at least do; the ratio says what xent's checks
cost on top. Repetitions are interleaved (xent, floor, xent, floor, ...) so machine noise hits both.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import time

import numpy as np

from xent_tutor.engine.inputs import parse_csv, parse_list
from xent_tutor.errors import XentError


def texts(mb: float) -> dict[str, tuple[str, str]]:
    """name -> (format, text) of about `mb` megabytes each."""
    rows = int(mb * 1e6 / 100)  # about 100 bytes per row of 10 six-decimal logits
    z = np.random.default_rng(0).standard_normal((rows, 10)).round(6)
    plain = json.dumps(z.tolist())
    odd = z.copy()
    odd[::97, 0], odd[::89, 1] = np.nan, -np.inf
    spelled = json.dumps(odd.tolist()).replace("NaN", "nan").replace("-Infinity", "-inf")
    ragged = plain[:-2] + ", 1.0]]"
    cut = plain[:-1] + ",]"  # JSON that fails only at its very end
    buf = io.StringIO()
    np.savetxt(buf, z, delimiter=",", fmt="%.6f")
    return {"json": ("json", plain), "json, nan/inf spelled": ("json", spelled),
            "json, last row ragged": ("json", ragged), "json, fails at its end": ("json", cut),
            "csv": ("csv", buf.getvalue())}  # fmt: skip


def xent(fmt: str, text: str) -> None:
    with contextlib.suppress(XentError):  # the ragged case ends in the domain error: naming it is measured
        (parse_list if fmt == "json" else parse_csv)(text, "logits")


def floor(fmt: str, text: str) -> None:
    if fmt == "csv":
        np.loadtxt(io.StringIO(text), delimiter=",")
        return
    with contextlib.suppress(ValueError):  # numpy refuses the ragged list without saying where
        np.array(json.loads(text.replace("nan", "NaN").replace("-inf", "-Infinity")))


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=50)
    ap.add_argument("--reps", type=int, default=5)
    opts = ap.parse_args()
    print(f"{'input':<24}{'MB':>6}{'xent s':>14}{'floor s':>14}{'ratio':>8}")
    for name, (fmt, text) in texts(opts.mb).items():
        ours, base = [], []
        for _ in range(opts.reps):
            ours.append(timed(xent, fmt, text))
            base.append(timed(floor, fmt, text))
        m, b = statistics.median(ours), statistics.median(base)
        spread = f"±{(max(ours) - min(ours)) / 2:.2f}"
        print(f"{name:<24}{len(text) / 1e6:>6.1f}{m:>8.2f}{spread:>6}{b:>8.2f}±{(max(base) - min(base)) / 2:.2f}"
              f"{m / b:>8.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
