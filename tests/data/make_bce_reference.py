"""Generate torch_bce_reference.json: two-class cross_entropy beside binary_cross_entropy_with_logits.

For two classes softmax([z0, z1])[1] = sigmoid(z1 - z0), so each sample's cross-entropy equals
BCEWithLogitsLoss on the logit gap with class 1's (smoothed) target. PyTorch computes both here;
the lesson's two-class aside is checked against them. Run with a Python that has torch:
    python tests/data/make_bce_reference.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

OUT = Path(__file__).with_name("torch_bce_reference.json")


def case(name, logits, labels, label_smoothing=0.0):
    z = torch.tensor(np.asarray(logits, dtype=np.float64)).reshape(-1, 2)
    lab = np.asarray(labels)
    soft = lab.dtype.kind == "f"
    t = torch.tensor(lab.astype(np.float64)).reshape(-1, 2) if soft else torch.tensor(lab).reshape(-1)
    ce = F.cross_entropy(z, t, reduction="none", label_smoothing=label_smoothing)
    target1 = (t[:, 1] if soft else t.double()) * (1 - label_smoothing) + label_smoothing / 2
    gap = z[:, 1] - z[:, 0]
    bce = F.binary_cross_entropy_with_logits(gap, target1, reduction="none")
    return {
        "name": name,
        "logits": np.asarray(logits, dtype=np.float64).tolist(),
        "labels": lab.tolist(),
        "label_smoothing": label_smoothing,
        "gap": gap.tolist(),
        "target1": target1.tolist(),
        "sigmoid": torch.sigmoid(gap).tolist(),
        "bce": bce.tolist(),
        "cross_entropy": ce.reshape(-1).tolist(),
    }


def main() -> None:
    cases = [
        case("article-exercise", [[-0.0464, -0.0268], [-0.0234, -0.0091]], [0, 1]),
        case("article-binary", [0.0, 0.1616], 1),
        case("smoothed", [[2.0, -1.0], [0.3, 0.9]], [0, 1], label_smoothing=0.2),
        case("soft", [[2.0, -1.0], [0.3, 0.9]], [[0.3, 0.7], [0.9, 0.1]]),
        case("confident-wrong", [[30.0, -30.0]], [1]),
    ]
    OUT.write_text(json.dumps({"torch_version": torch.__version__, "cases": cases}, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
