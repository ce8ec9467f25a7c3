"""``partyrules demo``: score a generated sample sub-district end to end with the shipped rule sets.

19 communities, 175 branches and 2,972 members (the main seed's proportions), a year of monthly records,
incidents and commendations, run through the assessment year: every member scored with the index of their
category and every branch with the combat-effectiveness index, for each quarter and the year; annual results with
the 优秀 quota; rankings, warning and priority lists, pairings and funding; every community rated with six stars
and checked against the targets.
"""

from __future__ import annotations

import time
import unicodedata
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

from .analyse.grid_chain import grid_chain
from .cycle.annual import AnnualResult
from .cycle.year import YearOptions, YearResult, run_year, shipped_rulesets
from .errors import PartyRulesError
from .evaluate.evaluator import Evaluator
from .evaluate.population import score_population
from .explain.phrasebook import value_label
from .facts.links import checklist_links
from .funding import fmt_yuan
from .ranking import Rank
from .results import ScoreBreakdown
from .rulesets.model import RuleSet
from .service.pagesdemo import show_pages
from .service.showcase import show_live_session
from .synthetic import SubDistrict, generate_subdistrict
from .synthetic.grid_chain import generate_grid_chain

CATEGORIES = ("in_service", "retired", "new_citizen")


def _pad(text: str, width: int) -> str:
    """Left-align by display width: CJK characters take two terminal columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)
    return text + " " * max(0, width - used)


def example_ruleset_path() -> Path:
    """The small example member index shipped in the package (used by the docs and tests)."""
    return Path(str(resources.files("partyrules") / "data" / "example" / "member-example.yaml"))


def _distribution(title: str, rs: RuleSet, grades: list[str | None], zh: bool) -> None:
    counts = Counter(grades)
    print(f"  {title}")
    for g in rs.grades:
        n = counts.get(g.id, 0)
        bar = "█" * round(30 * n / max(1, len(grades)))
        print(f"    {_pad(g.zh if zh else g.en, 20)} {n:>5}  {bar}")
    if counts.get(None):
        print(f"    {_pad('不定等次(预备党员)' if zh else 'not graded (probationary)', 20)} {counts[None]:>5}")


def _ranking(title: str, ranks: list[Rank], results: dict[str, AnnualResult], zh: bool, top: int = 8,
             bottom: int = 4, *, in_pool: bool = False) -> None:
    print("\n" + title)
    head = ("名次", "对象", "综合得分", "等次", "否决") if zh else ("rank", "subject", "composite", "grade", "veto")
    print(f"  {_pad(head[0], 5)}  {_pad(head[1], 10)} {_pad(head[2], 10)} {_pad(head[3], 14)} {head[4]}")
    ordered = sorted(ranks, key=lambda r: (r.pool_rank if in_pool else r.overall_rank, r.subject_id))
    n = len(ordered)
    shown = [(i, r) for i, r in enumerate(ordered) if i < top or i >= n - bottom]
    last = -1
    for i, r in shown:
        if i > last + 1:
            print("  " + "·" * 5)
        last = i
        res = results[r.subject_id]
        grade = (res.grade.zh if zh else res.grade.en) if res.grade else "-"
        note = ("(名额调整)" if zh else " (quota)") if res.demoted_by_quota else ""
        shown_rank = r.pool_rank if in_pool else r.overall_rank
        print(f"  {shown_rank:>5}  {r.subject_id:<10} {res.percent:>10.2f} {_pad(grade + note, 14)} "
              f"{','.join(v.rule_id for v in res.vetoes)}")


def _require_extras() -> None:
    """The demo scores the year as tables and writes workbooks: without the demo extra, say so before starting."""
    import importlib.util

    missing = [m for m in ("polars", "numpy", "openpyxl") if importlib.util.find_spec(m) is None]
    if missing:
        raise PartyRulesError(f"the demo needs {', '.join(missing)} (the demo extra), which is not installed / "
                              "演示需要 demo 附加依赖", hint='pip install "partyrules[demo]"')


def run_demo(*, lang: str = "zh", seed: int = 2026) -> int:
    _require_extras()
    zh = lang == "zh"
    t0 = time.perf_counter()
    rulesets = shipped_rulesets()
    area = generate_subdistrict(seed=seed)
    t1 = time.perf_counter()
    pool_fen = 50_000_000  # 500,000 yuan of 以奖代补 funds for the sub-district's branches
    year = run_year(area.members, area.branches, area.communities, year=area.year, rulesets=rulesets,
                    options=YearOptions(funding_pool_fen=pool_fen))
    t2 = time.perf_counter()

    scored = len(year.members) + len(year.branches) + len(year.communities)
    print("示例街道 (生成数据)" if zh else "Sample sub-district (generated)")
    print(("{c} 个社区, {b} 个党组织, {m} 名党员; 生成并载入 {g:.1f}s; {y} 年度: 每季度及全年评分 {s} 个对象 {e:.1f}s"
           if zh else "{c} communities, {b} Party organisations, {m} members; generated and loaded in {g:.1f}s; "
           "year {y}: scored {s} subjects for each quarter and the year in {e:.1f}s").format(
        c=len(area.communities), b=len(area.branches), m=len(area.members), g=t1 - t0, s=scored, e=t2 - t1,
        y=area.year))
    for f in year.failures:
        print(f"  ! {f}")
    _rulesets_section(rulesets, zh)
    _grades_section(rulesets, year, zh)
    _warnings_section(rulesets, year, zh)
    _grid_section(area, rulesets, lang, seed)
    _rankings_section(rulesets, year, zh)
    _uses_section(year, lang)
    _awards_section(year, lang)
    _examples_section(area, rulesets, lang)
    _reporting_section(area, rulesets, lang)
    _fairness(area, year, lang)
    _duties_section(area, rulesets, lang, seed)
    _service_section(area, rulesets, lang)
    show_live_session(area, rulesets, lang)
    show_pages(area, year, YearOptions(funding_pool_fen=pool_fen), lang)
    _calibrate_section(area, rulesets, lang)
    _outlook_section(area, rulesets, lang)
    _sheets_section(area, year, lang)
    return 0 if not year.failures else 10


def _outlook_section(area: SubDistrict, rulesets: dict[str, RuleSet], lang: str) -> None:
    """Mid-year foresight (docs/outlook.md): as of June, who is secure, on track (secure if they keep to what is
    asked), at risk (needs more than what is asked) or out of reach of 合格. The members are put into tables once,
    each index gets only the members of its categories and scores their completions together (one call)."""
    from .analyse.outlook import outlook_population
    from .population import facts_to_population
    from .shipped_rulesets import CATEGORY_RULESET

    zh = lang == "zh"
    as_of = f"{area.year}-06"
    print("\n" + (f"年中展望 (截至 {as_of}): 全年总分的确切区间与预警名单 (预警线: 合格)" if zh else
                  f"Mid-year outlook (as of {as_of}): the exact interval of the year's total, and the warning list "
                  "(line: Qualified)"))
    pop = facts_to_population(area.members, "member")
    worst: tuple[float, str] | None = None
    for key in ("in_service", "retired", "new_citizen"):
        rs = rulesets[key]
        ids = [m.subject_id for m in area.members if CATEGORY_RULESET.get(m.member.category.value) == key]
        po = outlook_population(rs, pop.select(ids), as_of)
        c = po.counts()
        print(("  {t}: 已确保 {s}, 按要求参加即可 {k}, 有风险 {r}, 已无法达到 {o}" if zh else
               "  {t}: secure {s}, on track {k}, at risk {r}, out of reach {o}").format(
            t=rs.title_zh if zh else rs.title_en, s=c["secure"], k=c["on_track"], r=c["at_risk"],
            o=c["out_of_reach"]))
        w = po.warnings()
        if w.height and w["status"][0] == "out_of_reach" and (worst is None or w["highest"][0] < worst[0]):
            worst = (w["highest"][0], w["subject_id"][0])
    if worst is not None:
        print(f"  例: {worst[1]} 今后每月做到最好, 全年最高 {worst[0]:.2f} 分, 已无法达到合格" if zh else
              f"  e.g. {worst[1]}: at best {worst[0]:.2f} for the year, whatever the coming months hold: out of "
              "reach of Qualified")
    print("  " + ("六个月不参加组织生活、不交党费会触发一票否决, 所以最坏情形下几乎无人“已确保”; “按要求参加即可”: "
                  "剩余月份参加应参加的会议和学习、交纳党费、履行岗位职责、完成分配的任务(年度测评取最坏)即可达到合格, "
                  "不列入预警名单; 预警名单 = 有风险 + 已无法达到, 所需的改进: "
                  f"partyrules outlook --demo --as-of {as_of} --subject 编号" if zh else
                  "six months without Party life or dues would trigger a veto, so at worst almost no one is secure; "
                  "on track: reaches Qualified by keeping to what is asked in the remaining months (the meetings "
                  "and study required, dues, the post and the tasks assigned; the year-end evaluation at its "
                  "worst), not on the warning list; the warning list is at risk + out of reach, what it takes: "
                  f"partyrules outlook --demo --as-of {as_of} --subject ID --lang en"))


def _awards_section(year: YearResult, lang: str) -> None:
    """Award and cadre recommendations from the year (D1), never decisions, and their 公示 in a ledger."""
    from datetime import datetime, time, timedelta, timezone

    from .commands.awards import awards_text
    from .cycle.awards import publish_recommendations, recommend
    from .cycle.ledger import Ledger, NoticePeriodError

    awards = recommend(year, include_not_recommended=False)
    print()
    for line in awards_text(awards, lang, 2):
        print(line)
    beijing = timezone(timedelta(hours=8))
    opened = datetime(year.year + 1, 1, 5, 9, 0, tzinfo=beijing)  # a fixed time, so the demo prints the same daily
    with Ledger(":memory:") as ledger:
        notice = publish_recommendations(awards, ledger, actor="subdistrict", at=opened)
        late = datetime.combine(notice.closes_on + timedelta(days=1), time(9), tzinfo=beijing)
        try:
            ledger.file_notice_objection(notice.notice_id, notice.refs[0], objection_id="late", raised_by="resident",
                                         reason="demo", actor="resident", at=late)
        except NoticePeriodError:
            refused = late.date()
        else:
            raise AssertionError("the ledger accepted an objection after the objection period")
    print(("  公示 {n} 项, {p}; {d} 提出的异议已超出公示期, 台账不予受理" if lang == "zh" else
           "  Published for objections: {n} items, {p}; an objection on {d} is after the period and the ledger "
           "refuses it").format(n=len(notice.items), p=notice.period_text(lang), d=refused))


def _rulesets_section(rulesets: dict[str, RuleSet], zh: bool) -> None:
    print("\n" + ("规则集" if zh else "Rule sets"))
    for rs in rulesets.values():
        c = rs.counts()
        print(f"  {rs.id:<30} {c['dimensions']:>2} dims {c['standards']:>3} std {c['deductions']:>3} ded "
              f"{c['vetoes']:>2} vetoes  {rs.title_zh if zh else rs.title_en}")


def _grades_section(rulesets: dict[str, RuleSet], year: YearResult, zh: bool) -> None:
    print("\n" + ("年度等次分布 (季度评分、年度测评、书记述职评议、日常掌握情况综合)" if zh else
                  "Annual grades (quarterly scores, annual evaluation, secretary's report review, daily observation)"))
    for cat in CATEGORIES:
        rs = rulesets[cat]
        _distribution(rs.title_zh if zh else rs.title_en, rs,
                      [r.grade.id if r.grade else None for r in year.members if r.pool[-1] == cat], zh)
    _distribution(rulesets["branch"].title_zh if zh else rulesets["branch"].title_en, rulesets["branch"],
                  [r.grade.id if r.grade else None for r in year.branches], zh)
    stars = Counter(c.stars for c in year.communities)
    print(f"  {rulesets['community'].title_zh if zh else rulesets['community'].title_en}")
    for n in range(6, -1, -1):
        if stars.get(n):
            print(f"    {n}{'星' if zh else ' stars'}: {stars[n]}")
    demoted = sum(1 for r in year.members if r.demoted_by_quota)
    print(("  优秀名额 (不超过本支部参评党员的1/3): {d} 名党员按排名调整为合格" if zh else
           "  优秀 quota (at most 1/3 of a branch's graded members): {d} members moved down by rank").format(d=demoted))


def _warnings_section(rulesets: dict[str, RuleSet], year: YearResult, zh: bool) -> None:
    texts = {c.id: (c.spec.zh if zh else c.spec.en) for rs in rulesets.values() for c in rs.checks}
    warned = Counter((w, texts[w]) for r in (*year.members, *year.branches) for w in r.warnings)
    print("\n" + ("结构提示 (不影响得分)" if zh else "Structure warnings (never change the points)"))
    for (wid, text), n in sorted(warned.items()):
        print(f"  {wid:<5} {n:>5}  {text}")


def _grid_section(area: SubDistrict, rulesets: dict[str, RuleSet], lang: str, seed: int) -> None:
    """Seed 004's grid chain (community committee, grid branch, building group) and grid size, per grid and
    building, on the sub-district's grids with their chain (partyrules grid --demo lists every finding)."""
    zh = lang == "zh"
    chain = grid_chain(generate_grid_chain(area, seed=seed), rulesets["community"], period=str(area.year))
    print("\n" + ("网格党建: 社区党委-网格党支部-楼栋党小组三级链条及网格规模" if zh else
                  "Grid organisation: the community-grid branch-building group chain and grid size"))
    print("  " + chain.summary(lang))
    first = {f.check_id: f for f in reversed(chain.findings)}  # the first finding of each check, as its example
    for cid, n in chain.counts().items():
        if cid in first:
            f = first[cid]
            where = f.grid_id if f.building_id is None else f"{f.grid_id} / {f.building_id}"
            print(f"  {cid:<5} {n:>5}  {f.zh if zh else f.en} ({'如' if zh else 'e.g.'} {where})")
        else:
            print(f"  {cid:<5} {n:>5}")
    print("  " + ("全部提示: partyrules grid --demo" if zh else "Every finding: partyrules grid --demo --lang en"))


