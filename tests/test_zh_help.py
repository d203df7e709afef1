"""--help and Typer's usage errors speak the learner's language; exit codes do not change."""

from __future__ import annotations

import inspect
import re

import pytest
import typer
from rich.cells import cell_len
from typer.testing import CliRunner
from zh_rules import punctuation_problems, stray_words

from xent_tutor.cli import app
from xent_tutor.lesson.text import catalogue


def _commands(command=None, path=()):
    command = command or typer.main.get_command(app)
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


COMMANDS = [path for path, _ in _commands()]
EXAMPLE = re.compile(r"^\s+\S+：xent ")  # a command to copy is never broken across lines


def _help(path, width: int, *lang: str, env: dict | None = None):
    return CliRunner().invoke(app, [*path, "--help", *lang], env=env, terminal_width=width)


def test_every_command_and_option_has_its_help_in_the_catalogue() -> None:
    zh = catalogue("zh")
    for path, command in _commands():
        key = "help." + (".".join(path) or "xent")
        assert key in zh, key
        for param in command.params:
            assert f"{key}.{param.name}" in zh or f"help.opt.{param.name}" in zh, (key, param.name)


def test_the_catalogues_english_help_is_the_codes_so_the_chinese_is_not_stale() -> None:
    en = catalogue("en")
    stale = []
    for path, command in _commands():
        key = "help." + (".".join(path) or "xent")
        texts = [(key, inspect.cleandoc(command.help or ""))]
        texts += [
            (f"{key}.{p.name}" if f"{key}.{p.name}" in en else f"help.opt.{p.name}", p.help or "")
            for p in command.params
        ]
        stale += [k for k, text in texts if text and en.get(k) != text]
    assert stale == [], "English help changed in cli/: copy it to en.json and translate it in zh.json"


@pytest.mark.parametrize("width", [60, 80, 110])
@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "xent")
def test_help_is_chinese_and_fits_the_width(path: tuple[str, ...], width: int) -> None:
    r = _help(path, width, env={"LANG": "zh_CN.UTF-8"})
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert out.startswith("用法：xent") and "选项：" in out
    for english in ("Usage", "Options", "Commands", "default:", "Show this message", "[OPTIONS]"):
        assert english not in out
    for line in out.splitlines():
        assert EXAMPLE.match(line) or cell_len(line) <= width, line
        assert not re.match(r"\s*[，。、：；？！）]", line), line
    described = re.split(r"\n\S+：\n", out)[0].splitlines()[1:]  # up to the first heading
    # An example command broken to fit goes on after ' \' on the next line: it is code, not prose.
    code = [EXAMPLE.match(line) or (i and described[i - 1].endswith(" \\")) for i, line in enumerate(described)]
    prose = "".join(line.strip() for line, c in zip(described, code) if not c)
    assert punctuation_problems(prose) == [] and stray_words(prose) == []


def test_help_follows_lang_wherever_it_is_written() -> None:
    assert "显示此帮助信息并退出" in _help(("explain",), 80, "--lang", "zh").stdout
    r = CliRunner().invoke(app, ["explain", "--lang", "zh", "--help"])
    assert "用法：xent explain [选项]" in r.stdout and "（默认：-100）" in r.stdout
    assert "用法：xent [选项]" in CliRunner().invoke(app, ["--lang", "zh", "--help"]).stdout
    assert "logits（未归一化的对数概率）" in CliRunner().invoke(app, ["--lang", "zh", "explain"]).stdout
    en = _help(("explain",), 80, "--lang", "en", env={"LANG": "zh_CN.UTF-8"}).stdout
    assert en.startswith("Usage: xent explain [OPTIONS]") and "[default: -100]" in en and "Options:" in en


@pytest.mark.parametrize(
    "args, english, chinese",
    [
        (["explain", "--rows", "x"], "Invalid value for '--rows'", "--rows 的值无效：需要一个整数"),
        (["explain", "--label-smoothing", "a"], "Invalid value for '--label-smoothing'", "的值无效：需要一个数字"),
        (
            ["explain", "--rowz", "3"],
            "No such option: --rowz (Possible options: --rows)",
            "没有 --rowz 这个选项（可能是：--rows）",
        ),
        (
            ["explan"],
            "No such command 'explan'. Did you mean 'explain'",
            "没有 'explan' 这个命令；是不是想用 'explain'、'play'？",
        ),
        (["explain", "--logits"], "Option '--logits' requires an argument.", "选项 --logits 需要一个值"),
        (["explain", "extra"], "Got unexpected extra argument(s) (extra)", "多余的参数：extra"),
        (["exercises", "check"], "Missing argument 'FILE|DIR...'.", "缺少参数 FILE|DIR..."),
    ],
)
def test_usage_errors_in_the_learners_language_exit_2(args: list[str], english: str, chinese: str) -> None:
    en = CliRunner().invoke(app, args)
    zh = CliRunner().invoke(app, args, env={"LANG": "zh_CN.UTF-8"})
    assert en.exit_code == zh.exit_code == 2
    assert en.stderr.startswith("xent: error: " + english) and en.stderr.count("\n") == 1
    assert zh.stderr.startswith("xent：错误：") and chinese in zh.stderr and zh.stderr.count("\n") == 1
    assert stray_words(zh.stderr) == [] and punctuation_problems(zh.stderr) == []
