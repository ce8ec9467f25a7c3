"""Live sessions: fed a stream of changes, a session's breakdown always equals a fresh evaluation of its facts."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import partyrules as pr
from hand_facts import veto_incident
from partyrules.errors import ForeignConductError
from partyrules.facts.exemplary import exemplary_member
from partyrules.testing import (
    GENERATED_EDGES,
    annual_evaluations,
    commendations,
    condition_rulesets,
    generated_rulesets,
    incidents,
    member_records,
    subject_facts,
)

PERIOD = "2026"


# -- the stream --------------------------------------------------------------------------------------------------
@st.composite
def scenarios(draw: st.DrawFn, category: str | None = "in_service") -> tuple[pr.MemberFacts, list[tuple]]:
    """Initial facts and a stream of changes: additions of the rest of a drawn bundle, interleaved with record
    corrections, new incidents, verification changes, retractions (appeals), commendation withdrawals, changes
    of the member's own record and of the annual evaluation."""
    full = draw(subject_facts("member", edges=GENERATED_EDGES, **({} if category is None else {"category": category})))

    def split(items: tuple) -> tuple[list, list]:
        keep = draw(st.lists(st.booleans(), min_size=len(items), max_size=len(items)))
        return [x for x, k in zip(items, keep, strict=True) if k], [x for x, k in zip(items, keep, strict=True)
                                                                    if not k]

    r0, r_add = split(full.records)
    i0, i_add = split(full.incidents)
    c0, c_add = split(full.commendations)
    initial = pr.MemberFacts(full.member, records=tuple(r0), incidents=tuple(i0), commendations=tuple(c0),
                             annual=full.annual)
    ops: list[tuple] = [("record", r) for r in r_add] + [("incident", i) for i in i_add] + [
        ("commendation", c) for c in c_add]
    ops = list(draw(st.permutations(ops)))
    for n in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["correct", "retract", "verify", "veto", "new_incident", "retract_commendation",
                                     "subject", "annual"]))
        if kind == "subject":
            flags = ("placard_displayed", "is_organ_staff", "health_limited")
            op = ("subject", {name: draw(st.booleans()) for name in draw(st.sets(st.sampled_from(flags)))})
        elif kind == "annual":
            op = ("annual", draw(st.none() | annual_evaluations("member", subject_id="M1")))
        elif kind == "correct":
            month = f"2026-{draw(st.integers(1, 12)):02d}"
            op: tuple = ("record", draw(member_records(month)))
        elif kind == "veto":
            op = ("incident", veto_incident(f"IV{n}", verified=draw(st.booleans())))
        elif kind == "new_incident":
            op = ("incident", draw(incidents("member", subject_id="M1", incident_id=f"IN{n}", edges=GENERATED_EDGES)))
        else:
            op = (kind, draw(st.integers(0, 10)))
        ops.insert(draw(st.integers(0, len(ops))), op)
    return initial, ops


def apply(session: pr.LiveSession, model: dict[str, Any], op: tuple) -> None:
    """Apply one change to the session and to ``model`` (our own account of what the facts should be)."""
    kind, arg = op
    if kind == "subject":
        member = pr.Member.model_validate({**model["member"].model_dump(), **arg})
        session.update_subject(member)
        model["member"] = member
    elif kind == "annual":
        session.set_annual(arg)
        model["annual"] = arg
    elif kind == "record":
        session.add_record(arg)
        model["records"][arg.month] = arg
    elif kind == "incident":
        session.add_incident(arg)
        model["incidents"][arg.incident_id] = arg
    elif kind == "commendation":
        session.add_commendation(arg)
        model["commendations"][arg.commendation_id] = arg
    elif kind == "retract" and model["incidents"]:
        iid = sorted(model["incidents"])[arg % len(model["incidents"])]
        assert session.retract_incident(iid) == model["incidents"].pop(iid)
    elif kind == "verify" and model["incidents"]:
        iid = sorted(model["incidents"])[arg % len(model["incidents"])]
        old = model["incidents"][iid]
        flipped = pr.Incident.model_validate({**old.model_dump(), "verified": not old.verified,
                                              "verified_by": None if old.verified else "B1-committee"})
        session.add_incident(flipped)
        model["incidents"][iid] = flipped
    elif kind == "retract_commendation" and model["commendations"]:
        cid = sorted(model["commendations"])[arg % len(model["commendations"])]
        session.retract_commendation(cid)
        del model["commendations"][cid]


