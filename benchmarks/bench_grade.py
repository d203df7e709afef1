"""`xent grade` on 10,000 rows, one process, beside the old way: one `xent quiz --answer` process per row.

    python benchmarks/bench_grade.py            # 7 interleaved rounds
    python benchmarks/bench_grade.py --rounds 3

Each round runs the whole `xent grade` process on a generated 10,000-row CSV (right, wrong,
unreadable and malformed rows over 40 problems), then 10 `xent quiz --answer` processes (the
reference, scaled to 10,000 rows), then `xent --version` (the start-up floor). Median and spread.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROWS = 10_000
GOAL = 2.0  # seconds for 10,000 rows, whole process


def xent(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "xent_tutor", *args], check=False, capture_output=True)
    return time.perf_counter() - start


def answers_csv(path: Path, seed: int = 0) -> None:
    """Rows as a class writes them: mostly numbers, some arithmetic, some junk, some broken lines."""
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


def spread(xs: list[float]) -> str:
    return f"median {statistics.median(xs):.3f} s (min {min(xs):.3f}, max {max(xs):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "answers.csv"
        answers_csv(csv_path)
        grade, per_row, floor = [], [], []
        for _ in range(args.rounds):
            grade.append(xent("grade", str(csv_path), "--format", "csv"))
            ten = sum(xent("quiz", "--exercise", "article-exercise", "--answer", "0.6945") for _ in range(10))
            per_row.append(ten / 10 * ROWS)
            floor.append(xent("--version"))
    g, r = statistics.median(grade), statistics.median(per_row)
    verdict = "met" if g < GOAL else "MISSED"
    print(f"xent grade, {ROWS} rows, one process:      {spread(grade)}   goal < {GOAL} s: {verdict}")
    print(f"one 'xent quiz --answer' per row (x{ROWS}): {spread(per_row)}")
    print(f"start-up floor ('xent --version'):          {spread(floor)}")
    print(f"ratio grade / per-row processes: {g / r:.5f}x")


if __name__ == "__main__":
    main()