def _rankings_section(rulesets: dict[str, RuleSet], year: YearResult, zh: bool) -> None:
    results = {r.subject_id: r for r in (*year.members, *year.branches)}
    _ranking("党支部年度排名 (拉通排名)" if zh else "Branch ranking for the year (across the sub-district)",
             year.branch_ranks, results, zh)
    for cat in CATEGORIES:
        title = rulesets[cat].title_zh + "年度排名" if zh else f"Member ranking: {rulesets[cat].title_en}"
        _ranking(title, [r for r in year.member_ranks if r.pool[-1] == cat], results, zh, top=5, bottom=3,
                 in_pool=True)


def _uses_section(year: YearResult, lang: str) -> None:
    """The uses of the results: warning and priority lists, pairings, funding, recommendations, star targets."""
    zh = lang == "zh"
    print("\n" + ("结果运用" if zh else "Uses of the results"))
    print(("  诫勉名单 (各类别排名后10%及一票否决): {b} 个党支部, {m} 名党员" if zh else
           "  Warning list (bottom 10% of each pool, and every veto): {b} branches, {m} members").format(
        b=len(year.branch_warnings), m=len(year.member_warnings)))
    print(("  重点支持名单 (各类别排名前10%): {p} 个党支部" if zh else
           "  Priority list (top 10% of each pool): {p} branches").format(p=len(year.branch_priority)))
    print("  " + ("结对子 (先进带后进):" if zh else "Pairings (the advanced help the lagging):"))
    for pairing in year.pairings.pairs[:6]:
        print("    " + pairing.explanation(lang))
    if len(year.pairings.pairs) > 6:
        print(f"    … {len(year.pairings.pairs) - 6} " + ("对" if zh else "more"))
    if year.funding is not None:
        lines = sorted(year.funding.lines, key=lambda ln: (-ln.amount_fen, ln.subject_id))
        print(("  以奖代补经费 {t} 元, 按战斗力指数分配 (合计 {s} 元, 一票否决的支部不拨付):" if zh else
               "  以奖代补 funds of {t} yuan shared by index (total {s} yuan; vetoed branches get nothing):").format(
            t=fmt_yuan(year.funding.pool_fen), s=fmt_yuan(sum(ln.amount_fen for ln in lines))))
        for ln in [*lines[:3], *lines[-2:]]:
            print(f"    {ln.subject_id:<8} {fmt_yuan(ln.amount_fen):>12}  {ln.explanation(lang)}")
    recs = [x for r in (*year.branches, *year.members) for x in r.recommendations]
    print(("  一票否决后的建议措施 {n} 项 (均为建议, 须经会议表决方可成为决定)" if zh else
           "  {n} follow-up measures recommended after vetoes (recommendations only; a meeting vote decides)")
          .format(n=len(recs)))
    if year.star_targets is not None:
        print("  " + ("六星级创建目标对照:" if zh else "Six-star targets:"))
        for tl in year.star_targets.lines:
            print("    " + tl.explanation(lang))



