"""Hostile facts never change a result silently or crash (issue 13 findings 1, 2, 3, 11, 14, 15, and the
runtime-arithmetic and same-bundle-twice findings).

Each test names its finding. The facts come from the generator (valid) and are then pushed to the documented
limits (docs/concepts.md, "Limits"), or past them the ways a program can: ``model_copy(update=...)`` and
``model_construct`` skip the models' validation, tables may hold any value. Whatever the input: a typed
PartyRulesError (or a reported failure of that one subject), the same on the engine, the reference and the
vector backend, and every other subject scored as before.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from pydantic import ValidationError

import partyrules as pr
from partyrules.errors import EngineError, FactError, PartyRulesError
from partyrules.evaluate.backends import BACKENDS
from partyrules.evaluate.compiled import compiled_ruleset
from partyrules.evaluate.context import build_context, engine_facts
from partyrules.evaluate.evaluator import Evaluator, chunk_payloads
from partyrules.evaluate.population import score_population
from partyrules.facts import Commendation, Incident, MemberMonthRecord
from partyrules.facts.base import MAX_COUNT, MAX_SLUG, MAX_TEXT
from partyrules.lang.limits import MAX_MAGNITUDE
from partyrules.periods import Period
from partyrules.population.frames import Population, facts_to_population
from partyrules.synthetic import generate_subdistrict

PERIOD = "2026"
BIG = 16 * 2**20 + 3  # just above the engine's 16 MiB string limit
WIDE = 2**16 + 9  # a length kept in 16 bits reads as 9


@pytest.fixture(scope="module")
def members() -> list[Any]:
    sd = generate_subdistrict(seed=13, communities=2, organisations=4, members=30)
    return [m for m in sd.members if m.member.category.value == "in_service"]


def ruleset(standards: str = "", deductions: str = "", vetoes: str = "", applies_to: str = "") -> pr.RuleSet:
    """A member rule set: the standard S0 (15 points, always met) and the given lines (85 points of standards)."""
    top = 100 if standards else 15
    text = f"""
id: hostile
version: "1"
title: {{zh: 测试, en: Test}}
subject: member
{f"applies_to: {applies_to!r}" if applies_to else ""}
dimensions:
  - {{id: D, zh: 维度, en: Dimension, max: {top}}}
