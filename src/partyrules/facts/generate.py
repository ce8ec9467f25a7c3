"""Seeded generators of realistic sample facts, for tests, benchmarks and demonstrations.

The output depends only on the arguments: every random choice comes from one ``random.Random(seed)``, and no
set or dict of strings is iterated to decide an order. The mixes are plausible, not calibrated to real data:

- members: about 45% retired, 35% in service, 20% new citizens (when no category is asked for); about 5%
  probationary; about 10% of in-service members are organ staff; about 8% are limited by health;
- twelve monthly records per subject; most members attend most meetings; volunteering hours are skewed (organ
  staff volunteer more); a few dues are late; category-specific record fields are set only for the category
  they belong to, ``None`` otherwise;
- about 0.3 incidents per subject a year, about 85% verified, mostly minor kinds; veto-grade incidents (e.g.
  ``crisis_retreat``) for about 0.3% of members; occasional commendations;
- one annual evaluation each, rated on the year just generated (:mod:`partyrules.facts.conduct`): members by
  democratic-review votes, so diligent members score in the 90s and some 100, a veto-grade incident near 0;
- branch checklists as they stand at the year's end: most items done by their due date, about 89% accepted
  (验收), a few done but still waiting for acceptance or not done; the monthly ``checklist_done`` counts the
  items done by the month's end, and ``cards_complete_members`` the members whose four cards are complete, so
  neither exceeds what the branch has.

Member ids are ``M000001``..., branch ids ``B0001``... (30 members to a branch), incident ids ``I-...`` and
commendation ids ``K-...``, all unique within one call.
"""

from __future__ import annotations

import gc
import math
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .bundle import BranchFacts, MemberFacts
from .conduct import ANNUAL, branch_conduct, grade_shares, member_conduct
from .enums import (
    AppraisalLevel,
    BranchType,
    CardKind,
    CommendationLevel,
    Grade,
    MeetingKind,
    MemberCategory,
    MemberStatus,
    PostCategory,
    SecretaryReviewLevel,
    Severity,
    SubjectKind,
)
from .models import Branch, ChecklistItem, Commendation, MeetingCounts, Member, PostClaim
from .records import AnnualEvaluation, BranchMonthRecord, Incident, MemberMonthRecord

__all__ = ["generate_branch_facts", "generate_member_facts"]

MEMBERS_PER_BRANCH = 30

_CATEGORY_MIX: tuple[tuple[MemberCategory, float], ...] = (
    (MemberCategory.RETIRED, 0.45),
    (MemberCategory.IN_SERVICE, 0.35),
    (MemberCategory.NEW_CITIZEN, 0.20),
)

# (kind, weight): the common, minor kinds dominate; veto-grade kinds are drawn separately and rarely.
_MEMBER_KINDS_COMMON: tuple[tuple[str, float], ...] = (
    ("complaint_substantiated", 6),
    ("task_refused", 4),
    ("post_neglect", 6),
    ("improper_speech", 3),
    ("refused_commitment", 2),
    ("public_morality_breach", 3),
    ("extravagant_ceremony", 3),
    ("gambling", 2),
    ("superstition", 2),
    ("littering", 5),
    ("domestic_violence_or_neglect", 1),
    ("illegal_building", 1.5),
    ("public_space_encroachment", 2),
    ("discipline_light", 0.7),
    ("admonishment", 1),
)
_MEMBER_KINDS_BY_CATEGORY: dict[MemberCategory, tuple[tuple[str, float], ...]] = {
    # petty graft (吃拿卡要) short of the serious, vetoed kind: only in-service members hold posts that allow it
    MemberCategory.IN_SERVICE: (("work_error", 4), ("employer_sanction", 1), ("abuse_of_power_for_gain", 1.5)),
    MemberCategory.RETIRED: (
        ("neighbour_dispute_instigation", 2),
        ("lost_contact", 1),
        ("unauthorised_profit_activity", 0.5),
        ("disorderly_expression_verified", 0.5),
    ),
    MemberCategory.NEW_CITIZEN: (
        ("courtyard_rule_breach", 5),
        ("property_fee_arrears", 4),
        ("resettlement_contract_breach", 1.5),
        ("unlicensed_business", 2),
        ("neighbour_dispute_instigation", 2),
        ("disinformation_incitement", 0.8),
        ("compensation_fraud", 0.5),
        ("violent_obstruction_verified", 0.3),
        ("subsidy_fraud", 0.5),
        ("wage_fraud", 0.5),
        ("illegal_fundraising", 0.3),
    ),
}
_MEMBER_VETO_KINDS: tuple[tuple[str, float], ...] = (
    ("crisis_retreat", 3),
    ("discipline_heavy", 2),
    ("criminal_conviction", 1),
    ("abuse_of_power_for_gain", 1.5),
    ("anti_party_speech", 0.7),
    ("illegal_org_participation", 0.5),
)
_BRANCH_KINDS_COMMON: tuple[tuple[str, float], ...] = (
    ("ledger_incomplete", 6),
    ("service_delay", 5),
    ("complaint_substantiated", 5),
    ("central_task_overdue", 3),
    ("checklist_commitment_broken", 4),
    ("joint_meeting_missed", 3),
    ("disclosure_missing", 2),
    ("commitment_to_public_broken", 2),
    ("supervision_criticism", 2),
    ("lost_contact_member_unhandled", 2),
    ("member_speech_unaddressed", 1),
    ("record_falsification", 1),
    ("mass_incident_minor", 1),
    ("safety_accident_minor", 1),
    ("funds_misuse", 1),
    ("committee_member_disciplined_light", 0.5),
)
_BRANCH_VETO_KINDS: tuple[tuple[str, float], ...] = (
    ("central_task_inaction", 3),
    ("political_deviation", 1),
    ("mass_incident_major", 1),
    ("safety_accident_major", 1),
    ("assessment_fraud", 1),
    ("funds_embezzlement", 1),
    ("committee_member_disciplined_heavy", 1),
    ("committee_member_criminal", 0.5),
)
_CONSEQUENCE = {
    "crisis_retreat": "造成较大负面影响",
    "central_task_inaction": "造成不良后果",
}
_BRANCH_TYPE_MIX: tuple[tuple[BranchType, float], ...] = (
    (BranchType.COMMUNITY, 0.40),
    (BranchType.GRID, 0.20),
    (BranchType.RESETTLEMENT_AREA, 0.15),
    (BranchType.NON_PUBLIC_ENTERPRISE, 0.08),
    (BranchType.SOCIAL_ORG, 0.05),
    (BranchType.ORGAN, 0.05),
    (BranchType.RETIRED_CADRES, 0.04),
    (BranchType.JOINT, 0.03),
)
_ROLES_BY_CATEGORY: dict[MemberCategory, tuple[str, ...]] = {
    # the role names the shipped rule sets read (seed H8's six grid roles, seed H5's building and unit heads,
    # the new-citizen employment roles)
    MemberCategory.IN_SERVICE: ("policy_promoter", "security_patrol", "grid_worker", "volunteer_server",
                                "mediator", "opinion_collector", "environment_monitor"),
    MemberCategory.RETIRED: ("building_head", "unit_head", "group_leader", "mediator", "youth_mentor"),
    MemberCategory.NEW_CITIZEN: (
        "courtyard_council",
        "building_head",
        "unit_head",
        "mediator",
        "grid_worker",
    ),
}
_EMPLOYERS = ("区政府办公室", "街道办事处", "市第一医院", "区教育局", "城投集团", "区税务局", "市供电公司")
_CHECKLIST_TEXTS = (
    "走访联系户",
    "参与环境整治",
    "组织政策宣讲",
    "协助矛盾调解",
    "帮扶困难家庭",
    "参与安全巡逻",
)
_POST_CATEGORIES = tuple(PostCategory)
_CARDS = tuple(CardKind)
_VOTE_POINTS = {
    Grade.EXCELLENT: 100,
    Grade.QUALIFIED: 80,
    Grade.BASICALLY_QUALIFIED: 60,
    Grade.UNQUALIFIED: 0,
}


