"""Subject bundles: membership, uniqueness, sorting, dispatch."""

from __future__ import annotations

import copy
import json

import pytest
from pydantic import ValidationError

from partyrules.facts import (
    BranchFacts,
    CommunityFacts,
    Member,
    MemberFacts,
    MemberMonthRecord,
    parse_subject_facts,
)


@pytest.fixture
def member_bundle(member_data, member_record_data, incident_data, commendation_data, annual_data):
    records = []
    for month in ("2026-03", "2026-01", "2026-02"):
        records.append({**member_record_data, "month": month})
    incidents = [
        {**incident_data, "incident_id": "I-2", "occurred_on": "2026-03-01"},
        {**incident_data, "incident_id": "I-1", "occurred_on": "2026-03-01"},
        {**incident_data, "incident_id": "I-3", "occurred_on": "2026-01-20", "kind": "littering"},
    ]
    commendations = [
        {**commendation_data, "commendation_id": "K-2", "awarded_on": "2026-02-01"},
        {**commendation_data, "commendation_id": "K-1", "awarded_on": "2026-06-01"},
    ]
    return {
        "member": member_data,
        "records": records,
        "incidents": incidents,
        "commendations": commendations,
        "annual": annual_data,
    }


@pytest.fixture
def branch_bundle(branch_data, branch_record_data, incident_data, annual_data):
    return {
        "branch": branch_data,
        "records": [{**branch_record_data, "month": m} for m in ("2026-02", "2026-01")],
        "incidents": [
            {**incident_data, "subject_kind": "branch", "subject_id": "B0001", "kind": "ledger_incomplete"}
        ],
        "annual": {
            **annual_data,
            "subject_kind": "branch",
            "subject_id": "B0001",
            "evaluator_org_id": "GB01",
            "employer_appraisal": None,
            "secretary_review": "fairly_good",
            "satisfaction_rate": 0.86,
        },
    }


@pytest.fixture
def community_bundle(community_data, incident_data, commendation_data):
    return {
        "community": community_data,
        "grids": [
            {"grid_id": "GR2", "community_id": "C01", "households": 450, "grid_worker_ids": ["W3"]},
            {"grid_id": "GR1", "community_id": "C01", "households": 380, "grid_worker_ids": ["W1", "W2"]},
        ],
        "incidents": [
            {**incident_data, "subject_kind": "community", "subject_id": "C01", "kind": "disclosure_missing"}
        ],
        "commendations": [
            {**commendation_data, "subject_kind": "community", "subject_id": "C01", "level": "city"}
        ],
    }


def test_member_bundle_sorted(member_bundle):
    facts = MemberFacts.model_validate(member_bundle)
    assert facts.subject_id == "M000001" and MemberFacts.subject_kind == "member"
    assert [r.month for r in facts.records] == ["2026-01", "2026-02", "2026-03"]
    assert [i.incident_id for i in facts.incidents] == ["I-3", "I-1", "I-2"]
    assert [c.commendation_id for c in facts.commendations] == ["K-2", "K-1"]


def test_bundle_order_does_not_matter(member_bundle):
    a = MemberFacts.model_validate(member_bundle)
    shuffled = copy.deepcopy(member_bundle)
    for key in ("records", "incidents", "commendations"):
        shuffled[key].reverse()
    b = MemberFacts.model_validate(shuffled)
    assert a == b and a.model_dump_json() == b.model_dump_json()


def test_bundle_json_round_trip(member_bundle):
    facts = MemberFacts.model_validate(member_bundle)
    again = MemberFacts.model_validate_json(facts.model_dump_json())
    assert again == facts
    assert MemberFacts.model_validate(json.loads(facts.model_dump_json())) == facts


def test_positional_subject(member_data, member_record_data):
    member = Member.model_validate(member_data)
    record = MemberMonthRecord.model_validate(member_record_data)
    facts = MemberFacts(member, records=(record,))
    assert facts.records == (record,) and facts.annual is None
    with pytest.raises(TypeError):
        MemberFacts(member, member=member)


def test_empty_bundle(member_data):
    facts = MemberFacts(member=member_data)
    assert facts.records == () and facts.incidents == () and facts.commendations == ()


@pytest.mark.parametrize(
    ("field", "index", "change"),
    [
        ("records", 1, {"member_id": "M999"}),
        ("incidents", 2, {"subject_id": "M999"}),
        ("commendations", 0, {"subject_id": "M999"}),
    ],
)
def test_member_bundle_membership(member_bundle, errors_of, field, index, change):
    member_bundle[field][index].update(change)
    (err,) = errors_of(MemberFacts.model_validate, member_bundle)
    assert err["loc"] == (field,) and err["type"] == "not_this_subject"
    assert f"{field}[{index}]" in err["msg"] and "'M999'" in err["msg"] and "'M000001'" in err["msg"]


