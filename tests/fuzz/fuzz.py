"""A generative fuzz of whole xent processes: every subcommand, environment variables, kinds of files, stdin states.

    python tests/fuzz/fuzz.py --lines 10000 --seed 1 --jobs 2      # prints the outcome table
    python tests/fuzz/fuzz.py --seed 1 --only 4711 --show           # replay one line and show what it did

Line i of seed s is generated from random.Random(f"{s}:{i}") alone, so any line can be replayed. Each line runs
in a fresh sandbox folder (FIFOs, a symlink to /dev/zero, long names, deep JSON, huge numbers, binary files,
exercise folders with broken files, a progress file with history, existing outputs) and is judged on:
internal errors (or a traceback), runs over the time limit, raw control characters in stdout or stderr,
more than one error line, a file that existed before changed without --force, and a progress file whose
history shrank.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 10.0
BATCH = 200  # lines per batch under --minutes
# What a terminal acts on: C0 controls but newline and tab, DEL, C1, bidi controls; colour codes only when asked for.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
SGR = re.compile("\x1b\\[[0-9;]*m")
CHECKS = ("internal_error", "over_time", "raw_control", "error_lines", "changed_without_force", "history_shrank")

# --- The sandbox every line runs in. ---

ARTICLE = json.loads((ROOT / "exercises" / "article-exercise.json").read_text("utf-8"))


def _exercise(**changes: object) -> str:
    data = dict(ARTICLE)
    data.pop("order", None)
    data.update(changes)
    return json.dumps(data)


HOSTILE_TEXT = ["\x1b[2J\x1b[H", "\x1b]8;;http://e.example/\x1b\\x\x1b]8;;\x1b\\", "\x1b]52;c;aGk=\x07", "\x9b31m",
                "\u202eabc", "[bold red]x[/][link=http://e.example]y[/link]", "\x07", "\x00", "\r\n"]  # fmt: skip


def build_sandbox(d: Path, progress: bytes) -> None:
    """Every kind of file a user might name, by mistake or on purpose."""
    d.mkdir(parents=True)
    (d / "empty.json").write_bytes(b"")
    (d / "ok.json").write_text("[[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]]")
    (d / "labels.json").write_text("[0, 2]")
    (d / "ok.csv").write_text("2.0,0.5,-1.0\n0.1,0.2,3.0\n")
    (d / "huge.json").write_text("[[" + "9" * 5000 + ", 1e400, -1e999]]")
    (d / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (d / "binary.npy").write_bytes(bytes(range(256)) * 4)
    (d / "bad-utf8.csv").write_bytes(b"\xff\xfe\x00a,b\n")
    (d / "folder.json").mkdir()
    os.mkfifo(d / "fifo.csv")
    os.mkfifo(d / "fifo.json")
    (d / "zero.json").symlink_to("/dev/zero")
    (d / "loop.json").symlink_to(d / "loop.json")
    (d / "dangling.csv").symlink_to(d / "nowhere" / "x.csv")
    (d / ("n" * 250 + ".json")).write_text("[1]")
    answers = ["student,exercise,answer,stage", "ann,article-exercise,0.6945", "bob,article-binary,0.69",
               f"{HOSTILE_TEXT[0]}eve,article-exercise,{HOSTILE_TEXT[3]}", '=HYPERLINK("x"),article-exercise,=1+2',
               "carl,seed:3:easy,1.0", "dan,mine,0.7,loss", "x" * 5000 + ",article-exercise,1"]  # fmt: skip
    (d / "answers.csv").write_text("\n".join(answers) + "\n", encoding="utf-8")
    (d / "answers-gbk.csv").write_bytes("学生,article-exercise,0.6945\n".encode("gb18030"))
    ex = d / "class"
    ex.mkdir()
    (ex / "mine.json").write_text(_exercise(id="mine", title={"en": "Mine " + HOSTILE_TEXT[0] + HOSTILE_TEXT[5]}))
    (ex / "broken-answer.json").write_text(_exercise(id="broken-answer", answer=[1.0]))
    (ex / "ragged.json").write_text(_exercise(id="ragged", logits=[[1.0, 2.0], [3.0]]))
    (ex / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    old = json.loads(_exercise(id="old", format=1))
    for key in ("concepts", "difficulty", "stages"):
        old.pop(key, None)
    (ex / "old.json").write_text(json.dumps(old))
    os.mkfifo(ex / "fifo.json")
    (d / "progress.json").write_bytes(progress)
    (d / "corrupt-progress.json").write_bytes(b"\x00\xff{not json")
    (d / "newer-progress.json").write_text('{"format": 99, "sessions": [], "solved": []}')
    for name in ("existing.svg", "existing.txt", "existing.html", "existing.npy", "existing.csv", "existing.md",
                 "key.md", "summary.csv", "mine-copy.json"):  # fmt: skip
        (d / name).write_text("the user's own file\n")


# --- What a line is. ---

FILES = ["empty.json", "ok.json", "labels.json", "ok.csv", "huge.json", "deep.json", "binary.npy", "bad-utf8.csv",
         "folder.json", "fifo.csv", "fifo.json", "zero.json", "loop.json", "dangling.csv", "n" * 250 + ".json",
         "n" * 300 + ".json", "missing.json", "/dev/zero", "/dev/null", "/dev/full", "/dev/stdin", "-", "class",
         "class/mine.json", "class/broken-answer.json", "class/deep.json", "class/fifo.json", "answers.csv",
         "progress.json", "a\x1b[31mb.json", "\u202ecsv.json", "sub/dir/x.json", "x" * 5000]  # fmt: skip
OUTPUTS = ["existing.svg", "existing.txt", "existing.html", "existing.npy", "existing.csv", "existing.md", "key.md",
           "summary.csv", "new.svg", "new.npy", "new.csv", "new.md", "new.txt", "folder.json", "fifo.csv", "/dev/full",
           "/dev/null", "n" * 300 + ".csv", "nodir/x.csv", "out\x1b[2J.md", "progress.json", "answers.csv"]  # fmt: skip
NUMBERS = ["0", "1", "2", "-1", "3", "17", "20", "1000", "10001", "99999999999999999999", "-99999999999999999999",
           "1e3", "nan", "inf", "0.5", "", " ", "x"]  # fmt: skip
LISTS = ["[[2.0, 0.5, -1.0]]", "[0]", "[[1, 2], [3, 4]]", "[0, 1]", "[[" + "9" * 400 + "]]", "[[1e400, -1e400]]",
         "[[nan, inf]]", "[" * 5000, "[[1, 2], [3]]", "[[]]", "[]", "2", "[1, 2, 3]", "[[0.3, 0.7]]", "{}",
         "[0.3, -1.2, 2.0]", "-"]  # fmt: skip
IDS = ["article-exercise", "article-binary", "mine", "broken-answer", "ragged", "nope", "", "a" * 300, "../x",
       "class/mine.json", "class/broken-answer.json", "fifo.json", "zero.json", "\x1b[31m"]  # fmt: skip
ANSWERS = ["0.6945", "(0.7030+0.6860)/2", "0.69", "1e400", "nan", "-", "", "x" * 2000, "\x1b[2J", "0,6945",
           "0.6945。", "1/0", "9" * 400]  # fmt: skip


@dataclass
class Line:
    """One command line: argv after 'xent', environment overrides, and what stdin is."""

    argv: list[str]
    env: dict[str, str]
    stdin: str  # "closed", "empty", "binary", "zero", "text:<...>"
    migrate: list[str] = field(default_factory=list)


def _pick(rng: random.Random, pool: list[str]) -> str:
    return rng.choice(pool) if rng.random() < 0.9 else rng.choice(FILES + LISTS + NUMBERS + IDS)


def _opts(rng: random.Random, table: dict[str, list[str]], flags: list[str], k: int) -> list[str]:
    argv: list[str] = []
    for name in rng.sample(sorted(table), min(k, len(table))):
        argv += [name, _pick(rng, table[name])]
    for flag in flags:
        if rng.random() < 0.25:
            argv.append(flag)
    return argv


COMMON = {"--lang": ["en", "zh", "fr", ""], "--width": ["40", "80", "1000", "39", "1001", "99999999999999999999"]}


def generate(seed: int, i: int) -> Line:
    """Line i of seed `seed`: the same line every time."""
    rng = random.Random(f"{seed}:{i}")
    command = rng.choice(["explain"] * 6 + ["quiz"] * 4 + ["exercises"] * 2 + ["check", "new", "migrate"]
                         + ["grade"] * 3 + ["worksheet"] * 2 + ["progress"] * 2 + ["play", "other"])  # fmt: skip
    k = rng.randint(0, 5)
    migrate: list[str] = []
    if command == "explain":
        table = {"--logits": LISTS + FILES, "--labels": LISTS + FILES, "--weight": LISTS + FILES,
                 "--ignore-index": NUMBERS, "--label-smoothing": NUMBERS, "--reduction": ["mean", "sum", "none", "x"],
                 "--class-dim": NUMBERS, "--exercise": IDS, "--exercises": FILES,
                 "--format": ["table", "json", "markdown", "value", "yaml"], "--precision": NUMBERS,
                 "--rows": NUMBERS, "--top": NUMBERS, "--output": OUTPUTS, "--export": OUTPUTS, "--threads": NUMBERS,
                 "--max-input": NUMBERS, **COMMON}  # fmt: skip
        argv = ["explain", *_opts(rng, table, ["--grad", "--quiet", "--brief", "--no-color", "--force"], k)]
    elif command == "quiz":
        table = {"--exercise": IDS, "--exercises": FILES, "--stage": ["exp", "sum", "p", "neg_log_p", "loss", "x"],
                 "--seed": NUMBERS, "--difficulty": ["easy", "medium", "hard", "x"], "--mode": ["steps", "final", "x"],
                 "--rounds": NUMBERS, "--answer": ANSWERS, "--format": ["table", "json", "x"],
                 "--progress-file": FILES + OUTPUTS, **COMMON}  # fmt: skip
        argv = ["quiz", *_opts(rng, table, ["--random", "--no-color"], k)]
    elif command == "exercises":
        table = {"--exercises": FILES, "--progress-file": FILES + OUTPUTS, **COMMON}
        argv = ["exercises", *_opts(rng, table, ["--no-color"], k)]
    elif command == "check":
        argv = ["exercises", "check", *rng.sample(FILES, rng.randint(0, 3))]
    elif command == "migrate":
        migrate = rng.sample(["class", "class/old.json", *FILES], rng.randint(0, 2))
        argv = ["exercises", "migrate", *migrate]
    elif command == "new":
        table = {"--id": [*IDS, "two-rows", "mine-copy"], "--logits": LISTS + FILES, "--labels": LISTS + FILES,
                 "--weight": LISTS, "--title": ANSWERS, "--hint": ANSWERS, "--difficulty": ["easy", "x"],
                 "--order": NUMBERS, "--output": [*OUTPUTS, "mine-copy.json", "class/", "nodir/"], "--lang": ["en", "zh"]}  # fmt: skip
        argv = ["exercises", "new", "--id", rng.choice(["two-rows", "mine-copy", *IDS]), "--logits",
                rng.choice(LISTS), "--labels", rng.choice(LISTS), *_opts(rng, table, ["--force"], k)]  # fmt: skip
    elif command == "grade":
        table = {"--format": ["table", "csv", "json", "x"], "--summary": OUTPUTS, "--exercises": FILES,
                 "--lang": ["en", "zh", "fr"]}  # fmt: skip
        argv = ["grade", rng.choice(["answers.csv", "answers-gbk.csv", *FILES]), *_opts(rng, table, ["--force"], k)]
    elif command == "worksheet":
        table = {"--count": NUMBERS, "--difficulty": ["easy", "medium", "hard", "x"], "--seed": NUMBERS,
                 "--exercise": IDS + FILES, "--format": ["markdown", "html", "x"], "--output": OUTPUTS,
                 "--key": OUTPUTS, "--exercises": FILES, "--lang": ["en", "zh"]}  # fmt: skip
        argv = ["worksheet", *_opts(rng, table, ["--force"], k)]
    elif command == "progress":
        table = {"--progress-file": FILES + OUTPUTS + ["corrupt-progress.json", "newer-progress.json"], **COMMON}
        argv = ["progress", *_opts(rng, table, ["--reset", "--yes", "--no-color"], k)]
    elif command == "play":
        argv = ["play", *_opts(rng, {"--logits": LISTS, "--exercise": IDS, "--save-dir": FILES}, [], k)]
    else:
        argv = rng.choice([[], ["--help"], ["--version"], ["nope"], ["--", "explain"], ["explain", "--help"],
                           ["--lang", "zh", "quiz", "--help"], ["grade"], ["worksheet", "--count"]])  # fmt: skip
    env: dict[str, str] = {}
    for name, pool in ENV_POOLS.items():
        if rng.random() < 0.12:
            env[name] = rng.choice(pool)
    stdin = rng.choice(["closed", "empty", "binary", "zero", "text"])
    if stdin == "text":
        stdin = "text:" + "\n".join(rng.choice([*ANSWERS, "hint", "q", "skip", "?", "help"]) for _ in range(4))
    return Line(argv, env, stdin, migrate)


LONG = "n" * 300
# Every reproducer class, always run (index -1, -2, ...), before the random lines.
CURATED = [
    Line(["explain"], {"COLUMNS": "99999999999999999999"}, "empty"),
    Line(["explain", "--max-input", "99999999999999", "--logits", "-", "--labels", "[0]"], {}, "binary"),
    Line(["explain", "--logits", "fifo.csv", "--labels", "[0]"], {}, "empty"),
    Line(["explain", "--logits", "zero.json", "--labels", "[0]"], {}, "zero"),
    Line(["explain", "--logits", "deep.json", "--labels", "[0]"], {}, "closed"),
    Line(["explain", "--logits", "huge.json", "--labels", "[0]"], {}, "empty"),
    Line(["explain", "--export", "existing.svg"], {}, "empty"),
    Line(["explain", "--output", "existing.npy", "-f", "value"], {}, "empty"),
    Line(["explain", "-f", "markdown"], {"XENT_EXERCISES": "class"}, "empty"),
    Line(["explain", "-f", "value"], {"XENT_NUM_THREADS": "abc"}, "empty"),
    Line(["explain"], {"LANG": "zh_CN.GB18030", "LC_ALL": "garbage", "FORCE_COLOR": "abc"}, "closed"),
    Line(["grade", "fifo.csv"], {}, "empty"),
    Line(["grade", "/dev/zero"], {}, "empty"),
    Line(["grade", "-"], {}, "zero"),
    Line(["grade", "answers.csv"], {}, "empty"),
    Line(["grade", "answers.csv", "--format", "csv", "--summary", LONG], {}, "empty"),
    Line(["exercises", "migrate", "fifo.csv", "class"], {}, "empty", ["fifo.csv", "class"]),
    Line(["exercises", "check", "class"], {}, "empty"),
    Line(["exercises", "new", "--id", "mine-copy", "--logits", "[[1, 2]]", "--labels", "[0]"], {}, "empty"),
    Line(["progress", "--progress-file", LONG], {}, "empty"),
    Line(["exercises", "--progress-file", LONG], {"XENT_EXERCISES": "class"}, "empty"),
    Line(["quiz", "--progress-file", LONG], {}, "text:q"),
    Line(["progress"], {"XENT_PROGRESS_FILE": "fifo.csv"}, "empty"),
    Line(["quiz", "--exercise", "class/mine.json", "--mode", "final"], {}, "text:hint\n0.6945"),
    Line(["quiz", "--exercise", "article-exercise"], {}, "closed"),
    Line(["quiz", "--exercise", "article-exercise"], {}, "binary"),
    Line(["quiz"], {}, "empty"),
    Line(["worksheet", "--exercise", "class/mine.json", "--format", "html"], {}, "empty"),
    Line(["worksheet", "--count", "2", "--output", "existing.md"], {}, "empty"),
    Line(["play"], {}, "empty"),
]

ENV_POOLS = {
    "COLUMNS": ["99999999999999999999", "0", "abc", "-5", "20", "80", "1000", "999999999", "\x1b[31m", ""],
    "LINES": ["0", "abc", "99999999999999999999", "24"],
    "XENT_NUM_THREADS": ["0", "abc", "99999999999999999999", "2", "257", ""],
    "XENT_EXERCISES": ["class", "missing", "fifo.csv", "class:missing", "/dev/zero", "zero.json", ""],
    "XENT_PROGRESS_FILE": [
        "progress.json",
        "n" * 300,
        "fifo.csv",
        "folder.json",
        "/dev/null",
        "answers.csv",
        "corrupt-progress.json",
        "newer-progress.json",
        "",
    ],
    "LANG": ["zh_CN.UTF-8", "C", "POSIX", "en_US.ISO-8859-1", "zh_CN.GB18030", "xx", ""],
    "LC_ALL": ["zh_CN.UTF-8", "C", "de_DE.UTF-8", "garbage", ""],
    "NO_COLOR": ["1", "", "0"],
    "FORCE_COLOR": ["1", "0", "abc", "3", ""],
    "XENT_LANG": ["zh", "en", "fr", ""],
    "TERM": ["dumb", "xterm-256color", ""],
}

# --- Running a line and judging it. ---


def _snapshot(d: Path) -> dict[str, tuple[int, str]]:
    out = {}
    for root, _dirs, files in os.walk(d):
        for name in files:
            p = Path(root) / name
            try:
                if p.is_symlink() or not p.is_file():
                    continue
                data = p.read_bytes()
            except OSError:
                continue
            out[str(p.relative_to(d))] = (len(data), hashlib.sha1(data).hexdigest())
    return out


def _history(path: Path) -> tuple[int, int] | None:
    try:
        data = json.loads(path.read_bytes())
        return len(data.get("sessions", [])), len(data.get("solved", []))
    except (OSError, ValueError, AttributeError):
        return None


@dataclass
class Outcome:
    """What one line did."""

    index: int
    command: str
    code: int | None
    seconds: float
    problems: list[str]
    stderr: str = ""


def run_line(args: tuple[int, int, bytes, str, float]) -> Outcome:
    """Run line i of `seed` in a fresh sandbox under `base`; judge it."""
    seed, i, progress, base, limit = args
    line = CURATED[-i - 1] if i < 0 else generate(seed, i)
    d = Path(base) / f"w{os.getpid()}"
    shutil.rmtree(d, ignore_errors=True)
    build_sandbox(d, progress)
    before = _snapshot(d)
    progress_files = {"progress.json"}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XENT_", "LC_", "FORCE_COLOR", "NO_COLOR"))}
    env.update(HOME=str(d), XDG_CONFIG_HOME=str(d / ".config"), XENT_PROGRESS_FILE=str(d / "progress.json"),
               NO_COLOR="1", LANG="C.UTF-8", COLUMNS="100", PYTHONDONTWRITEBYTECODE="1")  # fmt: skip
    env.update(line.env)
    kw: dict = {}
    if line.stdin == "closed":
        kw = {"stdin": subprocess.DEVNULL, "preexec_fn": lambda: os.close(0)}  # `<&-`
    elif line.stdin == "zero":
        kw = {"stdin": open("/dev/zero", "rb")}  # noqa: SIM115 (closed below)
    elif line.stdin == "binary":
        kw = {"input": random.Random(i).randbytes(4096)}
    else:
        kw = {"input": b"" if line.stdin == "empty" else line.stdin[5:].encode("utf-8")}
    cmd = [sys.executable, "-m", "xent_tutor", *line.argv]
    start = time.monotonic()
    problems: list[str] = []
    try:
        p = subprocess.run(cmd, capture_output=True, cwd=d, env=env, timeout=limit, **kw)
        code, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        code, out, err = None, e.stdout or b"", e.stderr or b""
        problems.append("over_time")
    finally:
        if line.stdin == "zero":
            kw["stdin"].close()
    seconds = time.monotonic() - start
    text_out, text_err = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    if "internal error" in text_err or "Traceback" in text_err or (code is not None and code < 0):
        problems.append("internal_error")
    colour = line.env.get("FORCE_COLOR", "").strip().lower() not in ("", "0", "false", "no", "off", "abc")
    shown = SGR.sub("", text_out + text_err) if colour else text_out + text_err
    if RAW.search(shown):
        problems.append("raw_control")
    if sum(1 for s in text_err.splitlines() if s.startswith(("xent: error", "xent：错误"))) > 1:
        problems.append("error_lines")
    after = _snapshot(d)
    named_progress = [line.argv[j + 1] for j, a in enumerate(line.argv[:-1]) if a == "--progress-file"]
    progress_files |= {p for p in [*named_progress, line.env.get("XENT_PROGRESS_FILE", "")] if p}
    forced = "--force" in line.argv
    rewritable = set()
    for m in line.migrate:  # migrate rewrites valid format-1 files in place: that is its job
        rewritable |= {k for k in before if k == m or k.startswith(m.rstrip("/") + "/")}
    for name, sig in before.items():
        if after.get(name) == sig or forced or name in rewritable:
            continue
        if name in progress_files and name == "progress.json" and _history(d / name) is not None:
            continue  # the progress file may grow: checked below
        problems.append("changed_without_force")
        break
    old, new = _history_bytes(progress), _history(d / "progress.json")
    reset = line.argv[:1] == ["progress"] and "--reset" in line.argv and "--yes" in line.argv  # asked for
    if old is not None and (new is None or new[0] < old[0] or new[1] < old[1]) and not reset:
        problems.append("history_shrank")
    shutil.rmtree(d, ignore_errors=True)
    return Outcome(i, line.argv[0] if line.argv else "(none)", code, seconds, problems, text_err[-300:])


def _history_bytes(raw: bytes) -> tuple[int, int] | None:
    try:
        data = json.loads(raw)
        return len(data["sessions"]), len(data["solved"])
    except (ValueError, KeyError):
        return None


def make_progress(base: Path) -> bytes:
    """A real progress file with history: one solved quiz, written by xent itself."""
    path = base / "seed-progress.json"
    env = dict(os.environ, XENT_PROGRESS_FILE=str(path), NO_COLOR="1", LANG="C.UTF-8")
    for answer in ("0.6931", "0.6931"):  # the article's binary sample, final mode: -ln 0.5
        subprocess.run([sys.executable, "-m", "xent_tutor", "quiz", "--exercise", "article-binary", "--mode", "final"],
                       input=f"{answer}\n", capture_output=True, text=True, env=env, timeout=60)  # fmt: skip
    return path.read_bytes()


def run(lines: int, seed: int, jobs: int, start: int = 0, limit: float = TIMEOUT,
        curated: bool = False) -> tuple[Counter, list[Outcome]]:  # fmt: skip
    """Run lines start..start+lines-1 (after the curated reproducers); the counts per check and the bad lines."""
    base = Path(tempfile.mkdtemp(prefix="xent-fuzz-"))
    try:
        progress = make_progress(base)
        first = [-k - 1 for k in range(len(CURATED))] if curated else []
        tasks = [(seed, i, progress, str(base), limit) for i in [*first, *range(start, start + lines)]]
        counts: Counter = Counter()
        bad: list[Outcome] = []
        with ProcessPoolExecutor(jobs) as pool:
            for o in pool.map(run_line, tasks, chunksize=4):
                counts["lines"] += 1
                counts[f"exit {o.code}"] += 1
                counts["seconds"] += o.seconds
                for p in o.problems:
                    counts[p] += 1
                if o.problems:
                    bad.append(o)
        return counts, bad
    finally:
        shutil.rmtree(base, ignore_errors=True)


def table(counts: Counter, seed: int, wall: float) -> str:
    """The outcome table."""
    rows = [("lines run", counts["lines"]), ("seed", seed)]
    rows += [(name.replace("_", " "), counts[name]) for name in CHECKS]
    rows += sorted(((k, v) for k, v in counts.items() if k.startswith("exit ")), key=lambda kv: kv[0])
    rows += [
        ("wall time (s)", f"{wall:.0f}"),
        ("mean seconds per line", f"{counts['seconds'] / max(1, counts['lines']):.2f}"),
    ]
    width = max(len(str(k)) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def main() -> None:
    """Command line: --lines N --seed S --jobs J [--only I --show]."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=TIMEOUT)
    ap.add_argument("--minutes", type=float, help="stop starting batches after this many minutes")
    ap.add_argument("--only", type=int, help="replay this one line (negative: a curated reproducer)")
    ap.add_argument("--curated", action="store_true", help="also run the curated reproducers first")
    ap.add_argument("--show", action="store_true", help="print each problem line's command and stderr")
    ap.add_argument("--report", help="write the problem lines as JSON to this file")
    a = ap.parse_args()
    if a.only is not None:
        a.start, a.lines, a.jobs, a.show = a.only, 1, 1, True
    t0 = time.monotonic()
    if a.minutes:  # a time budget: batches until it is spent (the table says how many lines ran)
        counts, bad = Counter(), []
        start, first = a.start, a.curated
        while start < a.start + a.lines and time.monotonic() - t0 < a.minutes * 60:
            n = min(BATCH, a.start + a.lines - start)
            c, b = run(n, a.seed, a.jobs, start, a.timeout, first)
            counts.update(c)
            bad += b
            start, first = start + n, False
            print(
                f"... {counts['lines']} lines, {sum(counts[k] for k in CHECKS)} problems", file=sys.stderr, flush=True
            )
    else:
        counts, bad = run(a.lines, a.seed, a.jobs, a.start, a.timeout, a.curated)
    print(table(counts, a.seed, time.monotonic() - t0))
    if a.show:
        for o in bad:
            line = CURATED[-o.index - 1] if o.index < 0 else generate(a.seed, o.index)
            print(f"\nline {o.index}: {o.problems} exit {o.code}\n  xent {line.argv!r}\n  env {line.env!r} "
                  f"stdin {line.stdin[:60]!r}\n  stderr {o.stderr!r}")  # fmt: skip
    if a.report:
        Path(a.report).write_text(json.dumps([{"line": o.index, "problems": o.problems, "stderr": o.stderr}
                                              for o in bad], ensure_ascii=True, indent=1))  # fmt: skip
    sys.exit(1 if any(counts[c] for c in CHECKS) else 0)


if __name__ == "__main__":
    main()
