"""Issue 22 item 6, in CI on a fixed budget: the curated reproducers and a few random lines of tests/fuzz/fuzz.py,
as whole processes (FIFOs, devices, closed stdin need real ones). The long run is the script itself."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location("xent_fuzz", Path(__file__).parent / "fuzz" / "fuzz.py")
fuzz = importlib.util.module_from_spec(SPEC)
sys.modules["xent_fuzz"] = fuzz  # its dataclasses and its worker processes find it by name
SPEC.loader.exec_module(fuzz)

RANDOM_LINES = 12
SEED = 2026


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="FIFOs are POSIX")
def test_fuzz_on_a_fixed_budget():
    counts, bad = fuzz.run(RANDOM_LINES, SEED, jobs=2, curated=True)
    assert counts["lines"] == RANDOM_LINES + len(fuzz.CURATED)
    report = [(o.index, o.problems, o.stderr[-200:]) for o in bad]
    assert all(counts[c] == 0 for c in fuzz.CHECKS), report


def test_a_line_is_the_same_line_for_its_seed():
    assert fuzz.generate(7, 123) == fuzz.generate(7, 123)
    assert {fuzz.generate(7, i).argv[0] for i in range(200) if fuzz.generate(7, i).argv} >= {
        "explain", "quiz", "exercises", "grade", "worksheet", "progress", "play"}  # fmt: skip
    stdins = {fuzz.generate(7, i).stdin.split(":")[0] for i in range(200)}
    assert stdins == {"closed", "empty", "binary", "zero", "text"}
    envs = set().union(*(fuzz.generate(7, i).env for i in range(200)))
    assert envs == set(fuzz.ENV_POOLS)


def test_the_checks_catch_what_they_are_for(tmp_path):
    assert fuzz.RAW.search("a\x1b[2Jb") and fuzz.RAW.search("\x9b") and fuzz.RAW.search("\u202e")
    assert not fuzz.RAW.search("line\nnext\ttab 中文 \\x1b")