def model_of(facts: pr.MemberFacts) -> dict[str, Any]:
    return {"member": facts.member, "annual": facts.annual, "records": {r.month: r for r in facts.records},
            "incidents": {i.incident_id: i for i in facts.incidents},
            "commendations": {c.commendation_id: c for c in facts.commendations}}


def facts_of(model: dict[str, Any]) -> pr.MemberFacts:
    return pr.MemberFacts(model["member"], records=tuple(model["records"].values()),
                          incidents=tuple(model["incidents"].values()),
                          commendations=tuple(model["commendations"].values()), annual=model["annual"])


def run_stream(rs: pr.RuleSet, initial: pr.MemberFacts, ops: list[tuple]) -> None:
    model = model_of(initial)
    with pr.LiveSession(rs, initial, PERIOD) as session:
        assert session.breakdown().to_json() == pr.evaluate(rs, initial, period=PERIOD).to_json()
        for step, op in enumerate(ops):
            apply(session, model, op)
            expected_facts = facts_of(model)
            assert session.facts == expected_facts, f"step {step}: {op[0]}"
            live = session.breakdown().to_json()
            fresh = pr.evaluate(rs, session.facts, period=PERIOD).to_json()
            assert live == fresh, f"step {step}: {op[0]} {op[1]!r}"


@given(scenario=scenarios())
def test_live_session_equals_fresh_evaluation_after_every_step(example_ruleset, scenario):
    initial, ops = scenario
    run_stream(example_ruleset, initial, ops)


def test_live_session_equals_fresh_evaluation_on_generated_rulesets(isolated):
    @given(g=generated_rulesets(), scenario=scenarios(category=None))
    def body(g, scenario):
        initial, ops = scenario
        isolated.note(f"rule set:\n{g.text}\ninitial:\n{initial.model_dump_json(indent=1)}\nops: {ops!r}")
        run_stream(g.load(), initial, ops)

    isolated.run(body)


def test_live_session_equals_fresh_evaluation_on_large_generated_rulesets(isolated):
    @given(g=generated_rulesets(large=True), scenario=scenarios(category=None))
    def body(g, scenario):
        initial, ops = scenario
        isolated.note(f"rule set:\n{g.text}\ninitial:\n{initial.model_dump_json(indent=1)}\nops: {ops!r}")
        run_stream(g.load(), initial, ops)

    isolated.run(body)


def test_live_session_equals_fresh_evaluation_with_random_conditions(isolated):
    @given(c=condition_rulesets(), scenario=scenarios(category=None))
    def body(c, scenario):
        initial, ops = scenario
        isolated.note(f"rule set:\n{c.text}\ninitial:\n{initial.model_dump_json(indent=1)}\nops: {ops!r}")
        run_stream(c.load(), initial, ops)

    isolated.run(body)


# -- examples ------------------------------------------------------------------------------------------------------
MEMBER = {"member_id": "M1", "branch_id": "B1", "category": "in_service", "status": "formal",
          "joined_on": "2001-07-01", "birth_year": 1975, "placard_displayed": True}


def _record(month: str, member_id: str = "M1", **kw: Any) -> pr.MemberMonthRecord:
    data = {"member_id": member_id, "month": month, "meetings_required": {"member_meeting": 1},
            "meetings_attended": {"member_meeting": 1}, "dues_paid_on_time": True, "volunteer_hours": 5.0,
            "households_contacted": 2, **kw}
    return pr.MemberMonthRecord.model_validate(data)


