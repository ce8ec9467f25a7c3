"""Whole-population steps across partitions (ranks, lists, quota, funding) equal the single-machine ones; a
worker killed mid-run loses and duplicates no subject."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import partyrules as pr
from partyrules.analyse.compare import allocate_frame
from partyrules.analyse.standing import cut_lists, list_members, merge_counts, quota_frame, rank_counts, rank_scores
from partyrules.distributed import connect, score_distributed
from partyrules.distributed.funding import allocate_distributed, funding_entries
from partyrules.distributed.standing import lists_distributed, quota_distributed, rank_distributed
from partyrules.distributed.table import PartitionedFrame

POOLS = st.sampled_from([("category",), ("branch_id",), ("status", "branch_id"), ()])


class Scored(tuple):  # type: ignore[type-arg]
    """(distributed scores, single-machine frame), with a short repr for hypothesis' reports."""

    def __repr__(self) -> str:
        return "<in-service scores, distributed and single-machine>"


@pytest.fixture(scope="module")
def scored(client: Any, parts_dir: Path, rulesets: dict[str, pr.RuleSet],
           single: dict[str, pr.PopulationScores]) -> tuple[Any, pl.DataFrame]:
    ds = score_distributed(rulesets["in_service"], parts_dir, "2026", client=client)
    return Scored((ds, single["in_service"].frame))


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


def test_quota_after_a_shuffle_by_branch_equals_single_machine(client: Any, parts_dir: Path,
                                                               rulesets: dict[str, pr.RuleSet]) -> None:
    # thresholds lowered so that many members reach the quota's grade and some branches overflow it
    rs = rulesets["retired"]
    read = pr.read_population(parts_dir)
    low = rs.with_params(excellent_quota_share=0.2)
    want = pr.score_population(low, read.population, "2026").frame
    ds = score_distributed(low, parts_dir, "2026", client=client)
    got = pl.from_pandas(quota_distributed(ds).compute()).sort("subject_id")
    assert got.equals(quota_frame(want, low).sort("subject_id"))
    assert got["demoted"].sum() > 0  # some branches overflow: the quota did something


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
    except pr.FundingError as exc:
        with pytest.raises(pr.FundingError, match=str(exc.message).split(" (")[0][:30]):
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


def _kill(client: Any, worker: str) -> None:
    """End a worker's process at once, as a crash would (its nanny starts a new, empty one)."""
    with contextlib.suppress(Exception):  # the call cannot answer: the process it ran in is gone
        client.run(os._exit, 1, workers=[worker])


def test_killed_worker_loses_and_duplicates_no_subject(parts_dir: Path, rulesets: dict[str, pr.RuleSet],
                                                       single: dict[str, pr.PopulationScores]) -> None:
    rs = rulesets["in_service"]
    want = single["in_service"].frame
    with connect(n_workers=3, threads_per_worker=1, memory_limit="2GiB") as c:
        killed: list[str] = []

        def kill_when_first_partition_is_done() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not killed:
                for worker, keys in c.has_what().items():
                    if any("partyrules-score" in str(k) for k in keys):
                        killed.append(worker)
                        _kill(c, worker)
                        return
                time.sleep(0.02)

        t = threading.Thread(target=kill_when_first_partition_is_done)
        t.start()
        ds = score_distributed(rs, parts_dir, "2026", client=c)
        t.join()
        assert killed, "no worker was killed: the test did not test anything"
        got = ds.compute().frame
        assert got["subject_id"].n_unique() == got.height == want.height
        assert got.equals(want)
        # and once more after the scores are held: losing a worker's results recomputes them
        holder = next(w for w, keys in c.has_what().items() if keys)
        _kill(c, holder)
        ranks = rank_distributed(ds, ("branch_id",), method="counts")
        assert isinstance(ranks, PartitionedFrame)
        assert ranks.compute().equals(rank_scores(want, ("branch_id",)))
