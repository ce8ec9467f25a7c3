"""The population's side: per-rule score columns and totals per period, their quantiles and grade shares, from
scores or annual results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...periods import Period
from ...rulesets.model import Deduction, RuleSet, Standard
from .model import _EPS, CATEGORIES, QUANTILES, CategoryFairness, PeriodStats
from .rules import _label, _periods

if TYPE_CHECKING:
    from ...population.frames import Population


# --- the population -------------------------------------------------------------------------------------------------

def _quantiles(values: Sequence[float]) -> tuple[dict[str, float | None], float | None]:
    """Linear-interpolation quantiles (numpy's default), min, max and mean, rounded to 6 decimals."""
    xs = sorted(values)
    n = len(xs)
    out: dict[str, float | None] = {}
    if not n:
        return {"min": None, **{f"p{round(q * 100)}": None for q in QUANTILES}, "max": None}, None
    out["min"] = round(xs[0], 6)
    for q in QUANTILES:
        pos = q * (n - 1)
        lo = int(pos)
        hi = min(lo + 1, n - 1)
        out[f"p{round(q * 100)}"] = round(xs[lo] + (xs[hi] - xs[lo]) * (pos - lo), 6)
    out["max"] = round(xs[-1], 6)
    return out, round(sum(xs) / n, 6)


def _stats_from_scores(frame: Any, rs: RuleSet, period: str) -> PeriodStats:
    totals = frame.get_column("total").to_list()
    grades = frame.get_column("grade").to_list()
    q, mean = _quantiles(totals)
    counts = {g.id: sum(1 for x in grades if x == g.id) for g in rs.grades}
    return PeriodStats(period=period, source="scores", subjects=len(totals), grade_counts=counts, quantiles=q,
                       mean=mean)


def _stats_from_annual(results: Sequence[Any], rs: RuleSet, period: str) -> PeriodStats:
    graded = [r for r in results if r.graded and r.grade is not None]
    q, mean = _quantiles([r.score for r in results])
    counts = {g.id: sum(1 for r in graded if r.grade.id == g.id) for g in rs.grades}
    return PeriodStats(period=period, source="annual", subjects=len(results), grade_counts=counts, quantiles=q,
                       mean=mean, not_graded=len(results) - len(graded),
                       demoted_by_quota=sum(1 for r in results if r.demoted_by_quota))


def _rule_columns(frame: Any, rs: RuleSet) -> list[dict[str, Any]]:
    n = frame.height
    rows = []
    scored: tuple[Standard | Deduction, ...] = (*rs.standards, *rs.deductions)
    for r in scored:
        col = frame.get_column(f"rule:{r.id}").to_list()
        full = float(r.points) if isinstance(r, Standard) else -float(r.spec.cap)
        earns = sum(1 for x in col if abs(x) > _EPS)
        at_full = sum(1 for x in col if (x >= full - _EPS if r.kind == "standard" else x <= full + _EPS))
        mean = sum(col) / n if n else None
        rows.append({"rule_id": r.id, "kind": r.kind, "full": full, "subjects": n, "earns": earns,
                     "at_full": at_full, "mean": None if mean is None else round(mean, 6),
                     "mean_lost": None if mean is None else round((full - mean) if r.kind == "standard" else -mean, 6)})
    return rows


def _for_period(pop: Population, period: Period) -> Population:
    """The population as it stands for ``period``: its records in the period, and the annual evaluation only when
    the period holds the evaluation year's last month (as :func:`partyrules.cycle.quarterly.facts_for_period`)."""
    import polars as pl

    from ...population.frames import Population

    first, last = str(period.start), str(period.end)
    tables = dict(pop.tables)
    rec = tables["records"]
    tables["records"] = rec.filter((pl.col("month") >= first) & (pl.col("month") <= last))
    ann = tables["annual"]
    year_end = pl.col("year").cast(pl.String) + pl.lit("-12")
    tables["annual"] = ann.filter((year_end >= first) & (year_end <= last))
    return Population(pop.subject_kind, tables)


def _populations(population: Any, notes: list[str]) -> dict[str, Population]:
    from ...population.frames import Population, facts_to_population
    from ...synthetic import SubDistrict

    if population is None:
        return {}
    if isinstance(population, SubDistrict):
        return {"member": facts_to_population(population.members, "member"),
                "branch": facts_to_population(population.branches, "branch")}
    if isinstance(population, Population):
        return {population.subject_kind: population}
    if isinstance(population, (str, Path)):
        from ...population.io import read_population

        read = read_population(population)
        notes.extend(str(p) for p in read.problems)
        return {read.population.subject_kind: read.population}
    if isinstance(population, Mapping):
        return {str(k): v for k, v in population.items()}
    groups: dict[str, list[Any]] = {}
    for facts in population:
        groups.setdefault(str(type(facts).subject_kind), []).append(facts)
    return {kind: facts_to_population(items, kind) for kind, items in groups.items() if kind != "community"}


def _population_stats(c: CategoryFairness, pop: Population, year: int, notes: list[str]) -> None:
    from ...evaluate.population import score_population

    if c.key in CATEGORIES:
        # one index may score several categories (mobile members by the in-service index): each category's
        # figures are of its own members
        cats = pop.subjects.get_column("category").to_list()
        pop = pop.select([sid for sid, cat in zip(pop.subject_ids, cats, strict=True) if cat == c.key])
    for p in _periods(year):
        scores = score_population(c.ruleset, _for_period(pop, p), p)
        for sid, reason in scores.failures:
            notes.append(f"{c.ruleset.id} {p}: {sid}: {reason}")
        c.stats.append(_stats_from_scores(scores.frame, c.ruleset, _label(p)))
        if p.months == 12:
            c.rules = _rule_columns(scores.frame, c.ruleset)
