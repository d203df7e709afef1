"""The interactive quiz on a real pseudo-terminal, as a learner types it."""

from __future__ import annotations

import json
import os
import sys

import pytest

pexpect = pytest.importorskip("pexpect")


def spawn(tmp_path, *args):
    env = dict(os.environ, XENT_PROGRESS_FILE=str(tmp_path / "progress.json"), COLUMNS="100", NO_COLOR="1")
    child = pexpect.spawn(
        sys.executable, ["-m", "xent_tutor", "quiz", *args], env=env, encoding="utf-8", timeout=20,
        dimensions=(50, 100),
    )  # fmt: skip
    return child


def test_full_session_with_hint_wrong_answer_and_diagnosis(tmp_path):
    child = spawn(tmp_path, "--exercise", "article-exercise")
    child.expect("what is e\\^z")
    child.sendline("hint")
    child.expect("Hint: e\\^z = exp\\(z\\)")
    child.sendline("exp(-0.0464)")
    child.expect("Right: exp\\(-0.0464\\) = 0.9547")
    child.expect("sum of e\\^z")
    child.sendline("e^-0.0464")
    child.expect("Likely mistake: that is only the true class's e\\^z")
    child.expect("softmax probability")
    child.sendline("0.9547/1.9282")
    child.expect("Right")
    child.expect("what is -ln p")
    child.sendline("ln(0.4951)")
    child.expect("Likely mistake: the sign")
    child.expect("final loss")
    child.sendline("(0.7030+0.6860)/2")
    child.expect("Score 3/5")
    child.expect("The stage that went wrong most")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    data = json.loads((tmp_path / "progress.json").read_text())
    assert data["solved"] == ["article-exercise"]


def test_ctrl_c_ends_cleanly_with_summary(tmp_path):
    child = spawn(tmp_path, "--exercise", "article-exercise")
    child.expect("what is e\\^z")
    child.sendline("0.9547")
    child.expect("sum of e\\^z")
    child.sendintr()
    child.expect("Score 1/1")
    child.expect(pexpect.EOF)
    assert "Traceback" not in child.before
    child.close()
    assert child.exitstatus == 130
    assert json.loads((tmp_path / "progress.json").read_text())["sessions"][0]["right"] == 1


def test_end_of_input_ends_cleanly(tmp_path):
    child = spawn(tmp_path, "--seed", "3")
    child.expect("> ")
    child.sendeof()
    child.expect("Score 0/0")
    child.expect(pexpect.EOF)
    assert "Traceback" not in child.before
    child.close()
    assert child.exitstatus == 0
