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

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..errors import PartyRulesError
from ..funding.subjects import FundingError
from ..funding.table import allocate_frame
from ..rulesets.model import RuleSet
from ..score.table import PopulationScores, score_columns

if TYPE_CHECKING:
    import numpy as np
    import polars as pl

__all__ = ["NOT_APPLICABLE", "Comparison", "ComparisonError", "ComparisonStats",
           "attribution_frame", "check_compare_options", "compare",
           "comparison_keys", "contribution_keys", "grade_order", "grouping_columns",
           "kendall_tau_b", "moved_frame", "transition_matrix", "wide_frame"]

NOT_APPLICABLE = "n/a"  # the grade of a subject a rule set does not apply to (or that it did not score)
EPSILON = 1e-6  # a change of total below this is float noise (points are rounded to 1e-6)
_TINY = 1e-9
_MICRO = 1_000_000  # points are rounded to 6 decimals, so whole millionths are exact integers
ALL = "all"
NONE_GROUP = "(none)"
TOP_RULES = 3


class ComparisonError(PartyRulesError, ValueError):
    """Two score tables cannot be compared as asked (different kinds of subject, missing columns, duplicate ids,
    a bad ``top_k``)."""

    code = "PR080"


@dataclass(frozen=True)
class ContributionKey:
    """One part of a total: a rule, a dimension's maximum, or a veto that zeroes the total."""

    key: str
    kind: str  # standard, deduction, dimension_max, veto
    dimension: str | None


def contribution_keys(ruleset: RuleSet) -> list[ContributionKey]:
    """The parts a total of ``ruleset`` is split into (see the module docstring), in declaration order."""
    out = [ContributionKey(r.id, r.kind, r.dimension) for r in (*ruleset.standards, *ruleset.deductions)]
    out += [ContributionKey(f"{d.id}:max", "dimension_max", d.id) for d in ruleset.dimensions]
    if ruleset.spec.veto_effect == "zero_total":
        out += [ContributionKey(v.id, "veto", v.dimension) for v in sorted(ruleset.vetoes, key=lambda v: v.id)]
    return out


def _contribution_exprs(ruleset: RuleSet) -> dict[str, pl.Expr]:
    import polars as pl

    exprs: dict[str, pl.Expr] = {r.id: pl.col(f"rule:{r.id}") for r in (*ruleset.standards, *ruleset.deductions)}
    for d in ruleset.dimensions:
        mine = [pl.col(f"rule:{r.id}") for r in (*ruleset.standards, *ruleset.deductions) if r.dimension == d.id]
        exprs[f"{d.id}:max"] = pl.col(f"dim:{d.id}") - (pl.sum_horizontal(mine) if mine else pl.lit(0.0))
    if ruleset.spec.veto_effect == "zero_total" and ruleset.vetoes:
        dims = [pl.col(f"dim:{d.id}") for d in ruleset.dimensions]
        zeroed = pl.col("total") - (pl.sum_horizontal(dims) if dims else pl.lit(0.0))
        earlier: list[pl.Expr] = []
        for v in sorted(ruleset.vetoes, key=lambda v: v.id):
            fired = pl.col(f"veto:{v.id}")
            first = fired if not earlier else fired & ~pl.any_horizontal(earlier)
            exprs[v.id] = pl.when(first).then(zeroed).otherwise(0.0)
            earlier.append(fired)
    return {k: e.round(6) for k, e in exprs.items()}


def comparison_keys(base: RuleSet, reform: RuleSet) -> list[ContributionKey]:
    """The parts of the totals of a comparison: the base's (see :func:`contribution_keys`), then the reform's new
    ones; a ``d:<key>`` column of :func:`wide_frame` each."""
    keys: list[ContributionKey] = []
    seen: set[str] = set()
    for k in (*contribution_keys(base), *contribution_keys(reform)):
        if k.key not in seen:
            seen.add(k.key)
            keys.append(k)
    return keys


def grade_order(base: RuleSet, reform: RuleSet) -> list[str]:
    """The grades of a comparison, best first: the base's, then the reform's new ones."""
    out = [g.id for g in base.grades]
    out += [g.id for g in reform.grades if g.id not in out]
    return out


# the columns a comparison computes, which are not attributes of the subjects to group by
_COMPUTED = frozenset({"subject_id", "in_base", "in_reform", "base_total", "reform_total", "delta", "base_grade",
                       "reform_grade", "base_vetoed", "reform_vetoed", "base_vetoes", "reform_vetoes",
                       "vetoes_added", "vetoes_removed"})
