"""Mastery that means it: solved, attempted, logged sessions, per-stage mastery and `xent quiz --review`."""

from __future__ import annotations

import itertools
import json
import os
import sys

import pexpect
import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from xent_tutor.cli import app
from xent_tutor.practice import progress, review
from xent_tutor.practice.quiz import STAGES

runner = CliRunner()

# The article's exercise, worked by hand: logits [[-0.0464, -0.0268], [-0.0234, -0.0091]], labels [0, 1].
EXP = "exp(-0.0464)"
SUM = "exp(-0.0464)+exp(-0.0268)"
P = "exp(-0.0464)/(exp(-0.0464)+exp(-0.0268))"
NLL1 = "ln(1+exp(0.0196))"  # -ln p_0 = ln(1 + e^(z_1 - z_0))
NLL2 = "ln(1+exp(-0.0143))"  # -ln p_1 = ln(1 + e^(z_0 - z_1))
LOSS = "(ln(1+exp(0.0196))+ln(1+exp(-0.0143)))/2"
RIGHT = [EXP, SUM, P, NLL1, NLL2, LOSS]


@pytest.fixture
def pfile(tmp_path, monkeypatch):
    path = tmp_path / "state" / "progress.json"
    monkeypatch.setenv("XENT_PROGRESS_FILE", str(path))
    return path


def xent(*args, input=None):
    return runner.invoke(app, list(args), input=input)


def flat(text: str) -> str:
    return " ".join(text.split())


def status_of(exercise: str, lang: str = "en") -> str:
    listing = xent("exercises", "--lang", lang, "--width", "200").stdout
    (row,) = [line for line in listing.splitlines() if line.split()[1:2] == [exercise]]
    return row.rstrip().split("  ")[-1].strip()


def saved(pfile) -> dict:
    return json.loads(pfile.read_text())


# --- Solved only when every step was right by the learner, with nothing revealed ---


def test_every_step_right_first_try_is_solved_first_try(pfile):
    r = xent("quiz", "--exercise", "article-exercise", input="\n".join(RIGHT) + "\n")
    assert "Solved article-exercise: every step right on the first try." in flat(r.stdout)
    assert saved(pfile)["solved"] == ["article-exercise"]
    assert status_of("article-exercise") == "solved, first try"


@pytest.mark.parametrize(
    "lang, said, status",
    [("en", "Solved article-exercise: every step right, 4 of 6 on the first try (wrong tries on the way: 3).",
      "solved after 3 wrong tries"),
     ("zh", "已解出 article-exercise：每一步最终都答对，6 步中 4 步第一次就答对（途中答错 3 次）。", "已完成，答错 3 次")],
)  # fmt: skip
def test_right_after_retries_is_solved_and_says_how_many(pfile, lang, said, status):
    answers = [EXP, "1", "2", SUM, P, "5", NLL1, NLL2, LOSS]  # two wrong at the row sum, one at -ln p
    r = xent("quiz", "--exercise", "article-exercise", "--lang", lang, input="\n".join(answers) + "\n")
    assert said in flat(r.stdout).replace("， ", "，")
    assert status_of("article-exercise", lang) == status
    (session,) = saved(pfile)["sessions"]
    assert session["exercises"]["article-exercise"]["wrong_tries"] == 3
    assert session["firsts"] == {"exp": "1", "row_sum": "0", "p_true": "1", "neg_log_p": "01", "loss": "1"}


def test_a_shown_step_is_not_solved_even_when_the_loss_is_right(pfile):
    answers = [EXP, "show", SUM, P, NLL1, NLL2, LOSS]  # the row sum was revealed, then typed
    r = xent("quiz", "--exercise", "article-exercise", input="\n".join(answers) + "\n")
    text = flat(r.stdout)
    assert "Not solved yet: 1 of the 6 steps of article-exercise were revealed or skipped" in text
    assert "Solved" not in text
    data = saved(pfile)
    assert data["solved"] == [] and data["attempted"] == ["article-exercise"]
    assert status_of("article-exercise") == "attempted"
    r = xent("quiz", input="quit\n")  # still the first unsolved exercise of the path after it
    assert "exercise article-binary" in r.stdout


def test_a_skipped_step_is_not_solved(pfile):
    answers = [EXP, SUM, "skip", NLL1, NLL2, LOSS]
    r = xent("quiz", "--exercise", "article-exercise", "--lang", "zh", input="\n".join(answers) + "\n")
    assert "article-exercise 尚未解出：6 步中有 1 步是揭晓或跳过的" in flat(r.stdout)
    assert saved(pfile)["solved"] == []


