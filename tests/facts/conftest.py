"""Valid JSON-like inputs for the fact tests; each fixture returns a fresh dict to mutate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError


@pytest.fixture
def member_data() -> dict[str, Any]:
    return {
        "member_id": "M000001",
        "branch_id": "B0001",
        "party_group_id": "G01",
        "category": "in_service",
        "status": "formal",
        "joined_on": "2010-07-01",
        "birth_year": 1980,
        "is_organ_staff": True,
        "employer_unit": "District Office",
        "registered_with_community_on": "2025-03-15",
        "grid_id": "GR01",
        "linked_household_ids": ["H3", "H1", "H2"],
        "claimed_posts": [
            {"post_id": "P2", "category": "assistance", "claimed_on": "2026-01-05", "active": True},
            {"post_id": "P1", "category": "publicity_education", "claimed_on": "2026-01-05", "active": False},
        ],
        "cards": ["community_feedback", "basic_info"],
        "placard_displayed": True,
        "roles": ["building_head", "mediator"],
        "checklist": [
            {
                "item_id": "C1",
                "text": "组织楼栋议事会",
                "due": "2026-06-30",
                "responsible_id": "M000001",
                "done_on": None,
                "accepted": False,
            }
        ],
    }


@pytest.fixture
def branch_data() -> dict[str, Any]:
    return {
        "branch_id": "B0001",
        "name": "幸福社区第一党支部",
        "parent_org_id": "GB01",
        "branch_type": "community",
        "formal_member_count": 40,
        "member_count": 42,
        "has_committee": True,
        "committee_size": 5,
        "secretary_id": "M000001",
        "households_covered": 800,
        "grid_worker_count": 2,
    }


@pytest.fixture
def community_data() -> dict[str, Any]:
    return {
        "community_id": "C01",
        "committee_complete": True,
        "cadre_profile_ok": True,
        "cadre_supervision_mechanism": True,
        "joint_meeting_system": True,
        "joint_building_activities": 6,
        "mass_orgs_present": ["youth_league", "union"],
        "member_council_active": True,
        "post_responsibility_active": True,
        "five_ones_completion_rate": 0.85,
        "volunteer_teams": [
            {"team_id": "T2", "size": 35, "active": True},
            {"team_id": "T1", "size": 30, "active": True},
        ],
        "service_station": True,
        "services_present": ["health", "culture", "convenience"],
        "service_network_online": True,
        "vulnerable_group_service": True,
        "employment_training_sessions": 4,
        "satisfaction_residents": 0.9,
        "satisfaction_units": 0.8,
        "service_investment_channels": 3,
        "service_projects": ["elderly_care"],
        "market_operated_projects": 1,
    }


@pytest.fixture
def member_record_data() -> dict[str, Any]:
    return {
        "member_id": "M000001",
        "month": "2026-03",
        "meetings_required": {"member_meeting": 1, "group_meeting": 1, "party_lecture": 1, "theme_day": 1},
        "meetings_attended": {"member_meeting": 1, "group_meeting": 1, "theme_day": 1},
        "excused_absences": 1,
        "study_sessions_required": 2,
        "study_sessions_attended": 3,
        "notes_submitted": 1,
        "dues_paid_on_time": True,
        "volunteer_hours": 8.5,
        "community_activities": 2,
        "households_contacted": 4,
        "post_duty_performed": True,
        "checklist_items_done": ["C1"],
        "tasks_assigned": 2,
        "tasks_completed": 2,
        "spot_checked": True,
        "spot_check_passed": True,
    }


@pytest.fixture
def branch_record_data() -> dict[str, Any]:
    return {
        "branch_id": "B0001",
        "month": "2026-03",
        "meetings_held": {"member_meeting": 1, "committee_meeting": 1, "theme_day": 1},
        "study_sessions_held": 2,
        "attendance_rate": 0.92,
        "directives_received": 3,
        "directives_relayed_on_time": 3,
        "central_tasks_assigned": 2,
        "central_tasks_completed": 1,
        "checklist_total": 28,
        "checklist_done": 20,
        "commitments_total": 10,
        "commitments_fulfilled": 9,
        "disputes_found": 2,
        "disputes_resolved": 2,
        "dues_collected_in_full": True,
        "inservice_members_residing": 12,
        "inservice_members_registered": 10,
        "inservice_members_with_posts": 8,
        "issues_collected": 5,
        "issues_resolved_on_time": 4,
        "report_submitted": True,
    }


@pytest.fixture
def incident_data() -> dict[str, Any]:
    return {
        "incident_id": "I-1",
        "subject_kind": "member",
        "subject_id": "M000001",
        "kind": "gambling",
        "occurred_on": "2026-02-10",
        "severity": "minor",
        "verified": True,
        "verified_by": "GB01",
        "evidence_ref": "doc/2026/017",
    }


@pytest.fixture
def commendation_data() -> dict[str, Any]:
    return {
        "commendation_id": "K-1",
        "subject_kind": "member",
        "subject_id": "M000001",
        "kind": "good_deed",
        "level": "street",
        "awarded_on": "2026-05-04",
        "verified": True,
    }


@pytest.fixture
def annual_data() -> dict[str, Any]:
    return {
        "subject_kind": "member",
        "subject_id": "M000001",
        "year": 2026,
        "evaluator_org_id": "B0001",
        "evaluation_score": 85,
        "vote_counts": {"qualified": 20, "excellent": 15, "basically_qualified": 2},
        "daily_observation_score": 90.0,
        "employer_appraisal": "competent",
        "org_life_meeting_held": True,
        "democratic_review_held": True,
    }


@pytest.fixture
def errors_of() -> Callable[..., list[dict[str, Any]]]:
    """Run a callable that must fail validation; return pydantic's error list."""

    def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        with pytest.raises(ValidationError) as info:
            fn(*args, **kwargs)
        return info.value.errors()

    return run
