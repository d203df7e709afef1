"""Issue 23: every size is bounded where it enters (--rounds, questions built when reached, long JSON read once)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from xent_tutor.cli import app
from xent_tutor.engine import inputs
from xent_tutor.errors import XentError
from xent_tutor.lesson.text import message
from xent_tutor.practice import exercises
from xent_tutor.practice import quiz as q

runner = CliRunner()


@pytest.mark.parametrize("rounds", ["101", "1000000000", "99999999999999999999"])
def test_rounds_beyond_the_cap_are_one_line(rounds, tmp_path):
    r = runner.invoke(app, ["quiz", "--random", "--rounds", rounds, "--progress-file", str(tmp_path / "p.json")])
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr == f"xent: error: --rounds: rounds must be between 1 and 100, got {rounds}\n"


def test_rounds_in_chinese(tmp_path):
    r = runner.invoke(app, ["quiz", "--lang", "zh", "--rounds", "0", "--progress-file", str(tmp_path / "p.json")])
    assert r.exit_code == 2 and r.stderr == "xent：错误：--rounds：题数必须在 1 到 100 之间，得到的是 0\n"


def test_a_long_session_builds_only_the_questions_it_reaches(tmp_path, monkeypatch):
    built = []
    real = q.make_steps

    def counting(qp, mode="steps"):
        built.append(qp.seed)
        return real(qp, mode)

    monkeypatch.setattr(q, "make_steps", counting)
    r = runner.invoke(app, ["quiz", "--seed", "1", "--rounds", "100", "--progress-file", str(tmp_path / "p.json")],
                      input="quit\n")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert built == [1]  # 99 problems never reached: no questions built for them
    total = sum(len(real(q.generate(seed, "easy"))) for seed in range(1, 101))
    assert f"0 of {total} steps" in r.stdout  # the summary still counts every planned step


@pytest.mark.parametrize("mode", ["steps", "final"])
def test_the_step_count_is_the_number_of_steps(mode):
    problems = [q.from_exercise(exercises.get(i)) for i in exercises.library().exercises]
    problems += [q.generate(seed, level) for level in q.DIFFICULTIES for seed in range(40)]
    for qp in problems:
        assert q.step_count(qp, mode) == len(q.make_steps(qp, mode)), (qp.exercise_id, qp.seed)


# Long JSON is read in one pass: json's own, at C speed; the careful parser is only for short texts.

LONG = 1_200_000  # characters: past inputs.CAREFUL_LIMIT


def long_rows(n_rows: int | None = None) -> tuple[list[list[float]], str]:
    rows = [[round((i * 7 + j * 3) % 97 / 10 - 4, 4) for j in range(8)] for i in range(n_rows or 25_000)]
    text = json.dumps(rows)
    assert len(text) > inputs.CAREFUL_LIMIT
    return rows, text


@pytest.fixture
def no_slow_parser(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a long text went to the careful parser")

    monkeypatch.setattr(inputs, "_parse_nested", refuse)


def error_of(text: str, lang: str = "en") -> str:
    with pytest.raises(XentError) as e:
        inputs.parse_list(text, "logits", "big.json")
    return message(e.value, lang)


def test_a_long_list_failing_at_its_end_is_placed_by_one_pass(no_slow_parser):
    _, text = long_rows()
    bad = text[:-1] + ",]"  # JSON that fails only at its very end
    assert error_of(bad) == (
        f"--logits: line 1, column {len(bad)} ('…{bad[-25:]}'): a value is missing or is not a number (in big.json)"
    )
    assert error_of(bad, "zh").startswith(f"--logits：第 1 行第 {len(bad)} 列（'…")


def test_a_missing_comma_on_a_later_line(no_slow_parser):
    _, text = long_rows()
    lines = text.replace("], [", "],\n[").splitlines()
    lines[100] = lines[100].replace(", ", " ", 1)
    bad = "\n".join(lines)
    message_ = error_of(bad)
    assert message_.startswith("--logits: line 101, column ") and message_.endswith(
        "): a comma is missing (in big.json)"
    )


def test_positions_are_the_files_own_after_xents_spellings_are_rewritten(no_slow_parser):
    rows, text = long_rows()
    loose = text.replace(", 0.", ", +.").replace(", -0.", ", -.").replace(".0,", ".,")
    assert ", +." in loose and ", -." in loose and ".," in loose
    got = inputs.parse_list(loose, "logits")  # +.5, -.5 and 5. are numbers to xent
    np.testing.assert_array_equal(got, np.array(rows, dtype=float))
    bad = loose[:-1] + " x]"
    assert error_of(bad).startswith(f"--logits: line 1, column {len(bad) - 1} ('…")


def test_what_is_not_a_number_is_named_by_its_place(no_slow_parser):
    _, text = long_rows()
    assert error_of(text[:-2] + ', "x"]]') == "--logits: row 25000, column 9: '\"x\"' is not a number (in big.json)"
    assert error_of(text[:-2] + ", true]]") == "--logits: row 25000, column 9: 'true' is not a number (in big.json)"
    assert (
        error_of(text[:-2] + ', {"a": 1}]]')
        == "--logits: expected a list of numbers, found a JSON object (in big.json)"
    )


def test_a_number_too_large_and_a_ragged_row_in_a_long_list(no_slow_parser):
    rows, text = long_rows()
    rows[20_000][3] = 12345.0
    big = json.dumps(rows).replace("12345.0", "2.5e308")
    assert error_of(big) == (
        "--logits: row 20001, column 4: 2.5e308 is too large for a float64 number (beyond ±1.8e308) (in big.json)"
    )
    assert error_of(text[:-2] + ", 1]]") == (
        "--logits: row 25000 has 9 values but row 1 has 8: every row needs one score per class (in big.json)"
    )


def test_long_and_short_texts_read_the_same_numbers():
    rows, text = long_rows()
    np.testing.assert_array_equal(inputs.parse_list(text, "logits"), np.array(rows))
    short = json.dumps(rows[:3]).replace(", 0.", ", .")
    np.testing.assert_array_equal(inputs.parse_list(short, "logits"), np.array(rows[:3]))
