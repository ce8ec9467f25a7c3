"""``partyrules grid``: the grid-chain findings of seed 004 for a population of communities.

Reads the communities of JSON or JSON-lines fact files (members and branches in them are skipped), or generates the
demo sub-district with its grid chain (``--demo``), and lists per grid and building the structure checks that hold:
SC2 and SC3 (grid size), SC3B (no grid branch) from the community rule set, SC3C and SC3D (building Party group and
its leader) from :mod:`partyrules.analyse.grid_chain`. Findings are warnings: they never change points or stars.

Exit codes: 0 done (findings or not); 2 no input; 3 the rule set or a parameter is invalid; 10 some rows could
not be read (the others were checked).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import Any

from ..errors import ParameterError, RuleSetError
from .common import EXIT_INVALID, EXIT_ROWS_FAILED, error_line, parse_params, report, ruleset_arg


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the ``grid`` subcommand."""
    g = sub.add_parser(
        "grid", help="grid-chain findings (grid size, grid branch, building Party groups) of communities",
        description="List the grid-chain findings of seed 004 for the communities of FILES (or of the generated "
                    "demo sub-district with --demo): a grid over the households limit (SC3) or per worker (SC2), a "
                    "grid without its grid branch (SC3B), a building without a Party group (SC3C), a group "
                    "without its leader (SC3D). Warnings only: points and stars do not change.")
    g.add_argument("population", nargs="*", metavar="FILE", help="JSON or JSON-lines files of community facts")
    g.add_argument("--demo", action="store_true", help="the generated demo sub-district with its grid chain")
    g.add_argument("--seed", type=int, default=2026, help="seed of the demo sub-district (default 2026)")
    g.add_argument("--ruleset", type=ruleset_arg, default="community",
                   help="the community rule set: a file or the shipped name (default community)")
    g.add_argument("--period", default=None, help="the period (default: the demo's year, else 2026)")
    g.add_argument("--param", action="append", metavar="NAME=VALUE",
                   help="override a parameter of the rule set, e.g. households_per_grid_max=600")
    g.add_argument("--format", choices=["text", "json"], default="text", help="what to print")
    g.add_argument("--lang", choices=["en", "zh"], default="zh", help="language of the findings (default zh)")
    g.set_defaults(func=cmd_grid)


def _communities(args: argparse.Namespace) -> tuple[list[Any], int, str]:
    from ..synthetic import generate_subdistrict
    from ..synthetic.grid_chain import generate_grid_chain
    from .population_files import read_bundles

    if args.demo:
        area = generate_subdistrict(seed=args.seed)
        return list(generate_grid_chain(area, seed=args.seed)), 0, str(area.year)
    out: list[Any] = []
    bad = 0
    for path in args.population:
        for row in read_bundles(path):
            if row.facts is None:
                bad += 1
                print(error_line("grid", f"row {row.number}: {row.error}", path), file=sys.stderr)
            elif str(type(row.facts).subject_kind) == "community":
                out.append(row.facts)
    return out, bad, "2026"


def cmd_grid(args: argparse.Namespace) -> int:
    from ..analyse.grid_chain import grid_chain
    from ..rulesets.loader import load_ruleset

    if not args.demo and not args.population:
        print(error_line("grid", "no communities to check / 没有要检查的社区",
                         hint="give fact FILES or --demo"), file=sys.stderr)
        return 2
    try:
        ruleset = load_ruleset(args.ruleset)
        if ruleset.subject_kind != "community":
            print(error_line("grid", f"rule set {ruleset.id} is for the subject {ruleset.subject_kind}, not "
                                     "community / 规则集不是社区规则集", hint="--ruleset community"), file=sys.stderr)
            return EXIT_INVALID
        communities, bad, year = _communities(args)
        result = grid_chain(communities, ruleset, period=args.period or year, params=parse_params(args.param))
    except (RuleSetError, ParameterError) as exc:
        report("grid", exc)
        return EXIT_INVALID
    if args.format == "json":
        print(json.dumps({"summary": result.summary(args.lang), "counts": result.counts(),
                          "findings": [asdict(f) for f in result.findings]}, ensure_ascii=False, indent=1))
    else:
        print(result.summary(args.lang))
        for cid, n in result.counts().items():
            print(f"  {cid:<5} {n:>5}")
        for f in result.findings:
            print("  " + f.text(args.lang))
    return EXIT_ROWS_FAILED if bad else 0
