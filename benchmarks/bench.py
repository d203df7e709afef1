"""xent beside PyTorch, in one run: engine speed, the user's whole command, memory, start-up.

    python benchmarks/bench.py            # everything (needs a few GB of free disk in /tmp)
    python benchmarks/bench.py --quick    # smaller sizes, for a smoke run

The torch side is skipped, with a message, when torch is not installed.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from xent_tutor.engine.batch import batch_loss, workers  # noqa: E402
from xent_tutor.engine.core import Options  # noqa: E402

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    torch = None


def best(fn, repeat: int) -> float:
    """The fastest of `repeat` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def data(n: int, c: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, c), dtype=np.float32), rng.integers(0, c, n)


def engine(n: int, c: int, repeat: int) -> tuple[float, float | None]:
    z, y = data(n, c)
    ours = best(lambda: batch_loss(z, y, Options()), repeat)
    theirs = None
    if torch is not None:
        zt, yt = torch.from_numpy(z), torch.from_numpy(y)
        F.cross_entropy(zt, yt)  # warm-up
        theirs = best(lambda: F.cross_entropy(zt, yt), repeat)
    return ours, theirs


def ratio(a: float, b: float | None) -> str:
    return f"{a / b:.2f}x" if b else "n/a (no torch)"


def run_process(args: list[str]) -> tuple[float, bytes]:
    """Wall time and output of one whole process."""
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}: {proc.stderr.decode()[-300:]}")
    return elapsed, proc.stdout


def peak_rss_mib(args: list[str]) -> float:
    """The process's own high-water RSS (VmHWM), polled from /proc until it exits.

    (rusage's ru_maxrss would also count the benchmark's own memory, copied by fork before exec.)
    """
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    status = Path(f"/proc/{proc.pid}/status")
    while proc.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except (OSError, ValueError):
            pass
        time.sleep(0.002)
    return peak / 1024


def median_time(args: list[str], repeat: int) -> float:
    return statistics.median(run_process(args)[0] for _ in range(repeat))


def xent_command() -> list[str]:
    script = shutil.which("xent", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "xent_tutor"]


TORCH_SCRIPT = """
import sys, numpy as np, torch, torch.nn.functional as F
z = np.load(sys.argv[1]); y = np.load(sys.argv[2])
print(F.cross_entropy(torch.from_numpy(z), torch.from_numpy(y)).item())
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args()
    threads = workers()
    if torch is not None:
        torch.set_num_threads(threads)
    print(f"numpy {np.__version__}, torch {torch.__version__ if torch else 'not installed'}, threads {threads}")
    if torch is None:
        print("torch is not installed: the torch columns are skipped (pip install torch==2.13.0)")
    repeat = 2 if args.quick else 5

    print("\n## Engine: batch loss of float32 logits already in memory (same process, same threads)")
    print(f"{'N':>10} {'C':>5} {'xent s':>9} {'torch s':>9} {'xent/torch':>11}")
    big = [(10**5, 100), (10**6, 10)] if args.quick else [(10**6, 100), (10**7, 10)]
    for n, c in big:
        ours, theirs = engine(n, c, repeat)
        print(f"{n:>10} {c:>5} {ours:>9.4f} {theirs or float('nan'):>9.4f} {ratio(ours, theirs):>11}")

    print("\n## Scaling: time per row must stay flat from 10^5 to 10^7 rows (C = 10)")
    print(f"{'N':>10} {'xent s':>9} {'ns/row':>8}")
    sizes = [10**4, 10**5, 10**6] if args.quick else [10**5, 10**6, 10**7]
    for n in sizes:
        ours, _ = engine(n, 10, repeat)
        print(f"{n:>10} {ours:>9.4f} {ours / n * 1e9:>8.1f}")

    n, c = (10**5, 100) if args.quick else (10**6, 100)
    with tempfile.TemporaryDirectory() as tmp:
        z, y = data(n, c, seed=1)
        zp, yp = Path(tmp) / "x.npy", Path(tmp) / "y.npy"
        np.save(zp, z)
        np.save(yp, y)
        input_mib = (zp.stat().st_size + yp.stat().st_size) / 2**20
        del z, y
        cmd = [*xent_command(), "explain", "--logits", str(zp), "--labels", str(yp), "--format", "value"]
        run_process(cmd)  # warm the page cache for both sides
        print(f"\n## The user's path: whole process, N = {n}, C = {c} float32 .npy ({input_mib:.0f} MiB)")
        ours = median_time(cmd, repeat)
        _, out = run_process(cmd)
        rss = peak_rss_mib(cmd)
        line = f"xent explain --format value: {ours:.3f} s"
        if torch is not None:
            script = Path(tmp) / "torch_ce.py"
            script.write_text(TORCH_SCRIPT)
            tcmd = [sys.executable, str(script), str(zp), str(yp)]
            theirs = median_time(tcmd, repeat)
            _, tout = run_process(tcmd)
            line += f"; python + numpy + torch script: {theirs:.3f} s; ratio {ratio(ours, theirs)}"
            line += f"; losses {float(out):.6f} vs {float(tout):.6f}"
        print(line)
        print(f"peak memory (whole process): {rss:.0f} MiB = input {input_mib:.0f} MiB + {rss - input_mib:.0f} MiB")

    print("\n## Start-up: whole process, median of runs, against benchmarks/floor_app.py")
    floor = [sys.executable, str(HERE / "floor_app.py")]
    runs = 5 if args.quick else 21
    for label, ours_cmd, floor_cmd in (
        ("xent explain (article)", [*xent_command(), "explain"], [*floor, "show"]),
        ("xent --version", [*xent_command(), "--version"], [*floor, "--version"]),
    ):
        median_time(ours_cmd, 2)
        median_time(floor_cmd, 2)
        ours = median_time(ours_cmd, runs)
        theirs = median_time(floor_cmd, runs)
        print(f"{label:<24} {ours:.3f} s   floor {theirs:.3f} s   ratio {ours / theirs:.2f}x")


if __name__ == "__main__":
    main()
