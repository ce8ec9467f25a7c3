"""Raw tables of a population checked, whatever they were read from (files, DataFrames in memory, rows of
a shuffle): every bad row a :class:`RowProblem`, and only the subjects without one kept."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...errors import FactError
from ...facts.enums import SubjectKind
from ...facts.kinds import suggest_incident_kind
from ..checks import FILE, ROW, RowProblem, TableRead, check_table
from ..frames import SUBJECT_FIELD, SUBJECT_TABLE, Population, layout, require_polars, table_schema

if TYPE_CHECKING:
    import polars
    import polars as pl

__all__ = ["UNKNOWN_SUBJECT", "PopulationRead", "check_frames", "population_from_frames"]


UNKNOWN_SUBJECT = " row for unknown subject "  # in the reason of an item row whose subject is not in the input


@dataclass
class PopulationRead:
    """The good subjects of an input (``population``), the problems found, and who was left out for them."""

    population: Population
    problems: list[RowProblem] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the whole input was read."""
        return not self.problems


def _problems_list(df: pl.DataFrame, table: str) -> list[RowProblem]:
    return [RowProblem(r["file"], table, r["row"], r["column"], r["subject_id"], r["reason"])
            for r in df.sort("file", "row").iter_rows(named=True)]


def _suggest_kinds(problems: list[RowProblem], kind: str) -> list[RowProblem]:
    # Only the few distinct unknown kinds are looked up, not every row.
    pattern = re.compile(r"^unknown incident kind '(.*)' for a \w+$")
    hints: dict[str, str | None] = {}
    out = []
    for p in problems:
        m = pattern.match(p.reason) if p.column == "kind" else None
        if m:
            bad = m.group(1)
            if bad not in hints:
                hints[bad] = suggest_incident_kind(SubjectKind(kind), bad)
            if hints[bad]:
                p = RowProblem(p.file, p.table, p.row, p.column, p.subject_id,
                               f"{p.reason}; did you mean '{hints[bad]}'?")
        out.append(p)
    return out


