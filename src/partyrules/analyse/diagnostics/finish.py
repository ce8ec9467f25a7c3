"""The finish step: exact integer moments to floats, the tables of :class:`Diagnostics`, and :func:`diagnose`.

n^2 * var(x) = n * sum(x^2) - sum(x)^2 and n^2 * cov(x, y) = n * sum(x y) - sum(x) sum(y) are exact integers;
each statistic is one exact Fraction rounded once to a float (a square root after it), so it is a function of
the merged sums alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ...periods import Period
from ...rulesets.cadence import not_due
from ...score.table import PopulationScores
from .findings import Diagnostics
from .partial import _EPS, _MICRO, DiagnosticPartial, _boundaries, _full_points, _standard_pairs, diagnostic_partial

if TYPE_CHECKING:
    import polars as pl

    from ...population.frames import Population
    from ...rulesets.model import Deduction, RuleSet, Standard

__all__ = ["check_diagnose_options", "diagnose", "diagnostics_from_partial"]


def _num(x: Any) -> float | None:
    """A float, with NaN and infinities as None."""
    if x is None:
        return None
    v = float(x)
    return v if v == v and abs(v) != float("inf") else None


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
    names = {g.id: (g.zh, g.en) for g in ruleset.grades}  # findings name a grade as the rule set does
    for (grade, b), (below, above) in zip(_boundaries(ruleset), p.crowding, strict=True):
        pv = binomtest(below, below + above, 0.5, alternative="greater").pvalue if below + above else None
        rows.append({"grade": grade, "grade_zh": names[grade][0], "grade_en": names[grade][1],
                     "boundary": b, "below": below, "above": above,
                     "ratio": below / above if above else None, "p_below": _num(pv),
                     "bunching_below": pv is not None and pv < alpha and below > above})
    return pl.DataFrame(rows, schema={"grade": pl.String, "grade_zh": pl.String, "grade_en": pl.String,
                                      "boundary": pl.Float64, "below": pl.Int64,
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
    from ...errors import PartyRulesError

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
    from ...errors import PartyRulesError

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
    from ...errors import PartyRulesError

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
