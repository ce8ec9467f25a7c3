"""Score a partitioned population on a Dask cluster, partition by partition, with the vectorised backend.

Each partition is read, checked and scored on a worker exactly as the single-machine path reads, checks and
scores a population (:func:`partyrules.population.io.read_files`,
:class:`~partyrules.evaluate.vector.VectorEvaluator`), so
each subject's row is the same, bit for bit. Two checks need the whole population and run across the
partitions without gathering their rows: subject ids must be unique over all partitions (a Dask
``value_counts`` over the ids), and an item row whose subject is not in its partition must not have that subject
in another partition (only such rows' ids travel).

Results stay on the workers as one polars score table per partition; :class:`DistributedScores` holds them (as
Dask futures) with the lists of not-applicable subjects, failures and bad rows, which are small and are
gathered. A lost worker's partitions are recomputed by Dask from their inputs, and each partition's result is
one task's output, so a subject is never lost or counted twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..periods import Period
from ..population.checks import FILE, ROW, RowProblem
from ..population.frames import SUBJECT_TABLE
from ..population.io import UNKNOWN_SUBJECT
from ..rulesets.model import RuleSet
from ..score.table import ATTRIBUTES, PopulationScores, table_schema
from .cluster import client_for, gather
from .source import PART_KEY, POSITION, SPAN, DistributedError, PartitionError, Partitions
from .table import share

if TYPE_CHECKING:
    import dask.dataframe as dd
    import polars as pl

    from distributed import Client, Future

    from .table import PartitionedFrame

__all__ = ["DistributedScores", "PartitionResult", "score_distributed"]



@dataclass
class PartitionResult:
    """What scoring one partition gives: its score table and what it could not score (kept on the worker)."""

    index: int
    frame: pl.DataFrame
    subject_ids: pl.Series  # every subject read without a problem: scored, not applicable or failed
    not_applicable: list[str] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Everything but the tables: small, sent to the client."""
        return {"index": self.index, "rows": self.frame.height, "not_applicable": self.not_applicable,
                "failures": self.failures, "problems": self.problems, "left_out": self.left_out}


def _score(ruleset: RuleSet, period: Period, index: int, read: Any, chunk: int) -> PartitionResult:
    from ..evaluate.vector import VectorEvaluator

    pop = read.population
    ids = pop.subjects.get_column("subject_id")
    scores = VectorEvaluator(ruleset).score(pop, period, chunk=chunk)
    return PartitionResult(index, scores.frame, ids, scores.not_applicable, scores.failures, list(read.problems),
                           list(read.left_out))


def score_files(ruleset: RuleSet, period: Period, index: int, files: dict[str, list[str]], kind: str,
                chunk: int) -> PartitionResult:
    """Read, check and score one partition given as files (runs on a worker)."""
    from ..population.io import read_files

    read = read_files({t: [Path(f) for f in fs] for t, fs in files.items()}, kind, "parquet")
    return _score(ruleset, period, index, read, chunk)