class _Picker:
    """Weighted choice by bisection over precomputed cumulative weights (faster than ``choices`` per call)."""

    __slots__ = ("cum", "items", "total")

    def __init__(self, weighted: tuple[tuple[Any, float], ...]) -> None:
        self.items = [item for item, _ in weighted]
        self.cum: list[float] = []
        running = 0.0
        for _, weight in weighted:
            running += weight
            self.cum.append(running)
        self.total = running

    def pick(self, rng: random.Random) -> Any:
        x = rng.random() * self.total
        lo, hi = 0, len(self.cum) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if self.cum[mid] > x:
                hi = mid
            else:
                lo = mid + 1
        return self.items[lo]


_CATEGORY_PICKER = _Picker(_CATEGORY_MIX)
_MEMBER_KIND_PICKERS = {
    category: _Picker(_MEMBER_KINDS_COMMON + extra) for category, extra in _MEMBER_KINDS_BY_CATEGORY.items()
}
_MEMBER_VETO_PICKER = _Picker(_MEMBER_VETO_KINDS)
_BRANCH_KIND_PICKER = _Picker(_BRANCH_KINDS_COMMON)
_BRANCH_VETO_PICKER = _Picker(_BRANCH_VETO_KINDS)
_BRANCH_TYPE_PICKER = _Picker(_BRANCH_TYPE_MIX)
_LEVEL_PICKER = _Picker(
    (
        (CommendationLevel.UNIT, 5),
        (CommendationLevel.STREET, 4),
        (CommendationLevel.DISTRICT, 2),
        (CommendationLevel.CITY, 0.7),
        (CommendationLevel.ABOVE, 0.2),
    )
)


@contextmanager
def _gc_paused() -> Iterator[None]:
    # Building hundreds of thousands of small models makes the cyclic collector rescan the growing heap
    # again and again (more than half the run time at 20,000 members). The models built here hold no
    # reference cycles, so pausing it loses nothing; its previous state is restored, also on error.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _general_branch_id(branch_number: int) -> str:
    """The community general branch (党总支) over a branch: eight branches to a general branch."""
    return f"GB{(branch_number - 1) // 8 + 1:03d}"


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: exact and fast for the small means used here.
    limit = math.exp(-mean)
    k, p = 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _day_in_year(rng: random.Random, year: int) -> date:
    days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    return date(year, 1, 1) + timedelta(days=int(rng.random() * days))


def _bernoulli_count(rng: random.Random, n: int, p: float) -> int:
    return sum(1 for _ in range(n) if rng.random() < p)


class _CountsCache:
    """Reuses one validated MeetingCounts per distinct set of counts: there are few distinct ones."""

    def __init__(self) -> None:
        self._cache: dict[tuple[int, ...], MeetingCounts] = {}

    def get(self, counts: tuple[int, ...]) -> MeetingCounts:
        found = self._cache.get(counts)
        if found is None:
            found = MeetingCounts.model_validate(dict(zip(_MEETING_FIELDS, counts, strict=True)))
            self._cache[counts] = found
        return found


