"""The Textual app: thin widgets that show the state's panels and turn keys into state changes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

from rich.console import Console
from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..errors import XentError
from ..lesson.text import message, t
from . import view
from .save import explain_command, save_exercise
from .state import PlayState
from .words import sentences

TICK = 0.12  # seconds between steps while G runs
STILL = 1e-10  # G stops when a step changes the loss by less than this
MIN_WORDS = 3  # lines the explanation keeps: panels give way below this, above it the explanation scrolls


def lines(text: Text, width: int) -> int:
    """How many lines a panel's text takes at this width."""
    return len(text.wrap(Console(width=max(width, 1)), max(width, 1)))


class LogitGrid(Static):
    """The logits grid: a click selects a logit, the mouse wheel nudges the selected one."""

    columns: ClassVar[list[tuple[int, int]]] = []  # replaced per instance on every redraw
    rows_y: ClassVar[list[int]] = []

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y not in self.rows_y:
            return
        row = self.rows_y.index(offset.y)
        for col, (start, end) in enumerate(self.columns):
            if start <= offset.x < end:
                self.app.select_cell(row, col)  # type: ignore[attr-defined]

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.app.action_nudge(1)  # type: ignore[attr-defined]

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self.app.action_nudge(-1)  # type: ignore[attr-defined]


