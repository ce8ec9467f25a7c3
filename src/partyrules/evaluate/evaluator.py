"""One-shot and batch evaluation of subjects against a rule set on the durable-rules backend."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..compile.durable import Plan
from ..facts import SubjectFacts
from ..lang.interp import Ctx
from ..periods import Period
from ..results import ScoreBreakdown
from ..rulesets.model import RuleSet
from ..score.scoring import Scorer
from .backend import BatchResult, Failure, PerSubjectBackend, evaluate_many
from .compiled import CompiledRuleSet, compiled_ruleset
from .context import engine_facts
from .engine import Engine

__all__ = ["BatchResult", "EngineBackend", "Evaluator", "Failure", "chunk_payloads", "evaluate"]


def chunk_payloads(plan: Plan, subject_fact: str, items: Mapping[str, list[tuple[str, str]]]) -> list[list[str]]:
    out: list[list[str]] = []
    for chunk in plan.chunks:
        facts = [subject_fact]
        for source in sorted(chunk.sources):
            facts.extend(f for _, f in items.get(source, ()))
        out.append(facts)
    return out


class EngineBackend(PerSubjectBackend):
    """The durable-rules backend: the engine matches the subject's facts, the scorer turns firings into points."""

    name = "engine"

    def score(self, compiled: CompiledRuleSet, ctx: Ctx, subject_id: str, period: Period) -> ScoreBreakdown:
        plan = compiled.plan
        subject_fact, items = engine_facts(plan, ctx)
        fired = compiled.engine.run_once(chunk_payloads(plan, subject_fact, items), subject_id)
        return compiled.scorer.score(ctx, fired, subject_id, period)


_ENGINE = EngineBackend()


class Evaluator:
    """Evaluates subjects against one rule set (with optional parameter overrides).

    Safe to share between threads: each thread gets its own engine handles.
    """

    def __init__(self, ruleset: RuleSet, params: Mapping[str, Any] | None = None) -> None:
        self.compiled = compiled_ruleset(ruleset, params)

    @property
    def ruleset(self) -> RuleSet:
        return self.compiled.ruleset

    @property
    def plan(self) -> Plan:
        return self.compiled.plan

    @property
    def engine(self) -> Engine:
        return self.compiled.engine

    @property
    def scorer(self) -> Scorer:
        return self.compiled.scorer

    def evaluate(self, facts: SubjectFacts, period: Period | str | None = None) -> ScoreBreakdown:
        """Score one subject for a period (by default the year its records fall in)."""
        return _ENGINE.evaluate(self.compiled, facts, period)

    def evaluate_many(self, population: Iterable[SubjectFacts], period: Period | str | None = None) -> BatchResult:
        """Score every subject; a subject that cannot be scored is reported, and the others are still scored."""
        return evaluate_many(lambda facts: self.evaluate(facts, period), population)


def evaluate(
    ruleset: RuleSet,
    facts: SubjectFacts,
    *,
    period: Period | str | None = None,
    params: Mapping[str, Any] | None = None,
) -> ScoreBreakdown:
    """Score one subject: the short form of ``Evaluator(ruleset, params).evaluate(facts, period)``."""
    return _ENGINE.evaluate(compiled_ruleset(ruleset, params), facts, period)
