"""The one protocol every backend implements, and what the per-subject backends do the same way.

A backend scores a :class:`~partyrules.evaluate.compiled.CompiledRuleSet`. Every backend scores a whole
population into a table (:meth:`Backend.score_population`); the per-subject backends (the durable-rules engine
and the reference closures) also give one subject's explained breakdown (:meth:`SubjectBackend.evaluate`). What
they share is written once here: the period asked for, the context, the applicability check, a batch that
reports each subject it cannot score and scores the others, and the per-subject loop behind a population's table.
The names are mapped to backends in one place, :mod:`partyrules.evaluate.backends`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..errors import EvaluationError, NotApplicableError, PartyRulesError
from ..facts import SubjectFacts
from ..lang.interp import Ctx
from ..periods import Period
from ..results import ScoreBreakdown
from ..score.table import ATTRIBUTES, PopulationScores, scores_from_breakdowns, table_schema
from .context import build_context, default_period

if TYPE_CHECKING:
    from ..population.frames import Population
    from .compiled import CompiledRuleSet


@runtime_checkable
class Backend(Protocol):
    """What every backend does: score a population's subjects into one table."""

    name: str

    def score_population(self, compiled: CompiledRuleSet, population: Population, period: Period, *,
                         progress: bool = False) -> PopulationScores:
        """Score every subject of ``population`` (already checked against the call: kind, period, tables)."""
        ...


@runtime_checkable
class SubjectBackend(Backend, Protocol):
    """A backend that scores one subject at a time and explains it: the full breakdown of each."""

    def evaluate(self, compiled: CompiledRuleSet, facts: SubjectFacts,
                 period: Period | str | None = None) -> ScoreBreakdown:
        ...

    def evaluate_many(self, compiled: CompiledRuleSet, population: Iterable[SubjectFacts],
                      period: Period | str | None = None) -> BatchResult:
        ...


@dataclass
class Failure:
    index: int
    subject_id: str | None
    error: PartyRulesError

    def __str__(self) -> str:
        who = self.subject_id or f"#{self.index}"
        return f"{who} (row {self.index + 1}): {self.error}"


@dataclass
class BatchResult:
    breakdowns: list[ScoreBreakdown] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


def as_period(period: Period | str | None, facts: SubjectFacts) -> Period:
    """The period asked for: a Period, its text (``2026``, ``2026-Q2``, ``2026-03``), or None for the facts' own."""
    if period is None:
        return default_period(facts)
    if isinstance(period, str):
        return Period.parse(period)
    if not isinstance(period, Period):
        raise EvaluationError(f"period must be a Period or its text, not {type(period).__name__} {period!r}",
                              hint="e.g. '2026', '2026-Q2', '2026-03' or partyrules.Period.year(2026)")
    return period


def check_applies(compiled: CompiledRuleSet, ctx: Ctx, subject_id: str) -> None:
    """A :class:`NotApplicableError` unless the rule set's ``applies_to`` is exactly true for this context."""
    plan = compiled.plan
    if plan.applies_to is not None and plan.applies_to(ctx, None) is not True:
        rs = plan.ruleset
        raise NotApplicableError(f"rule set {rs.id} does not apply to {subject_id}: "
                                 f"{rs.applies_to.text if rs.applies_to else ''} is not true",
                                 hint="choose the rule set for this subject's category")


Score = Callable[[Ctx, str, Period], ScoreBreakdown]
"""A backend's own step: from a subject's context (the rule set applies) to its breakdown."""


def evaluate_subject(compiled: CompiledRuleSet, facts: SubjectFacts, period: Period | str | None,
                     score: Score) -> ScoreBreakdown:
    """One subject through the steps every per-subject backend shares, with ``score`` the backend's own."""
    period = as_period(period, facts)
    ctx = build_context(compiled.plan, facts, period)
    check_applies(compiled, ctx, facts.subject_id)
    return score(ctx, facts.subject_id, period)


def evaluate_many(evaluate: Callable[[SubjectFacts], ScoreBreakdown],
                  population: Iterable[SubjectFacts]) -> BatchResult:
    """Score every subject; a subject that cannot be scored is reported, and the others are still scored."""
    result = BatchResult()
    for i, facts in enumerate(population):
        try:
            result.breakdowns.append(evaluate(facts))
        except PartyRulesError as exc:
            result.failures.append(Failure(i, getattr(facts, "subject_id", None), exc))
    return result


class PerSubjectBackend:
    """The shared part of the engine and reference backends: each gives only :meth:`score`."""

    name = ""

    def score(self, compiled: CompiledRuleSet, ctx: Ctx, subject_id: str, period: Period) -> ScoreBreakdown:
        raise NotImplementedError

    def evaluate(self, compiled: CompiledRuleSet, facts: SubjectFacts,
                 period: Period | str | None = None) -> ScoreBreakdown:
        """Score one subject for a period (by default the year its records fall in)."""
        return evaluate_subject(compiled, facts, period, lambda c, s, p: self.score(compiled, c, s, p))

    def evaluate_many(self, compiled: CompiledRuleSet, population: Iterable[SubjectFacts],
                      period: Period | str | None = None) -> BatchResult:
        return evaluate_many(lambda facts: self.evaluate(compiled, facts, period), population)

    def score_population(self, compiled: CompiledRuleSet, population: Population, period: Period, *,
                         progress: bool = False) -> PopulationScores:
        """One subject after another into the table the vectorised backend gives at once: a subject the rule set
        does not apply to is listed as such, one that cannot be scored is a failure with its reason."""
        rs = compiled.ruleset
        attrs = ATTRIBUTES[rs.subject_kind]
        attributes = {r["subject_id"]: {a: r[a] for a in attrs}
                      for r in population.subjects.select("subject_id", *attrs).iter_rows(named=True)}
        breakdowns = []
        not_applicable: list[str] = []
        failures: list[tuple[str, str]] = []
        for sid, facts in population.iter_checked():
            if isinstance(facts, PartyRulesError):
                failures.append((sid, str(facts)))
                continue
            try:
                breakdowns.append(self.evaluate(compiled, facts, period))
            except NotApplicableError:
                not_applicable.append(facts.subject_id)
            except PartyRulesError as exc:
                failures.append((facts.subject_id, str(exc)))
        out = scores_from_breakdowns(rs, breakdowns, attributes, period=str(period), facts_of=population.facts,
                                     backend=self.name)
        if not breakdowns:  # no subject to read the attribute columns from: the vectorised backend's columns still
            import polars as pl

            out.frame = pl.DataFrame(schema=table_schema(rs, list(attrs)))
        out.not_applicable = not_applicable
        out.failures = failures
        return out
