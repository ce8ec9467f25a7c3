"""The wide frame of a comparison (one row per subject scored on either side, both sides' totals, grades and
vetoes, and the change of each part of the total) and the per-subject tables read off it. Each works on any
partition holding whole subjects as on the whole population."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ..score.table import PopulationScores, score_columns
from .columns import (
    _TINY,
    EPSILON,
    NOT_APPLICABLE,
    TOP_RULES,
    ComparisonError,
    ContributionKey,
    _attribute_columns,
    _contribution_exprs,
    _moved_expr,
    _normalise_groups,
    comparison_keys,
)

if TYPE_CHECKING:
    import polars as pl

__all__ = ["attribution_frame", "moved_frame", "wide_frame"]


def _side(scores: PopulationScores, tag: str, keys: list[str], extra: list[str]) -> pl.LazyFrame:
    import polars as pl

    rs = scores.ruleset
    exprs = _contribution_exprs(rs)
    vetoes = [pl.when(pl.col(f"veto:{v.id}")).then(pl.lit(v.id)).otherwise(None) for v in rs.vetoes]
    fired = pl.concat_list(vetoes).list.drop_nulls() if vetoes else pl.lit([], dtype=pl.List(pl.String))
    attrs = [c for c in scores.attributes if c not in extra]
    return scores.frame.lazy().select(
        pl.col("subject_id"), *(pl.col(a).alias(f"{tag}|{a}") for a in attrs),
        pl.lit(True).alias(f"in_{tag}"), pl.col("total").alias(f"{tag}_total"),
        pl.col("grade").alias(f"{tag}_grade"), pl.col("vetoed").alias(f"{tag}_vetoed"),
        fired.alias(f"{tag}_vetoes"),
        *(exprs.get(k, pl.lit(0.0)).alias(f"{tag}:{k}") for k in keys))


def _check_scores(x: PopulationScores, name: str) -> PopulationScores:
    missing = [c for c in ("subject_id", *score_columns(x.ruleset)) if c not in x.frame.columns]
    if missing:
        raise ComparisonError(f"{name}: the score table lacks the column(s) {', '.join(missing[:5])}",
                              hint="score tables come from partyrules.score_population with the same rule set")
    dup = x.frame.height - x.frame["subject_id"].n_unique()
    if dup:
        raise ComparisonError(f"{name}: {dup} subject id(s) appear more than once",
                              hint="score each subject once per rule set")
    return x


def wide_frame(base: PopulationScores, reform: PopulationScores, *,
               groups: pl.DataFrame | Mapping[str, str] | None = None,
               community_of_branch: Mapping[str, str] | None = None,
               keys: Sequence[ContributionKey] | None = None) -> pl.DataFrame:
    """The ``wide`` frame of :class:`Comparison` for the subjects of two score tables, sorted by subject id:
    ``subject_id``, the attributes, ``in_base``/``in_reform``, both totals, grades, vetoed flags and fired vetoes,
    ``delta``, one ``d:<key>`` column per part of ``keys`` (default :func:`comparison_keys` of the two rule sets),
    ``vetoes_added``/``vetoes_removed``, then the columns of ``groups`` and a ``community`` column when
    ``community_of_branch`` is given (see :func:`compare`).

    It works on one partition as on everything: a subject's row depends only on its own rows in ``base`` and
    ``reform``, so a partition holding whole subjects (both sides of each) gives exactly the rows of the whole
    frame for its subjects (``PopulationScores(ruleset, frame_partition, period)`` makes a partition's table).
    The tables are not checked here (missing columns, duplicate ids): :func:`compare` checks them.
    """
    import polars as pl

    names = [k.key for k in (comparison_keys(base.ruleset, reform.ruleset) if keys is None else keys)]
    extra = _normalise_groups(groups)
    extra_cols = [c for c in extra.columns if c != "subject_id"] if extra is not None else []
    b = _side(base, "base", names, extra_cols)
    r = _side(reform, "reform", names, extra_cols)
    j = b.join(r, on="subject_id", how="full", coalesce=True)
    attrs = list(dict.fromkeys(c for c in (*base.attributes, *reform.attributes) if c not in extra_cols))
    empty = pl.lit([], dtype=pl.List(pl.String))
    cols: list[pl.Expr] = [pl.col("subject_id")]
    for a in attrs:
        sides = [pl.col(f"{t}|{a}") for t, s in (("base", base), ("reform", reform)) if a in s.attributes]
        cols.append(pl.coalesce(sides).alias(a))
    cols += [
        pl.col("in_base").fill_null(False), pl.col("in_reform").fill_null(False),
        pl.col("base_total"), pl.col("reform_total"),
        (pl.col("reform_total").fill_null(0.0) - pl.col("base_total").fill_null(0.0)).round(6).alias("delta"),
        pl.col("base_grade").fill_null(NOT_APPLICABLE), pl.col("reform_grade").fill_null(NOT_APPLICABLE),
        pl.col("base_vetoed").fill_null(False), pl.col("reform_vetoed").fill_null(False),
        pl.col("base_vetoes").fill_null(empty), pl.col("reform_vetoes").fill_null(empty),
    ]
    cols += [(pl.col(f"reform:{k}").fill_null(0.0) - pl.col(f"base:{k}").fill_null(0.0)).round(6).alias(f"d:{k}")
             for k in names]
    wide = j.select(cols).with_columns(
        pl.col("reform_vetoes").list.set_difference("base_vetoes").list.sort().alias("vetoes_added"),
        pl.col("base_vetoes").list.set_difference("reform_vetoes").list.sort().alias("vetoes_removed"))
    if extra is not None:
        wide = wide.join(extra.lazy(), on="subject_id", how="left")
    if community_of_branch is not None:
        mapping = {str(k): str(v) for k, v in community_of_branch.items()}
        source = "branch_id" if "branch_id" in attrs else "subject_id"
        wide = wide.with_columns(pl.col(source).replace_strict(mapping, default=None, return_dtype=pl.String)
                                 .alias("community"))
    return wide.sort("subject_id").collect()



def attribution_frame(wide: pl.DataFrame, keys: Sequence[ContributionKey]) -> pl.DataFrame:
    """The attribution of the subjects of ``wide`` (any partition of a comparison's wide frame): ``subject_id,
    rule_id, delta``, see :attr:`Comparison.attribution`; sorted by subject, then the largest absolute change."""
    import polars as pl

    ids = [k.key for k in keys]
    dtype = pl.Enum(ids) if ids else pl.String
    parts = [wide.filter(pl.col(f"d:{k}").abs() > _TINY)
             .select("subject_id", pl.lit(k).cast(dtype).alias("rule_id"), pl.col(f"d:{k}").alias("delta"))
             for k in ids]
    if not parts:
        return pl.DataFrame(schema={"subject_id": pl.String, "rule_id": dtype, "delta": pl.Float64})
    out = pl.concat(parts)
    return out.with_columns(pl.col("delta").abs().alias("_a")) \
        .sort(["subject_id", "_a", "rule_id"], descending=[False, True, False]).drop("_a")


def moved_frame(wide: pl.DataFrame, keys: Sequence[ContributionKey], *, epsilon: float = EPSILON) -> pl.DataFrame:
    """The subjects of ``wide`` (any partition of a comparison's wide frame) who moved, see
    :attr:`Comparison.moved`; sorted by subject id."""
    import polars as pl

    moved = wide.filter(_moved_expr(epsilon))
    top = (attribution_frame(moved, keys)
           .group_by("subject_id", maintain_order=True).head(TOP_RULES)
           .group_by("subject_id", maintain_order=True)
           .agg(pl.col("rule_id").cast(pl.String).alias("top_rules"), pl.col("delta").alias("top_deltas")))
    cols = ["subject_id", *_attribute_columns(wide.columns), "in_base", "in_reform", "base_total", "reform_total",
            "delta", "base_grade", "reform_grade", "vetoes_added", "vetoes_removed"]
    return moved.select(cols).with_columns((pl.col("base_grade") != pl.col("reform_grade"))
                                           .alias("grade_changed")) \
        .join(top, on="subject_id", how="left").with_columns(
            pl.col("top_rules").fill_null(pl.lit([], dtype=pl.List(pl.String))),
            pl.col("top_deltas").fill_null(pl.lit([], dtype=pl.List(pl.Float64)))).sort("subject_id")