def _service_section(area: SubDistrict, rulesets: dict[str, RuleSet], lang: str) -> None:
    """What the decision service does for each request, without HTTP (partyrules serve, docs/service.md): a member
    of each category scored with the index its category chooses, each decision logged, and the log replayed."""
    import tempfile
    from pathlib import Path

    from .cycle.scoring import RuleSetChooser
    from .service import DecisionLog, replay
    from .service.deciding import decide

    zh = lang == "zh"
    chooser = RuleSetChooser(rulesets.values())
    firsts = {str(m.member.category): m for m in reversed(area.members)}
    print("\n" + ("决策服务 (partyrules serve): 按党员类别选用指数, 每项决策先记入日志再答复" if zh else
                  "The decision service (partyrules serve): the index chosen by category, each decision logged "
                  "before it is answered"))
    with tempfile.TemporaryDirectory() as tmp:
        log = DecisionLog(Path(tmp) / "decisions.sqlite")
        for category in sorted(firsts):
            row, b = decide(chooser, firsts[category], str(area.year), "demo")
            (number,) = log.record([row])
            print(f"  #{number} {b.subject_id} {category:<12} -> {b.ruleset_id} {b.ruleset_version} "
                  f"({b.ruleset_hash[:12]}): {b.total:.2f} {b.grade.zh if zh else b.grade.en}")
        log.close()
        again = replay(Path(tmp) / "decisions.sqlite", rulesets.values())
    print(("  离线重算 (partyrules replay): {n} 项决策, {d} 项不一致" if zh else
           "  Replayed offline (partyrules replay): {n} decisions, {d} differ").format(n=again.checked,
                                                                                   d=len(again.differences)))

