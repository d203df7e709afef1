"""Generate play_reference.json: what PyTorch says after known `xent play` key sequences.

Each case lists the keys pressed in the app and does the same arithmetic with torch: the nudges
(z + step, in float64), the options the keys switch on, then one gradient step z - lr * z.grad with
the gradient from autograd. Run with a Python that has torch (not a dependency of xent):
    /work/wt/torchenv/bin/python tests/data/make_play_reference.py
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
import torch.nn.functional as F

OUT = Path(__file__).with_name("play_reference.json")
ARTICLE = [[-0.0464, -0.0268], [-0.0234, -0.0091]]
BATCH_MEAN = [[1.0, 0.0, -1.0], [0.5, 0.5, 0.0], [-1.0, 2.0, 0.0]]


def loss_and_step(z, labels, lr, weight=None, smoothing=0.0, reduction="mean", ignore_index=-100):
    z = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    y = torch.tensor(labels)
    w = None if weight is None else torch.tensor(weight, dtype=torch.float64)
    kw = {"weight": w, "label_smoothing": smoothing, "reduction": reduction, "ignore_index": ignore_index}
    loss = F.cross_entropy(z, y, **kw)
    loss.backward()
    after = (z - lr * z.grad).detach()
    loss_after = F.cross_entropy(after, y, **kw)
    return {
        "logits": z.detach().tolist(),
        "loss": loss.item(),
        "grad": z.grad.tolist(),
        "lr": lr,
        "logits_after": after.tolist(),
        "loss_after": loss_after.item(),
    }


def nudges() -> dict:
    """Cursor starts on row 1's true class (0); + + on it, then row 2 class 0 down, step 0.25, row 2 class 1 up."""
    z = [row[:] for row in ARTICLE]
    z[0][0] = z[0][0] + 0.1
    z[0][0] = z[0][0] + 0.1
    z[1][0] = z[1][0] - 0.1
    z[1][1] = z[1][1] + 0.25
    keys = ["plus", "plus", "down", "minus", "right_square_bracket", "right", "plus", "g"]
    return {"name": "article-nudges", "exercise": "article-exercise", "keys": keys, "labels": [0, 1]} | loss_and_step(
        z, [0, 1], 1.0
    )


def options() -> dict:
    """Smoothing on (0.1), class 0's weight to 2, reduction sum, lr 2, a nudge of row 1 class 0, one step."""
    z = [row[:] for row in ARTICLE]
    z[0][0] = z[0][0] + 0.1
    keys = ["m", "w", "n", "greater_than_sign", "plus", "g"]
    step = loss_and_step(z, [0, 1], 2.0, weight=[2.0, 1.0], smoothing=0.1, reduction="sum")
    return {"name": "article-options", "exercise": "article-exercise", "keys": keys, "labels": [0, 1]} | step


def labels() -> dict:
    """batch-mean: row 1's label 0 -> 1, row 2's label 2 -> the ignore index -100, then one step at lr 1."""
    keys = ["l", "down", "l", "g"]
    step = loss_and_step(BATCH_MEAN, [1, -100, 1], 1.0)
    return {"name": "batch-labels", "exercise": "batch-mean", "keys": keys, "labels": [1, -100, 1]} | step


def main() -> None:
    data = {"torch": torch.__version__, "cases": [nudges(), options(), labels()]}
    OUT.write_text(json.dumps(data, indent=1) + "\n")


if __name__ == "__main__":
    main()
