"""The semantics that must hold (design.md), as properties over the example rule set and generated rule sets,
and as examples with hand-computed numbers for every scoring method.

Tests that evaluate rule sets other than the shipped example run in a forked process (the ``isolated``
fixture): the engine's C core can crash the process, and a crash must fail one test, not end the run.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import ValidationError

import partyrules as pr
from hand_facts import veto_incident
from partyrules.facts.base import MAX_COUNT
from partyrules.testing import (
    GENERATED_EDGES,
    MONOTONE_FIELDS,
    VERIFIER,
    GeneratedRuleSet,
    condition_rulesets,
    generated_rulesets,
    subject_facts,
)
from semantic_oracles import MEANINGS, holds, incident_env, record_env, subject_env, view_of

PERIOD = "2026"
STANDARD_STATUSES = {"met", "partial", "not_met", "not_applicable", "capped"}
DEDUCTION_STATUSES = {"applied", "capped", "floored"}


# -- helpers -----------------------------------------------------------------------------------------------------
def assert_invariants(rs: pr.RuleSet, b: pr.ScoreBreakdown) -> None:
    """Every invariant a breakdown must satisfy, whatever the rule set and the facts."""
    assert b.ruleset_id == rs.id and b.ruleset_hash == rs.content_hash
    assert b.max_points == rs.max_points
    assert 0 <= b.total <= b.max_points
    assert [d.id for d in b.dimensions] == [d.id for d in rs.dimensions]
    std_lines = [ln for ln in b.lines if ln.kind == "standard"]
    ded_lines = [ln for ln in b.lines if ln.kind == "deduction"]
    assert all(ln.kind != "veto" for ln in b.lines)
    # every standard has exactly one line or is listed as not assessed, in declaration order
    skipped = {n.rule_id: n for n in b.not_assessed}
    assert [ln.rule_id for ln in std_lines] == [s.id for s in rs.standards if s.id not in skipped]
    assert [n.rule_id for n in b.not_assessed] == [s.id for s in rs.standards if s.id in skipped]
    assert all(n.points == next(s.points for s in rs.standards if s.id == n.rule_id) for n in b.not_assessed)
    declared = {s.id: s for s in rs.standards}
    for ln in std_lines:
        assert ln.max_points == declared[ln.rule_id].points
        assert 0 <= ln.points <= ln.max_points, ln
        assert ln.status in STANDARD_STATUSES, ln
        assert ln.dimension == declared[ln.rule_id].dimension
    caps = {k.id: k.spec.cap for k in rs.deductions}
    assert len({ln.rule_id for ln in ded_lines}) == len(ded_lines)
    for ln in ded_lines:
        cap = caps[ln.rule_id]
        assert ln.max_points == cap
        assert -cap <= ln.points <= 0, ln
        assert abs(ln.points) <= ln.before_cap + 1e-9, ln
        assert ln.status in DEDUCTION_STATUSES, ln
    for d in b.dimensions:
        # what the period could earn: the max less the points of the standards it did not assess
        left_out = sum(n.points for n in b.not_assessed if n.dimension == d.id)
        assert d.assessed_max == pytest.approx(max(0.0, d.max - left_out), abs=1e-6)
        assert 0 <= d.subtotal <= d.assessed_max, d
        mine_std = [ln.points for ln in std_lines if ln.dimension == d.id]
        mine_ded = [ln.points for ln in ded_lines if ln.dimension == d.id]
        # every point is accounted for: the lines of a dimension add up to its subtotal (floored give-back)
        assert round(sum(mine_std) + sum(mine_ded), 6) == pytest.approx(d.subtotal, abs=1e-9), d
        assert d.earned == pytest.approx(round(sum(mine_std), 6), abs=1e-9)
        assert d.deducted == pytest.approx(round(-sum(mine_ded), 6), abs=1e-9)
        assert d.deducted <= d.earned + 1e-9  # a deduction never takes the dimension below 0
    subtotal_sum = round(sum(d.subtotal for d in b.dimensions), 6)
    assert b.assessed_total == pytest.approx(subtotal_sum, abs=1e-9)
    assert b.assessed_max == pytest.approx(sum(d.assessed_max for d in b.dimensions), abs=1e-6)
    if b.vetoed and b.veto_effect == "zero_total":
        assert b.total == 0
    elif b.assessed_max == b.max_points:
        assert b.total == pytest.approx(subtotal_sum, abs=1e-9)
    else:  # put back on the rule set's scale
        want = subtotal_sum * b.max_points / b.assessed_max if b.assessed_max > 0 else 0.0
        assert b.total == pytest.approx(want, abs=1e-6)
    assert b.vetoed == bool(b.vetoes)
    assert all(v.kind == "veto" and v.status == "vetoed" and v.points == 0 for v in b.vetoes)
    assert {v.rule_id for v in b.vetoes} <= {v.id for v in rs.vetoes}
    if b.vetoed:
        assert b.grade.id == rs.lowest_grade.id
        assert [r.code for r in b.reason_codes[: len(b.vetoes)]] == [f"VETO:{v.rule_id}" for v in b.vetoes]
    else:
        expected = next(g for g in rs.grades if b.total + 1e-9 >= g.at_least)
        assert b.grade.id == expected.id


def with_incident(facts: pr.MemberFacts, incident: pr.Incident) -> pr.MemberFacts:
    return pr.MemberFacts(facts.member, records=facts.records, incidents=(*facts.incidents, incident),
                          commendations=facts.commendations, annual=facts.annual)


def with_record(facts: pr.MemberFacts, index: int, **changes: Any) -> pr.MemberFacts:
    records = list(facts.records)
    old = records[index]
    records[index] = pr.MemberMonthRecord.model_validate({**old.model_dump(), **changes})
    return pr.MemberFacts(facts.member, records=tuple(records), incidents=facts.incidents,
                          commendations=facts.commendations, annual=facts.annual)


def raised(value: float, field: str, bump: float) -> float | int:
    """``value`` raised by ``bump``, within the model's bounds (a value at its bound stays there)."""
    if field == "volunteer_hours":
        return min(744.0, value + bump)
    return min(MAX_COUNT, int(value + max(1, round(bump))))


