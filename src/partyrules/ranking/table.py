"""Where each subject stands in a whole population, over score tables: ranks within pools and the warning and
priority lists, as columns (the 优秀 quota over score tables is :mod:`partyrules.quota.table`).

These are the rules of :mod:`partyrules.ranking.subjects` (the same definitions,
tested against them), for populations of millions: a rank depends only on how many subjects of the pool stand
above, level with and below, so it is computed from a small table of counts per (pool, vetoed, score) rather
than by sorting subjects. That table is also what makes ranks distributable: each partition counts its own
subjects (:func:`rank_counts`), the counts are added (:func:`merge_counts`), and every partition reads its
subjects' ranks off the merged table (:func:`apply_ranks`). The single-machine functions are the same three
steps over one partition, so both give the same numbers, bit for bit.

A score is compared as a whole number of millionths (the totals are rounded to 6 decimals), vetoed subjects
rank below every subject without a veto, and ties share a rank (standard competition ranking: 1, 2, 2, 4).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Literal

from .subjects import RankingError

if TYPE_CHECKING:
    import polars as pl
    from polars.expr.whenthen import ChainedThen, Then

__all__ = ["apply_ranks", "cut_lists", "list_members", "merge_counts",
           "rank_counts", "rank_scores", "rank_table"]

KEY = "score_key"  # the total in whole millionths
NONE_POOL = ""  # the pool value of a subject without one, as ranking.subjects reads a missing field


def _pool_exprs(pool: Sequence[str]) -> list[pl.Expr]:
    import polars as pl

    return [pl.col(c).cast(pl.String).fill_null(NONE_POOL).alias(c) for c in pool]


def _check_pool(frame: pl.DataFrame, pool: Sequence[str]) -> None:
    if isinstance(pool, str):
        raise RankingError(f"pool must be a sequence of column names, got the string {pool!r}",
                           hint=f"write pool=({pool!r},)")
    missing = [c for c in pool if c not in frame.columns]
    if missing:
        raise RankingError(f"the score table has no column(s) {', '.join(missing)} to pool by",
                           hint="pool by grouping attributes of the table, e.g. ('category',) or ('branch_id',)")


def keyed(frame: pl.DataFrame, pool: Sequence[str]) -> pl.DataFrame:
    """``subject_id``, the pool columns (text, ``""`` when missing), ``vetoed`` and the score key."""
    import polars as pl

    _check_pool(frame, pool)
    return frame.select(pl.col("subject_id"), *_pool_exprs(pool), pl.col("vetoed").fill_null(False),
                        (pl.col("total") * 1_000_000).round(0).cast(pl.Int64).alias(KEY))


def rank_counts(frame: pl.DataFrame, pool: Sequence[str] = ("category",)) -> pl.DataFrame:
    """How many subjects of ``frame`` stand at each (pool, vetoed, score key): one partition's part of the counts."""
    import polars as pl

    k = keyed(frame, pool)
    return k.group_by([*pool, "vetoed", KEY]).agg(pl.len().cast(pl.Int64).alias("n"))


def merge_counts(parts: Iterable[pl.DataFrame]) -> pl.DataFrame:
    """Counts of several partitions added up (in any order: the result is sorted)."""
    import polars as pl

    frames = list(parts)
    if not frames:
        raise RankingError("no counts to merge")
    cols = [c for c in frames[0].columns if c != "n"]
    return pl.concat(frames).group_by(cols).agg(pl.col("n").sum()).sort(cols)


def _ranked_groups(counts: pl.DataFrame, pool: Sequence[str], prefix: str) -> pl.DataFrame:
    """Competition rank, size and level count of each (pool, vetoed, key) group, best first within a pool."""
    import polars as pl

    over = list(pool) or None
    ordered = counts.sort([*pool, "vetoed", KEY], descending=[*([False] * len(pool)), False, True])
    above = pl.col("n").cum_sum().shift(1, fill_value=0)
    size = pl.col("n").sum()
    return ordered.with_columns(
        ((above.over(over) if over else above) + 1).alias(f"{prefix}_rank"),
        (size.over(over) if over else size).alias(f"{prefix}_size"),
        pl.col("n").alias(f"{prefix}_level"))


