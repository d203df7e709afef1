"""`xent quiz`, `xent exercises`, `xent progress` through CliRunner (stdin is not a terminal)."""

from __future__ import annotations

import json
import math
import re
import threading

import pytest
from typer.testing import CliRunner

from xent_tutor.cli import app
from xent_tutor.lesson.text import message, t
from xent_tutor.practice import progress

runner = CliRunner()


@pytest.fixture
def pfile(tmp_path, monkeypatch):
    path = tmp_path / "state" / "progress.json"
    monkeypatch.setenv("XENT_PROGRESS_FILE", str(path))
    return path


def xent(*args, input=None):
    return runner.invoke(app, list(args), input=input)


def flat(text: str) -> str:
    """Output with the terminal's line wrapping undone."""
    return " ".join(text.split())


def test_piped_session_retries_and_counts_honestly(pfile):
    answers = [
        "exp(-0.0464)",  # right first try
        "e^-0.0464 + e^-0.0268",  # right first try
        "hint", "hint", "hint", "0.4951",  # right first try (with the three hints)
        "0.3053", "-ln(0.4951)",  # wrong (log10), then right
        "0.7030", "0.6860",  # row 2: row 1's value, then right
        "(0.7030+0.6860)/2",
    ]  # fmt: skip
    r = xent("quiz", "--exercise", "article-exercise", input="\n".join(answers) + "\n")
    assert r.exit_code == 0, r.output
    out = flat(r.stdout)
    assert out.count("✓ Right") == 6
    assert "Hint, the idea: p is this class's share of the row's total weight." in out
    assert "Hint: p = e^(z_true)" in out and "Hint, with the numbers: 0.9547 / 1.9282" in out
    assert out.index("Hint, the idea") < out.index("Hint: p =") < out.index("Hint, with the numbers")
    assert "✗ Not yet: 0.3053 uses log base 10" in out and "Try again (1 of 3 tries used)" in out
    assert "0.7030 is row 1's value; this question is about row 2." in out
    assert (
        "6 of 6 steps in" in out
        and "4 right first try, 2 right after retries, 0 revealed, 0 skipped, 1 with hints" in out
    )
    assert "Most wrong tries: −ln p of the true class (2)." in out and "xent quiz --stage neg_log_p" in out
    assert "Next on the path: 1. article-binary" in out
    data = json.loads(pfile.read_text())
    assert data["format"] == 2 and data["solved"] == ["article-exercise"]
    s = data["sessions"][0]
    assert s["finished"] is True and s["by_stage"]["neg_log_p"]["right_retry"] == 2
    assert s["mistakes"] == {"log10": 1, "other_row": 1}


def test_three_wrong_tries_reveal_the_worked_line(pfile):
    r = xent("quiz", "--exercise", "article-exercise", input="1\n2\n3\nquit\n")
    out = flat(r.stdout)
    assert out.count("✗ Not yet") == 3 and "Try again (2 of 3 tries used)" in out
    assert "That was the last try. The answer: exp(−0.0464) = 0.9547" in out
    assert "1 of 6 steps" in out and "1 revealed" in out
    assert "Unfinished: you stopped after 1 of 6 steps." in out
    s = json.loads(pfile.read_text())["sessions"][0]
    assert s["finished"] is False and s["by_stage"]["exp"]["revealed"] == 1


def test_show_reveals_exactly_the_quantity_asked(pfile):
    r = xent("quiz", "--exercise", "article-exercise", input="show\n0.9547\nshow\nskip\nquit\n")
    out = flat(r.stdout)
    assert "e^z in row 1, class by class: 0: 0.9547, 1: 0.9736" in out
    assert "Aside: the lesson subtracts the row's max −0.0268 first: e^(z − max) = 0: 0.9806, 1: 1.0000" in out
    assert "e^z in row 1: 0: 0.9547, 1: 0.9736; their sum: 1.9282" in out
    s = json.loads(pfile.read_text())["sessions"][0]
    assert s["by_stage"]["exp"]["revealed"] == 1 and s["by_stage"]["row_sum"]["revealed"] == 1


