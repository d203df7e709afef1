"""Issue 23: the progress file is xent's only, and nothing the user saved is moved, cut or lost."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xent_tutor.cli import app
from xent_tutor.practice import progress

runner = CliRunner()
FINAL = "(0.7030+0.6860)/2\n"  # the article exercise's loss, right: the quiz ends solved
STEPS_RIGHT = "0.9547\n1.9282\n0.4951\n0.7030\n0.6860\n0.6945\n"


def xent(*args: str, input: str | None = None, env: dict | None = None):
    return runner.invoke(app, list(args), input=input, env=env)


def listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


# What a user may name as the progress file by mistake: none of it is xent's, so none of it is touched.
FOREIGN = {
    "a class's CSV": (b"student,exercise,answer\nann,article-exercise,0.6945\n", "not JSON"),
    "passwd": (b"root:x:0:0:root:/root:/bin/bash\n", "not JSON"),
    "a JSON list": (b"[1, 2, 3]", "JSON without xent's 'format' key"),
    "another program's JSON": (b'{"name": "my-app", "version": 2}', "JSON without xent's 'format' key"),
    "random bytes": (bytes(range(256)) * 4, "not UTF-8 text"),
    "deeply nested": (b"[" * 100_000 + b"]" * 100_000, "JSON nested too deeply"),
    "a JSON string": (b'"format"', "JSON without xent's 'format' key"),
}
PATHS = {
    "quiz": ["quiz", "--exercise", "article-exercise"],
    "final": ["quiz", "--exercise", "article-exercise", "--mode", "final"],
    "drill": ["quiz", "--stage", "exp", "--rounds", "1", "--seed", "1"],
    "path": ["quiz"],
    "progress": ["progress"],
    "reset": ["progress", "--reset", "--yes"],
    "exercises": ["exercises"],
}


@pytest.mark.parametrize("command", PATHS.values(), ids=PATHS.keys())
@pytest.mark.parametrize("case", FOREIGN.values(), ids=FOREIGN.keys())
def test_a_file_that_is_not_xents_is_refused_on_every_path_and_never_moved(case, command, tmp_path):
    content, what = case
    path = tmp_path / "answers.csv"
    path.write_bytes(content)
    os.chmod(path, 0o644)
    r = xent(*command, "--progress-file", str(path), input=FINAL)
    assert r.exit_code == 2 and r.stdout == ""  # no question was asked
    assert r.stderr == (
        f"xent: error: --progress-file: '{path}' is not a xent progress file ({what}); xent leaves it as it is: "
        "move it away, or point --progress-file or XENT_PROGRESS_FILE at another file\n"
    )
    assert listing(tmp_path) == {"answers.csv": content}  # not renamed, not rewritten, no lock beside it
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644


def test_the_environment_variable_naming_etc_passwd(tmp_path):
    fake = tmp_path / "passwd"
    fake.write_text("root:x:0:0:root:/root:/bin/bash\n")
    r = xent("progress", env={"XENT_PROGRESS_FILE": str(fake)})
    assert r.exit_code == 2 and "is not a xent progress file (not JSON)" in r.stderr
    assert "move it aside" not in r.stderr and "next quiz" not in r.stderr
    assert fake.read_text() == "root:x:0:0:root:/root:/bin/bash\n"


def test_chinese_refusal(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text("a,b\n1,2\n")
    r = xent("quiz", "--lang", "zh", "--progress-file", str(path), input=FINAL)
    assert r.exit_code == 2
    assert r.stderr == (
        f"xent：错误：--progress-file：'{path}' 不是 xent 的进度文件（不是 JSON）；xent 不会改动它：请把它移走，"
        "或让 --progress-file 或 XENT_PROGRESS_FILE 指向另一个文件\n"
    )


NEWER = b'{"format": 3, "sessions": [{"when": "2030-01-01", "stars": 5}], "solved": [], "badges": ["x"]}'


@pytest.mark.parametrize("command", PATHS.values(), ids=PATHS.keys())
@pytest.mark.parametrize("content", [NEWER, NEWER[:40]], ids=["whole", "cut short"])
def test_a_newer_xents_file_is_refused_never_discarded(content, command, tmp_path):
    path = tmp_path / "progress.json"
    path.write_bytes(content)
    r = xent(*command, "--progress-file", str(path), input=FINAL)
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr == (
        f"xent: error: --progress-file: '{path}' holds progress saved by a newer xent (format 3; this one reads "
        "formats 1 to 2); it is left as it is: use that xent, or point --progress-file at another file\n"
    )
    assert listing(tmp_path) == {"progress.json": content}


DAMAGED = b'{\n "format": 2,\n "sessions": [\n  {\n   "when": "2026-01-0'  # xent's own file, cut short
QUIZ_PATHS = {
    "steps": (["quiz", "--exercise", "article-exercise"], STEPS_RIGHT),
    "final, solved": (["quiz", "--exercise", "article-exercise", "--mode", "final"], FINAL),
    "drill": (["quiz", "--stage", "exp", "--rounds", "1", "--seed", "1"], "1\n"),
    "quit at once": (["quiz", "--exercise", "article-exercise"], "quit\n"),
    "end of input at once": (["quiz", "--exercise", "article-exercise"], ""),
}


@pytest.mark.parametrize("case", QUIZ_PATHS.values(), ids=QUIZ_PATHS.keys())
def test_a_damaged_file_is_moved_aside_with_a_warning_on_every_quiz_path(case, tmp_path):
    command, answers = case
    path = tmp_path / "progress.json"
    path.write_bytes(DAMAGED)
    r = xent(*command, "--progress-file", str(path), input=answers)
    assert r.exit_code == 0, r.output
    moved = [p for p in tmp_path.iterdir() if ".bad-" in p.name]
    assert len(moved) == 1 and moved[0].read_bytes() == DAMAGED
    assert r.stderr.count(f"xent: warning: progress file '{path}' was damaged (not JSON); it was moved to ") == 1
    assert r.stderr.count("\n") == 1


def test_the_reproducer_final_mode_solved_in_a_real_process(tmp_path):
    """echo '(0.7030+0.6860)/2' | xent quiz --exercise article-exercise --mode final, damaged progress.json."""
    path = tmp_path / "progress.json"
    path.write_bytes(DAMAGED)
    env = dict(os.environ, XENT_PROGRESS_FILE=str(path))
    r = subprocess.run([sys.executable, "-m", "xent_tutor", "quiz", "--exercise", "article-exercise", "--mode",
                        "final"], input=FINAL, capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert r.returncode == 0
    moved = [p for p in tmp_path.iterdir() if ".bad-" in p.name]
    assert len(moved) == 1 and moved[0].read_bytes() == DAMAGED
    assert f"it was moved to '{moved[0]}'" in r.stderr
    assert json.loads(path.read_text())["solved"] == ["article-exercise"]


def test_a_symlink_stays_a_symlink_when_its_damaged_target_is_moved_aside(tmp_path):
    real = tmp_path / "store" / "progress.json"
    real.parent.mkdir()
    real.write_bytes(DAMAGED)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    r = xent("quiz", "--exercise", "article-exercise", "--mode", "final", "--progress-file", str(link), input=FINAL)
    assert r.exit_code == 0, r.output
    assert link.is_symlink() and os.readlink(link) == str(real)
    moved = [p for p in real.parent.iterdir() if ".bad-" in p.name]
    assert len(moved) == 1 and moved[0].read_bytes() == DAMAGED
    assert json.loads(link.read_text())["solved"] == ["article-exercise"]
    assert not any(".bad-" in p.name for p in tmp_path.iterdir())  # the link itself was not moved


def test_saving_keeps_the_files_permissions(tmp_path):
    path = tmp_path / "progress.json"
    progress.record(path, {"when": "x"}, [])
    os.chmod(path, 0o640)
    assert xent("quiz", "--exercise", "article-exercise", "--progress-file", str(path), input=FINAL).exit_code == 0
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert len(json.loads(path.read_text())["sessions"]) == 2


def test_an_empty_file_is_a_fresh_history(tmp_path):
    path = tmp_path / "progress.json"
    path.write_bytes(b"")
    r = xent("quiz", "--exercise", "article-exercise", "--mode", "final", "--progress-file", str(path), input=FINAL)
    assert r.exit_code == 0 and r.stderr == ""
    assert json.loads(path.read_text())["solved"] == ["article-exercise"]


def test_history_written_by_hand_keeps_its_keys_and_format_goes_first(tmp_path):
    path = tmp_path / "progress.json"
    path.write_text(json.dumps({"solved": [], "sessions": [{"when": "2025", "note": "mine"}], "format": 2}))
    assert xent("quiz", "--exercise", "article-exercise", "--progress-file", str(path), input=FINAL).exit_code == 0
    text = path.read_text()
    assert text.startswith('{\n "format": 2,')  # so that a damaged copy is still known as xent's
    assert json.loads(text)["sessions"][0] == {"when": "2025", "note": "mine"}


# Every answer is saved as it is given.


def sessions(path: Path) -> list[dict]:
    return json.loads(path.read_text())["sessions"] if path.exists() else []


def test_each_answer_is_in_the_file_before_the_next_question(tmp_path):
    path = tmp_path / "progress.json"
    seen = []
    real_record = progress.record

    def spy(*args, **kwargs):
        note = real_record(*args, **kwargs)
        s = sessions(path)
        seen.append(s[-1]["done"])
        return note

    try:
        progress.record = spy
        r = xent("quiz", "--exercise", "article-exercise", "--progress-file", str(path), input=STEPS_RIGHT)
    finally:
        progress.record = real_record
    assert r.exit_code == 0
    assert seen == [1, 2, 3, 4, 5, 6]  # each answer before the next question is asked; the last at the end
    assert len(sessions(path)) == 1 and sessions(path)[0]["finished"] is True  # one session, updated in place


def test_two_quizzes_at_once_keep_both_sessions(tmp_path):
    path = tmp_path / "progress.json"
    env = dict(os.environ, XENT_PROGRESS_FILE=str(path))
    cmd = [sys.executable, "-m", "xent_tutor", "quiz", "--exercise", "article-exercise"]
    procs = [subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True, env=env) for _ in range(3)]  # fmt: skip
    for p in procs:
        p.stdin.write(STEPS_RIGHT)
        p.stdin.close()
    for p in procs:
        assert p.wait(timeout=180) == 0 and p.stderr.read() == ""
    saved = sessions(path)
    assert len(saved) == 3 and all(s["done"] == 6 and s["finished"] for s in saved)
    assert len({s["id"] for s in saved}) == 3
