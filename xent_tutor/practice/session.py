"""The quiz conversation and the exercise / progress listings, written to a Rich console."""

from __future__ import annotations

import json
import re
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import signals
from ..errors import XentError
from ..lesson.text import message, printable, t, typeset_minus
from . import progress, review, takeaway
from . import quiz as q
from .arith import as_typed, evaluate
from .exercises import exercise_dir, get, library, path_order
from .exercises import text as in_lang
from .precision import fmt

if TYPE_CHECKING:
    from rich.console import Console

QUIT_WORDS = ("quit", "q", "exit", "退出")
HINT_WORDS = ("hint", "h", "提示")
HELP_WORDS = ("help", "?", "？", "帮助")
SHOW_WORDS = ("show", "s", "显示")
SKIP_WORDS = ("skip", "跳过")
OVERFLOW_AT = 709.78  # e^z overflows float64 past this
INF_WORDS = ("inf", "+inf", "infinity", "∞", "+∞")
DRILL_SKIP = 1_000_003  # a drill whose seed draws a problem without its stage tries this far on (no overlap with N+1)


class _Stop(Exception):
    """The learner ended the session (quit, Ctrl-C or end of input)."""

    def __init__(self, code: int) -> None:
        self.code = code


def _problem(exercise: str | None, seed: int | None, difficulty: str, stage: str | None = None) -> q.QuizProblem:
    if exercise is not None:
        return q.from_exercise(get(exercise))
    seed = seed if seed is not None else secrets.randbelow(10**6)
    qp = q.generate(seed, difficulty)
    while stage is not None and not q.has_stage(qp, stage):  # a drill skips soft labels for p_true and neg_log_p
        seed += DRILL_SKIP
        qp = q.generate(seed, difficulty)
    return qp


def _place(ident: str) -> tuple[int | None, int]:
    """The exercise's place on the learning path (built-ins, then the teachers' folders) and the path's length."""
    try:
        order = path_order()
    except XentError:  # the folders cannot be put together (two files with one id): no place to give
        return None, 0
    return next((n for n, ex in enumerate(order, 1) if ex.id == ident), None), len(order)


def _worked(step: q.Step, lang: str) -> str:
    return t("quiz.worked", lang, formula=step.filled, value=step.answer)


def _symbol(symbol: str, lang: str) -> str:
    """A quantity's name in a verdict: math as it is, a row's loss in words."""
    if symbol.startswith("L_"):
        return t("quiz.sym.row_loss", lang, row=symbol[2:])
    return symbol if lang == "en" else " " + symbol  # a space between Chinese and a Latin symbol


def right_from(verdict: q.Verdict, step: q.Step, lang: str) -> str:
    """The words for an answer right from the learner's own (or the shown) numbers: which, and the exact value."""
    from .precision import fmt

    src = verdict.judgement.source
    sep = t("list_sep", lang)
    numbers = sep.join(
        t("quiz.num_yours" if src.typed else "quiz.num_shown", lang, text=_symbol(symbol, lang), value=value)
        for symbol, value in src.numbers
    )
    moved = fmt(abs(src.value - step.expected), step.decimals + 1)
    out = t("quiz.right_from", lang, numbers=numbers or t("quiz.num_rounded", lang), equation=src.equation,
            value=fmt(src.value, step.decimals), exact=step.answer, moved=moved)  # fmt: skip
    if step.logged and abs(src.value - step.expected) >= step.tol / 2:
        out += (" " if lang == "en" else "") + t("quiz.right_from_log", lang)
    return out


def grade(exercise: str | None, seed: int | None, difficulty: str, answer: str, fmt: str, lang: str) -> int:
    """Check one answer for the final loss: 0 right, 1 wrong; bad arithmetic raises (exit 2)."""
    qp = _problem(exercise, seed, difficulty)
    step = q.make_steps(qp, "final")[-1]
    if answer.strip().lower() in INF_WORDS:  # every final loss here is finite: a wrong answer, said plainly
        sys.stdout.write(t("grade.wrong", lang, value="inf", expected=step.answer) + "\n")
        sys.stdout.write(t("quiz.inf", lang, value=step.answer) + "\n" + typeset_minus(_worked(step, lang)) + "\n")
        return 1
    value = evaluate(answer)
    verdict = q.check(step, value, answer)
    diagnosis = q.describe(verdict, lang, "grade")
    if fmt == "json":
        out = {
            "exercise": qp.exercise_id,
            "seed": qp.seed,
            "answer": answer,
            "value": value,
            "expected": step.expected,
            "expected_rounded": round(step.expected, 4),
            "correct": verdict.correct,
            "diagnosis": verdict.kind,
            "numbers": verdict.params,
            "message": diagnosis,
        }
        from ..lesson.render import utf8

        sys.stdout.write(json.dumps(out, ensure_ascii=not utf8(sys.stdout)) + "\n")
    else:
        key = "grade.right" if verdict.correct else "grade.wrong"
        shown = q.shown(value, answer)  # the learner's number as typed, the same in every line
        line = t(key, lang, value=shown, expected=step.answer)
        sys.stdout.write(typeset_minus(line) + "\n")
        if not verdict.correct:
            said = diagnosis or t("quiz.unknown", lang, value=shown, formula=t(step.formula, lang))
            sys.stdout.write(typeset_minus(said) + "\n" + typeset_minus(_worked(step, lang)) + "\n")
    return 0 if verdict.correct else 1


