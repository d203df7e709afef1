"""The interactive quiz on a real pseudo-terminal, as a learner types it."""

from __future__ import annotations

import json
import math
import os
import re
import sys

import pytest

pexpect = pytest.importorskip("pexpect")


def spawn(tmp_path, *args, lang="en"):
    env = dict(os.environ, XENT_PROGRESS_FILE=str(tmp_path / "progress.json"), COLUMNS="200", NO_COLOR="1")
    child = pexpect.spawn(
        sys.executable, ["-m", "xent_tutor", "quiz", "--lang", lang, *args], env=env, encoding="utf-8", timeout=60,
        dimensions=(50, 200),
    )  # fmt: skip
    # Text typed before the line editor takes the terminal can be flushed by it: give it time.
    child.delaybeforesend = 0.3
    if os.environ.get("XENT_PTY_LOG"):
        child.logfile_read = open(os.environ["XENT_PTY_LOG"], "a")  # noqa: SIM115
    return child


def finish(child, status=0):
    child.expect(pexpect.EOF)
    assert "Traceback" not in child.before
    child.close()
    assert child.exitstatus == status


def test_retry_after_a_sign_mistake_then_pass(tmp_path):
    child = spawn(tmp_path, "--exercise", "article-exercise")
    child.expect("what is e\\^z")
    child.sendline("hint")
    child.expect("Hint, the idea: the exponential turns a score z into a positive weight")
    child.sendline("hint")
    child.expect("Hint: e\\^z = exp\\(z\\)")
    child.sendline("exp(-0.0464)")
    child.expect("Right: exp\\(−0.0464\\) = 0.9547")
    child.expect("sum of e\\^z")
    child.sendline("e^-0.0464")
    child.expect("0.9547 is only class 0's term; add e\\^z over all 2 classes of the row")
    child.expect("Try again \\(1 of 3 tries used\\)")
    child.sendline("e^-0.0464 + e^-0.0268")
    child.expect("Right")
    child.expect("softmax probability")
    child.sendline("0.9547/1.9282")
    child.expect("Right")
    child.expect("Row 1: what is −ln p")
    child.sendline("ln(0.4951)")
    child.expect("−0.7030 has the wrong sign")
    child.expect("Try again")
    child.sendline("-ln(0.4951)")
    child.expect("Right: −ln\\(0.4951\\) = 0.7030")
    child.expect("Row 2: what is −ln p for the true class 1\\? Work it from this row's logits the same way")
    child.sendline("-ln(e^-0.0091/(e^-0.0234+e^-0.0091))")
    child.expect("= 0.6860")
    child.expect("final loss")
    child.sendline("(0.7030+0.6860)/2")
    child.expect("6 of 6 steps")
    child.expect("4 right first try, 2 right after retries, 0 revealed, 0 skipped, 1 with hints")
    child.expect("Most wrong tries")
    finish(child)
    data = json.loads((tmp_path / "progress.json").read_text())
    assert data["solved"] == ["article-exercise"]
    assert data["sessions"][0]["by_stage"]["neg_log_p"]["right_retry"] == 1


def test_three_wrong_tries_then_reveal(tmp_path):
    child = spawn(tmp_path, "--exercise", "article-exercise", "--mode", "final")
    child.expect("final loss")
    for n, answer in enumerate(("1.389", "0.7030", "0.5"), 1):
        child.sendline(answer)
        child.expect("Not yet")
        if n < 3:
            child.expect(f"Try again \\({n} of 3 tries used\\)")
    child.expect("That was the last try. The answer: \\(0.7030 \\+ 0.6860\\) / 2 = 0.6945")
    child.expect("1 of 1 steps")
    child.expect("1 revealed")
    finish(child)


