"""Scoring populations beyond one machine on Dask (the ``distributed`` extra: ``pip install
"partyrules[distributed]"``).

The pipeline is the single-machine one, run partition by partition on a Dask cluster: sources
(:func:`parquet_partitions`, :func:`dask_partitions`) -> :func:`score_distributed` -> whole-population steps that
merge per-partition partial results instead of gathering rows (:func:`rank_distributed`,
:func:`lists_distributed`, :func:`quota_distributed`, :func:`allocate_distributed`, :func:`diagnose_distributed`,
:func:`compare_distributed`). Every result equals the single-machine one. See ``docs/distributed.md``.

This package is the infrastructure (the cluster, sources, partitioned scoring and tables); each whole-population
step lives with its concept, beside its per-subject and table forms (``partyrules.ranking.partitioned`` and so on).
The steps stay importable from here, where the README and docs/distributed.md import them, and load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .cluster import client_for, connect
from .comparison import DistributedComparison, compare_distributed
from .diagnostics import diagnose_distributed
from .scoring import DistributedScores, PartitionResult, score_distributed
from .source import DistributedError, PartitionError, Partitions, dask_partitions, parquet_partitions
from .table import PartitionedFrame

if TYPE_CHECKING:
    from ..quota.partitioned import quota_distributed
    from ..ranking.partitioned import lists_distributed, rank_distributed

__all__ = [
    "DistributedComparison",
    "DistributedError",
    "DistributedScores",
    "PartitionError",
    "PartitionResult",
    "PartitionedFrame",
    "Partitions",
    "client_for",
    "compare_distributed",
    "connect",
    "dask_partitions",
    "diagnose_distributed",
    "lists_distributed",
    "parquet_partitions",
    "quota_distributed",
    "rank_distributed",
    "score_distributed",
]

# name -> the module of its concept package that defines it (they import this package: loaded on first use)
_STEPS = {
    "lists_distributed": "partyrules.ranking.partitioned",
    "quota_distributed": "partyrules.quota.partitioned",
    "rank_distributed": "partyrules.ranking.partitioned",
}


def __getattr__(name: str) -> object:
    module = _STEPS.get(name)
    if module is None:
        raise AttributeError(f"module 'partyrules.distributed' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_STEPS))
