"""``partyrules calibrate [RULESET] (--demo | --population P) --target T ...``: the cut-offs (or a parameter's
value) that meet stated targets, as a reform with its comparison against the base (docs/calibrate.md).

Exit codes: 0 a solution (printed, and saved with ``--save``); 2 a target, range or option that cannot be used;
3 the rule set is invalid; 7 no cut-off or value meets every target (each target that cannot be met is named with
the closest share reachable); 10 some rows could not be read or scored (the others were, and were calibrated).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..errors import CalibrationError, NoCalibrationError, PartyRulesError, RuleSetError
from .common import EXIT_INVALID, EXIT_ROWS_FAILED, EXIT_UNREADABLE, error_line, report, ruleset_arg
from .textout import grade_names, transition_lines

EXIT_NO_SOLUTION = 7


def _range(text: str) -> tuple[float, float]:
    lo, sep, hi = text.partition("..")
    try:
        if not sep:
            raise ValueError
        return float(lo), float(hi)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not LO..HI (e.g. 50..200) / 范围应写作 LO..HI") from None


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the ``calibrate`` subcommand."""
    c = sub.add_parser(
        "calibrate", help="the grade cut-offs or a parameter value that meet share targets / 按目标校准分数线或参数",
        description="The inverse what-if: the grade cut-offs (exact, over the distinct totals, nothing re-scored) "
                    "or, with --param, a parameter's value in --range (re-scored per value) that meet every "
                    "--target, printed as a reform with the achieved shares and the grade transitions; exit 7 "
                    "naming the targets that cannot be met and the closest shares when none does. "
                    "目标写法: '优秀<=1/3 per branch', '优秀~20%%±2%%', 'warning~10%%' (docs/calibrate.md).")
    c.add_argument("ruleset", nargs="?", metavar="RULESET", type=ruleset_arg, default=None,
                   help="the rule set whose cut-offs or parameter to calibrate (default with --demo: in_service)")
    c.add_argument("--demo", action="store_true", help="the generated demo sub-district (partyrules demo)")
    c.add_argument("--seed", type=int, default=2026, help="the demo's seed (default 2026)")
    c.add_argument("--population", metavar="P", help="JSON lines of fact bundles, or a directory of tables")
    c.add_argument("--period", default=None, help="the period scored (default: the demo's year, else 2026)")
    c.add_argument("--target", action="append", default=[], metavar="TARGET",
                   help="a target: GRADE<=SHARE, GRADE>=SHARE or GRADE~SHARE[±TOL], optionally 'per branch', "
                        "'per community' or 'per category'; 'warning' is the share graded below 合格 (repeat)")
    c.add_argument("--targets", metavar="FILE", help="a YAML file of targets (targets: [...], warning_below: ...)")
    c.add_argument("--warning-below", metavar="GRADE", help="the grade below which a subject is on the warning "
                   "list (default: qualified / 合格)")
    c.add_argument("--param", metavar="NAME", help="calibrate this parameter instead of the cut-offs")
    c.add_argument("--range", type=_range, metavar="LO..HI", dest="value_range", help="the parameter's range")
    c.add_argument("--step", type=float, default=None, metavar="S", help="the step of the parameter's values")
    c.add_argument("--save", metavar="FILE", help="write the reform here (a reform file partyrules whatif reads)")
    c.add_argument("--format", choices=["text", "json"], default="text", help="what to print (default text)")
    c.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the output (default zh)")
    c.set_defaults(func=cmd_calibrate)