_MEETING_FIELDS = tuple(kind.value for kind in MeetingKind)


def _required_meetings(month: int) -> tuple[int, ...]:
    """What a member is expected to attend: monthly group meeting and theme day, quarterly member meeting and
    lecture, and the org-life meeting and democratic review in December."""
    quarter_end = 1 if month % 3 == 0 else 0
    december = 1 if month == 12 else 0
    # in MeetingKind order: member, committee, group, lecture, theme day, org-life, democratic review
    return (quarter_end, 0, 1, quarter_end, 1, december, december)


def _hours(rng: random.Random, mean: float) -> float:
    # Skewed: 30% of months with no volunteering, the rest log-normal; dividing by 0.7 and by
    # exp(0.6**2 / 2) ~= 1.2 keeps the overall monthly mean at ``mean``.
    if rng.random() < 0.3:
        return 0.0
    value = rng.lognormvariate(math.log(max(mean, 0.1) / 0.7 / 1.2), 0.6)
    return min(round(value * 2) / 2, 200.0)


# ----------------------------------------------------------------------------------------------------
# members


def generate_member_facts(
    n: int, *, seed: int = 0, year: int = 2026, category: MemberCategory | None = None
) -> list[MemberFacts]:
    """Generate ``n`` member bundles for ``year``, each with 12 monthly records, incidents, commendations
    and an annual evaluation. With ``category`` every member is of that category; otherwise the usual mix."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    rng = random.Random(seed)
    counts = _CountsCache()
    months = [f"{year:04d}-{m:02d}" for m in range(1, 13)]
    required = [counts.get(_required_meetings(m)) for m in range(1, 13)]
    out: list[MemberFacts] = []
    with _gc_paused():
        for index in range(1, n + 1):
            out.append(_member_facts(rng, index, n, category, year, months, required, counts))
    return out


def _member_facts(
    rng: random.Random,
    index: int,
    n: int,
    category: MemberCategory | None,
    year: int,
    months: list[str],
    required: list[MeetingCounts],
    counts: _CountsCache,
) -> MemberFacts:
    member_category = category if category is not None else _CATEGORY_PICKER.pick(rng)
    member = _member(rng, index, n, member_category, year)
    engagement = 1.0 - rng.betavariate(1.2, 9.0)  # most members attend most meetings
    if member.health_limited:
        engagement *= 0.6
    records = _member_records(rng, member, months, required, engagement, counts)
    incidents = _member_incidents(rng, member, year)
    commendations = _member_commendations(rng, member, year)
    annual = _member_annual(rng, member, year, records, incidents, commendations)
    return MemberFacts(
        member=member, records=records, incidents=incidents, commendations=commendations, annual=annual
    )


def _member(rng: random.Random, index: int, n: int, category: MemberCategory, year: int) -> Member:
    member_id = f"M{index:06d}"
    branch_number = (index - 1) // MEMBERS_PER_BRANCH + 1
    branch_id = f"B{branch_number:04d}"
    if category is MemberCategory.RETIRED:
        age = 58 + int(rng.random() * 33)
    elif category is MemberCategory.IN_SERVICE:
        age = 23 + int(rng.random() * 37)
    else:
        age = 20 + int(rng.random() * 56)
    birth_year = year - age
    probationary = rng.random() < 0.05
    if probationary:
        joined_on = _day_in_year(rng, year - 1)
    else:
        first = birth_year + 18
        joined_year = first + int(rng.random() * max(1, year - 1 - first))
        joined_on = _day_in_year(rng, joined_year)
    health_limited = rng.random() < (0.12 if category is MemberCategory.RETIRED else 0.05)
    in_service = category is MemberCategory.IN_SERVICE
    organ = in_service and rng.random() < 0.10
    group = 1 + int(rng.random() * 3)
    paired_helper_id = None
    if health_limited:
        helper = index + 1 if index < n else max(1, index - 1)
        paired_helper_id = f"M{helper:06d}" if helper != index else None
    registered = None
    if in_service and rng.random() < 0.9:
        registered = _day_in_year(rng, year - 1 - int(rng.random() * 3))
    households = 5 if rng.random() < 0.7 else int(rng.random() * 7)
    linked = tuple(f"H{branch_number:04d}-{(index * 7 + k) % 997:03d}" for k in range(households))
    posts: list[PostClaim] = []
    post_count = (1 + (rng.random() < 0.3)) if in_service and rng.random() < 0.85 else int(rng.random() < 0.4)
    for k in range(post_count):
        posts.append(
            PostClaim(
                post_id=f"P-{member_id}-{k + 1}",
                category=_POST_CATEGORIES[int(rng.random() * len(_POST_CATEGORIES))],
                claimed_on=_day_in_year(rng, year - 1),
                active=rng.random() < 0.95,
            )
        )
    cards = _CARDS if rng.random() < 0.8 else tuple(c for c in _CARDS if rng.random() < 0.6)
    role_pool = _ROLES_BY_CATEGORY[category]
    roles = tuple(r for r in role_pool if rng.random() < 0.12)
    if category == MemberCategory.NEW_CITIZEN and rng.random() < 0.6:  # most resettled members work again
        roles = (*roles, rng.choice(("employed", "employed", "entrepreneur", "collective_economy")))
    checklist: list[ChecklistItem] = []
    for k in range(int(rng.random() * 4)):
        due = date(year, 3 * k + 6, 30) if k < 3 else None  # end of June, September, December
        done_on = None
        if rng.random() < 0.8:
            last = due or date(year, 12, 31)
            done_on = last - timedelta(days=int(rng.random() * 120))
        checklist.append(
            ChecklistItem(
                item_id=f"CL-{member_id}-{k + 1}",
                text=_CHECKLIST_TEXTS[int(rng.random() * len(_CHECKLIST_TEXTS))],
                due=due,
                responsible_id=member_id,
                done_on=done_on,
                accepted=done_on is not None and rng.random() < 0.95,
            )
        )
    return Member(
        member_id=member_id,
        branch_id=branch_id,
        party_group_id=f"{branch_id}-G{group}",
        category=category,
        status=MemberStatus.PROBATIONARY if probationary else MemberStatus.FORMAL,
        joined_on=joined_on,
        birth_year=birth_year,
        is_organ_staff=organ,
        health_limited=health_limited,
        paired_helper_id=paired_helper_id,
        employer_unit=_EMPLOYERS[int(rng.random() * len(_EMPLOYERS))] if in_service else None,
        registered_with_community_on=registered,
        grid_id=f"GR{branch_number:04d}-{1 + int(rng.random() * 2)}",
        linked_household_ids=linked,
        claimed_posts=tuple(posts),
        cards=cards,
        placard_displayed=rng.random() < 0.8,
        roles=roles,
        checklist=tuple(checklist),
        hardship_certified=category is MemberCategory.NEW_CITIZEN and rng.random() < 0.06,
    )


@dataclass(frozen=True)
class MonthlyChances:
    """How a generated member's month goes: the chance of each thing in a monthly record, and the mean
    volunteering hours. Both generators (this one, subject by subject, and the column generator for millions,
    ``partyrules.population.generate``) draw from these, so they stay calibrated alike."""

    excused: float = 0.5  # each missed meeting excused in advance
    two_study_sessions: float = 0.3  # two sessions required this month instead of one
    make_up_session: float = 0.03
    task: float = 0.4  # a first task assigned
    second_task: float = 0.15
    task_completed: float = 0.9
    spot_checked: float = 0.1
    spot_check_passed: float = 0.95
    notes_base: float = 0.2  # notes handed in: base + engagement * notes_engagement
    notes_engagement: float = 0.5
    dues_on_time: float = 0.985
    difficulty_resolved: float = 0.15
    suggestion: float = 0.1
    policy_promotion: float = 0.35
    post_duty: float = 0.9  # a member with an active post carries it out
    reported: float = 0.1
    youth_care: float = 0.3  # retired
    mediation: float = 0.1  # new citizens, from here on
    property_fee: float = 0.95
    resettlement_milestone: float = 0.92
    courtyard_meeting: float = 0.5
    training: float = 0.1
    community_activities_mean: float = 1.0  # Poisson, in-service members registered with the community
    households_contacted_mean: float = 2.0  # Poisson, at most the linked households
    hours_organ: float = 9.0  # mean volunteering hours a month
    hours_in_service: float = 4.5
    hours_other: float = 2.5
    hours_health_factor: float = 0.5


MONTHLY = MonthlyChances()


def _mean_hours(member: Member) -> float:
    """The monthly volunteering hours expected of a member (the mean its records are drawn around)."""
    c = MONTHLY
    if member.category is MemberCategory.IN_SERVICE:
        mean = c.hours_organ if member.is_organ_staff else c.hours_in_service
    else:
        mean = c.hours_other
    return mean * c.hours_health_factor if member.health_limited else mean


def _member_records(
    rng: random.Random,
    member: Member,
    months: list[str],
    required: list[MeetingCounts],
    engagement: float,
    counts: _CountsCache,
) -> tuple[MemberMonthRecord, ...]:
    rnd = rng.random  # hot loop: 240,000 records for 20,000 members
    c = MONTHLY
    category = member.category
    in_service = category is MemberCategory.IN_SERVICE
    mean_hours = _mean_hours(member)
    active_posts = any(p.active for p in member.claimed_posts)
    community_member = in_service and member.registered_with_community_on is not None
    households = len(member.linked_household_ids)
    done_in_month: dict[int, tuple[str, ...]] = {}
    for item in member.checklist:
        if item.done_on is not None:
            done_in_month[item.done_on.month - 1] = (
                *done_in_month.get(item.done_on.month - 1, ()),
                item.item_id,
            )
    notes_p = c.notes_base + c.notes_engagement * engagement
    required_totals = [counts_.total for counts_ in required]
    out = []
    for m in range(12):
        quarter_end = m % 3 == 2
        december = m == 11
        group = int(rnd() < engagement)
        theme = int(rnd() < engagement)
        meeting = lecture = org_life = review = 0
        if quarter_end:
            meeting = int(rnd() < engagement)
            lecture = int(rnd() < engagement)
        if december:
            org_life = int(rnd() < engagement)
            review = int(rnd() < engagement)
        attended = (meeting, 0, group, lecture, theme, org_life, review)
        missed = required_totals[m] - (meeting + group + lecture + theme + org_life + review)
        excused = sum(1 for _ in range(missed) if rnd() < c.excused) if missed else 0
        study_required = 2 if rnd() < c.two_study_sessions else 1
        # attended can exceed required: make-up sessions
        study_attended = int(rnd() < engagement) + int(study_required == 2 and rnd() < engagement)
        study_attended += int(rnd() < c.make_up_session)
        tasks = int(rnd() < c.task) + int(rnd() < c.second_task)
        spot_checked = rnd() < c.spot_checked
        fields: dict[str, Any] = {
            "member_id": member.member_id,
            "month": months[m],
            "meetings_required": required[m],
            "meetings_attended": counts.get(attended),
            "excused_absences": excused,
            "study_sessions_required": study_required,
            "study_sessions_attended": study_attended,
            "notes_submitted": int(rnd() < notes_p),
            "dues_paid_on_time": rnd() < c.dues_on_time,
            "volunteer_hours": _hours(rng, mean_hours),
            "community_activities": _poisson(rng, c.community_activities_mean) if community_member else 0,
            "households_contacted": min(households, _poisson(rng, c.households_contacted_mean)),
            "difficulties_resolved": int(rnd() < c.difficulty_resolved),
            "suggestions_made": int(rnd() < c.suggestion),
            "policy_promotion_events": int(rnd() < c.policy_promotion),
            "post_duty_performed": active_posts and rnd() < c.post_duty,
            "checklist_items_done": done_in_month.get(m, ()),
            "tasks_assigned": tasks,
            "tasks_completed": sum(1 for _ in range(tasks) if rnd() < c.task_completed) if tasks else 0,
            "reported_at_meeting": rnd() < c.reported,
            "spot_checked": spot_checked,
            "spot_check_passed": (rnd() < c.spot_check_passed) if spot_checked else None,
        }
        if category is MemberCategory.RETIRED:
            fields["youth_care_activities"] = int(rnd() < c.youth_care)
        elif category is MemberCategory.NEW_CITIZEN:
            fields["mediation_cases"] = int(rnd() < c.mediation)
            fields["property_fee_paid"] = member.hardship_certified or rnd() < c.property_fee
            fields["resettlement_milestones_met"] = rnd() < c.resettlement_milestone
            fields["courtyard_meetings_attended"] = int(rnd() < c.courtyard_meeting)
            fields["training_sessions"] = int(rnd() < c.training)
        out.append(MemberMonthRecord(**fields))
    return tuple(out)


def _incident(
    rng: random.Random,
    subject_kind: SubjectKind,
    subject_id: str,
    number: int,
    kind: str,
    year: int,
    verifier: str,
    severity: Severity,
) -> Incident:
    verified = rng.random() < 0.85
    return Incident(
        incident_id=f"I-{subject_id}-{number:02d}",
        subject_kind=subject_kind,
        subject_id=subject_id,
        kind=kind,
        occurred_on=_day_in_year(rng, year),
        severity=severity,
        consequence=_CONSEQUENCE.get(kind),
        verified=verified,
        verified_by=verifier if verified else None,
        evidence_ref=f"EV-{year}-{subject_id}-{number:02d}",
    )


def _member_incidents(rng: random.Random, member: Member, year: int) -> tuple[Incident, ...]:
    verifier = _general_branch_id(int(member.branch_id[1:]))
    incidents: list[Incident] = []
    if rng.random() < 0.0035:  # 0.3% of members end up with a verified veto-grade incident
        kind = _MEMBER_VETO_PICKER.pick(rng)
        incidents.append(
            _incident(rng, SubjectKind.MEMBER, member.member_id, 1, kind, year, verifier, Severity.SERIOUS)
        )
    picker = _MEMBER_KIND_PICKERS[member.category]
    for _ in range(_poisson(rng, 0.3)):
        severity = Severity.MINOR if rng.random() < 0.85 else Severity.MAJOR
        number = len(incidents) + 1
        incidents.append(
            _incident(
                rng, SubjectKind.MEMBER, member.member_id, number, picker.pick(rng), year, verifier, severity
            )
        )
    return tuple(incidents)


def _commendations(
    rng: random.Random,
    subject_kind: SubjectKind,
    subject_id: str,
    kinds: tuple[str, ...],
    year: int,
    p: float,
) -> tuple[Commendation, ...]:
    count = (rng.random() < p) + (rng.random() < p / 4)
    return tuple(
        Commendation(
            commendation_id=f"K-{subject_id}-{k + 1}",
            subject_kind=subject_kind,
            subject_id=subject_id,
            kind=kinds[int(rng.random() * len(kinds))],
            level=_LEVEL_PICKER.pick(rng),
            awarded_on=_day_in_year(rng, year),
            verified=rng.random() < 0.95,
        )
        for k in range(count)
    )


def _member_commendations(rng: random.Random, member: Member, year: int) -> tuple[Commendation, ...]:
    kinds: tuple[str, ...] = ("commendation", "good_deed", "good_deed")
    if member.category is MemberCategory.NEW_CITIZEN:
        kinds += ("stood_against_obstruction", "stopped_illegal_building")
    return _commendations(rng, SubjectKind.MEMBER, member.member_id, kinds, year, 0.15)


def _member_shares(member: Member, records: tuple[MemberMonthRecord, ...]) -> tuple[float, float, float, float]:
    """The year's attendance, study, notes and volunteering shares of a member (each 0..1), as
    :func:`partyrules.facts.conduct.member_conduct` takes them."""
    required = sum(r.meetings_required.total for r in records)
    attendance = sum(r.meetings_attended.total for r in records) / required if required else 1.0
    if member.health_limited:
        attendance = min(1.0, attendance / ANNUAL.health_attendance_target)
    study_required = sum(r.study_sessions_required for r in records)
    study = min(1.0, sum(r.study_sessions_attended for r in records) / study_required) if study_required else 1.0
    notes = min(1.0, sum(r.notes_submitted > 0 for r in records) / max(1, len(records)))
    expected = _mean_hours(member) * len(records)
    volunteering = min(1.0, sum(r.volunteer_hours for r in records) / expected) if expected else 1.0
    return attendance, study, notes, volunteering


def _member_annual(
    rng: random.Random,
    member: Member,
    year: int,
    records: tuple[MemberMonthRecord, ...],
    incidents: tuple[Incident, ...],
    commendations: tuple[Commendation, ...],
) -> AnnualEvaluation:
    a = ANNUAL
    penalty = sum(a.member_penalty[i.severity.value] for i in incidents if i.verified)
    bonus = a.member_commendation * sum(c.verified for c in commendations)
    conduct = min(1.0, max(0.0, member_conduct(*_member_shares(member, records), penalty, bonus)))
    reputation = rng.gauss(0.0, a.reputation_sd)
    voters = 15 + int(rng.random() * 30)
    excellent, qualified, basically, _ = grade_shares(conduct + reputation, math.exp)
    votes = dict.fromkeys(_VOTE_POINTS, 0)
    for _ in range(voters):
        x = rng.random()
        grade = (Grade.EXCELLENT if x < excellent else Grade.QUALIFIED if x < excellent + qualified
                 else Grade.BASICALLY_QUALIFIED if x < excellent + qualified + basically else Grade.UNQUALIFIED)
        votes[grade] += 1
    score = sum(_VOTE_POINTS[g] * c for g, c in votes.items()) / voters
    daily = 100 * min(1.0, max(0.0, conduct + reputation / 2 + rng.gauss(0.0, a.daily_sd)))
    appraisal = None
    if member.category is MemberCategory.IN_SERVICE:
        x = rng.random()
        appraisal = (
            AppraisalLevel.EXCELLENT
            if x < 0.2
            else AppraisalLevel.COMPETENT
            if x < 0.95
            else AppraisalLevel.BASICALLY_COMPETENT
            if x < 0.99
            else AppraisalLevel.INCOMPETENT
        )
    return AnnualEvaluation(
        subject_kind=SubjectKind.MEMBER,
        subject_id=member.member_id,
        year=year,
        evaluator_org_id=member.branch_id,
        evaluation_score=round(score, 2),
        vote_counts=votes,
        daily_observation_score=round(daily, 1),
        satisfaction_rate=round(min(1.0, 0.6 + 0.4 * conduct * rng.random() ** 0.2), 3),
        employer_appraisal=appraisal,
        org_life_meeting_held=rng.random() < 0.97,
        democratic_review_held=rng.random() < 0.96,
    )


# ----------------------------------------------------------------------------------------------------
# branches


def generate_branch_facts(
    n: int, *, seed: int = 0, year: int = 2026, rosters: Sequence[Sequence[Member]] | None = None
) -> list[BranchFacts]:
    """Generate ``n`` branch bundles for ``year``, each with 12 monthly records, incidents, commendations
    and an annual evaluation.

    With ``rosters`` (one sequence of members per branch) branch ``i`` is made of ``rosters[i]``: its member
    counts, secretary, checklist owners and four-card counts come from those members, so no count exceeds the
    membership. Without, the branch sizes are drawn and the members are the ids ``MEMBERS_PER_BRANCH`` to a
    branch, as :func:`generate_member_facts` numbers them."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if rosters is not None and len(rosters) != n:
        raise ValueError(f"rosters must give the members of each of the {n} branches, got {len(rosters)}")
    rng = random.Random(seed)
    counts = _CountsCache()
    out: list[BranchFacts] = []
    with _gc_paused():
        for index in range(1, n + 1):
            roster = None if rosters is None else rosters[index - 1]
            out.append(_branch_facts(rng, index, year, counts, roster))
    return out


