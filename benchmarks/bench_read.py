"""Reading and checking a population against a plain read of the same files (issue 17, target 2).

Generates N members as partitioned Parquet (partyrules.synthetic.write_generated), then times, each in a fresh
subprocess so that their memory peaks are separate: a plain ``pl.read_parquet`` of every file (the baseline) and
``read_population`` (every row parsed and checked). Prints ``name: value`` lines and the ratios; the target is
reading within 2x of the plain read and a memory peak within 1.5x of the tables' own size.

With ``--repeat N`` the two are run N times each, alternating, and the least time and memory of each is taken: on a
shared machine a run's wall time moves with the load (one run alone gave anything from 1.9x to 2.7x), the least of
alternating runs much less. The processes' CPU seconds are printed too, a ratio that the load hardly moves.

    python benchmarks/bench_read.py --members 200000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _status_mib(field: str) -> float | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _rss_mib() -> float:
    """The peak resident size of this process so far. VmHWM on Linux: ru_maxrss is carried over from the parent
    across fork and exec, so a child of the process that generated the files would start at the parent's peak."""
    peak = _status_mib("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _base_mib() -> float:
    current = _status_mib("VmRSS")
    return current if current is not None else _rss_mib()


def _child(what: str, directory: str) -> None:
    import polars as pl

    from partyrules.population.io import read_population

    base = _base_mib()  # after the imports: what the work itself adds is measured
    t0, c0 = time.perf_counter(), time.process_time()
    if what == "plain":
        frames = [pl.read_parquet(p) for p in sorted(Path(directory).glob("*.parquet"))]
        size = sum(f.estimated_size() for f in frames)
        rows = sum(f.height for f in frames)
        problems = 0
    else:
        read = read_population(directory)
        size = sum(f.estimated_size() for f in read.population.tables.values())
        rows = sum(f.height for f in read.population.tables.values())
        problems = len(read.problems)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "peak_mib": _rss_mib(), "base_mib": base,
                      "table_mib": size / 2**20, "rows": rows, "problems": problems}))


def _run(what: str, directory: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", what, directory], check=True, capture_output=True,
                         text=True).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def _least(runs: list[dict[str, float]]) -> dict[str, float]:
    """The least time, CPU time and added memory of repeated runs (the sizes are the same in each)."""
    best = dict(min(runs, key=lambda r: r["peak_mib"] - r["base_mib"]))
    best["seconds"] = min(r["seconds"] for r in runs)
    best["cpu_seconds"] = min(r["cpu_seconds"] for r in runs)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=1_000_000)
    ap.add_argument("--partition-size", type=int, default=250_000)
    ap.add_argument("--dir", help="reuse (or write) the generated files here")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each, alternating; the least of each is taken")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(*args.child)
        return
    from partyrules.synthetic import write_generated

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(args.dir or tmp)
        if not any(directory.glob("subjects-*.parquet")):
            t0 = time.perf_counter()
            files = write_generated(args.members, directory, seed=0, partition_size=args.partition_size)
            print(f"generate_seconds: {time.perf_counter() - t0:.2f}")
            print(f"files: {len(files)}")
        print(f"members: {args.members}")
        plains, checks = [], []
        for i in range(args.repeat):
            plains.append(_run("plain", str(directory)))
            checks.append(_run("read_population", str(directory)))
            if args.repeat > 1:
                print(f"run {i + 1}: plain {plains[-1]['seconds']:.2f} s, read_population {checks[-1]['seconds']:.2f} s"
                      f" ({checks[-1]['seconds'] / plains[-1]['seconds']:.2f}x)")
        plain, checked = _least(plains), _least(checks)
        for name, r in (("plain_read", plain), ("read_population", checked)):
            print(f"{name}_seconds: {r['seconds']:.2f}")
            print(f"{name}_peak_rss_mib: {r['peak_mib']:.0f}")
            print(f"{name}_added_rss_mib: {r['peak_mib'] - r['base_mib']:.0f}")
        print(f"tables_mib: {plain['table_mib']:.0f}")
        print(f"read_population_problems: {checked['problems']:.0f}")
        print(f"ratio_time_read_population_to_plain: {checked['seconds'] / plain['seconds']:.2f}  (target <= 2)")
        print(f"ratio_cpu_read_population_to_plain: {checked['cpu_seconds'] / plain['cpu_seconds']:.2f}")
        print(f"ratio_added_rss_to_tables: {(checked['peak_mib'] - checked['base_mib']) / plain['table_mib']:.2f}"
              "  (target <= 1.5)")
        print(f"ratio_added_rss_plain_to_tables: {(plain['peak_mib'] - plain['base_mib']) / plain['table_mib']:.2f}")


if __name__ == "__main__":
    main()
