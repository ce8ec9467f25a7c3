"""Diagnostics of a rule set over a population scored on a cluster: each partition's exact partial statistics
(:func:`partyrules.analyse.diagnostics.diagnostic_partial`, a few integers per rule, never a row) are added up
here and finished as on one machine, so the result equals :func:`.diagnostics.diagnose` on the whole table."""

from __future__ import annotations

from ..distributed.cluster import gather, worker_modules
from ..distributed.scoring import DistributedScores
from ..distributed.table import share
from ..errors import PartyRulesError
from .diagnostics import (
    Diagnostics,
    check_diagnose_options,
    diagnostic_partial,
    diagnostics_from_partial,
    merge_diagnostic_partials,
)

__all__ = ["diagnose_distributed"]

worker_modules("partyrules.analyse.diagnostics")  # the partials run on the workers


def diagnose_distributed(scores: DistributedScores, *, window: float = 2.0, alpha: float = 0.01,
                         population_size: int | None = None) -> Diagnostics:
    """:func:`.diagnostics.diagnose` over a distributed score table (same arguments; ``population_size`` adds the
    population's size to ``coverage``, as ``population=`` does there)."""
    if not isinstance(scores, DistributedScores):
        raise PartyRulesError(f"diagnose_distributed needs DistributedScores, got {type(scores).__name__}",
                              hint="score with partyrules.distributed.score_distributed")
    check_diagnose_options(window, alpha)
    rs = share(scores.client, scores.ruleset)
    partials = gather(scores.client, scores.map(_partial, rs, window))
    coverage = {"scored": len(scores), "not_applicable": len(scores.not_applicable),
                "failed": len(scores.failures)}
    if population_size is not None:
        coverage["population"] = population_size
    return diagnostics_from_partial(merge_diagnostic_partials(partials), scores.ruleset, coverage=coverage,
                                    alpha=alpha, period=scores.period)


def _partial(frame: object, ruleset: object, window: float) -> object:
    return diagnostic_partial(frame, ruleset, window=window)  # type: ignore[arg-type]
