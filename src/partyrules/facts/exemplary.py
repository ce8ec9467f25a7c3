"""Exemplary subjects: the facts of a member or branch who does every item of the shipped indices when it is due.

An exemplary subject is the yardstick of fairness between indices (docs/fairness.md): whatever a rule set asks, the
exemplary subject of its category should earn the whole scale in every period it is scored on. A quarter or a year
in which it cannot is a **structural** gap (an item prorated over a period in which it is not due, a once-a-year
item asked of every quarter, a maximum out of reach), not a difference in what members did.

The facts are written by hand from the fact models, field by field; :data:`MEMBER_FIELDS` and
:data:`BRANCH_FIELDS` say which items of the shipped indices each field serves (the tests check that every standard
of every shipped member and branch index is served). What "fulfils every item when it is due" means here:

- every meeting and study session required in a month is attended, with no absence (excused or not);
- monthly targets are met every month (dues, volunteering, community activities, contacts with the linked
  households, the claimed post, the tasks assigned, the branch's ledger); quarterly targets (a study note, a
  policy-promotion activity, a suggestion, a practical deed, ...) are met in the first month of every quarter;
- once-a-year items are done once, in ``once_a_year_month`` (a commendation, the organisational-life meeting and
  the democratic review, a skills training, a mediated dispute); the annual evaluation is at the maximum (100),
  with the employer's appraisal 'excellent' for in-service members and 'good' for a branch secretary's report;
- one checklist item falls due at the end of every quarter and is done and accepted before it;
- no incident of any kind.

:func:`with_incident` adds one verified incident to a subject's facts (for the cost of a kind of conduct), and
:func:`idle_counterpart` gives the same subject with the same requirements and nothing done (a rule that still
pays it for an item that did not apply gives free points).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .bundle import BranchFacts, MemberFacts
from .enums import MemberCategory
from .records import Incident

__all__ = [
    "BRANCH_FIELDS",
    "MEMBER_FIELDS",
    "exemplary_branch",
    "exemplary_member",
    "idle_counterpart",
    "with_incident",
]

QUARTER_MONTHS = (1, 4, 7, 10)  # quarterly items are done in the first month of each quarter

# Which items of the shipped indices each field of an exemplary member serves (field path -> what it holds, items).
MEMBER_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "member.placard_displayed": ("true", ("IN.S03", "RT.S03", "NC.S02")),
    "member.cards": ("all four cards", ("IN.S08", "SC8")),
    "member.registered_with_community_on": ("in-service: registered before the year", ("IN.S08", "IN.K19")),
    "member.claimed_posts": ("one active post", ("IN.S12", "IN.K15", "SC6")),
    "member.linked_household_ids": ("5 households", ("IN.S14", "NC.S25", "IN.K18", "NC.K25", "SC7")),
    "member.roles": ("in-service: policy_promoter; retired: building_head; new citizen: mediator, building_head, "
                     "employed", ("IN.S16", "RT.S08", "NC.S11", "NC.S16", "NC.S22")),
    "member.checklist": ("one item due at the end of each quarter, done and accepted",
                         ("IN.S10", "IN.K12", "NC.S04", "NC.S12")),
    "member.health_limited": ("option; a paired helper is named when true",
                              ("IN.S01", "IN.S05", "IN.S06", "RT.S06", "NC.S08", "NC.S22", "MV4")),
    "records.meetings_required/meetings_attended": (
        "every month a group meeting and the theme day; the first month of each quarter a member meeting and a "
        "Party lecture; the organisational-life meeting and the democratic review once a year; all attended",
        ("IN.S05", "IN.S06", "IN.K05", "IN.K06", "IN.K10", "RT.S04", "RT.S06", "RT.K05", "NC.S05", "NC.S06",
         "NC.S08", "NC.K05", "NC.K06", "MV4")),
    "records.study_sessions_required/attended": ("1 a month, attended", ("IN.S01", "IN.K01", "RT.S01", "RT.K01",
                                                                          "NC.S01", "NC.K01")),
    "records.excused_absences": ("0", ("IN.S01", "IN.S05", "IN.S06")),
    "records.notes_submitted": ("1 a quarter", ("IN.S02", "IN.K02")),
    "records.dues_paid_on_time": ("every month", ("IN.S07", "IN.K07", "RT.S05", "RT.K06", "NC.S07", "NC.K07",
                                                   "MV4")),
    "records.volunteer_hours": ("10 a month (120 a year: above the organ staff's 100)",
                                ("IN.S13", "IN.S15", "IN.K17", "RT.S09", "NC.S27")),
    "records.community_activities": ("1 a month", ("IN.K19",)),
    "records.households_contacted": ("2 a month (6 a quarter for 5 households)", ("IN.S14", "IN.K18", "NC.S25",
                                                                                  "NC.K25")),
    "records.difficulties_resolved": ("1 a month", ("IN.S15", "NC.S23", "NC.S26")),
    "records.suggestions_made": ("1 a quarter", ("IN.S15", "RT.S10")),
    "records.policy_promotion_events": ("1 a quarter", ("IN.S04", "RT.S02", "NC.S03", "NC.S10", "NC.S24")),
    "records.post_duty_performed": ("every month", ("IN.S12", "IN.K15")),
    "records.tasks_assigned/completed": ("1 assigned and completed a month", ("IN.S15", "MV4")),
    "records.checklist_items_done": ("the quarter's item, in its last month", ("IN.S10",)),
    "records.spot_checked": ("not checked (a check is no item of the member's)", ("IN.K08",)),
    "records.youth_care_activities": ("retired: 1 a quarter", ("RT.S07",)),
    "records.mediation_cases": ("new citizen: 1 a year", ("NC.S28",)),
    "records.property_fee_paid": ("new citizen: every month", ("NC.S13", "NC.K13")),
    "records.resettlement_milestones_met": ("new citizen: met every month", ("NC.S09", "NC.S10", "NC.S11",
                                                                            "NC.S12")),
    "records.courtyard_meetings_attended": ("new citizen: 1 a quarter", ("NC.S15",)),
    "records.training_sessions": ("new citizen: 1 a year", ("NC.S21",)),
    "commendations": ("once a year, verified: in-service 'commendation', retired 'good_deed', new citizen "
                      "'stopped_illegal_building'", ("IN.S11", "RT.S13", "NC.S14")),
    "annual": ("evaluation 100, daily observation 100; in-service: employer appraisal 'excellent'; retired: "
               "residents' satisfaction 1.0", ("IN.S09", "RT.S12", "annual result")),
    # and every deduction and veto that reads incidents
    "incidents": ("none", ("IN.S17", "IN.S18", "IN.S19", "RT.S11", "NC.S14", "NC.S17", "NC.S18", "NC.S19",
                           "NC.S20")),
}

# The same for an exemplary branch.
BRANCH_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "branch.formal_member_count/member_count": ("30 / 32", ("BCI.S10", "BCI.S11", "BCI.S18")),
    "branch.has_committee/committee_size": ("a committee of 5", ("BCI.S02", "BCI.S10", "SC5", "SC5B")),
    "branch.secretary_id": ("in post (no vacancy)", ("BCI.S10", "BCI.K11", "BCI.V4")),
    "branch.households_covered/grid_worker_count": ("150 / 3", ("BCI.S18",)),
    "branch.checklist": ("one item due at the end of each quarter, done and accepted", ("BCI.S07",)),
    "records.study_sessions_held": ("1 a month", ("BCI.S01",)),
    "records.meetings_held": ("a committee and a group meeting and the theme day every month; a member meeting "
                              "and a lecture in the first month of each quarter; the organisational-life meeting "
                              "and the democratic review once a year", ("BCI.S02", "BCI.S03", "BCI.K01",
                                                                        "BCI.K13", "BCI.V5")),
    "records.attendance_rate": ("0.95", ("BCI.K13",)),
    "records.directives_received/relayed_on_time": ("2 / 2 a month", ("BCI.S05", "BCI.K03")),
    "records.central_tasks_assigned/completed": ("1 / 1 a month", ("BCI.S06",)),
    "records.checklist_total/done": ("the progress ledger of the 4 items", ("BCI.S07",)),
    "records.commitments_total/fulfilled": ("2 / 2 a month", ("BCI.S09",)),
    "records.disputes_found/resolved": ("1 / 1 a month", ("BCI.S08",)),
    "records.dues_collected_in_full": ("every month", ("BCI.S12", "BCI.K12")),
    "records.cards_complete_members": ("every member", ("BCI.S11",)),
    "records.joint_meetings_held/joint_agreements_active": ("1 / 1 a month", ("BCI.S15", "BCI.K17")),
    "records.inservice_members_residing/registered/with_posts": ("10 / 10 / 10", ("BCI.S16",)),
    "records.volunteer_activities": ("1 a month", ("BCI.S17",)),
    "records.households_linked": ("150 (all the households covered)", ("BCI.S18",)),
    "records.issues_collected/resolved_on_time": ("3 / 3 a month", ("BCI.S19", "BCI.K21")),
    "records.practical_deeds_done": ("1 a quarter", ("BCI.S21",)),
    "records.public_disclosure_done": ("every month", ("BCI.K22",)),
    "records.report_submitted/spot_check_passed": ("every month / not checked", ("BCI.S14", "BCI.K16")),
    "records.activists_count/reserve_cadres_count": ("2 / 3", ("BCI.S13",)),
    "annual": ("evaluation 100, daily observation 100, secretary's report 'good', satisfaction 1.0, the "
               "organisational-life meeting and the democratic review held", ("BCI.S04", "BCI.S20", "BCI.K02",
                                                                              "BCI.V5", "BCI.V7",
                                                                              "annual result")),
    "incidents": ("none", ("every deduction and veto that reads incidents",)),
}

# Mobile members are scored by the in-service index (facts.enums.MemberCategory), so the model one does what a
# model in-service member does: the same role, commendation, employer appraisal and community registration.
_IN_SERVICE_LIKE = (MemberCategory.IN_SERVICE, MemberCategory.MOBILE)
_ROLES = {
    MemberCategory.IN_SERVICE: ("policy_promoter",),
    MemberCategory.MOBILE: ("policy_promoter",),
    MemberCategory.RETIRED: ("building_head",),
    MemberCategory.NEW_CITIZEN: ("building_head", "employed", "mediator"),
}
_COMMENDATION = {
    MemberCategory.IN_SERVICE: "commendation",
    MemberCategory.MOBILE: "commendation",
    MemberCategory.RETIRED: "good_deed",
    MemberCategory.NEW_CITIZEN: "stopped_illegal_building",
}


def _check_month(once_a_year_month: int) -> None:
    if not isinstance(once_a_year_month, int) or not 1 <= once_a_year_month <= 12:
        raise ValueError(f"once_a_year_month must be a month number 1..12, got {once_a_year_month!r}")


def _month(year: int, m: int) -> str:
    return f"{year:04d}-{m:02d}"


def _checklist(year: int, responsible: str) -> list[dict[str, Any]]:
    # one item due at each quarter's end, done and accepted in the quarter's last month
    ends = ((3, 31), (6, 30), (9, 30), (12, 31))
    return [{"item_id": f"CL-{q + 1}", "text": f"第{q + 1}季度承诺事项 / pledge of quarter {q + 1}",
             "due": date(year, m, d).isoformat(), "responsible_id": responsible,
             "done_on": date(year, m, 15).isoformat(), "accepted": True} for q, (m, d) in enumerate(ends)]


def _done_in(year: int, m: int) -> tuple[str, ...]:
    return (f"CL-{m // 3}",) if m % 3 == 0 else ()


def _meetings(m: int, once: int, *, branch: bool) -> dict[str, int]:
    quarter_start = 1 if m in QUARTER_MONTHS else 0
    out = {"member_meeting": quarter_start, "group_meeting": 1, "party_lecture": quarter_start, "theme_day": 1,
           "org_life_meeting": 1 if m == once else 0, "democratic_review": 1 if m == once else 0}
    # a member is not on the branch committee; the branch holds its committee meeting every month
    out["committee_meeting"] = 1 if branch else 0
    return out


def exemplary_member(category: MemberCategory | str, year: int, *, health_limited: bool = False,
                     once_a_year_month: int = 6, organ_staff: bool = False,
                     member_id: str | None = None) -> MemberFacts:
    """The facts of a member of ``category`` who fulfils every item of the shipped member indices when it is due,
    for the calendar ``year`` (twelve monthly records, an annual evaluation at the maximum, no incident).

    ``health_limited``: the member's health limits participation (a paired helper is named; they still attend what
    is asked of them). ``once_a_year_month``: the month of the once-a-year items (the commendation, the
    organisational-life meeting and democratic review, a training, a mediated dispute). ``organ_staff``: works in
    a Party or government organ (the higher volunteering target, which the exemplary member meets either way).
    """
    _check_month(once_a_year_month)
    cat = MemberCategory(category)
    mid = member_id or f"EX-{cat.value.upper().replace('_', '-')}"
    once = once_a_year_month
    member: dict[str, Any] = {
        "member_id": mid, "branch_id": "EX-B", "party_group_id": "EX-B-G1", "category": cat.value,
        "status": "formal", "joined_on": "2000-07-01", "birth_year": 1950 if cat is MemberCategory.RETIRED else 1980,
        "is_organ_staff": organ_staff, "health_limited": health_limited,
        "paired_helper_id": "EX-HELPER" if health_limited else None,
        "employer_unit": "示范单位" if cat in _IN_SERVICE_LIKE else None,
        "registered_with_community_on": f"{year - 1}-03-01" if cat in _IN_SERVICE_LIKE else None,
        "grid_id": "EX-GRID", "linked_household_ids": [f"EX-H{i}" for i in range(1, 6)],
        "claimed_posts": [{"post_id": "EX-POST", "category": "policy_promotion", "claimed_on": f"{year - 1}-03-01",
                           "active": True}],
        "cards": ["basic_info", "activity_record", "community_performance", "community_feedback"],
        "placard_displayed": True, "roles": list(_ROLES[cat]), "checklist": _checklist(year, mid),
        "hardship_certified": False,
    }
    records = []
    for m in range(1, 13):
        quarterly = 1 if m in QUARTER_MONTHS else 0
        meetings = _meetings(m, once, branch=False)
        rec: dict[str, Any] = {
            "member_id": mid, "month": _month(year, m), "meetings_required": meetings,
            "meetings_attended": dict(meetings), "excused_absences": 0, "study_sessions_required": 1,
            "study_sessions_attended": 1, "notes_submitted": quarterly, "dues_paid_on_time": True,
            "volunteer_hours": 10.0, "community_activities": 1, "households_contacted": 2,
            "difficulties_resolved": 1, "suggestions_made": quarterly, "policy_promotion_events": quarterly,
            "post_duty_performed": True, "checklist_items_done": list(_done_in(year, m)), "tasks_assigned": 1,
            "tasks_completed": 1,
        }
        if cat is MemberCategory.RETIRED:
            rec["youth_care_activities"] = quarterly
        if cat is MemberCategory.NEW_CITIZEN:
            rec.update(mediation_cases=1 if m == once else 0, property_fee_paid=True,
                       resettlement_milestones_met=True, courtyard_meetings_attended=quarterly,
                       training_sessions=1 if m == once else 0)
        records.append(rec)
    annual: dict[str, Any] = {
        "subject_kind": "member", "subject_id": mid, "year": year, "evaluator_org_id": "EX-B",
        "evaluation_score": 100.0, "vote_counts": {"excellent": 25}, "daily_observation_score": 100.0,
        "employer_appraisal": "excellent" if cat in _IN_SERVICE_LIKE else None,
        "satisfaction_rate": 1.0 if cat is MemberCategory.RETIRED else None,
    }
    commendation = {"commendation_id": f"{mid}-CM", "subject_kind": "member", "subject_id": mid,
                    "kind": _COMMENDATION[cat], "level": "district", "awarded_on": date(year, once, 15).isoformat(),
                    "verified": True}
    return MemberFacts.model_validate({"member": member, "records": records, "commendations": [commendation],
                                       "annual": annual})


def exemplary_branch(year: int, *, branch_type: str = "community", once_a_year_month: int = 6,
                     branch_id: str | None = None) -> BranchFacts:
    """The facts of a branch that fulfils every item of the combat-effectiveness index when it is due, for the
    calendar ``year`` (twelve monthly ledgers, an annual evaluation at the maximum, no incident)."""
    _check_month(once_a_year_month)
    bid = branch_id or "EX-B"
    branch = {
        "branch_id": bid, "name": "示范党支部", "parent_org_id": "EX-C", "branch_type": branch_type,
        "formal_member_count": 30, "member_count": 32, "has_committee": True, "committee_size": 5,
        "secretary_id": "EX-SEC", "households_covered": 150, "grid_worker_count": 3,
        "checklist": _checklist(year, "EX-SEC"), "flagged_weak_and_lax": False,
    }
    records = []
    for m in range(1, 13):
        records.append({
            "branch_id": bid, "month": _month(year, m), "meetings_held": _meetings(m, once_a_year_month, branch=True),
            "study_sessions_held": 1, "attendance_rate": 0.95, "directives_received": 2,
            "directives_relayed_on_time": 2, "central_tasks_assigned": 1, "central_tasks_completed": 1,
            "checklist_total": 4, "checklist_done": m // 3, "commitments_total": 2, "commitments_fulfilled": 2,
            "disputes_found": 1, "disputes_resolved": 1, "dues_collected_in_full": True,
            "cards_complete_members": 32, "joint_meetings_held": 1, "joint_agreements_active": 1,
            "inservice_members_residing": 10, "inservice_members_registered": 10, "inservice_members_with_posts": 10,
            "volunteer_activities": 1, "households_linked": 150, "issues_collected": 3, "issues_resolved_on_time": 3,
            "practical_deeds_done": 1 if m in QUARTER_MONTHS else 0, "public_disclosure_done": True,
            "report_submitted": True, "activists_count": 2, "reserve_cadres_count": 3,
        })
    annual = {"subject_kind": "branch", "subject_id": bid, "year": year, "evaluator_org_id": "EX-C",
              "evaluation_score": 100.0, "secretary_review": "good", "daily_observation_score": 100.0,
              "satisfaction_rate": 1.0, "org_life_meeting_held": True, "democratic_review_held": True}
    return BranchFacts.model_validate({"branch": branch, "records": records, "annual": annual})


def with_incident(facts: MemberFacts | BranchFacts, kind: str, on: date | str, *, severity: str = "minor",
                  consequence: str | None = None, incident_id: str | None = None) -> MemberFacts | BranchFacts:
    """A copy of ``facts`` with one more verified incident of ``kind`` on the day ``on``."""
    kind_of = type(facts).subject_kind.value
    day = on if isinstance(on, str) else on.isoformat()
    ident = incident_id or f"{facts.subject_id}-I{len(facts.incidents) + 1}"
    incident = Incident.model_validate({
        "incident_id": ident, "subject_kind": kind_of, "subject_id": facts.subject_id, "kind": kind,
        "occurred_on": day, "severity": severity, "consequence": consequence, "verified": True,
        "verified_by": "EX-VERIFIER", "evidence_ref": f"EV-{ident}"})
    return type(facts).model_validate({**_dump(facts), "incidents": [*_dump(facts)["incidents"],
                                                                     incident.model_dump(mode="json")]})


def _dump(facts: MemberFacts | BranchFacts) -> dict[str, Any]:
    return facts.model_dump(mode="json")


def idle_counterpart(facts: MemberFacts | BranchFacts) -> MemberFacts | BranchFacts:
    """The same subject with the same requirements and nothing done: every month's meetings and study still
    required and none attended, no target met, no checklist item accepted, no commendation, and an annual
    evaluation at the bottom (0, an 'incompetent' appraisal, a 'poor' report, the annual meetings not held).
    Fields that say an item does not apply (``None`` category values) stay as they were, so whatever still earns
    points for it is earned for an item that did not apply."""
    data = _dump(facts)
    zeroed_counts = ("excused_absences", "study_sessions_attended", "notes_submitted", "volunteer_hours",
                     "community_activities", "households_contacted", "difficulties_resolved", "suggestions_made",
                     "policy_promotion_events", "tasks_completed", "study_sessions_held",
                     "directives_relayed_on_time", "central_tasks_completed", "checklist_done",
                     "commitments_fulfilled", "disputes_resolved", "cards_complete_members", "joint_meetings_held",
                     "joint_agreements_active", "inservice_members_registered", "inservice_members_with_posts",
                     "volunteer_activities", "households_linked", "issues_resolved_on_time", "practical_deeds_done",
                     "activists_count", "reserve_cadres_count", "youth_care_activities", "mediation_cases",
                     "courtyard_meetings_attended", "training_sessions")
    flags = ("dues_paid_on_time", "post_duty_performed", "dues_collected_in_full", "public_disclosure_done",
             "report_submitted", "property_fee_paid", "resettlement_milestones_met")
    for rec in data["records"]:
        for key in zeroed_counts:
            if rec.get(key) is not None:
                rec[key] = 0.0 if isinstance(rec[key], float) else 0
        for key in flags:
            if rec.get(key) is not None:
                rec[key] = False
        if "meetings_attended" in rec:
            rec["meetings_attended"] = {k: 0 for k in rec["meetings_attended"]}
        if "meetings_held" in rec:
            rec["meetings_held"] = {k: 0 for k in rec["meetings_held"]}
        if "attendance_rate" in rec:
            rec["attendance_rate"] = 0.0
        if "checklist_items_done" in rec:
            rec["checklist_items_done"] = []
    subject_key = "member" if "member" in data else "branch"
    for item in data[subject_key].get("checklist", []):
        item["accepted"] = False
        item["done_on"] = None
    data["commendations"] = []
    annual = data.get("annual")
    if annual is not None:
        annual.update(evaluation_score=0.0, daily_observation_score=0.0, vote_counts=None)
        for key, worst in (("employer_appraisal", "incompetent"), ("secretary_review", "poor"),
                           ("satisfaction_rate", 0.0), ("org_life_meeting_held", False),
                           ("democratic_review_held", False)):
            if annual.get(key) is not None:
                annual[key] = worst
    return type(facts).model_validate(data)
