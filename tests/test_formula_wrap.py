"""Formulas never break in the wrong place, in English and Chinese, at every width a learner uses.

A formula may break only after = or before a top-level + − ·; never inside its brackets, never between ln,
exp, Σ or e^ and its argument; a number keeps its measure word. The checks below read the lines as a
typesetter would, independently of xent_tutor.lesson.wrap."""

from __future__ import annotations

import itertools
import re

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from xent_tutor.cli import app
from xent_tutor.lesson import wrap
from xent_tutor.lesson.wrap import divide

WIDTHS = (40, 60, 80, 110)
HAN = re.compile(r"[\u3400-\u9fff]")
NUMBER = re.compile(r"[−+-]?\d[\d.,]*%?$")
MATH_WORDS = {"ln", "log", "log2", "log10", "exp", "sqrt", "max", "min", "sigmoid", "softmax", "inf", "nan", "NaN"}


def _is_math(token: str) -> bool:
    token = token.strip("，。；：、,.;:")
    words = [w for w in re.findall(r"[A-Za-z]{3,}", token) if w not in MATH_WORDS]
    return bool(token) and not words and not HAN.search(token)


def _tokens(text: str) -> list[str]:
    return [tok for tok in re.split(r"[\s\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+", text) if tok]


def formula_around(prev: str, rest: str) -> str:
    """The formula a break falls in: the formula tokens on both sides of it."""
    left, right = _tokens(prev), _tokens(rest)
    out = []
    while left and _is_math(left[-1]) and prev.rstrip().endswith(left[-1]):
        out.insert(0, left.pop())
        prev = prev.rstrip()[: -len(out[0])]
    n = len(out)
    for tok in right:
        if not _is_math(tok):
            break
        out.append(tok)
    return " ".join(out) if n and len(out) > n else ""


def _open_bracket(prev: str, rest: str) -> bool:
    """A formula's bracket left open at the end of a line (prose brackets in English may break)."""
    quoted = r"(?<![A-Za-z0-9])'[^'\n]*'(?![A-Za-z0-9])|`[^`\n]*`"  # not an apostrophe (class's)
    text = re.sub(quoted, "", prev + rest)
    end = len(re.sub(quoted, "", prev))
    stack: list[int] = []
    pairs = []
    for i, ch in enumerate(text):
        if ch in "([":
            stack.append(i)
        elif ch in ")]" and stack:
            pairs.append((stack.pop(), i))
    pairs += [(i, len(text)) for i in stack]
    for a, b in pairs:
        if a < end <= b:
            body = text[a + 1 : b]
            words = [w for w in re.findall(r"[A-Za-z]{3,}", body) if w not in MATH_WORDS]
            if not words and not HAN.search(body):
                return True
    return False


def bad_break(prev: str, rest: str, width: int = 10**6) -> str | None:
    """Why a line may not end with `prev` when `rest` follows, or None. Inside a formula wider than the
    line a break may go inside brackets or before / (there is nowhere else); the other rules always hold."""
    prev, rest = prev.rstrip(), rest.lstrip()
    if not prev or not rest:
        return None
    last, first = prev.split()[-1], rest.split()[0]
    last = re.split(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]", last)[-1] or last[-1]  # 答案，0 ends in 0
    chinese = bool(HAN.search(prev + rest))
    if re.fullmatch(r"[−-]?(ln|log|log2|log10|exp|sqrt|Σ(_\w+)?)|.*e\^", last):
        return "between a function and its argument"
    if last[-1] in "+−·×/" or (last == "-" and not chinese):
        return "after an operator (a formula breaks before + − ·)"
    if first[0] == "=":
        return "before = (a formula breaks after =)"
    unit = re.match(r"(samples?|class(es)?|rows?|steps?|tries|try|decimals|terms?|times|logits?|s)\b", first)
    if NUMBER.match(last) and (HAN.match(first) or (not chinese and unit)):
        return "between a number and its measure word or unit"
    if HAN.match(prev[-1]) and re.match(r"[−+-]?\d", rest):
        return "between a word and its number (第 1, 种子 3)"
    wide = cell_len(formula_around(prev, rest)) > width - 2
    if _open_bracket(prev, rest) and not wide:
        return "inside a formula's brackets"
    if first[0] == "/" and not wide:
        return "before / (a formula breaks after =)"
    return None