def note_example(isolated: Any, g: GeneratedRuleSet | None, facts: pr.MemberFacts) -> None:
    text = g.text if g is not None else "(the example rule set)"
    isolated.note(f"rule set:\n{text}\nfacts:\n{facts.model_dump_json(indent=1)}")


# -- invariants ----------------------------------------------------------------------------------------------------
@given(facts=subject_facts("member", edges=GENERATED_EDGES, category="in_service"))
def test_example_breakdown_invariants(example_ruleset, facts):
    b = pr.evaluate(example_ruleset, facts, period=PERIOD)
    assert_invariants(example_ruleset, b)


@given(facts=subject_facts("member", edges=GENERATED_EDGES, category="in_service", kinds=("complaint_substantiated",),
                           verified=True, max_incidents=6))
def test_example_heavy_deductions_never_go_below_zero(example_ruleset, facts):
    b = pr.evaluate(example_ruleset, facts, period=PERIOD)
    assert_invariants(example_ruleset, b)
    for ln in b.lines:
        if ln.status == "floored":
            assert b.dimension(ln.dimension).subtotal == 0


def test_generated_breakdown_invariants(isolated):
    @given(g=generated_rulesets(), facts=subject_facts("member", edges=GENERATED_EDGES))
    def body(g, facts):
        note_example(isolated, g, facts)
        rs = g.load()
        b = pr.evaluate(rs, facts, period=PERIOD)
        assert_invariants(rs, b)

    isolated.run(body)


def test_generated_large_rulesets_across_engine_chunks(isolated):
    @given(g=generated_rulesets(large=True), facts=subject_facts("member", edges=GENERATED_EDGES),
           seed=st.integers(0, 2**32))
    def body(g, facts, seed):
        note_example(isolated, g, facts)
        rs = g.load()
        assert len(rs.standards) + len(rs.deductions) > 32
        b = pr.evaluate(rs, facts, period=PERIOD)
        assert_invariants(rs, b)
        assert pr.evaluate(rs, _shuffled(facts, seed), period=PERIOD).to_json() == b.to_json()

    isolated.run(body)


def test_generated_heavy_deductions_never_go_below_zero(isolated):
    heavy = subject_facts("member", edges=GENERATED_EDGES, kinds=("complaint_substantiated", "gambling", "littering"),
                          verified=True)

    @given(g=generated_rulesets(), facts=heavy)
    def body(g, facts):
        note_example(isolated, g, facts)
        rs = g.load()
        b = pr.evaluate(rs, facts, period=PERIOD)
        assert_invariants(rs, b)

    isolated.run(body)


# -- an independent oracle for generated rule sets --------------------------------------------------------------
def _oracle_points(s: dict[str, Any], ev: Callable[[str], Any], full: float) -> float:
    """A standard's points, read from its document: the plain meaning of each scoring method."""
    if "when" in s and ev(s["when"]) is not True:
        return full if s.get("if_not_applicable", "full") == "full" else 0.0
    if "flag" in s:
        return full if ev(s["flag"]) is True else 0.0
    if "ratio" in s or "ratio_to" in s:
        spec = s.get("ratio") or s["ratio_to"]
        num = ev(spec.get("numerator", spec.get("value")))
        den = ev(spec.get("denominator", spec.get("target")))
        zero = spec.get("zero_denominator", spec.get("zero_target", "full"))
        if den is None or den <= 0:
            return full if zero == "full" else 0.0
        return full * (0.0 if num is None else min(1.0, max(0.0, num / den)))
    if "bands" in s:
        value = ev(s["bands"]["value"])
        return 0.0 if value is None else next(
            (float(st_["points"]) for st_ in s["bands"]["steps"] if value >= st_["at_least"]), 0.0)
    count = ev(s["per_occurrence"]["count"])
    occ = count if count is not None and count > 0 else 0
    return min(occ * s["per_occurrence"]["points"], full)


def oracle(g: GeneratedRuleSet, facts: pr.MemberFacts, period: str = PERIOD) -> dict[str, Any]:
    """Score a generated rule set by reading its document and the plain-Python meaning of each expression,
    without the engine, the expression compiler or the scorer: what the design says the numbers must be."""
    doc = g.doc
    v = view_of(facts, pr.Period.parse(period), doc["params"])

    def ev(text: str) -> Any:
        return MEANINGS[text](v)

    months = pr.Period.parse(period).months  # the tests' periods are whole quarters or years
    not_assessed: set[str] = set()
    standards: dict[str, float] = {}
    for s in doc["standards"]:
        full = float(s["points"])
        due = s.get("due")
        if (due == "yearly" and months < 12) or (due == "quarterly" and months < 3) or (
                "when" in s and s.get("if_not_applicable") == "not_assessed" and ev(s["when"]) is not True):
            not_assessed.add(s["id"])
            continue
        standards[s["id"]] = round(_oracle_points(s, ev, full), 6)
    taken: dict[str, float] = {}
    for k in doc["deductions"]:
        due = k.get("due")
        if (due == "yearly" and months < 12) or (due == "quarterly" and months < 3):
            continue  # not due in the period: not applied
        if "when" in k and ev(k["when"]) is not True:
            continue
        per = ev(k["per"])
        occ = max(0, per) if per is not None else 0
        if occ > 0:
            taken[k["id"]] = round(min(occ * k["points"], k["cap"]), 6)
    deductions: dict[str, float] = {}
    subtotals: dict[str, float] = {}
    assessed_max: dict[str, float] = {}
    for d in doc["dimensions"]:
        assessed_max[d["id"]] = max(0.0, d["max"] - sum(s["points"] for s in doc["standards"]
                                                        if s["dimension"] == d["id"] and s["id"] in not_assessed))
        earned = sum(standards[s["id"]] for s in doc["standards"]
                     if s["dimension"] == d["id"] and s["id"] not in not_assessed)
        mine = [k["id"] for k in doc["deductions"] if k["dimension"] == d["id"] and k["id"] in taken]
        excess = sum(taken[k] for k in mine) - earned
        for kid in reversed(mine):  # the floor: the last declared deductions give back first
            give = min(taken[kid], max(0.0, excess))
            excess -= give
            deductions[kid] = -(taken[kid] - give)
        subtotals[d["id"]] = min(assessed_max[d["id"]], max(0.0, earned - sum(taken[k] for k in mine)))
    vetoes = [x["id"] for x in doc["vetoes"] if ev(x["when"]) is True]
    total = sum(subtotals.values())
    top, amax = sum(d["max"] for d in doc["dimensions"]), sum(assessed_max.values())
    if abs(amax - top) > 1e-9:  # a period that did not assess everything is put back on the rule set's scale
        total = total * top / amax if amax > 0 else 0.0
    if vetoes and doc["veto_effect"] == "zero_total":
        total = 0.0
    return {"standards": standards, "deductions": deductions, "subtotals": subtotals, "vetoes": vetoes,
            "total": total}