DEFAULT_BY = ("category",)
"""The grouping when none is asked for: members' category, where the score tables have it."""


def grouping_columns(by: Sequence[str] | None, columns: Sequence[str], *, community: bool = False
                     ) -> tuple[tuple[str, ...], list[str]]:
    """The groupings of a comparison: those of ``by`` (then ``community`` when ``community`` is true, as
    :func:`compare` adds it for ``community_of_branch``), each a column of the wide frame (``columns``), and the
    notes about them (none: a grouping that cannot be made is an error, not a note inside a report).

    ``by=None`` is :data:`DEFAULT_BY` where the tables have it, else no grouping. A column of ``by`` that is not
    there is a :class:`ComparisonError` naming the columns that are; ``community`` without a community column
    says what gives one."""
    if by is None:
        by = tuple(c for c in DEFAULT_BY if c in columns)
    elif isinstance(by, str):
        by = (by,)  # one column given as text, not its letters
    wanted = list(dict.fromkeys(by))
    if community and "community" not in wanted:
        wanted.append("community")
    unknown = [c for c in wanted if c not in columns]
    if unknown:
        known = [c for c in columns if c not in _COMPUTED and not c.startswith("d:")]
        names = ", ".join(repr(c) for c in unknown)
        hint = "group by one of: " + (", ".join(known) or "(none: these score tables carry no attributes; add "
                                      "some with groups=)")
        if "community" in unknown:
            # the member tables say which branch each member is in, not which community
            hint += ("; 'community' needs the branch-to-community map (community_of_branch=, e.g. "
                     "SubDistrict.community_of_branch) or groups= with a community column")
        raise ComparisonError(f"unknown grouping column {names}: the score tables have no such column / "
                              f"未知的分组列 {names}", hint=hint)
    return tuple(wanted), []


def _normalise_groups(groups: pl.DataFrame | Mapping[str, str] | None) -> pl.DataFrame | None:
    import polars as pl

    if groups is None:
        return None
    if isinstance(groups, pl.DataFrame):
        if "subject_id" not in groups.columns:
            raise ComparisonError("the groups frame has no subject_id column",
                                  hint="give a frame with subject_id and one column per grouping")
        return groups.unique("subject_id", keep="first", maintain_order=True).with_columns(pl.col("subject_id")
                                                                                           .cast(pl.String))
    if isinstance(groups, Mapping):
        return pl.DataFrame({"subject_id": list(groups), "community": [str(v) for v in groups.values()]},
                            schema={"subject_id": pl.String, "community": pl.String})
    raise ComparisonError(f"groups must be a polars DataFrame or a mapping subject_id -> community, got "
                          f"{type(groups).__name__}", hint="e.g. {'M000003': 'C01'}")


# -- statistics from exact, mergeable partials ------------------------------------------------------------------

def _groupings(by: Sequence[str]) -> list[tuple[str, pl.Expr]]:
    import polars as pl

    out: list[tuple[str, pl.Expr]] = [(ALL, pl.lit(ALL))]
    out += [(b, pl.col(b).cast(pl.String).fill_null(NONE_GROUP)) for b in by]
    return out


def _micro(col: str) -> pl.Expr:
    """A 6-decimal column as whole millionths: sums of these are exact, whatever the order of the additions."""
    import polars as pl

    return (pl.col(col) * _MICRO).round(0).cast(pl.Int64)


def _unsigned_zero(col: str) -> pl.Expr:
    # -0.0 and 0.0 are one value to tau-b; one spelling keeps the count table's keys the same in every partition
    import polars as pl

    return pl.when(pl.col(col) == 0.0).then(pl.lit(0.0)).otherwise(pl.col(col)).alias(col)


def _moved_expr(epsilon: float) -> pl.Expr:
    import polars as pl

    return ((pl.col("in_base") != pl.col("in_reform")) | (pl.col("base_grade") != pl.col("reform_grade"))
            | (pl.col("delta").abs() > epsilon) | (pl.col("vetoes_added").list.len() > 0)
            | (pl.col("vetoes_removed").list.len() > 0))


_FIXED = frozenset({"subject_id", "in_base", "in_reform", "base_total", "reform_total", "delta", "base_grade",
                    "reform_grade", "base_vetoed", "reform_vetoed", "base_vetoes", "reform_vetoes", "vetoes_added",
                    "vetoes_removed"})


def _attribute_columns(columns: Sequence[str]) -> list[str]:
    return [c for c in columns if c not in _FIXED and not c.startswith("d:")]


