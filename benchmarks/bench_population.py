"""Whole-population scoring on the vectorised backend, against a hand-written polars version of the same rules and
against the durable-rules path, in the same run.

    python benchmarks/bench_population.py                    # 1,000,000 in-service members, the issue's figure
    python benchmarks/bench_population.py --members 100000
    python benchmarks/bench_population.py --quick            # 100,000 members, scoring only (a minute or two)

Prints one ``name: value unit`` line per figure. The population is generated column-wise
(``partyrules.synthetic.generate_population``): in-service members, each with a year of monthly records,
incidents, commendations, claimed posts, a checklist and an annual evaluation. The rule set is the shipped
in-service index (5 dimensions, 19 standards, 22 deductions, 5 vetoes). Measured:

- ``generate``: building the population's tables (not part of scoring, shown for the end-to-end figure);
- ``vector``: ``score_population(..., backend="vector")`` from the tables to the scored table: filtering the
  facts, every aggregation over the records, points, floors, totals and grades;
- ``handwritten``: ``benchmarks/handwritten_in_service.py``, the same rules written directly in polars, as an
  analyst would for one rule set (tests/evaluate/test_handwritten_baseline.py proves it agrees), run on the same tables;
- ``from_parquet``: the same population written as partitioned Parquet, read back with every row checked
  (``read_population``) and scored: an analyst's run from files;
- ``engine``: the durable-rules path on a sample (``--engine-sample``), one session per member, as members/s.

Each polars figure is the best of ``--repeat`` runs, the ratios are what to watch (absolute rates vary with the
machine). ``peak_rss`` is the process's peak resident memory after each stage (it only grows).
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import tempfile
import time
from pathlib import Path

import partyrules as pr
from partyrules.synthetic import generate_population, write_generated

sys.path.insert(0, str(Path(__file__).parent))
from handwritten_in_service import score_in_service


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def best_of(repeat: int, fn):
    best, out = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--engine-sample", type=int, default=2_000)
    ap.add_argument("--scoring-only", action="store_true",
                    help="only vector and handwritten (no Parquet round trip, no engine sample)")
    ap.add_argument("--quick", action="store_true", help="--members 100000 --scoring-only")
    args = ap.parse_args()
    if args.quick:
        args.members, args.scoring_only = 100_000, True
    n = args.members

    rs = pr.load_ruleset(pr.shipped_ruleset_path("in_service"))
    t = time.perf_counter()
    pop = generate_population(n, seed=args.seed, categories={"in_service": 1.0})
    t_gen = time.perf_counter() - t
    records = pop.tables["records"].height
    print(f"members: {n:,}")
    print(f"records: {records:,}")
    print(f"generate: {t_gen:.2f} s")
    print(f"peak_rss_after_generate: {peak_rss_mb():,.0f} MB")

    t_vec, scores = best_of(args.repeat, lambda: pr.score_population(rs, pop, "2026"))
    print(f"vector: {t_vec:.2f} s ({n / t_vec:,.0f} members/s)")
    print(f"end_to_end (generate + vector): {t_gen + t_vec:.2f} s")
    print(f"peak_rss_after_vector: {peak_rss_mb():,.0f} MB")

    t_hand, hand = best_of(args.repeat, lambda: score_in_service(pop.tables, 2026))
    print(f"handwritten: {t_hand:.2f} s ({n / t_hand:,.0f} members/s)")
    print(f"vector_vs_handwritten_ratio: {t_vec / t_hand:.2f} (target <= 1.3)")
    # the comparison is only fair if both computed the same thing
    joined = scores.frame.select("subject_id", "total", "grade").join(hand, on="subject_id", suffix="_hand")
    same = joined.height == scores.frame.height == hand.height and \
        (joined["total"] - joined["total_hand"]).abs().max() <= 1e-6 and (joined["grade"] == joined["grade_hand"]).all()
    print(f"handwritten agrees with vector: {same} ({joined.height:,} members compared)")
    if args.scoring_only:
        print(f"peak_rss: {peak_rss_mb():,.0f} MB")
        return

    # an analyst's whole run from files: partitioned Parquet read back, every row checked, then scored
    with tempfile.TemporaryDirectory() as tmp:
        write_generated(n, tmp, seed=args.seed, categories={"in_service": 1.0})
        t = time.perf_counter()
        read = pr.read_population(tmp)
        t_read = time.perf_counter() - t
        t = time.perf_counter()
        from_files = pr.score_population(rs, read.population, "2026")
        t_score = time.perf_counter() - t
    print(f"from_parquet: read and check {t_read:.2f} s + score {t_score:.2f} s = {t_read + t_score:.2f} s "
          f"({len(from_files):,} members, {len(read.problems)} problems)")
    print(f"peak_rss_after_parquet: {peak_rss_mb():,.0f} MB")

    sample = pop.select(pop.subject_ids[:args.engine_sample])
    bundles = list(sample.iter_facts())
    ev = pr.Evaluator(rs)
    t = time.perf_counter()
    for b in bundles:
        ev.evaluate(b, "2026")
    t_eng = time.perf_counter() - t
    eng_rate = len(bundles) / t_eng
    print(f"engine: {eng_rate:,.0f} members/s ({len(bundles):,} members, breakdowns with evidence)")
    print(f"ratio vector/engine throughput: {n / t_vec / eng_rate:,.0f}x")
    print(f"peak_rss: {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
