"""The objection workflow (C3): objection, visit and investigation, review; finalisation blocked while any is open;
upheld objections correct the facts and re-score, reversals restore the original; the trail only grows."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import partyrules as pr
from partyrules.cycle.ledger import Ledger
from partyrules.cycle.objections import (
    LedgerError,
    LedgerNotFoundError,
    LedgerStateError,
    ObjectionsPendingError,
    PeriodFinalisedError,
    ReproductionError,
    correct_record,
    retract_incident,
)
from partyrules.facts.enums import ObjectionStatus
from partyrules.facts.records import Objection
from partyrules.synthetic import SubDistrict, generate_subdistrict

Q1, Q2 = "2026-Q1", "2026-Q2"


@cache
def in_service() -> pr.RuleSet:
    return pr.load_ruleset(pr.shipped_ruleset_path("in_service"))


@cache
def evaluator() -> pr.Evaluator:
    return pr.Evaluator(in_service())


def quarter(facts: pr.MemberFacts, period: str) -> pr.MemberFacts:
    p = pr.Period.parse(period)
    data = json.loads(facts.model_dump_json())
    data["records"] = [r for r in data["records"] if str(p.start) <= r["month"] <= str(p.end)]
    data["annual"] = None
    return pr.MemberFacts.model_validate(data)


@cache
def subdistrict() -> SubDistrict:
    return generate_subdistrict(seed=2026)


@cache
def pool() -> tuple[tuple[pr.MemberFacts, str], ...]:
    """Q1 facts of in-service members with a verified Q1 incident that costs points, and that incident's id."""
    out = []
    for member in subdistrict().members_in("in_service"):
        facts = quarter(member, Q1)
        for incident in facts.incidents:
            if incident.verified and pr.Period.parse(Q1).contains_date(incident.occurred_on):
                retracted = retract_incident(facts, incident.incident_id)
                if evaluator().evaluate(retracted, Q1).total != evaluator().evaluate(facts, Q1).total:
                    out.append((facts, incident.incident_id))
                    break
        if len(out) == 3:
            return tuple(out)
    raise AssertionError("the demo sub-district has too few members with a Q1 deduction")


@cache
def q2_facts(subject_id: str) -> pr.MemberFacts:
    member = next(m for m in subdistrict().members if m.subject_id == subject_id)
    return quarter(member, Q2)


def sha(b: pr.ScoreBreakdown) -> str:
    return hashlib.sha256(b.to_json().encode("utf-8")).hexdigest()


def objection(oid: str, facts: pr.MemberFacts, incident_id: str, **changes: object) -> Objection:
    data: dict[str, object] = {"objection_id": oid, "raised_by": facts.subject_id, "raised_on": "2026-04-02",
                               "target": "incident", "target_ref": incident_id, "reason": "not my conduct"}
    return Objection.model_validate({**data, **changes})


def clock() -> Callable[[], datetime]:
    """A clock that advances one minute per reading, from 2026-04-05 08:00 UTC."""
    state = {"now": datetime(2026, 4, 5, 8, 0, tzinfo=UTC)}

    def tick() -> datetime:
        state["now"] += timedelta(minutes=1)
        return state["now"]

    return tick


@pytest.fixture
def ledger() -> Iterator[Ledger]:
    with Ledger(":memory:", clock=clock()) as opened:
        yield opened


@pytest.fixture
def published(ledger: Ledger) -> tuple[Ledger, pr.MemberFacts, str, pr.ScoreBreakdown]:
    facts, incident = pool()[0]
    b = evaluator().evaluate(facts, Q1)
    ledger.publish(b, facts, actor="community-C01")
    return ledger, facts, incident, b


# ----------------------------------------------------------------------------------------------------------------
# the state machine, step by step


