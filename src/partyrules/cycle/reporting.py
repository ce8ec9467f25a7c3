"""The monthly reporting cycle of in-service members (一月一计划、一考核、一通报, seed 002 F6; 双向反馈, F7).

For each in-service member and month: the plan (what the member is expected to do that month), the assessment
(what the month's record shows against the plan) and the notice to the member's employer (通报). Everything is read
from the same monthly records and member facts the in-service index reads, with the index's own parameters; the
cycle adds no source of truth and gives or takes no points (积分 is the index's quarterly and annual score).

Items with a quarterly or yearly target (notes, policy promotion, household visits, volunteering hours) are
assessed on the total so far in the quarter or year: before the quarter's or year's last month a total still short
of the target is "in progress", never "short", because the index judges them only on the whole quarter or year.
A month without a record is assessed as having no record: nothing is met and nothing is short.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import ParameterError
from ..facts import MemberFacts
from ..facts.records import MemberMonthRecord
from ..periods import Month
from ..rulesets.model import RuleSet

__all__ = [
    "ITEM_KEYS", "PARAMS", "ItemResult", "MemberMonth", "ReportingCycle", "ReportingParams", "Status",
    "member_month", "reporting_cycle",
]

Status = Literal["met", "short", "in_progress", "not_required", "no_record"]
Scope = Literal["month", "quarter", "year"]

# The cycle's own numbers, where the seed leaves one open: name -> (default, zh, en, source).
PARAMS: dict[str, tuple[float, str, str, str]] = {
    "community_activities_per_month": (
        1, "每月参加居住地社区活动次数", "Community activities a month at the residence community",
        "002: 社区党组织每月向辖区单位党组织发放服务活动计划,一月一计划一考核一通报 (a monthly plan of service, no "
        "count given); completion: one a month is ours, the least a monthly plan can ask (IN.K19 asks for one in "
        "the period)"),
}

# Parameters of the in-service index the plan reads (the index's own values, never copies).
_INDEX_PARAMS = ("organ_volunteer_hours", "other_volunteer_hours", "linked_households", "notes_per_year",
                 "policy_events_per_year", "health_limited_attendance_share", "health_limited_service_share")


@dataclass(frozen=True)
class ReportingParams:
    """The cycle's parameters: its own (see :data:`PARAMS`) and the in-service index's, read from the rule set."""

    index: Mapping[str, Any]
    community_activities_per_month: float = PARAMS["community_activities_per_month"][0]

    @classmethod
    def of(cls, ruleset: RuleSet, **overrides: float) -> ReportingParams:
        missing = [p for p in _INDEX_PARAMS if p not in ruleset.params]
        if missing:
            raise ParameterError(f"rule set {ruleset.id} has no parameter {', '.join(missing)} / 规则集缺少参数",
                                 hint="the reporting cycle reads the in-service index (member-in-service)")
        unknown = sorted(set(overrides) - set(PARAMS))
        if unknown:
            raise ParameterError(f"unknown reporting parameter {', '.join(unknown)} / 未知的参数",
                                 hint=f"known: {', '.join(PARAMS)}")
        return cls(index={p: ruleset.params[p] for p in _INDEX_PARAMS}, **overrides)


# (key, rule ids of the in-service index the item follows, zh, en, scope); the order is the plan's order
_ITEMS: tuple[tuple[str, tuple[str, ...], str, str, Scope], ...] = (
    ("study", ("IN.S01", "IN.K01"), "参加集中学习(次)", "study sessions attended", "month"),
    ("meetings", ("IN.S05", "IN.K05"), "参加“三会一课”(次)", "三会一课 meetings attended", "month"),
    ("theme_day", ("IN.S06", "IN.K06"), "参加主题党日", "Party theme day attended", "month"),
    ("dues", ("IN.S07", "IN.K07"), "按月交纳党费", "Party dues paid on time", "month"),
    ("post_duty", ("IN.S12", "IN.K15"), "履行认领岗位职责", "claimed post's duty carried out", "month"),
    ("community", ("IN.K19",), "参加居住地社区活动(次)", "community activities", "month"),
    ("spot_check", ("IN.K08",), "月记实随机抽查", "monthly record spot check", "month"),
    ("notes", ("IN.S02", "IN.K02"), "本季度学习笔记或心得(篇)", "study notes this quarter", "quarter"),
    ("policy", ("IN.S04",), "本季度参与政策宣传(次)", "policy promotion this quarter", "quarter"),
    ("households", ("IN.S14", "IN.K18"), "本季度走访联系户(户次)", "household contacts this quarter", "quarter"),
    ("volunteering", ("IN.S13", "IN.K17"), "本年度志愿服务(小时)", "volunteering hours this year", "year"),
)
ITEM_KEYS: tuple[str, ...] = tuple(i[0] for i in _ITEMS)
_EPS = 1e-9


@dataclass(frozen=True)
class ItemResult:
    """One plan item and its assessment: the target (None when the plan has no number), what the records show
    (None without a record), the status and, where the status needs one, the reason in both languages."""

    key: str
    rule_ids: tuple[str, ...]
    zh: str
    en: str
    scope: Scope
    target: float | None
    actual: float | None
    status: Status
    reason_zh: str = ""
    reason_en: str = ""


@dataclass(frozen=True)
class MemberMonth:
    """One in-service member's month: the plan and its assessment (``items``) and who the notice goes to."""

    member_id: str
    branch_id: str
    month: str
    employer_unit: str | None
    registered_on: str | None  # the registration date when on or before the month's end, else None
    has_record: bool
    items: tuple[ItemResult, ...]

    def item(self, key: str) -> ItemResult:
        return next(i for i in self.items if i.key == key)

    def count(self, status: Status) -> int:
        return sum(1 for i in self.items if i.status == status)

    def row(self) -> dict[str, Any]:
        """The flat row: the member and month, then each item's target, actual and status."""
        out: dict[str, Any] = {
            "member_id": self.member_id, "month": self.month, "branch_id": self.branch_id,
            "employer_unit": self.employer_unit or "", "registered_on": self.registered_on or "",
            "has_record": self.has_record,
        }
        for i in self.items:
            out[f"{i.key}_target"] = i.target
            out[f"{i.key}_actual"] = i.actual
            out[f"{i.key}_status"] = i.status
        for status in ("met", "short", "in_progress", "no_record"):
            out[f"items_{status}"] = self.count(status)
        return out