def _facts(member_id: str = "M1", months: range = range(1, 7)) -> pr.MemberFacts:
    member = pr.Member.model_validate({**MEMBER, "member_id": member_id})
    return pr.MemberFacts(member, records=tuple(_record(f"2026-{m:02d}", member_id) for m in months))


def test_appeal_upheld_restores_the_previous_breakdown_exactly(example_ruleset):
    with pr.LiveSession(example_ruleset, _facts(), PERIOD) as s:
        s.add_incident(pr.Incident.model_validate({
            "incident_id": "I1", "subject_kind": "member", "subject_id": "M1", "kind": "complaint_substantiated",
            "occurred_on": "2026-03-02", "verified": True, "verified_by": "B1-committee", "evidence_ref": "d1"}))
        before = s.breakdown().to_json()
        assert not s.breakdown().vetoed
        veto = veto_incident("IV")
        s.add_incident(veto)
        vetoed = s.breakdown()
        assert vetoed.vetoed and vetoed.grade.id == "unqualified"
        assert vetoed.line("EX.V1").evidence.counted == ["incident:IV"]
        assert vetoed.reason_codes[0].code == "VETO:EX.V1"
        assert s.retract_incident("IV") == veto
        assert s.breakdown().to_json() == before
        # a second appeal, of the complaint, also matches a fresh evaluation
        s.retract_incident("I1")
        assert s.breakdown().to_json() == pr.evaluate(example_ruleset, s.facts, period=PERIOD).to_json()
        assert s.breakdown().to_json() != before


def test_verifying_an_incident_later_applies_the_veto(example_ruleset):
    with pr.LiveSession(example_ruleset, _facts(), PERIOD) as s:
        before = s.breakdown().to_json()
        s.add_incident(veto_incident("IV", verified=False))
        assert s.breakdown().to_json() == before  # an allegation is not a fact the rules can see
        s.add_incident(veto_incident("IV", verified=True))
        assert s.breakdown().vetoed
        assert len(s.facts.incidents) == 1


def test_record_correction_replaces_the_month(example_ruleset):
    with pr.LiveSession(example_ruleset, _facts(), PERIOD) as s:
        s.add_record(_record("2026-03", dues_paid_on_time=False, volunteer_hours=0.0))
        assert len(s.facts.records) == 6
        assert s.facts.records[2].volunteer_hours == 0.0
        assert s.breakdown().to_json() == pr.evaluate(example_ruleset, s.facts, period=PERIOD).to_json()


def test_a_closed_session_raises(example_ruleset):
    s = pr.LiveSession(example_ruleset, _facts(), PERIOD)
    s.breakdown()
    s.close()
    s.close()  # closing twice is harmless
    calls = [s.breakdown, lambda: s.add_record(_record("2026-08")), lambda: s.add_incident(veto_incident()),
             lambda: s.retract_incident("I1"), lambda: s.retract_commendation("C1")]
    for call in calls:
        with pytest.raises(pr.EvaluationError) as info:
            call()
        assert info.value.message == "this live session is closed"
    assert "closed" in repr(s)
    with pr.LiveSession(example_ruleset, _facts(), PERIOD) as t:
        t.breakdown()
    with pytest.raises(pr.EvaluationError):
        t.breakdown()


def test_a_record_outside_the_period_raises_and_changes_nothing(example_ruleset):
    with pr.LiveSession(example_ruleset, _facts(), PERIOD) as s:
        before = s.breakdown().to_json()
        facts = s.facts
        with pytest.raises(pr.EvaluationError) as info:
            s.add_record(_record("2027-01"))
        assert "2027-01" in info.value.message and "outside the session's period 2026" in info.value.message
        with pytest.raises(pr.EvaluationError):
            s.add_record(_record("2025-12"))
        assert s.facts == facts
        assert s.breakdown().to_json() == before


