"""Issue 22: every subcommand, every environment variable, every kind of file: one line and exit 2, nothing lost."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xent_tutor.cli import app

runner = CliRunner()
ROOT = Path(__file__).parent.parent
LONG = "n" * 300
ARTICLE = "article-exercise"


def xent(*args: str, input: str | bytes | None = None, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), input=input, env=env)


def refused(r, message: str | None = None, ends: str | None = None) -> str:
    """Exit 2, exactly one line on stderr (this one, or ending so), no internal error."""
    assert r.exit_code == 2, (r.exit_code, r.stdout, r.stderr)
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("xent: error: "), r.stderr
    assert "internal error" not in r.stderr
    line = r.stderr[len("xent: error: ") : -1]
    if message is not None:
        assert line == message
    if ends is not None:
        assert line.endswith(ends), line
    return line


# --- Files that are not regular files: refused at once, never read. ---


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "answers.csv"
    os.mkfifo(path)  # no writer: a read would block forever
    return path


def test_grade_of_a_fifo_is_refused_at_once(fifo):
    refused(xent("grade", str(fifo)), f"cannot read '{fifo}': it is a named pipe (FIFO), not a regular file")


def test_grade_of_dev_zero_is_refused_unread():
    refused(xent("grade", "/dev/zero"), "cannot read '/dev/zero': it is a device, not a regular file")
    r = xent("grade", "/dev/zero", "--lang", "zh")
    assert r.exit_code == 2 and r.stderr == "xent：错误：无法读取 '/dev/zero'：这是设备，不是普通文件\n"


def test_grade_of_endless_stdin_stops_at_the_limit():
    class Endless:
        def read(self, n=-1):
            assert n != -1, "an unbounded read"
            return b"a" * n

    from xent_tutor import fileio

    assert fileio.read_stream(Endless(), 1000) is None


def test_grade_of_a_folder_and_a_missing_file(tmp_path):
    refused(xent("grade", str(tmp_path)), f"cannot read '{tmp_path}': it is a folder, not a file")
    refused(xent("grade", str(tmp_path / "no.csv")), f"cannot read '{tmp_path / 'no.csv'}': no such file or folder")


def test_migrate_of_a_fifo_is_refused_without_blocking(fifo):
    r = xent("exercises", "migrate", str(fifo))
    assert r.exit_code == 2 and "not a regular file" in r.stdout and "internal error" not in r.stderr


def test_migrate_of_a_deeply_nested_file(tmp_path):
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    r = xent("exercises", "migrate", str(tmp_path))
    assert r.exit_code == 2 and r.stderr == ""
    assert "nested too deeply" in r.stdout
    assert (tmp_path / "deep.json").read_text() == "[" * 100_000 + "]" * 100_000


# --- Long names: one line naming the option (or the variable). ---


@pytest.mark.parametrize(
    "args",
    [
        ["progress", "--progress-file", LONG],
        ["exercises", "--progress-file", LONG],
        ["quiz", "--exercise", ARTICLE, "--progress-file", LONG],
        ["progress", "--reset", "--yes", "--progress-file", LONG],
    ],
)
def test_a_300_byte_progress_file_name(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    line = refused(xent(*args, input="q\n"))
    assert line.startswith("--progress-file: cannot read '") and line.endswith(
        "a name in the path is 300 bytes long; file systems allow at most 255"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_300_byte_progress_file_name_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    line = refused(xent("progress", env={"XENT_PROGRESS_FILE": LONG}))
    assert line.startswith("environment variable XENT_PROGRESS_FILE: cannot read '")
    r = xent("progress", "--lang", "zh", env={"XENT_PROGRESS_FILE": LONG})
    assert r.stderr.startswith("xent：错误：环境变量 XENT_PROGRESS_FILE：无法读取 '")


def test_a_300_byte_summary_name_is_refused_before_grading(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.csv").write_text(f"ann,{ARTICLE},0.6945\n")
    refused(
        xent("grade", "a.csv", "--summary", LONG),
        ends="a name in the path is 300 bytes long; file systems allow at most 255",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]


# --- One overwrite rule: --force or the file stays as it was. ---


@pytest.mark.parametrize(
    "option, name",
    [("--export", "existing.svg"), ("--export", "existing.txt"), ("--output", "existing.npy"), ("--output", "l.csv")],
)
def test_explain_never_replaces_a_file_without_force(option, name, tmp_path):
    path = tmp_path / name
    path.write_bytes(b"the user's own file")
    refused(xent("explain", option, str(path)), f"{option}: '{path}' already exists; use --force to replace it")
    assert path.read_bytes() == b"the user's own file"
    r = xent("explain", option, str(path), "--force")
    assert r.exit_code == 0, r.stderr
    assert path.read_bytes() != b"the user's own file"
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no temporary file left


def test_explain_refuses_before_computing(tmp_path, monkeypatch):
    (tmp_path / "x.svg").write_text("mine")
    from xent_tutor import service

    def never(*a, **k):
        raise AssertionError("computed before refusing")

    monkeypatch.setattr(service, "run_explain", never)
    refused(xent("explain", "--export", str(tmp_path / "x.svg")), ends="already exists; use --force to replace it")
    refused(xent("explain", "--output", str(tmp_path / "l.txt")))


def test_export_through_a_symlink_keeps_the_link(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    assert xent("explain", "--export", str(link), "--force").exit_code == 0
    assert link.is_symlink() and "Reduction" in real.read_text()


def test_export_to_a_device_or_folder_is_refused(tmp_path):
    (tmp_path / "null.txt").symlink_to("/dev/null")
    refused(xent("explain", "--export", str(tmp_path / "null.txt"), "--force"), ends="it is not a regular file")
    refused(xent("explain", "--export", str(tmp_path / "no" / "x.txt")), ends="its folder does not exist")
    (tmp_path / "d.svg").mkdir()
    refused(xent("explain", "--export", str(tmp_path / "d.svg"), "--force"), ends="it is a folder, not a file")


# --- Sizes: absurd numbers are refused, not an OverflowError. ---


@pytest.mark.parametrize("value", ["99999999999999", "65537", "0", "-1"])
def test_max_input_out_of_range(value):
    refused(xent("explain", "--max-input", value, "--logits", "-", "--labels", "[0]", input="[[1, 2]]"),
            f"--max-input: max-input must be between 1 and 65536 (MiB), got {value}")  # fmt: skip


def test_max_input_large_but_allowed_reads_only_what_is_there():
    r = xent("explain", "--max-input", "65536", "--logits", "-", "--labels", "[0]", "-f", "value", input="[[1, 2]]")
    assert r.exit_code == 0 and r.stdout.strip() == "1.3132616875182228"  # ln(1 + e): p of class 0 is 1/(1+e)


def test_double_dash_before_the_command():
    r = xent("--", "explain", "-f", "value")
    assert r.exit_code == 0 and r.stdout.strip() == "0.6945089706917403"


def copy_exercises(dst: Path) -> None:
    shutil.copytree(ROOT / "exercises", dst)


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data))


# --- Environment variables, checked like options. ---


def warned(r) -> list[str]:
    return [line for line in r.stderr.splitlines() if line.startswith("xent: warning: ")]


@pytest.mark.parametrize("args", [["explain"], ["explain", "-f", "markdown"], ["--", "explain"], ["progress"]])
def test_columns_beyond_any_integer_is_clamped_with_one_warning(args, tmp_path):
    r = xent(*args, env={"COLUMNS": "99999999999999999999", "XENT_PROGRESS_FILE": str(tmp_path / "p.json")})
    assert r.exit_code == 0, r.stderr
    assert warned(r) == [
        "xent: warning: environment variable COLUMNS is 99999999999999999999; using 1000 (40 to 1000 columns)"
    ]
    assert "internal error" not in r.stderr


@pytest.mark.parametrize("value", ["0", "abc", "-5", "\x1b[31m", "1e3", " "])
def test_unusable_columns_is_ignored_with_one_warning(value):
    r = xent("explain", env={"COLUMNS": value})
    assert r.exit_code == 0 and "Reduction" in r.stdout  # not an invisible lesson
    if value.strip():
        shown = value.replace("\x1b", "\\x1b")
        assert warned(r) == [f"xent: warning: environment variable COLUMNS is '{shown}', not a number of columns; "
                             "it is ignored"]  # fmt: skip
    assert "\x1b" not in r.stderr


def test_small_columns_is_raised_to_the_narrowest_layout():
    r = xent("explain", env={"COLUMNS": "20"})
    assert r.exit_code == 0
    assert warned(r) == ["xent: warning: environment variable COLUMNS is 20; using 40 (40 to 1000 columns)"]
    assert max(len(line) for line in r.stdout.splitlines()) <= 40


def test_lines_and_lang_and_force_color():
    r = xent("explain", "-f", "value", env={"LINES": "0", "XENT_LANG": "fr", "FORCE_COLOR": "maybe"})
    assert r.exit_code == 0 and r.stdout.strip() == "0.6945089706917403"
    assert warned(r) == [
        "xent: warning: environment variable LINES is '0', not a number of lines; it is ignored",
        "xent: warning: environment variable XENT_LANG is 'fr', and xent speaks en or zh; it is ignored",
        "xent: warning: environment variable FORCE_COLOR is 'maybe', and only 1 (force colour) or 0 (do not) is "
        "understood; it is ignored",
    ]


def test_force_color_zero_means_not_forced():
    r = xent("explain", env={"FORCE_COLOR": "0", "NO_COLOR": None, "TERM": "xterm-256color"})
    assert r.exit_code == 0 and "\x1b[" not in r.stdout and r.stderr == ""


def test_warnings_in_chinese():
    r = xent("explain", "--lang", "zh", "-f", "value", "-q", env={"COLUMNS": "abc"})  # -q: no loss-doctor note
    assert r.stderr == "xent：警告：环境变量 COLUMNS 的值 'abc' 无法使用，已忽略：不是列数\n"


@pytest.mark.parametrize("value", ["0", "abc", "99999999999999999999", "257", "٣"])
def test_threads_variable_is_refused_with_its_name(value):
    refused(xent("explain", env={"XENT_NUM_THREADS": value}),
            f"the environment variable XENT_NUM_THREADS must be a whole number from 1 to 256; got '{value}'")  # fmt: skip


def test_threads_variable_unused_by_other_commands(tmp_path):
    r = xent("progress", env={"XENT_NUM_THREADS": "abc", "XENT_PROGRESS_FILE": str(tmp_path / "p.json")})
    assert r.exit_code == 0 and r.stderr == ""


def test_threads_option_bounded():
    refused(
        xent("explain", "--threads", "100000000000"), "--threads: threads must be between 1 and 256, got 100000000000"
    )


# --- Exercise folders from the environment: read lazily and per file. ---


def article() -> dict:
    return json.loads((ROOT / "exercises" / "article-exercise.json").read_text())


BROKEN = {
    "answer-list": {"answer": [1.0]},
    "answer-text": {"answer": "zero"},
    "options-list": {"options": ["mean"]},
    "ragged": {"logits": [[1.0, 2.0], [3.0]], "labels": [0, 0]},
    "hints-number": {"hints": 7},
    "title-list": {"title": ["a"]},
}


@pytest.fixture(params=sorted(BROKEN))
def broken_folder(request, tmp_path):
    ident = f"mine-{request.param}"
    data = article() | {"id": ident, "order": None} | BROKEN[request.param]
    data.pop("order")
    write_json(tmp_path / f"{ident}.json", data)
    return tmp_path, ident


@pytest.mark.parametrize(
    "args",
    [
        ["explain", "--format", "markdown"],
        ["explain", "-f", "value"],
        ["explain", "--exercise", ARTICLE, "-f", "value"],
        ["quiz", "--exercise", ARTICLE, "--answer", "0.6945"],
        ["worksheet", "--count", "1"],
        ["grade", "-"],
    ],
)
def test_commands_that_do_not_use_a_broken_file_never_read_it(args, broken_folder, tmp_path, monkeypatch):
    folder, _ = broken_folder
    monkeypatch.chdir(tmp_path)
    r = xent(*args, input=f"ann,{ARTICLE},0.6945\n", env={"XENT_EXERCISES": str(folder)})
    assert r.exit_code == 0, r.stderr
    assert "warning" not in r.stderr and "invalid" not in r.stderr and "internal" not in r.stderr


def test_the_listing_skips_a_broken_file_with_one_warning(broken_folder, tmp_path):
    folder, ident = broken_folder
    r = xent("exercises", "--progress-file", str(tmp_path / "p.json"), env={"XENT_EXERCISES": str(folder)})
    assert r.exit_code == 0, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"xent: warning: exercise file {folder / ident}.json:")


def test_a_command_that_asks_for_the_broken_file_exits_2_naming_it(broken_folder, tmp_path):
    folder, ident = broken_folder
    progress = ["--progress-file", str(tmp_path / "p.json")]
    for args in (["quiz", "--exercise", ident, "--mode", "final", *progress], ["explain", "--exercise", ident]):
        line = refused(xent(*args, input="q\n", env={"XENT_EXERCISES": str(folder)}))
        assert line.startswith(f"exercise file {folder / ident}.json:")  # file:line:column: the reason


def test_a_teacher_file_with_a_built_in_id_is_still_a_clash(tmp_path):
    write_json(tmp_path / f"{ARTICLE}.json", article())
    line = refused(xent("explain", "--exercise", ARTICLE, env={"XENT_EXERCISES": str(tmp_path)}))
    assert ARTICLE in line


def test_migrate_and_check_of_a_5000_digit_number(tmp_path):
    """Found by the fuzz (seed 1, line 50): Python refuses int('9' * 5000); the file is kept, one problem named."""
    path = tmp_path / "huge.json"
    path.write_text("[[" + "9" * 5000 + ", 1e400]]")
    for args in (["exercises", "migrate", str(path)], ["exercises", "check", str(path)]):
        r = xent(*args)
        assert r.exit_code == 2 and "internal error" not in r.stderr
        assert f"{path}:1:1: error: not valid JSON" in r.stdout
    assert path.read_text().startswith("[[999")