def assert_matches_oracle(g: GeneratedRuleSet, facts: pr.MemberFacts, b: pr.ScoreBreakdown,
                          period: str = PERIOD) -> None:
    want = oracle(g, facts, period)
    got_std = {ln.rule_id: ln.points for ln in b.lines if ln.kind == "standard"}
    got_ded = {ln.rule_id: ln.points for ln in b.lines if ln.kind == "deduction"}
    assert got_std == pytest.approx(want["standards"], abs=1e-6)
    want_ded = {k: p for k, p in want["deductions"].items() if abs(p) > 1e-9 or k in got_ded}
    assert got_ded == pytest.approx(want_ded, abs=1e-6)
    assert {d.id: d.subtotal for d in b.dimensions} == pytest.approx(want["subtotals"], abs=1e-6)
    assert [x.rule_id for x in b.vetoes] == want["vetoes"]
    assert b.total == pytest.approx(want["total"], abs=1e-6)


def test_generated_rulesets_match_an_independent_oracle(isolated):
    @given(g=generated_rulesets(), facts=subject_facts("member", edges=GENERATED_EDGES))
    def body(g, facts):
        note_example(isolated, g, facts)
        b = pr.evaluate(g.load(), facts, period=PERIOD)
        assert_matches_oracle(g, facts, b)

    isolated.run(body)


def test_large_generated_rulesets_match_an_independent_oracle(isolated):
    @given(g=generated_rulesets(large=True), facts=subject_facts("member", edges=GENERATED_EDGES))
    def body(g, facts):
        note_example(isolated, g, facts)
        b = pr.evaluate(g.load(), facts, period=PERIOD)
        assert_matches_oracle(g, facts, b)

    isolated.run(body)


def test_generated_rulesets_match_the_oracle_for_a_quarter(isolated):
    @given(g=generated_rulesets(),
           facts=subject_facts("member", edges=GENERATED_EDGES, months=("2026-04", "2026-05", "2026-06")),
           quarter=st.sampled_from(["Q2"]))
    def body(g, facts, quarter):
        note_example(isolated, g, facts)
        period = f"2026-{quarter}"
        b = pr.evaluate(g.load(), facts, period=period)
        assert b.period.label == period
        assert_invariants(g.load(), b)
        assert_matches_oracle(g, facts, b, period)

    isolated.run(body)


# -- conditions: the engine's matching against the language's three-valued logic -----------------------------------
def test_engine_conditions_follow_three_valued_logic(isolated):
    @given(c=condition_rulesets(), facts=subject_facts("member", edges=GENERATED_EDGES))
    def body(c, facts):
        isolated.note(f"rule set:\n{c.text}\nfacts:\n{facts.model_dump_json(indent=1)}")
        rs = c.load()
        b = pr.evaluate(rs, facts, period=PERIOD)
        assert_invariants(rs, b)
        v = view_of(facts, pr.Period.parse(PERIOD), {})
        env = subject_env(v)
        assert b.line("S1").points == (50.0 if holds(c.flag, env) else 0.0), c.flag.text
        assert b.line("S2").points == (50.0 if holds(c.when, env) else 0.0), c.when.text
        assert b.vetoed == holds(c.veto, env), c.veto.text
        want_records = sorted(f"record:{r.month}" for r in v.records if holds(c.records, record_env(r)))
        want_incidents = sorted(f"incident:{i.incident_id}" for i in v.incidents
                                if holds(c.incidents, incident_env(i)))
        lines = {ln.rule_id: ln for ln in b.lines}
        assert (lines["K1"].evidence.counted if "K1" in lines else []) == want_records, c.records.text
        assert (lines["K2"].evidence.counted if "K2" in lines else []) == want_incidents, c.incidents.text
        # one occurrence per matching item, however many parts of the condition it satisfies
        assert (lines["K1"].occurrences if "K1" in lines else 0) == len(want_records), c.records.text
        assert (lines["K2"].occurrences if "K2" in lines else 0) == len(want_incidents), c.incidents.text
        assert b.dimension("D2").subtotal == 50 - len(want_records) - len(want_incidents)

    isolated.run(body)


def test_an_item_matching_both_sides_of_or_is_one_occurrence(isolated):
    def body():
        rs = tiny(GOOD_FLAG, [{"id": "K1", "per": 'count(incidents where kind == "littering" or severity == "minor")',
                               "points": 1, "cap": 5}])
        facts = _facts(_member(placard_displayed=True), incidents=[_incident("I1", "littering", severity="minor")])
        ln = _score(rs, facts).line("K1")
        assert (ln.occurrences, ln.points, ln.evidence.counted) == (1.0, -1.0, ["incident:I1"])

    isolated.run(body)


