"""xent play without Textual: the state model, the sentences it chooses, saving and the command line."""

from __future__ import annotations

import json
import re
import shlex

import numpy as np
import pytest
from conftest import DATA, assert_matches_torch
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from xent_tutor.cli import app
from xent_tutor.engine.core import Options, explain, make_problem
from xent_tutor.errors import XentError
from xent_tutor.play.save import exercise_data, explain_command, save_exercise
from xent_tutor.play.state import PlayState
from xent_tutor.play.words import sentences
from xent_tutor.practice.exercises import parse, read
from xent_tutor.service import problem_from_exercise

REF = json.loads((DATA / "play_reference.json").read_text())["cases"]
KEYS = {
    "plus": lambda s: s.nudge(1),
    "minus": lambda s: s.nudge(-1),
    "up": lambda s: s.move(-1, 0),
    "down": lambda s: s.move(1, 0),
    "left": lambda s: s.move(0, -1),
    "right": lambda s: s.move(0, 1),
    "right_square_bracket": lambda s: s.change_step(1),
    "greater_than_sign": lambda s: s.change_rate(1),
    "l": lambda s: s.cycle_label(),
    "w": lambda s: s.cycle_weight(),
    "m": lambda s: s.toggle_smoothing(),
    "n": lambda s: s.toggle_reduction(),
    "g": lambda s: s.train_step(),
    "p": lambda s: s.start_prediction(),
    "u": lambda s: s.undo(),
    "r": lambda s: s.reset(),
}


def state_for(exercise: str = "article-exercise", **options) -> PlayState:
    return PlayState(problem_from_exercise(exercise, options or None), exercise)


@pytest.mark.parametrize("case", REF, ids=lambda c: c["name"])
def test_key_sequence_then_one_step_matches_pytorch(case):
    s = state_for(case["exercise"])
    *moves, last = case["keys"]
    for key in moves:
        KEYS[key](s)
    assert_matches_torch(s.logits, case["logits"])
    assert s.labels.tolist() == case["labels"]
    assert_matches_torch(s.loss, case["loss"])
    assert_matches_torch(s.grad, case["grad"])
    assert last == "g" and s.lr == case["lr"]
    assert s.train_step()
    assert_matches_torch(s.logits, case["logits_after"])
    assert_matches_torch(s.loss, case["loss_after"])
    assert s.history[-1] == s.loss


def test_nudge_moves_only_the_selected_logit_by_the_step():
    s = state_for()
    before = s.logits.copy()
    s.select(1, 1)
    s.change_step(-1)
    s.nudge(-1)
    diff = s.logits - before
    assert diff[1, 1] == pytest.approx(-0.05) and np.count_nonzero(diff) == 1


def test_cursor_stays_on_the_grid():
    s = state_for()
    s.move(-5, 9)
    assert (s.row, s.col) == (0, 1)
    s.select(7, -3)
    assert (s.row, s.col) == (1, 0)


def test_label_cycle_visits_every_class_then_the_ignore_index():
    s = state_for("batch-mean")
    seen = []
    for _ in range(4):
        s.cycle_label()
        seen.append(int(s.labels[0]))
    assert seen == [1, 2, -100, 0]


def test_weight_cycle_and_all_ones_means_no_weights():
    s = state_for()
    s.select(0, 1)
    s.cycle_weight()
    assert s.weight.tolist() == [1.0, 2.0]
    s.cycle_weight()
    assert s.weight.tolist() == [1.0, 0.5]
    s.cycle_weight()
    assert s.weight is None


def test_no_step_when_every_target_is_ignored():
    s = state_for("ignore-index")
    for row in (0, 2):
        s.select(row, 0)
        while s.labels[row] != -100:
            s.cycle_label()
    assert np.isnan(s.loss)
    before = s.logits.copy()
    assert not s.train_step()
    assert np.array_equal(s.logits, before)
    assert any("not a finite number" in x for x in sentences(s, "en"))


@pytest.mark.parametrize(
    ("exercise", "key"),
    [("soft-labels", "play_soft"), ("huge-logits", None)],
)
def test_what_play_accepts(exercise, key):
    problem = problem_from_exercise(exercise)
    if key is None:
        PlayState(problem)
    else:
        with pytest.raises(XentError) as e:
            PlayState(problem)
        assert e.value.key == key


