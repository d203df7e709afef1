"""The quiz conversation and the exercise / progress listings, written to a Rich console."""

from __future__ import annotations

import json
import secrets
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import XentError
from ..lesson.text import message, printable, t
from . import progress
from . import quiz as q
from .arith import evaluate
from .exercises import get, library
from .exercises import text as in_lang

if TYPE_CHECKING:
    from rich.console import Console

QUIT_WORDS = ("quit", "q", "exit", "退出")
HINT_WORDS = ("hint", "h", "提示")
SHOW_WORDS = ("show", "s", "显示")
SKIP_WORDS = ("skip", "跳过")


class _Stop(Exception):
    """The learner ended the session (quit, Ctrl-C or end of input)."""

    def __init__(self, code: int) -> None:
        self.code = code


def _problem(exercise: str | None, seed: int | None, difficulty: str) -> q.QuizProblem:
    if exercise is not None:
        return q.from_exercise(get(exercise))
    return q.generate(seed if seed is not None else secrets.randbelow(10**6), difficulty)


def _worked(step: q.Step, lang: str) -> str:
    return t("quiz.worked", lang, formula=step.filled, value=f"{step.expected:.4f}")


def grade(exercise: str | None, seed: int | None, difficulty: str, answer: str, fmt: str, lang: str) -> int:
    """Check one answer for the final loss: 0 right, 1 wrong; bad arithmetic raises (exit 2)."""
    qp = _problem(exercise, seed, difficulty)
    step = q.make_steps(qp, "final")[-1]
    value = evaluate(answer)
    verdict = q.check(step, value)
    diagnosis = t("mistake." + verdict.mistake, lang) if verdict.mistake else None
    if fmt == "json":
        out = {
            "exercise": qp.exercise_id,
            "seed": qp.seed,
            "answer": answer,
            "value": value,
            "expected": step.expected,
            "expected_rounded": round(step.expected, 4),
            "correct": verdict.correct,
            "diagnosis": verdict.mistake,
            "message": diagnosis,
        }
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    else:
        key = "grade.right" if verdict.correct else "grade.wrong"
        line = t(key, lang, value=_short(value), expected=f"{step.expected:.4f}")
        sys.stdout.write(line + "\n")
        if not verdict.correct:
            sys.stdout.write((diagnosis or t("hint." + step.formula.split(".", 1)[1], lang)) + "\n")
            sys.stdout.write(_worked(step, lang) + "\n")
    return 0 if verdict.correct else 1


def _short(x: float) -> str:
    return f"{x:.6g}"


