"""Score a whole population with one rule set, on the backend of your choice, as one table.

``backend="vector"`` (the default) evaluates the rule set over the population's columns with polars;
``"engine"`` (durable-rules) and ``"reference"`` (the expression closures) evaluate one subject at a time and are
the yardsticks the vectorised backend is tested against. All three give the same table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import NotApplicableError, PartyRulesError
from ..facts import BranchFacts, CommunityFacts, MemberFacts
from ..facts.ownership import ForeignItem, foreign_conduct_error, foreign_items
from ..periods import Period
from ..rulesets.model import RuleSet
from ..score.table import ATTRIBUTES, PopulationScores, scores_from_breakdowns

if TYPE_CHECKING:
    from ..population.frames import Population
    from .context import SubjectFacts

BACKENDS = ("vector", "engine", "reference")


def _as_population(population: Population | Mapping[str, Any] | Iterable[SubjectFacts],
                   kind: str) -> tuple[Population, list[tuple[str, str]]]:
    """The population as tables, and the subjects or rows that cannot be scored, each with the reason.

    Every input passes here, and each way in keeps out anything of another subject (only a subject's own conduct
    is assessed): tables given as DataFrames are checked like files (a bad row, a row of another subject among
    them, leaves its subject out and says why); a bundle holding another subject's item (made by model_copy or
    model_construct, which skip the bundle's checks) is refused with the typed error, since turned into tables its
    item would be attached to the subject it names; tables taken as they are get the same refusal."""
    from ..population.frames import Population, facts_to_population
    from ..population.io import population_from_frames

    if isinstance(population, Population):
        return _own_rows_only(population)
    if isinstance(population, Mapping):
        read = population_from_frames(population, kind)
        return read.population, [(p.subject_id or f"{p.file}:{p.row}", str(p)) for p in read.problems]
    kept: list[Any] = []
    refused: list[tuple[str, str]] = []
    for facts in population:
        items = foreign_items(facts) if isinstance(facts, (MemberFacts, BranchFacts, CommunityFacts)) else []
        if items:
            refused.append((facts.subject_id, str(foreign_conduct_error(kind, facts.subject_id, items))))
        else:
            kept.append(facts)
    return facts_to_population(kept, kind), refused


def _own_rows_only(pop: Population) -> tuple[Population, list[tuple[str, str]]]:
    """The population without the subjects that have a row of another subject attached, and why each is out."""
    from ..population.checks import foreign_rows

    found: dict[str, list[ForeignItem]] = {}
    for sid, table, item, owner_kind, owner_id in foreign_rows(pop.subject_kind, pop.tables):
        found.setdefault(sid, []).append((table, item, owner_kind, owner_id))
    if not found:
        return pop, []
    ids = pop.subject_ids
    refused = [(sid, str(foreign_conduct_error(pop.subject_kind, sid, found[sid]))) for sid in ids if sid in found]
    return pop.select(sid for sid in ids if sid not in found), refused


def score_population(ruleset: RuleSet, population: Population | Mapping[str, Any] | Iterable[SubjectFacts],
                     period: Period | str, *, backend: str = "vector",
                     params: dict[str, Any] | None = None, progress: bool = False) -> PopulationScores:
    """Score every subject of ``population`` under ``ruleset`` for ``period``.

    ``population`` is a :class:`~partyrules.population.frames.Population` (from the readers or the generator),
    a mapping of table name to polars or pandas DataFrame (checked row by row first), or fact bundles.

    Subjects the rule set does not apply to are listed in ``not_applicable``; subjects that cannot be scored
    (for example records outside the period) are listed in ``failures`` with the reason; the others are scored.
    """
    if backend not in BACKENDS:
        raise PartyRulesError(f"unknown backend {backend!r}", hint="one of: " + ", ".join(BACKENDS))
    rs = ruleset.with_params(**params) if params else ruleset
    period = Period.parse(period) if isinstance(period, str) else period
    pop, unread = _as_population(population, rs.subject_kind)
    if backend == "vector":
        from .vector import VectorEvaluator

        scores = VectorEvaluator(rs).score(pop, period, progress=progress)
        scores.failures[:0] = unread
        return scores
    from .evaluator import Evaluator
    from .reference import ReferenceEvaluator

    ev = Evaluator(rs) if backend == "engine" else ReferenceEvaluator(rs)
    attrs = ATTRIBUTES[rs.subject_kind]
    attributes = {r["subject_id"]: {a: r[a] for a in attrs}
                  for r in pop.subjects.select("subject_id", *attrs).iter_rows(named=True)}
    breakdowns = []
    not_applicable: list[str] = []
    failures: list[tuple[str, str]] = []
    for facts in pop.iter_facts():
        try:
            breakdowns.append(ev.evaluate(facts, period))
        except NotApplicableError:
            not_applicable.append(facts.subject_id)
        except PartyRulesError as exc:
            failures.append((facts.subject_id, str(exc)))
    out = scores_from_breakdowns(rs, breakdowns, attributes, period=str(period), facts_of=pop.facts,
                                 backend=backend)
    out.not_applicable = not_applicable
    out.failures = [*unread, *failures]
    return out
