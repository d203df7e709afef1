"""A teacher's own exercises: loading by path and folder, the listing, and `xent exercises check`."""

from __future__ import annotations

import json
import os

import pytest
from conftest import ROOT
from typer.testing import CliRunner
from zh_rules import punctuation_problems, stray_words

from xent_tutor.cli import app
from xent_tutor.practice import schema
from xent_tutor.practice.check import exercise_schema, validate_file, validate_text
from xent_tutor.practice.exercises import SCHEMA_FILE

runner = CliRunner()
LN2 = 0.6931  # a uniform guess over two classes costs ln 2 (hand-derived)


def exercise(id_: str, **changes) -> dict:
    data = {
        "format": 2,
        "id": id_,
        "title": {"en": "Two equal scores", "zh": "两个相等的分数"},
        "teaches": {"en": "A uniform guess costs ln 2.", "zh": "均匀猜测的代价是 ln 2。"},
        "logits": [[0.0, 0.0]],
        "labels": [0],
        "answer": LN2,
        "hints": [{"en": "p = 1/2", "zh": "p = 1/2"}],
    }
    data.update(changes)
    return data


def write(folder, name: str, data) -> str:
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2, ensure_ascii=False), "utf-8")
    return str(path)


@pytest.fixture
def klass(tmp_path, monkeypatch):
    """A teacher's folder: a valid file, a wrong answer, a malformed file."""
    monkeypatch.setenv("XENT_PROGRESS_FILE", str(tmp_path / "progress.json"))
    monkeypatch.delenv("XENT_EXERCISES", raising=False)
    folder = tmp_path / "class"
    folder.mkdir()
    write(folder, "uniform-two.json", exercise("uniform-two"))
    write(folder, "wrong-answer.json", exercise("wrong-answer", answer=0.7))
    write(folder, "broken.json", '{\n  "format": 2,\n  "id": "broken"\n  "title": {}\n}\n')
    return folder


