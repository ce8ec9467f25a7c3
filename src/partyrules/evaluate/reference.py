"""A second backend that decides every rule firing without the rule engine.

It evaluates each rule's compiled expression closures (``lang.interp``) directly over the same context as the
default backend, and hands the firings to the same :class:`~partyrules.score.scoring.Scorer`, so the two backends
share scoring and differ only in matching. Its purposes: an independent second opinion on the engine and on the
translation of conditions into engine JSON (differential testing), and a fast path for property checks.

The firing semantics it implements are those of the language, stated once here:
- a standard is applicable when its ``when`` is exactly true; a ``flag`` standard fires when the flag (and its
  ``when``) is exactly true;
- ``count(L where c)``, ``exists(L where c)`` and ``sum(L.x where c)`` in a per-occurrence standard or a deduction
  fire once per item of ``L`` for which ``c`` is exactly true (and, for a sum, whose amount is not 0, a missing
  amount counting as 0), provided the rule's ``when`` holds for the subject;
- any other deduction fires once when its ``when`` holds and its amount is above 0;
- a veto or structure check of the form ``exists(L where c)``, ``count(L where c) > 0`` or ``>= 1`` fires once per
  offending item; any other fires once when its condition is exactly true.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..compile.durable import Plan, occurrence_shape, per_fact
from ..facts import SubjectFacts
from ..lang import ir as I
from ..lang.interp import Ctx, Fn
from ..periods import Period
from ..results import ScoreBreakdown
from ..rulesets.model import Check, Deduction, RuleSet, Standard, Veto
from ..score.scoring import Firings
from .backend import BatchResult, PerSubjectBackend, evaluate_many, evaluate_subject
from .compiled import CompiledRuleSet, compiled_ruleset

_Shape = tuple[str, I.IR | None, I.IR | None]


class _ItemRule:
    """A rule that fires once per matching item of a list, when its subject guard holds."""

    __slots__ = ("amount", "guard", "rule_id", "source", "where")

    def __init__(self, plan: Plan, rule_id: str, guard: I.IR | None, shape: _Shape) -> None:
        source, where, amount = shape
        self.rule_id = rule_id
        self.source = source
        self.guard: Fn | None = plan.closure(guard) if guard is not None else None
        self.where: Fn | None = plan.closure(where) if where is not None else None
        self.amount: Fn | None = plan.closure(amount) if amount is not None else None

    def fire(self, ctx: Ctx, firings: Firings, key_of: Any) -> None:
        if self.guard is not None and self.guard(ctx, None) is not True:
            return
        where, amount = self.where, self.amount
        for item in ctx.collections[self.source]:
            if where is not None and where(ctx, item) is not True:
                continue
            key = key_of(item)
            if amount is not None:
                value = amount(ctx, item)
                value = 0 if value is None else value
                if value == 0:
                    continue  # an item that adds nothing to a sum is not an occurrence
                firings.amounts.setdefault(self.rule_id, []).append((key, value))
            firings.main.setdefault(self.rule_id, []).append(key)


class _SubjectRule:
    """A rule that fires at most once per subject: a flag, a condition, or an amount above 0."""

    __slots__ = ("amount", "cond", "rule_id")

    def __init__(self, rule_id: str, cond: Fn | None, amount: Fn | None = None) -> None:
        self.rule_id = rule_id
        self.cond = cond
        self.amount = amount

    def fire(self, ctx: Ctx, firings: Firings, key_of: Any) -> None:
        if self.cond is not None and self.cond(ctx, None) is not True:
            return
        if self.amount is None:
            firings.main.setdefault(self.rule_id, []).append(None)
            return
        value = self.amount(ctx, None)
        if value is None or not value > 0:
            return
        firings.main.setdefault(self.rule_id, []).append("s")
        firings.amounts.setdefault(self.rule_id, []).append(("s", value))


class Matchers:
    """Every rule of a plan as a matcher that decides its firings with the expression closures (built once per
    compiled rule set: :attr:`~partyrules.evaluate.compiled.CompiledRuleSet.matchers`)."""

    def __init__(self, plan: Plan) -> None:
        # the plan supplies the shared closures, the applicability test and the scorer's tables; its engine
        # chunks are never run here
        self.plan = plan
        self._applicability: list[tuple[str, Fn]] = []
        self._rules: list[_ItemRule | _SubjectRule] = []
        rs = plan.ruleset
        for v in rs.vetoes:
            self._veto(v)
        for s in rs.standards:
            self._standard(s)
        for k in rs.deductions:
            self._deduction(k)
        for c in rs.checks:
            self._veto(c)

    # -- rules -----------------------------------------------------------------------------------------------
    def _and(self, guard: I.IR | None, cond: I.IR) -> Fn:
        fg, fc = (self.plan.closure(guard) if guard is not None else None), self.plan.closure(cond)
        if fg is None:
            return fc

        def both(c: Ctx, it: Any) -> Any:
            return fg(c, it) is True and fc(c, it) is True

        return both

    def _veto(self, v: Veto | Check) -> None:
        when = v.exprs["when"].ir
        shape = occurrence_shape(when)
        if shape is not None:
            self._rules.append(_ItemRule(self.plan, v.id, None, shape))
        else:
            self._rules.append(_SubjectRule(v.id, self.plan.closure(when)))

    def _standard(self, s: Standard) -> None:
        when = s.exprs.get("when")
        guard = when.ir if when else None
        if guard is not None:
            self._applicability.append((s.id, self.plan.closure(guard)))
        if s.method == "flag":
            self._rules.append(_SubjectRule(s.id, self._and(guard, s.exprs["flag"].ir)))
        elif s.method == "per_occurrence" and (shape := per_fact(s.exprs["count"].ir)) is not None:
            self._rules.append(_ItemRule(self.plan, s.id, guard, shape))
        else:
            # the scorer computes the amount; this firing only says the standard's guard held
            self._rules.append(_SubjectRule(s.id, self.plan.closure(guard) if guard is not None else None))

    def _deduction(self, k: Deduction) -> None:
        when = k.exprs.get("when")
        guard = when.ir if when else None
        per = k.exprs["per"].ir
        shape = per_fact(per)
        if shape is not None:
            self._rules.append(_ItemRule(self.plan, k.id, guard, shape))
        else:
            cond = self.plan.closure(guard) if guard is not None else None
            self._rules.append(_SubjectRule(k.id, cond, self.plan.closure(per)))

    # -- evaluation ------------------------------------------------------------------------------------------
    def firings(self, ctx: Ctx) -> Firings:
        """The firings of every rule for one context (the backend-neutral input of the scorer)."""
        firings = Firings()
        for rule_id, fn in self._applicability:
            if fn(ctx, None) is True:
                firings.applicable.add(rule_id)
        schema = self.plan.ruleset.schema
        for rule in self._rules:
            key_of = schema.collections[rule.source].key if isinstance(rule, _ItemRule) else None
            rule.fire(ctx, firings, key_of)
        return firings

    def explain_like_engine(self, ctx: Ctx) -> None:
        """A breakdown's evidence lists the aggregations computed for the context. The default backend computes
        every value it hands the engine (each condition part the engine cannot match itself), whether or not a
        rule fires; computing the same values here makes the two backends explain identically, without letting
        those values decide anything."""
        plan = self.plan
        for fn in plan.subject.derived.values():
            fn(ctx, None)
        for source, shape in plan.items.items():
            if shape.derived:
                for item in ctx.collections[source]:
                    for fn in shape.derived.values():
                        fn(ctx, item)


def score_firings(compiled: CompiledRuleSet, ctx: Ctx, firings: Firings, subject_id: str,
                  period: Period) -> ScoreBreakdown:
    """The reference backend's breakdown from the firings decided for one context."""
    compiled.matchers.explain_like_engine(ctx)
    return compiled.scorer.score_firings(ctx, firings, subject_id, period)