@dataclass(frozen=True)
class ReportingCycle:
    """The month's cycle for every in-service member of a population, in population order."""

    month: str
    params: ReportingParams
    members: tuple[MemberMonth, ...] = field(default_factory=tuple)

    def rows(self) -> list[dict[str, Any]]:
        return [m.row() for m in self.members]


def _judge(target: float, actual: float, last_month: bool) -> Status:
    if actual + _EPS >= target:
        return "met"
    return "short" if last_month else "in_progress"


def _item(key: str, target: float | None, actual: float | None, status: Status, why: tuple[str, str] = ("", "")
          ) -> ItemResult:
    spec = next(i for i in _ITEMS if i[0] == key)
    return ItemResult(key, spec[1], spec[2], spec[3], spec[4], target, actual, status, why[0], why[1])


def _attendance(r: MemberMonthRecord, share: float) -> list[ItemResult]:
    # Excused absences count as attended up to what was required, as IN.S01 and IN.S05 read them.
    out = []
    req = r.study_sessions_required
    done = r.study_sessions_attended + (min(r.excused_absences, req - r.study_sessions_attended)
                                        if r.study_sessions_attended < req else 0)
    out.append(_item("study", req * share, done, _judge(req * share, done, True)) if req else
               _item("study", 0, done, "not_required", ("本月未安排", "none scheduled this month")))
    kinds = ("member_meeting", "committee_meeting", "group_meeting", "party_lecture")
    need = sum(getattr(r.meetings_required, k) for k in kinds)
    went = min(sum(getattr(r.meetings_attended, k) for k in kinds) + r.excused_absences, need)
    out.append(_item("meetings", need * share, went, _judge(need * share, went, True)) if need else
               _item("meetings", 0, went, "not_required", ("本月未安排", "none scheduled this month")))
    attended = 1 if r.meetings_attended.theme_day >= 1 else 0
    if r.meetings_required.theme_day < 1:
        out.append(_item("theme_day", 0, attended, "not_required", ("本月未安排", "none scheduled this month")))
    elif not attended and r.excused_absences > 0:
        out.append(_item("theme_day", 1, 0, "not_required", ("请假获准", "excused in advance")))
    else:
        out.append(_item("theme_day", 1, attended, "met" if attended else "short"))
    return out