@pytest.mark.parametrize("hours", [1e-10, 5e-324, 0.00005])
def test_numbers_python_writes_with_an_exponent_are_matched(isolated, hours):
    # json.dumps writes 1e-10; every record of the batch must still be seen by the engine
    def body():
        rs = tiny(GOOD_FLAG, [{"id": "K1", "per": "count(records where volunteer_hours >= 0)", "points": 1,
                               "cap": 5}])
        records = [_record("2026-01"), _record("2026-02", volunteer_hours=hours), _record("2026-03")]
        ln = _score(rs, _facts(_member(placard_displayed=True), records=records)).line("K1")
        assert ln.evidence.counted == ["record:2026-01", "record:2026-02", "record:2026-03"]
        assert ln.occurrences == 3.0

    isolated.run(body)


def test_small_amounts_of_a_summed_deduction_are_counted(isolated):
    def body():
        rs = tiny(GOOD_FLAG, [{"id": "K1", "per": "sum(records.(volunteer_hours / 100000))", "points": 5,
                               "cap": 5}])
        records = [_record("2026-01", volunteer_hours=1.0), _record("2026-02", volunteer_hours=2.0)]
        b = _score(rs, _facts(_member(placard_displayed=True), records=records))
        assert [ln.rule_id for ln in b.lines] == ["S1", "K1"]
        assert b.line("K1").occurrences == pytest.approx(3e-05)
        assert b.line("K1").points == -0.00015

    isolated.run(body)


# -- vetoes and fairness -------------------------------------------------------------------------------------------
@given(facts=subject_facts("member", edges=GENERATED_EDGES, category="in_service"))
def test_example_verified_veto_forces_the_lowest_grade(example_ruleset, facts):
    rs = example_ruleset
    b = pr.evaluate(rs, with_incident(facts, veto_incident("IVETO")), period=PERIOD)
    assert b.vetoed
    assert b.grade.id == rs.lowest_grade.id == "unqualified"
    line = b.line("EX.V1")
    assert line.kind == "veto" and line.status == "vetoed"
    assert "incident:IVETO" in line.evidence.counted
    assert b.reason_codes[0].code.startswith("VETO:")
    assert_invariants(rs, b)


@given(facts=subject_facts("member", edges=GENERATED_EDGES, category="in_service"))
def test_example_unverified_veto_incident_changes_nothing(example_ruleset, facts):
    before = pr.evaluate(example_ruleset, facts, period=PERIOD).to_json()
    after = pr.evaluate(example_ruleset, with_incident(facts, veto_incident("IVETO", verified=False)),
                        period=PERIOD).to_json()
    assert after == before


def test_veto_incident_outside_the_period_is_not_counted(example_ruleset):
    facts = pr.MemberFacts(_member(), records=(_record("2026-01"),))
    before = pr.evaluate(example_ruleset, facts, period=PERIOD).to_json()
    old = veto_incident("IOLD", occurred_on="2025-12-31")
    assert pr.evaluate(example_ruleset, with_incident(facts, old), period=PERIOD).to_json() == before
    assert pr.evaluate(example_ruleset, with_incident(facts, veto_incident("INEW")), period=PERIOD).vetoed


def test_a_veto_incident_of_another_subject_is_rejected_by_the_bundle():
    other = veto_incident("IX", member_id="M2")
    with pytest.raises(ValidationError) as info:
        pr.MemberFacts(_member(), incidents=(other,))
    err = info.value.errors()[0]
    assert err["loc"] == ("incidents",)
    assert err["type"] == "not_this_subject"
    assert "belongs to 'M2'" in err["msg"] and "'M1'" in err["msg"]
    branch_incident = {**other.model_dump(mode="json"), "subject_id": "M1", "subject_kind": "branch",
                       "kind": "funds_misuse"}
    with pytest.raises(ValidationError) as info:
        pr.MemberFacts.model_validate({"member": _member().model_dump(mode="json"),
                                       "incidents": [branch_incident]})
    assert "is about a branch" in info.value.errors()[0]["msg"]


def test_generated_verified_veto_forces_the_lowest_grade(isolated):
    @given(g=generated_rulesets(with_crisis_veto=True), facts=subject_facts("member", edges=GENERATED_EDGES))
    def body(g, facts):
        note_example(isolated, g, facts)
        rs = g.load()
        b = pr.evaluate(rs, with_incident(facts, veto_incident("IVETO")), period=PERIOD)
        assert b.vetoed and b.grade.id == rs.lowest_grade.id
        crisis = next(v for v, kind in g.veto_kinds.items() if kind == "crisis_retreat")
        assert "incident:IVETO" in b.line(crisis).evidence.counted
        if g.veto_effect == "zero_total":
            assert b.total == 0
        assert_invariants(rs, b)

    isolated.run(body)


def test_generated_unverified_veto_incident_changes_nothing(isolated):
    @given(g=generated_rulesets(with_crisis_veto=True), facts=subject_facts("member", edges=GENERATED_EDGES))
    def body(g, facts):
        note_example(isolated, g, facts)
        rs = g.load()
        before = pr.evaluate(rs, facts, period=PERIOD).to_json()
        after = pr.evaluate(rs, with_incident(facts, veto_incident("IVETO", verified=False)), period=PERIOD)
        assert after.to_json() == before

    isolated.run(body)


# -- monotonicity --------------------------------------------------------------------------------------------------
@given(facts=subject_facts("member", edges=GENERATED_EDGES, category="in_service"), data=st.data())
def test_example_declared_monotone_fields_never_lower_the_total(example_ruleset, facts, data):
    rs = example_ruleset
    assume(facts.records)
    assert rs.spec.monotone is not None and rs.spec.monotone.increasing
    name = data.draw(st.sampled_from(rs.spec.monotone.increasing))
    field = name.removeprefix("records.")
    index = data.draw(st.integers(0, len(facts.records) - 1))
    bump = data.draw(st.sampled_from([0.5, 1, 3, 50, 10**6]))
    old = getattr(facts.records[index], field)
    more = with_record(facts, index, **{field: raised(old, field, bump)})
    assert pr.evaluate(rs, more, period=PERIOD).total >= pr.evaluate(rs, facts, period=PERIOD).total


