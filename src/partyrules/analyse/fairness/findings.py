"""The findings in plain language, Chinese and English: structural gaps (what no member of a category can reach),
costs, fields read differently, and what the population's results say about conduct."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .model import _EPS, SUBJECT_LABEL, CategoryFairness, Finding, KindCost, PeriodMax
from .rules import _label, _periods

# --- findings --------------------------------------------------------------------------------------------------------

def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _one(key: str) -> tuple[str, str]:
    """The exemplary subject of an index, as a noun."""
    return ("党支部", "branch") if key == "branch" else ("党员", "member")


def _name(c: CategoryFairness, lang: str) -> str:
    return c.ruleset.title_zh if lang == "zh" else c.ruleset.title_en


def _periods_text(periods: Sequence[str]) -> str:
    return ", ".join(periods)


def _structural_findings(cats: list[CategoryFairness], year: int) -> list[Finding]:
    out: list[Finding] = []
    labels = [_label(p) for p in _periods(year)]
    for c in cats:
        who_zh, who_en = SUBJECT_LABEL[c.key]
        groups: dict[tuple[Any, ...], list[PeriodMax]] = {}
        for pm in c.reachable:
            if pm.variant == "standard" and (pm.total < c.scale - _EPS or pm.vetoed):
                groups.setdefault((pm.total, pm.short, pm.vetoed), []).append(pm)
        for (total, short, vetoed), pms in groups.items():
            ps = [p.period for p in pms]
            items = tuple(r for r, _, _ in short)
            parts_zh = "、".join(f"{r} 得 {_fmt(p)}/{_fmt(f)} 分" if f else f"{r} 扣 {_fmt(-p)} 分"
                                 for r, p, f in short)
            parts_en = ", ".join(f"{r} earns {_fmt(p)} of {_fmt(f)}" if f else f"{r} deducts {_fmt(-p)}"
                                 for r, p, f in short)
            out.append(Finding(
                "structure", "max_below_scale", c.key, items,
                {"periods": ps, "reachable": total, "scale": c.scale, "gap": round(c.scale - total, 6)},
                f"{_name(c, 'zh')} {_periods_text(ps)}: 各项按期全部完成的示范{_one(c.key)[0]}最高只得 "
                f"{_fmt(total)} 分(满分 {_fmt(c.scale)}), 差 {_fmt(c.scale - total)} 分是规则结构造成的: {parts_zh}"
                + (" (且被否决)" if vetoed else ""),
                f"{_name(c, 'en')}, {_periods_text(ps)}: an exemplary subject who does every item when due reaches "
                f"only {_fmt(total)} of {_fmt(c.scale)}; the {_fmt(c.scale - total)} points are structural: {parts_en}"
                + (" (and is vetoed)" if vetoed else "")))
            unreachable = [g for g in c.ruleset.grades if float(g.at_least) > total + _EPS]
            if unreachable:
                best = unreachable[-1]  # the lowest grade out of reach: every grade above it is too
                out.append(Finding(
                    "structure", "grade_unreachable", c.key, (best.id,),
                    {"periods": ps, "reachable": total, "grade": best.id, "threshold": float(best.at_least)},
                    f"{_name(c, 'zh')} {_periods_text(ps)}: 可达最高分 {_fmt(total)} 低于“{best.zh}”的分数线 "
                    f"{_fmt(float(best.at_least))}, 任何{who_zh}都不可能评为“{best.zh}”",
                    f"{_name(c, 'en')}, {_periods_text(ps)}: the reachable maximum {_fmt(total)} is below the "
                    f"{best.en} threshold of {_fmt(float(best.at_least))}: no {who_en[:-1]} can be graded {best.en}"))
        for p in labels:
            std, hl = c.reachable_in(p), c.reachable_in(p, "health_limited")
            if std is not None and hl is not None and abs(std.total - hl.total) > _EPS:
                out.append(Finding(
                    "structure", "health_limited_max", c.key, tuple(r for r, _, _ in hl.short),
                    {"period": p, "reachable": std.total, "reachable_health_limited": hl.total},
                    f"{_name(c, 'zh')} {p}: 身体状况受限的示范党员最高 {_fmt(hl.total)} 分, "
                    f"其他示范党员 {_fmt(std.total)} 分",
                    f"{_name(c, 'en')}, {p}: an exemplary member whose health limits participation reaches "
                    f"{_fmt(hl.total)}, another exemplary member {_fmt(std.total)}"))
        if c.annual_percent is not None and c.annual_percent < 100 - _EPS:
            out.append(Finding(
                "structure", "annual_below_scale", c.key, (),
                {"annual_percent": c.annual_percent},
                f"{_name(c, 'zh')}: 示范{_one(c.key)[0]}的年度综合结果只有 {_fmt(c.annual_percent)}/100 "
                "(季度评分平均值带入了季度中的结构性失分)",
                f"{_name(c, 'en')}: the exemplary subject's annual result is only {_fmt(c.annual_percent)} of 100 "
                "(the mean quarterly score carries the quarters' structural gaps)"))
        free_groups: dict[tuple[tuple[str, float], ...], list[str]] = {}
        for p, paid in c.free_points.items():
            free_groups.setdefault(paid, []).append(p)
        for paid, ps in free_groups.items():
            total = round(sum(x for _, x in paid), 6)
            out.append(Finding(
                "structure", "free_points", c.key, tuple(r for r, _ in paid), {"periods": ps, "points": total},
                f"{_name(c, 'zh')} {_periods_text(ps)}: 什么也没做的{who_zh}仍因不适用而得 {_fmt(total)} 分"
                "(白给的分): "
                + "、".join(f"{r} {_fmt(x)} 分" for r, x in paid),
                f"{_name(c, 'en')}, {_periods_text(ps)}: a subject who did nothing still earns {_fmt(total)} "
                "points for items that did not apply (free points): " + ", ".join(f"{r} {_fmt(x)}" for r, x in paid)))
    members = [c for c in cats if c.key != "branch"]
    if len(members) > 1:
        for p in labels:
            tops = {c.key: c.reachable_in(p) for c in members}
            totals = {k: v.total for k, v in tops.items() if v is not None}
            if len(set(totals.values())) > 1:
                out.append(Finding(
                    "structure", "unequal_max", None, tuple(totals), {"period": p, "reachable": totals},
                    f"{p}: 各类别党员可达最高分不同: " + "、".join(f"{SUBJECT_LABEL[k][0]} {_fmt(v)}"
                                                          for k, v in totals.items()),
                    f"{p}: the reachable maximum differs by category: " + ", ".join(
                        f"{SUBJECT_LABEL[k][1]} {_fmt(v)}" for k, v in totals.items())))
    return out


def _cost_findings(costs: list[KindCost], keys: Sequence[str]) -> list[Finding]:
    out: list[Finding] = []
    members = [k for k in keys if k != "branch"]
    if len(members) < 2:
        return out
    by_kind: dict[str, dict[str, KindCost]] = {}
    for c in costs:
        if c.index != "branch":
            by_kind.setdefault(c.kind, {})[c.index] = c
    single: dict[str, list[str]] = {}
    for kind, per in sorted(by_kind.items()):
        sig = {k: (per[k].one, per[k].most, bool(per[k].vetoes)) if k in per else None for k in members}
        if len(set(sig.values())) <= 1:
            continue
        if len(per) == 1:  # conduct only one category's index reads (resettlement fraud, a lost contact, ...)
            single.setdefault(next(iter(per)), []).append(kind)
            continue
        any_cost = next(iter(per.values()))

        def one_zh(k: str, per: dict[str, KindCost] = per) -> str:
            c = per.get(k)
            if c is None:
                return f"{SUBJECT_LABEL[k][0]} 不扣分"
            rules = "、".join([*(r for r, _, _ in c.deductions), *(r for r, _ in c.standards), *c.vetoes])
            return (f"{SUBJECT_LABEL[k][0]} 一次扣 {_fmt(c.one)} 分、最多 {_fmt(c.most)} 分"
                    + (f"、可否决({'、'.join(c.vetoes)})" if c.vetoes else "") + f" ({rules})")

        def one_en(k: str, per: dict[str, KindCost] = per) -> str:
            c = per.get(k)
            if c is None:
                return f"{SUBJECT_LABEL[k][1]} nothing"
            rules = ", ".join([*(r for r, _, _ in c.deductions), *(r for r, _ in c.standards), *c.vetoes])
            return (f"{SUBJECT_LABEL[k][1]} {_fmt(c.one)} for one, at most {_fmt(c.most)}"
                    + (f", veto {'/'.join(c.vetoes)}" if c.vetoes else "") + f" ({rules})")

        items = tuple(r for c in per.values() for r in (*(x for x, _, _ in c.deductions),
                                                          *(x for x, _ in c.standards), *c.vetoes))
        out.append(Finding(
            "structure", "kind_cost_differs", None, (kind, *items),
            {"kind": kind, "one": {k: per[k].one if k in per else 0.0 for k in members},
             "most": {k: per[k].most if k in per else 0.0 for k in members}},
            f"同一行为“{any_cost.zh}”({kind})在各指数中代价不同: " + "; ".join(one_zh(k) for k in members),
            f"The same conduct '{any_cost.en}' ({kind}) costs differently by index: "
            + "; ".join(one_en(k) for k in members)))
    for key, kinds in single.items():
        zh, en = SUBJECT_LABEL[key]
        out.append(Finding(
            "structure", "kind_one_index", key, tuple(kinds), {"kinds": len(kinds)},
            f"{len(kinds)} 种行为只在{zh}指数中扣分, 其他类别党员做同样的事不扣分: " + "、".join(kinds),
            f"{len(kinds)} kinds of conduct cost points only in the index of {en}; members of other categories "
            "lose nothing for them: " + ", ".join(kinds)))
    return out


def _field_findings(rows: list[dict[str, Any]]) -> list[Finding]:
    out: list[Finding] = []
    for row in rows:
        if not row["cadence_differs"]:
            continue
        items = tuple(x["rule_id"] for v in row["indices"].values() for x in v if x["kind"] == "standard")
        cad = row["cadence"]
        out.append(Finding(
            "structure", "field_cadence_differs", None, (row["field"], *items), {"cadence": cad},
            f"同一事实 {row['field']} 在各指数中的考核周期不同: "
            + "; ".join(f"{SUBJECT_LABEL[k][0]} {'/'.join(v)}" for k, v in cad.items()) + f" ({'、'.join(items)})",
            f"The same fact {row['field']} is assessed on different cadences: "
            + "; ".join(f"{SUBJECT_LABEL[k][1]} {'/'.join(v)}" for k, v in cad.items()) + f" ({', '.join(items)})"))
    weighted = [r for r in rows if r["weight_differs"]]
    if weighted:
        def spread(r: dict[str, Any]) -> float:
            vs = [abs(v) for v in r["standard_points"].values()]
            return max(vs) / min(vs) if min(vs) > 0 else float("inf")

        top = sorted(weighted, key=lambda r: (-spread(r), r["field"]))[:3]
        out.append(Finding(
            "structure", "field_weight_differs", None, tuple(r["field"] for r in weighted),
            {"fields": len(weighted), "examples": {r["field"]: r["standard_points"] for r in top}},
            f"{len(weighted)} 项相同事实在各指数中分值不同(按类别设权, 见对照表), 差别最大的: " + "; ".join(
                r["field"] + " " + "、".join(f"{SUBJECT_LABEL[k][0]} {_fmt(v)} 分"
                                             for k, v in r["standard_points"].items()) for r in top),
            f"{len(weighted)} facts carry different points in different indices (weights by category, see the "
            "table); the widest: " + "; ".join(
                r["field"] + " " + ", ".join(f"{SUBJECT_LABEL[k][1]} {_fmt(v)}"
                                             for k, v in r["standard_points"].items()) for r in top)))
    return out


def _population_findings(cats: list[CategoryFairness], year: int) -> tuple[list[Finding], list[Finding]]:
    structure: list[Finding] = []
    conduct: list[Finding] = []
    whole = str(year)
    for c in cats:
        rule_structure, rule_conduct = _rule_findings(c, whole)
        structure += rule_structure
        conduct += rule_conduct
        gap = _conduct_gap(c, whole)
        if gap is not None:
            conduct.append(gap)
    for c in cats:
        structure += _period_effect(c, whole)
    share_structure, share_conduct = _top_grade_share(cats, whole)
    structure += share_structure
    conduct += share_conduct
    return structure, conduct


def _rule_findings(c: CategoryFairness, whole: str) -> tuple[list[Finding], list[Finding]]:
    """Items nobody earns or everybody earns in full, told as structure or conduct."""
    structure: list[Finding] = []
    conduct: list[Finding] = []
    who_zh, who_en = SUBJECT_LABEL[c.key]
    year_max = c.reachable_in(whole)
    short_year = {r for r, _, _ in year_max.short} if year_max else set()
    free_any = {r for paid in c.free_points.values() for r, _ in paid}
    for r in c.rules:
        n = r["subjects"]
        if not n:
            continue
        if r["kind"] == "standard" and r["earns"] == 0:
            if r["rule_id"] in short_year:
                structure.append(Finding(
                    "structure", "never_earned_unreachable", c.key, (r["rule_id"],), {"subjects": n},
                    f"{_name(c, 'zh')}: {r['rule_id']} 无人得分({n} 名{who_zh}中 0 名), "
                    f"示范{_one(c.key)[0]}全年也得不到",
                    f"{_name(c, 'en')}: {r['rule_id']} is earned by nobody (0 of {n} {who_en}) and not even by "
                    "the exemplary subject over the year"))
            else:
                conduct.append(Finding(
                    "conduct", "nobody_earns", c.key, (r["rule_id"],), {"subjects": n, "full": r["full"]},
                    f"{_name(c, 'zh')}: {r['rule_id']}({_fmt(r['full'])} 分)无人得分({n} 名{who_zh}中 0 名), "
                    "但按期完成即可得到: 是表现(或记录)上的差距",
                    f"{_name(c, 'en')}: {r['rule_id']} ({_fmt(r['full'])} points) is earned by nobody (0 of {n} "
                    f"{who_en}) though doing it earns it: a gap in conduct (or in the records)"))
        elif r["kind"] == "standard" and r["at_full"] == n:
            if r["rule_id"] in free_any:
                structure.append(Finding(
                    "structure", "everybody_free", c.key, (r["rule_id"],), {"subjects": n},
                    f"{_name(c, 'zh')}: 全部 {n} 名{who_zh}都得到 {r['rule_id']} 满分, 其中包括不适用时白给的分",
                    f"{_name(c, 'en')}: all {n} {who_en} get {r['rule_id']} in full, partly as free points "
                    "where it did not apply"))
            else:
                conduct.append(Finding(
                    "conduct", "everybody_earns", c.key, (r["rule_id"],), {"subjects": n},
                    f"{_name(c, 'zh')}: 全部 {n} 名{who_zh}都得到 {r['rule_id']} 满分, 该项区分不出表现",
                    f"{_name(c, 'en')}: all {n} {who_en} earn {r['rule_id']} in full: it does not separate them"))
    return structure, conduct


def _conduct_gap(c: CategoryFairness, whole: str) -> Finding | None:
    """The year's mean against the reachable maximum: what is left is conduct."""
    who_zh, who_en = SUBJECT_LABEL[c.key]
    year_stats = next((s for s in c.stats if s.period == whole), None)
    if year_stats is None or year_stats.mean is None:
        return None
    reach = year_stats_reachable(c)
    lost = sorted((r for r in c.rules if r["mean_lost"] is not None and r["mean_lost"] > 0.05),
                  key=lambda r: (-r["mean_lost"], r["rule_id"]))[:3]
    conduct_gap = round(reach - year_stats.mean, 6)
    structural_gap = round(c.scale - reach, 6)
    return Finding(
        "conduct", "conduct_gap", c.key, tuple(r["rule_id"] for r in lost),
        {"mean": year_stats.mean, "reachable": reach, "scale": c.scale, "conduct_gap": conduct_gap,
         "structural_gap": structural_gap, "source": year_stats.source,
         "mean_lost": {r["rule_id"]: r["mean_lost"] for r in lost}},
        f"{_name(c, 'zh')} {whole}年: {who_zh}平均 {_fmt(year_stats.mean)} 分, 可达最高 {_fmt(reach)} 分"
        + (f"(结构性差距 {_fmt(structural_gap)} 分)" if structural_gap > _EPS else "")
        + f", 其余 {_fmt(conduct_gap)} 分是表现差距"
        + ("; 平均失分最多: " + "、".join(f"{r['rule_id']} {_fmt(r['mean_lost'])} 分" for r in lost)
           if lost else ""),
        f"{_name(c, 'en')}, {whole}: {who_en} average {_fmt(year_stats.mean)}, the reachable maximum is "
        f"{_fmt(reach)}" + (f" (a structural gap of {_fmt(structural_gap)})" if structural_gap > _EPS else "")
        + f"; the other {_fmt(conduct_gap)} points are conduct"
        + ("; most lost on average: " + ", ".join(f"{r['rule_id']} {_fmt(r['mean_lost'])}" for r in lost)
           if lost else ""))