def score_frames(ruleset: RuleSet, period: Period, index: int, kind: str, names: Sequence[str], chunk: int,
                 *frames: Any) -> PartitionResult:
    """Check and score one partition given as pandas DataFrames from a Dask shuffle (runs on a worker).

    Rows are put back in their original order first, so that each subject's items come in the order the
    single-machine path sees them; a problem names the table, the source partition and the row in it."""
    import polars as pl

    from ..population.io import check_frames

    raws: dict[str, pl.DataFrame] = {}
    for name, frame in zip(names, frames, strict=True):
        t = pl.from_pandas(frame.sort_values(POSITION, kind="stable"))
        pos = pl.col(POSITION)
        raws[name] = t.drop(PART_KEY).with_columns(
            (pos % SPAN + 1).alias(ROW),
            pl.format(name + " (partition {})", (pos // SPAN).cast(pl.String)).alias(FILE)).drop(POSITION)
    read = check_frames(kind, raws)
    return _score(ruleset, period, index, read, chunk)


def _ids(result: PartitionResult) -> Any:
    return result.subject_ids.to_frame().to_pandas()


def _holders(result: PartitionResult, ids: list[str]) -> list[str]:
    import polars as pl

    return result.subject_ids.filter(result.subject_ids.is_in(pl.Series(ids, dtype=pl.String).implode())).to_list()


def _without(result: PartitionResult, ids: list[str]) -> PartitionResult:
    import polars as pl

    drop = pl.Series(ids, dtype=pl.String).implode()
    frame = result.frame.filter(~pl.col("subject_id").is_in(drop))
    kept = result.subject_ids.filter(~result.subject_ids.is_in(drop))
    gone = set(ids)
    return PartitionResult(result.index, frame, kept, [s for s in result.not_applicable if s not in gone],
                           [f for f in result.failures if f[0] not in gone], result.problems, result.left_out)


def _height(result: PartitionResult) -> int:
    return result.frame.height


def _on_frame(result: PartitionResult, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return fn(result.frame, *args, **kwargs)


def _frame(result: PartitionResult) -> pl.DataFrame:
    return result.frame


@dataclass
class DistributedScores:
    """A rule set's scores of a partitioned population, held on the cluster one partition at a time.

    ``partitions`` are Dask futures of :class:`PartitionResult`, in partition order; the score table of each has
    the columns of :class:`~partyrules.PopulationScores`. ``not_applicable``, ``failures``, ``problems`` (bad rows)
    and ``left_out`` are gathered over all partitions, in partition order. :meth:`compute` brings the whole table
    to this process (for populations that fit); :attr:`frame` is a Dask DataFrame over the partitions;
    :meth:`map` runs a function on each partition's table where it lives.
    """

    ruleset: RuleSet
    period: str
    client: Client
    partitions: list[Future]
    rows: list[int]
    not_applicable: list[str] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    # the shared inputs the partitions were computed from: held so that Dask can recompute a lost partition
    inputs: list[Future] = field(default_factory=list, repr=False)

    def __len__(self) -> int:
        return sum(self.rows)

    @property
    def attributes(self) -> list[str]:
        return list(ATTRIBUTES[self.ruleset.subject_kind])

    def map(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> list[Future]:
        """``fn(table, *args, **kwargs)`` on every partition's score table (a polars DataFrame), on its worker."""
        # one task per partition, depending only on the held results: a lost worker's part is recomputed from
        # them (a chain through released intermediate futures could be forgotten by the scheduler instead)
        n = len(self.partitions)
        return self.client.map(_on_frame, self.partitions, [fn] * n, *[[a] * n for a in args], pure=False,
                               **kwargs)

    def map_frame(self, fn: Callable[..., pl.DataFrame], *args: Any) -> PartitionedFrame:
        """``fn(table, *args)`` on every partition's score table, kept on the workers as a
        :class:`~partyrules.distributed.table.PartitionedFrame`."""
        from .table import PartitionedFrame

        return PartitionedFrame(self.client, self.map(fn, *args), [self])

    def tables(self) -> Iterator[pl.DataFrame]:
        """Each partition's score table, brought here one at a time."""
        for fut in self.partitions:
            yield gather(self.client, [self.client.submit(_frame, fut)], "bringing a partition here")[0]

    def compute(self) -> PopulationScores:
        """The whole score table in this process, in partition order (what the single-machine path gives for
        the same partitions read as one population)."""
        import polars as pl

        frames = list(self.tables())
        frame = pl.concat(frames) if frames else pl.DataFrame(schema=table_schema(self.ruleset, self.attributes))
        return PopulationScores(self.ruleset, frame, self.period, not_applicable=list(self.not_applicable),
                                failures=list(self.failures), backend="vector")

    @property
    def frame(self) -> dd.DataFrame:
        """The scores as a Dask DataFrame (pandas partitions, one per scored partition)."""
        import dask
        import dask.dataframe as dd
        import polars as pl

        meta = pl.DataFrame(schema=table_schema(self.ruleset, self.attributes)).to_pandas()
        parts = [dask.delayed(_to_pandas)(f) for f in self.partitions]
        return dd.from_delayed(parts, meta=meta, verify_meta=False)

    def to_parquet(self, directory: str | Path) -> list[Path]:
        """Write each partition's scores as ``scores-<partition>.parquet`` in ``directory``, from its worker (the
        directory must be reachable from every worker: a shared file system on a real cluster)."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        futs = self.client.map(_write, self.partitions, [str(out)] * len(self.partitions), pure=False)
        return [Path(p) for p in gather(self.client, futs, "writing the scores")]


def _to_pandas(result: PartitionResult) -> Any:
    return result.frame.to_pandas()


def _write(result: PartitionResult, directory: str) -> str:
    path = Path(directory) / f"scores-{result.index:05d}.parquet"
    result.frame.write_parquet(path)
    return str(path)


def score_distributed(ruleset: RuleSet, source: Partitions | str | Path, period: Period | str, *,
                      client: Client | str | None = None, params: dict[str, Any] | None = None,
                      chunk: int = 1_000_000) -> DistributedScores:
    """Score every subject of a partitioned population on a Dask cluster; see the module docstring.

    ``source`` is :func:`~partyrules.distributed.parquet_partitions` or
    :func:`~partyrules.distributed.dask_partitions` (a directory path is read as Parquet parts). ``client`` is a
    :class:`distributed.Client`, a scheduler address, or None for the current client (else a new LocalCluster).
    Raises :class:`PartitionError` when a row's subject is in another partition.
    """
    from .source import parquet_partitions

    rs = ruleset.with_params(**params) if params else ruleset
    period = Period.parse(period) if isinstance(period, str) else period
    if isinstance(source, (str, Path)):
        source = parquet_partitions(source)  # the kind is read off the files, so a mismatch is named below
    if not isinstance(source, Partitions):
        raise DistributedError(f"source must be Partitions or a directory, got {type(source).__name__}",
                               hint="use parquet_partitions(dir) or dask_partitions(tables)")
    if source.kind != rs.subject_kind:
        raise DistributedError(f"rule set {rs.id} scores {rs.subject_kind}s, but the partitions hold {source.kind}s",
                               hint=f"use a {source.kind} rule set")
    c = client_for(client)
    rs_future = share(c, rs)
    if source.files:
        # named for the dashboard and the tests; the run's own token keeps two scorings (a base and a reform of
        # the same rule set id, over the same files) from being taken for one task
        run = uuid.uuid4().hex[:12]
        futs = [c.submit(score_files, rs_future, period, i, files, source.kind, chunk, pure=False,
                         key=f"partyrules-score-{rs.id}-{run}-{i}")
                for i, files in enumerate(source.files)]
    else:
        import dask

        names = list(source.frames)
        per_table = [source.frames[n].to_delayed(optimize_graph=True) for n in names]
        tasks = [dask.delayed(score_frames)(rs_future, period, i, source.kind, names, chunk, *parts)
                 for i, parts in enumerate(zip(*per_table, strict=True))]
        futs = c.compute(tasks)
    summaries = gather(c, c.map(PartitionResult.summary, futs, pure=False), f"scoring with {rs.id}")
    out = DistributedScores(rs, str(period), c, futs, [s["rows"] for s in summaries], inputs=[rs_future])
    for s in summaries:
        out.not_applicable += s["not_applicable"]
        out.failures += s["failures"]
        out.problems += s["problems"]
        out.left_out += s["left_out"]
    _check_orphans(out, source)
    _drop_duplicates(out, source)
    return out


def _check_orphans(out: DistributedScores, source: Partitions) -> None:
    """An item row whose subject is not in its partition: an error if the subject is in another partition (the
    partitions do not hold whole subjects), a bad row as on one machine if it is nowhere."""
    orphans = [p for p in out.problems if p.column == "subject_id" and p.subject_id and UNKNOWN_SUBJECT in p.reason]
    if not orphans:
        return
    ids = sorted({p.subject_id for p in orphans if p.subject_id})
    held = gather(out.client, out.client.map(_holders, out.partitions, [ids] * len(out.partitions), pure=False),
                  "finding the partitions of orphan rows")
    where = {sid: i for i, found in enumerate(held) for sid in found}
    for p in orphans:
        if p.subject_id in where:
            raise PartitionError(
                f"{p.file} row {p.row}: a {p.table} row of subject {p.subject_id!r}, whose subject row is in "
                f"partition {where[p.subject_id]} ({source.describe(where[p.subject_id])})",
                hint="each partition must hold every row of its subjects: write the parts with write_generated, "
                     "or read the tables with dask and use dask_partitions(), which shuffles them by subject")


def _drop_duplicates(out: DistributedScores, source: Partitions) -> None:
    """A subject id in two partitions is a bad row in each, and the subject is left out, as on one machine."""
    import dask
    import dask.dataframe as dd
    import pandas as pd

    if len(out.partitions) < 2:
        return
    meta = pd.DataFrame({"subject_id": pd.Series(dtype="string")})
    ids = dd.from_delayed([dask.delayed(_ids)(f) for f in out.partitions], meta=meta, verify_meta=False)
    counts = ids["subject_id"].value_counts(split_out=max(1, len(out.partitions) // 8))
    dups = sorted(str(s) for s in counts[counts > 1].index.compute())
    if not dups:
        return
    held = gather(out.client, out.client.map(_holders, out.partitions, [dups] * len(out.partitions), pure=False),
                  "finding the partitions of duplicate ids")
    for sid in dups:
        parts = [i for i, found in enumerate(held) if sid in found]
        for i in parts:
            out.problems.append(RowProblem(source.describe(i), SUBJECT_TABLE, None, "subject_id", sid,
                                           f"subject id {sid!r} is given in more than one partition ({parts})"))
    gone = set(dups)
    out.left_out += dups
    out.not_applicable = [s for s in out.not_applicable if s not in gone]
    out.failures = [f for f in out.failures if f[0] not in gone]
    out.partitions = out.client.map(_without, out.partitions, [dups] * len(out.partitions), pure=False)
    out.rows = gather(out.client, out.client.map(_height, out.partitions, pure=False), "counting the rows")