def test_an_objection_blocks_finalisation_until_it_is_upheld_and_the_corrected_score_is_published(published):
    ledger, facts, incident, original = published
    filed = ledger.file_objection(1, objection("OB1", facts, incident), actor=facts.subject_id)
    assert filed.status is ObjectionStatus.PENDING and filed.is_open and filed.key.ref == f"{facts.subject_id}/{Q1}/" \
        "member-in-service"
    assert ledger.publication(1).status == "under_objection"
    with pytest.raises(ObjectionsPendingError, match="1 objection\\(s\\) still open: OB1") as err:
        ledger.finalise(Q1, actor="subdistrict")
    assert err.value.pending == ("OB1",)

    investigated = ledger.record_investigation("OB1", actor="inspector", findings="visited the neighbours",
                                               recommendation="uphold")
    assert investigated.status is ObjectionStatus.INVESTIGATING and investigated.objection.visit_investigation_done
    assert investigated.events[-1].payload == {"recommendation": "uphold"}
    with pytest.raises(ObjectionsPendingError):
        ledger.finalise(Q1, actor="subdistrict")

    corrected = retract_incident(facts, incident, objection_id="OB1")
    pub = ledger.uphold("OB1", corrected, evaluator(), actor="review-panel", note="another person's conduct",
                        reference="minutes 2026-07")
    expected = evaluator().evaluate(corrected, Q1)
    assert pub.breakdown == expected and pub.total != original.total
    assert (pub.cause, pub.supersedes, pub.objection_id, pub.status) == ("upheld", 1, "OB1", "published")
    assert ledger.publication(1).status == "superseded"
    assert ledger.current(facts.subject_id, Q1).publication_id == pub.publication_id
    decided = ledger.objection("OB1")
    assert decided.status is ObjectionStatus.UPHELD and decided.objection.reviewed_on == date(2026, 4, 5)
    assert decided.objection.outcome_note == "another person's conduct" and not decided.reversed
    event = ledger.audit_trail()[-1]
    assert (event.action, event.actor, event.before_hash, event.after_hash) == (
        "objection_upheld", "review-panel", sha(original), sha(expected))
    assert event.payload["reference"] == "minutes 2026-07"

    final = ledger.finalise(Q1, actor="subdistrict")
    assert final.manifest == ((pub.publication_id, sha(expected)),)
    assert ledger.current(facts.subject_id, Q1).status == "final" and ledger.is_final(Q1)


def test_a_long_list_of_open_objections_is_shortened_in_the_message_but_complete_in_the_error(published):
    ledger, facts, _, _ = published
    ref = f"{facts.subject_id}/{Q1}/member-in-service"
    for n in range(12):
        ledger.file_objection(1, objection(f"OB{n}", facts, ref, target="score"), actor="m")
    with pytest.raises(ObjectionsPendingError, match=r"12 objection\(s\) still open: OB0 .*OB9 .* and 2 more") as err:
        ledger.finalise(Q1, actor="s")
    assert err.value.pending == tuple(f"OB{n}" for n in range(12))  # in order of filing


def test_a_rejected_objection_restores_published_and_changes_no_hash(published):
    ledger, facts, incident, original = published
    ledger.file_objection(1, objection("OB1", facts, incident), actor=facts.subject_id)
    ledger.record_investigation("OB1", actor="inspector", findings="the neighbours were out")
    again = ledger.record_investigation("OB1", actor="inspector", findings="the incident is confirmed")
    assert again.status is ObjectionStatus.INVESTIGATING and [e.note for e in again.events[1:]] == [
        "the neighbours were out", "the incident is confirmed"]
    with pytest.raises(LedgerError, match="reviewed_on must be a date, got datetime"):
        ledger.reject("OB1", actor="p", note="n", reviewed_on=datetime(2026, 4, 4, tzinfo=UTC))  # type: ignore[arg-type]
    with pytest.raises(LedgerError, match=r"reviewed_on \(2026-04-01\) is before raised_on \(2026-04-02\)"):
        ledger.reject("OB1", actor="p", note="n", reviewed_on=date(2026, 4, 1))
    rejected = ledger.reject("OB1", actor="review-panel", note="confirmed by two witnesses",
                             reviewed_on=date(2026, 4, 4), reference="minutes 12")
    assert rejected.objection.reviewed_on == date(2026, 4, 4)
    assert rejected.events[-1].payload == {"reference": "minutes 12", "reviewed_on": "2026-04-04"}
    assert rejected.status is ObjectionStatus.REJECTED and not rejected.reversed and not rejected.is_open
    assert ledger.publication(1).status == "published"
    assert ledger.current(facts.subject_id, Q1).breakdown_hash == sha(original)
    assert all(e.before_hash == e.after_hash == sha(original) for e in ledger.audit_trail()[1:])
    ledger.finalise(Q1, actor="subdistrict")


