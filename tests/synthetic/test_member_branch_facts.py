"""The seeded sample generator: determinism, realistic mixes, valid output."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from partyrules.facts import (
    BranchFacts,
    MemberCategory,
    MemberFacts,
    MemberStatus,
    incident_kinds,
    parse_subject_facts,
)
from partyrules.synthetic import generate_branch_facts, generate_member_facts

VETO_KINDS = {
    "crisis_retreat",
    "anti_party_speech",
    "illegal_org_participation",
    "discipline_heavy",
    "criminal_conviction",
    "abuse_of_power_for_gain",
}
RETIRED_ONLY = ("youth_care_activities",)
NEW_CITIZEN_ONLY = (
    "mediation_cases",
    "property_fee_paid",
    "resettlement_milestones_met",
    "courtyard_meetings_attended",
    "training_sessions",
)


@pytest.fixture(scope="module")
def members() -> list[MemberFacts]:
    return generate_member_facts(2000, seed=7)


@pytest.fixture(scope="module")
def branches() -> list[BranchFacts]:
    return generate_branch_facts(300, seed=7)


def _dump(bundles: list[MemberFacts] | list[BranchFacts]) -> list[str]:
    return [b.model_dump_json() for b in bundles]


def test_deterministic_for_a_seed():
    assert _dump(generate_member_facts(150, seed=11)) == _dump(generate_member_facts(150, seed=11))
    assert _dump(generate_branch_facts(40, seed=11)) == _dump(generate_branch_facts(40, seed=11))


def test_different_seeds_differ():
    assert _dump(generate_member_facts(50, seed=1)) != _dump(generate_member_facts(50, seed=2))
    assert _dump(generate_branch_facts(20, seed=1)) != _dump(generate_branch_facts(20, seed=2))


def test_prefix_is_stable_across_n():
    # member i depends only on the draws before it, so a smaller n gives a prefix of a larger one
    assert _dump(generate_member_facts(30, seed=5)) == _dump(generate_member_facts(60, seed=5))[:30]


def test_sizes_and_ids(members, branches):
    assert len(members) == 2000 and len(branches) == 300
    assert [m.member.member_id for m in members[:3]] == ["M000001", "M000002", "M000003"]
    assert all(re.fullmatch(r"M\d{6}", m.subject_id) for m in members)
    assert all(re.fullmatch(r"B\d{4}", m.member.branch_id) for m in members)
    assert [b.subject_id for b in branches[:2]] == ["B0001", "B0002"]
    incident_ids = [i.incident_id for m in members for i in m.incidents]
    incident_ids += [i.incident_id for b in branches for i in b.incidents]
    assert len(incident_ids) == len(set(incident_ids)) and all(i.startswith("I-") for i in incident_ids)
    commendation_ids = [c.commendation_id for m in members for c in m.commendations]
    assert len(commendation_ids) == len(set(commendation_ids))


def test_twelve_records_for_the_year(members, branches):
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    assert all([r.month for r in m.records] == months for m in members)
    assert all([r.month for r in b.records] == months for b in branches)
    assert all(m.annual is not None and m.annual.year == 2026 for m in members)
    for b in branches:
        assert b.annual is not None and b.annual.subject_id == b.subject_id
        # a vacant secretary post has no report to review
        assert (b.annual.secretary_review is None) == (b.branch.secretary_id is None)
    other = generate_member_facts(3, seed=0, year=2024)
    assert (
        other[0].records[0].month == "2024-01"
        and other[0].annual is not None
        and other[0].annual.year == 2024
    )


def test_category_mix(members):
    n = len(members)
    shares = Counter(m.member.category for m in members)
    assert abs(shares[MemberCategory.RETIRED] / n - 0.45) < 0.05
    assert abs(shares[MemberCategory.IN_SERVICE] / n - 0.35) < 0.05
    assert abs(shares[MemberCategory.NEW_CITIZEN] / n - 0.20) < 0.04
    probationary = sum(m.member.status is MemberStatus.PROBATIONARY for m in members) / n
    assert 0.03 < probationary < 0.07
    in_service = [m for m in members if m.member.category is MemberCategory.IN_SERVICE]
    assert 0.06 < sum(m.member.is_organ_staff for m in in_service) / len(in_service) < 0.14
    assert not any(
        m.member.is_organ_staff for m in members if m.member.category is not MemberCategory.IN_SERVICE
    )
    assert 0.055 < sum(m.member.health_limited for m in members) / n < 0.105


def test_fixed_category():
    facts = generate_member_facts(100, seed=3, category=MemberCategory.NEW_CITIZEN)
    assert {m.member.category for m in facts} == {MemberCategory.NEW_CITIZEN}


def test_category_specific_fields(members):
    for m in members:
        category = m.member.category
        for record in m.records:
            for field in RETIRED_ONLY:
                assert (getattr(record, field) is not None) == (category is MemberCategory.RETIRED)
            for field in NEW_CITIZEN_ONLY:
                assert (getattr(record, field) is not None) == (category is MemberCategory.NEW_CITIZEN)
        assert (m.member.employer_unit is not None) == (category is MemberCategory.IN_SERVICE)
        assert (m.annual is not None) and (
            (m.annual.employer_appraisal is not None) == (category is MemberCategory.IN_SERVICE)
        )


def test_plausible_records(members):
    records = [r for m in members for r in m.records]
    required = sum(r.meetings_required.total for r in records)
    attended = sum(r.meetings_attended.total for r in records)
    assert 0.75 < attended / required < 0.95  # most members attend most meetings
    late = sum(not r.dues_paid_on_time for r in records) / len(records)
    assert 0.002 < late < 0.05  # a few dues late
    organ = [sum(r.volunteer_hours for r in m.records) for m in members if m.member.is_organ_staff]
    others = [sum(r.volunteer_hours for r in m.records) for m in members if not m.member.is_organ_staff]
    assert sum(organ) / len(organ) > 1.5 * sum(others) / len(others)
    months_with_zero = sum(r.volunteer_hours == 0 for r in records) / len(records)
    assert 0.1 < months_with_zero < 0.6  # skewed: many months without volunteering
    assert all(r.spot_check_passed is None for r in records if not r.spot_checked)


def test_incident_rates(members):
    n = len(members)
    incidents = [i for m in members for i in m.incidents]
    assert 0.2 < len(incidents) / n < 0.4
    assert 0.78 < sum(i.verified for i in incidents) / len(incidents) < 0.92
    kinds = incident_kinds("member")
    assert all(i.kind in kinds and i.subject_kind == "member" for i in incidents)
    # veto-grade (serious) incidents are very rare (about 0.3%); a veto kind may also occur in a lighter form
    veto_members = sum(any(i.severity == "serious" for i in m.incidents) for m in members) / n
    assert 0 < veto_members < 0.012
    assert all(i.kind in VETO_KINDS for i in incidents if i.severity == "serious")
    lighter = {i.kind for i in incidents if i.severity != "serious"} & VETO_KINDS
    assert lighter <= {"abuse_of_power_for_gain"}
    common = Counter(i.kind for i in incidents).most_common(3)
    assert not {k for k, _ in common} & VETO_KINDS
    assert all(i.verified_by is not None for i in incidents if i.verified)
    commendations = sum(len(m.commendations) for m in members) / n
    assert 0.05 < commendations < 0.5


def test_branch_mix(branches):
    types = Counter(b.branch.branch_type for b in branches)
    assert types.most_common(1)[0][0] == "community" and len(types) >= 6
    incidents = [i for b in branches for i in b.incidents]
    assert 0.15 < len(incidents) / len(branches) < 0.5
    assert all(i.kind in incident_kinds("branch") for i in incidents)
    for b in branches:
        assert b.branch.member_count >= b.branch.formal_member_count
        if b.branch.branch_type == "resettlement_area":
            assert len(b.branch.checklist) == 28


def test_every_generated_bundle_validates(members, branches):
    for bundle in members[:300] + branches[:100]:
        again = parse_subject_facts(bundle.model_dump(mode="json"))
        assert again == bundle


def test_bad_n():
    assert generate_member_facts(0) == [] and generate_branch_facts(0) == []
    with pytest.raises(ValueError):
        generate_member_facts(-1)


def _attendance(m: MemberFacts) -> float:
    required = sum(r.meetings_required.total for r in m.records)
    return sum(r.meetings_attended.total for r in m.records) / required


def test_member_evaluations_span_the_scale_and_follow_the_year(members):
    # regression: the votes were a fixed function of a hidden trait and the scores stopped near 89
    scores = sorted(m.annual.evaluation_score for m in members)
    assert scores[-1] == 100.0 and sum(s == 100.0 for s in scores) >= 10
    assert scores[len(scores) // 20] < 70 < scores[len(scores) // 2] < 90 < scores[len(scores) * 9 // 10]
    daily = sorted(m.annual.daily_observation_score for m in members)
    assert daily[-1] == 100.0 and daily[len(daily) // 20] < 70
    clean = [m for m in members if not any(i.verified for i in m.incidents)]
    diligent = [m.annual.evaluation_score for m in clean if _attendance(m) >= 0.95]
    absent = [m.annual.evaluation_score for m in clean if _attendance(m) < 0.7 and not m.member.health_limited]
    assert len(diligent) > 100 and len(absent) > 20
    assert sum(diligent) / len(diligent) >= sum(absent) / len(absent) + 10
    vetoed = [m.annual for m in members if any(i.verified and i.severity == "serious" for i in m.incidents)]
    assert vetoed and max(a.evaluation_score for a in vetoed) < 60
    assert max(a.daily_observation_score for a in vetoed) < 60


def test_branch_checklists_are_done_and_accepted_at_realistic_rates(branches):
    # regression: no branch checklist item was ever done or accepted
    items = [i for b in branches for i in b.branch.checklist]
    accepted = sum(i.accepted for i in items) / len(items)
    pending = sum(i.done_on is not None and not i.accepted for i in items) / len(items)
    not_done = sum(i.done_on is None for i in items) / len(items)
    assert 0.8 < accepted < 0.96 and 0.01 < pending < 0.1 and 0.01 < not_done < 0.15


def test_branch_evaluations_span_the_scale_and_follow_the_year(branches):
    scores = sorted(b.annual.evaluation_score for b in branches)
    assert scores[-1] == 100.0 and scores[len(scores) // 20] < 70
    def accepted(b: BranchFacts) -> float:
        return sum(i.accepted for i in b.branch.checklist) / len(b.branch.checklist)
    clean = [b for b in branches if not any(i.verified for i in b.incidents)]
    good = [b.annual.evaluation_score for b in clean if accepted(b) == 1.0]
    poor = [b.annual.evaluation_score for b in clean if accepted(b) < 0.75]
    assert len(good) > 10 and len(poor) > 10
    assert sum(good) / len(good) > sum(poor) / len(poor) + 5


def test_demo_subdistrict_counts_stay_within_membership_and_its_checklists_are_accepted():
    # regression: branch records kept the card counts of the drawn branch size (27.9 cards for 17 members)
    from partyrules.synthetic import generate_subdistrict

    sd = generate_subdistrict(seed=2026)
    members = Counter(m.member.branch_id for m in sd.members)
    for b in sd.branches:
        assert b.branch.member_count == members[b.subject_id]
        assert all(r.cards_complete_members <= b.branch.member_count for r in b.records)
        assert all(r.inservice_members_residing <= b.branch.member_count for r in b.records)
    items = [i for b in sd.branches for i in b.branch.checklist]
    assert sum(i.accepted for i in items) / len(items) > 0.8


def test_rosters_must_match_the_branches():
    with pytest.raises(ValueError, match="rosters"):
        generate_branch_facts(2, rosters=[[]])
