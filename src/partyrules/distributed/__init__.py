"""Scoring populations beyond one machine on Dask (the ``distributed`` extra: ``pip install
"partyrules[distributed]"``).

The pipeline is the single-machine one, run partition by partition on a Dask cluster: sources
(:func:`parquet_partitions`, :func:`dask_partitions`) -> :func:`score_distributed` -> whole-population steps that
merge per-partition partial results instead of gathering rows. See ``docs/distributed.md``.
"""

from .cluster import client_for, connect
from .scoring import DistributedScores, PartitionResult, score_distributed
from .source import DistributedError, PartitionError, Partitions, dask_partitions, parquet_partitions

__all__ = [
    "DistributedError",
    "DistributedScores",
    "PartitionError",
    "PartitionResult",
    "Partitions",
    "client_for",
    "connect",
    "dask_partitions",
    "parquet_partitions",
    "score_distributed",
]
