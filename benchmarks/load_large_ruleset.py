"""Time of loading a large rule set, and whether that time grows linearly with the file's size.

    python benchmarks/load_large_ruleset.py            # a 2 MB file and a 0.5 MB file
    python benchmarks/load_large_ruleset.py --mb 1.5

A block-style rule set is generated: up to 2,000 ratio standards (three expressions each), then deductions (two
each), with expressions of 20 to 250 characters: about 8,600 expressions in 1.99 MB, just under the 2,000,000-byte
file limit. It is loaded with ``loads_ruleset``: read, validated, and every expression parsed and type-checked.
Prints

- ``load_large_ruleset_s``: seconds to load the large file (best of ``--repeat``);
- ``load_per_mb_ratio``: that time divided by the time of a file a quarter of its size: about 4 when loading is
  linear in the size, about 16 when it is quadratic.

Absolute times vary with the machine; the ratio does not.
"""

from __future__ import annotations

import argparse
import time

import partyrules as pr

_HEAD = """\
id: bench-large
version: "1"
title: {zh: 大规则集, en: Large rule set}
subject: member
dimensions:
  - {id: D1, zh: 维度, en: Dimension, max: 10}
standards:
"""
_GRADING = """\
grading:
  - {id: good, zh: 好, en: Good, at_least: 5}
  - {id: poor, zh: 差, en: Poor, at_least: 0}
"""


_MAX_STANDARDS = 2000  # the format's limit; deductions follow


def _condition(i: int) -> str:
    return (f"count(records where volunteer_hours > {i % 97} and dues_paid_on_time) >= {i % 11} "
            f"and (placard_displayed or count(incidents where kind == \"gambling\") == 0) "
            f"and sum(records.volunteer_hours) >= {i % 50} and count(commendations) >= 0")


def _amount(i: int) -> str:
    return (f"count(records where volunteer_hours > {i % 97} and dues_paid_on_time) "
            f"+ sum(records.(volunteer_hours * 2 - households_contacted) where households_contacted > {i % 7}) "
            f"+ count(incidents where kind == \"gambling\") + count(commendations) * {i % 5}")


def _standard(i: int) -> str:
    points = 10 if i == 0 else 1
    return (f"  - id: S{i}\n    dimension: D1\n    zh: 标准{i}\n    en: Standard {i}\n    source: bench\n"
            f"    points: {points}\n    when: {_condition(i)}\n    ratio:\n      numerator: {_amount(i)}\n"
            f"      denominator: period.months * {i % 9 + 1}\n")


def _deduction(i: int) -> str:
    return (f"  - id: K{i}\n    dimension: D1\n    zh: 扣分{i}\n    en: Deduction {i}\n    source: bench\n"
            f"    points: 1\n    cap: 5\n    per: {_amount(i)}\n    when: {_condition(i)}\n")


def ruleset_text(target_bytes: int) -> str:
    """A valid rule set of at most ``target_bytes`` UTF-8 bytes: as many standards as fit (at most 2,000, three
    expressions each), then deductions (two each)."""
    size = len(_HEAD.encode()) + len(_GRADING.encode()) + len("deductions:\n")
    standards: list[str] = []
    deductions: list[str] = []
    while True:
        i = len(standards) + len(deductions)
        block = _standard(i) if len(standards) < _MAX_STANDARDS else _deduction(i)
        n = len(block.encode())
        if size + n > target_bytes:
            break
        (standards if len(standards) < _MAX_STANDARDS else deductions).append(block)
        size += n
    text = _HEAD + "".join(standards)
    if deductions:
        text += "deductions:\n" + "".join(deductions)
    return text + _GRADING


def expressions(text: str) -> int:
    return sum(text.count(k) for k in ("    when: ", "      numerator: ", "      denominator: ", "    per: "))


def time_load(text: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        pr.loads_ruleset(text, file="bench-large.yaml")
        best = min(best, time.process_time() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=1.99, help="size of the large file in MB (10^6 bytes)")
    parser.add_argument("--repeat", type=int, default=2, help="loads per size; the best time counts")
    args = parser.parse_args()
    large = ruleset_text(int(args.mb * 1_000_000))
    small = ruleset_text(int(args.mb * 1_000_000 / 4))
    t_large = time_load(large, args.repeat)
    t_small = time_load(small, args.repeat)
    print(f"load_large_ruleset_bytes: {len(large.encode())} ({expressions(large)} expressions)")
    print(f"load_large_ruleset_s: {t_large:.3f}")
    print(f"load_small_ruleset_s: {t_small:.3f}")
    print(f"load_per_mb_ratio: {t_large / t_small:.2f}")


if __name__ == "__main__":
    main()
