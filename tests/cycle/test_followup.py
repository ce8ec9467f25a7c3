"""Follow-ups: a member already disciplined for the conduct (MV3) is not disposed of again (2024 不合格党员组织处置办法
Art. 4), and a recommendation is ``decided`` only with the reference of the meeting vote, however it is built."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

import partyrules as pr
from partyrules.cycle.annual import AnnualResult
from partyrules.cycle.followup import Recommendation, member_follow_up
from partyrules.cycle.scoring import score_subject_year
from partyrules.cycle.year import run_year
from partyrules.rulesets.spec import VetoSpec
from partyrules.synthetic import generate_member_facts

YEAR = 2026
DISPOSALS = {"assign_mentor", "time_limited_correction", "persuade_to_withdraw", "removal", "removal_self_departure"}


@cache
def in_service() -> pr.RuleSet:
    return pr.load_ruleset(pr.shipped_ruleset_path("in_service"))


@cache
def member() -> pr.MemberFacts:
    facts = generate_member_facts(1, seed=21, category="in_service")[0]
    return facts.model_copy(update={"incidents": ()})


def incident(kind: str, incident_id: str, on: str = "2026-05-10", **kw: Any) -> pr.Incident:
    return pr.Incident.model_validate({"incident_id": incident_id, "subject_kind": "member",
                                       "subject_id": member().subject_id, "kind": kind, "occurred_on": on,
                                       "severity": "serious", "verified": True, "verified_by": "committee",
                                       "evidence_ref": "file/1", **kw})


def year_of(*incidents: pr.Incident) -> AnnualResult:
    facts = member().model_copy(update={"incidents": incidents})
    return score_subject_year(pr.Evaluator(in_service()), facts, YEAR).result


# -- MV3: no double disposal -------------------------------------------------------------------------------------

def test_mv3_declares_no_further_disposal():
    (mv3,) = [v for v in in_service().vetoes if v.id == "MV3"]
    assert mv3.spec.follow_up == "none"
    others = {v.id: v.spec.follow_up for v in in_service().vetoes if v.id != "MV3"}
    assert others == {"MV1": "correction", "MV2": "correction", "MV4": "self_departure", "MV5": "correction"}


@pytest.mark.parametrize("kind", ["discipline_heavy", "criminal_conviction"])
def test_a_member_already_disciplined_is_unqualified_but_not_disposed_of_again(kind):
    r = year_of(incident(kind, "I-MV3"))
    assert [v.rule_id for v in r.vetoes] == ["MV3"]
    assert r.vetoed and r.grade is not None and r.grade.id == "unqualified"  # the finding stays on record
    (rec,) = r.recommendations
    assert rec.kind == "no_further_disposal" and rec.because_of == ["MV3"] and rec.status == "recommended"
    assert "不再" in rec.zh and "第四条" in rec.zh
    assert "no further disposal" in rec.en.lower() and "Art. 4" in rec.en
    assert not DISPOSALS & {x.kind for x in r.recommendations}


def test_another_veto_keeps_its_correction_path_without_the_disciplined_conduct():
    r = year_of(incident("criminal_conviction", "I-MV3"),
                incident("crisis_retreat", "I-MV1", consequence="较大负面影响"))
    assert [v.rule_id for v in r.vetoes] == ["MV1", "MV3"]
    kinds = [(x.kind, x.because_of) for x in r.recommendations]
    assert kinds == [("assign_mentor", ["MV1"]), ("time_limited_correction", ["MV1"]),
                     ("persuade_to_withdraw", ["MV1"]), ("removal", ["MV1"]),
                     ("no_further_disposal", ["MV3"])]
    assert [x.step for x in r.recommendations] == [1, 2, 3, 4, 5]


def test_run_year_tables_show_no_disposal_for_mv3():
    facts = member().model_copy(update={"incidents": (incident("discipline_heavy", "I-MV3"),)})
    result = run_year(members=[facts], year=YEAR, rulesets=[in_service()])
    rows = result.tables()["recommendations"]
    assert [(r["measure"], r["because_of"], r["status"], r["decision_ref"]) for r in rows] == [
        ("no_further_disposal", "MV3", "recommended", None)]


VETO_KINDS = st.sampled_from(["correction", "self_departure", "none"])


@given(vetoes=st.dictionaries(st.sampled_from(["MV1", "MV2", "MV3", "MV4", "MV5", "X9"]), VETO_KINDS, max_size=5))
def test_a_no_disposal_veto_never_leads_to_a_disposal(vetoes: dict[str, str]):
    recs = member_follow_up("M1", YEAR, list(vetoes.items()))
    none = sorted(r for r, k in vetoes.items() if k == "none")
    for rec in recs:
        if rec.kind in DISPOSALS:
            assert not set(rec.because_of) & set(none)
    recorded = [r for r in recs if r.kind == "no_further_disposal"]
    assert [r.because_of for r in recorded] == ([none] if none else [])
    disposing = [r for r, k in vetoes.items() if k != "none"]
    assert bool(DISPOSALS & {r.kind for r in recs}) == bool(disposing)
    assert [r.step for r in recs] == list(range(1, len(recs) + 1))


def test_the_rule_set_format_accepts_follow_up_none_and_nothing_else():
    base = {"id": "V1", "zh": "例", "en": "e.g.", "source": "例", "when": "true"}
    assert VetoSpec.model_validate({**base, "follow_up": "none"}).follow_up == "none"
    with pytest.raises(ValidationError):
        VetoSpec.model_validate({**base, "follow_up": "nothing"})


# -- a decision needs its reference, however the recommendation is built ----------------------------------------

@cache
def recommendation() -> Recommendation:
    return member_follow_up("M1", YEAR, [("MV1", "correction")])[1]


def fields_of(rec: Recommendation) -> dict[str, Any]:
    return {name: getattr(rec, name) for name in Recommendation.model_fields}


def test_the_constructor_refuses_decided_without_a_reference():
    data = {k: v for k, v in fields_of(recommendation()).items() if k != "decision_ref"}
    with pytest.raises(ValidationError):
        Recommendation(**data, status="decided")
    with pytest.raises(ValidationError):
        Recommendation(**data, status="decided", decision_ref="  ")


def test_model_validate_and_json_refuse_decided_without_a_reference():
    data = json.loads(recommendation().model_dump_json())
    data["status"] = "decided"
    with pytest.raises(ValidationError):
        Recommendation.model_validate(data)
    with pytest.raises(ValidationError):
        Recommendation.model_validate_json(json.dumps(data))
    data["decision_ref"] = ""
    with pytest.raises(ValidationError):
        Recommendation.model_validate_json(json.dumps(data))


def test_model_copy_cannot_make_a_decision():
    rec = recommendation()
    with pytest.raises(ValidationError):
        rec.model_copy(update={"status": "decided"})
    with pytest.raises(ValidationError):
        rec.model_copy(update={"status": "decided", "decision_ref": None})
    with pytest.raises(ValidationError):
        rec.model_copy(update={"decision_ref": "  "})
    assert rec.model_copy(update={"months": 3}).months == 3


def test_model_construct_cannot_make_a_decision():
    made = Recommendation.model_construct(**fields_of(recommendation()), status="decided")
    assert made.status == "recommended" and made.model_dump()["status"] == "recommended"
    assert json.loads(made.model_dump_json())["status"] == "recommended"
    junk = Recommendation.model_construct(**{**fields_of(recommendation()), "decision_ref": " "})
    assert junk.status == "recommended"
    with pytest.raises(AttributeError):
        object.__setattr__(recommendation(), "status", "decided")


def test_a_decision_round_trips_with_its_reference():
    decided = recommendation().decide("B0001-2027-03 branch meeting, item 2")
    assert decided.status == "decided" and decided.decision_ref == "B0001-2027-03 branch meeting, item 2"
    dumped = json.loads(decided.model_dump_json())
    assert dumped["status"] == "decided" and dumped["decision_ref"] == decided.decision_ref
    assert Recommendation.model_validate_json(decided.model_dump_json()) == decided
    assert Recommendation.model_validate(decided.model_dump()) == decided
    assert Recommendation.model_validate_json(recommendation().model_dump_json()) == recommendation()


def meeting_vote_ref(ref: object) -> bool:
    """A reference as the policy needs it: a line of 1 to 200 characters, no surrounding whitespace."""
    return (isinstance(ref, str) and 1 <= len(ref) <= 200 and not ref[0].isspace() and not ref[-1].isspace()
            and "\n" not in ref)


REFS = st.sampled_from([None, "", " ", "x", " x", "B1-2027-03 item 2", "a" * 201, "x\n", "x\ny"]) | st.text(max_size=12)
STATUSES = st.sampled_from([None, "recommended", "decided", "DECIDED", "closed"])


@given(ref=REFS, status=STATUSES, how=st.sampled_from(["init", "validate", "json", "copy", "construct"]))
def test_decided_always_comes_with_a_meeting_vote_reference(ref: str | None, status: str | None, how: str):
    base = fields_of(recommendation())
    extra: dict[str, Any] = {"decision_ref": ref}
    if status is not None:
        extra["status"] = status
    try:
        if how == "init":
            made = Recommendation(**{**base, **extra})
        elif how == "validate":
            made = Recommendation.model_validate({**base, **extra})
        elif how == "json":
            made = Recommendation.model_validate_json(json.dumps({**base, **extra}))
        elif how == "copy":
            made = recommendation().model_copy(update=extra)
        else:
            made = Recommendation.model_construct(**{**base, **extra})
    except ValidationError:
        return
    assert (made.status == "decided") == meeting_vote_ref(made.decision_ref)
    if made.status == "decided":
        assert made.decision_ref
    for dumped in (made.model_dump(), json.loads(made.model_dump_json())):
        assert dumped["status"] == made.status
