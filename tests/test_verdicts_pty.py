"""Issue 17's first list, as a learner meets it on a real terminal, in English and Chinese."""

from __future__ import annotations

import re

import pytest
from test_quiz_pty import finish, spawn

pexpect = pytest.importorskip("pexpect")


def _re(text: str) -> str:
    """A literal sentence as a pattern that lets the terminal wrap it anywhere."""
    return r"\s*".join(re.escape(part) for part in text.split())


WORDS = {
    "en": {
        "short": "0.95 has 2 decimals; this step asks for 4.",
        "tries": "Try again (1 of 3 tries used)",
        "sig": "give 4 significant figures (6 decimals here)",
        "predict": "Answer above, below or equal",
        "from_p": "Right, from your p = 0.002473: −ln(0.002473) = 6.0023. The exact value is 6.0025",
        "from_l": "Right, from your row 1's loss = 6.0023: 6.0023 / 1 = 6.0023.",
        "summary": "2 right first try, 3 right after retries",
    },
    "zh": {
        "short": "0.95 只有 2 位小数；这一步要求 4 位小数。",
        "tries": "已用 1 次，共 3 次",
        "sig": "请给出 4 位有效数字（这里是 6 位小数）",
        "predict": "请回答高于、低于或等于",
        "from_p": "正确（你的 p = 0.002473）：−ln(0.002473) = 6.0023。精确值是 6.0025",
        "from_l": "正确（你的第 1 行的损失 = 6.0023）：6.0023 / 1 = 6.0023。",
        "summary": "2 步首次答对，3 步重试后答对",
    },
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_rounded_guesses_are_tries_and_own_numbers_carry_to_the_final_loss(tmp_path, lang):
    w = WORDS[lang]
    child = spawn(tmp_path, "--exercise", "confident-wrong", lang=lang)
    child.expect("> ")
    child.sendline("0.95")  # e^0 = 1: a wrong number, a try
    child.expect(_re(w["tries"]))
    child.sendline("1")
    child.expect("> ")
    child.sendline("404.43")  # the row sum with 2 decimals: a try, the digits not given
    child.expect(_re("404.43"))
    child.expect(_re(w["tries"]))
    assert "404.4288" not in child.before
    child.sendline("e^6+1")
    child.expect(_re(w["sig"]))  # p is small and its log comes next
    child.sendline("0.0025")
    child.expect(_re(w["tries"]))
    child.sendline("0.002473")
    child.expect("> ")
    child.sendline("-ln(0.002473)")
    child.expect(_re(w["from_p"]))
    child.expect(_re(w["predict"]))  # the predict-first question comes before the final step
    child.expect("> ")
    child.sendline("skip")
    child.expect("> ")
    child.sendline("6.0023")
    child.expect(_re(w["from_l"]))
    child.expect(_re(w["summary"]))
    finish(child)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_label_smoothing_from_the_displayed_t_and_ln_p_is_right(tmp_path, lang):
    child = spawn(tmp_path, "--exercise", "label-smoothing", lang=lang)
    for _ in range(3):
        child.expect("> ")
        child.sendline("skip")
    child.expect("> ")
    child.sendline("0.9333*0.1698+0.0333*2.1698+0.0333*3.1698")
    child.expect(
        _re("Right, from t = [0.9333, 0.0333, 0.0333]" if lang == "en" else "正确（给出的 t = [0.9333, 0.0333, 0.0333]")
    )
    child.sendline("quit")
    finish(child)


@pytest.mark.parametrize(
    "lang, said",
    [("en", "0.6931 follows from p rounded to 2 decimals (0.50) before the next operation"),
     ("zh", "0.6931 来自先把 p 舍入到 2 位小数（0.50）再往下算")],
)  # fmt: skip
def test_p_rounded_early_is_named_with_its_numbers(tmp_path, lang, said):
    child = spawn(tmp_path, "--exercise", "article-exercise", lang=lang)
    for _ in range(3):
        child.expect("> ")
        child.sendline("skip")
    child.expect("> ")
    child.sendline("-ln(0.50)")
    child.expect(_re(said))
    child.sendline("quit")
    finish(child)


@pytest.mark.parametrize(
    "lang, overflow",
    [("en", "e^999 overflows"), ("zh", "e^999 会溢出")],
)  # fmt: skip
def test_e_to_the_999_at_the_overflow_step_is_the_overflow_itself(tmp_path, lang, overflow):
    child = spawn(tmp_path, "--exercise", "huge-logits", lang=lang)
    child.expect("> ")
    child.sendline("e^999")
    child.expect(_re(overflow))
    child.expect(_re(WORDS[lang]["tries"]))
    child.sendline("quit")
    finish(child)


@pytest.mark.parametrize(
    "lang, helped, comma",
    [("en", "hint gives the next hint", "did you mean (0.7030+0.6860)/2?"),
     ("zh", "输入 hint（提示）给出下一条提示", "你是想写 (0.7030+0.6860)/2 吗？")],
)  # fmt: skip
def test_help_and_answers_as_people_type_them(tmp_path, lang, helped, comma):
    child = spawn(tmp_path, "--exercise", "article-exercise", "--mode", "final", lang=lang)
    child.expect("> ")
    child.sendline("?")
    child.expect(_re(helped))
    child.sendline("help")
    child.expect(_re(helped))
    child.sendline("(0,7030+0,6860)/2")  # two decimal commas: refused, with the answer written with points
    child.expect(_re(comma))
    child.sendline("0,6945。")  # one decimal comma and a Chinese full stop: read as 0.6945
    child.expect("✓")
    finish(child)
