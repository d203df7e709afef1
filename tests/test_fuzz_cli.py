"""Issue 14: fuzzed command lines exit 0 or 2; on 2 one stderr line; never an internal error or a traceback."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from xent_tutor.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def odd_files(tmp_path_factory):
    """Files a user might name by mistake, or on purpose."""
    d = tmp_path_factory.mktemp("odd")
    (d / "empty.json").write_bytes(b"")
    (d / "text.npy").write_text("[[1, 2]]")
    (d / "zeros.npy").write_bytes(b"\0" * 100)
    np.savez(d / "arc.npz", z=np.zeros(2))
    os.replace(d / "arc.npz", d / "arc.npy")
    np.save(d / "ok.npy", np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.save(d / "labels.npy", np.array([0, 1]))
    np.save(d / "strings.npy", np.array(["a", "b"]))
    (d / "semi.csv").write_text("1;2\n3;4\n")
    (d / "ok.csv").write_text("a,b\n1,2\n3,4\n")
    (d / "bad.json").write_bytes(b"\xff\xfe[1")
    (d / "deep.json").write_text("[" * 5000 + "]" * 5000)
    (d / "folder.json").mkdir()
    if hasattr(os, "mkfifo"):
        os.mkfifo(d / "fifo.csv")
    if os.path.exists("/dev/zero"):
        (d / "zero.json").symlink_to("/dev/zero")
    return sorted(str(p) for p in d.iterdir())


numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["9" * 400, "1e400", "-1e999", "nan", "inf", "-Infinity", "1" * 5000, "0x10", "1_0", "--1"]),
)
lists = st.recursive(
    numbers,
    lambda inner: st.lists(inner, min_size=0, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
    max_leaves=10,
)
junk = st.text(max_size=40) | st.sampled_from(["(0.5, 0.5)", "x" * 300, "[[1, 2]", "[1,,2]", "{}", "true", "-", ""])


def arrays(files):
    return st.one_of(lists, junk, st.sampled_from(files))


small = st.integers(-3, 30)
ints = st.one_of(small, small, st.integers(min_value=-(10**20), max_value=10**20)).map(str)  # Typer refuses non-ints
floats = st.one_of(st.floats(0, 1), st.floats(allow_nan=True)).map(repr)


def explain_args(files):
    options = st.fixed_dictionaries(
        {},
        optional={
            "--logits": arrays(files),
            "--labels": arrays(files),
            "--weight": arrays(files),
            "--ignore-index": ints,
            "--label-smoothing": floats,
            "--reduction": st.sampled_from(["mean", "sum", "none", "mean", "sum", "none", "max"]),
            "--class-dim": ints,
            "--format": st.sampled_from(["table", "json", "markdown", "value", "yaml"]),
            "--precision": st.integers(-1, 18).map(str),
            "--rows": ints,
            "--top": ints,
            "--max-input": ints,
            "--width": st.integers(30, 1100).map(str),
            "--exercise": st.sampled_from(["article-exercise", "article-binary", "nope", "", "a" * 300]),
            "--lang": st.sampled_from(["en", "zh", "fr"]),
        },
    )
    flags = st.lists(st.sampled_from(["--grad", "--quiet", "--no-color"]), max_size=2, unique=True)
    return st.tuples(options, flags).map(lambda of: ["explain", *[x for kv in of[0].items() for x in kv], *of[1]])


def quiz_args():
    options = st.fixed_dictionaries(
        {"--answer": junk | numbers},
        optional={
            "--exercise": st.sampled_from(["article-exercise", "article-binary"]) | junk,
            "--seed": ints,
            "--difficulty": st.sampled_from(["easy", "medium", "hard"]) | junk,
            "--format": st.sampled_from(["table", "json"]) | junk,
            "--lang": st.sampled_from(["en", "zh"]) | junk,
        },
    )
    return options.map(lambda o: ["quiz", *[x for kv in o.items() for x in kv]])


def check(args: list[str], stdin: str = "") -> None:
    r = runner.invoke(app, args, input=stdin)
    assert r.exception is None or isinstance(r.exception, SystemExit), (args, r.exception)
    assert "internal error" not in r.stderr and "Traceback" not in r.output, (args, r.stderr)
    if args[0] == "quiz" and "--answer" in args:
        assert r.exit_code in (0, 1, 2), (args, r.exit_code)  # grading: 1 is a wrong answer
    else:
        assert r.exit_code in (0, 2), (args, r.exit_code, r.stderr)
    if r.exit_code == 2:
        assert r.stderr.count("\n") == 1 and r.stderr.startswith("xent"), (args, r.stderr)
        assert r.stdout == "", (args, r.stdout[:200])


FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def test_fuzz_explain_command_lines(odd_files):
    @FUZZ
    @given(args=explain_args(odd_files), stdin=st.sampled_from(["", "[[1, 2]]", "1,2\n3,4\n", "\0" * 10]))
    def run(args, stdin):
        check(args, stdin)

    run()


def test_fuzz_grading_command_lines():
    @FUZZ
    @given(args=quiz_args())
    def run(args):
        check(args)

    run()


@pytest.mark.parametrize("command", ["exercises", "progress"])
def test_odd_files_as_the_progress_file(command, odd_files):
    """Whatever the progress file names: exit 0 or 2, at most one line on stderr, nothing renamed or written."""
    for path in odd_files:
        before = os.stat(path)
        r = runner.invoke(app, [command, "--progress-file", path])
        assert r.exit_code in (0, 2), (path, r.exit_code, r.stderr)
        assert "internal error" not in r.stderr and r.stderr.count("\n") <= 1, (path, r.stderr)
        after = os.stat(path)
        assert (after.st_ino, after.st_mode, after.st_mtime_ns) == (before.st_ino, before.st_mode, before.st_mtime_ns)
