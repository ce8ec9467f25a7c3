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
