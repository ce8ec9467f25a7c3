"""Where a distributed population comes from: its partitions, each a whole set of subjects with all their rows.

Scoring is partition by partition, so a partition must hold every row of each of its subjects: a subject's
records split over two partitions would be scored twice, half each time. Two sources give that:

- :func:`parquet_partitions`: a directory of numbered table parts, ``subjects-00000.parquet``,
  ``records-00000.parquet``, ... as :func:`partyrules.synthetic.write_generated` writes them. Part ``i``
  of every table is partition ``i``; each worker reads its own files, so no row passes through the client. A row
  whose subject sits in another part is found and refused (:class:`PartitionError`), never scored wrongly.
- :func:`dask_partitions`: one :class:`dask.dataframe.DataFrame` per table, as a user already holds them. The
  tables are shuffled by a hash of the subject id (Dask's own shuffle, spread over the workers), so each
  partition holds whole subjects; each row keeps its original position, so that every subject's rows are
  scored in the order the single-machine path scores them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DistributedError, PartitionError
from ..population.frames import SUBJECT_FIELD, SUBJECT_TABLE, layout

if TYPE_CHECKING:
    import dask.dataframe as dd

__all__ = ["DistributedError", "PartitionError", "Partitions", "dask_partitions", "parquet_partitions"]

POSITION = "_partyrules_position"  # a row's place in its original table: (source partition, row) as one int
PART_KEY = "_partyrules_part"
SPAN = 1 << 40  # rows per source partition the position can tell apart


@dataclass
class Partitions:
    """The partitions of one population: either files per table per partition (``files``) or co-partitioned Dask
    DataFrames (``frames``), never both. ``kind`` is the subject kind."""

    kind: str
    files: list[dict[str, list[str]]] = field(default_factory=list)
    frames: dict[str, Any] = field(default_factory=dict)  # table -> dask DataFrame, co-partitioned by subject
    origin: str = ""

    @property
    def npartitions(self) -> int:
        if self.files:
            return len(self.files)
        return int(self.frames[SUBJECT_TABLE].npartitions) if self.frames else 0

    def describe(self, index: int) -> str:
        """Where partition ``index`` comes from, for messages."""
        if self.files:
            return ", ".join(Path(f).name for fs in self.files[index].values() for f in fs[:1]) or self.origin
        return f"{self.origin} partition {index}"


def _guess_kind(columns: list[str], where: str) -> str:
    for kind in ("member", "branch", "community"):
        if f"{SUBJECT_FIELD[kind]}_id" in columns:
            return kind
    raise DistributedError(f"{where}: cannot tell the subject kind (no member_id, branch_id or community_id column)",
                           hint="pass subject_kind='member', 'branch' or 'community'")


def parquet_partitions(directory: str | Path, subject_kind: str | None = None) -> Partitions:
    """The partitions of a directory of numbered Parquet table parts (``<table>-<number>.parquet``).

    Part numbers are matched across tables: every table's part ``i`` goes with ``subjects-i``. A table with no
    part ``i`` has no rows in that partition. A directory of unnumbered tables (``subjects.parquet``) is one
    partition. Raises :class:`DistributedError` for a part with no subjects part to go with, or an unknown table.
    """
    import polars as pl

    root = Path(directory)
    if not root.is_dir():
        raise DistributedError(f"{root}: not a directory", hint="give the directory of the Parquet table parts")
    pattern = re.compile(r"^(?P<table>[a-z_]+)(?:-(?P<part>[0-9]+))?\.parquet$")
    found: dict[str, dict[int, str]] = {}
    for p in sorted(root.iterdir()):
        m = pattern.match(p.name)
        if not m or not p.is_file():
            continue
        part = int(m["part"]) if m["part"] is not None else -1
        found.setdefault(m["table"], {})[part] = str(p)
    subjects = found.get(SUBJECT_TABLE)
    if not subjects:
        raise DistributedError(f"{root}: no subjects parquet files", hint="the subjects table is required")
    if -1 in subjects and len(subjects) > 1:
        raise DistributedError(f"{root}: both subjects.parquet and numbered subjects parts",
                               hint="keep one layout: whole tables or numbered parts")
    first = next(iter(subjects.values()))
    kind = subject_kind or _guess_kind(list(pl.read_parquet_schema(first)), first)
    known = layout(kind)
    unknown = sorted(set(found) - set(known))
    if unknown:
        raise DistributedError(f"{root}: unknown table(s) {', '.join(unknown)}",
                               hint="tables are named " + ", ".join(known))
    for table, parts in found.items():
        orphans = sorted(set(parts) - set(subjects))
        if orphans:
            raise DistributedError(f"{root}: {table} has part(s) {orphans[:5]} with no subjects part",
                                   hint="part i of every table goes with subjects part i")
    files = [{t: [found[t][i]] for t in known if i in found.get(t, {})} for i in sorted(subjects)]
    return Partitions(kind, files=files, origin=str(root))


def _positions(frame: Any, partition_info: dict[str, Any] | None = None) -> Any:
    """The frame with its rows' original positions (partition number, row) as one integer column."""
    import numpy as np

    number = partition_info["number"] if partition_info else 0
    return frame.assign(**{POSITION: np.arange(len(frame), dtype="int64") + number * SPAN})


