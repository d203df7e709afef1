"""A teacher's broken exercise file, through every command: one line naming file:line and the reason, never a crash."""

from __future__ import annotations

import copy
import json
import re

import pytest
from typer.testing import CliRunner

from xent_tutor.cli import app

runner = CliRunner()

GOOD = {
    "format": 2,
    "id": "good",
    "title": {"en": "Good", "zh": "好"},
    "teaches": {"en": "A valid file beside the broken ones.", "zh": "一个有效的文件。"},
    "logits": [[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]],
    "labels": [0, 1],
    "answer": 0.3185,
    "hints": [{"en": "Softmax each row.", "zh": "对每行做 softmax。"}],
    "order": 40,
}
# Each broken file: what changes, and words of the reason every command must give, with the line it names.
BROKEN = {
    "ragged": ({"logits": [[2, 1, 0.1], [0.5, 2.5], [1.2, 0.4, 2.2]], "labels": [0, 1, 2]},
               "'logits[1]' has 2 values but 'logits[0]' has 3", "logits"),
    "label-range": ({"labels": [0, 5]}, "label 5 in row 2 is out of range", "labels"),
    "weight-count": ({"options": {"weight": [1.0, 2.0]}}, "2 weights for 3 classes", "weight"),
    "smoothing": ({"options": {"label_smoothing": 1.5}}, "'options.label_smoothing' must be at most 1", "label_smoothing"),
    "answer-list": ({"answer": [1.0]}, "'answer' must be of JSON type 'number'", "answer"),
    "answer-string": ({"answer": "0.3185"}, "'answer' must be of JSON type 'number'", "answer"),
    "options-list": ({"options": [1, 2]}, "'options' must be of JSON type 'object'", "options"),
}  # fmt: skip


def hand_answer(logits, labels) -> float:
    import math

    return sum(math.log(sum(math.exp(z) for z in row)) - row[y] for row, y in zip(logits, labels)) / len(labels)


def xent(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


@pytest.fixture
def klass(tmp_path, monkeypatch):
    """A class folder on XENT_EXERCISES with one valid file and every broken one."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XENT_PROGRESS_FILE", str(tmp_path / "progress.json"))
    folder = tmp_path / "cls"
    folder.mkdir()
    assert GOOD["answer"] == round(hand_answer(GOOD["logits"], GOOD["labels"]), 4)
    (folder / "good.json").write_text(json.dumps(GOOD, indent=2), "utf-8")
    for name, (change, _, _) in BROKEN.items():
        data = copy.deepcopy(GOOD)
        data.update(change, id=name)
        (folder / f"{name}.json").write_text(json.dumps(data, indent=2), "utf-8")
    monkeypatch.setenv("XENT_EXERCISES", str(folder))
    return folder


def line_of(folder, name: str, key: str) -> int:
    """The 1-based line of the file where `key` first appears (the validator points at or inside it)."""
    lines = (folder / f"{name}.json").read_text("utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if f'"{key}"' in line)


def one_error_line(r, folder, name: str) -> str:
    assert r.exit_code == 2, (r.exit_code, r.output)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    words, key = BROKEN[name][1], BROKEN[name][2]
    m = re.fullmatch(r"xent: error: exercise file (\S+):(\d+):(\d+): (.*)", lines[0])
    assert m, lines[0]
    assert m.group(1).endswith(f"{name}.json") and words in m.group(4), lines[0]
    assert int(m.group(2)) >= line_of(folder, name, key), lines[0]  # the line of the field at fault (or inside it)
    assert "internal error" not in r.output and "Traceback" not in r.output and "--labels" not in r.output
    return lines[0]


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_every_command_that_asks_for_the_file_says_why_in_one_line(klass, name):
    first = None
    for args in (
        ("quiz", "--exercise", name),
        ("quiz", "--exercise", klass / f"{name}.json"),
        ("quiz", "--exercise", name, "--answer", "0.5"),
        ("explain", "--exercise", name),
        ("explain", "--exercise", klass / f"{name}.json", "--format", "json"),
        ("worksheet", "--exercise", name),
        ("worksheet", "--exercise", klass),
        ("play", "--exercise", name),
    ):
        r = xent(*args, input="quit\n")
        if args[0] == "worksheet" and args[-1] == klass:
            assert r.exit_code == 2 and "exercise file " in r.stderr  # the folder's first broken file
            continue
        line = one_error_line(r, klass, name)
        first = first or line
        assert line == first, (args, line, first)  # the same words from every command


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_the_load_error_is_the_line_exercises_check_prints(klass, name):
    check = xent("exercises", "check", klass / f"{name}.json")
    assert check.exit_code == 2
    problem = next(line for line in check.stdout.splitlines() if ": error: " in line)
    where, reason = problem.split(": error: ", 1)
    r = xent("quiz", "--exercise", name)
    assert r.stderr.strip() == f"xent: error: exercise file {where}: {reason}"


def test_grade_gives_each_broken_file_one_unreadable_row_and_grades_the_rest(klass):
    rows = ["student,exercise,answer"] + [f"s{i},{name},0.3" for i, name in enumerate(BROKEN)]
    rows += ["ok,good,0.3185", f"p,{klass / 'ragged.json'},0.3"]
    (klass.parent / "a.csv").write_text("\n".join(rows) + "\n", "utf-8")
    r = xent("grade", "a.csv", "--format", "json")
    assert r.exit_code == 0, r.output
    got = json.loads(r.stdout)["rows"]
    assert len(got) == len(BROKEN) + 2
    for row, name in zip(got, [*BROKEN, "good", "ragged"]):
        if name == "good":
            assert row["status"] == "right"
            continue
        assert row["status"] == "unreadable" and BROKEN[name][1] in row["message"], row
        assert row["message"].startswith("exercise file ") and f"{name}.json:" in row["message"]


@pytest.mark.parametrize("lang, warning", [("en", "xent: warning: exercise file "), ("zh", "xent：警告：练习文件 ")])
def test_the_listing_skips_each_broken_file_with_one_warning_line(klass, lang, warning):
    r = xent("exercises", "--lang", lang)
    assert r.exit_code == 0, r.output
    warnings = r.stderr.strip().splitlines()
    assert len(warnings) == len(BROKEN) and all(w.startswith(warning) for w in warnings), r.stderr
    assert sorted(re.search(r"/([\w-]+)\.json:", w).group(1) for w in warnings) == sorted(BROKEN)
    ids = re.findall(r"^\s*(?:\d+\s+)?([\w-]+)\s", r.stdout, re.M)  # the order and id columns
    assert "good" in ids and "article-exercise" in ids and not set(BROKEN) & set(ids), ids


def test_the_quiz_path_goes_on_without_the_broken_files(klass):
    r = xent("quiz", input="quit\n")
    assert r.exit_code == 0, r.output
    assert "internal error" not in r.output and "Traceback" not in r.output


def test_the_broken_files_in_chinese(klass):
    r = xent("quiz", "--exercise", "ragged", "--lang", "zh")
    assert r.exit_code == 2
    assert re.fullmatch(r"xent：错误：练习文件 \S+ragged\.json:\d+:\d+：'logits\[1\]' 有 2 个值，而 'logits\[0\]' 有 3 个；.*\n",
                        r.stderr), r.stderr  # fmt: skip
