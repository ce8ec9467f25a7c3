"""Funding over a table (partyrules.funding.allocate_frame) gives the per-subject allocation's amounts to the fen,
and refuses what the per-subject form refuses."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from partyrules.funding import FundingError, allocate, allocate_frame, funding_entries
from partyrules.ranking import Ranked

# scores on a coarse grid (ties, remainders level at the cut) and anywhere in 0..100, rounded as breakdowns give them
_SCORE = st.one_of(st.sampled_from([0.0, 0.000001, 50.0, 60.0, 87.5, 100.0]),
                   st.floats(0, 100, allow_nan=False).map(lambda x: round(x, 6)))


@st.composite
def entries(draw: st.DrawFn) -> list[Ranked]:
    n = draw(st.integers(0, 30))
    return [Ranked(f"B{i:03d}", "branch", draw(_SCORE), vetoed=draw(st.integers(0, 4)) == 0) for i in range(n)]


def _frame(rows: list[Ranked]) -> pl.DataFrame:
    return pl.DataFrame({"subject_id": [r.subject_id for r in rows], "score": [r.score for r in rows],
                         "vetoed": [r.vetoed for r in rows]}, schema={"subject_id": pl.String, "score": pl.Float64,
                                                                      "vetoed": pl.Boolean})


@given(pool=st.one_of(st.integers(0, 1000), st.integers(0, 10**12)), rows=entries(),
       basis=st.sampled_from(["score", "excess"]), floor=st.sampled_from([0, 1, 100]),
       min_score=st.sampled_from([0.0, 50.0, 60.0, 87.5]))
def test_the_table_gives_the_per_subject_amounts_to_the_fen(pool, rows, basis, floor, min_score):
    options = {"basis": basis, "vetoed_floor_fen": floor, "min_score": min_score}
    try:
        want = allocate(pool, rows, **options)
    except FundingError:
        with pytest.raises(FundingError):
            allocate_frame(pool, _frame(rows), **options)
        return
    amounts, totals = allocate_frame(pool, _frame(rows), **options)
    assert dict(amounts.iter_rows()) == want.amounts()
    assert totals == {"pool_fen": pool, "allocated_fen": want.allocated_fen,
                      "unallocated_fen": want.unallocated_fen}


def test_allocate_frame_refuses_bad_input():
    entries = pl.DataFrame({"subject_id": ["a"], "score": [120.0], "vetoed": [False]})
    with pytest.raises(FundingError, match=r"0\.\.100"):
        allocate_frame(100, entries)
    with pytest.raises(FundingError, match="non-negative"):
        allocate_frame(-1, entries.with_columns(pl.lit(50.0).alias("score")))
    with pytest.raises(FundingError, match="basis"):
        allocate_frame(100, entries.with_columns(pl.lit(50.0).alias("score")), basis="rank")


def test_funding_entries_take_the_total_as_the_score():
    scores = pl.DataFrame({"subject_id": ["m1", "m2"], "total": [70.5, 0.0], "vetoed": [False, True],
                           "grade": ["qualified", "unqualified"]})
    assert funding_entries(scores).equals(pl.DataFrame({"subject_id": ["m1", "m2"], "score": [70.5, 0.0],
                                                        "vetoed": [False, True]}))
