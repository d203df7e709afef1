"""A worksheet for a learning platform (Moodle XML, GIFT) and a class's per-student sheets read back by `xent grade`."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import xml.etree.ElementTree as ET

import pytest
from conftest import ROOT
from test_stages import _key_answers
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


def hand_loss(logits, labels) -> float:
    """Mean -ln softmax of the true class, in plain Python (the article's exercise: 0.6945)."""
    return sum(math.log(sum(math.exp(z) for z in row)) - row[y] for row, y in zip(logits, labels)) / len(labels)


def moodle_questions(text: str) -> list[dict]:
    """Every numerical question of a Moodle XML file, checked against the format's structure."""
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "quiz"
    kinds = [q.get("type") for q in root.findall("question")]
    assert kinds[0] == "category" and set(kinds[1:]) == {"numerical"}
    out = []
    for q in root.findall("question")[1:]:
        name = q.find("name/text").text
        html = q.find("questiontext/text").text
        assert q.find("questiontext").get("format") == "html" and name and html
        assert q.find("defaultgrade").text == "1" and q.find("generalfeedback/text").text
        answers = []
        for a in q.findall("answer"):
            fraction, value, tol = a.get("fraction"), a.find("text").text, a.find("tolerance").text
            feedback = a.find("feedback/text").text
            assert fraction in ("0", "100") and float(tol) >= 0 and feedback
            answers.append((int(fraction), value, float(tol), feedback))
        assert answers[0][0] == 100 and answers[-1][1] == "*"  # the right answer first, any other number last
        assert all(float(v) == float(v) for _, v, _, _ in answers[:-1])
        out.append({"name": name, "html": html, "answers": answers})
    return out


def test_moodle_xml_one_numerical_question_per_stage_and_loss_right_first(home):
    r = xent("worksheet", "--exercise", "article-exercise", "--format", "moodle", "-o", "quiz.xml")
    assert r.exit_code == 0, r.output
    questions = moodle_questions((home / "quiz.xml").read_text("utf-8"))
    assert [re.search(r"\((\w+)\)$", q["name"]).group(1) for q in questions] == [
        "exp", "row_sum", "p_true", "neg_log_p", "sample_loss", "loss"]  # fmt: skip
    loss = questions[-1]
    right = [a for a in loss["answers"] if a[0] == 100]
    article = json.loads((ROOT / "exercises" / "article-exercise.json").read_text("utf-8"))
    assert float(right[0][1]) == pytest.approx(hand_loss(article["logits"], article["labels"]), abs=5e-5)
    assert right[0][1] == "0.6945" and right[0][2] == 0.0001  # the quiz's rule: one unit of the 4th decimal
    wrong = {v: f for frac, v, _, f in loss["answers"] if frac == 0 and v != "*"}
    assert wrong["-0.6945"].startswith("<p>-0.6945 has the wrong sign")  # a mistake, with its value
    assert "<table>" in loss["html"] and "article-exercise" in loss["html"]


def test_moodle_right_answers_are_what_grade_marks_right(home):
    r = xent("worksheet", "--count", 6, "--difficulty", "hard", "--seed", 11, "--format", "moodle", "-o", "q.xml",
             "--key", "key.md")  # fmt: skip
    assert r.exit_code == 0, r.output
    questions = moodle_questions((home / "q.xml").read_text("utf-8"))
    rows = []
    for q in questions:
        ref = re.search(r"<code>([^<]+)</code>", q["html"]).group(1)
        stage = re.search(r"\((\w+)\)$", q["name"]).group(1)
        rows += [f"m,{ref},{v},{stage}" for frac, v, _, _ in q["answers"] if frac == 100]
        rows += [f"w,{ref},{v},{stage}" for frac, v, _, _ in q["answers"] if frac == 0 and v != "*"]
    (home / "a.csv").write_text("\n".join(rows) + "\n", "utf-8")
    graded = json.loads(xent("grade", "a.csv", "--format", "json").stdout)["rows"]
    assert {g["status"] for g in graded if g["student"] == "m"} == {"right"}
    assert {g["status"] for g in graded if g["student"] == "w"} == {"wrong"}  # each mistake's value is wrong
    key_values = {(ref, stage): value for ref, stage, value in _key_answers((home / "key.md").read_text("utf-8"))}
    for q in questions:
        ref = re.search(r"<code>([^<]+)</code>", q["html"]).group(1)
        assert q["answers"][0][1] == key_values[(ref, re.search(r"\((\w+)\)$", q["name"]).group(1))]


GIFT_QUESTION = re.compile(r"^::(?P<name>(?:\\.|[^:\\])+)::\[html\](?P<text>.*?)\{#\n(?P<body>.*?)\n\}$", re.M | re.S)
GIFT_ANSWER = re.compile(r"^ {4}=%(?P<fraction>\d+)%(?P<value>-?[\d.]+):(?P<tol>[\d.]+)#(?P<feedback>.*)$")


def test_gift_has_the_same_questions_and_answers_as_moodle(home):
    args = ("worksheet", "--count", 3, "--difficulty", "medium", "--seed", 4, "--lang", "zh")
    assert xent(*args, "--format", "moodle", "-o", "q.xml").exit_code == 0
    r = xent(*args, "--format", "gift")
    assert r.exit_code == 0, r.output
    text = r.stdout
    assert text.startswith("$CATEGORY: ")
    blocks = list(GIFT_QUESTION.finditer(text))
    moodle = moodle_questions((home / "q.xml").read_text("utf-8"))
    assert len(blocks) == len(moodle) > 0
    for block, q in zip(blocks, moodle):
        lines = block.group("body").splitlines()
        assert lines[-1].startswith("    ####")  # the worked answer as general feedback
        parsed = [GIFT_ANSWER.match(line) for line in lines[:-1]]
        assert all(parsed), lines
        assert [(int(m["fraction"]), m["value"]) for m in parsed] == [(f, v) for f, v, _, _ in q["answers"][:-1]]
        assert [float(m["tol"]) for m in parsed] == pytest.approx([t for _, _, t, _ in q["answers"][:-1]])
        for special in "={}~#":  # GIFT's own characters in the text are escaped
            assert re.search(rf"(?<!\\)\{special}", block.group("text")) is None, special
    assert "第 1 题" in blocks[0].group("name") and "保留 4 位小数" in text


def test_the_key_goes_beside_a_learning_platform_file_in_markdown(home):
    r = xent("worksheet", "--count", 2, "--format", "gift", "-o", "q.gift", "--key", "key.md")
    assert r.exit_code == 0 and (home / "key.md").read_text("utf-8").startswith("# Cross-entropy worksheet: answer key")


# --- a class: one sheet per student --------------------------------------------------------------

ROSTER = "student,email\nAna Müller,ana@example.org\n李雷,li@example.org\nBo,bo@example.org\n"


def test_per_student_sheets_are_reproducible_and_seeded_from_the_name(home):
    (home / "class.csv").write_text(ROSTER, "utf-8")
    for out in ("a", "b"):
        r = xent("worksheet", "--roster", "class.csv", "--count", 3, "--difficulty", "medium", "--output", f"{out}/")
        assert r.exit_code == 0, r.output
        assert r.stderr.strip() == f"wrote 3 sheets, key and answers.csv to {out}"
    names = sorted(p.name for p in (home / "a").iterdir())
    assert names == sorted(["Ana-Müller.md", "李雷.md", "Bo.md", "key.md", "answers.csv"])
    for name in names:
        assert (home / "a" / name).read_bytes() == (home / "b" / name).read_bytes()  # the same on every run
    ana = (home / "a" / "Ana-Müller.md").read_text("utf-8")
    assert "Name: Ana Müller" in ana and "Loss =" not in ana
    refs = {
        n: re.findall(r"`(seed:\d+:medium)`", (home / "a" / n).read_text("utf-8")) for n in names if n[-3:] == ".md"
    }
    assert len(refs["Bo.md"]) == 3 and len({tuple(v) for k, v in refs.items() if k != "key.md"}) == 3
    (home / "one.txt").write_text("Bo\n", "utf-8")  # one name a line: the same name, the same problems
    assert (
        xent("worksheet", "--roster", "one.txt", "--count", 3, "--difficulty", "medium", "--output", "c").exit_code == 0
    )
    assert (home / "c" / "Bo.md").read_bytes() == (home / "a" / "Bo.md").read_bytes()
    r = xent("worksheet", "--roster", "class.csv", "--count", 3, "--difficulty", "medium", "--output", "a/")
    assert r.exit_code == 2 and "already exists" in r.stderr  # nothing is overwritten without --force


def test_the_answers_template_is_read_back_by_grade(home):
    (home / "class.csv").write_text(ROSTER, "utf-8")
    assert (
        xent("worksheet", "--roster", "class.csv", "--count", 2, "--difficulty", "hard", "--output", "out").exit_code
        == 0
    )
    raw = (home / "out" / "answers.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM, so spreadsheets read the names right
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["student", "exercise", "answer", "stage"]
    assert {r[0] for r in rows[1:]} == {"Ana Müller", "李雷", "Bo"} and all(r[2] == "" for r in rows[1:])
    # Fill the template from the combined key, as a class that got everything right would.
    key = (home / "out" / "key.md").read_text("utf-8")
    values = {(ref, stage): value for ref, stage, value in _key_answers(key)}
    filled = [rows[0]] + [[r[0], r[1], values[(r[1], r[3])], r[3]] for r in rows[1:]]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(filled)
    (home / "filled.csv").write_text(buffer.getvalue(), "utf-8")
    graded = json.loads(xent("grade", "filled.csv", "--format", "json").stdout)["rows"]
    assert len(graded) == len(rows) - 1 and {g["status"] for g in graded} == {"right"}
    r = xent("grade", "out/answers.csv", "--format", "json")  # the blank template itself: read, nothing right
    assert r.exit_code == 0 and "right" not in {g["status"] for g in json.loads(r.stdout)["rows"]}


@pytest.mark.parametrize(
    "args, words",
    [(("--roster", "class.csv"), "--output"), (("--roster", "class.csv", "-o", "x/", "--key", "k.md"), "--key"),
     (("--roster", "class.csv", "-o", "x/", "--format", "moodle"), "--format"),
     (("--roster", "class.csv", "-o", "x/", "--exercise", "batch-mean"), "--exercise"),
     (("--roster", "missing.csv", "-o", "x/"), "missing.csv"), (("--roster", "empty.csv", "-o", "x/"), "no student")],
)  # fmt: skip
def test_roster_mistakes_are_one_line(home, args, words):
    (home / "class.csv").write_text(ROSTER, "utf-8")
    (home / "empty.csv").write_text("\n# nobody yet\n", "utf-8")
    r = xent("worksheet", *args)
    assert r.exit_code == 2 and len(r.stderr.strip().splitlines()) == 1 and words in r.stderr, r.stderr
    assert not (home / "x").exists()
