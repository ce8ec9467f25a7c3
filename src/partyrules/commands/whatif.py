"""``partyrules whatif RULESET --reform R.yaml --population P``: a policy what-if over a whole population.

Scores the population under the rule set and under the rule set with the reforms applied (vectorised), compares
the two (grade transitions, Kendall's tau, who moved and which rules moved them, per-rule effects, funding when a
pool is given), diagnoses the base, and writes the tables and, on request, a self-contained HTML report.

Exit codes: 0 done; 3 the rule set or a reform is invalid; 10 some rows could not be read or scored (the others
were scored and compared).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..errors import ParameterError, PartyRulesError, RuleSetError
from ..score.scoring import jsonable
from .common import (
    EXIT_INVALID,
    EXIT_ROWS_FAILED,
    EXIT_UNREADABLE,
    error_line,
    fen_int,
    parse_params,
    report,
    ruleset_arg,
    yuan_to_fen,
)
from .progress import Progress, progress_for
from .textout import grade_names, summary_lines, transition_lines, word

TABLE_FORMATS = ("csv", "parquet", "json", "xlsx")


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the ``whatif`` subcommand."""
    w = sub.add_parser(
        "whatif", help="score a population under a rule set and a reform of it, and compare (needs the analysis "
                       "extra)",
        description="Score every subject of the population (vectorised) under RULESET and under RULESET with the "
                    "reforms applied in order, compare them (grade transitions, Kendall's tau, top-k overlap, who "
                    "moved and which rules moved them, per-rule effects, funding shifts with --funding-pool) and "
                    "diagnose the base. Writes the tables to --out and an HTML report to --report. Exit 10 when "
                    "rows could not be read or scored, 3 when the rule set or a reform is invalid.")
    w.add_argument("ruleset", metavar="RULESET", type=ruleset_arg,
                   help="the base rule set: a file or a shipped name (in_service, retired, new_citizen, branch)")
    w.add_argument("--reform", action="append", required=True, metavar="FILE",
                   help="a reform file (repeat to compose several, applied in order)")
    w.add_argument("--population", required=True, metavar="P",
                   help="JSON lines of fact bundles, or a directory of Parquet or CSV table files")
    w.add_argument("--period", default="2026", help="2026, 2026-Q1, 2026-03 or 2026-01..2026-06 (default 2026)")
    w.add_argument("--param", action="append", metavar="NAME=VALUE", help="override a parameter of the base")
    w.add_argument("--by", action="append", metavar="COLUMN",
                   help="group the comparison, its report and its funding by this attribute (repeat for several): "
                        "category, status, branch_id (or branch), community (needs --branches); default category "
                        "for members / 分组: 党员类别、支部、社区")
    w.add_argument("--branches", metavar="P",
                   help="the branches' population (a directory or file of their subjects table, as partyrules "
                        "generate writes it): each member's community is the organisation above their branch "
                        "(parent_org_id), for --by community / 支部数据, 用于按社区分组")
    w.add_argument("--allow-missing-table", action="append", default=[], metavar="TABLE",
                   help="score as if the population had an empty TABLE when it gives none (repeat for several); "
                        "without it a table the rules read that the population does not give is an error")
    w.add_argument("--funding-pool-yuan", type=yuan_to_fen, default=None, metavar="YUAN", dest="funding_pool",
                   help="allocate this pool (in yuan, exact to the fen, e.g. 120000.50) under both and report the "
                        "shift")
    # the old spelling, in integer fen: still accepted, hidden from --help, with a warning when used
    w.add_argument("--funding-pool", type=fen_int, default=None, dest="funding_pool_fen", help=argparse.SUPPRESS)
    w.add_argument("--top-k", type=int, default=100, help="size of the top for the overlap (default 100)")
    w.add_argument("--out", metavar="DIR", help="write the tables here")
    w.add_argument("--table-format", choices=TABLE_FORMATS, default="csv",
                   help="format of the tables written to --out (default csv; parquet, json and xlsx also)")
    w.add_argument("--report", metavar="FILE", help="write a self-contained HTML report here")
    w.add_argument("--format", choices=["text", "json"], default="text", help="what to print")
    w.add_argument("--lang", choices=["en", "zh"], default="en",
                   help="language of the output and of the whole report / 输出和报告的语言")
    w.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="show progress of reading, scoring and comparing on stderr (default: only when stderr is a "
                        "terminal)")
    w.add_argument("--scheduler", metavar="ADDRESS",
                   help="score on a Dask cluster: a scheduler address (tcp://host:8786), a scheduler file (.json), "
                        "or 'local' for a LocalCluster on this machine; the population must be a directory of "
                        "Parquet parts, and per-subject tables are written as Parquet parts under --out (needs "
                        "partyrules[distributed]; docs/distributed.md)")
    w.add_argument("--workers", type=int, default=None, metavar="N", help="workers of the local cluster")
    w.set_defaults(func=cmd_whatif)


