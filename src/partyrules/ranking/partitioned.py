"""Ranks and the warning and priority lists of a population scored on a cluster.

A rank depends only on how many subjects stand above, level with and below a subject, so ranks can come from
counts per (pool, vetoed, score): each partition counts its own subjects
(:func:`partyrules.ranking.table.rank_counts`), the counts are added, and each partition reads its subjects'
ranks off the merged table where they live. That table grows with the number of distinct (pool, score) pairs,
which is small for a few large pools (categories, communities) but close to the number of subjects for many
small ones (branches of thirty members). For those, the score table is shuffled by pool with Dask instead, so
that each pool's rows meet in one partition, and ranks and lists are computed per partition; the overall rank
still comes from counts per score, which stay small. ``method="auto"`` chooses by the size of the counts.

Either way the numbers are those of the single-machine functions of :mod:`partyrules.ranking.table` (the same
code runs on each partition), bit for bit; the tests check both methods against them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from ..distributed.cluster import gather, worker_modules
from ..distributed.scoring import DistributedScores
from ..distributed.table import PartitionedFrame
from ..distributed.table import share as _share  # not "share": the lists' argument is called that
from .subjects import RankingError
from .table import (
    KEY,
    apply_ranks,
    cut_lists,
    list_members,
    merge_counts,
    rank_counts,
    rank_table,
)

if TYPE_CHECKING:
    import dask.dataframe as dd
    import polars as pl

__all__ = ["COUNTS_LIMIT", "lists_distributed", "rank_distributed", "select_columns"]

worker_modules("partyrules.ranking.table")  # the counts and ranks run on the workers

COUNTS_LIMIT = 200_000
"""``method="auto"`` merges counts when the partitions' count tables hold at most this many rows together."""

Method = Literal["auto", "counts", "shuffle"]


def _choose(scores: DistributedScores, pool: Sequence[str], method: Method) -> tuple[str, list[Any]]:
    """The method, and (for counts) the futures of each partition's counts, left on the workers until known
    to be small."""
    if method not in ("auto", "counts", "shuffle"):
        raise RankingError(f"unknown method {method!r}", hint="'auto', 'counts' or 'shuffle'")
    if not pool or method == "counts":
        return "counts", scores.map(rank_counts, tuple(pool))
    if method == "shuffle":
        return "shuffle", []
    counts = scores.map(rank_counts, tuple(pool))
    rows = sum(gather(scores.client, scores.client.map(_rows, counts, pure=False)))
    return ("counts", counts) if rows <= COUNTS_LIMIT else ("shuffle", [])


def _rows(frame: pl.DataFrame) -> int:
    return frame.height


def _by_pool(scores: DistributedScores, pool: Sequence[str]) -> dd.DataFrame:
    """The columns ranks need, shuffled by pool so that each pool is in one partition."""
    frame = select_columns(scores, ["subject_id", *pool, "vetoed", "total"], fill=pool)
    return frame.shuffle(on=list(pool), npartitions=frame.npartitions)


def _select(frame: pl.DataFrame, columns: list[str], fill: Sequence[str]) -> pl.DataFrame:
    import polars as pl

    # a missing pool value is "" as on one machine, so that the shuffle's keys agree with the counts' pools
    return frame.select(columns).with_columns(pl.col(c).cast(pl.String).fill_null("") for c in fill)


def select_columns(scores: DistributedScores, columns: list[str], fill: Sequence[str] = ()) -> dd.DataFrame:
    """Only ``columns`` of the score table, as a Dask DataFrame: selected in polars where each partition lives,
    so that a shuffle moves a few columns, not the sixty of a score table."""
    return scores.map_frame(_select, columns, tuple(fill)).frame


def _overall(scores: DistributedScores) -> pl.DataFrame:
    counts = merge_counts(gather(scores.client, scores.map(rank_counts, ())))
    return rank_table(counts, ()).select("vetoed", KEY, "overall_rank", "overall_size")


def _ranks_part(frame: Any, pool: Sequence[str], overall: pl.DataFrame) -> Any:
    import polars as pl

    f = pl.from_pandas(frame)
    table = rank_table(merge_counts([rank_counts(f, pool)]), pool).drop("overall_rank", "overall_size",
                                                                        "overall_level")
    table = table.join(overall, on=["vetoed", KEY], how="left")
    return apply_ranks(f, table, pool).to_pandas()


