"""`xent grade` on the files a real class produces: spreadsheet exports, stray quotes, other encodings,
blanks, repeats, a roster and a gradebook an LMS imports."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import xent_tutor
from xent_tutor.cli import app

runner = CliRunner()
# The article's exercise, by hand: logits [[-0.0464, -0.0268], [-0.0234, -0.0091]], labels [0, 1].
E0, E1 = math.exp(-0.0464), math.exp(-0.0268)  # row 1's exponentials; the label is class 0
ROW_SUM = E0 + E1
P_TRUE = E0 / ROW_SUM
NEG_LOG_P = -math.log(P_TRUE)
ROW2 = -math.log(math.exp(-0.0091) / (math.exp(-0.0234) + math.exp(-0.0091)))
LOSS = (NEG_LOG_P + ROW2) / 2
STAGES = {"exp": E0, "row_sum": ROW_SUM, "p_true": P_TRUE, "neg_log_p": NEG_LOG_P, "loss": LOSS}


def xent(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("XENT_EXERCISES", raising=False)
    return tmp_path


def comma(x: float) -> str:
    """A number as a European spreadsheet writes it: 4 decimals, a decimal comma."""
    return f"{x:.4f}".replace(".", ",")


def test_hand_values_are_the_articles():
    assert (round(P_TRUE, 4), round(NEG_LOG_P, 4), round(ROW2, 4), round(LOSS, 4)) == (0.4951, 0.7030, 0.6860, 0.6945)


def test_a_european_export_semicolons_bom_crlf_decimal_commas_columns_in_any_order(home):
    lines = ["Answer;Stage;Student;Exercise"]  # the header names the columns; their order is the teacher's
    for stage, value in STAGES.items():
        lines.append(f"{comma(value)};{stage};Müller;article-exercise")
    lines.append("(0,7030+0,6860)/2;;Renée;article-exercise")
    lines.append("-0,6945;loss;Zoë;article-exercise")
    (home / "eu.csv").write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8") + b"\r\n")
    r = xent("grade", "eu.csv", "--format", "json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    got = [(x["line"], x["student"], x["stage"], x["answer"], x["status"], x["kind"]) for x in data["rows"]]
    assert got == [
        (2, "Müller", "exp", comma(E0), "right", None),
        (3, "Müller", "row_sum", comma(ROW_SUM), "right", None),
        (4, "Müller", "p_true", comma(P_TRUE), "right", None),
        (5, "Müller", "neg_log_p", comma(NEG_LOG_P), "right", None),
        (6, "Müller", "loss", comma(LOSS), "right", None),
        (7, "Renée", "loss", "(0,7030+0,6860)/2", "right", None),
        (8, "Zoë", "loss", "-0,6945", "wrong", "sign"),
    ]
    assert [(s["name"], s["right"], s["graded"]) for s in data["students"]] == [
        ("Müller", 5, 5), ("Renée", 1, 1), ("Zoë", 0, 1)
    ]  # fmt: skip


def test_a_chinese_header_and_tabs(home):
    (home / "zh.csv").write_text(
        "学生\t练习\t答案\t步骤\n王芳\tarticle-exercise\t0.4951\tp\n李雷\tarticle-exercise\t0.6945\t\n"
    )
    data = json.loads(xent("grade", "zh.csv", "--format", "json").stdout)
    assert [(x["student"], x["stage"], x["status"]) for x in data["rows"]] == [
        ("王芳", "p_true", "right"), ("李雷", "loss", "right")
    ]  # fmt: skip


def test_a_semicolon_file_without_a_header_is_not_taken_for_a_comma_file(home):
    # csv.Sniffer alone calls this a comma file (one comma a line, as regular as the semicolons).
    (home / "a.csv").write_text("ana;article-exercise;0,6945\nbo;article-exercise;0,4951;p\n")
    data = json.loads(xent("grade", "a.csv", "--format", "json").stdout)
    assert [x["status"] for x in data["rows"]] == ["right", "right"]


def test_a_header_without_an_answer_column_is_refused(home):
    (home / "a.csv").write_text("student,exercise,reply\nana,article-exercise,0.6945\n")
    r = xent("grade", "a.csv")
    assert r.exit_code == 2 and "'a.csv': the header row has no 'answer' column" in r.stderr


def test_a_stray_quote_costs_its_own_line_only_and_lines_stay_true(home):
    rows = [f"s{i},article-exercise,0.6945" for i in range(1, 14)]
    rows[4] = 's5,article-exercise,"0.69'  # line 6 with the header: an unclosed quote
    (home / "a.csv").write_text("student,exercise,answer\n" + "\n".join(rows) + "\n")
    data = json.loads(xent("grade", "a.csv", "--format", "json").stdout)
    assert [(x["line"], x["student"], x["status"]) for x in data["rows"]] == [
        (i + 2, f"s{i + 1}", "malformed" if i == 4 else "right") for i in range(13)
    ]
    assert "quote opened on this line is not closed" in data["rows"][4]["message"]
    assert [(s["name"], s["right"], s["graded"]) for s in data["students"]][4] == ("s5", 0, 1)  # tried, scored 0
    (home / "b.csv").write_text('ana,article-exercise,"0.6945\nbo,article-exercise,0.6945\n')
    data = json.loads(xent("grade", "b.csv", "--format", "json").stdout)
    assert [(x["line"], x["student"], x["status"]) for x in data["rows"]] == [
        (1, "ana", "malformed"), (2, "bo", "right")
    ]  # fmt: skip


def test_text_after_a_closing_quote_and_rfc4180_quotes(home):
    (home / "a.csv").write_text(
        '"Smith, Ana",article-exercise,"0.6945"\n'  # a quoted separator
        '"Bo ""the kid"" Li",article-exercise,0.6945\n'  # doubled quotes
        'cy,article-exercise,"0.69"45\n'  # text after the closing quote
        "dee,article-exercise,0.6945\n"
    )
    data = json.loads(xent("grade", "a.csv", "--format", "json").stdout)
    assert [(x["line"], x["student"], x["status"]) for x in data["rows"]] == [
        (1, "Smith, Ana", "right"), (2, 'Bo "the kid" Li', "right"), (3, "cy", "malformed"), (4, "dee", "right")
    ]  # fmt: skip
    assert "text follows a closing quote" in data["rows"][2]["message"]


CP1252 = "student,exercise,answer\nMüller,article-exercise,0.6945\nRenée,article-exercise,0.6945\n"


def test_a_windows_1252_file_is_never_guessed(home):
    (home / "w.csv").write_bytes(CP1252.encode("cp1252"))
    r = xent("grade", "w.csv")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and "'w.csv' line 2 is not UTF-8 text" in r.stderr
    assert "--encoding cp1252" in r.stderr and "--encoding gb18030" in r.stderr
    r = xent("grade", "w.csv", "--encoding", "cp1252", "--format", "json")
    assert r.exit_code == 0
    assert [(x["student"], x["status"]) for x in json.loads(r.stdout)["rows"]] == [
        ("Müller", "right"), ("Renée", "right")
    ]  # fmt: skip


def test_a_gb18030_file_is_never_guessed(home):
    (home / "z.csv").write_bytes("ana,article-exercise,0.6945\n王芳,article-exercise,0.6945\n".encode("gb18030"))
    r = xent("grade", "z.csv", "--lang", "zh")
    assert r.exit_code == 2 and "'z.csv' 第 2 行不是 UTF-8 文本" in r.stderr and "--encoding gb18030" in r.stderr
    r = xent("grade", "z.csv", "--encoding", "gb18030", "--format", "json")
    assert [x["student"] for x in json.loads(r.stdout)["rows"]] == ["ana", "王芳"]
    r = xent("grade", "z.csv", "--encoding", "utf-16")
    assert r.exit_code == 2 and "is not utf-16 text" in r.stderr
    r = xent("grade", "z.csv", "--encoding", "latin-9000")
    assert r.exit_code == 2 and "--encoding: unknown encoding 'latin-9000'" in r.stderr


def test_blank_and_unreadable_answers_are_attempted_and_score_0(home):
    (home / "a.csv").write_text(
        "student,exercise,answer,stage\n"
        "ana,article-exercise,0.6945,\nana,article-exercise,,p_true\nana,article-exercise,  ,exp\n"
        "bo,article-exercise,abc\nbo,article-exercise,0.4951,p\nbo,article-exercise,1,2,3\n"
    )
    r = xent("grade", "a.csv", "--format", "json")
    data = json.loads(r.stdout)
    assert [x["status"] for x in data["rows"]] == ["right", "blank", "blank", "unreadable", "right", "malformed"]
    assert [(s["name"], s["right"], s["graded"], s["score"]) for s in data["students"]] == [
        ("ana", 1, 3, 0.3333), ("bo", 1, 3, 0.3333)
    ]  # fmt: skip
    assert data["counts"] == {"right": 2, "wrong": 0, "blank": 2, "unreadable": 1, "malformed": 1}


ATTEMPTS = "student,exercise,answer\nana,article-exercise,-0.6945\nana,article-exercise,0.6945\nana,article-exercise,\n"


@pytest.mark.parametrize(
    ("rule", "counted", "right"), [("last", [False, False, True], 0), ("best", [False, True, False], 1),
                                   ("first", [True, False, False], 0)]
)  # fmt: skip
def test_repeated_answers_under_each_attempts_rule(home, rule, counted, right):
    (home / "a.csv").write_text(ATTEMPTS)
    r = xent("grade", "a.csv", "--format", "json", "--attempts", rule)
    data = json.loads(r.stdout)
    assert [x["counted"] for x in data["rows"]] == counted
    assert [(s["right"], s["graded"]) for s in data["students"]] == [(right, 1)]
    assert f"xent: warning: 2 repeated answers: the {rule} one counts" in r.stderr
    assert data["rules"] == {"attempts": rule, "repeated": 2}
    table = xent("grade", "a.csv", "--attempts", rule).stdout
    assert f"Of repeated answers to one item the {rule} one counts." in table
    assert table.count("(repeated, not counted)") == 2


def test_an_unknown_attempts_rule_is_refused(home):
    (home / "a.csv").write_text(ATTEMPTS)
    r = xent("grade", "a.csv", "--attempts", "worst")
    assert r.exit_code == 2 and "--attempts: unknown rule 'worst': choose last, best or first" in r.stderr


def test_a_roster_lists_the_absent_and_warns_of_names_not_on_it(home):
    (home / "roster.csv").write_text("Student;Email\nAna Smith;ana@example.org\nBo Li;bo@example.org\nGus;g@x\n")
    (home / "a.csv").write_text(
        "student,exercise,answer\nAna Smith,article-exercise,0.6945\nAna Smiht,article-exercise,0.6945\n"
        "Bo Li,article-exercise,0.7030\nZed,article-exercise,0.6945\n"
    )
    r = xent("grade", "a.csv", "--roster", "roster.csv", "--format", "json", "--gradebook", "book.csv")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    got = [(s["name"], s["right"], s["graded"], s["on_roster"]) for s in data["students"]]
    assert got == [("Ana Smith", 1, 1, True), ("Bo Li", 0, 1, True), ("Gus", 0, 0, True),
                   ("Ana Smiht", 1, 1, False), ("Zed", 1, 1, False)]  # fmt: skip
    assert "xent: warning: 'Ana Smiht' (line 3) is not on the roster: did you mean 'Ana Smith'?" in r.stderr
    assert "xent: warning: 'Zed' (line 5) is not on the roster: graded, and listed after the roster" in r.stderr
    book = list(csv.reader(io.StringIO((home / "book.csv").read_text("utf-8-sig"))))
    assert book[3] == ["Gus", "0", "0", "0", "0.00"]
    (home / "names.txt").write_text("Ana Smith\nBo Li\n\nGus\n")  # one name a line
    table = xent("grade", "a.csv", "--roster", "names.txt").stdout
    assert "Gus (absent)" in table and "Zed (not on the roster)" in table


def test_the_gradebook_reads_back_as_an_lms_expects(home):
    lines = ["student,exercise,answer,stage"]
    lines += [f"ana,article-exercise,{v:.4f},{s}" for s, v in STAGES.items()]  # 5 stages right: 5 points
    lines += ["ana,batch-mean,1", "bo,article-exercise,0.6945", "bo,article-exercise,0.4951,p",
              "bo,article-exercise,0.9,exp", "cy,batch-mean,"]  # fmt: skip
    (home / "a.csv").write_text("\n".join(lines) + "\n")
    r = xent("grade", "a.csv", "--gradebook", "book.csv")
    assert r.exit_code == 0, r.stderr
    raw = (home / "book.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfstudent,") and raw.endswith(b"\r\n")  # UTF-8 with BOM, CRLF
    book = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert book[0] == ["student", "article-exercise", "batch-mean", "total", "attempted", "percent"]
    # ana: 5 of 5 stages and 0 of 1 on batch-mean; bo: 2 of 3; cy: a blank, attempted
    assert book[1:] == [["ana", "5", "0", "5", "6", f"{100 * 5 / 6:.2f}"], ["bo", "2", "0", "2", "3", "66.67"],
                        ["cy", "0", "0", "0", "1", "0.00"]]  # fmt: skip
    grid = json.loads(xent("grade", "a.csv", "--format", "json").stdout)["gradebook"]
    assert grid["columns"] == book[0]
    assert grid["rows"][1] == ["bo", 2, 0, 2, 3, 66.67]
    r = xent("grade", "a.csv", "--gradebook", "book.csv")
    assert r.exit_code == 2 and "'book.csv' already exists; use --force" in r.stderr
    assert (home / "book.csv").read_bytes() == raw
    r = xent("grade", "a.csv", "--gradebook", "a.csv", "--force")
    assert r.exit_code == 2 and "'a.csv' is one of the files being read" in r.stderr
    assert (home / "a.csv").read_text().startswith("student,exercise,answer,stage\n")


def test_csv_outputs_keep_the_data_but_run_no_formula(home):
    (home / "a.csv").write_text(
        'student,exercise,answer\n"=HYPERLINK(""http://x"",""y"")",article-exercise,0.6945\n'
        "@bo,article-exercise,-0.6945\n+cy,article-exercise,-1+2\n"
    )
    r = xent("grade", "a.csv", "--format", "csv", "--gradebook", "book.csv", "--summary", "sum.csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [x["student"] for x in rows] == ['\'=HYPERLINK("http://x","y")', "'@bo", "'+cy"]
    assert [x["answer"] for x in rows] == ["0.6945", "-0.6945", "'-1+2"]  # a negative number is data
    assert rows[1]["message"].startswith("'-0.6945 has the wrong sign")
    book = list(csv.reader(io.StringIO((home / "book.csv").read_text("utf-8-sig"))))
    assert [b[0] for b in book[1:]] == ['\'=HYPERLINK("http://x","y")', "'@bo", "'+cy"]
    summary = list(csv.DictReader(io.StringIO((home / "sum.csv").read_text())))
    assert summary[0]["name"] == '\'=HYPERLINK("http://x","y")'


def test_chinese_output_names_kinds_stages_and_heads_from_the_catalogue(home):
    (home / "a.csv").write_text(
        "王芳,article-exercise,-0.6945\n王芳,article-exercise,0.4951,p\n李雷,article-exercise,\n"
    )
    r = xent("grade", "a.csv", "--lang", "zh", "--gradebook", "book.csv")
    assert r.exit_code == 0
    out = r.stdout
    sign = json.loads((Path(xent_tutor.__file__).parent / "lesson/locales/zh.json").read_text("utf-8"))["kind.sign"]
    assert f"【{sign}】" in out and "[sign]" not in out
    assert "最终损失" in out and "概率 p" in out
    assert out.splitlines()[0].split() == ["行号", "学生", "练习", "步骤", "答案", "判定", "诊断或原因"]
    assert "空白" in out and "同一题的多次作答中，以最后一次为准。" in out
    assert out.strip().endswith("共 3 行：正确 1，错误 1，空白 1，无法读取 0，格式错误 0")
    book = list(csv.reader(io.StringIO((home / "book.csv").read_text("utf-8-sig"))))
    assert book[0] == ["学生", "article-exercise", "总分", "作答题数", "百分比"]


def test_terminal_control_characters_in_names_are_shown_escaped(home):
    (home / "a.csv").write_text("\x1b[31mred\x1b[0m,article-exercise,0.6945\n")
    out = xent("grade", "a.csv").stdout
    assert "\x1b" not in out and "\\x1b[31mred" in out


def _xent_process(*args, **kw):
    return subprocess.run([sys.executable, "-m", "xent_tutor", *args], capture_output=True, text=True, timeout=20,
                          **kw)  # fmt: skip


def test_a_fifo_and_a_device_are_refused_at_once(home):
    os.mkfifo(home / "fifo")
    for path, what in ((str(home / "fifo"), "a named pipe (FIFO)"), ("/dev/zero", "a device")):
        r = _xent_process("grade", path)
        assert r.returncode == 2 and r.stdout == ""
        assert r.stderr == f"xent: error: cannot read '{path}': it is {what}, not a regular file\n"
    (home / "a.csv").write_text("ana,article-exercise,0.6945\n")
    r = _xent_process("grade", "a.csv", "--roster", str(home / "fifo"), cwd=home)
    assert r.returncode == 2 and "--roster: cannot read" in r.stderr and "named pipe" in r.stderr


def test_a_file_past_the_size_limit_is_refused_before_it_is_read(home, monkeypatch):
    from xent_tutor.teach import sheet

    monkeypatch.setattr(sheet, "MAX_BYTES", 1024 * 1024)
    (home / "big.csv").write_text("ana,article-exercise,0.6945\n" * 40_000)
    r = xent("grade", "big.csv")
    assert r.exit_code == 2 and "cannot read 'big.csv': it is larger than 1 MiB" in r.stderr
    r = xent("grade", "-", input="ana,article-exercise,0.6945\n" * 40_000)
    assert r.exit_code == 2 and "cannot read '-': it is larger than 1 MiB" in r.stderr
    monkeypatch.setattr(sheet, "MAX_ROWS", 100)
    (home / "long.csv").write_text("ana,article-exercise,0.6945\n" * 101)
    r = xent("grade", "long.csv")
    assert r.exit_code == 2 and "'long.csv' has more than 100 lines" in r.stderr


def test_a_small_value_asks_its_own_decimals_and_the_message_says_how_many(home):
    p = 1 / (1 + math.exp(6.0))  # confident-wrong: logits [6, 0], label 1
    (home / "a.csv").write_text(
        f"ana,confident-wrong,{p:.4f},p\nbo,confident-wrong,{p:.6f},p\ncy,confident-wrong,0.9\n"
    )
    rows = json.loads(xent("grade", "a.csv", "--format", "json").stdout)["rows"]
    assert [(r["status"], r["kind"]) for r in rows] == [("wrong", "rounded"), ("right", None), ("wrong", None)]
    assert rows[0]["message"] == f"{p:.4f} is {p:.6f} rounded to 4 decimals; 6 decimals are required."
    loss = math.log(1 + math.exp(6.0))  # -ln p
    assert rows[2]["message"] == f"no known mistake gives this number; the answer is {loss:.4f}"


def test_judging_before_diagnosing_changes_no_verdict(home, monkeypatch):
    # A loss answer is judged on a step without mistake candidates first; every verdict must be the one
    # the fully diagnosed step gives (right, short, close, a named mistake or none).
    from xent_tutor.teach import grade as g

    lines = []
    for s in range(40):
        d = ("easy", "medium", "hard")[s % 3]
        for answer in ("1.0", "-1.0", "0.69", "2.3026", "0.5", "1.2345", "abc", "0"):
            lines.append(f"s{s},seed:{s}:{d},{answer}")
    (home / "a.csv").write_text("\n".join(lines) + "\n")
    two_tier = xent("grade", "a.csv", "--format", "csv").stdout
    full = g.Grader.step
    monkeypatch.setattr(g.Grader, "step", lambda self, ref, stage, diagnose=True: full(self, ref, stage, True))
    assert xent("grade", "a.csv", "--format", "csv").stdout == two_tier