def rank_table(counts: pl.DataFrame, pool: Sequence[str] = ("category",)) -> pl.DataFrame:
    """Ranks per (pool, vetoed, score key) from merged counts: ``pool_rank, pool_size, pool_level, percentile``
    (mid-rank, within the pool, as :func:`partyrules.ranking.subjects.rank` defines it) and the same across the
    whole population (``overall_rank, overall_size, overall_level``)."""
    import polars as pl

    from ..score.vector import round6

    pooled = _ranked_groups(counts, pool, "pool")
    overall = _ranked_groups(counts.group_by(["vetoed", KEY]).agg(pl.col("n").sum()), (), "overall").drop("n")
    below = pl.col("pool_size") - (pl.col("pool_rank") - 1) - pl.col("pool_level")
    pct = (100 * (below.cast(pl.Float64) + pl.col("pool_level").cast(pl.Float64) / 2)
           / pl.col("pool_size").cast(pl.Float64))
    return pooled.with_columns(round6(pct).alias("percentile")).drop("n") \
        .join(overall, on=["vetoed", KEY], how="left")


def apply_ranks(frame: pl.DataFrame, table: pl.DataFrame, pool: Sequence[str] = ("category",)) -> pl.DataFrame:
    """Each subject of ``frame`` with its ranks read off ``table`` (from :func:`rank_table`), in frame order:
    ``subject_id``, the pool columns, ``vetoed``, ``score`` (the total), ``overall_rank``, ``overall_size``,
    ``pool_rank``, ``pool_size``, ``tied`` (others level with it in its pool), ``percentile``."""
    import polars as pl

    k = keyed(frame, pool).with_columns(frame.get_column("total").alias("score"))
    out = k.join(table, on=[*pool, "vetoed", KEY], how="left", maintain_order="left")
    return out.select("subject_id", *pool, "vetoed", "score", "overall_rank", "overall_size", "pool_rank",
                      "pool_size", (pl.col("pool_level") - 1).alias("tied"), "percentile")


def rank_scores(frame: pl.DataFrame, pool: Sequence[str] = ("category",)) -> pl.DataFrame:
    """Rank every subject of a score table across the population and within its pool (see the module
    docstring); ``frame`` is ``PopulationScores.frame``. See :func:`apply_ranks` for the columns."""
    table = rank_table(merge_counts([rank_counts(frame, pool)]), pool)
    return apply_ranks(frame, table, pool)