def test_under_rounded_answer_is_a_try_without_the_digits_and_full_width_digits_read(pfile):
    r = xent("quiz", "--exercise", "article-exercise", "--mode", "final", input="0.69\n０．６９４５\n")
    out = flat(r.stdout)
    assert "✗ Not yet: 0.69 has 2 decimals; this step asks for 4. Work it to 4 decimals and try again." in out
    assert "Try again (1 of 3 tries used)" in out
    assert out.split("✓ Right")[0].count("0.6945") == 0 and "✓ Right" in out  # not given away before the right line
    assert "✓ Right" in r.stdout and "1 right after retries" in r.stdout


def test_end_of_input_ends_with_summary_and_keeps_progress(pfile):
    r = xent("quiz", "--exercise", "article-exercise", input="exp(-0.0464)\n")
    assert r.exit_code == 0
    assert "1 of 6 steps" in r.stdout and "Unfinished" in r.stdout and "Every step right" not in r.stdout
    assert json.loads(pfile.read_text())["sessions"][0]["by_stage"]["exp"]["right_first"] == 1


def test_quit_and_bad_arithmetic(pfile):
    r = xent("quiz", "--exercise", "article-exercise", input="__import__('os')\n0.9547\nquit\n")
    assert r.exit_code == 0
    assert "is not an answer xent can read" in r.stdout
    assert "1 of 6 steps" in r.stdout and "1 right first try" in r.stdout


def test_final_mode_and_skip(pfile):
    r = xent("quiz", "--exercise", "article-exercise", "--mode", "final", input="skip\n")
    assert "What is the final loss" in r.stdout and "Row 1" not in r.stdout
    assert "Skipped: (0.7030 + 0.6860) / 2 = 0.6945" in r.stdout
    assert "The stage" not in r.stdout and "Most wrong" not in r.stdout  # a skip is not a wrong try


def test_show_at_the_final(pfile):
    r = xent("quiz", "--exercise", "article-exercise", "--mode", "final", input="show\n0.6945\n")
    assert "Per-sample values (row: value): 1: 0.7030, 2: 0.6860; (0.7030 + 0.6860) / 2 = 0.6945" in flat(r.stdout)
    assert "1 revealed" in r.stdout


def test_path_takes_the_first_unsolved_then_names_the_next(pfile):
    r = xent("quiz", input="0.6156\n" * 0 + "exp(0.1616)\n1+e^0.1616\ne^0.1616/(1+e^0.1616)\n0.6156\n0.6156\n")
    assert "exercise article-binary" in r.stdout and "Learning path: exercise 1 of 12." in r.stdout
    assert "Next on the path: 2. unbatched-sample" in r.stdout
    r = xent("quiz", input="quit\n")
    assert "exercise unbatched-sample" in r.stdout
    listing = xent("exercises").stdout
    rows = {line.split()[1]: line for line in listing.splitlines() if line[:3].strip().isdigit()}
    assert rows["article-binary"].rstrip().endswith("solved, first try")
    assert rows["unbatched-sample"].rstrip().endswith("not started")  # quit before any answer: not attempted
    assert rows["batch-mean"].rstrip().endswith("not started")


def test_stage_drill_asks_one_stage_on_fresh_problems(pfile):
    r = xent("quiz", "--stage", "p", "--seed", "5", "--rounds", "2", input="skip\nskip\n")
    assert r.exit_code == 0
    assert "Drill: a softmax probability p, 2 fresh problems." in r.stdout
    assert r.stdout.count("softmax probability p of") == 2 and "final loss" not in r.stdout
    assert "2 of 2 steps" in r.stdout
    bad = xent("quiz", "--stage", "logits")
    assert bad.exit_code == 2 and "unknown stage 'logits'" in bad.stderr


def test_soft_problem_shows_every_target(pfile):
    r = xent("quiz", "--exercise", "soft-labels", input="quit\n")
    assert "t_0" in r.stdout and "0.5000" in r.stdout and "0.2500" in r.stdout
    assert "true class" not in r.stdout


