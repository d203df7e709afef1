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
