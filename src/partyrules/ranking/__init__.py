"""Ranking: where each subject stands in its pool and across the sub-district, and the warning and priority lists
cut from the ranks, in three forms that give the same numbers (tests/ranking/ checks them against each other):

- per subject, explained (:mod:`.subjects`, :mod:`.pairing`): small frozen values, a sentence for each rank;
- over score tables (:mod:`.table`): polars columns from counts per (pool, vetoed, score), for millions;
- partitioned (:mod:`.partitioned`): the same counts merged across a Dask cluster (the ``distributed`` extra).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .pairing import Pairing, Pairings, pair
from .subjects import (
    DEFAULT_POOL,
    DEFAULT_SHARE,
    ListEntry,
    PoolCut,
    Rank,
    Ranked,
    RankingError,
    RankList,
    fmt_score,
    priority_list,
    rank,
    score_key,
    warning_list,
)
from .table import apply_ranks, cut_lists, list_members, merge_counts, rank_counts, rank_scores, rank_table

if TYPE_CHECKING:
    from .partitioned import COUNTS_LIMIT, lists_distributed, rank_distributed

__all__ = [
    "COUNTS_LIMIT",
    "DEFAULT_POOL",
    "DEFAULT_SHARE",
    "ListEntry",
    "Pairing",
    "Pairings",
    "PoolCut",
    "Rank",
    "RankList",
    "Ranked",
    "RankingError",
    "apply_ranks",
    "cut_lists",
    "fmt_score",
    "list_members",
    "lists_distributed",
    "merge_counts",
    "pair",
    "priority_list",
    "rank",
    "rank_counts",
    "rank_distributed",
    "rank_scores",
    "rank_table",
    "score_key",
    "warning_list",
]

# The partitioned form imports the cluster side of partyrules.distributed; it loads on first use, so that ranking a
# few subjects never needs it.
_PARTITIONED = frozenset({"COUNTS_LIMIT", "lists_distributed", "rank_distributed"})


def __getattr__(name: str) -> object:
    if name not in _PARTITIONED:
        raise AttributeError(f"module 'partyrules.ranking' has no attribute {name!r}")
    from . import partitioned

    value = getattr(partitioned, name)
    globals()[name] = value
    return value
