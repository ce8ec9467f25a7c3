"""The monthly cycle in words, in Chinese and English: the plan (计划), the assessment (考核) and the notice to the
member's employer (通报, 双向反馈), and a compact table of statuses.

The notice tells only the member's own record and facts: their attendance, dues, post, activities and visits as the
month's record shows them, with no score, no ranking and nothing about any other member.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from .reporting import ItemResult, MemberMonth, ReportingCycle

__all__ = ["STATUS_WORDS", "cycle_table", "cycle_text", "member_month_text", "notice_text", "plan_text"]

STATUS_WORDS: dict[str, tuple[str, str]] = {
    "met": ("达到", "met"),
    "short": ("未达到", "short"),
    "in_progress": ("进行中", "in progress"),
    "not_required": ("不适用", "not required"),
    "no_record": ("无记实", "no record"),
}
_SCOPE = {"month": ("本月", "this month"), "quarter": ("本季度累计", "quarter to date"),
          "year": ("本年度累计", "year to date")}


def _num(x: float | None) -> str:
    if x is None:
        return "-"
    return str(int(x)) if float(x).is_integer() else f"{x:.2f}".rstrip("0").rstrip(".")


def _w(zh: bool, pair: tuple[str, str]) -> str:
    return pair[0] if zh else pair[1]


def _label(i: ItemResult, zh: bool) -> str:
    return i.zh if zh else i.en


def plan_text(mm: MemberMonth, lang: str = "zh") -> str:
    """The month's plan: each item with its target and the index rules it follows."""
    zh = lang == "zh"
    lines = [f"  {'计划' if zh else 'Plan'}:"]
    for i in mm.items:
        if i.key == "spot_check":  # random: the plan cannot say whether this month's record will be checked
            target = "由社区党总支随机抽查" if zh else "random check by the general branch"
        elif i.status == "no_record" or i.target is None:
            target = "按支部安排" if zh else "as the branch schedules"
        elif i.key in ("theme_day", "dues", "post_duty", "spot_check"):
            target = ("要求" if zh else "required") if i.target else ("本月不要求" if zh else "not required")
        else:
            target = f"{_num(i.target)}"
        scope = "" if i.scope == "month" else f" ({_w(zh, _SCOPE[i.scope])})"
        lines.append(f"    - {_label(i, zh)}: {target}{scope} [{', '.join(i.rule_ids)}]")
    return "\n".join(lines)


def _told(i: ItemResult, zh: bool) -> str:
    """The item with what the record shows against its target, and its reason when it has one."""
    shown = "" if i.actual is None else f" {_num(i.actual)}" + ("" if i.target is None else f"/{_num(i.target)}")
    why = i.reason_zh if zh else i.reason_en
    return f"{_label(i, zh)}:{shown}" + (f" ({why})" if why else "")


def _assessed(i: ItemResult, zh: bool) -> str:
    return f"{_told(i, zh)} {_w(zh, STATUS_WORDS[i.status])}"


def assessment_text(mm: MemberMonth, lang: str = "zh") -> str:
    zh = lang == "zh"
    lines = [f"  {'考核' if zh else 'Assessment'}:"]
    if not mm.has_record:
        lines.append("    " + ("本月无月记实: 无法考核, 本周期不据此给分或扣分" if zh else
                              "no monthly record for this month: nothing can be assessed, and the cycle gives or "
                              "takes no points for it"))
        return "\n".join(lines)
    lines += [f"    - {_assessed(i, zh)}" for i in mm.items]
    return "\n".join(lines)


