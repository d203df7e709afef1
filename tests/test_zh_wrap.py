"""Chinese paragraphs break where Chinese typesetting allows, at every width a learner uses."""

from __future__ import annotations

import itertools
import re

import pytest
from rich.cells import cell_len
from rich.text import Text
from typer.testing import CliRunner
from zh_rules import zh_texts

from xent_tutor.cli import app
from xent_tutor.lesson.wrap import FORMULA, Console, divide

TEXTS = zh_texts()
WIDTHS = (60, 80, 110)
NO_START = tuple("，。、：；？！）")


def _lines(text: str, width: int) -> list[str]:
    cuts = [0, *divide(text, width), len(text)]
    return [text[a:b] for a, b in itertools.pairwise(cuts)]


def _check(lines: list[str], width: int, text: str) -> None:
    assert "".join(lines) == text
    for line in lines:
        assert cell_len(line.rstrip()) <= width, line
        assert not line.startswith(NO_START), lines
        assert not line.rstrip().endswith(("（", "(")), lines
    for m in FORMULA.finditer(text):
        if cell_len(m.group()) < width - 2:  # room for the punctuation that may not start a line
            assert any(m.group() in line for line in lines), (m.group(), lines)


@pytest.mark.parametrize("width", WIDTHS)
def test_every_catalogue_paragraph_breaks_by_chinese_rules(width: int) -> None:
    for text in TEXTS.values():
        text = "前文" + text if text.startswith(NO_START) else text  # a suffix glued to a sentence
        _check(_lines(text, width), width, text)
        _check(_lines(text * 3, width), width, text * 3)  # long enough to break several times


def test_the_breaks_the_issue_reported_are_gone() -> None:
    text = "先减去每一行的最大分数，因为在 float64 中 e^1000 会溢出为 inf；这个平移不改变任何概率"
    assert _lines(text, 30) == [
        "先减去每一行的最大分数，因为在 ",
        "float64 中 e^1000 会溢出为 ",
        "inf；这个平移不改变任何概率",
    ]
    assert _lines("目标分布为 t 时，损失为 -Σ_c t_c ln p_c，即 t 与 p 之间的交叉熵。", 24)[1].startswith(
        "-Σ_c t_c ln p_c，"
    )
    # A formula longer than the line breaks before a top-level + − · (never inside its brackets).
    assert _lines("损失 = (1 − ε)·w[y]·(−ln p_y) + (ε/C)·Σ_c w_c·(−ln p_c)。", 20) == [
        "损失 = (1 − ε)·w[y]",
        "·(−ln p_y) + (ε/C)",
        "·Σ_c w_c·(−ln p_c)。",
    ]
    assert _lines("很长" + "x" * 30, 10) == ["很长", "x" * 10, "x" * 10, "x" * 10]


@pytest.mark.parametrize("width", WIDTHS)
def test_rich_lays_chinese_out_with_these_breaks_in_text_and_tables(width: int) -> None:
    from rich.table import Table

    text = TEXTS["zh.json stage.shift.why"] * 2
    console = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(Text(text, style="italic"))
    console.print(text)
    printed = console.export_text().splitlines()
    assert printed == [line.rstrip() for line in _lines(text, width)] * 2
    table = Table("id", "讲解内容")
    table.add_row("huge-logits", TEXTS["huge-logits.json teaches"] * 2)
    console.print(table)
    cells = [line.split("│")[2].strip() for line in console.export_text().splitlines()[3:-1]]
    assert all(not c.startswith(NO_START) for c in cells) and "".join(cells) == TEXTS["huge-logits.json teaches"] * 2


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(
    "args",
    [
        ["explain", "--label-smoothing", "0.1", "--grad", "--weight", "[1, 2]"],
        ["explain", "--logits", "[[1000, 0, -1000], [1, 2, 3]]", "--labels", "[2, -100]", "--top", "1"],
        ["quiz", "--exercise", "label-smoothing"],
        ["exercises"],
    ],
)
def test_what_xent_prints_in_chinese_fits_the_width(width: int, args: list[str], tmp_path) -> None:
    r = CliRunner().invoke(
        app, [*args, "--lang", "zh", "--width", str(width)], input="1\nhint\nhint\nskip\nshow\nquit\n",
        env={"XENT_PROGRESS_FILE": str(tmp_path / "p.json")},
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    for line in r.stdout.splitlines():
        assert cell_len(line) <= width, line
        assert not re.match(r"\s*[，。、：；？！）]", line), line


@pytest.mark.parametrize("minus", ["-", "−"])
def test_a_formula_never_leaves_its_leading_minus_alone_on_a_line(minus: str) -> None:
    # The quiz's verdict on a smoothed sample's loss, at 60 columns: the minus stays with its bracket.
    text = f"✓ 正确：{minus}(0.93333·ln(0.84379) + 0.03333·ln(0.11420) + 0.03333·ln(0.042010)) = 0.3365"
    lines = _lines(text, 60)
    assert all(cell_len(line) <= 60 for line in lines)
    assert not any(line.rstrip().endswith(minus) for line in lines), lines
