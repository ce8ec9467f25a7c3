"""``partyrules reporting POPULATION... --month YYYY-MM``: the in-service members' monthly plan, assessment and
notice to the employer (一月一计划、一考核、一通报, seed 002), read from the same records as the in-service index.

Exit codes: 0 done; 1 a population file cannot be read; 2 usage (no population and no ``--demo``, a malformed
month, an unknown or not in-service ``--member``, no in-service member at all); 3 the rule set is invalid; 10 some
rows could not be read (the others were reported).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from typing import Any

from ..errors import PartyRulesError, RuleSetError
from .common import EXIT_INVALID, EXIT_ROWS_FAILED, EXIT_UNREADABLE, error_line, report, ruleset_arg

_USAGE = 2


def register(sub: argparse._SubParsersAction[Any]) -> None:
    r = sub.add_parser(
        "reporting", help="the in-service members' monthly plan, assessment and notice to the employer",
        description="For each in-service member and the month: the plan (what the member is expected to do, from "
                    "the in-service index's targets and parameters), the assessment (what the month's record shows "
                    "against it) and the notice to the member's employer (一月一计划、一考核、一通报, 双向反馈; "
                    "seed 002). The cycle gives or takes no points; a month without a record is reported as such.")
    r.add_argument("population", nargs="*", metavar="POPULATION",
                   help="JSON or JSON-lines files of member facts (other subjects are skipped)")
    r.add_argument("--month", required=True, metavar="YYYY-MM", help="the month, e.g. 2026-03")
    r.add_argument("--member", action="append", metavar="ID", help="only this member (repeatable)")
    r.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the text and table (zh)")
    r.add_argument("--format", choices=["table", "text", "csv"], default="table",
                   help="table: one line a member; text: plan, assessment and notice; csv: the flat table")
    r.add_argument("--ruleset", type=ruleset_arg, metavar="RULESET",
                   help="the in-service index to read targets and parameters from (default: the shipped one)")
    r.add_argument("--demo", action="store_true", help="the generated demo sub-district (partyrules demo)")
    r.add_argument("--seed", type=int, default=2026, help="the demo's seed (default 2026)")
    r.add_argument("--systems", action="store_true", help="also print the eight systems (八项制度) and their coverage")
    r.set_defaults(func=cmd_reporting)


def _read(paths: list[str]) -> tuple[list[Any], int]:
    from .population_files import read_bundles

    facts: list[Any] = []
    bad = 0
    for path in paths:
        for row in read_bundles(path):
            if row.facts is None:
                bad += 1
                print(error_line("reporting", f"row {row.number}: {row.error}", path), file=sys.stderr)
            else:
                facts.append(row.facts)
    return facts, bad


def _csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    if rows:
        w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    return buf.getvalue()


def cmd_reporting(args: argparse.Namespace) -> int:
    from ..cycle.reporting import reporting_cycle
    from ..cycle.reporting_text import cycle_table, cycle_text
    from ..cycle.systems import systems_text
    from ..periods import Month
    from ..rulesets.loader import load_ruleset
    from ..shipped_rulesets import shipped_ruleset_path

    if not args.population and not args.demo:
        print(error_line("reporting", "no population given / 未给出对象",
                         hint="give a JSON or JSON-lines file of member facts, or --demo"), file=sys.stderr)
        return _USAGE
    try:
        month = Month.parse(args.month)
    except PartyRulesError as exc:
        report("reporting", exc)
        return _USAGE
    try:
        ruleset = load_ruleset(args.ruleset or shipped_ruleset_path("in_service"))
    except RuleSetError as exc:
        report("reporting", exc)
        return EXIT_INVALID
    bad = 0
    if args.demo:
        from ..synthetic import generate_subdistrict

        population: list[Any] = list(generate_subdistrict(seed=args.seed).members)
    else:
        try:
            population, bad = _read(args.population)
        except PartyRulesError as exc:
            report("reporting", exc)
            return EXIT_UNREADABLE
    try:
        cycle = reporting_cycle(population, month, ruleset, member_ids=args.member)
    except PartyRulesError as exc:
        report("reporting", exc)
        return _USAGE
    if not cycle.members:
        print(error_line("reporting", "no in-service member in the population / 对象中没有在职党员",
                         hint="the cycle is for members whose category is in_service"), file=sys.stderr)
        return _USAGE
    if args.format == "csv":
        sys.stdout.write(_csv(cycle.rows()))
    elif args.format == "text":
        sys.stdout.write(cycle_text(cycle, args.lang))
    else:
        sys.stdout.write(cycle_table(cycle.members, args.lang))
    if args.systems:
        sys.stdout.write("\n" + systems_text(args.lang))
    return EXIT_ROWS_FAILED if bad else 0
