"""The linter: every check in file order, and the bound each deduction can take that rule coverage reads."""

from __future__ import annotations

from ...errors import Diagnostic
from ...lang.abstract import T
from ..model import RuleSet
from .common import _position
from .declarations import DeclarationChecks
from .expressions import ExpressionChecks


def lint_ruleset(rs: RuleSet) -> list[Diagnostic]:
    """Every semantic finding about a loaded rule set, errors and warnings, in file order."""
    return _Linter(rs).run()


class _Linter(ExpressionChecks, DeclarationChecks):
    def run(self) -> list[Diagnostic]:
        self.points()
        self.applies_to()
        self.rules()
        self.double_counting()
        self.choices()
        self.unused_params()
        self.texts()
        self.stated_params()
        self.monotone()
        self.actionable()
        self.cadence()
        return sorted(self.out, key=_position)


def deduction_most(rs: RuleSet) -> dict[str, float]:
    """The most each deduction can take before its cap (``per`` × ``points``), over every value the facts and
    every allowed parameter override can take; ``inf`` when the analysis finds no bound.

    Sound as the linter's findings are: a bound below the truth is never given, so a deduction whose bound is at
    most its cap certainly never has its cap take points off (rule coverage leaves such a cap out)."""
    linter = _Linter(rs)
    linter.applies_to()
    most: dict[str, float] = {}
    for kind, rule, item in linter.items():
        if kind != "deduction":
            continue
        exprs = {x.key: x for x in linter.exprs_of(kind, rule, item)}
        env = dict(linter.base_over)
        when = exprs.get("when")
        if when is not None:
            assumed = linter.over.for_text(when.expr.text).assume(when.expr.ir, T, env)
            if assumed is None:  # the deduction never applies: it takes nothing
                most[rule.id] = 0.0
                continue
            env = assumed
        per = exprs["per"]
        v = linter.over.for_text(per.expr.text).value(per.expr.ir, env)
        if v.kind != "num":
            most[rule.id] = float("inf")
        elif not v.has_value():
            most[rule.id] = 0.0
        else:
            most[rule.id] = max(v.hi, 0.0) * rule.spec.points
    return most
