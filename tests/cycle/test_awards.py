"""Award and cadre recommendations (评先评优, 推荐干部、后备干部): properties of the selection over generated
candidates, and the recommendations of a real year run and its command."""

from __future__ import annotations

import math
import random
from collections import Counter
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partyrules.cli import main
from partyrules.cycle.awards import (
    DEFAULT_LISTS,
    Awards,
    Candidate,
    ListCriteria,
    candidates_of,
    recommend,
    select,
)
from partyrules.cycle.year import YearResult, run_year, shipped_rulesets
from partyrules.errors import AwardsError
from partyrules.synthetic import generate_subdistrict

YEAR = 2026


@st.composite
def candidates(draw: st.DrawFn) -> list[Candidate]:
    n = draw(st.integers(0, 40))
    pool_size = max(n, 1)
    out = []
    for i in range(n):
        kind = draw(st.sampled_from(["member", "member", "branch"]))
        out.append(Candidate(
            subject_id=f"{'M' if kind == 'member' else 'B'}{i:03d}", kind=kind,
            category=draw(st.sampled_from(["in_service", "retired", "new_citizen"])),
            branch_id=draw(st.sampled_from(["B1", "B2", "B3"])), community_id=draw(st.sampled_from(["C1", "C2"])),
            grade=draw(st.sampled_from(["excellent", "qualified", "advanced", "good", None])),
            grade_zh=None, vetoed=draw(st.booleans()), warned=draw(st.booleans()),
            score=Decimal(draw(st.integers(50, 60))),  # a narrow range, so that ties are common
            pool_rank=draw(st.integers(1, pool_size)), pool_size=pool_size))
    return out


lists = st.lists(st.builds(
    ListCriteria, list_id=st.sampled_from(["a", "b", "c", "d"]), zh=st.just("甲"), en=st.just("A"),
    kind=st.sampled_from(["member", "branch"]), grades=st.sampled_from([("excellent",), ("advanced", "good")]),
    quota=st.integers(0, 3), quota_group=st.sampled_from(["community", "all"]),
    top_share=st.sampled_from([0.0, 0.1, 0.34, 1.0]),
    categories=st.sampled_from([None, ("in_service", "new_citizen")])), min_size=1, max_size=4,
    unique_by=lambda c: c.list_id)


def _recommended(a: Awards) -> list[tuple[str, str]]:
    return [(ln.list_id, ln.subject_id) for ln in a.recommended()]


@settings(max_examples=150)
@given(people=candidates(), specs=lists)
def test_quotas_are_never_exceeded(people: list[Candidate], specs: list[ListCriteria]):
    awards = select(people, specs, year=YEAR)
    for spec in specs:
        per_group = Counter(ln.quota_group for ln in awards.recommended(spec.list_id))
        assert all(n <= spec.quota for n in per_group.values())


@settings(max_examples=150)
@given(people=candidates(), specs=lists)
def test_only_those_meeting_every_criterion_are_recommended(people: list[Candidate], specs: list[ListCriteria]):
    awards = select(people, specs, year=YEAR)
    by_id = {c.subject_id: c for c in people}
    for spec in specs:
        for ln in awards.recommended(spec.list_id):
            c = by_id[ln.subject_id]
            assert ln.eligible and c.kind == spec.kind and c.grade in spec.grades
            assert c.pool_rank <= math.ceil(spec.top_share * c.pool_size - 1e-9)
            assert spec.categories is None or c.category in spec.categories


@settings(max_examples=150)
@given(people=candidates(), specs=lists)
def test_a_vetoed_or_warned_subject_is_never_recommended(people: list[Candidate], specs: list[ListCriteria]):
    awards = select(people, specs, year=YEAR)
    flagged = {c.subject_id for c in people if c.vetoed or c.warned}
    assert not flagged & {s for _, s in _recommended(awards)}


@settings(max_examples=100)
@given(people=candidates(), specs=lists, seed=st.integers(0, 2**32 - 1))
def test_the_recommendations_do_not_depend_on_the_order_of_the_candidates(people: list[Candidate],
                                                                          specs: list[ListCriteria], seed: int):
    shuffled = list(people)
    random.Random(seed).shuffle(shuffled)
    assert select(people, specs, year=YEAR) == select(shuffled, specs, year=YEAR)


@settings(max_examples=100)
@given(people=candidates(), specs=lists)
def test_every_line_is_a_recommendation_never_a_decision_and_says_why(people: list[Candidate],
                                                                      specs: list[ListCriteria]):
    awards = select(people, specs, year=YEAR)
    assert len(awards.lines) == sum(1 for s in specs for c in people if c.kind == s.kind)
    for ln in awards.lines:
        assert ln.status in ("recommended", "not_recommended")
        assert ln.subject_id in ln.explanation_zh and ln.subject_id in ln.explanation_en
        if ln.status == "recommended":
            assert "仅为推荐" in ln.explanation_zh and "not a decision" in ln.explanation_en
        else:
            assert "不推荐" in ln.explanation_zh and "not recommended" in ln.explanation_en