def cmd_whatif(args: argparse.Namespace) -> int:
    from ..analyse.reform import apply_reform, load_reform
    from ..rulesets.loader import load_ruleset

    try:
        base_rs = load_ruleset(args.ruleset, params=parse_params(args.param))
        reforms = [load_reform(f) for f in args.reform]
        reform_rs = apply_reform(base_rs, reforms)
    except RuleSetError as exc:
        report("whatif", exc)
        return EXIT_INVALID
    except ParameterError as exc:  # a reform or --param names a parameter the rule set does not have
        report("whatif", exc)
        return EXIT_INVALID
    _pool(args)
    args.by = [_BY_ALIASES.get(b, b) for b in args.by] if args.by else args.by
    _check_by(args, base_rs.subject_kind)
    with progress_for(args) as progress:
        return _whatif_steps(args, base_rs, reform_rs, reforms, progress)


def _check_by(args: argparse.Namespace, kind: str) -> None:
    """Each --by is an attribute the score tables carry, checked before anything is read or scored: an unknown
    one is a usage error naming those there are, never a grouping silently left out."""
    from ..comparison import ComparisonError, grouping_columns
    from ..score.table import ATTRIBUTES

    try:
        grouping_columns(args.by, ["subject_id", *ATTRIBUTES[kind], *(["community"] if args.branches else [])])
    except ComparisonError as exc:
        hint = (exc.hint or "") + ("; from the command line: --branches DIR (the branches' files)"
                           if "community" in (args.by or []) else "")
        raise ParameterError(f"--by: {exc.message}", hint=hint) from None


_BY_ALIASES = {"branch": "branch_id"}


def _community_of_branch(path: str) -> dict[str, str]:
    """Branch id -> community (the organisation above the branch, ``parent_org_id``) from the branches' files."""
    from ..population.io import read_population

    subjects = read_population(path, "branch").population.subjects
    return {b: c for b, c in zip(subjects["subject_id"].to_list(), subjects["parent_org_id"].to_list(), strict=True)
            if c is not None}


def _pool(args: argparse.Namespace) -> None:
    """The pool in fen, from --funding-pool-yuan or the deprecated --funding-pool FEN (not both)."""
    old = getattr(args, "funding_pool_fen", None)
    if old is None:
        return
    if args.funding_pool is not None:
        raise ParameterError("--funding-pool and --funding-pool-yuan both given / 资金池金额重复",
                             hint="give only --funding-pool-yuan")
    print(error_line("whatif", f"--funding-pool FEN is deprecated: use --funding-pool-yuan {old // 100}."
                               f"{old % 100:02d} / --funding-pool 已弃用"), file=sys.stderr)
    args.funding_pool = old