def notice_text(mm: MemberMonth, lang: str = "zh") -> str:
    """The notice to the employer's Party organisation (双向反馈): the member's own month, in plain words."""
    zh = lang == "zh"
    unit = mm.employer_unit or ("(单位未登记)" if zh else "(employer not on file)")
    head = (f"  通报 致{unit}党组织: 在职党员 {mm.member_id} {mm.month} 到居住地社区服务情况" if zh else
            f"  Notice to the Party organisation of {unit}: in-service member {mm.member_id}, "
            f"service at the residence community in {mm.month}")
    reg = ((f"已于 {mm.registered_on} 到社区报到" if zh else f"registered with the community on {mm.registered_on}")
           if mm.registered_on else ("尚未到居住地社区报到" if zh else "not registered with the residence community"))
    stop = "。" if zh else "."
    lines = [head, f"    {reg}{stop}"]
    if not mm.has_record:
        lines.append("    " + ("本月社区未收到该党员的月记实, 无法通报完成情况。" if zh else
                              "The community holds no monthly record of the member for this month, so there is "
                              "nothing to report on."))
        return "\n".join(lines)
    for status, title in (("met", ("完成", "Done")), ("short", ("未完成", "Not done")),
                          ("in_progress", ("进行中", "In progress"))):
        chosen = [i for i in mm.items if i.status == status]
        if chosen:
            lines.append(f"    {_w(zh, title)}: " + "; ".join(_told(i, zh) for i in chosen) + stop)
    lines.append("    " + ("请单位党组织结合本人表现, 反馈意见至社区党组织(双向反馈)。" if zh else
                          "The employer's Party organisation is asked to send its view back to the community's "
                          "Party organisation (two-way feedback)."))
    return "\n".join(lines)


def member_month_text(mm: MemberMonth, lang: str = "zh") -> str:
    zh = lang == "zh"
    unit = mm.employer_unit or ("单位未登记" if zh else "employer not on file")
    head = (f"在职党员 {mm.member_id} (党支部 {mm.branch_id}, {unit}) {mm.month}" if zh else
            f"In-service member {mm.member_id} (branch {mm.branch_id}, {unit}), {mm.month}")
    return "\n".join([head, plan_text(mm, lang), assessment_text(mm, lang), notice_text(mm, lang)])


def cycle_text(cycle: ReportingCycle, lang: str = "zh") -> str:
    zh = lang == "zh"
    head = (f"{cycle.month} 在职党员一月一计划、一考核、一通报: {len(cycle.members)} 名党员" if zh else
            f"{cycle.month}, the in-service members' monthly plan, assessment and notice: "
            f"{len(cycle.members)} members")
    return "\n\n".join([head] + [member_month_text(m, lang) for m in cycle.members]) + "\n"


def _pad(text: str, width: int) -> str:
    used = sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)
    return text + " " * max(0, width - used)


_SHORT = {"met": ("✓", "✓"), "short": ("✗", "✗"), "in_progress": ("…", "…"), "not_required": ("-", "-"),
          "no_record": ("?", "?")}
_COLUMNS: dict[str, tuple[str, str]] = {
    "study": ("学习", "study"), "meetings": ("三会", "meet"), "theme_day": ("党日", "theme"),
    "dues": ("党费", "dues"), "post_duty": ("岗位", "post"), "community": ("社区", "comm"),
    "spot_check": ("抽查", "spot"), "notes": ("笔记", "notes"), "policy": ("宣传", "policy"),
    "households": ("走访", "visit"), "volunteering": ("志愿", "volun"),
}


def cycle_table(members: Iterable[MemberMonth], lang: str = "zh") -> str:
    """One line a member: each item's status as a mark (✓ met, ✗ short, … in progress, - not required, ? no
    record), then the counts."""
    zh = lang == "zh"
    members = list(members)
    keys = [i.key for i in members[0].items] if members else list(_COLUMNS)
    head = [_pad("党员" if zh else "member", 10), _pad("月份" if zh else "month", 8)]
    head += [_pad(_w(zh, _COLUMNS[k]), 6) for k in keys]
    head.append("达到/未达/进行中" if zh else "met/short/in progress")
    out = ["  ".join(head)]
    for m in members:
        cells = [_pad(m.member_id, 10), _pad(m.month, 8)]
        cells += [_pad(_SHORT[m.item(k).status][0], 6) for k in keys]
        cells.append(f"{m.count('met')}/{m.count('short')}/{m.count('in_progress')}")
        out.append("  ".join(cells))
    out.append("✓ 达到  ✗ 未达到  … 进行中(季度或年度未满)  - 不适用  ? 无月记实" if zh else
                "✓ met  ✗ short  … in progress (quarter or year not over)  - not required  ? no record")
    return "\n".join(out) + "\n"