def test_an_upheld_objection_reversed_on_review_restores_the_original_facts_and_result(published):
    ledger, facts, incident, original = published
    ledger.file_objection(1, objection("OB1", facts, incident), actor=facts.subject_id)
    ledger.record_investigation("OB1", actor="inspector", findings="f")
    ledger.uphold("OB1", retract_incident(facts, incident), evaluator(), actor="panel", note="n")
    restored = ledger.reverse("OB1", actor="superior-review", note="the incident is confirmed on review")
    assert restored.breakdown_hash == sha(original) and restored.facts == facts
    assert (restored.cause, restored.supersedes, restored.objection_id) == ("reversed", 2, "OB1")
    record = ledger.objection("OB1")
    assert record.reversed and record.status is ObjectionStatus.REJECTED
    assert record.objection.outcome_note == "the incident is confirmed on review"
    assert [e.action for e in record.events] == ["objection_filed", "investigation_recorded", "objection_upheld",
                                                 "uphold_reversed"]


def test_a_corrected_monthly_record_is_re_scored(published):
    ledger, facts, _, original = published
    first = facts.records[0]
    fixed = first.model_copy(update={"volunteer_hours": first.volunteer_hours + 30.0})
    fixed = type(first).model_validate(fixed.model_dump())
    ledger.file_objection(1, objection("OB1", facts, f"{facts.subject_id}/{Q1}/member-in-service", target="score"),
                          actor=facts.subject_id)
    ledger.record_investigation("OB1", actor="inspector", findings="the sign-in sheet shows 30 more hours")
    corrected = correct_record(facts, fixed)
    pub = ledger.uphold("OB1", corrected, in_service(), actor="panel", note="hours under-recorded")
    assert pub.facts.records[0].volunteer_hours == first.volunteer_hours + 30.0
    assert pub.breakdown == evaluator().evaluate(corrected, Q1)
    assert pub.breakdown.line("IN.S14").points >= original.line("IN.S14").points


# ----------------------------------------------------------------------------------------------------------------
# every refusal


def test_a_decision_needs_the_investigation_first(published):
    ledger, facts, incident, _ = published
    ledger.file_objection(1, objection("OB1", facts, incident), actor=facts.subject_id)
    for decide in (lambda: ledger.reject("OB1", actor="p", note="n"),
                   lambda: ledger.uphold("OB1", retract_incident(facts, incident), evaluator(), actor="p", note="n")):
        with pytest.raises(LedgerStateError, match="it is pending") as err:
            decide()
        assert "record_investigation" in (err.value.hint or "")
    with pytest.raises(LedgerStateError, match="'uphold_reversed' for objection OB1: it is pending"):
        ledger.reverse("OB1", actor="p", note="n")
    assert [e.action for e in ledger.audit_trail()] == ["published", "objection_filed"]


def test_a_decided_objection_cannot_be_decided_again(published):
    ledger, facts, incident, _ = published
    ledger.file_objection(1, objection("OB1", facts, incident), actor=facts.subject_id)
    ledger.record_investigation("OB1", actor="i", findings="f")
    ledger.reject("OB1", actor="p", note="n")
    for step in (lambda: ledger.reject("OB1", actor="p", note="n"),
                 lambda: ledger.record_investigation("OB1", actor="i", findings="f"),
                 lambda: ledger.reverse("OB1", actor="p", note="n")):
        with pytest.raises(LedgerStateError, match="it is rejected") as err:
            step()
        assert "file a new objection" in (err.value.hint or "")


