"""`xent explain` through Typer's CliRunner: what a user sees, and what a script gets."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from conftest import WIDTH, assert_matches_torch, torch_cases
from typer.testing import CliRunner

from xent_tutor import __version__
from xent_tutor.cli import app

runner = CliRunner()
ARTICLE = ["--logits", "[[-0.0464, -0.0268], [-0.0234, -0.0091]]", "--labels", "[0, 1]"]


def xent(*args: str, input: str | bytes | None = None):
    return runner.invoke(app, list(args), input=input)


def test_version():
    r = xent("--version")
    assert r.exit_code == 0
    assert r.stdout.strip() == f"xent {__version__}"


def test_no_input_explains_the_article_exercise():
    r = xent("explain")
    assert r.exit_code == 0, r.output
    out = r.stdout
    titles = ["Raw scores", "Stability shift", "Exponentials", "Softmax", "Target", "true class's",
              "−ln p", "Reduction"]  # fmt: skip
    positions = [out.index(t) for t in titles]
    assert positions == sorted(positions)
    for number in ("-0.0464*", "0.4951*", "0.5036*", "0.7030", "0.6860"):
        assert number in out
    assert "(0.7030 + 0.6860) / 2 = 0.6945" in out


def test_explicit_input_matches_default():
    assert xent("explain", *ARTICLE).stdout == xent("explain").stdout


def test_value_format_is_full_precision():
    r = xent("explain", *ARTICLE, "--format", "value")
    assert r.stdout == "0.6945089706917403\n"
    # 0.6945 is 0.2% above ln 2: the loss doctor's one note, and nothing else
    assert r.stderr.startswith("xent: note: The mean loss per sample, 0.6945, is within 1% of ln 2 = 0.6931")
    assert r.stderr.count("\n") == 1
    assert xent("explain", *ARTICLE, "--format", "value", "-q").stderr == ""


def test_precision_changes_only_display():
    r = xent("explain", "--precision", "6")
    assert "0.694509" in r.stdout
    assert xent("explain", "--precision", "6", "-f", "value").stdout == "0.6945089706917403\n"


def test_json_format():
    r = xent("explain", *ARTICLE, "--format", "json")
    data = json.loads(r.stdout)
    assert data["loss"] == pytest.approx(0.6945089706917403, rel=1e-15)
    assert len(data["per_sample_loss"]) == 2
    for stage in (
        "logits",
        "shifted",
        "exp",
        "row_sum",
        "softmax",
        "target",
        "p_true",
        "neg_log_p",
    ):
        assert stage in data["stages"]
    assert data["stages"]["target"] == [[1.0, 0.0], [0.0, 1.0]]


def test_json_none_reduction_is_a_list_and_nan_is_null():
    r = xent("explain", "--logits", "[[1, 2], [3, 4]]", "--labels", "[-100, -100]", "-f", "json")
    data = json.loads(r.stdout)
    assert data["loss"] is None
    assert "NaN" in r.stderr  # the note explains why, on stderr
    r = xent("explain", *ARTICLE, "--reduction", "none", "-f", "json")
    assert [round(x, 4) for x in json.loads(r.stdout)["loss"]] == [0.7030, 0.6860]


def test_markdown_format():
    r = xent("explain", "--format", "markdown")
    assert r.exit_code == 0
    assert "| row | label | class 0 | class 1 |" in r.stdout
    assert "**0.4951\\***" in r.stdout
    assert "`(0.7030 + 0.6860) / 2 = 0.6945`" in r.stdout


def test_all_ignored_table_says_nan_and_why():
    r = xent("explain", "--logits", "[[1, 2]]", "--labels", "[-100]")
    assert r.exit_code == 0
    assert "0 / 0" in r.stdout and "NaN" in r.stdout


def test_weighted_mean_shows_the_weight_denominator():
    r = xent("explain", *ARTICLE, "--weight", "[1, 3]")
    assert "/ (1.0000 + 3.0000) =" in r.stdout


def test_exercise_option():
    r = xent("explain", "--exercise", "article-binary", "-f", "value")
    assert round(float(r.stdout), 4) == 0.6156


def test_stdin():
    r = xent("explain", "--logits", "-", "--labels", "[0, 1]", "-f", "value",
             input="[[-0.0464, -0.0268], [-0.0234, -0.0091]]")  # fmt: skip
    assert r.stdout == "0.6945089706917403\n"


def test_files(tmp_path):
    z = tmp_path / "z.npy"
    np.save(z, np.array([[-0.0464, -0.0268], [-0.0234, -0.0091]]))
    y = tmp_path / "y.csv"
    y.write_text("label\n0\n1\n")
    r = xent("explain", "--logits", str(z), "--labels", str(y), "-f", "value")
    assert r.stdout == "0.6945089706917403\n"


@pytest.mark.parametrize("case", torch_cases(), ids=lambda c: c["name"])
def test_json_agrees_with_pytorch(case):
    args = ["explain", "--logits", json.dumps(case["logits"]),
            "--labels", json.dumps(case["labels"]),
            "--reduction", case["reduction"], "--ignore-index", str(case["ignore_index"]),
            "--label-smoothing", str(case["label_smoothing"]), "-f", "json"]  # fmt: skip
    if case["weight"] is not None:
        args += ["--weight", json.dumps(case["weight"])]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    loss = json.loads(r.stdout)["loss"]
    nan_to = np.vectorize(lambda v: math.nan if v is None else v, otypes=[float])
    want = np.asarray(case["loss"], dtype=float)
    # JSON writes nan and inf as null.
    assert_matches_torch(nan_to(np.asarray(loss, dtype=object)), np.where(np.isfinite(want), want, math.nan))


BAD = [
    (["--logits", "[[1, 2], [3]]", "--labels", "[0, 1]"], "row 2 has 1 values"),
    (
        ["--logits", "[[1, 2], [3, abc]]", "--labels", "[0, 1]"],
        "row 2, column 2: 'abc' is not a number",
    ),
    (["--logits", "[]", "--labels", "[0]"], "no classes"),
    (["--logits", "", "--labels", "[0]"], "empty"),
    (["--logits", "[" * 12 + "1" + "]" * 12, "--labels", "[0]"], "deeper"),
    (["--logits", "[[1, 2]]", "--labels", "[2]"], "label 2 in row 1 is out of range"),
    (["--logits", "[[1, 2]]", "--labels", "[0.5]"], "not a whole number"),
    (["--logits", "[[1, 2], [3, 4]]", "--labels", "[0]"], "1 labels for 2 rows"),
    (["--logits", "[[1, 2]]", "--labels", "[[0.5, 0.25, 0.25]]"], "do not match"),
    (["--logits", "[[1, 2]]", "--labels", "[[0.6, 0.6]]"], "add up to 1.2, not 1"),
    (["--logits", "[[1, 2]]", "--labels", "[[1.5, -0.5]]"], "probability -0.5"),
    (
        ["--logits", "[[1, 2]]", "--labels", "[0]", "--weight", "[1, 2, 3]"],
        "3 weights for 2 classes",
    ),
    (["--logits", "[[1, 2]]", "--labels", "[0]", "--weight", "[1, -2]"], "class 1 is -2"),
    (["--logits", "[[1, 2]]", "--labels", "[0]", "--label-smoothing", "1.5"], "between 0 and 1"),
    (["--logits", "[[1, 2]]", "--labels", "[0]", "--label-smoothing", "-0.1"], "between 0 and 1"),
    (["--logits", "[[1, 2]]", "--labels", "[0]", "--reduction", "avg"], "unknown reduction 'avg'"),
    (["--logits", "missing.json", "--labels", "[0]"], "'missing.json' not found"),
    (["--logits", "notes.txt", "--labels", "[0]"], "not found"),
    (["--logits", "[[1, 2]]", "--labels", "[0]", "--format", "xml"], "unknown format 'xml'"),
    (["--logits", "[[1, 2]]", "--labels", "[0]", "--ignore-index", "x"], "--ignore-index"),
    (["--logits", "[[1, 2]]", "--labels", "[0]", "--bogus"], "No such option: --bogus"),
    (["--logits", "[[1, 2]]"], "--labels"),
    (["--logits", "-", "--labels", "-"], "only one option can read standard input"),
    (["--exercise", "nope"], "no exercise with id 'nope'"),
    (["--exercise", "article-binary", "--logits", "[[1, 2]]"], "cannot be combined"),
    (["--logits", "[[1, 2]]", "--labels", "[[0.5, 0.5]]", "--ignore-index", "1"], "ignore-index"),
    (["--rows", "0"], "rows must be at least 1"),
    (["--precision", "99"], "precision"),
]


@pytest.mark.parametrize("args, fragment", BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_input_is_one_line_exit_2(args, fragment):
    r = runner.invoke(app, ["explain", *args], input="[[1, 2]]")
    assert r.exit_code == 2, r.output
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("xent: error: ")
    assert fragment in lines[0]
    assert "Traceback" not in r.stderr


def test_bad_files(tmp_path):
    (tmp_path / "notes.txt").write_text("1,2")
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("1,2\n3,x\n")
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"logits": [1, 2]}')
    obj = tmp_path / "obj.npy"
    np.save(obj, np.array([object()], dtype=object), allow_pickle=True)
    unreadable = tmp_path / "secret.json"
    unreadable.write_text("[[1, 2]]")
    unreadable.chmod(0)
    cases = [
        (tmp_path / "notes.txt", "unknown file type '.txt'"),
        (bad_csv, "line 2, column 2: 'x' is not a number"),
        (bad_json, "found a JSON object"),
        (obj, "holds Python objects"),
        (tmp_path, "is a directory, not a file"),
    ]
    import os

    if os.geteuid() != 0:  # root reads anything
        cases.append((unreadable, "cannot read"))
    for path, fragment in cases:
        r = xent("explain", "--logits", str(path), "--labels", "[0]")
        assert r.exit_code == 2, (path, r.output)
        assert len(r.stderr.splitlines()) == 1 and fragment in r.stderr, r.stderr


def _max_line(text: str) -> int:
    return max(len(line) for line in text.splitlines())


@pytest.mark.parametrize("classes", [40, 1000])
def test_wide_input_fits_the_terminal(classes):
    rng = np.random.default_rng(classes)
    z = rng.normal(size=(3, classes)).round(2)
    z[1, classes - 5] = 9.5  # the largest score, far from the start
    labels = [classes - 1, 3, 17]
    r = xent("explain", "--logits", json.dumps(z.tolist()), "--labels", json.dumps(labels))
    assert r.exit_code == 0, r.output
    assert _max_line(r.stdout) <= WIDTH
    first_table = r.stdout.split("2. ")[0]
    for k in (classes - 1, 3, 17, classes - 5):  # true classes and the largest score
        assert f"class {k}" in first_table or f"{k}: " in first_table
    assert "9.5000" in first_table
    assert f"{classes} classes: each table keeps the true class" in r.stdout


def test_one_wide_row_elides_columns_but_keeps_true_and_largest():
    z = np.zeros(60)
    z[41] = 5.0
    r = xent("explain", "--logits", json.dumps(z.tolist()), "--labels", "57")
    first_table = r.stdout.split("2. ")[0]
    assert "class 41" in first_table and "class 57" in first_table and "…" in first_table
    assert _max_line(r.stdout) <= WIDTH


def test_many_rows_are_elided():
    z = np.zeros((50, 3)).tolist()
    r = xent("explain", "--logits", json.dumps(z), "--labels", json.dumps([0] * 50), "--rows", "4")
    assert "… 46 more rows …" in r.stdout
    assert "(1.0986 + 1.0986" in r.stdout and "46 more terms" in r.stdout
    assert "loss = 1.0986" in r.stdout
    assert "50 samples: mean 1.0986, median 1.0986, max 1.0986" in r.stdout


@pytest.mark.parametrize("labels", ["[99999999999999999999]", "[1e300]", "99999999999999999999"])
def test_huge_labels_are_named_not_wrapped(labels):
    r = xent("explain", "--logits", "[[1, 2]]", "--labels", labels)
    assert r.exit_code == 2 and len(r.stderr.splitlines()) == 1
    assert "-9223372036854775808" not in r.stderr


def test_huge_integer_in_a_csv(tmp_path):
    path = tmp_path / "y.csv"
    path.write_text("9223372036854775808\n")
    r = xent("explain", "--logits", "[[1, 2]]", "--labels", str(path))
    assert r.exit_code == 2 and "out of range" in r.stderr and len(r.stderr.splitlines()) == 1