def test_a_quarter_session_refuses_other_months(example_ruleset):
    with pr.LiveSession(example_ruleset, _facts(months=range(1, 3)), "2026-Q1") as s:
        s.add_record(_record("2026-03"))
        with pytest.raises(pr.EvaluationError):
            s.add_record(_record("2026-04"))
        assert s.breakdown().to_json() == pr.evaluate(example_ruleset, s.facts, period="2026-Q1").to_json()


def test_initial_facts_outside_the_period_raise(example_ruleset):
    with pytest.raises(pr.EvaluationError) as info:
        pr.LiveSession(example_ruleset, _facts(), "2026-Q3")
    assert "has records outside the period 2026-Q3" in info.value.message


def test_a_rejected_change_leaves_the_session_as_it_was(example_ruleset):
    with pr.LiveSession(example_ruleset, _facts(), PERIOD) as s:
        before = s.breakdown().to_json()
        facts = s.facts
        with pytest.raises(ForeignConductError):
            s.add_record(_record("2026-08", member_id="M2"))  # somebody else's record
        with pytest.raises(ForeignConductError):
            s.add_incident(veto_incident("IX", member_id="M2"))
        with pytest.raises(pr.EvaluationError) as info:
            s.retract_incident("nope")
        assert "has no incident 'nope'" in info.value.message
        assert s.facts == facts
        assert s.breakdown().to_json() == before


def test_1100_live_sessions_at_once(example_ruleset):
    # the engine holds at most 1024 sessions per ruleset handle; the library must hide that limit
    n = 1100
    sessions = [pr.LiveSession(example_ruleset, _facts(f"M{i:04d}", months=range(1, 1 + i % 12)), PERIOD)
                for i in range(n)]
    try:
        for i, s in enumerate(sessions):
            s.add_record(_record("2026-12", f"M{i:04d}", volunteer_hours=float(i % 50)))
        for s in sessions[::7]:
            s.add_incident(veto_incident(f"IV-{s.subject_id}", member_id=s.subject_id))
        for s in sessions:
            assert s.breakdown().to_json() == pr.evaluate(example_ruleset, s.facts, period=PERIOD).to_json()
        assert sum(s.breakdown().vetoed for s in sessions) == len(sessions[::7])
    finally:
        for s in sessions:
            s.close()
    # the released slots can be used again, by as many sessions once more
    again = [pr.LiveSession(example_ruleset, _facts(f"N{i:04d}", months=range(1, 3)), PERIOD) for i in range(n)]
    try:
        assert all(s.breakdown().total == again[0].breakdown().total for s in again)
    finally:
        for s in again:
            s.close()


def test_one_shot_evaluations_after_many_sessions(example_ruleset):
    # one-shot evaluations delete their engine state: thousands of them never exhaust the engine
    facts = _facts()
    expected = pr.evaluate(example_ruleset, facts, period=PERIOD).to_json()
    for _ in range(2100):
        assert pr.evaluate(example_ruleset, facts, period=PERIOD).to_json() == expected


def test_commendations_stream(example_ruleset):
    def com(cid: str, level: str) -> pr.Commendation:
        return pr.Commendation(commendation_id=cid, subject_kind="member", subject_id="M1", kind="commendation",
                               level=level, awarded_on="2026-05-01", verified=True)

    with pr.LiveSession(example_ruleset, _facts(), PERIOD) as s:
        base = s.breakdown().line("EX.S5").points
        s.add_commendation(com("C1", "district"))
        s.add_commendation(com("C2", "city"))
        s.add_commendation(com("C3", "above"))
        assert s.breakdown().line("EX.S5").points == 20.0
        assert s.breakdown().line("EX.S5").status == "capped"
        s.retract_commendation("C1")
        s.retract_commendation("C2")
        s.retract_commendation("C3")
        assert s.breakdown().line("EX.S5").points == base
        assert s.breakdown().to_json() == pr.evaluate(example_ruleset, s.facts, period=PERIOD).to_json()