class _Reader:
    """Answers from the terminal, or one per line from a pipe (blank lines skipped, long lines cut)."""

    def __init__(self, console: Console, before_read: Callable[[], None] | None = None) -> None:
        self.console = console
        self.tty = sys.stdin.isatty()
        self.before_read = before_read
        self.pending: str | None = None  # a piped line looked at but not yet answered

    def _saved(self) -> None:
        if self.before_read is not None:  # what was answered so far is saved before xent waits for more
            self.before_read()

    def peek(self) -> str:
        """The next piped line without using it up (EOFError at the end)."""
        if self.pending is None:
            self._saved()
            self.pending = _next_line()
        return self.pending

    def read(self, prompt: str) -> str:
        self._saved()
        if self.tty and self.pending is not None:  # typed at the prediction: already on the screen
            line, self.pending = self.pending, None
            return line
        if self.tty:
            return self.console.input(prompt)
        from rich.text import Text

        line, self.pending = (self.pending, None) if self.pending is not None else (_next_line(), None)
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


MAX_ROUNDS = 100  # --rounds: a session longer than this is many sessions (each is saved as it goes)


@dataclass
class Plan:
    """What a session asks: a path exercise, a chosen exercise, random problems, or one stage drilled."""

    exercise: str | None = None
    seed: int | None = None
    difficulty: str = "easy"
    mode: str = "steps"
    rounds: int = 1
    stage: str | None = None  # drill this stage only
    on_path: bool = False  # the exercise was chosen as the first unsolved one of the path
    path: list[str] = field(default_factory=list)  # with --rounds N on the path: the next N unsolved ones
    review: bool = False  # --review
    stages: list[str] = field(default_factory=list)  # --review: the stage each round drills
    nothing: str = ""  # --review with nothing due: the catalogue key that says why
    due: list[review.Due] = field(default_factory=list)  # --review: the stages due and why


def choose(exercise: str | None, seed: int | None, difficulty: str | None, random: bool, stage: str | None,
           rounds: int | None, mode: str, progress_path: Path, review_due: bool = False,
           ) -> tuple[Plan, str | None]:  # fmt: skip
    """The session's plan from the options; with none, the first unsolved exercise(s) of the path.

    With `review_due`, the stages due for review, each round a fresh random problem.
    """
    chosen_rounds = rounds if rounds is not None else (5 if stage or review_due else 1)
    plan = Plan(exercise, seed, difficulty or "easy", mode, chosen_rounds, stage)
    if review_due:
        data, _ = progress.read(progress_path)  # a damaged file: the quiz says so (and moves it aside)
        plan.review = True
        plan.due = review.due(data, q.STAGES)
        plan.stages = review.schedule(plan.due, chosen_rounds)
        if not plan.stages:
            plan.nothing = "quiz.review_none" if progress.stage_log(data) else "quiz.review_empty"
        return plan, None
    if exercise is not None or random or stage or seed is not None or difficulty is not None:
        return plan, None
    data, _ = progress.read(progress_path)  # a damaged file: the quiz says so as it moves it aside
    solved = set(data["solved"])
    todo = [ex for ex in path_order() if ex.id not in solved]
    if todo:
        plan.exercise, plan.on_path = todo[0].id, True
        plan.path = [ex.id for ex in todo[:chosen_rounds]]
        return plan, None
    return plan, "path_done"


