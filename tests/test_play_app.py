"""xent play driven through Textual's own pilot: keys, clicks, what each panel shows, the 80×24 fit."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import DATA, ROOT, assert_matches_torch
from rich.cells import cell_len
from rich.console import Console
from textual import events
from typer.testing import CliRunner

from xent_tutor.cli import app as cli_app
from xent_tutor.engine.core import Options, explain, make_problem
from xent_tutor.lesson.layout import fmt
from xent_tutor.play.app import PlayApp
from xent_tutor.play.save import explain_command
from xent_tutor.play.state import PlayState
from xent_tutor.practice.exercises import read
from xent_tutor.service import problem_from_exercise

REF = json.loads((DATA / "play_reference.json").read_text())["cases"]


def make_app(exercise: str = "article-exercise", lang: str = "en", save_dir=None, problem=None) -> PlayApp:
    state = PlayState(problem or problem_from_exercise(exercise), exercise)
    return PlayApp(state, lang, save_dir)


def shown(app: PlayApp, widget: str) -> str:
    """The plain text a panel shows now."""
    return str(app.query_one(widget).content)


def run(app: PlayApp, script, size=(80, 24)):
    async def main():
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            return await script(pilot)

    return asyncio.run(main())


def exp_line(row_panel: str) -> str:
    return next(line for line in row_panel.splitlines() if line.startswith("e^"))


def check_panels_match_core(app: PlayApp, logits, labels, options) -> None:
    """Every number on screen is the core's, for logits computed independently of the app."""
    r = explain(make_problem(np.asarray(logits), np.asarray(labels), options))
    tr = r.trace
    grid, row, loss = shown(app, "#grid"), shown(app, "#row"), shown(app, "#loss")
    for i in range(len(tr.rows)):
        for k in range(tr.logits.shape[1]):
            assert fmt(tr.logits[i, k], 4) in grid
        if not tr.ignored[i]:
            assert fmt(tr.p_true[i], 4) in grid and fmt(tr.neg_log_p[i], 4) in grid
    if len(tr.rows) <= 2 and "∂L/∂z" in grid:  # at 80×24 every row's gradient, unless the explanation needs room
        assert grid.count("∂L/∂z") == len(tr.rows)
        for v in tr.grad.ravel():
            assert fmt(v, 4) in grid
    i = app.state.row
    raw = np.exp(np.asarray(logits, dtype=np.float64)[i])  # the article's e^z, shown while it is exact
    exp = raw if np.allclose(raw / raw.sum(), tr.probs[i], rtol=1e-9) else tr.exp[i]
    assert exp_line(row).startswith("e^z " if exp is raw else "e^(z−max)")
    for values in (exp, tr.probs[i], tr.target[i], tr.grad[i]):
        for v in values:
            assert fmt(v, 4) in row
    assert "Σ = " + fmt(exp.sum(), 4) in row
    assert loss.splitlines()[0].endswith("= " + fmt(r.loss, 4))


@pytest.mark.parametrize("case", REF, ids=lambda c: c["name"])
def test_keys_then_a_gradient_step_match_pytorch(case):
    app = make_app(case["exercise"])

    async def script(pilot):
        *moves, last = case["keys"]
        await pilot.press(*moves)
        await pilot.pause()
        s = app.state
        assert_matches_torch(s.logits, case["logits"])
        assert_matches_torch(s.loss, case["loss"])
        assert_matches_torch(s.grad, case["grad"])
        check_panels_match_core(app, case["logits"], case["labels"], s.options())
        await pilot.press(last)
        await pilot.pause()
        assert_matches_torch(s.logits, case["logits_after"])
        assert_matches_torch(s.loss, case["loss_after"])
        check_panels_match_core(app, case["logits_after"], case["labels"], s.options())
        words = shown(app, "#words")
        assert words.startswith("Step 1: z ← z − ") and fmt(case["loss_after"], 4) in words

    run(app, script)


def test_the_article_exercise_shows_the_articles_numbers():
    app = make_app()

    async def script(pilot):
        row = shown(app, "#row")
        for number in ("0.9547", "0.9736", "1.9282", "0.4951", "0.7030"):  # e^z, their sum, p, -ln p in the article
            assert number in row
        assert "0.6945" in shown(app, "#loss")

    run(app, script)


