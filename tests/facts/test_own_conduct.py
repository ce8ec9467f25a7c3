"""Only a subject's own conduct is assessed, on every path: facts that carry another subject's incident,
commendation, monthly record or annual evaluation are refused by every entry point (evaluate, LiveSession,
run_year, score_population), however the facts were built (the constructor, model_copy, model_construct, tables),
with the typed error that names the foreign item."""

from __future__ import annotations

from datetime import date
from functools import cache

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import partyrules as pr
from partyrules.cycle.year import run_year
from partyrules.errors import EvaluationError, ForeignConductError
from partyrules.population.frames import facts_to_population, table_schema
from partyrules.synthetic import generate_member_facts
from partyrules.testing import GENERATED_EDGES, commendations, incidents, subject_facts

PERIOD = "2026"
YEAR = 2026


@cache
def in_service() -> pr.RuleSet:
    return pr.load_ruleset(pr.shipped_ruleset_path("in_service"))


@cache
def members(n: int = 4) -> tuple[pr.MemberFacts, ...]:
    return tuple(generate_member_facts(n, seed=3, category="in_service"))


def own(facts: pr.MemberFacts) -> pr.MemberFacts:
    """The member's facts without incidents, so that only the incident a test adds can veto."""
    return facts.model_copy(update={"incidents": ()})


def foreign_veto(owner: str, incident_id: str = "IX", subject_kind: str = "member") -> pr.Incident:
    """A verified crisis retreat with a consequence (veto MV1 and EX.V1) of the member ``owner``, or an incomplete
    ledger of the branch ``owner``."""
    kind = "crisis_retreat" if subject_kind == "member" else "ledger_incomplete"
    return pr.Incident(incident_id=incident_id, subject_kind=subject_kind, subject_id=owner, kind=kind,
                       occurred_on="2026-05-10", severity="serious", consequence="较大负面影响", verified=True,
                       verified_by="committee", evidence_ref="file/1")


def with_copy(facts: pr.MemberFacts, **lists: object) -> pr.MemberFacts:
    return facts.model_copy(update=lists)


def with_construct(facts: pr.MemberFacts, **lists: object) -> pr.MemberFacts:
    data = {name: getattr(facts, name) for name in type(facts).model_fields}
    data.update(lists)
    return pr.MemberFacts.model_construct(**data)


BUILDERS = {"model_copy": with_copy, "model_construct": with_construct}


def assert_names(err: ForeignConductError, item: str, field: str = "incidents") -> None:
    assert err.code == "PR032"
    assert err.location is not None and err.location.path == f"{field}[{item!r}]"
    assert repr(item) in str(err) and "PR032" in str(err)
    assert err.message_zh and err.hint


# -- the constructor ---------------------------------------------------------------------------------------------

def test_the_constructor_refuses_a_foreign_incident_and_names_it():
    m = members()[0]
    with pytest.raises(ValidationError) as info:
        pr.MemberFacts(m.member, records=m.records, incidents=(foreign_veto("M999", "IX7"),))
    err = info.value.errors()[0]
    assert err["type"] == "not_this_subject" and err["loc"] == ("incidents",)
    assert "'IX7'" in err["msg"] and "'M999'" in err["msg"]


def test_the_constructor_names_a_foreign_record_and_a_foreign_commendation():
    m = members()[0]
    other = members()[1]
    with pytest.raises(ValidationError) as info:
        pr.MemberFacts(m.member, records=(*m.records[:3], other.records[5]))
    assert f"'{other.records[5].month}'" in info.value.errors()[0]["msg"]
    com = pr.Commendation(commendation_id="CX", subject_kind="member", subject_id=other.subject_id, kind="good_deed",
                          level="street", awarded_on="2026-04-01", verified=True)
    with pytest.raises(ValidationError) as info:
        pr.MemberFacts(m.member, commendations=(com,))
    assert "'CX'" in info.value.errors()[0]["msg"]


# -- evaluate ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("build", BUILDERS)
def test_evaluate_refuses_another_members_incident(example_ruleset, build):
    m = own(members()[0])
    bad = BUILDERS[build](m, incidents=(foreign_veto(members()[1].subject_id),))
    with pytest.raises(ForeignConductError) as info:
        pr.evaluate(example_ruleset, bad, period=PERIOD)
    assert_names(info.value, "IX")
    assert isinstance(info.value, EvaluationError)
    assert members()[1].subject_id in info.value.message


@pytest.mark.parametrize("build", BUILDERS)
def test_evaluate_refuses_a_branch_incident_under_the_members_own_id(example_ruleset, build):
    m = own(members()[0])
    bad = BUILDERS[build](m, incidents=(foreign_veto(m.subject_id, "IB", subject_kind="branch"),))
    with pytest.raises(ForeignConductError) as info:
        pr.evaluate(example_ruleset, bad, period=PERIOD)
    assert_names(info.value, "IB")
    assert "branch" in info.value.message