def xent(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def test_listing_shows_the_teachers_files_beside_the_built_in_ones(klass):
    r = xent("exercises", "--exercises", klass)
    assert r.exit_code == 0, r.output
    ids = [w for line in r.stdout.splitlines()[1:] for w in line.split()[:2]]  # after the path's order number
    assert "article-exercise" in ids and "uniform-two" in ids
    assert "broken" not in ids and "wrong-answer" not in ids  # validated at load as 'exercises check' does
    assert r.stderr.splitlines() == [
        f"xent: warning: exercise file {klass / 'broken.json'}:4:3: not valid JSON: a ',' was expected here, between two items",
        f"xent: warning: exercise file {klass / 'wrong-answer.json'}:21:13: answer 0.7 is wrong: the loss is 0.6931471806, 0.6931 to 4 decimals",
    ]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_listing_names_the_folder_a_teachers_exercise_comes_from(klass, lang):
    r = xent("exercises", "--exercises", klass, "--lang", lang, "--width", "80")
    lines = r.stdout.splitlines()
    assert r.exit_code == 0 and max(map(len, lines)) <= 80
    row = next(i for i, line in enumerate(lines) if " uniform-two " in line)
    assert lines[row + 1].split()[0] == "class/"  # under the id: the folder's name
    builtin = next(i for i, line in enumerate(lines) if " article-exercise " in line)
    assert "class/" not in lines[builtin + 1]
    assert sum(line.split()[:1] == ["class/"] for line in lines) == 1  # uniform-two (wrong-answer is refused)
    assert "class/" not in xent("exercises", "--lang", lang).stdout  # no folder: no marker


def test_a_clashing_id_is_refused_naming_both_files(klass):
    write(klass, "article-exercise.json", exercise("article-exercise"))
    r = xent("exercises", "--exercises", klass)
    assert r.exit_code == 2
    assert "two exercises have the id 'article-exercise'" in r.stderr
    assert (
        str(ROOT / "exercises" / "article-exercise.json") in r.stderr
        and str(klass / "article-exercise.json") in r.stderr
    )


def test_two_folders_from_the_environment_like_path(klass, tmp_path, monkeypatch):
    other = tmp_path / "other"
    other.mkdir()
    write(other, "second.json", exercise("second"))
    monkeypatch.setenv("XENT_EXERCISES", os.pathsep.join([str(klass), str(other)]))
    r = xent("exercises")
    assert r.exit_code == 0
    assert "uniform-two" in r.stdout and "second" in r.stdout
    write(other, "uniform-two.json", exercise("uniform-two"))
    r = xent("exercises")
    assert r.exit_code == 2 and "two exercises have the id 'uniform-two'" in r.stderr


def test_a_missing_folder_is_a_warning_not_a_crash(tmp_path):
    r = xent("exercises", "--exercises", tmp_path / "nope")
    assert r.exit_code == 0
    assert f"exercises folder '{tmp_path / 'nope'}' does not exist" in r.stderr


def test_exercise_by_path_and_by_id_from_a_folder(klass):
    path = klass / "uniform-two.json"
    r = xent("explain", "--exercise", path, "--format", "value")
    assert r.exit_code == 0 and float(r.stdout) == pytest.approx(0.6931471805599453, rel=1e-12)
    r = xent("quiz", "--exercise", path, "--answer", "ln(2)")
    assert r.exit_code == 0, r.output
    r = xent("quiz", "--exercises", klass, "--exercise", "uniform-two", "--answer", "log10(2)")
    assert r.exit_code == 1 and "log base 10" in r.stdout
    r = xent("quiz", "--exercises", klass, "--exercise", "broken", "--answer", "1")
    assert r.exit_code == 2 and "broken.json:4:3: not valid JSON" in r.stderr


def test_piped_quiz_on_a_teachers_file_shows_its_title_and_hints(klass):
    path = klass / "uniform-two.json"
    r = xent("quiz", "--exercise", path, "--mode", "final", input="hint\nhint\nhint\nhint\nln(2)\n")
    assert r.exit_code == 0, r.output
    assert "Two equal scores" in r.stdout and "Hint: p = 1/2" in r.stdout and "✓" in r.stdout


def test_check_reports_each_file_with_line_and_column(klass):
    write(klass, "article-exercise.json", exercise("article-exercise"))
    wrong = spot((klass / "wrong-answer.json").read_text(), '"answer": ', skip=10)
    r = xent("exercises", "check", klass)
    assert r.exit_code == 2
    lines = r.stdout.splitlines()
    assert lines == [
        f"{klass / 'article-exercise.json'}:3:9: error: the id 'article-exercise' is already used by "
        f"{ROOT / 'exercises' / 'article-exercise.json'}",
        f"{klass / 'broken.json'}:4:3: error: not valid JSON: a ',' was expected here, between two items",
        f"{klass / 'uniform-two.json'}: ok",
        f"{klass / 'wrong-answer.json'}:{wrong[0]}:{wrong[1]}: error: answer 0.7 is wrong: the loss is 0.6931471806, 0.6931 to 4 decimals",
        "4 files checked, 3 with errors",
    ]


def test_check_in_chinese(klass):
    r = xent("exercises", "check", klass / "wrong-answer.json", "--lang", "zh")
    assert r.exit_code == 2
    assert "错误：答案 0.7 不对：损失是 0.6931471806，保留 4 位小数为 0.6931" in r.stdout


BAD_JSON = [
    (
        "hello",
        "1:1",
        "a value (number, text, list or object) was expected here",
        "此处应当是一个值（数字、文本、列表或对象）",
    ),
    ('{"id": "b",}', "1:12", "a field name in double quotes was expected here", "此处应当是用双引号括起的字段名"),
    ('{"id" 1}', "1:7", "a ':' was expected here", "此处应当是字段名与值之间的 ':'"),
    ('{\n "a": "x', "2:7", "a text that starts here has no closing double quote", "从此处开始的文本缺少结尾的双引号"),
    ('{"a": "x\\q"}', "1:9", "an unknown escape after a backslash", "此处反斜杠后的转义无效"),
    ("{} {}", "1:4", "more text after the exercise object ends", "练习对象结束后还有多余的内容"),
]


@pytest.mark.parametrize(("text", "where", "en", "zh"), BAD_JSON)
def test_a_json_mistake_is_told_in_the_teachers_language(tmp_path, text, where, en, zh):
    """Review 22: not the parser's English ('Expecting value') inside a Chinese line."""
    (tmp_path / "f.json").write_text(text, "utf-8")
    r = xent("exercises", "check", tmp_path / "f.json")
    assert r.exit_code == 2 and f"f.json:{where}: error: not valid JSON: {en}" in r.stdout
    r = xent("exercises", "check", tmp_path / "f.json", "--lang", "zh")
    assert r.exit_code == 2 and f"f.json:{where}：错误：不是合法的 JSON：{zh}" in r.stdout
    line = r.stdout.splitlines()[0].split("错误：", 1)[1]
    assert punctuation_problems(line) + stray_words(line) == []


def test_a_file_that_is_not_utf8_is_named_so(tmp_path):
    (tmp_path / "f.json").write_bytes(b"\xff\xfe{}")
    r = xent("exercises", "check", tmp_path / "f.json", "--lang", "zh")
    assert r.exit_code == 2 and "f.json:1:1：错误：无法读取文件：不是 UTF-8 文本" in r.stdout


def test_check_a_good_file_exits_0(klass):
    r = xent("exercises", "check", klass / "uniform-two.json")
    assert r.exit_code == 0 and r.stdout.strip().endswith("uniform-two.json: ok")


def test_shipped_exercises_all_pass_the_check():
    r = xent("exercises", "check", ROOT / "exercises")
    assert r.exit_code == 0, r.stdout
    assert r.stdout.strip().splitlines()[-1] == "12 files checked, 0 with errors"
    assert "note" not in r.stdout  # every number a shipped hint states is one of its exercise's values


def spot(text: str, needle: str, nth: int = 1, skip: int = 0) -> tuple[int, int]:
    """Line and column (1-based) of the nth occurrence of needle, plus `skip` characters."""
    at = -1
    for _ in range(nth):
        at = text.index(needle, at + 1)
    at += skip
    return text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)


