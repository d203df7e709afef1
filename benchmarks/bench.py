"""xent beside PyTorch, in one run, as interleaved A/B pairs: every ratio with its median and spread.

    python benchmarks/bench.py              # everything, about 20 minutes on a busy 2-core machine
    python benchmarks/bench.py --quick      # smaller sizes and fewer repetitions, a smoke run
    python benchmarks/bench.py --only engine,startup

Each comparison runs A and B in turn (A B, then B A, ...), so a machine whose speed drifts slows
both sides alike; the ratio is taken pair by pair and printed as median (min-max). The torch side
is skipped, with a message, when torch is not installed. Big temporary files live in one temporary
folder that is deleted at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from xent_tutor.engine import batch  # noqa: E402
from xent_tutor.engine.batch import batch_loss, workers  # noqa: E402
from xent_tutor.engine.core import Options, explain, gradient, make_problem  # noqa: E402

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    torch = None

SECTIONS = ("engine", "sweep", "shapes", "threads", "process", "startup", "gaps")
GAPS = ("kdim", "soft", "grad", "json", "view")  # the parts of "gaps", each also a section of its own


def paired(a: Callable[[], object], b: Callable[[], object] | None, reps: int) -> list[tuple[float, float]]:
    """Wall seconds of a and b, run in turn (A B, B A, A B, ...) after one warm-up of each."""
    a()
    if b is not None:
        b()
    out = []
    for i in range(reps):
        first, second = (a, b) if i % 2 == 0 else (b, a)
        t1 = _time(first)
        t2 = _time(second)
        out.append((t1, t2) if i % 2 == 0 else (t2, t1))
    return out


def _time(fn: Callable[[], object] | None) -> float:
    if fn is None:
        return float("nan")
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def spread(values: list[float], fmt: str = "{:.2f}") -> str:
    """median (min-max)."""
    if not values or any(v != v for v in values):
        return "n/a"
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def ratios(pairs: list[tuple[float, float]]) -> list[float]:
    return [a / b for a, b in pairs if b == b and b > 0]


def report(label: str, pairs: list[tuple[float, float]], width: int = 34) -> None:
    a = statistics.median(p[0] for p in pairs)
    b = statistics.median(p[1] for p in pairs)
    bs = f"{b:9.4f}" if b == b else "      n/a"
    print(f"{label:<{width}} {a:9.4f} {bs}   {spread(ratios(pairs))}")


def header(title: str, a: str = "xent s", b: str = "torch s", width: int = 34) -> None:
    print(f"\n## {title}")
    print(f"{'case':<{width}} {a:>9} {b:>9}   ratio median (min-max)")


# --- engine: the whole computation on arrays already in memory --------------------------------


def hard_data(n: int, c: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, c), dtype=np.float32) * 3, rng.integers(0, c, n)


def soft_data(n: int, c: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = rng.random((n, c), dtype=np.float32)
    t /= t.sum(axis=1, keepdims=True)
    return rng.standard_normal((n, c), dtype=np.float32) * 3, t


def combos() -> list[tuple[str, dict]]:
    """Every option combination: weight x smoothing x ignore_index for class labels, the
    reductions, and soft labels with and without weight and smoothing."""
    out = []
    for w in (False, True):
        for eps in (0.0, 0.1):
            for ign in (False, True):
                name = "+".join(k for k, on in (("weight", w), ("smoothing", eps), ("ignore 10%", ign)) if on)
                out.append((name or "plain", {"weight": w, "eps": eps, "ignore": ign, "reduction": "mean"}))
    out.append(("reduction=sum", {"reduction": "sum"}))
    out.append(("reduction=none", {"reduction": "none"}))
    for w in (False, True):
        for eps in (0.0, 0.1):
            name = "+".join(k for k, on in (("weight", w), ("smoothing", eps)) if on)
            out.append(("soft" + (" " + name if name else ""), {"soft": True, "weight": w, "eps": eps}))
    return out


def engine_case(z, y, opts: dict, threads: int, class_dim: int = 1):
    """The xent and torch callables for one case (torch: None when absent)."""
    c = z.shape[class_dim]
    rng = np.random.default_rng(1)
    w = (rng.random(c) + 0.5) if opts.get("weight") else None
    y = np.array(y) if opts.get("ignore") else y
    if opts.get("ignore"):
        y.reshape(-1)[::10] = -100
    o = Options(opts.get("reduction", "mean"), w, -100, opts.get("eps", 0.0))

    def ours():
        explain(make_problem(z, y, o, class_dim), 0, threads=threads)

    if torch is None:
        return ours, None
    zt = torch.from_numpy(z)
    if class_dim != 1:
        zt = zt.movedim(class_dim, 1)
    yt = torch.from_numpy(y)
    wt = None if w is None else torch.from_numpy(w.astype(z.dtype))
    kw = {"weight": wt, "label_smoothing": o.label_smoothing, "reduction": o.reduction}

    def theirs():
        F.cross_entropy(zt, yt, **kw)

    return ours, theirs


def section_engine(quick: bool, reps: int, threads: int) -> None:
    header(f"Engine: every option, float32 arrays in memory, {threads} thread(s) each")
    print("xent: make_problem (checks) + explain (batch pass, notes); torch: F.cross_entropy")
    sizes = [(10**5, 100), (10**6, 10)] if quick else [(10**6, 100), (10**7, 10)]
    for n, c in sizes:
        z, y = hard_data(n, c)
        soft = None
        for name, opts in combos():
            if opts.get("soft"):
                if soft is None:
                    del z, y
                    soft = soft_data(n, c)
                ours, theirs = engine_case(*soft, opts, threads)
            else:
                ours, theirs = engine_case(z, y, opts, threads)
            report(f"{n:.0e} x {c} {name}", paired(ours, theirs, reps))
        del soft


def section_sweep(quick: bool, reps: int, threads: int) -> None:
    header("Sizes: plain path, rows 10^4..10^7, C 2..1000 (C = 50,257 is under shapes)")
    rows = [10**4, 10**5, 10**6] if quick else [10**4, 10**5, 10**6, 10**7]
    for n in rows:
        for c in (2, 10, 100, 1000):
            if n * c > (10**7 if quick else 10**8):
                continue
            z, y = hard_data(n, c)
            report(f"{n:.0e} x {c}", paired(*engine_case(z, y, {}, threads), reps))


def section_shapes(quick: bool, reps: int, threads: int) -> None:
    header("Shapes: K-dimensional (N, C, H, W) and class-last (N, T, V) with class_dim=-1")
    rng = np.random.default_rng(3)
    cases = [
        ("seg (8, 5, 512, 512)", (8, 5, 512, 512), 1),
        ("seg (32, 21, 128, 128)", (32, 21, 128, 128), 1),
        ("lm (4, 512, 50257) dim -1", (4, 512, 50257), -1),
    ]
    if quick:
        cases = [("seg (2, 5, 256, 256)", (2, 5, 256, 256), 1), ("lm (1, 64, 50257) dim -1", (1, 64, 50257), -1)]
    for name, shape, dim in cases:
        z = rng.standard_normal(shape, dtype=np.float32) * 3
        c = shape[dim]
        sample = tuple(d for i, d in enumerate(shape) if i != (dim % len(shape)))
        y = rng.integers(0, c, sample)
        every = {"weight": True, "eps": 0.1, "ignore": True}
        for opt_name, opts in (("plain", {}), ("weight+smoothing+ignore", every)):
            report(f"{name} {opt_name}", paired(*engine_case(z, y, opts, threads, dim), reps), 44)
        del z


def section_threads(quick: bool, reps: int) -> None:
    print("\n## Threads: where a second thread starts to pay (every size forced onto both paths)")
    print(f"{'logits':<14} {'C':>5} {'1 thread s':>11} {'2 threads s':>12}   two/one median (min-max)")
    saved = batch.PARALLEL_ELEMENTS
    batch.PARALLEL_ELEMENTS = 1
    try:
        for c in (10, 100):
            for e in range(14, 21 if quick else 23):
                z, y = hard_data((1 << e) // c, c)
                pairs = paired(partial(batch_loss, z, y, Options(), threads=1),
                               partial(batch_loss, z, y, Options(), threads=2), reps)  # fmt: skip
                one = statistics.median(p[0] for p in pairs)
                two = statistics.median(p[1] for p in pairs)
                print(f"2^{e:<12} {c:>5} {one:11.5f} {two:12.5f}   {spread([b / a for a, b in pairs])}")
    finally:
        batch.PARALLEL_ELEMENTS = saved


# --- issue 21: float32 and float64, 1 and 2 threads: few-class K-dim, soft labels, the gradient ---


def set_threads(n: int) -> None:
    if torch is not None:
        torch.set_num_threads(n)


def grad_case(z, y, opts: dict, threads: int):
    """xent: checks + loss pass keeping each row's lse + the whole gradient; torch: forward + backward."""
    c = z.shape[1]
    w = (np.random.default_rng(1).random(c) + 0.5) if opts.get("weight") else None
    o = Options("mean", w, -100, opts.get("eps", 0.0))

    def ours():
        gradient(explain(make_problem(z, y, o), 0, threads=threads, keep_lse=True))

    if torch is None:
        return ours, None
    zt, yt = torch.from_numpy(z), torch.from_numpy(y)
    wt = None if w is None else torch.from_numpy(w.astype(z.dtype))

    def theirs():
        x = zt.detach().requires_grad_(True)
        F.cross_entropy(x, yt, weight=wt, label_smoothing=o.label_smoothing).backward()

    return ours, theirs


