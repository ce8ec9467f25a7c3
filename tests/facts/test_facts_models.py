"""Subjects and nested models: valid construction, strict scalar types, enums, set-like fields, dates."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from pydantic import ValidationError

from partyrules.facts import (
    Branch,
    CardKind,
    Commendation,
    Community,
    Grid,
    MeetingCounts,
    MeetingKind,
    Member,
    MemberCategory,
    PostCategory,
)


def test_member_from_json_like_dict(member_data):
    member = Member.model_validate(member_data)
    assert member.category is MemberCategory.IN_SERVICE
    assert member.joined_on == date(2010, 7, 1)
    assert member.linked_household_ids == ("H1", "H2", "H3")
    assert member.cards == (CardKind.BASIC_INFO, CardKind.COMMUNITY_FEEDBACK)
    assert [p.post_id for p in member.claimed_posts] == ["P1", "P2"]
    assert member.claimed_posts[1].category is PostCategory.ASSISTANCE
    assert member.checklist[0].due == date(2026, 6, 30)
    assert member.hardship_certified is False and member.health_limited is False


def test_member_from_json_text(member_data):
    assert Member.model_validate_json(json.dumps(member_data)) == Member.model_validate(member_data)


def test_member_minimal_defaults():
    member = Member(
        member_id="M1", branch_id="B1", category="retired", status="probationary",
        joined_on=date(1975, 1, 1), birth_year=1950,
    )  # fmt: skip
    assert member.is_organ_staff is False
    assert member.placard_displayed is False
    assert member.roles == () and member.cards == () and member.claimed_posts == ()
    assert member.party_group_id is None and member.registered_with_community_on is None


def test_member_has_no_commendations_field(member_data, errors_of):
    member_data["commendations"] = []
    (err,) = errors_of(Member.model_validate, member_data)
    assert err["loc"] == ("commendations",) and err["type"] == "extra_forbidden"


def test_models_are_frozen(member_data):
    member = Member.model_validate(member_data)
    with pytest.raises(ValidationError):
        member.birth_year = 1990  # type: ignore[misc]


@pytest.mark.parametrize(
    ("field", "bad", "error_type"),
    [
        ("birth_year", "1980", "int_type"),  # a numeric string is not an int
        ("birth_year", True, "int_type"),  # a bool is not an int
        ("birth_year", 1980.0, "int_type"),  # nor is a float
        ("birth_year", 1800, "greater_than_equal"),
        ("is_organ_staff", 1, "bool_type"),  # 1 is not a bool
        ("is_organ_staff", "true", "bool_type"),
        ("member_id", 1, "string_type"),
        ("member_id", "", "string_too_short"),
        ("member_id", " M1", "id_whitespace"),
        ("category", "retiree", "enum"),
        ("joined_on", datetime(2010, 7, 1, 9, 30), "iso_date_type"),  # a datetime is not a date
        ("joined_on", 20100701, "iso_date_type"),
        ("joined_on", "2010-7-1", "iso_date_format"),
        ("joined_on", "20100701", "iso_date_format"),
        ("joined_on", "2010-02-30", "iso_date_format"),
        ("joined_on", "2010-07-01T00:00:00", "iso_date_format"),
        ("roles", ["Building Head"], "snake_case"),
        ("roles", "building_head", "tuple_type"),  # a bare string is not a list of roles
    ],
)
def test_member_rejects_bad_value(member_data, errors_of, field, bad, error_type):
    member_data[field] = bad
    errors = errors_of(Member.model_validate, member_data)
    assert [e["type"] for e in errors] == [error_type]
    assert errors[0]["loc"][0] == field
    if error_type != "tuple_type":
        assert errors[0]["input"] == (bad[0] if isinstance(bad, list) else bad)


def test_unknown_enum_lists_allowed_values(member_data, errors_of):
    member_data["category"] = "retiree"
    (err,) = errors_of(Member.model_validate, member_data)
    assert err["input"] == "retiree"
    for value in MemberCategory:
        assert f"'{value.value}'" in err["msg"]


def test_unknown_field_is_rejected(member_data, errors_of):
    member_data["nickname"] = "Lao Wang"
    (err,) = errors_of(Member.model_validate, member_data)
    assert err == {**err, "type": "extra_forbidden", "loc": ("nickname",), "input": "Lao Wang"}


def test_nested_error_path(member_data, errors_of):
    member_data["claimed_posts"][1]["category"] = "cooking"
    member_data["checklist"][0]["accepted"] = 0
    errors = errors_of(Member.model_validate, member_data)
    assert {e["loc"] for e in errors} == {("claimed_posts", 1, "category"), ("checklist", 0, "accepted")}


@pytest.mark.parametrize("field", ["cards", "roles", "linked_household_ids"])
def test_set_like_field_rejects_duplicate_and_names_it(member_data, errors_of, field):
    value = member_data[field][0]
    member_data[field] = [*member_data[field], value]
    (err,) = errors_of(Member.model_validate, member_data)
    assert err["loc"] == (field,) and err["type"] == "duplicate_item"
    assert f"'{value}'" in err["msg"]


def test_set_like_fields_are_sorted_so_order_does_not_matter(member_data):
    a = Member.model_validate(member_data)
    member_data["cards"].reverse()
    member_data["roles"].reverse()
    member_data["linked_household_ids"].reverse()
    member_data["claimed_posts"].reverse()
    b = Member.model_validate(member_data)
    assert a == b
    assert a.model_dump_json() == b.model_dump_json()


def test_set_like_accepts_python_list_tuple_and_set(member_data):
    for container in (list, tuple, set):
        member_data["cards"] = container(["activity_record", "basic_info"])
        assert Member.model_validate(member_data).cards == (CardKind.ACTIVITY_RECORD, CardKind.BASIC_INFO)


def test_duplicate_post_id(member_data, errors_of):
    member_data["claimed_posts"][1]["post_id"] = "P2"
    (err,) = errors_of(Member.model_validate, member_data)
    assert err["loc"] == ("claimed_posts",) and "'P2'" in err["msg"]


def test_date_accepts_date_object(member_data):
    member_data["joined_on"] = date(2010, 7, 1)
    assert Member.model_validate(member_data).joined_on == date(2010, 7, 1)


def test_branch_valid_and_cross_checks(branch_data, errors_of):
    branch = Branch.model_validate(branch_data)
    assert branch.flagged_weak_and_lax is False and branch.checklist == ()

    bad = {**branch_data, "member_count": 39}
    (err,) = errors_of(Branch.model_validate, bad)
    assert err["loc"] == ("member_count",) and err["input"] == 39
    assert "formal_member_count (40)" in err["msg"]

    bad = {**branch_data, "has_committee": False, "committee_size": 3}
    (err,) = errors_of(Branch.model_validate, bad)
    assert err["loc"] == ("committee_size",) and "has_committee" in err["msg"]
    assert (
        Branch.model_validate({**branch_data, "has_committee": False, "committee_size": 0}).committee_size
        == 0
    )


def test_branch_negative_count(branch_data, errors_of):
    branch_data["households_covered"] = -1
    (err,) = errors_of(Branch.model_validate, branch_data)
    assert err["loc"] == ("households_covered",) and err["input"] == -1


def test_community(community_data, errors_of):
    community = Community.model_validate(community_data)
    assert [t.team_id for t in community.volunteer_teams] == ["T1", "T2"]
    assert community.mass_orgs_present == ("union", "youth_league")

    for bad in (float("nan"), float("inf"), 1.2, True, "0.9"):
        data = {**community_data, "satisfaction_residents": bad}
        (err,) = errors_of(Community.model_validate, data)
        assert err["loc"] == ("satisfaction_residents",)

    data = {**community_data, "volunteer_teams": [{"team_id": "T1", "size": -3, "active": True}]}
    (err,) = errors_of(Community.model_validate, data)
    assert err["loc"] == ("volunteer_teams", 0, "size")


def test_community_share_accepts_int(community_data):
    community_data["satisfaction_units"] = 1
    value = Community.model_validate(community_data).satisfaction_units
    assert value == 1.0 and isinstance(value, float)


def test_grid(errors_of):
    grid = Grid(grid_id="GR1", community_id="C01", households=420, grid_worker_ids=["W2", "W1"])
    assert grid.grid_worker_ids == ("W1", "W2") and grid.branch_id is None
    (err,) = errors_of(Grid, grid_id="GR1", community_id="C01", households=420, grid_worker_ids=["W1", "W1"])
    assert err["loc"] == ("grid_worker_ids",) and "'W1'" in err["msg"]


def test_commendation(commendation_data, errors_of):
    assert Commendation.model_validate(commendation_data).level == "street"
    (err,) = errors_of(Commendation.model_validate, {**commendation_data, "level": "province"})
    assert err["loc"] == ("level",) and "'above'" in err["msg"]
    (err,) = errors_of(Commendation.model_validate, {**commendation_data, "verified": "yes"})
    assert err["loc"] == ("verified",)
    (err,) = errors_of(Commendation.model_validate, {**commendation_data, "kind": "Good Deed"})
    assert err["loc"] == ("kind",)


def test_meeting_counts():
    counts = MeetingCounts.model_validate({"theme_day": 2, "party_lecture": 1})
    assert counts["theme_day"] == 2 and counts[MeetingKind.MEMBER_MEETING] == 0
    assert counts.total == 3
    assert list(counts.as_dict()) == list(MeetingKind)
    assert set(MeetingCounts.model_fields) == {k.value for k in MeetingKind}


@pytest.mark.parametrize(
    ("bad", "error_type"), [(-1, "greater_than_equal"), ("2", "int_type"), (True, "int_type")]
)
def test_meeting_counts_strict(errors_of, bad, error_type):
    (err,) = errors_of(MeetingCounts.model_validate, {"theme_day": bad})
    assert err["loc"] == ("theme_day",) and err["type"] == error_type