def _check_tables(kind: str, raws: dict[str, tuple[pl.DataFrame | pl.LazyFrame, list[str]]],
                  problems: list[RowProblem], bad_rows: Mapping[str, list[RowProblem]] | None = None
                  ) -> PopulationRead:
    """Check raw tables (with their row-number and file columns) and keep the subjects without a problem.

    ``bad_rows`` are the rows of each table that could not even be split into its columns (a ragged CSV row): they
    are reported, and the subjects they name left out, as rows with a bad value are."""
    pl = require_polars()
    tables = layout(kind)
    absent = frozenset(t for t in tables if t not in raws)  # no file or frame at all: not the same as no rows
    reads: dict[str, TableRead] = {}
    for table in list(raws):
        raw, files = raws.pop(table)  # let each raw table go once it is checked: a population can be gigabytes
        reads[table] = check_table(kind, table, raw, files)
        del raw
        problems.extend(reads[table].file_problems)
        unsplit = (bad_rows or {}).get(table)
        if unsplit:
            reads[table].problems = pl.concat([reads[table].problems, pl.DataFrame(
                [(p.file, p.row, p.column, p.subject_id, p.reason) for p in unsplit],
                schema=reads[table].problems.schema, orient="row")])
    empty = {t: pl.DataFrame(schema=table_schema(kind, t)) for t in tables}
    if any(r.frame is None for r in reads.values()):
        # A table that cannot be read at all might hold rows of any subject: none can be scored safely.
        ids = reads[SUBJECT_TABLE].frame
        left = [] if ids is None else ids.get_column("subject_id").drop_nulls().unique(maintain_order=True).to_list()
        return PopulationRead(Population(kind, empty, absent), problems, left)
    subjects = reads[SUBJECT_TABLE].frame
    assert subjects is not None
    all_ids = subjects.get_column("subject_id").drop_nulls()
    # whether the subjects are in order with no id twice, worked out once for every table of items
    ids_in_order = all_ids.is_sorted() and not (all_ids == all_ids.shift()).any()
    row_problems: list[polars.DataFrame] = [reads[SUBJECT_TABLE].problems]
    per_table: dict[str, list[RowProblem]] = {SUBJECT_TABLE: []}
    for table, r in reads.items():
        if table == SUBJECT_TABLE:
            continue
        assert r.frame is not None
        orphan = (_orphans(pl, r.frame, all_ids, r.run_subjects, ids_in_order)
                  .select(pl.col(FILE).cast(pl.String).alias("file"), pl.col(ROW).alias("row"),
                          pl.lit("subject_id").alias("column"),
                          pl.col("subject_id"),
                          # concat_str, not pl.format: polars 2.1 panics formatting a filtered, unrechunked
                          # string column (a subject id renamed into a duplicate leaves such orphans)
                          pl.concat_str([pl.lit(table + UNKNOWN_SUBJECT + "'"), pl.col("subject_id"),
                                         pl.lit("'")]).alias("reason"))
                  .collect())
        row_problems.append(pl.concat([r.problems, orphan]))
        per_table[table] = []
    named = pl.concat([p.select("subject_id") for p in row_problems]).get_column("subject_id").drop_nulls()
    # no bad row (the usual case): no set of every subject's id is built to look nothing up in
    bad_ids = named.filter(named.is_in(all_ids.implode())).unique() if named.len() else named
    # A row without a subject id belongs to nobody: it is never scored (a subject "null"). The rows of a subject
    # that is not among the subjects (an orphan, reported above) are attached to nobody either: dropped too.
    dropped = named.unique()
    keep = ~pl.col("subject_id").is_in(dropped.implode()) & pl.col("subject_id").is_not_null()
    out_tables = dict(empty)
    for table, r in reads.items():
        assert r.frame is not None
        kept = (r.frame.filter(keep) if dropped.len() or r.frame.get_column("subject_id").null_count()
                else r.frame)
        # a frame built from its own columns shares them; DataFrame.drop copied all 12M rows of the records
        out_tables[table] = pl.DataFrame([kept.get_column(c) for c in kept.columns if c not in (FILE, ROW)])
    left_out = (subjects.filter(pl.col("subject_id").is_in(bad_ids.implode()))
                .get_column("subject_id").unique(maintain_order=True).to_list() if bad_ids.len() else [])
    tables_in_order = [SUBJECT_TABLE, *(t for t in reads if t != SUBJECT_TABLE)]
    for table, frame in zip(tables_in_order, row_problems, strict=True):
        problems.extend(_problems_list(frame, table))
    problems = _suggest_kinds(problems, kind)
    return PopulationRead(Population(kind, out_tables, absent), problems, left_out)


def _orphans(pl: Any, frame: pl.DataFrame, all_ids: pl.Series, runs: pl.Series | None, ids_in_order: bool
             ) -> pl.LazyFrame:
    """The rows of an item table whose subject is not among the subjects. Totals first: a table's rows come in runs
    of one subject each (as files are written), and when the subject of every run is known no row is an orphan, which
    looks up one id per run instead of one per row (an ``is_in`` over 12M records); else each row is looked up."""
    sid = pl.col("subject_id")
    if runs is None:
        runs = frame.select(sid.filter((sid != sid.shift()).fill_null(True))).to_series()
    if _all_known(pl, runs, all_ids, ids_in_order):
        return frame.lazy().clear()
    return frame.lazy().filter(sid.is_not_null() & ~sid.is_in(all_ids.implode()))