def run_session(console: Console, plan: Plan, progress_path: Path, lang: str) -> int:
    """Ask every step of every problem, saving the progress after every answer; end with the summary."""
    if plan.review and not plan.stages:
        _warn(progress.read(progress_path)[1], lang, [])  # nothing to ask: a damaged file is only reported
        console.print(t(plan.nothing, lang, settled=review.SETTLED))
        return 0
    recorder = progress.Recorder(progress_path)
    # Before any question: another program's file (or a newer xent's) is refused, a damaged one moved aside.
    warned: list[str] = []
    _warn(recorder.open(), lang, warned)
    tally = q.Tally()
    started = time.monotonic()
    when = time.strftime("%Y-%m-%dT%H:%M:%S")
    problems: list[str] = []

    def save(final: bool = False) -> None:
        if not tally.answers:  # a session in which nothing was answered is not history
            return
        session = {
            "when": when,
            "problems": problems,
            "mode": "review" if plan.review else plan.mode if plan.stage is None else "stage:" + plan.stage,
            "planned": tally.planned,
            "done": tally.done,
            "finished": tally.finished,
            "seconds": round(time.monotonic() - started, 1),
            "by_stage": tally.by_stage,
            "mistakes": tally.mistakes,
            "answers": tally.answers,
            "firsts": {stage: "".join(map(str, marks)) for stage, marks in tally.firsts.items()},
            "exercises": tally.exercises,
        }
        try:
            _warn(recorder.save(session, tally.solved, tally.attempted, final=final), lang, warned)
        except XentError as e:  # the quiz goes on; the next answer tries again
            _warn(e, lang, warned)

    reader = _Reader(console, save)
    code = 0
    ids = plan.path or ([plan.exercise] if plan.exercise is not None else [None] * min(plan.rounds, MAX_ROUNDS))
    count = len(ids)
    # The problems are drawn now (cheap) and counted; their questions are built only when each is reached.
    stages = [plan.stages[i] if plan.stages else plan.stage for i in range(len(ids))]
    work = [_problem(exercise, None if plan.seed is None else plan.seed + number - 1, plan.difficulty, stage)
            for number, (exercise, stage) in enumerate(zip(ids, stages, strict=True), 1)]  # fmt: skip
    tally.planned = sum(1 if stage else q.step_count(qp, plan.mode) for qp, stage in zip(work, stages, strict=True))
    stopped = None
    try:
        if plan.stages:
            _review_title(console, plan, lang)
        elif plan.stage:
            console.print(t("quiz.drill_title", lang, stage=t("stage_name." + plan.stage, lang), rounds=count))
        for number, (qp, stage) in enumerate(zip(work, stages, strict=True), 1):
            steps = q.make_steps(qp, plan.mode) if stage is None else [q.drill_step(qp, stage)]
            round_plan = replace(plan, stage=stage)
            problems.append(qp.exercise_id or f"seed {qp.seed} ({qp.difficulty})")
            _ask_problem(console, reader, qp, steps, number, count, round_plan, tally, lang)
    except _Stop as stop:
        code = stop.code
    except KeyboardInterrupt as stop:  # Ctrl-C; SIGTERM or SIGHUP (signals.Terminated)
        stopped = stop
        code = getattr(stop, "code", 130)
    except EOFError:
        stopped = EOFError()
    save(final=True)  # first: a summary that cannot be shown (a closed terminal) must not cost the answers
    if isinstance(stopped, signals.Terminated):
        return code  # terminated or hung up: saved, and nothing more to say
    if stopped is not None:
        console.print()
    _summary(console, tally, time.monotonic() - started, plan, progress_path, lang)
    return code


def _review_title(console, plan: Plan, lang: str) -> None:
    """What the review asks and why: each due stage's first-try record and how recently it was missed."""
    console.print(t("quiz.review_title", lang, rounds=len(plan.stages)))
    for d in plan.due:
        ago = t("quiz.review_ago_last", lang) if d.since_miss == 0 else t("quiz.review_ago", lang, n=d.since_miss + 1)
        console.print(t("quiz.review_stage", lang, stage=t("stage_name." + d.stage, lang), first=d.first,
                        attempts=d.attempts, ago=ago, rounds=plan.stages.count(d.stage)), style="dim")  # fmt: skip


def _warn(note: XentError | None, lang: str, warned: list[str]) -> None:
    """A warning on stderr, once per session for the same words."""
    if note is None:
        return
    text = t("warn_prefix", lang) + message(note, lang) + "\n"
    if text not in warned:
        warned.append(text)
        sys.stderr.write(text)