def test_only_the_latest_correction_can_be_reversed(ledger):
    facts, incident = pool()[0]
    ledger.publish(evaluator().evaluate(facts, Q1), facts, actor="c")
    ledger.file_objection(1, objection("OB1", facts, incident), actor="m")
    ledger.file_objection(1, objection("OB2", facts, f"{facts.subject_id}/{Q1}/member-in-service", target="score"),
                          actor="m")
    for oid in ("OB1", "OB2"):
        ledger.record_investigation(oid, actor="i", findings="f")
    first = ledger.uphold("OB1", retract_incident(facts, incident), evaluator(), actor="p", note="n")
    record = first.facts.records[0]
    more = type(record).model_validate({**record.model_dump(), "volunteer_hours": record.volunteer_hours + 5.0})
    ledger.uphold("OB2", correct_record(first.facts, more), evaluator(), actor="p", note="n")
    with pytest.raises(LedgerStateError, match="superseded by publication 3 \\(upheld, objection OB2\\)") as err:
        ledger.reverse("OB1", actor="p", note="n")
    assert "reverse the later correction first" in (err.value.hint or "")
    ledger.reverse("OB2", actor="p", note="n")
    assert ledger.reverse("OB1", actor="p", note="n").breakdown_hash == ledger.publication(1).breakdown_hash


def test_filing_refusals(published):
    ledger, facts, incident, _ = published
    with pytest.raises(LedgerError, match="must be filed as pending, but its status is upheld"):
        ledger.file_objection(1, objection("OB0", facts, incident, status="upheld", reviewed_on="2026-04-03"),
                              actor="m")
    with pytest.raises(LedgerError, match="names incident 'I-NOPE', which is not among the facts") as err:
        ledger.file_objection(1, objection("OB0", facts, "I-NOPE"), actor="m")
    assert incident in (err.value.hint or "")
    with pytest.raises(LedgerError, match="names the score 'M1/2026-Q1/x'") as err:
        ledger.file_objection(1, objection("OB0", facts, "M1/2026-Q1/x", target="score"), actor="m")
    assert err.value.hint == f"set target_ref='{facts.subject_id}/{Q1}/member-in-service'"
    with pytest.raises(LedgerNotFoundError, match="no publication 7"):
        ledger.file_objection(7, objection("OB0", facts, incident), actor="m")
    with pytest.raises(LedgerError, match="expected an Objection, got dict"):
        ledger.file_objection(1, {"objection_id": "x"}, actor="m")  # type: ignore[arg-type]
    ledger.file_objection(1, objection("OB1", facts, incident), actor="m")
    with pytest.raises(LedgerError, match="objection id OB1 is already used"):
        ledger.file_objection(1, objection("OB1", facts, incident), actor="m")
    ledger.record_investigation("OB1", actor="i", findings="f")
    ledger.uphold("OB1", retract_incident(facts, incident), evaluator(), actor="p", note="n")
    with pytest.raises(LedgerStateError, match=r"publication 1 .* has been superseded") as err:
        ledger.file_objection(1, objection("OB2", facts, incident), actor="m")
    assert err.value.hint == "object to the current publication 2"
    with pytest.raises(LedgerNotFoundError, match="no objection 'OB9'") as err:
        ledger.record_investigation("OB9", actor="i", findings="f")
    assert err.value.hint == "recent objections: OB1"


def test_uphold_refusals(published):
    ledger, facts, incident, _ = published
    other, other_incident = pool()[1]
    ledger.file_objection(1, objection("OB1", facts, incident), actor="m")
    ledger.record_investigation("OB1", actor="i", findings="f")
    with pytest.raises(LedgerError, match=f"the facts are about member {other.subject_id}, but the score is of "
                                          f"member {facts.subject_id}"):
        ledger.uphold("OB1", retract_incident(other, other_incident), evaluator(), actor="p", note="n")
    with pytest.raises(ReproductionError, match=r"published with rule set member-in-service .* but the evaluator") \
            as err:
        ledger.uphold("OB1", retract_incident(facts, incident), in_service().with_params(other_volunteer_hours=10),
                      actor="p", note="n")
    assert (err.value.hint or "").startswith("an objection corrects facts, not rules")
    with pytest.raises(LedgerError, match="are the facts already published") as err:
        ledger.uphold("OB1", facts, evaluator(), actor="p", note="n")
    assert "reject the objection" in (err.value.hint or "")
    with pytest.raises(LedgerError, match="note must be a non-empty string"):
        ledger.uphold("OB1", retract_incident(facts, incident), evaluator(), actor="p", note="")
    with pytest.raises(LedgerError, match="cannot be upheld on 2026-04-01: reviewed_on \\(2026-04-01\\) is before"):
        ledger.uphold("OB1", retract_incident(facts, incident), evaluator(), actor="p", note="n",
                      at=datetime(2026, 4, 1, tzinfo=UTC))
    with pytest.raises(LedgerError, match="recommendation must be 'uphold', 'reject' or None"):
        ledger.record_investigation("OB1", actor="i", findings="f", recommendation="maybe")  # type: ignore[arg-type]
    assert ledger.objection("OB1").status is ObjectionStatus.INVESTIGATING  # nothing above changed it
    assert len(ledger.audit_trail()) == 3


