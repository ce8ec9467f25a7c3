"""``partyrules template --kind member|branch OUT.xlsx``: the workbook a branch secretary fills each month.

One sheet per table, headers in Chinese (or English), a note on each header with what it means and its unit,
drop-down lists for every closed value, an example row (an exemplary subject's facts) and the header row frozen.
The filled workbook is read by every command that takes a population (``read_population('OUT.xlsx')``)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..errors import PartyRulesError
from .common import EXIT_UNREADABLE, report


def register(sub: argparse._SubParsersAction[Any]) -> None:
    t = sub.add_parser("template", help="write the .xlsx workbook a branch secretary fills each month",
                       description="Writes a workbook with one sheet per table of a member or branch population: "
                                   "Chinese headers with notes, drop-down lists, an example row, frozen headers.")
    t.add_argument("out", help="the workbook to write, e.g. branch-2026-03.xlsx")
    t.add_argument("--kind", choices=["member", "branch"], default="member", help="member or branch facts")
    t.add_argument("--lang", choices=["zh", "en"], default="zh",
                   help="headers and drop-down values in Chinese (default) or English column names")
    t.add_argument("--year", type=int, default=2026, help="the year of the example row (default 2026)")
    t.add_argument("--category", default="in_service",
                   help="the member category of the example row (in_service, retired, new_citizen, mobile)")
    t.set_defaults(func=cmd_template)


def cmd_template(args: argparse.Namespace) -> int:
    from ..facts.exemplary import exemplary_branch, exemplary_member
    from ..population.io.xlsx_write import write_template

    try:
        example = (exemplary_member(args.category, args.year) if args.kind == "member"
                   else exemplary_branch(args.year))
        path = write_template(args.kind, args.out, lang=args.lang, example=[example])
    except (PartyRulesError, ValueError, OSError) as exc:
        if not isinstance(exc, PartyRulesError):
            exc = PartyRulesError(f"{args.out}: {exc}", hint="check the path and the options")
        report("template", exc)
        return EXIT_UNREADABLE
    print(f"{path}: {args.kind} template / 填报模板已写入", file=sys.stderr)
    return 0