def _ranked(wide: pl.DataFrame, side: str, g: pl.Expr) -> pl.DataFrame:
    """The subjects scored on ``side`` in the strict order of the top k (not vetoed first, then the higher total,
    then the smaller id), with their ``rank`` within their group."""
    import polars as pl

    return (wide.filter(pl.col(f"in_{side}"))
            .select("subject_id", g.alias("group"), pl.col(f"{side}_vetoed").alias("v"),
                    pl.col(f"{side}_total").alias("t"))
            .sort(["v", "t", "subject_id"], descending=[False, True, False])
            .with_columns((pl.int_range(pl.len()).over("group") + 1).alias("rank")))


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
    """The first ``top_k`` of each side and group in the strict order of the top k (see :func:`_ranked`)."""
    import polars as pl

    return top.sort(["side", "by", "group", "v", "t", "subject_id"],
                    descending=[False, False, False, False, True, False]) \
        .filter(pl.int_range(pl.len()).over("side", "by", "group") < top_k)


def _exact_sum(a: np.ndarray) -> int:
    """The exact sum of non-negative int64 values (numpy's int64 sum could overflow): high and low halves apart."""
    return (int((a >> 32).sum()) << 32) + int((a & 0xFFFFFFFF).sum())


def _tie_terms(counts: np.ndarray) -> tuple[int, int, int]:
    """For the sizes ``c`` of the groups of tied values: the sums of c(c-1)/2, c(c-1)(c-2) and c(c-1)(2c+5), the tie
    terms of tau-b and of its variance, as exact integers."""
    import numpy as np

    c = counts[counts > 1].astype(np.int64)
    if not c.size:
        return 0, 0, 0
    if int(c.max()) <= 1 << 20:  # every product below 2**62: int64 holds the terms
        return (_exact_sum(c * (c - 1) // 2), _exact_sum(c * (c - 1) * (c - 2)),
                _exact_sum(c * (c - 1) * (2 * c + 5)))
    values = [int(v) for v in c]
    return (sum(v * (v - 1) // 2 for v in values), sum(v * (v - 1) * (v - 2) for v in values),
            sum(v * (v - 1) * (2 * v + 5) for v in values))


def _weighted_inversions(ranks: np.ndarray, weights: np.ndarray) -> int:
    """The weighted number of pairs ``i < j`` with ``ranks[i] > ranks[j]``, each counting ``weights[i] *
    weights[j]``, in O(m log m).

    A pair out of order first differs in some bit ``b`` of the ranks, where the earlier one has a 1 and the later
    one a 0, and agrees above ``b``. So for each bit, from the highest, the elements are kept grouped by their bits
    above ``b`` (in their original order within a group), and each 0 counts the weight of the 1s before it in its
    group; then each group is split stably by bit ``b``, which keeps the grouping for the next bit.
    """
    import numpy as np

    m = ranks.size
    if m < 2:
        return 0
    r = ranks.astype(np.int64)
    w = weights.astype(np.int64)
    idx = np.arange(m, dtype=np.int64)
    out = 0
    for b in range(int(r.max()).bit_length() - 1, -1, -1):
        prefix = r >> (b + 1)
        first = np.empty(m, dtype=bool)
        first[0] = True
        np.not_equal(prefix[1:], prefix[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        gid = np.cumsum(first) - 1
        gs = starts[gid]  # where each element's group starts
        bit = (r >> b) & 1
        ones_w = w * bit
        before = np.cumsum(ones_w) - ones_w
        before -= before[gs]  # weight of the 1s before each element in its group
        zero = bit == 0
        out += _exact_sum(w[zero] * before[zero])
        z = (1 - bit)
        zb = np.cumsum(z) - z
        zb -= zb[gs]  # 0s before each element in its group
        zeros_in_group = np.add.reduceat(z, starts)[gid]
        pos = gs + np.where(zero, zb, zeros_in_group + (idx - gs - zb))
        r_next = np.empty_like(r)
        w_next = np.empty_like(w)
        r_next[pos] = r
        w_next[pos] = w
        r, w = r_next, w_next
    return out


def kendall_tau_b(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray,
                  counts: Sequence[int] | np.ndarray | None = None) -> tuple[float | None, float | None]:
    """Kendall's tau-b of the pairs ``(x[i], y[i])``, each counted ``counts[i]`` times (once without ``counts``),
    and its two-sided p-value under the normal approximation with the tie correction (as
    ``scipy.stats.kendalltau(x, y, variant="b", method="asymptotic")``).

    Pair counts are exact integers and the work is O(m log m) in the number m of rows, so a count table of
    distinct pairs (as :class:`ComparisonStats` keeps) stands for any number of subjects. ``(None, None)`` when
    tau-b is undefined: fewer than 2 pairs, or all x or all y equal. With exactly 2 pairs the variance term that
    divides by n - 2 is 0 (no value can be tied three times), where scipy divides by zero.
    """
    import numpy as np

    xs = np.asarray(x, dtype=np.float64) + 0.0  # adding 0.0 turns -0.0 into 0.0, which sorts with it
    ys = np.asarray(y, dtype=np.float64) + 0.0
    w = np.ones(xs.size, dtype=np.int64) if counts is None else np.asarray(counts, dtype=np.int64)
    if not xs.size == ys.size == w.size:
        raise ValueError(f"x, y and counts differ in length ({xs.size}, {ys.size}, {w.size})")
    if (w < 0).any():
        raise ValueError("counts must be non-negative")
    keep = w > 0
    xs, ys, w = xs[keep], ys[keep], w[keep]
    if not xs.size:
        return None, None
    order = np.lexsort((ys, xs))
    xs, ys, w = xs[order], ys[order], w[order]
    distinct = np.flatnonzero(np.r_[True, (xs[1:] != xs[:-1]) | (ys[1:] != ys[:-1])])
    w = np.add.reduceat(w, distinct)  # equal pairs given twice count as one row with their counts summed
    xs, ys = xs[distinct], ys[distinct]
    n = _exact_sum(w)
    tot = n * (n - 1) // 2
    x_runs = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])
    xtie, x0, x1 = _tie_terms(np.add.reduceat(w, x_runs))
    y_rank = np.unique(ys, return_inverse=True)[1].reshape(-1)
    # float sums of integer counts are exact below 2**53 subjects
    ytie, y0, y1 = _tie_terms(np.bincount(y_rank, weights=w).astype(np.int64))
    if n < 2 or xtie == tot or ytie == tot:
        return None, None
    ntie = _tie_terms(w)[0]
    # in (x, y) order, a pair is discordant exactly when its y ranks are out of order
    dis = _weighted_inversions(y_rank, w)
    con_minus_dis = tot - xtie - ytie + ntie - 2 * dis
    tau = min(1.0, max(-1.0, con_minus_dis / math.sqrt(tot - xtie) / math.sqrt(tot - ytie)))
    m = n * (n - 1)
    var = (m * (2 * n + 5) - x1 - y1) / 18 + (2 * xtie * ytie) / m + (x0 * y0 / (9 * m * (n - 2)) if n > 2 else 0.0)
    if not var > 0:
        return tau, None
    return tau, math.erfc(abs(con_minus_dis) / math.sqrt(var) / math.sqrt(2.0))


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

        groupings = _groupings(by)
        transitions = [wide.group_by(g.alias("group"), "base_grade", "reform_grade")
                       .agg(pl.len().cast(pl.Int64).alias("subjects"))
                       .select(pl.lit(name).alias("by"), "group", "base_grade", "reform_grade", "subjects")
                       for name, g in groupings]
        both = wide.filter(pl.col("in_base") & pl.col("in_reform"))
        xy = (_unsigned_zero("base_total").alias("x"), _unsigned_zero("reform_total").alias("y"))
        pairs = [both.group_by(g.alias("group"), *xy).agg(pl.len().cast(pl.Int64).alias("n"))
                 .select(pl.lit(name).alias("by"), "group", "x", "y", "n") for name, g in groupings]
        tops, sizes = [], []
        for side in ("base", "reform"):
            # the order of the top k does not depend on the grouping: one sort serves them all
            ranked = wide.filter(pl.col(f"in_{side}")).select(
                "subject_id", pl.col(f"{side}_vetoed").alias("v"), pl.col(f"{side}_total").alias("t"),
                *(g.alias(f"g|{name}") for name, g in groupings)) \
                .sort(["v", "t", "subject_id"], descending=[False, True, False])
            for name, _ in groupings:
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
                   _effects_partial(wide, groupings, [k.key for k in keys]),
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

    # -- helpers -------------------------------------------------------------------------------------------------
    def _groupings(self) -> list[tuple[str, pl.Expr]]:
        return _groupings(self.by)

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
                 .with_columns(pl.lit(name).alias("by")) for name, g in self._groupings()]
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
