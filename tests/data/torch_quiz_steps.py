"""Write PyTorch's value of every quiz stage, row by row, to torch_quiz_steps.json (the quiz tests' golden values).

Problems: every exercise in exercises/, plus fixed random problems (their inputs are stored here, so
the file does not depend on xent). Run with a Python that has torch (pip install torch==2.13.0 numpy):
    python tests/data/torch_quiz_steps.py
"""

import json
from pathlib import Path

import torch
import torch.nn.functional as F

HERE = Path(__file__).parent
GENERATED = json.loads((HERE / "quiz_problems.json").read_text("utf-8"))["problems"]


def stages(logits, labels, options):
    z = torch.tensor(logits, dtype=torch.float64)
    z2 = z if z.dim() == 2 else z.unsqueeze(0)
    soft = isinstance(labels, list) and labels and isinstance(labels[0], list)
    labels2 = [labels] if z.dim() == 1 and not soft and not isinstance(labels, list) else labels
    target = torch.tensor(labels2, dtype=torch.float64) if soft else torch.tensor(labels2)
    weight = options.get("weight")
    w = None if weight is None else torch.tensor(weight, dtype=torch.float64)
    kw = dict(
        weight=w, ignore_index=options.get("ignore_index", -100), label_smoothing=options.get("label_smoothing", 0.0)
    )
    per_sample = F.cross_entropy(z2, target, reduction="none", **kw)
    loss = F.cross_entropy(z2, target, reduction=options.get("reduction", "mean"), **kw)
    # The per-sample value the quiz asks: -ln p of the label (no weight) for plain labels;
    # -Σ_c w_c t_c ln p_c (PyTorch's 'none' output) for soft or smoothed targets.
    plain = not soft and not options.get("label_smoothing")
    unweighted = F.cross_entropy(z2, target, reduction="none", ignore_index=kw["ignore_index"]) if plain else per_sample
    return {
        "exp": torch.exp(z2).tolist(),
        "exp_shifted": torch.exp(z2 - z2.max(dim=1, keepdim=True).values).tolist(),
        "row_sum": torch.exp(z2).sum(dim=1).tolist(),
        "row_sum_shifted": torch.exp(z2 - z2.max(dim=1, keepdim=True).values).sum(dim=1).tolist(),
        "p": torch.softmax(z2, dim=1).tolist(),
        "log_p": torch.log_softmax(z2, dim=1).tolist(),
        "sample": unweighted.tolist(),
        "per_sample_none": per_sample.tolist(),
        "loss": loss.item(),
    }


out = {}
for path in sorted((HERE.parents[1] / "exercises").glob("*.json")):
    ex = json.loads(path.read_text("utf-8"))
    out[ex["id"]] = {
        "logits": ex["logits"],
        "labels": ex["labels"],
        "options": ex.get("options", {}),
        **stages(ex["logits"], ex["labels"], ex.get("options", {})),
    }
for prob in GENERATED:
    out[prob["id"]] = {**prob, **stages(prob["logits"], prob["labels"], prob["options"])}
meta = {"torch": torch.__version__, "problems": out}
(HERE / "torch_quiz_steps.json").write_text(json.dumps(meta, indent=1) + "\n")
print(len(out), "problems written")