@pytest.mark.parametrize(
    ("logits", "labels", "options", "key"),
    [
        (np.zeros((6, 2)), np.zeros(6, int), Options(), "play_size"),
        (np.zeros((1, 2, 3)), np.zeros((1, 3), int), Options(), "play_shape"),
        (np.array([[0.0, np.inf]]), np.array([0]), Options(), "play_nonfinite"),
        (np.zeros((1, 2)), np.array([0]), Options(reduction="none"), "play_none"),
    ],
)
def test_refused_inputs(logits, labels, options, key):
    with pytest.raises(XentError) as e:
        PlayState(make_problem(logits, labels, options))
    assert e.value.key == key


# Sentences: every claim checked against the numbers.
CELL = re.compile(r"row (\d+) class (\d+) ([+−])(\d+\.\d+)")


def claims(text: str, word: str) -> list[tuple[int, int, int]]:
    """(row, col, sign) of every logit listed in the sentence starting with `word`."""
    for sentence in re.split(r"(?<=\.) (?=[A-Z])", text):
        if sentence.startswith(word):
            return [(int(r) - 1, int(c), 1 if s == "+" else -1) for r, c, s, _ in CELL.findall(sentence)]
    return []


option_sets = st.fixed_dictionaries(
    {
        "smoothing": st.sampled_from([0.0, 0.1, 0.3]),
        "weight": st.sampled_from([None, [1.0, 2.0, 0.5]]),
        "reduction": st.sampled_from(["mean", "sum"]),
        "ignore_first": st.booleans(),
        "lr": st.sampled_from([0.1, 1.0, 5.0]),
    }
)


@settings(max_examples=60, deadline=None)
@given(
    z=st.lists(st.floats(-4, 4, allow_nan=False), min_size=6, max_size=6),
    y=st.lists(st.integers(0, 2), min_size=2, max_size=2),
    o=option_sets,
)
def test_step_sentences_are_true_for_the_numbers(z, y, o):
    labels = np.array(y)
    if o["ignore_first"]:
        labels[0] = -100
    w = None if o["weight"] is None else np.array(o["weight"])
    problem = make_problem(np.array(z).reshape(2, 3), labels, Options(o["reduction"], w, -100, o["smoothing"]))
    s = PlayState(problem)
    s.rate_index = [0.1, 0.25, 0.5, 1.0, 2.0, 5.0].index(o["lr"])
    before = s.result
    loss_before = s.loss
    assert s.train_step()
    text = " ".join(sentences(s, "en"))
    p, t, g = before.trace.probs, before.trace.target, s.event.grad
    a = t * (w if w is not None else 1.0)
    total = a.sum(axis=1, keepdims=True)
    for word, sign in (("Rose", 1), ("Fell", -1)):
        listed = claims(text, word)
        for r, c, sgn in listed:
            assert sgn == sign and np.sign(s.event.moved[r, c]) == sign and np.sign(g[r, c]) == -sign
            assert np.sign(total[r, 0] * p[r, c] - a[r, c]) == -sign  # the stated reason: p < t (A·p < w·t)
        expected = int(np.count_nonzero(np.sign(s.event.moved) == sign))
        assert len(listed) == min(expected, 3)
    check_differences_add_up(text, "en")
    check_differences_add_up("".join(sentences(s, "zh")), "zh")
    if s.loss < loss_before:
        assert "(down " in text
        assert "overshot" not in text
    elif s.loss > loss_before:
        assert "(up " in text and "overshot" in text
    if o["ignore_first"]:
        assert "row(s) 1, where ∂L/∂z = 0" in text
    if o["smoothing"]:
        assert "cannot reach 0" in text and "can approach 0" not in text
    else:
        assert "can approach 0 but never reach it" in text and "cannot reach 0" not in text