def _examples_section(area: SubDistrict, rulesets: dict[str, RuleSet], lang: str) -> None:
    """One member's and one branch's breakdown for the year, explained."""
    zh = lang == "zh"
    whole = str(area.year)
    member = _pick_example([Evaluator(rulesets["in_service"]).evaluate(m, whole)
                            for m in area.members_in("in_service")[:60]])
    if member is not None:
        print("\n" + ("一名党员的全年得分说明" if zh else "One member's explained breakdown for the year"))
        print(member.to_text(lang))
    branch = _pick_example([Evaluator(rulesets["branch"]).evaluate(b, whole) for b in area.branches[:60]])
    if branch is not None:
        print("\n" + ("一个党支部的全年得分说明" if zh else "One branch's explained breakdown for the year"))
        print(branch.to_text(lang))


def _reporting_section(area: SubDistrict, rulesets: dict[str, RuleSet], lang: str) -> None:
    """One month of the in-service members' cycle (一月一计划、一考核、一通报, seed 002): a table of a few members,
    then the plan, assessment and notice of two of them."""
    from .cycle.reporting import reporting_cycle
    from .cycle.reporting_text import cycle_table, member_month_text

    zh = lang == "zh"
    cycle = reporting_cycle(area.members_in("in_service")[:8], f"{area.year}-03", rulesets["in_service"])
    print("\n" + (f"在职党员月度周期 {cycle.month} (一月一计划、一考核、一通报; partyrules reporting)" if zh else
                  f"The in-service members' monthly cycle, {cycle.month} (plan, assessment, notice; "
                  "partyrules reporting)"))
    print(cycle_table(cycle.members, lang), end="")
    for mm in cycle.members[:2]:
        print("\n" + member_month_text(mm, lang))