def test_a_finalised_period_is_closed_to_objections_and_changes(published):
    ledger, facts, incident, b = published
    ledger.file_objection(1, objection("OB1", facts, incident), actor="m")
    ledger.record_investigation("OB1", actor="i", findings="f")
    ledger.uphold("OB1", retract_incident(facts, incident), evaluator(), actor="p", note="n")
    ledger.finalise(Q1, actor="subdistrict")
    with pytest.raises(PeriodFinalisedError, match=r"cannot object to .*: 2026-Q1 is final") as err:
        ledger.file_objection(2, objection("OB2", facts, incident), actor="m")
    assert "review of the organisation above" in (err.value.hint or "")
    with pytest.raises(PeriodFinalisedError, match="cannot reverse an objection to"):
        ledger.reverse("OB1", actor="p", note="n")
    with pytest.raises(PeriodFinalisedError, match="cannot publish"):
        ledger.publish(b, facts, actor="c", replace=True)
    with pytest.raises(PeriodFinalisedError, match="already final"):
        ledger.finalise(Q1, actor="subdistrict")
    # another period, and another scope of the same period, are still open
    q2 = q2_facts(facts.subject_id)
    ledger.publish(evaluator().evaluate(q2, Q2), q2, actor="c")
    ledger.publish(b, facts, actor="c", scope="C09")
    assert not ledger.is_final(Q2) and not ledger.is_final(Q1, "C09")


def test_helpers_refuse_what_does_not_exist():
    facts, _ = pool()[0]
    with pytest.raises(pr.FactError, match=f"{facts.subject_id} has no incident 'I-X'"):
        retract_incident(facts, "I-X")
    community = subdistrict().communities[0]
    with pytest.raises(pr.FactError, match="has no monthly records"):
        correct_record(community, facts.records[0])  # type: ignore[arg-type]
    stranger = type(facts.records[0]).model_validate({**facts.records[0].model_dump(), "member_id": "M-OTHER"})
    with pytest.raises(pr.FactError, match=r"corrected facts of .* are invalid"):
        correct_record(facts, stranger)


# ----------------------------------------------------------------------------------------------------------------
# properties


@given(st.sampled_from(range(3)), st.booleans(), st.floats(min_value=0.5, max_value=40, allow_nan=False),
       st.integers(min_value=0, max_value=2))
def test_upheld_then_reversed_restores_the_original_result(which: int, retract: bool, hours: float, month: int):
    facts, incident = pool()[which]
    if retract:
        corrected = retract_incident(facts, incident)
    else:
        record = facts.records[month]
        changed = {**record.model_dump(), "volunteer_hours": min(744.0, record.volunteer_hours + hours)}
        corrected = correct_record(facts, type(record).model_validate(changed))
    with Ledger(":memory:", clock=clock()) as ledger:
        original = ledger.publish(evaluator().evaluate(facts, Q1), facts, actor="c")
        ledger.file_objection(1, objection("OB", facts, incident), actor="m")
        ledger.record_investigation("OB", actor="i", findings="f")
        ledger.uphold("OB", corrected, evaluator(), actor="p", note="n")
        restored = ledger.reverse("OB", actor="r", note="n")
        assert restored.breakdown_hash == original.breakdown_hash == sha(evaluator().evaluate(facts, Q1))
        assert restored.facts == original.facts == facts and restored.breakdown == original.breakdown
        current = ledger.current(facts.subject_id, Q1)
        assert (current.publication_id, current.status, current.total, current.grade) == (
            restored.publication_id, "published", original.total, original.grade)


