"""The mid-year outlook of a whole population (``partyrules.analyse.outlook.outlook_population``) against scoring
the same population once, in the same run.

    python benchmarks/bench_outlook.py                      # 1,000,000 in-service members, the issue's figure
    python benchmarks/bench_outlook.py --members 100000

The population is generated column-wise (``partyrules.synthetic.generate_population``, as bench_population.py):
in-service members with a year of monthly records, incidents, commendations and an annual evaluation each, scored
with the shipped in-service index. Prints one ``name: value`` line per figure:

- ``score_seconds``: ``score_population(rs, pop, "2026")`` once (the baseline);
- ``outlook_1m_seconds`` (or ``outlook_<n>_seconds``): ``outlook_population(rs, pop, "2026-06")``: the known tables
  filtered by date, the candidate completions of each extreme (the remaining months recorded or not, the annual
  evaluation none or at its extreme) and of keeping to what is asked (the annual evaluation none or at its worst)
  built as tables and each scored with the vectorised backend (together in one call for a small population);
- ``outlook_over_score``: the ratio, what to watch (absolute times move with the machine's load): nine scorings
  of a population of up to the same size (the index reads the annual evaluation), plus building the tables;
- ``counts``: secure, on track, at risk and out of reach of 合格.
"""

from __future__ import annotations

import argparse
import resource
import time

import partyrules as pr
from partyrules.analyse.outlook import outlook_population
from partyrules.synthetic import generate_population


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--as-of", default="2026-06")
    args = ap.parse_args()
    n = args.members
    rs = pr.load_ruleset(pr.shipped_ruleset_path("in_service"))
    pop = generate_population(n, seed=args.seed, categories={"in_service": 1.0})
    t = time.perf_counter()
    pr.score_population(rs, pop, "2026")
    base = time.perf_counter() - t
    t = time.perf_counter()
    out = outlook_population(rs, pop, args.as_of)
    took = time.perf_counter() - t
    name = "1m" if n == 1_000_000 else str(n)
    print(f"members: {n}")
    print(f"score_seconds: {base:.2f}")
    print(f"outlook_{name}_seconds: {took:.2f}")
    print(f"outlook_over_score: {took / base:.1f}")
    print(f"counts: {out.counts()}")
    print(f"peak_rss_mb: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")


if __name__ == "__main__":
    main()
