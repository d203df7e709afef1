"""The gradient stage, two languages, pictures, exports and terminal manners."""

from __future__ import annotations

import json
import re
import string

import numpy as np
import pytest
from conftest import DATA, assert_matches_torch, torch_cases
from typer.testing import CliRunner

from xent_tutor.cli import app
from xent_tutor.lesson.text import catalogue
from xent_tutor.practice.exercises import load_all

runner = CliRunner()
ESC = re.compile(r"\x1b\[")


def xent(*args, env=None, input=None):
    return runner.invoke(app, list(args), env=env, input=input)


# --- the gradient -------------------------------------------------------------------------


@pytest.mark.parametrize("case", [c for c in torch_cases() if c["grad"] is not None], ids=lambda c: c["name"])
def test_json_grad_agrees_with_autograd(case):
    args = ["explain", "--logits", json.dumps(case["logits"]), "--labels", json.dumps(case["labels"]),
            "--reduction", case["reduction"], "--ignore-index", str(case["ignore_index"]),
            "--label-smoothing", str(case["label_smoothing"]), "--grad", "-f", "json"]  # fmt: skip
    if case["weight"] is not None:
        args += ["--weight", json.dumps(case["weight"])]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    grad = json.loads(r.stdout)["grad"]
    want = np.asarray(case["grad"], dtype=float)
    got = np.array(grad, dtype=float)  # null (nan) stays nan
    assert got.shape == want.shape  # the logits' shape
    assert_matches_torch(got, want)


def test_grad_of_class_last_logits_in_the_users_layout():
    r = xent("explain", "--logits", str(DATA / "lm_logits.npy"), "--labels", str(DATA / "lm_labels.npy"),
             "--class-dim", "-1", "--label-smoothing", "0.1", "--grad", "-f", "json")  # fmt: skip
    got = np.asarray(json.loads(r.stdout)["grad"])
    want = np.load(DATA / "lm_grad_smooth.npy")
    assert got.shape == (2, 16, 50)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-9)  # float32 logits


def test_grad_stage_in_the_lesson():
    out = xent("explain", "--grad").stdout
    assert "Gradient of the loss with respect to every logit" in out
    assert "row 1: (1.0000·[0.4951, 0.5049] − [1.0000, 0.0000]) / 2.0000 = [−0.2524, 0.2524]" in out
    assert "pushes the true class's score up" in " ".join(out.split())


def test_grad_with_reduction_none_explains_why_not():
    r = xent("explain", "--grad", "--reduction", "none", "-f", "json")
    assert json.loads(r.stdout)["grad"] is None
    assert "backward needs a scalar" in r.stderr


# --- two languages ------------------------------------------------------------------------


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_catalogues_have_the_same_keys_and_placeholders():
    en, zh = catalogue("en"), catalogue("zh")
    assert set(en) == set(zh), set(en) ^ set(zh)
    for key in en:
        assert _fields(en[key]) == _fields(zh[key]), key


def test_every_exercise_has_both_languages():
    for ex in load_all().values():
        assert ex.title.get("en") and ex.title.get("zh")
        assert ex.teaches.get("en") and ex.teaches.get("zh")
        assert all(h.get("en") and h.get("zh") for h in ex.hints)


def test_chinese_from_the_locale_and_english_override():
    zh = xent("explain", env={"LANG": "zh_CN.UTF-8"})
    assert "logits（未归一化的对数概率）与标签" in zh.stdout and "损失 = 0.6945" in zh.stdout
    en = xent("explain", "--lang", "en", env={"LANG": "zh_CN.UTF-8"})
    assert "Raw scores (logits) and labels" in en.stdout
    lc_all = xent("explain", env={"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"})
    assert "交叉熵" in lc_all.stdout


def test_chinese_errors_and_quiz():
    r = xent("explain", "--logits", "[[1, 2]]", "--labels", "[5]", "--lang", "zh")
    assert r.exit_code == 2 and r.stderr.startswith("xent：错误：--labels：第 1 行的标签 5 超出范围")
    q = xent("quiz", "--exercise", "article-exercise", "--mode", "final", "--lang", "zh",
             input="0.3016\n", env={"XENT_PROGRESS_FILE": "/dev/null/never"})  # fmt: skip
    assert "最终的损失是多少" in q.stdout and "还不对。0.3016 用的是以 10 为底的对数" in q.stdout
    assert "原文练习" in xent("exercises", "--lang", "zh").stdout