def section_gaps(quick: bool, reps: int, threads: int, parts: tuple[str, ...] = GAPS) -> None:
    every = {"weight": True, "eps": 0.1, "ignore": True}
    rng = np.random.default_rng(21)
    seg = [(8, 5, 512, 512), (16, 21, 128, 128)] if not quick else [(2, 5, 256, 256), (4, 21, 64, 64)]
    for n_threads in sorted({1, threads}):
        set_threads(n_threads)
        if "kdim" in parts:
            kdim_part(rng, seg, every, n_threads, reps)
        if "soft" in parts:
            soft_part(quick, n_threads, reps)
        if "grad" in parts:
            grad_part(quick, n_threads, reps)
    set_threads(threads)
    if "json" in parts:
        json_speed(quick)
    if "view" in parts:
        view_cost(quick, reps)


def kdim_part(rng, seg, every, n_threads: int, reps: int) -> None:
    header(f"K-dimensional, few classes: float32 and float64, {n_threads} thread(s) each", width=52)
    for shape in seg:
        for dtype in (np.float32, np.float64):
            z = (rng.standard_normal(shape, dtype=np.float32) * 3).astype(dtype)
            y = rng.integers(0, shape[1], (shape[0], *shape[2:]))
            for name, opts in (("plain", {}), ("weight+smoothing+ignore", every), ("none", {"reduction": "none"})):
                label = f"{shape} {np.dtype(dtype).name} {name}"
                report(label, paired(*engine_case(z, y, opts, n_threads), reps), 52)
            del z


