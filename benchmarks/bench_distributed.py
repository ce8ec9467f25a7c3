"""Distributed scoring on a LocalCluster: 10,000,000 generated members from partitioned Parquet, on 1 and on 2
workers, against the single-machine path on a slice of the same files, in the same run.

    python benchmarks/bench_distributed.py                              # the issue's figure: 10M members
    python benchmarks/bench_distributed.py --members 1000000 --configs 1x1 2x1

Prints one ``name: value unit`` line per figure. The population is written once by
``partyrules.synthetic.write_generated`` (250,000 members per part) into ``--dir`` and reused when the
directory already holds the same number of members. For each worker count a new LocalCluster (one thread per
worker process) runs, with the shipped in-service index:

- ``score``: ``score_distributed`` from the files: every partition read, every row checked, scored, plus the global
  checks (ids unique across partitions, rows whose subject is elsewhere);
- ``ranks``: ranks of every scored member within their branch and across the population;
- ``lists``: the warning list (bottom 10% of each branch);
- ``diagnose``: the diagnostics merged from the partitions;
- ``funding``: a pool allocated to the fen over every scored member;
- ``compare`` (on ``--compare-on`` only): base against the ``service-weight-30`` reform (scoring the reform
  too), transitions, tau-b, top-k, rule effects, funding shift;
- ``peak_worker_rss``: the largest resident memory any worker process reached (sampled every 0.2 s), and
  ``peak_client_rss`` this process's.

The baseline (``single``) is the single-machine path (``read_population`` then ``score_population``) on the
first ``--single-parts`` parts, in this process: ``per_member`` ratios compare the cluster's throughput with it.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import threading
import time
from pathlib import Path
from typing import Any

import partyrules as pr
from partyrules.analyse.diagnostics_partitioned import diagnose_distributed
from partyrules.distributed import connect, parquet_partitions, score_distributed
from partyrules.funding import allocate_distributed, funding_entries
from partyrules.ranking import lists_distributed, rank_distributed
from partyrules.shipped_rulesets import shipped_ruleset_path
from partyrules.synthetic import write_generated


def _rss() -> int:
    import psutil

    return psutil.Process().memory_info().rss


class WorkerMemory:
    """Samples every worker's resident memory in the background and keeps the peak per worker."""

    def __init__(self, client: Any, every: float = 0.2) -> None:
        self.client, self.every = client, every
        self.peak: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                for w, rss in self.client.run(_rss).items():
                    self.peak[w] = max(self.peak.get(w, 0), rss)
            except Exception:  # a sample lost while a worker is busy starting is only a sample
                pass
            self._stop.wait(self.every)

    def __enter__(self) -> WorkerMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def ensure_population(directory: Path, members: int, part: int) -> None:
    marker = directory / "generated.json"
    want = {"members": members, "partition_size": part, "seed": 7}
    if marker.exists() and json.loads(marker.read_text()) == want:
        print(f"population: reusing {directory}")
        return
    t = time.perf_counter()
    for old in directory.glob("*.parquet"):
        old.unlink()
    write_generated(members, directory, seed=7, partition_size=part)
    marker.write_text(json.dumps(want))
    size = sum(p.stat().st_size for p in directory.glob("*.parquet"))
    print(f"generate: {time.perf_counter() - t:.1f} s ({size / 1e6:.0f} MB of Parquet)")


def timed(name: str, fn: Any, figures: dict[str, float]) -> Any:
    gc.collect()
    t = time.perf_counter()
    out = fn()
    figures[name] = time.perf_counter() - t
    print(f"  {name}: {figures[name]:.1f} s", flush=True)
    return out


