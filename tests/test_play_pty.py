"""xent play as a real process on an 80×24 pseudo-terminal: keys in, screen out, the command printed on exit."""

from __future__ import annotations

import io
import os
import re
import shlex
import sys

import pytest
from typer.testing import CliRunner

from xent_tutor.cli import app

pexpect = pytest.importorskip("pexpect")
SGR = re.compile(r"\x1b\[([0-9;:]*)m")


def spawn(*args: str, no_color: bool = False, lang: str = "en"):
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env |= {"TERM": "xterm-256color", "LANG": "C.UTF-8"}
    if no_color:
        env["NO_COLOR"] = "1"
    return pexpect.spawn(
        sys.executable, ["-m", "xent_tutor", "play", "--lang", lang, *args], env=env, encoding="utf-8",
        timeout=30, dimensions=(24, 80),
    )  # fmt: skip


def colours(screen: str) -> list[str]:
    """SGR parameters that set a foreground or background colour (39 and 49, the defaults, are not colours)."""
    found = []
    for m in SGR.finditer(screen):
        codes = [int(c) for c in re.split("[;:]", m.group(1)) if c]
        found += [str(c) for c in codes if 30 <= c <= 38 or 40 <= c <= 48 or 90 <= c <= 97 or 100 <= c <= 107]
    return found


def test_nudge_step_then_the_printed_command_gives_the_same_loss():
    child = spawn()
    child.expect("0.6945")
    child.send("+")
    child.expect("down 0.0246")
    child.send("g")
    child.expect("Step 1")
    child.send("e")
    child.expect("On exit")
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    command = child.before.rsplit("\x1b", 1)[-1]
    command = command[command.index("xent explain") :].strip()
    args = shlex.split(command)
    out = CliRunner().invoke(app, [*args[1:], "--format", "value"])
    assert out.exit_code == 0
    assert abs(float(out.stdout) - 0.4609) < 5e-5  # the loss after + and one step, as the screen showed


def test_no_color_means_no_colour_codes():
    child = spawn(no_color=True)
    child.logfile_read = io.StringIO()
    child.expect("0.6945")
    child.send("g")
    child.expect("Step 1")
    child.send("q")
    child.expect(pexpect.EOF)
    screen = child.logfile_read.getvalue()
    assert colours(screen) == []
    assert "▶" in screen and re.search(r"\x1b\[(?:[0-9;]*;)?7[;m]", screen)  # the cursor: a marker, in reverse


def test_colour_by_default():
    child = spawn()
    child.expect("0.6945")
    child.send("q")
    child.expect(pexpect.EOF)
    assert colours(child.before)


def test_chinese_on_a_real_terminal():
    child = spawn(lang="zh")
    child.expect("类别 0")
    child.send("g")
    child.expect("第 1 步")
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