def soft_part(quick: bool, n_threads: int, reps: int) -> None:
    header(f"Soft labels: float32 and float64, {n_threads} thread(s) each", width=52)
    n, c = (10**6, 10) if quick else (10**7, 10)
    for dtype in (np.float32, np.float64):
        z, t = soft_data(n, c)
        z, t = z.astype(dtype), t.astype(dtype)
        for name, opts in (
            ("soft", {"soft": True}),
            ("soft weight+smoothing", {"soft": True, "weight": True, "eps": 0.1}),
        ):
            label = f"{n:.0e} x {c} {np.dtype(dtype).name} {name}"
            report(label, paired(*engine_case(z, t, opts, n_threads), reps), 52)
        del z, t


def grad_part(quick: bool, n_threads: int, reps: int) -> None:
    header(f"The gradient (xent: loss + gradient; torch: forward + backward), {n_threads} thread(s)", width=52)
    sizes = [(10**4, 100), (10**5, 100), (10**6, 10)] if not quick else [(10**4, 100), (10**5, 10)]
    for n, c in sizes:
        for dtype in (np.float32, np.float64):
            z, y = hard_data(n, c)
            z = z.astype(dtype)
            for name, opts in (("plain", {}), ("weight+smoothing", {"weight": True, "eps": 0.1})):
                label = f"{n:.0e} x {c} {np.dtype(dtype).name} {name}"
                report(label, paired(*grad_case(z, y, opts, n_threads), reps), 52)


def json_speed(quick: bool) -> None:
    """Numbers a minute through --format json's array writer (the gradient at 10^6 x 10) into a sink."""
    from xent_tutor.lesson.render import _stream_array

    class Sink:
        def write(self, text: str) -> None:
            pass

    g = np.random.default_rng(5).standard_normal((10**5 if quick else 10**6, 10)) * 1e-3
    g[::97, 3] = np.nan
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        _stream_array(g, Sink())
        runs.append(g.size / (time.perf_counter() - start) * 60 / 1e6)
    print(f"\nJSON numbers (float64, 1% NaN): {spread(runs, '{:.0f}')} million numbers a minute, 3 runs")