def _ask_problem(console, reader, qp, steps, number, count, plan, tally, lang) -> None:
    from rich.text import Text

    console.rule(Text(t("quiz.title", lang, number=number, rounds=count), style="bold"))
    if qp.exercise_id:
        ex = get(qp.exercise_id)
        title = in_lang(ex.title, lang)
        console.print(t("quiz.source_exercise", lang, id=qp.exercise_id, title=title))
        place, total = _place(ex.id)
        if place is not None:
            console.print(t("quiz.path_position", lang, order=place, total=total), style="dim")
    else:
        level = t("difficulty." + qp.difficulty, lang)
        again = f"--seed {qp.seed} --difficulty {qp.difficulty}"
        if plan.stage:  # a drill problem is repeated as the same drill
            again += f" --stage {q.STAGE_FLAGS[plan.stage]} --rounds 1"
        console.print(t("quiz.source_random", lang, seed=qp.seed, level=level, again=again), style="dim")
    show_problem(console, qp, lang)
    console.print(Text(t("quiz.instructions", lang), style="italic"))
    known: dict = {}  # the learner's right answers, carried into the later steps of this problem
    results = []
    closing = _lesson(qp, lang) if qp.exercise_id and plan.stage is None else None
    said = None
    for step in steps:
        if closing is not None and closing.question and step is steps[-1]:
            said = _predict(console, reader, closing.question, lang)
        result = q.StepResult(step.stage, "revealed")
        try:
            _ask_step(console, reader, qp, step, lang, known, result)
        finally:  # an answer counts even when the learner stops before the step is done
            if result.answered:
                tally.answers += 1
                if qp.exercise_id and qp.exercise_id not in tally.attempted:
                    tally.attempted.append(qp.exercise_id)
        tally.add(result)
        results.append(result)
    if closing is not None:
        _confirm(console, closing, said, lang)
    if qp.exercise_id and plan.stage is None:  # a drill of one stage does not solve an exercise
        _exercise_verdict(console, qp.exercise_id, results, tally, lang)


def _lesson(qp: q.QuizProblem, lang: str) -> takeaway.Lesson | None:
    ex = get(qp.exercise_id)
    return takeaway.lesson(ex.predict, ex.takeaway, qp.core(), lang)


def _predict(console, reader, question: str, lang: str) -> str | None:
    """Ask the predict-first question; the learner's choice (above, below, equal), or None when skipped."""
    from rich.text import Text

    console.print()
    console.print(Text(t("quiz.predict_ask", lang, question=question), style="bold"))
    while True:
        if not reader.tty and takeaway.choice(reader.peek()) is None:
            return None  # a script may answer the steps only: a line that is no prediction is left for the step
        text = reader.read("> ").strip()
        if not text:
            continue
        if text.lower() in QUIT_WORDS:
            raise _Stop(0)
        if text.lower() in SKIP_WORDS:
            return None
        choice = takeaway.choice(text)
        if choice is None:  # an answer, hint, help or show for the final step: no prediction
            console.print(Text(t("quiz.predict_passed", lang), style="dim"))
            reader.pending = text
            return None
        console.print(t("quiz.predict_noted", lang, choice=t("quiz.choice." + choice, lang)))
        return choice


def _confirm(console, closing: takeaway.Lesson, said: str | None, lang: str) -> None:
    """The numbers confirm (or refute) the prediction; then the takeaway, with this exercise's numbers."""
    from rich.text import Text

    console.print()
    if closing.question:
        relation = t("quiz.relation." + closing.truth, lang)
        numbers = {"loss": closing.loss, "relation": relation, "ref": closing.ref}
        if said is None:
            console.print(t("quiz.predict_none", lang, **numbers))
        elif said == closing.truth:
            console.print(Text(t("quiz.predict_right", lang, **numbers), style="green"))
        else:
            console.print(Text(t("quiz.predict_wrong", lang, said=t("quiz.choice." + said, lang), **numbers),
                               style="yellow"))  # fmt: skip
    if closing.takeaway:
        console.print(Text(t("quiz.takeaway", lang, text=closing.takeaway), style="bold"))


def _exercise_verdict(console, exercise_id: str, results: list[q.StepResult], tally: q.Tally, lang: str) -> None:
    """Solved only when every step was right by the learner's own answer; say how many needed retries."""
    from rich.text import Text

    solved = tally.finish_exercise(exercise_id, results)
    done = tally.exercises[exercise_id]
    console.print()
    if not solved:
        n = done["revealed"] + done["skipped"]
        key = "quiz.not_solved_one" if done["steps"] == 1 else "quiz.not_solved"
        console.print(Text(t(key, lang, id=exercise_id, n=n, steps=done["steps"]), style="yellow"))
    elif done["wrong_tries"]:
        console.print(Text(t("quiz.solved_retry", lang, id=exercise_id, first=done["right_first"],
                             steps=done["steps"], tries=done["wrong_tries"]), style="green"))  # fmt: skip
    else:
        console.print(Text(t("quiz.solved_first", lang, id=exercise_id), style="green"))


