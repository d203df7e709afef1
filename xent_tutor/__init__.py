"""xent: a terminal tutor that computes PyTorch's cross-entropy loss stage by stage.

>>> import xent_tutor
>>> xent_tutor.explain([[-0.0464, -0.0268], [-0.0234, -0.0091]], [0, 1]).loss  # doctest: +ELLIPSIS
0.6945...
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Explanation", "InputError", "__version__", "explain"]

if TYPE_CHECKING:
    from .api import Explanation, InputError, explain


def __getattr__(name: str) -> Any:
    # The API imports numpy: only when it is used, so `xent --version` and `import xent_tutor` stay instant.
    if name in ("explain", "Explanation", "InputError"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'xent_tutor' has no attribute {name!r}")
