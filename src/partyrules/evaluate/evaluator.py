"""One-shot and batch evaluation of subjects against a rule set on the durable-rules backend."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..compile.durable import Plan, compile_ruleset
from ..errors import EvaluationError, NotApplicableError, PartyRulesError
from ..periods import Period
from ..results import ScoreBreakdown
from ..rulesets.model import RuleSet
from ..score.scoring import scorer_for
from .context import SubjectFacts, build_context, default_period, engine_facts
from .engine import engine_for


def chunk_payloads(plan: Plan, subject_fact: str, items: Mapping[str, list[tuple[str, str]]]) -> list[list[str]]:
    out: list[list[str]] = []
    for chunk in plan.chunks:
        facts = [subject_fact]
        for source in sorted(chunk.sources):
            facts.extend(f for _, f in items.get(source, ()))
        out.append(facts)
    return out


class Evaluator:
    """Evaluates subjects against one rule set (with optional parameter overrides).

    Safe to share between threads: each thread gets its own engine handles.
    """

    def __init__(self, ruleset: RuleSet, params: Mapping[str, Any] | None = None) -> None:
        self.ruleset = ruleset.with_params(**params) if params else ruleset
        self.plan = compile_ruleset(self.ruleset)
        self.engine = engine_for(self.plan)
        self.scorer = scorer_for(self.plan)

    def evaluate(self, facts: SubjectFacts, period: Period | str | None = None) -> ScoreBreakdown:
        """Score one subject for a period (by default the year its records fall in)."""
        period = _period(period, facts)
        plan = self.plan
        ctx = build_context(plan, facts, period)
        if plan.applies_to is not None and plan.applies_to(ctx, None) is not True:
            rs = plan.ruleset
            raise NotApplicableError(f"rule set {rs.id} does not apply to {facts.subject_id}: "
                                     f"{rs.applies_to.text if rs.applies_to else ''} is not true",
                                     hint="choose the rule set for this subject's category")
        subject_fact, items = engine_facts(plan, ctx)
        fired = self.engine.run_once(chunk_payloads(plan, subject_fact, items), facts.subject_id)
        return self.scorer.score(ctx, fired, facts.subject_id, period)

    def evaluate_many(self, population: Iterable[SubjectFacts], period: Period | str | None = None) -> BatchResult:
        """Score every subject; a subject that cannot be scored is reported, and the others are still scored."""
        result = BatchResult()
        for i, facts in enumerate(population):
            try:
                result.breakdowns.append(self.evaluate(facts, period))
            except PartyRulesError as exc:
                result.failures.append(Failure(i, getattr(facts, "subject_id", None), exc))
        return result


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


def _period(period: Period | str | None, facts: SubjectFacts) -> Period:
    """The period asked for: a Period, its text (``2026``, ``2026-Q2``, ``2026-03``), or None for the facts' own."""
    if period is None:
        return default_period(facts)
    if isinstance(period, str):
        return Period.parse(period)
    if not isinstance(period, Period):
        raise EvaluationError(f"period must be a Period or its text, not {type(period).__name__} {period!r}",
                              hint="e.g. '2026', '2026-Q2', '2026-03' or partyrules.Period.year(2026)")
    return period


def evaluate(
    ruleset: RuleSet,
    facts: SubjectFacts,
    *,
    period: Period | str | None = None,
    params: Mapping[str, Any] | None = None,
) -> ScoreBreakdown:
    """Score one subject: the short form of ``Evaluator(ruleset, params).evaluate(facts, period)``."""
    if params:
        ruleset = ruleset.with_params(**params)  # cached per parameter set, so repeated calls compile once
    evaluator = getattr(ruleset, "_evaluator", None)
    if evaluator is None:
        evaluator = Evaluator(ruleset)
        object.__setattr__(ruleset, "_evaluator", evaluator)
    return evaluator.evaluate(facts, period)
