"""Issue 14, in-process: hostile arguments and files give exit 2 and one clear line, in bounded memory and time."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from pathlib import Path
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from xent_tutor.cli import app
from xent_tutor.cli import explain as cli_explain
from xent_tutor.engine import inputs
from xent_tutor.engine.inputs import read_array

runner = CliRunner()
LIST = ["--labels", "[0]"]


def xent(*args: str, input: str | bytes | None = None):
    return runner.invoke(app, list(args), input=input)


def refused(r, message: str) -> None:
    """Exit 2, nothing on stdout, and exactly this one line on stderr."""
    assert r.exit_code == 2, r.output
    assert r.stdout == ""
    assert r.stderr == "xent: error: " + message + "\n"


# 3. Numbers beyond float64, anywhere a number is read.


@pytest.mark.parametrize("digits", [400, 5000])
def test_huge_number_in_an_argument(digits):
    big = "9" * digits
    refused(xent("explain", "--logits", f"[[1, {big}]]", *LIST),
            f"--logits: row 1, column 2: {'9' * 20}… is too large for a float64 number (beyond ±1.8e308)")  # fmt: skip
    refused(xent("explain", "--logits", "[[1, 2]]", "--labels", f"[{big}]"),
            f"--labels: item 1: {'9' * 20}… is too large for a float64 number (beyond ±1.8e308)")  # fmt: skip
    refused(xent("explain", "--logits", "[[1, 2]]", *LIST, "--weight", f"[1, {big}]"),
            f"--weight: item 2: {'9' * 20}… is too large for a float64 number (beyond ±1.8e308)")  # fmt: skip


def test_huge_number_in_files(tmp_path):
    (tmp_path / "z.csv").write_text("a,b\n1,2\n3," + "9" * 400 + "\n")
    (tmp_path / "z.json").write_text("[[1, 2], [3, 1e400]]")
    refused(xent("explain", "--logits", str(tmp_path / "z.csv"), "--labels", "[0, 1]"),
            f"--logits: line 3, column 2: {'9' * 20}… is too large for a float64 number (beyond ±1.8e308) (in {tmp_path / 'z.csv'})")  # fmt: skip
    refused(xent("explain", "--logits", str(tmp_path / "z.json"), "--labels", "[0, 1]"),
            f"--logits: row 2, column 2: 1e400 is too large for a float64 number (beyond ±1.8e308) (in {tmp_path / 'z.json'})")  # fmt: skip


def test_spelled_infinity_is_still_accepted():
    r = xent("explain", "--logits", "[[1, inf]]", *LIST, "-f", "value", "-q")
    assert r.exit_code == 0 and r.stdout == "nan\n"


def test_a_number_that_only_looks_big_is_a_number():
    r = xent("explain", "--logits", "[[1e300, 0]]", *LIST, "-f", "value")
    assert r.exit_code == 0 and r.stdout == "0.0\n"


# 4. Long arguments that are not lists, and long exercise ids.


def test_long_non_list_argument():
    typo = "(" + ", ".join(["0.5"] * 60) + ")"
    refused(xent("explain", "--logits", typo, *LIST),
            f"--logits: '{typo[:20]}…' is neither a list like [[1.0, 2.0]], a number, nor an existing .json, .csv or .npy file")  # fmt: skip


def test_long_file_name():
    name = "x" * 300 + ".json"
    refused(xent("explain", "--logits", name, *LIST),
            f"--logits: '{name[:20]}…' is neither a list like [[1.0, 2.0]], a number, nor an existing .json, .csv or .npy file")  # fmt: skip


@pytest.mark.parametrize("command", [["explain"], ["quiz"]])
@pytest.mark.parametrize("ident", ["a" * 256, "", "bad\x1b[2Jid", "two words"])
def test_exercise_ids_that_are_not_ids(command, ident, tmp_path, monkeypatch):
    monkeypatch.setenv("XENT_PROGRESS_FILE", str(tmp_path / "p.json"))
    shown = ident[:60].replace("\x1b", "\\x1b")
    refused(xent(*command, "--exercise", ident),
            f"--exercise: no exercise with id '{shown}'; 'xent exercises' lists them")  # fmt: skip


# 5, 13, 18, 22. Files named .npy that are not (whole) .npy arrays.


def test_npz_renamed_npy(tmp_path):
    np.savez(tmp_path / "a.npz", z=np.zeros((2, 2)))
    os.replace(tmp_path / "a.npz", tmp_path / "a.npy")
    refused(xent("explain", "--logits", str(tmp_path / "a.npy"), *LIST),
            f"--logits: '{tmp_path / 'a.npy'}' is not a .npy file (it does not start with numpy's .npy signature)")  # fmt: skip


@pytest.mark.parametrize("content", [b"", b"[[1, 2]]\n", b"\0" * 64], ids=["empty", "text", "zeros"])
def test_not_a_npy_file(content, tmp_path):
    path = tmp_path / "z.npy"
    path.write_bytes(content)
    refused(xent("explain", "--logits", str(path), *LIST),
            f"--logits: '{path}' is not a .npy file (it does not start with numpy's .npy signature)")  # fmt: skip


def _npy_claiming(shape: tuple[int, ...]) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return buf.getvalue()


def test_npy_header_claiming_more_than_the_file_holds(tmp_path):
    path = tmp_path / "z.npy"
    path.write_bytes(_npy_claiming((2**40, 3)) + b"\0" * 48)
    start = time.monotonic()
    refused(xent("explain", "--logits", str(path), *LIST),
            f"--logits: '{path}' is cut short: its header says shape (1099511627776, 3) (26388279066624 bytes) but the file holds 48 bytes of data")  # fmt: skip
    assert time.monotonic() - start < 5


def test_npy_header_claims_checked_on_stdin_too():
    r = xent("explain", "--logits", "-", *LIST, input=_npy_claiming((2**40, 3)))
    refused(
        r,
        "--logits: '-' is cut short: its header says shape (1099511627776, 3) (26388279066624 bytes) but the file holds 0 bytes of data",
    )


def test_empty_npy_array_is_an_empty_batch_not_an_abort(tmp_path):
    np.save(tmp_path / "e.npy", np.zeros((0, 3)))
    refused(xent("explain", "--logits", str(tmp_path / "e.npy"), *LIST),
            "--labels: 1 labels for 0 rows of logits: give one label per row")  # fmt: skip
    np.save(tmp_path / "y.npy", np.zeros((0,), dtype=np.int64))
    r = xent("explain", "--logits", str(tmp_path / "e.npy"), "--labels", str(tmp_path / "y.npy"), "-f", "value", "-q")
    assert r.exit_code == 0 and r.stdout == "nan\n"  # PyTorch's mean over no samples


def test_npz_zip_on_stdin_is_not_text():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("z.npy", b"x")
    r = xent("explain", "--logits", "-", *LIST, input=buf.getvalue())
    assert r.exit_code == 2 and len(r.stderr.splitlines()) == 1


# 12, 20. Devices, FIFOs and symlinks to them are refused before a byte is read.


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
@pytest.mark.parametrize("name", ["z.json", "z.csv", "z.npy"])
def test_symlink_to_a_device(name, tmp_path):
    (tmp_path / name).symlink_to("/dev/zero")
    refused(xent("explain", "--logits", str(tmp_path / name), *LIST),
            f"--logits: '{tmp_path / name}' is not a regular file (a device, pipe or socket); give a file, or '-' to read standard input")  # fmt: skip


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "z.json")
    refused(xent("explain", "--logits", str(tmp_path / "z.json"), *LIST),
            f"--logits: '{tmp_path / 'z.json'}' is not a regular file (a device, pipe or socket); give a file, or '-' to read standard input")  # fmt: skip


class _Zeros(io.RawIOBase):
    """Standard input that never ends, like /dev/zero."""

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        b[:] = b"\0" * len(b)
        return len(b)


def test_endless_stdin_is_cut_at_the_limit():
    with pytest.raises(Exception) as err:
        read_array("-", "logits", io.BufferedReader(_Zeros()), max_bytes=1 << 20)
    assert err.value.key == "input_too_large"


def test_stdin_and_files_over_max_input(tmp_path):
    text = "[" + ", ".join(["[1.0, 2.0]"] * 120_000) + "]"  # 1.4 MB
    r = xent("explain", "--logits", "-", "--labels", "0", "--max-input", "1", input=text)
    refused(
        r, "--logits: '-' is larger than 1 MiB; --max-input N raises the limit to N MiB (or save the array as .npy)"
    )
    (tmp_path / "z.json").write_text(text)
    r = xent("explain", "--logits", str(tmp_path / "z.json"), "--labels", "0", "--max-input", "1")
    refused(
        r,
        f"--logits: '{tmp_path / 'z.json'}' is larger than 1 MiB; --max-input N raises the limit to N MiB (or save the array as .npy)",
    )
    refused(xent("explain", "--max-input", "0"), "--max-input: max-input must be between 1 and 65536 (MiB), got 0")


# 22. CSV files with another separator.


@pytest.mark.parametrize(
    ("text", "said"),
    [("a;b;c\n1;2;0.5\n", "';'"), ("1;2;0.5\n", "';'"), ("1\t2\t0.5\n", "tabs"), ("1 2 0.5\n3 4 5\n", "spaces")],
)
def test_csv_with_another_separator(text, said, tmp_path):
    path = tmp_path / "z.csv"
    path.write_text(text)
    refused(xent("explain", "--logits", str(path), *LIST),
            f"--logits: line 1 separates values with {said}; xent reads commas (1.0,2.0) (in {path})")  # fmt: skip


def test_csv_header_with_a_space_is_still_a_header(tmp_path):
    path = tmp_path / "y.csv"
    path.write_text("true label\n0\n1\n")
    r = xent("explain", "--logits", "[[1, 2], [3, 4]]", "--labels", str(path), "-f", "value")
    assert r.exit_code == 0, r.output


# 6, 24. Option values checked, conflicts named.


def test_negative_seed():
    refused(xent("quiz", "--seed", "-1"), "--seed: seed must be 0 or more, got -1")
    refused(xent("quiz", "--seed", "-1", "--answer", "1"), "--seed: seed must be 0 or more, got -1")


def test_seed_with_exercise():
    refused(xent("quiz", "--seed", "3", "--exercise", "article-exercise", "--answer", "1"),
            "--seed: --seed picks a random problem; it cannot be combined with --exercise")  # fmt: skip


@pytest.mark.parametrize("dim", ["5", "2", "-2"])
def test_class_dim_with_1d_logits(dim):
    refused(xent("explain", "--logits", "[0.3, -1.2, 2.0]", "--labels", "2", "--class-dim", dim),
            f"--class-dim: class dimension {dim} does not fit logits with 1 dimensions (dimension 0 is the batch)")  # fmt: skip


@pytest.mark.parametrize("dim", ["0", "-1", "1"])
def test_class_dim_that_fits_1d_logits(dim):
    r = xent("explain", "--logits", "[0.3, -1.2, 2.0]", "--labels", "2", "--class-dim", dim, "-f", "value")
    assert r.exit_code == 0 and r.stdout.startswith("0.2")


def test_multi_line_answer_is_one_line():
    r = xent("quiz", "--exercise", "article-exercise", "--answer", "1\n2")
    assert r.exit_code == 2
    assert r.stderr.count("\n") == 1 and "'1\\n2'" in r.stderr


@pytest.mark.parametrize("width", ["39", "1001", "100000000000"])
def test_width_bounds(width):
    refused(xent("explain", "--width", width), f"--width: width must be between 40 and 1000, got {width}")


# 16. --top and --rows bounded; the summary is skipped when nothing shows it.


def test_top_and_rows_are_clamped_to_the_batch_and_skipped_for_value():
    for args in (["--top", str(10**18)], ["--rows", str(10**11)]):
        r = xent("explain", *args, "-f", "value")
        assert r.exit_code == 0 and r.stdout == "0.6945089706917403\n"
        assert xent("explain", *args).exit_code == 0  # two samples: every one is shown


def test_more_than_ten_thousand_shown_is_refused():
    logits = "[" + ", ".join(["[0, 1]"] * 10_001) + "]"
    labels = "[" + ", ".join(["0"] * 10_001) + "]"
    batch = ["--logits", logits, "--labels", labels]
    refused(xent("explain", *batch, "--rows", str(10**11)),
            "--rows: 10001 of this batch's 10001 samples would be listed; at most 10000 are shown (every sample still counts in the loss, and --output writes every loss)")  # fmt: skip
    refused(xent("explain", *batch, "--top", str(10**18), "-f", "json"),
            "--top: 10001 of this batch's 10001 samples would be listed; at most 10000 are shown (every sample still counts in the loss, and --output writes every loss)")  # fmt: skip
    r = xent("explain", *batch, "--top", str(10**18), "--rows", str(10**11), "-f", "value")
    assert r.exit_code == 0 and float(r.stdout) == pytest.approx(1.3132616875182228)


def test_top_beyond_the_batch_is_clamped():
    r = xent("explain", "--top", "10000", "-f", "json")
    assert r.exit_code == 0
    import json

    assert len(json.loads(r.stdout)["summary"]["top"]) == 2


def test_value_format_skips_the_summary(monkeypatch):
    import xent_tutor.engine.core as core

    monkeypatch.setattr(core, "summarize", lambda *a, **k: pytest.fail("summary computed for --format value"))
    r = xent("explain", "--top", "5", "-f", "value")
    assert r.exit_code == 0 and r.stdout == "0.6945089706917403\n"


# 15. --grad --format json is streamed, and refused above a stated size.


def test_grad_json_refused_above_the_limit(monkeypatch):
    monkeypatch.setattr(cli_explain, "MAX_GRAD_JSON", 3)
    refused(xent("explain", "--grad", "-f", "json"),
            "--grad: --format json would write the gradient of all 4 logits, more than 3; use the table view for the first rows' gradients")  # fmt: skip


def test_grad_json_streamed_matches_the_gradient():
    import json

    r = xent("explain", "--grad", "-f", "json")
    assert r.exit_code == 0
    grad = json.loads(r.stdout)["grad"]
    p = np.exp([[-0.0464, -0.0268], [-0.0234, -0.0091]])
    p /= p.sum(1, keepdims=True)
    want = (p - np.eye(2)[[0, 1]]) / 2  # (softmax - one-hot) / N, by hand
    np.testing.assert_allclose(grad, want, rtol=1e-12)


# 7, 17, 21. Untrusted text is shown, never interpreted.


def test_control_characters_in_a_csv_cell_are_escaped(tmp_path):
    path = tmp_path / "z.csv"
    path.write_text("1,\x1b]0;PWNED\x07\x1b[2J\n")
    r = xent("explain", "--logits", str(path), *LIST)
    assert r.exit_code == 2
    assert "\x1b" not in r.stderr and "\x07" not in r.stderr
    assert (
        r.stderr
        == f"xent: error: --logits: line 1, column 2: '\\x1b]0;PWNED\\x07\\x1b[2J' is not a number (in {path})\n"
    )


def test_control_characters_in_arguments_are_escaped():
    r = xent("explain", "--format", "\x1b[2J")
    refused(r, "--format: unknown format '\\x1b[2J': choose table, json, markdown or value")


def test_piped_quiz_echo_is_not_markup(tmp_path, monkeypatch):
    monkeypatch.setenv("XENT_PROGRESS_FILE", str(tmp_path / "p.json"))
    answers = "0.9547\n1.9283\n[/]\n[bold red]x[/]\n\x1b]0;PWNED\x07\n0.4951\n0.7030\n0.6860\n0.6945\n"
    r = xent("quiz", "--exercise", "article-exercise", input=answers)
    assert r.exit_code == 0, r.output
    assert "> [/]" in r.stdout and "> [bold red]x[/]" in r.stdout
    assert "> \\x1b]0;PWNED\\x07" in r.stdout and "\x1b" not in r.stdout
    assert "6 of 6 steps" in r.stdout and "6 right first try" in r.stdout  # the odd lines are no tries
    assert (tmp_path / "p.json").exists()


def test_piped_quiz_long_line_and_many_blank_lines(tmp_path, monkeypatch):
    monkeypatch.setenv("XENT_PROGRESS_FILE", str(tmp_path / "p.json"))
    answers = "1" * 10_000_000 + "\n" + "\n" * 100_000 + "0.9547\n"
    start = time.monotonic()
    r = xent("quiz", "--exercise", "article-exercise", input=answers)
    assert time.monotonic() - start < 10
    assert r.exit_code == 0, r.output
    echo = next(line for line in r.stdout.splitlines() if line.startswith("> 1"))
    assert echo == "> " + "1" * 97 + "…"  # one line, cut to the terminal's width
    assert "(too long)" in r.stdout
    assert "1 of 6 steps" in r.stdout and "1 right first try" in r.stdout


# 14. Big JSON lists are read at json's own speed; mistakes in them are still named precisely.


@pytest.mark.parametrize("text", ["[[inf, 1e400]]", "[[Infinity, 1e400]]", "[[nan, -1e999]]"])
def test_too_large_beside_a_spelled_infinity(text):
    r = xent("explain", "--logits", text, *LIST)
    assert r.exit_code == 2 and "is too large for a float64 number" in r.stderr


def test_spelled_infinities_in_a_big_list_and_a_ragged_last_row(tmp_path):
    rows = [[float(i % 7), -1.5, 2.25] for i in range(20_000)]
    text = json.dumps(rows).replace("[0.0,", "[nan,").replace("[6.0,", "[-inf,")
    (tmp_path / "z.json").write_text(text)
    np.save(tmp_path / "y.npy", np.zeros(20_000, dtype=np.int64))
    r = xent("explain", "--logits", str(tmp_path / "z.json"), "--labels", str(tmp_path / "y.npy"), "-f", "json", "-q")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["shape"]["logits"] == [20_000, 3]
    (tmp_path / "bad.json").write_text(text[:-2] + ", 1]]")
    refused(xent("explain", "--logits", str(tmp_path / "bad.json"), "--labels", str(tmp_path / "y.npy")),
            f"--logits: row 20000 has 4 values but row 1 has 3: every row needs one score per class (in {tmp_path / 'bad.json'})")  # fmt: skip


_TOKENS = ["1", "-2", "+3", "1.5", "1e3", "1_0", "0x10", "inf", "-inf", "Infinity", "nan", " 4 ", "", "1e400", "9" * 25,
           "1.", ".", "-0", "1e", "x", "１"]  # fmt: skip


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=3).map(",".join), min_size=1, max_size=4))
def test_fast_csv_reader_agrees_with_the_careful_one(lines):
    """numpy's C reader is used only where the careful reader gives the same array (dtype, shape, values)."""
    text = "\n".join(lines)
    fast = inputs._csv_fast(text)
    if fast is None:
        return
    with patch.object(inputs, "_csv_fast", lambda _: None):
        careful = inputs.parse_csv(text, "logits")
    assert careful.dtype == fast.dtype and careful.shape == fast.shape
    np.testing.assert_array_equal(careful, fast)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_exercise_file_that_is_a_fifo_or_a_device(tmp_path):
    os.mkfifo(tmp_path / "ex.json")
    refused(xent("explain", "--exercise", str(tmp_path / "ex.json")),
            f"exercise file {tmp_path / 'ex.json'}: cannot read the file: not a regular file")  # fmt: skip
    if Path("/dev/zero").exists():
        (tmp_path / "zero.json").symlink_to("/dev/zero")
        refused(xent("quiz", "--exercise", str(tmp_path / "zero.json"), "--answer", "1"),
                f"exercise file {tmp_path / 'zero.json'}: cannot read the file: not a regular file")  # fmt: skip