def _branch_facts(
    rng: random.Random, index: int, year: int, counts: _CountsCache, roster: Sequence[Member] | None
) -> BranchFacts:
    quality = 1.0 - rng.betavariate(1.3, 7.0)
    branch = _branch(rng, index, year, quality, roster)
    card_months = _card_months(rng, branch, quality, roster)
    records = tuple(_branch_record(rng, branch, year, m, quality, counts, card_months) for m in range(1, 13))
    incidents = _branch_incidents(rng, branch, year)
    commendations = _commendations(
        rng, SubjectKind.BRANCH, branch.branch_id, ("commendation", "good_deed"), year, 0.2
    )
    annual = _branch_annual(rng, branch, year, records, incidents, commendations)
    return BranchFacts(
        branch=branch, records=records, incidents=incidents, commendations=commendations, annual=annual
    )


def _branch(rng: random.Random, index: int, year: int, quality: float, roster: Sequence[Member] | None) -> Branch:
    branch_id = f"B{index:04d}"
    branch_type: BranchType = _BRANCH_TYPE_PICKER.pick(rng)
    if roster is None:
        member_count = max(3, min(120, int(rng.gauss(32, 14))))
        formal = member_count - _bernoulli_count(rng, member_count, 0.05)
        first = (index - 1) * MEMBERS_PER_BRANCH + 1
        leaders = [f"M{first + k:06d}" for k in range(min(5, member_count))]
    else:
        member_count = len(roster)
        formal = sum(m.status is MemberStatus.FORMAL for m in roster)
        # the secretary and the checklist owners are formal members where the branch has them
        ordered = sorted(roster, key=lambda m: (m.status is not MemberStatus.FORMAL, m.member_id))
        leaders = [m.member_id for m in ordered[:5]]
    has_committee = formal >= 7
    vacant = rng.random() < 0.03 or not leaders
    households = 300 + int(rng.random() * 1200)
    checklist_size = 28 if branch_type is BranchType.RESETTLEMENT_AREA else 8 + int(rng.random() * 8)
    return Branch(
        branch_id=branch_id,
        name=f"第{index}党支部",
        parent_org_id=_general_branch_id(index),
        branch_type=branch_type,
        formal_member_count=formal,
        member_count=member_count,
        has_committee=has_committee,
        committee_size=(3 + int(rng.random() * 3)) if has_committee else 0,
        secretary_id=None if vacant else leaders[0],
        secretary_vacant_since=(date(year, 1, 1) - timedelta(days=int(rng.random() * 300)))
        if vacant
        else None,
        households_covered=households,
        grid_worker_count=max(1, round(households / 400)),
        checklist=_branch_checklist(rng, branch_id, year, checklist_size, quality, leaders or [branch_id]),
        flagged_weak_and_lax=rng.random() < 0.03,
    )


