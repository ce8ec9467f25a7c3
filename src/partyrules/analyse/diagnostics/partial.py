"""The partial statistics of some rows of a score table (:class:`DiagnosticPartial`), and their merge.

Every statistic is a function of integer sums over rows, so a partition's sums can be added to another's and the
finish step cannot tell how the rows were split. Score values are rounded to 6 decimals, so a value is an exact
integer number of micro-points; moments are summed in those units with 128-bit (polars) or unbounded (Python)
integers, never in floats, whose sums depend on the order of addition.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

    from ...rulesets.model import Deduction, RuleSet, Standard

__all__ = ["DiagnosticPartial", "diagnostic_partial", "merge_diagnostic_partials"]


_EPS = 1e-6
_MICRO = 1_000_000


@dataclass(frozen=True)
class DiagnosticPartial:
    """The sufficient statistics of the diagnostics of some rows of a score table (see :func:`diagnostic_partial`).

    Its size depends on the rule set only (rules, standards squared, dimensions, vetoes, grade boundaries), never
    on the rows. Sums of points are in micro-points (``round(points * 1_000_000)``), as Python ints; ``R`` is a
    row's sum of all rule points and ``T`` its total. Per-rule tuples follow the rule set's order (standards, then
    deductions); ``standard_pairs`` holds ``sum(x_a * x_b)`` for standards ``a`` before ``b``, row-major.
    Two partials of the same rule set and ``window`` merge exactly by adding every count and sum
    (:func:`merge_diagnostic_partials`).
    """

    ruleset_id: str
    content_hash: str
    window: float
    subjects: int
    rule_counts: tuple[tuple[int, int, int], ...]  # per rule: fires, at ceiling, at floor
    rule_sums: tuple[int, ...]
    rule_squares: tuple[int, ...]
    rule_by_raw: tuple[int, ...]  # sum(x * R)
    rule_by_total: tuple[int, ...]  # sum(x * T)
    standard_pairs: tuple[int, ...]
    raw_square: int  # sum(R * R)
    total_sum: int
    total_square: int
    dim_sums: tuple[int, ...]
    dim_squares: tuple[int, ...]
    dim_counts: tuple[tuple[int, int], ...]  # per dimension: at its maximum, at 0
    veto_counts: tuple[tuple[int, int], ...]  # per veto: fired, the only veto fired
    crowding: tuple[tuple[int, int], ...]  # per grade boundary above 0: unvetoed subjects below, above


# The fields that say what a partial is of; all the others are counts and sums that merging adds.
_IDENTITY = ("ruleset_id", "content_hash", "window")


def _standard_pairs(s: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(s) for j in range(i + 1, s)]


def _boundaries(ruleset: RuleSet) -> list[tuple[str, float]]:
    return [(g.id, float(g.at_least)) for g in ruleset.grades if float(g.at_least) > 0]


def _full_points(rule: Any) -> float:
    return float(rule.points) if rule.kind == "standard" else -float(rule.spec.cap)


def _check_window(window: float) -> None:
    from ...errors import PartyRulesError

    if not window > 0:
        raise PartyRulesError(f"window must be above 0, got window={window!r}", hint="e.g. window=2.0")


def diagnostic_partial(frame: pl.DataFrame, ruleset: RuleSet, *, window: float = 2.0) -> DiagnosticPartial:
    """The partial statistics of the rows of ``frame``, a score table of ``ruleset`` (the columns of
    ``PopulationScores.frame``; other columns are ignored), for diagnostics with crowding bands of ``window``
    points. Partials of any split of a table merge (:func:`merge_diagnostic_partials`) into the partial of the
    whole, bit for bit, so :func:`diagnostics_from_partial` gives the same :class:`Diagnostics` as
    :func:`diagnose` on the whole table."""
    import polars as pl

    from ...errors import PartyRulesError

    _check_window(window)
    rules: list[Standard | Deduction] = [*ruleset.standards, *ruleset.deductions]
    standards = len(ruleset.standards)
    rule_cols = [f"rule:{r.id}" for r in rules]
    dim_cols = [f"dim:{d.id}" for d in ruleset.dimensions]
    veto_cols = [f"veto:{v.id}" for v in ruleset.vetoes]
    points = ["total", *dim_cols, *rule_cols]
    missing = [c for c in [*points, "vetoed", *veto_cols] if c not in frame.columns]
    if missing:
        raise PartyRulesError(f"the score table lacks the column(s) {', '.join(missing)} of rule set {ruleset.id}",
                              hint="diagnose the table partyrules.score_population made with this rule set")

    # A value that is missing or not finite has no micro-points (None after the non-strict cast): counted below,
    # and refused, as its sums would be meaningless.
    lazy = frame.lazy().with_columns(
        *((pl.col(c).cast(pl.Float64) * _MICRO).round().cast(pl.Int64, strict=False).alias(_micro_name(c))
          for c in points))
    raw = pl.sum_horizontal([pl.col(_micro_name(c)) for c in rule_cols]) if rule_cols else pl.lit(0)
    lazy = lazy.with_columns(raw.cast(pl.Int64).alias(_micro_name("R")))
    aggs: list[pl.Expr] = [pl.len().alias("n"),
                           *(pl.col(_micro_name(c)).null_count().alias(f"{c}|null") for c in points)]
    aggs += _rule_aggs(rules, rule_cols, standards)
    aggs += _dimension_veto_aggs(ruleset, dim_cols, veto_cols)
    # The same float comparisons, row by row, as a single-machine count: a count is exact however it is split.
    t, unvetoed = pl.col("total") + 1e-9, ~pl.col("vetoed")
    for k, (_, b) in enumerate(_boundaries(ruleset)):
        aggs += [_total(unvetoed & (t < b) & (t >= b - window)).alias(f"crowd|{k}|below"),
                 _total(unvetoed & (t >= b) & (t < b + window)).alias(f"crowd|{k}|above")]
    one = lazy.select(aggs).collect().row(0, named=True)
    bad = [c for c in points if one[f"{c}|null"]]
    if bad:
        raise PartyRulesError(f"the score table has missing or non-finite values in {', '.join(bad)}",
                              hint="score tables from partyrules.score_population have a number in every cell")

    def get(key: str) -> int:
        return int(one[key] or 0)

    return DiagnosticPartial(
        ruleset_id=ruleset.id, content_hash=ruleset.content_hash, window=float(window), subjects=get("n"),
        rule_counts=tuple((get(f"{c}|fires"), get(f"{c}|ceil"), get(f"{c}|floor")) for c in rule_cols),
        rule_sums=tuple(get(f"{c}|s") for c in rule_cols), rule_squares=tuple(get(f"{c}|q") for c in rule_cols),
        rule_by_raw=tuple(get(f"{c}|xr") for c in rule_cols),
        rule_by_total=tuple(get(f"{c}|xt") for c in rule_cols),
        standard_pairs=tuple(get(f"pair|{i}|{j}") for i, j in _standard_pairs(standards)),
        raw_square=get("R|q"), total_sum=get("total|s"), total_square=get("total|q"),
        dim_sums=tuple(get(f"{c}|s") for c in dim_cols), dim_squares=tuple(get(f"{c}|q") for c in dim_cols),
        dim_counts=tuple((get(f"{c}|max"), get(f"{c}|zero")) for c in dim_cols),
        veto_counts=tuple((get(f"{c}|n"), get(f"{c}|only")) for c in veto_cols),
        crowding=tuple((get(f"crowd|{k}|below"), get(f"crowd|{k}|above"))
                       for k in range(len(_boundaries(ruleset)))),
    )


def _micro_name(c: str) -> str:
    return f"__micro__{c}"


def _micro(c: str) -> pl.Expr:
    import polars as pl

    return pl.col(_micro_name(c)).cast(pl.Int128)


def _total(e: pl.Expr) -> pl.Expr:
    import polars as pl

    return e.sum().cast(pl.Int128)


def _rule_aggs(rules: list[Standard | Deduction], rule_cols: list[str], standards: int) -> list[pl.Expr]:
    """Per rule: how often it fires, is at its ceiling and at 0, and its sums; then the standards' cross sums."""
    import polars as pl

    aggs: list[pl.Expr] = []
    for r, c in zip(rules, rule_cols, strict=True):
        x, full = pl.col(c), _full_points(r)
        at_ceiling = (x >= full - _EPS) if r.kind == "standard" else (x <= full + _EPS)
        aggs += [_total(x.abs() > _EPS).alias(f"{c}|fires"), _total(at_ceiling).alias(f"{c}|ceil"),
                 _total(x.abs() <= _EPS).alias(f"{c}|floor"), _total(_micro(c)).alias(f"{c}|s"),
                 _total(_micro(c) * _micro(c)).alias(f"{c}|q"), _total(_micro(c) * _micro("R")).alias(f"{c}|xr"),
                 _total(_micro(c) * _micro("total")).alias(f"{c}|xt")]
    aggs += [_total(_micro(rule_cols[i]) * _micro(rule_cols[j])).alias(f"pair|{i}|{j}")
             for i, j in _standard_pairs(standards)]
    aggs += [_total(_micro("R") * _micro("R")).alias("R|q"), _total(_micro("total")).alias("total|s"),
             _total(_micro("total") * _micro("total")).alias("total|q")]
    return aggs


