"""``partyrules checklists``: 照单验收 and 责任区 per branch (seed 000) for a population of members and branches.

Reads the members and branches of JSON or JSON-lines fact files, or generates the demo sub-district with its
checklist acceptance and links (``--demo``), and prints per branch the items due in the period, done, accepted (by
the period's end), accepted after their quarter, the member items serving a branch item and the broken links, and
the branch index's SC10 (a named task missing). A report: it changes no points.

Exit codes: 0 done; 2 no input; 3 the rule set is invalid; 10 some rows could not be read (the others were
reported).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import Any

from ..errors import PartyRulesError
from .common import EXIT_INVALID, EXIT_ROWS_FAILED, error_line, ruleset_arg
from .textout import table

HEADERS = {
    "branch_id": ("党支部", "branch"), "branch_items": ("支部清单事项", "branch items"),
    "member_items": ("党员清单事项", "member items"), "done": ("已完成", "done"),
    "accepted": ("已验收", "accepted"), "accepted_late": ("逾季验收", "accepted late"),
    "serving": ("对应支部事项", "serving"), "broken_links": ("对应无效", "broken links"),
    "missing_named_task": ("缺点名任务(SC10)", "named task missing (SC10)"),
}


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the ``checklists`` subcommand."""
    c = sub.add_parser(
        "checklists", help="checklist acceptance (照单验收) and areas of responsibility (责任区) per branch",
        description="For each branch of FILES (or of the generated demo sub-district with --demo): the checklist "
                    "items due in the period on its own list and its members' lists, how many were done and "
                    "accepted by the period's end, accepted after their quarter, member items serving a branch "
                    "item and links that name no item of the branch's list, and SC10 (a named task missing). A "
                    "report for the branch: points do not change.")
    c.add_argument("population", nargs="*", metavar="FILE", help="JSON or JSON-lines files of member and branch facts")
    c.add_argument("--demo", action="store_true", help="the generated demo sub-district with its checklist facts")
    c.add_argument("--seed", type=int, default=2026, help="seed of the demo sub-district (default 2026)")
    c.add_argument("--period", default=None, help="the period, e.g. 2026 or 2026-Q2 (default: the demo's year, "
                   "else 2026)")
    c.add_argument("--ruleset", type=ruleset_arg, default="branch",
                   help="the branch rule set for SC10: a file or the shipped name (default branch)")
    c.add_argument("--format", choices=["table", "csv", "json"], default="table", help="what to print")
    c.add_argument("--lang", choices=["en", "zh"], default="zh", help="language of the headers (default zh)")
    c.set_defaults(func=cmd_checklists)


def _population(args: argparse.Namespace) -> tuple[list[Any], list[Any], int, str]:
    from ..synthetic import generate_subdistrict
    from ..synthetic.duties import add_duties
    from .population_files import read_bundles

    if args.demo:
        area = add_duties(generate_subdistrict(seed=args.seed), seed=args.seed)
        return list(area.members), list(area.branches), 0, str(area.year)
    members: list[Any] = []
    branches: list[Any] = []
    bad = 0
    for path in args.population:
        for row in read_bundles(path):
            if row.facts is None:
                bad += 1
                print(error_line("checklists", f"row {row.number}: {row.error}", path), file=sys.stderr)
            elif str(type(row.facts).subject_kind) == "member":
                members.append(row.facts)
            elif str(type(row.facts).subject_kind) == "branch":
                branches.append(row.facts)
    return members, branches, bad, "2026"


def cmd_checklists(args: argparse.Namespace) -> int:
    from ..analyse.checklists import checklist_report
    from ..rulesets.loader import load_ruleset

    if not args.demo and not args.population:
        print(error_line("checklists", "no members or branches to report on / 没有要报告的党员或党支部",
                         hint="give fact FILES or --demo"), file=sys.stderr)
        return 2
    try:
        ruleset = load_ruleset(args.ruleset)
        if ruleset.subject_kind != "branch":
            print(error_line("checklists", f"rule set {ruleset.id} is for the subject {ruleset.subject_kind}, not "
                                           "branch / 规则集不是党支部规则集", hint="--ruleset branch"), file=sys.stderr)
            return EXIT_INVALID
        members, branches, bad, year = _population(args)
        report = checklist_report(members, branches, args.period or year, ruleset)
    except PartyRulesError as exc:
        print(error_line("checklists", str(exc.args[0] if exc.args else exc), hint=exc.hint), file=sys.stderr)
        return EXIT_INVALID
    _print(report, args.format, 0 if args.lang == "zh" else 1)
    if bad:
        print(f"{bad} row{'s' if bad != 1 else ''} could not be read; the others were reported", file=sys.stderr)
        return EXIT_ROWS_FAILED
    return 0


def _print(report: Any, fmt: str, lang: int) -> None:
    rows = report.table()
    if fmt == "json":
        print(json.dumps({"period": report.period, "branches": rows,
                          "broken_links": [b.text("zh" if lang == 0 else "en") for b in report.broken]},
                         ensure_ascii=False, indent=2))
        return
    names = list(HEADERS)
    if fmt == "csv":
        out = csv.writer(sys.stdout)
        out.writerow([HEADERS[n][lang] for n in names])
        out.writerows([[r[n] for n in names] for r in rows])
        return
    print(("照单验收与责任区, " if lang == 0 else "Checklist acceptance and areas of responsibility, ") + report.period)
    cells = [[HEADERS[n][lang] for n in names]]
    cells += [["-" if r[n] is None else str(r[n]) for n in names] for r in rows]
    for line in table(cells, right=[False] + [True] * (len(names) - 1), indent=""):
        print(line)
    for b in report.broken:
        print("! " + b.text("zh" if lang == 0 else "en"))
