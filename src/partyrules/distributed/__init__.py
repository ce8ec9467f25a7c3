"""Scoring populations beyond one machine on Dask (the ``distributed`` extra: ``pip install
"partyrules[distributed]"``).

The pipeline is the single-machine one, run partition by partition on a Dask cluster: sources
(:func:`parquet_partitions`, :func:`dask_partitions`) -> :func:`score_distributed` -> whole-population steps that
merge per-partition partial results instead of gathering rows. Every result equals the single-machine one. See
``docs/distributed.md``.

This package is the infrastructure: the cluster, sources, partitioned scoring and tables. Each whole-population
step lives with its concept, beside its per-subject and table forms, and imports this package:
:func:`partyrules.ranking.rank_distributed` and ``lists_distributed``, :func:`partyrules.quota.quota_distributed`,
:func:`partyrules.funding.allocate_distributed`, :func:`partyrules.comparison.compare_distributed` and
:func:`partyrules.analyse.diagnostics_partitioned.diagnose_distributed`.
"""

from __future__ import annotations

from .cluster import client_for, connect
from .scoring import DistributedScores, PartitionResult, score_distributed
from .source import DistributedError, PartitionError, Partitions, dask_partitions, parquet_partitions
from .table import PartitionedFrame

__all__ = [
    "DistributedError",
    "DistributedScores",
    "PartitionError",
    "PartitionResult",
    "PartitionedFrame",
    "Partitions",
    "client_for",
    "connect",
    "dask_partitions",
    "parquet_partitions",
    "score_distributed",
]