def _whatif_steps(args: argparse.Namespace, base_rs: Any, reform_rs: Any, reforms: Any, progress: Progress) -> int:
    from ..analyse.diagnostics import diagnose
    from ..comparison import compare
    from ..evaluate.population import score_population
    from ..population.io import read_population

    if args.scheduler:
        return _whatif_distributed(args, base_rs, reform_rs)
    try:
        with progress.step(f"reading {args.population}"):
            read = read_population(args.population, base_rs.subject_kind)
    except PartyRulesError as exc:  # nothing could be read, so nothing was scored: not 10 ("the others were")
        report("whatif", exc)
        return EXIT_UNREADABLE
    for problem in read.problems:
        print(error_line("whatif", str(problem)), file=sys.stderr)
    n = len(read.population)
    allowed = args.allow_missing_table
    with progress.step(f"scoring {n:,} subjects under {base_rs.id} {base_rs.version}", n) as advance:
        base = score_population(base_rs, read.population, args.period, missing_tables=allowed)
        advance(n)
    with progress.step(f"scoring {n:,} subjects under the reform", n) as advance:
        after = score_population(reform_rs, read.population, args.period, missing_tables=allowed)
        advance(n)
    for table, rules in {**base.assumed_empty, **after.assumed_empty}.items():
        print(f"partyrules whatif: {args.population}: no {table} table, taken as empty as asked (rules reading it: "
              f"{', '.join(rules)}) / 缺少 {table} 表, 按要求视为空", file=sys.stderr)
    for sid, reason in dict([*base.failures, *after.failures]).items():
        print(error_line("whatif", f"{sid}: {reason}"), file=sys.stderr)
    try:
        communities = _community_of_branch(args.branches) if args.branches else None
    except PartyRulesError as exc:
        report("whatif", exc)
        return EXIT_UNREADABLE
    with progress.step("comparing and diagnosing"):
        comparison = compare(base, after, by=args.by, top_k=args.top_k, funding_pool=args.funding_pool,
                             community_of_branch=communities)
        diagnostics = diagnose(base, population=read.population)
    summary = comparison.summary()
    applies = summary["subjects"]  # as the summary counts them: those the rule set applies to, not all read
    if args.out:
        _write_tables(Path(args.out), args.table_format, {
            "scores_base": base.frame, "scores_reform": after.frame, "transitions": comparison.transition_counts,
            "moved": comparison.moved, "attribution": comparison.attribution,
            "rule_effects": comparison.rule_effects, "kendall_tau": comparison.kendall_tau,
            "top_k_overlap": comparison.top_k_overlap, "funding": comparison.funding,
            "funding_by_group": comparison.funding_by_group, "diagnostics_rules": diagnostics.rules})
    if args.report:
        from ..analyse.report import write_report

        ruleset_title = base_rs.title_zh if args.lang == "zh" else base_rs.title_en
        title = f"{ruleset_title}: " + " + ".join(r.name for r in reforms)
        write_report(comparison, args.report, diagnostics, title=title, lang=args.lang)
    _print(args, summary, diagnostics, comparison.transitions,
           f"{base_rs.id} {base_rs.version} -> {reform_rs.version} "
           f"{word('over', args.lang, n=f'{applies:,}')} ({args.period})",
           len(read.problems) + len(base.failures) + len(after.failures), grade_names(base_rs, args.lang))
    failed = read.problems or base.failures or after.failures
    return EXIT_ROWS_FAILED if failed else 0


