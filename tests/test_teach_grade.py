"""`xent grade`: a class's CSV graded in one run, every row accounted for, mistakes named where planted."""

from __future__ import annotations

import csv
import io
import json
import math
import random

import pytest
from typer.testing import CliRunner

from xent_tutor.cli import app
from xent_tutor.practice.quiz import generate

runner = CliRunner()
ARTICLE = 0.6945  # the article's answer
ARTICLE_ROWS = (0.7030, 0.6860)  # its per-row losses, from the article


def xent(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("XENT_EXERCISES", raising=False)
    return tmp_path


def hand_losses(logits, labels):
    """-ln softmax of the true class per row, in plain Python."""
    out = []
    for row, y in zip(logits, labels):
        out.append(math.log(sum(math.exp(z) for z in row)) - row[y])
    return out


def planted_rows(n: int = 10_000, seed: int = 0):
    """(csv line, expected status, expected kind) with every status and several mistake kinds planted."""
    rng = random.Random(seed)
    seeds = [s for s in range(60) if len(generate(s, "medium").labels) > 1][:20]
    plans = []
    for i in range(n):
        student = f"s{i % 250}"
        pick = i % 10
        if pick == 9:
            plans.append((f"{student},only-two-fields", "malformed", ""))
            continue
        if pick == 8:
            bad = rng.choice(["abc", "1/", "exp(", "ln(0.5"])
            plans.append((f"{student},article-exercise,{bad}", "unreadable", ""))
            continue
        if pick == 7:
            plans.append((f"{student},no-such-exercise,0.5", "unreadable", ""))
            continue
        s = rng.choice(seeds)
        qp = generate(s, "medium")
        losses = hand_losses(qp.logits, qp.labels)
        loss = sum(losses) / len(losses)
        ref = f"seed:{s}:medium"
        if pick in (0, 1, 2):
            plans.append((f"{student},{ref},{loss:.4f}", "right", ""))
        elif pick == 3:
            plans.append((f"{student},{ref},{-loss:.4f}", "wrong", "sign"))
        elif pick == 4:
            plans.append((f"{student},{ref},{loss / math.log(10):.4f}", "wrong", "log10"))
        elif pick == 5:
            plans.append((f"{student},{ref},{sum(losses):.4f}", "wrong", "sum_not_mean"))
        else:
            plans.append((f"{student},article-exercise,{ARTICLE / math.log(2):.4f}", "wrong", "log2"))
    return plans


def test_ten_thousand_planted_rows_are_counted_and_diagnosed(home):
    plans = planted_rows()
    (home / "answers.csv").write_text("student,exercise,answer\n" + "\n".join(p[0] for p in plans) + "\n", "utf-8")
    r = xent("grade", "answers.csv", "--format", "json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert len(data["rows"]) == len(plans)
    want = {s: sum(p[1] == s for p in plans) for s in ("right", "wrong", "blank", "unreadable", "malformed")}
    assert data["counts"] == want == {"right": 3000, "wrong": 4000, "blank": 0, "unreadable": 2000, "malformed": 1000}
    for row, (line, status, kind) in zip(data["rows"], plans):
        assert row["status"] == status, (line, row)
        if status == "wrong":
            assert row["kind"] == kind, (line, row)
            assert row["message"]
        if status in ("unreadable", "malformed"):
            assert row["message"], row
    assert [row["line"] for row in data["rows"]] == list(range(2, len(plans) + 2))
    assert "10000 rows: 3000 right, 4000 wrong, 0 blank, 2000 unreadable, 1000 malformed" in r.stderr


def test_table_verdicts_and_summaries(home):
    (home / "a.csv").write_text(
        "ana,article-exercise,0.6945\n"
        "ana,article-exercise,(0.7030+0.6860)/2\n"
        "bo,article-exercise,-0.6945\n"
        "bo,article-exercise,-0.69451\n"
        "bo,article-exercise,0.7030\n"
        "cy,article-exercise,abc\n"
        "cy,article-exercise,0.4951,p_true\n"
        "dee,too,many,fields,here\n",
        "utf-8",
    )
    r = xent("grade", "a.csv")
    assert r.exit_code == 0, r.stderr
    out = r.stdout.splitlines()
    assert out[0].split() == ["line", "student", "exercise", "stage", "answer", "verdict", "diagnosis", "or", "reason"]
    assert out[1].split()[:6] == ["1", "ana", "article-exercise", "loss", "0.6945", "right"]
    assert "[sign] -0.6945 has the wrong sign" in out[3] and "[one_row]" in out[5]
    assert "'abc' is not an answer xent can read" in out[6] and "--" not in out[6]
    assert out[7].split()[:6] == ["7", "cy", "article-exercise", "p_true", "0.4951", "right"]
    assert "malformed" in out[8] and "expected 3 or 4 fields" in out[8] and "found 5" in out[8]
    text = r.stdout
    assert "Per student" in text and "Per exercise" in text
    students = text.split("Per student")[1].split("Per exercise")[0].splitlines()
    bo = next(line for line in students if line.startswith("bo "))
    # bo answered one item three times: the last answer (0.7030, one row's loss) is the one that counts
    assert bo.split()[:7] == ["bo", "0/1", "0%", "0", "0", "one_row", "×1"]
    assert "wrong (repeated, not counted)" in out[3] and "wrong (repeated, not counted)" not in out[5]
    assert text.strip().endswith("8 rows: 3 right, 3 wrong, 0 blank, 1 unreadable, 1 malformed")
    assert "3 repeated answers: the last one counts" in r.stderr


def test_csv_output_and_summary_file_never_overwritten(home):
    (home / "a.csv").write_text("student,exercise,answer,stage\nana,article-exercise,0.6945,\nbo,batch-mean,x\n")
    r = xent("grade", "a.csv", "--format", "csv", "--summary", "summary.csv")
    assert r.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [(x["line"], x["student"], x["status"]) for x in rows] == [("2", "ana", "right"), ("3", "bo", "unreadable")]
    summary = list(csv.DictReader(io.StringIO((home / "summary.csv").read_text())))
    assert [(x["scope"], x["name"], x["right"], x["graded"]) for x in summary] == [
        ("student", "ana", "1", "1"), ("student", "bo", "0", "1"),
        ("exercise", "article-exercise", "1", "1"), ("exercise", "batch-mean", "0", "1"),
    ]  # fmt: skip
    r = xent("grade", "a.csv", "--summary", "summary.csv")
    assert r.exit_code == 2 and "already exists" in r.stderr
    assert xent("grade", "a.csv", "--summary", "summary.csv", "--force").exit_code == 0


def test_line_numbers_count_blank_lines_and_a_quote_never_swallows_the_next_line(home):
    # No name, exercise or answer holds a line break: a quote left open is reported on its own line,
    # and the next line is read as a row of its own.
    (home / "a.csv").write_text(
        'ana,article-exercise,0.6945\n\n"bo\nsmith",article-exercise,1,2,3\ncy,article-exercise,0.6945\n'
    )
    data = json.loads(xent("grade", "a.csv", "--format", "json").stdout)
    assert [(r["line"], r["status"]) for r in data["rows"]] == [
        (1, "right"), (3, "malformed"), (4, "malformed"), (5, "right")
    ]  # fmt: skip
    assert "quote opened on this line is not closed" in data["rows"][1]["message"]


def test_seed_rows_and_stages(home):
    qp = generate(7, "medium")
    loss = sum(hand_losses(qp.logits, qp.labels)) / len(qp.labels)
    (home / "a.csv").write_text(
        f"ana,seed:7:medium,{loss:.4f}\nbo,seed:7:lunar,1\ncy,seed:7:medium,1,nonsense\ndee,seed:7,{loss:.4f}\n"
    )
    data = json.loads(xent("grade", "a.csv", "--format", "json").stdout)
    assert [r["status"] for r in data["rows"]] == ["right", "unreadable", "unreadable", "wrong"]
    assert (
        "seed:N:difficulty" in data["rows"][1]["message"] and "unknown stage 'nonsense'" in data["rows"][2]["message"]
    )


def test_right_but_under_rounded_is_its_own_kind(home):
    (home / "a.csv").write_text("eve,article-exercise,0.69\neve,article-exercise,0.4951,p\n")
    data = json.loads(xent("grade", "a.csv", "--format", "json").stdout)
    assert [(r["status"], r["kind"], r["stage"]) for r in data["rows"]] == [
        ("wrong", "rounded", "loss"),
        ("right", None, "p_true"),
    ]
    assert data["rows"][0]["message"] == "0.69 is 0.6945 rounded to 2 decimals; 4 decimals are required."


def test_chinese_messages_and_a_gb18030_file(home):
    (home / "a.csv").write_bytes("王芳,article-exercise\n王芳,article-exercise,-0.6945\n".encode("gb18030"))
    r = xent("grade", "a.csv", "--lang", "zh", "--encoding", "gb18030")
    assert r.exit_code == 0
    assert "王芳" in r.stdout and "格式错误" in r.stdout and "符号" in r.stdout
    assert "共 2 行：正确 0，错误 1，空白 0，无法读取 0，格式错误 1" in r.stdout


def test_a_file_that_cannot_be_read_exits_2(home):
    r = xent("grade", "missing.csv")
    assert r.exit_code == 2 and r.stderr.startswith("xent: error: cannot read 'missing.csv'")
    (home / "bin.csv").write_bytes(b"\x81\x30\xff")
    r = xent("grade", "bin.csv")
    assert r.exit_code == 2 and "'bin.csv' line 1 is not UTF-8 text" in r.stderr
    r = xent("grade", "-", input="ana,article-exercise,0.6945\n")
    assert r.exit_code == 0 and "1 rows: 1 right" in r.stdout