def _fairness(area: SubDistrict, year: YearResult, lang: str, shown: int = 6) -> None:
    """A short section of the fairness findings: structure (the rules) first, then conduct (the members)."""
    from .analyse.fairness import fairness

    zh = lang == "zh"
    report = fairness(area, year_result=year)
    print("\n" + ("考评公平性 (示范党员各期可达最高分; 结构性差距与表现差距分开)" if zh else
                  "Fairness (what an exemplary member can reach each period; structure apart from conduct)"))
    for kind, title in (("structure", "结构性差距 (规则造成)" if zh else "structural gaps (made by the rules)"),
                        ("conduct", "表现差距 (党员所做不同)" if zh else "gaps in conduct (what members did)")):
        found = report.findings(lang, kind)
        print(f"  {title}: {len(found)}")
        for text in found[:shown]:
            print(f"    - {text}")
        if len(found) > shown:
            print(f"    … {len(found) - shown} " + ("条, 见 partyrules fairness --demo" if zh else
                                                   "more: partyrules fairness --demo"))


def _duties_counts(area: SubDistrict, rulesets: dict[str, RuleSet]) -> dict[str, Any]:
    """What the duties section tells, counted on ``area`` (with the optional facts of synthetic.duties)."""
    whole = str(area.year)
    items = [i for b in area.branches for i in b.branch.checklist]
    items += [i for m in area.members for i in m.member.checklist]
    dated = [(i.accepted_on, i.due) for i in items if i.accepted_on is not None and i.due is not None]
    resettlement = [b for b in area.branches if b.branch.branch_type == "resettlement_area"]
    # scored as tables: every appraised member, not a sample
    mobile = score_population(rulesets["in_service"], area.members_in("mobile"), whole).frame["total"].to_list() \
        if area.members_in("mobile") else []
    posts = [m.annual.post_appraisal for m in area.members if m.annual is not None and m.annual.post_appraisal]
    appraised = [m for m in area.members_in("in_service") + area.members_in("mobile")
                 if m.annual is not None and m.annual.post_appraisal is not None]
    sc9 = int(score_population(rulesets["in_service"], appraised, whole).frame["check:SC9"].sum()) if appraised else 0
    sc10 = int(score_population(rulesets["branch"], resettlement, whole).frame["check:SC10"].sum()) \
        if resettlement else 0
    return {
        "accepted": len(dated),
        "late": sum(1 for done, due in dated if (done.year, (done.month - 1) // 3) > (due.year, (due.month - 1) // 3)),
        "linked": sum(1 for m in area.members for i in m.member.checklist if i.serves_item_id is not None),
        "broken": len(checklist_links(area.members, area.branches)),
        "resettlement": len(resettlement),
        "sc10": sc10,
        "mobile": len(mobile), "mobile_avg": sum(mobile) / len(mobile) if mobile else 0.0,
        "posts": len(posts), "by_level": Counter(map(str, posts)),
        "sc9": sc9, "examined": len(appraised),
    }


def _duties_section(area: SubDistrict, rulesets: dict[str, RuleSet], lang: str, seed: int) -> None:
    """Checklist acceptance and 责任区, mobile members and the year-end post appraisal, on the sub-district with
    those optional facts added (synthetic.duties): the year above is scored without them and is unchanged."""
    from .synthetic.duties import add_duties

    zh = lang == "zh"
    n = _duties_counts(add_duties(area, seed=seed), rulesets)
    n["levels"] = ", ".join(f"{value_label(k, lang)} {n['by_level'][k]}"
                            for k in ("excellent", "competent", "basically_competent", "incompetent"))
    lines = (
        ("对照检查清单照单验收、流动党员、设岗定责年底评议 (补充生成的可选事实, 上文各表不含)",
         "Checklist acceptance, mobile members, year-end post appraisal (optional facts added; not in the tables "
         "above)"),
        ("  照单验收: {accepted} 项已验收事项记有验收人(均非责任人)和日期; {late} 项验收晚于到期季度, "
         "在该季度不算完成",
         "  Acceptance: {accepted} accepted items name their acceptor (never the responsible person) and date; "
         "{late} were accepted after their quarter, so they are not done in that quarter"),
        ("  责任区: {linked} 项党员清单事项对应支部清单事项 ({broken} 项找不到本支部的对应事项); {resettlement} 个"
         "农民集中安置区党支部中 {sc10} 个缺少点名任务之一 (SC10)",
         "  Areas of responsibility: {linked} member items serve a branch item ({broken} name no item of the member's "
         "own branch); of {resettlement} resettlement-area branches, {sc10} lack one of the three named tasks (SC10)"),
        ("  流动党员: {mobile} 名, 按在职党员先进指数评分, 全年平均 {mobile_avg:.1f} 分",
         "  Mobile members: {mobile}, scored by the in-service index, year average {mobile_avg:.1f}"),
        ("  设岗定责年底评议: {posts} 名认岗党员 ({levels}); 经评议的 {examined} 名在职或流动党员中 {sc9} 名需跟进 "
         "(SC9, 不影响得分)",
         "  Year-end post appraisal: {posts} members holding posts ({levels}); of the {examined} in-service or "
         "mobile members appraised, {sc9} to follow up (SC9, no points)"),
    )
    print()
    for z, e in lines:
        print((z if zh else e).format(**n))


def _pick_example(scored: list[ScoreBreakdown]) -> ScoreBreakdown | None:
    """A subject with deductions and partial standards shows the most of an explanation."""
    def interest(b: ScoreBreakdown) -> tuple[int, int, str]:
        ded = sum(1 for ln in b.lines if ln.kind == "deduction")
        partial = sum(1 for ln in b.lines if ln.status == "partial")
        return (-(min(ded, 2) + min(partial, 2)), int(b.vetoed), b.subject_id)

    return min(scored, key=interest) if scored else None


def _sheets_section(area: SubDistrict, year: YearResult, lang: str) -> None:
    """Spreadsheets in and out: one branch's members through a workbook and back, the monthly template, and the
    year's funding table as a workbook in yuan (docs/spreadsheets.md)."""
    import tempfile

    from .cycle.tables import write_tables
    from .errors import PartyRulesError
    from .facts.exemplary import exemplary_member
    from .population.frames import facts_to_population
    from .population.io import read_population, write_population
    from .population.io.xlsx_write import write_template

    zh = lang == "zh"
    branch = area.branches[0].subject_id
    members = [m for m in area.members if m.member.branch_id == branch]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            book = write_population(facts_to_population(members, "member"), Path(tmp) / "members.xlsx",
                                    format="xlsx")
            read = read_population(book)
            template = write_template("member", Path(tmp) / "template.xlsx",
                                      example=[exemplary_member("in_service", area.year)])
            sheets = len(read_population(template).population.tables)
            funding = year.tables()["funding"]
            write_tables({"funding": funding}, tmp, "xlsx")
            funding_rows = len(funding)
    except PartyRulesError as exc:  # no openpyxl: the sheets extra is not installed
        print()
        print(("电子表格: " if zh else "Spreadsheets: ") + str(exc))
        return
    print()
    print("电子表格 (xlsx) 导入导出" if zh else "Spreadsheets (xlsx) in and out")
    print((f"  支部 {branch} 的 {len(members)} 名党员写入工作簿再读回: {len(read.population)} 名, "
           f"{len(read.problems)} 个问题; 每月填报模板 {sheets} 张表 (中文表头、说明、下拉选项、示例行); "
           f"奖补资金表 {funding_rows} 行写为工作簿 (以元计)") if zh else
          (f"  The {len(members)} members of branch {branch} written to a workbook and read back: "
           f"{len(read.population)}, {len(read.problems)} problems; the monthly template has {sheets} sheets "
           f"(Chinese headers, notes, drop-downs, an example row); the funding table's {funding_rows} rows "
           "written as a workbook (in yuan)"))


def _calibrate_section(area: SubDistrict, rulesets: dict[str, RuleSet], lang: str) -> None:
    """Calibration, the inverse what-if (partyrules calibrate --demo): the in-service index's cut-offs that keep
    优秀 within the quota in every branch with a warning list of about 10%, and the quota's price."""
    from .analyse.calibrate import Unmet, calibrate
    from .errors import NoCalibrationError
    from .population.frames import facts_to_population

    zh = lang == "zh"
    rs = rulesets["in_service"]
    scores = score_population(rs, facts_to_population(area.members, "member"), str(area.year))
    print("\n" + ("分数线校准 (在职党员指数; partyrules calibrate --demo)" if zh else
                  "Calibrated cut-offs (in-service index; partyrules calibrate --demo)"))
    result = calibrate(scores, ["优秀<=1/3 per branch", "warning~10%"], community_of_branch=area.community_of_branch)
    print("\n".join("  " + line for line in result.lines(lang)[1:]))
    try:
        calibrate(scores, ["优秀<=1/3 per branch", "优秀~20%"])
    except NoCalibrationError as exc:
        print("  " + ("另: 优秀约占五分之一与每个支部不超过三分之一不能同时满足:" if zh else
                      "And: 优秀 about a fifth overall cannot go with at most a third in every branch:"))
        for u in exc.unmet:
            if isinstance(u, Unmet):
                print("    " + u.text(lang))