class ReferenceBackend(PerSubjectBackend):
    """The reference backend: the expression closures decide each firing, no engine session is involved."""

    name = "reference"

    def score(self, compiled: CompiledRuleSet, ctx: Ctx, subject_id: str, period: Period) -> ScoreBreakdown:
        return score_firings(compiled, ctx, compiled.matchers.firings(ctx), subject_id, period)


class ReferenceEvaluator:
    """Evaluates subjects like :class:`partyrules.Evaluator`, deciding firings with the expression closures.

    Same inputs, same ``ScoreBreakdown`` (byte-identical JSON), same errors; no engine session is involved.
    """

    def __init__(self, ruleset: RuleSet, params: Mapping[str, Any] | None = None) -> None:
        self.compiled = compiled_ruleset(ruleset, params)
        self.ruleset = self.compiled.ruleset
        self.plan = self.compiled.plan
        self.scorer = self.compiled.scorer

    def firings(self, ctx: Ctx) -> Firings:
        """The firings of every rule for one context (the backend-neutral input of the scorer)."""
        return self.compiled.matchers.firings(ctx)

    def _score(self, ctx: Ctx, subject_id: str, period: Period) -> ScoreBreakdown:
        # through self.firings, so that a reference given other firings (differential tests) scores with them
        return score_firings(self.compiled, ctx, self.firings(ctx), subject_id, period)

    def evaluate(self, facts: SubjectFacts, period: Period | str | None = None) -> ScoreBreakdown:
        """Score one subject for a period (by default the year its records fall in)."""
        return evaluate_subject(self.compiled, facts, period, self._score)

    def evaluate_many(self, population: Iterable[SubjectFacts], period: Period | str | None = None) -> BatchResult:
        """Score every subject; a subject that cannot be scored is reported, and the others are still scored."""
        return evaluate_many(lambda facts: self.evaluate(facts, period), population)