def _branch_checklist(
    rng: random.Random, branch_id: str, year: int, size: int, quality: float, owners: list[str]
) -> tuple[ChecklistItem, ...]:
    """The combat-effectiveness checklist as it stands at the end of ``year``: most items done by their due
    date (better branches more often), some late, a few not done; a done item is accepted (验收) some weeks
    later, so items done near the year's end may still be waiting for acceptance."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    items = []
    for k in range(size):
        due = date(year, 1 + k % 12, 28)
        done_on = None
        if rng.random() < 0.75 + 0.23 * quality:
            if rng.random() < 0.8 + 0.15 * quality:
                done_on = max(start, due - timedelta(days=int(rng.random() * 60)))
            else:
                late = due + timedelta(days=1 + int(rng.random() * 60))
                done_on = late if late <= end else None
        accepted = (
            done_on is not None
            and done_on + timedelta(days=int(rng.random() * 45)) <= end
            and rng.random() < 0.92 + 0.06 * quality
        )
        items.append(
            ChecklistItem(
                item_id=f"BCL-{branch_id}-{k + 1:02d}",
                text=_CHECKLIST_TEXTS[k % len(_CHECKLIST_TEXTS)],
                due=due,
                responsible_id=owners[k % len(owners)],
                done_on=done_on,
                accepted=accepted,
            )
        )
    return tuple(items)


def _card_months(rng: random.Random, branch: Branch, quality: float, roster: Sequence[Member] | None) -> list[int]:
    """For each member, the month from which their four cards (四卡) are complete; 13 if not within the year.

    From a roster, a member counts when all four of their cards are on file; without one, better branches
    have more members with complete cards. Most cards were complete before the year, the rest are completed
    during it, so the monthly count only grows and never exceeds the membership."""
    if roster is None:
        complete = [rng.random() < 0.7 + 0.29 * quality for _ in range(branch.member_count)]
    else:
        complete = [len(m.cards) == len(_CARDS) for m in roster]
    return [(1 if rng.random() < 0.7 else 1 + int(rng.random() * 12)) if c else 13 for c in complete]


def _share(rng: random.Random, total: int, p: float) -> int:
    """A count out of ``total`` near ``p * total`` (binomial for small totals, rounded normal for large)."""
    if total <= 20:
        return _bernoulli_count(rng, total, p)
    value = round(rng.gauss(total * p, math.sqrt(total * p * (1 - p)) + 1e-9))
    return min(total, max(0, value))


def _branch_record(
    rng: random.Random,
    branch: Branch,
    year: int,
    month: int,
    quality: float,
    counts: _CountsCache,
    card_months: list[int],
) -> BranchMonthRecord:
    quarter_end = month % 3 == 0
    december = month == 12
    month_end = date(year + 1, 1, 1) if december else date(year, month + 1, 1)  # the first day after
    held = (
        int(quarter_end and rng.random() < quality + 0.1),
        int(branch.has_committee and rng.random() < quality + 0.05),
        int(rng.random() < quality + 0.05),
        int(quarter_end and rng.random() < quality + 0.05),
        int(rng.random() < quality + 0.08),
        int(december and rng.random() < 0.97),
        int(december and rng.random() < 0.96),
    )
    directives = _poisson(rng, 2.5)
    tasks = _poisson(rng, 1.2)
    checklist_total = len(branch.checklist)
    commitments = _poisson(rng, branch.member_count / 6)
    disputes = _poisson(rng, 1.5)
    residing = _share(rng, branch.member_count, 0.3)
    registered = _share(rng, residing, 0.85)
    issues = _poisson(rng, 4.0)
    spot_checked = rng.random() < 0.15
    return BranchMonthRecord(
        branch_id=branch.branch_id,
        month=f"{year:04d}-{month:02d}",
        meetings_held=counts.get(held),
        study_sessions_held=int(rng.random() < quality + 0.05) + int(rng.random() < 0.2),
        attendance_rate=round(min(1.0, max(0.0, rng.gauss(0.78 + 0.15 * quality, 0.06))), 3),
        directives_received=directives,
        directives_relayed_on_time=_share(rng, directives, 0.85 + 0.14 * quality),
        central_tasks_assigned=tasks,
        central_tasks_completed=_share(rng, tasks, 0.8 + 0.19 * quality),
        checklist_total=checklist_total,
        checklist_done=sum(1 for i in branch.checklist if i.done_on is not None and i.done_on < month_end),
        commitments_total=commitments,
        commitments_fulfilled=_share(rng, commitments, 0.8 + 0.19 * quality),
        disputes_found=disputes,
        disputes_resolved=_share(rng, disputes, 0.85 + 0.14 * quality),
        dues_collected_in_full=rng.random() < 0.95,
        cards_complete_members=sum(1 for m in card_months if m <= month),
        joint_meetings_held=int(rng.random() < 0.75 + 0.2 * quality),
        joint_agreements_active=int(rng.random() * 5),
        inservice_members_residing=residing,
        inservice_members_registered=registered,
        inservice_members_with_posts=_share(rng, registered, 0.8),
        volunteer_activities=_poisson(rng, 1.5 * quality + 0.3),
        households_linked=min(branch.households_covered, branch.member_count * (4 + int(rng.random() * 3))),
        issues_collected=issues,
        issues_resolved_on_time=_share(rng, issues, 0.8 + 0.19 * quality),
        practical_deeds_done=_poisson(rng, 0.6),
        public_disclosure_done=rng.random() < 0.9 + 0.09 * quality,
        report_submitted=rng.random() < 0.95,
        spot_check_passed=(rng.random() < 0.9) if spot_checked else None,
        activists_count=int(rng.random() * 4),
        reserve_cadres_count=int(rng.random() * 6),
    )


def _branch_incidents(rng: random.Random, branch: Branch, year: int) -> tuple[Incident, ...]:
    verifier = branch.parent_org_id
    incidents: list[Incident] = []
    if rng.random() < 0.005:
        kind = _BRANCH_VETO_PICKER.pick(rng)
        incidents.append(
            _incident(rng, SubjectKind.BRANCH, branch.branch_id, 1, kind, year, verifier, Severity.SERIOUS)
        )
    for _ in range(_poisson(rng, 0.3)):
        severity = Severity.MINOR if rng.random() < 0.85 else Severity.MAJOR
        number = len(incidents) + 1
        kind = _BRANCH_KIND_PICKER.pick(rng)
        incidents.append(
            _incident(rng, SubjectKind.BRANCH, branch.branch_id, number, kind, year, verifier, severity)
        )
    return tuple(incidents)


def _ratio(done: int, due: int) -> float:
    return min(1.0, done / due) if due else 1.0


def _branch_shares(branch: Branch, records: tuple[BranchMonthRecord, ...]) -> tuple[float, float, float, float]:
    """The year's meetings, duties, checklist and routine shares of a branch (each 0..1), as
    :func:`partyrules.facts.conduct.branch_conduct` takes them."""
    required = 0
    for r in records:
        month = int(r.month[5:])
        quarter_end, december = int(month % 3 == 0), int(month == 12)
        # member meeting and lecture quarterly, committee (if any), group and theme day monthly, org-life
        # meeting and democratic review in December
        required += 2 * quarter_end + int(branch.has_committee) + 2 + 2 * december
    meetings = _ratio(sum(r.meetings_held.total for r in records), required)

    def total(field: str) -> int:
        return sum(getattr(r, field) for r in records)

    duties = (
        _ratio(total("directives_relayed_on_time"), total("directives_received"))
        + _ratio(total("central_tasks_completed"), total("central_tasks_assigned"))
        + _ratio(total("commitments_fulfilled"), total("commitments_total"))
        + _ratio(total("disputes_resolved"), total("disputes_found"))
        + _ratio(total("issues_resolved_on_time"), total("issues_collected"))
    ) / 5
    checklist = _ratio(sum(i.accepted for i in branch.checklist), len(branch.checklist))
    kept = sum(r.dues_collected_in_full + r.public_disclosure_done + r.report_submitted for r in records)
    routine = _ratio(kept, 3 * len(records))
    return meetings, duties, checklist, routine


def _branch_annual(
    rng: random.Random,
    branch: Branch,
    year: int,
    records: tuple[BranchMonthRecord, ...],
    incidents: tuple[Incident, ...],
    commendations: tuple[Commendation, ...],
) -> AnnualEvaluation:
    a = ANNUAL
    penalty = sum(a.branch_penalty[i.severity.value] for i in incidents if i.verified)
    bonus = a.branch_commendation * sum(c.verified for c in commendations)
    conduct = min(1.0, max(0.0, branch_conduct(*_branch_shares(branch, records), penalty, bonus)))
    reputation = rng.gauss(0.0, a.branch_reputation_sd)

    def rated(seen: float) -> float:  # the evaluating body's 0..100 scale, see AnnualConduct.branch_stretch
        return 100 * min(1.0, max(0.0, 1 - a.branch_stretch * (1 - seen)))

    evaluation = rated(conduct + reputation + rng.gauss(0.0, a.branch_sd))
    daily = rated(conduct + reputation / 2 + rng.gauss(0.0, a.daily_sd))
    x = evaluation + rng.gauss(0.0, 5.0)  # the secretary's report is judged with the branch's record in view
    review = (
        SecretaryReviewLevel.GOOD
        if x >= 90
        else SecretaryReviewLevel.FAIRLY_GOOD
        if x >= 75
        else SecretaryReviewLevel.AVERAGE
        if x >= 55
        else SecretaryReviewLevel.POOR
    )
    return AnnualEvaluation(
        subject_kind=SubjectKind.BRANCH,
        subject_id=branch.branch_id,
        year=year,
        evaluator_org_id=branch.parent_org_id,
        evaluation_score=round(evaluation, 2),
        secretary_review=None if branch.secretary_id is None else review,
        daily_observation_score=round(daily, 1),
        satisfaction_rate=round(min(1.0, max(0.0, rng.gauss(0.5 + 0.45 * conduct, 0.06))), 3),
        org_life_meeting_held=rng.random() < 0.97,
        democratic_review_held=rng.random() < 0.96,
    )
