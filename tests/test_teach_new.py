"""`xent exercises new` and `xent exercises migrate`: files a teacher can trust and never loses."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from xent_tutor.cli import app
from xent_tutor.practice import quiz as q
from xent_tutor.practice.check import validate_text
from xent_tutor.teach.files import dumps
from xent_tutor.teach.new import build

runner = CliRunner()


def xent(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XENT_PROGRESS_FILE", str(tmp_path / "progress.json"))
    monkeypatch.delenv("XENT_EXERCISES", raising=False)
    return tmp_path


def hand_loss(logits, labels):
    """The article's recipe written out: softmax, -ln p of the true class, mean."""
    losses = []
    for row, y in zip(logits, labels):
        total = sum(math.exp(z) for z in row)
        losses.append(-math.log(math.exp(row[y]) / total))
    return sum(losses) / len(losses), losses


def test_new_writes_a_file_that_passes_the_check_and_the_quiz(home):
    logits, labels = [[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]], [0, 2]
    r = xent("exercises", "new", "--id", "two-rows", "--logits", json.dumps(logits), "--labels", json.dumps(labels))
    assert r.exit_code == 0, r.output
    assert "wrote two-rows.json" in r.stderr
    data = json.loads((home / "two-rows.json").read_text("utf-8"))
    loss, losses = hand_loss(logits, labels)
    assert data["answer"] == round(loss, 4)
    assert data["stages"]["per_sample_loss"] == [round(v, 4) for v in losses]
    assert data["stages"]["exp"][0] == [round(math.exp(z), 4) for z in logits[0]]
    assert data["concepts"] == ["softmax", "neg_log", "batch_mean"] and data["difficulty"] == "medium"
    assert set(data["title"]) == set(data["teaches"]) == {"en", "zh"}
    assert "row 1: p = 0.7856, −ln p = 0.2413" in data["hints"][1]["en"]
    r = xent("exercises", "check", "two-rows.json")
    assert r.exit_code == 0 and r.stdout.strip() == "two-rows.json: ok"
    r = xent("quiz", "--exercise", "two-rows.json", "--answer", str(data["answer"]))
    assert r.exit_code == 0, r.output
    r = xent("quiz", "--exercise", "./two-rows.json", "--mode", "final", input=f"{data['answer']}\n")
    assert r.exit_code == 0 and "✓" in r.stdout


def test_new_never_overwrites_without_force(home):
    args = ["exercises", "new", "--id", "x1", "--logits", "[[0, 0]]", "--labels", "[0]"]
    (home / "x1.json").write_text("my own work", "utf-8")
    r = xent(*args)
    assert r.exit_code == 2 and "'x1.json' already exists; use --force to replace it" in r.stderr
    assert (home / "x1.json").read_text("utf-8") == "my own work"
    assert [p.name for p in home.iterdir() if p.name.startswith(".")] == []  # no temporary file left
    r = xent(*args, "--force")
    assert r.exit_code == 0 and json.loads((home / "x1.json").read_text())["answer"] == 0.6931


def test_new_with_the_teachers_texts_in_one_language_into_a_folder(home):
    (home / "class").mkdir()
    r = xent("exercises", "new", "--id", "soft", "--logits", "[[1.0, 2.0, 0.5]]", "--labels", "[[0.2, 0.7, 0.1]]",
             "--title", "软标签", "--hint", "每个类别都参与", "--lang", "zh", "-o", "class")  # fmt: skip
    assert r.exit_code == 0, r.output
    data = json.loads((home / "class" / "soft.json").read_text("utf-8"))
    assert data["title"] == {"zh": "软标签", "en": "Cross-entropy of 1 sample over 3 classes"}
    assert data["hints"] == [{"zh": "每个类别都参与"}] and data["difficulty"] == "hard"
    assert set(data["teaches"]) == {"en", "zh"}  # generated in both: the teacher gave none
    assert "soft.json:26:5：提示：'hints[0]' 缺少 en 的文字" in r.stderr  # a note in the teacher's language
    z, t = [1.0, 2.0, 0.5], [0.2, 0.7, 0.1]
    lse = math.log(sum(math.exp(v) for v in z))
    assert data["answer"] == round(sum(-ti * (zi - lse) for zi, ti in zip(z, t)), 4)
    assert "p_true" not in data["stages"]
    r = xent("exercises", "check", "class")
    assert r.exit_code == 0 and "soft.json:26:5: note: 'hints[0]' has no text in en" in r.stdout


