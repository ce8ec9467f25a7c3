"""Monthly records, incidents, objections and annual evaluations."""

from __future__ import annotations

import json

import pytest

from partyrules.facts import (
    AnnualEvaluation,
    BranchMonthRecord,
    Grade,
    Incident,
    MemberMonthRecord,
    Objection,
    Severity,
)

# ----------------------------------------------------------------------------------------------------
# MemberMonthRecord


def test_member_record_valid(member_record_data):
    record = MemberMonthRecord.model_validate(member_record_data)
    assert record.key == "2026-03"
    assert record.meetings_required["party_lecture"] == 1
    assert record.meetings_attended["party_lecture"] == 0
    assert record.study_sessions_attended > record.study_sessions_required  # make-up sessions are allowed
    assert record.youth_care_activities is None and record.property_fee_paid is None


def test_member_record_needs_only_member_and_month(errors_of):
    record = MemberMonthRecord(member_id="M1", month="2026-01")
    assert record.volunteer_hours == 0.0 and record.dues_paid_on_time is False
    assert record.meetings_required.total == 0 and record.spot_check_passed is None
    errors = errors_of(MemberMonthRecord.model_validate, {})
    assert {e["loc"] for e in errors} == {("member_id",), ("month",)}
    assert {e["type"] for e in errors} == {"missing"}


@pytest.mark.parametrize(
    ("field", "bad", "error_type"),
    [
        ("households_contacted", "9", "int_type"),
        ("households_contacted", True, "int_type"),
        ("households_contacted", -1, "greater_than_equal"),
        ("households_contacted", 2.0, "int_type"),
        ("dues_paid_on_time", 1, "bool_type"),
        ("dues_paid_on_time", "yes", "bool_type"),
        ("volunteer_hours", float("nan"), "finite_number"),
        ("volunteer_hours", float("inf"), "finite_number"),
        ("volunteer_hours", float("-inf"), "finite_number"),
        ("volunteer_hours", -0.5, "greater_than_equal"),
        ("volunteer_hours", 745, "less_than_equal"),
        ("volunteer_hours", "8", "float_type"),
        ("volunteer_hours", True, "float_type"),
        ("youth_care_activities", -2, "greater_than_equal"),
        ("youth_care_activities", "3", "int_type"),  # optional fields are just as strict
        ("youth_care_activities", True, "int_type"),
        ("property_fee_paid", 0, "bool_type"),
    ],
)
def test_member_record_rejects_bad_scalar(member_record_data, errors_of, field, bad, error_type):
    member_record_data[field] = bad
    (err,) = errors_of(MemberMonthRecord.model_validate, member_record_data)
    assert err["loc"] == (field,) and err["type"] == error_type
    if bad == bad:  # NaN never equals itself
        assert err["input"] == bad


@pytest.mark.parametrize(
    "month", ["2026-13", "2026-00", "2026-3", "26-03", "2026/03", "2026-03-01", "2026-03\n"]
)
def test_bad_month_string(member_record_data, errors_of, month):
    member_record_data["month"] = month
    (err,) = errors_of(MemberMonthRecord.model_validate, member_record_data)
    assert err["loc"] == ("month",) and err["type"] == "month_format" and err["input"] == month
    assert "YYYY-MM" in err["msg"]


def test_month_must_be_a_string(member_record_data, errors_of):
    member_record_data["month"] = 202603
    (err,) = errors_of(MemberMonthRecord.model_validate, member_record_data)
    assert err["loc"] == ("month",) and err["type"] == "string_type"


def test_json_true_is_not_a_count(member_record_data, errors_of):
    text = json.dumps(member_record_data).replace('"tasks_assigned": 2', '"tasks_assigned": true')
    (err,) = errors_of(MemberMonthRecord.model_validate_json, text)
    assert err["loc"] == ("tasks_assigned",) and err["input"] is True


def test_json_nan_and_infinity_rejected(member_record_data, errors_of):
    for token in ("NaN", "Infinity", "-Infinity"):
        text = json.dumps(member_record_data).replace('"volunteer_hours": 8.5', f'"volunteer_hours": {token}')
        (err,) = errors_of(MemberMonthRecord.model_validate_json, text)
        assert err["loc"] == ("volunteer_hours",) and err["type"] == "finite_number"


def test_meeting_counts_path_in_record(member_record_data, errors_of):
    member_record_data["meetings_attended"] = {"theme_day": "1", "coffee": 1}
    errors = errors_of(MemberMonthRecord.model_validate, member_record_data)
    assert {(e["loc"], e["type"]) for e in errors} == {
        (("meetings_attended", "theme_day"), "int_type"),
        (("meetings_attended", "coffee"), "extra_forbidden"),
    }


