"""The 优秀 quota: at most one third of a branch's graded members, overflow demoted by rank."""

from __future__ import annotations

import math
import random
from fractions import Fraction
from functools import cache

from hypothesis import given
from hypothesis import strategies as st

import partyrules as pr
from partyrules.cycle.annual import AnnualResult, CompositeInput
from partyrules.quota import apply_quota, quota_fraction
from partyrules.results import GradeResult


@cache
def in_service() -> pr.RuleSet:
    return pr.load_ruleset(pr.shipped_ruleset_path("in_service"))


def result(subject_id: str, branch: str, percent: float, *, graded: bool = True) -> AnnualResult:
    rs = in_service()
    grade = next(g for g in rs.grades if percent + 1e-9 >= g.at_least)
    return AnnualResult(
        subject_kind="member", subject_id=subject_id, year=2026, ruleset_id=rs.id, ruleset_version=rs.version,
        ruleset_hash=rs.content_hash, pool=["member", "in_service"], group_id=branch, quarters=[],
        year_breakdown_hash="0" * 64,
        inputs=[CompositeInput(name="quarterly", zh="", en="", value=percent, weight=1, share=1, contribution=percent)],
        missing=[], percent=percent, score=percent, max_points=100, vetoed=False, vetoes=[], graded=graded,
        grade=GradeResult(id=grade.id, zh=grade.zh, en=grade.en) if graded else None, recommendations=[], warnings=[])


def test_one_third_is_read_exactly():
    assert quota_fraction(0.333333) == quota_fraction(1 / 3) == Fraction(1, 3)
    assert math.floor(3 * quota_fraction(0.333333)) == 1  # a float 0.333333 * 3 would floor to 0


def test_seven_excellent_members_of_seven_keep_two():
    members = [result(f"M{i}", "B1", 90 + i) for i in range(7)]
    out = apply_quota(members, {in_service().id: in_service()})
    kept = [r.subject_id for r in out if r.grade is not None and r.grade.id == "excellent"]
    assert kept == ["M5", "M6"]  # the two highest composites
    demoted = [r for r in out if r.demoted_by_quota]
    assert len(demoted) == 5
    assert all(r.grade is not None and r.grade.zh == "合格" for r in demoted)
    assert all(r.grade_before_quota is not None and r.grade_before_quota.zh == "优秀" for r in demoted)
    note = next(r for r in demoted if r.subject_id == "M4").quota_note_zh or ""
    assert "参评党员7人" in note and "2人" in note and "第3名" in note


def test_probationary_members_do_not_count_towards_the_quota():
    members = [result(f"M{i}", "B1", 95 - i) for i in range(3)] + [
        result(f"P{i}", "B1", 50, graded=False) for i in range(6)]
    out = apply_quota(members, {in_service().id: in_service()})
    assert sum(1 for r in out if r.grade is not None and r.grade.id == "excellent") == 1


def test_a_tie_at_the_cut_is_broken_by_id_and_said():
    members = [result("M2", "B1", 95.0), result("M1", "B1", 95.0), result("M3", "B1", 60.0)]
    out = {r.subject_id: r for r in apply_quota(members, {in_service().id: in_service()})}
    assert out["M1"].grade.id == "excellent" and out["M2"].demoted_by_quota  # type: ignore[union-attr]
    assert "tied" in (out["M2"].quota_note_en or "")


branches = st.lists(st.tuples(st.sampled_from(["B1", "B2", "B3"]),
                              st.sampled_from([60.0, 75.0, 89.0, 90.0, 92.5, 95.0, 100.0]), st.booleans()),
                    min_size=1, max_size=30)


@given(branches, st.randoms(use_true_random=False))
def test_the_quota_is_never_exceeded_and_does_not_depend_on_order(rows, rnd: random.Random):
    rs = in_service()
    members = [result(f"M{i:02d}", b, p, graded=g) for i, (b, p, g) in enumerate(rows)]
    out = apply_quota(members, {rs.id: rs})
    for branch in {b for b, _, _ in rows}:
        mine = [r for r in out if r.group_id == branch]
        graded = [r for r in mine if r.graded]
        excellent = [r for r in graded if r.grade is not None and r.grade.id == "excellent"]
        before = [r for r in members if r.group_id == branch and r.grade is not None and r.grade.id == "excellent"]
        assert len(excellent) == min(len(before), math.floor(len(graded) / 3))
        # nobody demoted outranks anybody kept
        demoted = [r for r in mine if r.demoted_by_quota]
        if demoted and excellent:
            assert min(r.percent for r in excellent) >= max(r.percent for r in demoted)
    # only the quota grade moves
    for a, b in zip(members, out, strict=True):
        if not b.demoted_by_quota:
            assert a == b
    shuffled = list(members)
    rnd.shuffle(shuffled)
    again = {r.subject_id: r for r in apply_quota(shuffled, {rs.id: rs})}
    assert all(again[r.subject_id] == r for r in out)
