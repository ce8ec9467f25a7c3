"""partyrules: assessment standards for grassroots Party organisations as declarative, explainable rule sets.

The pipeline, one package per stage::

    facts  ->  rulesets  ->  compile  ->  evaluate  ->  score  ->  explain  ->  cycle / analyse
    (pydantic)  (YAML + expression language)  (durable-rules; reference; polars columns)  (points, grades)
    (ScoreBreakdown)  (quarters, annual results, rankings, funding, ledger; reforms, diffs, what-if over
    populations, recourse)

``partyrules.testing`` (needs hypothesis) holds the strategies and property checks for users' own test suites.

Typical use::

    import partyrules as pr

    rs = pr.load_ruleset("rulesets/member-in-service.yaml", params={"organ_volunteer_hours": 150})
    breakdown = pr.evaluate(rs, member_facts, period="2026")
    print(breakdown.to_text("zh"))
"""

from __future__ import annotations

from .analyse.diff import RulesetDiff, diff_rulesets
from .analyse.recourse import Change, Recourse, recourse
from .analyse.reform import Reform, ReformError, apply_reform, compose, load_reform, loads_reform
from .cycle.annual import AnnualResult
from .cycle.followup import FollowUpError, Recommendation
from .cycle.funding import Allocation, FundingError, allocate
from .cycle.ledger import AuditEvent, Finalisation, Ledger, ObjectionRecord, Publication
from .cycle.objections import (
    LedgerError,
    LedgerIntegrityError,
    LedgerNotFoundError,
    LedgerStateError,
    ObjectionsPendingError,
    PeriodFinalisedError,
    ReproductionError,
    correct_record,
    retract_incident,
)
from .cycle.ranking import Rank, Ranked, RankingError, pair, priority_list, rank, warning_list
from .cycle.targets import StarTargets, check_star_targets, load_star_targets
from .cycle.year import YearOptions, YearResult, publish_quarters, run_year
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
from .evaluate.population import score_population
from .evaluate.reference import ReferenceEvaluator
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
    Objection,
    SubDistrict,
    generate_subdistrict,
    parse_subject_facts,
    register_incident_kind,
)
from .periods import Month, Period
from .population.frames import Population, facts_to_population
from .rulesets.lint import lint_ruleset
from .rulesets.loader import load_ruleset, loads_ruleset
from .rulesets.model import RuleSet
from .rulesets.yamlsafe import Limits
from .score.table import PopulationScores
from .shipped_rulesets import shipped_ruleset_path

__version__ = "0.1.0"

__all__ = [
    "Allocation",
    "AnnualEvaluation",
    "AnnualResult",
    "AuditEvent",
    "BatchResult",
    "Branch",
    "BranchFacts",
    "BranchMonthRecord",
    "Change",
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
    "Finalisation",
    "FollowUpError",
    "FundingError",
    "GradeResult",
    "Grid",
    "Incident",
    "IncludeError",
    "Ledger",
    "LedgerError",
    "LedgerIntegrityError",
    "LedgerNotFoundError",
    "LedgerStateError",
    "Limits",
    "Line",
    "LiveSession",
    "Location",
    "Member",
    "MemberFacts",
    "MemberMonthRecord",
    "Month",
    "NotApplicableError",
    "Objection",
    "ObjectionRecord",
    "ObjectionsPendingError",
    "ParameterError",
    "PartyRulesError",
    "Period",
    "PeriodFinalisedError",
    "Population",
    "PopulationError",
    "PopulationScores",
    "Publication",
    "Rank",
    "Ranked",
    "RankingError",
    "ReasonCode",
    "Recommendation",
    "Recourse",
    "ReferenceEvaluator",
    "Reform",
    "ReformError",
    "ReproductionError",
    "RuleSet",
    "RuleSetError",
    "RuleSetLimitError",
    "RuleSetSchemaError",
    "RuleSetSyntaxError",
    "RulesetDiff",
    "ScoreBreakdown",
    "StarTargets",
    "SubDistrict",
    "YearOptions",
    "YearResult",
    "__version__",
    "allocate",
    "apply_reform",
    "check_star_targets",
    "compose",
    "correct_record",
    "diff_rulesets",
    "evaluate",
    "facts_to_population",
    "generate_subdistrict",
    "lint_ruleset",
    "load_reform",
    "load_ruleset",
    "load_star_targets",
    "loads_reform",
    "loads_ruleset",
    "pair",
    "parse_subject_facts",
    "priority_list",
    "publish_quarters",
    "rank",
    "recourse",
    "register_incident_kind",
    "retract_incident",
    "run_year",
    "score_population",
    "shipped_ruleset_path",
    "warning_list",
]