def test_member_bundle_wrong_subject_kind(member_bundle, errors_of):
    member_bundle["incidents"][0].update(subject_kind="branch", kind="ledger_incomplete")
    (err,) = errors_of(MemberFacts.model_validate, member_bundle)
    assert err["loc"] == ("incidents",) and "incidents[0] is about a branch" in err["msg"]


def test_member_bundle_annual_of_other_subject(member_bundle, errors_of):
    member_bundle["annual"]["subject_id"] = "M2"
    (err,) = errors_of(MemberFacts.model_validate, member_bundle)
    assert err["loc"] == ("annual",) and "'M2'" in err["msg"]


def test_duplicate_month(member_bundle, errors_of):
    member_bundle["records"][2]["month"] = "2026-03"
    (err,) = errors_of(MemberFacts.model_validate, member_bundle)
    assert err["loc"] == ("records",) and err["type"] == "duplicate_in_bundle"
    assert err["msg"] == "duplicate month '2026-03' at index 2"


def test_duplicate_incident_and_commendation_ids(member_bundle, errors_of):
    member_bundle["incidents"][2]["incident_id"] = "I-1"
    member_bundle["commendations"][1]["commendation_id"] = "K-2"
    errors = errors_of(MemberFacts.model_validate, member_bundle)
    assert {e["loc"] for e in errors} == {("incidents",), ("commendations",)}
    assert any("incident_id 'I-1'" in e["msg"] for e in errors)
    assert any("commendation_id 'K-2'" in e["msg"] for e in errors)


def test_invalid_member_does_not_hide_record_errors(member_bundle, errors_of):
    member_bundle["member"]["birth_year"] = "1980"
    member_bundle["records"][0]["volunteer_hours"] = -1
    errors = errors_of(MemberFacts.model_validate, member_bundle)
    assert {e["loc"] for e in errors} == {("member", "birth_year"), ("records", 0, "volunteer_hours")}


def test_branch_bundle(branch_bundle, errors_of):
    facts = BranchFacts.model_validate(branch_bundle)
    assert facts.subject_id == "B0001" and BranchFacts.subject_kind == "branch"
    assert [r.month for r in facts.records] == ["2026-01", "2026-02"]
    branch_bundle["records"][0]["branch_id"] = "B0002"
    (err,) = errors_of(BranchFacts.model_validate, branch_bundle)
    assert err["loc"] == ("records",) and "'B0002'" in err["msg"]


def test_community_bundle(community_bundle, errors_of):
    facts = CommunityFacts.model_validate(community_bundle)
    assert facts.subject_id == "C01" and CommunityFacts.subject_kind == "community"
    assert [g.grid_id for g in facts.grids] == ["GR1", "GR2"]
    community_bundle["grids"][1]["community_id"] = "C02"
    (err,) = errors_of(CommunityFacts.model_validate, community_bundle)
    assert err["loc"] == ("grids",) and "grids[1]" in err["msg"] and "'C02'" in err["msg"]


def test_community_bundle_duplicate_grid(community_bundle, errors_of):
    community_bundle["grids"][1]["grid_id"] = "GR2"
    (err,) = errors_of(CommunityFacts.model_validate, community_bundle)
    assert "grid_id 'GR2'" in err["msg"]


def test_parse_subject_facts_dispatch(member_bundle, branch_bundle, community_bundle):
    assert isinstance(parse_subject_facts(member_bundle), MemberFacts)
    assert isinstance(parse_subject_facts(branch_bundle), BranchFacts)
    assert isinstance(parse_subject_facts(community_bundle), CommunityFacts)


def test_parse_subject_facts_errors(member_bundle, branch_data, errors_of):
    (err,) = errors_of(parse_subject_facts, {**member_bundle, "branch": branch_data})
    assert err["type"] == "subject_facts_key" and "'member', 'branch'" in err["msg"]
    (err,) = errors_of(parse_subject_facts, {"records": []})
    assert err["type"] == "subject_facts_key" and "found none" in err["msg"]
    (err,) = errors_of(parse_subject_facts, ["member"])
    assert err["type"] == "subject_facts_type"
    # the bundle's own errors keep their paths
    member_bundle["records"][0]["month"] = "2026-1"
    (err,) = errors_of(parse_subject_facts, member_bundle)
    assert err["loc"] == ("records", 0, "month")
    member_bundle["records"][0]["month"] = "2026-03"
    member_bundle["grids"] = []
    (err,) = errors_of(parse_subject_facts, member_bundle)
    assert err["loc"] == ("grids",) and err["type"] == "extra_forbidden"


def test_parse_error_is_a_validation_error():
    with pytest.raises(ValidationError):
        parse_subject_facts({})