def test_huge_logits_show_the_shifted_exponentials():
    app = make_app("huge-logits")

    async def script(pilot):
        assert exp_line(shown(app, "#row")).startswith("e^(z−max)")

    run(app, script)


def test_a_nudge_updates_every_stage_at_once():
    app = make_app()

    async def script(pilot):
        before = {w: shown(app, w) for w in ("#grid", "#row", "#loss")}
        await pilot.press("plus")
        await pilot.pause()
        z = [[-0.0464 + 0.1, -0.0268], [-0.0234, -0.0091]]
        for w in before:
            assert shown(app, w) != before[w]
        check_panels_match_core(app, z, [0, 1], app.state.options())
        assert "0.0536" in shown(app, "#grid")

    run(app, script)


def test_click_selects_a_logit_and_the_wheel_nudges_it():
    app = make_app()

    async def script(pilot):
        grid = app.query_one("#grid")
        start, _ = grid.columns[1]
        await pilot.click("#grid", offset=(start + 2, grid.rows_y[1]))
        await pilot.pause()
        assert (app.state.row, app.state.col) == (1, 1)
        await pilot._post_mouse_events([events.MouseScrollUp], "#grid", offset=(start + 2, 1))
        await pilot.pause()
        assert app.state.logits[1, 1] == pytest.approx(-0.0091 + 0.1)
        await pilot._post_mouse_events([events.MouseScrollDown], "#grid", offset=(start + 2, 1))
        await pilot._post_mouse_events([events.MouseScrollDown], "#grid", offset=(start + 2, 1))
        await pilot.pause()
        assert app.state.logits[1, 1] == pytest.approx(-0.0091 - 0.1)

    run(app, script)


def test_train_until_escape_lowers_the_loss():
    app = make_app()

    async def script(pilot):
        await pilot.press("G")
        await pilot.pause(0.6)
        assert "Esc" in shown(app, "#keys")
        await pilot.press("escape")
        await pilot.pause()
        taken = app.state.steps_taken
        assert taken >= 2 and app.state.history[-1] < app.state.history[0]
        await pilot.pause(0.3)
        assert app.state.steps_taken == taken  # stopped
        assert "Esc" not in shown(app, "#keys")

    run(app, script)


def test_training_stops_by_itself_when_the_loss_stops_changing(monkeypatch):
    import xent_tutor.play.app as play_app

    monkeypatch.setattr(play_app, "TICK", 0.01)
    monkeypatch.setattr(play_app, "STILL", 1e-3)
    app = make_app("label-smoothing")

    async def script(pilot):
        await pilot.press("G")
        for _ in range(100):
            await pilot.pause(0.05)
            if app.timer is None:
                break
        assert app.timer is None and app.state.steps_taken > 1
        history = app.state.history
        assert abs(history[-1] - history[-2]) < 1e-3 <= abs(history[-2] - history[-3])
        words = shown(app, "#words")
        assert words.startswith("Stopped: a step now changes the loss by less than 0.001.")
        assert app.state.loss > app.state.loss_floor()

    run(app, script)


def test_smoothing_training_says_why_the_loss_stops_above_zero():
    app = make_app("label-smoothing")

    async def script(pilot):
        await pilot.press("g")
        await pilot.pause()
        words = shown(app, "#words")
        assert "cannot reach 0" in words and "H(t) = " in words

    run(app, script)


def test_save_key_writes_an_exercise_the_reader_accepts(tmp_path):
    app = make_app(save_dir=tmp_path)

    async def script(pilot):
        await pilot.press("plus", "m", "g", "s")
        await pilot.pause()
        files = list(tmp_path.glob("play-*.json"))
        assert len(files) == 1
        check = CliRunner().invoke(cli_app, ["exercises", "check", str(files[0])])
        assert check.exit_code == 0, check.output
        ex = read(files[0])
        assert str(files[0]) in shown(app, "#words")
        r = explain(make_problem(np.array(ex.logits), np.array(ex.labels), app.state.options()))
        assert ex.answer == round(float(r.loss), 4)

    run(app, script)


def test_e_then_q_returns_the_explain_command():
    app = make_app()

    async def script(pilot):
        await pilot.press("plus", "e", "q")
        await pilot.pause()

    run(app, script)
    assert app.return_value == explain_command(app.state)
    assert "--logits '[[0.0536" in app.return_value


