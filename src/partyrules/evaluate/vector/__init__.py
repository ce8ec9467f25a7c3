"""The vectorised backend: one rule set over a whole population's columns with polars.

It decides what the other backends decide, in the same words (see :mod:`partyrules.evaluate.reference` for the
firing semantics), but for every subject at once:

1. the facts are put in front of the rules exactly as :func:`~partyrules.evaluate.context.build_context` does it:
   only verified incidents and commendations within the period; a subject whose records or annual evaluation fall
   outside the period is reported as a failure, not scored;
2. every aggregation is one group-by over its item table, joined back to the subject frame (inner aggregations
   first); a rule that fires once per matching item counts (or sums) its items the same way;
3. points, floors, subtotals, totals and grades are columns (:mod:`partyrules.score.vector`).

The result is a :class:`~partyrules.score.table.PopulationScores`, identical to the engine's (the tests prove it
on generated populations for every shipped rule set), and any subject's full breakdown is produced on demand.
"""

from .evaluator import DEFAULT_CHUNK, ITEM_KEYS, ITEM_ORDER, VectorBackend, VectorEvaluator
from .groups import seq_group_sums

__all__ = ["DEFAULT_CHUNK", "ITEM_KEYS", "ITEM_ORDER", "VectorBackend", "VectorEvaluator", "seq_group_sums"]
