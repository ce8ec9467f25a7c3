"""partyrules: assessment standards for grassroots Party organisations as declarative, explainable rule sets.

The pipeline, one package per stage::

    facts  ->  rulesets  ->  compile  ->  evaluate  ->  score  ->  explain
    (pydantic)  (YAML + expression language)  (durable-rules)  (points, grades)  (ScoreBreakdown)

Typical use::

    import partyrules as pr

    rs = pr.load_ruleset("rulesets/member-in-service.yaml", params={"organ_volunteer_hours": 150})
    breakdown = pr.evaluate(rs, member_facts, period="2026")
    print(breakdown.to_text("zh"))
"""

from __future__ import annotations

from .errors import (
    Diagnostic,
    EngineError,
    EvaluationError,
    ExpressionError,
    FactError,
    IncludeError,
    Location,
    NotApplicableError,
    ParameterError,
    PartyRulesError,
    PopulationError,
    RuleSetError,
    RuleSetLimitError,
    RuleSetSchemaError,
    RuleSetSyntaxError,
)
from .evaluate.evaluator import BatchResult, Evaluator, Failure, evaluate
from .evaluate.live import LiveSession
from .explain.breakdown import DimensionScore, Evidence, GradeResult, Line, ReasonCode, ScoreBreakdown
from .facts import (
    AnnualEvaluation,
    Branch,
    BranchFacts,
    BranchMonthRecord,
    Commendation,
    Community,
    CommunityFacts,
    Grid,
    Incident,
    Member,
    MemberFacts,
    MemberMonthRecord,
    SubDistrict,
    generate_subdistrict,
    parse_subject_facts,
    register_incident_kind,
)
from .periods import Month, Period
from .rulesets.loader import load_ruleset, loads_ruleset
from .rulesets.model import RuleSet
from .rulesets.yamlsafe import Limits
from .shipped_rulesets import shipped_ruleset_path

__version__ = "0.1.0"

__all__ = [
    "AnnualEvaluation",
    "BatchResult",
    "Branch",
    "BranchFacts",
    "BranchMonthRecord",
    "Commendation",
    "Community",
    "CommunityFacts",
    "Diagnostic",
    "DimensionScore",
    "EngineError",
    "EvaluationError",
    "Evaluator",
    "Evidence",
    "ExpressionError",
    "FactError",
    "Failure",
    "GradeResult",
    "Grid",
    "Incident",
    "IncludeError",
    "Limits",
    "Line",
    "LiveSession",
    "Location",
    "Member",
    "MemberFacts",
    "MemberMonthRecord",
    "Month",
    "NotApplicableError",
    "ParameterError",
    "PartyRulesError",
    "Period",
    "PopulationError",
    "ReasonCode",
    "RuleSet",
    "RuleSetError",
    "RuleSetLimitError",
    "RuleSetSchemaError",
    "RuleSetSyntaxError",
    "ScoreBreakdown",
    "SubDistrict",
    "__version__",
    "evaluate",
    "generate_subdistrict",
    "load_ruleset",
    "loads_ruleset",
    "parse_subject_facts",
    "register_incident_kind",
    "shipped_ruleset_path",
]
