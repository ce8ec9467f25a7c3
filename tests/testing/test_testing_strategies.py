"""partyrules.testing strategies: valid facts for any rule set, drawn at the edges the rule set cares about."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import partyrules as pr
from partyrules.facts import incident_kinds
from partyrules.testing import (
    annual_evaluations,
    branches,
    communities,
    edges_of,
    facts_for,
    incidents,
    members,
    monthly_records,
)

SHIPPED = ("branch", "in_service", "retired", "new_citizen", "community")
PERIOD = pr.Period.parse("2026")


def _load(name: str) -> pr.RuleSet:
    return pr.load_ruleset(pr.shipped_ruleset_path(name))


def _revalidated(facts):
    """The facts' own JSON read back by the public parser: strict validation of everything drawn."""
    return pr.facts.parse_subject_facts(facts.model_dump(mode="json"))


@pytest.mark.parametrize("name", SHIPPED)
def test_facts_for_every_shipped_ruleset_are_valid_and_applicable(name):
    rs = _load(name)
    ev = pr.Evaluator(rs)

    @settings(max_examples=15)
    @given(facts=facts_for(rs))
    def body(facts):
        assert str(type(facts).subject_kind) == rs.subject_kind
        assert _revalidated(facts) == facts
        ev.evaluate(facts, "2026")  # applies_to holds: no NotApplicableError

    body()


@pytest.mark.parametrize("kind", ["member", "branch", "community"])
def test_incidents_are_registered_kinds_of_the_subject_verified_or_not(kind):
    seen_verified = set()

    @settings(max_examples=30)
    @given(inc=incidents(kind, subject_id="S1"))
    def body(inc):
        assert inc.kind in incident_kinds(kind)
        assert inc.subject_kind == kind and inc.subject_id == "S1"
        assert (inc.verified_by is not None) == inc.verified
        seen_verified.add(inc.verified)

    body()
    assert seen_verified == {True, False}


def test_edges_hold_the_constants_and_parameters_of_the_ruleset():
    rs = pr.load_ruleset("tests/rulesets/check/false-monotone.yaml")
    edges = edges_of(rs)
    assert edges.by_field["volunteer_hours"] == (40.0,)
    assert 40.0 in edges.numbers
    assert "in_service" in edges.strings
    below, at, above = edges.around("volunteer_hours", integral=False)
    assert below < at == 40.0 < above
    assert edges.read is not None and {"volunteer_hours", "category"} <= edges.read
    shipped = edges_of(_load("in_service"))
    assert all(float(v) in shipped.numbers for v in shipped_params_numbers(_load("in_service")))


def shipped_params_numbers(rs):
    return [v for v in rs.params.values() if isinstance(v, int | float) and not isinstance(v, bool)]


def test_values_at_and_around_the_constants_are_drawn():
    """The threshold the rule set compares with (40 hours) is drawn exactly, and just below and above it."""
    rs = pr.load_ruleset("tests/rulesets/check/false-monotone.yaml")
    hours: set[float] = set()

    @settings(max_examples=100)
    @given(facts=facts_for(rs))
    def body(facts):
        hours.update(r.volunteer_hours for r in facts.records)

    body()
    assert 40.0 in hours
    assert any(39.9 < h < 40.0 for h in hours) and any(40.0 < h < 40.1 for h in hours)


def test_records_are_empty_full_or_partial_and_in_the_period():
    sizes: set[int] = set()

    @settings(max_examples=25)
    @given(records=monthly_records("member", subject_id="M1", period="2026"))
    def body(records):
        months = [r.month for r in records]
        assert months == sorted(set(months))
        assert all(m.startswith("2026-") for m in months)
        sizes.add(len(records))

    body()
    assert 0 in sizes and 12 in sizes and len(sizes) > 2


def test_applies_to_is_satisfied():
    rs = _load("retired")

    @settings(max_examples=20)
    @given(facts=facts_for(rs))
    def body(facts):
        assert facts.member.category == "retired"

    body()


@settings(max_examples=20)
@given(m=members(), b=branches(), c=communities(), a=annual_evaluations("branch", subject_id="B1"),
       h=st.data())
def test_lower_level_strategies_draw_valid_models(m, b, c, a, h):
    assert m.member_id == "M1" and b.branch_id == "B1" and c.community_id == "C1"
    assert b.member_count >= b.formal_member_count
    assert b.has_committee or b.committee_size == 0
    assert a.subject_kind == "branch" and a.employer_appraisal is None
    records = h.draw(monthly_records("branch", subject_id="B1"))
    for r in records:
        assert r.issues_resolved_on_time <= r.issues_collected
        assert r.directives_relayed_on_time <= r.directives_received
