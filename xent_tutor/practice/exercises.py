"""Exercises: JSON data files with a stable id, an order on the learning path, and the concepts they need."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import XentError
from ..fileio import LIMITS, is_folder, regular

FORMAT_VERSION = 2
MAX_BYTES = 1 << 20  # an exercise is a few kB
_ID = re.compile(r"[^/\\\x00-\x20\x7f]{1,100}")
OLDEST_FORMAT = 1
SCHEMA_FILE = Path(__file__).with_name("exercise.schema.json")
# The ideas an exercise can need, in the order the path introduces them; display names are the
# catalogue's "concept.<name>".
CONCEPTS = (
    "softmax",
    "neg_log",
    "unbatched",
    "uniform",
    "batch_mean",
    "confidence",
    "sum_reduction",
    "stability_shift",
    "class_weights",
    "ignore_index",
    "label_smoothing",
    "soft_labels",
)
DIFFICULTIES = ("easy", "medium", "hard")
STAGE_VALUES = ("exp", "row_sum", "p_true", "neg_log_p", "per_sample_loss")
_REQUIRED = ("format", "id", "title", "teaches", "logits", "labels", "answer", "hints")


@dataclass
class Exercise:
    """One stored problem with its expected answer, hints and place on the path."""

    id: str
    title: dict[str, str]
    teaches: dict[str, str]
    logits: Any
    labels: Any
    answer: float
    hints: list[dict[str, str]]
    options: dict[str, Any] = field(default_factory=dict)
    path: str = ""
    order: int | None = None
    concepts: tuple[str, ...] = ()
    difficulty: str | None = None
    stages: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    predict: dict[str, Any] = field(default_factory=dict)  # {"compare": ..., "question": texts}
    takeaway: dict[str, str] = field(default_factory=dict)  # texts with placeholders


def exercise_dir() -> Path:
    """exercises/ inside the installed package, else the source tree's top-level exercises/."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "exercises", package.parent / "exercises"):
        if candidate.is_dir():
            return candidate
    return package / "exercises"


COURSE_FILE = "course.json"  # a folder's course: its path, the ids it offers, whether built-ins are hidden


def exercise_files(folder: Path) -> list[Path]:
    """The exercise files in a folder, by name (its course.json is not one)."""
    return [f for f in sorted(folder.glob("*.json")) if f.name != COURSE_FILE]


def implied_concepts(data: dict[str, Any]) -> list[str]:
    """The concepts an exercise's input and options need, read from the data itself."""
    import numpy as np

    options = data.get("options") or {}
    logits = np.asarray(data.get("logits"), dtype=float)
    labels = np.asarray(data.get("labels"))
    found = {"softmax", "neg_log"}
    if logits.ndim == 1:
        found.add("unbatched")
    elif logits.ndim >= 2 and logits.shape[0] > 1:
        found.add("sum_reduction" if options.get("reduction") == "sum" else "batch_mean")
    if logits.size and float(np.max(logits)) > 50:
        found.add("stability_shift")
    if options.get("weight") is not None:
        found.add("class_weights")
    if labels.dtype.kind == "f" and labels.shape == logits.shape:
        found.add("soft_labels")
    elif labels.dtype.kind in "iu" and (labels == options.get("ignore_index", -100)).any():
        found.add("ignore_index")
    if options.get("label_smoothing"):
        found.add("label_smoothing")
    return [c for c in CONCEPTS if c in found]


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """An exercise of any known format as format 2 (format 1 had no order, concepts or difficulty)."""
    fmt = data.get("format")
    if fmt == FORMAT_VERSION:
        return data
    if fmt != 1:
        raise ValueError(f"format {fmt!r} is not one xent knows (1 or {FORMAT_VERSION})")
    out = dict(data)
    out["format"] = FORMAT_VERSION
    out.setdefault("concepts", implied_concepts(data))
    return out


NON_FINITE = {"inf": float("inf"), "-inf": float("-inf"), "nan": float("nan")}


def numbers(value: Any) -> Any:
    """Nested lists with the strings "inf", "-inf" and "nan" (the schema's non-finite values) as floats."""
    if isinstance(value, list):
        return [numbers(v) for v in value]
    return NON_FINITE.get(value, value) if isinstance(value, str) else value


def _texts(data: dict[str, Any], key: str, path: str) -> dict[str, str]:
    value = data[key]
    if not isinstance(value, dict) or not value or not all(isinstance(v, str) and v for v in value.values()):
        raise XentError("bad_exercise", None, path=path, reason=f"'{key}' must map a language to a text")
    return value


