"""``partyrules diff OLD NEW --population P``: which subjects change grade or total between two versions of a
rule set, and which rules are responsible; ``--max-moved`` makes it a CI gate.

Exit codes: 0 compared; 3 a rule set is invalid; 6 the share of subjects whose grade changed exceeds
``--max-moved``; 10 some rows could not be read or scored (the others were compared) and no gate failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..analyse.diff import EPSILON, NOT_APPLICABLE, RulesetDiff, SubjectChange, diff_rulesets
from ..errors import PartyRulesError, RuleSetError
from ..evaluate.context import SubjectFacts
from ..population import Row, read_facts
from ..rulesets.loader import load_ruleset
from ..rulesets.model import RuleSet
from .common import EXIT_GATE_EXCEEDED, EXIT_INVALID, EXIT_ROWS_FAILED, _params


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"a share from 0 to 1, not {value:g}")
    return value


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value:g}")
    return value


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``diff`` subcommand."""
    d = sub.add_parser(
        "diff", help="compare two versions of a rule set over a population: who moves, and which rules are why",
        description="Evaluate every subject of the population once under OLD and once under NEW (rule sets for "
                    "the same kind of subject) and report how many change grade (with a transition table), how "
                    "many change total, and for each moved subject the rules responsible: each line's change of "
                    "points (a rule on one side only counts fully), plus a veto's zeroing of the total and a "
                    "dimension maximum's bound, so that the changes add up to the change of total. Exit 6 when "
                    "--max-moved is exceeded, 10 when rows could not be read or scored, 3 when a rule set is "
                    "invalid.")
    d.add_argument("old", metavar="OLD", help="the current rule set")
    d.add_argument("new", metavar="NEW", help="the changed rule set")
    d.add_argument("--population", required=True, metavar="P",
                   help="subjects' facts: a JSON file (an object or an array) or JSON lines")
    d.add_argument("--period", default=None, help="2026, 2026-Q1, 2026-03 or 2026-01..2026-06 (default: each "
                                                 "subject's year)")
    d.add_argument("--param-old", action="append", metavar="NAME=VALUE", help="override a parameter of OLD")
    d.add_argument("--param-new", action="append", metavar="NAME=VALUE", help="override a parameter of NEW")
    d.add_argument("--epsilon", type=_non_negative, default=EPSILON,
                   help=f"a total changes when it moves by more than this (default {EPSILON:g})")
    d.add_argument("--max-moved", type=_share, default=None, metavar="SHARE",
                   help="gate: exit 6 when the share (0..1) of subjects whose grade changed exceeds SHARE")
    d.add_argument("--top", type=int, default=20, help="moved subjects to list in text output (default 20)")
    d.add_argument("--format", choices=["text", "json"], default="text")
    d.set_defaults(func=cmd_diff)


def _load(path: str, pairs: list[str] | None) -> RuleSet | None:
    try:
        return load_ruleset(path, params=_params(pairs))
    except RuleSetError as exc:
        for diag in exc.diagnostics:
            print(diag.format(), file=sys.stderr)
        return None


def _num(x: float) -> str:
    return f"{x:.2f}"


def _signed(x: float) -> str:
    text = f"{x:+.2f}"
    return "+0.00" if text == "-0.00" else text


def _grade_move(c: SubjectChange) -> str:
    return f"{c.old_grade or NOT_APPLICABLE} -> {c.new_grade or NOT_APPLICABLE}"


def _moved_line(c: SubjectChange, width: int) -> str:
    old = "-" if c.old_total is None else _num(c.old_total)
    new = "-" if c.new_total is None else _num(c.new_total)
    rules = ", ".join(f"{d.rule_id} {_signed(d.delta)}" for d in c.rules[:6])
    if len(c.rules) > 6:
        rules += f" and {len(c.rules) - 6} more"
    if not rules and c.grade_changed:
        rules = "(grading bands)"
    vetoes = [f"+{v}" for v in c.vetoes_added] + [f"-{v}" for v in c.vetoes_removed]
    text = f"  {c.subject_id:<10} {old:>8} -> {new:>8} ({_signed(c.total_delta)})  {_grade_move(c):<{width}}  {rules}"
    return text + (f"  veto {' '.join(vetoes)}" if vetoes else "")


