"""The entry point, :func:`fairness`: score the exemplary subjects and the population, then gather the findings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ...errors import PartyRulesError
from ...rulesets.model import RuleSet
from .findings import _cost_findings, _field_findings, _population_findings, _structural_findings
from .model import FairnessReport
from .rules import _costs, _field_differences, _label, _periods, _reachable, _resolve
from .stats import _population_stats, _populations, _stats_from_annual

if TYPE_CHECKING:
    from ...cycle.year import YearResult


def fairness(population: Any = None, *, year: int | None = None, year_result: YearResult | None = None,
             rulesets: Mapping[str, RuleSet] | Sequence[RuleSet] | None = None, branches: bool = False,
             once_a_year_month: int = 6) -> FairnessReport:
    """The fairness of the member indices (and, with ``branches=True``, the branch index) over ``year``.

    ``population``: a :class:`~partyrules.synthetic.SubDistrict`, fact bundles (members and branches, mixed), a
    :class:`~partyrules.Population` (or a mapping of subject kind to one), or the path of a population file or
    directory; ``None`` gives the structural part alone. ``year`` defaults to ``year_result.year`` or the
    sub-district's year. ``year_result`` (from :func:`~partyrules.run_year`): the year's grade shares and quantiles
    are those of its annual results (after the 优秀 quota), else those of the year scored as one period.
    ``rulesets``: the indices, keyed by category (``in_service``, ``retired``, ``new_citizen``) and ``branch``, or a
    list (each member index is matched to its category by ``applies_to``); by default the shipped ones.
    ``once_a_year_month``: when the exemplary subjects do their once-a-year items.

    Quarters are scored from their own records (the annual evaluation in the fourth quarter only), as the cycle
    does.
    """
    from ...synthetic import SubDistrict

    if year is None:
        year = year_result.year if year_result is not None else \
            population.year if isinstance(population, SubDistrict) else None
    if year is None:
        raise PartyRulesError("fairness needs the assessment year", hint="pass year=2026 (or a year_result)")
    if year_result is not None and year_result.year != year:
        raise PartyRulesError(f"year_result is of {year_result.year}, not {year}", hint="pass the same year")
    indices = _resolve(rulesets, branches, year)
    notes: list[str] = []
    cats = [_reachable(k, rs, year, once_a_year_month) for k, rs in indices.items()]
    costs = [c for k, rs in indices.items() for c in _costs(k, rs, year, once_a_year_month)]
    diffs = _field_differences(indices)

    try:
        import polars  # noqa: F401  (the population is scored over columns)
    except ImportError:
        pops = {}
        if population is not None:
            notes.append("the population's per-period scores need the analysis extra (pip install "
                          "'partyrules[analysis]'); the year's results are those of year_result only")
    else:
        pops = _populations(population, notes)
    annual = None
    if year_result is not None:
        annual = [*year_result.members, *year_result.branches]
    for c in cats:
        kind = "branch" if c.key == "branch" else "member"
        pop = pops.get(kind)
        if pop is not None:
            _population_stats(c, pop, year, notes)
        if annual is not None:
            # an index may score several categories (mobile members by the in-service index): the pool says whose
            mine = [r for r in annual if r.ruleset_id == c.ruleset.id and (kind == "branch" or r.pool[-1] == c.key)]
            c.stats = [s for s in c.stats if s.period != str(year)] + [_stats_from_annual(mine, c.ruleset, str(year))]
    structure = _structural_findings(cats, year) + _cost_findings(costs, list(indices)) + _field_findings(diffs)
    pop_structure, conduct = _population_findings(cats, year)
    return FairnessReport(year=year, periods=[_label(p) for p in _periods(year)], categories=cats, costs=costs,
                          field_differences=diffs, all_findings=[*structure, *pop_structure, *conduct], notes=notes,
                          year_source="annual" if annual is not None else "scores")
