"""The 优秀 quota of a population scored on a cluster: the quota compares a branch's members by subject id as well
as by score, so the score table is shuffled by branch with Dask and :func:`partyrules.quota.table.quota_frame` runs
on each partition, where a branch's rows meet; the result equals the single-machine one, row for row."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..distributed.scoring import DistributedScores
from ..ranking.partitioned import select_columns
from .table import quota_frame

if TYPE_CHECKING:
    import dask.dataframe as dd

__all__ = ["quota_distributed"]


def _quota_part(frame: Any, ruleset: Any, group: str) -> Any:
    import polars as pl

    return quota_frame(pl.from_pandas(frame), ruleset, group=group).to_pandas()


def quota_distributed(scores: DistributedScores, *, group: str = "branch_id",
                      npartitions: int | None = None) -> dd.DataFrame:
    """The quota of :func:`partyrules.quota.table.quota_frame` applied per branch: a Dask DataFrame of every
    graded subject (``subject_id, <group>, grade_before_quota, grade, demoted, quota_rank, allowed, graded``),
    after a Dask shuffle by ``group``. Rows are ordered within a partition, not across partitions."""
    import polars as pl

    needed = ["subject_id", group, "grade", "total", *(["status"] if "status" in scores.attributes else [])]
    frame = select_columns(scores, needed)
    meta = quota_frame(pl.from_pandas(frame._meta), scores.ruleset, group=group).to_pandas()
    shuffled = frame.shuffle(on=group, npartitions=npartitions or frame.npartitions)
    return shuffled.map_partitions(_quota_part, scores.ruleset, group, meta=meta)

