"""Generate torch_doctor.json: what PyTorch does with the inputs the loss doctor (issue 20) comments on.

Run with a Python that has torch (not a dependency of xent):  python tests/data/make_doctor_reference.py
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import torch
import torch.nn.functional as F

OUT = Path(__file__).with_name("torch_doctor.json")
torch.set_default_dtype(torch.float64)


def main() -> None:
    out: dict = {}
    # Softmax outputs passed as logits: CrossEntropyLoss softmaxes them again; NLLLoss on their log is the intent.
    p = torch.tensor([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]])
    y = torch.tensor([0, 1])
    out["probs"] = {"logits": p.tolist(), "labels": y.tolist(), "ce": F.cross_entropy(p, y).item(),
                    "nll_log": F.nll_loss(torch.log(p), y).item()}  # fmt: skip
    # Log-probabilities passed as logits: log_softmax is idempotent, so the loss is the raw scores' loss.
    z = torch.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0], [1.0, 1.0, 0.0]])
    y = torch.tensor([0, 2, 1])
    lp = F.log_softmax(z, dim=1)
    out["log_probs"] = {"logits": lp.tolist(), "labels": y.tolist(), "ce_log_probs": F.cross_entropy(lp, y).item(),
                        "ce_raw": F.cross_entropy(z, y).item()}  # fmt: skip
    # A uniform guess: equal logits cost ln C per sample.
    z = torch.zeros(3, 4)
    y = torch.tensor([0, 3, 1])
    out["guess"] = {"logits": z.tolist(), "labels": y.tolist(), "ce": F.cross_entropy(z, y).item(), "ln_c": math.log(4)}
    # Most samples ignored: the mean rests on the counted ones.
    z = torch.tensor([[1.0, 2.0], [3.0, 1.0], [0.0, 0.5], [2.0, 2.5]])
    y = torch.tensor([1, -100, -100, -100])
    out["mostly_ignored"] = {"logits": z.tolist(), "labels": y.tolist(), "ce": F.cross_entropy(z, y).item()}
    # One class takes every label.
    z = torch.tensor([[1.0, 2.0, 0.0], [3.0, 1.0, 0.5], [0.0, 0.5, 0.2]])
    y = torch.tensor([2, 2, 2])
    out["one_class"] = {"logits": z.tolist(), "labels": y.tolist(), "ce": F.cross_entropy(z, y).item()}
    # Whole-number float labels: PyTorch refuses them as class indices.
    z = torch.tensor([[1.0, 2.0], [3.0, 1.0]])
    try:
        F.cross_entropy(z, torch.tensor([1.0, 0.0]))
        refused = ""
    except RuntimeError as e:
        refused = str(e).splitlines()[0]
    out["float_labels"] = {"logits": z.tolist(), "labels": [1.0, 0.0], "refused": refused,
                           "ce_long": F.cross_entropy(z, torch.tensor([1, 0])).item()}  # fmt: skip
    # A language model's (N, T, V) logits with (N, T) labels: the classes must be moved to dimension 1.
    g = torch.Generator().manual_seed(0)
    z = torch.randn(2, 5, 7, generator=g)
    y = torch.randint(0, 7, (2, 5), generator=g)
    try:
        F.cross_entropy(z, y)
        refused = ""
    except (RuntimeError, ValueError) as e:
        refused = str(e).splitlines()[0]
    out["class_last"] = {"logits": z.tolist(), "labels": y.tolist(), "refused_as_given": refused,
                         "ce_movedim": F.cross_entropy(z.movedim(-1, 1), y).item()}  # fmt: skip
    OUT.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
