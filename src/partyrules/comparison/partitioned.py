"""A base-vs-reform comparison of a population scored on a cluster, with the outputs of
:func:`partyrules.compare`.

Both sides are scored from the same partitions, so each subject's base and reform rows are in the same
partition and its comparison row (:func:`partyrules.comparison.wide_frame`) is built where they live. The
per-group statistics come from each partition's exact partial (:class:`~partyrules.comparison.ComparisonStats`:
integer counts, points in whole millionths, each group's top k), merged here and finished as on one machine;
funding is allocated over both sides with :func:`~partyrules.funding.allocate_distributed`. The
per-subject tables (``wide``, ``moved``, ``attribution``, ``funding``) stay on the cluster as
:class:`~partyrules.distributed.table.PartitionedFrame`; everything else is small and here. Each table equals
the single-machine one (the per-subject ones once sorted by subject id).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..distributed.cluster import gather, prepare, worker_modules
from ..distributed.scoring import DistributedScores, PartitionResult
from ..distributed.table import PartitionedFrame, share
from ..funding.partitioned import allocate_distributed
from ..score.table import PopulationScores
from .columns import (
    ALL,
    EPSILON,
    ComparisonError,
    ContributionKey,
    _attribute_columns,
    comparison_keys,
    grade_order,
    grouping_columns,
    groupings,
)
from .stats import ComparisonStats
from .table import check_compare_options, transition_matrix
from .wide import attribution_frame, moved_frame, wide_frame

if TYPE_CHECKING:
    import polars as pl

__all__ = ["DistributedComparison", "compare_distributed"]

worker_modules("partyrules.comparison")  # the wide frames and partials are built on the workers


def _wide(base: PartitionResult, reform: PartitionResult, rulesets: tuple[Any, Any], period: str,
          options: dict[str, Any]) -> pl.DataFrame:
    b = PopulationScores(rulesets[0], base.frame, period)
    r = PopulationScores(rulesets[1], reform.frame, period)
    return wide_frame(b, r, **options)


def _stats(wide: pl.DataFrame, options: dict[str, Any]) -> ComparisonStats:
    return ComparisonStats.from_wide(wide, **options)


def _entries(wide: pl.DataFrame, side: str) -> pl.DataFrame:
    import polars as pl

    return wide.filter(pl.col(f"in_{side}")).select(
        "subject_id", pl.col(f"{side}_total").alias("score"), pl.col(f"{side}_vetoed").alias("vetoed"))


def _moved(wide: pl.DataFrame, keys: Sequence[ContributionKey], epsilon: float) -> pl.DataFrame:
    return moved_frame(wide, keys, epsilon=epsilon)


def _columns(frame: pl.DataFrame) -> list[str]:
    return frame.columns


def _funding_part(wide: pl.DataFrame, base: pl.DataFrame, reform: pl.DataFrame, attrs: list[str]) -> pl.DataFrame:
    import polars as pl

    out = wide.select("subject_id", *attrs)
    out = out.join(base.rename({"amount_fen": "base_fen"}), on="subject_id", how="left")
    out = out.join(reform.rename({"amount_fen": "reform_fen"}), on="subject_id", how="left")
    return out.with_columns(pl.col("base_fen").fill_null(0), pl.col("reform_fen").fill_null(0)) \
        .with_columns((pl.col("reform_fen") - pl.col("base_fen")).alias("shift_fen"))


def _funding_groups(funding: pl.DataFrame, by: tuple[str, ...]) -> pl.DataFrame:
    import polars as pl

    parts = [funding.group_by(g.alias("group")).agg(pl.len().cast(pl.Int64).alias("subjects"),
                                                     pl.col("base_fen").sum(), pl.col("reform_fen").sum(),
                                                     pl.col("shift_fen").sum())
             .with_columns(pl.lit(name).alias("by")) for name, g in groupings(by)]
    return pl.concat(parts).select("by", "group", "subjects", "base_fen", "reform_fen", "shift_fen")


def _funding_counts(funding: pl.DataFrame) -> tuple[int, int, int]:
    import polars as pl

    gain = funding.filter(pl.col("shift_fen") > 0)
    return int(gain["shift_fen"].sum()), gain.height, funding.filter(pl.col("shift_fen") < 0).height


@dataclass
class DistributedComparison:
    """The comparison of a base and a reform over a distributed population (see :func:`compare_distributed`).

    The per-group tables and :meth:`summary` are those of :class:`partyrules.Comparison`; ``wide``,
    :attr:`moved`, :attr:`attribution` and :attr:`funding` are per-subject tables kept on the cluster."""

    base: DistributedScores
    reform: DistributedScores
    by: tuple[str, ...]
    top_k: int
    funding_pool: int | None
    funding_options: dict[str, Any]
    grades: list[str]
    keys: list[ContributionKey]
    wide: PartitionedFrame
    stats: ComparisonStats
    epsilon: float = EPSILON
    notes: list[str] = field(default_factory=list)
    _funding: tuple[PartitionedFrame, dict[str, dict[str, int]]] | None = field(default=None, repr=False)

    @property
    def grade_labels(self) -> list[str]:
        return self.stats.grade_labels

    @property
    def transition_counts(self) -> pl.DataFrame:
        return self.stats.transition_counts()

    def transition_matrix(self, by: str = ALL, group: str = ALL) -> pl.DataFrame:
        return transition_matrix(self.transition_counts, self.grade_labels, by, group)

    @property
    def transitions(self) -> pl.DataFrame:
        return self.transition_matrix()

    @property
    def kendall_tau(self) -> pl.DataFrame:
        return self.stats.kendall_tau()

    @property
    def top_k_overlap(self) -> pl.DataFrame:
        return self.stats.top_k_overlap()

    @property
    def rule_effects(self) -> pl.DataFrame:
        return self.stats.rule_effects()

    @property
    def moved(self) -> PartitionedFrame:
        """Who moved (see :attr:`partyrules.Comparison.moved`), per partition, each sorted by subject id."""
        return self.wide.map_frame(_moved, tuple(self.keys), self.epsilon)

    @property
    def attribution(self) -> PartitionedFrame:
        """Each moved part of each subject's total (see :attr:`partyrules.Comparison.attribution`), per partition."""
        return self.wide.map_frame(attribution_frame, tuple(self.keys))

    def _allocate(self) -> tuple[PartitionedFrame, dict[str, dict[str, int]]] | None:
        if self.funding_pool is None:
            return None
        if self._funding is None:
            totals: dict[str, dict[str, int]] = {}
            amounts: dict[str, PartitionedFrame] = {}
            for side in ("base", "reform"):
                amounts[side], totals[side] = allocate_distributed(
                    self.funding_pool, self.wide.map_frame(_entries, side), **self.funding_options)
            attrs = _attribute_columns(self.wide.head(0).columns)
            client = self.wide.client
            parts = client.map(_funding_part, self.wide.partitions, amounts["base"].partitions,
                               amounts["reform"].partitions, [attrs] * self.wide.npartitions, pure=False)
            self._funding = PartitionedFrame(client, parts, [self.wide, amounts["base"], amounts["reform"]]), totals
        return self._funding

    @property
    def funding(self) -> PartitionedFrame | None:
        """Per subject ``subject_id, <groups>, base_fen, reform_fen, shift_fen`` (see
        :attr:`partyrules.Comparison.funding`), per partition; ``None`` without a pool."""
        f = self._allocate()
        return None if f is None else f[0]

    @property
    def funding_totals(self) -> dict[str, dict[str, int]] | None:
        f = self._allocate()
        return None if f is None else f[1]

    @property
    def funding_by_group(self) -> pl.DataFrame | None:
        """Funding per group (see :attr:`partyrules.Comparison.funding_by_group`), added up over partitions."""
        import polars as pl

        f = self.funding
        if f is None:
            return None
        parts = gather(f.client, f.map(_funding_groups, self.by))
        return pl.concat(parts).group_by("by", "group").agg(pl.col("subjects", "base_fen", "reform_fen",
                                                                    "shift_fen").sum()).sort("by", "group")

    def summary(self) -> dict[str, Any]:
        """The headline numbers of :meth:`partyrules.Comparison.summary`."""
        out = self.stats._summary(self.base.ruleset, self.reform.ruleset, self.kendall_tau, self.top_k_overlap)
        f = self.funding
        if f is not None:
            counts = gather(f.client, f.map(_funding_counts))
            out["funding_pool_fen"] = self.funding_pool
            out["funding_shifted_fen"] = sum(c[0] for c in counts)
            out["funding_gainers"] = sum(c[1] for c in counts)
            out["funding_losers"] = sum(c[2] for c in counts)
        return out