def view_cost(quick: bool, reps: int) -> None:
    n, c = (10**6, 10) if quick else (10**7, 10)
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        tmp = Path(folder)
        z, y = hard_data(n, c, seed=1)
        zp, yp = tmp / "x.npy", tmp / "y.npy"
        np.save(zp, z)
        np.save(yp, y)
        del z, y
        base = [*xent_command(), "explain", "--logits", str(zp), "--labels", str(yp)]
        value = [*base, "--format", "value"]
        header(f"Table view cost, whole processes, N = {n:.0e}, C = {c}", "A s", "B s", 44)
        report("table view (A) / --format value (B)", paired(partial(run, base), partial(run, value), reps), 44)
        sink = tmp / "lines.txt"
        none = [*value, "--reduction", "none"]
        took = []
        for _ in range(3):
            with open(sink, "wb") as f:
                start = time.perf_counter()
                run(none, out=f)
                took.append(n / (time.perf_counter() - start) * 60 / 1e6)
        print(f"--reduction none --format value > file: {spread(took, '{:.0f}')} million lines a minute, 3 runs")


# --- whole processes ---------------------------------------------------------------------------


def xent_command() -> list[str]:
    script = shutil.which("xent", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "xent_tutor"]


TORCH_SCRIPT = """
import sys, numpy as np, torch, torch.nn.functional as F
z = np.load(sys.argv[1]); y = np.load(sys.argv[2])
print(F.cross_entropy(torch.from_numpy(z), torch.from_numpy(y)).item())
"""

PHASES_XENT = """
import sys, time, json
t0 = time.perf_counter()
from xent_tutor.cli import app  # noqa: F401  (what the command imports before it reads input)
from xent_tutor.engine.core import explain
from xent_tutor.service import ExplainRequest, build_problem
t1 = time.perf_counter()
p = build_problem(ExplainRequest(logits=sys.argv[1], labels=sys.argv[2]), None)
t2 = time.perf_counter()
r = explain(p, 20)
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "compute": t3 - t2, "loss": float(r.loss)}))
"""

PHASES_TORCH = """
import sys, time, json
t0 = time.perf_counter()
import numpy as np, torch, torch.nn.functional as F
t1 = time.perf_counter()
z = torch.from_numpy(np.load(sys.argv[1])); y = torch.from_numpy(np.load(sys.argv[2]))
t2 = time.perf_counter()
loss = F.cross_entropy(z, y).item()
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "compute": t3 - t2, "loss": loss}))
"""


def run(args: list[str], out=subprocess.DEVNULL) -> None:
    proc = subprocess.run(args, stdout=out, stderr=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}: {proc.stderr.decode()[-300:]}")


def output(args: list[str]) -> str:
    proc = subprocess.run(args, capture_output=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}: {proc.stderr.decode()[-300:]}")
    return proc.stdout.decode()


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


def phases(tmp: Path, zp: Path, yp: Path, reps: int) -> None:
    """import / load / compute of each side, from inside its own process, runs interleaved."""
    xs = tmp / "phases_xent.py"
    ts = tmp / "phases_torch.py"
    xs.write_text(PHASES_XENT)
    ts.write_text(PHASES_TORCH)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE.parent), os.environ.get("PYTHONPATH")]))}
    got: dict[str, list[dict]] = {"xent": [], "torch": []}
    for i in range(reps):
        order = ("xent", "torch") if i % 2 == 0 else ("torch", "xent")
        for side in order:
            if side == "torch" and torch is None:
                continue
            script = xs if side == "xent" else ts
            proc = subprocess.run([sys.executable, str(script), str(zp), str(yp)], capture_output=True, env=env)
            got[side].append(json.loads(proc.stdout))
    print(f"{'phase':<10} {'xent s':>22} {'torch s':>22}")
    for key in ("import", "load", "compute"):
        x = spread([r[key] for r in got["xent"]], "{:.3f}")
        t = spread([r[key] for r in got["torch"]], "{:.3f}")
        print(f"{key:<10} {x:>22} {t:>22}")
    if got["torch"]:
        print(f"losses: xent {got['xent'][0]['loss']:.7f}, torch {got['torch'][0]['loss']:.7f}")


