"""One training step of a tiny PyTorch classifier, then the same loss explained by xent, stage by stage.

Run it where torch is installed (xent itself never needs torch):  python examples/torch_step.py
"""

import torch
import torch.nn.functional as F

import xent_tutor

torch.manual_seed(0)
model = torch.nn.Linear(4, 3)
x, y = torch.randn(5, 4), torch.tensor([0, 2, 1, 1, 0])
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

logits = model(x)
loss = F.cross_entropy(logits, y, label_smoothing=0.1)
loss.backward()
optimizer.step()

e = xent_tutor.explain(logits, y, label_smoothing=0.1)  # a tensor that requires grad is read as it is
# The model's logits are float32: torch computes the loss in float32, xent in float64 from the same numbers,
# so the two agree to float32's precision (about 7 significant digits).
print(f"F.cross_entropy: {loss.item():.6f}")
print(f"xent_tutor:      {e.loss:.6f}")
e.show(brief=True)  # in a notebook, a cell that ends with `e` shows the same lesson