def show_problem(console, qp: q.QuizProblem, lang: str) -> None:
    """The problem as a table: every row's logits and its label, or its target t for soft and smoothed rows."""
    from rich.table import Table

    problem, _, rows = q.rows_of(qp)
    c = problem.num_classes
    spread = not q.is_plain(problem)
    table = Table(box=None, pad_edge=False)
    table.add_column(t("quiz.col.row", lang), justify="right")
    for j in range(c):
        table.add_column(f"z_{j}", justify="right")
    if problem.soft:
        pass
    else:
        table.add_column(t("quiz.col.label", lang), justify="right")
    if spread:
        for j in range(c):
            table.add_column(f"t_{j}", justify="right")
    ii = problem.options.ignore_index
    for r in rows:
        cells = [str(r.index + 1)] + [q._n(float(v)) for v in r.z]
        if not problem.soft:
            label = int(problem.target[r.index])
            cells.append(str(label) if label != ii else t("quiz.ignored", lang, value=label))
        if spread:
            cells += [q.n4(float(v)) if r.label is not None or problem.soft else "" for v in r.t]
        table.add_row(*cells)
    console.print(table)
    if qp.options:
        opts = ", ".join(f"{k}={v}" for k, v in qp.options.items())
        console.print(t("quiz.options", lang, options=opts))
    if spread:
        console.print(t("quiz.target_line" if problem.soft else "quiz.target_line_smooth", lang,
                        eps=q._n(problem.options.label_smoothing), c=c), style="dim")  # fmt: skip


def in_words(params: dict, lang: str) -> dict:
    """Row numbers and per-row values in the learner's language ("row 2", 第 2 行), never a list."""
    out = dict(params)
    sep = t("list_sep", lang)
    if "ignored_rows" in out:
        rows = out.pop("ignored_rows")
        out["ignored"] = t("quiz.rows" if len(rows) == 1 else "quiz.rows_many", lang, rows=sep.join(map(str, rows)))
    for rows_key, key in (("given_rows", "given"), ("value_rows", "values")):
        if rows_key in out:
            out[key] = sep.join(
                t("quiz.row_value" if w is None else "quiz.row_value_w", lang, row=row, value=value, w=w)
                for row, value, w in out.pop(rows_key)
            )
    return out


def _question(step: q.Step, lang: str) -> str:
    params = in_words(step.params, lang)
    parts = [t(step.prompt_key, lang, **params)]
    parts += [t(key, lang, **params) for key in step.notes]
    return " ".join(parts) if lang == "en" else "".join(parts)


def unknown(step: q.Step, value: str, lang: str) -> str:
    """A number no known slip gives: what it is not (the slips checked), the formula, and the next hint."""
    kinds = list(dict.fromkeys(m.kind for m in step.mistakes if m.kind != "two_slips"))[:6]
    if not kinds:
        return t("quiz.unknown", lang, value=value, formula=t(step.formula, lang))
    names = t("list_sep", lang).join(t("kind." + k, lang) for k in kinds)
    return t("quiz.unknown_not", lang, value=value, kinds=names, formula=t(step.formula, lang))


def idea(step: q.Step) -> str:
    """Which idea the first hint gives: the stage, its shifted form, or a spread target's loss."""
    if step.prompt_key.startswith("quiz.prompt.sample"):
        return "sample"
    if "_shifted" in step.prompt_key:
        return step.stage + "_shifted"
    return step.stage


