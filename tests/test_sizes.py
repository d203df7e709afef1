"""Issue 23: every size is bounded where it enters (--rounds; questions built only when reached)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from xent_tutor.cli import app
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