def test_generated_declared_monotone_fields_never_lower_the_total(isolated):
    @given(g=generated_rulesets(), facts=subject_facts("member", edges=GENERATED_EDGES), data=st.data())
    def body(g, facts, data):
        assume(facts.records)
        note_example(isolated, g, facts)
        rs = g.load()
        assert rs.spec.monotone is not None
        assert tuple(rs.spec.monotone.increasing) == MONOTONE_FIELDS
        field = data.draw(st.sampled_from(MONOTONE_FIELDS)).removeprefix("records.")
        index = data.draw(st.integers(0, len(facts.records) - 1))
        bump = data.draw(st.sampled_from([0.5, 1, 3, 50, 10**6]))
        more = with_record(facts, index, **{field: raised(getattr(facts.records[index], field), field, bump)})
        assert pr.evaluate(rs, more, period=PERIOD).total >= pr.evaluate(rs, facts, period=PERIOD).total

    isolated.run(body)


# -- determinism ---------------------------------------------------------------------------------------------------
def _shuffled(facts: pr.MemberFacts, seed: int) -> pr.MemberFacts:
    rng = random.Random(seed)
    parts = [list(facts.records), list(facts.incidents), list(facts.commendations)]
    for p in parts:
        rng.shuffle(p)
    return pr.MemberFacts(facts.member, records=tuple(parts[0]), incidents=tuple(parts[1]),
                          commendations=tuple(parts[2]), annual=facts.annual)


@given(facts=subject_facts("member", edges=GENERATED_EDGES, category="in_service"), seed=st.integers(0, 2**32))
def test_example_breakdowns_are_byte_identical(example_ruleset, example_dir, facts, seed):
    rs = example_ruleset
    first = pr.evaluate(rs, facts, period=PERIOD)
    text = first.to_json()
    assert pr.evaluate(rs, facts, period=PERIOD).to_json() == text
    assert pr.evaluate(rs, _shuffled(facts, seed), period=PERIOD).to_json() == text
    # from the facts' own JSON, and from a fresh load of the same rule set
    again = pr.MemberFacts.model_validate_json(facts.model_dump_json())
    assert pr.Evaluator(rs).evaluate(again, PERIOD).to_json() == text
    reloaded = pr.load_ruleset(example_dir / "member-example.yaml")
    assert pr.evaluate(reloaded, facts, period=PERIOD).to_json() == text
    back = pr.ScoreBreakdown.from_json(text)
    assert back == first
    assert back.to_json() == text
    assert json.loads(first.to_json(indent=2)) == json.loads(text)


def test_generated_breakdowns_are_byte_identical(isolated):
    @given(g=generated_rulesets(), facts=subject_facts("member", edges=GENERATED_EDGES), seed=st.integers(0, 2**32))
    def body(g, facts, seed):
        note_example(isolated, g, facts)
        rs = g.load()
        first = pr.evaluate(rs, facts, period=PERIOD)
        text = first.to_json()
        assert pr.evaluate(rs, _shuffled(facts, seed), period=PERIOD).to_json() == text
        assert pr.evaluate(g.load(), facts, period=PERIOD).to_json() == text
        back = pr.ScoreBreakdown.from_json(text)
        assert back == first and back.to_json() == text

    isolated.run(body)


_PROCESS_SCRIPT = """
import hashlib, sys
import partyrules as pr
from partyrules.facts.enums import MemberCategory
from partyrules.synthetic import generate_member_facts
rs = pr.load_ruleset(sys.argv[1])
digest = hashlib.sha256()
for f in generate_member_facts(150, seed=5, category=MemberCategory.IN_SERVICE):
    digest.update(pr.evaluate(rs, f, period="2026").to_json().encode())
print(rs.content_hash, digest.hexdigest())
"""