def render_text(diff: RulesetDiff, top: int, bad_rows: int) -> str:
    """A readable report: counts, the grade transition table, the rules responsible, the moved subjects."""
    o, n = diff.old, diff.new
    out = [f"{o['id']} {o['version']} ({o['content_hash'][:12]}) -> {n['id']} {n['version']} "
           f"({n['content_hash'][:12]})" + (f", period {diff.period}" if diff.period else "")]
    changed = [f"{k} {o['params'].get(k)} -> {n['params'].get(k)}"
               for k in sorted(o["params"].keys() | n["params"].keys()) if o["params"].get(k) != n["params"].get(k)]
    if changed:
        out.append("  parameters changed: " + ", ".join(changed))
    out.append(f"{diff.subjects:,} subjects compared ({diff.not_applicable:,} not applicable under either; "
               f"{len(diff.failures) + bad_rows:,} could not be read or scored)")
    out.append(f"  grade changed: {diff.grade_changed:,} ({100 * diff.moved_share:.2f}%)")
    out.append(f"  total changed by more than {diff.epsilon:g}: {diff.total_changed:,}")
    vetoes = sum(1 for c in diff.changes if c.vetoes_added or c.vetoes_removed)
    if vetoes:
        out.append(f"  vetoes appeared or disappeared: {vetoes:,}")
    matrix = diff.transition_matrix()
    grades = [g for g in diff.grades if g != NOT_APPLICABLE or any(matrix[g].values())
              or any(matrix[a][g] for a in diff.grades)]
    width = max(len(g) for g in grades) + 2
    out += ["", "grade transitions (old down, new across):",
            " " * (width + 2) + "".join(f"{g:>{width}}" for g in grades)]
    for a in grades:
        out.append(f"  {a:<{width}}" + "".join(f"{matrix[a][b]:>{width},}" for b in grades))
    summary = diff.rule_summary()
    if summary:
        out += ["", "rules responsible (over every subject compared):",
                f"  {'rule':<16} {'subjects':>9} {'net points':>12} {'abs points':>12}"]
        out += [f"  {s.rule_id:<16} {s.subjects:>9,} {s.net_points:>12.2f} {s.abs_points:>12.2f}" for s in summary]
    if diff.changes:
        ranked = sorted(diff.changes, key=lambda c: (not c.grade_changed, -round(abs(c.total_delta), 6),
                                                     c.subject_id))
        shown = ranked[:max(0, top)]
        more = f"; {len(shown)} of {len(ranked):,}, --top to show more" if len(shown) < len(ranked) else ""
        out += ["", f"moved subjects (grade changes first, then the largest change of total{more}):"]
        width = max(len(_grade_move(c)) for c in shown) if shown else 0
        out += [_moved_line(c, width) for c in shown]
    return "\n".join(out)


def cmd_diff(args: argparse.Namespace) -> int:
    """Run ``partyrules diff``; see the module docstring for the exit codes."""
    old, new = _load(args.old, args.param_old), _load(args.new, args.param_new)
    if old is None or new is None:
        return EXIT_INVALID
    if not Path(args.population).is_file():
        print(f"partyrules diff: cannot read the population {args.population!r}: no such file", file=sys.stderr)
        return 2
    bad: list[Row] = []
    numbers: list[int] = []  # the file's row number of each subject handed to the comparison

    def subjects() -> Iterator[SubjectFacts]:
        for row in read_facts(args.population):
            if row.error is not None or row.facts is None:
                bad.append(row)
                continue
            numbers.append(row.number)
            yield row.facts

    try:
        diff = diff_rulesets(old, new, subjects(), args.period, epsilon=args.epsilon)
    except PartyRulesError as exc:
        print(f"partyrules diff: {exc}", file=sys.stderr)
        return 2
    exceeded = args.max_moved is not None and diff.moved_share > args.max_moved
    code = EXIT_GATE_EXCEEDED if exceeded else EXIT_ROWS_FAILED if bad or diff.failures else 0
    if args.format == "json":
        doc: dict[str, Any] = diff.to_dict()
        doc["population"] = args.population
        doc["bad_rows"] = [{"row": r.number, "error": str(r.error)} for r in bad]
        for f, entry in zip(diff.failures, doc["failures"], strict=True):
            entry["row"] = numbers[f.index]
        doc["gate"] = {"max_moved": args.max_moved, "exceeded": exceeded}
        doc["exit_code"] = code
        print(json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=2))
    else:
        print(render_text(diff, args.top, len(bad)))
    for r in bad:
        print(f"row {r.number}: {r.error}", file=sys.stderr)
    for f in diff.failures:
        print(f"row {numbers[f.index]} ({f.subject_id or '?'}): {f.error}", file=sys.stderr)
    if exceeded:
        print(f"gate failed: {100 * diff.moved_share:.2f}% of subjects changed grade, above --max-moved "
              f"{args.max_moved:g}", file=sys.stderr)
    elif bad or diff.failures:
        print(f"{len(bad) + len(diff.failures)} row{'s' if len(bad) + len(diff.failures) != 1 else ''} could not "
              "be read or scored; the others were compared", file=sys.stderr)
    return code