def _month_items(facts: MemberFacts, r: MemberMonthRecord, p: ReportingParams, registered: bool
                 ) -> list[ItemResult]:
    m = facts.member
    share = p.index["health_limited_attendance_share"] if m.health_limited else 1
    out = _attendance(r, share)
    out.append(_item("dues", 1, int(r.dues_paid_on_time), "met" if r.dues_paid_on_time else "short"))
    if any(c.active for c in m.claimed_posts):
        out.append(_item("post_duty", 1, int(r.post_duty_performed), "met" if r.post_duty_performed else "short"))
    else:
        out.append(_item("post_duty", 1, 0, "short", ("未认领岗位", "no post claimed")))
    target = p.community_activities_per_month
    if not registered:
        out.append(_item("community", target, r.community_activities, "not_required",
                         ("尚未到居住地社区报到", "not yet registered with the residence community")))
    elif m.health_limited:
        out.append(_item("community", target, r.community_activities, "not_required",
                         ("身体状况受限", "health-limited")))
    else:
        out.append(_item("community", target, r.community_activities,
                         _judge(target, r.community_activities, True)))
    if r.spot_checked and r.spot_check_passed is not None:
        out.append(_item("spot_check", 1, int(r.spot_check_passed), "met" if r.spot_check_passed else "short"))
    elif r.spot_checked:  # checked, result not on file: IN.K08 counts only a failed check, and so does the cycle
        out.append(_item("spot_check", None, None, "not_required",
                         ("抽查结果未记录", "spot-checked, result not on file")))
    else:
        out.append(_item("spot_check", None, None, "not_required", ("本月未抽查", "not spot-checked this month")))
    return out


def _to_date(facts: MemberFacts, month: Month, scope: Scope, name: str) -> float:
    first = Month(month.year, 1 if scope == "year" else month.month - (month.month - 1) % 3)
    return float(sum(getattr(r, name) for r in facts.records if str(first) <= r.month <= str(month)))


def _running_items(facts: MemberFacts, month: Month, p: ReportingParams) -> list[ItemResult]:
    m, ix = facts.member, p.index
    quarter_end, year_end = month.month % 3 == 0, month.month == 12
    att = ix["health_limited_attendance_share"] if m.health_limited else 1
    out = [_item("notes", ix["notes_per_year"] / 4, n := _to_date(facts, month, "quarter", "notes_submitted"),
                 _judge(ix["notes_per_year"] / 4, n, quarter_end))]
    target = ix["policy_events_per_year"] / 4 * att
    n = _to_date(facts, month, "quarter", "policy_promotion_events")
    out.append(_item("policy", target, n, _judge(target, n, quarter_end)))
    n = _to_date(facts, month, "quarter", "households_contacted")
    if m.linked_household_ids:
        target = len(m.linked_household_ids) * att
        out.append(_item("households", target, n, _judge(target, n, quarter_end)))
    else:
        out.append(_item("households", float(ix["linked_households"]), n, "short",
                         ("未登记联系户", "no linked households on file")))
    hours = ix["organ_volunteer_hours"] if m.is_organ_staff else ix["other_volunteer_hours"]
    target = hours * (ix["health_limited_service_share"] if m.health_limited else 1)
    n = _to_date(facts, month, "year", "volunteer_hours")
    out.append(_item("volunteering", target, n, _judge(target, n, year_end)))
    return out


def member_month(facts: MemberFacts, month: Month | str, params: ReportingParams) -> MemberMonth:
    """One in-service member's plan and assessment for ``month``."""
    month = Month.parse(month) if isinstance(month, str) else month
    m = facts.member
    record = next((r for r in facts.records if r.month == str(month)), None)
    registered = m.registered_with_community_on is not None and m.registered_with_community_on <= month.last_day
    if record is None:
        why = ("本月无月记实", "no monthly record for this month")
        items = tuple(_item(key, None, None, "no_record", why) for key in ITEM_KEYS)
    else:
        items = tuple(_month_items(facts, record, params, registered) + _running_items(facts, month, params))
    return MemberMonth(m.member_id, m.branch_id, str(month), m.employer_unit,
                       str(m.registered_with_community_on) if registered else None, record is not None, items)


def reporting_cycle(population: Iterable[Any], month: Month | str, ruleset: RuleSet, *,
                    member_ids: Sequence[str] | None = None, **overrides: float) -> ReportingCycle:
    """The month's cycle for the in-service members of ``population`` (other subjects are skipped), or for the
    members named in ``member_ids``, in that order; an id that is missing or not in service is a ParameterError."""
    month = Month.parse(month) if isinstance(month, str) else month
    params = ReportingParams.of(ruleset, **overrides)
    members = [f for f in population if isinstance(f, MemberFacts)]
    if member_ids is None:
        chosen = [f for f in members if f.member.category == "in_service"]
    else:
        by_id = {f.member.member_id: f for f in members}
        chosen = []
        for mid in member_ids:
            f = by_id.get(mid)
            if f is None:
                raise ParameterError(f"member {mid} is not in the population / 对象中没有该党员",
                                     hint="check the member id (ids are case-sensitive)")
            if f.member.category != "in_service":
                raise ParameterError(f"member {mid} is {f.member.category}, not in service / 不是在职党员",
                                     hint="the reporting cycle is for in-service members (在职党员)")
            chosen.append(f)
    return ReportingCycle(str(month), params, tuple(member_month(f, month, params) for f in chosen))