def test_random_rounds_are_reproducible(pfile):
    a = xent("quiz", "--seed", "7", "--rounds", "2", "--difficulty", "medium", input="skip\n" * 10)
    b = xent("quiz", "--seed", "7", "--rounds", "2", "--difficulty", "medium", input="skip\n" * 10)
    assert a.exit_code == 0 and "Problem 2 of 2" in a.stdout
    # Only the elapsed time may differ between the two runs.
    strip = lambda s: re.sub(r"steps in \d+ s", "steps in ? s", s)  # noqa: E731
    assert "steps in" in a.stdout and strip(a.stdout) == strip(b.stdout)
    assert "seed 7" in a.stdout and "seed 8" in a.stdout


@pytest.mark.parametrize(
    "answer, code, fragment",
    [
        ("0.6945", 0, "right"),
        ("(0.7030+0.6860)/2", 0, "right"),
        ("0.69451", 0, "right"),
        ("0.69", 1, "0.69 is 0.6945 rounded to 2 decimals; 4 decimals are required."),
        ("1.389", 1, "1.389 is the sum of the samples' losses; reduction='mean' divides it by N = 2."),
        ("0.6860", 1, "0.6860 is row 2's loss alone"),
        ("-0.6945", 1, "wrong sign"),
        ("０．６９４５", 0, "right"),
    ],
)
def test_grading_exit_codes(pfile, answer, code, fragment):
    r = xent("quiz", "--exercise", "article-exercise", "--answer", answer)
    assert r.exit_code == code
    assert fragment in r.stdout
    assert not pfile.exists()  # grading does not touch the learner's progress


# One-shot grading: no "try again", a cut number is close (never right), the number echoed as typed.
GRADE_WORDS = [
    ("article-exercise", "0.69", "wrong: 0.69, expected 0.6945", "0.69 is 0.6945 rounded to 2 decimals; 4 decimals are required.",
     "错误：0.69，正确答案是 0.6945", "0.69 是 0.6945 四舍五入到 2 位小数的结果；要求保留 4 位小数。"),
    ("article-binary", "0.615", "wrong: 0.615, expected 0.6156",
     "0.615 is close: 0.6156 cut to 3 decimals, not rounded (3 decimals rounded give 0.616); 4 decimals, rounded, are required.",
     "错误：0.615，正确答案是 0.6156",
     "0.615 很接近：它是把 0.6156 截断到 3 位小数，而不是四舍五入（四舍五入到 3 位是 0.616）；要求四舍五入保留 4 位小数。"),
    ("article-exercise", "1.389", "wrong: 1.389, expected 0.6945", "1.389 is the sum of the samples' losses",
     "错误：1.389，正确答案是 0.6945", "1.389 是各样本损失之和"),
    ("article-exercise", "0.5", "wrong: 0.5, expected 0.6945",
     "0.5 does not match this step; check your working against this: ", "错误：0.5，正确答案是 0.6945", "0.5 与这一步的值不符"),
    ("article-exercise", "(0.6834+0.6860)/2", "wrong: 0.6847, expected 0.6945",
     "0.6847 uses −ln p of class 1 in row 1 (0.6834); row 1's label is class 0, whose −ln p is 0.7030.",
     "错误：0.6847，正确答案是 0.6945", "0.6847 在第 1 行用了类别 1 的 −ln p（0.6834）；第 1 行的标签是类别 0，它的 −ln p 是 0.7030。"),
]  # fmt: skip


@pytest.mark.parametrize("exercise, answer, en1, en2, zh1, zh2", GRADE_WORDS)
def test_one_shot_grading_words(exercise, answer, en1, en2, zh1, zh2):
    for lang, first, second in (("en", en1, en2), ("zh", zh1, zh2)):
        r = xent("quiz", "--exercise", exercise, "--answer", answer, "--lang", lang)
        lines = r.stdout.splitlines()
        assert r.exit_code == 1 and lines[0] == first and lines[1].startswith(second), r.stdout
        assert not re.search(r"try again|再试|is right|是对的", r.stdout)


