"""A generated subject's monthly records: members' attendance, tasks, dues, volunteering hours and
category-specific fields, and branches' meetings, checklist progress and four-card counts, month by month."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from typing import Any

from ..facts.enums import (
    MemberCategory,
)
from ..facts.models import Branch, MeetingCounts, Member
from ..facts.records import BranchMonthRecord, MemberMonthRecord
from .draws import _CountsCache, _hours, _poisson, _share
from .mixes import MONTHLY


def _mean_hours(member: Member) -> float:
    """The monthly volunteering hours expected of a member (the mean its records are drawn around)."""
    c = MONTHLY
    if member.category is MemberCategory.IN_SERVICE:
        mean = c.hours_organ if member.is_organ_staff else c.hours_in_service
    else:
        mean = c.hours_other
    return mean * c.hours_health_factor if member.health_limited else mean


def _checklist_done_by_month(member: Member) -> dict[int, tuple[str, ...]]:
    """The member's checklist items done in each month (0 = January), in checklist order."""
    done_in_month: dict[int, tuple[str, ...]] = {}
    for item in member.checklist:
        if item.done_on is not None:
            done_in_month[item.done_on.month - 1] = (
                *done_in_month.get(item.done_on.month - 1, ()),
                item.item_id,
            )
    return done_in_month


def _add_category_fields(fields: dict[str, Any], rnd: Callable[[], float], member: Member) -> None:
    """The record fields of the member's own category (set only for it: ``None`` for the others)."""
    c = MONTHLY
    category = member.category
    if category is MemberCategory.RETIRED:
        fields["youth_care_activities"] = int(rnd() < c.youth_care)
    elif category is MemberCategory.NEW_CITIZEN:
        fields["mediation_cases"] = int(rnd() < c.mediation)
        fields["property_fee_paid"] = member.hardship_certified or rnd() < c.property_fee
        fields["resettlement_milestones_met"] = rnd() < c.resettlement_milestone
        fields["courtyard_meetings_attended"] = int(rnd() < c.courtyard_meeting)
        fields["training_sessions"] = int(rnd() < c.training)


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
    done_in_month = _checklist_done_by_month(member)
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
        _add_category_fields(fields, rnd, member)
        out.append(MemberMonthRecord(**fields))
    return tuple(out)


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
