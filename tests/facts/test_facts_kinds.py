"""The incident-kind registry: built-in lists, extension, thread safety, use by validation."""

from __future__ import annotations

import threading
import uuid

import pytest
from pydantic import ValidationError

from partyrules.facts import (
    Incident,
    SubjectKind,
    describe_incident_kind,
    incident_kinds,
    is_incident_kind,
    register_incident_kind,
    suggest_incident_kind,
)

OUTLINE_BRANCH = {
    "political_deviation", "central_task_inaction", "central_task_overdue",
    "checklist_commitment_broken", "mass_incident_minor", "mass_incident_major",
    "supervision_criticism", "safety_accident_minor", "safety_accident_major", "record_falsification",
    "assessment_fraud", "funds_misuse", "funds_embezzlement", "committee_member_disciplined_light",
    "committee_member_disciplined_heavy", "committee_member_criminal", "member_speech_unaddressed",
    "lost_contact_member_unhandled", "disclosure_missing", "complaint_substantiated", "service_delay",
    "commitment_to_public_broken", "ledger_incomplete", "joint_meeting_missed",
}  # fmt: skip
OUTLINE_MEMBER = {
    "crisis_retreat", "anti_party_speech", "illegal_org_participation", "discipline_heavy",
    "criminal_conviction", "abuse_of_power_for_gain", "discipline_light", "admonishment",
    "improper_speech", "refused_commitment", "task_refused", "work_error", "employer_sanction",
    "post_neglect", "complaint_substantiated", "public_morality_breach", "extravagant_ceremony",
    "gambling", "superstition", "illegal_building", "public_space_encroachment", "compensation_fraud",
    "violent_obstruction_verified", "disinformation_incitement", "resettlement_contract_breach",
    "property_fee_arrears", "courtyard_rule_breach", "littering", "domestic_violence_or_neglect",
    "subsidy_fraud", "unlicensed_business", "wage_fraud", "illegal_fundraising",
    "neighbour_dispute_instigation", "disorderly_expression_verified", "unauthorised_profit_activity",
    "lost_contact",
}  # fmt: skip


def _fresh_kind() -> str:
    # The registry is process-wide; unique names keep tests independent of each other and of their order.
    return f"test_kind_{uuid.uuid4().hex[:10]}"


def test_builtin_kinds_are_the_outline_lists():
    assert len(OUTLINE_BRANCH) == 24 and len(OUTLINE_MEMBER) == 37
    assert incident_kinds("branch") >= OUTLINE_BRANCH
    assert incident_kinds(SubjectKind.MEMBER) >= OUTLINE_MEMBER
    assert incident_kinds("community") >= OUTLINE_BRANCH
    assert isinstance(incident_kinds("member"), frozenset)


def test_builtin_kinds_have_labels():
    for subject, kinds in (("member", OUTLINE_MEMBER), ("branch", OUTLINE_BRANCH)):
        for kind in kinds:
            info = describe_incident_kind(subject, kind)
            assert info.kind == kind and info.zh and info.en


def test_is_incident_kind_and_suggestion():
    assert is_incident_kind("member", "gambling")
    assert not is_incident_kind("branch", "gambling")
    assert suggest_incident_kind("branch", "funds_missuse") == "funds_misuse"
    assert suggest_incident_kind("member", "zzzzzz") is None
    with pytest.raises(KeyError, match="did you mean 'littering'"):
        describe_incident_kind("member", "litering")


def test_unknown_subject_kind():
    with pytest.raises(ValueError, match="unknown subject kind 'grid'"):
        incident_kinds("grid")


def test_register_extends_validation(incident_data):
    kind = _fresh_kind()
    incident_data["kind"] = kind
    with pytest.raises(ValidationError):
        Incident.model_validate(incident_data)
    assert register_incident_kind("member", kind, "测试事项", "Test kind") is None
    assert is_incident_kind("member", kind)
    assert Incident.model_validate(incident_data).kind == kind
    assert describe_incident_kind("member", kind).en == "Test kind"
    # registering for member does not add the kind for other subjects
    assert not is_incident_kind("branch", kind) and not is_incident_kind("community", kind)


def test_register_same_kind_again_is_a_noop():
    kind = _fresh_kind()
    register_incident_kind("branch", kind, "甲", "First")
    before = incident_kinds("branch")
    register_incident_kind("branch", kind, "乙", "Second")
    register_incident_kind("branch", "funds_misuse", "x", "y")  # built-in: also a no-op
    assert incident_kinds("branch") == before
    assert describe_incident_kind("branch", kind).en == "First"
    assert describe_incident_kind("branch", "funds_misuse").en != "y"


@pytest.mark.parametrize(
    "bad", ["Noise", "noise-nuisance", "noise__x", "_noise", "9noise", "", "noise nuisance"]
)
def test_register_rejects_non_snake_case(bad):
    with pytest.raises(ValueError, match="snake_case"):
        register_incident_kind("member", bad, "噪音", "Noise")


def test_register_needs_labels():
    with pytest.raises(ValueError, match="zh"):
        register_incident_kind("member", _fresh_kind(), "", "Noise")
    with pytest.raises(ValueError, match="unknown subject kind"):
        register_incident_kind("household", _fresh_kind(), "噪音", "Noise")


def test_registry_is_thread_safe():
    kinds = [_fresh_kind() for _ in range(200)]
    barrier = threading.Barrier(8)

    def work(offset: int) -> None:
        barrier.wait()
        for kind in kinds[offset::8]:
            register_incident_kind("community", kind, "测试", "Test")
            assert is_incident_kind("community", kind)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert incident_kinds("community") >= set(kinds)