@given(extra=st.lists(commendations("member", subject_id="M1"), max_size=3))
def test_generated_commendations_in_a_session(example_ruleset, extra):
    with pr.LiveSession(example_ruleset, _facts(), PERIOD) as s:
        for i, c in enumerate(extra):
            s.add_commendation(c.model_copy(update={"commendation_id": f"C{i}"}))
            assert s.breakdown().to_json() == pr.evaluate(example_ruleset, s.facts, period=PERIOD).to_json()


# -- only the member's own conduct ---------------------------------------------------------------------------------
def _foreign_changes() -> list[tuple[str, Any, str, str]]:
    """(method, another subject's item, the list it goes in, its id), one per way of feeding a session."""
    branch_incident = pr.Incident.model_validate({**veto_incident("IB").model_dump(), "subject_kind": "branch",
                                                  "kind": "ledger_incomplete"})
    commendation = pr.Commendation(commendation_id="CX", subject_kind="member", subject_id="M2",
                                   kind="commendation", level="city", awarded_on="2026-05-01", verified=True)
    annual = pr.AnnualEvaluation.model_validate({"subject_kind": "member", "subject_id": "M2", "year": 2026,
                                                 "evaluator_org_id": "B1", "evaluation_score": 90.0,
                                                 "daily_observation_score": 90.0})
    return [("add_incident", veto_incident("IX", member_id="M2"), "incidents", "IX"),
            ("add_incident", branch_incident, "incidents", "IB"),
            ("add_commendation", commendation, "commendations", "CX"),
            ("add_record", _record("2026-08", member_id="M2"), "records", "2026-08"),
            ("set_annual", annual, "annual", "2026")]


@pytest.mark.parametrize("index", range(5))
def test_a_session_refuses_another_subjects_item_with_the_typed_error(example_ruleset, index):
    method, item, field, ident = _foreign_changes()[index]
    with pr.LiveSession(example_ruleset, _facts(), PERIOD) as s:
        before = s.breakdown().to_json()
        facts = s.facts
        with pytest.raises(ForeignConductError) as info:
            getattr(s, method)(item)
        err = info.value
        assert err.code == "PR032" and err.location is not None and err.location.path == f"{field}[{ident!r}]"
        assert err.message_zh and err.hint
        assert s.facts == facts and s.breakdown().to_json() == before


@pytest.mark.parametrize("how", ["model_copy", "model_construct"])
def test_a_session_refuses_initial_facts_built_around_validation(example_ruleset, how):
    facts = _facts()
    foreign = (veto_incident("IX", member_id="M2"),)
    if how == "model_copy":
        bad = facts.model_copy(update={"incidents": foreign})
    else:
        bad = pr.MemberFacts.model_construct(member=facts.member, records=facts.records, incidents=foreign,
                                             commendations=(), annual=None)
    with pytest.raises(ForeignConductError) as info:
        pr.LiveSession(example_ruleset, bad, PERIOD)
    assert info.value.location is not None and info.value.location.path == "incidents['IX']"


def test_a_session_without_a_period_takes_the_facts_own_and_a_wrong_period_is_a_typed_error():
    """LiveSession(rs, facts, None) raised a bare AttributeError; it now reads the period as evaluate() does."""
    rs = pr.load_ruleset(pr.shipped_ruleset_path("in_service"))
    facts = exemplary_member("in_service", 2026)
    with pr.LiveSession(rs, facts, None) as live:
        assert live.breakdown() == pr.evaluate(rs, facts)
    with pytest.raises(pr.EvaluationError, match="period must be"):
        pr.LiveSession(rs, facts, 2026)  # type: ignore[arg-type]
    with pytest.raises(pr.EvaluationError, match="period must be"):
        pr.evaluate(rs, facts, period=2026)  # type: ignore[arg-type]
