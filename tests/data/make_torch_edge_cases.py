"""Generate torch_edge_cases.json: PyTorch's answers for the edge cases of issue 13.

Gradients of ignored samples whose row is nan, a mean whose counted weights sum to 0, empty
batches, and per-sample losses of confident rows (for the precision test, whose truth is a
long-double formula in the test itself). Run with a Python that has torch (not a dependency):
    python tests/data/make_torch_edge_cases.py
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

OUT = Path(__file__).with_name("torch_edge_cases.json")


def enc(x):
    """JSON has no nan/inf: write them as strings."""
    if isinstance(x, list):
        return [enc(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return x


def case(name, logits, labels, weight=None, ignore_index=-100, label_smoothing=0.0, reduction="mean"):
    z = torch.tensor(np.asarray(logits, dtype=np.float64), requires_grad=True)
    lab = np.asarray(labels)
    t = torch.tensor(lab if lab.dtype.kind in "iu" else lab.astype(np.float64))
    w = None if weight is None else torch.tensor(np.asarray(weight, dtype=np.float64))
    loss = F.cross_entropy(z, t, weight=w, ignore_index=ignore_index, reduction=reduction,
                           label_smoothing=label_smoothing)  # fmt: skip
    grad = None
    if reduction != "none":
        loss.backward()
        grad = z.grad.numpy().tolist()
    return {
        "name": name,
        "shape": list(z.shape),
        "label_shape": list(lab.shape),
        "logits": enc(np.asarray(logits, dtype=np.float64).tolist()),
        "labels": enc(lab.tolist()),
        "weight": weight,
        "ignore_index": ignore_index,
        "label_smoothing": label_smoothing,
        "reduction": reduction,
        "loss": enc(loss.detach().numpy().tolist()),
        "loss_shape": list(loss.shape),
        "grad": enc(grad) if grad is not None else None,
    }


def main() -> None:
    inf, nan = math.inf, math.nan
    cases = [
        case("ignored-posinf-grad", [[inf, 0.0], [0.0, 1.0]], [-100, 0]),
        case("ignored-nan-grad", [[nan, 0.0], [0.0, 1.0]], [-100, 0], reduction="sum"),
        case("ignored-all-neginf-grad", [[-inf, -inf], [0.0, 1.0]], [-100, 0]),
        case("ignored-neginf-grad", [[-inf, 0.0], [0.0, 1.0]], [-100, 0]),
        case("ignored-posinf-smoothing-grad", [[inf, 0.0], [0.0, 1.0]], [-100, 0], label_smoothing=0.1),
        case("zero-weight-smoothing", [[1.0, 2.0, 3.0]], [0], weight=[0.0, 1.0, 1.0], label_smoothing=0.1),
        case(
            "zero-weight-smoothing-ignored",
            [[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]],
            [0, -100],
            weight=[0.0, 1.0, 1.0],
            label_smoothing=0.1,
        ),
        case(
            "zero-weight-smoothing-sum",
            [[1.0, 2.0, 3.0]],
            [0],
            weight=[0.0, 1.0, 1.0],
            label_smoothing=0.1,
            reduction="sum",
        ),
        case("zero-weight-plain", [[1.0, 2.0, 3.0]], [0], weight=[0.0, 1.0, 1.0]),
        case("neginf-target-zero-weight", [[-inf, 2.0, 3.0]], [0], weight=[0.0, 1.0, 1.0], reduction="none"),
        case(
            "neginf-zero-weight-smoothing",
            [[1.0, -inf, 3.0]],
            [0],
            weight=[1.0, 0.0, 1.0],
            label_smoothing=0.1,
            reduction="none",
        ),
    ]
    for reduction in ("mean", "sum", "none"):
        cases.append(case(f"empty-{reduction}", np.zeros((0, 3)), np.zeros(0, np.int64), reduction=reduction))
        cases.append(case(f"empty-kdim-{reduction}", np.zeros((2, 3, 0)), np.zeros((2, 0), np.int64),
                          weight=[1.0, 2.0, 0.5], label_smoothing=0.1, reduction=reduction))  # fmt: skip
        cases.append(case(f"empty-c0-{reduction}", np.zeros((0, 0)), np.zeros(0, np.int64), reduction=reduction))
    # Confident rows: the true class leads by 20 to 35, so -ln p is 1e-15 to 1e-8.
    rng = np.random.default_rng(20261130)
    n, c = 2000, 20
    z = rng.normal(size=(n, c))
    y = rng.integers(0, c, n)
    z[np.arange(n), y] += rng.uniform(20.0, 35.0, n)
    torch_none = F.cross_entropy(torch.from_numpy(z), torch.from_numpy(y), reduction="none").numpy()
    torch_mean = F.cross_entropy(torch.from_numpy(z), torch.from_numpy(y)).item()
    confident = {
        "logits": z.tolist(),
        "labels": y.tolist(),
        "torch_none": torch_none.tolist(),
        "torch_mean": torch_mean,
    }
    OUT.write_text(json.dumps({"torch_version": torch.__version__, "cases": cases, "confident": confident}) + "\n")
    print(f"wrote {len(cases)} cases and {n} confident rows to {OUT}")


if __name__ == "__main__":
    main()
