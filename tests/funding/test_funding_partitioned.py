"""Funding over a population scored on a cluster equals the single-machine allocation to the fen, ties at the cut
included."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partyrules.distributed.table import PartitionedFrame
from partyrules.errors import FundingError
from partyrules.funding import allocate_distributed, allocate_frame, funding_entries


@settings(max_examples=8)
@given(pool_fen=st.integers(0, 10**12), basis=st.sampled_from(["score", "excess"]),
       floor=st.integers(0, 3), min_score=st.sampled_from([0.0, 30.0, 60.0]))
def test_funding_equals_single_machine_to_the_fen(scored: tuple[Any, pl.DataFrame], pool_fen: int, basis: str,
                                                  floor: int, min_score: float) -> None:
    ds, frame = scored
    entries = ds.map_frame(funding_entries)
    opts = {"basis": basis, "vetoed_floor_fen": floor, "min_score": min_score}
    try:
        want, want_totals = allocate_frame(pool_fen, funding_entries(frame), **opts)  # type: ignore[arg-type]
    except FundingError as exc:
        with pytest.raises(FundingError, match=str(exc.message).split(" (")[0][:30]):
            allocate_distributed(pool_fen, entries, **opts)  # type: ignore[arg-type]
        return
    got, totals = allocate_distributed(pool_fen, entries, **opts)  # type: ignore[arg-type]
    assert totals == want_totals
    # allocate_frame returns its rows in allocation order, the partitions in subject order: compare by subject
    assert got.compute().sort("subject_id").equals(want.sort("subject_id"))


def test_funding_ties_at_the_cut_are_broken_by_score_then_id(client: Any) -> None:
    # many equal remainders: every subject has one of three scores, so the cut falls inside a tie
    n = 3_000
    frame = pl.DataFrame({"subject_id": [f"S{i:05d}" for i in range(n)],
                          "score": [(50.0, 70.0, 90.0)[i % 3] for i in range(n)],
                          "vetoed": [i % 97 == 0 for i in range(n)]})
    parts = [client.scatter(frame.slice(i, 700)) for i in range(0, n, 700)]
    entries = PartitionedFrame(client, parts)
    for pool in (1_000, 1_001, 99_999, 7):
        got, _ = allocate_distributed(pool, entries, vetoed_floor_fen=0)
        want, _ = allocate_frame(pool, frame)
        assert got.compute().sort("subject_id").equals(want.sort("subject_id"))
