"""Hypothesis strategies for testing rule sets, in one place: valid facts for any rule set, and valid rule sets.

- Facts (:mod:`.facts`, drawn from the fact models' own types by :mod:`.fields`): :func:`facts_for` draws the facts
  a rule set applies to, at the edges it cares about; :func:`subject_facts` draws a member's, branch's or
  community's bundle with every knob exposed; the parts (:func:`members`, :func:`member_records`,
  :func:`incidents`...) draw one fact each. Every value is validated by the models: what these draw is what a
  service could send.
- Rule sets (:mod:`.generated`, :mod:`.condition_sets`): :func:`generated_rulesets` draws member rule sets using
  every scoring method, whose expressions are monotone in :data:`MONOTONE_FIELDS`; :func:`condition_rulesets`
  draws rule sets whose rules test random conditions (:func:`conditions`) of the language's three-valued logic.
  Each drawn rule set keeps the expressions it was made of, so a test can compute what it must score.
"""

from __future__ import annotations

from .condition_sets import (
    INCIDENT_VALUES,
    RECORD_VALUES,
    SUBJECT_VALUES,
    Compare,
    Cond,
    ConditionRuleSet,
    Join,
    MemberOf,
    Not,
    Truth,
    condition_rulesets,
    conditions,
)
from .facts import (
    VERIFIER,
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
    monthly_records,
    subject_facts,
)
from .fields import NO_EDGES, model_strategy
from .generated import (
    EXPRESSIONS,
    GENERATED_EDGES,
    MONOTONE_FIELDS,
    GeneratedRuleSet,
    generated_rulesets,
)

__all__ = [
    "EXPRESSIONS",
    "GENERATED_EDGES",
    "INCIDENT_VALUES",
    "MONOTONE_FIELDS",
    "NO_EDGES",
    "RECORD_VALUES",
    "SUBJECT_VALUES",
    "VERIFIER",
    "Compare",
    "Cond",
    "ConditionRuleSet",
    "GeneratedRuleSet",
    "Join",
    "MemberOf",
    "Not",
    "Truth",
    "annual_evaluations",
    "branch_records",
    "branches",
    "commendations",
    "communities",
    "condition_rulesets",
    "conditions",
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
