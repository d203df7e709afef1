"""`xent grade` on 10,000 rows, one process: over 40 problems, and over 10,000 distinct `seed:N` problems.

    python benchmarks/bench_grade.py            # 7 interleaved rounds
    python benchmarks/bench_grade.py --rounds 3

Each round runs, in turn, the whole `xent grade` process on two generated 10,000-row CSVs:
- "40 problems": right, wrong, unreadable and malformed rows over 40 problems (each problem's steps
  computed once and shared by ~250 rows);
- "distinct problems": every row names its own `seed:N` problem (a class of per-student sheets), as
  a class writes them: half right (the loss or a stage, some as arithmetic), known mistakes (sign,
  sum instead of mean), under-rounded values, random numbers, junk and blanks;
then 10 `xent quiz --answer` processes (the old way, one process per row, scaled to 10,000 rows)
and `xent --version` (the start-up floor). Median and spread (min-max) over the rounds.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROWS = 10_000
GOALS = {"40 problems": 2.0, "distinct problems": 3.0}  # seconds for 10,000 rows, whole process


CPU: dict[str, list[float]] = {}  # CPU seconds (user + system) of each process, by label


def xent(*args: str, label: str = "") -> float:
    """Wall seconds of one whole xent process (its CPU seconds kept under `label`)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "xent_tutor", *args], check=False, capture_output=True)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode not in (0, 2) or b"Traceback" in r.stderr:
        sys.exit(f"xent {' '.join(args)} failed: {r.stderr.decode(errors='replace')[-400:]}")
    if label:
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        CPU.setdefault(label, []).append(cpu)
    return took


def shared_csv(path: Path, seed: int = 0) -> None:
    """Rows as a class writes them over 40 problems: mostly numbers, some arithmetic, junk, broken lines."""
    rng = random.Random(seed)
    refs = ["article-exercise", "batch-mean", "class-weights"] + [f"seed:{i}:medium" for i in range(37)]
    answers = ["0.6945", "(0.7030+0.6860)/2", "-0.6945", "0.3016", "1.2", "abc", "exp(-1)", "0.5"]
    lines = ["student,exercise,answer,stage"]
    for i in range(ROWS):
        if i % 97 == 0:
            lines.append(f"s{i % 300},broken")
            continue
        stage = rng.choice(["", "", "", ",p_true", ",neg_log_p"])
        answer = rng.choice(answers) if rng.random() < 0.5 else f"{rng.uniform(0, 3):.4f}"
        lines.append(f"s{i % 300},{rng.choice(refs)},{answer}{stage}")
    path.write_text("\n".join(lines) + "\n", "utf-8")


def _problem(seed: int, difficulty: str) -> tuple[list[list[float]], list[int]]:
    """The logits and labels of `seed:N:difficulty` (easy and medium: plain labels, no options)."""
    from xent_tutor.practice.quiz import generate

    qp = generate(seed, difficulty)
    return qp.logits, qp.labels


def distinct_csv(path: Path, seed: int = 1) -> None:
    """10,000 rows, each naming its own problem; right values from the formula worked in plain Python."""
    rng = random.Random(seed)
    lines = ["student,exercise,answer,stage"]
    for i in range(ROWS):
        difficulty = ("easy", "medium")[i % 2]
        logits, labels = _problem(i, difficulty)
        exps = [[math.exp(z) for z in row] for row in logits]
        sums = [sum(row) for row in exps]
        nlp = [math.log(s) - row[y] for row, s, y in zip(logits, sums, labels)]
        loss = sum(nlp) / len(nlp)
        stage, right = "", loss
        pick = rng.random()
        if pick < 0.3:
            stage = rng.choice(["exp", "row_sum", "p_true", "neg_log_p"])
            y = labels[0]
            right = {"exp": exps[0][y], "row_sum": sums[0], "p_true": exps[0][y] / sums[0], "neg_log_p": nlp[0]}[stage]
        kind = rng.random()
        if kind < 0.45:
            answer = f"{right:.4f}"
        elif kind < 0.50:
            answer = f"({'+'.join(f'{v:.4f}' for v in nlp)})/{len(nlp)}" if not stage else f"{right:.4f}"
        elif kind < 0.60:
            answer = f"{-right:.4f}"  # the sign
        elif kind < 0.67:
            answer = f"{sum(nlp):.4f}" if not stage else f"{right * 2:.4f}"  # sum instead of mean
        elif kind < 0.75:
            answer = f"{right:.2f}"  # under-rounded
        elif kind < 0.90:
            answer = f"{rng.uniform(0, 3):.4f}"  # a guess
        elif kind < 0.95:
            answer = rng.choice(["abc", "ln(", "1/0", "?"])
        else:
            answer = ""
        lines.append(f"s{i % 200},seed:{i}:{difficulty},{answer},{stage}")
    path.write_text("\n".join(lines) + "\n", "utf-8")


def spread(xs: list[float]) -> str:
    return f"median {statistics.median(xs):.3f} s (min {min(xs):.3f}, max {max(xs):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    with tempfile.TemporaryDirectory() as tmp:
        files = {"40 problems": Path(tmp) / "shared.csv", "distinct problems": Path(tmp) / "distinct.csv"}
        shared_csv(files["40 problems"])
        distinct_csv(files["distinct problems"])
        times: dict[str, list[float]] = {name: [] for name in files}
        per_row, floor = [], []
        for _ in range(args.rounds):
            for name, path in files.items():
                times[name].append(xent("grade", str(path), "--format", "csv", label=name))
            ten = sum(xent("quiz", "--exercise", "article-exercise", "--answer", "0.6945") for _ in range(10))
            per_row.append(ten / 10 * ROWS)
            floor.append(xent("--version"))
    r = statistics.median(per_row)
    print(
        f"started {started}, load average {os.getloadavg()[0]:.1f} at the end; "
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores"
    )
    for name, xs in times.items():
        g = statistics.median(xs)
        verdict = "met" if g <= GOALS[name] else "MISSED"
        print(f"xent grade, {ROWS} rows, {name + ':':19} {spread(xs)}   goal <= {GOALS[name]} s: {verdict}"
              f"   ratio to per-row processes {g / r:.5f}x")  # fmt: skip
        print(f"    CPU seconds of that process (user + system, less sensitive to a busy machine): {spread(CPU[name])}")
    print(f"one 'xent quiz --answer' per row (x{ROWS}):     {spread(per_row)}")
    print(f"start-up floor ('xent --version'):             {spread(floor)}")


if __name__ == "__main__":
    main()
