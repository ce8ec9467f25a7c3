"""``partyrules outlook POPULATION... --as-of YYYY-MM`` (or ``--demo``): mid-year foresight for members.

As of a month, for each member the exact interval of the year's total over every completion of the remaining
months, the grades still reachable and the early-warning list against 合格 (docs/outlook.md): who can no longer
reach it, who may fall below it unless something named happens. ``--subject ID`` explains one member, with the
rules that decide and the recourse left in the remaining months.

Exit codes: 0 done; 2 usage; 1 a population that cannot be read; 3 a rule set is invalid; 10 some rows could not
be read or scored (the others were).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from typing import Any

from ..errors import PartyRulesError, RuleSetError
from .common import EXIT_INVALID, EXIT_ROWS_FAILED, EXIT_UNREADABLE, error_line, ruleset_arg
from .common import report as report_error
from .textout import table

_STATUS = {"secure": ("已确保", "secure"), "on_track": ("按要求参加即可", "on track"), "at_risk": ("有风险", "at risk"),
           "out_of_reach": ("已无法达到", "out of reach")}
_MEMBER_INDICES = ("in_service", "retired", "new_citizen")


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the ``outlook`` subcommand."""
    o = sub.add_parser(
        "outlook", help="mid-year foresight: who can still make 合格 or 优秀 (needs the analysis extra)",
        description="As of a month of the year, the exact interval of each member's year total over every "
                    "completion of the remaining months, the grades still reachable and the early-warning list: "
                    "who can no longer reach 合格, who needs more than what is asked to reach it (those on track, "
                    "secure if they keep to what is asked, are counted apart). "
                    "年中展望: 截至某月, 每名党员全年总分的确切区间、仍可达到的等次和预警名单。")
    o.add_argument("population", nargs="*", metavar="POPULATION",
                   help="JSON lines of member fact bundles, a directory of tables or a workbook")
    o.add_argument("--demo", action="store_true", help="the generated demo sub-district (partyrules demo)")
    o.add_argument("--seed", type=int, default=2026, help="the demo's seed (default 2026)")
    o.add_argument("--as-of", required=True, metavar="YYYY-MM", help="the last month whose records are known")
    o.add_argument("--ruleset", action="append", metavar="RULESET", type=ruleset_arg,
                   help="a member index (repeatable; default: the shipped member indices)")
    o.add_argument("--subject", metavar="ID", help="explain one member: the rules that decide and the recourse")
    o.add_argument("--all", action="store_true", help="list every member, not only the warning list")
    o.add_argument("--format", choices=["table", "csv", "json"], default="table", help="output (default table)")
    o.add_argument("--lang", choices=["zh", "en"], default="zh", help="language (default zh)")
    o.set_defaults(func=cmd_outlook)


def _members(args: argparse.Namespace, problems: list[str]) -> list[Any]:
    if args.demo:
        from ..synthetic import generate_subdistrict

        return list(generate_subdistrict(seed=args.seed).members)
    from .population_files import read_bundles

    out = []
    for path in args.population:
        for row in read_bundles(path):
            if row.error is not None:
                problems.append(f"{path}: {row.error}")
            elif row.facts is not None and row.facts.subject_kind.value == "member":
                out.append(row.facts)
    return out