def _inputs(args: argparse.Namespace) -> tuple[Any, Any, str, Any, list[str]]:
    """The rule set, the population, the period, the community of each branch (or None), and reading problems."""
    from ..rulesets.loader import load_ruleset

    if args.demo:
        from ..population.frames import facts_to_population
        from ..synthetic import generate_subdistrict

        area = generate_subdistrict(seed=args.seed)
        rs = load_ruleset(args.ruleset or ruleset_arg("in_service"))
        pop = facts_to_population(area.members if rs.subject_kind == "member" else area.branches, rs.subject_kind)
        return rs, pop, args.period or str(area.year), area.community_of_branch, []
    if not args.population or not args.ruleset:
        raise CalibrationError("give RULESET and --population, or --demo / 需要规则集和人员数据, 或 --demo",
                               hint="partyrules calibrate --demo --target '优秀<=1/3 per branch'")
    from ..population.io import read_population

    rs = load_ruleset(args.ruleset)
    read = read_population(args.population, rs.subject_kind)
    return rs, read.population, args.period or "2026", None, [str(p) for p in read.problems]


def cmd_calibrate(args: argparse.Namespace) -> int:
    from ..analyse.calibrate import calibrate, load_targets, parse_target
    from ..evaluate.population import score_population

    try:
        targets = [parse_target(t) for t in args.target]
        below = args.warning_below
        if args.targets:
            more, file_below = load_targets(args.targets)
            targets += more
            below = below or file_below
        if args.param and args.value_range is None:
            raise CalibrationError("--param needs --range LO..HI / --param 需要 --range", hint="e.g. --range 50..200")
        rs, pop, period, cob, problems = _inputs(args)
    except RuleSetError as exc:
        report("calibrate", exc)
        return EXIT_INVALID
    except CalibrationError as exc:
        report("calibrate", exc)
        return 2
    except PartyRulesError as exc:
        report("calibrate", exc)
        return EXIT_UNREADABLE
    for p in problems:
        print(error_line("calibrate", p), file=sys.stderr)
    scores = score_population(rs, pop, period)
    for sid, reason in scores.failures:
        print(error_line("calibrate", f"{sid}: {reason}"), file=sys.stderr)
    try:
        result = calibrate(scores, targets, param=args.param, range=args.value_range, step=args.step,
                           population=pop, warning_below=below, community_of_branch=cob)
    except NoCalibrationError as exc:
        _refused(args, exc)
        return EXIT_NO_SOLUTION
    except CalibrationError as exc:
        report("calibrate", exc)
        return 2
    if args.save:
        result.save(args.save)
    _print(args, result, rs)
    return EXIT_ROWS_FAILED if problems or scores.failures else 0


def _refused(args: argparse.Namespace, exc: NoCalibrationError) -> None:
    from ..analyse.calibrate import Unmet

    zh = args.lang == "zh"
    unmet = [u for u in exc.unmet if isinstance(u, Unmet)]
    if args.format == "json":
        print(json.dumps({"solution": None, "unmet": [
            {"target": u.target.label(), "alone": u.alone, "closest": float(u.closest), "group": u.group,
             "at": u.at} for u in unmet], "message": exc.message}, ensure_ascii=False, indent=2))
        return
    print("无解: 没有任何取值能满足全部目标" if zh else "No solution: nothing meets every target", file=sys.stderr)
    for u in unmet:
        print("  " + u.text(args.lang), file=sys.stderr)
    if not unmet:
        print("  " + exc.message, file=sys.stderr)


def _print(args: argparse.Namespace, result: Any, rs: Any) -> None:
    if args.format == "json":
        print(json.dumps({
            "reform": result.reform.to_yaml(), "kind": result.kind, "base": result.base,
            "calibrated": result.calibrated, "evaluated": result.evaluated,
            "achieved": [{"target": a.target.label(), "low": float(a.low), "high": float(a.high), "met": a.met,
                          "worst_group": a.worst_group} for a in result.achieved],
            "grade_changed": result.comparison.summary().get("grade_changed")},
            ensure_ascii=False, indent=2))
        return
    print("\n".join(result.lines(args.lang)))
    print("\n".join(transition_lines(result.comparison.transitions, grade_names(rs, args.lang), args.lang)))
    if args.save:
        print(("改革文件已写入 {f} (partyrules whatif --reform {f})" if args.lang == "zh" else
               "Reform written to {f} (partyrules whatif --reform {f})").format(f=args.save))