def parse(data: dict[str, Any], path: str = "") -> Exercise:
    """Check one exercise's fields (migrating older formats) and build it."""
    if not isinstance(data, dict):
        raise XentError("bad_exercise", None, path=path, reason="not a JSON object")
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise XentError("bad_exercise", None, path=path, reason="missing " + ", ".join(missing))
    try:
        data = migrate(data)
    except ValueError as e:
        raise XentError("bad_exercise", None, path=path, reason=str(e)) from None
    if not data["hints"] or not isinstance(data["hints"], list):
        raise XentError("bad_exercise", None, path=path, reason="no hints")
    concepts = data.get("concepts", [])
    unknown = [c for c in concepts if c not in CONCEPTS] if isinstance(concepts, list) else ["?"]
    if unknown:
        raise XentError("bad_exercise", None, path=path, reason="unknown concept " + ", ".join(map(str, unknown)))
    order = data.get("order")
    if order is not None and (not isinstance(order, int) or isinstance(order, bool) or order < 1):
        raise XentError("bad_exercise", None, path=path, reason="'order' must be a whole number from 1")
    difficulty = data.get("difficulty")
    if difficulty is not None and difficulty not in DIFFICULTIES:
        raise XentError("bad_exercise", None, path=path, reason="'difficulty' must be easy, medium or hard")
    import numpy as np

    for key in ("logits", "labels"):  # rectangular and numeric, or refused here rather than where it is used
        np.asarray(numbers(data[key]), dtype=float)
    predict = data.get("predict") or {}
    if predict and not (isinstance(predict, dict) and isinstance(predict.get("compare"), str)
                        and "question" in predict):  # fmt: skip
        raise XentError("bad_exercise", None, path=path, reason="'predict' needs 'compare' and 'question'")
    return Exercise(
        id=data["id"],
        title=_texts(data, "title", path),
        teaches=_texts(data, "teaches", path),
        logits=numbers(data["logits"]),
        labels=numbers(data["labels"]),
        answer=float(data["answer"]),
        hints=list(data["hints"]),
        options=dict(data.get("options") or {}),
        path=path,
        order=order,
        concepts=tuple(concepts),
        difficulty=difficulty,
        stages=dict(data.get("stages") or {}),
        source=str(data.get("source", "")),
        predict={"compare": predict["compare"], "question": _texts(predict, "question", path)} if predict else {},
        takeaway=_texts(data, "takeaway", path) if "takeaway" in data else {},
    )


def read_bytes(path: Path) -> bytes:
    """An exercise file's bytes; ValueError('not_regular' or 'too_big') for what no exercise can be."""
    try:
        regular(path, None, "exercise")  # a FIFO would block, /dev/zero never end
    except XentError as e:
        why = e.params.get("why")
        if why in ("fifo", "socket", "device"):
            raise ValueError("not_regular") from None
        if why == "too_big":
            raise ValueError("too_big") from None
    with open(path, "rb") as f:  # what regular() refused for any other reason, the OSError says in its errno
        raw = f.read(LIMITS["exercise"] + 1)
    if len(raw) > MAX_BYTES:
        raise ValueError("too_big")
    return raw


def read(path: Path, shipped: bool = False) -> Exercise:
    """One exercise file, validated by the code of `exercises check`; else its first error naming file:line.

    A file shipped with xent is only parsed: the test suite runs `exercises check` over every one of them.
    """
    if shipped:
        return parse(json.loads(read_bytes(path).decode("utf-8")), str(path))
    from .check import checked  # the validator imports this module

    return parse(checked(path), str(path))


ENV_VAR = "XENT_EXERCISES"
_FOLDERS: list[Path] = []  # --exercises folders for this invocation (the CLI sets them)
_BY_PATH: dict[str, Exercise] = {}  # exercises this invocation loaded by path, by id


def use_folders(folders: list[str] | tuple[str, ...] = ()) -> None:
    """Start an invocation: the --exercises folders, and no exercise loaded by path yet."""
    _FOLDERS[:] = [Path(f) for f in folders]
    _library.cache_clear()  # a teacher may have edited a file since (tests run many invocations)
    _BY_PATH.clear()


def search_folders() -> tuple[Path, ...]:
    """The teacher's folders: --exercises ones first, then XENT_EXERCISES (separated like PATH)."""
    env = [Path(p) for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p.strip()]
    return tuple(dict.fromkeys([*_FOLDERS, *env]))


def is_path(ref: str) -> bool:
    """True when an --exercise value names a file rather than an id."""
    return ref.endswith(".json") or "/" in ref or os.sep in ref


@dataclass
class Library:
    """Every exercise found, by id in path order, and the files that could not be read."""

    exercises: dict[str, Exercise]
    skipped: list[XentError]


@cache
def _library(folders: tuple[Path, ...]) -> Library:
    from .check import course_ids, load_course  # the validator imports this module

    skipped: list[XentError] = []
    builtin = _builtin()
    found: dict[str, Exercise] = dict(builtin)
    folder_courses: list[tuple[list[Exercise], Any]] = []
    for folder in folders:
        if not is_folder(folder):
            skipped.append(XentError("no_exercise_folder", "exercises", path=str(folder)))
            continue
        mine = []
        for f in exercise_files(folder):
            try:
                ex = read(f)
            except XentError as e:
                skipped.append(e)
                continue
            if ex.id in found:
                raise XentError("exercise_clash", "exercises", id=ex.id, first=found[ex.id].path, second=ex.path)
            found[ex.id] = ex
            mine.append(ex)
        course = None
        if _is_file(folder / COURSE_FILE):
            course, problems = load_course(folder / COURSE_FILE)
            skipped += [p.as_error() for p in problems if p.error][:1]  # an invalid course.json is left out
        folder_courses.append((mine, course))
    for mine, course in folder_courses:  # the ids a course names, once every folder is read
        if course is not None:
            skipped += [p.as_error() for p in course_ids(course, found, {ex.id for ex in mine})]
    return Library(_arrange(builtin, found, folder_courses), skipped)


