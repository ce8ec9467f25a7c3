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

from typing import TYPE_CHECKING

from .analyse.diff import RulesetDiff, diff_rulesets
from .analyse.recourse import Change, Recourse, recourse
from .analyse.reform import Reform, ReformError, apply_reform, compose, load_reform, loads_reform
from .cycle.annual import AnnualResult
from .cycle.followup import FollowUpError, Recommendation
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
from .cycle.targets import StarTargets, check_star_targets, load_star_targets
from .cycle.year import YearOptions, YearResult, publish_quarters, run_year
from .errors import (
    Diagnostic,
    EngineError,
    EvaluationError,
    ExpressionError,
    FactError,
    ForeignConductError,
    IncludeError,
    Location,
    NotApplicableError,
    NotInForceError,
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
    parse_subject_facts,
    register_incident_kind,
)
from .facts.exemplary import exemplary_branch, exemplary_member
from .funding import Allocation, FundingError, allocate
from .periods import Month, Period
from .population.frames import Population, facts_to_population
from .population.io import PopulationRead, RowProblem, population_from_frames, read_population, write_population
from .ranking import Rank, Ranked, RankingError, pair, priority_list, rank, warning_list
from .results import DimensionScore, Evidence, GradeResult, Line, ReasonCode, ScoreBreakdown
from .rulesets.lint import lint_ruleset
from .rulesets.loader import load_ruleset, loads_ruleset
from .rulesets.model import RuleSet
from .rulesets.yamlsafe import Limits
from .score.table import PopulationScores
from .shipped_rulesets import shipped_ruleset_path
from .synthetic import SubDistrict, generate_subdistrict
from .version import __version__

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
    "Comparison",
    "ComparisonError",
    "Diagnostic",
    "Diagnostics",
    "DimensionScore",
    "DistributedError",
    "EngineError",
    "EvaluationError",
    "Evaluator",
    "Evidence",
    "ExpressionError",
    "FactError",
    "Failure",
    "FairnessReport",
    "Finalisation",
    "FollowUpError",
    "ForeignConductError",
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
    "NotInForceError",
    "Objection",
    "ObjectionRecord",
    "ObjectionsPendingError",
    "ParameterError",
    "PartitionError",
    "PartyRulesError",
    "Period",
    "PeriodFinalisedError",
    "Population",
    "PopulationError",
    "PopulationRead",
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
    "RowProblem",
    "RuleSet",
    "RuleSetError",
    "RuleSetLimitError",
    "RuleSetSchemaError",
    "RuleSetSyntaxError",
    "RulesetDiff",
    "ScoreBreakdown",
    "StarTargets",
    "SubDistrict",
    "VectorEvaluator",
    "YearOptions",
    "YearResult",
    "__version__",
    "allocate",
    "apply_reform",
    "check_star_targets",
    "compare",
    "compare_distributed",
    "comparison_report",
    "compose",
    "correct_record",
    "diagnose",
    "diff_rulesets",
    "evaluate",
    "exemplary_branch",
    "exemplary_member",
    "facts_to_population",
    "fairness",
    "generate_population",
    "generate_subdistrict",
    "lint_ruleset",
    "load_reform",
    "load_ruleset",
    "load_star_targets",
    "loads_reform",
    "loads_ruleset",
    "pair",
    "parse_subject_facts",
    "plot_diagnostics",
    "plot_distribution",
    "plot_transitions",
    "population_from_frames",
    "priority_list",
    "publish_quarters",
    "rank",
    "read_population",
    "recourse",
    "register_incident_kind",
    "retract_incident",
    "run_year",
    "score_distributed",
    "score_population",
    "shipped_ruleset_path",
    "warning_list",
    "write_generated",
    "write_population",
    "write_report",
]

if TYPE_CHECKING:
    # What type checkers see of the names below that load on first use (_LAZY): their real types, not `object`.
    # tests/architecture/test_types.py checks that this block and _LAZY name the same things.
    from .analyse.diagnostics import Diagnostics, diagnose
    from .analyse.fairness import FairnessReport, fairness
    from .analyse.plots import plot_diagnostics, plot_distribution, plot_transitions
    from .analyse.report import comparison_report, write_report
    from .comparison import Comparison, ComparisonError, compare
    from .comparison.partitioned import compare_distributed
    from .distributed.scoring import score_distributed
    from .distributed.source import DistributedError, PartitionError
    from .evaluate.vector import VectorEvaluator
    from .synthetic.tables import generate_population, write_generated

# The analysis side needs numpy, polars, scipy and matplotlib (the analysis extra); a service that only scores
# subjects one at a time must be able to import partyrules without them, so these names load on first use.
_LAZY = {
    "generate_population": "synthetic.tables",
    "write_generated": "synthetic.tables",
    "Comparison": "comparison",
    "ComparisonError": "comparison",
    "compare": "comparison",
    "Diagnostics": "analyse.diagnostics",
    "diagnose": "analyse.diagnostics",
    "plot_distribution": "analyse.plots",
    "plot_transitions": "analyse.plots",
    "plot_diagnostics": "analyse.plots",
    "comparison_report": "analyse.report",
    "write_report": "analyse.report",
    "VectorEvaluator": "evaluate.vector",
    "fairness": "analyse.fairness",
    "FairnessReport": "analyse.fairness",
    # the distributed extra (dask): partyrules.distributed has the rest
    "DistributedError": "distributed.source",
    "PartitionError": "distributed.source",
    "score_distributed": "distributed.scoring",
    "compare_distributed": "comparison.partitioned",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'partyrules' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