def test_grading_json():
    r = xent("quiz", "--exercise", "article-exercise", "--answer", "0.3016", "--format", "json")
    assert r.exit_code == 1
    verdict = json.loads(r.stdout)
    assert verdict["correct"] is False and verdict["diagnosis"] == "log10"
    assert verdict["expected_rounded"] == 0.6945


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--exercise", "article-exercise", "--answer", "ln(x)"], "is not an answer xent can read"),
        (["--exercise", "article-exercise", "--answer", "9^9^9"], "too large"),
        (["--answer", "1"], "--answer needs --exercise"),
        (["--exercise", "nope"], "no exercise with id 'nope'"),
        (["--difficulty", "extreme"], "unknown difficulty"),
        (["--mode", "fast"], "unknown mode"),
        (["--rounds", "0"], "rounds must be between 1 and 100, got 0"),
    ],
)
def test_quiz_usage_errors(args, fragment):
    r = xent("quiz", *args)
    assert r.exit_code == 2
    assert len(r.stderr.splitlines()) == 1 and fragment in r.stderr


def test_progress_history_and_reset(pfile):
    assert "No quiz sessions yet" in xent("progress").stdout
    xent("quiz", "--exercise", "article-exercise", input="0.9547\n1\n2\n1.9282\n")
    r = xent("progress")
    assert "article-exercise" in r.stdout and "(stopped early)" in r.stdout
    (exp,) = [line for line in r.stdout.splitlines() if line.startswith("an exponential")]
    # first, retried, revealed, skipped, hinted, wrong tries, then mastery (right first try / last attempts)
    assert exp.split()[-7:] == ["1", "0", "0", "0", "0", "0", "1/1"]
    (total,) = [line for line in r.stdout.splitlines() if line.startswith("the row sum")]
    assert total.split()[-7:] == ["0", "1", "0", "0", "0", "2", "0/1"]
    assert "Due for review: the row sum Σ e^z. Run: xent quiz --review" in r.stdout
    assert "another mistake" in r.stdout
    r = xent("progress", "--reset")  # stdin is not a terminal: refuses to guess
    assert r.exit_code == 2 and "--yes" in r.stderr
    assert "article-exercise" in xent("progress").stdout
    r = xent("progress", "--reset", "--yes")
    assert r.exit_code == 0
    assert "No quiz sessions yet" in xent("progress").stdout


def test_format_1_progress_is_migrated_without_losing_history(pfile):
    pfile.parent.mkdir(parents=True)
    old = {"format": 1, "solved": ["article-binary"], "sessions": [
        {"when": "2026-01-01T10:00:00", "problems": ["article-binary"], "mode": "steps", "right": 3, "asked": 5,
         "seconds": 40.0, "by_stage": {"exp": [1, 1], "loss": [0, 2]}},
    ]}  # fmt: skip
    pfile.write_text(json.dumps(old))
    r = xent("progress")
    assert "format 1: 3/5 right" in flat(r.stdout) and "was moved" not in r.stderr
    data, note = progress.load(pfile)
    assert note is None and data["format"] == 2 and data["solved"] == ["article-binary"]
    assert data["sessions"][0]["by_stage"]["loss"] == {"right_first": 0, "format1_not_right": 2}
    xent("quiz", "--exercise", "article-exercise", input="0.9547\n")
    data = json.loads(pfile.read_text())
    assert data["format"] == 2 and len(data["sessions"]) == 2
    assert data["sessions"][0]["right"] == 3 and data["sessions"][0]["asked"] == 5
    assert "article-binary" in data["attempted"] and "article-exercise" in data["attempted"]


def test_corrupt_progress_file_is_moved_aside(pfile):
    pfile.parent.mkdir(parents=True)
    pfile.write_text('{"format": 2, "sessions": [{"when": ')  # xent's own file, cut short
    r = xent("quiz", "--exercise", "article-exercise", input="0.9547\n")
    assert r.exit_code == 0
    assert "was moved to" in r.stderr
    assert json.loads(pfile.read_text())["sessions"][0]["by_stage"]["exp"]["right_first"] == 1
    moved = [p for p in pfile.parent.iterdir() if ".bad-" in p.name]
    assert len(moved) == 1 and moved[0].read_text() == '{"format": 2, "sessions": [{"when": '