def _lines(text: str, width: int) -> list[str]:
    cuts = [0, *divide(text, width), len(text)]
    return [text[a:b] for a, b in itertools.pairwise(cuts)]


def test_the_checker_sees_the_breaks_the_issue_reported() -> None:
    assert bad_break("(0.7030", "+ 0.6860) / 2 = 0.6945", 40) and not bad_break("(0.7030", "+ 0.6860) / 2", 10)
    reported = [("先算 e^(z −", "max)"), ("损失是 −ln", "p_y)"), ("第 1", "行"),
                ("用了提示", "1。"), ("（种子", "3）"), ("答对，0", "步跳过"), ("the loss is −ln", "p."), ("divide by 2", "samples")]  # fmt: skip
    assert all(bad_break(a, b) for a, b in reported)
    good = [("ln p_0 = −0.0196 − ln 1.9806 =", "−0.7030"), ("p = e^z / Σ e^z", "+ 1"), ("每一步的大小都一样。", "第 2 行"),
            ("(the log-sum-exp", "trick)"), ("(inf", "above about e^709)")]  # fmt: skip
    assert [bad_break(a, b) for a, b in good] == [None] * len(good)


def _paragraphs(tmp_path) -> dict[str, set[str]]:
    """Every paragraph xent lays out while teaching and quizzing every exercise, in both languages."""
    from xent_tutor.practice.exercises import library

    seen: dict[str, set[str]] = {"en": set(), "zh": set()}
    original = wrap.Prose.wrap
    lang = ["en"]

    def record(self, console, width, **kwargs):
        seen[lang[0]].add(self.plain)
        return original(self, console, width, **kwargs)

    answers = "1\nhint\nhint\n-5\n0.1\nshow\n0.5\nskip\n-0.6945\n0.3016\n1.3890\n2\nskip\n" * 3
    env = {"XENT_PROGRESS_FILE": str(tmp_path / "p.json")}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(wrap.Prose, "wrap", record)
        for lang[0] in ("en", "zh"):
            for ex in sorted(library().exercises):
                for args in (["explain", "--exercise", ex, "--grad"], ["quiz", "--exercise", ex]):
                    r = CliRunner().invoke(app, [*args, "--lang", lang[0], "--width", "200"], input=answers, env=env)
                    assert r.exit_code in (0, 1), r.output
    return seen


def test_every_paragraph_with_every_exercises_numbers_breaks_only_where_a_formula_may(tmp_path) -> None:
    problems = []
    paragraphs = _paragraphs(tmp_path)
    assert len(paragraphs["en"]) > 100 and len(paragraphs["zh"]) > 100
    for lang, texts in paragraphs.items():
        for text in sorted(texts):
            for line in text.splitlines():
                for width in WIDTHS:
                    lines = _lines(line, width)
                    assert "".join(lines) == line
                    problems += [(lang, width, line, lines[i]) for i in range(len(lines))
                                 if cell_len(lines[i].rstrip()) > width]  # fmt: skip
                    for i in range(1, len(lines)):
                        a, b = lines[i - 1], "".join(lines[i:])
                        why = bad_break(a, b, width)
                        if why and not _forced(a, b, width):
                            problems.append((lang, width, why, a.rstrip() + " | " + b))
    assert problems == []


def _forced(a: str, b: str, width: int) -> bool:
    """A piece wider than the line has to be cut somewhere: a fold, not a choice."""
    return cell_len(a.rstrip()) >= width - 1 and " " not in a.strip()


