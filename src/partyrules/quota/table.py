"""The 优秀 quota over score tables: the rule of :func:`partyrules.quota.subjects.apply_quota` as polars columns,
per branch, for populations of millions (tested against it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..ranking import RankingError
from ..ranking.table import KEY, NONE_POOL
from ..rulesets.model import RuleSet
from .subjects import quota_fraction

if TYPE_CHECKING:
    import polars as pl

__all__ = ["quota_frame"]


def quota_frame(frame: pl.DataFrame, ruleset: RuleSet, *, group: str = "branch_id") -> pl.DataFrame:
    """The 优秀 quota of ``ruleset`` applied within each ``group`` (a branch) of a score table, by the rule of
    :func:`partyrules.quota.subjects.apply_quota`: at most ``floor(graded * share)`` of a branch's graded members
    keep the quota's grade; the rest are demoted one grade, by total (higher first), then subject id.

    Probationary members (``status``) are scored but not graded: they neither count nor are demoted. Returns
    every graded subject: ``subject_id, <group>, grade_before_quota, grade, demoted, quota_rank`` (its place
    among the branch's holders of the grade, null for others), ``allowed``, ``graded``, in frame order.
    Every row of a group must be in ``frame`` (the distributed path shuffles by group first)."""
    import polars as pl

    quota = ruleset.spec.annual.quota if ruleset.spec.annual else None
    if quota is None:
        raise RankingError(f"rule set {ruleset.id} declares no quota (annual.quota)",
                           hint="the member indices declare the 优秀 quota")
    if group not in frame.columns:
        raise RankingError(f"the score table has no column {group!r} to apply the quota within",
                           hint="member score tables carry branch_id")
    share = quota_fraction(float(ruleset.params[quota.share]))
    ids = [g.id for g in ruleset.grades]
    if quota.grade not in ids:
        raise RankingError(f"the quota's grade {quota.grade!r} is not a grade of {ruleset.id}")
    lower = ids[min(ids.index(quota.grade) + 1, len(ids) - 1)]
    graded = frame.filter(pl.col("status").cast(pl.String) != "probationary") if "status" in frame.columns \
        else frame
    out = graded.with_row_index("_i").select(
        "_i", "subject_id", pl.col(group).cast(pl.String).fill_null(NONE_POOL).alias(group),
        pl.col("grade").alias("grade_before_quota"),
        (pl.col("total") * 1_000_000).round(0).cast(pl.Int64).alias(KEY))
    out = out.with_columns(pl.len().over(group).cast(pl.Int64).alias("graded"),
                           (pl.col("grade_before_quota") == quota.grade).fill_null(False).alias("_h"))
    # floor(graded * share) exactly: share is a simple fraction p/q
    out = out.with_columns(((pl.col("graded") * share.numerator) // share.denominator).alias("allowed"))
    out = out.sort([group, "_h", KEY, "subject_id"], descending=[False, False, True, False]) \
        .with_columns((pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over(group, "_h")).alias("_r")) \
        .sort("_i")
    rank = pl.when(pl.col("_h")).then(pl.col("_r")).otherwise(None)
    demote = pl.col("_h") & (pl.col("_r") > pl.col("allowed"))
    return out.select("subject_id", group, "grade_before_quota",
                      pl.when(demote).then(pl.lit(lower)).otherwise(pl.col("grade_before_quota")).alias("grade"),
                      demote.alias("demoted"), rank.alias("quota_rank"), "allowed", "graded")
