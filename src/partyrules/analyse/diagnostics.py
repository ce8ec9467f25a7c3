"""Diagnostics of a rule set over a population, from its score table, with polars.

:func:`diagnose` answers the questions a policy office asks of an index before trusting it: which rules ever fire,
which standards give (nearly) everyone full points (the sources' complaint that under vague standards "basically
everyone gets the points"), how well each standard separates subjects, which standards measure the same thing,
and whether totals crowd just below a grade boundary. It reads only ``PopulationScores.frame`` and ``.ruleset``;
every statistic is a column aggregate, so a million rows take seconds.

Every statistic is also a function of exact integer counts and sums (score values are whole micro-points), so a
population scored partition by partition (on Dask, say) is diagnosed without collecting its rows: each
partition's :func:`diagnostic_partial`, merged with :func:`merge_diagnostic_partials`, finished with
:func:`diagnostics_from_partial`, gives the same :class:`Diagnostics`, bit for bit, as :func:`diagnose` on the
whole table, which is itself that computation over one partition.

Undefined statistics (no subjects, a constant column) are null, never NaN, and :meth:`Diagnostics.findings` says
why in words.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..periods import Period
from ..rulesets.cadence import not_due
from ..score.table import PopulationScores

if TYPE_CHECKING:
    import polars as pl

    from ..population.frames import Population
    from ..rulesets.model import Deduction, RuleSet, Standard

__all__ = ["DiagnosticPartial", "Diagnostics", "check_diagnose_options", "diagnose", "diagnostic_partial",
           "diagnostics_from_partial",
           "merge_diagnostic_partials"]

_EPS = 1e-6
_NOUN = {"en": {"member": "members", "branch": "branches", "community": "communities"},
         "zh": {"member": "党员", "branch": "党支部", "community": "社区"}}
# The findings in each language; the placeholders are filled from the tables.
_FINDINGS: dict[str, dict[str, str]] = {
    "en": {
        "none": "no {who} were scored: nothing to diagnose",
        "never_earns": "{rid} never earns points (0 of {n} {who})",
        "never_fires": "{rid} never fires (0 of {n} {who})",
        "always": "{rid} fires for every one of the {n} {who}",
        "ceiling": "{rid}: {pct} at full points: does not separate {who}",
        "floor": "{rid}: {pct} get 0 points: almost nobody earns it",
        "against": "{rid} moves against the rest of the index (item-rest correlation {r:.2f})",
        "correlate": "{a} and {b} correlate at {r:.2f}: they may measure the same thing",
        "crowding": "{below} {who} just below the {grade} boundary ({boundary:g}) against {above} just above it, "
                    "within {window:g} points (p = {p:.2g}): crowding below the line",
        "dim_max": "dimension {dim}: {pct} at its maximum of {max:g}",
        "veto_never": "veto {rid} never fires in this population",
        "not_assessed": "{rid} is not assessed in this period (due {due}): its 0 points are not a finding",
    },
    "zh": {
        "none": "没有评分的{who}: 无可诊断",
        "never_earns": "{rid} 无人得分({n} 名{who}中 0 名)",
        "never_fires": "{rid} 从未触发({n} 名{who}中 0 名)",
        "always": "{rid} 对全部 {n} 名{who}都触发",
        "ceiling": "{rid}: {pct} 得满分, 区分不出{who}(“基本上都能得分”)",
        "floor": "{rid}: {pct} 得 0 分, 几乎无人达到",
        "against": "{rid} 与指数其余部分反向(项目-其余相关 {r:.2f})",
        "correlate": "{a} 与 {b} 相关系数 {r:.2f}: 可能重复衡量同一件事",
        "crowding": "{below} 名{who}处于“{grade}”分界线({boundary:g})下方 {window:g} 分以内, 上方仅 {above} 名"
                    "(p = {p:.2g}): 分界线下方扎堆",
        "dim_max": "维度 {dim}: {pct} 达到满分 {max:g}",
        "veto_never": "否决项 {rid} 在本群体中从未触发",
        "not_assessed": "{rid} 本期不予评估(考核周期: {due}), 其 0 分不构成问题",
    },
}


def _num(x: Any) -> float | None:
    """A float, with NaN and infinities as None."""
    if x is None:
        return None
    v = float(x)
    return v if v == v and abs(v) != float("inf") else None


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"


@dataclass
class Diagnostics:
    """The diagnostics of one rule set over one scored population (see :func:`diagnose`).

    - ``rules``: one row per standard and deduction: ``rule_id, kind, dimension, max_points`` (a standard's full
      points; a deduction's cap as a negative number), ``fires`` (share of subjects where its points are not 0),
      ``at_ceiling`` (share at full points, for a deduction: at its cap), ``at_floor`` (share at 0), ``mean``,
      ``std``, ``never_fires``, ``always_fires``, ``item_rest_corr`` (Pearson correlation of its points with the
      sum of all the other rules' points: how well it agrees with the rest of the index) and ``variance_share``
      (cov(points, total) / var(total): its share of the spread of totals; the shares of all the parts of a
      total, including dimension maxima and vetoes, add up to 1).
    - ``dimensions``: ``dimension, max_points, mean, std, at_max, at_zero``.
    - ``correlations``: the standard x standard Pearson matrix (column ``rule_id`` then one column per standard),
      without constant standards (listed in ``notes``).
    - ``crowding``: per grade boundary, subjects without a veto within ``window`` points below (``[b - w, b)``)
      and above (``[b, b + w)``), their ``ratio``, the one-sided binomial ``p_below`` (more below than a fair
      coin would put there) and ``bunching_below`` (``p_below < alpha``).
    - ``vetoes``: ``veto_id, fired, rate, only_veto`` (subjects for whom it is the only veto).
    - ``coverage``: subjects scored, not applicable, failed, and (with a population) in the population.
    """

    ruleset_id: str
    subject_kind: str
    subjects: int
    rules: pl.DataFrame
    dimensions: pl.DataFrame
    correlations: pl.DataFrame
    crowding: pl.DataFrame
    vetoes: pl.DataFrame
    coverage: dict[str, int]
    window: float
    alpha: float
    notes: list[str] = field(default_factory=list)
    not_assessed: dict[str, str] = field(default_factory=dict)  # rules the period does not assess: id -> due

    def findings(self, *, ceiling: float = 0.9, floor: float = 0.9, correlated: float = 0.9,
                 lang: str = "en") -> list[str]:
        """Plain-language findings, most important first: standards that do not separate subjects (at least
        ``ceiling`` of them at full points, or ``floor`` at 0), rules that never or always fire, rules that pull
        against the rest of the index, pairs of standards correlated at ``correlated`` or more, crowding below a
        grade boundary, vetoes that never fire. ``lang``: ``"en"`` or ``"zh"``."""
        import polars as pl

        if lang not in _FINDINGS:
            raise ValueError(f"lang must be one of {sorted(_FINDINGS)}, not {lang!r}")
        t = _FINDINGS[lang]
        who = _NOUN[lang].get(self.subject_kind, "subjects")
        n = self.subjects
        if n == 0:
            return [t["none"].format(who=who)]
        out: list[str] = []
        for r in self.rules.iter_rows(named=True):
            out += self._rule_findings(r, t, who, ceiling, floor)
        out += self._correlation_findings(t, correlated)
        for c in self.crowding.filter(pl.col("bunching_below")).iter_rows(named=True):
            out.append(t["crowding"].format(below=c["below"], who=who, grade=c["grade"], boundary=c["boundary"],
                                            above=c["above"], window=self.window, p=c["p_below"]))
        for d in self.dimensions.iter_rows(named=True):
            if d["at_max"] is not None and d["at_max"] >= ceiling:
                out.append(t["dim_max"].format(dim=d["dimension"], pct=_pct(d["at_max"]), max=d["max_points"]))
        for v in self.vetoes.filter(pl.col("fired") == 0).iter_rows(named=True):
            out.append(t["veto_never"].format(rid=v["veto_id"]))
        out += self.notes
        return out

    def _rule_findings(self, r: dict[str, Any], t: dict[str, str], who: str, ceiling: float,
                       floor: float) -> list[str]:
        """What one rule's row says: not assessed, never or always firing, at the ceiling or floor, pulling
        against the rest."""
        n = self.subjects
        out: list[str] = []
        rid, std = r["rule_id"], r["kind"] == "standard"
        if rid in self.not_assessed:  # 0 for everyone by cadence, not by conduct or by a flaw of the rule
            return [t["not_assessed"].format(rid=rid, due=self.not_assessed[rid])]
        if r["never_fires"]:
            return [t["never_earns" if std else "never_fires"].format(rid=rid, n=n, who=who)]
        if r["always_fires"] and not std:
            out.append(t["always"].format(rid=rid, n=n, who=who))
        if std and r["at_ceiling"] is not None and r["at_ceiling"] >= ceiling:
            out.append(t["ceiling"].format(rid=rid, pct=_pct(r["at_ceiling"]), who=who))
        elif std and r["at_floor"] is not None and r["at_floor"] >= floor:
            out.append(t["floor"].format(rid=rid, pct=_pct(r["at_floor"])))
        if r["item_rest_corr"] is not None and r["item_rest_corr"] < -0.1:
            out.append(t["against"].format(rid=rid, r=r["item_rest_corr"]))
        return out

    def _correlation_findings(self, t: dict[str, str], correlated: float) -> list[str]:
        import polars as pl

        out: list[str] = []
        if self.correlations.height:
            ids = self.correlations["rule_id"].to_list()
            for i, a in enumerate(ids):
                for b in ids[i + 1:]:
                    v = self.correlations.filter(pl.col("rule_id") == a)[b][0]
                    if v is not None and abs(v) >= correlated:
                        out.append(t["correlate"].format(a=a, b=b, r=v))
        return out

    def summary(self) -> dict[str, Any]:
        """Headline numbers: subjects, rules that never/always fire, standards at the ceiling, crowded boundaries."""
        import polars as pl

        return {
            "ruleset": self.ruleset_id,
            "subjects": self.subjects,
            "never_fire": self.rules.filter(pl.col("never_fires"))["rule_id"].to_list(),
            "always_fire": self.rules.filter(pl.col("always_fires"))["rule_id"].to_list(),
            "at_ceiling_90": self.rules.filter((pl.col("kind") == "standard") & (pl.col("at_ceiling") >= 0.9))
            ["rule_id"].to_list(),
            "crowded_boundaries": self.crowding.filter(pl.col("bunching_below"))["grade"].to_list(),
        }


# --- partial statistics -------------------------------------------------------------------------------------------
#
# Every statistic is a function of integer sums over rows, so a partition's sums can be added to another's and the
# finish step cannot tell how the rows were split. Score values are rounded to 6 decimals, so a value is an exact
# integer number of micro-points; moments are summed in those units with 128-bit (polars) or unbounded (Python)
# integers, never in floats, whose sums depend on the order of addition.

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
    from ..errors import PartyRulesError

    if not window > 0:
        raise PartyRulesError(f"window must be above 0, got window={window!r}", hint="e.g. window=2.0")


def diagnostic_partial(frame: pl.DataFrame, ruleset: RuleSet, *, window: float = 2.0) -> DiagnosticPartial:
    """The partial statistics of the rows of ``frame``, a score table of ``ruleset`` (the columns of
    ``PopulationScores.frame``; other columns are ignored), for diagnostics with crowding bands of ``window``
    points. Partials of any split of a table merge (:func:`merge_diagnostic_partials`) into the partial of the
    whole, bit for bit, so :func:`diagnostics_from_partial` gives the same :class:`Diagnostics` as
    :func:`diagnose` on the whole table."""
    import polars as pl

    from ..errors import PartyRulesError

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
    from ..errors import PartyRulesError

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


# --- the finish step: exact integer moments to floats -----------------------------------------------------------
#
# n^2 * var(x) = n * sum(x^2) - sum(x)^2 and n^2 * cov(x, y) = n * sum(x y) - sum(x) sum(y) are exact integers;
# each statistic is one exact Fraction rounded once to a float (a square root after it), so it is a function of
# the merged sums alone.

def _mean(s: int, n: int) -> float | None:
    return float(Fraction(s, n * _MICRO)) if n else None


def _std(spread: int, n: int) -> float | None:
    """The population standard deviation (ddof 0) from ``spread = n^2 var`` in micro-points squared."""
    return math.sqrt(float(Fraction(spread, (n * _MICRO) ** 2))) if n else None


def _corr(co: int, vx: int, vy: int) -> float | None:
    """Pearson's r from ``n^2`` times the covariance and the two variances; None when either is constant."""
    if vx <= 0 or vy <= 0:
        return None
    r = min(1.0, math.sqrt(float(Fraction(co * co, vx * vy))))
    return r if co >= 0 else -r


def _share(count: int, n: int) -> float | None:
    return count / n if n else None


def _rule_table(p: DiagnosticPartial, ruleset: RuleSet) -> pl.DataFrame:
    import polars as pl

    n = p.subjects
    rules: list[Standard | Deduction] = [*ruleset.standards, *ruleset.deductions]
    raw_sum = sum(p.rule_sums)
    var_total = n * p.total_square - p.total_sum ** 2
    rows = []
    for i, r in enumerate(rules):
        fires, ceil, floor = p.rule_counts[i]
        s, q = p.rule_sums[i], p.rule_squares[i]
        var_x = n * q - s * s
        std = _std(var_x, n)
        constant = std is None or std <= _EPS
        # the rest of the index, R - x, from the sums of x and R alone
        rest_sum, x_rest, rest_square = raw_sum - s, p.rule_by_raw[i] - q, p.raw_square - 2 * p.rule_by_raw[i] + q
        cov_total = n * p.rule_by_total[i] - s * p.total_sum
        rows.append({
            "rule_id": r.id, "kind": r.kind, "dimension": r.dimension, "max_points": _full_points(r),
            "fires": _share(fires, n), "at_ceiling": _share(ceil, n), "at_floor": _share(floor, n),
            "mean": _mean(s, n), "std": std,
            "never_fires": bool(n) and fires == 0, "always_fires": bool(n) and fires == n,
            "item_rest_corr": None if constant else
            _corr(n * x_rest - s * rest_sum, var_x, n * rest_square - rest_sum * rest_sum),
            "variance_share": None if not n or Fraction(var_total, (n * _MICRO) ** 2) <= _EPS else
            float(Fraction(cov_total, var_total)),
        })
    schema = {"rule_id": pl.String, "kind": pl.String, "dimension": pl.String, "max_points": pl.Float64,
              "fires": pl.Float64, "at_ceiling": pl.Float64, "at_floor": pl.Float64, "mean": pl.Float64,
              "std": pl.Float64, "never_fires": pl.Boolean, "always_fires": pl.Boolean,
              "item_rest_corr": pl.Float64, "variance_share": pl.Float64}
    return pl.DataFrame(rows, schema=schema)


def _dimension_table(p: DiagnosticPartial, ruleset: RuleSet) -> pl.DataFrame:
    import polars as pl

    n = p.subjects
    rows = [{"dimension": d.id, "max_points": float(d.max), "mean": _mean(s, n), "std": _std(n * q - s * s, n),
             "at_max": _share(at_max, n), "at_zero": _share(at_zero, n)}
            for d, s, q, (at_max, at_zero) in zip(ruleset.dimensions, p.dim_sums, p.dim_squares, p.dim_counts,
                                                  strict=True)]
    return pl.DataFrame(rows, schema={"dimension": pl.String, "max_points": pl.Float64, "mean": pl.Float64,
                                      "std": pl.Float64, "at_max": pl.Float64, "at_zero": pl.Float64})


def _correlation_table(p: DiagnosticPartial, ruleset: RuleSet, rules: pl.DataFrame,
                       notes: list[str]) -> pl.DataFrame:
    import polars as pl

    n = p.subjects
    standards = rules.filter(pl.col("kind") == "standard")
    constant = standards.filter(pl.col("std").is_null() | (pl.col("std") <= _EPS))["rule_id"].to_list()
    if constant and n:
        notes.append(f"left out of the correlations, being constant in this population: {', '.join(constant)}")
    ids = [r for r in standards["rule_id"].to_list() if r not in constant]
    schema = {"rule_id": pl.String, **{r: pl.Float64 for r in ids}}
    if len(ids) < 2 or n < 2:
        return pl.DataFrame({"rule_id": ids, **{r: [1.0 if a == r else None for a in ids] for r in ids}},
                            schema=schema)
    index = {s.id: i for i, s in enumerate(ruleset.standards)}
    pair = {ij: k for k, ij in enumerate(_standard_pairs(len(ruleset.standards)))}
    m: dict[tuple[str, str], float | None] = {(a, a): 1.0 for a in ids}
    for k, a in enumerate(ids):
        for b in ids[k + 1:]:
            i, j = index[a], index[b]
            sa, sb = p.rule_sums[i], p.rule_sums[j]
            m[(a, b)] = m[(b, a)] = _corr(n * p.standard_pairs[pair[(min(i, j), max(i, j))]] - sa * sb,
                                          n * p.rule_squares[i] - sa * sa, n * p.rule_squares[j] - sb * sb)
    return pl.DataFrame({"rule_id": ids, **{b: [m[(a, b)] for a in ids] for b in ids}}, schema=schema)


def _crowding_table(p: DiagnosticPartial, ruleset: RuleSet, alpha: float) -> pl.DataFrame:
    import polars as pl
    from scipy.stats import binomtest

    rows = []
    for (grade, b), (below, above) in zip(_boundaries(ruleset), p.crowding, strict=True):
        pv = binomtest(below, below + above, 0.5, alternative="greater").pvalue if below + above else None
        rows.append({"grade": grade, "boundary": b, "below": below, "above": above,
                     "ratio": below / above if above else None, "p_below": _num(pv),
                     "bunching_below": pv is not None and pv < alpha and below > above})
    return pl.DataFrame(rows, schema={"grade": pl.String, "boundary": pl.Float64, "below": pl.Int64,
                                      "above": pl.Int64, "ratio": pl.Float64, "p_below": pl.Float64,
                                      "bunching_below": pl.Boolean})


def _veto_table(p: DiagnosticPartial, ruleset: RuleSet) -> pl.DataFrame:
    import polars as pl

    n = p.subjects
    rows = [{"veto_id": v.id, "fired": fired, "rate": _share(fired, n), "only_veto": only}
            for v, (fired, only) in zip(ruleset.vetoes, p.veto_counts, strict=True)]
    return pl.DataFrame(rows, schema={"veto_id": pl.String, "fired": pl.Int64, "rate": pl.Float64,
                                      "only_veto": pl.Int64})


def diagnostics_from_partial(partial: DiagnosticPartial, ruleset: RuleSet, *, coverage: Mapping[str, int],
                             alpha: float = 0.01, period: str | None = None) -> Diagnostics:
    """The :class:`Diagnostics` of the rows ``partial`` sums (one partition's, or the merge of all of them).

    ``ruleset`` must be the one the partial was made with. ``coverage`` counts the subjects as :func:`diagnose`
    does (``not_applicable``, ``failed``, optionally ``population``); ``scored`` is the partial's subject count
    and may be left out. ``alpha`` is the level of the crowding test, as in :func:`diagnose`. ``period`` (the
    scores' period) lets the findings tell a standard that is not due in it from one nobody earns. The result
    depends only on the merged counts and sums, so it is the same however the rows were partitioned.
    """
    from ..errors import PartyRulesError

    if not isinstance(partial, DiagnosticPartial):
        raise PartyRulesError(f"diagnostics_from_partial needs a DiagnosticPartial, got {type(partial).__name__}",
                              hint="make it with diagnostic_partial (and merge_diagnostic_partials)")
    if partial.content_hash != ruleset.content_hash:
        raise PartyRulesError(f"this partial was made with another rule set ({partial.ruleset_id}, "
                              f"{partial.content_hash[:12]}) than {ruleset.id} ({ruleset.content_hash[:12]})",
                              hint="finish with the rule set the partitions were scored and summed with")
    if not 0 < alpha < 1:
        raise PartyRulesError(f"alpha must be in (0, 1), got alpha={alpha!r}", hint="e.g. alpha=0.01")
    n = partial.subjects
    if coverage.get("scored", n) != n:
        raise PartyRulesError(f"coverage says {coverage['scored']} subjects were scored, the partial sums {n}",
                              hint="leave 'scored' out of coverage: it is taken from the partial")
    covered = {"scored": n, **{k: int(v) for k, v in coverage.items() if k != "scored"}}
    notes: list[str] = []
    if covered.get("failed"):
        notes.append(f"{covered['failed']} subject(s) could not be scored and are not in these diagnostics")
    rules = _rule_table(partial, ruleset)
    skipped = {} if not period else {k: v.due for k, v in not_due((*ruleset.standards, *ruleset.deductions),
                                                                  Period.parse(period)).items()}
    return Diagnostics(ruleset.id, ruleset.subject_kind, n, rules, _dimension_table(partial, ruleset),
                       _correlation_table(partial, ruleset, rules, notes), _crowding_table(partial, ruleset, alpha),
                       _veto_table(partial, ruleset), covered, partial.window, alpha, notes, skipped)


def check_diagnose_options(window: float, alpha: float) -> None:
    """Raise for a crowding window or test level :func:`diagnose` cannot use."""
    from ..errors import PartyRulesError

    if not window > 0 or not 0 < alpha < 1:
        raise PartyRulesError(f"window must be above 0 and alpha in (0, 1), got window={window!r}, "
                              f"alpha={alpha!r}", hint="e.g. window=2.0, alpha=0.01")


def diagnose(scores: PopulationScores, *, population: Population | None = None, window: float = 2.0,
             alpha: float = 0.01) -> Diagnostics:
    """Diagnose ``scores.ruleset`` over the population ``scores`` were computed for.

    ``window`` (points) is the width of the bands below and above each grade boundary that :attr:`crowding`
    compares; ``alpha`` the level of its one-sided binomial test (under no crowding, a subject in the two bands
    is as likely to be below as above; a steep slope of the distribution at the boundary can also tip it, so read
    a flag with the histogram). ``population`` (optional) only adds its size to ``coverage``, so the share of
    the population the rule set scored is reported.

    The whole table is one partition: :func:`diagnostic_partial`, then :func:`diagnostics_from_partial`, so a
    partitioned computation (partials merged with :func:`merge_diagnostic_partials`) gives the same result.
    """
    from ..errors import PartyRulesError

    if not isinstance(scores, PopulationScores):
        raise PartyRulesError(f"diagnose needs a PopulationScores table, got {type(scores).__name__}",
                              hint="score the population with partyrules.score_population")
    check_diagnose_options(window, alpha)
    coverage = {"scored": scores.frame.height, "not_applicable": len(scores.not_applicable),
                "failed": len(scores.failures)}
    if population is not None:
        coverage["population"] = population.subjects.height
    partial = diagnostic_partial(scores.frame, scores.ruleset, window=window)
    return diagnostics_from_partial(partial, scores.ruleset, coverage=coverage, alpha=alpha, period=scores.period)