@settings(max_examples=100)
@given(people=candidates(), specs=lists)
def test_an_eligible_subject_left_out_is_outside_the_quota_or_tied_at_its_cut_off(people: list[Candidate],
                                                                                  specs: list[ListCriteria]):
    awards = select(people, specs, year=YEAR)
    for spec in specs:
        lines = [ln for ln in awards.lines if ln.list_id == spec.list_id and ln.eligible]
        for ln in lines:
            if ln.status == "not_recommended":
                assert ln.place is not None and ("超出名额" in ln.explanation_zh or "并列于名额线" in ln.explanation_zh)
        taken = Counter(ln.quota_group for ln in lines if ln.status == "recommended")
        for ln in lines:  # a free place is never left while a better placed, untied subject waits
            if ln.status == "not_recommended" and "超出名额" in ln.explanation_zh:
                assert taken[ln.quota_group] <= spec.quota


def test_a_tie_at_the_cut_off_goes_to_the_meeting_and_the_quota_holds():
    def cand(i: str, score: int) -> Candidate:
        return Candidate(i, "member", "in_service", "B1", "C1", "excellent", "优秀", False, False, Decimal(score), 1, 1)

    spec = ListCriteria("x", "甲", "A", "member", ("excellent",), 1, "community", top_share=1.0)
    awards = select([cand("M1", 90), cand("M2", 90), cand("M3", 80)], [spec], year=YEAR)
    assert awards.recommended() == []
    assert "M2" in awards.lines[0].explanation_zh and "并列于名额线" in awards.lines[0].explanation_zh
    two = select([cand("M1", 90), cand("M2", 90), cand("M3", 80)], [spec.__class__(**{**spec.__dict__,
                                                                                       "quota": 2})], year=YEAR)
    assert [ln.subject_id for ln in two.recommended()] == ["M1", "M2"]


@pytest.mark.parametrize("bad", [{"quota": -1}, {"top_share": 1.5}, {"kind": "community"}, {"grades": ()},
                                 {"kind": "branch", "quota_group": "branch"}])
def test_bad_criteria_are_refused_with_a_typed_error(bad: dict[str, object]):
    base = {"list_id": "x", "zh": "甲", "en": "A", "kind": "member", "grades": ("excellent",), "quota": 1,
            "quota_group": "community"}
    with pytest.raises(AwardsError):
        ListCriteria(**{**base, **bad})  # type: ignore[arg-type]


def test_the_default_lists_state_their_sources():
    assert {c.list_id for c in DEFAULT_LISTS} == {"member_award", "branch_award", "cadre", "reserve_cadre"}
    assert all(c.source for c in DEFAULT_LISTS)
    assert next(c for c in DEFAULT_LISTS if c.list_id == "reserve_cadre").quota == 3  # S001: 后备常量保持三名以上


# -- a real year ------------------------------------------------------------------------------------------------


@cache
def year() -> YearResult:
    a = generate_subdistrict(seed=3, communities=4, organisations=12, members=150)
    return run_year(a.members, a.branches, a.communities, year=YEAR, rulesets=tuple(shipped_rulesets().values()))


def test_the_recommendations_of_a_year_meet_its_grades_vetoes_and_warnings():
    y = year()
    awards = recommend(y)
    assert awards.recommended("member_award") and awards.recommended("reserve_cadre")
    members = {r.subject_id: r for r in y.members}
    warned = set(y.member_warnings.ids) | set(y.branch_warnings.ids)
    for ln in awards.recommended():
        assert ln.subject_id not in warned
        if ln.kind == "member":
            r = members[ln.subject_id]
            assert r.grade is not None and r.grade.id == "excellent" and not r.vetoed
    assert len(candidates_of(y)) == len(y.member_ranks) + len(y.branch_ranks)
    table = awards.table()
    assert len(table) == len(awards.lines) and {"list", "subject_id", "status", "explanation_zh"} <= set(table[0])
    only = recommend(y, include_not_recommended=False)
    assert {ln.status for ln in only.lines} == {"recommended"} and only.counts == awards.counts


def test_the_awards_command_explains_and_publishes_for_objections(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]):
    a = generate_subdistrict(seed=3, communities=4, organisations=12, members=150)
    pop = tmp_path / "population.jsonl"
    pop.write_text("\n".join(x.model_dump_json() for x in (*a.members, *a.branches, *a.communities)) + "\n",
                   encoding="utf-8")
    db = tmp_path / "cycle.db"
    assert main(["awards", str(pop), "--year", str(YEAR), "--ledger", str(db)]) == 2  # no --at: no hidden now
    capsys.readouterr()
    code = main(["awards", str(pop), "--year", str(YEAR), "--ledger", str(db), "--at", "2027-01-08T09:00+08:00",
                 "--working-days", "--lang", "en", "--quota", "reserve_cadre=2", "--out", str(tmp_path / "t")])
    out = capsys.readouterr().out
    assert code == 0
    assert "quota 2 per community" in out and "not a decision" in out
    # opened on a Friday: 5 working days run to the next Thursday
    assert "objection period of 5 working days: 2027-01-08 to 2027-01-14" in out
    assert (tmp_path / "t" / "awards.csv").is_file()
    assert main(["audit", "verify", str(db)]) == 0
    assert main(["awards", str(pop), "--year", str(YEAR), "--quota", "nolist=2"]) == 3
