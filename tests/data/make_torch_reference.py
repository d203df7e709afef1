"""Generate torch_reference.json: cross_entropy losses and autograd gradients from PyTorch.

Run with a Python that has torch installed (not a dependency of xent):
    python tests/data/make_torch_reference.py
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

OUT = Path(__file__).with_name("torch_reference.json")


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
    loss = F.cross_entropy(
        z,
        t,
        weight=w,
        ignore_index=ignore_index,
        reduction=reduction,
        label_smoothing=label_smoothing,
    )
    grad = None
    if reduction != "none":
        loss.backward()
        grad = z.grad.numpy().tolist()
    return {
        "name": name,
        "logits": enc(np.asarray(logits, dtype=np.float64).tolist()),
        "labels": enc(lab.tolist()),
        "weight": weight,
        "ignore_index": ignore_index,
        "label_smoothing": label_smoothing,
        "reduction": reduction,
        "loss": enc(loss.detach().numpy().tolist()),
        "grad": enc(grad) if grad is not None else None,
    }


def main() -> None:
    rng = np.random.default_rng(20261129)
    cases = [
        case("article-exercise", [[-0.0464, -0.0268], [-0.0234, -0.0091]], [0, 1]),
        case("article-binary", [0.0, 0.1616], 1),
        case("huge-target0", [[1000.0, 0.0, -1000.0]], [0]),
        case("huge-target2", [[1000.0, 0.0, -1000.0]], [2]),
        case("all-ignored-mean", [[1.0, 2.0], [0.5, 0.1]], [-100, -100]),
        case("all-ignored-sum", [[1.0, 2.0], [0.5, 0.1]], [-100, -100], reduction="sum"),
        case("all-ignored-none", [[1.0, 2.0], [0.5, 0.1]], [-100, -100], reduction="none"),
        case("ignore-real-class", [[1.0, 2.0, 0.5], [0.3, 0.2, 0.1]], [1, 0], ignore_index=1),
        case("weighted-mean", [[1.0, 2.0, 0.5], [0.3, 0.2, 0.1]], [1, 0], weight=[0.2, 3.0, 1.0]),
        case("neginf-other", [[0.0, -math.inf, 1.0]], [0]),
        case("neginf-target", [[0.0, -math.inf, 1.0]], [1], reduction="none"),
        case("posinf", [[0.0, math.inf, 1.0], [1.0, 2.0, 3.0]], [0, 1], reduction="none"),
        case("all-neginf", [[-math.inf, -math.inf], [1.0, 2.0]], [0, 1], reduction="none"),
        case("neginf-smoothing", [[0.0, -math.inf, 1.0]], [0], label_smoothing=0.1, reduction="none"),
        case(
            "smooth-weight-ignore",
            [[1.0, 2.0, 0.5], [0.3, 0.2, 0.1], [2.0, -1.0, 0.0]],
            [1, -100, 2],
            weight=[0.5, 2.0, 1.5],
            label_smoothing=0.2,
        ),
        case(
            "soft-weighted-mean",
            [[1.0, 2.0, 0.5], [0.3, 0.2, 0.1]],
            [[0.2, 0.5, 0.3], [1.0, 0.0, 0.0]],
            weight=[0.5, 2.0, 1.5],
        ),
        case(
            "onehot-soft-weighted",
            [[1.0, 2.0, 0.5], [0.3, 0.2, 0.1]],
            [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]],
            weight=[0.5, 2.0, 1.5],
        ),
        case("unbatched-none", [0.5, -1.0, 2.0], 2, reduction="none"),
        case("unbatched-soft", [0.5, -1.0, 2.0], [0.1, 0.2, 0.7], label_smoothing=0.3),
        case(
            "kdim",
            rng.normal(size=(2, 3, 2, 2)).tolist(),
            rng.integers(0, 3, size=(2, 2, 2)).tolist(),
            weight=[1.0, 2.0, 0.5],
            label_smoothing=0.1,
        ),
        case(
            "kdim-soft",
            rng.normal(size=(2, 3, 4)).tolist(),
            (lambda a: (a / a.sum(axis=1, keepdims=True)).tolist())(rng.random((2, 3, 4))),
            reduction="sum",
        ),
        case("one-class", [[3.0], [-2.0]], [0, 0]),
    ]
    for i in range(60):
        n = int(rng.integers(1, 7))
        c = int(rng.integers(2, 8))
        scale = float(rng.choice([0.1, 1.0, 5.0, 50.0]))
        logits = (rng.normal(size=(n, c)) * scale).round(4)
        soft = i % 4 == 3
        reduction = ["mean", "sum", "none"][i % 3]
        weight = (rng.random(c) * 2 + 0.1).round(3).tolist() if i % 2 else None
        eps = [0.0, 0.1, 0.25, 1.0][(i // 2) % 4]
        if soft:
            t = rng.random((n, c))
            labels = (t / t.sum(axis=1, keepdims=True)).tolist()
            ii = -100
        else:
            labels = rng.integers(0, c, size=n)
            ii = int(labels[0]) if i % 5 == 0 else -100
            if i % 7 == 0:
                labels[-1] = ii
            labels = labels.tolist()
        cases.append(case(f"random-{i}", logits.tolist(), labels, weight, ii, eps, reduction))
    # Arrays for the K-dimensional and class-last acceptance cases, as a user would pass them.
    seg_z = rng.normal(size=(4, 5, 32, 32)).astype(np.float32)
    seg_y = rng.integers(0, 5, size=(4, 32, 32))
    seg_y[0, :2, :] = -100
    lm_z = rng.normal(size=(2, 16, 50)).astype(np.float32) * 3
    lm_y = rng.integers(0, 50, size=(2, 16))
    folder = OUT.parent
    np.save(folder / "seg_logits.npy", seg_z)
    np.save(folder / "seg_labels.npy", seg_y)
    np.save(folder / "lm_logits.npy", lm_z)
    np.save(folder / "lm_labels.npy", lm_y)
    seg = F.cross_entropy(torch.from_numpy(seg_z).double(), torch.from_numpy(seg_y), reduction="none")
    lm = F.cross_entropy(torch.from_numpy(lm_z).double().permute(0, 2, 1), torch.from_numpy(lm_y), reduction="none")
    np.save(folder / "seg_loss_none.npy", seg.numpy())
    np.save(folder / "lm_loss_none.npy", lm.numpy())
    # float32 in, float32 out: what PyTorch itself gives for the same arrays.
    seg32 = F.cross_entropy(torch.from_numpy(seg_z), torch.from_numpy(seg_y)).item()
    lm32 = F.cross_entropy(torch.from_numpy(lm_z).permute(0, 2, 1), torch.from_numpy(lm_y)).item()
    extra = {"seg_mean_float32": seg32, "lm_mean_float32": lm32}
    # Autograd of the mean loss for the class-last input, in the user's (N, T, V) layout.
    lm_leaf = torch.from_numpy(lm_z).double().requires_grad_(True)
    F.cross_entropy(lm_leaf.permute(0, 2, 1), torch.from_numpy(lm_y), label_smoothing=0.1).backward()
    np.save(folder / "lm_grad_smooth.npy", lm_leaf.grad.numpy())
    OUT.write_text(json.dumps({"torch_version": torch.__version__, "cases": cases, **extra}, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
