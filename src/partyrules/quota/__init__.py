"""The 优秀 quota: at most a share of a branch's graded members keep the top grade; the overflow is demoted by
rank. Three forms that give the same grades (tests/quota/ checks them against each other):

- per subject, explained (:mod:`.subjects`): annual results, with a note to each demoted member;
- over score tables (:mod:`.table`): polars columns per branch;
- partitioned (:mod:`.partitioned`): a shuffle by branch on a Dask cluster (the ``distributed`` extra).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .subjects import Graded, apply_quota, quota_fraction
from .table import quota_frame

if TYPE_CHECKING:
    from .partitioned import quota_distributed

__all__ = ["Graded", "apply_quota", "quota_distributed", "quota_fraction", "quota_frame"]


def __getattr__(name: str) -> object:
    # the partitioned form imports the cluster side of partyrules.distributed: loaded on first use
    if name != "quota_distributed":
        raise AttributeError(f"module 'partyrules.quota' has no attribute {name!r}")
    from .partitioned import quota_distributed

    globals()[name] = quota_distributed
    return quota_distributed
