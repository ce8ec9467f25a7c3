"""Scoring populations beyond one machine on Dask (the ``distributed`` extra: ``pip install
"partyrules[distributed]"``).

The pipeline is the single-machine one, run partition by partition on a Dask cluster: sources
(:func:`parquet_partitions`, :func:`dask_partitions`) -> :func:`score_distributed` -> whole-population steps that
merge per-partition partial results instead of gathering rows (:func:`rank_distributed`,
:func:`lists_distributed`, :func:`quota_distributed`, :func:`allocate_distributed`, :func:`diagnose_distributed`,
:func:`compare_distributed`). Every result equals the single-machine one. See ``docs/distributed.md``.
"""

from .cluster import client_for, connect
from .comparison import DistributedComparison, compare_distributed
from .diagnostics import diagnose_distributed
from .funding import allocate_distributed, funding_entries
from .scoring import DistributedScores, PartitionResult, score_distributed
from .source import DistributedError, PartitionError, Partitions, dask_partitions, parquet_partitions
from .standing import lists_distributed, quota_distributed, rank_distributed
from .table import PartitionedFrame

__all__ = [
    "DistributedComparison",
    "DistributedError",
    "DistributedScores",
    "PartitionError",
    "PartitionResult",
    "PartitionedFrame",
    "Partitions",
    "allocate_distributed",
    "client_for",
    "compare_distributed",
    "connect",
    "dask_partitions",
    "diagnose_distributed",
    "funding_entries",
    "lists_distributed",
    "parquet_partitions",
    "quota_distributed",
    "rank_distributed",
    "score_distributed",
]