def run_cluster(config: str, directory: Path, rs: pr.RuleSet, reform: pr.RuleSet | None,
                memory_limit: str) -> dict[str, float]:
    workers, threads = (int(x) for x in config.split("x"))
    figures: dict[str, float] = {}
    print(f"cluster {config}: {workers} worker(s), {threads} polars thread(s) each", flush=True)
    with connect(n_workers=workers, threads_per_worker=1, memory_limit=memory_limit,
                 polars_threads=threads) as client, WorkerMemory(client) as mem:
        source = parquet_partitions(directory)
        ds = timed("score", lambda: score_distributed(rs, source, "2026", client=client), figures)
        print(f"  scored: {len(ds):,} members ({len(ds.not_applicable):,} not applicable, "
              f"{len(ds.failures)} failed, {len(ds.problems)} bad rows) in {len(ds.partitions)} partitions")
        timed("ranks", lambda: len(rank_distributed(ds, ("branch_id",))), figures)
        timed("lists", lambda: lists_distributed(ds, ("branch_id",), 0.1, "warning")[1].height, figures)
        timed("diagnose", lambda: diagnose_distributed(ds), figures)
        timed("funding", lambda: allocate_distributed(10**9, ds.map_frame(funding_entries))[1], figures)
        if reform is not None:
            from partyrules.comparison import compare_distributed

            def both() -> Any:
                rf = score_distributed(reform, source, "2026", client=client)
                c = compare_distributed(ds, rf, by=("category",), funding_pool=10**9)
                return c.summary()

            summary = timed("compare", both, figures)
            print(f"  compare: {summary['moved']:,} moved, tau-b {summary['kendall_tau_b']}")
        figures["peak_worker_rss_mb"] = max(mem.peak.values()) / 2**20 if mem.peak else float("nan")
        figures["members"] = len(ds)
    print(f"  peak_worker_rss: {figures['peak_worker_rss_mb']:.0f} MB", flush=True)
    return figures


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=10_000_000)
    ap.add_argument("--partition-size", type=int, default=250_000)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/partyrules-bench-population"))
    ap.add_argument("--configs", nargs="+", default=["1x1", "2x1", "1x2"],
                    help="clusters to run, as <workers>x<polars threads per worker>")
    ap.add_argument("--memory-limit", default="10GiB", help="per worker")
    ap.add_argument("--single-parts", type=int, default=4, help="parts scored on one machine as the baseline")
    ap.add_argument("--no-compare", action="store_true")
    ap.add_argument("--compare-on", default="2x1", help="the one cluster config that also runs the comparison")
    args = ap.parse_args()

    args.dir.mkdir(parents=True, exist_ok=True)
    ensure_population(args.dir, args.members, args.partition_size)
    rs = pr.load_ruleset(shipped_ruleset_path("in_service"))
    reform = None
    if not args.no_compare:
        reforms = Path(__file__).resolve().parent.parent / "rulesets" / "reforms"
        reform = pr.apply_reform(rs, pr.load_reform(reforms / "service-weight-30.yaml"))

    # the single-machine baseline on the first parts, in this process
    source = parquet_partitions(args.dir)
    parts = source.files[: args.single_parts]
    from partyrules.population.io import read_files

    merged = {t: [f for p in parts for f in p.get(t, [])] for t in parts[0]}
    t = time.perf_counter()
    read = read_files({k: [Path(f) for f in v] for k, v in merged.items()}, "member")
    single_scores = pr.score_population(rs, read.population, "2026")
    single = time.perf_counter() - t
    single_members = len(read.population)
    print(f"single: {single:.1f} s for {single_members:,} members read, checked and scored in one process "
          f"({single_members / single:,.0f} members/s)")
    del read, single_scores
    gc.collect()

    results = {c: run_cluster(c, args.dir, rs, reform if c == args.compare_on else None, args.memory_limit)
               for c in args.configs}
    total = args.members
    for c, f in results.items():
        rate = total / f["score"]
        print(f"score_rate[{c}]: {rate:,.0f} members/s; vs single process: {rate / (single_members / single):.2f}x; "
              f"peak worker RSS {f['peak_worker_rss_mb']:,.0f} MB")
    # scale-out: one more worker of the same size (1x1 -> 2x1); the whole machine either way (1x2 -> 2x1)
    for a, b in (("1x1", "2x1"), ("1x2", "2x1")):
        if a in results and b in results:
            for step in ("score", "ranks", "lists", "diagnose", "funding"):
                print(f"speedup[{a} -> {b}][{step}]: {results[a][step] / results[b][step]:.2f}x")
    print(f"peak_client_rss: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
