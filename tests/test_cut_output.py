"""Issue 23: output cut short (ulimit -f, a full device) is one line on stderr and exit 1, never exit 0."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash for ulimit")

ROWS = 1500
FULL = Path("/dev/full")


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> tuple[str, str]:
    folder = tmp_path_factory.mktemp("batch")
    logits = [[(i * 7 + j * 3) % 11 / 10 for j in range(5)] for i in range(ROWS)]
    (folder / "l.json").write_text(json.dumps(logits))
    (folder / "t.json").write_text(json.dumps([i % 5 for i in range(ROWS)]))
    return str(folder / "l.json"), str(folder / "t.json")


def run_limited(blocks: int, out: Path, *args: str, unbuffered: bool = True, cwd: Path | None = None):
    """`ulimit -f BLOCKS; python -m xent_tutor ARGS > OUT` in bash, with or without PYTHONUNBUFFERED."""
    env = dict(os.environ)
    env.pop("PYTHONUNBUFFERED", None)
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    script = 'ulimit -f "$1"; shift; exec "$@" > "$OUT"'
    return subprocess.run(["bash", "-c", script, "bash", str(blocks), sys.executable, "-m", "xent_tutor", *args],
                          env={**env, "OUT": str(out)}, capture_output=True, text=True, timeout=300,
                          cwd=cwd)  # fmt: skip


CUT = "xent: error: cannot write output: file too large\n"


@pytest.mark.parametrize("unbuffered", [True, False], ids=["PYTHONUNBUFFERED", "buffered"])
@pytest.mark.parametrize("fmt", ["table", "markdown", "json"])
def test_ulimit_cuts_a_long_lesson(batch, tmp_path, fmt, unbuffered):
    """ulimit -f 40; xent explain ... --rows 5000 > f: stopped at 40 KiB with exit 0 and no message."""
    logits, labels = batch
    out = tmp_path / "f"
    r = run_limited(40, out, "explain", "-q", "--logits", logits, "--labels", labels, "--rows", str(ROWS), "-f", fmt,
                    unbuffered=unbuffered)  # fmt: skip
    assert r.returncode == 1 and r.stderr == CUT
    assert out.stat().st_size == 40 * 1024


@pytest.mark.parametrize("unbuffered", [True, False], ids=["PYTHONUNBUFFERED", "buffered"])
def test_ulimit_cuts_a_value(tmp_path, unbuffered):
    out = tmp_path / "f"
    r = run_limited(0, out, "explain", "-q", "-f", "value", unbuffered=unbuffered)
    assert r.returncode == 1 and r.stderr == CUT and out.read_bytes() == b""


def test_ulimit_cuts_an_export_file(batch, tmp_path):
    logits, labels = batch
    r = run_limited(40, Path(os.devnull), "explain", "-q", "--logits", logits, "--labels", labels, "--rows", "1000",
                    "--export", str(tmp_path / "x.svg"))  # fmt: skip
    assert r.returncode == 1
    assert r.stderr == (
        f"xent: error: --export: cannot write '{tmp_path / 'x.svg'}': the file would be larger than the file "
        "system or a size limit ('ulimit -f') allows\n"
    )
    assert not (tmp_path / "x.svg").exists()  # no half-written file under the name asked for
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not FULL.exists(), reason="no /dev/full")
@pytest.mark.parametrize("unbuffered", [True, False], ids=["PYTHONUNBUFFERED", "buffered"])
@pytest.mark.parametrize(
    "args",
    [
        ["explain", "-q"],
        ["explain", "-q", "-f", "markdown"],
        ["explain", "-q", "-f", "value"],
        ["explain", "-q", "-f", "json"],
        ["worksheet", "--count", "3"],
        ["exercises"],
        ["progress"],
        ["quiz", "--exercise", "article-exercise", "--answer", "0.6945"],
        ["--help"],
    ],
    ids=lambda a: " ".join(a),
)
def test_a_full_device_is_one_line_and_exit_1(args, tmp_path, unbuffered):
    env = dict(os.environ, XENT_PROGRESS_FILE=str(tmp_path / "p.json"))
    env.pop("PYTHONUNBUFFERED", None)
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    with open(FULL, "w") as full:
        r = subprocess.run([sys.executable, "-m", "xent_tutor", *args], stdout=full, stderr=subprocess.PIPE,
                           text=True, env=env, timeout=120)  # fmt: skip
    assert r.returncode == 1
    assert r.stderr == "xent: error: cannot write output: no space left on device\n"


def test_ulimit_cuts_losses_written_with_output(batch, tmp_path):
    logits, labels = batch
    r = run_limited(1, Path(os.devnull), "explain", "-q", "--logits", logits, "--labels", labels, "-f", "value",
                    "--output", str(tmp_path / "losses.csv"))  # fmt: skip
    assert r.returncode == 1 and r.stderr.startswith(f"xent: error: --output: cannot write '{tmp_path / 'losses.csv'}'")
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_does_not_exist_is_still_a_usage_error(tmp_path):
    r = subprocess.run([sys.executable, "-m", "xent_tutor", "explain", "-q", "--export", str(tmp_path / "no" / "x.svg")],
                       capture_output=True, text=True, timeout=120)  # fmt: skip
    assert r.returncode == 2 and r.stderr.count("\n") == 1