def _ask_step(console, reader, qp: q.QuizProblem, step: q.Step, lang: str, known: dict | None = None,
              result: q.StepResult | None = None) -> q.StepResult:  # fmt: skip
    """Ask until right, three wrong tries, skip or quit; a wrong try gets the diagnosis and another prompt."""
    from rich.text import Text

    console.print()
    console.print(Text(_question(step, lang), style="bold"))
    hints = [  # the idea, the formula in symbols, the formula with this problem's numbers; never the value
        t("quiz.hint_idea", lang, text=t("hint.idea." + idea(step), lang)),
        t("quiz.hint", lang, text=t(step.formula, lang)),
        t("quiz.hint_filled", lang, text=step.hint_filled),
    ]
    if step.stage == "loss" and qp.exercise_id:
        hints += [t("quiz.hint", lang, text=in_lang(h, lang)) for h in get(qp.exercise_id).hints]
    used = 0
    shown = False
    result = result if result is not None else q.StepResult(step.stage, "revealed")
    while True:
        text = reader.read("> ").strip()
        word = text.lower()
        if not text:
            continue
        if word in QUIT_WORDS:
            raise _Stop(0)
        if word in HELP_WORDS:
            console.print(t("quiz.help", lang))
            continue
        if word in HINT_WORDS:
            console.print(hints[used] if used < len(hints) else t("quiz.no_more_hints", lang))
            used += 1
            result.hinted = True
            continue
        if word in SHOW_WORDS:
            for key, params in step.show:
                console.print(t(key, lang, **in_words(params, lang)), highlight=False)
            console.print(Text(t("quiz.shown", lang), style="dim"))
            shown = True
            continue
        if word in SKIP_WORDS:
            console.print(Text(t("quiz.skipped", lang, worked=_worked(step, lang)), style="yellow"))
            result.outcome = "revealed" if shown else "skipped"
            return result
        overflow = word in INF_WORDS
        if not overflow:
            try:
                value = evaluate(text)
            except XentError as e:
                overflow = e.params.get("reason_key") == "arith.too_large"  # e^999: the overflow itself
                if not (overflow and step.prompt_key.startswith("quiz.prompt.exp_shifted")):
                    console.print(Text(message(e, lang), style="red"))
                    continue
        if overflow:
            result.answered = True
            if not step.prompt_key.startswith("quiz.prompt.exp_shifted"):
                console.print(Text(t("quiz.inf", lang, value=t("quiz.inf_finite", lang)), style="red"))
                continue
            # e^z of a large logit overflows: the very reason for the shift, and a wrong try at this step
            z = step.params["z"] if float(step.params["z"]) > OVERFLOW_AT else step.params["max"]
            said = t("quiz.inf_shifted", lang, max=step.params["max"], z=z)
            if _wrong_try(console, result, step, "unshifted_exp", said, lang):
                return result
            continue
        result.answered = True
        verdict = q.check(step, value, text, known)
        if verdict.correct:
            if verdict.kind == "from_yours":
                said = right_from(verdict, step, lang)
            else:
                said = t("quiz.right", lang, worked=_worked(step, lang))
            console.print(Text("✓ " + said, style="green"))
            result.outcome = "revealed" if shown else "right_retry" if result.wrong_tries else "right_first"
            if known is not None and step.key:
                written = text if q.decimals(text) is not None else fmt(value, step.decimals)
                known[step.key] = (float(as_typed(written)), as_typed(written))
            return result
        said = q.describe(verdict, lang)
        if said is None:
            said = unknown(step, q.shown(value, text), lang)
            used = max(used, 2)  # the general formula is on screen now: the next hint writes the numbers in
        if _wrong_try(console, result, step, verdict.kind or "unknown", said, lang):
            return result


def _wrong_try(console, result, step: q.Step, kind: str, said: str, lang: str) -> bool:
    """Count one wrong try and say why; True when it was the last try and the value is now revealed."""
    from rich.text import Text

    result.wrong_tries += 1
    result.wrong_first = result.wrong_first or result.wrong_tries == 1
    result.mistakes.append(kind)
    console.print(Text("✗ " + t("quiz.not_yet", lang, text=said), style="red"))
    if result.wrong_tries >= q.MAX_TRIES:
        console.print(Text(t("quiz.revealed", lang, worked=_worked(step, lang)), style="yellow"))
        result.outcome = "revealed"
        return True
    console.print(t("quiz.try_again", lang, tries=result.wrong_tries, max=q.MAX_TRIES))
    return False


def _summary(console, tally: q.Tally, seconds: float, plan: Plan, path: Path, lang: str) -> None:
    from rich.text import Text

    counts = {k: tally.total(k) for k in (*q.OUTCOMES, "hinted")}
    console.print()
    console.print(Text(t("quiz.summary", lang, done=tally.done, planned=tally.planned, seconds=seconds, **counts),
                       style="bold"))  # fmt: skip
    if not tally.finished:
        console.print(t("quiz.unfinished", lang, done=tally.done, planned=tally.planned))
    if tally.mistakes:
        ranked = sorted(tally.mistakes.items(), key=lambda kv: -kv[1])
        kinds = t("list.sep", lang).join(t("kind.tally", lang, kind=t("kind." + k, lang), n=n) for k, n in ranked)
        console.print(t("quiz.mistake_counts", lang, kinds=kinds))
    weakest = tally.weakest()
    if weakest:
        n = tally.by_stage[weakest]["wrong_tries"]
        console.print(t("quiz.weakest", lang, stage=t("stage_name." + weakest, lang), n=n))
    drill = tally.drill()
    if drill:
        console.print(t("quiz.drill", lang, name=q.STAGE_FLAGS[drill]))
    elif tally.finished and tally.done and counts["right_first"] == tally.done:
        console.print(t("quiz.all_right", lang))
    path_session = plan.stage is None and not plan.stages
    if path_session and (plan.on_path or plan.exercise is None or plan.exercise in tally.solved):
        _next_on_path(console, path, tally.solved, lang)


def _next_on_path(console, path: Path, just_solved: list[str], lang: str) -> None:
    try:
        data, _ = progress.read(path)  # only read: this session's save already dealt with a damaged file
        solved = set(data["solved"])
    except XentError:
        solved = set()
    solved |= set(just_solved)
    todo = [ex for ex in path_order() if ex.id not in solved]
    if not todo:
        console.print(t("quiz.path_done", lang))
        return
    ex = todo[0]
    console.print(t("quiz.next", lang, order=ex.order, id=ex.id, title=in_lang(ex.title, lang)))


