"""Cadence: a standard is assessed only in a period in which it falls due, identically on every backend.

The semantics (design.md): an item not due neither earns points nor counts in the maximum, the period's total is
put back on the rule set's scale, and the breakdown lists what it did not assess and why.
"""

from __future__ import annotations

import random

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import partyrules as pr
from partyrules.analyse.diagnostics import diagnose
from partyrules.cycle.quarterly import facts_for_period
from partyrules.evaluate.population import score_population
from partyrules.facts.exemplary import exemplary_member
from partyrules.periods import Month
from partyrules.rulesets.cadence import is_due, not_due
from partyrules.synthetic import generate_subdistrict
from partyrules.testing import GENERATED_EDGES, generated_rulesets, subject_facts

SHIPPED = ("branch", "in_service", "retired", "new_citizen", "community")


def _doc(**standard: object) -> dict:
    base = {"id": "S1", "dimension": "D1", "zh": "标准", "en": "Standard", "source": "例", "points": 10,
            "flag": "placard_displayed"}
    return {"id": "cad", "version": "1", "title": {"zh": "周期", "en": "Cadence"}, "subject": "member",
            "dimensions": [{"id": "D1", "zh": "维度", "en": "Dimension", "max": 20}],
            "standards": [{**base, **standard},
                          {**base, "id": "S2", "zh": "标准二", "en": "Standard two", "due": "monthly",
                           "flag": "len(cards) == 4"}],
            "grading": [{"id": "good", "zh": "好", "en": "Good", "at_least": 15},
                        {"id": "poor", "zh": "差", "en": "Poor", "at_least": 0}]}


def _load(**standard: object) -> pr.RuleSet:
    return pr.loads_ruleset(yaml.safe_dump(_doc(**standard), allow_unicode=True), file="cad.yaml")


# -- when a cadence falls due ------------------------------------------------------------------------------------
@given(start=st.integers(2020 * 12, 2030 * 12), length=st.integers(1, 30))
def test_due_follows_the_calendar(start: int, length: int):
    period = pr.Period(Month.from_index(start), Month.from_index(start + length - 1))
    months = [Month.from_index(i) for i in range(start, start + length)]
    whole_quarter = any(m.month in (1, 4, 7, 10) and Month.from_index(m.index + 2) <= period.end for m in months)
    whole_year = any(m.month == 1 and Month.from_index(m.index + 11) <= period.end for m in months)
    assert is_due("monthly", period) and is_due("any", period) and is_due(None, period)
    assert is_due("quarterly", period) == whole_quarter
    assert is_due("yearly", period) == whole_year


def test_a_yearly_standard_is_not_assessed_in_a_quarter_and_assessed_in_the_year():
    rs = _load(due="yearly")
    facts = exemplary_member("in_service", 2026)
    year = pr.evaluate(rs, facts, period="2026")
    assert [ln.rule_id for ln in year.lines] == ["S1", "S2"] and not year.not_assessed
    q2 = pr.evaluate(rs, facts_for_period(facts, pr.Period.parse("2026-Q2")), period="2026-Q2")
    assert [ln.rule_id for ln in q2.lines] == ["S2"]
    (skipped,) = q2.not_assessed
    assert (skipped.rule_id, skipped.due, skipped.points) == ("S1", "yearly", 10.0)
    assert skipped.reason_zh and skipped.reason_en
    assert (q2.assessed_max, q2.dimensions[0].assessed_max, q2.max_points) == (10.0, 10.0, 20.0)


def test_a_period_is_put_back_on_the_scale():
    rs = _load(due="quarterly")
    facts = exemplary_member("in_service", 2026)
    facts = facts.model_copy(update={"member": facts.member.model_copy(update={"cards": ()})})  # S2 not met
    march = facts_for_period(facts, pr.Period.parse("2026-03"))
    b = pr.evaluate(rs, march, period="2026-03")
    assert (b.assessed_total, b.assessed_max, b.total) == (0.0, 10.0, 0.0)
    with_cards = pr.evaluate(rs, facts_for_period(exemplary_member("in_service", 2026),
                                                  pr.Period.parse("2026-03")), period="2026-03")
    assert (with_cards.assessed_total, with_cards.total, with_cards.grade.id) == (10.0, 20.0, "good")


def test_not_assessed_when_a_standard_does_not_apply():
    rs = _load(when="health_limited", if_not_applicable="not_assessed", due="monthly")
    fit = exemplary_member("in_service", 2026)
    b = pr.evaluate(rs, fit, period="2026")
    assert [n.rule_id for n in b.not_assessed] == ["S1"] and b.assessed_max == 10.0 and b.total == 20.0
    limited = pr.evaluate(rs, exemplary_member("in_service", 2026, health_limited=True), period="2026")
    assert not limited.not_assessed and limited.assessed_max == 20.0


def test_the_text_says_what_was_not_assessed():
    rs = _load(due="yearly")
    facts = facts_for_period(exemplary_member("in_service", 2026), pr.Period.parse("2026-Q1"))
    b = pr.evaluate(rs, facts, period="2026-Q1")
    assert "不予评估" in b.to_text("zh") and "S1" in b.to_text("zh")
    assert "Not assessed" in b.to_text("en") and "10 of 10" in b.to_text("en")
    assert "Not assessed" in b.to_markdown("en") and "not_assessed" in b.to_json()


