"""``partyrules fairness POPULATION... --year Y`` (or ``--demo``): is each grade as reachable in every category?

Scores the exemplary subject of each category for every quarter and the year, the population with each index, and
prints (or writes) the fairness report: structural gaps first, then gaps in conduct (docs/fairness.md).

Exit codes: 0 done; 2 usage (no population and no ``--demo``, no ``--year``); 3 a rule set is invalid; 6 with
``--fail-on-structural``, when the report finds a structural gap; 10 some rows could not be read or scored (the
others were).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from ..errors import PartyRulesError, RuleSetError
from .common import (
    EXIT_GATE_EXCEEDED,
    EXIT_INVALID,
    EXIT_ROWS_FAILED,
    EXIT_UNREADABLE,
    error_line,
    ruleset_arg,
)
from .common import (
    report as report_error,
)
from .progress import add_progress_flag, progress_for


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the ``fairness`` subcommand."""
    f = sub.add_parser(
        "fairness", help="structural and conduct gaps between the member indices (needs the analysis extra)",
        description="Scores the exemplary subject of each member category (and, with --branches, an exemplary "
                    "branch) for each quarter and the year, and the population with each index; reports the "
                    "reachable maximum per period, free points, what each kind of verified conduct costs in each "
                    "index, facts weighted differently across indices, grade shares and quantiles, and the items "
                    "nobody or everybody earns, with findings that separate structure from conduct. Exit 6 with "
                    "--fail-on-structural when a structural gap is found, 10 when rows could not be read or scored.")
    f.add_argument("population", nargs="*", metavar="POPULATION",
                   help="JSON lines of fact bundles, or a directory of Parquet or CSV tables (members; branches too "
                        "with --branches)")
    f.add_argument("--demo", action="store_true", help="the generated demo sub-district (partyrules demo)")
    f.add_argument("--seed", type=int, default=2026, help="the demo's seed (default 2026)")
    f.add_argument("--year", type=int, default=None, help="the assessment year (the demo's by default)")
    f.add_argument("--ruleset", action="append", metavar="RULESET", type=ruleset_arg,
                   help="a member (or branch) index to compare (repeatable; default: the shipped ones)")
    f.add_argument("--branches", action="store_true", help="include the branch index")
    f.add_argument("--annual", action="store_true",
                   help="run the assessment year (run_year) and take the year's grades from the annual results")
    f.add_argument("--once-a-year-month", type=int, default=6, choices=range(1, 13), metavar="1..12",
                   help="the month of the exemplary subjects' once-a-year items (default 6)")
    f.add_argument("--format", choices=["text", "json", "html"], default="text",
                   help="report format (default text)")
    f.add_argument("--out", metavar="FILE", help="write the report here instead of printing it")
    f.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the report (default zh)")
    add_progress_flag(f)
    f.add_argument("--fail-on-structural", action="store_true", help="exit 6 when a structural gap is found")
    f.set_defaults(func=cmd_fairness)


def _read(paths: list[str], problems: list[str]) -> dict[str, Any]:
    import polars as pl

    from ..population.frames import Population
    from ..population.io import read_population

    by_kind: dict[str, list[Population]] = {}
    for path in paths:
        read = read_population(path)
        problems.extend(f"{path}: {p}" for p in read.problems)
        by_kind.setdefault(read.population.subject_kind, []).append(read.population)
    out: dict[str, Any] = {}
    for kind, pops in by_kind.items():
        if len(pops) == 1:
            out[kind] = pops[0]
        else:
            out[kind] = Population(kind, {t: pl.concat([p.tables[t] for p in pops]) for t in pops[0].tables})
    return out


def cmd_fairness(args: argparse.Namespace) -> int:
    from ..analyse.fairness import fairness
    from ..rulesets.loader import load_ruleset

    if not args.population and not args.demo:
        print(error_line("fairness", "no population given / 未给出对象", hint="give a population (file or "
                         "directory) or --demo"), file=sys.stderr)
        return 2
    try:
        rulesets = [load_ruleset(p) for p in args.ruleset] if args.ruleset else None
    except RuleSetError as exc:
        report_error("fairness", exc)
        return EXIT_INVALID
    problems: list[str] = []
    if args.demo:
        from ..synthetic import generate_subdistrict

        area = generate_subdistrict(seed=args.seed)
        year = args.year or area.year
        population: Any = area if args.branches else {"member": _members(area)}
    else:
        if args.year is None:
            print(error_line("fairness", "--year is required with a population / 需要 --year",
                             hint="e.g. --year 2026"), file=sys.stderr)
            return 2
        year = args.year
        try:
            with progress_for(args) as progress, progress.step("reading the population"):
                population = _read(args.population, problems)
        except PartyRulesError as exc:  # a population that cannot be read: nothing was scored
            report_error("fairness", exc)
            return EXIT_UNREADABLE
        if not args.branches:
            population.pop("branch", None)
    with progress_for(args) as progress:
        year_result = None
        if args.annual:
            with progress.step(f"the assessment year {year}"):
                year_result = _run_year(population, year, rulesets, args.branches, problems)
        if rulesets is not None and args.branches is False:
            rulesets = [rs for rs in rulesets if rs.subject_kind != "branch"]
        with progress.step("scoring the exemplary subjects and the population"):
            report = fairness(population, year=year, year_result=year_result, rulesets=rulesets,
                              branches=args.branches, once_a_year_month=args.once_a_year_month)
    problems += report.notes
    if args.format == "json":
        text = report.to_json() + "\n"
    elif args.format == "html":
        text = report.to_html(args.lang)
    else:
        text = report.to_text(args.lang)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(args.out)
    else:
        sys.stdout.write(text)
    for p in problems:
        print(f"partyrules fairness: {p}", file=sys.stderr)
    if problems:
        return EXIT_ROWS_FAILED
    if args.fail_on_structural and report.structural:
        print(f"partyrules fairness: {len(report.structural)} structural finding(s)", file=sys.stderr)
        return EXIT_GATE_EXCEEDED
    return 0


def _members(area: Any) -> Any:
    from ..population.frames import facts_to_population

    return facts_to_population(area.members, "member")


def _run_year(population: Any, year: int, rulesets: Any, branches: bool, problems: list[str]) -> Any:
    from ..cycle.year import run_year, shipped_rulesets
    from ..synthetic import SubDistrict

    if isinstance(population, SubDistrict):
        members, branch_facts = list(population.members), list(population.branches) if branches else []
    else:
        members = list(population["member"].iter_facts()) if "member" in population else []
        branch_facts = list(population["branch"].iter_facts()) if branches and "branch" in population else []
    chosen = rulesets or [rs for k, rs in shipped_rulesets().items() if k != "community" and
                          (branches or k != "branch")]
    result = run_year(members, branch_facts, year=year, rulesets=chosen, workers=os.cpu_count(),
                      keep_breakdowns=False)
    problems.extend(f"{f.subject_id or 'row'}: {f.error}" for f in result.failures)
    return result