def exercise_status(data: dict) -> dict[str, str]:
    """Each exercise id: 'solved', 'attempted' or 'not_started'."""
    solved, tried = set(data["solved"]), set(data.get("attempted", []))
    return {i: "solved" if i in solved else "attempted" if i in tried else "not_started" for i in library().exercises}


def list_exercises(console: Console, path: Path, lang: str) -> None:
    """The learning path first, then any other exercise: order, id, title, level, what it teaches, status."""
    from rich.table import Table
    from rich.text import Text

    data, note = progress.read(path)
    _warn(note, lang, [])
    status = exercise_status(data)
    results = progress.exercise_results(data)
    table = Table(box=None, pad_edge=False)
    narrow = console.width < 100  # what it teaches goes under the title: no column too narrow for a word
    keys = ("ex.col.order", "ex.col.id", "ex.col.title", "ex.col.difficulty", "ex.col.teaches", "ex.col.status")
    for key in keys:
        if not (narrow and key == "ex.col.teaches"):
            table.add_column(t(key, lang), overflow="fold", no_wrap=key == "ex.col.id")  # an id is typed whole
    lib = library()
    for e in lib.skipped:
        sys.stderr.write(t("warn_prefix", lang) + message(e, lang) + "\n")
    builtin = exercise_dir().resolve()
    for ex in lib.exercises.values():
        title, teaches = _plain(in_lang(ex.title, lang)), _plain(in_lang(ex.teaches, lang))
        cells = [
            str(ex.order) if ex.order is not None else "",
            _id_cell(ex, builtin),
            Text.assemble(title, "\n", _plain(teaches.plain, "dim")) if narrow else title,
            t("difficulty." + ex.difficulty, lang) if ex.difficulty else "",
            *([] if narrow else [teaches]),
            _status_cell(status[ex.id], results.get(ex.id), lang),
        ]
        table.add_row(*cells)
    console.print(table)
    _mastery_lines(console, data, lang)
    todo = [ex for ex in path_order() if status[ex.id] != "solved"]
    if todo:
        ex = todo[0]
        console.print(t("quiz.next", lang, order=ex.order, id=ex.id, title=in_lang(ex.title, lang)))
    else:
        console.print(t("quiz.path_done", lang))


def _status_cell(status: str, result: dict[str, int] | None, lang: str) -> str:
    """Solved, with how (first try or after how many wrong tries) when the history kept it."""
    if status != "solved" or result is None:
        return t("ex.status." + status, lang)
    n = int(result.get("wrong_tries", 0))
    if not n:
        return t("ex.status.solved_first", lang)
    return t("ex.status.solved_retry_one" if n == 1 else "ex.status.solved_retry", lang, n=n)


def _mastery_lines(console, data: dict, lang: str) -> None:
    """Per stage, right first try over the last attempts; the stages due for review and how to drill them."""
    marks = progress.mastery(data)
    if not marks:
        return
    sep = t("list_sep", lang)
    items = [t("ex.mastery_item", lang, stage=t("stage_name." + s, lang), first=marks[s][0], attempts=marks[s][1])
             for s in q.STAGES if s in marks]  # fmt: skip
    console.print(t("ex.mastery", lang, n=progress.MASTERY_WINDOW, stages=sep.join(items)))
    due = review.due(data, q.STAGES)
    if due:
        console.print(t("ex.review_due", lang, stages=sep.join(t("stage_name." + d.stage, lang) for d in due)))


def _id_cell(ex, builtin: Path) -> Any:
    """The id; under it, dim, the folder a teacher's exercise comes from (built-in ones have none)."""
    cell = _plain(ex.id)
    folder = Path(ex.path).parent
    if ex.path and folder.resolve() != builtin:
        cell.append("\n")
        cell.append_text(_plain(printable(folder.name or str(folder), limit=14) + "/", style="dim"))
    return cell


def _plain(text: str, style: str = "") -> Any:
    """Text from a file shown as it is: never Rich markup, never terminal codes."""
    from rich.text import Text

    return Text(printable(text), style=style)


