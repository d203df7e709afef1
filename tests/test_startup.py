"""Issue 20 item 6: a command imports only what it needs (the start-up figures are in benchmarks/README.md)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("numpy", "typer", "rich", "uniseg", "textual", "pydantic")
PROBE = """
import runpy, sys
sys.argv = ["xent", *sys.argv[1:]]
try:
    runpy.run_module("xent_tutor", run_name="__main__")
except SystemExit:
    pass
sys.stderr.write("\\nMODULES " + " ".join(sorted({m.split(".")[0] for m in sys.modules})) + "\\n")
"""


def _imported(*args: str) -> set[str]:
    r = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=60)
    line = r.stderr.strip().splitlines()[-1]
    assert line.startswith("MODULES "), r.stderr
    return set(line.split()[1:]) & set(HEAVY)


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        (("--version",), set()),
        (("explain", "--format", "value"), {"numpy", "typer", "pydantic"}),
        (("quiz", "--exercise", "article-exercise", "--answer", "0.6945"), {"numpy", "typer", "pydantic"}),
    ],
    ids=["version", "value", "quiz-answer"],
)
def test_a_command_imports_only_what_it_needs(args, allowed):
    assert _imported(*args) <= allowed


def test_the_lesson_imports_rich_but_not_textual():
    found = _imported("explain")
    assert "rich" in found and "textual" not in found


def test_import_xent_tutor_imports_neither_typer_nor_textual_nor_numpy():
    code = f"import sys, xent_tutor; print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "[]", r.stdout + r.stderr