def _wrapped_paragraphs(narrow: str, wide: str) -> list[list[str]]:
    """The paragraphs of `wide` (one a line) found again in `narrow`, as the lines they were wrapped into."""
    squash = lambda s: re.sub(r"\s", "", s)  # noqa: E731
    paragraphs = {squash(line) for line in wide.splitlines() if line.strip()}
    out, buffer = [], []
    for line in narrow.splitlines():
        buffer.append(line)
        joined = squash("".join(buffer))
        if joined in paragraphs:
            if len(buffer) > 1:
                out.append(buffer)
            buffer = []
        elif not any(p.startswith(joined) for p in paragraphs):
            buffer = [line] if squash(line) and any(p.startswith(squash(line)) for p in paragraphs) else []
    return out


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_what_xent_prints_breaks_formulas_only_where_they_may(width: int, lang: str, tmp_path) -> None:
    runs = [["explain", "--grad"], ["explain", "--label-smoothing", "0.1", "--weight", "[1, 2]"],
            ["explain", "--logits", "[[1000, 0, -1000], [1, 2, 3]]", "--labels", "[2, -100]", "--top", "1"],
            ["quiz", "--exercise", "label-smoothing"], ["quiz", "--exercise", "article-exercise"],
            ["quiz", "--exercise", "class-weights"]]  # fmt: skip
    problems, wrapped = [], 0
    for args in runs:
        out = {}
        for w in (width, 1000):
            r = CliRunner().invoke(app, [*args, "--lang", lang, "--width", str(w)], input="1\nhint\nhint\n-5\n2\nskip\n" * 3,
                                   env={"XENT_PROGRESS_FILE": str(tmp_path / f"p{w}")})  # fmt: skip
            assert r.exit_code == 0, r.output
            out[w] = r.stdout
        problems += [(args, "too wide", line) for line in out[width].splitlines() if cell_len(line) > width]
        for lines in _wrapped_paragraphs(out[width], out[1000]):
            wrapped += 1
            for i in range(1, len(lines)):
                a, b = lines[i - 1], " ".join(x.strip() for x in lines[i:])
                why = bad_break(a, b, width)
                if why and not _forced(a, b, width):
                    problems.append((args, why, a.rstrip() + " | " + lines[i]))
    assert problems == [] and wrapped > (40 if width < 80 else 5)


@pytest.mark.parametrize("width", [60, 80])
def test_the_exercise_list_never_cuts_an_id(width: int, tmp_path) -> None:
    from xent_tutor.practice.exercises import library

    for lang in ("en", "zh"):
        r = CliRunner().invoke(app, ["exercises", "--lang", lang], env={"COLUMNS": str(width), "XENT_PROGRESS_FILE": str(tmp_path / "p")})  # fmt: skip
        assert r.exit_code == 0, r.output
        assert all(cell_len(line) <= width for line in r.stdout.splitlines())
        for ex in library().exercises:
            assert ex in r.stdout, (lang, ex)
        assert "ignore_index" in r.stdout.replace(" ", "") or lang == "en"


@pytest.mark.parametrize("width", [40, 60, 80])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_help_examples_wrap_at_a_space_never_inside_a_quoted_argument(width: int, lang: str) -> None:
    commands = [[], ["explain"], ["quiz"], ["play"], ["progress"], ["exercises"], ["exercises", "check"],
                ["exercises", "new"], ["exercises", "migrate"], ["grade"], ["worksheet"]]  # fmt: skip
    for command in commands:
        r = CliRunner().invoke(app, [*command, "--help", "--lang", lang], terminal_width=width)
        assert r.exit_code == 0, r.output
        lines = r.stdout.splitlines()
        for i, line in enumerate(lines):
            assert cell_len(line) <= width, (command, line)
            if "xent " in line or line.endswith(" \\"):
                quotes = re.findall(r"(?<![A-Za-z])'|'(?![A-Za-z])", line)  # not an apostrophe (article's)
                assert len(quotes) % 2 == 0, (command, line)  # a quoted argument stays on one line
            if line.endswith(" \\"):  # a shell continuation: the next line goes on with the command
                assert lines[i + 1].startswith(" " * 6), (command, lines[i + 1])