# -- warning and priority lists ------------------------------------------------------------------------------------
def cut_lists(counts: pl.DataFrame, pool: Sequence[str], share: float,
              name: Literal["warning", "priority"]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The warning (bottom) or priority (top) list of each pool, cut from merged counts by the rule of
    :func:`partyrules.ranking.subjects.warning_list`: quota ``ceil(share * size)``, everyone level with the subject at
    the cut-off included, nobody listed in a pool where nobody ranks above (warning) or below (priority) them,
    vetoed subjects always warned and never prioritised.

    Returns ``(groups, pools)``: per (pool, vetoed, score key) whether its subjects are listed and why
    (``reason``: ``rank`` or ``vetoed``), and per pool ``size, quota, selected, cutoff_score, ties_added,
    vetoed_added``."""
    import polars as pl

    if isinstance(share, bool) or not isinstance(share, (int, float)) or not math.isfinite(share) \
            or not 0 <= share <= 1:
        raise RankingError(f"{name} list: the share must be a number in 0..1, got {share!r}",
                           hint="write 0.1 for the bottom (or top) 10% of each pool")
    from ..compile.columns import divide

    worst_first = name == "warning"
    keys = list(pool)
    frac = Fraction(Decimal(repr(float(share))))  # exact: 7% of 100 is 7, not 8 (see ranking.subjects)
    ordered = counts.sort([*keys, "vetoed", KEY], descending=[*([False] * len(keys)), worst_first, not worst_first])
    ordered = ordered.with_columns(pl.lit(0).alias("_all")) if not keys else ordered
    over = keys or ["_all"]
    i128 = pl.Int128
    g = ordered.with_columns(
        pl.col("n").cum_sum().shift(1, fill_value=0).over(over).alias("_start"),
        pl.col("n").sum().over(over).alias("_size"),
        pl.col("vetoed").last().over(over).alias("_ev"),  # the other end: the best subjects for a warning list,
        pl.col(KEY).last().over(over).alias("_ek"))       # the worst for a priority list
    quota = (pl.col("_size").cast(i128) * frac.numerator + (frac.denominator - 1)) // frac.denominator
    g = g.with_columns(quota.cast(pl.Int64).alias("_quota"))
    edge = (pl.col("vetoed") == pl.col("_ev")) & (pl.col(KEY) == pl.col("_ek"))
    eligible = (pl.col("vetoed") | ~edge) if worst_first else (~pl.col("vetoed") & ~edge)
    by_rank = eligible & (pl.col("_quota") > 0) & (pl.col("_start") < pl.col("_quota"))
    g = g.with_columns(by_rank.alias("_rank"))
    reason: Then | ChainedThen = pl.when(pl.col("_rank")).then(pl.lit("rank"))
    if worst_first:
        reason = reason.when(pl.col("vetoed")).then(pl.lit("vetoed"))
    g = g.with_columns(reason.otherwise(None).cast(pl.String).alias("reason"))
    inside = pl.min_horizontal(pl.col("n"), pl.col("_quota") - pl.col("_start"))
    pools = g.group_by(over, maintain_order=True).agg(
        pl.col("_size").first().cast(pl.Int64).alias("size"), pl.col("_quota").first().alias("quota"),
        pl.col("n").filter(pl.col("reason").is_not_null()).sum().cast(pl.Int64).alias("selected"),
        pl.col(KEY).filter(pl.col("_rank")).last().alias("_cut"),
        (pl.col("n").filter(pl.col("_rank")).sum() - inside.filter(pl.col("_rank")).sum()).cast(pl.Int64)
        .alias("ties_added"),
        pl.col("n").filter(pl.col("reason") == "vetoed").sum().cast(pl.Int64).alias("vetoed_added"))
    pools = pools.with_columns(divide(pl.col("_cut").cast(pl.Float64), pl.lit(1_000_000.0)).alias("cutoff_score"))
    groups = g.select(*keys, "vetoed", KEY, pl.col("reason").is_not_null().alias("listed"), "reason")
    schema = {**{c: pl.String for c in keys}, "size": pl.Int64, "quota": pl.Int64, "selected": pl.Int64,
              "cutoff_score": pl.Float64, "ties_added": pl.Int64, "vetoed_added": pl.Int64}
    pools = pools.select(*keys, "size", "quota", "selected", "cutoff_score", "ties_added", "vetoed_added")
    return groups.cast({c: pl.String for c in keys}), pools.cast(schema)  # type: ignore[arg-type]


def list_members(frame: pl.DataFrame, groups: pl.DataFrame, pool: Sequence[str]) -> pl.DataFrame:
    """The subjects of ``frame`` on a list cut by :func:`cut_lists`: ``subject_id``, the pool columns, ``vetoed``,
    ``score`` and ``reason``, in frame order."""
    import polars as pl

    k = keyed(frame, pool).with_columns(frame.get_column("total").alias("score"))
    out = k.join(groups.filter(pl.col("listed")), on=[*pool, "vetoed", KEY], how="inner", maintain_order="left")
    return out.select("subject_id", *pool, "vetoed", "score", "reason")