def _top_grade_share(cats: list[CategoryFairness], whole: str) -> tuple[list[Finding], list[Finding]]:
    """The share graded at the top grade, compared across member categories."""
    structure: list[Finding] = []
    conduct: list[Finding] = []
    members = [c for c in cats if c.key != "branch"]
    shares = {}
    for c in members:
        s = next((s for s in c.stats if s.period == whole), None)
        top = c.ruleset.grades[0]
        share = s.share(top.id) if s is not None else None
        if share is not None:
            shares[c.key] = (share, year_stats_reachable(c), top)
    if len(shares) > 1 and len({round(v[0], 4) for v in shares.values()}) > 1:
        equal = len({round(v[1], 6) for v in shares.values()}) == 1
        zh_parts = "、".join(f"{SUBJECT_LABEL[k][0]} {100 * v[0]:.1f}%" for k, v in shares.items())
        en_parts = ", ".join(f"{SUBJECT_LABEL[k][1]} {100 * v[0]:.1f}%" for k, v in shares.items())
        top = next(iter(shares.values()))[2]
        figures = {"shares": {k: v[0] for k, v in shares.items()}, "reachable": {k: v[1] for k, v in shares.items()}}
        if equal:
            conduct.append(Finding(
                "conduct", "top_grade_share_differs", None, tuple(shares), figures,
                f"{whole}年“{top.zh}”比例因类别而异: {zh_parts}; 各类别可达最高分相同, 差别来自表现",
                f"{whole}: the share graded {top.en} differs by category: {en_parts}; every category can reach the "
                "same maximum, so the difference is conduct"))
        else:
            structure.append(Finding(
                "structure", "top_grade_share_differs", None, tuple(shares), figures,
                f"{whole}年“{top.zh}”比例因类别而异: {zh_parts}; 但可达最高分也不同("
                + "、".join(f"{SUBJECT_LABEL[k][0]} {_fmt(v[1])}" for k, v in shares.items()) + "), 部分差别来自结构",
                f"{whole}: the share graded {top.en} differs by category: {en_parts}; the reachable maxima differ too ("
                + ", ".join(f"{SUBJECT_LABEL[k][1]} {_fmt(v[1])}" for k, v in shares.items())
                + "), so part of the difference is structural"))
    return structure, conduct


