"""``partyrules year``: run an assessment year for a population from files and write the result tables."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from ..errors import ParameterError, RuleSetError
from .common import EXIT_INVALID, EXIT_ROWS_FAILED, error_line, parse_params, report, ruleset_arg, yuan_to_fen
from .progress import Progress, add_progress_flag, progress_for

_fen = yuan_to_fen  # the one money parser of the command line: yuan, exact to the fen


def _share(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a share: {text!r}") from None
    if not 0 <= v <= 1:
        raise argparse.ArgumentTypeError(f"a share is between 0 and 1, got {text}")
    return v


def _ruleset_params(pairs: list[str] | None) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for pair in pairs or ():
        rid, sep, rest = pair.partition(":")
        if not sep:
            raise ParameterError(f"year: --param needs RULESET_ID:NAME=VALUE, got {pair[:80]!r}",
                                 hint="e.g. --param member-in-service:organ_volunteer_hours=150")
        out.setdefault(rid, {}).update(parse_params([rest]))
    return out


def cmd_year(args: argparse.Namespace) -> int:
    from ..cycle.year import shipped_rulesets
    from ..rulesets.loader import load_ruleset
    from .population_files import read_bundles

    try:
        rulesets = [load_ruleset(p) for p in args.ruleset] if args.ruleset else list(shipped_rulesets().values())
    except RuleSetError as exc:
        report("year", exc)
        return EXIT_INVALID
    params = _ruleset_params(args.param)
    known = {rs.id for rs in rulesets}
    unknown = sorted(set(params) - known)
    if unknown:
        print(error_line("year", f"--param names rule sets that are not loaded: {', '.join(unknown)} / "
                                 "参数所指规则集未加载",
                         hint=f"loaded: {', '.join(sorted(known))}"), file=sys.stderr)
        return 2
    bad = 0
    population: dict[str, list[Any]] = {"member": [], "branch": [], "community": []}
    with progress_for(args) as progress:
        for path in args.population:
            for row in progress.track(read_bundles(path), f"reading {path}"):
                if row.facts is None:
                    bad += 1
                    print(error_line("year", f"row {row.number}: {row.error}", path), file=sys.stderr)
                    continue
                population[str(type(row.facts).subject_kind)].append(row.facts)
        return _run(args, rulesets, params, population, bad, progress)


def _run(args: argparse.Namespace, rulesets: list[Any], params: dict[str, dict[str, Any]],
         population: dict[str, list[Any]], bad: int, progress: Any) -> int:
    from ..cycle.tables import write_tables
    from ..cycle.targets import load_star_targets
    from ..cycle.year import YearOptions, run_year

    options = YearOptions(
        warning_share=args.warning_share, priority_share=args.priority_share,
        funding_pool_fen=args.funding_pool_yuan, vetoed_floor_fen=args.vetoed_floor_yuan or 0,
        funding_basis=args.funding_basis, funding_min_score=args.funding_min_score,
        star_targets=load_star_targets(args.targets) if args.targets else None, star_targets_year=args.targets_year)
    with _StageBars(progress, args.year) as tell:
        result = run_year(population["member"], population["branch"], population["community"], year=args.year,
                          rulesets=rulesets, params=params, options=options, progress=tell)
    for f in result.failures:
        bad += 1
        print(error_line("year", f"{f.subject_id or 'row'}: {f.error}"), file=sys.stderr)
    with progress.step(f"writing the tables to {args.out}"):
        paths = write_tables(result.tables(), args.out, args.format)
    print(f"{len(result.members)} members, {len(result.branches)} branches, {len(result.communities)} communities "
          f"scored for {args.year}; {len(result.member_warnings) + len(result.branch_warnings)} warned, "
          f"{len(result.branch_priority)} branches on the priority list, {len(result.pairings.pairs)} pairings")
    for p in paths:
        print(p)
    if bad:
        print(f"{bad} subject{'s' if bad != 1 else ''} could not be scored; the others were", file=sys.stderr)
        return EXIT_ROWS_FAILED
    return 0


class _StageBars:
    """The year's stages as progress bars with counts, one per stage (``run_year``'s progress callback); nothing
    at all when progress is off (a pipe), since the disabled steps draw nothing."""

    def __init__(self, progress: Progress, year: int) -> None:
        self.progress = progress
        self.year = year
        self.stack = ExitStack()
        self.stage: str | None = None
        self.advance: Callable[[int], None] = lambda k: None
        self.done = 0

    def __enter__(self) -> Callable[[str, int, int], None]:
        self.stack.__enter__()
        return self.tell

    def __exit__(self, *exc: Any) -> None:
        self.stack.__exit__(*exc)

    def tell(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.stack.close()  # the previous stage's bar is complete
            self.stack = ExitStack()
            self.advance = self.stack.enter_context(self.progress.step(f"{self.year}: {stage}", total))
            self.stage, self.done = stage, 0
        if done > self.done:
            self.advance(done - self.done)
            self.done = done


def register(sub: argparse._SubParsersAction[Any]) -> None:
    y = sub.add_parser("year", help="run an assessment year for a population and write the result tables",
                       description="Score every member's and branch's quarters and year, apply the 优秀 quota, rank "
                       "within layers and categories, cut the warning and priority lists, pair branches, share a "
                       "funding pool and check the six-star targets. Subjects that cannot be scored are reported "
                       "(exit 10) and the rest of the year still runs.")
    y.add_argument("population", nargs="+", help="member, branch and community facts: JSON or JSON-lines files, "
                   "directories of CSV or Parquet tables, or .xlsx workbooks")
    y.add_argument("--year", type=int, required=True, help="the assessment year, e.g. 2026")
    y.add_argument("--out", required=True, help="directory for the tables")
    y.add_argument("--format", choices=["csv", "json", "parquet", "xlsx"], default="csv",
                   help="parquet needs the analysis extra (polars); xlsx the sheets extra (openpyxl): Chinese "
                        "headers, money in yuan, frozen header row; CSV has a byte-order mark for spreadsheets")
    y.add_argument("--ruleset", action="append", type=ruleset_arg, metavar="RULESET",
                   help="a rule-set file or shipped name (repeatable; default: the shipped ones)")
    y.add_argument("--param", action="append", metavar="RULESET_ID:NAME=VALUE",
                   help="override a parameter of one rule set (repeatable)")
    y.add_argument("--warning-share", type=_share, default=0.10, help="bottom share of each pool warned (0.10)")
    y.add_argument("--priority-share", type=_share, default=0.10, help="top share of branches prioritised (0.10)")
    y.add_argument("--funding-pool-yuan", type=_fen, default=None, metavar="YUAN",
                   help="the 以奖代补 pool in yuan, exact to the fen (e.g. 120000.50), shared among branches by "
                        "each branch's index and its graded members' mean annual percent (weights: the branch "
                        "rule set's funding_weight_* parameters)")
    y.add_argument("--funding-basis", choices=["score", "excess"], default="score",
                   help="share the pool by the score, or by the score above --funding-min-score (default score)")
    y.add_argument("--funding-min-score", type=float, default=0.0,
                   help="a branch below this score gets no share (default 0)")
    y.add_argument("--vetoed-floor-yuan", type=_fen, default=None, metavar="YUAN",
                   help="what a vetoed branch still gets, in yuan (default 0)")
    y.add_argument("--targets", help="six-star targets file (default: the shipped one)")
    y.add_argument("--targets-year", type=int, default=None,
                   help="the year of the targets to check (default: the latest not after --year)")
    add_progress_flag(y)
    y.set_defaults(func=cmd_year)