def test_a_revealed_final_after_three_wrong_tries_is_not_solved(pfile):
    r = xent("quiz", "--exercise", "article-binary", "--mode", "final", input="1\n2\n3\n")
    assert "Not solved yet: the answer to article-binary was revealed, so it stays on the path" in flat(r.stdout)
    assert saved(pfile)["solved"] == [] and status_of("article-binary") == "attempted"


def test_a_drill_of_the_loss_on_an_exercise_does_not_solve_it(pfile):
    r = xent("quiz", "--exercise", "article-exercise", "--stage", "loss", "--rounds", "1", input=LOSS + "\n")
    assert r.exit_code == 0 and "Solved" not in r.stdout
    assert saved(pfile)["solved"] == []


# --- Attempted needs one answer; a session without an answer is not logged ---


@pytest.mark.parametrize(
    "typed", ["quit\n", "hint\nquit\n", "show\nquit\n", "skip\nskip\nskip\nskip\nskip\nskip\n", ""]
)
def test_no_answer_no_session_and_not_attempted(pfile, typed):
    r = xent("quiz", "--exercise", "article-exercise", input=typed)
    assert r.exit_code == 0
    assert not pfile.exists()
    assert "No quiz sessions yet" in xent("progress").stdout
    assert status_of("article-exercise") == "not started"


def test_one_answer_then_quit_is_attempted_and_logged(pfile):
    xent("quiz", "--exercise", "article-exercise", input="0.5\nquit\n")  # one wrong answer, step unfinished
    data = saved(pfile)
    assert data["attempted"] == ["article-exercise"] and data["solved"] == []
    assert len(data["sessions"]) == 1 and data["sessions"][0]["answers"] == 1
    assert status_of("article-exercise") == "attempted"


def test_a_drill_with_only_skips_is_not_logged(pfile):
    r = xent("quiz", "--stage", "p", "--seed", "4", "--rounds", "2", input="skip\nskip\n")
    assert r.exit_code == 0 and not pfile.exists()


# --- Per-stage mastery in `xent progress` and `xent exercises` ---


def test_progress_and_exercises_show_first_try_rate_per_stage(pfile):
    xent("quiz", "--exercise", "article-exercise", input="\n".join(RIGHT) + "\n")
    xent("quiz", "--exercise", "article-exercise", input="\n".join([EXP, "1", SUM, P, NLL1, NLL2, "2", LOSS]) + "\n")
    out = xent("progress").stdout
    rows = {line[:24].strip(): line.split()[-1] for line in out.splitlines() if line.strip()}
    assert rows["an exponential e^z"] == "2/2"
    assert rows["the row sum Σ e^z"] == "1/2"
    assert rows["−ln p of the true class"] == "4/4"
    assert rows["the final loss"] == "1/2"
    text = flat(out)
    assert "mastery: of the stage's last attempts (at most 10)" in text
    assert "Due for review: the row sum Σ e^z, the final loss. Run: xent quiz --review" in text
    listing = flat(xent("exercises").stdout)
    assert ("Right first try over your last attempts (at most 10) per stage: an exponential e^z 2/2, "
            "the row sum Σ e^z 1/2, a softmax probability p 2/2, −ln p of the true class 4/4, "
            "the final loss 1/2.") in listing  # fmt: skip
    zh = flat(xent("exercises", "--lang", "zh").stdout)
    assert "指数 e^z 2/2" in zh and "需要复习：行和 Σ e^z、最终损失。运行：xent quiz --review" in zh


def test_mastery_counts_only_the_last_ten_attempts(pfile):
    pfile.parent.mkdir(parents=True)
    old = [{"when": "2026-01-01T10:00:00", "problems": ["seed 1 (easy)"], "mode": "stage:exp",
            "by_stage": {"exp": {"right_first": 0, "right_retry": 5}}, "firsts": {"exp": "00000"}}]  # fmt: skip
    new = [{"when": "2026-01-02T10:00:00", "problems": ["seed 2 (easy)"], "mode": "stage:exp",
            "by_stage": {"exp": {"right_first": 8, "right_retry": 0}}, "firsts": {"exp": "11111111"}}]  # fmt: skip
    pfile.write_text(json.dumps({"format": 2, "solved": [], "attempted": [], "sessions": old + new}))
    assert progress.mastery(progress.read(pfile)[0])["exp"] == (8, 10)
    out = xent("progress").stdout
    (line,) = [x for x in out.splitlines() if x.startswith("an exponential")]
    assert line.split()[-1] == "8/10"
    assert "Due for review" not in out  # right first try 8 times in a row since the last miss


