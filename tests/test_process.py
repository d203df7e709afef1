"""Real processes: the console script and `python -m xent_tutor`, as a shell user runs them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from xent_tutor import __version__

SCRIPT = shutil.which("xent", path=str(Path(sys.executable).parent)) or shutil.which("xent")


def run(args: list[str], cwd: Path, stdin: str = "") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return subprocess.run(args, cwd=cwd, input=stdin, capture_output=True, text=True, env=env, timeout=60)


def test_python_m_from_any_folder(tmp_path):
    r = run([sys.executable, "-m", "xent_tutor", "explain", "--format", "value"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "0.6945089706917403\n"


@pytest.mark.skipif(SCRIPT is None, reason="the xent console script is not installed")
def test_console_script(tmp_path):
    r = run([SCRIPT, "--version"], tmp_path)
    assert r.stdout.strip() == f"xent {__version__}"
    r = run([SCRIPT, "explain"], tmp_path)
    assert r.returncode == 0 and "0.6945" in r.stdout
    assert "\x1b[" not in r.stdout  # not a terminal: no escape codes
    r = run([SCRIPT, "explain", "--exercise", "article-binary", "-f", "value"], tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("0.6156")


def test_bad_input_in_a_real_process(tmp_path):
    r = run([sys.executable, "-m", "xent_tutor", "explain", "--logits", "-", "--labels", "[0, 5]"],
            tmp_path, stdin="[[1, 2], [3, 4]]")  # fmt: skip
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1 and "out of range" in r.stderr
    assert "Traceback" not in r.stderr


def test_script_pipeline(tmp_path):
    """loss=$(xent explain ... --format value) works in a shell script."""
    script = tmp_path / "s.sh"
    script.write_text(
        f'loss=$("{sys.executable}" -m xent_tutor explain --logits "[[0, 0, 0]]" --labels "[1]" -f value)\n'
        'echo "got $loss"\n'
    )
    r = run(["bash", str(script)], tmp_path)
    assert r.stdout.startswith("got 1.0986122886681")
