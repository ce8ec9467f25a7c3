"""Exemplary subjects against every shipped member and branch index.

(a) the exemplary subject of every category earns the whole scale in every quarter and in the year, and its annual
result is 100; (b) one verified incident costs the year the same points whichever month it happened in; (c) the
order of the records, incidents and commendations in the facts never changes a result. Every standard of every
shipped index is served by a field of the exemplary facts (MEMBER_FIELDS, BRANCH_FIELDS).
"""

from __future__ import annotations

import calendar
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

import partyrules as pr
from partyrules.analyse.fairness import rule_reads
from partyrules.cycle.quarterly import facts_for_period, quarters
from partyrules.cycle.scoring import score_subject_year
from partyrules.facts.exemplary import BRANCH_FIELDS, MEMBER_FIELDS, exemplary_branch, exemplary_member, with_incident
from partyrules.facts.kinds import incident_kinds
from partyrules.shipped_rulesets import CATEGORY_RULESET

YEAR = 2026
KEYS = ("in_service", "retired", "new_citizen", "mobile", "branch")  # mobile members: the in-service index
RULESETS = {k: pr.load_ruleset(pr.shipped_ruleset_path(CATEGORY_RULESET.get(k, k))) for k in KEYS}


def _exemplary(key: str, **kw: object) -> pr.MemberFacts | pr.BranchFacts:
    return exemplary_branch(YEAR, **kw) if key == "branch" else exemplary_member(key, YEAR, **kw)  # type: ignore


def _kinds(key: str) -> list[str]:
    """The incident kinds some deduction of the index reads."""
    known = incident_kinds("branch" if key == "branch" else "member")
    return sorted({k for d in RULESETS[key].deductions for k in rule_reads(d)[1]} & known)


@pytest.mark.parametrize("key", KEYS)
def test_every_standard_is_served_by_a_field(key):
    served = {i for _, (_, items) in (BRANCH_FIELDS if key == "branch" else MEMBER_FIELDS).items() for i in items}
    missing = [s.id for s in RULESETS[key].standards if s.id not in served]
    assert missing == []


# branches have no health: only members are also tried as health-limited
@pytest.mark.parametrize(("key", "health_limited"),
                         [(k, False) for k in KEYS] + [(k, True) for k in KEYS if k != "branch"])
def test_a_exemplary_reaches_the_scale_in_every_quarter_and_the_year(key, health_limited):
    rs = RULESETS[key]
    facts = _exemplary(key, **({"health_limited": True} if health_limited else {}))
    got = {}
    for p in [*quarters(YEAR), pr.Period.year(YEAR)]:
        b = pr.evaluate(rs, facts_for_period(facts, p), period=p)
        assert not b.vetoed
        got[str(p)] = b.total
    assert got == {p: rs.max_points for p in got}


@pytest.mark.parametrize("key", KEYS)
@given(month=st.integers(1, 12))
def test_a_exemplary_annual_result_is_100_whatever_the_month_of_once_a_year_items(key, month):
    rs = RULESETS[key]
    facts = _exemplary(key, once_a_year_month=month)
    result = pr.run_year([facts] if key != "branch" else [], [facts] if key == "branch" else [], year=YEAR,
                         rulesets=[rs], workers=1)
    (annual,) = result.branches if key == "branch" else result.members
    assert annual.percent == 100
    assert score_subject_year(pr.Evaluator(rs), facts, YEAR).result.percent == 100


@pytest.mark.parametrize("key", KEYS)
@given(data=st.data())
def test_b_one_incident_costs_the_same_whichever_month(key, data):
    rs = RULESETS[key]
    kind = data.draw(st.sampled_from(_kinds(key)), label="kind")
    m1, m2 = data.draw(st.integers(1, 12), label="month"), data.draw(st.integers(1, 12), label="other month")
    base = _exemplary(key)

    def on(m: int) -> date:
        return date(YEAR, m, data.draw(st.integers(1, calendar.monthrange(YEAR, m)[1]), label=f"day of {m}"))

    a = pr.evaluate(rs, with_incident(base, kind, on(m1)), period=str(YEAR))
    b = pr.evaluate(rs, with_incident(base, kind, on(m2)), period=str(YEAR))
    assert (a.total, a.vetoed, a.grade.id) == (b.total, b.vetoed, b.grade.id)
    assert a.total <= rs.max_points


@pytest.mark.parametrize("key", KEYS)
@given(data=st.data())
def test_c_the_order_of_records_never_changes_the_result(key, data):
    rs = RULESETS[key]
    facts = _exemplary(key, once_a_year_month=data.draw(st.integers(1, 12), label="once a year"))
    kinds = _kinds(key)
    for i in range(data.draw(st.integers(0, 3), label="incidents")):
        facts = with_incident(facts, data.draw(st.sampled_from(kinds)), date(YEAR, data.draw(st.integers(1, 12)), 10),
                              incident_id=f"I{i}")
    dumped = facts.model_dump(mode="json")
    shuffled = dict(dumped)
    for key_ in ("records", "incidents", "commendations"):
        shuffled[key_] = data.draw(st.permutations(dumped[key_]), label=key_)
    other = type(facts).model_validate(shuffled)
    period = data.draw(st.sampled_from([*quarters(YEAR), pr.Period.year(YEAR)]), label="period")
    a = pr.evaluate(rs, facts_for_period(facts, period), period=period)
    b = pr.evaluate(rs, facts_for_period(other, period), period=period)
    assert a.to_json() == b.to_json()


def test_options_are_checked():
    with pytest.raises(ValueError, match="once_a_year_month"):
        exemplary_member("retired", YEAR, once_a_year_month=13)
    with pytest.raises(ValueError):
        exemplary_member("nobody", YEAR)