def _dimension_veto_aggs(ruleset: RuleSet, dim_cols: list[str], veto_cols: list[str]) -> list[pl.Expr]:
    """Per dimension its sums and how often it is at its maximum and at 0; per veto how often it fires, alone."""
    import polars as pl

    aggs: list[pl.Expr] = []
    for d, c in zip(ruleset.dimensions, dim_cols, strict=True):
        x = pl.col(c)
        aggs += [_total(_micro(c)).alias(f"{c}|s"), _total(_micro(c) * _micro(c)).alias(f"{c}|q"),
                 _total(x >= d.max - _EPS).alias(f"{c}|max"), _total(x <= _EPS).alias(f"{c}|zero")]
    count = pl.sum_horizontal([pl.col(c).cast(pl.Int32) for c in veto_cols]) if veto_cols else pl.lit(0)
    for c in veto_cols:
        aggs += [_total(pl.col(c)).alias(f"{c}|n"), _total(pl.col(c) & (count == 1)).alias(f"{c}|only")]
    return aggs


def _plus(a: Any, b: Any) -> Any:
    if isinstance(a, tuple):
        return tuple(_plus(x, y) for x, y in zip(a, b, strict=True))
    return a + b


def merge_diagnostic_partials(parts: Iterable[DiagnosticPartial]) -> DiagnosticPartial:
    """One partial of all the rows of ``parts`` (at least one, all of the same rule set and ``window``): every
    count and sum added, exactly, so the result does not depend on the order or grouping of the merges."""
    from ...errors import PartyRulesError

    merged: DiagnosticPartial | None = None
    for p in parts:
        if not isinstance(p, DiagnosticPartial):
            raise PartyRulesError(f"can only merge DiagnosticPartial objects, got {type(p).__name__}",
                                  hint="make each partition's partial with diagnostic_partial")
        if merged is None:
            merged = p
            continue
        if any(getattr(p, k) != getattr(merged, k) for k in _IDENTITY):
            raise PartyRulesError(
                f"cannot merge partials of {p.ruleset_id} ({p.content_hash[:12]}, window {p.window:g}) and "
                f"{merged.ruleset_id} ({merged.content_hash[:12]}, window {merged.window:g})",
                hint="make every partition's partial with the same rule set and window")
        merged = replace(merged, **{f.name: _plus(getattr(merged, f.name), getattr(p, f.name))
                                    for f in fields(DiagnosticPartial) if f.name not in _IDENTITY})
    if merged is None:
        raise PartyRulesError("no partials to merge", hint="give at least one partition's diagnostic_partial")
    return merged
