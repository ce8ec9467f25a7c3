"""``partyrules awards``: the year's award and cadre recommendations from a population, explained, and (with
``--ledger``) published for objections (公示) for a period the ledger enforces."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from datetime import datetime
from typing import Any

from ..errors import PartyRulesError, RuleSetError
from .common import EXIT_INVALID, EXIT_ROWS_FAILED, error_line, report, ruleset_arg
from .year import _ruleset_params, _share


def _aware_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"give the time with its zone, e.g. {text}+08:00")
    return value


def _setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name or not value:
        raise argparse.ArgumentTypeError(f"expected LIST=VALUE, got {text!r}")
    return name, value


def _lists(args: argparse.Namespace) -> tuple[Any, ...]:
    from ..cycle.awards import DEFAULT_LISTS

    by_id = {c.list_id: c for c in DEFAULT_LISTS}
    for option, field, cast in (("quota", "quota", int), ("top_share", "top_share", float)):
        for name, value in getattr(args, option) or ():
            if name not in by_id:
                raise PartyRulesError(f"awards: --{option.replace('_', '-')} names no list {name!r}",
                                      hint="lists: " + ", ".join(by_id))
            try:
                number = cast(value)
            except ValueError:
                raise PartyRulesError(f"awards: --{option.replace('_', '-')} {name}={value} is not a number",
                                      hint="e.g. --quota reserve_cadre=3 --top-share member_award=0.2") from None
            spec = by_id[name]
            by_id[name] = (dataclasses.replace(spec, quota=int(number)) if field == "quota" else
                           dataclasses.replace(spec, top_share=float(number)))
    return tuple(by_id.values())


def cmd_awards(args: argparse.Namespace) -> int:
    from ..cycle.year import shipped_rulesets
    from ..rulesets.loader import load_ruleset
    from .population_files import read_bundles

    if args.ledger and args.at is None:
        print(error_line("awards", "--ledger needs --at, the time of publication (公示须给出发布时间)",
                         hint="e.g. --at 2027-01-05T09:00+08:00"), file=sys.stderr)
        return 2
    try:
        rulesets = [load_ruleset(p) for p in args.ruleset] if args.ruleset else list(shipped_rulesets().values())
        lists = _lists(args)
    except (RuleSetError, PartyRulesError) as exc:
        report("awards", exc)
        return EXIT_INVALID
    bad = 0
    population: dict[str, list[Any]] = {"member": [], "branch": [], "community": []}
    if args.demo:
        from ..synthetic import generate_subdistrict

        area = generate_subdistrict(seed=args.seed)
        population = {"member": list(area.members), "branch": list(area.branches),
                      "community": list(area.communities)}
    elif not args.population:
        print(error_line("awards", "give population files or --demo (请给出人员数据文件或 --demo)"), file=sys.stderr)
        return 2
    for path in args.population:
        for row in read_bundles(path):
            if row.facts is None:
                bad += 1
                print(error_line("awards", f"row {row.number}: {row.error}", path), file=sys.stderr)
                continue
            population[str(type(row.facts).subject_kind)].append(row.facts)
    try:
        return _run(args, rulesets, lists, population, bad)
    except PartyRulesError as exc:
        report("awards", exc)
        return EXIT_INVALID


def _run(args: argparse.Namespace, rulesets: list[Any], lists: tuple[Any, ...], population: dict[str, list[Any]],
         bad: int) -> int:
    from ..cycle.awards import publish_recommendations, recommend
    from ..cycle.ledger import Ledger
    from ..cycle.tables import write_tables
    from ..cycle.year import YearOptions, run_year

    year = run_year(population["member"], population["branch"], population["community"], year=args.year,
                    rulesets=rulesets, params=_ruleset_params(args.param),
                    options=YearOptions(warning_share=args.warning_share),
                    workers=os.cpu_count() if args.demo else None)
    for f in year.failures:
        bad += 1
        print(error_line("awards", f"{f.subject_id or 'row'}: {f.error}"), file=sys.stderr)
    awards = recommend(year, lists, include_not_recommended=args.all)
    for line in awards_text(awards, args.lang, args.show):
        print(line)
    if args.out:
        for p in write_tables({"awards": awards.table()}, args.out, args.format):
            print(p)
    if args.ledger:
        with Ledger(args.ledger) as ledger:
            notice = publish_recommendations(awards, ledger, actor=args.actor, at=args.at, days=args.days,
                                             day_rule="working" if args.working_days else "calendar")
        zh = args.lang == "zh"
        print((f"公示: 第 {notice.notice_id} 号, {len(notice.items)} 项, " if zh else
               f"published for objections: notice {notice.notice_id}, {len(notice.items)} item(s), ")
              + notice.period_text(args.lang) + f" ({args.ledger})")
    if bad:
        print(f"{bad} subject{'s' if bad != 1 else ''} could not be scored; the others were", file=sys.stderr)
        return EXIT_ROWS_FAILED
    return 0


_PER_ZH = {"branch": "支部", "community": "社区", "all": "街道"}


def awards_text(awards: Any, lang: str, show: int) -> list[str]:
    """The counts of each list and its first ``show`` recommended lines, explained, in one language."""
    zh = lang == "zh"
    out = [(f"{awards.year} 年度评先评优及干部推荐 ({awards.note_zh})" if zh else
            f"Award and cadre recommendations for {awards.year} ({awards.note_en})")]
    for spec in awards.lists:
        c = awards.counts[spec.list_id]
        per = _PER_ZH[spec.quota_group]
        out.append(f"  {spec.zh}: 参评 {c['considered']}, 符合条件 {c['eligible']}, 推荐 {c['recommended']} "
                    f"(名额每{per} {spec.quota} 名)" if zh else
                    f"  {spec.en}: {c['considered']} considered, {c['eligible']} eligible, {c['recommended']} "
                    f"recommended (quota {spec.quota} per {spec.quota_group})")
        for line in awards.recommended(spec.list_id)[:show]:
            out.append("    " + line.explanation(lang))
    return out


def register(sub: argparse._SubParsersAction[Any]) -> None:
    a = sub.add_parser("awards", help="the year's award and cadre recommendations, explained; 公示 with --ledger",
                       description="Run the year for a population, then recommend (never decide) the awards "
                       "(评先评优) and cadres (推荐干部、后备干部) by stated criteria and quotas, each explained in "
                       "Chinese and English. With --ledger, the recommendations are published for objections for "
                       "--days days from --at; the ledger accepts objections only within that period.")
    a.add_argument("population", nargs="*", help="JSON or JSON-lines files of member, branch and community facts")
    a.add_argument("--demo", action="store_true", help="the generated demo sub-district (partyrules demo)")
    a.add_argument("--seed", type=int, default=2026, help="the demo sub-district's seed (default 2026, as the demo)")
    a.add_argument("--year", type=int, required=True, help="the assessment year, e.g. 2026")
    a.add_argument("--ruleset", action="append", type=ruleset_arg, metavar="RULESET",
                   help="a rule-set file or shipped name (repeatable; default: the shipped ones)")
    a.add_argument("--param", action="append", metavar="RULESET_ID:NAME=VALUE",
                   help="override a parameter of one rule set (repeatable)")
    a.add_argument("--warning-share", type=_share, default=0.10, help="bottom share of each pool warned (0.10)")
    a.add_argument("--quota", action="append", type=_setting, metavar="LIST=N",
                   help="a list's quota per group (member_award 1/branch, branch_award 1/community, cadre "
                        "1/community, reserve_cadre 3/community)")
    a.add_argument("--top-share", action="append", type=_setting, metavar="LIST=SHARE",
                   help="the top share of its ranking pool a subject must be in (default 0.10)")
    a.add_argument("--all", action="store_true", help="write the subjects not recommended too, with why")
    a.add_argument("--show", type=int, default=3, help="explained lines shown per list (default 3)")
    a.add_argument("--lang", choices=["zh", "en"], default="zh", help="the language of the text (default zh)")
    a.add_argument("--out", help="directory for the awards table")
    a.add_argument("--format", choices=["csv", "json", "parquet", "xlsx"], default="csv",
                   help="format of the tables written with --out (parquet needs the analysis extra, xlsx the sheets "
                        "extra: Chinese headers, money in yuan)")
    a.add_argument("--ledger", help="publish the recommendations for objections (公示) in this ledger file")
    a.add_argument("--at", type=_aware_time, help="the time of publication with its zone, e.g. 2027-01-05T09:00+08:00")
    a.add_argument("--days", type=int, default=5,
                   help="the objection period in days (default 5: published practice, see docs/cycle.md)")
    a.add_argument("--working-days", action="store_true", help="count working days (Mon-Fri), not calendar days")
    a.add_argument("--actor", default="subdistrict", help="who publishes, for the audit trail")
    a.set_defaults(func=cmd_awards)
