"""`xent worksheet`: the same seed gives the same sheet, and the key agrees with the quiz and the grader."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from typer.testing import CliRunner

from xent_tutor.cli import app

runner = CliRunner()


def xent(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("XENT_EXERCISES", raising=False)
    monkeypatch.setenv("XENT_PROGRESS_FILE", str(tmp_path / "progress.json"))
    return tmp_path


def key_problems(key: str) -> list[tuple[str, list[list[str]], str]]:
    """(reference, table rows, loss) for each problem of a Markdown key."""
    out = []
    for block in key.split("\n## ")[1:]:
        ref = re.search(r"`([^`]+)`", block).group(1)
        rows = [[c.strip() for c in line.strip("|").split("|")] for line in block.splitlines() if line.startswith("| ")]
        loss = re.search(r"Loss = (\S+)", block).group(1)
        out.append((ref, rows[2:], loss))  # past the header and the --- line
    return out


@pytest.mark.parametrize("difficulty", ["easy", "medium", "hard"])
def test_the_key_agrees_with_quiz_answer_and_grade_for_every_problem(home, difficulty):
    r = xent("worksheet", "--count", 10, "--difficulty", difficulty, "--seed", 7, "-o", "sheet.md", "--key", "key.md")
    assert r.exit_code == 0, r.output
    problems = key_problems((home / "key.md").read_text("utf-8"))
    assert [p[0] for p in problems] == [f"seed:{s}:{difficulty}" for s in range(7, 17)]
    lines = []
    for ref, rows, loss in problems:
        seed = ref.split(":")[1]
        q = xent("quiz", "--seed", seed, "--difficulty", difficulty, "--answer", loss)
        assert q.exit_code == 0, (ref, loss, q.output)
        lines.append(f"t,{ref},{loss}")
        first = next((row for row in rows if row[3] != "—"), None)  # the quiz asks about the first row that counts
        if first is not None:
            # neg_log_p is the true class's -ln p whatever the options; sample_loss the sample's loss.
            lines += [f"t,{ref},{first[3]},p_true", f"t,{ref},{first[4]},neg_log_p", f"t,{ref},{first[5]},sample_loss",
                      f"t,{ref},{first[2]},row_sum"]  # fmt: skip
    (home / "answers.csv").write_text("\n".join(lines) + "\n", "utf-8")
    data = json.loads(xent("grade", "answers.csv", "--format", "json").stdout)
    assert [r["status"] for r in data["rows"]] == ["right"] * len(lines), [
        r for r in data["rows"] if r["status"] != "right"
    ]


def test_the_same_seed_gives_the_same_sheet(home):
    a = xent("worksheet", "--count", 5, "--difficulty", "medium", "--seed", 3).stdout
    b = xent("worksheet", "--count", 5, "--difficulty", "medium", "--seed", 3).stdout
    c = xent("worksheet", "--count", 5, "--difficulty", "medium", "--seed", 4).stdout
    assert a == b and a != c
    assert [f"## Problem {i}" for i in range(1, 6)] == re.findall(r"^## Problem \d+", a, re.M)
    assert a.count("```\n" + "\n" * 8 + "```") == 5  # room to work under every problem
    assert "seed:3:medium" in a and "Loss =" not in a  # no answers on the sheet


def test_exercises_and_a_folder_on_one_sheet_in_chinese(home):
    folder = home / "class"
    folder.mkdir()
    assert (
        xent("exercises", "new", "--id", "mine", "--logits", "[[0, 0]]", "--labels", "[1]", "-o", folder).exit_code == 0
    )
    r = xent("worksheet", "--exercise", "article-exercise", "--exercise", folder, "--lang", "zh", "--key", "key.md")
    assert r.exit_code == 0, r.output
    assert "## 第 1 题 — 原文练习" in r.stdout and f"`{folder / 'mine.json'}`" in r.stdout
    key = (home / "key.md").read_text("utf-8")
    assert "损失 = 0.6945，即 (0.7030 + 0.6860) / 2" in key and "损失 = 0.6931" in key


def test_html_is_one_printable_page_with_a_section_per_problem(home):
    r = xent("worksheet", "--count", 3, "--format", "html", "--seed", 1, "-o", "sheet.html", "--key", "key.html")
    assert r.exit_code == 0

    class Tags(HTMLParser):
        def __init__(self):
            super().__init__()
            self.open, self.sections = [], 0

        def handle_starttag(self, tag, attrs):
            if tag not in ("meta", "br"):
                self.open.append(tag)
            self.sections += tag == "section"

        def handle_endtag(self, tag):
            assert self.open.pop() == tag

    for name in ("sheet.html", "key.html"):
        parser = Tags()
        parser.feed((home / name).read_text("utf-8"))
        assert parser.open == [] and parser.sections == 3
    assert "Loss = " in (home / "key.html").read_text("utf-8")


def test_never_overwrites_a_teachers_file(home):
    (home / "sheet.md").write_text("my notes", "utf-8")
    r = xent("worksheet", "--count", 2, "-o", "sheet.md", "--key", "key.md")
    assert r.exit_code == 2 and "'sheet.md' already exists; use --force" in r.stderr
    assert (home / "sheet.md").read_text() == "my notes" and not (home / "key.md").exists()
    assert xent("worksheet", "--count", 2, "-o", "sheet.md", "--key", "key.md", "--force").exit_code == 0
    assert (home / "sheet.md").read_text().startswith("# Cross-entropy worksheet")
    r = xent("worksheet", "--count", 2, "-o", "same.md", "--key", "same.md")
    assert r.exit_code == 2 and "overwrite the sheet" in r.stderr


def test_bad_options_are_one_line(home):
    for args, where in ((["--count", 0], "--count"), (["--difficulty", "x"], "--difficulty"),
                        (["--format", "pdf"], "--format"), (["--exercise", "nope"], "--exercise")):  # fmt: skip
        r = xent("worksheet", *args)
        assert r.exit_code == 2 and r.stderr.startswith(f"xent: error: {where}") and len(r.stderr.splitlines()) == 1


def test_unbatched_and_k_dimensional_exercises_lay_out_one_row_per_sample(home):
    for args in (["--id", "unb", "--logits", "[0.3, -1.2, 2.0]", "--labels", "2"],
                 ["--id", "kdim", "--logits", "[[[1.0, 2.0], [0.5, 0.1]]]", "--labels", "[[0, 1]]"]):  # fmt: skip
        assert xent("exercises", "new", *args).exit_code == 0
    r = xent("worksheet", "--exercise", "unb.json", "--exercise", "kdim.json", "--key", "key.md")
    assert r.exit_code == 0, r.output
    assert "| 1 | 2 | 0.3 | -1.2 | 2 |" in r.stdout
    assert "| (0, 0) | 0 | 1 | 0.5 |" in r.stdout and "| (0, 1) | 1 | 2 | 0.1 |" in r.stdout
    key = (home / "key.md").read_text()
    assert "| (0, 1) | 7.3891, 1.1052 | 8.4942 |" in key  # e^2 = 7.3891, e^0.1 = 1.1052


@pytest.mark.parametrize("lang, says", [("en", "4 significant figures"), ("zh", "4 位有效数字")])
def test_the_key_says_how_it_writes_a_small_p(home, lang, says):
    # seed 3, easy: row 1 is z = (-1.05, 1.21), label 0, so p = 1 / (1 + e^2.26) = 0.094490...
    r = xent("worksheet", "--count", 1, "--seed", 3, "--lang", lang, "-o", "sheet.md", "--key", "key.md")
    assert r.exit_code == 0, r.output
    key = (home / "key.md").read_text("utf-8")
    assert "| 0.09449 |" in key
    assert says in key and "-ln" not in key
