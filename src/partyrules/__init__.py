"""partyrules: assessment standards for grassroots Party organisations as declarative, explainable rule sets.

The pipeline, one package per stage::

    facts  ->  rulesets  ->  compile  ->  evaluate  ->  score  ->  explain  ->  cycle / analyse
    (pydantic)  (YAML + expression language)  (durable-rules; reference; polars columns)  (points, grades)
    (ScoreBreakdown)  (quarters, annual results, rankings, funding, ledger; reforms, diffs, what-if over
    populations, recourse)

The top level holds the names a user needs first: loading and checking rule sets, the facts models, evaluating
one subject or a population, the year, reforms and comparisons, and the errors callers catch most. Every other name
lives in its package (``partyrules.ranking.rank``, ``partyrules.funding.allocate``, ``partyrules.errors.LedgerError``,
``partyrules.synthetic.generate_subdistrict``, ``partyrules.analyse.diagnostics.diagnose``...); docs/architecture.md
lists them. ``partyrules.testing`` (needs hypothesis) holds the strategies and property checks for users' own test
suites.

Typical use::

    import partyrules as pr

    rs = pr.load_ruleset("rulesets/member-in-service.yaml", params={"organ_volunteer_hours": 150})
    breakdown = pr.evaluate(rs, member_facts, period="2026")
    print(breakdown.to_text("zh"))
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING

from .errors import EvaluationError, FactError, NotApplicableError, PartyRulesError, PopulationError, RuleSetError
from .periods import Period
from .version import __version__

__all__ = [
    "AnnualEvaluation",
    "Branch",
    "BranchFacts",
    "BranchMonthRecord",
    "Commendation",
    "Community",
    "CommunityFacts",
    "Comparison",
    "DimensionScore",
    "EvaluationError",
    "Evaluator",
    "Evidence",
    "FactError",
    "GradeResult",
    "Incident",
    "Line",
    "LiveSession",
    "Member",
    "MemberFacts",
    "MemberMonthRecord",
    "NotApplicableError",
    "PartyRulesError",
    "Period",
    "Population",
    "PopulationError",
    "PopulationScores",
    "RuleSet",
    "RuleSetError",
    "ScoreBreakdown",
    "YearOptions",
    "YearResult",
    "__version__",
    "apply_reform",
    "compare",
    "evaluate",
    "facts_to_population",
    "lint_ruleset",
    "load_reform",
    "load_ruleset",
    "loads_ruleset",
    "parse_subject_facts",
    "read_population",
    "run_year",
    "score_population",
    "shipped_ruleset_path",
]

if TYPE_CHECKING:
    # What type checkers see of the names below that load on first use (_LAZY): their real types, not `object`.
    # tests/architecture/test_types.py checks that this block and _LAZY name the same things.
    from .analyse.reform import apply_reform, load_reform
    from .comparison import Comparison, compare
    from .cycle.year import YearOptions, YearResult, run_year
    from .evaluate.evaluator import Evaluator, evaluate
    from .evaluate.live import LiveSession
    from .evaluate.population import score_population
    from .facts import (
        AnnualEvaluation,
        Branch,
        BranchFacts,
        BranchMonthRecord,
        Commendation,
        Community,
        CommunityFacts,
        Incident,
        Member,
        MemberFacts,
        MemberMonthRecord,
        parse_subject_facts,
    )
    from .population.frames import Population, facts_to_population
    from .population.io import read_population
    from .results import DimensionScore, Evidence, GradeResult, Line, ScoreBreakdown
    from .rulesets.lint import lint_ruleset
    from .rulesets.loader import load_ruleset, loads_ruleset
    from .rulesets.model import RuleSet
    from .score.table import PopulationScores
    from .shipped_rulesets import shipped_ruleset_path

# Every public name but the errors, Period and the version loads on first use (PEP 562): `import partyrules` is then
# the standard library only (a few milliseconds, not the seconds pydantic, the engine and the rule-set models take),
# so a command, a service worker or a notebook pays for the parts it uses. Comparing score tables also needs polars
# (the analysis extra), which a service scoring subjects one at a time need not install.
_LAZY = {
    "apply_reform": "analyse.reform",
    "load_reform": "analyse.reform",
    "Comparison": "comparison",
    "compare": "comparison",
    "YearOptions": "cycle.year",
    "YearResult": "cycle.year",
    "run_year": "cycle.year",
    "Evaluator": "evaluate.evaluator",
    "evaluate": "evaluate.evaluator",
    "LiveSession": "evaluate.live",
    "score_population": "evaluate.population",
    "AnnualEvaluation": "facts",
    "Branch": "facts",
    "BranchFacts": "facts",
    "BranchMonthRecord": "facts",
    "Commendation": "facts",
    "Community": "facts",
    "CommunityFacts": "facts",
    "Incident": "facts",
    "Member": "facts",
    "MemberFacts": "facts",
    "MemberMonthRecord": "facts",
    "parse_subject_facts": "facts",
    "Population": "population.frames",
    "facts_to_population": "population.frames",
    "read_population": "population.io",
    "DimensionScore": "results",
    "Evidence": "results",
    "GradeResult": "results",
    "Line": "results",
    "ScoreBreakdown": "results",
    "lint_ruleset": "rulesets.lint",
    "load_ruleset": "rulesets.loader",
    "loads_ruleset": "rulesets.loader",
    "RuleSet": "rulesets.model",
    "PopulationScores": "score.table",
    "shipped_ruleset_path": "shipped_rulesets",
}

# Names that were at the top level until this release, and the module each lives in now. They still resolve, with a
# DeprecationWarning naming the new home, so that user code keeps working for a release; they are in neither
# __all__ nor dir(). tests/test_public_api.py checks each resolves to the object its home holds.
_MOVED = {
    # errors: partyrules.errors holds every exception class
    **dict.fromkeys(
        ("ComparisonError", "Diagnostic", "DistributedError", "EngineError", "ExpressionError", "FollowUpError",
         "ForeignConductError", "FundingError", "IncludeError", "LedgerError", "LedgerIntegrityError",
         "LedgerNotFoundError", "LedgerStateError", "Location", "NotInForceError", "ObjectionsPendingError",
         "ParameterError", "PartitionError", "PeriodFinalisedError", "RankingError", "ReformError",
         "ReproductionError", "RuleSetLimitError", "RuleSetSchemaError", "RuleSetSyntaxError"),
        "partyrules.errors",
    ),
    # facts, periods, results, rule sets
    "Grid": "partyrules.facts",
    "Objection": "partyrules.facts",
    "register_incident_kind": "partyrules.facts",
    "exemplary_branch": "partyrules.facts.exemplary",
    "exemplary_member": "partyrules.facts.exemplary",
    "Month": "partyrules.periods",
    "ReasonCode": "partyrules.results",
    "Limits": "partyrules.rulesets",
    # evaluation backends and batches
    "BatchResult": "partyrules.evaluate",
    "Failure": "partyrules.evaluate",
    "ReferenceEvaluator": "partyrules.evaluate.reference",
    "VectorEvaluator": "partyrules.evaluate.vector",
    # populations and synthetic data
    "PopulationRead": "partyrules.population",
    "RowProblem": "partyrules.population",
    "population_from_frames": "partyrules.population",
    "write_population": "partyrules.population",
    "SubDistrict": "partyrules.synthetic",
    "generate_subdistrict": "partyrules.synthetic",
    "generate_population": "partyrules.synthetic",
    "write_generated": "partyrules.synthetic",
    # the uses of results: ranking, funding, comparison across partitions, distributed scoring
    "Rank": "partyrules.ranking",
    "Ranked": "partyrules.ranking",
    "rank": "partyrules.ranking",
    "pair": "partyrules.ranking",
    "priority_list": "partyrules.ranking",
    "warning_list": "partyrules.ranking",
    "Allocation": "partyrules.funding",
    "allocate": "partyrules.funding",
    "compare_distributed": "partyrules.comparison",
    "score_distributed": "partyrules.distributed",
    # the cycle: the year's parts, star targets, follow-up, objections and the ledger
    "AnnualResult": "partyrules.cycle.annual",
    "publish_quarters": "partyrules.cycle.publication",
    "Recommendation": "partyrules.cycle.followup",
    "StarTargets": "partyrules.cycle.targets",
    "check_star_targets": "partyrules.cycle.targets",
    "load_star_targets": "partyrules.cycle.targets",
    "correct_record": "partyrules.cycle.objections",
    "retract_incident": "partyrules.cycle.objections",
    "AuditEvent": "partyrules.cycle.ledger",
    "Finalisation": "partyrules.cycle.ledger",
    "Ledger": "partyrules.cycle.ledger",
    "ObjectionRecord": "partyrules.cycle.ledger",
    "Publication": "partyrules.cycle.ledger",
    # analysis: reforms, diffs, recourse, diagnostics, fairness, reports and plots
    "Reform": "partyrules.analyse.reform",
    "compose": "partyrules.analyse.reform",
    "loads_reform": "partyrules.analyse.reform",
    "RulesetDiff": "partyrules.analyse.diff",
    "diff_rulesets": "partyrules.analyse.diff",
    "Change": "partyrules.analyse.recourse",
    "Recourse": "partyrules.analyse.recourse",
    "recourse": "partyrules.analyse.recourse",
    "Diagnostics": "partyrules.analyse.diagnostics",
    "diagnose": "partyrules.analyse.diagnostics",
    "FairnessReport": "partyrules.analyse.fairness",
    "fairness": "partyrules.analyse.fairness",
    "comparison_report": "partyrules.analyse.report",
    "write_report": "partyrules.analyse.report",
    "plot_diagnostics": "partyrules.analyse.plots",
    "plot_distribution": "partyrules.analyse.plots",
    "plot_transitions": "partyrules.analyse.plots",
}


def __getattr__(name: str) -> object:
    import importlib

    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(f".{module}", __name__), name)
        globals()[name] = value
        return value
    home = _MOVED.get(name)
    if home is None:
        raise AttributeError(f"module 'partyrules' has no attribute {name!r}")
    import warnings

    # not cached in globals(): every use warns, and dir() keeps showing only the curated names
    warnings.warn(
        f"partyrules.{name} has moved: import it from {home} (from {home} import {name}); "
        "the top-level name will be removed in the next release",
        DeprecationWarning,
        stacklevel=2,
    )
    return getattr(importlib.import_module(home), name)


class _Package(types.ModuleType):
    """The package's module type: ``partyrules.evaluate`` is the function, as it has always been, though the
    import system binds the subpackage of that name here when anything imports it (the function then loads on
    first use like every other name)."""

    def __setattr__(self, name: str, value: object) -> None:
        if name in _LAZY and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
