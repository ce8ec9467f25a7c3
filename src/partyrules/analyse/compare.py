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
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..cycle.funding import FundingError
from ..errors import PartyRulesError
from ..rulesets.model import RuleSet
from ..score.table import PopulationScores, score_columns

if TYPE_CHECKING:
    import polars as pl

__all__ = ["NOT_APPLICABLE", "Comparison", "ComparisonError", "allocate_frame", "compare", "contribution_keys"]

NOT_APPLICABLE = "n/a"  # the grade of a subject a rule set does not apply to (or that it did not score)
EPSILON = 1e-6  # a change of total below this is float noise (points are rounded to 1e-6)
_TINY = 1e-9
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


def _grade_order(base: RuleSet, reform: RuleSet) -> list[str]:
    out = [g.id for g in base.grades]
    out += [g.id for g in reform.grades if g.id not in out]
    return out


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


@dataclass
class Comparison:
    """The comparison of a base and a reform over one population; see :func:`compare`.

    The tables are polars DataFrames computed on first use. ``wide`` has one row per subject scored on either
    side, with ``in_base``/``in_reform``, both totals and grades, ``delta`` and one ``d:<key>`` column per part of
    the total (see :func:`contribution_keys`).
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
        import polars as pl

        out: list[tuple[str, pl.Expr]] = [(ALL, pl.lit(ALL))]
        out += [(b, pl.col(b).cast(pl.String).fill_null(NONE_GROUP)) for b in self.by]
        return out

    @property
    def grade_labels(self) -> list[str]:
        """The grades of the transition matrix: the base's, then the reform's new ones, then ``n/a`` when a
        subject is scored on one side only."""
        one_sided = self.wide.filter(~(self.wide["in_base"] & self.wide["in_reform"])).height > 0
        return [*self.grades, NOT_APPLICABLE] if one_sided else list(self.grades)

    # -- transitions ---------------------------------------------------------------------------------------------
    @cached_property
    def transition_counts(self) -> pl.DataFrame:
        """Long table ``by, group, base_grade, reform_grade, subjects`` (pairs with no subject left out)."""
        import polars as pl

        parts = [self.wide.group_by(g.alias("group"), "base_grade", "reform_grade").agg(pl.len().alias("subjects"))
                 .with_columns(pl.lit(name).alias("by")) for name, g in self._groupings()]
        order = {g: i for i, g in enumerate(self.grade_labels)}
        out = pl.concat([p.select("by", "group", "base_grade", "reform_grade",
                                  pl.col("subjects").cast(pl.Int64)) for p in parts])
        return out.with_columns(pl.col("base_grade").replace_strict(order, default=len(order)).alias("_b"),
                                pl.col("reform_grade").replace_strict(order, default=len(order)).alias("_r")) \
            .sort("by", "group", "_b", "_r").drop("_b", "_r")

    def transition_matrix(self, by: str = ALL, group: str = ALL) -> pl.DataFrame:
        """Grade x grade counts for one group: one row per base grade (column ``base_grade``), one column per
        reform grade, in the rule set's grade order (``n/a``: not scored on that side)."""
        import polars as pl

        labels = self.grade_labels
        t = self.transition_counts.filter((pl.col("by") == by) & (pl.col("group") == group))
        counts = {(r["base_grade"], r["reform_grade"]): r["subjects"] for r in t.iter_rows(named=True)}
        data: dict[str, list[Any]] = {"base_grade": labels}
        for b in labels:
            data[b] = [counts.get((a, b), 0) for a in labels]
        return pl.DataFrame(data, schema={"base_grade": pl.String, **{g: pl.Int64 for g in labels}})

    @property
    def transitions(self) -> pl.DataFrame:
        """The whole population's grade transition matrix (base grades as rows, reform grades as columns)."""
        return self.transition_matrix()

    # -- ranks ---------------------------------------------------------------------------------------------------
    @cached_property
    def kendall_tau(self) -> pl.DataFrame:
        """Kendall's tau-b of the totals of the subjects scored on both sides, per group: ``by, group, subjects,
        tau_b, p_value``. ``tau_b`` is null (not NaN) with fewer than 2 subjects or when either side's totals are
        all equal, where tau-b is undefined."""
        import polars as pl
        from scipy.stats import kendalltau

        both = self.wide.filter(pl.col("in_base") & pl.col("in_reform"))
        rows: list[dict[str, Any]] = []
        for name, g in self._groupings():
            parts = both.with_columns(g.alias("_g")).partition_by("_g", as_dict=True, maintain_order=True)
            for key in sorted(parts, key=lambda k: str(k[0])):
                part = parts[key]
                x, y = part["base_total"].to_numpy(), part["reform_total"].to_numpy()
                tau = p = None
                if part.height >= 2 and x.min() != x.max() and y.min() != y.max():
                    res = kendalltau(x, y, variant="b")
                    tau, p = float(res.statistic), float(res.pvalue)
                rows.append({"by": name, "group": str(key[0]), "subjects": part.height, "tau_b": tau, "p_value": p})
        schema = {"by": pl.String, "group": pl.String, "subjects": pl.Int64, "tau_b": pl.Float64,
                  "p_value": pl.Float64}
        return pl.DataFrame(rows, schema=schema)

    def _ranked(self, side: str, g: pl.Expr) -> pl.DataFrame:
        import polars as pl

        return (self.wide.filter(pl.col(f"in_{side}"))
                .select("subject_id", g.alias("group"), pl.col(f"{side}_vetoed").alias("v"),
                        pl.col(f"{side}_total").alias("t"))
                .sort(["v", "t", "subject_id"], descending=[False, True, False])
                .with_columns((pl.int_range(pl.len()).over("group") + 1).alias("rank")))

    @cached_property
    def top_k_overlap(self) -> pl.DataFrame:
        """The share of the base's top k that stays in the reform's top k, per group: ``by, group, k, base_subjects,
        overlap, share``.

        Ranks are strict and deterministic: subjects without a veto before vetoed ones, then the higher total,
        then the smaller subject id, so among tied totals at the cut the smaller ids are in the top k. ``k`` is
        ``min(top_k, subjects scored under the base in the group)``; ``share = overlap / k`` (null when k is 0).
        """
        import polars as pl

        parts = []
        for name, g in self._groupings():
            b = self._ranked("base", g)
            r = self._ranked("reform", g)
            sizes = b.group_by("group").agg(pl.len().alias("base_subjects"))
            top_b = b.filter(pl.col("rank") <= self.top_k).select("subject_id", "group")
            top_r = r.filter(pl.col("rank") <= self.top_k).select("subject_id", "group")
            overlap = top_b.join(top_r, on=["subject_id", "group"], how="inner").group_by("group") \
                .agg(pl.len().alias("overlap"))
            part = sizes.join(overlap, on="group", how="left").with_columns(
                pl.lit(name).alias("by"),
                pl.min_horizontal(pl.col("base_subjects"), pl.lit(self.top_k)).cast(pl.Int64).alias("k"),
                pl.col("overlap").fill_null(0).cast(pl.Int64),
                pl.col("base_subjects").cast(pl.Int64))
            parts.append(part.select("by", "group", "k", "base_subjects", "overlap"))
        out = pl.concat(parts) if parts else pl.DataFrame()
        return out.with_columns(pl.when(pl.col("k") > 0).then(pl.col("overlap") / pl.col("k")).otherwise(None)
                                .alias("share")).sort("by", "group")

    # -- who moved and why ---------------------------------------------------------------------------------------
    @cached_property
    def attribution(self) -> pl.DataFrame:
        """Long table ``subject_id, rule_id, delta``: each part's change of points (non-zero only), largest absolute
        change first within a subject; per subject the deltas add up to its ``delta`` (to within 1e-6)."""
        import polars as pl

        ids = [k.key for k in self.keys]
        dtype = pl.Enum(ids) if ids else pl.String
        parts = [self.wide.filter(pl.col(f"d:{k}").abs() > _TINY)
                 .select("subject_id", pl.lit(k).cast(dtype).alias("rule_id"), pl.col(f"d:{k}").alias("delta"))
                 for k in ids]
        if not parts:
            return pl.DataFrame(schema={"subject_id": pl.String, "rule_id": dtype, "delta": pl.Float64})
        out = pl.concat(parts)
        return out.with_columns(pl.col("delta").abs().alias("_a")) \
            .sort(["subject_id", "_a", "rule_id"], descending=[False, True, False]).drop("_a")

    @cached_property
    def moved(self) -> pl.DataFrame:
        """One row per subject whose grade, total or vetoes changed, or that is scored on one side only: both
        totals and grades, ``delta``, ``vetoes_added``/``vetoes_removed`` and the ``top_rules`` (with their
        ``top_deltas``) responsible, largest absolute change first."""
        import polars as pl

        w = self.wide
        moved = w.filter(
            (pl.col("in_base") != pl.col("in_reform")) | (pl.col("base_grade") != pl.col("reform_grade"))
            | (pl.col("delta").abs() > self.epsilon) | (pl.col("vetoes_added").list.len() > 0)
            | (pl.col("vetoes_removed").list.len() > 0))
        top = (self.attribution.join(moved.select("subject_id"), on="subject_id", how="semi")
               .group_by("subject_id", maintain_order=True).head(TOP_RULES)
               .group_by("subject_id", maintain_order=True)
               .agg(pl.col("rule_id").cast(pl.String).alias("top_rules"), pl.col("delta").alias("top_deltas")))
        cols = ["subject_id", *self._attribute_columns(), "in_base", "in_reform", "base_total", "reform_total",
                "delta", "base_grade", "reform_grade", "vetoes_added", "vetoes_removed"]
        return moved.select(cols).with_columns((pl.col("base_grade") != pl.col("reform_grade"))
                                               .alias("grade_changed")) \
            .join(top, on="subject_id", how="left").with_columns(
                pl.col("top_rules").fill_null(pl.lit([], dtype=pl.List(pl.String))),
                pl.col("top_deltas").fill_null(pl.lit([], dtype=pl.List(pl.Float64)))).sort("subject_id")

    def _attribute_columns(self) -> list[str]:
        fixed = {"subject_id", "in_base", "in_reform", "base_total", "reform_total", "delta", "base_grade",
                 "reform_grade", "base_vetoed", "reform_vetoed", "base_vetoes", "reform_vetoes", "vetoes_added",
                 "vetoes_removed"}
        return [c for c in self.wide.columns if c not in fixed and not c.startswith("d:")]

    @cached_property
    def rule_effects(self) -> pl.DataFrame:
        """Per part of the total (rule, dimension maximum, zeroing veto) and group: ``by, group, rule_id, kind,
        dimension, subjects`` (whose points it changed), ``up``, ``down``, ``total_delta``, ``mean_delta`` (over
        those subjects); the largest absolute total first within a group. Parts that changed nobody are left out."""
        import polars as pl

        meta = pl.DataFrame({"rule_id": [k.key for k in self.keys], "kind": [k.kind for k in self.keys],
                             "dimension": [k.dimension for k in self.keys]},
                            schema={"rule_id": pl.String, "kind": pl.String, "dimension": pl.String})
        stats = ("subjects", "up", "down", "total_delta")
        parts = []
        for name, g in self._groupings():
            # aggregate the wide delta columns per group (a column per part), then turn the small result long
            aggs = []
            for k in meta["rule_id"]:
                d = pl.col(f"d:{k}")
                aggs += [(d.abs() > _TINY).sum().cast(pl.Int64).alias(f"subjects|{k}"),
                         (d > _TINY).sum().cast(pl.Int64).alias(f"up|{k}"),
                         (d < -_TINY).sum().cast(pl.Int64).alias(f"down|{k}"),
                         pl.when(d.abs() > _TINY).then(d).otherwise(0.0).sum().alias(f"total_delta|{k}")]
            wide = self.wide.group_by(g.alias("group")).agg(aggs)
            for k in meta["rule_id"]:
                parts.append(wide.select(pl.lit(name).alias("by"), "group", pl.lit(k).alias("rule_id"),
                                         *(pl.col(f"{st}|{k}").alias(st) for st in stats)))
        if not parts:
            return pl.DataFrame(schema={"by": pl.String, "group": pl.String, "rule_id": pl.String,
                                        "kind": pl.String, "dimension": pl.String, "subjects": pl.Int64,
                                        "up": pl.Int64, "down": pl.Int64, "total_delta": pl.Float64,
                                        "mean_delta": pl.Float64})
        out = pl.concat(parts).filter(pl.col("subjects") > 0).join(meta, on="rule_id", how="left")
        out = out.with_columns(pl.col("total_delta").round(6),
                               (pl.col("total_delta") / pl.col("subjects")).round(6).alias("mean_delta"))
        return out.select("by", "group", "rule_id", "kind", "dimension", "subjects", "up", "down", "total_delta",
                          "mean_delta").with_columns(pl.col("total_delta").abs().alias("_a")) \
            .sort(["by", "group", "_a", "rule_id"], descending=[False, False, True, False]).drop("_a")

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
        :func:`partyrules.cycle.funding.allocate` (same pool, same options, see :func:`allocate_frame`), so each
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

        w = self.wide
        both = w.filter(pl.col("in_base") & pl.col("in_reform"))
        overall_tau = self.kendall_tau.filter(pl.col("by") == ALL)
        overall_top = self.top_k_overlap.filter(pl.col("by") == ALL)
        out: dict[str, Any] = {
            "base": f"{self.base.ruleset.id} {self.base.ruleset.version}",
            "reform": f"{self.reform.ruleset.id} {self.reform.ruleset.version}",
            "subjects": w.height,
            "scored_both": both.height,
            "base_only": w.filter(pl.col("in_base") & ~pl.col("in_reform")).height,
            "reform_only": w.filter(~pl.col("in_base") & pl.col("in_reform")).height,
            "grade_changed": int(w.filter(pl.col("base_grade") != pl.col("reform_grade")).height),
            "total_changed": int(both.filter(pl.col("delta").abs() > self.epsilon).height),
            "moved": self.moved.height,
            "moved_share": round(self.moved.height / w.height, 6) if w.height else 0.0,
            "mean_delta": round(float(both["delta"].mean()), 6) if both.height else 0.0,
            "grade_up": 0, "grade_down": 0,
            "kendall_tau_b": overall_tau["tau_b"][0] if overall_tau.height else None,
            "top_k": self.top_k,
            "top_k_overlap": overall_top["share"][0] if overall_top.height else None,
        }
        rank = {g: i for i, g in enumerate(self.grades)}  # smaller index: the better grade
        moved_g = both.filter(pl.col("base_grade") != pl.col("reform_grade")).select(
            pl.col("base_grade").replace_strict(rank, default=None).alias("b"),
            pl.col("reform_grade").replace_strict(rank, default=None).alias("r"))
        out["grade_up"] = int(moved_g.filter(pl.col("r") < pl.col("b")).height)
        out["grade_down"] = int(moved_g.filter(pl.col("r") > pl.col("b")).height)
        if self.funding is not None:
            out["funding_pool_fen"] = self.funding_pool
            out["funding_shifted_fen"] = int(self.funding.filter(pl.col("shift_fen") > 0)["shift_fen"].sum())
            out["funding_gainers"] = int(self.funding.filter(pl.col("shift_fen") > 0).height)
            out["funding_losers"] = int(self.funding.filter(pl.col("shift_fen") < 0).height)
        return out


