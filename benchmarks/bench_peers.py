"""One subject against the peers: partyrules' explained path beside zen-engine and rule-engine, in one run.

    python benchmarks/bench_peers.py              # 2,000 members
    python benchmarks/bench_peers.py --members 500

The bench rule set (benchmarks/bench-member.yaml) is translated mechanically from its typed expressions
(benchmarks/peers/translate.py), never by hand, into

- **zen-engine** (GoRules' Rust engine, Python binding): one JDM decision, a chain of expression nodes and one
  decision-table node per ``bands`` standard, that computes every rule's points, floors and caps each dimension
  and returns the total (benchmarks/peers/zen_decision.py). It returns the total and nothing else: no line per
  rule, no evidence (the values read, the records counted), no plain-language explanation, no grade, no checks
  that the facts are the subject's own. Timed as ``ZenDecision.evaluate`` one member at a time and as
  ``ZenEngine.evaluate_batch`` over batches of 100 members (reported per member).
- **rule-engine** (pure Python, ``decimal.Decimal`` arithmetic): one expression per rule giving its points, the
  dimension floors and the sum in Python (benchmarks/peers/rule_engine_rules.py); the total only, likewise. It
  infers and converts the types of a whole list (records, their nested counts) each time an expression reads it,
  hundreds of milliseconds per member here, so it is checked and timed on the first ``--rule-engine-members``.

partyrules is timed on what it actually gives: ``Evaluator.evaluate``, the durable-rules engine path, from the
pydantic facts to a full ``ScoreBreakdown`` (every line with its evidence and zh/en explanation, the grade, the
reason codes); and the reference backend (the expression closures decide the firings, same breakdown). Its batch
path, ``Evaluator.evaluate_many``, is set against zen's ``evaluate_batch``.

The peers read each member as a JSON-like dict built once before the timing (``peer_input``: the pydantic facts
dumped, with partyrules' filter of verified conduct within the period applied); partyrules starts from the pydantic
facts inside the timing. The input's build time is printed as ``peer_input_build`` so the two can be compared.

Every member's total is checked first: each peer must give partyrules' total (rounded to 6 decimals, as
partyrules rounds); the count of equal totals is printed, and no ratio is printed when any differs. Times are
per member (``perf_counter_ns`` around each call, the cyclic GC frozen as bench_engine does), the paths
interleaved member by member so that a change of the machine's load falls on all of them; ratios are what to read,
absolute times move with the load.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import partyrules as pr
from partyrules.evaluate.reference import ReferenceEvaluator
from partyrules.facts import MemberCategory
from partyrules.synthetic import generate_member_facts

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from peers.translate import peer_input  # noqa: E402

BATCH = 100


def _quantiles(ns: Sequence[int]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    qs = statistics.quantiles(ns, n=100, method="inclusive")
    return qs[49] / 1e6, qs[98] / 1e6


Case = tuple[str, Callable[[Any], Any], Sequence[Any]]


def timed(cases: Sequence[Case], rounds: int) -> dict[str, list[int]]:
    """Nanoseconds per call of each case, the cases interleaved item by item (the i-th item of every case, then
    the next): a machine whose load changes during the run slows every case alike, so the ratios hold."""
    for _, fn, items in cases:
        fn(items[0])  # warm up: handles created, closures compiled
    gc.collect()
    out: dict[str, list[int]] = {name: [] for name, _, _ in cases}
    clock = time.perf_counter_ns
    for _ in range(rounds):
        for i in range(max(len(items) for _, _, items in cases)):
            for name, fn, items in cases:
                if i < len(items):
                    x = items[i]
                    t = clock()
                    fn(x)
                    out[name].append(clock() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--rounds", type=int, default=1, help="times over the members (more samples for the p99)")
    ap.add_argument("--rule-engine-members", type=int, default=50,
                    help="members checked and timed on rule-engine (hundreds of ms each: it re-reads its input's "
                         "types on every read of a list)")
    args = ap.parse_args()
    try:
        import zen

        from peers.rule_engine_rules import RuleEngineScorer
        from peers.zen_decision import decision_json
    except ImportError as exc:
        sys.exit(f"the peers are not installed ({exc.name}): pip install -e '.[bench]'")

    rs = pr.load_ruleset(HERE / "bench-member.yaml")
    period = pr.Period.year(2026)
    members = generate_member_facts(args.members, seed=args.seed, category=MemberCategory.IN_SERVICE)
    print(f"members: {len(members)}")
    print(f"rules: {len(rs.rules)} rules")

    ours = pr.Evaluator(rs)
    reference = ReferenceEvaluator(rs)
    jdm = decision_json(rs)
    engine = zen.ZenEngine({"loader": lambda key: jdm})
    zen_decision = engine.create_decision(jdm)
    rule_engine_scorer = RuleEngineScorer(rs)
    t = time.perf_counter()
    inputs = [peer_input(rs, f, period) for f in members]
    print(f"peer_input_build_ms: {(time.perf_counter() - t) / len(members) * 1e3:.3f} ms per member (outside timing)")

    # -- the same totals, or no ratios -------------------------------------------------------------------------
    totals = [ours.evaluate(f, period).total for f in members]
    zen_totals = [round(zen_decision.evaluate(x)["result"]["total"], 6) for x in inputs]
    few = inputs[:args.rule_engine_members]
    re_totals = [rule_engine_scorer.total(x) for x in few]
    equal_zen = sum(a == b for a, b in zip(totals, zen_totals, strict=True))
    equal_re = sum(a == b for a, b in zip(totals[:len(few)], re_totals, strict=True))
    print(f"equal_totals_zen: {equal_zen} of {len(members)}")
    print(f"equal_totals_rule_engine: {equal_re} of {len(few)}")
    same = equal_zen == len(members) and equal_re == len(few)

    # -- per member ------------------------------------------------------------------------------------------
    gc.freeze()  # the population is long-lived: keep the cyclic GC from rescanning it (every path alike)
    results: dict[str, tuple[float, float]] = {}
    cases: list[Case] = [
        ("partyrules_explained", lambda f: ours.evaluate(f, period), members),
        ("partyrules_reference", lambda f: reference.evaluate(f, period), members),
        ("zen_evaluate", zen_decision.evaluate, inputs),
        ("rule_engine", rule_engine_scorer.total, few),
    ]
    for name, ns in timed(cases, args.rounds).items():
        results[name] = _quantiles(ns)
        p50, p99 = results[name]
        print(f"{name}_p50_ms: {p50:.3f}")
        print(f"{name}_p99_ms: {p99:.3f}")

    # -- batches (per member) --------------------------------------------------------------------------------
    zen_batches = [[{"key": "bench", "context": x} for x in inputs[i:i + BATCH]] for i in range(0, len(inputs), BATCH)]
    our_batches = [members[i:i + BATCH] for i in range(0, len(members), BATCH)]
    batch_cases: list[Case] = [("zen_evaluate_batch", engine.evaluate_batch, zen_batches),
                               ("partyrules_evaluate_many", lambda b: ours.evaluate_many(b, period), our_batches)]
    for (name, _, batches), ns_all in zip(batch_cases, timed(batch_cases, args.rounds).values(), strict=True):
        ns = [n // len(b) for n, b in zip(ns_all, batches * args.rounds, strict=True)]
        results[name] = _quantiles(ns) if len(ns) > 1 else (ns[0] / 1e6, ns[0] / 1e6)
        print(f"{name}_per_member_p50_ms: {results[name][0]:.3f} (batches of {BATCH})")
        print(f"{name}_per_member_p99_ms: {results[name][1]:.3f}")

    if not same:
        print("ratios: not printed, the totals differ")
        sys.exit(1)
    for ours_name, peer in (("partyrules_explained", "zen_evaluate"), ("partyrules_reference", "zen_evaluate"),
                            ("partyrules_evaluate_many", "zen_evaluate_batch"),
                            ("partyrules_explained", "rule_engine")):
        for i, q in enumerate(("p50", "p99")):
            print(f"ratio_{ours_name}_to_{peer}_{q}: {results[ours_name][i] / results[peer][i]:.2f} x "
                  f"(target <= 1.0)" if peer.startswith("zen") else
                  f"ratio_{ours_name}_to_{peer}_{q}: {results[ours_name][i] / results[peer][i]:.2f} x")


if __name__ == "__main__":
    main()
