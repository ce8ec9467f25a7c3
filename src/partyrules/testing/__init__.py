"""Property testing for rule sets: hypothesis strategies that draw valid facts for any rule set and valid rule
sets, the property checks behind ``partyrules check``, and the YAML case runner behind ``partyrules test``.

Hypothesis is a test extra (``pip install partyrules[testing]``); nothing in the core package imports this package.

    from hypothesis import given
    from partyrules.testing import facts_for

    @given(facts_for(ruleset))
    def test_never_above_max(facts):
        assert evaluate(ruleset, facts, period="2026").total <= ruleset.max_points

Public names (docs/testing-rulesets.md has the table):

- facts: ``facts_for`` (the facts a rule set applies to, at its edges), ``subject_facts`` (a member's, branch's or
  community's facts, every knob exposed), ``members``, ``branches``, ``communities``, ``member_records``,
  ``branch_records``, ``monthly_records``, ``incidents``, ``commendations``, ``annual_evaluations``, ``grids``,
  ``model_strategy`` (any fact model), ``VERIFIER``; ``Edges``, ``edges_of``, ``NO_EDGES`` (the values a rule set
  cares about).
- rule sets: ``generated_rulesets`` (``GeneratedRuleSet``, ``MONOTONE_FIELDS``, ``GENERATED_EDGES``,
  ``EXPRESSIONS``),
  ``condition_rulesets`` (``ConditionRuleSet``) and ``conditions`` over ``SUBJECT_VALUES``, ``RECORD_VALUES``,
  ``INCIDENT_VALUES``; a drawn condition (``Cond``) is a tree of ``Compare``, ``MemberOf``, ``Truth``, ``Not``,
  ``Join``.
- properties: ``check_ruleset``, ``PROPERTIES``, ``CheckReport``, ``PropertyResult``, ``PropertyViolation``.
- cases: ``case_for``, ``case_yaml``, ``expect_from`` (the runner is :mod:`partyrules.testing.cases`); mutated
  inputs for fuzzing are in :mod:`partyrules.testing.fuzz`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the real types for checkers; at run time the names load lazily (see _LAZY)
    from .cases import case_for, case_yaml, expect_from
    from .edges import Edges, edges_of
    from .properties import PROPERTIES, CheckReport, PropertyResult, PropertyViolation, check_ruleset
    from .strategies import (
        EXPRESSIONS,
        GENERATED_EDGES,
        INCIDENT_VALUES,
        MONOTONE_FIELDS,
        NO_EDGES,
        RECORD_VALUES,
        SUBJECT_VALUES,
        VERIFIER,
        Compare,
        Cond,
        ConditionRuleSet,
        GeneratedRuleSet,
        Join,
        MemberOf,
        Not,
        Truth,
        annual_evaluations,
        branch_records,
        branches,
        commendations,
        communities,
        condition_rulesets,
        conditions,
        facts_for,
        generated_rulesets,
        grids,
        incidents,
        member_records,
        members,
        model_strategy,
        monthly_records,
        subject_facts,
    )

# Loaded on first use: the strategies and property checks need hypothesis (the test extra), while the case runner
# in .cases, which ``partyrules test`` uses, must work without it.
_LAZY = {
    "case_for": "cases", "case_yaml": "cases", "expect_from": "cases",
    "Edges": "edges", "edges_of": "edges",
    "PROPERTIES": "properties", "CheckReport": "properties", "PropertyResult": "properties",
    "PropertyViolation": "properties", "check_ruleset": "properties",
    **dict.fromkeys(("EXPRESSIONS", "GENERATED_EDGES", "INCIDENT_VALUES", "MONOTONE_FIELDS", "NO_EDGES",
                     "RECORD_VALUES", "SUBJECT_VALUES", "VERIFIER", "Compare", "Cond", "ConditionRuleSet",
                     "GeneratedRuleSet", "Join", "MemberOf", "Not", "Truth", "annual_evaluations", "branch_records",
                     "branches", "commendations", "communities", "condition_rulesets", "conditions", "facts_for",
                     "generated_rulesets", "grids", "incidents", "member_records", "members", "model_strategy",
                     "monthly_records", "subject_facts"), "strategies"),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "EXPRESSIONS",
    "GENERATED_EDGES",
    "INCIDENT_VALUES",
    "MONOTONE_FIELDS",
    "NO_EDGES",
    "PROPERTIES",
    "RECORD_VALUES",
    "SUBJECT_VALUES",
    "VERIFIER",
    "CheckReport",
    "Compare",
    "Cond",
    "ConditionRuleSet",
    "Edges",
    "GeneratedRuleSet",
    "Join",
    "MemberOf",
    "Not",
    "PropertyResult",
    "PropertyViolation",
    "Truth",
    "annual_evaluations",
    "branch_records",
    "branches",
    "case_for",
    "case_yaml",
    "check_ruleset",
    "commendations",
    "communities",
    "condition_rulesets",
    "conditions",
    "edges_of",
    "expect_from",
    "facts_for",
    "generated_rulesets",
    "grids",
    "incidents",
    "member_records",
    "members",
    "model_strategy",
    "monthly_records",
    "subject_facts",
]
