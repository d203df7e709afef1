"""The teacher's commands: `xent exercises check|new|migrate`, `xent grade` and `xent worksheet`."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer

from ..errors import XentError
from ..fileio import is_folder, may_write
from ..lesson.text import printable, printable_lines
from .app import app
from .common import EXIT_USAGE, ExercisesOpt, LangOpt, current_lang, msg, set_lang, use_exercises
from .practice import exercises_app


@exercises_app.command("check")
def exercises_check(
    paths: Annotated[list[str], typer.Argument(metavar="FILE|DIR...", help="Exercise files or folders of them.")],
    lang: LangOpt = None,
) -> None:
    """Validate exercise files and recompute their answers; file:line:column for each problem.

    \b
    Example: xent exercises check ./my-class
    """
    from pathlib import Path

    from ..practice.check import check_paths

    set_lang(lang)
    lang = current_lang()
    results = check_paths([Path(p) for p in paths])
    bad = 0
    for name, problems in results:
        for problem in problems:
            sys.stdout.write(printable(problem.text(lang)) + "\n")
        if any(p.error for p in problems):
            bad += 1
        elif not problems:
            sys.stdout.write(msg("check.ok", lang, file=name) + "\n")
    if len(results) > 1 or bad:
        files = msg("check.files_one" if len(results) == 1 else "check.files", lang, n=len(results))
        sys.stdout.write(msg("check.summary", lang, files=files, bad=bad) + "\n")
    raise typer.Exit(EXIT_USAGE if bad else 0)


@exercises_app.command("new")
def exercises_new(
    ex_id: Annotated[str, typer.Option("--id", help="The new exercise's id: lower-case letters, digits and '-'.")],
    logits: Annotated[str, typer.Option(help="Logits: a list like '[[1.0, 2.0]]', a .json/.csv/.npy path, or '-'.")],
    labels: Annotated[str, typer.Option(help="Class indices like '[0, 1]', or class probabilities.")],
    weight: Annotated[str | None, typer.Option(help="Per-class weights, one per class.")] = None,
    ignore_index: Annotated[int, typer.Option(help="Label value whose samples are left out of the loss.")] = -100,
    label_smoothing: Annotated[float, typer.Option(help="Label smoothing ε, between 0 and 1.")] = 0.0,
    reduction: Annotated[str, typer.Option(help="mean or sum.")] = "mean",
    title: Annotated[
        str | None, typer.Option(help="Title, in the --lang language (default: generated in every language).")
    ] = None,
    teaches: Annotated[
        str | None, typer.Option(help="One sentence on what it teaches, in the --lang language.")
    ] = None,
    hint: Annotated[list[str] | None, typer.Option(help="A hint in the --lang language (repeat for more).")] = None,
    difficulty: Annotated[
        str | None, typer.Option(help="easy, medium or hard (default: from the options and size).")
    ] = None,
    order: Annotated[
        int | None,
        typer.Option(help="Place on the learning path among the folder's exercises (default: after those with one)."),
    ] = None,
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="File or folder to write (default: ./ID.json).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
    lang: LangOpt = None,
) -> None:
    """Write a valid exercise file with the answer and every stage computed; add a title and hints.

    \b
    Example: xent exercises new --id two-rows --logits '[[2.0, 0.5], [0.1, 1.2]]' --labels '[0, 1]'
    """
    import re
    from pathlib import Path

    from ..engine.inputs import read_array
    from ..practice.check import exercise_schema, identity, validate_text
    from ..practice.exercises import DIFFICULTIES, existing
    from ..teach.files import dumps, save
    from ..teach.new import build

    set_lang(lang)
    lang = current_lang()
    if not re.fullmatch(exercise_schema()["properties"]["id"]["pattern"], ex_id):
        raise XentError("new_bad_id", "id", value=ex_id)
    if reduction not in ("mean", "sum"):
        raise XentError("new_reduction", "reduction", value=reduction)
    if difficulty is not None and difficulty not in DIFFICULTIES:
        raise XentError("bad_difficulty", "difficulty", value=difficulty)
    if order is not None and order < 1:
        raise XentError("new_bad_order", "order", value=order)
    stdin = typer.get_binary_stream("stdin")
    if [logits.strip(), labels.strip(), (weight or "").strip()].count("-") > 1:
        raise XentError("two_stdin", "labels", other="--logits")
    options: dict[str, Any] = {"reduction": reduction}
    if weight is not None:
        options["weight"] = read_array(weight, "weight", stdin).astype(float).tolist()
    if ignore_index != -100:
        options["ignore_index"] = ignore_index
    if label_smoothing:
        options["label_smoothing"] = label_smoothing
    data = build(ex_id, read_array(logits, "logits", stdin), read_array(labels, "labels", stdin), options,
                 title=title, teaches=teaches, hints=hint, lang=lang, difficulty=difficulty, order=order)  # fmt: skip
    path = Path(output or f"{ex_id}.json")
    if is_folder(path) or (output or "").endswith(("/", os.sep)):  # "-o class/" names a folder, even a missing one
        path = path / f"{ex_id}.json"
    taken = existing(ex_id)
    if taken is not None and identity(Path(taken)) != identity(path):  # the same file is --force's to replace
        raise XentError("new_id_exists", "id", id=ex_id, path=taken)
    text = dumps(data)
    found = validate_text(text, str(path), path.stem)
    problems = [p for p in found if p.error]
    if problems:  # e.g. an id that breaks the schema, or a file name that is not the id
        raise XentError("new_invalid", "id", problem=problems[0].text(lang))
    save(path, text, "output", force)
    sys.stderr.write(msg("new.written", lang, path=str(path), answer=f"{data['answer']:.4f}") + "\n")
    for note in found:  # e.g. one class (the loss is always 0), or your texts in one language only
        sys.stderr.write(printable(note.text(lang)) + "\n")


@exercises_app.command("migrate")
def exercises_migrate(
    paths: Annotated[list[str], typer.Argument(metavar="FILE|DIR...", help="Exercise files or folders of them.")],
    lang: LangOpt = None,
) -> None:
    """Rewrite format-1 exercise files as format 2 (atomically; invalid files are left untouched).

    \b
    Example: xent exercises migrate ./my-class
    """
    from pathlib import Path

    from ..teach.migrate import migrate_paths

    set_lang(lang)
    lang = current_lang()
    kept = 0
    for outcome in migrate_paths([Path(p) for p in paths]):
        sys.stdout.write(msg("migrate." + outcome.status, lang, file=outcome.path) + "\n")
        for problem in outcome.problems:
            sys.stdout.write("  " + printable(problem.text(lang)) + "\n")
        kept += outcome.status == "kept"
    raise typer.Exit(EXIT_USAGE if kept else 0)


@app.command()
def grade(
    file: Annotated[
        str,
        typer.Argument(metavar="ANSWERS.csv", help="CSV: student, exercise, answer[, stage]; '-' for stdin."),
    ],
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
    attempts: Annotated[
        str, typer.Option(help="Which of repeated answers to one item counts: last, best or first.")
    ] = "last",
    roster: Annotated[
        str | None,
        typer.Option(help="The class list (a CSV with a student column, or one name a line): absent students at 0."),
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="The files' encoding when not UTF-8, e.g. cp1252 or gb18030.")
    ] = None,
    summary: Annotated[
        str | None, typer.Option(help="Also write the per-student and per-exercise summary to this CSV file.")
    ] = None,
    gradebook: Annotated[
        str | None,
        typer.Option(help="Also write a gradebook CSV (a row per student, points per exercise) for Moodle or Canvas."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --summary or --gradebook file.")] = False,
    folders: ExercisesOpt = None,
    lang: LangOpt = None,
) -> None:
    """Grade a class's answers in one run: one verdict per row, then a summary per student and exercise.

    Columns are found by a header row (student, exercise, answer, stage, in any order, in English or
    Chinese), else taken in that order; the separator (comma, semicolon or tab) is detected. The exercise
    column holds an id, a file path, or seed:N:difficulty; the stage column (optional) is exp, row_sum,
    p_true, neg_log_p, sample_loss or loss (the default). A blank or unreadable answer scores 0.

    \b
    Example: xent grade answers.csv --roster class.txt --gradebook grades.csv
    """
    import io
    from pathlib import Path

    from ..fileio import may_write
    from ..teach import report
    from ..teach.files import save
    from ..teach.grade import ATTEMPTS, grade_text
    from ..teach.grade import gradebook as make_gradebook
    from ..teach.sheet import decode, read_bytes, read_names

    set_lang(lang)
    use_exercises(folders)
    lang = current_lang()
    if fmt not in ("table", "csv", "json"):
        raise XentError("bad_format", "format", value=fmt, choices=("table", "csv", "json"))
    if attempts not in ATTEMPTS:
        raise XentError("grade_bad_attempts", "attempts", value=attempts, choices=ATTEMPTS)
    if file == "-" and roster == "-":
        raise XentError("two_stdin", "roster", other="ANSWERS.csv")
    outputs = [(option, path) for option, path in (("summary", summary), ("gradebook", gradebook)) if path]
    for option, path in outputs:
        for given in (file, roster):
            if given not in (None, "-") and _same_file(path, given):
                raise XentError("grade_same_file", option, path=path)
        may_write(path, option, force)  # refused before the class is graded, not after
    if summary and gradebook and _same_file(summary, gradebook):
        raise XentError("grade_same_file", "gradebook", path=gradebook)
    stdin = typer.get_binary_stream("stdin")
    names = None
    if roster is not None:
        names = read_names(decode(read_bytes(roster, stdin, "roster", "file"), roster, encoding), roster)
    data = read_bytes(file, stdin, None, "answers")
    graded, summed, repeats = grade_text(decode(data, file, encoding), file, lang, attempts, names)
    book = make_gradebook(graded, summed)
    rules = {"attempts": attempts, "repeated": repeats}
    if summary is not None:
        buf = io.StringIO()
        report.write_summary_csv(buf, summed)
        save(Path(summary), buf.getvalue(), "summary", force)
    if gradebook is not None:
        save(Path(gradebook), report.gradebook_csv(book, lang), "gradebook", force)
    out = io.StringIO()
    if fmt == "csv":
        report.write_csv(out, graded)
    elif fmt == "json":
        report.write_json(out, graded, summed, book, rules)
    else:
        report.write_table(out, graded, summed, rules, lang)
    # Names and answers from the file are data: never terminal codes (CSV cells are escaped one by one).
    sys.stdout.write(out.getvalue() if fmt == "csv" else report.terminal_safe(out.getvalue(), fmt))
    for line in report.warnings(summed, repeats, rules, lang):
        sys.stderr.write(msg("warn_prefix", lang) + printable(line) + "\n")
    if fmt != "table":
        sys.stderr.write(msg("prefix", lang) + report.counts_line(summed, lang) + "\n")


def _same_file(a: str, b: str) -> bool:
    """Whether two paths name one existing file (an output must never replace an input)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


