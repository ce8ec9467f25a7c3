"""Ranks, warning and priority lists and the 优秀 quota of a population scored on a cluster.

Ranks and lists need the whole population, but only as counts: each partition counts its subjects per (pool,
vetoed, score) (:func:`partyrules.analyse.standing.rank_counts`), the small count tables are added here, the
rank table made from them is broadcast, and each partition reads its subjects' ranks off it where they live. The
single-machine functions of :mod:`partyrules.analyse.standing` are these steps over one partition, so the
results are the same, bit for bit. Memory here grows with the number of distinct (pool, score) pairs, never with
the number of subjects.

The quota compares members of one branch by subject id as well as by score, so the score table is shuffled by
branch with Dask (each branch's rows meet in one partition, spread over the workers) and the quota is applied
per partition.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from ..analyse.standing import apply_ranks, cut_lists, list_members, merge_counts, quota_frame, rank_counts, rank_table
from .scoring import DistributedScores
from .table import PartitionedFrame, share

if TYPE_CHECKING:
    import dask.dataframe as dd
    import polars as pl

__all__ = ["lists_distributed", "quota_distributed", "rank_distributed"]


def _counts(scores: DistributedScores, pool: Sequence[str]) -> pl.DataFrame:
    return merge_counts(scores.client.gather(scores.map(rank_counts, tuple(pool))))


def rank_distributed(scores: DistributedScores, pool: Sequence[str] = ("category",)) -> PartitionedFrame:
    """Every subject's ranks (the columns of :func:`partyrules.analyse.standing.rank_scores`), one table per
    partition, computed on the workers."""
    table = rank_table(_counts(scores, pool), pool)
    shared = share(scores.client, table)
    out = scores.map_frame(apply_ranks, shared, tuple(pool))
    out.inputs.append(shared)
    return out


def lists_distributed(scores: DistributedScores, pool: Sequence[str] = ("category",), share: float = 0.1,
                      name: Literal["warning", "priority"] = "warning") -> tuple[PartitionedFrame, pl.DataFrame]:
    """The warning or priority list (see :func:`partyrules.analyse.standing.cut_lists`): the listed subjects, one
    table per partition, and the per-pool cut table (small, here)."""
    groups, pools = cut_lists(_counts(scores, pool), pool, share, name)
    shared = share(scores.client, groups)
    out = scores.map_frame(list_members, shared, tuple(pool))
    out.inputs.append(shared)
    return out, pools


def _quota_part(frame: Any, ruleset: Any, group: str) -> Any:
    import polars as pl

    return quota_frame(pl.from_pandas(frame), ruleset, group=group).to_pandas()


def quota_distributed(scores: DistributedScores, *, group: str = "branch_id",
                      npartitions: int | None = None) -> dd.DataFrame:
    """The quota of :func:`partyrules.analyse.standing.quota_frame` applied per branch: a Dask DataFrame of every
    graded subject (``subject_id, <group>, grade_before_quota, grade, demoted, quota_rank, allowed, graded``),
    after a Dask shuffle by ``group``. Rows are ordered within a partition, not across partitions."""
    import polars as pl

    frame = scores.frame
    meta = quota_frame(pl.from_pandas(frame._meta), scores.ruleset, group=group).to_pandas()
    shuffled = frame.shuffle(on=group, npartitions=npartitions or frame.npartitions)
    return shuffled.map_partitions(_quota_part, scores.ruleset, group, meta=meta)
