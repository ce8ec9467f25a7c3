"""Compare a base and a reform rule set over one population, from their score tables, with polars.

:func:`compare` reads only :class:`~partyrules.score.table.PopulationScores` tables (``frame`` and ``ruleset``), so
it works the same on any backend and on populations of millions: every step is a column expression, never a loop
over subjects.

Each subject's change of total is attributed exactly as :mod:`partyrules.analyse.diff` does for breakdowns, but
over columns. Under each rule set a subject's total is the sum of:

- each standard's and deduction's points (``rule:<id>``, deductions after the dimension floor);
- ``<dimension>:max``: what the dimension's maximum took off the sum of its lines (``dim:<id>`` minus its rules);
- under ``veto_effect: zero_total``, the points a veto took by zeroing the total, given to the first fired veto in
  id order.

The change of each of these from base to reform (a side where the subject is not scored counts 0) adds up to the
subject's change of total, to within 1e-6. A veto that only forces the lowest grade moves no points; it shows in
``vetoes_added``/``vetoes_removed`` of :attr:`Comparison.moved`.

Per-group tables are long: a ``by`` column names the grouping (``"all"`` for the whole population, else the
column, e.g. ``"category"`` or ``"community"``) and a ``group`` column its value (as text; ``"(none)"`` for a
missing value).

Every statistic that summarises the population (transitions, tau-b, top k, rule effects, the headline counts) is
computed as "partition(s) -> partial -> merge -> finish" (:class:`ComparisonStats`), with partials that are exact
and associative: integer counts, top-k lists, points summed in whole millionths. A population scored partition
by partition (each partition holding whole subjects on both sides, see :func:`wide_frame`) therefore gives, bit for
bit, the tables :func:`compare` gives for the whole, however it is partitioned and in whatever order the partials
are merged. The per-subject tables (:func:`moved_frame`, :func:`attribution_frame`) work on any partition alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..funding.subjects import FundingError
from ..funding.table import allocate_frame
from ..rulesets.model import RuleSet
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
from .wide import _check_scores, attribution_frame, moved_frame, wide_frame

if TYPE_CHECKING:
    import polars as pl

__all__ = ["Comparison", "check_compare_options", "compare", "transition_matrix"]


def _ranked(wide: pl.DataFrame, side: str, g: pl.Expr) -> pl.DataFrame:
    """The subjects scored on ``side`` in the strict order of the top k (not vetoed first, then the higher total,
    then the smaller id), with their ``rank`` within their group."""
    import polars as pl

    return (wide.filter(pl.col(f"in_{side}"))
            .select("subject_id", g.alias("group"), pl.col(f"{side}_vetoed").alias("v"),
                    pl.col(f"{side}_total").alias("t"))
            .sort(["v", "t", "subject_id"], descending=[False, True, False])
            .with_columns((pl.int_range(pl.len()).over("group") + 1).alias("rank")))


@dataclass
class Comparison:
    """The comparison of a base and a reform over one population; see :func:`compare`.

    The tables are polars DataFrames computed on first use. ``wide`` has one row per subject scored on either
    side, with ``in_base``/``in_reform``, both totals and grades, ``delta`` and one ``d:<key>`` column per part of
    the total (see :func:`contribution_keys`). The per-group tables are finished from :attr:`stats`, the partial of
    the whole ``wide`` frame, exactly as from the merged partials of any partitioning (see
    :class:`ComparisonStats`).
    """

    base: PopulationScores
    reform: PopulationScores
    by: tuple[str, ...]
    top_k: int
    funding_pool: int | None
    funding_options: dict[str, Any]
    grades: list[str]
    keys: list[ContributionKey]
    wide: pl.DataFrame
    epsilon: float = EPSILON
    notes: list[str] = field(default_factory=list)

    def _repr_html_(self) -> str:  # notebooks show the headline, the transitions and who moved most
        from ._html import comparison_html

        return comparison_html(self)

    # -- helpers -------------------------------------------------------------------------------------------------
    @cached_property
    def stats(self) -> ComparisonStats:
        """The statistics of the whole population as one partial (see :class:`ComparisonStats`)."""
        return ComparisonStats.from_wide(self.wide, by=self.by, keys=self.keys, grades=self.grades,
                                         top_k=self.top_k, epsilon=self.epsilon)

    @property
    def grade_labels(self) -> list[str]:
        """The grades of the transition matrix: the base's, then the reform's new ones, then ``n/a`` when a
        subject is scored on one side only."""
        return self.stats.grade_labels

    # -- transitions ---------------------------------------------------------------------------------------------
    @cached_property
    def transition_counts(self) -> pl.DataFrame:
        """Long table ``by, group, base_grade, reform_grade, subjects`` (pairs with no subject left out)."""
        return self.stats.transition_counts()

    def transition_matrix(self, by: str = ALL, group: str = ALL) -> pl.DataFrame:
        """Grade x grade counts for one group: one row per base grade (column ``base_grade``), one column per
        reform grade, in the rule set's grade order (``n/a``: not scored on that side)."""
        return transition_matrix(self.transition_counts, self.grade_labels, by, group)

    @property
    def transitions(self) -> pl.DataFrame:
        """The whole population's grade transition matrix (base grades as rows, reform grades as columns)."""
        return self.transition_matrix()

    # -- ranks ---------------------------------------------------------------------------------------------------
    @cached_property
    def kendall_tau(self) -> pl.DataFrame:
        """Kendall's tau-b of the totals of the subjects scored on both sides, per group: ``by, group, subjects,
        tau_b, p_value`` (two-sided, normal approximation with the tie correction; see :func:`kendall_tau_b`).
        ``tau_b`` is null (not NaN) with fewer than 2 subjects or when either side's totals are all equal, where
        tau-b is undefined."""
        return self.stats.kendall_tau()

    def _ranked(self, side: str, g: pl.Expr) -> pl.DataFrame:
        return _ranked(self.wide, side, g)

    @cached_property
    def top_k_overlap(self) -> pl.DataFrame:
        """The share of the base's top k that stays in the reform's top k, per group: ``by, group, k, base_subjects,
        overlap, share``.

        Ranks are strict and deterministic: subjects without a veto before vetoed ones, then the higher total,
        then the smaller subject id, so among tied totals at the cut the smaller ids are in the top k. ``k`` is
        ``min(top_k, subjects scored under the base in the group)``; ``share = overlap / k`` (null when k is 0).
        """
        return self.stats.top_k_overlap()

    # -- who moved and why ---------------------------------------------------------------------------------------
    @cached_property
    def attribution(self) -> pl.DataFrame:
        """Long table ``subject_id, rule_id, delta``: each part's change of points (non-zero only), largest absolute
        change first within a subject; per subject the deltas add up to its ``delta`` (to within 1e-6)."""
        return attribution_frame(self.wide, self.keys)

    @cached_property
    def moved(self) -> pl.DataFrame:
        """One row per subject whose grade, total or vetoes changed, or that is scored on one side only: both
        totals and grades, ``delta``, ``vetoes_added``/``vetoes_removed`` and the ``top_rules`` (with their
        ``top_deltas``) responsible, largest absolute change first."""
        return moved_frame(self.wide, self.keys, epsilon=self.epsilon)

    def _attribute_columns(self) -> list[str]:
        return _attribute_columns(self.wide.columns)

    @cached_property
    def rule_effects(self) -> pl.DataFrame:
        """Per part of the total (rule, dimension maximum, zeroing veto) and group: ``by, group, rule_id, kind,
        dimension, subjects`` (whose points it changed), ``up``, ``down``, ``total_delta``, ``mean_delta`` (over
        those subjects); the largest absolute total first within a group. Parts that changed nobody are left out.
        The points are summed in whole millionths, so the sums are exact."""
        return self.stats.rule_effects()

    # -- funding -------------------------------------------------------------------------------------------------
    @cached_property
    def _funding(self) -> tuple[pl.DataFrame, dict[str, dict[str, int]]] | None:
        import polars as pl

        if self.funding_pool is None:
            return None
        out = self.wide.select("subject_id", *self._attribute_columns())
        totals: dict[str, dict[str, int]] = {}
        for side in ("base", "reform"):
            entries = self.wide.filter(pl.col(f"in_{side}")).select(
                "subject_id", pl.col(f"{side}_total").alias("score"), pl.col(f"{side}_vetoed").alias("vetoed"))
            amounts, totals[side] = allocate_frame(self.funding_pool, entries, **self.funding_options)
            out = out.join(amounts.rename({"amount_fen": f"{side}_fen"}), on="subject_id", how="left")
        out = out.with_columns(pl.col("base_fen").fill_null(0), pl.col("reform_fen").fill_null(0)) \
            .with_columns((pl.col("reform_fen") - pl.col("base_fen")).alias("shift_fen"))
        return out, totals

    @property
    def funding(self) -> pl.DataFrame | None:
        """When a pool was given: per subject ``subject_id, <groups>, base_fen, reform_fen, shift_fen`` (integer
        fen; 0 on a side where the subject is not scored). Each side is allocated by the rule of
        :func:`partyrules.funding.allocate` (same pool, same options, see :func:`allocate_frame`), so each
        side sums to the pool, less any ``unallocated_fen`` (see :attr:`funding_totals`)."""
        return None if self._funding is None else self._funding[0]

    @property
    def funding_totals(self) -> dict[str, dict[str, int]] | None:
        """Per side: ``pool_fen``, ``allocated_fen`` and ``unallocated_fen`` (``None`` without a pool)."""
        return None if self._funding is None else self._funding[1]

    @cached_property
    def funding_by_group(self) -> pl.DataFrame | None:
        """Funding per group: ``by, group, subjects, base_fen, reform_fen, shift_fen``."""
        import polars as pl

        f = self.funding
        if f is None:
            return None
        parts = [f.group_by(g.alias("group")).agg(pl.len().cast(pl.Int64).alias("subjects"), pl.col("base_fen").sum(),
                                                   pl.col("reform_fen").sum(), pl.col("shift_fen").sum())
                 .with_columns(pl.lit(name).alias("by")) for name, g in groupings(self.by)]
        return pl.concat(parts).select("by", "group", "subjects", "base_fen", "reform_fen", "shift_fen") \
            .sort("by", "group")

    # -- headline ------------------------------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """Headline numbers: subjects on each side, how many changed grade or total, the mean change, tau-b and
        the top-k overlap of the whole population, and the funding moved (when a pool was given)."""
        import polars as pl

        out = self.stats._summary(self.base.ruleset, self.reform.ruleset, self.kendall_tau, self.top_k_overlap)
        if self.funding is not None:
            out["funding_pool_fen"] = self.funding_pool
            out["funding_shifted_fen"] = int(self.funding.filter(pl.col("shift_fen") > 0)["shift_fen"].sum())
            out["funding_gainers"] = int(self.funding.filter(pl.col("shift_fen") > 0).height)
            out["funding_losers"] = int(self.funding.filter(pl.col("shift_fen") < 0).height)
        return out


def transition_matrix(transition_counts: pl.DataFrame, labels: Sequence[str], by: str = ALL,
                      group: str = ALL) -> pl.DataFrame:
    """The grade x grade matrix of one group from a long table of transition counts (see
    :attr:`Comparison.transition_counts`), rows and columns in the order of ``labels``."""
    import polars as pl

    t = transition_counts.filter((pl.col("by") == by) & (pl.col("group") == group))
    counts = {(r["base_grade"], r["reform_grade"]): r["subjects"] for r in t.iter_rows(named=True)}
    data: dict[str, list[Any]] = {"base_grade": list(labels)}
    for b in labels:
        data[b] = [counts.get((a, b), 0) for a in labels]
    return pl.DataFrame(data, schema={"base_grade": pl.String, **{g: pl.Int64 for g in labels}})



def check_compare_options(base: RuleSet, reform: RuleSet, *, top_k: int, funding_pool: int | None) -> None:
    """Raise for two rule sets that cannot be compared, a bad ``top_k`` or a bad ``funding_pool`` (shared by
    :func:`compare` and the distributed comparison)."""
    if base.subject_kind != reform.subject_kind:
        raise ComparisonError(f"cannot compare a {base.subject_kind} rule set ({base.id}) with a "
                              f"{reform.subject_kind} rule set ({reform.id})",
                              hint="compare two versions of the same index")
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise ComparisonError(f"top_k must be a positive integer, got {top_k!r}", hint="e.g. top_k=100")
    if funding_pool is not None and (isinstance(funding_pool, bool) or not isinstance(funding_pool, int)
                                     or funding_pool < 0):
        raise FundingError(f"funding_pool must be a non-negative integer number of fen, got {funding_pool!r}",
                           hint="1 yuan = 100 fen, e.g. 500000 for 5000 yuan")


def compare(base: PopulationScores, reform: PopulationScores, *, by: Sequence[str] | None = None,
            groups: pl.DataFrame | Mapping[str, str] | None = None,
            community_of_branch: Mapping[str, str] | None = None, top_k: int = 100,
            funding_pool: int | None = None, funding_options: Mapping[str, Any] | None = None,
            epsilon: float = EPSILON) -> Comparison:
    """Compare the scores of one population under a base and a reform rule set.

    ``by`` names the grouping columns of the per-group tables (grouping attributes of the score tables, such as
    ``category`` or ``branch_type``, or columns of ``groups``; default: ``category`` where the tables have it); a
    column the tables lack is a :class:`ComparisonError` naming those they have.
    ``groups`` adds grouping columns: a frame with ``subject_id`` and any columns, or a mapping subject id ->
    community (a ``community`` column). ``community_of_branch`` (e.g. ``SubDistrict.community_of_branch``) adds
    a ``community`` column from each member's ``branch_id`` (for branch tables, from the subject id); ``community``
    is then added to ``by``. ``top_k`` is the size of the top for :attr:`Comparison.top_k_overlap`.
    ``funding_pool`` (integer fen) allocates the same pool under both and reports the shift;
    ``funding_options`` are passed on (``basis``, ``min_score``, ``vetoed_floor_fen``, as for
    :func:`partyrules.funding.allocate`). Subjects scored on one side only are kept (grade ``n/a`` on the
    other side). ``epsilon`` is the change of total below which a total counts as unchanged.
    """
    for x, name in ((base, "base"), (reform, "reform")):
        if not isinstance(x, PopulationScores):
            raise ComparisonError(f"{name} must be a PopulationScores table, got {type(x).__name__}",
                                  hint="score the population with partyrules.score_population")
    check_compare_options(base.ruleset, reform.ruleset, top_k=top_k, funding_pool=funding_pool)
    base, reform = _check_scores(base, "base"), _check_scores(reform, "reform")
    keys = comparison_keys(base.ruleset, reform.ruleset)
    frame = wide_frame(base, reform, groups=groups, community_of_branch=community_of_branch, keys=keys)
    kept, notes = grouping_columns(by, frame.columns, community=community_of_branch is not None)
    return Comparison(base, reform, kept, top_k, funding_pool, dict(funding_options or {}),
                      grade_order(base.ruleset, reform.ruleset), keys, frame, epsilon, notes)
