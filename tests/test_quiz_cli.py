"""`xent quiz`, `xent exercises`, `xent progress` through CliRunner (stdin is not a terminal)."""

from __future__ import annotations

import json
import threading

import pytest
from typer.testing import CliRunner

from xent_tutor.cli import app
from xent_tutor.lesson.text import message
from xent_tutor.practice import progress

runner = CliRunner()


@pytest.fixture
def pfile(tmp_path, monkeypatch):
    path = tmp_path / "state" / "progress.json"
    monkeypatch.setenv("XENT_PROGRESS_FILE", str(path))
    return path


def xent(*args, input=None):
    return runner.invoke(app, list(args), input=input)


def test_piped_session_reads_one_answer_per_line(pfile):
    answers = "exp(-0.0464)\ne^-0.0464 + e^-0.0268\nhint\nhint\n0.4951\n-log10(0.4951)\n(0.7030+0.6860)/2\n"
    r = xent("quiz", "--exercise", "article-exercise", input=answers)
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert out.count("✓ Right") == 4
    assert "Hint: p = e^(z_true)" in out and "Hint, with the numbers: 0.9547 / 1.9282" in out
    assert "Likely mistake: that is log base 10" in out
    assert "Score 4/5" in out and "The stage that went wrong most: -ln p" in out
    data = json.loads(pfile.read_text())
    assert data["solved"] == ["article-exercise"]
    assert data["sessions"][0]["by_stage"]["neg_log_p"] == [0, 1]


def test_end_of_input_ends_with_summary_and_keeps_progress(pfile):
    r = xent("quiz", "--exercise", "article-exercise", input="exp(-0.0464)\n")
    assert r.exit_code == 0
    assert "Score 1/1" in r.stdout
    assert json.loads(pfile.read_text())["sessions"][0]["right"] == 1


def test_quit_and_bad_arithmetic(pfile):
    r = xent("quiz", "--exercise", "article-exercise", input="__import__('os')\n0.9547\nquit\n")
    assert r.exit_code == 0
    assert "is not an answer xent can read" in r.stdout
    assert "Score 1/1" in r.stdout


def test_final_mode_and_skip(pfile):
    r = xent("quiz", "--exercise", "article-exercise", "--mode", "final", input="skip\n")
    assert "What is the final loss" in r.stdout and "Row 1" not in r.stdout
    assert "Skipped: (0.7030 + 0.6860) / 2 = 0.6945" in r.stdout


def test_show_prints_the_stage_table(pfile):
    r = xent("quiz", "--exercise", "article-exercise", "--mode", "final", input="show\n0.6945\n")
    assert "(0.7030 + 0.6860) / 2 = 0.6945" in r.stdout and "Per-sample loss" in r.stdout


def test_random_rounds_are_reproducible(pfile):
    a = xent("quiz", "--seed", "7", "--rounds", "2", "--difficulty", "medium", input="skip\n" * 10)
    b = xent("quiz", "--seed", "7", "--rounds", "2", "--difficulty", "medium", input="skip\n" * 10)
    assert a.exit_code == 0 and "Problem 2 of 2" in a.stdout
    strip = lambda s: s.split("Score")[0]  # noqa: E731
    assert strip(a.stdout) == strip(b.stdout)
    assert "seed 7" in a.stdout and "seed 8" in a.stdout


@pytest.mark.parametrize(
    "answer, code, fragment",
    [
        ("0.6945", 0, "right"),
        ("(0.7030+0.6860)/2", 0, "right"),
        ("0.69451", 0, "right"),
        ("0.69", 1, "expected 0.6945"),
        ("1.389", 1, "sum of the per-sample losses"),
        ("-0.6945", 1, "the sign"),
    ],
)
def test_grading_exit_codes(pfile, answer, code, fragment):
    r = xent("quiz", "--exercise", "article-exercise", "--answer", answer)
    assert r.exit_code == code
    assert fragment in r.stdout
    assert not pfile.exists()  # grading does not touch the learner's progress


