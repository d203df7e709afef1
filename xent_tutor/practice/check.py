"""Check an exercise file as a teacher wrote it: format, schema, shapes, options, languages, answer, stages."""

from __future__ import annotations

import errno
import json
import math
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.core import Options, explain, make_problem
from ..errors import XentError
from ..fileio import is_folder
from ..lesson.text import either, message, t
from . import jsonpos, schema
from .exercises import (
    COURSE_FILE,
    MAX_BYTES,
    SCHEMA_FILE,
    exercise_dir,
    exercise_files,
    implied_concepts,
    migrate,
    numbers,
    read_bytes,
)
from .stages import stage_values

TEXT_FIELDS = ("title", "teaches")
OPTION_WHERE = ("weight", "ignore_index", "label_smoothing", "reduction")


@dataclass(frozen=True)
class Reason:
    """Why a file cannot be read, as a catalogue key (worded in the learner's language when printed)."""

    key: str


@dataclass
class Problem:
    """One problem in an exercise file, at a line and column; a note does not fail the check."""

    file: str
    line: int
    column: int
    key: str  # catalogue key
    params: dict[str, Any] = field(default_factory=dict)
    error: bool = True

    def words(self, lang: str = "en") -> str:
        """What is wrong, in `lang` (without the file and the line)."""
        params = dict(self.params)
        if isinstance(params.get("err"), XentError):
            params["err"] = message(params["err"], lang)
        if isinstance(params.get("reason"), Reason):
            params["reason"] = t(params["reason"].key, lang, mib=MAX_BYTES >> 20)
        if isinstance(params.get("choices"), tuple):
            params["choices"] = either(params["choices"], lang)
        return t(self.key, lang, **params)

    def text(self, lang: str = "en") -> str:
        """'file:line:column: error: what is wrong' in `lang`."""
        kind = t("check.error" if self.error else "check.note", lang)
        where = f"{self.file}:{self.line}:{self.column}"
        return t("check.line", lang, where=where, kind=kind, text=self.words(lang))

    def as_error(self) -> XentError:
        """The problem as the one-line error of a command that loads the file: 'exercise file F:L:C: reason'."""
        where = self.file if self.key == "check.unreadable" else f"{self.file}:{self.line}:{self.column}"
        key = "bad_course_file" if Path(self.file).name == COURSE_FILE else "bad_exercise_file"
        return XentError(key, None, place=where, path=self.file, problem=self)


@cache
def exercise_schema() -> dict:
    """The exercise JSON Schema shipped with xent."""
    return json.loads(SCHEMA_FILE.read_text("utf-8"))


def validate_file(path: Path | str) -> list[Problem]:
    """Every problem in one exercise file (empty when it is valid and its answer right)."""
    return load_file(path)[1]


def load_file(path: Path | str) -> tuple[Any, list[Problem]]:
    """An exercise file's JSON data (None when it is not JSON) and every problem in it."""
    path = Path(path)
    try:
        text = read_bytes(path).decode("utf-8")
    except (OSError, ValueError) as e:
        return None, [Problem(str(path), 1, 1, "check.unreadable", {"reason": _unreadable(e)})]
    return _validate(text, str(path), path.stem)


def checked(path: Path | str) -> dict:
    """An exercise file's data when `exercises check` finds no error in it; else its first error, as one line."""
    data, problems = load_file(path)
    for problem in problems:
        if problem.error:
            raise problem.as_error()
    return data


# The reasons a teacher may meet, in words (json's and the OS's own messages are English only).
JSON_REASONS = (
    ("Expecting value", "value"),
    ("Expecting property name", "name"),
    ("Expecting ':' delimiter", "colon"),
    ("Expecting ',' delimiter", "comma"),
    ("Unterminated string", "unterminated"),
    ("Invalid control character", "control"),
    ("Invalid \\", "escape"),
    ("Extra data", "extra"),
    ("Illegal trailing comma", "trailing_comma"),
)
OS_REASONS = {errno.ENOENT: "missing", errno.EACCES: "denied", errno.EISDIR: "folder"}


def _syntax(msg: str) -> Reason:
    for start, word in JSON_REASONS:
        if msg.startswith(start):
            return Reason("check.json." + word)
    return Reason("check.json.other")


def _unreadable(e: Exception) -> Reason | str:
    if isinstance(e, UnicodeDecodeError):
        return Reason("check.why.not_utf8")
    if isinstance(e, OSError):
        word = OS_REASONS.get(e.errno or 0)
        return Reason("check.why." + word) if word else (e.strerror or str(e))
    return Reason("check.why." + str(e))  # raised above with a catalogue word


def validate_text(text: str, name: str, stem: str | None = None) -> list[Problem]:
    """Every problem in the text of an exercise file named `name` (file name without .json: `stem`)."""
    return _validate(text, name, stem)[1]


def _validate(text: str, name: str, stem: str | None) -> tuple[Any, list[Problem]]:
    try:
        data, pos = jsonpos.parse(text)
    except json.JSONDecodeError as e:
        return None, [Problem(name, e.lineno, e.colno, "check.syntax", {"reason": _syntax(e.msg)})]
    except RecursionError:
        return None, [Problem(name, 1, 1, "check.syntax", {"reason": Reason("check.json.deep")})]
    except ValueError:  # a number of more than 4,300 digits: Python refuses to read it as an int
        return None, [Problem(name, 1, 1, "check.syntax", {"reason": Reason("check.json.other")})]
    return data, _problems(data, pos, name, stem)


def _problems(data: Any, pos: jsonpos.Positions, name: str, stem: str | None) -> list[Problem]:

    def at(where: tuple, key: str, params: dict | None = None, error: bool = True, on_key: bool = False) -> Problem:
        line, col = pos.at(where, key=on_key)
        return Problem(name, line, col, key, params or {}, error)

    if not isinstance(data, dict):
        return [at((), "check.not_object")]
    found = [at(p, "check.duplicate", {"field": _field(p)}, on_key=True) for p in pos.duplicates]
    if data.get("format") == 1:
        found.append(at(("format",), "check.format1", error=False))
        try:
            data = migrate(data)
        except Exception:  # input too broken to read its concepts; the schema says what is wrong
            data = {**data, "format": 2}
    errors = schema.validate(data, exercise_schema())
    for e in errors:
        found.append(at(e.path, "check.schema." + e.rule, {"field": _field(e.path), **e.params},
                        on_key=e.rule in ("unknown_field", "name")))  # fmt: skip
    if errors:
        return found
    if stem is not None and data["id"] != stem:
        found.append(at(("id",), "check.id_name", {"id": data["id"], "stem": stem}))
    found += _languages(data, at)
    found += _computed(data, at)
    return found


def _field(path: tuple) -> str:
    """A path as a teacher reads it: hints[2].en, logits[1][0]."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out or "/"


def _languages(data: dict, at) -> list[Problem]:
    """A note (not an error: either language may be left out) for a text missing a language others have."""
    texts = [((f,), data[f]) for f in TEXT_FIELDS] + [(("hints", i), h) for i, h in enumerate(data["hints"])]
    texts += [(("takeaway",), data["takeaway"])] if "takeaway" in data else []
    texts += [(("predict", "question"), data["predict"]["question"])] if "predict" in data else []
    used = sorted(set().union(*(set(v) for _, v in texts)))
    out = []
    for where, value in texts:
        missing = [lang for lang in used if lang not in value]
        if missing:
            params = {"field": _field(where), "missing": ", ".join(missing)}
            out.append(at(where, "check.languages", params, error=False))
    return out


def _computed(data: dict, at) -> list[Problem]:
    """Build the problem as xent will, then recompute the answer and the stored stages."""
    options = data.get("options", {})
    words = [*_words(data["logits"], ("logits",)), *_words(data["labels"], ("labels",))]
    if words:
        return [at(w, "check.not_number", {"field": _field(w), "value": v}) for w, v in words]
    for name in ("logits", "labels"):
        uneven = _uneven(data[name], (name,))
        if uneven is not None:
            where, first = uneven
            params = {"field": _field(where), "found": _size(_get(data, where)), "first": _field(first),
                      "expected": _size(_get(data, first))}  # fmt: skip
            return [at(where, "check.ragged_row", params)]
    try:
        problem = make_problem(
            np.asarray(numbers(data["logits"]), dtype=float),
            np.asarray(numbers(data["labels"])),
            Options.from_dict(numbers(options)),
        )
    except (XentError, ValueError) as e:
        return [_input_problem(e, at)]
    result = explain(problem)
    loss = float(result.loss)
    out = [at(("logits",), "check.one_class", error=False)] if problem.num_classes == 1 else []
    if not math.isfinite(loss):
        out.append(at(("answer",), "check.answer_not_finite", {"loss": loss}))
    elif abs(round(loss, 4) - data["answer"]) > 1e-9:
        out.append(at(("answer",), "check.answer", {"answer": data["answer"], "rounded": f"{loss:.4f}",
                                                    "exact": f"{loss:.10g}"}))  # fmt: skip
    out += _stages(data.get("stages", {}), result, at)
    out += _hint_numbers(data, result, at)
    out += _lessons(data, problem, at)
    missing = [
        c for c in implied_concepts({**data, "logits": numbers(data["logits"])}) if c not in data.get("concepts", [])
    ]
    if "concepts" in data and missing:
        out.append(at(("concepts",), "check.concepts", {"missing": ", ".join(missing)}, error=False))
    return out


_DECIMAL = re.compile(r"(?<![\d.])\d+\.\d{2,}(?![\d.])(%?)")


def _hint_numbers(data: dict, result, at) -> list[Problem]:
    """A number a hint states (2 decimals or more) that is no value of this problem, as printed."""
    known = _known_values(data, result)
    out = []
    for i, hint in enumerate(data["hints"]):
        for lang, text in hint.items():
            for m in _DECIMAL.finditer(text):
                number = m.group().rstrip("%")
                written, d = float(number) / (100 if m.group(1) else 1), len(number.split(".")[1])
                d += 2 if m.group(1) else 0
                if np.any(np.abs(np.round(known, d) - written) <= 0.5 * 10.0**-d * 1e-6):
                    continue
                nearest = known[np.argmin(np.abs(known - written))]
                near = f"{100 * nearest:.{d - 2}f}%" if m.group(1) else f"{nearest:.{d}f}"
                params = {"field": _field(("hints", i, lang)), "value": m.group(), "nearest": near}
                # a note, not an error: a file that loaded yesterday keeps loading; `exercises check` shows it
                out.append(at(("hints", i, lang), "check.hint_number", params, error=False))
                break
    return out


def _known_values(data: dict, result) -> np.ndarray:
    """Every value a hint may state, as magnitudes: the inputs, each stage, and their usual companions."""
    tr = result.trace
    z = np.asarray(tr.logits, dtype=np.float64)
    c = z.shape[1]
    parts = [z, tr.row_max, tr.shifted, tr.exp, tr.row_sum, tr.probs, tr.log_probs, tr.target, tr.sample_weight,
             tr.loss, result.per_sample, z[:, :, None] - z[:, None, :], np.exp(z[:, :, None] - z[:, None, :]),
             tr.target * tr.log_probs, tr.probs - tr.target, np.log(tr.row_sum)]  # fmt: skip
    parts += [x for x in (tr.p_true, tr.neg_log_p, tr.grad, tr.raw_exp, tr.raw_sum) if x is not None]
    if tr.raw_sum is not None:
        parts.append(np.log(tr.raw_sum))
    options = data.get("options", {})
    weight = options.get("weight")
    if weight is not None:
        parts += [np.asarray(numbers(weight), dtype=float), tr.sample_weight * tr.loss]
    eps = options.get("label_smoothing", 0.0) or 0.0
    parts += [np.array([result.numerator, result.denominator, float(result.loss), data["answer"], math.log(c),
                        1 / c, eps, 1 - eps, eps / c, 1 - eps + eps / c, math.e, 1 / math.e, 1 / len(z)])]  # fmt: skip
    with np.errstate(all="ignore"):
        flat = np.abs(np.concatenate([np.ravel(np.asarray(x, dtype=np.float64)) for x in parts]))
    return flat[np.isfinite(flat)]


def _lessons(data: dict, problem, at) -> list[Problem]:
    """The predict-first question and the takeaway: a comparison that means something here, placeholders only."""
    from ..practice import takeaway

    out = []
    compare = None
    if "predict" in data:
        compare = data["predict"]["compare"]
        if not takeaway.needs(compare, problem):
            out.append(at(("predict", "compare"), "check.predict_needs", {"compare": compare}))
            compare = None
    texts = [(("takeaway", lang), text) for lang, text in data.get("takeaway", {}).items()]
    texts += [
        (("predict", "question", lang), text) for lang, text in data.get("predict", {}).get("question", {}).items()
    ]
    for where, text in texts:
        for key, detail in takeaway.template_problems(text, problem, compare):
            out.append(at(where, key, {"field": _field(where), "name": detail,
                                       "names": ", ".join(takeaway.PLACEHOLDERS)}))  # fmt: skip
    return out


def _uneven(value: Any, where: tuple) -> tuple[tuple, tuple] | None:
    """The first row of a nested list whose length (or kind) differs from its first sibling's, and that sibling."""
    if not isinstance(value, list) or not value:
        return None
    first = value[0]
    for i, v in enumerate(value):
        if isinstance(v, list) != isinstance(first, list) or (isinstance(v, list) and len(v) != len(first)):
            return (*where, i), (*where, 0)
    for i, v in enumerate(value):
        found = _uneven(v, (*where, i))
        if found is not None:
            return found
    return None


def _get(data: Any, where: tuple) -> Any:
    for part in where:
        data = data[part]
    return data


def _size(value: Any) -> str:
    return str(len(value)) if isinstance(value, list) else "1"


def _words(value: Any, where: tuple) -> list[tuple[tuple, str]]:
    """Strings in a list of numbers other than the schema's "inf", "-inf" and "nan"."""
    if isinstance(value, list):
        return [w for i, v in enumerate(value) for w in _words(v, (*where, i))]
    return [(where, value)] if isinstance(value, str) and value not in ("inf", "-inf", "nan") else []


def _input_problem(e: Exception, at) -> Problem:
    if not isinstance(e, XentError):  # ragged lists: numpy cannot make an array of them
        return at(("logits",), "check.ragged", {"reason": str(e).split(";")[0]})
    base: tuple = ("options", e.where) if e.where in OPTION_WHERE else (e.where or "logits",)
    loc = e.params.get("loc")
    where = (*base, *(i - 1 for i in loc)) if isinstance(loc, tuple) else base
    return at(where, "check.input", {"err": XentError(e.key, None, **e.params), "field": _field(base)})


def _stages(stored: dict, result, at) -> list[Problem]:
    """The first stored stage value (per stage) that differs from the recomputed one."""
    want = stage_values(result)
    out = []
    for name, given in stored.items():
        computed = want.get(name)
        if computed is None:
            out.append(at(("stages", name), "check.stage_unused", {"stage": name}))
            continue
        for where, g, c in _pairs(numbers(given), computed, ("stages", name)):
            if not _same(g, numbers(c)):
                out.append(at(where, "check.stage", {"field": _field(where), "given": g, "computed": c}))
                break
    return out


def _pairs(given: Any, computed: Any, where: tuple):
    """Matching leaves of two nested lists; a shape mismatch yields the list itself."""
    if isinstance(computed, list):
        if not isinstance(given, list) or len(given) != len(computed):
            yield where, _shape(given), _shape(computed)
            return
        for i, (g, c) in enumerate(zip(given, computed)):
            yield from _pairs(g, c, (*where, i))
    else:
        yield where, given, computed


def _shape(x: Any) -> str:
    return f"{len(x)} values" if isinstance(x, list) else repr(x)


def _same(given: Any, computed: Any) -> bool:
    if given is None or computed is None or isinstance(given, str) or isinstance(computed, str):
        return given == computed
    if isinstance(given, bool) or not isinstance(given, int | float):
        return False
    if math.isnan(computed):
        return math.isnan(given)
    return given == computed or abs(given - computed) <= 1e-9


def check_paths(paths: list[Path]) -> list[tuple[str, list[Problem]]]:
    """Each file once (a folder: its .json files) with its problems, plus ids that clash with another file."""
    files: dict[str, Path] = {}  # one entry per file, however many times (and spellings) it was named
    courses: dict[str, Path] = {}
    for p in paths:
        if is_folder(p):
            inside = exercise_files(p)
            if not inside:
                raise XentError("check.no_files", None, path=str(p))
            if (p / COURSE_FILE).is_file():
                courses.setdefault(identity(p / COURSE_FILE), p / COURSE_FILE)
        elif p.name == COURSE_FILE:
            courses.setdefault(identity(p), p)
            continue
        else:
            inside = [p]
        for f in inside:
            files.setdefault(identity(f), f)
    builtin = {f.stem: f for f in exercise_files(exercise_dir())}
    seen: dict[str, str] = {}
    out = []
    for f in files.values():
        data, problems = load_file(f)
        ident = data.get("id") if not any(p.error for p in problems) else None
        if ident is not None:
            first = seen.get(ident) or (
                str(builtin[ident]) if ident in builtin and identity(f) != identity(builtin[ident]) else None
            )
            if first:
                problems.append(Problem(str(f), *_id_at(f), "check.clash", {"id": ident, "other": first}))
            seen.setdefault(ident, str(f))
        out.append((str(f), problems))
    known: dict[str, Any] = {f.stem: f for f in builtin.values()} | {k: 1 for k in seen}
    for course_file in courses.values():
        course, problems = load_course(course_file)
        if course is not None:
            here = [Path(f) for f, ps in out if Path(f).parent == course_file.parent and not any(p.error for p in ps)]
            mine = {f.stem for f in here}
            problems = course_ids(course, known, mine)
        out.append((str(course_file), problems))
    return out


