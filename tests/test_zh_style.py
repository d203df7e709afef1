"""The Chinese style sheet (locales/zh-style.json) holds for the catalogue, the exercises and what every command prints."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner
from zh_rules import LOCALES, count_problems, style, style_problems, zh_texts

from xent_tutor.cli import app

TEXTS = zh_texts()
LABELS = set(style()["labels"]["keys"])


def test_the_rules_catch_what_a_native_editor_found() -> None:
    for rule in style()["rules"]:
        assert style_problems(rule["bad"]), rule["id"]
        assert style_problems(rule["good"]) == [], rule["id"]
    bad = [
        "这是最后一次机会。答案：exp(−0.0464) = 0.9547",
        "✗ 还不对：−0.6156 的符号错了：概率的 ln 是负数",
        "请对照检查：被忽略的样本不计入：只对未被忽略的样本求平均。",
        "以比特（bit）计，L / ln 2 = 1.0020（PyTorch 的 ln 以纳特（nat）计）",
        "损失 = 1.2461（(2.3593 + 0.1330) / 2）",
        "样本的损失是-ln p",
        "即是softmax 的分母",
        "错误：1.3890，期望 0.6945",
        "请使用标注类别的 p。",
        "最常见的错误：求和而非平均 ×1",
        "第 1 行：ln p_0 = -0.0196 − ln 1.9806 = -0.7030。",
        "PyTorch 把这一步算作 LogSoftmax",
    ]
    for text in bad:
        assert style_problems(text), text
    good = [
        "尝试次数已用完。正确答案是 exp(−0.0464) = 0.9547。",
        "xent：错误：--labels：第 1 行的标签 5 超出范围",  # the CLI's prefix is a label, not a sentence
        "选项：reduction='mean'",
        "第 1 行：ln p_0 = −0.0196 − ln 1.9806 = −0.7030。",
        "示例：xent quiz --exercise article-exercise --answer '(0.7030-0.6860)/2'",  # code keeps its ASCII
    ]
    for text in good:
        assert style_problems(text) == [], text
    assert count_problems("首次答对 {right_first}，跳过 {skipped}") and not count_problems("{right_first} 步首次答对")


@pytest.mark.parametrize("where", sorted(TEXTS))
def test_every_chinese_sentence_follows_the_style_sheet(where: str) -> None:
    key = where.removeprefix("zh.json ")
    minus = not key.startswith("help.")  # help text quotes options and command lines: code keeps ASCII '-'
    assert style_problems(TEXTS[where], minus=minus, colons=key not in LABELS) == []


def test_every_count_in_the_catalogue_has_its_measure_word() -> None:
    zh = json.loads((LOCALES / "zh.json").read_text("utf-8"))
    assert [p for template in zh.values() for p in count_problems(template)] == []


def test_every_mistake_name_says_what_the_learner_did() -> None:
    zh = json.loads((LOCALES / "zh.json").read_text("utf-8"))
    kinds = {k: v for k, v in zh.items() if k.startswith("kind.") and k != "kind.tally"}
    assert kinds["kind.unknown"] == "其他错误" and kinds["kind.sign"] == "漏了负号"
    assert kinds["kind.only_true_term"] == "只算了一项" and kinds["kind.mean_of_p"] == "用概率代替了损失"
    assert len(set(kinds.values())) >= len(kinds) - 2  # two kinds share 漏了标签平滑 on purpose (row and batch)


ANSWERS = "1\nhint\nhint\nhint\n-5\n0.1\nshow\n0.5\nskip\n-0.6945\n0.3016\n1.3890\n2\n0.5\n0.4\n0.3\nskip\n" * 2


def _runs(tmp_path) -> list[list[str]]:
    from xent_tutor.practice.exercises import library

    ids = sorted(library().exercises)
    grade = tmp_path / "answers.csv"
    grade.write_text("student,exercise,answer\nann,article-exercise,0.6945\nbob,article-exercise,1.3890\n"
                     "cid,article-exercise,-0.6945\ndan,article-exercise,abc\neve,article-exercise,0.69\n"
                     "fay,nope,1\n", encoding="utf-8")  # fmt: skip
    missing, locked = tmp_path / "no" / "such" / "dir" / "x.npy", tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    runs = [["explain"], ["explain", "--grad"], ["explain", "--label-smoothing", "0.1", "--weight", "[1, 2]"],
            ["explain", "--logits", "[[0.2, 0.3], [1, 2]]", "--labels", "[[0.4, 0.6], [0.5, 0.5]]", "--grad"],
            ["explain", "--logits", "[[1000, 0, -1000], [1, 2, 3]]", "--labels", "[2, -100]", "--top", "2"],
            ["explain", "--logits", "[1.5, -0.5]", "--labels", "1"], ["explain", "--brief"],
            ["explain", "--logits", "[[1, 2], [3, 4]]", "--labels", "[0, 1]", "--reduction", "sum"],
            ["explain", "--logits", "[[1, 2], [3, 4]]", "--labels", "[0, 1]", "--reduction", "none"],
            ["explain", "--output", str(missing)], ["explain", "--output", str(locked / "x.npy")],
            ["explain", "--logits", str(tmp_path / "nothing.json"), "--labels", "[0]"],
            ["exercises"], ["progress"], ["grade", str(grade)],
            ["quiz", "--exercise", "article-exercise", "--answer", "abc"],
            ["quiz", "--exercise", "article-exercise", "--answer", "1.3890"],
            ["quiz", "--random", "--seed", "5", "--difficulty", "hard"], ["quiz", "--stage", "neg_log_p"]]  # fmt: skip
    runs += [["quiz", "--exercise", ex] for ex in ids] + [["explain", "--exercise", ex] for ex in ids]
    return runs


def test_what_every_command_prints_in_chinese_follows_the_style_sheet(tmp_path) -> None:
    env = {"XENT_PROGRESS_FILE": str(tmp_path / "p.json"), "COLUMNS": "1000"}
    problems: list[str] = []
    for args in _runs(tmp_path):
        wide = ["--width", "1000"] if args[0] in ("explain", "quiz") else []
        r = CliRunner().invoke(app, [*args, "--lang", "zh", *wide], input=ANSWERS, env=env)
        assert r.exit_code in (0, 1, 2), (args, r.output)
        for line in r.output.splitlines():
            line = line.replace(str(tmp_path), "x").strip()
            if re.search(r"│|\S {2,}\S", line):  # a table of numbers, meant for copying, keeps ASCII '-'
                continue
            line = re.sub(r"^[!✗✓▸] |^--[a-z-]+：", "", line)  # a note's marker, the option an error names
            problems += [f"{args[:3]}: {p}" for p in style_problems(line, minus=False)]
    (tmp_path / "locked").chmod(0o700)
    assert problems == []