class Workflow(RuleBasedStateMachine):
    """Random sequences of publishing, objecting, investigating, deciding, reversing and finalising, checked
    against a model kept here, independently of the ledger's own derivations."""

    def __init__(self) -> None:
        super().__init__()
        self.ledger = Ledger(":memory:", clock=clock())
        self.hash: dict[tuple[str, str], str] = {}  # (subject, period) -> current breakdown hash
        self.facts: dict[tuple[str, str], pr.MemberFacts] = {}
        self.status: dict[str, str] = {}  # objection -> pending, investigating, upheld, rejected
        self.key_of: dict[str, tuple[str, str]] = {}
        # per score, the corrections in force: (objection, hash and facts before it)
        self.upheld_stack: dict[tuple[str, str], list[tuple[str, str, pr.MemberFacts]]] = {}
        self.final: set[str] = set()
        self.trail: list[object] = []
        self.count = 0

    def _subjects(self) -> list[tuple[str, str]]:
        return sorted(self.hash)

    @precondition(lambda self: len(self.hash) < 4)  # then the steps go to the workflow
    @rule(which=st.integers(0, 2), period=st.sampled_from([Q1, Q2]))
    def publish(self, which: int, period: str) -> None:
        facts, _ = pool()[which]
        facts = facts if period == Q1 else q2_facts(facts.subject_id)
        key = (facts.subject_id, period)
        b = evaluator().evaluate(facts, period)
        if period in self.final:
            with pytest.raises(PeriodFinalisedError):
                self.ledger.publish(b, facts, actor="c")
            return
        # a correction stands (a changed result, or changed facts the quarter does not assess, such as yearly
        # volunteering hours): publishing again needs replace
        if key in self.hash and (self.hash[key] != sha(b) or self.facts[key] != facts):
            with pytest.raises(LedgerStateError, match="already published"):
                self.ledger.publish(b, facts, actor="c")
            return
        pub = self.ledger.publish(b, facts, actor="c")  # the first time, or a repeat that records nothing
        self.hash[key], self.facts[key] = sha(b), facts
        assert pub.breakdown_hash == self.hash[key]

    @precondition(lambda self: self.hash)
    @rule(pick=st.integers(0, 10**6), to_incident=st.booleans())
    def file(self, pick: int, to_incident: bool) -> None:
        key = self._subjects()[pick % len(self.hash)]
        facts = self.facts[key]
        current = self.ledger.current(*key)
        self.count += 1
        oid = f"OB{self.count}"
        incidents = [i.incident_id for i in facts.incidents]
        target = (objection(oid, facts, incidents[pick % len(incidents)]) if to_incident and incidents else
                  objection(oid, facts, f"{key[0]}/{key[1]}/member-in-service", target="score"))
        if key[1] in self.final:
            with pytest.raises(PeriodFinalisedError):
                self.ledger.file_objection(current.publication_id, target, actor="m")
            return
        self.ledger.file_objection(current.publication_id, target, actor="m")
        self.status[oid], self.key_of[oid] = "pending", key

    def _with(self, *statuses: str) -> list[str]:
        return sorted((o for o, s in self.status.items() if s in statuses), key=lambda o: int(o[2:]))

    @precondition(lambda self: self._with("pending"))
    @rule(pick=st.integers(0, 10**6))
    def investigate(self, pick: int) -> None:
        options = self._with("pending")
        oid = options[pick % len(options)]
        assert self.ledger.record_investigation(oid, actor="i", findings="f").status is ObjectionStatus.INVESTIGATING
        self.status[oid] = "investigating"

    @precondition(lambda self: self._with("investigating"))
    @rule(pick=st.integers(0, 10**6), uphold=st.booleans(), hours=st.integers(1, 20))
    def decide(self, pick: int, uphold: bool, hours: int) -> None:
        options = self._with("investigating")
        oid = options[pick % len(options)]
        key = self.key_of[oid]
        if not uphold:
            self.ledger.reject(oid, actor="p", note="n")
            self.status[oid] = "rejected"
            return
        facts = self.facts[key]
        record = facts.records[0]
        corrected = correct_record(facts, type(record).model_validate(
            {**record.model_dump(), "volunteer_hours": min(744.0, record.volunteer_hours + hours)}))
        pub = self.ledger.uphold(oid, corrected, evaluator(), actor="p", note="n")
        assert pub.breakdown_hash == sha(evaluator().evaluate(corrected, key[1]))
        self.upheld_stack.setdefault(key, []).append((oid, self.hash[key], facts))
        self.hash[key], self.facts[key], self.status[oid] = pub.breakdown_hash, corrected, "upheld"

    @precondition(lambda self: self._with("upheld"))
    @rule(pick=st.integers(0, 10**6))
    def reverse(self, pick: int) -> None:
        options = self._with("upheld")
        oid = options[pick % len(options)]
        key = self.key_of[oid]
        stack = self.upheld_stack[key]
        if key[1] in self.final:
            with pytest.raises(PeriodFinalisedError):
                self.ledger.reverse(oid, actor="r", note="n")
            return
        if stack[-1][0] != oid:  # a later correction of the same score stands: refused
            with pytest.raises(LedgerStateError, match="reverse the later correction first"):
                self.ledger.reverse(oid, actor="r", note="n")
            return
        _, old_hash, old_facts = stack.pop()
        pub = self.ledger.reverse(oid, actor="r", note="n")
        assert pub.breakdown_hash == old_hash and pub.facts == old_facts
        self.hash[key], self.facts[key], self.status[oid] = old_hash, old_facts, "rejected"

    # Only Q2 is ever finalised, and once, so that long workflows on Q1 stay possible (refusals to finalise again
    # or an empty period are example tests).
    @precondition(lambda self: Q2 not in self.final and any(p == Q2 for _, p in self.hash))
    @rule(period=st.just(Q2))
    def finalise(self, period: str) -> None:
        open_ = [o for o in self._with("pending", "investigating") if self.key_of[o][1] == period]
        published = any(p == period for _, p in self.hash)
        if period in self.final:
            expected: type[Exception] | None = PeriodFinalisedError
        elif not published:
            expected = LedgerNotFoundError
        elif open_:
            expected = ObjectionsPendingError
        else:
            expected = None
        if expected is None:
            self.ledger.finalise(period, actor="s")
            self.final.add(period)
            return
        with pytest.raises(expected) as err:
            self.ledger.finalise(period, actor="s")
        if expected is ObjectionsPendingError:
            assert sorted(err.value.pending) == sorted(open_)  # type: ignore[attr-defined]

    @invariant()
    def the_trail_only_grows_and_its_hashes_chain(self) -> None:
        trail = self.ledger.audit_trail()
        assert trail[: len(self.trail)] == self.trail
        self.trail = trail
        last: dict[tuple[str | None, str | None], str | None] = {}
        for e in trail:
            assert e.actor and e.at.tzinfo is not None and e.after_hash is not None
            if e.subject_id is None:
                continue
            key = (e.subject_id, e.period)
            assert e.before_hash == last.get(key)
            last[key] = e.after_hash
        assert last == self.hash

    @invariant()
    def current_state_matches_the_model(self) -> None:
        for key, expected in self.hash.items():
            current = self.ledger.current(*key)
            assert current.breakdown_hash == expected and current.facts == self.facts[key]
            open_here = any(s in ("pending", "investigating") for o, s in self.status.items()
                            if self.key_of[o] == key)
            assert current.status == ("under_objection" if open_here else
                                      "final" if key[1] in self.final else "published")
        for oid, status in self.status.items():
            assert self.ledger.objection(oid).status.value == status

    def teardown(self) -> None:
        self.ledger.verify()
        self.ledger.close()


TestWorkflow = Workflow.TestCase
TestWorkflow.settings = settings(stateful_step_count=25)  # on top of the loaded profile