def test_page_down_scrolls_a_long_explanation():
    app = make_app()
    size = (80, 14)  # at 80×24 it would show whole

    async def script(pilot):
        await pilot.press("m", "g")
        await pilot.pause()
        box = app.query_one("#words-box")
        assert box.max_scroll_y > 0 and box.scroll_y == 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert box.scroll_y > 0
        await pilot.press("pageup")
        await pilot.pause()
        assert box.scroll_y == 0

    run(app, script, size)


def test_question_mark_shows_the_keys_and_hides_them_again():
    app = make_app()

    async def script(pilot):
        await pilot.press("question_mark")
        await pilot.pause()
        assert shown(app, "#words").startswith("Keys") and not app.query_one("#row").display
        await pilot.press("question_mark")
        await pilot.pause()
        assert not shown(app, "#words").startswith("Keys") and app.query_one("#row").display

    run(app, script)


def fits(app: PlayApp, width: int = 80, height: int = 24) -> None:
    """Every panel lies inside the screen and shows all its lines; table lines are never wider than the screen."""
    console = Console(width=width)
    for wid, table_lines in (("#status", 0), ("#grid", 99), ("#row", -2), ("#loss", 0), ("#keys", 0)):
        w = app.query_one(wid)
        if not w.display:
            continue
        region = w.region
        assert region.x >= 0 and region.right <= width and region.bottom <= height, (wid, region)
        text = w.content
        assert len(text.wrap(console, region.width)) <= region.height, (wid, str(text))
        lines = str(text).splitlines()
        assert all(cell_len(x) <= region.width for x in lines[:table_lines]), (wid, lines)
    assert app.query_one("#words-box").region.height >= 3
    if width >= 80:
        assert len(str(app.query_one("#status").content)) <= width and app.query_one("#keys").region.height == 1


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("exercise", ["article-exercise", "batch-mean", "uniform-prediction", "huge-logits"])
def test_fits_80_by_24(lang, exercise):
    app = make_app(exercise, lang)

    async def script(pilot):
        fits(app)
        await pilot.press("m", "w", "g", "question_mark")
        await pilot.pause()
        fits(app)
        await pilot.press("question_mark", "l")
        await pilot.pause()
        fits(app)

    run(app, script)


def test_biggest_input_fits_80_by_24():
    rng = np.random.default_rng(1)
    z = np.round(rng.normal(0, 30, (4, 5)), 4)
    app = make_app(problem=make_problem(z, np.arange(4)))

    async def script(pilot):
        fits(app)
        await pilot.press("w", "m", "g", "g")
        await pilot.pause()
        fits(app)

    run(app, script)


def test_a_narrower_terminal_drops_the_grids_extra_columns():
    app = make_app("uniform-prediction")

    async def script(pilot):
        assert "−ln p" in shown(app, "#grid").splitlines()[0]
        await pilot.resize_terminal(50, 24)
        await pilot.pause()
        assert "−ln p" not in shown(app, "#grid").splitlines()[0]
        assert max(cell_len(line) for line in shown(app, "#grid").splitlines()) <= 50

    run(app, script)


def test_chinese_panels():
    app = make_app(lang="zh")

    async def script(pilot):
        await pilot.press("g")
        await pilot.pause()
        assert "第 1 步" in shown(app, "#words") and "类别 0" in shown(app, "#grid")

    run(app, script)