def test_a_file_that_is_not_xents_is_refused_and_kept(pfile):
    pfile.parent.mkdir(parents=True)
    pfile.write_text("{not json")
    r = xent("quiz", "--exercise", "article-exercise", input="0.9547\n")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr == (
        f"xent: error: --progress-file: '{pfile}' is not a xent progress file (not JSON); xent leaves it as it is: "
        "move it away, or point --progress-file or XENT_PROGRESS_FILE at another file\n"
    )
    assert sorted(p.name for p in pfile.parent.iterdir()) == [pfile.name] and pfile.read_text() == "{not json"


def test_newer_version_is_refused_not_discarded(pfile):
    pfile.parent.mkdir(parents=True)
    pfile.write_text(json.dumps({"format": 99, "sessions": []}))
    with pytest.raises(progress.XentError) as e:
        progress.load(pfile)
    assert e.value.key == "progress_newer" and e.value.params["format"] == "99"
    assert json.loads(pfile.read_text()) == {"format": 99, "sessions": []}


def test_concurrent_writers_keep_every_session(tmp_path):
    path = tmp_path / "p.json"

    def write(i):
        for j in range(10):
            progress.record(path, {"right": 1, "asked": 1, "n": f"{i}-{j}"}, [f"ex{i}"])

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    data = json.loads(path.read_text())
    assert len(data["sessions"]) == 40 and data["solved"] == ["ex0", "ex1", "ex2", "ex3"]


def test_failed_write_leaves_the_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "p.json"
    progress.record(path, {"right": 1}, [])
    before = path.read_text()

    def disk_full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(progress.json, "dump", disk_full)
    from xent_tutor.errors import XentError

    with pytest.raises(XentError) as e:
        progress.record(path, {"right": 2}, [])
    assert "No space left" in message(e.value)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


def test_skips_are_not_blamed_the_wrong_finals_are(pfile):
    # The case: skip every step, then three wrong finals (seed 2).
    r = xent("quiz", "--seed", "2", input="skip\n" * 5 + "1\n2\n3\n")
    out = flat(r.stdout)
    assert "Most wrong tries: the final loss (3)." in out and "xent quiz --stage loss" in out
    assert "5 skipped" in out and "1 revealed" in out and "0 right first try" in out


def test_rounds_on_the_path_take_the_next_unsolved_exercises(pfile):
    r = xent("quiz", "--rounds", "2", "--mode", "final", input="0.6156\n0.4076\n")
    out = flat(r.stdout)
    assert "Problem 1 of 2" in out and "exercise article-binary" in out
    assert "Problem 2 of 2" in out and "exercise unbatched-sample" in out
    assert "Next on the path: 3. uniform-prediction" in out
    assert json.loads(pfile.read_text())["solved"] == ["article-binary", "unbatched-sample"]


@pytest.mark.parametrize(
    "lang, words",
    [
        ("en", "The other samples' −ln p are given, each with its class weight not yet applied (row: −ln p (w)): "
               "3: 0.9741 (w = 3)."),
        ("zh", "其余样本的 −ln p 已经给出，尚未乘以各自的类别权重 w：第 3 行 0.9741（w = 3）。"),
    ],
)  # fmt: skip
def test_weighted_final_gives_minus_ln_p_with_its_weight(pfile, lang, words):
    # Row 3 of class-weights: logits [0.5, 0], label 1, w = 3: -ln p = ln(1 + e^0.5) = 0.9741 (its loss 3 × that).
    assert f"{math.log(1 + math.exp(0.5)):.4f}" == "0.9741"
    r = xent("quiz", "--exercise", "class-weights", "--lang", lang, input="skip\n" * 5 + "quit\n")
    assert words in flat(r.stdout).replace("。 ", "。").replace("： ", "：")  # a line may end after a colon
    assert "losses are given" not in r.stdout and "损失已经给出" not in r.stdout