def problems(text: str, stem: str | None = None) -> list[tuple[int, int, str]]:
    return [(p.line, p.column, p.text()) for p in validate_text(text, "f.json", stem)]


def dumped(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def test_schema_errors_point_at_the_field():
    text = dumped(exercise("x", difficulty="tricky", options={"reduction": "none"}, extra=1))
    found = problems(text)
    assert [(line, col) for line, col, _ in found] == [
        spot(text, '"tricky"'),
        spot(text, '"none"'),
        spot(text, '"extra"'),
    ]
    assert "'difficulty' must be one of: easy, medium, hard" in found[0][2]
    assert "'options.reduction' must be one of: mean, sum" in found[1][2]
    assert "unknown field 'extra'" in found[2][2]


def test_missing_field_and_nested_number():
    data = exercise("x")
    del data["hints"]
    assert "missing field 'hints'" in problems(dumped(data))[0][2]
    text = dumped(exercise("x", logits=[[0.0, "zero"]]))
    found = problems(text)
    line, col = spot(text, '"zero"')
    message = "'logits[0][1]' is 'zero', not a number (inf, -inf and nan are written as strings)"
    assert found == [(line, col, f"f.json:{line}:{col}: error: {message}")]
    inf = exercise("x", logits=[[0.0, "-inf"]], answer=0.0)
    assert problems(dumped(inf)) == []


def test_shapes_and_options_are_checked_where_they_are():
    text = dumped(exercise("x", labels=[0, 1]))
    found = problems(text)
    assert len(found) == 1 and "'labels'" in found[0][2] and found[0][:2] == spot(text, '"labels": ', skip=10)
    found = problems(dumped(exercise("x", options={"weight": [1.0, 2.0, 3.0]})))
    assert len(found) == 1 and "'options.weight'" in found[0][2]
    found = problems(dumped(exercise("x", labels=[5])))
    assert len(found) == 1 and "'labels'" in found[0][2]


def test_languages_may_be_one_but_must_agree():
    zh_only = exercise("x", title={"zh": "两个相等的分数"}, teaches={"zh": "均匀猜测"}, hints=[{"zh": "p = 1/2"}])
    assert problems(dumped(zh_only)) == []
    mixed = exercise("x", hints=[{"en": "p = 1/2"}])
    found = validate_text(dumped(mixed), "x.json", "x")
    assert len(found) == 1 and not found[0].error  # a note: the spec makes either language optional
    assert "'hints[0]' has no text in zh" in found[0].text() and "reading zh see another" in found[0].text()


def test_id_must_match_the_file_name_and_keys_must_not_repeat():
    assert "differs from the file name 'other.json'" in problems(dumped(exercise("x")), "other")[0][2]
    text = dumped(exercise("x")).replace('"labels": [', '"answer": 1,\n  "labels": [')
    found = problems(text)
    assert found[0][:2] == spot(text, '"answer"', nth=2) and "'answer' appears twice" in found[0][2]


def test_format_1_is_a_note_not_an_error():
    data = exercise("x", format=1)
    found = validate_text(dumped(data), "f.json")
    assert len(found) == 1 and not found[0].error and "format 1" in found[0].text()


def test_stored_stages_are_recomputed():
    data = exercise("x", stages={"row_sum": [2.0], "p_true": [0.5], "neg_log_p": [0.6931], "per_sample_loss": [0.6931]})
    assert problems(dumped(data)) == []
    data["stages"]["p_true"] = [0.4]
    found = problems(dumped(data))
    assert len(found) == 1 and "'stages.p_true[0]' is 0.4, but it computes to 0.5" in found[0][2]


def test_unreadable_and_not_an_object(tmp_path):
    assert "cannot read the file: no such file" in validate_file(tmp_path / "none.json")[0].text()
    assert "无法读取文件：文件不存在" in validate_file(tmp_path / "none.json")[0].text("zh")
    os.mkfifo(tmp_path / "pipe.json")  # would block a plain read
    assert "not a regular file" in validate_file(tmp_path / "pipe.json")[0].text()
    (tmp_path / "huge.json").write_bytes(b" " * (2 << 20))
    assert "larger than 1 MiB" in validate_file(tmp_path / "huge.json")[0].text()
    assert "大于 1 兆字节（MiB）" in validate_file(tmp_path / "huge.json")[0].text("zh")
    assert "one JSON object" in problems("[1, 2]")[0][2]


def test_the_validator_implements_every_keyword_the_schema_uses():
    assert schema.unknown_keywords(json.loads(SCHEMA_FILE.read_text("utf-8"))) == set()
    assert schema.unknown_keywords({"type": "object", "if": {}}) == {"if"}


def test_validator_agrees_with_jsonschema_on_every_exercise_and_broken_file():
    import jsonschema  # in the test extras: this cross-check runs in CI, never skipped
    from test_exercise_load import BROKEN, GOOD

    reference = jsonschema.Draft202012Validator(exercise_schema())
    cases = [exercise("x"), exercise("x", difficulty="tricky"), exercise("X"), exercise("x", hints=[]),
             exercise("x", title={"fr": "deux"}), exercise("x", logits=[[0, [1, "a"]]]), exercise("x", answer="1"),
             exercise("x", options={"label_smoothing": 2}), exercise("x", concepts=["softmax", "softmax"]),
             exercise("x", answer=[1.0]), exercise("x", options=[1, 2]), exercise("x", extra=1),
             exercise("x", order=0), exercise("x", order=1.5), exercise("x", labels=[[0.5, 0.5]]),
             exercise("x", options={"weight": [1, "inf"]}), exercise("x", options={"reduction": "none"}),
             exercise("x", hints=[{"en": ""}]), exercise("x", stages={"exp": [[1, 1]]}), {"format": 2}, [], "x"]  # fmt: skip
    cases += [json.loads(f.read_text("utf-8")) for f in sorted((ROOT / "exercises").glob("*.json"))]
    cases += [{**GOOD, **change, "id": name} for name, (change, _, _) in BROKEN.items()]
    valid = 0
    for data in cases:
        ours = not schema.validate(data, exercise_schema())
        assert ours == reference.is_valid(data), data
        valid += ours
    assert 0 < valid < len(cases)  # both kinds were compared


@pytest.mark.parametrize("exercise", ["article-exercise", "class-weights", "unbatched-sample", "label-smoothing"])
def test_files_saved_by_play_pass_the_check(tmp_path, exercise):
    from xent_tutor.play.save import save_exercise
    from xent_tutor.play.state import PlayState
    from xent_tutor.service import problem_from_exercise

    path, _ = save_exercise(PlayState(problem_from_exercise(exercise), exercise), tmp_path, now=0)
    assert [p.text() for p in validate_file(path) if p.error] == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_hint_stating_a_number_the_exercise_does_not_have_is_noted(lang):
    data = json.loads((ROOT / "exercises" / "article-exercise.json").read_text("utf-8"))
    data["hints"][1][lang] = data["hints"][1][lang].replace("0.4951", "0.4851")  # p of row 1 is 0.4951 (the article)
    found = problems(dumped(data))
    assert len(found) == 1, found
    line, _, text = found[0]
    assert line == spot(dumped(data), "0.4851")[0]  # the line of that hint
    assert ": note: " in text
    assert f"hints[1].{lang} says 0.4851, which is no value of this exercise (the nearest is 0.4951)" in text


def test_a_hints_true_numbers_pass_with_any_rounding_they_are_written_with():
    hint = "Row 1: e^z = 0.95, 0.974; p = 0.49510 (49.51%), −ln p = 0.70300; ln 2 = 0.6931; e = 2.718."  # the article's row 1, by hand
    data = exercise("x", logits=[[-0.0464, -0.0268]], labels=[0], answer=0.7030, hints=[{"en": hint, "zh": hint}])
    assert problems(dumped(data)) == []


def test_a_percentage_in_a_hint_is_read_as_one():
    data = exercise(
        "x", logits=[[-0.0464, -0.0268]], labels=[0], answer=0.7030, hints=[{"en": "p = 48.51%", "zh": "p = 49.51%"}]
    )
    (found,) = problems(dumped(data))
    assert "says 48.51%, which is no value of this exercise (the nearest is 49.51%)" in found[2]  # p = 0.4951
