"""Generated member facts (:func:`generate_member_facts`): the member, a year of monthly records, incidents,
commendations and the annual evaluation rated on that year."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

from ..facts.bundle import MemberFacts
from ..facts.conduct import ANNUAL, grade_shares, member_conduct
from ..facts.enums import (
    AppraisalLevel,
    Grade,
    MemberCategory,
    MemberStatus,
    Severity,
    SubjectKind,
)
from ..facts.models import ChecklistItem, Commendation, MeetingCounts, Member, PostClaim
from ..facts.records import AnnualEvaluation, Incident, MemberMonthRecord
from .draws import _commendations, _CountsCache, _day_in_year, _gc_paused, _general_branch_id, _incident, _poisson
from .mixes import (
    CARDS,
    CATEGORY_PICKER,
    CHECKLIST_TEXTS,
    EMPLOYERS,
    MEMBER_KIND_PICKERS,
    MEMBER_VETO_PICKER,
    MEMBERS_PER_BRANCH,
    POST_CATEGORIES,
    ROLES_BY_CATEGORY,
    VOTE_POINTS,
    required_meetings,
)
from .monthly import _mean_hours, _member_records

__all__ = ["generate_member_facts"]


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
    required = [counts.get(required_meetings(m)) for m in range(1, 13)]
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
    member_category = category if category is not None else CATEGORY_PICKER.pick(rng)
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
    posts = _member_posts(rng, member_id, in_service, year)
    cards = CARDS if rng.random() < 0.8 else tuple(c for c in CARDS if rng.random() < 0.6)
    role_pool = ROLES_BY_CATEGORY[category]
    roles = tuple(r for r in role_pool if rng.random() < 0.12)
    if category == MemberCategory.NEW_CITIZEN and rng.random() < 0.6:  # most resettled members work again
        roles = (*roles, rng.choice(("employed", "employed", "entrepreneur", "collective_economy")))
    checklist = _member_checklist(rng, member_id, year)
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
        employer_unit=EMPLOYERS[int(rng.random() * len(EMPLOYERS))] if in_service else None,
        registered_with_community_on=registered,
        grid_id=f"GR{branch_number:04d}-{1 + int(rng.random() * 2)}",
        linked_household_ids=linked,
        claimed_posts=posts,
        cards=cards,
        placard_displayed=rng.random() < 0.8,
        roles=roles,
        checklist=checklist,
        hardship_certified=category is MemberCategory.NEW_CITIZEN and rng.random() < 0.06,
    )


def _member_posts(rng: random.Random, member_id: str, in_service: bool, year: int) -> tuple[PostClaim, ...]:
    """The posts a member has claimed (设岗定责): most in-service members hold one or two, others fewer."""
    posts: list[PostClaim] = []
    post_count = (1 + (rng.random() < 0.3)) if in_service and rng.random() < 0.85 else int(rng.random() < 0.4)
    for k in range(post_count):
        posts.append(
            PostClaim(
                post_id=f"P-{member_id}-{k + 1}",
                category=POST_CATEGORIES[int(rng.random() * len(POST_CATEGORIES))],
                claimed_on=_day_in_year(rng, year - 1),
                active=rng.random() < 0.95,
            )
        )
    return tuple(posts)


def _member_checklist(rng: random.Random, member_id: str, year: int) -> tuple[ChecklistItem, ...]:
    """A member's own checklist items as they stand at the year's end: most done by their due date and accepted."""
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
                text=CHECKLIST_TEXTS[int(rng.random() * len(CHECKLIST_TEXTS))],
                due=due,
                responsible_id=member_id,
                done_on=done_on,
                accepted=done_on is not None and rng.random() < 0.95,
            )
        )
    return tuple(checklist)


def _member_incidents(rng: random.Random, member: Member, year: int) -> tuple[Incident, ...]:
    verifier = _general_branch_id(int(member.branch_id[1:]))
    incidents: list[Incident] = []
    if rng.random() < 0.0035:  # 0.3% of members end up with a verified veto-grade incident
        kind = MEMBER_VETO_PICKER.pick(rng)
        incidents.append(
            _incident(rng, SubjectKind.MEMBER, member.member_id, 1, kind, year, verifier, Severity.SERIOUS)
        )
    picker = MEMBER_KIND_PICKERS[member.category]
    for _ in range(_poisson(rng, 0.3)):
        severity = Severity.MINOR if rng.random() < 0.85 else Severity.MAJOR
        number = len(incidents) + 1
        incidents.append(
            _incident(
                rng, SubjectKind.MEMBER, member.member_id, number, picker.pick(rng), year, verifier, severity
            )
        )
    return tuple(incidents)


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
    votes = dict.fromkeys(VOTE_POINTS, 0)
    for _ in range(voters):
        x = rng.random()
        grade = (Grade.EXCELLENT if x < excellent else Grade.QUALIFIED if x < excellent + qualified
                 else Grade.BASICALLY_QUALIFIED if x < excellent + qualified + basically else Grade.UNQUALIFIED)
        votes[grade] += 1
    score = sum(VOTE_POINTS[g] * c for g, c in votes.items()) / voters
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