@pytest.mark.parametrize("argv", [["explain"], ["--version"], ["explain", "--format", "json"], ["quiz", "--help"]])
def test_other_commands_never_import_textual(argv):
    code = (
        "import sys, runpy; sys.argv = ['xent', *sys.argv[1:]]\n"
        "try:\n    runpy.run_module('xent_tutor', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "sys.stderr.write('TEXTUAL' if any(m.startswith('textual') for m in sys.modules) else 'CLEAN')\n"
    )
    out = subprocess.run([sys.executable, "-c", code, *argv], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.stderr.endswith("CLEAN"), out.stderr[-300:]


def words_fit(app: PlayApp) -> None:
    """The explanation (or the keys) shows whole: no line cut, nothing to scroll, no scrollbar."""
    box = app.query_one("#words-box")
    words = app.query_one("#words")
    assert box.max_scroll_y == 0, str(words.content)
    assert words.region.right <= 80 and words.region.bottom <= box.region.bottom
    wrapped = words.content.wrap(Console(width=80), words.region.width)
    assert len(wrapped) <= words.region.height <= box.region.height, str(words.content)
    assert all(cell_len(str(x)) <= words.region.width for x in wrapped)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_keys_screen_fits_80_by_24_whole(lang):
    app = make_app(lang=lang)

    async def script(pilot):
        await pilot.press("question_mark")
        await pilot.pause()
        words_fit(app)
        assert shown(app, "#words").splitlines()[-1].startswith("q")

    run(app, script)


REVIEWED = ["--logits", "[[2.0,0.5,-1.0],[0.1,0.2,3.0]]", "--labels", "[0,2]", "--weight", "[1,2,0.5]"]


def readable(app: PlayApp) -> None:
    """The numbers stay and the explanation can be read to its end: whole, or scrolled with PgDn (the key line says so)."""
    box = app.query_one("#words-box")
    words = app.query_one("#words")
    assert app.query_one("#row").display, "the selected row's breakdown stays on screen"
    assert box.region.height >= 3 and words.region.right <= 80
    wrapped = words.content.wrap(Console(width=80), words.region.width)
    assert all(cell_len(str(x)) <= words.region.width for x in wrapped)
    more = box.max_scroll_y > 0
    assert ("PgDn" in shown(app, "#keys")) == more, shown(app, "#keys")
    if app.state.num_rows <= 2 and app.size.height >= 24:  # every row's gradient stays in the grid
        assert shown(app, "#grid").count("∂L/∂z") == app.state.num_rows


async def read_to_the_end(app: PlayApp, pilot) -> str:
    """Page down through the explanation; the lines shown at the end, which hold its last line."""
    box = app.query_one("#words-box")
    for _ in range(20):
        if box.scroll_y >= box.max_scroll_y:
            break
        await pilot.press("pagedown")
        await pilot.pause()
    assert box.scroll_y == box.max_scroll_y
    wrapped = app.query_one("#words").content.wrap(Console(width=80), app.query_one("#words").region.width)
    top = int(box.scroll_y)
    return "\n".join(str(x) for x in wrapped[top : top + box.region.height])


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("exercise", ["article-exercise", "batch-mean", "uniform-prediction", "huge-logits"])
def test_after_every_key_the_numbers_stay_and_the_explanation_reads_to_its_end(lang, exercise, tmp_path):
    app = make_app(exercise, lang, save_dir=tmp_path)

    async def script(pilot):
        for keys in (["m", "w", "g"], ["g"], ["s"], ["e"], ["minus"], ["l", "g"], ["n", "g"], ["u"], ["r"]):
            await pilot.press(*keys)
            await pilot.pause()
            fits(app)
            readable(app)
            end = await read_to_the_end(app, pilot)
            words = app.query_one("#words")
            last = str(words.content.wrap(Console(width=80), words.region.width)[-1])
            assert last.strip() and last.strip() in end

    run(app, script)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_reviewed_weighted_smoothed_step_keeps_the_breakdown_and_save_replaces_it(lang, tmp_path):
    w = np.array([1, 2, 0.5])
    problem = make_problem(
        np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]]), np.array([0, 2]), Options("mean", w, -100, 0.1)
    )
    app = make_app(lang=lang, save_dir=tmp_path, problem=problem)

    async def script(pilot):
        await pilot.press("g")
        await pilot.pause()
        fits(app)
        readable(app)
        text = shown(app, "#words").replace("\n", "" if lang == "zh" else " ")
        assert text.rstrip().endswith(".") or text.rstrip().endswith("。")
        assert ("The loss is" if lang == "en" else "现在的损失比它高") in text  # the last sentence, whole
        end = await read_to_the_end(app, pilot)
        assert ("above" if lang == "en" else "现在的损失比它高") in end.replace("\n", "" if lang == "zh" else " ")
        await pilot.press("s")
        await pilot.pause()
        words_fit(app)
        saved = shown(app, "#words")
        assert saved.startswith("Saved as an exercise" if lang == "en" else "已保存为练习")
        assert ("Step 1" if lang == "en" else "第 1 步") not in saved
        await pilot.press("g", "right")
        await pilot.pause()
        readable(app)
        assert shown(app, "#words").startswith("Selected" if lang == "en" else "已选择")

    run(app, script)