def test_an_older_file_keeps_its_history_and_gets_mastery_from_its_counts(pfile):
    pfile.parent.mkdir(parents=True)
    data = {"format": 2, "solved": ["article-binary"], "attempted": ["article-binary"], "sessions": [
        {"when": "2026-01-01T10:00:00", "problems": ["article-binary"], "mode": "steps", "finished": True,
         "by_stage": {"exp": {"right_first": 1, "right_retry": 0, "revealed": 0, "skipped": 0, "hinted": 0,
                              "wrong_tries": 0, "wrong_first": 0},
                      "loss": {"right_first": 0, "right_retry": 1, "revealed": 0, "skipped": 0, "hinted": 0,
                               "wrong_tries": 1, "wrong_first": 1}}}]}  # fmt: skip
    pfile.write_text(json.dumps(data))
    assert status_of("article-binary") == "solved"  # solved before the detail was kept: no claim about how
    out = xent("progress").stdout
    assert "Due for review: the final loss." in flat(out)
    xent("quiz", "--exercise", "article-exercise", input=EXP + "\nquit\n")
    after = saved(pfile)
    assert after["sessions"][0] == data["sessions"][0] and after["solved"] == ["article-binary"]
    assert len(after["sessions"]) == 2


def test_a_corrupt_marks_table_is_reported_not_read(pfile):
    pfile.parent.mkdir(parents=True)
    pfile.write_text(json.dumps({"format": 2, "solved": [], "sessions": [{"firsts": {"exp": "1x"}}]}))
    r = xent("progress")
    assert r.exit_code == 0 and "firsts is not a table of 0/1 marks" in flat(r.stderr)


# --- Review: the weakest stages, spaced by how recently each was missed ---


def _history(**firsts: str) -> dict:
    return {"format": 2, "solved": [], "attempted": [], "sessions": [{"firsts": dict(firsts), "by_stage": {}}]}


def test_due_stages_most_recently_missed_first():
    data = _history(exp="0111", row_sum="001", p_true="110", neg_log_p="1111", loss="01")
    due = review.due(data, STAGES)
    # p missed on the last attempt; row_sum and loss one right since, row_sum with the lower rate (1/3 < 1/2).
    assert [(d.stage, d.since_miss) for d in due] == [("p_true", 0), ("row_sum", 1), ("loss", 1)]
    assert "exp" not in [d.stage for d in due]  # right three times in a row since its miss: settled
    assert "neg_log_p" not in [d.stage for d in due]  # never missed


def test_schedule_gives_the_most_recent_miss_the_most_rounds_and_never_twice_in_a_row():
    due = review.due(_history(p_true="0", loss="01", row_sum="011"), STAGES)
    plan = review.schedule(due, 6)
    assert plan.count("p_true") == 3 and plan.count("loss") == 2 and plan.count("row_sum") == 1
    assert all(a != b for a, b in itertools.pairwise(plan))
    assert review.schedule(review.due(_history(exp="0"), STAGES), 3) == ["exp", "exp", "exp"]


def test_review_with_no_history_or_nothing_due_says_so(pfile):
    r = xent("quiz", "--review")
    assert r.exit_code == 0 and "Nothing to review yet: the progress file holds no answers." in flat(r.stdout)
    assert not pfile.exists()
    pfile.parent.mkdir(parents=True)
    pfile.write_text(json.dumps(_history(exp="0111", loss="1")))
    r = xent("quiz", "--review", "--lang", "zh")
    assert r.exit_code == 0 and "目前没有需要复习的步骤" in flat(r.stdout)


def test_review_drills_the_due_stages_on_fresh_random_problems(pfile):
    pfile.parent.mkdir(parents=True)
    pfile.write_text(json.dumps(_history(exp="1111", p_true="10", loss="0")))
    r = xent("quiz", "--review", "--rounds", "3", "--seed", "7", input="skip\nskip\nskip\n")
    text = flat(r.stdout)
    assert r.exit_code == 0
    assert "Review: 3 fresh random problems, each drilling one stage you missed" in text
    assert "the final loss: right first try 0 of your last 1, last missed on your latest attempt; 2 of these" in text
    assert "a softmax probability p: right first try 1 of your last 2, last missed on your latest attempt; 1" in text
    # loss, p, loss: each round a fresh problem (seeds 7, 8, 9), repeatable as a one-stage drill
    assert "xent quiz --seed 7 --difficulty easy --stage loss --rounds 1" in text
    assert "xent quiz --seed 8 --difficulty easy --stage p --rounds 1" in text
    assert "xent quiz --seed 9 --difficulty easy --stage loss --rounds 1" in text
    assert "What is the final loss" in text and "what is the softmax probability p" in text