def _by_order(exercises: list[Exercise]) -> list[str]:
    return [ex.id for ex in sorted(exercises, key=lambda ex: (ex.order is None, ex.order or 0, ex.id))]


def _arrange(builtin: dict[str, Exercise], found: dict[str, Exercise], folder_courses: list) -> dict[str, Exercise]:
    """Every exercise on offer, the path first: the built-ins' (unless a course hides them), then each folder's
    (its course's order, else its files by their 'order' and id); each exercise's order is its place on it."""
    hidden = any(course is not None and course.hide_builtins for _, course in folder_courses)
    path: list[str] = [] if hidden else [i for i in _by_order(list(builtin.values())) if builtin[i].order is not None]
    offered: list[str] = [] if hidden else list(builtin)
    for mine, course in folder_courses:
        include = None if course is None or course.include is None else set(course.include)
        own = [ex for ex in mine if include is None or ex.id in include]
        offered += [ex.id for ex in own]
        if course is not None and course.order is not None:
            path += [i for i in course.order if i in found]
            offered += [i for i in course.order if i in found]
        else:
            path += _by_order(own)
    place = {i: n for n, i in enumerate(dict.fromkeys(path), 1)}
    rest = sorted(set(offered) - set(place))
    return {i: replace(found[i], order=place.get(i)) for i in [*place, *rest]}


def library() -> Library:
    """The built-in exercises and the teacher's folders; two files with one id are refused."""
    return _library(search_folders())


def load_all() -> dict[str, Exercise]:
    """Every exercise (built-in, then the teacher's folders), by id, in path order (then by id)."""
    return library().exercises


def path_order() -> list[Exercise]:
    """The exercises that are on the learning path, first to last."""
    return [ex for ex in load_all().values() if ex.order is not None]


def get(ref: str) -> Exercise:
    """The exercise with this id, or in this file; else the domain error naming it.

    Read lazily and per file: a built-in id reads only the built-in folder, a teacher's id only the file
    named after it in each folder (the file name is the id); the folders are scanned whole only when no
    file has the name, so an invalid file elsewhere never stops a command that does not use it.
    """
    if is_path(ref):
        ex = read(Path(ref))
        _BY_PATH[ex.id] = ex  # the quiz looks it up again by id
        return ex
    if not _ID.fullmatch(ref):  # not a file name either: empty, too long, or with spaces or control characters
        raise unknown(ref[:60])  # a title typed for the id still gets its id suggested
    if ref in _BY_PATH:
        return _BY_PATH[ref]
    named = [f / f"{ref}.json" for f in search_folders() if _is_file(f / f"{ref}.json")]
    found = _builtin().get(ref)
    if found is not None:
        if named:
            raise XentError("exercise_clash", "exercises", id=ref, first=found.path, second=str(named[0]))
        return found
    for file in named:
        ex = read(file)  # the file asked for: invalid is an error, with its name
        if ex.id == ref:
            return ex
    lib = library()
    found = lib.exercises.get(ref)
    if found is None:
        for e in lib.skipped:  # the teacher's file for this id exists but is invalid: say why
            if Path(str(e.params.get("path", ""))).stem == ref:
                raise e
        raise unknown(ref, lib)
    return found


def unknown(ref: str, lib: Library | None = None) -> XentError:
    """'no exercise with id …', with the ids nearest to it (by id or by title) as 'did you mean …'."""
    from .suggest import nearest

    try:
        lib = lib or library()
    except XentError:  # the folders cannot be read: no suggestion, the plain sentence
        return XentError("unknown_exercise", "exercise", id=ref)
    near = nearest(ref, ((ex.id, ex.title.values()) for ex in lib.exercises.values()))
    if not near:
        return XentError("unknown_exercise", "exercise", id=ref)
    return XentError("unknown_exercise_near", "exercise", id=ref, choices=[f"'{i}'" for i in near])


def existing(ident: str) -> str | None:
    """The file of a built-in or a teacher's exercise with this id (a valid file's name is its id), or None."""
    found = _builtin().get(ident)
    if found is not None:
        return found.path
    return next((str(f / f"{ident}.json") for f in search_folders() if _is_file(f / f"{ident}.json")), None)


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


@cache
def _builtin() -> dict[str, Exercise]:
    """The exercises shipped with xent, by id (always valid: a test checks every one)."""
    return {ex.id: ex for ex in (read(f, shipped=True) for f in exercise_files(exercise_dir()))}


def text(texts: dict[str, str], lang: str) -> str:
    """A text in `lang`, else English, else whichever language the author wrote."""
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()))