def _whatif_distributed(args: argparse.Namespace, base_rs: Any, reform_rs: Any) -> int:
    """The what-if on a Dask cluster: the same tables and summary, the per-subject ones left on the workers
    until they are written, one Parquet file per partition."""
    if args.report:
        print("partyrules whatif: --report needs the whole tables in one process; drop it with --scheduler",
              file=sys.stderr)
        return EXIT_INVALID
    try:
        from ..analyse.diagnostics_partitioned import diagnose_distributed
        from ..comparison.partitioned import compare_distributed
        from ..distributed import connect, parquet_partitions, score_distributed

        client = connect(n_workers=args.workers) if args.scheduler == "local" else connect(args.scheduler)
    except PartyRulesError as exc:
        report("whatif", exc)
        return EXIT_INVALID
    with client:
        try:
            source = parquet_partitions(args.population)
            base = score_distributed(base_rs, source, args.period, client=client)
            after = score_distributed(reform_rs, source, args.period, client=client)
        except PartyRulesError as exc:  # a partition that cannot be read: nothing was scored
            report("whatif", exc)
            return EXIT_UNREADABLE
        for problem in base.problems:
            print(f"partyrules whatif: {problem}", file=sys.stderr)
        for sid, reason in dict([*base.failures, *after.failures]).items():
            print(f"partyrules whatif: {sid}: {reason}", file=sys.stderr)
        comparison = compare_distributed(base, after, by=args.by, top_k=args.top_k, funding_pool=args.funding_pool)
        subjects = len(base) + len(base.not_applicable) + len(base.failures)  # those read without a problem
        diagnostics = diagnose_distributed(base, population_size=subjects)
        summary = comparison.summary()
        applies = summary["subjects"]  # as the summary counts them: those the rule set applies to
        if args.out:
            out = Path(args.out)
            _write_tables(out, args.table_format, {
                "transitions": comparison.transition_counts, "rule_effects": comparison.rule_effects,
                "kendall_tau": comparison.kendall_tau, "top_k_overlap": comparison.top_k_overlap,
                "diagnostics_rules": diagnostics.rules})
            base.to_parquet(out / "scores_base")
            after.to_parquet(out / "scores_reform")
            comparison.moved.to_parquet(out / "moved")
            comparison.attribution.to_parquet(out / "attribution")
            if comparison.funding is not None:
                comparison.funding.to_parquet(out / "funding")
        _print(args, summary, diagnostics, comparison.transitions,
               f"{base_rs.id} {base_rs.version} -> {reform_rs.version} "
               f"{word('over', args.lang, n=f'{applies:,}')} "
               f"({args.period}, {len(base.partitions)} partitions)",
               len(base.problems) + len(base.failures) + len(after.failures), grade_names(base_rs, args.lang))
        return EXIT_ROWS_FAILED if base.problems or base.failures or after.failures else 0


def _print(args: argparse.Namespace, summary: dict[str, Any], diagnostics: Any, transitions: Any, title: str,
           rows_failed: int, grades: dict[str, str] | None = None) -> None:
    if args.format == "json":
        print(json.dumps({"summary": _jsonable(summary), "findings": diagnostics.findings(lang=args.lang),
                          "rows_failed": rows_failed}, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        # labels in --lang, money in yuan, columns aligned by display width (Chinese grade names are wide)
        print(title)
        print("\n".join(summary_lines(summary, args.lang)))
        print("\n".join(transition_lines(transitions, grades or {}, args.lang)))
        for line in diagnostics.findings(lang=args.lang)[:10]:
            print(f"  {word('finding', args.lang)}: {line}")


def _write_tables(out: Path, fmt: str, tables: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        if frame is None:
            continue
        path = out / f"{name}.{fmt}"
        if fmt == "parquet":
            frame.write_parquet(path)
        elif fmt == "json":
            frame.write_json(path)
        elif fmt == "xlsx":  # Chinese headers, lists as readable text, money in yuan
            from ..cycle.tables import write_table

            write_table(frame.to_dicts(), path, "xlsx")
        else:
            # CSV has no lists: a list cell (the rules that moved a subject) is its items as a person writes them;
            # the byte-order mark lets a spreadsheet program show the Chinese
            import polars as pl

            lists = [c for c, t in frame.schema.items() if isinstance(t, pl.List)]
            frame.with_columns([pl.col(c).cast(pl.List(pl.String)).list.join(", ") for c in lists]).write_csv(
                path, include_bom=True)


def _jsonable(value: Any) -> Any:
    """The summary as JSON: mappings walked, NaN (an undefined statistic) as null, the rest as breakdowns write it."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and value != value:
        return None
    return jsonable(value)
