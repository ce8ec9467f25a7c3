"""Time of ``diff_rulesets`` over the demo sub-district, per shipped rule set.

    python benchmarks/bench_diff.py               # seed 2026: 2,972 members, 175 branches, 19 communities
    python benchmarks/bench_diff.py --seed 7

Each rule set is compared with itself under one changed parameter, over every subject of its kind (members of
the other categories are counted as not applicable, which costs an evaluation that stops at ``applies_to``).
Prints one ``name: value unit`` line per figure; absolute times vary with the machine.
"""

from __future__ import annotations

import argparse
import time

import partyrules as pr
from partyrules.analyse.diff import diff_rulesets
from partyrules.synthetic import generate_subdistrict

# (shipped rule set, population attribute of the sub-district, parameter override of the new version)
CASES = (
    ("in_service", "members", {"organ_volunteer_hours": 150}),
    ("retired", "members", {"volunteer_hours_per_year": 36}),
    ("new_citizen", "members", {"lapse_months": 4}),
    ("branch", "branches", {"attendance_rate_min": 0.9}),
    ("community", "communities", {"satisfaction_min": 0.9}),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    area = generate_subdistrict(seed=args.seed)
    for key, attribute, params in CASES:
        ruleset = pr.load_ruleset(pr.shipped_ruleset_path(key))
        population = getattr(area, attribute)
        started = time.perf_counter()
        diff = diff_rulesets(ruleset, ruleset.with_params(**params), population, str(area.year))
        seconds = time.perf_counter() - started
        print(f"diff_{key}_seconds: {seconds:.2f} s ({len(population)} subjects, {diff.subjects} compared, "
              f"{diff.grade_changed} changed grade)")
        print(f"diff_{key}_rate: {len(population) / seconds:,.0f} subjects/s")


if __name__ == "__main__":
    main()