standards:
  - {{id: S0, dimension: D, zh: 基础, en: Base, source: 例, points: 15, flag: "true"}}
{standards}
{"deductions:" if deductions else ""}
{deductions}
{"vetoes:" if vetoes else ""}
{vetoes}
grading:
  - {{id: good, zh: 好, en: Good, at_least: {top // 2}}}
  - {{id: poor, zh: 差, en: Poor, at_least: 0}}
"""
    return pr.loads_ruleset(text)


def standard(sid: str, body: str, points: int = 85) -> str:
    return f"  - {{id: {sid}, dimension: D, zh: 条, en: Probe, source: 例, points: {points}, {body}}}"


def deduction(kid: str, per: str, points: int = 10, cap: int = 30) -> str:
    return f"  - {{id: {kid}, dimension: D, zh: 扣, en: Probe, source: 例, per: {per!r}, points: {points}, cap: {cap}}}"


VETO = """  - id: V1
    zh: 否决
    en: Veto
    source: 例
    when: exists(incidents where kind == "criminal_conviction")"""


def scores(rs: pr.RuleSet, population: Any) -> dict[str, pr.PopulationScores]:
    return {b: score_population(rs, population, PERIOD, backend=b) for b in BACKENDS}


def agree(got: dict[str, pr.PopulationScores]) -> pr.PopulationScores:
    """The three backends give the same table, the same failures (with the same reasons) and not-applicable."""
    first = got["engine"]
    for b in ("reference", "vector"):
        assert_frame_equal(first.frame, got[b].frame, check_exact=True)
        assert first.failures == got[b].failures, b
        assert first.not_applicable == got[b].not_applicable, b
    return first


def rebuilt(facts: Any, **changes: Any) -> Any:
    """A bundle with some fields replaced, validated as input is (the result must pass the models' checks)."""
    return type(facts).model_validate({**facts.model_dump(), **changes})


def with_records(facts: Any, **fields: Any) -> Any:
    data = facts.model_dump()
    data["records"] = [{**r, **fields} for r in data["records"]]
    return type(facts).model_validate(data)


def commendation(facts: Any, kind: str, cid: str = "C-hostile") -> Commendation:
    ok = Commendation(commendation_id=cid, subject_kind="member", subject_id=facts.subject_id, kind="good_deed",
                      level="district", awarded_on="2026-03-01", verified=True)
    return ok.model_copy(update={"kind": kind})  # past the model's checks, as a program can


def veto_incident(facts: Any) -> Incident:
    return Incident(incident_id="I-veto", subject_kind="member", subject_id=facts.subject_id,
                    kind="criminal_conviction", occurred_on="2026-05-01", severity="serious", verified=True,
                    verified_by="B1", evidence_ref="case 1")


def row_of(s: pr.PopulationScores, sid: str) -> dict[str, Any]:
    return next(r for r in s.frame.iter_rows(named=True) if r["subject_id"] == sid)


# -- finding 1: the engine never drops facts silently ---------------------------------------------------------------
def test_1_texts_and_kinds_are_bounded_by_the_models():
    with pytest.raises(ValidationError):
        Commendation(commendation_id="C1", subject_kind="member", subject_id="M1", kind="good_deed" + "x" * BIG,
                     level="district", awarded_on="2026-03-01", verified=True)
    with pytest.raises(ValidationError):
        Incident(incident_id="I1", subject_kind="member", subject_id="M1", kind="complaint_substantiated",
                 occurred_on="2026-05-01", verified=False, evidence_ref="x" * (MAX_TEXT + 1))
    Incident(incident_id="I1", subject_kind="member", subject_id="M1", kind="complaint_substantiated",
             occurred_on="2026-05-01", verified=False, evidence_ref="x" * MAX_TEXT)


def test_1_a_fact_the_engine_cannot_read_is_an_engine_error_not_lost_facts(members):
    """The engine's batch assert stops at the first fact it cannot parse and still answers OK: every engine call's
    result is checked, so the facts after it cannot vanish unnoticed."""
    rs = ruleset(deductions=deduction("K1", "count(records where dues_paid_on_time)", points=1, cap=12))
    compiled = compiled_ruleset(rs)
    plan = compiled.plan
    ctx = build_context(plan, members[0], Period.parse(PERIOD))
    subject, items = engine_facts(plan, ctx)
    payloads = chunk_payloads(plan, subject, items)
    chunk = next(i for i, c in enumerate(plan.chunks) if "records" in c.sources)
    first = payloads[chunk][1]
    payloads[chunk].insert(1, first.replace('"k":"2026-', '"k":"1999-', 1)[:-1] + ',"x":inf}')
    with pytest.raises(EngineError, match="did not take"):
        compiled.engine.run_once(payloads, "M-test")
    # the engine is still usable afterwards
    ok = compiled.engine.run_once(chunk_payloads(plan, subject, items), "M-test")
    assert ok


def test_1_a_16_mib_kind_made_past_validation_does_not_hide_a_veto(members):
    rs = ruleset(vetoes=VETO, standards=standard("S1", "per_occurrence: {count: 'count(commendations where kind "
                                                       "== \"good_deed\")', points: 5}"))
    m = members[0]
    bad = m.model_copy(update={"commendations": (commendation(m, "good_deed" + "x" * BIG),),
                               "incidents": (veto_incident(m),)})
    with pytest.raises(PartyRulesError) as err:
        Evaluator(rs).evaluate(bad, PERIOD)
    assert isinstance(err.value, FactError), err.value
    got = agree(scores(rs, [bad, *members[1:]]))
    assert [sid for sid, _ in got.failures] == [m.subject_id]
    before = agree(scores(rs, members[1:]))
    assert_frame_equal(got.frame, before.frame, check_exact=True)


def test_1_an_infinite_amount_is_none_and_no_fact_is_lost(members):
    """A per-record amount that overflows to infinity (written as the bare word inf, the engine stopped reading
    there): it is none, as every out-of-range value computed at run time, and the veto after it still counts."""
    huge = " * ".join(["9007199254740992"] * 20)
    rs = ruleset(vetoes=VETO, deductions=deduction("K1", f"sum(records.(volunteer_hours * {huge}))"))
    m = rebuilt(members[0], incidents=[veto_incident(members[0]).model_dump()])
    got = agree(scores(rs, [m, *members[1:]]))
    assert row_of(got, m.subject_id)["vetoed"] is True
    assert all(r["rule:K1"] == 0 for r in got.frame.iter_rows(named=True))


# -- finding 2: the mean of nothing is none on every backend --------------------------------------------------------
def test_2_mean_of_all_missing_values_is_none(members):
    rs = ruleset(standards=standard("N4", "ratio_to: {value: 'mean(records.mediation_cases) * 6', target: 100}"))
    pop = [with_records(m, mediation_cases=None) for m in members]
    got = agree(scores(rs, pop))
    assert set(got.frame["total"].to_list()) == {15.0}


def test_2_mean_of_missing_floats_is_none(members):
    rs = ruleset(standards=standard("N4", "flag: 'mean(records.volunteer_hours where volunteer_hours > 744) == none'"))
    got = agree(scores(rs, members))
    assert set(got.frame["total"].to_list()) == {100.0}


# -- finding 3: a kind is never read as its 16-bit-truncated prefix -------------------------------------------------
def test_3_a_65545_character_kind_is_refused(members):
    with pytest.raises(ValidationError):
        Commendation(commendation_id="C1", subject_kind="member", subject_id="M1", kind="good_deed" + "x" * 65536,
                     level="district", awarded_on="2026-03-01", verified=True)
    assert MAX_SLUG < 2**16 // 4  # any slug, in UTF-8, is far below the engine's 16-bit length
    # a per-occurrence count: each commendation is an engine fact whose kind the engine itself compares
    rs = ruleset(standards=standard("S1", "per_occurrence: {count: 'count(commendations where kind == "
                                          "\"good_deed\")', points: 85}"))
    m = members[0]
    wide = m.model_copy(update={"commendations": (commendation(m, "good_deed" + "x" * (WIDE - 9)),)})
    with pytest.raises(FactError):
        Evaluator(rs).evaluate(wide, PERIOD)
    got = agree(scores(rs, [wide, *members[1:]]))
    assert [sid for sid, _ in got.failures] == [m.subject_id]


# -- finding 11 and new A: one integer range ------------------------------------------------------------------------
def test_11_counts_are_bounded_so_that_a_year_of_sums_is_exact():
    MemberMonthRecord(member_id="M1", month="2026-01", households_contacted=MAX_COUNT)
    for bad in (MAX_COUNT + 1, 2**63 - 1, 2**63):
        with pytest.raises(ValidationError):
            MemberMonthRecord(member_id="M1", month="2026-01", households_contacted=bad)
    # a century of monthly records at the largest count sums exactly in float64 and in int64
    assert 100 * 12 * MAX_COUNT < MAX_MAGNITUDE


@pytest.mark.parametrize("value", [2**62, 2**63 - 1, MAX_COUNT + 1])
def test_11_a_count_past_the_range_in_tables_leaves_its_subject_out_on_every_backend(members, value):
    rs = pr.load_ruleset(pr.shipped_ruleset_path("in_service"))
    tables = dict(facts_to_population(members).tables)
    first = tables["records"]["subject_id"][0]
    tables["records"] = tables["records"].with_columns(
        pl.when(pl.col("subject_id") == first).then(pl.lit(value, pl.Int64))
        .otherwise(pl.col("households_contacted")).alias("households_contacted"))
    got = agree(scores(rs, tables))
    assert {sid for sid, _ in got.failures} == {first}  # one problem per bad row
    assert all("households_contacted" in why for _, why in got.failures)
    assert first not in got.frame["subject_id"].to_list()


def test_11_sums_at_the_largest_counts_agree(members):
    rs = ruleset(standards="\n".join([
        standard("S1", f"flag: 'sum(records.households_contacted) == {12 * MAX_COUNT}'", 40),
        standard("S2", "ratio_to: {value: 'sum(records.households_contacted) * 3', target: 1}", 45)]))
    pop = [with_records(m, households_contacted=MAX_COUNT) for m in members]
    got = agree(scores(rs, pop))
    assert set(got.frame["total"].to_list()) == {100.0}


# -- finding 14 and new B: duplicate subjects ------------------------------------------------------------------------
def test_14_two_bundles_with_one_id_are_a_reported_failure_on_every_backend(members):
    rs = pr.load_ruleset(pr.shipped_ruleset_path("in_service"))
    twin = with_records(members[0], households_contacted=7)
    got = agree(scores(rs, [members[0], *members[1:], twin]))
    assert [sid for sid, _ in got.failures] == [members[0].subject_id]
    assert "more than once" in got.failures[0][1]
    before = agree(scores(rs, members[1:]))
    assert_frame_equal(got.frame, before.frame, check_exact=True)


def test_14_the_same_bundle_twice_is_a_reported_failure(members):
    rs = pr.load_ruleset(pr.shipped_ruleset_path("in_service"))
    got = agree(scores(rs, [*members, members[0]]))
    assert [sid for sid, _ in got.failures] == [members[0].subject_id]


def test_14_a_repeated_subject_row_in_a_population_is_a_reported_failure(members):
    rs = pr.load_ruleset(pr.shipped_ruleset_path("in_service"))
    pop = facts_to_population(members)
    tables = dict(pop.tables)
    tables["subjects"] = pl.concat([tables["subjects"], tables["subjects"].head(1)])
    got = agree(scores(rs, Population("member", tables)))
    assert [sid for sid, _ in got.failures] == [members[0].subject_id]


# -- finding 15: aggregations in applies_to on the vector backend ----------------------------------------------------
def test_15_an_aggregation_in_applies_to_scores_as_on_the_engine(members):
    rs = ruleset(applies_to="count(records where volunteer_hours >= 5) >= 7 and sum(records.volunteer_hours) > 50",
                 standards=standard("S1", "ratio: {numerator: 'sum(records.volunteer_hours)', "
                                          "denominator: 'count(records) * 10'}"))
    got = agree(scores(rs, members))
    assert got.not_applicable and got.frame.height


# -- runtime arithmetic: a value out of range is none, on every backend ---------------------------------------------
def test_runtime_overflow_is_none_not_a_crash(members):
    big = "9007199254740992"
    rs = ruleset(standards="\n".join([
        standard("R1", f"flag: 'round(sum(records.volunteer_hours) * {big} * {big} * {big} * {big} * {big} * {big}"
                       f" * {big} * {big} * {big} * {big} * {big} * {big} * {big} * {big} * {big} * {big} * {big}"
                       f" * {big} * {big} * {big}) == none'", 30),
        standard("R2", f"flag: 'sum(records.households_contacted) * {big} * {big} == none'", 30),
        standard("R3", f"flag: 'coalesce(count(records) * {big} * {big}, 7) == 7'", 25)]))
    pop = [with_records(m, households_contacted=3, volunteer_hours=2.5) for m in members]
    got = agree(scores(rs, pop))
    assert set(got.frame["total"].to_list()) == {100.0}


NEAR = st.sampled_from([0, 1, 3, 2**26, 2**26 + 1, 2**52, 2**53 - 1, MAX_MAGNITUDE, 94906265, 94906266,
                        123456789])
OPS = st.sampled_from(["+", "-", "*", "/"])


@st.composite
def near_limit_expression(draw: st.DrawFn) -> str:
    """An arithmetic expression over a year's sums of counts and hours, with constants near the range's edge."""
    leaves = ["sum(records.households_contacted)", "sum(records.volunteer_hours)", "count(records)",
              "sum(records.(households_contacted * suggestions_made))",
              "mean(records.mediation_cases)"]
    expr = draw(st.sampled_from(leaves))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(OPS)
        other = draw(st.one_of(NEAR.map(str), st.sampled_from(leaves)))
        expr = f"({expr} {op} {other})" if draw(st.booleans()) else f"({other} {op} {expr})"
    if draw(st.booleans()):
        expr = f"-({expr})"
    if draw(st.booleans()):
        expr = f"round({expr})"
    return expr


@settings(max_examples=25, deadline=None)
@given(expr=near_limit_expression(),
       counts=st.lists(st.sampled_from([0, 1, MAX_COUNT - 1, MAX_COUNT]), min_size=3, max_size=3),
       hours=st.sampled_from([0.0, 0.1, 743.9, 744.0]),
       cases=st.sampled_from([None, 0, MAX_COUNT]))
def test_property_backends_agree_on_values_near_the_limits(members, expr, counts, hours, cases):
    rs = ruleset(
        standards="\n".join([
            standard("P1", f"bands: {{value: '{expr}', steps: [{{at_least: 1, points: 40}}]}}", 40),
            standard("P2", f"flag: '{expr} == none'", 45)]),
        deductions=deduction("K1", f"coalesce({expr}, 0)", points=1, cap=15))
    pop = [with_records(m, households_contacted=counts[i % 3], suggestions_made=counts[(i + 1) % 3],
                        volunteer_hours=hours, mediation_cases=cases) for i, m in enumerate(members[:3])]
    got = agree(scores(rs, pop))
    assert got.frame.height == len(pop)
    assert all(math.isfinite(t) for t in got.frame["total"].to_list())


def test_14_when_every_subject_is_left_out_the_backends_still_agree(members):
    rs = pr.load_ruleset(pr.shipped_ruleset_path("in_service"))
    got = agree(scores(rs, [*members, *members]))
    assert got.frame.height == 0
    assert [sid for sid, _ in got.failures] == [m.subject_id for m in members]


@pytest.mark.parametrize(("value", "dtype"), [(1e19, pl.Float64), (2.0**63, pl.Float64), (2**64 - 1, pl.UInt64),
                                              ("9" * 20, pl.String)])
def test_11_a_huge_count_in_a_loose_table_is_a_row_problem_above_the_bound(members, value, dtype):
    """A count of 1e19 in a float column made the whole records table unreadable (a conversion error), 2^64 - 1
    read as "no value" and twenty nines as "not a whole number": each is one row problem that names the bound."""
    from partyrules.population.io import population_from_frames

    tables = dict(facts_to_population(members).tables)
    tables["records"] = tables["records"].with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(value, dtype))
        .otherwise(pl.col("households_contacted").cast(dtype)).alias("households_contacted"))
    read = population_from_frames(tables, "member")
    assert [p.reason for p in read.problems] == [f"households_contacted: {value} is above {MAX_COUNT}"]
    assert read.left_out == [members[0].subject_id]


def test_runtime_a_negated_product_of_whole_numbers_scores_alike(members):
    """Products of whole numbers are taken in 128 bits on the vectorised backend; polars cannot negate those."""
    rs = ruleset(standards=standard("S1", "flag: '-(count(records) * 2) == -24 and -(0.0 * count(records)) == 0'"))
    got = agree(scores(rs, members))
    assert set(got.frame["total"].to_list()) == {100.0}