def _numbers(line: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+\.\d+|-?\d+", line)]


def test_soft_label_problem_solved_from_the_screen(tmp_path):
    """Every answer is worked from what the screen shows (logits, t, the question), with math here."""
    child = spawn(tmp_path, "--exercise", "soft-labels")
    child.expect("row +z_0 +z_1 +z_2 +t_0 +t_1 +t_2\\s*\r\n(.*)\r\n")
    row = _numbers(child.match.group(1))
    z, t = row[1:4], row[4:7]
    child.expect("Row 1, class (\\d): what is e\\^z")
    k = int(child.match.group(1))
    e = [math.exp(v) for v in z]
    child.sendline(f"{e[k]:.4f}")
    child.expect("Right")
    child.sendline(f"{sum(e):.4f}")
    child.expect("Right")
    p = [v / sum(e) for v in e]  # soft labels have no true class: no p step, p is worked for the loss
    child.expect("its target is the distribution t = \\[([^\\]]*)\\]")
    assert _numbers(child.match.group(1)) == t
    loss = -sum(tc * math.log(pc) for tc, pc in zip(t, p) if tc > 0)
    child.sendline(f"{-math.log(p[0]):.4f}")  # only the most likely class: a known mistake
    child.expect("is −ln p of class 0 alone")
    child.sendline(f"{loss:.4f}")
    child.expect("Right")
    child.expect("final loss")
    child.sendline(f"{loss:.4f}")
    child.expect("Right")
    child.expect("4 of 4 steps")
    finish(child)


def test_article_exercise_asks_both_rows_in_chinese(tmp_path):
    child = spawn(tmp_path, "--exercise", "article-exercise", lang="zh")
    for _ in range(4):
        child.expect("> ")
        child.sendline("skip")
    child.expect("第 2 行.真实类别 1 的 −ln p 是多少.用这一行的 logit 按同样的步骤计算")
    child.sendline("0.7030")
    child.expect("还不对。0.7030 是第 1 行的值；这道题问的是第 2 行。")
    child.sendline("0．６８６０")
    child.expect("正确")
    child.expect("算最终损失之前先预测")  # the predict-first question comes before the final step
    child.expect("> ")
    child.sendline("高于")
    child.expect("已记下你的预测（高于）")
    child.expect("最终的损失是多少")
    child.sendline("0.69")
    child.expect("还不对。0.69 只有 2 位小数；这一步要求 4 位小数。请算到 4 位小数后再试。")
    child.sendline("(0.7030+0.6860)/2")
    child.expect("预测正确：损失 0.6945 高于 0.6931。")
    child.expect("完成了 6 步中的 6 步：0 步首次答对，2 步重试后答对，0 步揭晓了答案，4 步跳过")
    finish(child)


def test_path_takes_the_first_unsolved_and_names_the_next(tmp_path):
    child = spawn(tmp_path, "--mode", "final")
    child.expect("exercise article-binary")
    child.expect("Learning path: exercise 1 of 12")
    child.expect("final loss")
    child.sendline("-ln(e^0.1616/(1+e^0.1616))")
    child.expect("Right")
    child.expect("Next on the path: 2. unbatched-sample")
    finish(child)
    child = spawn(tmp_path, "--mode", "final")
    child.expect("exercise unbatched-sample")
    child.sendline("quit")
    finish(child)


def test_ctrl_c_ends_cleanly_with_summary(tmp_path):
    child = spawn(tmp_path, "--exercise", "article-exercise")
    child.expect("what is e\\^z")
    child.sendline("0.9547")
    child.expect("sum of e\\^z")
    child.sendintr()
    child.expect("1 of 6 steps")
    child.expect("Unfinished")
    finish(child, 130)
    session = json.loads((tmp_path / "progress.json").read_text())["sessions"][0]
    assert session["by_stage"]["exp"]["right_first"] == 1 and session["finished"] is False


def test_end_of_input_ends_cleanly(tmp_path):
    child = spawn(tmp_path, "--seed", "3")
    child.expect("> ")
    # Ctrl-D sent before the line editor takes the terminal is dropped by the tty: send until it lands.
    for _ in range(20):
        child.sendeof()
        if child.expect(["0 of \\d+ steps", pexpect.TIMEOUT], timeout=1) == 0:
            break
    else:
        pytest.fail("end of input never ended the quiz")
    finish(child)