def compare_distributed(base: DistributedScores, reform: DistributedScores, *, by: Sequence[str] | None = None,
                        groups: pl.DataFrame | Mapping[str, str] | None = None,
                        community_of_branch: Mapping[str, str] | None = None, top_k: int = 100,
                        funding_pool: int | None = None, funding_options: Mapping[str, Any] | None = None,
                        epsilon: float = EPSILON) -> DistributedComparison:
    """:func:`partyrules.compare` over two distributed score tables of the same partitions (score the base and
    the reform from the same source with :func:`~partyrules.distributed.score_distributed`). The arguments are
    those of :func:`partyrules.compare`; ``groups``, a small table or mapping, is sent to every partition."""
    for x, name in ((base, "base"), (reform, "reform")):
        if not isinstance(x, DistributedScores):
            raise ComparisonError(f"{name} must be DistributedScores, got {type(x).__name__}",
                                  hint="score both sides with partyrules.distributed.score_distributed")
    check_compare_options(base.ruleset, reform.ruleset, top_k=top_k, funding_pool=funding_pool)
    if len(base.partitions) != len(reform.partitions) or base.client is not reform.client:
        raise ComparisonError(f"the two sides were scored in different partitions ({len(base.partitions)} and "
                              f"{len(reform.partitions)}) or on different clusters",
                              hint="score the base and the reform from the same source with the same client")
    client = base.client
    prepare(client)  # the workers import this package first, if they were prepared before it was imported
    keys = comparison_keys(base.ruleset, reform.ruleset)
    rulesets = share(client, (base.ruleset, reform.ruleset))
    options = share(client, {"groups": groups, "community_of_branch": community_of_branch, "keys": keys})
    n = len(base.partitions)
    parts = client.map(_wide, base.partitions, reform.partitions, [rulesets] * n, [base.period] * n,
                       [options] * n, pure=False)
    wide = PartitionedFrame(client, parts, [base, reform, rulesets, options])
    columns = gather(client, [client.submit(_columns, parts[0])])[0]
    kept, notes = grouping_columns(by, columns, community=community_of_branch is not None)
    grades = grade_order(base.ruleset, reform.ruleset)
    stat_options = {"by": kept, "keys": keys, "grades": grades, "top_k": top_k, "epsilon": epsilon}
    partials = gather(client, wide.map(_stats, stat_options))
    stats = ComparisonStats.merge(partials)
    return DistributedComparison(base, reform, kept, top_k, funding_pool, dict(funding_options or {}), grades,
                                 keys, wide, stats, epsilon, notes)
