"""Generate torch_engine_gaps.json: PyTorch's answers for issue 21's two wrong answers.

1. The weighted mean's denominator: a few counted rows of tiny weight among many ignored rows
   whose label would pick up a large w[0] (the denominator must sum the counted rows only), and
   a batch whose every counted weight is 0, with and without smoothing (NaN, and NaN gradients).
2. Class-probability labels with a -inf logit: smoothing makes every coefficient positive, so
   PyTorch's loss is +inf where the target was 0; without smoothing it is NaN (0 * -inf); a
   weight of 0 there gives NaN either way.

Ignored rows' logits are zeros (they add nothing), so only the counted rows are stored.
Run with a Python that has torch (not a dependency):
    /work/torchenv/bin/python tests/data/make_torch_engine_gaps.py
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

OUT = Path(__file__).with_name("torch_engine_gaps.json")


def enc(x):
    """JSON has no nan/inf: write them as strings."""
    if isinstance(x, list):
        return [enc(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return x


def run(z: np.ndarray, t: np.ndarray, weight, ls: float, reduction: str, dtype) -> tuple:
    """PyTorch's loss and (for mean and sum) its gradient."""
    zt = torch.tensor(z, dtype=dtype, requires_grad=True)
    tt = torch.tensor(t) if t.dtype.kind in "iu" else torch.tensor(t, dtype=dtype)
    w = None if weight is None else torch.tensor(np.asarray(weight), dtype=dtype)
    loss = F.cross_entropy(zt, tt, weight=w, label_smoothing=ls, reduction=reduction)
    grad = None
    if reduction != "none":
        loss.backward()
        grad = zt.grad.double().numpy().tolist()
    return loss.detach().double().numpy().tolist(), grad


def sparse_case(name, rows, c, counted, logits, labels, weight, ls=0.0):
    """Many rows, most ignored (label -100, logits 0); `counted` rows hold `logits` and `labels`."""
    z = np.zeros((rows, c))
    y = np.full(rows, -100, np.int64)
    z[counted] = logits
    y[counted] = labels
    out = {"name": name, "rows": rows, "classes": c, "counted": list(map(int, counted)),
           "logits": np.asarray(logits).tolist(), "labels": list(map(int, labels)),
           "weight": weight, "label_smoothing": ls, "results": {}}  # fmt: skip
    for reduction in ("mean", "sum"):
        loss, grad = run(z, y, weight, ls, reduction, torch.float64)
        g = np.asarray(grad)
        out["results"][reduction] = {"loss": enc(loss), "grad_counted": enc(g[counted].tolist()),
                                     "grad_ignored_max": float(np.abs(np.delete(g, counted, 0)).max())}  # fmt: skip
    return out


def dense_case(name, logits, labels, weight=None, ls=0.0, dtype="float64"):
    z = np.asarray(logits, dtype=np.float64)
    t = np.asarray(labels)
    td = torch.float64 if dtype == "float64" else torch.float32
    out = {"name": name, "dtype": dtype, "logits": enc(z.tolist()), "labels": enc(t.tolist()),
           "weight": weight, "label_smoothing": ls, "results": {}}  # fmt: skip
    for reduction in ("mean", "sum", "none"):
        loss, grad = run(z, t, weight, ls, reduction, td)
        out["results"][reduction] = {"loss": enc(loss), "grad": None if grad is None else enc(grad)}
    return out


def main() -> None:
    rng = np.random.default_rng(21)
    inf = math.inf
    sparse = []
    # The case: 100,000 rows, 10 counted, of class 1 with weight 1e-6; ignored rows would pick w[0] = 1.
    counted = np.sort(rng.choice(100_000, 10, replace=False))
    logits = rng.normal(size=(10, 3)) * 3
    sparse.append(sparse_case("tiny-denominator", 100_000, 3, counted, logits, [1] * 10, [1.0, 1e-6, 0.5]))
    sparse.append(sparse_case("tiny-denominator-smoothing", 100_000, 3, counted, logits, [1] * 10,
                              [1.0, 1e-6, 0.5], ls=0.1))  # fmt: skip
    mixed = np.sort(rng.choice(50_000, 40, replace=False))
    labels = rng.integers(1, 4, 40)
    sparse.append(sparse_case("mixed-tiny-weights", 50_000, 4, mixed, rng.normal(size=(40, 4)) * 5, labels,
                              [3.0, 1e-9, 2e-7, 1e-12]))  # fmt: skip
    eight = [[0.0, 0.0]] * 8
    dense = [
        dense_case("zero-weight-eight-rows", eight, [1] + [-100] * 7, [0.1, 0.0]),
        dense_case("zero-weight-eight-rows-smoothing", eight, [1] + [-100] * 7, [0.1, 0.0], ls=0.1),
        dense_case(
            "zero-weight-eight-rows-smoothing-f32", eight, [1] + [-100] * 7, [0.1, 0.0], ls=0.1, dtype="float32"
        ),
    ]
    soft_z = [[0.0, -inf, 1.0], [2.0, 0.5, -inf], [0.3, -0.2, 0.1]]
    soft_t = [[0.5, 0.0, 0.5], [0.25, 0.75, 0.0], [0.2, 0.3, 0.5]]
    for dtype in ("float64", "float32"):
        suffix = "" if dtype == "float64" else "-f32"
        dense += [
            dense_case("soft-neginf-zero-target-smoothing" + suffix, soft_z, soft_t, ls=0.1, dtype=dtype),
            dense_case("soft-neginf-zero-target" + suffix, soft_z, soft_t, dtype=dtype),
            dense_case("soft-neginf-positive-target" + suffix, [[0.0, -inf, 1.0]], [[0.5, 0.5, 0.0]], dtype=dtype),
            dense_case(
                "soft-neginf-zero-weight-smoothing" + suffix, soft_z, soft_t, [1.0, 0.0, 2.0], ls=0.1, dtype=dtype
            ),
            dense_case(
                "soft-neginf-positive-weight-smoothing" + suffix, soft_z, soft_t, [1.0, 0.5, 2.0], ls=0.1, dtype=dtype
            ),
        ]
    # Few classes (the transposed kernel) and many classes, every row with a -inf in a zero-target class.
    for c in (4, 70):
        z = rng.normal(size=(60, c))
        t = rng.random((60, c))
        hole = rng.integers(0, c, 60)
        z[np.arange(60), hole] = -inf
        t[np.arange(60), hole] = 0.0
        t /= t.sum(axis=1, keepdims=True)
        dense.append(dense_case(f"soft-neginf-batch-c{c}-smoothing", z, t, ls=0.05))
        dense.append(dense_case(f"soft-neginf-batch-c{c}", z, t))
    OUT.write_text(json.dumps({"torch_version": torch.__version__, "sparse": sparse, "dense": dense}) + "\n")
    print(f"wrote {len(sparse)} sparse and {len(dense)} dense cases to {OUT}")


if __name__ == "__main__":
    main()