def _ranks_meta(scores: DistributedScores, pool: Sequence[str]) -> Any:
    import polars as pl

    from ..score.table import table_schema

    empty = pl.DataFrame(schema=table_schema(scores.ruleset, scores.attributes))
    return apply_ranks(empty, rank_table(rank_counts(empty, pool), pool), pool).to_pandas()


def rank_distributed(scores: DistributedScores, pool: Sequence[str] = ("category",), *,
                     method: Method = "auto") -> PartitionedFrame | dd.DataFrame:
    """Every subject's ranks (the columns of :func:`partyrules.ranking.table.rank_scores`).

    With counts: a :class:`PartitionedFrame` in the score table's partitions and order. With the shuffle: a Dask
    DataFrame in the shuffle's order (sort by ``subject_id`` to compare)."""
    how, counts = _choose(scores, pool, method)
    if how == "counts":
        table = rank_table(merge_counts(gather(scores.client, counts)), pool)
        shared = _share(scores.client, table)
        out = scores.map_frame(apply_ranks, shared, tuple(pool))
        out.inputs.append(shared)
        return out
    overall = _overall(scores)
    return _by_pool(scores, pool).map_partitions(_ranks_part, tuple(pool), overall,
                                                 meta=_ranks_meta(scores, pool))


def _lists_part(frame: Any, pool: Sequence[str], fraction: float, name: str) -> Any:
    import polars as pl

    f = pl.from_pandas(frame)
    groups, _ = cut_lists(merge_counts([rank_counts(f, pool)]), pool, fraction, name)  # type: ignore[arg-type]
    return list_members(f, groups, pool).to_pandas()


def _pools_part(frame: Any, pool: Sequence[str], fraction: float, name: str) -> Any:
    import polars as pl

    f = pl.from_pandas(frame)
    return cut_lists(merge_counts([rank_counts(f, pool)]), pool, fraction, name)[1]  # type: ignore[arg-type]


def lists_distributed(scores: DistributedScores, pool: Sequence[str] = ("category",), share: float = 0.1,
                      name: Literal["warning", "priority"] = "warning", *,
                      method: Method = "auto") -> tuple[PartitionedFrame | dd.DataFrame, pl.DataFrame]:
    """The warning or priority list (:func:`partyrules.ranking.table.cut_lists`): the listed subjects (kept on
    the cluster, as :func:`rank_distributed` keeps ranks) and the per-pool cut table (here, sorted by pool)."""
    import polars as pl

    cut_lists(pl.DataFrame(schema={**{c: pl.String for c in pool}, "vetoed": pl.Boolean, KEY: pl.Int64,
                                   "n": pl.Int64}), pool, share, name)  # the share is checked before any work
    how, counts = _choose(scores, pool, method)
    if how == "counts":
        groups, pools = cut_lists(merge_counts(gather(scores.client, counts)), pool, share, name)
        shared = _share(scores.client, groups)
        out = scores.map_frame(list_members, shared, tuple(pool))
        out.inputs.append(shared)
        return out, pools
    shuffled = _by_pool(scores, pool).persist()
    meta = list_members(_keyed_empty(scores, pool), _empty_groups(pool), pool).to_pandas()
    members = shuffled.map_partitions(_lists_part, tuple(pool), share, name, meta=meta)
    parts = scores.client.compute(shuffled.to_delayed())
    tables = gather(scores.client, scores.client.map(_pools_part, parts, [tuple(pool)] * len(parts),
                                                    [share] * len(parts), [name] * len(parts), pure=False))
    empty = cut_lists(merge_counts([rank_counts(_keyed_empty(scores, pool), pool)]), pool, share, name)[1]
    pools = pl.concat([empty, *tables]).sort(list(pool))
    return members, pools


def _keyed_empty(scores: DistributedScores, pool: Sequence[str]) -> pl.DataFrame:
    import polars as pl

    from ..score.table import table_schema

    return pl.DataFrame(schema=table_schema(scores.ruleset, scores.attributes)).select(
        "subject_id", *pool, "vetoed", "total")


def _empty_groups(pool: Sequence[str]) -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame(schema={**{c: pl.String for c in pool}, "vetoed": pl.Boolean, KEY: pl.Int64,
                                "listed": pl.Boolean, "reason": pl.String})