def test_new_fills_every_language_the_teacher_left_out(home):
    """Review 8: `--hint x` alone used to leave the title and what it teaches in English only."""
    r = xent("exercises", "new", "--id", "h", "--logits", "[[1, 2]]", "--labels", "[1]", "--hint", "x")
    assert r.exit_code == 0, r.output
    data = json.loads((home / "h.json").read_text("utf-8"))
    assert data["title"] == {"en": "Cross-entropy of 1 sample over 2 classes", "zh": "1 个样本、2 个类别的交叉熵"}
    assert set(data["teaches"]) == {"en", "zh"} and data["hints"] == [{"en": "x"}]
    r = xent("exercises", "new", "--id", "t", "--logits", "[[1, 2]]", "--labels", "[1]", "--title", "Mine", "--force")
    data = json.loads((home / "t.json").read_text("utf-8"))
    assert data["title"] == {"en": "Mine", "zh": "1 个样本、2 个类别的交叉熵"} and set(data["hints"][0]) == {"en", "zh"}
    assert r.exit_code == 0 and "note" not in r.stderr  # every text in both languages: nothing to say


@pytest.mark.parametrize(
    ("logits", "labels", "en", "zh"),
    [
        ("[[1, 2]]", "[1]", "Cross-entropy of 1 sample over 2 classes", "1 个样本、2 个类别的交叉熵"),
        ("[[1, 2, 3], [0, 0, 1]]", "[1, 2]", "Cross-entropy of 2 samples over 3 classes", "2 个样本、3 个类别的交叉熵"),
        ("[[1], [2]]", "[0, 0]", "Cross-entropy of 2 samples over 1 class", "2 个样本、1 个类别的交叉熵"),
    ],
)
def test_generated_titles_count_in_words_a_reader_expects(home, logits, labels, en, zh):
    """Review 30: no "1 sample(s)" or "over 1 classes"."""
    assert xent("exercises", "new", "--id", "n", "--logits", logits, "--labels", labels, "--force").exit_code == 0
    assert json.loads((home / "n.json").read_text("utf-8"))["title"] == {"en": en, "zh": zh}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_new_warns_that_one_class_always_gives_a_loss_of_0(home, lang):
    r = xent("exercises", "new", "--id", "one", "--logits", "[[0.5], [2.0]]", "--labels", "[0, 0]", "--lang", lang)
    assert r.exit_code == 0 and json.loads((home / "one.json").read_text("utf-8"))["answer"] == 0
    words = {"en": "note: there is one class: p = 1 for every sample, so the loss is always 0",
             "zh": "提示：只有一个类别：每个样本的 p 都是 1，损失永远是 0"}  # fmt: skip
    assert words[lang] in r.stderr.splitlines()[-1]
    r = xent("exercises", "check", "one.json", "--lang", lang)
    assert r.exit_code == 0 and words[lang] in r.stdout  # a note, not an error: the file is valid
    r = xent("exercises", "new", "--id", "two", "--logits", "[[0.5, 1]]", "--labels", "[0]", "--lang", lang)
    assert r.exit_code == 0 and len(r.stderr.splitlines()) == 1


def test_new_refuses_bad_input_with_one_line(home):
    r = xent("exercises", "new", "--id", "Bad_Id", "--logits", "[[0, 0]]", "--labels", "[0]")
    assert r.exit_code == 2 and "--id: 'Bad_Id' cannot be an id" in r.stderr
    r = xent("exercises", "new", "--id", "x", "--logits", "[[0, 0]]", "--labels", "[3]")
    assert r.exit_code == 2 and r.stderr.startswith("xent: error: --labels") and len(r.stderr.splitlines()) == 1
    r = xent("exercises", "new", "--id", "x", "--logits", "[[0, 0]]", "--labels", "[-100]")
    assert r.exit_code == 2 and "finite answer" in r.stderr
    assert not (home / "x.json").exists()


def v1(id_: str) -> dict:
    return {
        "format": 1,
        "id": id_,
        "title": {"en": "Old"},
        "teaches": {"en": "Old file."},
        "logits": [[0.0, 0.0], [0.0, 0.0]],
        "labels": [0, 1],
        "answer": 0.6931,
        "hints": [{"en": "ln 2"}],
    }