def show_progress(console: Console, path: Path, lang: str) -> None:
    """History, then per stage and per mistake kind: right first try, after retries, revealed, skipped, hinted."""
    from rich.cells import cell_len
    from rich.table import Table

    data, note = progress.read(path)
    _warn(note, lang, [])
    console.print(_plain(t("progress.file", lang, path=printable(str(path))), "dim"))
    if not data["sessions"]:
        console.print(t("progress.none", lang))
        return
    cols = ("first", "retry", "revealed", "skipped", "hinted")
    keys = ("right_first", "right_retry", "revealed", "skipped", "hinted")
    narrow = console.width < 80  # every column stays: headers fold, the date wraps, one space between columns
    history = Table(box=None, pad_edge=False, padding=(0, 1, 0, 0) if narrow else (0, 1))
    history.add_column(t("progress.col.when", lang), no_wrap=not narrow, min_width=10 if narrow else None)
    shown = data["sessions"][-20:]
    headers = [t("progress.col." + c, lang) for c in cols]
    # in a narrow terminal a wide-character count header folds (首次/答对) so that an exercise id is never cut
    longest = max((len(str(p)) for s in shown for p in s.get("problems", [])), default=10)
    caps: list[int | None] = [None] * len(headers)
    room = console.width - 11 - sum(cell_len(h) + 1 for h in headers)
    if narrow and longest > room:
        caps = [4 if cell_len(h) > len(h) else None for h in headers]
        room = console.width - 11 - sum((cap or cell_len(h)) + 1 for h, cap in zip(headers, caps))
    min_width = max(10, min(longest, room)) if narrow else 16
    history.add_column(t("progress.col.problem", lang), overflow="fold", min_width=min_width)
    for header, cap in zip(headers, caps):
        history.add_column(header, justify="right", overflow="fold", max_width=cap)
    for s in shown:
        when = _plain(str(s.get("when", ""))[:16].replace("T", " "))
        problems = t("list_sep", lang).join(_problem_name(str(p), lang) for p in s.get("problems", []))
        if s.get("format") == 1:
            score = t("progress.v1", lang, right=s.get("right", 0), asked=s.get("asked", 0))
            history.add_row(when, _plain(f"{problems} {score}"), "", "", "", "", "")
            continue
        totals = {k: sum(int(c.get(k, 0)) for c in (s.get("by_stage") or {}).values()) for k in keys}
        name = _plain(problems)
        if not s.get("finished"):  # the mark goes on a line of its own rather than be cut or leave "（" at a line's end
            mark = t("progress.unfinished_mark", lang)
            name.append("\n" + mark.lstrip() if cell_len(problems + mark) > min_width else mark)
        history.add_row(when, name, *(str(totals[k]) for k in keys))
    console.print(history)
    console.print()
    acc = Table(box=None, pad_edge=False, padding=(0, 1, 0, 0))  # one space: a stage's name stays on one line
    acc.add_column(t("progress.col.stage", lang), overflow="fold")
    for c in cols:  # a header is never cut inside a word: the stage names fold instead
        header = t("progress.col." + c, lang)
        acc.add_column(header, justify="right", overflow="fold", min_width=cell_len(header))
    wrong = t("progress.col.wrong", lang)  # a two-word header goes on two lines, so the table fits 80 columns
    fold = max(map(len, wrong.split())) if " " in wrong else None
    acc.add_column(wrong, justify="right", overflow="fold", max_width=fold)
    mastery = t("progress.col.mastery", lang)
    acc.add_column(mastery, justify="right", overflow="fold", min_width=cell_len(mastery))
    marks = progress.mastery(data)
    stats = progress.stage_totals(data)
    old = any("format1_not_right" in c for c in stats.values())
    if old:
        acc.add_column(t("progress.col.format1", lang), justify="right")
    for stage in q.STAGES:
        if stage in stats:
            c = stats[stage]
            cells = [str(c.get(k, 0)) for k in (*keys, "wrong_tries")]
            first, attempts = marks.get(stage, (0, 0))
            cells.append(f"{first}/{attempts}" if attempts else "")
            if old:
                cells.append(str(c.get("format1_not_right", 0)))
            acc.add_row(t("stage_name." + stage, lang), *cells)
    console.print(acc)
    console.print(t("progress.mastery_note", lang, n=progress.MASTERY_WINDOW), style="dim")
    due = review.due(data, q.STAGES)
    if due:
        sep = t("list_sep", lang)
        console.print(t("ex.review_due", lang, stages=sep.join(t("stage_name." + d.stage, lang) for d in due)))
    kinds = progress.mistake_totals(data)
    if kinds:
        console.print()
        table = Table(box=None, pad_edge=False)
        table.add_column(t("progress.col.kind", lang))
        table.add_column(t("progress.col.count", lang), justify="right")
        for kind, n in sorted(kinds.items(), key=lambda kv: -kv[1]):
            table.add_row(
                t("kind." + kind, lang) if kind in q.MISTAKE_KINDS or kind == "unknown" else _plain(kind), str(n)
            )
        console.print(table)


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


def _problem_name(stored: str, lang: str) -> str:
    """An exercise id as it is; a random problem ('seed 3 (easy)' in the file) in the learner's words."""
    m = re.fullmatch(r"seed (-?\d+) \((easy|medium|hard)\)", stored)
    return t("progress.seed", lang, seed=m.group(1), level=t("difficulty." + m.group(2), lang)) if m else stored
