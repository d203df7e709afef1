"""Chinese text reads as Chinese: GB/T 15834 punctuation, glossary terms, no stray English words."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner
from zh_rules import LOCALES, glossary, punctuation_problems, stray_words, zh_texts

from xent_tutor.cli import app

TEXTS = zh_texts()


def test_the_rules_catch_the_mistakes_a_reader_stumbles_on() -> None:
    assert len(punctuation_problems("第 1 行,真实类别 0:它的 logit z = -0.0464,e^z 是多少?")) == 4
    assert punctuation_problems("第 1 行，真实类别 0：它的 logit z = -0.0464，e^z 是多少？") == []
    assert punctuation_problems("第 1 行：p = 0.4951,-ln p = 0.7030")  # a comma between two clauses
    assert punctuation_problems("原始分数(logits)与标签") and punctuation_problems("损失(约为 6)")
    # Half-width inside formulas, numbers and code is right.
    assert punctuation_problems("损失 = (0.7030 + 0.6860) / 2，e^(z − max) 与 [[1.0, 2.0]]；reduction='mean'：") == []
    assert stray_words("随机 hard 题，种子 5") and stray_words("PyTorch 使用 ln（nats = bits × ln 2）")
    assert stray_words("标签被转换为 one-hot 向量") and not stray_words("标签被转换为独热（one-hot）向量")
    assert not stray_words("请选择 mean（求平均）或 xent quiz --difficulty hard")


@pytest.mark.parametrize("where", sorted(TEXTS))
def test_chinese_punctuation_is_full_width_outside_formulas(where: str) -> None:
    assert punctuation_problems(TEXTS[where]) == []


@pytest.mark.parametrize("where", sorted(TEXTS))
def test_no_english_word_stands_alone_in_chinese_text(where: str) -> None:
    assert stray_words(TEXTS[where]) == []


def test_every_glossary_term_in_english_is_the_glossary_word_in_chinese() -> None:
    en = json.loads((LOCALES / "en.json").read_text("utf-8"))
    zh = json.loads((LOCALES / "zh.json").read_text("utf-8"))
    missing = []
    for term in glossary()["terms"]:
        for key, text in en.items():
            prose = re.sub(r"'[^']*'|--[a-z-]+|\{[a-z_]+\}", "", text)
            if re.search(term["en"], prose, re.IGNORECASE) and term["zh"] not in zh[key]:
                missing.append((key, term["zh"], zh[key]))
    assert missing == []


def _flat(output: str) -> str:
    return re.sub(r"\s*\n\s*", "", output)


@pytest.mark.parametrize(
    "args",
    [
        ["explain"],
        ["explain", "--label-smoothing", "0.1"],
        ["explain", "--logits", "[[0.2, 0.3]]", "--labels", "[[0.4, 0.6]]"],
        ["quiz", "--exercise", "article-exercise"],
        ["quiz", "--exercise", "label-smoothing"],
    ],
)
def test_each_term_is_glossed_where_a_learner_first_meets_it(args: list[str], tmp_path) -> None:
    r = CliRunner().invoke(
        app, [*args, "--lang", "zh"], input="quit\n", env={"XENT_PROGRESS_FILE": str(tmp_path / "p")}
    )
    out = _flat(r.stdout)
    assert r.exit_code == 0, r.output
    for term in glossary()["terms"]:
        bare = term["zh"] if term["first"].startswith(term["zh"]) else term["first"].split("（")[0]
        if bare in out:
            assert out.index(bare) == out.find(term["first"]), (term["first"], out[: out.index(bare) + 40])


RUNS = [
    ["explain", "--label-smoothing", "0.1", "--grad", "--weight", "[1, 2]"],
    ["explain", "--logits", "[[0.2, 0.3], [1, 2]]", "--labels", "[[0.4, 0.6], [0.5, 0.5]]", "--grad"],
    ["explain", "--logits", "[[1000, 0, -1000], [1, 2, 3], [inf, 0, 0]]", "--labels", "[2, -100, 0]", "--top", "2"],
    ["explain", "--logits", "[[1, 2], [3, 4]]", "--labels", "[-100, -100]"],
    ["explain", "--logits", "[0.3, -1.2, 2.0]", "--labels", "2", "--reduction", "sum"],
    ["quiz", "--exercise", "class-weights"],
    ["quiz", "--exercise", "ignore-index"],
    ["quiz", "--exercise", "soft-labels"],
    ["quiz", "--random", "--difficulty", "hard", "--seed", "5"],
    ["exercises"],
    ["progress"],
]


def test_what_xent_prints_in_chinese_follows_the_rules(tmp_path) -> None:
    """Sentences put together at run time (lists, labels, notes) obey the same rules as the catalogue."""
    from xent_tutor.practice.exercises import library

    ids = sorted(library().exercises, key=len, reverse=True)
    env = {"XENT_PROGRESS_FILE": str(tmp_path / "p.json")}
    answers = "1\nhint\nhint\n2\n3\nshow\nskip\n0.5\nskip\n1\n1\nskip\n" * 3
    problems = []
    for args in RUNS:
        r = CliRunner().invoke(app, [*args, "--lang", "zh", "--width", "200"], input=answers, env=env)
        assert r.exit_code in (0, 1), r.output
        for line in r.output.splitlines():
            line = re.sub(r"^\s*! ", "", line)  # the lesson's marker for a note
            line = re.sub(r"\b[a-z_]+=\S+", "x", line.replace(str(tmp_path), "x"))  # options shown as code
            for ex in ids:
                line = line.replace(ex, "x")
            problems += punctuation_problems(line) + stray_words(line)
    assert problems == []
