"""Property testing for rule sets: hypothesis strategies that draw valid facts for any rule set, and the property
checks behind ``partyrules check``.

Hypothesis is a test extra (``pip install partyrules[test]``); nothing in the core package imports this package.

    from hypothesis import given
    from partyrules.testing import facts_for

    @given(facts_for(ruleset))
    def test_never_above_max(facts):
        assert evaluate(ruleset, facts, period="2026").total <= ruleset.max_points
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the real types for checkers; at run time the names load lazily (see _LAZY)
    from .cases import case_for, case_yaml, expect_from
    from .edges import Edges, edges_of
    from .properties import PROPERTIES, CheckReport, PropertyResult, PropertyViolation, check_ruleset
    from .strategies import (
        annual_evaluations,
        branch_records,
        branches,
        commendations,
        communities,
        facts_for,
        grids,
        incidents,
        member_records,
        members,
        model_strategy,
        monthly_records,
    )

# Loaded on first use: the strategies and property checks need hypothesis (the test extra), while the case runner
# in .cases, which ``partyrules test`` uses, must work without it.
_LAZY = {
    "case_for": "cases", "case_yaml": "cases", "expect_from": "cases",
    "Edges": "edges", "edges_of": "edges",
    "PROPERTIES": "properties", "CheckReport": "properties", "PropertyResult": "properties",
    "PropertyViolation": "properties", "check_ruleset": "properties",
    **dict.fromkeys(("annual_evaluations", "branch_records", "branches", "commendations", "communities",
                     "facts_for", "grids", "incidents", "member_records", "members", "model_strategy",
                     "monthly_records"), "strategies"),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "PROPERTIES",
    "CheckReport",
    "Edges",
    "PropertyResult",
    "PropertyViolation",
    "annual_evaluations",
    "branch_records",
    "branches",
    "case_for",
    "case_yaml",
    "check_ruleset",
    "commendations",
    "communities",
    "edges_of",
    "expect_from",
    "facts_for",
    "grids",
    "incidents",
    "member_records",
    "members",
    "model_strategy",
    "monthly_records",
]