def _period_effect(c: CategoryFairness, whole: str) -> list[Finding]:
    """The year scored as one period against its quarters: the same conduct, another result."""
    qs = [s for s in c.stats if s.source == "scores" and not s.period.isdigit() and s.mean is not None]
    year = next((s for s in c.stats if s.period == whole and s.source == "scores" and s.mean is not None), None)
    if not qs or year is None or year.mean is None:
        return []
    q_mean = round(sum(s.mean for s in qs if s.mean is not None) / len(qs), 6)
    top = c.ruleset.grades[0]
    q_share = sum(s.share(top.id) or 0.0 for s in qs) / len(qs)
    y_share = year.share(top.id) or 0.0
    if abs(q_mean - year.mean) < 5 and abs(q_share - y_share) < 0.1:
        return []
    yearly = sorted({r for p in c.reachable if not p.period.isdigit() and p.variant == "standard"
                     for r in p.not_assessed})
    lost = {r["rule_id"]: r["mean_lost"] for r in c.rules if r["rule_id"] in yearly and r["mean_lost"]}
    who_en = SUBJECT_LABEL[c.key][1]
    return [Finding(
        "structure", "period_effect", c.key, tuple(yearly),
        {"quarter_mean": q_mean, "year_mean": year.mean, "quarter_top_share": round(q_share, 6),
         "year_top_share": round(y_share, 6), "yearly_items_mean_lost": lost},
        f"{_name(c, 'zh')}: 同样的表现, 按全年一期评分与按季度评分相差很大: 季度平均 {_fmt(q_mean)} 分、“{top.zh}” "
        f"{100 * q_share:.1f}%, 全年 {_fmt(year.mean)} 分、“{top.zh}” {100 * y_share:.1f}%"
        + (("; 只在全年评估的项目平均失分: " + "、".join(f"{r} {_fmt(x)} 分" for r, x in lost.items()))
           if lost else ""),
        f"{_name(c, 'en')}: the same conduct scores very differently over the year as one period and by the quarter: "
        f"{who_en} average {_fmt(q_mean)} a quarter ({100 * q_share:.1f}% {top.en}) and {_fmt(year.mean)} over the "
        f"year ({100 * y_share:.1f}% {top.en})"
        + (("; mean lost on the items assessed only in the year: "
            + ", ".join(f"{r} {_fmt(x)}" for r, x in lost.items())) if lost else ""))]


def year_stats_reachable(c: CategoryFairness) -> float:
    """The reachable maximum of the year on the scale, as the year's statistics are: the exemplary subject's
    annual result when they are annual results, else its total for the year."""
    s = next((s for s in c.stats if s.period.isdigit()), None)
    if s is not None and s.source == "annual" and c.annual_percent is not None:
        return round(c.annual_percent * c.scale / 100.0, 6)
    year_max = next((p for p in c.reachable if p.period.isdigit() and p.variant == "standard"), None)
    return year_max.total if year_max is not None else c.scale