def allocate_frame(pool_fen: int, entries: pl.DataFrame, *, basis: str = "score", vetoed_floor_fen: int = 0,
                   min_score: float = 0.0) -> tuple[pl.DataFrame, dict[str, int]]:
    """The rule of :func:`partyrules.cycle.funding.allocate` over a frame (``subject_id, score, vetoed``), in
    integer column arithmetic: ``(subject_id, amount_fen)`` and ``{pool_fen, allocated_fen, unallocated_fen}``.

    Scores are taken as whole millionths (nearest, ties to even), as breakdowns give them; weights and quotas are
    exact 128-bit integers, leftover fen go to the largest remainders (ties: higher score, then subject id), so
    the amounts equal ``allocate``'s for the same entries.
    """
    import polars as pl

    for name, value in (("the pool", pool_fen), ("vetoed_floor_fen", vetoed_floor_fen)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise FundingError(f"{name} must be a non-negative integer number of fen, got {value!r}",
                               hint="1 yuan = 100 fen, e.g. 500000 for 5000 yuan")
    if basis not in ("score", "excess"):
        raise FundingError(f"unknown basis {basis!r}", hint="use 'score' or 'excess'")
    if isinstance(min_score, bool) or not isinstance(min_score, (int, float)) or not 0 <= min_score <= 100:
        raise FundingError(f"min_score must be a number in 0..100, got {min_score!r}", hint="e.g. 60, a pass line")
    bad = entries.filter(pl.col("score").is_null() | pl.col("score").is_nan() | (pl.col("score") < 0)
                         | (pl.col("score") > 100))
    if bad.height:
        raise FundingError(f"{bad['subject_id'][0]!r}: the score must be a finite number in 0..100, got "
                           f"{bad['score'][0]!r} ({bad.height} such subject(s))",
                           hint="funding by index needs scores on a 0..100 scale")
    n_vetoed = int(entries["vetoed"].sum()) if entries.height else 0
    floors = vetoed_floor_fen * n_vetoed
    if floors > pool_fen:
        raise FundingError(f"the floors of {n_vetoed} vetoed subject(s) ({floors} fen) exceed the pool of "
                           f"{pool_fen} fen", hint="lower vetoed_floor_fen or raise the pool")
    rest = pool_fen - floors
    i128 = pl.Int128
    min_key = round(float(min_score) * 1_000_000)
    key = (pl.col("score") * 1_000_000).round(0).cast(pl.Int64)
    f = entries.select("subject_id", "vetoed", key.alias("k"))
    weight = pl.col("k") if basis == "score" else pl.col("k") - min_key
    eligible = ~pl.col("vetoed") & ((pl.col("k") >= min_key) if basis == "score" else (pl.col("k") > min_key))
    f = f.with_columns(pl.when(eligible).then(weight).otherwise(0).cast(i128).alias("w"))
    f = f.with_columns(pl.when(pl.col("w") > 0).then(pl.col("w")).otherwise(0).cast(i128).alias("w"))
    total = int(f["w"].sum()) if f.height else 0
    if total == 0:
        amounts = f.select("subject_id", pl.when(pl.col("vetoed")).then(vetoed_floor_fen).otherwise(0)
                           .cast(pl.Int64).alias("amount_fen"))
        return amounts, {"pool_fen": pool_fen, "allocated_fen": floors, "unallocated_fen": rest}
    prod = pl.col("w") * pl.lit(rest, dtype=i128)
    f = f.with_columns((prod // pl.lit(total, dtype=i128)).cast(pl.Int64).alias("base"),
                       (prod % pl.lit(total, dtype=i128)).alias("rem"))
    left = rest - int(f["base"].sum())
    f = f.with_columns((pl.col("w") > 0).alias("e")).sort(["e", "rem", "k", "subject_id"],
                                                          descending=[True, True, True, False])
    f = f.with_columns((pl.int_range(pl.len()) < left).alias("extra"))
    amounts = f.select("subject_id", pl.when(pl.col("vetoed")).then(pl.lit(vetoed_floor_fen, dtype=pl.Int64))
                       .otherwise(pl.col("base") + pl.col("extra").cast(pl.Int64)).alias("amount_fen"))
    return amounts, {"pool_fen": pool_fen, "allocated_fen": pool_fen, "unallocated_fen": 0}


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


def compare(base: PopulationScores, reform: PopulationScores, *, by: Sequence[str] = ("category",),
            groups: pl.DataFrame | Mapping[str, str] | None = None,
            community_of_branch: Mapping[str, str] | None = None, top_k: int = 100,
            funding_pool: int | None = None, funding_options: Mapping[str, Any] | None = None,
            epsilon: float = EPSILON) -> Comparison:
    """Compare the scores of one population under a base and a reform rule set.

    ``by`` names the grouping columns of the per-group tables (grouping attributes of the score tables, such as
    ``category`` or ``branch_type``, or columns of ``groups``); groupings a table lacks are skipped with a note.
    ``groups`` adds grouping columns: a frame with ``subject_id`` and any columns, or a mapping subject id ->
    community (a ``community`` column). ``community_of_branch`` (e.g. ``SubDistrict.community_of_branch``) adds
    a ``community`` column from each member's ``branch_id`` (for branch tables, from the subject id); ``community``
    is then added to ``by``. ``top_k`` is the size of the top for :attr:`Comparison.top_k_overlap`.
    ``funding_pool`` (integer fen) allocates the same pool under both and reports the shift;
    ``funding_options`` are passed on (``basis``, ``min_score``, ``vetoed_floor_fen``, as for
    :func:`partyrules.cycle.funding.allocate`). Subjects scored on one side only are kept (grade ``n/a`` on the
    other side). ``epsilon`` is the change of total below which a total counts as unchanged.
    """
    import polars as pl

    for x, name in ((base, "base"), (reform, "reform")):
        if not isinstance(x, PopulationScores):
            raise ComparisonError(f"{name} must be a PopulationScores table, got {type(x).__name__}",
                                  hint="score the population with partyrules.score_population")
    if base.ruleset.subject_kind != reform.ruleset.subject_kind:
        raise ComparisonError(f"cannot compare a {base.ruleset.subject_kind} rule set ({base.ruleset.id}) with a "
                              f"{reform.ruleset.subject_kind} rule set ({reform.ruleset.id})",
                              hint="compare two versions of the same index")
    base, reform = _check_scores(base, "base"), _check_scores(reform, "reform")
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise ComparisonError(f"top_k must be a positive integer, got {top_k!r}", hint="e.g. top_k=100")
    if funding_pool is not None and (isinstance(funding_pool, bool) or not isinstance(funding_pool, int)
                                     or funding_pool < 0):
        raise FundingError(f"funding_pool must be a non-negative integer number of fen, got {funding_pool!r}",
                           hint="1 yuan = 100 fen, e.g. 500000 for 5000 yuan")
    keys: list[ContributionKey] = []
    seen: set[str] = set()
    for k in (*contribution_keys(base.ruleset), *contribution_keys(reform.ruleset)):
        if k.key not in seen:
            seen.add(k.key)
            keys.append(k)
    names = [k.key for k in keys]
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
    notes: list[str] = []
    by_list = list(dict.fromkeys(by))
    if community_of_branch is not None:
        mapping = {str(k): str(v) for k, v in community_of_branch.items()}
        source = "branch_id" if "branch_id" in attrs else "subject_id"
        wide = wide.with_columns(pl.col(source).replace_strict(mapping, default=None, return_dtype=pl.String)
                                 .alias("community"))
        if "community" not in by_list:
            by_list.append("community")
    frame = wide.sort("subject_id").collect()
    kept = []
    for c in by_list:
        if c in frame.columns:
            kept.append(c)
        else:
            notes.append(f"grouping {c!r} skipped: the score tables have no such column")
    return Comparison(base, reform, tuple(kept), top_k, funding_pool, dict(funding_options or {}),
                      _grade_order(base.ruleset, reform.ruleset), keys, frame, epsilon, notes)