class PlayApp(App[str | None]):
    """`xent play`: every stage of the loss for logits you move, and gradient steps you take."""

    CSS = """
    Screen { layout: vertical; overflow: hidden; }
    #status { height: auto; }
    #grid { height: auto; }
    #row { height: auto; margin-top: 1; }
    #loss { height: auto; }
    #words-box { height: 1fr; margin-top: 1; scrollbar-size-vertical: 1; }
    #keys { height: auto; dock: bottom; }
    """

    BINDINGS: ClassVar = [
        Binding("left", "move(0, -1)", show=False),
        Binding("right", "move(0, 1)", show=False),
        Binding("up", "move(-1, 0)", show=False),
        Binding("down", "move(1, 0)", show=False),
        Binding("plus,equals_sign,shift+up", "nudge(1)", show=False),
        Binding("minus,underscore,shift+down", "nudge(-1)", show=False),
        Binding("left_square_bracket", "step_size(-1)", show=False),
        Binding("right_square_bracket", "step_size(1)", show=False),
        Binding("less_than_sign,comma", "rate(-1)", show=False),
        Binding("greater_than_sign,full_stop", "rate(1)", show=False),
        Binding("l", "label", show=False),
        Binding("w", "weight", show=False),
        Binding("m", "smoothing", show=False),
        Binding("n", "reduction", show=False),
        Binding("r", "reset", show=False),
        Binding("u", "undo", show=False),
        Binding("p", "predict", show=False),
        Binding("g", "train", show=False),
        Binding("G", "run", show=False),
        Binding("escape", "stop", show=False),
        Binding("s", "save", show=False),
        Binding("e", "command", show=False),
        Binding("question_mark", "help", show=False),
        Binding("pageup", "scroll_words(-1)", show=False),
        Binding("pagedown", "scroll_words(1)", show=False),
        Binding("q,ctrl+c", "quit", show=False, priority=True),
    ]

    def __init__(self, state: PlayState, lang: str = "en", save_dir: Path | None = None) -> None:
        # With NO_COLOR, Textual strips every colour only in its native-ANSI mode (else it draws in greys).
        super().__init__(ansi_color=True if os.environ.get("NO_COLOR") is not None else None)
        self.state = state
        self.lang = lang
        self.save_dir = save_dir or Path.cwd()
        self.print_command = False
        self.showing_help = False
        self.timer = None
        self.extra: list[str] = []  # sentences that are not about the numbers (saved, command)
        self.alone = False

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        yield LogitGrid(id="grid")
        yield Static(id="row")
        yield Static(id="loss")
        with VerticalScroll(id="words-box"):
            yield Static(id="words")
        yield Static(id="keys")

    def on_mount(self) -> None:
        self.refresh_panels()

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self.refresh_panels)  # the grid and the Chinese line breaks follow the width

    def refresh_panels(self) -> None:
        """Redraw every panel from the state.

        The numbers stay on screen after every key: the selected row's breakdown always (unless the
        keys are shown), every row's ∂L/∂z in the grid while the explanation keeps MIN_WORDS lines;
        a longer explanation scrolls (PgUp/PgDn) and the key line says so.
        """
        s, lang = self.state, self.lang
        width, height = self.size.width, self.size.height
        self.query_one("#status", Static).update(view.status(s, lang))
        said = self.extra + ([] if self.alone else sentences(s, lang))
        body = view.help_text(lang) if self.showing_help else view.words(said, lang, width - 1)
        row, loss = view.row_panel(s, lang, width=width), view.loss_panel(s, lang)
        show_row = not self.showing_help
        grads = True
        grid = view.grid(s, lang, width=width, grads=grads)

        def room() -> int:  # lines left for the explanation: status, grid, margins, keys and the panels shown
            used = 3 + lines(grid.text, width)
            used += (1 + lines(row, width) if show_row else 0) + (0 if self.showing_help else lines(loss, width))
            return height - used

        need = lines(body, width - 1)
        if room() < MIN_WORDS and show_row:  # first p's bar line: its numbers are on the line above
            row = view.row_panel(s, lang, width=width, bars=False)
        if room() < MIN_WORDS or (self.showing_help and need > room()):
            grads = False  # the row panel still shows the selected row's gradient
            grid = view.grid(s, lang, width=width, grads=False)
        if room() < MIN_WORDS:  # a very short terminal: the explanation before the breakdown
            show_row = False
        more = need > room()
        widget = self.query_one("#grid", LogitGrid)
        widget.columns, widget.rows_y = grid.columns, grid.rows_y
        widget.update(grid.text)
        self.query_one("#row", Static).update(row)
        self.query_one("#loss", Static).update(loss)
        self.query_one("#row", Static).display = show_row
        self.query_one("#loss", Static).display = not self.showing_help
        self.query_one("#words", Static).update(body)
        self.query_one("#keys", Static).update(view.keys_line(lang, self.timer is not None, more, s.predicting))

    def _did(self, extra: list[str] | None = None, alone: bool = False) -> None:
        """Redraw after a key; `alone`: the extra sentences replace the explanation of the last change."""
        self.extra = extra or []
        self.alone = alone
        self.showing_help = False
        self.refresh_panels()

    def select_cell(self, row: int, col: int) -> None:
        """Select the logit under a click."""
        self.state.select(row, col)
        self._selected()

    def action_move(self, d_row: int, d_col: int) -> None:
        self.state.move(d_row, d_col)
        self._selected()

    def _selected(self) -> None:
        # A short line, so that the selected row's panel has room (the last change's explanation may be long).
        cell = t("play.cell", self.lang, row=self.state.row + 1, col=self.state.col)
        key = "play.predict_selected" if self.state.predicting else "play.selected"
        self._did([t(key, self.lang, cell=cell)], alone=True)

    def action_nudge(self, sign: int) -> None:
        if self.state.predicting:  # + or − answers the prediction question instead of nudging
            self.state.predict(sign)
        else:
            self.state.nudge(sign)
        self._did()

    def action_predict(self) -> None:
        if self.timer is None:
            self.state.start_prediction()
            self._did()

    def action_reset(self) -> None:
        self._halt()
        self.state.reset()
        self._did()

    def action_undo(self) -> None:
        self._halt()
        self.state.undo()
        self._did()

    def action_step_size(self, d: int) -> None:
        self.state.change_step(d)
        self._did()

    def action_rate(self, d: int) -> None:
        self.state.change_rate(d)
        self._did()

    def action_label(self) -> None:
        self.state.cycle_label()
        self._did()

    def action_weight(self) -> None:
        self.state.cycle_weight()
        self._did()

    def action_smoothing(self) -> None:
        self.state.toggle_smoothing()
        self._did()

    def action_reduction(self) -> None:
        self.state.toggle_reduction()
        self._did()

    def action_train(self) -> None:
        self.state.train_step()
        self._did()

    def action_run(self) -> None:
        if self.timer is None:
            self.timer = self.set_interval(TICK, self._tick)
            self._did()

    def _tick(self) -> None:
        before = self.state.loss
        if not self.state.train_step():
            self.action_stop()
            return
        if abs(self.state.loss - before) < STILL:
            self.action_stop(t("play.converged", self.lang, still=f"{STILL:g}"))
            return
        self._did()

    def _halt(self) -> None:
        """Stop G's steps, if running."""
        if self.timer is not None:
            self.timer.stop()
            self.timer = None

    def action_stop(self, why: str | None = None) -> None:
        if self.state.predicting and self.timer is None:
            self.state.cancel_prediction()
        self._halt()
        self._did([why] if why else None)

    def action_save(self) -> None:
        try:
            path, data = save_exercise(self.state, self.save_dir)
        except OSError as e:
            self._did([t("play.save_failed", self.lang, reason=str(e))], alone=True)
            return
        except XentError as e:
            self._did([message(e, self.lang)], alone=True)
            return
        self._did([t("play.saved", self.lang, path=str(path), answer=data["answer"])], alone=True)

    def action_command(self) -> None:
        self.print_command = not self.print_command
        self._did([t("play.command_on" if self.print_command else "play.command_off", self.lang)], alone=True)

    def action_scroll_words(self, direction: int) -> None:
        box = self.query_one("#words-box", VerticalScroll)
        box.scroll_to(y=box.scroll_y + direction * max(1, box.size.height - 1), animate=False)

    def action_help(self) -> None:
        self.showing_help = not self.showing_help
        self.refresh_panels()

    async def action_quit(self) -> None:
        self.exit(explain_command(self.state) if self.print_command else None)
