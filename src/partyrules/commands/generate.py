"""``partyrules generate OUT``: the seeded sample sub-district written as files, so that every command can be
tried on files without writing Python.

``OUT`` gets one population per subject kind: ``members``, ``branches`` and ``communities``, each a directory of
table files (``--format csv`` or ``parquet``), a workbook ``members.xlsx`` (``xlsx``) or a JSON-lines file
``members.jsonl`` (``jsonl``). The same seed and sizes always write the same facts (those of
:func:`partyrules.synthetic.generate_subdistrict`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import PartyRulesError
from .common import EXIT_UNREADABLE, report

FILE_FORMATS = ("csv", "parquet", "xlsx", "jsonl")
KINDS = (("members", "member"), ("branches", "branch"), ("communities", "community"))


def register(sub: argparse._SubParsersAction[Any]) -> None:
    g = sub.add_parser("generate", help="write the seeded sample population to files (csv, parquet, xlsx, jsonl)",
                       description="Writes the generated sample sub-district (members, branches, communities) as "
                                   "files every command reads, e.g. partyrules year OUT/members.xlsx "
                                   "OUT/branches.xlsx OUT/communities.xlsx --year 2026 --out tables/")
    g.add_argument("out", help="directory to write into (created if missing)")
    g.add_argument("--format", choices=FILE_FORMATS, default="csv", help="file format (default csv)")
    g.add_argument("--seed", type=int, default=2026, help="the seed (default 2026, the demo's)")
    g.add_argument("--year", type=int, default=2026, help="the year of the facts (default 2026)")
    g.add_argument("--members", type=int, default=2972, help="members (default 2972, the demo's)")
    g.add_argument("--organisations", type=int, default=175, help="Party organisations (default 175)")
    g.add_argument("--communities", type=int, default=19, help="communities (default 19)")
    g.set_defaults(func=cmd_generate)


def cmd_generate(args: argparse.Namespace) -> int:
    from ..population.frames import facts_to_population
    from ..population.io import write_population
    from ..synthetic import generate_subdistrict

    out = Path(args.out)
    try:
        area = generate_subdistrict(seed=args.seed, year=args.year, communities=args.communities,
                                    organisations=args.organisations, members=args.members)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, kind in KINDS:
            facts = getattr(area, name)
            target = out / (f"{name}.{args.format}" if args.format in ("xlsx", "jsonl") else name)
            written.append(write_population(facts_to_population(facts, kind), target, format=args.format))
    except (PartyRulesError, ValueError, OSError) as exc:
        if not isinstance(exc, PartyRulesError):
            exc = PartyRulesError(f"{out}: {exc}", hint="check the path and the sizes (each at least 1)")
        report("generate", exc)
        return EXIT_UNREADABLE
    for path in written:
        print(path)
    print(f"{len(area.members)} members, {len(area.branches)} organisations, {len(area.communities)} communities "
          f"/ 已生成示例数据", file=sys.stderr)
    return 0
