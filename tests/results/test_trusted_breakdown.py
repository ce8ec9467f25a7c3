"""The scorer builds its breakdowns without validating them again, and tells each distinct piece of evidence once:
both must give exactly the breakdown that validation and fresh telling give (fields, types and JSON)."""

from __future__ import annotations

from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import partyrules as pr
from partyrules.evaluate.compiled import CompiledRuleSet
from partyrules.evaluate.reference import ReferenceEvaluator
from partyrules.facts import MemberCategory
from partyrules.results import ScoreBreakdown
from partyrules.shipped_rulesets import shipped_ruleset_path
from partyrules.synthetic import generate_member_facts

INDICES = {"member-in-service": MemberCategory.IN_SERVICE, "member-retired": MemberCategory.RETIRED}


@cache
def ruleset(name: str) -> pr.RuleSet:
    return pr.load_ruleset(shipped_ruleset_path(name + ".yaml"))


def _types(model: object) -> list[tuple[str, type]]:
    """Every field's value type, nested models included (a float field holding an int would differ here)."""
    out: list[tuple[str, type]] = []
    for name, value in vars(model).items():
        out.append((name, type(value)))
        items = value if isinstance(value, list) else [value]
        for x in items:
            if isinstance(x, BaseModel):
                out += [(f"{name}.{k}", t) for k, t in _types(x)]
    return out


@settings(max_examples=15)
@given(name=st.sampled_from(sorted(INDICES)), seed=st.integers(0, 10_000), quarter=st.sampled_from([0, 1, 2, 3, 4]))
def test_trusted_breakdown_equals_validated(name: str, seed: int, quarter: int) -> None:
    rs = ruleset(name)
    period = pr.Period.year(2026) if quarter == 0 else pr.Period.quarter(2026, quarter)
    members = generate_member_facts(6, seed=seed, category=INDICES[name])
    ev = pr.Evaluator(rs)
    for m in members:
        first, last = str(period.start), str(period.end)
        facts = m if quarter == 0 else m.model_copy(update={"records": [r for r in m.records
                                                                        if first <= r.month <= last]})
        try:
            b = ev.evaluate(facts, period)
        except pr.PartyRulesError:
            continue
        validated = ScoreBreakdown.model_validate(b.model_dump())
        assert validated == b
        assert validated.to_json() == b.to_json()
        assert repr(validated) == repr(b)
        assert _types(validated) == _types(b)


@settings(max_examples=10)
@given(seed=st.integers(0, 10_000))
def test_evidence_told_once_equals_evidence_told_fresh(seed: int) -> None:
    """The same members scored by a scorer that has told every case before and by one telling each afresh, in the
    opposite order: byte-identical JSON."""
    rs = ruleset("member-in-service")
    period = pr.Period.year(2026)
    members = generate_member_facts(12, seed=seed, category=MemberCategory.IN_SERVICE)
    warm = ReferenceEvaluator(rs)
    first = [warm.evaluate(m, period).to_json() for m in members]
    again = [warm.evaluate(m, period).to_json() for m in members]
    fresh = ReferenceEvaluator(rs)
    fresh.compiled = CompiledRuleSet(rs)  # its own scorer: nothing told yet
    backwards = [fresh.evaluate(m, period).to_json() for m in reversed(members)]
    assert first == again == backwards[::-1]
