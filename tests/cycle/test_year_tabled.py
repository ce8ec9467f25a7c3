"""The year scored as tables (the default) against the year scored subject by subject on the engine: the same
annual results, tables, failures and, on demand, the same breakdowns."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import partyrules as pr
from partyrules.cycle.annual import AnnualResult
from partyrules.cycle.hashing import breakdown_hash
from partyrules.cycle.scoring import score_year
from partyrules.cycle.tabled import score_year_tables
from partyrules.cycle.year import TABLES_FROM, YearOptions, YearResult, run_year, shipped_rulesets
from partyrules.errors import PartyRulesError
from partyrules.facts import Incident
from partyrules.synthetic import SubDistrict, generate_subdistrict

YEAR = 2026


@cache
def rulesets() -> tuple[pr.RuleSet, ...]:
    return tuple(shipped_rulesets().values())


@cache
def area(seed: int) -> SubDistrict:
    return generate_subdistrict(seed=seed, communities=3, organisations=6, members=60)


def both(members: list[pr.MemberFacts], branches: list[pr.BranchFacts] = (),  # type: ignore[assignment]
         communities: tuple[pr.CommunityFacts, ...] = (), **kw: object) -> tuple[YearResult, YearResult]:
    common = {"year": YEAR, "rulesets": rulesets(), "options": YearOptions(funding_pool_fen=1_000_003), **kw}
    tables = run_year(members, branches, communities, backend="vector", **common)  # type: ignore[arg-type]
    engine = run_year(members, branches, communities, backend="engine", **common)  # type: ignore[arg-type]
    return tables, engine


def without_hashes(r: AnnualResult) -> dict[str, object]:
    d = r.model_dump()
    assert d.pop("year_breakdown_hash") is None  # scored as tables: no breakdown was made
    for q in d["quarters"]:
        assert q.pop("breakdown_hash") is None
    return d


def with_hashes_dropped(r: AnnualResult) -> dict[str, object]:
    d = r.model_dump()
    d.pop("year_breakdown_hash")
    for q in d["quarters"]:
        q.pop("breakdown_hash")
    return d


def assert_same_year(tables: YearResult, engine: YearResult) -> None:
    assert tables.tables() == engine.tables()
    for a, b in zip((*tables.members, *tables.branches), (*engine.members, *engine.branches), strict=True):
        assert without_hashes(a) == with_hashes_dropped(b)
    assert [(f.index, f.subject_id, type(f.error), str(f.error)) for f in tables.failures] == [
        (f.index, f.subject_id, type(f.error), str(f.error)) for f in engine.failures]


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_a_year_as_tables_is_the_engines_year(seed: int) -> None:
    a = area(seed)
    tables, engine = both(list(a.members), list(a.branches), a.communities)
    assert_same_year(tables, engine)


def test_breakdowns_made_on_demand_are_the_engines_and_carry_its_hashes() -> None:
    a = area(7)
    tables, engine = both(list(a.members[:12]), list(a.branches[:2]))
    made = list(tables.subject_years)
    assert len(made) == len(engine.subject_years) == 14
    for lazy, eager in zip(made, engine.subject_years, strict=True):
        assert lazy.result == eager.result
        assert [breakdown_hash(b) for b in (*lazy.quarters, lazy.year)] == [
            q.breakdown_hash for q in eager.result.quarters] + [eager.result.year_breakdown_hash]
    sid = a.branches[1].subject_id
    assert tables.subject_year(sid, "branch").result == engine.subject_year(sid, "branch").result
    assert tables.subject_years[-1] is tables.subject_years[-1]  # made once, then kept


def test_subjects_no_rule_set_takes_fail_as_on_the_engine() -> None:
    a = area(11)
    in_service = next(rs for rs in rulesets() if rs.id == "member-in-service")
    members = list(a.members[:20])
    assert any(str(m.member.category) != "in_service" for m in members)
    tables = run_year(members, year=YEAR, rulesets=[in_service], backend="vector")
    engine = run_year(members, year=YEAR, rulesets=[in_service], backend="engine")
    assert tables.failures and len(tables.members) < len(members)
    assert_same_year(tables, engine)


def test_a_bundle_holding_another_subjects_conduct_fails_alone_as_on_the_engine() -> None:
    """Such a bundle can only be built around validation; the tables refuse it, so the engine scores its group."""
    members = list(area(13).members[:6])
    other = members[1].subject_id
    foreign = Incident(incident_id="I-x", subject_kind="member", subject_id=other, kind="criminal_conviction",
                       occurred_on="2026-03-01", severity="serious", consequence="较大负面影响", verified=True,
                       verified_by="branch committee", evidence_ref="court/2026/17")
    members[0] = members[0].model_construct(**{**dict(members[0]), "incidents": (foreign,)})
    tables, engine = both(members)
    assert tables.failures and tables.failures[0].index == 0
    assert_same_year(tables, engine)


def test_two_bundles_under_one_id_are_each_scored_as_on_the_engine() -> None:
    """(The year then refuses to rank them; scoring them must still not merge their rows.)"""
    members = list(area(17).members[:5])
    twin = members[2].model_copy(update={"records": members[2].records[:3]})
    tables = score_year_tables([*members, twin], rulesets(), YEAR)
    engine = score_year([*members, twin], rulesets(), YEAR)
    assert len(tables.results) == 6 and tables.results[2] != tables.results[5]
    assert [with_hashes_dropped(r) for r in tables.results] == [with_hashes_dropped(r) for r in engine.results]


def test_an_annual_evaluation_of_another_year_is_left_out_as_on_the_engine() -> None:
    members = [m for m in area(19).members if m.annual is not None][:6]
    moved = [m.model_copy(update={"annual": m.annual.model_copy(update={"year": YEAR - 1})})  # type: ignore[union-attr]
             for m in members[:3]]
    tables, engine = both([*moved, *members[3:]])
    assert_same_year(tables, engine)
    assert not engine.failures  # the engine once failed whichever subject of a category it probed first
    assert all("annual_evaluation" in r.missing for r in tables.members[:3])


def test_what_ifs_and_progress_on_the_tables() -> None:
    a = area(23)
    params = {"member-in-service": {"annual_weight_daily": 0.3}}
    seen: list[tuple[str, int, int]] = []
    tables, engine = both(list(a.members[:30]), list(a.branches[:3]), params=params)
    assert_same_year(tables, engine)
    again = run_year(a.members[:30], a.branches[:3], year=YEAR, rulesets=rulesets(), params=params, backend="vector",
                     options=YearOptions(funding_pool_fen=1_000_003), progress=lambda s, d, t: seen.append((s, d, t)))
    scoring = [(d, t) for s, d, t in seen if s == "scoring"]
    assert scoring[0] == (0, 33) and scoring[-1] == (33, 33)
    assert [d for d, _ in scoring] == sorted(d for d, _ in scoring)
    assert again.tables() == tables.tables()


def test_refusals() -> None:
    a = area(29)
    with pytest.raises(PartyRulesError, match="unknown backend"):
        run_year(a.members[:2], year=YEAR, backend="duckdb")
    kept_none = run_year(a.members[:2], year=YEAR, keep_breakdowns=False, backend="vector")
    assert list(kept_none.subject_years) == []
    with pytest.raises(PartyRulesError, match="keep_breakdowns"):
        kept_none.subject_year(a.members[0].subject_id)
    with pytest.raises(PartyRulesError, match="not scored"):
        run_year(a.members[:2], year=YEAR, backend="vector").subject_year("nobody")


def test_auto_takes_the_engine_for_a_few_subjects_and_tables_for_many() -> None:
    big = generate_subdistrict(seed=31, communities=3, organisations=6, members=TABLES_FROM)
    few = run_year(big.members[:TABLES_FROM - 1], year=YEAR, rulesets=rulesets())
    assert all(r.year_breakdown_hash is not None for r in few.members)  # the engine: breakdowns made as it went
    many = run_year(big.members, year=YEAR, rulesets=rulesets(), keep_breakdowns=False)
    assert len(many.members) == TABLES_FROM and all(r.year_breakdown_hash is None for r in many.members)  # tables


def test_auto_without_the_analysis_extra_runs_on_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    import partyrules.cycle.year as year_module

    monkeypatch.setattr(year_module, "tables_available", lambda: False)
    big = generate_subdistrict(seed=31, communities=3, organisations=6, members=TABLES_FROM)
    year = run_year(big.members, year=YEAR, rulesets=rulesets(), keep_breakdowns=False)
    assert all(r.year_breakdown_hash is not None for r in year.members)  # the engine, though there are many