def test_breakdowns_are_identical_across_processes_and_hash_seeds(example_dir, tmp_path):
    # another process, another string hash seed, another copy of the files: the same bytes
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("member-example.yaml", "member-vetoes.yaml"):
        (copy / name).write_bytes((example_dir / name).read_bytes())
    src = str(Path(pr.__file__).resolve().parents[1])
    outputs = set()
    for seed, path in (("0", example_dir), ("1", copy), ("4242", example_dir)):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": src}
        done = subprocess.run([sys.executable, "-c", _PROCESS_SCRIPT, str(path / "member-example.yaml")],
                              env=env, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr
        outputs.add(done.stdout.strip())
    assert len(outputs) == 1, outputs
    assert outputs.pop().split()[0] == pr.load_ruleset(example_dir / "member-example.yaml").content_hash


# -- parameter overrides -------------------------------------------------------------------------------------------
@given(facts=subject_facts("member", edges=GENERATED_EDGES, category="in_service", is_organ_staff=True))
def test_raising_the_organ_volunteering_target_never_raises_the_line(example_ruleset, facts):
    rs = example_ruleset
    base_hash, base_params = rs.content_hash, dict(rs.params)
    stricter = rs.with_params(organ_volunteer_hours=150)
    assert rs.content_hash == base_hash and dict(rs.params) == base_params
    assert rs.params["organ_volunteer_hours"] == 100
    assert stricter.params["organ_volunteer_hours"] == 150
    assert stricter.content_hash != base_hash
    before = pr.evaluate(rs, facts, period=PERIOD)
    after = pr.evaluate(stricter, facts, period=PERIOD)
    assert after.line("EX.S4").points <= before.line("EX.S4").points
    assert after.params["organ_volunteer_hours"] == 150 and before.params["organ_volunteer_hours"] == 100
    assert after.ruleset_hash == stricter.content_hash
    # the call-time override is the same as the derived rule set
    assert pr.evaluate(rs, facts, period=PERIOD, params={"organ_volunteer_hours": 150}).to_json() == after.to_json()
    assert pr.evaluate(rs, facts, period=PERIOD).to_json() == before.to_json()


@given(facts=subject_facts("member", edges=GENERATED_EDGES, category="in_service", is_organ_staff=False))
def test_the_organ_target_does_not_touch_other_members(example_ruleset, facts):
    stricter = example_ruleset.with_params(organ_volunteer_hours=150)
    before = pr.evaluate(example_ruleset, facts, period=PERIOD)
    after = pr.evaluate(stricter, facts, period=PERIOD)
    assert after.line("EX.S4") == before.line("EX.S4")
    assert after.total == before.total


def test_with_params_back_to_the_base_value_gives_the_base_hash(example_ruleset):
    rs = example_ruleset
    assert rs.with_params(organ_volunteer_hours=150).with_params(organ_volunteer_hours=100).content_hash \
        == rs.content_hash


# -- exact numbers, one scoring method at a time ------------------------------------------------------------------
def _member(**kw: Any) -> pr.Member:
    data = {"member_id": "M1", "branch_id": "B1", "category": "in_service", "status": "formal",
            "joined_on": "2001-07-01", "birth_year": 1975, **kw}
    return pr.Member.model_validate(data)


def _record(month: str, **kw: Any) -> pr.MemberMonthRecord:
    return pr.MemberMonthRecord.model_validate({"member_id": "M1", "month": month, **kw})


def _incident(iid: str, kind: str, verified: bool = True, **kw: Any) -> pr.Incident:
    return pr.Incident.model_validate({
        "incident_id": iid, "subject_kind": "member", "subject_id": "M1", "kind": kind,
        "occurred_on": "2026-03-01", "verified": verified, "verified_by": VERIFIER if verified else None,
        "evidence_ref": f"doc/{iid}", **kw})


def _commendation(cid: str, level: str, verified: bool = True) -> pr.Commendation:
    return pr.Commendation(commendation_id=cid, subject_kind="member", subject_id="M1", kind="commendation",
                           level=level, awarded_on="2026-05-01", verified=verified)


def _facts(member: pr.Member | None = None, records=(), incidents=(), commendations=()) -> pr.MemberFacts:
    return pr.MemberFacts(member or _member(), records=tuple(records), incidents=tuple(incidents),
                          commendations=tuple(commendations))


def tiny(standards: list[dict], deductions: list[dict] = (), vetoes: list[dict] = (), *,
         dim_max: float | None = None, grading: list[dict] | None = None, **top: Any) -> pr.RuleSet:
    """A one-dimension rule set (D1) written as YAML text and loaded through the public API."""
    doc = {
        "id": "tiny", "version": "1", "title": {"zh": "测试", "en": "Test"}, "subject": "member", **top,
        "dimensions": [{"id": "D1", "zh": "维度", "en": "Dimension",
                        "max": dim_max if dim_max is not None else sum(s["points"] for s in standards)}],
        "standards": [{"dimension": "D1", "zh": "标准", "en": "Standard", "source": "test", **s}
                      for s in standards],
        "deductions": [{"dimension": "D1", "zh": "扣分", "en": "Deduction", "source": "test", **k}
                       for k in deductions],
        "vetoes": [{"zh": "否决", "en": "Veto", "source": "test", **v} for v in vetoes],
        "grading": grading or [{"id": "good", "zh": "好", "en": "Good", "at_least": 8},
                               {"id": "low", "zh": "差", "en": "Low", "at_least": 0}],
    }
    return pr.loads_ruleset(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), file="tiny.yaml")


def _score(rs: pr.RuleSet, facts: pr.MemberFacts, period: str = PERIOD) -> pr.ScoreBreakdown:
    b = pr.evaluate(rs, facts, period=period)
    assert_invariants(rs, b)
    return b


FLAG = [{"id": "S1", "points": 10, "flag": "placard_displayed"}]


def test_flag_met_gives_full_points(isolated):
    def body():
        b = _score(tiny(FLAG), _facts(_member(placard_displayed=True)))
        ln = b.line("S1")
        assert (ln.points, ln.max_points, ln.status) == (10.0, 10.0, "met")
        assert ln.evidence.reads == {"placard_displayed": True}
        assert b.total == 10.0 and b.grade.id == "good"

    isolated.run(body)


def test_flag_not_met_gives_zero(isolated):
    # the minimal reproduction of the engine crash: a rule set whose only rule does not fire for the subject
    def body():
        b = _score(tiny(FLAG), _facts(_member(placard_displayed=False)))
        ln = b.line("S1")
        assert (ln.points, ln.status) == (0.0, "not_met")
        assert ln.evidence.reads == {"placard_displayed": False}
        assert b.total == 0.0 and b.grade.id == "low"
        assert [r.code for r in b.reason_codes] == ["SHORT:S1"]
        assert b.reason_codes[0].points_lost == 10.0

    isolated.run(body)


RATIO = {"numerator": "sum(records.meetings_attended.member_meeting)",
         "denominator": "sum(records.meetings_required.member_meeting)"}


def _meetings(required: int, attended: int, month: str) -> pr.MemberMonthRecord:
    return _record(month, meetings_required={"member_meeting": required},
                   meetings_attended={"member_meeting": attended})


def test_ratio_is_proportional_and_clipped(isolated):
    def body():
        rs = tiny([{"id": "S1", "points": 20, "ratio": RATIO}])
        b = _score(rs, _facts(records=[_meetings(2, 2, "2026-01"), _meetings(2, 1, "2026-02")]))
        ln = b.line("S1")
        assert (ln.points, ln.status) == (15.0, "partial")  # 3 of 4 meetings: 20 * 3/4
        assert ln.evidence.reads["sum(records.meetings_attended.member_meeting)"] == 3
        assert ln.evidence.reads["sum(records.meetings_required.member_meeting)"] == 4
        assert ln.evidence.counted == ["record:2026-01", "record:2026-02"]
        over = _score(rs, _facts(records=[_meetings(1, 5, "2026-01")]))
        assert (over.line("S1").points, over.line("S1").status) == (20.0, "met")
        thirds = _score(rs, _facts(records=[_meetings(3, 1, "2026-01")]))
        assert thirds.line("S1").points == 6.666667  # rounded to 6 decimals

    isolated.run(body)


