"""Pin the terminal: fixed width, no colour, English, whatever the developer's shell says."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent
WIDTH = 100


@pytest.fixture(autouse=True)
def pinned_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    monkeypatch.setenv("LINES", "50")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setenv("LANG", "C.UTF-8")
    for var in ("FORCE_COLOR", "LC_ALL", "LC_MESSAGES", "XENT_LANG", "XENT_DEBUG"):
        monkeypatch.delenv(var, raising=False)


def decode(x):
    """Undo the reference file's 'nan' / 'inf' strings."""
    if isinstance(x, list):
        return [decode(v) for v in x]
    if isinstance(x, str):
        return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}[x]
    return x


def torch_cases() -> list[dict]:
    """Cases computed by PyTorch (see tests/data/make_torch_reference.py)."""
    data = json.loads((DATA / "torch_reference.json").read_text())
    return [{k: decode(v) if k in ("logits", "labels", "loss", "grad") else v
             for k, v in c.items()} for c in data["cases"]]  # fmt: skip


def assert_matches_torch(got, want) -> None:
    """Agreement to 1e-12 relative; 1e-15 absolute covers float64 rounding of losses near 0."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15, equal_nan=True)
