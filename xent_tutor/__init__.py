"""xent: a terminal tutor that computes PyTorch's cross-entropy loss stage by stage."""

__version__ = "0.1.0"
