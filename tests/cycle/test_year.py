"""A whole assessment year for a population, from the library and from the command line."""

from __future__ import annotations

import csv
import json
import math
import random
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import partyrules as pr
from partyrules.cli import main
from partyrules.cycle.hashing import breakdown_hash
from partyrules.cycle.ledger import Ledger
from partyrules.cycle.publication import publish_quarters
from partyrules.cycle.scoring import score_year
from partyrules.cycle.year import YearOptions, YearResult, run_year, shipped_rulesets
from partyrules.synthetic import SubDistrict, generate_subdistrict

YEAR = 2026
POOL_FEN = 12_345_678  # 123,456.78 yuan: not a multiple of anything convenient


@cache
def rulesets() -> tuple[pr.RuleSet, ...]:
    return tuple(shipped_rulesets().values())


@cache
def area(seed: int = 3) -> SubDistrict:
    return generate_subdistrict(seed=seed, communities=4, organisations=12, members=150)


@cache
def year_of(seed: int = 3) -> YearResult:
    a = area(seed)
    return run_year(a.members, a.branches, a.communities, year=YEAR, rulesets=rulesets(),
                    options=YearOptions(funding_pool_fen=POOL_FEN))


def test_every_subject_gets_an_annual_result():
    y, a = year_of(), area()
    assert not y.failures
    assert sorted(r.subject_id for r in y.members) == sorted(m.subject_id for m in a.members)
    assert sorted(r.subject_id for r in y.branches) == sorted(b.subject_id for b in a.branches)
    assert len(y.communities) == len(a.communities)
    assert all(len(r.quarters) == 4 for r in (*y.members, *y.branches))


def test_the_funding_pool_is_shared_exactly_and_vetoed_branches_get_nothing():
    y = year_of()
    assert y.funding is not None
    amounts = y.funding.amounts()
    assert sum(amounts.values()) == POOL_FEN
    assert set(amounts) == {b.subject_id for b in y.branches}
    for b in y.branches:
        if b.vetoed:
            assert amounts[b.subject_id] == 0


def test_the_quota_holds_in_every_branch():
    y = year_of()
    per_branch: dict[str | None, list[str | None]] = {}
    for r in y.members:
        if r.graded:
            per_branch.setdefault(r.group_id, []).append(r.grade.id if r.grade else None)
    for grades in per_branch.values():
        assert grades.count("excellent") <= math.floor(len(grades) / 3)


def test_vetoed_subjects_are_warned_and_graded_lowest():
    y = year_of()
    warned = {e.subject_id for e in (*y.member_warnings.entries, *y.branch_warnings.entries)}
    for r in (*y.members, *y.branches):
        if r.vetoed and r.graded:
            assert r.subject_id in warned
            assert r.grade is not None and r.grade.id in ("unqualified", "lagging")
            assert r.recommendations and all(x.status == "recommended" for x in r.recommendations)


def test_probationary_members_are_not_ranked():
    y = year_of()
    ranked = {r.subject_id for r in y.member_ranks}
    for r in y.members:
        assert (r.subject_id in ranked) == r.graded


def test_each_bottom_branch_is_paired_with_a_top_branch():
    y = year_of()
    bottom = {e.subject_id for e in y.branch_warnings.entries}
    top = {e.subject_id for e in y.branch_priority.entries}
    for p in y.pairings.pairs:
        assert p.bottom_id in bottom
        assert p.top_id is None or p.top_id in top


def _canonical(y: YearResult) -> dict[str, list[str]]:
    return {name: sorted(json.dumps(row, sort_keys=True, ensure_ascii=False) for row in rows)
            for name, rows in y.tables().items()}


@settings(max_examples=3, deadline=None)
@given(st.randoms(use_true_random=False))
def test_the_year_does_not_depend_on_input_order(rnd: random.Random):
    a = area()
    members, branches, comms = list(a.members), list(a.branches), list(a.communities)
    for xs in (members, branches, comms):
        rnd.shuffle(xs)
    shuffled = run_year(members, branches, comms, year=YEAR, rulesets=rulesets(),
                        options=YearOptions(funding_pool_fen=POOL_FEN))
    assert _canonical(shuffled) == _canonical(year_of())