# -- checked at load and by validate ------------------------------------------------------------------------------
@pytest.mark.parametrize(("standard", "code"), [
    ({"due": "yearly", "ratio_to": {"value": "count(commendations)", "target": "period.months / 12"},
      "flag": None}, "RS310"),
    ({"due": "quarterly", "flag": "annual.evaluation_score >= 80"}, "RS311"),
])
def test_contradictions_are_refused_at_load(standard: dict, code: str):
    doc = _doc(**{k: v for k, v in standard.items() if v is not None})
    if standard.get("flag", "x") is None:
        doc["standards"][0].pop("flag")
    with pytest.raises(pr.RuleSetError) as got:
        pr.loads_ruleset(yaml.safe_dump(doc, allow_unicode=True), file="cad.yaml")
    assert [d.code for d in got.value.diagnostics] == [code]
    assert got.value.diagnostics[0].location.path.endswith("due")


def test_validate_warns_about_an_undeclared_cadence_and_free_points():
    codes = [d.code for d in pr.lint_ruleset(_load(when="health_limited"))]
    assert codes.count("RS560") == 1 and codes.count("RS561") == 1
    assert not {"RS560", "RS561"} & {d.code for d in pr.lint_ruleset(
        _load(due="any", when="health_limited", if_not_applicable="not_assessed"))}


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_standard_declares_its_cadence(name: str):
    rs = pr.load_ruleset(pr.shipped_ruleset_path(name))
    assert [s.id for s in rs.standards if s.spec.due is None] == []
    assert [s.id for s in rs.standards if "when" in s.exprs and s.spec.if_not_applicable == "full"] == []


# -- both backends, every period -----------------------------------------------------------------------------------
def _same(a: object, b: object) -> None:
    assert_frame_equal(a.frame, b.frame, check_exact=True)  # type: ignore[attr-defined]
    assert a.failures == b.failures  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", SHIPPED)
@pytest.mark.parametrize("period", ["2026-Q2", "2026-05"])
def test_shipped_rulesets_equal_the_engine_in_a_quarter_and_a_month(name: str, period: str):
    rs = pr.load_ruleset(pr.shipped_ruleset_path(name))
    area = generate_subdistrict(seed=7, communities=3, organisations=10, members=120)
    pool = {"member": area.members, "branch": area.branches, "community": area.communities}[rs.subject_kind]
    p = pr.Period.parse(period)
    sample = [facts_for_period(f, p) for f in random.Random(name).sample(list(pool), min(len(pool), 60))]
    engine = score_population(rs, sample, period, backend="engine")
    assert len(engine) > 0
    _same(engine, score_population(rs, sample, period, backend="vector"))
    skipped = set(not_due(rs.standards, p))
    assert skipped == {s.id for s in rs.standards if s.spec.due == "yearly" or
                       (s.spec.due == "quarterly" and p.months < 3)}


@settings(max_examples=25)
@given(g=generated_rulesets(),
       facts=st.lists(subject_facts("member", edges=GENERATED_EDGES, months=("2026-04", "2026-05", "2026-06")),
                      min_size=1, max_size=3),
       period=st.sampled_from(["2026-Q2", "2026-05", "2026-04..2026-05"]))
def test_generated_rulesets_equal_the_engine_in_any_period(g, facts, period):
    rs = g.load()
    p = pr.Period.parse(period)
    subjects = []
    for i, f in enumerate(facts):
        data = f.model_dump(mode="json")
        sid = f"M{i:03d}"
        data["member"]["member_id"] = sid
        data["records"] = [{**r, "member_id": sid} for r in data["records"] if p.contains_month(
            Month.parse(r["month"]))]
        for x in (*data["incidents"], *data["commendations"]):
            x["subject_id"] = sid
        data["annual"] = None
        subjects.append(pr.MemberFacts.model_validate(data))
    _same(score_population(rs, subjects, period, backend="engine"),
          score_population(rs, subjects, period, backend="vector"))
    _same(score_population(rs, subjects, period, backend="reference"),
          score_population(rs, subjects, period, backend="vector"))


def test_diagnostics_do_not_report_a_standard_that_is_not_due():
    rs = _load(due="yearly")
    facts = [facts_for_period(exemplary_member("in_service", 2026, member_id=f"M{i}"), pr.Period.parse("2026-Q1"))
             for i in range(3)]
    d = diagnose(score_population(rs, facts, "2026-Q1", backend="vector"))
    found = d.findings(lang="en")
    assert any("S1 is not assessed" in f for f in found)
    assert not any(f.startswith("S1 never earns") for f in found)


def test_a_yearly_deduction_is_applied_on_the_year_only():
    doc = _doc(due="monthly")
    doc["deductions"] = [{"id": "K1", "dimension": "D1", "zh": "扣分", "en": "Deduction", "source": "例",
                          "due": "yearly", "per": "1 if sum(records.volunteer_hours) < 1000 else 0",
                          "points": 3, "cap": 3}]
    rs = pr.loads_ruleset(yaml.safe_dump(doc, allow_unicode=True), file="cad.yaml")
    facts = exemplary_member("in_service", 2026)
    assert pr.evaluate(rs, facts, period="2026").line("K1").points == -3.0
    q3 = pr.evaluate(rs, facts_for_period(facts, pr.Period.parse("2026-Q3")), period="2026-Q3")
    assert "K1" not in {ln.rule_id for ln in q3.lines} and q3.total == 20.0
    for backend in ("vector", "reference"):
        year = score_population(rs, [facts], "2026", backend=backend)
        assert year.frame["rule:K1"].to_list() == [-3.0]
