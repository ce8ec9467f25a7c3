"""Which standards of the shipped rule sets separate the generated demo sub-district, and which do not.

    python benchmarks/standards_coverage.py                 # seed 2026, period 2026 (the year)
    python benchmarks/standards_coverage.py --seed 7 --all  # every standard, not only the degenerate ones
    python benchmarks/standards_coverage.py --near 0.98     # also those at 0 or full for 98% of the subjects

Scores the demo population (``generate_subdistrict``) with every shipped rule set on the vectorised backend and
prints one ``ruleset.rule: share_zero share_full`` line per standard that is 0 for every scored subject or at its
full points for every scored subject (``--all``: every standard). A standard that never moves is either a gap of
the generator (it never makes the behaviour the standard rewards) or a fact of the rule set (for example a
standard every subject of that kind meets by construction); the lines are the list to judge.

The last line, ``degenerate: N of M``, counts the degenerate standards over all rule sets.
"""

from __future__ import annotations

import argparse

import partyrules as pr
from partyrules.shipped_rulesets import SHIPPED
from partyrules.synthetic import SubDistrict, generate_subdistrict


def _subjects(sd: SubDistrict, key: str) -> list:  # type: ignore[type-arg]
    if key == "branch":
        return list(sd.branches)
    if key == "community":
        return list(sd.communities)
    return list(sd.members)


def coverage(seed: int, period: str) -> list[tuple[str, str, int, float, float]]:
    """(rule set file stem, standard id, subjects scored, share at 0, share at full points) per standard."""
    sd = generate_subdistrict(seed=seed)
    out = []
    for key, file in SHIPPED.items():
        rs = pr.load_ruleset(pr.shipped_ruleset_path(key))
        scores = pr.score_population(rs, pr.facts_to_population(_subjects(sd, key)), period)
        if scores.failures:
            raise SystemExit(f"{file}: {len(scores.failures)} subjects failed, e.g. {scores.failures[0]}")
        frame = scores.frame
        stem = file.removesuffix(".yaml")
        for std in rs.standards:
            # a standard the period does not assess is null: it neither scores 0 nor full
            col = frame.get_column(f"rule:{std.id}").drop_nulls()
            n = col.len()
            zero = float((col <= 1e-9).sum()) / n if n else 0.0
            full = float((col >= std.points - 1e-9).sum()) / n if n else 0.0
            out.append((stem, std.id, n, zero, full))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--period", default="2026")
    parser.add_argument("--all", action="store_true", help="print every standard, not only the degenerate ones")
    parser.add_argument("--near", type=float, default=1.0,
                        help="also print standards at 0 or full for at least this share of the subjects (e.g. 0.98)")
    args = parser.parse_args()
    rows = coverage(args.seed, args.period)
    degenerate = 0
    for stem, rule, n, zero, full in rows:
        flat = n > 0 and (zero == 1.0 or full == 1.0)
        degenerate += flat
        if flat or args.all or zero >= args.near or full >= args.near:
            print(f"{stem}.{rule}: {zero:.3f} {full:.3f}" + ("" if n else "  (not assessed in the period)"))
    print(f"degenerate: {degenerate} of {len(rows)}")


if __name__ == "__main__":
    main()