@pytest.mark.parametrize(
    "lang, ignored",
    [("en", "add nothing: row 2."), ("zh", "被忽略的行不计入（它们的标签等于 ignore_index）：第 2 行。")],
)
def test_ignored_rows_are_named_in_words_not_as_a_list(pfile, lang, ignored):
    r = xent("quiz", "--exercise", "ignore-index", "--lang", lang, input="skip\n" * 6 + "quit\n")
    assert ignored in flat(r.stdout) and "[2]" not in r.stdout and "行号" not in r.stdout


def test_batch_given_rows_in_chinese_are_words(pfile):
    r = xent("quiz", "--exercise", "batch-mean", "--lang", "zh", input="skip\n" * 5 + "show\nquit\n")
    text = flat(r.stdout)
    assert re.search(r"其余样本的损失已经给出：第 3 行 \d\.\d{4}。", text), text
    assert re.search(r"各样本的损失：第 1 行 \d\.\d{4}、第 2 行 \d\.\d{4}、第 3 行 \d\.\d{4}；", text), text


@pytest.mark.parametrize(
    "lang, weakest, drill",
    [
        ("en", "Most wrong tries: a sample's loss (2).", "Drill it on fresh problems: xent quiz --stage sample_loss"),
        ("zh", "错误尝试最多的一步是“一个样本的损失”，共 2 次。", "在新题上专项练习：xent quiz --stage sample_loss"),
    ],
)  # fmt: skip
def test_drill_advice_names_the_stage_with_the_most_wrong_tries(pfile, lang, weakest, drill):
    # The row sum wrong once (its first try), the soft loss wrong twice: both lines name the soft loss
    # (soft labels have no true class, so no p step between them).
    answers = "skip\n2.7183\nskip\n0.5514\n0.2757\nskip\nquit\n"
    r = xent("quiz", "--exercise", "soft-labels", "--lang", lang, input=answers)
    text = flat(r.stdout)
    assert weakest in text and drill in text and "--stage sum" not in text


def test_a_drill_problem_is_repeated_by_a_command_with_its_stage(pfile):
    r = xent("quiz", "--stage", "exp", "--seed", "5", "--rounds", "1", input="quit\n")
    assert "(xent quiz --seed 5 --difficulty easy --stage exp --rounds 1 repeats it)" in flat(r.stdout)
    r = xent("quiz", "--stage", "exp", "--seed", "5", "--rounds", "1", "--lang", "zh", input="quit\n")
    assert "（xent quiz --seed 5 --difficulty easy --stage exp --rounds 1 可以重做这道题）" in flat(r.stdout)


@pytest.mark.parametrize(
    "lang, unknown, hint",
    [
        ("en", "none of the usual slips here (not the sign, log base 10, log base 2, sign and log base 10, sign and "
               "log base 2, one class of a soft target). Type hint for the next hint, or check your working against "
               "this: A soft target's loss",
         "Hint, with the numbers: −(0.5·ln(0.57612) + 0.25·ln(0.21194) + 0.25·ln(0.21194))"),
        ("zh", "0.3 不是这一步的值；已排除这些常见错误：",
         "−(0.5·ln(0.57612) + 0.25·ln(0.21194) + 0.25·ln(0.21194))"),
    ],
)  # fmt: skip
def test_hint_after_an_unrecognised_answer_adds_the_numbers(pfile, lang, unknown, hint):
    # p of [1, 0, 0]: e/(e + 2) = 0.57612 and 1/(e + 2) = 0.21194, with the digits the loss 1.0514 needs.
    assert f"{math.e / (math.e + 2):.5f} {1 / (math.e + 2):.5f}" == "0.57612 0.21194"
    r = xent("quiz", "--exercise", "soft-labels", "--lang", lang, input="skip\nskip\n0.3\nhint\nquit\n")
    text, bare = flat(r.stdout), re.sub(r"\s", "", r.stdout)
    assert re.sub(r"\s", "", unknown) in bare and re.sub(r"\s", "", hint) in bare.split("0.3")[-1]
    formula = re.sub(r"\s", "", t("hint.sample_soft", lang))
    assert bare.count(formula) == 1 and text  # the general formula is not repeated word for word as the hint


