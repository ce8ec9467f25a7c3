"""The backends that evaluate rule sets (engine, reference, vectorised) and their façade."""

from ..score.table import set_explainer
from .backend import BatchResult, Failure
from .evaluator import Evaluator, evaluate

__all__ = ["BatchResult", "Evaluator", "Failure", "evaluate"]

# A score table explains any of its rows with the engine; the table lives in the score layer below this one,
# so the engine is installed there from here (score must not import evaluate).
set_explainer(lambda ruleset, facts, period: Evaluator(ruleset).evaluate(facts, period))