def test_a_review_answer_is_logged_and_moves_mastery(pfile):
    pfile.parent.mkdir(parents=True)
    pfile.write_text(json.dumps(_history(p_true="0")))
    # seed 4, easy: row 1 logits [0.05, 1.9, -1.68], label 1 (see the drill's table): p = e^1.9 / Σ e^z
    r = xent("quiz", "--review", "--rounds", "1", "--seed", "4", input="exp(1.9)/(exp(0.05)+exp(1.9)+exp(-1.68))\n")
    assert "✓" in r.stdout
    data = saved(pfile)
    assert data["sessions"][-1]["mode"] == "review" and data["sessions"][-1]["firsts"] == {"p_true": "1"}
    assert progress.mastery(data)["p_true"] == (1, 2)


@pytest.mark.parametrize("other", [["--stage", "p"], ["--exercise", "article-exercise"], ["--random"],
                                   ["--mode", "final"], ["--answer", "1"]])  # fmt: skip
def test_review_refuses_options_it_cannot_honour(pfile, other):
    r = xent("quiz", "--review", *other)
    assert r.exit_code == 2 and r.stderr.count("\n") == 1
    assert "--review" in r.stderr and other[0] in r.stderr and "Traceback" not in r.stderr


# --- In a real terminal ---


def spawn(tmp_path, *args, lang="en"):
    env = dict(os.environ, XENT_PROGRESS_FILE=str(tmp_path / "progress.json"), COLUMNS="120", NO_COLOR="1")
    child = pexpect.spawn(sys.executable, ["-m", "xent_tutor", "quiz", "--lang", lang, *args], env=env,
                          encoding="utf-8", timeout=60, dimensions=(50, 120))  # fmt: skip
    child.delaybeforesend = 0.3
    return child


def test_terminal_show_then_right_is_not_solved(tmp_path):
    child = spawn(tmp_path, "--exercise", "article-binary", "--mode", "final")
    child.expect("final loss")
    child.sendline("show")
    child.expect("counts as revealed")
    child.sendline("ln(1+exp(-0.1616))")
    child.expect("Not solved yet")
    child.expect(pexpect.EOF)
    assert json.loads((tmp_path / "progress.json").read_text())["solved"] == []


def test_terminal_quit_at_once_saves_nothing(tmp_path):
    child = spawn(tmp_path, "--exercise", "article-binary", lang="zh")
    child.expect("> ")
    child.sendline("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and not (tmp_path / "progress.json").exists()


def test_terminal_review_in_chinese(tmp_path):
    (tmp_path / "progress.json").write_text(json.dumps(_history(row_sum="0")))
    child = spawn(tmp_path, "--review", "--rounds", "1", "--seed", "3", lang="zh")
    child.expect("复习：1 道随机新题")
    child.expect("> ")
    child.sendline("exp(-1.05)+exp(1.21)")  # seed 3, row 1: logits -1.05, 1.21
    child.expect("✓")
    child.expect(pexpect.EOF)
    data = json.loads((tmp_path / "progress.json").read_text())
    assert data["sessions"][-1]["firsts"] == {"row_sum": "1"}


@pytest.mark.parametrize("lang, width", [("zh", 60), ("zh", 80), ("en", 80), ("en", 100)])
def test_progress_never_cuts_an_exercise_id_or_leaves_a_bracket_at_a_lines_end(pfile, lang, width):
    for ex in ("label-smoothing", "article-exercise"):
        xent("quiz", "--exercise", ex, input="0.5\nquit\n")  # unfinished: the row carries the stopped-early mark
    lines = xent("--lang", lang, "progress", "--width", str(width)).stdout.splitlines()
    assert all(cell_len(line) <= width for line in lines)
    for ex in ("label-smoothing", "article-exercise"):
        assert any(ex in line for line in lines), (ex, lines)
    assert not any(line.rstrip().endswith(("(", "（")) for line in lines)
