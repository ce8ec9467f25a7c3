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

from ..compile.durable import Plan, compile_ruleset
from ..compile.durable import _occurrence_shape as occurrence_shape
from ..compile.durable import _per_fact as per_fact
from ..errors import NotApplicableError, PartyRulesError
from ..facts import SubjectFacts
from ..lang import ir as I
from ..lang.interp import Ctx, Fn
from ..periods import Period
from ..results import ScoreBreakdown
from ..rulesets.model import Check, Deduction, RuleSet, Standard, Veto
from ..score.scoring import Firings, scorer_for
from .context import build_context
from .evaluator import BatchResult, Failure, _period

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


class ReferenceEvaluator:
    """Evaluates subjects like :class:`partyrules.Evaluator`, deciding firings with the expression closures.

    Same inputs, same ``ScoreBreakdown`` (byte-identical JSON), same errors; no engine session is involved.
    """

    def __init__(self, ruleset: RuleSet, params: Mapping[str, Any] | None = None) -> None:
        self.ruleset = ruleset.with_params(**params) if params else ruleset
        # the plan supplies the shared closures, the applicability test and the scorer's tables; its engine
        # chunks are never run here
        self.plan = compile_ruleset(self.ruleset)
        self.scorer = scorer_for(self.plan)
        self._applicability: list[tuple[str, Fn]] = []
        self._rules: list[_ItemRule | _SubjectRule] = []
        rs = self.ruleset
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
        schema = self.ruleset.schema
        for rule in self._rules:
            key_of = schema.collections[rule.source].key if isinstance(rule, _ItemRule) else None
            rule.fire(ctx, firings, key_of)
        return firings

    def _explain_like_engine(self, ctx: Ctx) -> None:
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
        firings = self.firings(ctx)
        self._explain_like_engine(ctx)
        return self.scorer.score_firings(ctx, firings, facts.subject_id, period)

    def evaluate_many(self, population: Iterable[SubjectFacts], period: Period | str | None = None) -> BatchResult:
        """Score every subject; a subject that cannot be scored is reported, and the others are still scored."""
        result = BatchResult()
        for i, facts in enumerate(population):
            try:
                result.breakdowns.append(self.evaluate(facts, period))
            except PartyRulesError as exc:
                result.failures.append(Failure(i, getattr(facts, "subject_id", None), exc))
        return result

