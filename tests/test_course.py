"""A teacher's path: course.json, no order shared with the built-ins, ids never taken twice, 'did you mean'."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from xent_tutor.cli import app
from xent_tutor.practice.suggest import distance, nearest

runner = CliRunner()
BUILTIN_PATH = 12  # exercises/*.json, each with an order 1..12


def xent(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


@pytest.fixture
def cls(tmp_path, monkeypatch):
    """A class folder on XENT_EXERCISES: 'first' with order 1 (as a built-in has), 'second' with none."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XENT_PROGRESS_FILE", str(tmp_path / "progress.json"))
    monkeypatch.delenv("XENT_EXERCISES", raising=False)
    folder = tmp_path / "cls"
    folder.mkdir()
    for ident, order, logits in (("first", ["--order", 1], "[[1, 2]]"), ("second", [], "[[1, 2, 3]]"),
                                 ("draft", [], "[[0, 0]]")):  # fmt: skip
        r = xent("exercises", "new", "--id", ident, "--logits", logits, "--labels", "[0]", *order, "-o", folder)
        assert r.exit_code == 0, r.output
    monkeypatch.setenv("XENT_EXERCISES", str(folder))
    return folder


def path_listing(args=()) -> list[tuple[str, str]]:
    """(order, id) of each row of `xent exercises` that starts with an order number."""
    r = xent("exercises", "--width", 120, *args)
    assert r.exit_code == 0, r.output
    return re.findall(r"^(\d+)\s+([\w-]+)\s", r.stdout, re.M)


def test_a_teachers_order_comes_after_the_built_ins_never_beside_them(cls):
    rows = path_listing()
    assert [int(n) for n, _ in rows] == list(range(1, BUILTIN_PATH + 4))  # no number twice
    assert [i for _, i in rows[BUILTIN_PATH:]] == ["first", "draft", "second"]  # order 1 first, then by id
    r = xent("quiz", "--exercise", "first", input="quit\n")
    assert f"Learning path: exercise {BUILTIN_PATH + 1} of {BUILTIN_PATH + 3}." in r.stdout
    r = xent("quiz", "--exercise", "article-exercise", "--lang", "zh", input="quit\n")
    assert f"学习路径：第 4 题，共 {BUILTIN_PATH + 3} 题。" in r.stdout


def test_a_course_sets_the_path_the_exercises_on_offer_and_hides_the_built_ins(cls):
    course = {"order": ["second", "article-exercise", "first"], "include": ["first", "second"], "hide_builtins": True}
    (cls / "course.json").write_text(json.dumps(course, indent=2), "utf-8")
    assert path_listing() == [("1", "second"), ("2", "article-exercise"), ("3", "first")]
    r = xent("exercises", "--width", 120)
    assert " draft " not in r.stdout and " batch-mean " not in r.stdout and r.stderr == ""
    r = xent("quiz", input="quit\n")  # no option: the course's first exercise
    assert "exercise second:" in r.stdout and "Learning path: exercise 1 of 3." in r.stdout
    r = xent("quiz", "--exercise", "first", input="quit\n")
    assert "Learning path: exercise 3 of 3." in r.stdout
    assert xent("quiz", "--exercise", "batch-mean", "--answer", "1").exit_code == 1  # hidden, still there by id


def test_a_course_without_an_order_keeps_the_default_path_of_what_it_includes(cls):
    (cls / "course.json").write_text('{"include": ["second"]}', "utf-8")
    rows = path_listing()
    assert [i for _, i in rows[BUILTIN_PATH:]] == ["second"] and len(rows) == BUILTIN_PATH + 1


def test_a_broken_course_is_one_warning_naming_file_line_and_is_left_out(cls):
    (cls / "course.json").write_text('{\n  "order": ["first"],\n  "hide_builtins": "yes"\n}\n', "utf-8")
    r = xent("exercises")
    assert r.exit_code == 0
    assert r.stderr.splitlines() == [
        f"xent: warning: course file {cls / 'course.json'}:3:20: 'hide_builtins' must be 'true' or 'false'"
    ]
    assert len(path_listing()) == BUILTIN_PATH + 3  # the default path
    check = xent("exercises", "check", cls)
    assert check.exit_code == 2 and f"{cls / 'course.json'}:3:20: error: 'hide_builtins'" in check.stdout


