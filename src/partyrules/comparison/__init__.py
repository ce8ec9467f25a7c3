"""Comparing a base and a reform rule set over one population: who moved, why, and what it does to grades, ranks
and funding, in two forms that give the same tables (tests/comparison/ checks them against each other):

- over score tables (:mod:`.table`, built from :mod:`.columns`, :mod:`.wide`, :mod:`.stats` and :mod:`.tau`):
  polars columns, every statistic an exact, mergeable partial;
- partitioned (:mod:`.partitioned`): the same partials merged across a Dask cluster (the ``distributed`` extra).

A single subject's comparison, breakdown against breakdown, is :func:`partyrules.analyse.diff.attribute`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .columns import (
    ALL,
    DEFAULT_BY,
    EPSILON,
    NONE_GROUP,
    NOT_APPLICABLE,
    TOP_RULES,
    ComparisonError,
    ContributionKey,
    comparison_keys,
    contribution_keys,
    grade_order,
    grouping_columns,
    groupings,
)
from .stats import ComparisonStats
from .table import Comparison, check_compare_options, compare, transition_matrix
from .tau import kendall_tau_b
from .wide import attribution_frame, moved_frame, wide_frame

if TYPE_CHECKING:
    from .partitioned import DistributedComparison, compare_distributed

__all__ = [
    "ALL",
    "DEFAULT_BY",
    "EPSILON",
    "NONE_GROUP",
    "NOT_APPLICABLE",
    "TOP_RULES",
    "Comparison",
    "ComparisonError",
    "ComparisonStats",
    "ContributionKey",
    "DistributedComparison",
    "attribution_frame",
    "check_compare_options",
    "compare",
    "compare_distributed",
    "comparison_keys",
    "contribution_keys",
    "grade_order",
    "grouping_columns",
    "groupings",
    "kendall_tau_b",
    "moved_frame",
    "transition_matrix",
    "wide_frame",
]

# the partitioned form imports the cluster side of partyrules.distributed: loaded on first use
_PARTITIONED = frozenset({"DistributedComparison", "compare_distributed"})


def __getattr__(name: str) -> object:
    if name not in _PARTITIONED:
        raise AttributeError(f"module 'partyrules.comparison' has no attribute {name!r}")
    from . import partitioned

    value = getattr(partitioned, name)
    globals()[name] = value
    return value
