"""Issue 14, real processes: closed, full, broken and non-UTF-8 standard streams (one line, honest exit code)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

XENT = [sys.executable, "-m", "xent_tutor"]
HAS_FULL = Path("/dev/full").exists()


def env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "PYTHONIOENCODING")}
    return {**base, **extra}


def shell(redirect: str, *args: str, **extra: str) -> subprocess.CompletedProcess:
    """Run xent under bash with a redirection such as '>&-' or '>/dev/full'; stderr is captured unless redirected."""
    quoted = " ".join("'" + a.replace("'", "'\\''") + "'" for a in [*XENT, *args])
    return subprocess.run(["bash", "-c", f"{quoted} {redirect}"], capture_output=True, text=True,
                          env=env(), timeout=60)  # fmt: skip


def one_line(stderr: str) -> str:
    assert stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
    return stderr.strip()


COMMANDS = [
    ["--version"],
    ["explain", "--format", "value", "-q"],  # -q: the article's loss-doctor note would be a second stderr line
    ["explain", "--format", "json", "-q"],
    ["explain", "--format", "markdown"],
    ["explain"],
    ["exercises"],
    ["quiz", "--exercise", "article-exercise", "--answer", "0.6945"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_closed_stdout(args, tmp_path):
    r = (
        shell(">&-", *args, "--progress-file", str(tmp_path / "p.json"))
        if args[0] == "exercises"
        else shell(">&-", *args)
    )
    assert r.returncode == 1
    assert one_line(r.stderr) == "xent: error: cannot write output: stdout is closed"


@pytest.mark.skipif(not HAS_FULL, reason="no /dev/full on this system")
@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_full_stdout(args):
    r = shell(">/dev/full", *args)
    assert r.returncode == 1
    assert one_line(r.stderr) == "xent: error: cannot write output: no space left on device"


@pytest.mark.skipif(not HAS_FULL, reason="no /dev/full on this system")
def test_bad_option_with_full_stderr_still_exits_2():
    r = shell("2>/dev/full", "explain", "--rows", "0")
    assert r.returncode == 2
    assert r.stdout == ""


def test_closed_stderr_keeps_the_exit_code():
    assert shell("2>&-", "explain", "--rows", "0").returncode == 2
    r = shell("2>&-", "explain", "--format", "value")  # its note (0.6945 is near ln 2) goes unsaid, exit 0
    assert r.returncode == 0 and r.stdout == "0.6945089706917403\n"


def test_closed_stdin_without_reading_it():
    r = shell("<&-", "explain", "--format", "value")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "0.6945089706917403\n"


def test_closed_stdin_when_asked_to_read_it():
    r = shell("<&-", "explain", "--logits", "-", "--labels", "[0]")
    assert r.returncode == 2
    assert one_line(r.stderr) == "xent: error: --logits: '-' reads standard input, which is not available here"


@pytest.mark.parametrize(
    "args",
    [["explain", "--format", "json", "-q"], ["explain", "--reduction", "none", "--format", "value"], ["explain"]],
    ids=lambda a: " ".join(a),
)
def test_broken_pipe_is_exit_1_for_every_format(args):
    read, write = os.pipe()
    os.close(read)  # the reader is gone before xent writes a byte
    try:
        r = subprocess.run([*XENT, *args], stdout=write, stderr=subprocess.PIPE, text=True, env=env(), timeout=60)
    finally:
        os.close(write)
    assert r.returncode == 1
    assert one_line(r.stderr) == "xent: error: cannot write output: the reader closed the pipe"


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
@pytest.mark.parametrize(
    "args",
    [["explain", "--lang", "zh"], ["explain", "--format", "markdown", "--lang", "zh"], ["exercises"]],
    ids=lambda a: " ".join(a),
)
def test_non_utf8_stdout_falls_back_to_ascii_escapes(encoding, args, tmp_path):
    extra = ["--progress-file", str(tmp_path / "p.json")] if args[0] == "exercises" else []
    r = subprocess.run([*XENT, *args, *extra], capture_output=True, env=env(PYTHONIOENCODING=encoding), timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stderr == b""
    r.stdout.decode(encoding)  # nothing the encoding cannot show
    if "zh" in args:
        assert b"\\u635f\\u5931" in r.stdout  # 损失, escaped instead of a crash


def test_non_utf8_stderr_message():
    r = subprocess.run([*XENT, "explain", "--rows", "0", "--lang", "zh"], capture_output=True,
                       env=env(PYTHONIOENCODING="ascii"), timeout=60)  # fmt: skip
    assert r.returncode == 2
    assert r.stderr.count(b"\n") == 1
    r.stderr.decode("ascii")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_endless_stdin_is_cut_at_the_limit():
    r = shell("</dev/zero", "explain", "--logits", "-", "--labels", "[0]", "--max-input", "1")
    assert r.returncode == 2
    assert one_line(r.stderr) == (
        "xent: error: --logits: '-' is larger than 1 MiB; --max-input N raises the limit to N MiB (or save the array as .npy)"
    )


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_quiz_fed_from_dev_zero_ends(tmp_path):
    r = shell("</dev/zero", "quiz", "--exercise", "article-exercise", "--progress-file", str(tmp_path / "p.json"))
    assert r.returncode == 0 and "Unfinished" in r.stdout and r.stderr == ""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="no SIGKILL here")
def test_temporary_file_of_a_killed_writer_is_removed_on_the_next_save(tmp_path):
    path = tmp_path / "p.json"
    writer = (
        "import json, sys, time\n"
        "from pathlib import Path\n"
        "from xent_tutor.practice import progress\n"
        "def slow(*a, **k):\n"
        "    print('writing', flush=True)\n"
        "    time.sleep(60)\n"
        "progress.json.dump = slow\n"
        f"progress.record(Path({str(path)!r}), {{'right': 1}}, [])\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", writer], stdout=subprocess.PIPE, text=True, env=env())
    assert proc.stdout.readline() == "writing\n"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    stale = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(stale) == 1  # what the kill left behind
    r = subprocess.run([*XENT, "quiz", "--exercise", "article-exercise", "--progress-file", str(path)],
                       input="0.9547\n", capture_output=True, text=True, env=env(), timeout=60)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())
    assert len(json.loads(path.read_text())["sessions"]) == 1


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
@pytest.mark.parametrize(
    "args",
    [["explain", "-f", "json", "--lang", "zh", "--logits", "[[1, 2]]", "--labels", "[0]"],
     ["quiz", "--exercise", "article-exercise", "--answer", "0.3016", "-f", "json", "--lang", "zh"]],
    ids=["explain", "grade"],
)  # fmt: skip
def test_json_on_a_non_utf8_stdout_is_still_json(encoding, args):
    plain = subprocess.run([*XENT, *args], capture_output=True, env=env(), timeout=60)
    r = subprocess.run([*XENT, *args], capture_output=True, env=env(PYTHONIOENCODING=encoding), timeout=60)
    assert r.returncode == plain.returncode
    assert json.loads(r.stdout.decode("ascii")) == json.loads(plain.stdout.decode("utf-8"))
