"""Ranks and lists over score tables follow the definitions of partyrules.ranking.subjects, checked against those
object-level functions on generated tables."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
from score_tables import tables


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


def test_bad_pools_and_shares_are_named() -> None:
    frame = pl.DataFrame({"subject_id": ["a"], "total": [1.0], "vetoed": [False], "category": ["x"]})
    with pytest.raises(RankingError, match="no column"):
        rank_scores(frame, ("branch",))
    with pytest.raises(RankingError, match="string"):
        rank_scores(frame, "category")  # type: ignore[arg-type]
    with pytest.raises(RankingError, match=r"0\.\.1"):
        cut_lists(merge_counts([rank_counts(frame, ("category",))]), ("category",), 1.5, "warning")