def identity(path: Path) -> str:
    """The same string for every spelling of one file (cls/x.json, ./cls/x.json, a link to it)."""
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):
        return str(path)


def _id_at(path: Path) -> tuple[int, int]:
    _, pos = jsonpos.parse(path.read_text("utf-8"))
    return pos.at(("id",))


COURSE_FIELDS = ("order", "include", "hide_builtins")


@dataclass
class Course:
    """A folder's course.json: its learning path (ids), the ids of the folder it offers, whether built-ins hide."""

    file: str
    order: list[str] | None = None
    include: list[str] | None = None
    hide_builtins: bool = False
    at: dict[tuple, tuple[int, int]] = field(default_factory=dict)  # where each id of order and include is


def load_course(path: Path) -> tuple[Course | None, list[Problem]]:
    """A course.json read and checked on its own (the ids it names are checked against the exercises later)."""
    name = str(path)
    try:
        text = read_bytes(path).decode("utf-8")
    except (OSError, ValueError) as e:
        return None, [Problem(name, 1, 1, "check.unreadable", {"reason": _unreadable(e)})]
    try:
        data, pos = jsonpos.parse(text)
    except json.JSONDecodeError as e:
        return None, [Problem(name, e.lineno, e.colno, "check.syntax", {"reason": _syntax(e.msg)})]
    except RecursionError:
        return None, [Problem(name, 1, 1, "check.syntax", {"reason": Reason("check.json.deep")})]

    def at(where: tuple, key: str, params: dict | None = None, on_key: bool = False) -> Problem:
        return Problem(name, *pos.at(where, key=on_key), key, params or {})

    if not isinstance(data, dict):
        return None, [at((), "course.not_object")]
    problems = [at(p, "check.duplicate", {"field": _field(p)}, on_key=True) for p in pos.duplicates]
    problems += [at((k,), "course.unknown_field", {"field": k, "choices": COURSE_FIELDS}, on_key=True)
                 for k in data if k not in COURSE_FIELDS]  # fmt: skip
    for k in ("order", "include"):
        value = data.get(k)
        if k in data and (not isinstance(value, list) or not all(isinstance(i, str) and i for i in value)):
            problems.append(at((k,), "course.ids", {"field": k}))
        elif k in data:
            seen: set[str] = set()
            for i, ident in enumerate(value):
                if ident in seen:
                    problems.append(at((k, i), "course.twice", {"field": k, "id": ident}))
                seen.add(ident)
    if "hide_builtins" in data and not isinstance(data["hide_builtins"], bool):
        problems.append(at(("hide_builtins",), "course.bool", {"field": "hide_builtins"}))
    if problems:
        return None, problems
    where = {(k, i): pos.at((k, i)) for k in ("order", "include") for i in range(len(data.get(k) or []))}
    return Course(name, data.get("order"), data.get("include"), data.get("hide_builtins", False), where), []


def course_ids(course: Course, known: dict[str, Any], folder_ids: set[str]) -> list[Problem]:
    """An id of the path that is no exercise, or an included id that is not a file of the folder."""
    from .suggest import nearest

    out = []
    for k, pool in (("include", folder_ids), ("order", set(known))):
        for i, ident in enumerate(getattr(course, k) or []):
            if ident not in pool:
                near = nearest(ident, ((j, ()) for j in sorted(pool)))
                key = "course.unknown_near" if near else "course.unknown"
                params = {"field": k, "id": ident, "choices": tuple(f"'{j}'" for j in near)}
                if k == "include":
                    key = key.replace("unknown", "not_here")
                out.append(Problem(course.file, *course.at[(k, i)], key, params))
    return out