def test_migrate_rewrites_valid_v1_files_and_leaves_the_rest_untouched(home):
    folder = home / "class"
    folder.mkdir()
    (folder / "old.json").write_text(json.dumps(v1("old")), "utf-8")
    wrong = json.dumps({**v1("wrong"), "answer": 0.5})
    (folder / "wrong.json").write_text(wrong, "utf-8")
    (folder / "broken.json").write_text("{", "utf-8")
    r = xent("exercises", "check", folder / "old.json")
    assert r.exit_code == 0 and "note: format 1" in r.stdout
    r = xent("exercises", "migrate", folder)
    assert r.exit_code == 2
    lines = r.stdout.splitlines()
    assert f"{folder / 'old.json'}: rewritten as format 2" in lines
    assert f"{folder / 'wrong.json'}: not migrated, the file is unchanged; fix these first:" in lines
    assert (folder / "wrong.json").read_text("utf-8") == wrong and (folder / "broken.json").read_text() == "{"
    data = json.loads((folder / "old.json").read_text("utf-8"))
    assert data["format"] == 2 and data["concepts"] == ["softmax", "neg_log", "batch_mean"]
    assert {k: v for k, v in data.items() if k not in ("format", "concepts")} == {
        k: v for k, v in v1("old").items() if k != "format"
    }
    assert xent("exercises", "check", folder / "old.json").stdout.strip().endswith("old.json: ok")
    r = xent("exercises", "migrate", folder / "old.json")
    assert r.exit_code == 0 and "already format 2" in r.stdout


@st.composite
def problems(draw):
    n, c = draw(st.integers(1, 3)), draw(st.integers(2, 4))
    logits = np.round(np.array(draw(st.lists(st.floats(-20, 20), min_size=n * c, max_size=n * c))).reshape(n, c), 2)
    options: dict = {"reduction": draw(st.sampled_from(["mean", "sum"]))}
    if draw(st.booleans()):
        options["weight"] = draw(st.lists(st.sampled_from([0.5, 1.0, 2.0]), min_size=c, max_size=c))
    if draw(st.booleans()):
        options["label_smoothing"] = draw(st.sampled_from([0.1, 0.2]))
    if draw(st.booleans()):
        raw = np.array(draw(st.lists(st.integers(1, 9), min_size=n * c, max_size=n * c)), dtype=float).reshape(n, c)
        labels = raw / raw.sum(axis=1, keepdims=True)
        options.pop("weight", None)
    else:
        labels = np.array(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    return logits, labels, options


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.sampled_from(["en", "zh"]))
def test_every_new_file_passes_the_check_and_its_answer_is_the_quizs(case, lang):
    logits, labels, options = case
    data = build("prop", logits, labels, options, lang=lang)
    assert [p.text() for p in validate_text(dumps(data), "prop.json", "prop")] == []
    step = q.make_steps(q.QuizProblem(data["logits"], data["labels"], data["options"]), "final")[-1]
    assert q.check(step, data["answer"]).correct


@pytest.mark.parametrize(
    ("lang", "reduction", "format_"),
    [
        ("en", "--reduction: an exercise's reduction is mean (average) or sum (total), not 'none'",
         "--format: unknown format 'x': choose table, csv or json"),
        ("zh", "--reduction：练习的归约方式只能是 mean（求平均）或 sum（求和），不能是 'none'",
         "--format：未知的格式 'x'：请选择 table、csv 或 json"),
    ],
)  # fmt: skip
def test_a_wrong_choice_names_the_choices_as_a_reader_lists_them(home, lang, reduction, format_):
    """Review 21: not "未知的格式 'none'：请选择 mean, sum" for a reduction."""
    r = xent("exercises", "new", "--id", "z", "--lang", lang, "--logits", "[[1, 2]]", "--labels", "[1]",
             "--reduction", "none")  # fmt: skip
    assert r.exit_code == 2 and reduction in r.stderr and len(r.stderr.splitlines()) == 1
    assert not (home / "z.json").exists()
    (home / "a.csv").write_text("student,exercise,answer\n", "utf-8")
    r = xent("grade", "a.csv", "--format", "x", "--lang", lang)
    assert r.exit_code == 2 and format_ in r.stderr


def test_an_output_ending_in_a_slash_is_a_folder_even_a_missing_one(home):
    r = xent("exercises", "new", "--id", "h", "--logits", "[[1, 2]]", "--labels", "[1]", "-o", "missing/")
    assert r.exit_code == 2 and "missing/h.json" in r.stderr and "file name" not in r.stderr
    (home / "there").mkdir()
    assert (
        xent("exercises", "new", "--id", "h", "--logits", "[[1, 2]]", "--labels", "[1]", "-o", "there/").exit_code == 0
    )
    assert (home / "there" / "h.json").is_file()


@pytest.mark.parametrize(
    ("lang", "words"), [("en", "1 file checked, 1 with errors"), ("zh", "检查了 1 个文件，其中 1 个有错误")]
)
def test_the_checks_count_reads_right_for_one_file(home, lang, words):
    (home / "f.json").write_text("{}", "utf-8")
    r = xent("exercises", "check", "f.json", "--lang", lang)
    assert r.exit_code == 2 and r.stdout.splitlines()[-1] == words
