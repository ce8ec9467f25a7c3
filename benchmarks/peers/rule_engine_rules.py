"""A rule set as rule-engine rules: one expression per rule giving its points, summed per dimension in Python.

Each standard's expression gives its earned points (``bands`` as a chain of conditional expressions), each
deduction's its amount taken (capped), each veto whether it holds; Python rounds each to 6 decimals as partyrules
rounds each line, floors each dimension at 0 and caps it at its maximum, and sums the dimensions (0 when a veto
zeroes the total). rule-engine computes in ``decimal.Decimal``.
"""

from __future__ import annotations

from typing import Any

import rule_engine

from partyrules.rulesets.model import RuleSet

from .translate import (
    RuleEngineDialect,
    Translator,
    band_steps,
    band_value,
    deduction_amount,
    standard_points,
    veto_test,
)


class RuleEngineScorer:
    def __init__(self, rs: RuleSet) -> None:
        tr = Translator(rs, RuleEngineDialect())
        ctx = rule_engine.Context(default_value=None)
        self.texts: dict[str, str] = {}
        for s in rs.standards:
            if s.method == "bands":
                text = "0"
                for at, points in reversed(band_steps(s)):
                    text = f"(v >= {at!r} ? {points!r} : {text})"
                value = band_value(tr, s)
                self.texts[s.id] = text.replace("v >=", f"({value}) >=")
            else:
                self.texts[s.id] = standard_points(tr, s)
        for k in rs.deductions:
            self.texts[k.id] = deduction_amount(tr, k)
        for v in rs.vetoes:
            self.texts[v.id] = veto_test(tr, v)
        self.rules = {rid: rule_engine.Rule(text, context=ctx) for rid, text in self.texts.items()}
        self.standards = [(s.id, s.dimension) for s in rs.standards]
        self.deductions = [(k.id, k.dimension) for k in rs.deductions]
        self.vetoes = [v.id for v in rs.vetoes]
        self.dimensions = [(d.id, float(d.max)) for d in rs.dimensions]
        self.zero_total = rs.spec.veto_effect == "zero_total"

    def total(self, thing: dict[str, Any]) -> float:
        rules = self.rules
        earned = dict.fromkeys((d for d, _ in self.dimensions), 0.0)
        taken = dict(earned)
        for rid, dim in self.standards:
            earned[dim] += round(float(rules[rid].evaluate(thing)), 6)
        for rid, dim in self.deductions:
            taken[dim] += round(float(rules[rid].evaluate(thing)), 6)
        if self.zero_total and any(rules[rid].evaluate(thing) is True for rid in self.vetoes):
            return 0.0
        return round(sum(round(min(top, max(0.0, earned[d] - taken[d])), 6) for d, top in self.dimensions), 6)