def _part_key(frame: Any) -> Any:
    import pandas as pd

    ids = frame["subject_id"].astype("string").fillna("")
    # the same id hashes the same in every table (no per-table salt), so a subject's rows meet in one partition;
    # Dask's shuffle hashes this key again to choose the partition, which spreads subjects evenly
    hashed = pd.util.hash_array(ids.to_numpy(dtype=object), categorize=True)
    return frame.assign(**{PART_KEY: hashed.view("int64")})


def dask_partitions(tables: Mapping[str, dd.DataFrame], subject_kind: str | None = None, *,
                    npartitions: int | None = None) -> Partitions:
    """Co-partition one Dask DataFrame per table by subject, with Dask's shuffle.

    ``tables`` maps table names (as :func:`partyrules.population.frames.layout` names them) to Dask DataFrames
    with the table's columns, ``subject_id`` first in item tables. ``npartitions`` (default: the subjects
    table's) is the number of partitions to score. Nothing is computed here: the shuffle runs when scoring does.
    """
    if SUBJECT_TABLE not in tables:
        raise DistributedError(f"no {SUBJECT_TABLE!r} table among {sorted(tables)}",
                               hint="the subjects table is required")
    subjects = tables[SUBJECT_TABLE]
    kind = subject_kind or _guess_kind(list(subjects.columns), SUBJECT_TABLE)
    known = layout(kind)
    unknown = sorted(set(tables) - set(known))
    if unknown:
        raise DistributedError(f"unknown table(s) {', '.join(unknown)}", hint="tables are named " + ", ".join(known))
    n = int(npartitions or subjects.npartitions)
    if n < 1:
        raise DistributedError(f"npartitions must be at least 1, got {n}")
    out: dict[str, Any] = {}
    for name, t in tables.items():
        if "subject_id" not in t.columns:
            raise DistributedError(f"table {name!r} has no subject_id column",
                                   hint="every table names its subject in subject_id")
        meta = t._meta.assign(**{POSITION: 0}).astype({POSITION: "int64"})
        positioned = t.map_partitions(_positions, meta=meta)
        keyed = positioned.map_partitions(_part_key, meta=meta.assign(**{PART_KEY: 0})
                                          .astype({PART_KEY: "int64"}))
        # "tasks": the P2P shuffle cannot carry Arrow list columns (dask 2026.8)
        out[name] = keyed.shuffle(on=PART_KEY, npartitions=n, shuffle_method="tasks")
    return Partitions(kind, frames=out, origin="dask")