def test_an_unknown_id_in_a_course_is_named_with_the_nearest_and_the_rest_applies(cls):
    (cls / "course.json").write_text('{"order": ["frist", "second"], "hide_builtins": true}', "utf-8")
    r = xent("exercises", "--width", 120)
    assert r.stderr.strip() == (f"xent: warning: course file {cls / 'course.json'}:1:12: 'order' names 'frist', "
                                "which is no exercise; did you mean 'first'?")  # fmt: skip
    assert path_listing() == [("1", "second")]
    r = xent("exercises", "check", cls, "--lang", "zh")
    assert "'order' 中的 'frist' 不是任何练习；你是不是想写 'first'？" in r.stdout and r.exit_code == 2


def test_new_refuses_an_id_that_exists(cls, tmp_path):
    r = xent("exercises", "new", "--id", "batch-mean", "--logits", "[[1, 2]]", "--labels", "[0]", "-o", tmp_path)
    assert r.exit_code == 2 and not (tmp_path / "batch-mean.json").exists()
    assert r.stderr.startswith("xent: error: --id: an exercise with the id 'batch-mean' already exists (")
    other = tmp_path / "other"
    other.mkdir()
    r = xent("exercises", "new", "--id", "second", "--logits", "[[1, 2]]", "--labels", "[0]", "-o", other)
    assert r.exit_code == 2 and f"already exists ({cls / 'second.json'})" in r.stderr
    r = xent("exercises", "new", "--id", "second", "--logits", "[[1, 2]]", "--labels", "[0]", "-o", cls, "--force")
    assert r.exit_code == 0, r.output  # the same file, rewritten on purpose


def test_check_counts_a_file_named_twice_once(cls):
    r = xent("exercises", "check", cls, cls / "first.json", f"./{cls.name}/first.json")
    assert r.exit_code == 0, r.output
    assert r.stdout.count("first.json: ok") == 1 and "clash" not in r.stdout and "twice" not in r.stdout
    assert "3 files checked" in r.stdout


@pytest.mark.parametrize(
    "typed, near",
    [("artcle-exercise", "'article-exercise'"), ("batchmean", "'batch-mean'"), ("Label smoothing", "'label-smoothing'"),
     ("标签平滑", "'label-smoothing'"), ("frist", "'first'"), ("smoothing", "'label-smoothing'")],
)  # fmt: skip
def test_an_unknown_id_gets_did_you_mean_from_ids_and_titles(cls, typed, near):
    for args in (("quiz", "--exercise", typed, "--answer", "1"), ("explain", "--exercise", typed)):
        r = xent(*args)
        assert r.exit_code == 2
        assert r.stderr == (f"xent: error: --exercise: no exercise with id '{typed}'; did you mean {near}? "
                            "'xent exercises' lists them\n")  # fmt: skip
    r = xent("quiz", "--exercise", typed, "--answer", "1", "--lang", "zh")
    assert f"你是不是想输入 {near}？" in r.stderr


def test_a_far_typo_gets_no_suggestion_and_grade_rows_get_one(cls):
    r = xent("quiz", "--exercise", "xyzzy", "--answer", "1")
    assert r.stderr == "xent: error: --exercise: no exercise with id 'xyzzy'; 'xent exercises' lists them\n"
    (cls.parent / "a.csv").write_text("ana,artcle-exercise,0.6945\n", "utf-8")
    row = json.loads(xent("grade", cls.parent / "a.csv", "--format", "json").stdout)["rows"][0]
    assert row["status"] == "unreadable" and "did you mean 'article-exercise'?" in row["message"]


def test_edit_distance_by_hand():
    assert distance("kitten", "sitting") == 3 and distance("", "abc") == 3 and distance("ab", "ba") == 1
    assert nearest("artcle-exercse", [("article-exercise", ["The article's exercise"]), ("zzz", [])]) == [
        "article-exercise"
    ]
    assert nearest("q", [("article-exercise", [])]) == []