@app.command()
def worksheet(
    count: Annotated[int, typer.Option(help="How many random problems (without --exercise).")] = 10,
    difficulty: Annotated[str, typer.Option(help="easy, medium or hard (random problems).")] = "easy",
    seed: Annotated[
        int, typer.Option(help="Seed of the first random problem; the same seed gives the same sheet.")
    ] = 1,
    exercise: Annotated[
        list[str] | None, typer.Option(help="An exercise id, file or folder instead of random problems (repeat).")
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="markdown, html, moodle (Moodle XML) or gift (GIFT).")
    ] = "markdown",
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write the sheet to this file (default: stdout).")
    ] = None,
    roster: Annotated[
        str | None,
        typer.Option(help="A class list (CSV with a student column, or one name a line): a sheet per student."),
    ] = None,
    key: Annotated[
        str | None, typer.Option(help="Write the answer key (every stage, the loss to 4 decimals) to this file.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace existing --output / --key files.")] = False,
    folders: ExercisesOpt = None,
    lang: LangOpt = None,
) -> None:
    """Print a worksheet: numbered problems with room to work, and a separate answer key.

    Each problem is headed by how 'xent grade' names it (an id, a path or seed:N:difficulty).

    With --roster, --output is a folder: a sheet per student (random problems seeded from the name), key.md
    (every student's key) and answers.csv (a row per value to grade, for 'xent grade').

    \b
    Example: xent worksheet --count 10 --difficulty medium --seed 7 --output sheet.md --key key.md
    Class:   xent worksheet --roster class.csv --count 5 --output sheets/
    Moodle:  xent worksheet --count 5 --format moodle --output quiz.xml
    """
    from pathlib import Path

    from ..practice.quiz import DIFFICULTIES
    from ..teach import worksheet as ws
    from ..teach.files import save

    set_lang(lang)
    use_exercises(folders)
    lang = current_lang()
    if fmt not in ws.FORMATS:
        raise XentError("bad_format", "format", value=fmt, choices=ws.FORMATS)
    if difficulty not in DIFFICULTIES:
        raise XentError("bad_difficulty", "difficulty", value=difficulty)
    if not 1 <= count <= ws.MAX_COUNT:
        raise XentError("ws_bad_count", "count", value=count, max=ws.MAX_COUNT)
    if seed < 0:
        raise XentError("ws_bad_seed", "seed", value=seed)
    if output is not None and key is not None and os.path.abspath(output) == os.path.abspath(key):
        raise XentError("ws_same_file", "key", path=key)
    if roster is not None:
        _class_sheets(roster, output, key, exercise, fmt, count, difficulty, seed, force, lang)
        return
    refs = ws.problem_refs(exercise or [], count, difficulty, seed)
    if not refs:
        raise XentError("ws_no_problems", "exercise")
    items = ws.items(refs, lang)
    if exercise:
        intro = msg("ws.intro_exercises", lang, count=len(items))
    else:
        intro = msg("ws.intro_random", lang, count=count, difficulty=msg("difficulty." + difficulty, lang), seed=seed)
    sheet, answer_key = ws.render(items, fmt, lang, intro)
    sheet, answer_key = printable_lines(sheet), printable_lines(answer_key)  # titles and paths are data
    for path, option in ((output, "output"), (key, "key")):
        if path is not None:
            may_write(path, option, force)  # before writing either file
    if key is not None:
        save(Path(key), answer_key, "key", force)
    if output is not None:
        save(Path(output), sheet, "output", force)
        sys.stderr.write(msg("ws.written", lang, path=output) + "\n")
    else:
        sys.stdout.write(sheet)
    if key is not None:
        sys.stderr.write(msg("ws.key_written", lang, path=key) + "\n")