def test_attended_may_exceed_required(member_record_data):
    member_record_data["meetings_attended"] = {"theme_day": 3}
    assert MemberMonthRecord.model_validate(member_record_data).meetings_attended.theme_day == 3


def test_spot_check_result_needs_a_spot_check(member_record_data, errors_of):
    member_record_data["spot_checked"] = False
    (err,) = errors_of(MemberMonthRecord.model_validate, member_record_data)
    assert err["loc"] == ("spot_check_passed",) and err["type"] == "spot_check_result_without_check"
    member_record_data["spot_check_passed"] = None
    assert MemberMonthRecord.model_validate(member_record_data).spot_check_passed is None


def test_checklist_items_done_is_a_set(member_record_data, errors_of):
    member_record_data["checklist_items_done"] = ["C2", "C1", "C2"]
    (err,) = errors_of(MemberMonthRecord.model_validate, member_record_data)
    assert err["loc"] == ("checklist_items_done",) and "'C2'" in err["msg"]


# ----------------------------------------------------------------------------------------------------
# BranchMonthRecord


def test_branch_record_valid(branch_record_data):
    record = BranchMonthRecord.model_validate(branch_record_data)
    assert record.key == "2026-03" and record.meetings_held.member_meeting == 1
    assert record.spot_check_passed is None and record.activists_count == 0


@pytest.mark.parametrize(
    ("lesser", "greater"),
    [
        ("directives_relayed_on_time", "directives_received"),
        ("central_tasks_completed", "central_tasks_assigned"),
        ("checklist_done", "checklist_total"),
        ("commitments_fulfilled", "commitments_total"),
        ("disputes_resolved", "disputes_found"),
        ("inservice_members_registered", "inservice_members_residing"),
        ("inservice_members_with_posts", "inservice_members_registered"),
        ("issues_resolved_on_time", "issues_collected"),
    ],
)
def test_branch_record_cross_field(branch_record_data, errors_of, lesser, greater):
    data = {**branch_record_data, greater: 4, lesser: 5}
    if greater == "inservice_members_registered":
        data["inservice_members_residing"] = 4
    if lesser == "inservice_members_registered":
        data["inservice_members_with_posts"] = 0
    (err,) = errors_of(BranchMonthRecord.model_validate, data)
    assert err["loc"] == (lesser,) and err["type"] == "count_exceeds" and err["input"] == 5
    assert err["msg"] == f"{lesser} (5) cannot exceed {greater} (4)"
    assert BranchMonthRecord.model_validate({**data, lesser: 4}) is not None


def test_branch_record_lesser_alone_exceeds_default(errors_of):
    (err,) = errors_of(BranchMonthRecord, branch_id="B1", month="2026-01", disputes_resolved=1)
    assert err["loc"] == ("disputes_resolved",)


@pytest.mark.parametrize("bad", [1.01, -0.1, float("nan"), "0.9", False])
def test_attendance_rate_range(branch_record_data, errors_of, bad):
    branch_record_data["attendance_rate"] = bad
    (err,) = errors_of(BranchMonthRecord.model_validate, branch_record_data)
    assert err["loc"] == ("attendance_rate",)


# ----------------------------------------------------------------------------------------------------
# Incident


def test_incident_valid(incident_data):
    incident = Incident.model_validate(incident_data)
    assert incident.severity is Severity.MINOR and incident.objection_id is None


def test_incident_severity_defaults_to_minor(incident_data):
    del incident_data["severity"]
    assert Incident.model_validate(incident_data).severity is Severity.MINOR


def test_unknown_incident_kind_suggests_nearest(incident_data, errors_of):
    incident_data["kind"] = "gamblng"
    (err,) = errors_of(Incident.model_validate, incident_data)
    assert err["loc"] == ("kind",) and err["type"] == "unknown_incident_kind" and err["input"] == "gamblng"
    assert "'gamblng'" in err["msg"] and "did you mean 'gambling'" in err["msg"]
    assert err["ctx"]["did_you_mean"] == "gambling"


def test_incident_kind_checked_against_subject_kind(incident_data, errors_of):
    incident_data.update(subject_kind="branch", subject_id="B0001")
    (err,) = errors_of(Incident.model_validate, incident_data)
    assert err["loc"] == ("kind",) and "for a branch" in err["msg"] and "kind for a member" in err["msg"]
    incident_data["kind"] = "funds_misuse"
    assert Incident.model_validate(incident_data).kind == "funds_misuse"