class _Reader:
    """Answers from the terminal, or one per line from a pipe (blank lines skipped, long lines cut)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.tty = sys.stdin.isatty()

    def read(self, prompt: str) -> str:
        if self.tty:
            return self.console.input(prompt)
        from rich.text import Text

        line = _next_line()
        # An answer is shown as typed, never as markup or terminal codes, and on one line.
        echo = Text(prompt + printable(line.rstrip("\n"), ECHO_LIMIT), no_wrap=True, overflow="ellipsis")
        self.console.print(echo, highlight=False, no_wrap=True, overflow="ellipsis", crop=True)
        return line


MAX_LINE = 4096  # far beyond any answer (arith refuses 200 characters); the rest of a longer line is dropped
MAX_DRAIN = 64 << 20  # a "line" with no newline in 64 MiB (/dev/zero) is not an answer: it ends the input
ECHO_LIMIT = 200


def _next_line() -> str:
    """The next non-blank line of stdin, read in bounded pieces; EOFError at the end."""
    while True:
        line = sys.stdin.readline(MAX_LINE)
        if not line:
            raise EOFError
        if not line.endswith("\n") and len(line) >= MAX_LINE:
            drained = len(line)
            while not (rest := sys.stdin.readline(MAX_LINE)).endswith("\n") and rest:
                drained += len(rest)
                if drained > MAX_DRAIN:
                    raise EOFError
        if line.strip():
            return line


def run_session(
    console: Console,
    exercise: str | None,
    seed: int | None,
    difficulty: str,
    mode: str,
    rounds: int,
    progress_path: Path,
    lang: str,
) -> int:
    """Ask every step of every problem; always end with the summary and save the progress."""
    tally = q.Tally()
    reader = _Reader(console)
    started = time.monotonic()
    problems: list[str] = []
    code = 0
    count = 1 if exercise is not None else rounds
    try:
        for number in range(1, count + 1):
            qp = _problem(exercise, None if seed is None else seed + number - 1, difficulty)
            problems.append(qp.exercise_id or f"seed {qp.seed} ({qp.difficulty})")
            _ask_problem(console, reader, qp, number, count, mode, tally, lang)
    except _Stop as stop:
        code = stop.code
    except KeyboardInterrupt:
        console.print()
        code = 130
    except EOFError:
        console.print()
    seconds = time.monotonic() - started
    _summary(console, tally, seconds, lang)
    session = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "problems": problems,
        "mode": mode,
        "right": tally.right,
        "asked": tally.asked,
        "seconds": round(seconds, 1),
        "by_stage": tally.by_stage,
    }
    if tally.asked:
        try:
            note = progress.record(progress_path, session, tally.solved)
            if note:
                sys.stderr.write(t("warn_prefix", lang) + note + "\n")
        except XentError as e:
            sys.stderr.write(t("warn_prefix", lang) + message(e, lang) + "\n")
    return code


def _ask_problem(console, reader, qp, number, count, mode, tally, lang) -> None:
    from rich.text import Text

    steps = q.make_steps(qp, mode)
    console.rule(Text(t("quiz.title", lang, number=number, rounds=count), style="bold"))
    if qp.exercise_id:
        ex = get(qp.exercise_id)
        title = in_lang(ex.title, lang)
        console.print(t("quiz.source_exercise", lang, id=qp.exercise_id, title=title))
    else:
        level = t("difficulty." + qp.difficulty, lang)
        console.print(t("quiz.source_random", lang, seed=qp.seed, difficulty=qp.difficulty, level=level), style="dim")
    _show_problem(console, qp, lang)
    console.print(Text(t("quiz.instructions", lang), style="italic"))
    for step in steps:
        outcome = _ask_step(console, reader, qp, step, lang)
        tally.add(step.stage, outcome)
        if step.stage == "loss" and outcome == "right" and qp.exercise_id:
            tally.solved.append(qp.exercise_id)


def _show_problem(console, qp: q.QuizProblem, lang: str) -> None:
    from ..engine.core import explain
    from ..lesson.layout import Lesson, build
    from ..lesson.render import render_rich

    result = explain(qp.core())
    lesson = build(result, 4, lang, 12)
    first = lesson.sections[0]
    first.title = ""
    first.why = []
    if qp.options:
        opts = ", ".join(f"{k}={v}" for k, v in qp.options.items())
        first.lines = [t("quiz.options", lang, options=opts)]
    render_rich(Lesson("", "", [first], []), console, header=False)


def _ask_step(console, reader, qp: q.QuizProblem, step: q.Step, lang: str) -> str:
    from rich.text import Text

    console.print()
    console.print(Text(t(step.prompt_key, lang, **step.params), style="bold"))
    hints = [
        t("quiz.hint", lang, text=t(step.formula, lang)),
        t("quiz.hint_filled", lang, text=step.filled),
    ]
    if step.stage == "loss" and qp.exercise_id:
        hints += [t("quiz.hint", lang, text=in_lang(h, lang)) for h in get(qp.exercise_id).hints]
    used = 0
    while True:
        text = reader.read("> ").strip()
        word = text.lower()
        if not text:
            continue
        if word in QUIT_WORDS:
            raise _Stop(0)
        if word in HINT_WORDS:
            console.print(hints[used] if used < len(hints) else t("quiz.no_more_hints", lang))
            used += 1
            continue
        if word in SHOW_WORDS:
            _show_stage(console, qp, step, lang)
            continue
        if word in SKIP_WORDS:
            console.print(Text(t("quiz.skipped", lang, worked=_worked(step, lang)), style="yellow"))
            return "skipped"
        try:
            value = evaluate(text)
        except XentError as e:
            console.print(Text(message(e, lang), style="red"))
            continue
        verdict = q.check(step, value)
        if verdict.correct:
            console.print(Text("✓ " + t("quiz.right", lang, worked=_worked(step, lang)), style="green"))
            return "right"
        console.print(Text("✗ " + t("quiz.wrong", lang, worked=_worked(step, lang)), style="red"))
        if verdict.mistake:
            mistake = t("mistake." + verdict.mistake, lang)
            console.print(Text(t("quiz.mistake", lang, text=mistake), style="yellow"))
        else:
            console.print(hints[0])
        return "wrong"


SHOW_SECTIONS = {
    "exp": ("logits", "exp"),
    "row_sum": ("logits", "exp"),
    "p_true": ("softmax", "select"),
    "neg_log_p": ("select", "nll"),
    "loss": ("nll", "reduce"),
}


def _show_stage(console, qp: q.QuizProblem, step: q.Step, lang: str) -> None:
    import numpy as np

    from ..engine.core import explain
    from ..lesson.layout import Lesson, build
    from ..lesson.render import render_rich

    result = explain(qp.core())
    lesson = build(result, 4, lang, 12)
    keep = [s for s in lesson.sections if s.key in SHOW_SECTIONS[step.stage]]
    if step.stage in ("exp", "row_sum"):
        row = step.params["row"] - 1
        values = ", ".join(f"{v:.4f}" for v in np.exp(result.trace.logits[row]))
        keep[-1].lines = [t("quiz.exp_line", lang, values=values)]
    render_rich(Lesson("", "", keep, []), console, header=False)


def _summary(console, tally: q.Tally, seconds: float, lang: str) -> None:
    from rich.text import Text

    console.print()
    console.print(
        Text(
            t("quiz.summary", lang, right=tally.right, asked=tally.asked, seconds=seconds,
              skipped=tally.skipped),
            style="bold",
        )
    )  # fmt: skip
    weakest = tally.weakest()
    if weakest:
        console.print(t("quiz.weakest", lang, stage=t("stage_name." + weakest, lang)))
    elif tally.asked:
        console.print(t("quiz.all_right", lang))


def list_exercises(console: Console, path: Path, lang: str) -> None:
    """Every exercise with its id, title, what it teaches, and whether it is solved."""
    from rich.table import Table

    data, note = progress.load(path)
    if note:
        sys.stderr.write(t("warn_prefix", lang) + note + "\n")
    solved = set(data["solved"])
    table = Table(box=None, pad_edge=False)
    for key in ("ex.col.id", "ex.col.title", "ex.col.teaches", "ex.col.solved"):
        table.add_column(t(key, lang), overflow="fold", no_wrap=key == "ex.col.id")  # an id is typed whole
    lib = library()
    for e in lib.skipped:
        sys.stderr.write(t("warn_prefix", lang) + message(e, lang) + "\n")
    for ex in lib.exercises.values():
        table.add_row(
            ex.id,
            in_lang(ex.title, lang),
            in_lang(ex.teaches, lang),
            "✓" if ex.id in solved else "",
        )
    console.print(table)


def show_progress(console: Console, path: Path, lang: str) -> None:
    """History and per-stage accuracy."""
    from rich.table import Table

    data, note = progress.load(path)
    if note:
        sys.stderr.write(t("warn_prefix", lang) + note + "\n")
    console.print(t("progress.file", lang, path=str(path)), style="dim")
    if not data["sessions"]:
        console.print(t("progress.none", lang))
        return
    history = Table(box=None, pad_edge=False)
    for key in (
        "progress.col.when",
        "progress.col.problem",
        "progress.col.score",
        "progress.col.seconds",
    ):
        history.add_column(t(key, lang))
    for s in data["sessions"][-20:]:
        history.add_row(
            str(s.get("when", "")),
            ", ".join(s.get("problems", [])),
            f"{s.get('right', 0)}/{s.get('asked', 0)}",
            str(s.get("seconds", "")),
        )
    console.print(history)
    console.print()
    acc = Table(box=None, pad_edge=False)
    acc.add_column(t("progress.col.stage", lang))
    acc.add_column(t("progress.col.accuracy", lang), justify="right")
    stats = progress.stage_accuracy(data)
    for stage in q.STAGES:
        if stage in stats:
            right, asked = stats[stage]
            acc.add_row(t("stage_name." + stage, lang), f"{right}/{asked} ({100 * right / asked:.0f}%)")
    console.print(acc)


def reset_progress(console: Console, path: Path, yes: bool, lang: str) -> int:
    """Empty the history after asking (or with --yes)."""
    if not yes:
        if not sys.stdin.isatty():
            raise XentError("not_a_tty_confirm", "reset")
        from rich.prompt import Confirm

        if not Confirm.ask(t("progress.reset_confirm", lang, path=str(path)), console=console):
            console.print(t("progress.reset_kept", lang))
            return 1
    progress.reset(path)
    console.print(t("progress.reset_done", lang))
    return 0