@pytest.mark.parametrize("weight", [None, [1.0, 2.0, 0.5]])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_loss_floor_is_the_core_loss_at_the_best_logits(weight, reduction):
    labels = np.array([0, 2, -100])
    w = None if weight is None else np.array(weight)
    options = Options(reduction, w, -100, 0.2)
    s = PlayState(make_problem(np.zeros((3, 3)), labels, options))
    a = s.result.trace.target * (w if w is not None else 1.0)
    best = np.log(np.where(a > 0, a / np.maximum(a.sum(axis=1, keepdims=True), 1e-300), 1.0))
    at_best = float(explain(make_problem(best, labels, options)).loss)
    assert s.loss_floor() == pytest.approx(at_best, rel=1e-12)
    # No logits do better: random ones all lie above the floor.
    rng = np.random.default_rng(0)
    for _ in range(20):
        other = float(explain(make_problem(best + rng.normal(0, 0.5, (3, 3)), labels, options)).loss)
        assert other > s.loss_floor()


def test_floor_sentence_names_the_entropy_of_the_smoothed_target():
    s = state_for("label-smoothing")
    s.train_step()
    eps, c = 0.1, 3
    hi, lo = 1 - eps + eps / c, eps / c
    h = -(hi * np.log(hi) + (c - 1) * lo * np.log(lo))  # entropy of (0.9333, 0.0333, 0.0333), by hand
    text = " ".join(sentences(s, "en"))
    assert f"H(t) = {h:.4f}" in text


HALF_NEAR_HAN = re.compile(r"[\u4e00-\u9fff] *[,;:?!]|[,;:?!] *[\u4e00-\u9fff]")


def test_play_sentences_in_chinese_use_full_width_punctuation():
    from xent_tutor.lesson.text import catalogue

    zh = {k: v for k, v in catalogue("zh").items() if k.startswith(("play.", "play_"))}
    assert len(zh) > 50
    for key, text in zh.items():
        assert not HALF_NEAR_HAN.search(text), key
        assert not re.search(r"\([^()]*[\u4e00-\u9fff]", text), key


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_event_has_sentences_in_both_languages(lang):
    s = state_for()
    for key in (
        "plus",
        "minus",
        "l",
        "w",
        "m",
        "n",
        "right_square_bracket",
        "greater_than_sign",
        "g",
        "p",
        "plus",
        "g",
        "u",
        "u",
        "r",
    ):
        KEYS[key](s)
        out = sentences(s, lang)
        assert out and all(out)


def test_nudge_sentence_says_which_way_and_the_slope_sign():
    s = state_for()
    s.nudge(1)  # row 1's true class: slope negative, loss goes down
    text = " ".join(sentences(s, "en"))
    assert "went up by 0.1" in text and "(down " in text and "negative: raising this logit lowers" in text
    s.select(0, 1)
    s.nudge(1)  # the wrong class: slope positive, loss goes up
    text = " ".join(sentences(s, "en"))
    assert "(up " in text and "positive: raising this logit raises" in text


# Leaving with something.
def test_saved_exercise_is_accepted_and_its_answer_is_right(tmp_path):
    s = state_for()
    s.nudge(1)
    s.toggle_smoothing()
    s.train_step()
    path, _ = save_exercise(s, tmp_path, now=0)
    check = CliRunner().invoke(app, ["exercises", "check", str(path)])  # the teachers' validator accepts it
    assert check.exit_code == 0, check.output
    ex = read(path)
    assert ex.id == path.stem and path.name.startswith("play-")
    recomputed = explain(make_problem(np.array(ex.logits), np.array(ex.labels), Options.from_dict(ex.options))).loss
    assert ex.answer == round(float(recomputed), 4)
    assert np.allclose(ex.logits, np.round(s.logits, 4)) and ex.options["label_smoothing"] == 0.1
    assert "label_smoothing" in ex.concepts and ex.difficulty == "hard"
    assert set(ex.title) == set(ex.teaches) == {"en", "zh"}


def test_saving_never_overwrites(tmp_path):
    s = state_for()
    first, _ = save_exercise(s, tmp_path, now=0)
    text = first.read_text()
    s.nudge(1)
    second, _ = save_exercise(s, tmp_path, now=0)
    assert second != first and first.read_text() == text
    assert second.stem == first.stem + "-2" and read(second).id == second.stem
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.name, second.name])  # no temp file left


