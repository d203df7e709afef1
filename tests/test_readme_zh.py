"""README.zh-CN.md: the same set-up commands as README.md and a true walk-through of the article's exercise."""

from __future__ import annotations

import re

from zh_rules import ROOT, punctuation_problems, stray_words

ZH = (ROOT / "README.zh-CN.md").read_text("utf-8")
EN = (ROOT / "README.md").read_text("utf-8")


def _first_block(text: str) -> list[str]:
    return text.split("```\n", 2)[1].splitlines()


def test_the_chinese_readme_sets_up_with_the_readmes_own_two_commands() -> None:
    assert _first_block(ZH) == _first_block(EN)
    assert len(_first_block(EN)) == 2 and _first_block(EN)[1].endswith("-m pytest")


def test_the_readme_links_the_chinese_one_above_its_first_code_block() -> None:
    top = EN.split("```", 1)[0]
    assert "(README.zh-CN.md)" in top and "(README.md)" in ZH.split("```", 1)[0]


def test_the_walk_through_numbers_follow_from_the_formulas() -> None:
    import numpy as np

    logits = np.array([[-0.0464, -0.0268], [-0.0234, -0.0091]])
    e = np.exp(logits)
    p = e[[0, 1], [0, 1]] / e.sum(axis=1)  # labels [0, 1]
    loss = -np.log(p)
    for v in [*e.ravel(), *e.sum(axis=1), *p, *loss]:
        assert f"{v:.4f}" in ZH, v
    assert f"{loss.mean():.4f}" == "0.6945" and "**0.6945**" in ZH


def test_the_chinese_readme_reads_as_chinese() -> None:
    prose = re.sub(r"```.*?```", "", ZH, flags=re.S)
    lines = [line for line in prose.splitlines() if not line.startswith("|")]  # table rows are data
    text = re.sub(r"\n(?!\n)", "", "\n".join(lines))  # paragraphs, not lines
    problems = []
    for para in text.split("\n"):
        para = re.sub(r"\[[^\]]*\]\([^)]*\)|\*\*", "", para)  # links and bold marks are Markdown, not text
        problems += punctuation_problems(para) + stray_words(para)
    assert problems == []


def test_the_chinese_readme_has_one_line_a_paragraph_and_follows_the_style_sheet() -> None:
    from zh_rules import style_problems

    prose = re.sub(r"```.*?```", "", ZH, flags=re.S)
    problems = []
    for line in prose.splitlines():
        if not line.strip() or line.startswith(("#", "|", "[")):
            continue
        # A rendered Markdown line break inside a sentence shows as a stray space between Chinese characters.
        if not line.rstrip().endswith(("。", "：", "）", "”")):
            problems.append(f"a sentence broken across lines: {line!r}")
        problems += style_problems(re.sub(r"\*\*|\[[^\]]*\]\([^)]*\)", "", line.removeprefix("> ")))
    assert problems == []
