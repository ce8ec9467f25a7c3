"""Ranks, lists and the quota over score tables follow the definitions of partyrules.cycle (ranking, quota),
checked against those object-level functions and a plain model on generated tables."""

from __future__ import annotations

import math
from collections import defaultdict
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import partyrules as pr
from partyrules.cycle.quota import quota_fraction
from partyrules.ranking import (
    Ranked,
    RankingError,
    cut_lists,
    list_members,
    merge_counts,
    priority_list,
    rank,
    rank_counts,
    rank_scores,
    warning_list,
)
from partyrules.ranking.table import quota_frame
from partyrules.shipped_rulesets import shipped_ruleset_path

# scores on a coarse grid so that ties are common, plus some off-grid values
SCORES = st.one_of(st.sampled_from([0.0, 55.5, 60.0, 70.25, 88.0, 90.0, 100.0]),
                   st.floats(0, 100, allow_nan=False).map(lambda x: round(x, 6)))


@st.composite
def tables(draw: st.DrawFn) -> pl.DataFrame:
    n = draw(st.integers(1, 40))
    rows = [{"subject_id": f"M{i:04d}", "branch_id": draw(st.sampled_from(["B1", "B2", "B3", None])),
             "category": draw(st.sampled_from(["in_service", "retired"])),
             "status": draw(st.sampled_from(["full", "full", "probationary"])),
             "total": draw(SCORES), "vetoed": draw(st.booleans().map(lambda b: b and draw(st.booleans()))),
             "grade": draw(st.sampled_from(["excellent", "excellent", "qualified", "unqualified"]))}
            for i in range(n)]
    order = draw(st.permutations(range(n)))
    return pl.DataFrame([rows[i] for i in order])


def _ranked(frame: pl.DataFrame) -> list[Ranked]:
    return [Ranked(r["subject_id"], "member", r["total"], layer=r["branch_id"] or "", category=r["category"],
                   vetoed=r["vetoed"]) for r in frame.iter_rows(named=True)]


@settings(max_examples=60)
@given(frame=tables(), pool=st.sampled_from([("branch_id",), ("branch_id", "category"), ()]))
def test_ranks_are_those_of_cycle_rank(frame: pl.DataFrame, pool: tuple[str, ...]) -> None:
    fields = tuple({"branch_id": "layer"}.get(c, c) for c in pool)
    want = {r.subject_id: r for r in rank(_ranked(frame), pool=fields)}
    got = rank_scores(frame, pool)
    assert got["subject_id"].to_list() == frame["subject_id"].to_list()  # frame order kept
    for row in got.iter_rows(named=True):
        r = want[row["subject_id"]]
        assert (row["overall_rank"], row["overall_size"], row["pool_rank"], row["pool_size"], row["tied"],
                row["percentile"]) == (r.overall_rank, r.overall_size, r.pool_rank, r.pool_size,
                                       len(r.tied_with), r.percentile)


@settings(max_examples=60)
@given(frame=tables(), share=st.sampled_from([0.0, 0.07, 0.1, 0.25, 1 / 3, 1.0]),
       name=st.sampled_from(["warning", "priority"]))
def test_lists_are_those_of_cycle_lists(frame: pl.DataFrame, share: float, name: str) -> None:
    pool = ("branch_id",)
    ranks = rank(_ranked(frame), pool=("layer",))
    want = (warning_list if name == "warning" else priority_list)(ranks, share)
    groups, pools = cut_lists(merge_counts([rank_counts(frame, pool)]), pool, share, name)  # type: ignore[arg-type]
    members = list_members(frame, groups, pool)
    assert set(members["subject_id"]) == set(want.ids)
    reasons = {e.subject_id: ("vetoed" if e.reason == "vetoed" else "rank") for e in want.entries}
    assert dict(zip(members["subject_id"], members["reason"], strict=True)) == reasons
    cuts = {c.pool[0]: c for c in want.pools}
    assert pools.height == len(cuts)
    for row in pools.iter_rows(named=True):
        c = cuts[row["branch_id"]]
        cutoff = None if c.cutoff_score is None else float(c.cutoff_score)
        assert (row["size"], row["quota"], row["selected"], row["ties_added"], row["vetoed_added"],
                row["cutoff_score"]) == (c.size, c.quota, c.selected, c.ties_added, c.vetoed_added, cutoff)


def _quota_model(frame: pl.DataFrame, share: Fraction) -> dict[str, bool]:
    """The quota by its definition, written plainly: per branch, graded = not probationary."""
    branches: dict[str, list[dict]] = defaultdict(list)
    for r in frame.iter_rows(named=True):
        if r["status"] != "probationary":
            branches[r["branch_id"] or ""].append(r)
    demoted: dict[str, bool] = {}
    for members in branches.values():
        allowed = math.floor(len(members) * share)
        holders = sorted((m for m in members if m["grade"] == "excellent"),
                         key=lambda m: (-round(m["total"] * 1_000_000), m["subject_id"]))
        for i, m in enumerate(holders):
            demoted[m["subject_id"]] = i >= allowed
        for m in members:
            demoted.setdefault(m["subject_id"], False)
    return demoted


@settings(max_examples=60)
@given(frame=tables(), share=st.sampled_from([0.0, 0.2, 0.333333, 0.5]))
def test_quota_follows_its_definition(frame: pl.DataFrame, share: float) -> None:
    rs = pr.load_ruleset(shipped_ruleset_path("retired")).with_params(excellent_quota_share=share)
    got = quota_frame(frame, rs)
    want = _quota_model(frame, quota_fraction(share))
    assert dict(zip(got["subject_id"], got["demoted"], strict=True)) == want
    assert (got.filter(pl.col("demoted"))["grade"] == "qualified").all()
    assert got.filter(~pl.col("demoted"))["grade"].equals(got.filter(~pl.col("demoted"))["grade_before_quota"])


def test_bad_pools_and_shares_are_named() -> None:
    frame = pl.DataFrame({"subject_id": ["a"], "total": [1.0], "vetoed": [False], "category": ["x"]})
    with pytest.raises(RankingError, match="no column"):
        rank_scores(frame, ("branch",))
    with pytest.raises(RankingError, match="string"):
        rank_scores(frame, "category")  # type: ignore[arg-type]
    with pytest.raises(RankingError, match=r"0\.\.1"):
        cut_lists(merge_counts([rank_counts(frame, ("category",))]), ("category",), 1.5, "warning")
