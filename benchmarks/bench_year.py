"""The demo's assessment year (the generated sub-district: 2,972 members, 175 branches, 19 communities; Q1-Q4 and
the year for each), scored as tables (the default) against the engine as the demo ran it before (subject by
subject, in forked processes, one per core), in the same run.

    python benchmarks/bench_year.py               # the demo sub-district
    python benchmarks/bench_year.py --repeat 3

Prints one ``name: value`` line per figure:

- ``year_vector_s``: ``run_year(...)`` with the default backend, best of ``--repeat``;
- ``year_engine_s``: ``run_year(..., backend="engine", workers=<cores>)``, once (it is the slow side);
- ``engine_over_vector``: the ratio, what to watch (absolute times move with the machine's load);
- ``breakdown_on_demand_ms``: making one subject's five breakdowns afterwards (``year.subject_year``);
- ``tables_equal``: 1 when every table of the two years is equal (members, branches, rankings, lists, funding...).

With ``--crossover``, it times both backends (the engine in one process) on sub-districts of growing size and
prints ``crossover_<n>_engine_over_vector`` per size: where the ratio passes 1 is where ``backend="auto"``
(``partyrules.cycle.year.TABLES_FROM``) should switch.
"""

from __future__ import annotations

import argparse
import os
import time

from partyrules.cycle.year import YearOptions, run_year, shipped_rulesets
from partyrules.synthetic import generate_subdistrict


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--crossover", action="store_true", help="time both backends on growing populations")
    args = ap.parse_args()
    if args.crossover:
        crossover(args.seed)
        return
    area = generate_subdistrict(seed=args.seed)
    rulesets = shipped_rulesets()
    options = YearOptions(funding_pool_fen=50_000_000)

    def year(**kw: object) -> object:
        return run_year(area.members, area.branches, area.communities, year=area.year, rulesets=rulesets,
                        options=options, **kw)  # type: ignore[arg-type]

    best = float("inf")
    for _ in range(args.repeat):
        t = time.perf_counter()
        tables = year()
        best = min(best, time.perf_counter() - t)
    t = time.perf_counter()
    engine = year(backend="engine", workers=os.cpu_count())
    slow = time.perf_counter() - t
    t = time.perf_counter()
    tables.subject_year(area.members[len(area.members) // 2].subject_id)  # type: ignore[attr-defined]
    one = time.perf_counter() - t
    print(f"year_vector_s: {best:.2f}")
    print(f"year_engine_s: {slow:.2f}")
    print(f"engine_over_vector: {slow / best:.1f}")
    print(f"breakdown_on_demand_ms: {one * 1000:.1f}")
    print(f"tables_equal: {int(tables.tables() == engine.tables())}")  # type: ignore[attr-defined]


def crossover(seed: int) -> None:
    rulesets = shipped_rulesets()
    for members in (50, 100, 200, 400, 800):
        area = generate_subdistrict(seed=seed, communities=3, organisations=max(4, members // 17), members=members)
        times = {}
        for backend in ("vector", "engine"):
            best = float("inf")
            for _ in range(2):
                t = time.perf_counter()
                run_year(area.members, area.branches, year=area.year, rulesets=rulesets, backend=backend)
                best = min(best, time.perf_counter() - t)
            times[backend] = best
        n = len(area.members) + len(area.branches)
        print(f"crossover_{n}_engine_over_vector: {times['engine'] / times['vector']:.2f}")


if __name__ == "__main__":
    main()
