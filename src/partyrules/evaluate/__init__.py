"""The backends that evaluate rule sets (engine, reference, vectorised) and their façade."""

from ..score.table import set_explainer
from .evaluator import Evaluator

# A score table explains any of its rows with the engine; the table lives in the score layer below this one,
# so the engine is installed there from here (score must not import evaluate).
set_explainer(lambda ruleset, facts, period: Evaluator(ruleset).evaluate(facts, period))
