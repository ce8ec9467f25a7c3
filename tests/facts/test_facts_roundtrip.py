"""Property test: any valid monthly record survives a JSON round trip unchanged."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from partyrules.facts import MeetingKind, MemberMonthRecord

counts = st.integers(min_value=0, max_value=10_000)
ids = st.from_regex(r"[A-Z][A-Za-z0-9_-]{0,15}", fullmatch=True)
months = st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(1900, 2100), st.integers(1, 12))
meeting_counts = st.dictionaries(st.sampled_from([k.value for k in MeetingKind]), counts)
hours = st.one_of(
    st.floats(min_value=0, max_value=744, allow_nan=False, allow_infinity=False), st.integers(0, 744)
)


@st.composite
def member_records(draw: st.DrawFn) -> dict[str, object]:
    data: dict[str, object] = {"member_id": draw(ids), "month": draw(months)}
    optional = {
        "meetings_required": meeting_counts,
        "meetings_attended": meeting_counts,
        "excused_absences": counts,
        "study_sessions_required": counts,
        "study_sessions_attended": counts,
        "notes_submitted": counts,
        "dues_paid_on_time": st.booleans(),
        "volunteer_hours": hours,
        "community_activities": counts,
        "households_contacted": counts,
        "difficulties_resolved": counts,
        "suggestions_made": counts,
        "policy_promotion_events": counts,
        "post_duty_performed": st.booleans(),
        "checklist_items_done": st.lists(ids, unique=True, max_size=5),
        "tasks_assigned": counts,
        "tasks_completed": counts,
        "reported_at_meeting": st.booleans(),
        "youth_care_activities": st.none() | counts,
        "mediation_cases": st.none() | counts,
        "property_fee_paid": st.none() | st.booleans(),
        "resettlement_milestones_met": st.none() | st.booleans(),
        "courtyard_meetings_attended": st.none() | counts,
        "training_sessions": st.none() | counts,
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            data[key] = draw(strategy)
    checked = draw(st.booleans())
    data["spot_checked"] = checked
    data["spot_check_passed"] = draw(st.none() | st.booleans()) if checked else None
    return data


@settings(max_examples=50, deadline=None)
@given(member_records())
def test_member_record_json_round_trip(data):
    record = MemberMonthRecord.model_validate(data)
    dumped = record.model_dump(mode="json")
    again = MemberMonthRecord.model_validate(dumped)
    assert again == record
    assert again.model_dump(mode="json") == dumped
    assert MemberMonthRecord.model_validate_json(record.model_dump_json()) == record
