"""Issue 23: signals on a real terminal and in real processes: every answer already given is kept."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")
pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")


def spawn(tmp_path, *args):
    env = dict(os.environ, XENT_PROGRESS_FILE=str(tmp_path / "progress.json"), COLUMNS="200", NO_COLOR="1")
    child = pexpect.spawn(sys.executable, ["-m", "xent_tutor", *args], env=env, encoding="utf-8", timeout=60,
                          dimensions=(50, 200))  # fmt: skip
    child.delaybeforesend = 0.3
    return child


def saved(tmp_path) -> list[dict]:
    return json.loads((tmp_path / "progress.json").read_text())["sessions"]


def answer_two_steps(child) -> None:
    child.expect("what is e\\^z")
    child.sendline("0.9547")
    child.expect("sum of e\\^z")
    child.sendline("1")  # a wrong try at the second step
    child.expect("Try again")
    child.sendline("1.9282")
    child.expect("softmax probability")
    child.expect("> ")


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)], ids=["TERM", "HUP"])
def test_sigterm_and_sighup_keep_the_answers_and_exit_with_the_usual_status(tmp_path, signum, status):
    child = spawn(tmp_path, "quiz", "--exercise", "article-exercise")
    answer_two_steps(child)
    child.kill(signum)
    child.expect(pexpect.EOF)
    assert "Traceback" not in child.before
    child.close()
    assert child.exitstatus == status and child.signalstatus is None
    [session] = saved(tmp_path)
    assert session["done"] == 2 and session["finished"] is False
    assert session["by_stage"]["exp"]["right_first"] == 1
    assert session["by_stage"]["row_sum"]["right_retry"] == 1 and session["by_stage"]["row_sum"]["wrong_tries"] == 1


def test_a_killed_quiz_loses_nothing_already_answered(tmp_path):
    child = spawn(tmp_path, "quiz", "--exercise", "article-exercise")
    answer_two_steps(child)
    child.kill(signal.SIGKILL)  # no handler runs: only what was saved as it was given is there
    child.expect(pexpect.EOF)
    child.close()
    assert child.signalstatus == signal.SIGKILL
    [session] = saved(tmp_path)
    assert session["done"] == 2 and session["by_stage"]["row_sum"]["right_retry"] == 1
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_ctrl_c_in_the_quiz_still_ends_with_the_summary(tmp_path):
    child = spawn(tmp_path, "quiz", "--exercise", "article-exercise")
    answer_two_steps(child)
    child.sendintr()
    child.expect("2 of 6 steps")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert saved(tmp_path)[0]["done"] == 2


def wait_for_handlers(pid: int) -> None:
    """Until xent's own SIGHUP handler is in place (the last of the three it installs, before any heavy import)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = Path(f"/proc/{pid}/status").read_text()
        if "State:\tZ" in status:
            break
        caught = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), 16)
        if caught & (1 << (signal.SIGHUP - 1)):
            return
        time.sleep(0.001)
    pytest.fail("xent never handled SIGHUP")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc to see the handlers")
@pytest.mark.parametrize("delay", [0.0, 0.02, 0.05, 0.1, 0.2, 0.4])
def test_ctrl_c_from_the_first_instruction_is_a_quiet_130(delay):
    """timeout -s INT 0.1 xent explain -f value: a traceback while Typer, numpy and Rich were loading."""
    proc = subprocess.Popen([sys.executable, "-m", "xent_tutor", "explain", "-q", "-f", "value"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    wait_for_handlers(proc.pid)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    # 130, or killed by SIGINT itself (-2): either way the shell says 130, and nothing is printed.
    assert proc.returncode in (0, 130, -signal.SIGINT) and err.strip() == ""
    assert out in ("", "0.6945089706917403\n")  # nothing, or the whole answer: never a part of it
    if proc.returncode == 0:
        assert out


def test_ctrl_c_on_a_terminal_while_starting_is_quiet(tmp_path):
    child = spawn(tmp_path, "explain", "-q", "--rows", "3")
    wait_for_handlers(child.pid)
    child.delaybeforesend = 0
    child.sendintr()
    child.expect(pexpect.EOF)
    assert "Traceback" not in child.before and "KeyboardInterrupt" not in child.before
    child.close()
    assert child.exitstatus in (0, 130)