@pytest.mark.parametrize(
    "lang, words",
    [("en", "Wrong tries by kind: sum instead of mean ×1, one sample's loss ×1, the sign ×1."),
     ("zh", "按错误类型统计的错误尝试：求了和而不是平均（1 次）、只算了一个样本（1 次）、漏了负号（1 次）。")],
)  # fmt: skip
def test_mistake_counts_list_reads_without_stray_commas(pfile, lang, words):
    r = xent(
        "quiz", "--exercise", "article-exercise", "--mode", "final", "--lang", lang, input="1.389\n0.6860\n-0.6945\n"
    )
    assert words in flat(r.stdout)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_progress_at_width_60_keeps_every_column_whole(pfile, lang):
    xent("quiz", "--exercise", "article-exercise", "--mode", "final", input="1.389\n0.6945\n")
    r = xent("progress", "--width", "60", "--lang", lang)
    assert r.exit_code == 0 and "…" not in r.stdout
    lines = r.stdout.splitlines()
    assert max(map(len, lines)) <= 60
    for c in ("first", "retry", "revealed", "skipped", "hinted"):
        header = t("progress.col." + c, lang)
        whole = sum(header in line for line in lines)
        # history and per-stage tables; in Chinese the history's headers may stack (首次/答对) so ids stay whole
        stacked = any(header[:2] in line for line in lines) and any(header[2:] in line for line in lines)
        assert whole == 2 or (lang == "zh" and whole == 1 and stacked), (header, r.stdout)
    if lang == "zh":
        assert any("article-exercise" in line for line in lines)  # English headers cannot stack: its ids fold
    assert any(line.split()[-5:] == ["0", "1", "0", "0", "0"] for line in lines)  # the session: right after a retry


@pytest.mark.parametrize(
    "lang, shifted, finite, graded",
    [
        ("en", "inf is e^z without the shift: e^999 overflows (float64 stops near e^709.78). That is why the row's "
               "max 1000 is subtracted first: e^(z − max) is at most 1.",
         "inf (infinity) is not the answer: the value asked is finite (every value in this quiz is an ordinary number",
         "inf (infinity) is not the answer: the value asked is finite (1.3133)"),
        ("zh", "inf 是不做平移的 e^z：e^999 会溢出（float64 在 e^709.78 附近就到顶了）。这正是要先减去该行最大值 1000 的原因",
         "inf（无穷大）不是答案：所问的值是有限的（这道练习里的每个值都是可以写出来的普通数）",
         "inf（无穷大）不是答案：所问的值是有限的（1.3133）"),
    ],
)  # fmt: skip
def test_inf_as_an_answer_teaches_the_overflow_or_says_the_value_is_finite(pfile, lang, shifted, finite, graded):
    # float64's exp overflows just above 709.78: e^1000 cannot be held; ln(e^0 + e^-1 + e^-10) + 1 = 1.3133.
    with pytest.raises(OverflowError):
        math.exp(709.79)
    assert f"{math.log(1 + math.exp(-1) + math.exp(-10)) + 1:.4f}" == "1.3133"
    bare = lambda s: re.sub(r"\s", "", s)  # noqa: E731
    r = xent("quiz", "--exercise", "huge-logits", "--lang", lang, input="inf\nquit\n")
    assert bare(shifted) in bare(r.stdout)
    r = xent("quiz", "--exercise", "article-exercise", "--lang", lang, input="inf\nquit\n")
    assert bare(finite) in bare(r.stdout) and "not an answer xent can read" not in r.stdout
    r = xent("quiz", "--exercise", "huge-logits", "--lang", lang, "--answer", "inf")
    assert r.exit_code == 1 and graded in r.stdout and "1.3133" in r.stdout
