"""run_year reads the ledger (upheld corrections flow into the year), and annual results are published, objected
to, corrected and finalised through the same ledger mechanism as quarterly scores."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import partyrules as pr
from partyrules.cycle.annual import AnnualResult
from partyrules.cycle.hashing import breakdown_hash
from partyrules.cycle.ledger import Ledger, LedgerError, Publication
from partyrules.cycle.objections import correct_record, retract_incident
from partyrules.cycle.publication import annual_result_of, publish_annual, publish_quarters
from partyrules.cycle.year import CorrectedAnnualResult, YearResult, run_year, shipped_rulesets
from partyrules.errors import ObjectionsPendingError
from partyrules.facts import Objection, incident_kinds
from partyrules.synthetic import SubDistrict, generate_subdistrict

YEAR = 2026


@cache
def area() -> SubDistrict:
    return generate_subdistrict(seed=1, communities=1, organisations=2, members=8)


@cache
def by_id() -> dict[str, pr.RuleSet]:
    return {rs.id: rs for rs in shipped_rulesets().values()}


def incident(sid: str, iid: str = "I-crime", kind: str = "criminal_conviction", on: str = "2026-05-10") -> pr.Incident:
    return pr.Incident(incident_id=iid, subject_kind="member", subject_id=sid, kind=kind, occurred_on=on,
                       severity="serious", consequence="较大负面影响", verified=True, verified_by="branch committee",
                       evidence_ref="court/2026/17")


def members_with(*incidents: pr.Incident) -> list[pr.MemberFacts]:
    first, *rest = area().members
    return [first.model_copy(update={"incidents": incidents}), *rest]


def objection(oid: str, pub: Publication, target: str = "score", ref: str | None = None) -> Objection:
    return Objection(objection_id=oid, raised_by=pub.subject_id, raised_on=f"{YEAR}-07-05", target=target,
                        target_ref=ref or pub.key.ref, reason="the record is wrong")


def uphold(ledger: Ledger, pub: Publication, oid: str, corrected: pr.MemberFacts,
           target: str = "score", ref: str | None = None) -> Publication:
    ledger.file_objection(pub.publication_id, objection(oid, pub, target, ref), actor="branch secretary")
    ledger.record_investigation(oid, actor="community general branch", findings="visited")
    return ledger.uphold(oid, corrected, by_id()[pub.ruleset_id], actor="review meeting", note="corrected")


def member(y: YearResult, sid: str) -> AnnualResult:
    return next(r for r in y.members if r.subject_id == sid)


def test_an_upheld_quarterly_correction_flows_into_the_annual_result():
    members = members_with(incident(area().members[0].subject_id))
    sid = members[0].subject_id
    before = run_year(members, year=YEAR)
    assert member(before, sid).vetoed
    with Ledger(":memory:") as ledger:
        publish_quarters(before, ledger, actor="sub-district office", quarter=2)
        pub = ledger.current(sid, f"{YEAR}-Q2")
        corrected = uphold(ledger, pub, "OB-1", retract_incident(pub.facts, "I-crime", objection_id="OB-1"),
                           "incident", "I-crime")
        after = run_year(members, year=YEAR, ledger=ledger)
    r = member(after, sid)
    assert isinstance(r, CorrectedAnnualResult) and not r.vetoed
    assert [(c.objection_id, c.period, c.changes) for c in r.corrections] == [("OB-1", f"{YEAR}-Q2",
                                                                              ["incidents I-crime"])]
    assert [c.objection_id for c in after.corrections] == ["OB-1"]
    assert all(m.corrections == [] for m in after.members if m.subject_id != sid)
    # the year is computed on the corrected facts: its Q2 is the corrected publication, to the hash
    sy = next(s for s in after.subject_years if s.facts.subject_id == sid)
    assert breakdown_hash(sy.quarters[1]) == corrected.breakdown_hash
    assert not sy.facts.incidents[0].verified
    rows = {row["subject_id"]: row for row in after.tables()["members"]}
    assert rows[sid]["corrections"] == "OB-1" and rows[members[1].subject_id]["corrections"] == ""
    assert before.tables()["members"][0]["corrections"] is None  # no ledger, nothing said


def test_rejected_and_reversed_objections_are_not_used():
    members = members_with(incident(area().members[0].subject_id))
    sid = members[0].subject_id
    before = run_year(members, year=YEAR)
    with Ledger(":memory:") as ledger:
        publish_quarters(before, ledger, actor="office", quarter=2)
        pub = ledger.current(sid, f"{YEAR}-Q2")
        ledger.file_objection(pub.publication_id, objection("OB-R", pub), actor="secretary")
        ledger.record_investigation("OB-R", actor="inspector", findings="the record is right")
        ledger.reject("OB-R", actor="review meeting", note="stands")
        uphold(ledger, pub, "OB-U", retract_incident(pub.facts, "I-crime"))
        ledger.reverse("OB-U", actor="review of the organisation above", note="the conviction is on file")
        after = run_year(members, year=YEAR, ledger=ledger)
    assert after.corrections == [] and member(after, sid).vetoed
    assert member(after, sid).percent == member(before, sid).percent


def test_corrections_of_different_quarters_do_not_undo_each_other():
    members = members_with(incident(area().members[0].subject_id))
    sid = members[0].subject_id
    before = run_year(members, year=YEAR)
    with Ledger(":memory:") as ledger:
        publish_quarters(before, ledger, actor="office")
        q2 = ledger.current(sid, f"{YEAR}-Q2")
        uphold(ledger, q2, "OB-2", retract_incident(q2.facts, "I-crime"))
        q3 = ledger.current(sid, f"{YEAR}-Q3")  # published before OB-2: its facts still hold the incident verified
        record = next(r for r in q3.facts.records if r.month == f"{YEAR}-08")
        fixed = record.model_copy(update={"meetings_attended": record.meetings_required})
        uphold(ledger, q3, "OB-3", correct_record(q3.facts, fixed))
        after = run_year(members, year=YEAR, ledger=ledger)
    facts = next(s for s in after.subject_years if s.facts.subject_id == sid).facts
    assert not facts.incidents[0].verified  # OB-3's facts did not restore the incident OB-2 withdrew
    assert next(r for r in facts.records if r.month == f"{YEAR}-08") == fixed
    assert [c.objection_id for c in member(after, sid).corrections] == ["OB-2", "OB-3"]
    assert member(after, sid).corrections[1].changes == [f"records {YEAR}-08"]


def test_an_annual_result_is_published_objected_to_corrected_and_finalised_like_a_quarter():
    members = members_with(incident(area().members[0].subject_id))
    sid = members[0].subject_id
    year = run_year(members, year=YEAR)
    with Ledger(":memory:") as ledger:
        assert publish_annual(year, ledger, actor="sub-district office") == len(members)
        pub = ledger.current(sid, str(YEAR))
        made = breakdown_hash(year.subject_year(sid).year)
        assert pub.breakdown_hash == member(year, sid).year_breakdown_hash == made
        published = ledger.history(sid)[-1]
        assert published.action == "published" and f"{member(year, sid).percent:g}%" in published.note
        ledger.file_objection(pub.publication_id, objection("OB-A", pub, "incident", "I-crime"), actor="member")
        with pytest.raises(ObjectionsPendingError) as info:
            ledger.finalise(str(YEAR), actor="sub-district office")
        assert info.value.pending == ("OB-A",)
        ledger.record_investigation("OB-A", actor="community general branch", findings="another person's case")
        corrected = ledger.uphold("OB-A", retract_incident(pub.facts, "I-crime"), by_id()[pub.ruleset_id],
                                  actor="review meeting", note="withdrawn")
        fixed = annual_result_of(corrected, by_id()[pub.ruleset_id])
        assert member(year, sid).vetoed and not fixed.vetoed
        ledger.finalise(str(YEAR), actor="sub-district office")
        assert ledger.is_final(str(YEAR))
        again = run_year(members, year=YEAR, ledger=ledger)
    r = member(again, sid)
    assert not r.vetoed and [c.period for c in r.corrections] == [str(YEAR)]
    assert r.year_breakdown_hash == again.subject_year(sid).result.year_breakdown_hash == corrected.breakdown_hash


def test_a_rejected_annual_objection_leaves_the_result_as_published():
    year = run_year(area().members[:3], year=YEAR)
    sid = year.members[0].subject_id
    with Ledger(":memory:") as ledger:
        publish_annual(year, ledger, actor="office")
        pub = ledger.current(sid, str(YEAR))
        ledger.file_objection(pub.publication_id, objection("OB-X", pub), actor="member")
        ledger.record_investigation("OB-X", actor="inspector", findings="the evaluation was counted right")
        ledger.reject("OB-X", actor="review meeting", note="stands")
        assert ledger.current(sid, str(YEAR)).publication_id == pub.publication_id
        ledger.finalise(str(YEAR), actor="office")
        assert run_year(area().members[:3], year=YEAR, ledger=ledger).corrections == []


def test_publish_annual_refusals():
    year = run_year(area().members[:2], year=YEAR)
    a, b = year.subject_years
    with Ledger(":memory:") as ledger:
        with pytest.raises(LedgerError, match="whole year"):
            ledger.publish_annual([(a.quarters[0], a.facts, a.result)], actor="office")
        with pytest.raises(LedgerError, match="not computed from this breakdown"):
            ledger.publish_annual([(a.year, a.facts, b.result)], actor="office")
        assert ledger.publications() == []
        with pytest.raises(pr.PartyRulesError, match="breakdowns"):
            publish_annual(run_year(area().members[:2], year=YEAR, keep_breakdowns=False), ledger, actor="x")


def test_a_correction_of_a_subject_outside_the_population_is_reported_not_applied():
    members = members_with(incident(area().members[0].subject_id))
    sid = members[0].subject_id
    with Ledger(":memory:") as ledger:
        publish_quarters(run_year(members, year=YEAR), ledger, actor="office", quarter=2)
        pub = ledger.current(sid, f"{YEAR}-Q2")
        uphold(ledger, pub, "OB-1", retract_incident(pub.facts, "I-crime"))
        others = run_year(members[1:], year=YEAR, ledger=ledger)
    assert others.corrections == [] and len(others.unused_corrections) == 1
    assert others.unused_corrections[0].startswith("OB-1:")


# -- property ------------------------------------------------------------------------------------------------------
@settings(max_examples=20)
@given(st.sampled_from(sorted(incident_kinds("member"))), st.integers(1, 12), st.integers(0, 3), st.booleans())
def test_an_upheld_correction_that_removes_an_incident_never_lowers_the_annual_result(kind, month, who, on_year):
    base = area().members[who]
    facts = base.model_copy(update={"incidents": (incident(base.subject_id, "I-1", kind, f"{YEAR}-{month:02d}-15"),)})
    facts = pr.MemberFacts.model_validate_json(facts.model_dump_json())  # validated, as the ledger needs
    before = run_year([facts], year=YEAR)
    with Ledger(":memory:") as ledger:
        if on_year:
            publish_annual(before, ledger, actor="office")
            pub = ledger.current(base.subject_id, str(YEAR))
        else:
            publish_quarters(before, ledger, actor="office", quarter=(month - 1) // 3 + 1)
            pub = ledger.current(base.subject_id, f"{YEAR}-Q{(month - 1) // 3 + 1}")
        uphold(ledger, pub, "OB-1", retract_incident(pub.facts, "I-1"), "incident", "I-1")
        after = run_year([facts], year=YEAR, ledger=ledger)
    old, new = before.members[0], after.members[0]
    assert new.corrections and new.percent >= old.percent
    rs = by_id()[old.ruleset_id]
    order = [g.id for g in rs.grades]
    if old.grade is not None:
        assert order.index(new.grade.id) <= order.index(old.grade.id)
    assert old.vetoed or not new.vetoed