@pytest.mark.parametrize("build", BUILDERS)
def test_evaluate_refuses_another_members_commendation_record_and_annual(example_ruleset, build):
    m, other = members()[0], members()[1]
    com = pr.Commendation(commendation_id="CX", subject_kind="member", subject_id=other.subject_id,
                          kind="commendation", level="district", awarded_on="2026-04-01", verified=True)
    cases = [({"commendations": (com,)}, "commendations", "CX"),
             ({"records": (*m.records[:4], other.records[4], *m.records[5:])}, "records", other.records[4].month),
             ({"annual": other.annual}, "annual", str(YEAR))]
    for lists, field, item in cases:
        with pytest.raises(ForeignConductError) as info:
            pr.evaluate(example_ruleset, BUILDERS[build](m, **lists), period=PERIOD)
        assert_names(info.value, item, field)


def test_the_reference_backend_refuses_too(example_ruleset):
    from partyrules.evaluate.reference import ReferenceEvaluator

    bad = with_copy(own(members()[0]), incidents=(foreign_veto("M999"),))
    with pytest.raises(ForeignConductError):
        ReferenceEvaluator(example_ruleset).evaluate(bad, PERIOD)


# -- run_year ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("build", BUILDERS)
def test_run_year_reports_the_subject_with_a_foreign_incident_and_scores_the_others(build):
    ms = [own(m) for m in members(3)]
    victim = BUILDERS[build](ms[1], incidents=(foreign_veto(ms[2].subject_id),))
    result = run_year(members=[ms[0], victim, ms[2]], year=YEAR, rulesets=[in_service()])
    assert [r.subject_id for r in result.members] == [ms[0].subject_id, ms[2].subject_id]
    assert not any(r.vetoed for r in result.members)
    (failure,) = result.failures
    assert failure.subject_id == victim.subject_id and isinstance(failure.error, ForeignConductError)
    assert_names(failure.error, "IX")


# -- score_population --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("backend", ["vector", "engine", "reference"])
@pytest.mark.parametrize("build", BUILDERS)
def test_score_population_refuses_a_bundle_with_a_foreign_incident(backend, build):
    ms = [own(m) for m in members(3)]
    victim = BUILDERS[build](ms[0], incidents=(foreign_veto(ms[1].subject_id),))
    scores = pr.score_population(in_service(), [victim, ms[1], ms[2]], PERIOD, backend=backend)
    assert [sid for sid, _ in scores.failures] == [victim.subject_id]
    reason = scores.failures[0][1]
    assert "PR032" in reason and "'IX'" in reason
    clean = pr.score_population(in_service(), [ms[1], ms[2]], PERIOD, backend=backend)
    # the incident is not moved onto the member it names either: that member's score is its own
    assert scores.frame.equals(clean.frame)
    assert not scores.frame.get_column("vetoed").any()


def test_score_population_refuses_trusted_tables_with_a_branch_incident_in_a_member_population():
    ms = [own(m) for m in members(3)]
    pop = facts_to_population(ms, "member")
    row = {"subject_id": ms[0].subject_id, "incident_id": "IB", "subject_kind": "branch", "kind": "crisis_retreat",
           "occurred_on": date(2026, 5, 10), "severity": "serious", "consequence": "较大负面影响",
           "verified": True, "verified_by": "committee", "evidence_ref": "file/1"}
    extra = pl.DataFrame([row], schema=table_schema("member", "incidents"))
    tables = {**pop.tables, "incidents": pl.concat([pop.tables["incidents"], extra])}
    bad = pr.Population("member", tables)
    for backend in ("vector", "engine"):
        scores = pr.score_population(in_service(), bad, PERIOD, backend=backend)
        assert [sid for sid, _ in scores.failures] == [ms[0].subject_id], backend
        assert "'IB'" in scores.failures[0][1] and "PR032" in scores.failures[0][1]
        assert scores.frame.height == 2 and not scores.frame.get_column("vetoed").any()


def test_score_population_reports_a_foreign_row_of_loose_tables_naming_table_row_and_item():
    ms = [own(m) for m in members(3)]
    pop = facts_to_population(ms, "member")
    tables = {k: v.clone() for k, v in pop.tables.items()}
    records = tables["records"]
    # the 4th row of the records table says it is another member's record
    tables["records"] = records.with_columns(
        pl.when(pl.int_range(pl.len()) == 3).then(pl.lit(ms[1].subject_id)).otherwise(pl.col("member_id"))
        .alias("member_id"))
    month = records.get_column("month")[3]
    owner = records.get_column("subject_id")[3]
    incident = pl.DataFrame([{"subject_id": ms[2].subject_id, "incident_id": "IB", "subject_kind": "branch",
                              "kind": "crisis_retreat", "occurred_on": "2026-05-10", "severity": "serious",
                              "consequence": "较大负面影响", "verified": True, "verified_by": "committee",
                              "evidence_ref": "file/1"}])
    tables["incidents"] = incident
    scores = pr.score_population(in_service(), tables, PERIOD)
    reasons = dict(scores.failures)
    assert set(reasons) == {owner, ms[2].subject_id}
    assert "records:4" in reasons[owner] and f"'{month}'" in reasons[owner]
    assert "incidents:1" in reasons[ms[2].subject_id] and "'IB'" in reasons[ms[2].subject_id]


