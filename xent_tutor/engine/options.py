"""PyTorch's CrossEntropyLoss options, shared by the problem (core) and the batch pass (batch)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Options:
    """PyTorch's CrossEntropyLoss options."""

    reduction: str = "mean"
    weight: np.ndarray | None = None
    ignore_index: int = -100
    label_smoothing: float = 0.0

    @classmethod
    def from_dict(cls, d: dict) -> Options:
        """Options as an exercise file writes them (any missing one takes PyTorch's default)."""
        weight = d.get("weight")
        return cls(
            reduction=d.get("reduction", "mean"),
            weight=None if weight is None else np.asarray(weight, dtype=np.float64),
            ignore_index=int(d.get("ignore_index", -100)),
            label_smoothing=float(d.get("label_smoothing", 0.0)),
        )
