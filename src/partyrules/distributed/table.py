"""A table held on a Dask cluster as one polars DataFrame per partition (Dask futures), in partition order."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cluster import gather

if TYPE_CHECKING:
    import dask.dataframe as dd
    import polars as pl

    from distributed import Client, Future

__all__ = ["PartitionedFrame", "share"]


def _value(value: Any) -> Any:
    return value


def share(client: Client, value: Any) -> Future:
    """``value`` on the cluster for many tasks to read, as a task that returns it rather than scattered data:
    a scattered value lost with its last worker is gone for good, a task's result is recomputed."""
    return client.submit(_value, value, pure=False)


def _height(frame: pl.DataFrame) -> int:
    return frame.height


def _to_pandas(frame: pl.DataFrame) -> Any:
    return frame.to_pandas()


def _write(frame: pl.DataFrame, path: str) -> str:
    frame.write_parquet(path)
    return path


def _head(frame: pl.DataFrame, n: int) -> pl.DataFrame:
    return frame.head(n)


@dataclass
class PartitionedFrame:
    """Per-partition results that stay where they were computed; bring them here only when they are small."""

    client: Client
    partitions: list[Future]
    # the inputs (shared values, upstream results) the partitions were computed from: held so that Dask can
    # recompute a partition lost with its worker
    inputs: list[Any] = field(default_factory=list, repr=False)

    @property
    def npartitions(self) -> int:
        return len(self.partitions)

    def __len__(self) -> int:
        return sum(gather(self.client, self.client.map(_height, self.partitions, pure=False), "counting the rows"))

    def map(self, fn: Callable[..., Any], *args: Any) -> list[Future]:
        """``fn(partition, *args)`` on every partition, on its worker (each argument is given to every call)."""
        return self.client.map(fn, self.partitions, *[[a] * len(self.partitions) for a in args], pure=False)

    def map_frame(self, fn: Callable[..., pl.DataFrame], *args: Any) -> PartitionedFrame:
        return PartitionedFrame(self.client, self.map(fn, *args), [self, *self.inputs])

    def iter_partitions(self) -> Iterator[pl.DataFrame]:
        """Each partition brought here in turn (one in memory at a time)."""
        for fut in self.partitions:
            yield gather(self.client, [fut], "bringing a partition here")[0]

    def compute(self) -> pl.DataFrame:
        """All partitions here as one polars DataFrame, in partition order: only for what fits in memory."""
        import polars as pl

        return pl.concat(list(self.iter_partitions()), how="vertical")

    def head(self, n: int = 5) -> pl.DataFrame:
        return gather(self.client, [self.client.submit(_head, self.partitions[0], n)], "the first rows")[0]

    @property
    def frame(self) -> dd.DataFrame:
        """The table as a Dask DataFrame (pandas partitions)."""
        import dask
        import dask.dataframe as dd

        meta = self.head(0).to_pandas()
        return dd.from_delayed([dask.delayed(_to_pandas)(f) for f in self.partitions], meta=meta,
                               verify_meta=False)

    def to_parquet(self, directory: str | Path, name: str = "part") -> list[Path]:
        """Write partition ``i`` to ``<directory>/<name>-<i>.parquet`` from its worker (use a directory that every
        worker can reach: a shared file system on a real cluster)."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        paths = [str(out / f"{name}-{i:05d}.parquet") for i in range(len(self.partitions))]
        futs = self.client.map(_write, self.partitions, paths, pure=False)
        return [Path(p) for p in gather(self.client, futs, "writing the partitions")]
