"""Write PyTorch's loss for every exercise in exercises/ to torch_exercise_answers.json (the tests' golden values).

Run with a Python that has torch (pip install torch==2.13.0 numpy):
    python tests/data/torch_exercise_answers.py
"""

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

HERE = Path(__file__).parent
answers = {}
for path in sorted((HERE.parents[1] / "exercises").glob("*.json")):
    ex = json.loads(path.read_text("utf-8"))
    o = ex.get("options", {})
    labels = np.asarray(ex["labels"])
    target = torch.tensor(labels) if labels.dtype.kind in "iu" else torch.tensor(labels, dtype=torch.float64)
    weight = o.get("weight")
    loss = F.cross_entropy(
        torch.tensor(ex["logits"], dtype=torch.float64),
        target,
        weight=None if weight is None else torch.tensor(weight, dtype=torch.float64),
        ignore_index=o.get("ignore_index", -100),
        reduction=o.get("reduction", "mean"),
        label_smoothing=o.get("label_smoothing", 0.0),
    ).item()
    answers[ex["id"]] = {"logits": ex["logits"], "labels": ex["labels"], "options": o, "loss": loss}
    flag = "ok" if abs(round(loss, 4) - ex["answer"]) < 1e-9 else "DIFFERS"
    print(f"{ex['id']:22} stored {ex['answer']:<8} torch {loss!r:22} {flag}")
meta = {"torch": torch.__version__, "exercises": answers}
(HERE / "torch_exercise_answers.json").write_text(json.dumps(meta, indent=1) + "\n")