def test_numbers_and_json_keys_do_not_change_with_language():
    en = xent("explain", "-f", "json", "--lang", "en").stdout
    zh = xent("explain", "-f", "json", "--lang", "zh").stdout
    assert en == zh
    assert xent("explain", "-f", "value", "--lang", "zh").stdout == "0.6945089706917403\n"


def test_unknown_language():
    r = xent("explain", "--lang", "fr")
    assert r.exit_code == 2 and "choose en or zh" in r.stderr


# --- pictures and exports -------------------------------------------------------------------


def test_table_view_draws_bars_and_the_loss_curve():
    out = xent("explain").stdout
    assert "Each row's softmax as bars" in out
    bars = out.split("Each row's softmax as bars")[1].split("Target")[0]
    assert "0 *" in bars and "█" in bars
    curve = out.split("−ln p against p")[1]
    assert "1 = row 1: p = 0.4951, −ln p = 0.7030" in curve and "p (true class) →" in curve
    assert "5. Target distribution" in out  # pictures are not numbered as stages


def test_markdown_has_no_pictures():
    out = xent("explain", "-f", "markdown").stdout
    assert "softmax as bars" not in out


@pytest.mark.parametrize("suffix, marker", [("svg", "<svg"), ("html", "<html"), ("txt", "Raw scores")])
def test_export(tmp_path, suffix, marker):
    path = tmp_path / f"lesson.{suffix}"
    r = xent("explain", "--export", str(path))
    assert r.exit_code == 0 and f"wrote {path}" in r.stderr
    text = path.read_text("utf-8")
    assert marker in text
    if suffix != "svg":
        assert "0.6945" in text  # SVG splits text into styled spans


def test_export_bad_name(tmp_path):
    r = xent("explain", "--export", str(tmp_path / "lesson.pdf"))
    assert r.exit_code == 2 and "use a .svg, .html or .txt" in r.stderr
    r = xent("explain", "--export", str(tmp_path / "lesson.svg"), "-f", "json")
    assert r.exit_code == 2 and "saves the table view" in r.stderr and r.stdout == ""


def test_svg_export_is_well_formed_xml(tmp_path):
    import xml.etree.ElementTree as ET

    path = tmp_path / "lesson.svg"
    xent("explain", "--export", str(path))
    root = ET.fromstring(path.read_text("utf-8"))
    assert root.tag.endswith("svg")
    text = "".join(root.itertext())
    assert "Raw" in text and "0.6945" in text.replace("\xa0", " ")


# --- terminal manners ------------------------------------------------------------------------


def test_no_escape_codes_without_a_terminal():
    assert not ESC.search(xent("explain", env={"NO_COLOR": None}).stdout)


def test_force_color_and_no_color():
    forced = xent("explain", env={"NO_COLOR": None, "FORCE_COLOR": "1", "TERM": "xterm-256color"}).stdout
    assert re.search(r"\x1b\[(\d+;)*9\dm", forced)  # a colour code
    for env, args in (
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, []),
        ({"NO_COLOR": None, "FORCE_COLOR": "1"}, ["--no-color"]),
    ):
        out = xent("explain", *args, env=env).stdout
        assert not re.search(r"\x1b\[(\d+;)*(3|9)\dm", out)  # styles may stay, colours go


@pytest.mark.parametrize("width", [60, 140])
def test_width_option(width):
    out = xent("explain", "--width", str(width)).stdout
    assert max(len(line) for line in out.splitlines()) <= width


@pytest.mark.parametrize("command", ["explain", "quiz", "exercises", "progress"])
def test_help_has_an_example(command):
    r = xent(command, "--help")
    assert r.exit_code == 0 and "Example: xent " + command in r.stdout


def test_shell_completion_script(monkeypatch):
    # Name the shell instead of letting Typer detect the parent process's (sh, or none, under some runners).
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    r = xent("--show-completion", "bash")
    assert r.exit_code == 0 and "complete" in r.stdout