def test_grading_json():
    r = xent("quiz", "--exercise", "article-exercise", "--answer", "0.3016", "--format", "json")
    assert r.exit_code == 1
    verdict = json.loads(r.stdout)
    assert verdict["correct"] is False and verdict["diagnosis"] == "log10"
    assert verdict["expected_rounded"] == 0.6945


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--exercise", "article-exercise", "--answer", "ln(x)"], "is not an answer xent can read"),
        (["--exercise", "article-exercise", "--answer", "9^9^9"], "too large"),
        (["--answer", "1"], "--answer needs --exercise"),
        (["--exercise", "nope"], "no exercise with id 'nope'"),
        (["--difficulty", "extreme"], "unknown difficulty"),
        (["--mode", "fast"], "unknown mode"),
        (["--rounds", "0"], "rounds must be at least 1"),
    ],
)
def test_quiz_usage_errors(args, fragment):
    r = xent("quiz", *args)
    assert r.exit_code == 2
    assert len(r.stderr.splitlines()) == 1 and fragment in r.stderr


def test_exercises_listing_marks_solved(pfile):
    xent("quiz", "--exercise", "article-binary", "--mode", "final", input="0.6156\n")
    r = xent("exercises")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert sum("article" in line for line in lines) == 2
    assert len([line for line in lines if line.strip()]) >= 13
    (binary,) = [line for line in lines if line.startswith("article-binary")]
    (exercise,) = [line for line in lines if line.startswith("article-exercise")]
    assert "✓" in binary and "✓" not in exercise


def test_progress_history_and_reset(pfile):
    assert "No quiz sessions yet" in xent("progress").stdout
    xent("quiz", "--exercise", "article-exercise", input="0.9547\n1\n")
    r = xent("progress")
    assert "article-exercise" in r.stdout and "1/2" in r.stdout
    assert "an exponential e^z" in r.stdout and "100%" in r.stdout
    r = xent("progress", "--reset")  # stdin is not a terminal: refuses to guess
    assert r.exit_code == 2 and "--yes" in r.stderr
    assert "article-exercise" in xent("progress").stdout
    r = xent("progress", "--reset", "--yes")
    assert r.exit_code == 0
    assert "No quiz sessions yet" in xent("progress").stdout


def test_corrupt_progress_file_is_moved_aside(pfile):
    pfile.parent.mkdir(parents=True)
    pfile.write_text("{not json")
    r = xent("quiz", "--exercise", "article-exercise", input="0.9547\n")
    assert r.exit_code == 0
    assert "was moved to" in r.stderr
    assert json.loads(pfile.read_text())["sessions"][0]["right"] == 1
    moved = [p for p in pfile.parent.iterdir() if ".bad-" in p.name]
    assert len(moved) == 1 and moved[0].read_text() == "{not json"


def test_unknown_version_is_moved_aside(pfile):
    pfile.parent.mkdir(parents=True)
    pfile.write_text(json.dumps({"format": 99, "sessions": []}))
    data, note = progress.load(pfile)
    assert data == progress.empty() and "format 99" in note


def test_concurrent_writers_keep_every_session(tmp_path):
    path = tmp_path / "p.json"

    def write(i):
        for j in range(10):
            progress.record(path, {"right": 1, "asked": 1, "n": f"{i}-{j}"}, [f"ex{i}"])

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    data = json.loads(path.read_text())
    assert len(data["sessions"]) == 40 and data["solved"] == ["ex0", "ex1", "ex2", "ex3"]


def test_failed_write_leaves_the_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "p.json"
    progress.record(path, {"right": 1}, [])
    before = path.read_text()

    def disk_full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(progress.json, "dump", disk_full)
    from xent_tutor.errors import XentError

    with pytest.raises(XentError) as e:
        progress.record(path, {"right": 2}, [])
    assert "No space left" in message(e.value)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []
