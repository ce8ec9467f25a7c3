"""Ranks and the warning and priority lists of a population scored on a cluster equal the single-machine ones
(counts merged across partitions, or a shuffle by pool), row for row."""

from __future__ import annotations

from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from partyrules.distributed.table import PartitionedFrame
from partyrules.ranking import (
    cut_lists,
    list_members,
    lists_distributed,
    merge_counts,
    rank_counts,
    rank_distributed,
    rank_scores,
)

POOLS = st.sampled_from([("category",), ("branch_id",), ("status", "branch_id"), ()])


def _polars(x: Any) -> pl.DataFrame:
    """A distributed result as one polars frame sorted by subject (the shuffle method's order is its own)."""
    frame = x.compute() if isinstance(x, PartitionedFrame) else pl.from_pandas(x.compute())
    return frame.sort("subject_id")


METHODS = st.sampled_from(["counts", "shuffle", "auto"])


@settings(max_examples=8)
@given(pool=POOLS, method=METHODS)
def test_ranks_equal_single_machine(scored: tuple[Any, pl.DataFrame], pool: tuple[str, ...], method: str) -> None:
    ds, frame = scored
    got = rank_distributed(ds, pool, method=method)  # type: ignore[arg-type]
    want = rank_scores(frame, pool)
    if isinstance(got, PartitionedFrame):
        assert got.npartitions == len(ds.partitions)
        assert got.compute().equals(want)  # counts keep the partitions' order: the frame's
    assert _polars(got).equals(want.sort("subject_id"))


@settings(max_examples=10)
@given(pool=POOLS, share=st.sampled_from([0.0, 0.07, 0.1, 1 / 3, 1.0]),
       name=st.sampled_from(["warning", "priority"]), method=METHODS)
def test_lists_equal_single_machine(scored: tuple[Any, pl.DataFrame], pool: tuple[str, ...], share: float,
                                    name: str, method: str) -> None:
    ds, frame = scored
    members, pools = lists_distributed(ds, pool, share, name, method=method)  # type: ignore[arg-type]
    groups, want_pools = cut_lists(merge_counts([rank_counts(frame, pool)]), pool, share, name)  # type: ignore[arg-type]
    assert pools.equals(want_pools)
    assert _polars(members).equals(list_members(frame, groups, pool).sort("subject_id"))