def cmd_outlook(args: argparse.Namespace) -> int:
    from ..analyse.outlook import outlook, outlook_population
    from ..periods import Month
    from ..rulesets.loader import load_ruleset
    from ..shipped_rulesets import shipped_ruleset_path

    zh = args.lang == "zh"
    if not args.population and not args.demo:
        print(error_line("outlook", "no population given / 未给出对象", hint="give a population or --demo"),
              file=sys.stderr)
        return 2
    try:
        as_of = Month.parse(args.as_of)
    except PartyRulesError as exc:
        report_error("outlook", exc)
        return 2
    try:
        paths = args.ruleset or [shipped_ruleset_path(n) for n in _MEMBER_INDICES]
        rulesets = [load_ruleset(p) for p in paths]
    except RuleSetError as exc:
        report_error("outlook", exc)
        return EXIT_INVALID
    problems: list[str] = []
    try:
        members = _members(args, problems)
    except PartyRulesError as exc:
        report_error("outlook", exc)
        return EXIT_UNREADABLE
    try:
        if args.subject:
            return _one(args, rulesets, members, as_of, outlook)
        results = [(rs, outlook_population(rs, members, as_of)) for rs in rulesets]
    except PartyRulesError as exc:
        report_error("outlook", exc)
        return EXIT_INVALID
    rows = []
    for rs, po in results:
        frame = po.frame if args.all else po.warnings()
        for r in frame.iter_rows(named=True):
            rows.append({"subject_id": r["subject_id"], "ruleset": rs.id, "lowest": round(r["lowest"], 2),
                         "keeps": round(r["keeps"], 2), "highest": round(r["highest"], 2), "grades": r["grades"],
                         "status": r["status"]})
    if args.format == "json":
        counts = {rs.id: po.counts() for rs, po in results}
        print(json.dumps({"as_of": str(as_of), "counts": counts, "rows": rows}, ensure_ascii=False, indent=1))
    elif args.format == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=["subject_id", "ruleset", "lowest", "keeps", "highest", "grades", "status"])
        w.writeheader()
        w.writerows(rows)
        print(buf.getvalue(), end="")
    else:
        _table(results, rows, as_of, zh)
    for p in problems:
        print(f"  ! {p}", file=sys.stderr)
    return EXIT_ROWS_FAILED if problems else 0


def _table(results: list[Any], rows: list[dict[str, Any]], as_of: Any, zh: bool) -> None:
    names = {g.id: (g.zh if zh else g.en) for rs, _ in results for g in rs.grades}
    print(f"截至 {as_of} 的年度展望(预警线: 合格)" if zh else f"Outlook as of {as_of} (warning line: Qualified)")
    for rs, po in results:
        c = po.counts()
        title = rs.title_zh if zh else rs.title_en
        print(("  {t}: 已确保 {s}, 按要求参加即可 {k}, 有风险 {r}, 已无法达到 {o}" if zh else
               "  {t}: secure {s}, on track {k}, at risk {r}, out of reach {o}").format(
            t=title, s=c["secure"], k=c["on_track"], r=c["at_risk"], o=c["out_of_reach"]))
    print("  按要求参加即可: 剩余月份参加应参加的会议和学习、交纳党费、履行岗位职责、完成分配的任务(年度测评取最坏)即可"
          "达到合格, 不列入预警名单(--all 列出)" if zh else
          "  on track: reaches Qualified by keeping to what is asked in the remaining months (the meetings and study "
          "required, dues, the post and the tasks assigned; the year-end evaluation at its worst); not on the "
          "warning list (--all lists them)")
    if not rows:
        return
    head = ["对象", "规则集", "最低", "按要求参加", "最高", "可达等次", "状态"] if zh else \
        ["subject", "rule set", "lowest", "keeps to asked", "highest", "grades reachable", "status"]
    body = [[r["subject_id"], r["ruleset"], f"{r['lowest']:g}", f"{r['keeps']:g}", f"{r['highest']:g}",
             ("、" if zh else ", ").join(names.get(g, g) for g in r["grades"].split(",")),
             _STATUS[r["status"]][0 if zh else 1]] for r in rows]
    for line in table([head, *body], right=[False, False, True, True, True, False, False]):
        print(line)


def _one(args: argparse.Namespace, rulesets: list[Any], members: list[Any], as_of: Any, outlook: Any) -> int:
    from ..errors import NotApplicableError

    facts = next((m for m in members if m.subject_id == args.subject), None)
    if facts is None:
        print(error_line("outlook", f"no member {args.subject} / 无此党员"), file=sys.stderr)
        return 2
    o = None
    for rs in rulesets:  # the index whose applies_to holds for the member
        try:
            o = outlook(rs, facts, as_of)
            break
        except NotApplicableError:
            continue
    if o is None:
        print(error_line("outlook", f"no rule set applies to {args.subject} / 无适用的规则集"), file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps({"subject_id": o.subject_id, "ruleset": o.ruleset_id, "as_of": o.as_of,
                          "lowest": o.lowest, "keeps": o.keeps_total, "highest": o.highest,
                          "grades": list(o.grades),
                          "status": o.status, "deciders": [d.__dict__ for d in o.deciders],
                          "recourse": o.recourse.to_text(args.lang) if o.recourse else None},
                         ensure_ascii=False, indent=1))
    else:
        print(o.to_text(args.lang))
    return 0