def section_process(quick: bool, reps: int) -> None:
    sizes = [(10**5, 100), (10**6, 10)] if quick else [(10**6, 100), (10**7, 10)]
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        tmp = Path(folder)
        script = tmp / "torch_ce.py"
        script.write_text(TORCH_SCRIPT)
        for n, c in sizes:
            z, y = hard_data(n, c, seed=1)
            zp, yp = tmp / "x.npy", tmp / "y.npy"
            np.save(zp, z)
            np.save(yp, y)
            del z, y
            input_mib = (zp.stat().st_size + yp.stat().st_size) / 2**20
            base = [*xent_command(), "explain", "--logits", str(zp), "--labels", str(yp)]
            value = [*base, "--format", "value"]
            header(f"The user's path, whole processes: N = {n:.0e}, C = {c} float32 .npy ({input_mib:.0f} MiB)",
                   "A s", "B s", 44)  # fmt: skip
            tcmd = [sys.executable, str(script), str(zp), str(yp)]
            report("xent --format value (A) / torch script (B)",
                   paired(partial(run, value), partial(run, tcmd) if torch else None, reps), 44)  # fmt: skip
            report("table view (A) / --format value (B)", paired(partial(run, base), partial(run, value), reps), 44)
            report("table --top 10 (A) / --format value (B)",
                   paired(partial(run, [*base, "--top", "10"]), partial(run, value), reps), 44)  # fmt: skip
            print(f"peak memory, --format value: {peak_rss_mib(value):.0f} MiB (input {input_mib:.0f} MiB)")
            none = [*value, "--reduction", "none"]
            sink = tmp / "lines.txt"
            with open(sink, "wb") as f:
                start = time.perf_counter()
                run(none, out=f)
                took = time.perf_counter() - start
            with open(sink, "rb") as f:
                lines = sum(1 for _ in f)
            sink.unlink()
            rss = peak_rss_mib(none)
            print(f"--reduction none --format value > file: {lines} lines in {took:.2f} s = "
                  f"{lines / took * 60 / 1e6:.1f} million lines/minute; peak {rss:.0f} MiB = input + "
                  f"{rss - input_mib:.0f} MiB")  # fmt: skip
            print("\nPhases inside each process (median (min-max) of runs interleaved xent, torch, torch, xent, ...):")
            phases(tmp, zp, yp, max(3, reps))
            zp.unlink()
            yp.unlink()


def section_startup(quick: bool, reps: int) -> None:
    header("Start-up: whole processes against benchmarks/floor_app.py", "xent s", "floor s", 28)
    floor = [sys.executable, str(HERE / "floor_app.py")]
    runs = max(reps, 5 if quick else 21)
    for label, ours, theirs in (
        ("xent explain (article)", [*xent_command(), "explain"], [*floor, "show"]),
        ("xent explain -f value", [*xent_command(), "explain", "-f", "value", "-q"], [*floor, "show"]),
        ("xent --version", [*xent_command(), "--version"], [*floor, "--version"]),
    ):
        report(label, paired(lambda o=ours: run(o), lambda t=theirs: run(t), runs), 28)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repetitions")
    parser.add_argument("--reps", type=int, default=None, help="pairs per comparison (default 7; quick 3)")
    parser.add_argument("--threads", type=int, default=None, help="threads for both sides (default: xent's)")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated: " + ", ".join(SECTIONS + GAPS))
    args = parser.parse_args()
    reps = args.reps or (3 if args.quick else 7)
    threads = args.threads or workers()
    if torch is not None:
        torch.set_num_threads(threads)
    blas = ""
    try:
        from threadpoolctl import threadpool_info

        blas = ", ".join(f"{i['internal_api']} {i.get('architecture', '')}" for i in threadpool_info())
    except ImportError:
        pass
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, "
          f"torch {torch.__version__ if torch else 'not installed'}, threads {threads}, {os.cpu_count()} cores"
          + (f", BLAS: {blas}" if blas else ""))  # fmt: skip
    print(f"started {time.strftime('%Y-%m-%d %H:%M:%S')}, load average {os.getloadavg()[0]:.1f}")
    if torch is None:
        print("torch is not installed: the torch columns are skipped (pip install torch==2.13.0)")
    chosen = args.only.split(",")
    if "engine" in chosen:
        section_engine(args.quick, reps, threads)
    if "sweep" in chosen:
        section_sweep(args.quick, reps, threads)
    if "shapes" in chosen:
        section_shapes(args.quick, reps, threads)
    if "threads" in chosen:
        section_threads(args.quick, reps)
    if "process" in chosen:
        section_process(args.quick, reps)
    if "startup" in chosen:
        section_startup(args.quick, reps)
    parts = GAPS if "gaps" in chosen else tuple(p for p in GAPS if p in chosen)
    if parts:
        section_gaps(args.quick, reps, threads, parts)
    print(f"\nfinished {time.strftime('%Y-%m-%d %H:%M:%S')}, load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
