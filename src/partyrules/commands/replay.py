"""``partyrules replay LOG``: re-evaluate every decision of a decision log offline and report those that differ.

Exit codes: 0 every decision is reproduced; 1 the log cannot be read; 3 a rule set is invalid; 4 some decisions
differ (each is printed: tampered, unknown_ruleset, failed or changed).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

from ..errors import RuleSetError
from .common import EXIT_INVALID, EXIT_TEST_FAILED, error_line, report

EXIT_DIFFERS = EXIT_TEST_FAILED


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the ``replay`` subcommand."""
    r = sub.add_parser("replay", help="re-evaluate a decision log offline and report decisions that differ",
                       description="Re-evaluate each logged decision with the rule set it names (found by content "
                                   "hash among --rulesets) and report those whose breakdown differs, whose row was "
                                   "edited, or whose rule set is not given.")
    r.add_argument("log", metavar="LOG", help="the decision log (SQLite) written by partyrules serve")
    r.add_argument("--rulesets", metavar="DIR", default=None,
                   help="the directory of the rule sets (default: the shipped rule sets)")
    r.add_argument("--format", choices=["text", "json"], default="text", help="what to print")
    r.set_defaults(func=cmd_replay)


def cmd_replay(args: argparse.Namespace) -> int:
    from ..service.replay import replay
    from .serve import rulesets_from

    if not Path(args.log).is_file():
        print(error_line("replay", "no such decision log / 找不到决策日志", args.log), file=sys.stderr)
        return 1
    try:
        rulesets, _ = rulesets_from(args.rulesets)
    except RuleSetError as exc:
        report("replay", exc)
        return EXIT_INVALID
    try:
        result = replay(args.log, rulesets)
    except sqlite3.DatabaseError as exc:
        print(error_line("replay", f"not a decision log: {exc} / 不是决策日志", args.log), file=sys.stderr)
        return 1
    if args.format == "json":
        print(json.dumps({"checked": result.checked, "differences": [d.__dict__ for d in result.differences]},
                         ensure_ascii=False, indent=2))
    else:
        for d in result.differences:
            print(f"decision {d.decision_id} ({d.subject_id}): {d.status}: {d.detail}")
        print(f"partyrules replay: {result.checked} decisions checked, {len(result.differences)} differ / "
              f"已核对 {result.checked} 项决策, {len(result.differences)} 项不一致", file=sys.stderr)
    return 0 if result.ok else EXIT_DIFFERS