def _all_known(pl: Any, ids: pl.Series, known: pl.Series, known_in_order: bool) -> bool:
    """Whether every one of ``ids`` (subjects of runs of rows, so no two neighbours equal) is among ``known``
    (``known_in_order``: sorted, no id twice). When both are in order (as files are written) they are merged, one
    pass with no table of hashes built over the subjects for each table of items nor a binary search per id: in the
    merge each known id stands next to its equal, and only there are two neighbours equal."""
    if not ids.len():
        return True
    if ids.null_count() or not known.len():
        return False
    if ids.len() == known.len() and ids.equals(known):  # a table with rows for every subject, in their order
        return True
    if known_in_order and ids.is_sorted():  # sorted runs never repeat a subject: no id twice either
        merged = known.to_frame("id").merge_sorted(ids.to_frame("id"), key="id").to_series()
        return int((merged == merged.shift()).sum()) == ids.len()
    return bool(ids.is_in(known.implode()).all())


def check_frames(kind: str, raws: Mapping[str, pl.DataFrame]) -> PopulationRead:
    """Check tables whose rows already say where they came from (text column ``FILE`` and 1-based ``ROW``, as
    :mod:`partyrules.population.checks` names them), as files are checked: for callers that read rows their own
    way (the distributed scorer, which gets rows from a shuffle)."""
    pl = require_polars()
    known = layout(kind)
    problems: list[RowProblem] = []
    tables: dict[str, tuple[polars.DataFrame | polars.LazyFrame, list[str]]] = {}
    for name, raw in raws.items():
        if name not in known:
            problems.append(RowProblem(name, name, None, None, None, f"unknown table {name!r}; not read"))
            continue
        files = raw.get_column(FILE).unique(maintain_order=True).to_list() if raw.height else [name]
        tables[name] = (raw, files)
    if SUBJECT_TABLE not in tables:
        tables[SUBJECT_TABLE] = (pl.DataFrame(schema=table_schema(kind, SUBJECT_TABLE)).with_columns(
            pl.lit(None, pl.Int64).alias(ROW), pl.lit(None, pl.String).alias(FILE)), [SUBJECT_TABLE])
    return _check_tables(kind, tables, problems)


def population_from_frames(tables: Mapping[str, Any], subject_kind: str | None = None) -> PopulationRead:
    """Check tables held in memory (polars or pandas DataFrames, named as the tables of the layout) exactly as
    files are checked, and build a population of the subjects without a problem.

    A problem's ``file`` is the table's name and its ``row`` the 1-based row number in that DataFrame. Values may
    come in looser types (text, other integer widths): each is parsed and checked as a file's would be."""
    pl = require_polars()
    if SUBJECT_TABLE not in tables:
        raise FactError(f"no {SUBJECT_TABLE!r} table among {sorted(tables)}", hint="the subjects table is required")
    frames: dict[str, polars.DataFrame] = {}
    for name, t in tables.items():
        if not isinstance(t, pl.DataFrame):
            try:
                t = pl.from_pandas(t)
            except (TypeError, ValueError, ImportError) as exc:
                raise FactError(f"table {name!r} is not a polars or pandas DataFrame ({type(t).__name__}): {exc}",
                                hint="pass polars.DataFrame or pandas.DataFrame values") from None
        frames[name] = t
    if subject_kind is None:
        cols = frames[SUBJECT_TABLE].columns
        subject_kind = next((k for k in ("member", "branch", "community") if f"{SUBJECT_FIELD[k]}_id" in cols), None)
        if subject_kind is None:
            raise FactError("cannot tell the subject kind (no member_id, branch_id or community_id column)",
                            hint="pass subject_kind='member', 'branch' or 'community'")
    known = layout(subject_kind)
    problems: list[RowProblem] = []
    raws: dict[str, tuple[polars.DataFrame | polars.LazyFrame, list[str]]] = {}
    for name, t in frames.items():
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(RowProblem(name, name, None, None, None, f"unknown table {name!r}{hint}; not read"))
            continue
        raw = t.with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(ROW), pl.lit(name).alias(FILE))
        raws[name] = (raw, [name])
    return _check_tables(subject_kind, raws, problems)