# -- the property ------------------------------------------------------------------------------------------------

OTHER_IDS = st.sampled_from(["M2", "M000002", "B1", "m1", "M1-2"])


@st.composite
def foreign_items(draw: st.DrawFn) -> pr.Incident | pr.Commendation:
    """An incident or a commendation of another subject: another member, or a branch or community under the same
    id as the member."""
    kind = draw(st.sampled_from(["member", "branch", "community"]))
    owner = draw(OTHER_IDS) if kind == "member" else draw(st.sampled_from(["M1", "B1"]))
    ident = "FOREIGN-" + draw(st.sampled_from(["0", "1", "X-9"]))  # not an id the member's own items use
    if draw(st.booleans()):
        com = draw(commendations("member", subject_id=owner, commendation_id=ident))
        return pr.Commendation.model_validate({**com.model_dump(), "subject_kind": kind})
    base = draw(incidents("member", subject_id=owner, incident_id=ident))
    if kind == "member":
        return base
    kinds = {"branch": "ledger_incomplete", "community": "mass_incident_major"}
    return pr.Incident.model_validate({**base.model_dump(), "subject_kind": kind, "kind": kinds[kind]})


def ident_of(item: pr.Incident | pr.Commendation) -> tuple[str, str, str]:
    """(the bundle's list, the item's id, the session method that adds it)."""
    if isinstance(item, pr.Incident):
        return "incidents", item.incident_id, "add_incident"
    return "commendations", item.commendation_id, "add_commendation"


@settings(max_examples=30)
@given(facts=subject_facts("member", edges=GENERATED_EDGES, category="in_service", max_incidents=3),
       foreign=foreign_items(), build=st.sampled_from(sorted(BUILDERS)),
       entry=st.sampled_from(["evaluate", "live", "live_add", "run_year", "score_population"]))
def test_every_entry_point_refuses_another_subjects_conduct(example_ruleset, facts, foreign, build, entry):
    field, ident, add = ident_of(foreign)
    changed = {field: (*getattr(facts, field), foreign)}
    with pytest.raises(ValidationError, match=ident):
        pr.MemberFacts(**{**{name: getattr(facts, name) for name in pr.MemberFacts.model_fields}, **changed})
    bad = BUILDERS[build](facts, **changed)
    if entry == "evaluate":
        with pytest.raises(ForeignConductError) as info:
            pr.evaluate(example_ruleset, bad, period=PERIOD)
        assert_names(info.value, ident, field)
    elif entry == "live":
        with pytest.raises(ForeignConductError) as info:
            pr.LiveSession(example_ruleset, bad, PERIOD)
        assert_names(info.value, ident, field)
    elif entry == "live_add":
        with pr.LiveSession(example_ruleset, facts, PERIOD) as session:
            before = session.breakdown().to_json()
            with pytest.raises(ForeignConductError) as info:
                getattr(session, add)(foreign)
            assert_names(info.value, ident, field)
            assert session.facts == facts and session.breakdown().to_json() == before
    elif entry == "run_year":
        result = run_year(members=[bad], year=YEAR, rulesets=[in_service()])
        assert result.members == []
        (failure,) = result.failures
        assert isinstance(failure.error, ForeignConductError)
        assert_names(failure.error, ident, field)
    else:
        scores = pr.score_population(in_service(), [bad], PERIOD)
        assert scores.frame.height == 0
        ((sid, reason),) = scores.failures
        assert sid == facts.subject_id and "PR032" in reason and repr(ident) in reason


def test_tables_built_directly_from_bundles_refuse_a_foreign_incident():
    """facts_to_population writes each item under the bundle's subject id: a foreign incident would become the
    subject's own conduct without a word."""
    from partyrules.population.frames import facts_to_population
    from partyrules.synthetic import generate_member_facts

    a, b = generate_member_facts(2, seed=3)
    stranger = pr.Incident(incident_id="I-B", subject_kind="member", subject_id=b.subject_id, kind="gambling",
                           occurred_on="2026-03-01", severity="minor", verified=True, verified_by="committee",
                           evidence_ref="file/2")
    forged = a.model_copy(update={"incidents": (stranger,)})
    with pytest.raises(ForeignConductError, match="I-B"):
        facts_to_population([forged])
