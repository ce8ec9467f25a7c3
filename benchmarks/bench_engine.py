"""Throughput of the durable-rules path against raw durable-rules, in the same run.

    python benchmarks/bench_engine.py            # 20,000 members, the issue's figure
    python benchmarks/bench_engine.py --members 2000

Prints one ``name: value unit`` line per figure. The rule set is benchmarks/bench-member.yaml (41 rules in the
shape of an in-service member index). Three measurements over the same generated members:

- ``partyrules``: ``Evaluator.evaluate`` end to end: context from the pydantic facts, derived values, engine
  facts, durable-rules matching, scoring and a full validated ScoreBreakdown with evidence for every line;
- ``raw_durable``: the same compiled engine rules run through durable-rules' own Python API (a ``Host`` with its
  dispatcher threads disabled, one session per member, facts asserted one by one as the notes advise, trivial
  actions that add a constant per firing), with the facts already built as dicts outside the timing: the engine
  and its binding alone, the strictest baseline;
- ``raw_durable_with_facts``: the same, building the facts inside the timing.

The ratios are what to watch; absolute rates vary with the machine.
"""

from __future__ import annotations

import argparse
import gc
import json
import time
import tracemalloc
from pathlib import Path

from durable.engine import Host, MessageNotHandledException

import partyrules as pr
from partyrules.compile.durable import compile_ruleset
from partyrules.evaluate.context import build_context, engine_facts
from partyrules.evaluate.evaluator import chunk_payloads
from partyrules.facts import MemberCategory
from partyrules.synthetic import generate_member_facts

HERE = Path(__file__).parent


class QuietHost(Host):
    """durable-rules' Host without its background dispatcher (which races with the caller)."""

    def _run(self) -> None:
        return None


def raw_facts(plan, facts, period):
    ctx = build_context(plan, facts, period)
    subject, items = engine_facts(plan, ctx)
    return [[json.loads(f) for f in chunk] for chunk in chunk_payloads(plan, subject, items)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    rs = pr.load_ruleset(HERE / "bench-member.yaml")
    plan = compile_ruleset(rs)
    period = pr.Period.year(2026)
    t = time.perf_counter()
    members = generate_member_facts(args.members, seed=args.seed, category=MemberCategory.IN_SERVICE)
    print(f"generate_members: {args.members / (time.perf_counter() - t):.0f} members/s")
    print(f"rules: {len(rs.rules)} rules")
    print(f"engine_rules: {sum(len(c.rules) for c in plan.chunks)} rules in {len(plan.chunks)} durable rulesets")

    # -- partyrules --------------------------------------------------------------------------------------
    gc.freeze()  # the population is long-lived: keep the cyclic GC from rescanning it (both paths alike)
    ev = pr.Evaluator(rs)
    ev.evaluate(members[0], period)  # warm up: handles created, closures compiled
    gc.collect()
    t = time.perf_counter()
    lines = 0
    for f in members:
        lines += len(ev.evaluate(f, period).lines)
    ours = time.perf_counter() - t
    print(f"partyrules_members_per_s: {args.members / ours:.0f} members/s")
    print(f"partyrules_us_per_member: {ours / args.members * 1e6:.1f} us")
    print(f"breakdown_lines_per_member: {lines / args.members:.1f} lines")

    # -- raw durable-rules -------------------------------------------------------------------------------
    host = QuietHost()
    fired = [0]
    points = [0.0]

    def action(c) -> None:
        fired[0] += 1
        points[0] += 1.0

    names = []
    for chunk in plan.chunks:
        name = f"raw_{chunk.index}"
        host.set_rulesets({name: {r.name: {**r.definition, "run": action} for r in chunk.rules}})
        names.append(name)

    prebuilt = [raw_facts(plan, f, period) for f in members]
    gc.collect()
    t = time.perf_counter()
    run_raw(host, names, prebuilt)
    raw = time.perf_counter() - t
    raw_fired = fired[0]
    print(f"raw_durable_members_per_s: {args.members / raw:.0f} members/s")
    print(f"engine_firings_per_member: {raw_fired / args.members:.1f} firings")

    fired[0] = 0
    gc.collect()
    t = time.perf_counter()
    run_raw(host, names, [raw_facts(plan, f, period) for f in members])
    raw_with = time.perf_counter() - t
    print(f"raw_durable_with_facts_members_per_s: {args.members / raw_with:.0f} members/s")

    # our engine path must see exactly the firings the raw engine saw
    ours_fired = 0
    for f in members[: min(2000, len(members))]:
        ctx = build_context(plan, f, period)
        subject, items = engine_facts(plan, ctx)
        ours_fired += len(ev.engine.run_once(chunk_payloads(plan, subject, items), f.subject_id))
    sample = min(2000, len(members))
    raw_count = _raw_count(plan, members[:sample], period, host, names, fired)
    print(f"firings_check: {'equal' if ours_fired == raw_count else 'DIFFERENT'} ({ours_fired} vs {raw_count} "
          f"on {sample} members)")

    print(f"ratio_partyrules_to_raw_durable: {ours / raw:.2f} x (target <= 1.5)")
    print(f"ratio_partyrules_to_raw_durable_with_facts: {ours / raw_with:.2f} x")

    # -- memory per breakdown --------------------------------------------------------------------------------
    tracemalloc.start()
    kept = [ev.evaluate(f, period) for f in members[:1000]]
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"breakdown_memory: {current / len(kept) / 1024:.1f} KiB per breakdown")


def run_raw(host, names, prebuilt, prefix: str = "") -> None:
    """durable-rules as its own API is used: one session per member, facts one by one, then delete the session."""
    for i, chunks in enumerate(prebuilt):
        sid = f"{prefix}{i}"
        for name, facts in zip(names, chunks, strict=True):
            stored = False
            for fact in facts:
                fact["sid"] = sid
                try:
                    host.assert_fact(name, fact)
                    stored = True
                except MessageNotHandledException:
                    pass
            if stored:  # deleting a session that never stored a fact crashes durable-rules (free())
                host.delete_state(name, sid)


def _raw_count(plan, members, period, host, names, fired) -> int:
    fired[0] = 0
    run_raw(host, names, [raw_facts(plan, f, period) for f in members], prefix="c")
    return fired[0]


if __name__ == "__main__":
    main()