@pytest.mark.parametrize(
    "exercise", ["article-binary", "class-weights", "ignore-index", "sum-reduction", "huge-logits"]
)
def test_saved_exercises_pass_the_check_for_every_kind_of_input(tmp_path, exercise):
    s = state_for(exercise)
    s.toggle_smoothing()
    s.train_step()
    path, data = save_exercise(s, tmp_path)
    check = CliRunner().invoke(app, ["exercises", "check", str(path)])
    assert check.exit_code == 0, check.output
    parse(data)


def test_no_exercise_is_saved_without_a_finite_answer(tmp_path):
    s = state_for("article-binary")
    s.cycle_label()  # the only label becomes the ignore index: the mean is 0 / 0
    with pytest.raises(XentError) as e:
        save_exercise(s, tmp_path)
    assert e.value.key == "play_save_not_finite" and list(tmp_path.iterdir()) == []


def test_saved_unbatched_exercise_keeps_its_shape():
    data = exercise_data(state_for("article-binary"), "play-x")
    assert data["logits"] == [0.0, 0.1616] and data["labels"] == 1 and "unbatched" in data["concepts"]


def test_explain_command_reproduces_the_loss_exactly():
    s = state_for()
    s.nudge(1)
    s.cycle_weight()
    s.toggle_smoothing()
    s.toggle_reduction()
    s.train_step()
    args = shlex.split(explain_command(s))
    assert args[:2] == ["xent", "explain"]
    out = CliRunner().invoke(app, [*args[1:], "--format", "value"])
    assert out.exit_code == 0, out.output
    assert float(out.stdout) == s.loss


# The command line.
def test_play_refuses_without_a_terminal():
    out = CliRunner().invoke(app, ["play"])
    assert out.exit_code == 2
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "xent explain" in lines[0] and "terminal" in lines[0]