@pytest.mark.parametrize(("zero", "points", "status"), [("full", 20.0, "met"), ("zero", 0.0, "not_met")])
def test_ratio_with_a_zero_denominator(isolated, zero, points, status):
    def body():
        rs = tiny([{"id": "S1", "points": 20, "ratio": {**RATIO, "zero_denominator": zero}}])
        for facts in (_facts(), _facts(records=[_meetings(0, 0, "2026-01")]),
                      _facts(records=[_meetings(0, 2, "2026-01")])):
            ln = _score(rs, facts).line("S1")
            assert (ln.points, ln.status) == (points, status)

    isolated.run(body)


def test_ratio_to_scales_the_target_to_the_period(isolated):
    def body():
        rs = tiny([{"id": "S1", "points": 8, "ratio_to": {
            "value": "sum(records.volunteer_hours)", "target": "params.hours * period.months / 12"}}],
            params={"hours": 120})
        year = _score(rs, _facts(records=[_record("2026-01", volunteer_hours=15.0),
                                          _record("2026-02", volunteer_hours=15.0)]))
        assert (year.line("S1").points, year.line("S1").status) == (2.0, "partial")  # 30 of 120 -> 8 * 0.25
        quarter = _score(rs, _facts(records=[_record("2026-02", volunteer_hours=15.0)]), period="2026-Q1")
        assert quarter.line("S1").points == 4.0  # 15 of 30 -> 8 * 0.5
        full = _score(rs, _facts(records=[_record(f"2026-{m:02d}", volunteer_hours=10.0) for m in range(1, 13)]))
        assert (full.line("S1").points, full.line("S1").status) == (8.0, "met")
        zero = tiny([{"id": "S1", "points": 8, "ratio_to": {
            "value": "sum(records.volunteer_hours)", "target": "params.hours", "zero_target": "zero"}}],
            params={"hours": 0})
        assert _score(zero, _facts(records=[_record("2026-01", volunteer_hours=5.0)])).line("S1").points == 0.0

    isolated.run(body)


BANDS = {"value": "count(records where dues_paid_on_time)",
         "steps": [{"at_least": 12, "points": 15}, {"at_least": 10, "points": 10}, {"at_least": 6, "points": 5}]}


@pytest.mark.parametrize(("paid", "points", "status"), [
    (12, 15.0, "met"), (11, 10.0, "partial"), (10, 10.0, "partial"), (9, 5.0, "partial"), (6, 5.0, "partial"),
    (5, 0.0, "not_met"), (0, 0.0, "not_met"),
])
def test_bands_boundaries_are_inclusive(isolated, paid, points, status):
    def body():
        rs = tiny([{"id": "S1", "points": 15, "bands": BANDS}])
        records = [_record(f"2026-{m:02d}", dues_paid_on_time=m <= paid) for m in range(1, 13)]
        ln = _score(rs, _facts(records=records)).line("S1")
        assert (ln.points, ln.status) == (points, status)
        assert ln.evidence.reads["count(records where dues_paid_on_time)"] == paid

    isolated.run(body)


PER_OCC = {"count": 'count(commendations where level in ["district", "city", "above"])', "points": 10}


@pytest.mark.parametrize(("levels", "points", "raw", "status"), [
    ((), 0.0, 0.0, "not_met"),
    (("district",), 10.0, 10.0, "partial"),
    (("district", "city"), 20.0, 20.0, "met"),
    (("district", "city", "above"), 20.0, 30.0, "capped"),
    (("district", "city", "street", "unit"), 20.0, 20.0, "met"),
])
def test_per_occurrence_is_capped_at_the_standard_points(isolated, levels, points, raw, status):
    def body():
        rs = tiny([{"id": "S1", "points": 20, "per_occurrence": PER_OCC}])
        coms = [_commendation(f"C{i}", lv) for i, lv in enumerate(levels)]
        coms.append(_commendation("CX", "city", verified=False))  # never counts
        ln = _score(rs, _facts(_member(), commendations=coms)).line("S1")
        assert (ln.points, ln.before_cap, ln.status) == (points, raw, status)
        assert ln.occurrences == raw / 10
        assert "commendation:CX" not in ln.evidence.counted

    isolated.run(body)


def test_per_occurrence_counts_a_summed_amount(isolated):
    # count: sum(records.x) counts x, exactly as a deduction's per: sum(records.x) does
    def body():
        records = [_record("2026-01", difficulties_resolved=3), _record("2026-02", difficulties_resolved=2),
                   _record("2026-03")]
        rs = tiny([{"id": "S1", "points": 10, "per_occurrence": {
            "count": "sum(records.difficulties_resolved)", "points": 1}}])
        ln = _score(rs, _facts(records=records)).line("S1")
        assert (ln.occurrences, ln.points, ln.status) == (5.0, 5.0, "partial")

    isolated.run(body)


GOOD_FLAG = [{"id": "S1", "points": 10, "flag": "placard_displayed"}]


def test_deduction_cap(isolated):
    def body():
        rs = tiny(GOOD_FLAG, [{"id": "K1", "per": 'count(incidents where kind == "gambling")', "points": 2,
                               "cap": 5}])
        incs = [_incident(f"I{i}", "gambling") for i in range(4)] + [_incident("IU", "gambling", verified=False)]
        b = _score(rs, _facts(_member(placard_displayed=True), incidents=incs))
        ln = b.line("K1")
        assert (ln.points, ln.before_cap, ln.occurrences, ln.max_points, ln.status) == (-5.0, 8.0, 4.0, 5.0,
                                                                                       "capped")
        assert ln.evidence.counted == ["incident:I0", "incident:I1", "incident:I2", "incident:I3"]
        assert b.dimension("D1").subtotal == 5.0 and b.total == 5.0
        one = _score(rs, _facts(_member(placard_displayed=True), incidents=incs[:1]))
        assert (one.line("K1").points, one.line("K1").status) == (-2.0, "applied")
        assert one.total == 8.0

    isolated.run(body)


