"""One meaning per stage name: the quiz, the worksheet key and `xent grade` agree, and PyTorch agrees with all three."""

from __future__ import annotations

import json
import re

import pytest
from conftest import DATA
from typer.testing import CliRunner

from xent_tutor.cli import app
from xent_tutor.errors import XentError
from xent_tutor.practice import quiz as q
from xent_tutor.practice.exercises import load_all
from xent_tutor.practice.stages import STAGES

runner = CliRunner()
REF = json.loads((DATA / "torch_quiz_steps.json").read_text())["problems"]  # PyTorch's values (torch_quiz_steps.py)


def xent(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("XENT_EXERCISES", raising=False)
    monkeypatch.setenv("XENT_PROGRESS_FILE", str(tmp_path / "progress.json"))
    return tmp_path


def _soft(r: dict) -> bool:
    return isinstance(r["labels"], list) and bool(r["labels"]) and isinstance(r["labels"][0], list)


def _first_counted(r: dict) -> int:
    labels = r["labels"] if isinstance(r["labels"], list) else [r["labels"]]
    ignore = r["options"].get("ignore_index", -100)
    return next(i for i, y in enumerate(labels) if _soft(r) or y != ignore)


@pytest.mark.parametrize("pid", sorted(REF))
def test_every_stage_name_means_the_same_pytorch_value(pid):
    """exp, row_sum, p_true and neg_log_p of the true class; sample_loss is reduction='none'; loss is the loss."""
    r = REF[pid]
    qp = q.QuizProblem(r["logits"], r["labels"], r["options"])
    assert q.stage_step(qp, "loss").expected == pytest.approx(r["loss"], rel=1e-12)
    i = _first_counted(r)
    labels = r["labels"] if isinstance(r["labels"], list) else [r["labels"]]
    k = max(range(len(labels[i])), key=lambda c: (labels[i][c], -c)) if _soft(r) else labels[i]
    shifted = max(_row(r, i)) > 10  # as the quiz: a row past e^10 is shifted by its max
    want = {
        "exp": r["exp_shifted" if shifted else "exp"][i][k],
        "row_sum": r["row_sum_shifted" if shifted else "row_sum"][i],
        "sample_loss": r["per_sample_none"][i],
    }
    if not _soft(r):
        want["p_true"] = r["p"][i][k]
        want["neg_log_p"] = -r["log_p"][i][k]  # never weighted, never smoothed
    for stage, value in want.items():
        step = q.stage_step(qp, stage)
        assert step.stage == stage and step.expected == pytest.approx(value, rel=1e-12, abs=1e-15), (pid, stage)
    for stage in set(STAGES) - set(want) - {"loss"}:
        with pytest.raises(XentError) as e:
            q.stage_step(qp, stage)
        assert e.value.key == "stage.soft_no_true_class"


def _row(r: dict, i: int) -> list[float]:
    logits = r["logits"] if isinstance(r["logits"][0], list) else [r["logits"]]
    return logits[i]


@pytest.mark.parametrize("pid", sorted(REF))
def test_the_quiz_asks_each_stage_by_its_one_meaning(pid):
    """The quiz's steps carry the same names: neg_log_p only for a plain labelled row, sample_loss otherwise."""
    r = REF[pid]
    qp = q.QuizProblem(r["logits"], r["labels"], r["options"])
    for step in q.make_steps(qp):
        if step.stage == "loss":
            continue
        i = step.row - 1
        if step.stage == "neg_log_p":
            assert step.expected == pytest.approx(-r["log_p"][i][step.params["cls"]], rel=1e-12)
        elif step.stage == "sample_loss":
            assert step.expected == pytest.approx(r["per_sample_none"][i], rel=1e-12)
        elif step.stage == "p_true":
            assert not _soft(r)


KEY_REFS = [f"seed:{s}:{d}" for d in ("easy", "medium", "hard") for s in range(0, 60, 3)]


def _key_answers(key: str) -> list[tuple[str, str, str]]:
    """(reference, stage, value) for every value the key says `xent grade` checks, and the table's graded row."""
    out = []
    for block in key.split("\n## ")[1:]:
        ref = re.search(r"`([^`]+)`", block).group(1)
        checked = re.search(r"Checked by 'xent grade' \((?:row (\d+), class (\d+)|[^)]*)\): (.+?)\.(?:\s|$)", block)
        pairs = dict(p.split(" = ") for p in checked.group(3).split(", "))
        out += [(ref, stage, value) for stage, value in pairs.items()]
        if checked.group(1):  # the table's row says the same, class by class
            row = int(checked.group(1))
            table = [
                [c.strip() for c in line.strip("|").split("|")] for line in block.splitlines() if line.startswith("| ")
            ]
            cells = next(cells for cells in table[2:] if cells[0] == str(row) or cells[0].startswith(f"({row - 1},"))
            exp = cells[1].split(", ")[int(checked.group(2))]
            named = {
                "exp": exp,
                "row_sum": cells[2],
                "p_true": cells[3],
                "neg_log_p": cells[4],
                "sample_loss": cells[5],
            }
            for stage, value in named.items():
                assert (value == "—") == (stage not in pairs), (ref, stage, value)
                if value != "—":
                    assert value == pairs[stage], (ref, stage, value, pairs[stage])
    return out


def test_every_value_of_the_key_is_graded_right(home):
    """Keys for every built-in exercise and 60 random seeds: each value checked by `xent grade` is right."""
    ids = list(load_all())
    args = [a for i in ids for a in ("--exercise", i)]
    assert xent("worksheet", *args, "-o", "a.md", "--key", "a-key.md").exit_code == 0
    answers = _key_answers((home / "a-key.md").read_text("utf-8"))
    for difficulty in ("easy", "medium", "hard"):
        r = xent("worksheet", "--count", 20, "--seed", 0, "--difficulty", difficulty, "-o", f"{difficulty}.md",
                 "--key", f"{difficulty}-key.md")  # fmt: skip
        assert r.exit_code == 0, r.output
        answers += _key_answers((home / f"{difficulty}-key.md").read_text("utf-8"))
    assert {a[0] for a in answers} >= set(ids)
    assert {a[1] for a in answers} == set(STAGES)
    (home / "answers.csv").write_text(
        "student,exercise,answer,stage\n" + "".join(f"k,{ref},{value},{stage}\n" for ref, stage, value in answers),
        "utf-8",
    )
    data = json.loads(xent("grade", "answers.csv", "--format", "json").stdout)
    assert len(data["rows"]) == len(answers)
    assert [r for r in data["rows"] if r["status"] != "right"] == []


@pytest.mark.parametrize("lang, words", [("en", "soft labels have no true class"), ("zh", "软标签没有真实类别")])
def test_soft_labels_have_no_true_class_in_the_key_and_in_grade(home, lang, words):
    r = xent("worksheet", "--exercise", "soft-labels", "-o", "s.md", "--key", "k.md", "--lang", lang)
    assert r.exit_code == 0
    key = (home / "k.md").read_text("utf-8")
    assert "p_true = " not in key and "neg_log_p = " not in key and "sample_loss = " in key
    assert ("p_true" in key) and (
        "Soft labels have no true class" in key if lang == "en" else "软标签没有真实类别" in key
    )
    assert "(p_true)" not in (home / "s.md").read_text("utf-8")  # the sheet does not ask for it
    (home / "a.csv").write_text("s,soft-labels,0.6285,p_true\ns,soft-labels,0.5,neg_log_p\n", "utf-8")
    data = json.loads(xent("grade", "a.csv", "--format", "json", "--lang", lang).stdout)
    assert [row["status"] for row in data["rows"]] == ["unreadable", "unreadable"]
    assert all(words in row["message"] for row in data["rows"]), data["rows"]


def test_with_smoothing_neg_log_p_is_the_true_class_and_sample_loss_the_smoothed_loss(home):
    r = REF["label-smoothing"]
    true_class = -r["log_p"][0][r["labels"][0]]
    smoothed = r["per_sample_none"][0]
    assert abs(true_class - smoothed) > 0.1  # the two meanings really differ here
    rows = [(f"{true_class:.4f}", "neg_log_p"), (f"{smoothed:.4f}", "sample_loss"), (f"{smoothed:.4f}", "neg_log_p"),
            (f"{smoothed:.4f}", "per_sample_loss")]  # fmt: skip
    (home / "a.csv").write_text("".join(f"s,label-smoothing,{v},{stage}\n" for v, stage in rows), "utf-8")
    data = json.loads(xent("grade", "a.csv", "--format", "json").stdout)
    assert [row["status"] for row in data["rows"]] == ["right", "right", "wrong", "right"]


def test_a_weighted_sample_loss_is_weighted_and_its_left_out_weight_named(home):
    r = REF["seed 2 (hard)"]
    w = r["options"]["weight"][r["labels"][0]]
    assert w != 1.0
    qp = q.QuizProblem(r["logits"], r["labels"], r["options"])
    step = q.stage_step(qp, "sample_loss")
    assert step.expected == pytest.approx(w * -r["log_p"][0][r["labels"][0]], rel=1e-12)
    v = q.check(step, round(-r["log_p"][0][r["labels"][0]], 4), None)
    assert v.kind == "weight_left_out_row" and f"w[{r['labels'][0]}] = {w}" in q.describe(v)


def test_a_drill_of_p_true_on_hard_problems_never_lands_on_soft_labels():
    from xent_tutor.practice.session import _problem

    for seed in range(40):
        qp = _problem(None, seed, "hard", "p_true")
        assert q.has_stage(qp, "p_true") and not (qp.labels and isinstance(qp.labels[0], list))
