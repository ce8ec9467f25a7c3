"""Calibrating the grade cut-offs of a whole population (``partyrules.analyse.calibrate.calibrate``) against scoring
the same population once, in the same run.

    python benchmarks/bench_calibrate.py                    # 1,000,000 in-service members, the issue's figure
    python benchmarks/bench_calibrate.py --members 100000

The population is generated column-wise (``partyrules.synthetic.generate_population``, as bench_outlook.py):
in-service members with a year of records, scored once with the shipped in-service index. The targets are the
issue's: 优秀 at most a third in every branch, 优秀 about 5% overall (a fifth cannot go with that quota: see
docs/calibrate.md) and a warning list of about 10%. Prints one ``name: value`` line per figure:

- ``score_seconds``: ``score_population(rs, pop, "2026")`` once (the baseline);
- ``search_seconds``: the exact search over the cut-offs alone (nothing re-scored);
- ``calibrate_1m_seconds`` (or ``calibrate_<n>_seconds``): the whole ``calibrate``: the search, the reform, the
  regraded table and its comparison with the base;
- ``calibrate_over_score``: the ratio, what to watch (absolute times move with the machine's load).
"""

from __future__ import annotations

import argparse
import resource
import time

import partyrules as pr
from partyrules.analyse.calibrate import calibrate
from partyrules.analyse.calibrate.cutoffs import CutoffSearch
from partyrules.analyse.calibrate.shares import Grading, table_of
from partyrules.analyse.calibrate.targets import parse_target, resolve
from partyrules.synthetic import generate_population

TARGETS = ["优秀<=1/3 per branch", "优秀~5%±1%", "warning~10%"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    n = args.members
    rs = pr.load_ruleset(pr.shipped_ruleset_path("in_service"))
    pop = generate_population(n, seed=args.seed, categories={"in_service": 1.0})
    t = time.perf_counter()
    scores = pr.score_population(rs, pop, "2026")
    base = time.perf_counter() - t
    t = time.perf_counter()
    targets = resolve([parse_target(x) for x in TARGETS], rs)
    choice = CutoffSearch(table_of(scores.frame, ["branch"]), Grading.of(rs), targets, rs.max_points).run()
    search = time.perf_counter() - t
    t = time.perf_counter()
    result = calibrate(scores, TARGETS)
    took = time.perf_counter() - t
    name = "1m" if n == 1_000_000 else str(n)
    print(f"members: {n}")
    print(f"branches: {scores.frame['branch_id'].n_unique()}")
    print(f"score_seconds: {base:.2f}")
    print(f"search_seconds: {search:.2f}")
    print(f"calibrate_{name}_seconds: {took:.2f}")
    print(f"calibrate_over_score: {took / base:.2f}")
    print(f"cut_offs: {result.calibrated} (search alone: {choice.cuts if choice else None})")
    print("achieved: " + "; ".join(a.text("en") for a in result.achieved))
    print(f"peak_rss_mb: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")


if __name__ == "__main__":
    main()