TWO_DEDUCTIONS = [
    {"id": "K1", "per": 'count(incidents where kind == "gambling")', "points": 6, "cap": 6},
    {"id": "K2", "per": 'count(incidents where kind == "littering")', "points": 5, "cap": 5},
]


def test_floor_gives_back_from_the_last_declared_deduction(isolated):
    def body():
        rs = tiny(GOOD_FLAG, TWO_DEDUCTIONS)
        b = _score(rs, _facts(_member(placard_displayed=True),
                              incidents=[_incident("I1", "gambling"), _incident("I2", "littering")]))
        k1, k2 = b.line("K1"), b.line("K2")
        assert (k1.points, k1.status) == (-6.0, "applied")
        assert (k2.points, k2.before_cap, k2.status) == (-4.0, 5.0, "floored")  # 10 - 6 - 5 < 0: 1 given back
        d = b.dimension("D1")
        assert (d.earned, d.deducted, d.subtotal) == (10.0, 10.0, 0.0)
        assert b.total == 0.0

    isolated.run(body)


def test_floor_gives_back_across_deductions(isolated):
    def body():
        rs = tiny([{"id": "S1", "points": 10, "ratio": RATIO}], TWO_DEDUCTIONS)
        b = _score(rs, _facts(records=[_meetings(10, 3, "2026-01")],
                              incidents=[_incident("I1", "gambling"), _incident("I2", "littering")]))
        assert b.line("S1").points == 3.0
        k1, k2 = b.line("K1"), b.line("K2")
        assert (k2.points, k2.status) == (0.0, "floored")  # the last declared gives back all 5 ...
        assert (k1.points, k1.status) == (-3.0, "floored")  # ... and the first 3 of its 6
        assert b.dimension("D1").subtotal == 0.0 and b.total == 0.0

    isolated.run(body)


VETO = [{"id": "V1", "when": 'count(incidents where kind == "gambling") > 0'}]


@pytest.mark.parametrize(("effect", "total"), [("zero_total", 0.0), ("lowest_grade", 8.0)])
def test_veto_effects(isolated, effect, total):
    def body():
        rs = tiny(GOOD_FLAG, [TWO_DEDUCTIONS[0] | {"points": 2, "cap": 2}], VETO, veto_effect=effect)
        b = _score(rs, _facts(_member(placard_displayed=True), incidents=[_incident("I1", "gambling")]))
        assert b.vetoed and b.veto_effect == effect
        assert b.total == total and b.grade.id == "low"
        assert b.dimension("D1").subtotal == 8.0
        assert [v.rule_id for v in b.vetoes] == ["V1"]
        assert b.vetoes[0].evidence.counted == ["incident:I1"]
        assert b.reason_codes[0].code == "VETO:V1"
        clean = _score(rs, _facts(_member(placard_displayed=True)))
        assert not clean.vetoed and clean.total == 10.0 and clean.grade.id == "good"

    isolated.run(body)


@pytest.mark.parametrize(("organ", "mode", "points", "status"), [
    (False, "full", 10.0, "not_applicable"),
    (False, "zero", 0.0, "not_applicable"),
    (True, "full", 5.0, "partial"),
    (True, "zero", 5.0, "partial"),
])
def test_when_false_gives_full_or_zero(isolated, organ, mode, points, status):
    def body():
        rs = tiny([{"id": "S1", "points": 10, "when": "is_organ_staff", "if_not_applicable": mode,
                    "ratio": RATIO}])
        b = _score(rs, _facts(_member(is_organ_staff=organ), records=[_meetings(2, 1, "2026-01")]))
        assert (b.line("S1").points, b.line("S1").status) == (points, status)

    isolated.run(body)


def test_example_ruleset_hand_computed(example_ruleset):
    """The example index on one member, every line computed by hand."""
    cards = ["basic_info", "activity_record", "community_performance", "community_feedback"]
    member = _member(is_organ_staff=True, placard_displayed=True, cards=cards)
    records = [
        _record(f"2026-{m:02d}", meetings_required={"member_meeting": 1, "group_meeting": 1},
                meetings_attended={"member_meeting": 0 if m == 3 else 1, "group_meeting": 1},
                dues_paid_on_time=m != 5, volunteer_hours=9.5, households_contacted=0 if m in (4, 5, 6) else 2)
        for m in range(1, 13)
    ]
    incidents = [_incident("I1", "complaint_substantiated"),
                 _incident("I2", "complaint_substantiated", verified=False)]
    b = pr.evaluate(example_ruleset, _facts(member, records, incidents, [_commendation("C1", "district")]),
                    period=PERIOD)
    assert_invariants(example_ruleset, b)
    got = {ln.rule_id: (ln.points, ln.status) for ln in b.lines}
    assert got == {
        "EX.S1": (round(20 * 23 / 24, 6), "partial"),  # 23 of 24 meetings
        "EX.S2": (10.0, "partial"),  # 11 months paid: the 10 band
        "EX.S3": (15.0, "met"),
        "EX.S4": (30.0, "met"),  # 114 hours of the organ staff's 100
        "EX.S5": (10.0, "partial"),  # one district commendation
        "EX.K1": (-2.0, "applied"),  # one missed member meeting
        "EX.K2": (-5.0, "applied"),  # one verified complaint; the unverified one does not count
        "EX.K3": (-4.0, "applied"),  # three months without contact
    }
    assert b.line("EX.K2").evidence.counted == ["incident:I1"]
    assert b.dimension("EX.D1").subtotal == round(20 * 23 / 24 + 10 + 15 - 2, 6)
    assert b.dimension("EX.D2").subtotal == 30 + 10 - 5 - 4
    assert b.total == round(20 * 23 / 24 + 10 + 15 - 2 + 31, 6)
    assert b.grade.id == "qualified"