def _class_sheets(roster: str, output: str | None, key: str | None, exercise: list[str] | None, fmt: str,
                  count: int, difficulty: str, seed: int, force: bool, lang: str) -> None:  # fmt: skip
    """--roster: a sheet per student, the combined key and answers.csv, in the --output folder."""
    from pathlib import Path

    from ..fileio import io_error, may_write
    from ..teach import worksheet as ws
    from ..teach.files import save
    from ..teach.roster import read_roster

    if output is None:
        raise XentError("ws_roster_output", "output")
    if key is not None:
        raise XentError("ws_roster_key", "key")
    if exercise:
        raise XentError("ws_roster_exercise", "exercise")
    if fmt not in ws.EXTENSIONS:
        raise XentError("ws_roster_format", "format", value=fmt, choices=tuple(ws.EXTENSIONS))
    folder = Path(output)
    if folder.exists() and not folder.is_dir():
        raise XentError("ws_roster_not_folder", "output", path=output)
    names = read_roster(roster)
    students = ws.class_sheets(names, count, difficulty, seed, fmt, lang)
    files = [(folder / s.file, s.sheet) for s in students]
    files += [(folder / f"key{ws.EXTENSIONS[fmt]}", ws.combined_key(students, fmt, lang)),
              (folder / "answers.csv", ws.answers_template(students))]  # fmt: skip
    if folder.is_dir():
        for path, _ in files:  # every file checked before the first is written
            may_write(path, "output", force)
    else:
        try:
            folder.mkdir(parents=True)
        except OSError as e:
            raise io_error(e, folder, "output", write=True) from None
    for path, text in files:
        save(path, text, "output", force)
    sys.stderr.write(msg("ws.class_written", lang, n=len(students), path=str(folder)) + "\n")