def test_a_what_if_on_the_weights_changes_the_year_but_not_the_base():
    a = area()
    base = year_of()
    only_evaluation = run_year(a.members[:40], (), (), year=YEAR, rulesets=rulesets(), params={
        "member-in-service": {"annual_weight_quarterly": 0, "annual_weight_evaluation": 1, "annual_weight_daily": 0}})
    for r in only_evaluation.members:
        if r.ruleset_id == "member-in-service" and not r.missing:
            ev = next(i for i in r.inputs if i.name == "annual_evaluation")
            assert r.percent == pytest.approx(ev.value, abs=1e-6)
    in_service = next(rs for rs in rulesets() if rs.id == "member-in-service")
    assert in_service.params["annual_weight_quarterly"] == 0.6  # the base rule set is untouched
    moved = {r.subject_id: r.percent for r in only_evaluation.members}
    assert any(moved[r.subject_id] != r.percent for r in base.members if r.subject_id in moved)


def test_the_year_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    a = area()
    pop = tmp_path / "population.jsonl"
    lines = [x.model_dump_json() for x in (*a.members[:30], *a.branches, *a.communities)]
    lines.insert(5, '{"member": {"member_id": "M9"}, "records": "no"}')
    pop.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    code = main(["year", str(pop), "--year", str(YEAR), "--out", str(out), "--funding-pool-yuan", "1000.01"])
    err = capsys.readouterr().err
    assert code == 10 and "row 6" in err
    with (out / "funding.csv").open(encoding="utf-8") as fh:
        funding = list(csv.DictReader(fh))
    assert sum(int(r["amount_fen"]) for r in funding) == 100_001
    with (out / "members.csv").open(encoding="utf-8") as fh:
        members = list(csv.DictReader(fh))
    assert len(members) == 30
    grades = Counter(r["grade"] for r in members)
    assert set(grades) <= {"excellent", "qualified", "basically_qualified", "unqualified", ""}
    assert (out / "star_targets.csv").is_file() and (out / "pairings.csv").is_file()


def test_tables_as_json_and_parquet(tmp_path: Path):
    import polars as pl  # the analysis extra, which the test extra includes

    a = area()
    pop = tmp_path / "p.jsonl"
    pop.write_text("\n".join(x.model_dump_json() for x in (*a.members[:20], *a.branches[:3])) + "\n",
                   encoding="utf-8")
    assert main(["year", str(pop), "--year", str(YEAR), "--out", str(tmp_path / "j"), "--format", "json"]) == 0
    rows = json.loads((tmp_path / "j" / "members.json").read_text(encoding="utf-8"))
    assert main(["year", str(pop), "--year", str(YEAR), "--out", str(tmp_path / "q"), "--format", "parquet"]) == 0
    frame = pl.read_parquet(tmp_path / "q" / "members.parquet")
    assert frame.height == len(rows) == 20
    assert frame["percent"].to_list() == [r["percent"] for r in rows]


def test_forked_workers_give_the_same_results_in_the_same_order():
    a = generate_subdistrict(seed=9, communities=2, organisations=6, members=230)
    people = [*a.members, *a.branches]
    one = score_year(people, rulesets()[:4], YEAR)
    two = score_year(people, rulesets()[:4], YEAR, workers=2)
    assert len(one.results) == len(people) and not one.failures
    assert [r.model_dump_json() for r in two.results] == [r.model_dump_json() for r in one.results]
    assert two.subjects == []  # only the annual results come back from the workers


def test_quarterly_scores_are_published_to_the_ledger_where_they_can_be_found():
    a = area()
    y = run_year(a.members[:12], a.branches[:2], (), year=YEAR, rulesets=rulesets())
    with Ledger(":memory:") as ledger:
        assert publish_quarters(y, ledger, actor="sub-district office", quarter=1) == 14
        first = a.members[0].subject_id
        pub = ledger.current(first, f"{YEAR}-Q1")
        assert pub is not None and pub.breakdown_hash == breakdown_hash(y.subject_years[0].quarters[0])
        events = len(ledger.audit_trail())
        assert publish_quarters(y, ledger, actor="sub-district office") == 14 * 4
        assert len(ledger.audit_trail()) == events + 14 * 3  # Q1 was already published: nothing new for it
        assert ledger.current(first, f"{YEAR}-Q1") == pub
