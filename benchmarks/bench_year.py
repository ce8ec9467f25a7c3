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
    args = ap.parse_args()
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


if __name__ == "__main__":
    main()
