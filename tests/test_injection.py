"""Issue 22 item 5 and issue 23 item 6: text from files is data, never terminal codes and never Rich markup."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xent_tutor.cli import app

runner = CliRunner()
ROOT = Path(__file__).parent.parent
ESC = "\x1b"
CLEAR = "\x1b[2J\x1b[H"
OSC8 = "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\"
OSC52 = "\x1b]52;c;ZWNobyBoaQ==\x07"
CSI_C1 = "\x9b31m"
RLO = "\u202e"
MARKUP = "[bold red]loud[/bold red][link=http://evil.example/]here[/link]"
HOSTILE = [CLEAR, OSC8, OSC52, CSI_C1, RLO, MARKUP, "\x07bell", "\x1b[31mred\x1b[0m"]
# What a terminal would act on: C0 controls but line breaks, DEL, C1, bidi controls.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def xent(*args: str, input: str | None = None, env: dict | None = None):
    return runner.invoke(app, list(args), input=input, env=env)


def clean(r) -> None:
    """Nothing a terminal would act on, in stdout or stderr; no markup rendered (the brackets stay text)."""
    assert not RAW.search(r.stdout), repr(r.stdout[:2000])
    assert not RAW.search(r.stderr), repr(r.stderr)
    assert "internal error" not in r.stderr


def exercise_with(tmp_path: Path, text: str, ident: str = "mine") -> Path:
    data = json.loads((ROOT / "exercises" / "article-exercise.json").read_text())
    data.pop("order", None)
    data |= {"id": ident, "title": {"en": "Title " + text, "zh": "标题 " + text}}
    data["teaches"] = {"en": "Teaches " + text, "zh": "讲 " + text}
    data["hints"] = [{"en": "Hint " + text, "zh": "提示 " + text}, *data["hints"][1:]]
    folder = tmp_path / "class"
    folder.mkdir(exist_ok=True)
    path = folder / f"{ident}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_quiz_shows_a_hostile_title_and_hint_as_text(text, lang, tmp_path):
    path = exercise_with(tmp_path, text)
    r = xent("quiz", "--exercise", str(path), "--mode", "final", "--lang", lang,
             "--progress-file", str(tmp_path / "p.json"), input="hint\nq\n")  # fmt: skip
    clean(r)
    assert r.exit_code in (0, 1), r.stderr
    if text == MARKUP:
        assert MARKUP in r.stdout  # shown as typed, not rendered
    if text == CLEAR:
        assert "\\x1b[2J\\x1b[H" in r.stdout


@pytest.mark.parametrize("text", HOSTILE)
def test_the_listing_and_the_path_show_titles_as_text(text, tmp_path):
    exercise_with(tmp_path, text)
    data = json.loads((tmp_path / "class" / "mine.json").read_text())
    data["order"] = 99
    (tmp_path / "class" / "mine.json").write_text(json.dumps(data))
    r = xent("exercises", "--exercises", str(tmp_path / "class"), "--progress-file", str(tmp_path / "p.json"),
             "--width", "400")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    clean(r)
    if text == MARKUP:
        assert MARKUP in r.stdout


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_worksheet_sheet_and_key(text, fmt, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = exercise_with(tmp_path, text)
    r = xent("worksheet", "--exercise", str(path), "--format", fmt)
    clean(r)
    assert r.exit_code == 0
    r = xent("worksheet", "--exercise", str(path), "--format", fmt, "--output", "s." + fmt, "--key", "k." + fmt)
    clean(r)
    for name in ("s." + fmt, "k." + fmt):
        assert not RAW.search((tmp_path / name).read_text()), name


@pytest.mark.parametrize("text", HOSTILE)
def test_grade_table_csv_and_json(text, tmp_path):
    answers = tmp_path / "a.csv"
    with answers.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow([text, "article-exercise", "0.6945"])
        w.writerow(["ann", "article-exercise", text])
        w.writerow(["bob", text, "0.6945"])
    for fmt in ("table", "csv", "json"):
        r = xent("grade", str(answers), "--format", fmt)
        clean(r)
        assert r.exit_code == 0, r.stderr
        if fmt == "json":
            rows = json.loads(r.stdout)["rows"]
            assert rows[0]["student"] == text  # the data kept whole, as JSON escapes
    r = xent("grade", str(answers), "--summary", str(tmp_path / "s.csv"))
    clean(r)
    assert not RAW.search((tmp_path / "s.csv").read_text())


def test_grade_csv_neutralises_formulas_but_keeps_numbers(tmp_path):
    answers = tmp_path / "a.csv"
    answers.write_text('=HYPERLINK("http://evil.example"),article-exercise,-0.5\n@SUM(A1),article-exercise,+0.69\n'
                       "ann,article-exercise,=1+2\n")  # fmt: skip
    r = xent("grade", str(answers), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [x["student"] for x in rows] == ['\'=HYPERLINK("http://evil.example")', "'@SUM(A1)", "ann"]
    assert [x["answer"] for x in rows] == ["-0.5", "+0.69", "'=1+2"]


@pytest.mark.parametrize("text", [CLEAR, CSI_C1, RLO, OSC52])
def test_echoed_paths_are_escaped(text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = f"out{text}.md".replace("/", "")
    r = xent("worksheet", "--count", "1", "--output", name, "--key", "k" + name)
    assert r.exit_code == 0, r.stderr
    clean(r)
    assert (tmp_path / name).exists()
    r = xent("explain", "--export", f"e{text}.txt".replace("/", ""))
    assert r.exit_code == 0
    clean(r)
    r = xent("exercises", "new", "--id", "two-rows", "--logits", "[[2.0, 0.5], [0.1, 1.2]]", "--labels", "[0, 1]",
             "-o", f"d{text}/".replace("/", "") + "/")  # fmt: skip
    clean(r)


@pytest.mark.parametrize("text", HOSTILE)
def test_exercises_check_and_migrate_show_names_as_text(text, tmp_path):
    path = exercise_with(tmp_path, text, ident="bad-id")
    renamed = path.with_name(f"x{text}.json".replace("/", ""))
    path.rename(renamed)  # the name is not the id: a problem that names the file
    r = xent("exercises", "check", str(renamed))
    clean(r)
    assert r.exit_code == 2
    r = xent("exercises", "migrate", str(renamed))  # already format 2: 'current', named
    clean(r)
    assert r.exit_code == 0


@pytest.mark.parametrize("text", HOSTILE)
def test_explain_of_a_hostile_exercise_in_every_format(text, tmp_path):
    path = exercise_with(tmp_path, text)
    for fmt in ("table", "markdown", "json", "value"):
        r = xent("explain", "--exercise", str(path), "--format", fmt)
        assert r.exit_code == 0, r.stderr
        clean(r)


def test_a_quiz_answer_is_echoed_as_text(tmp_path):
    r = xent("quiz", "--exercise", "article-exercise", "--mode", "final", "--progress-file", str(tmp_path / "p.json"),
             input=f"{CLEAR}{MARKUP}\nq\n")  # fmt: skip
    clean(r)