def test_community_incidents_use_branch_kinds(incident_data):
    incident_data.update(subject_kind="community", subject_id="C01", kind="service_delay")
    assert Incident.model_validate(incident_data).subject_kind == "community"


def test_verified_incident_needs_verifier(incident_data, errors_of):
    del incident_data["verified_by"]
    (err,) = errors_of(Incident.model_validate, incident_data)
    assert err["loc"] == ("verified_by",) and err["type"] == "verifier_missing"
    incident_data["verified"] = False
    assert Incident.model_validate(incident_data).verified_by is None


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("verified", 1),
        ("evidence_ref", ""),
        ("incident_id", ""),
        ("severity", "grave"),
        ("subject_kind", "grid"),
    ],
)
def test_incident_bad_fields(incident_data, errors_of, field, bad):
    incident_data[field] = bad
    errors = errors_of(Incident.model_validate, incident_data)
    assert errors[0]["loc"] == (field,) and errors[0]["input"] == bad


def test_incident_required_fields(errors_of):
    errors = errors_of(Incident.model_validate, {})
    missing = {e["loc"][0] for e in errors if e["type"] == "missing"}
    assert missing == {
        "incident_id",
        "subject_kind",
        "subject_id",
        "kind",
        "occurred_on",
        "verified",
        "evidence_ref",
    }


# ----------------------------------------------------------------------------------------------------
# Objection and AnnualEvaluation


def _objection(**over: object) -> dict[str, object]:
    base = {
        "objection_id": "O-1",
        "raised_by": "M000001",
        "raised_on": "2026-04-08",
        "target": "incident",
        "target_ref": "I-1",
        "reason": "事实不清",
    }
    return {**base, **over}


def test_objection(errors_of):
    objection = Objection.model_validate(_objection())
    assert objection.status == "pending" and objection.outcome_note == ""
    done = Objection.model_validate(
        _objection(status="upheld", reviewed_on="2026-04-15", visit_investigation_done=True)
    )
    assert done.reviewed_on is not None
    (err,) = errors_of(Objection.model_validate, _objection(status="rejected"))
    assert err["loc"] == ("reviewed_on",) and err["type"] == "review_missing"
    (err,) = errors_of(Objection.model_validate, _objection(reviewed_on="2026-04-01"))
    assert err["loc"] == ("reviewed_on",) and err["type"] == "review_before_raised"
    (err,) = errors_of(Objection.model_validate, _objection(target="grade"))
    assert err["loc"] == ("target",)
    (err,) = errors_of(Objection.model_validate, _objection(status="closed"))
    assert err["loc"] == ("status",) and "'investigating'" in err["msg"]


def test_annual_evaluation(annual_data, errors_of):
    annual = AnnualEvaluation.model_validate(annual_data)
    assert list(annual.vote_counts or {}) == [Grade.EXCELLENT, Grade.QUALIFIED, Grade.BASICALLY_QUALIFIED]
    assert annual.evaluation_score == 85.0 and isinstance(annual.evaluation_score, float)

    (err,) = errors_of(AnnualEvaluation.model_validate, {**annual_data, "vote_counts": {"excellent": -1}})
    assert err["loc"] == ("vote_counts", "excellent")
    (err,) = errors_of(AnnualEvaluation.model_validate, {**annual_data, "vote_counts": {"great": 1}})
    assert err["loc"] == ("vote_counts", "great", "[key]")
    for score in (100.5, -1, float("nan")):
        (err,) = errors_of(AnnualEvaluation.model_validate, {**annual_data, "evaluation_score": score})
        assert err["loc"] == ("evaluation_score",)
    (err,) = errors_of(AnnualEvaluation.model_validate, {**annual_data, "secretary_review": "good"})
    assert err["loc"] == ("secretary_review",)
    branch = {**annual_data, "subject_kind": "branch", "subject_id": "B0001", "secretary_review": "good"}
    (err,) = errors_of(AnnualEvaluation.model_validate, branch)
    assert err["loc"] == ("employer_appraisal",)
    del branch["employer_appraisal"]
    assert AnnualEvaluation.model_validate(branch).secretary_review == "good"
    (err,) = errors_of(AnnualEvaluation.model_validate, {**annual_data, "subject_kind": "community"})
    assert err["loc"] == ("subject_kind",)


def test_vote_counts_order_does_not_change_json(annual_data):
    a = AnnualEvaluation.model_validate(annual_data)
    annual_data["vote_counts"] = dict(reversed(list(annual_data["vote_counts"].items())))
    b = AnnualEvaluation.model_validate(annual_data)
    assert a == b and a.model_dump_json() == b.model_dump_json()
