"""The vocabularies and mixes both generators draw from: member categories, incident kinds and their weights,
branch types, roles, employers, checklist texts, commendation levels, the meetings a member must attend each month,
and the chances of each thing in a monthly record (:data:`MONTHLY`).

The per-subject generators (:mod:`.members`, :mod:`.branches`) and the column generator (:mod:`.tables`) import
these named constants, so that the two stay calibrated alike.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from ..facts.enums import (
    BranchType,
    CardKind,
    CommendationLevel,
    Grade,
    MeetingKind,
    MemberCategory,
    PostCategory,
)

MEMBERS_PER_BRANCH = 30

CATEGORY_MIX: tuple[tuple[MemberCategory, float], ...] = (
    (MemberCategory.RETIRED, 0.45),
    (MemberCategory.IN_SERVICE, 0.35),
    (MemberCategory.NEW_CITIZEN, 0.20),
)

# (kind, weight): the common, minor kinds dominate; veto-grade kinds are drawn separately and rarely.
MEMBER_KINDS_COMMON: tuple[tuple[str, float], ...] = (
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
MEMBER_KINDS_BY_CATEGORY: dict[MemberCategory, tuple[tuple[str, float], ...]] = {
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
MEMBER_VETO_KINDS: tuple[tuple[str, float], ...] = (
    ("crisis_retreat", 3),
    ("discipline_heavy", 2),
    ("criminal_conviction", 1),
    ("abuse_of_power_for_gain", 1.5),
    ("anti_party_speech", 0.7),
    ("illegal_org_participation", 0.5),
)
BRANCH_KINDS_COMMON: tuple[tuple[str, float], ...] = (
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
BRANCH_VETO_KINDS: tuple[tuple[str, float], ...] = (
    ("central_task_inaction", 3),
    ("political_deviation", 1),
    ("mass_incident_major", 1),
    ("safety_accident_major", 1),
    ("assessment_fraud", 1),
    ("funds_embezzlement", 1),
    ("committee_member_disciplined_heavy", 1),
    ("committee_member_criminal", 0.5),
)
CONSEQUENCE = {
    "crisis_retreat": "造成较大负面影响",
    "central_task_inaction": "造成不良后果",
}
BRANCH_TYPE_MIX: tuple[tuple[BranchType, float], ...] = (
    (BranchType.COMMUNITY, 0.40),
    (BranchType.GRID, 0.20),
    (BranchType.RESETTLEMENT_AREA, 0.15),
    (BranchType.NON_PUBLIC_ENTERPRISE, 0.08),
    (BranchType.SOCIAL_ORG, 0.05),
    (BranchType.ORGAN, 0.05),
    (BranchType.RETIRED_CADRES, 0.04),
    (BranchType.JOINT, 0.03),
)
ROLES_BY_CATEGORY: dict[MemberCategory, tuple[str, ...]] = {
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
EMPLOYERS = ("区政府办公室", "街道办事处", "市第一医院", "区教育局", "城投集团", "区税务局", "市供电公司")
CHECKLIST_TEXTS = (
    "走访联系户",
    "参与环境整治",
    "组织政策宣讲",
    "协助矛盾调解",
    "帮扶困难家庭",
    "参与安全巡逻",
)
POST_CATEGORIES = tuple(PostCategory)
CARDS = tuple(CardKind)
VOTE_POINTS = {
    Grade.EXCELLENT: 100,
    Grade.QUALIFIED: 80,
    Grade.BASICALLY_QUALIFIED: 60,
    Grade.UNQUALIFIED: 0,
}


class Picker:
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


CATEGORY_PICKER = Picker(CATEGORY_MIX)
MEMBER_KIND_PICKERS = {
    category: Picker(MEMBER_KINDS_COMMON + extra) for category, extra in MEMBER_KINDS_BY_CATEGORY.items()
}
MEMBER_VETO_PICKER = Picker(MEMBER_VETO_KINDS)
BRANCH_KIND_PICKER = Picker(BRANCH_KINDS_COMMON)
BRANCH_VETO_PICKER = Picker(BRANCH_VETO_KINDS)
BRANCH_TYPE_PICKER = Picker(BRANCH_TYPE_MIX)
LEVEL_PICKER = Picker(
    (
        (CommendationLevel.UNIT, 5),
        (CommendationLevel.STREET, 4),
        (CommendationLevel.DISTRICT, 2),
        (CommendationLevel.CITY, 0.7),
        (CommendationLevel.ABOVE, 0.2),
    )
)


MEETING_FIELDS = tuple(kind.value for kind in MeetingKind)


def required_meetings(month: int) -> tuple[int, ...]:
    """What a member is expected to attend: monthly group meeting and theme day, quarterly member meeting and
    lecture, and the org-life meeting and democratic review in December."""
    quarter_end = 1 if month % 3 == 0 else 0
    december = 1 if month == 12 else 0
    # in MeetingKind order: member, committee, group, lecture, theme day, org-life, democratic review
    return (quarter_end, 0, 1, quarter_end, 1, december, december)

@dataclass(frozen=True)
class MonthlyChances:
    """How a generated member's month goes: the chance of each thing in a monthly record, and the mean
    volunteering hours. Both generators (subject by subject, :mod:`.members`, and the column generator for millions,
    :mod:`.tables`) draw from these, so they stay calibrated alike."""

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
