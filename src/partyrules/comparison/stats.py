"""The per-group statistics of a comparison as exact, mergeable partials (:class:`ComparisonStats`): a partition's
partial, the merge of partials, and the tables finished from them. A partition holds whole subjects, both sides of
each; any partitioning merged in any order gives the tables of one partition of everything, bit for bit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .columns import (
    _MICRO,
    ALL,
    EPSILON,
    NOT_APPLICABLE,
    ComparisonError,
    ContributionKey,
    _micro,
    _moved_expr,
    groupings,
)
from .tau import kendall_tau_b

if TYPE_CHECKING:
    import polars as pl

    from ..rulesets.model import RuleSet

__all__ = ["ComparisonStats"]


def _unsigned_zero(col: str) -> pl.Expr:
    # -0.0 and 0.0 are one value to tau-b; one spelling keeps the count table's keys the same in every partition
    import polars as pl

    return pl.when(pl.col(col) == 0.0).then(pl.lit(0.0)).otherwise(pl.col(col)).alias(col)


def _sum_by(frames: Sequence[pl.DataFrame], keys: list[str], values: list[str]) -> pl.DataFrame:
    """Rows with the same keys summed, in key order: the canonical form of a count partial, so that a merge is the
    same frame whatever the order of its parts."""
    import polars as pl

    return pl.concat(frames).group_by(keys).agg(pl.col(v).sum() for v in values).sort(keys)


def _sum_pairs(frames: Sequence[pl.DataFrame]) -> pl.DataFrame:
    """Count tables added up. Unlike the other partials, left in no particular order: a million subjects make a
    million rows, which the finish sorts anyway, group by group (:func:`kendall_tau_b`)."""
    import polars as pl

    return pl.concat(frames).group_by("by", "group", "x", "y").agg(pl.col("n").sum())


def _cut_top(top: pl.DataFrame, top_k: int) -> pl.DataFrame:
    """The first ``top_k`` of each side and group in the strict order of the top k: not vetoed first, then the higher
    total, then the smaller subject id."""
    import polars as pl

    return top.sort(["side", "by", "group", "v", "t", "subject_id"],
                    descending=[False, False, False, False, True, False]) \
        .filter(pl.int_range(pl.len()).over("side", "by", "group") < top_k)


_COUNTS = ("subjects", "scored_both", "base_only", "reform_only", "grade_changed", "total_changed", "moved",
           "grade_up", "grade_down", "delta_micro")


@dataclass(frozen=True, eq=False)
class ComparisonStats:
    """Exact, mergeable partials of the per-group statistics of a comparison, and the tables made from them.

    :meth:`from_wide` takes one partition's ``wide`` frame (see :func:`wide_frame`; a partition holds whole
    subjects, with both their sides); :meth:`merge` adds partials up; the table methods finish. Merging is exact
    and associative (counts are integers, points are summed in whole millionths, a top k is re-cut from the tops
    of the parts), and the small partial frames are kept in a canonical order (the count table of tau-b, as long
    as the population, is ordered by the finish), so any partitioning merged in any order gives the same tables,
    bit for bit, as one partition of everything. A partial pickles.

    Parts: ``transitions`` (``by, group, base_grade, reform_grade, subjects``); ``tau_pairs``, the joint count
    table of the totals of the subjects scored on both sides (``by, group, x, y, n``); ``top``, each group's top
    ``top_k`` on each side (``side, by, group, subject_id, v, t``: vetoed, total) and ``sizes`` (``by, group,
    base_subjects``); ``effects`` (``by, group, rule_id, subjects, up, down, total_micro``, the points in
    millionths); ``counts``, the headline counts (``delta_micro``: the change of total of the subjects scored
    on both sides, summed in millionths).
    """

    by: tuple[str, ...]
    keys: tuple[ContributionKey, ...]
    grades: tuple[str, ...]
    top_k: int
    epsilon: float
    transitions: pl.DataFrame
    tau_pairs: pl.DataFrame
    top: pl.DataFrame
    sizes: pl.DataFrame
    effects: pl.DataFrame
    counts: dict[str, int]

    # -- partial -------------------------------------------------------------------------------------------------
    @classmethod
    def from_wide(cls, wide: pl.DataFrame, *, by: Sequence[str], keys: Sequence[ContributionKey],
                  grades: Sequence[str], top_k: int, epsilon: float = EPSILON) -> ComparisonStats:
        """The partial of one partition's ``wide`` frame. ``by``, ``keys``, ``grades``, ``top_k`` and ``epsilon``
        are those of the comparison (see :func:`grouping_columns`, :func:`comparison_keys`, :func:`grade_order`)
        and must be the same for every partition."""
        import polars as pl

        grouped = groupings(by)
        transitions = [wide.group_by(g.alias("group"), "base_grade", "reform_grade")
                       .agg(pl.len().cast(pl.Int64).alias("subjects"))
                       .select(pl.lit(name).alias("by"), "group", "base_grade", "reform_grade", "subjects")
                       for name, g in grouped]
        both = wide.filter(pl.col("in_base") & pl.col("in_reform"))
        xy = (_unsigned_zero("base_total").alias("x"), _unsigned_zero("reform_total").alias("y"))
        pairs = [both.group_by(g.alias("group"), *xy).agg(pl.len().cast(pl.Int64).alias("n"))
                 .select(pl.lit(name).alias("by"), "group", "x", "y", "n") for name, g in grouped]
        tops, sizes = [], []
        for side in ("base", "reform"):
            # the order of the top k does not depend on the grouping: one sort serves them all
            ranked = wide.filter(pl.col(f"in_{side}")).select(
                "subject_id", pl.col(f"{side}_vetoed").alias("v"), pl.col(f"{side}_total").alias("t"),
                *(g.alias(f"g|{name}") for name, g in grouped)) \
                .sort(["v", "t", "subject_id"], descending=[False, True, False])
            for name, _ in grouped:
                mine = ranked.select(pl.lit(side).alias("side"), pl.lit(name).alias("by"),
                                     pl.col(f"g|{name}").alias("group"), "subject_id", "v", "t")
                tops.append(mine.filter(pl.int_range(pl.len()).over("group") < top_k))
                if side == "base":
                    sizes.append(mine.group_by("group").agg(pl.len().cast(pl.Int64).alias("base_subjects"))
                                 .select(pl.lit(name).alias("by"), "group", "base_subjects"))
        return cls(tuple(by), tuple(keys), tuple(grades), top_k, epsilon,
                   _sum_by(transitions, ["by", "group", "base_grade", "reform_grade"], ["subjects"]),
                   pl.concat(pairs),  # distinct keys already; the finish orders the groups
                   _cut_top(pl.concat(tops), top_k),
                   _sum_by(sizes, ["by", "group"], ["base_subjects"]),
                   _effects_partial(wide, grouped, [k.key for k in keys]),
                   _count_partial(wide, grades, epsilon))

    # -- merge ---------------------------------------------------------------------------------------------------
    @classmethod
    def merge(cls, parts: Iterable[ComparisonStats]) -> ComparisonStats:
        """The partial of the union of the partitions of ``parts`` (which hold disjoint sets of subjects)."""
        import polars as pl

        parts = list(parts)
        if not parts:
            raise ComparisonError("no partials to merge", hint="give the partial of every partition, even empty")
        first = parts[0]
        meta = (first.by, first.keys, first.grades, first.top_k, first.epsilon)
        for p in parts[1:]:
            if (p.by, p.keys, p.grades, p.top_k, p.epsilon) != meta:
                raise ComparisonError("the partials were made for different comparisons (groupings, rule sets, "
                                      "top_k or epsilon differ)",
                                      hint="make every partition's partial with the same arguments")
        return cls(*meta,
                   _sum_by([p.transitions for p in parts], ["by", "group", "base_grade", "reform_grade"],
                           ["subjects"]),
                   _sum_pairs([p.tau_pairs for p in parts]),
                   _cut_top(pl.concat([p.top for p in parts]), first.top_k),
                   _sum_by([p.sizes for p in parts], ["by", "group"], ["base_subjects"]),
                   _sum_by([p.effects for p in parts], ["by", "group", "rule_id"],
                           ["subjects", "up", "down", "total_micro"]),
                   {k: sum(p.counts[k] for p in parts) for k in _COUNTS})

    # -- finish --------------------------------------------------------------------------------------------------
    @property
    def grade_labels(self) -> list[str]:
        """See :attr:`Comparison.grade_labels`."""
        one_sided = self.counts["base_only"] + self.counts["reform_only"] > 0
        return [*self.grades, NOT_APPLICABLE] if one_sided else list(self.grades)

    def transition_counts(self) -> pl.DataFrame:
        """See :attr:`Comparison.transition_counts`."""
        import polars as pl

        order = {g: i for i, g in enumerate(self.grade_labels)}
        return self.transitions.with_columns(
            pl.col("base_grade").replace_strict(order, default=len(order)).alias("_b"),
            pl.col("reform_grade").replace_strict(order, default=len(order)).alias("_r")) \
            .sort("by", "group", "_b", "_r", "base_grade", "reform_grade").drop("_b", "_r")

    def kendall_tau(self) -> pl.DataFrame:
        """See :attr:`Comparison.kendall_tau`."""
        return self._kendall_tau((ALL, *self.by))

    def _kendall_tau(self, groupings: Sequence[str]) -> pl.DataFrame:
        import polars as pl

        rows: list[dict[str, Any]] = []
        for name in groupings:
            mine = self.tau_pairs.filter(pl.col("by") == name).partition_by("group", as_dict=True)
            for (group,), part in sorted(mine.items(), key=lambda kv: kv[0][0]):
                tau, p = kendall_tau_b(part["x"].to_numpy(), part["y"].to_numpy(), part["n"].to_numpy())
                rows.append({"by": name, "group": group, "subjects": int(part["n"].sum()), "tau_b": tau,
                             "p_value": p})
        schema = {"by": pl.String, "group": pl.String, "subjects": pl.Int64, "tau_b": pl.Float64,
                  "p_value": pl.Float64}
        return pl.DataFrame(rows, schema=schema)

    def top_k_overlap(self) -> pl.DataFrame:
        """See :attr:`Comparison.top_k_overlap`."""
        import polars as pl

        on = ["by", "group", "subject_id"]
        base = self.top.filter(pl.col("side") == "base").select(on)
        reform = self.top.filter(pl.col("side") == "reform").select(on)
        overlap = base.join(reform, on=on, how="inner").group_by("by", "group") \
            .agg(pl.len().cast(pl.Int64).alias("overlap"))
        out = self.sizes.join(overlap, on=["by", "group"], how="left").with_columns(
            pl.min_horizontal(pl.col("base_subjects"), pl.lit(self.top_k, dtype=pl.Int64)).alias("k"),
            pl.col("overlap").fill_null(0))
        return out.select("by", "group", "k", "base_subjects", "overlap",
                          pl.when(pl.col("k") > 0).then(pl.col("overlap") / pl.col("k")).otherwise(None)
                          .alias("share")).sort("by", "group")

    def rule_effects(self) -> pl.DataFrame:
        """See :attr:`Comparison.rule_effects`."""
        import polars as pl

        meta = pl.DataFrame({"rule_id": [k.key for k in self.keys], "kind": [k.kind for k in self.keys],
                             "dimension": [k.dimension for k in self.keys]},
                            schema={"rule_id": pl.String, "kind": pl.String, "dimension": pl.String})
        out = self.effects.join(meta, on="rule_id", how="left").with_columns(
            (pl.col("total_micro") / _MICRO).round(6).alias("total_delta"),
            (pl.col("total_micro") / (pl.col("subjects") * _MICRO)).round(6).alias("mean_delta"))
        return out.select("by", "group", "rule_id", "kind", "dimension", "subjects", "up", "down", "total_delta",
                          "mean_delta").with_columns(pl.col("total_delta").abs().alias("_a")) \
            .sort(["by", "group", "_a", "rule_id"], descending=[False, False, True, False]).drop("_a")

    def summary(self, base: RuleSet, reform: RuleSet) -> dict[str, Any]:
        """See :meth:`Comparison.summary` (without the funding, which is not one of these statistics); ``base``
        and ``reform`` name the rule sets."""
        return self._summary(base, reform, self._kendall_tau([ALL]), self.top_k_overlap())

    def _summary(self, base: RuleSet, reform: RuleSet, kendall_tau: pl.DataFrame, top_k_overlap: pl.DataFrame
                 ) -> dict[str, Any]:
        import polars as pl

        c = self.counts
        tau = kendall_tau.filter(pl.col("by") == ALL)
        top = top_k_overlap.filter(pl.col("by") == ALL)
        both = c["scored_both"]
        return {
            "base": f"{base.id} {base.version}", "reform": f"{reform.id} {reform.version}",
            "subjects": c["subjects"], "scored_both": both, "base_only": c["base_only"],
            "reform_only": c["reform_only"], "grade_changed": c["grade_changed"],
            "total_changed": c["total_changed"], "moved": c["moved"],
            "moved_share": round(c["moved"] / c["subjects"], 6) if c["subjects"] else 0.0,
            # an exact ratio of integers, rounded once
            "mean_delta": round(c["delta_micro"] / (both * _MICRO), 6) if both else 0.0,
            "grade_up": c["grade_up"], "grade_down": c["grade_down"],
            "kendall_tau_b": tau["tau_b"][0] if tau.height else None,
            "top_k": self.top_k,
            "top_k_overlap": top["share"][0] if top.height else None,
        }


def _effects_partial(wide: pl.DataFrame, groupings: list[tuple[str, pl.Expr]], keys: list[str]) -> pl.DataFrame:
    import polars as pl

    schema = {"by": pl.String, "group": pl.String, "rule_id": pl.String, "subjects": pl.Int64, "up": pl.Int64,
              "down": pl.Int64, "total_micro": pl.Int64}
    if not keys:
        return pl.DataFrame(schema=schema)
    # one pass over the rows, by every grouping at once; each grouping's integer sums are then sums over that
    # small joint table, equal to sums over the rows
    cols = [f"g|{name}" for name, _ in groupings]
    aggs = []
    for k in keys:
        d = _micro(f"d:{k}")
        aggs += [(d != 0).sum().cast(pl.Int64).alias(f"subjects|{k}"), (d > 0).sum().cast(pl.Int64).alias(f"up|{k}"),
                 (d < 0).sum().cast(pl.Int64).alias(f"down|{k}"), d.sum().cast(pl.Int64).alias(f"total_micro|{k}")]
    joint = wide.group_by(*(g.alias(c) for (_, g), c in zip(groupings, cols, strict=True))).agg(aggs)
    stats = ("subjects", "up", "down", "total_micro")
    sums = [pl.col(f"{st}|{k}").sum() for k in keys for st in stats]
    parts = []
    for (name, _), col in zip(groupings, cols, strict=True):
        per = joint.group_by(pl.col(col).alias("group")).agg(sums)
        parts += [per.select(pl.lit(name).alias("by"), "group", pl.lit(k).alias("rule_id"),
                             *(pl.col(f"{st}|{k}").alias(st) for st in stats)) for k in keys]
    return _sum_by([pl.concat(parts).filter(pl.col("subjects") > 0)], list(schema)[:3], list(stats))


def _count_partial(wide: pl.DataFrame, grades: Sequence[str], epsilon: float) -> dict[str, int]:
    import polars as pl

    both = pl.col("in_base") & pl.col("in_reform")
    changed = pl.col("base_grade") != pl.col("reform_grade")
    rank = {g: i for i, g in enumerate(grades)}  # smaller index: the better grade
    b = pl.col("base_grade").replace_strict(rank, default=None, return_dtype=pl.Int64)
    r = pl.col("reform_grade").replace_strict(rank, default=None, return_dtype=pl.Int64)
    row = wide.select(
        pl.len().alias("subjects"), both.sum().alias("scored_both"),
        (pl.col("in_base") & ~pl.col("in_reform")).sum().alias("base_only"),
        (~pl.col("in_base") & pl.col("in_reform")).sum().alias("reform_only"),
        changed.sum().alias("grade_changed"),
        (both & (pl.col("delta").abs() > epsilon)).sum().alias("total_changed"),
        _moved_expr(epsilon).sum().alias("moved"),
        (both & changed & (r < b)).fill_null(False).sum().alias("grade_up"),
        (both & changed & (r > b)).fill_null(False).sum().alias("grade_down"),
        pl.when(both).then(_micro("delta")).otherwise(0).sum().alias("delta_micro"),
    ).row(0, named=True)
    return {k: int(row[k] or 0) for k in _COUNTS}
