"""Generate torch_grad_output.json: autograd's gradients for `xent explain --grad-output`.

Every label kind and option, 1-D, 2-D, K-dimensional and class-last logits, a zero denominator,
and a float32 case (whose gradient file must be float32, as autograd's is). Run with a Python
that has torch (not a dependency):
    /work/torchenv/bin/python tests/data/make_torch_grad_output.py
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

OUT = Path(__file__).with_name("torch_grad_output.json")


def enc(x):
    """JSON has no nan/inf: write them as strings."""
    if isinstance(x, list):
        return [enc(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return x


def case(name, z, y, weight=None, ls=0.0, reduction="mean", class_dim=1, ignore_index=-100, dtype="float64"):
    td = torch.float64 if dtype == "float64" else torch.float32
    zt = torch.tensor(z, dtype=td, requires_grad=True)
    moved = zt.movedim(class_dim, 1) if zt.dim() > 1 and class_dim != 1 else zt
    soft = y.dtype.kind == "f"
    yt = torch.tensor(y, dtype=td) if soft else torch.tensor(y)
    if soft and zt.dim() > 1 and class_dim != 1:
        yt = yt.movedim(class_dim, 1)
    w = None if weight is None else torch.tensor(weight, dtype=td)
    loss = F.cross_entropy(moved, yt, weight=w, ignore_index=ignore_index, label_smoothing=ls, reduction=reduction)
    loss.backward()
    return {
        "name": name,
        "dtype": dtype,
        "logits": np.asarray(z, np.float64).tolist(),
        "shape": list(np.shape(z)),
        "labels": y.tolist(),
        "label_shape": list(y.shape),
        "weight": weight,
        "label_smoothing": ls,
        "reduction": reduction,
        "class_dim": class_dim,
        "ignore_index": ignore_index,
        "loss": enc(float(loss.item())),
        "grad": enc(zt.grad.double().numpy().tolist()),
    }


def main() -> None:
    rng = np.random.default_rng(2102)

    def logits(*shape):
        return rng.normal(size=shape) * 3

    def labels(c, *shape, ignore=0.0):
        y = rng.integers(0, c, shape)
        y[rng.random(shape) < ignore] = -100
        return y

    def probs(*shape, axis=1):
        t = rng.random(shape)
        return t / t.sum(axis=axis, keepdims=True)

    cases = [
        case(
            "hard-weight-smoothing-ignore-mean",
            logits(37, 5),
            labels(5, 37, ignore=0.2),
            [1.0, 2.0, 0.5, 3.0, 1.5],
            0.1,
        ),
        case(
            "hard-weight-smoothing-ignore-sum",
            logits(37, 5),
            labels(5, 37, ignore=0.2),
            [1.0, 2.0, 0.5, 3.0, 1.5],
            0.1,
            "sum",
        ),
        case("hard-plain-many-classes", logits(9, 70), labels(70, 9)),
        case("soft-weight-smoothing", logits(23, 4), probs(23, 4), [0.5, 1.0, 2.0, 1.0], 0.2),
        case("soft-plain-sum", logits(11, 3), probs(11, 3), reduction="sum"),
        case("kdim-hard-weight-ignore", logits(3, 4, 5, 6), labels(4, 3, 5, 6, ignore=0.1), [1.0, 0.2, 3.0, 1.0]),
        case("kdim-soft-smoothing", logits(2, 3, 5), probs(2, 3, 5), ls=0.05),
        case("class-last-sum", logits(2, 7, 9), labels(9, 2, 7), reduction="sum", class_dim=-1),
        case("class-dim-2", logits(2, 5, 3, 4), labels(3, 2, 5, 4), [1.0, 2.0, 0.5], 0.1, class_dim=2),
        case("one-dimensional", logits(6), np.array(4)),
        case("zero-denominator", logits(5, 3), np.array([1, 1, -100, 1, -100]), [2.0, 0.0, 1.0], 0.1),
        case("float32-hard", logits(37, 5), labels(5, 37, ignore=0.2), [1.0, 2.0, 0.5, 3.0, 1.5], 0.1, dtype="float32"),
        case("float32-kdim-soft", logits(2, 3, 4, 5), probs(2, 3, 4, 5), ls=0.1, dtype="float32"),
    ]
    OUT.write_text(json.dumps({"torch_version": torch.__version__, "cases": cases}) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
