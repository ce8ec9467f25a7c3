"""Funding by index (以奖代补): a pool of money shared among branches by their scores, in integer fen, in three
forms that give the same amounts to the fen (tests/funding/ checks them against each other):

- per subject, explained (:mod:`.subjects`): a line for each branch saying its index, basis, quota and amount;
- over a table (:mod:`.table`): polars columns (``subject_id, score, vetoed``), for millions;
- partitioned (:mod:`.partitioned`): the same allocation over a Dask cluster (the ``distributed`` extra).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .subjects import (
    PARAM_BRANCH_WEIGHT,
    PARAM_MEMBERS_WEIGHT,
    Allocation,
    BranchIndices,
    FundingError,
    FundingLine,
    IndexWeights,
    NoEligibleError,
    allocate,
    fmt_yuan,
)
from .table import allocate_frame, check_funding_options, check_funding_scores, funding_entries

if TYPE_CHECKING:
    from .partitioned import allocate_distributed

__all__ = [
    "PARAM_BRANCH_WEIGHT",
    "PARAM_MEMBERS_WEIGHT",
    "Allocation",
    "BranchIndices",
    "FundingError",
    "FundingLine",
    "IndexWeights",
    "NoEligibleError",
    "allocate",
    "allocate_distributed",
    "allocate_frame",
    "check_funding_options",
    "check_funding_scores",
    "fmt_yuan",
    "funding_entries",
]


def __getattr__(name: str) -> object:
    # the partitioned form imports the cluster side of partyrules.distributed: loaded on first use
    if name != "allocate_distributed":
        raise AttributeError(f"module 'partyrules.funding' has no attribute {name!r}")
    from .partitioned import allocate_distributed

    globals()[name] = allocate_distributed
    return allocate_distributed
