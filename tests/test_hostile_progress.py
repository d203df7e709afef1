"""Issue 14: a progress file nothing can break, and read commands that never rename or write it."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from xent_tutor.cli import app
from xent_tutor.practice import progress

runner = CliRunner()
ONE_RIGHT = "0.9547\n"  # the article's first stage, then end of input


def xent(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def quiz(path: Path):
    return xent("quiz", "--exercise", "article-exercise", "--progress-file", str(path), input=ONE_RIGHT)


def saved_sessions(path: Path) -> list:
    return json.loads(path.read_text("utf-8"))["sessions"]


NOT_REGULAR = "is not a regular file (a folder, device or pipe); point --progress-file or XENT_PROGRESS_FILE at a file"


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="no /dev/null")
@pytest.mark.parametrize("command", [["exercises"], ["progress"], ["quiz", "--exercise", "article-exercise"]])
def test_device_node_is_refused_and_left_alone(command):
    before = os.stat("/dev/null")
    r = xent(*command, "--progress-file", "/dev/null", input=ONE_RIGHT)
    assert r.exit_code == 2
    assert r.stderr == f"xent: error: --progress-file: '/dev/null' {NOT_REGULAR}\n"
    assert r.stdout == ""  # the quiz did not start
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "p.json")
    for command in (["exercises"], ["progress"]):
        r = xent(*command, "--progress-file", str(tmp_path / "p.json"))
        assert r.exit_code == 2 and NOT_REGULAR in r.stderr


def test_folder_in_place_of_the_file(tmp_path):
    (tmp_path / "p.json").mkdir()
    r = xent("progress", "--progress-file", str(tmp_path / "p.json"))
    assert r.exit_code == 2
    assert r.stderr == f"xent: error: --progress-file: '{tmp_path / 'p.json'}' {NOT_REGULAR}\n"


def test_symlink_is_followed_and_kept(tmp_path):
    real = tmp_path / "real" / "progress.json"
    real.parent.mkdir()
    progress.record(real, {"right": 1, "asked": 1}, [])
    link = tmp_path / "link.json"
    link.symlink_to(real)
    r = quiz(link)
    assert r.exit_code == 0, r.output
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert len(saved_sessions(real)) == 2


# xent's own files, damaged: each still begins with xent's format key.
CORRUPT = {
    "not utf-8": b'{"format": 1, "sessions": [], "solved": ["\xff"]}',
    "cut short": b'{\n "format": 2,\n "sessions": [\n  {\n   "when": "2026-',
    "sessions of numbers": b'{"format": 1, "sessions": [1, 2, 3], "solved": []}',
    "by_stage pair": b'{"format": 1, "sessions": [{"by_stage": {"exp": [0, 0, 0]}}], "solved": []}',
    "by_stage more right than asked": b'{"format": 1, "sessions": [{"by_stage": {"exp": [2, 1]}}], "solved": []}',
    "problems of numbers": b'{"format": 1, "sessions": [{"problems": [1]}], "solved": []}',
    "solved of lists": b'{"format": 1, "sessions": [], "solved": [[1]]}',
    "when a number": b'{"format": 1, "sessions": [{"when": 5}], "solved": []}',
    "format as text": b'{"format": "2", "sessions": [], "solved": []}',
}


@pytest.mark.parametrize("content", CORRUPT.values(), ids=CORRUPT.keys())
def test_read_commands_report_a_corrupt_file_and_leave_it(content, tmp_path):
    path = tmp_path / "p.json"
    path.write_bytes(content)
    for command in ("exercises", "progress"):
        r = xent(command, "--progress-file", str(path))
        assert r.exit_code == 0, r.output
        assert r.stderr.startswith(f"xent: warning: progress file '{path}' is damaged (")
        assert r.stderr.endswith("it is left as it is, and the next quiz will move it aside and start a fresh one\n")
        assert r.stderr.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json"] and path.read_bytes() == content


@pytest.mark.parametrize("content", CORRUPT.values(), ids=CORRUPT.keys())
def test_quiz_moves_a_corrupt_file_aside_and_saves_the_session(content, tmp_path):
    path = tmp_path / "p.json"
    path.write_bytes(content)
    r = quiz(path)
    assert r.exit_code == 0, r.output
    assert "1 right first try" in r.stdout
    moved = [p for p in tmp_path.iterdir() if ".bad-" in p.name]
    assert len(moved) == 1 and moved[0].read_bytes() == content
    assert f"it was moved to '{moved[0]}'" in r.stderr
    assert len(saved_sessions(path)) == 1


def test_markup_in_a_valid_file_is_shown_as_text(tmp_path):
    path = tmp_path / "p.json"
    session = {"when": "[/]", "problems": ["[bold red]x[/]", "\x1b[2J"], "right": 1, "asked": 1, "seconds": 1.0,
               "by_stage": {"exp": [1, 1]}}  # fmt: skip
    path.write_text(json.dumps({"format": 1, "sessions": [session], "solved": []}))
    r = xent("progress", "--progress-file", str(path))
    assert r.exit_code == 0, r.output
    assert "[/]" in r.stdout and "[bold red]x[/], \\x1b[2J" in r.stdout and "\x1b" not in r.stdout


def test_corrupt_file_that_cannot_be_moved(tmp_path, monkeypatch):
    path = tmp_path / "p.json"
    path.write_bytes(b'{"format": 2, "sess')

    def read_only(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(progress.os, "replace", read_only)
    r = quiz(path)
    assert r.exit_code == 2 and r.stdout == ""  # refused before the first question, not after the answers
    assert r.stderr == (
        f"xent: error: --progress-file: progress file '{path}' is damaged (not JSON) and could not be moved aside "
        "(Permission denied); nothing was changed\n"
    )
    assert path.read_bytes() == b'{"format": 2, "sess'


def test_stale_temporary_files_are_cleaned_on_the_next_write(tmp_path):
    path = tmp_path / "p.json"
    stale = [tmp_path / "p.json.a1b2c3d4.tmp", tmp_path / "p.json.zz_Y9x8w.tmp"]  # what a killed writer leaves
    for f in stale:
        f.write_text('{"format": 1, "sess')
    keep = tmp_path / "p.json.notes.tmp.txt"
    keep.write_text("mine")
    r = quiz(path)
    assert r.exit_code == 0
    assert not any(f.exists() for f in stale) and keep.exists()
    assert len(saved_sessions(path)) == 1


def test_read_commands_never_create_anything(tmp_path):
    path = tmp_path / "sub" / "p.json"
    for command in ("exercises", "progress"):
        assert xent(command, "--progress-file", str(path)).exit_code == 0
    assert not (tmp_path / "sub").exists()


# Fuzz: whatever the file holds, a read command reads it or reports it, and the quiz saves the session.

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)
records = st.fixed_dictionaries(
    {
        "format": st.sampled_from([1, 1, 1, 2, "1", 3]),
        "sessions": st.lists(json_values, max_size=3) | json_values,
        "solved": st.lists(json_values, max_size=3) | json_values,
    },
)
contents = (
    records.map(lambda d: json.dumps(d).encode())
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.binary(max_size=64)
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=contents)
def test_fuzz_progress_contents(content, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "p.json"
    path.write_bytes(content)
    kind, _, _ = progress.inspect(content)
    shown = xent("progress", "--progress-file", str(path))
    assert "internal error" not in shown.stderr and shown.stderr.count("\n") <= 1
    assert path.read_bytes() == content  # read commands never rename or write
    r = quiz(path)
    assert "internal error" not in r.stderr
    moved = [p for p in folder.iterdir() if ".bad-" in p.name]
    if kind in ("foreign", "newer"):  # not xent's (or a newer xent's): refused by both, never moved or written
        assert shown.exit_code == r.exit_code == 2 and r.stdout == ""
        assert "is not a xent progress file" in r.stderr or "newer xent" in r.stderr
        assert sorted(p.name for p in folder.iterdir()) == ["p.json"] and path.read_bytes() == content
        return
    assert shown.exit_code == 0 and r.exit_code == 0, r.output
    sessions = saved_sessions(path)
    if moved:  # xent's but damaged: kept whole beside a fresh file holding this session
        assert kind == "corrupt" and shown.stderr and moved[0].read_bytes() == content and len(sessions) == 1
    else:  # it was read: this session was added to the ones it held
        assert kind == "ok" and not shown.stderr
        before = json.loads(content)["sessions"] if content.strip() else []
        assert len(sessions) == len(before) + 1