def test_play_refusal_in_chinese():
    out = CliRunner().invoke(app, ["play", "--lang", "zh"])
    assert out.exit_code == 2 and "终端" in out.stderr and "xent explain" in out.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--exercise", "soft-labels"], "class-index labels"),
        (["--reduction", "none"], "--reduction mean or sum"),
        (["--logits", "[[1, 2]]", "--labels", "[5]"], "out of range"),
        (["--logits", "-", "--labels", "[0]"], "standard input"),
    ],
)
def test_play_bad_input_is_one_line(args, words):
    out = CliRunner().invoke(app, ["play", *args])
    assert out.exit_code == 2
    assert words in out.stderr and len(out.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_grid_keeps_a_space_between_a_true_class_and_the_cursor(lang):
    from xent_tutor.play.view import grid

    s = PlayState(make_problem(np.array([[0.4609, -0.2341, -0.2341], [-0.2341, 0.4609, -0.2341]]), np.array([0, 1])))
    s.select(0, 1)
    text = str(grid(s, lang).text)
    assert "0.4609* ▶-0.2341" in text and "*▶" not in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_key_help_lines_are_plain_sentences(lang):
    from xent_tutor.lesson.text import t

    rows = [line.split("|", 1) for line in t("play.help", lang).splitlines()]
    text = t("play.help", lang)
    assert "again:" not in text and "：" not in text and "; quit" not in text
    described = {k.strip("'") for k, _ in rows}
    assert {"?", "q", "e"} <= described  # ? and q each on their own line
    e_line = dict((k, v) for k, v in rows)["e"]
    assert ("press e again to cancel" if lang == "en" else "再按一次 e 取消") in e_line
    toggle = t("play.command_on", lang)
    assert ("press e again to cancel" if lang == "en" else "再按 e 取消") in toggle


def test_chinese_status_glosses_the_learning_rate():
    from xent_tutor.play.view import status

    assert "学习率 lr 1" in str(status(state_for(), "zh"))


DIFF = {
    "en": re.compile(r"went from (\S+) to (\S+) \((down|up) (\S+)\)"),
    "zh": re.compile(r"损失从 (\S+) 变为 (\S+)（(下降|上升) ([^）]+)）"),
}
FLOOR = {
    "en": re.compile(r"(?:=|at) ([\d.]+)\. The loss is ([\d.]+) above"),
    "zh": re.compile(r"(?:=|为) ([\d.]+)。现在的损失比它高 ([\d.]+)"),
}


def check_differences_add_up(text: str, lang: str) -> None:
    """Every stated difference is the difference of the two figures shown, with as many decimals."""
    for a, b, way, d in DIFF[lang].findall(text):
        decimals = len(d.split(".")[1])
        assert decimals == len(a.split(".")[1]) == len(b.split(".")[1])
        diff = float(b) - float(a)
        assert (diff < 0) == (way in ("down", "下降")) and diff != 0
        assert d == f"{abs(diff):.{decimals}f}"


@settings(max_examples=80, deadline=None)
@given(
    z=st.lists(st.floats(-4, 4, allow_nan=False), min_size=6, max_size=6),
    y=st.lists(st.integers(0, 2), min_size=2, max_size=2),
    o=option_sets,
    cell=st.tuples(st.integers(0, 1), st.integers(0, 2)),
    sign=st.sampled_from([1, -1]),
    lang=st.sampled_from(["en", "zh"]),
    steps=st.integers(0, 3),
)
def test_nudge_sentences_follow_the_move_and_the_signs(z, y, o, cell, sign, lang, steps):
    labels = np.array(y)
    if o["ignore_first"]:
        labels[0] = -100
    w = None if o["weight"] is None else np.array(o["weight"])
    s = PlayState(make_problem(np.array(z).reshape(2, 3), labels, Options(o["reduction"], w, -100, o["smoothing"])))
    for _ in range(steps):
        s.change_step(-1)  # smaller nudges: the loss can change by less than the shown decimals
    s.select(*cell)
    g = float(s.result.trace.grad[cell])
    s.nudge(sign)
    text = "".join(sentences(s, lang)) if lang == "zh" else " ".join(sentences(s, lang))
    check_differences_add_up(text, lang)
    if g == 0:
        assert ("was 0: the loss did not depend" if lang == "en" else "为 0：损失与这个 logit 无关") in text
        return
    sign_word = {("en", -1): "negative", ("en", 1): "positive", ("zh", -1): "是负的", ("zh", 1): "是正的"}
    move = {("en", 1): "raising", ("en", -1): "lowering", ("zh", 1): "增大", ("zh", -1): "减小"}
    effect = {
        ("en", 1): "raises the loss",
        ("en", -1): "lowers the loss",
        ("zh", 1): "损失上升",
        ("zh", -1): "损失下降",
    }
    slope = next(x for x in sentences(s, lang) if "∂L/∂z" in x and ("slope" in x or "斜率" in x))
    gs = int(np.sign(g))
    assert sign_word[(lang, gs)] in slope and sign_word[(lang, -gs)] not in slope
    assert move[(lang, sign)] in slope and move[(lang, -sign)] not in slope
    assert slope.endswith(effect[(lang, gs * sign)] + (" at first." if lang == "en" else "。"))


def test_lowering_a_logit_with_a_negative_slope_says_the_loss_rises():
    s = state_for()
    s.move(1, 0)
    s.move(0, 1)  # row 2's true class: slope negative
    s.nudge(-1)
    s.nudge(-1)
    zh = "".join(sentences(s, "zh"))
    assert "是负的：减小这个 logit 起初会让损失上升。" in zh and "增大" not in zh
    assert "negative: lowering this logit raises the loss" in " ".join(sentences(s, "en"))


def test_the_reviewers_step_states_the_difference_of_the_shown_losses():
    problem = make_problem(
        np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]]),
        np.array([0, 2]),
        Options("mean", np.array([1, 2, 0.5]), -100, 0.1),
    )
    s = PlayState(problem)
    s.train_step()
    for lang in ("en", "zh"):
        text = "".join(sentences(s, lang))
        check_differences_add_up(text, lang)
        assert ("(down 0.0137)" if lang == "en" else "（下降 0.0137）") in text
        floors = FLOOR[lang].findall(text)
        assert len(floors) == 1
        for floor, gap in floors:
            loss = DIFF[lang].search(text).group(2)
            assert gap == f"{float(loss) - float(floor):.4f}"
