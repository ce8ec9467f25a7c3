"""Read and write populations as files: JSON lines of bundles, or one Parquet or CSV file per table.

A population file is input from outside, so every value is checked as the fact models check it, but over whole
columns at once (polars expressions, no Python loop per row): a bad value is reported as a :class:`RowProblem`
with the file, the table, the row number in that file, the column, the subject and the reason, and the subject
it belongs to is left out with all its rows. Every other subject is read. Nothing is dropped without a problem
saying so.

Table files are named after the tables of :func:`~partyrules.population.frames.layout`: ``subjects.parquet``,
``records.parquet``, ... (or ``.csv``); a table may also be split into numbered parts, ``records-00000.parquet``,
``records-00001.parquet``, ... as :func:`partyrules.synthetic.write_generated` writes them. Tables other
than ``subjects`` may be absent (no items of that kind). In CSV files a list cell is a JSON array of texts
(``["a","b"]``), a date is ``YYYY-MM-DD``, a flag ``true`` or ``false``, and an empty cell is null.
"""

from __future__ import annotations

import csv
import difflib
import re
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import FactError, PopulationError
from ..facts.enums import SubjectKind
from ..facts.kinds import suggest_incident_kind
from ..jsonlimits import NOT_UTF8
from .checks import FILE, ROW, RowProblem, TableRead, check_table, unreadable_table
from .files import bounded_lines, decode_line, read_facts
from .frames import (
    BUNDLES,
    SUBJECT_FIELD,
    SUBJECT_TABLE,
    Population,
    facts_to_population,
    layout,
    require_polars,
    table_schema,
)

if TYPE_CHECKING:
    import polars
    import polars as pl

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FORMATS",
    "PopulationRead",
    "RowProblem",
    "check_frames",
    "population_from_frames",
    "read_files",
    "read_population",
    "write_population",
]

FORMATS = ("parquet", "csv", "jsonl")
UNKNOWN_SUBJECT = " row for unknown subject "  # in the reason of an item row whose subject is not in the input
DEFAULT_MAX_BYTES = {"parquet": 20 * 10**9, "csv": 2 * 10**9, "jsonl": 2 * 10**9}
"""The largest input read by default (all files of a population together), per format: a bigger input is
refused with an error instead of exhausting memory. Pass ``max_bytes=`` to change it."""



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


# ----------------------------------------------------------------------------------------------------
# files


def _table_files(directory: Path, table: str, ext: str) -> list[Path]:
    whole = directory / f"{table}.{ext}"
    parts = sorted(directory.glob(f"{table}-[0-9]*.{ext}"))
    return ([whole] if whole.exists() else []) + parts


def _detect_format(path: Path) -> str:
    if path.is_dir():
        for ext in ("parquet", "csv"):
            if _table_files(path, SUBJECT_TABLE, ext):
                return ext
        raise FactError(f"{path}: no subjects.parquet or subjects.csv in this directory",
                        hint="a population directory holds one file per table, named after the table")
    if path.suffix in (".jsonl", ".json", ".ndjson"):
        return "jsonl"
    if path.suffix in (".parquet", ".csv"):
        raise FactError(f"{path}: a single {path.suffix} file is one table; give the directory of the tables",
                        hint="e.g. read_population('population/') with population/subjects.parquet, ...")
    raise FactError(f"{path}: cannot tell the format", hint="pass format='parquet', 'csv' or 'jsonl'")


def _check_size(paths: list[Path], limit: int) -> None:
    total = sum(p.stat().st_size for p in paths)
    if total > limit:
        raise FactError(f"{paths[0].parent if len(paths) > 1 else paths[0]}: the input is {total:,} bytes, "
                        f"more than the limit of {limit:,}",
                        hint="read it in parts (one partition directory at a time) or raise max_bytes=")


def _read_csv(pl: Any, path: Path, table: str) -> tuple[pl.DataFrame, list[RowProblem]]:
    """A CSV table file as text columns with its row numbers, and the problems of rows that are not rows of the
    table: a row with more or fewer fields than the header (polars would fill a short row with nulls, read as
    values), bytes that are not UTF-8. Those rows are reported, with the subject id they start with, and not read;
    the others are."""
    try:
        df = pl.read_csv(path, infer_schema=False)
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException):
        df = None
    if df is None or not _fields_line_up(pl, path, df.width, df.height):
        return _read_csv_rows(pl, path, table)
    # The row number is the line number; a quoted cell that spans lines moves the rows after it down.
    extra = [pl.col(n).str.count_matches("\n").fill_null(0) for n in df.columns]
    shift = (pl.sum_horizontal(extra).cum_sum().shift(1, fill_value=0) if extra and df.height
             else pl.lit(0, pl.Int64))
    return df.with_columns((pl.int_range(2, pl.len() + 2, dtype=pl.Int64) + shift).cast(pl.Int64).alias(ROW),
                           pl.lit(str(path)).alias(FILE)), []


def _fields_line_up(pl: Any, path: Path, width: int, height: int) -> bool:
    """Whether every line of the file is one row with the header's number of fields (over whole columns: the
    common case of a well-formed file costs one more read, not a Python loop). Any doubt (a quoted cell over
    several lines, a stray quote, an empty line) sends the file to the exact reader."""
    try:
        lines = pl.read_csv(path, has_header=False, separator="\x1f", quote_char=None, new_columns=["l"],
                            infer_schema=False).get_column("l")
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException):
        return False
    if lines.len() != height + 1 or lines.null_count():
        return False
    unquoted = lines.str.replace_all('"[^"]*"', "")
    return bool((~unquoted.str.contains('"', literal=True) & (unquoted.str.count_matches(",") == width - 1)).all())


def _read_csv_rows(pl: Any, path: Path, table: str) -> tuple[pl.DataFrame, list[RowProblem]]:
    """The exact reader of a CSV file with bad rows: row by row with the csv module, each row that is not one of the
    table reported by its first line, with its subject id; the lines a runaway quoted cell swallowed are reported
    with theirs, so that no subject loses a row without a problem naming it."""
    name = str(path)
    problems: list[RowProblem] = []
    physical: list[str] = []

    def lines(fh: Any) -> Any:
        for line in fh:
            physical.append(line)
            yield line

    with path.open("r", encoding="utf-8", errors="surrogateescape", newline="") as fh:
        reader = csv.reader(lines(fh))
        header = next(reader, None)
        if header is None:
            raise PopulationError(f"{name}: empty file, no header / 文件为空", hint="the first line names the columns")
        if any(NOT_UTF8.search(h) for h in header) or len(set(header)) != len(header):
            what = "is not UTF-8" if any(NOT_UTF8.search(h) for h in header) else "names a column twice"
            raise PopulationError(f"{name}:1: the header {what} / 表头无效",
                                  hint="the first line names each column once, in UTF-8")
        physical.clear()
        sid = header.index("subject_id") if "subject_id" in header else None
        columns: list[list[str | None]] = [[] for _ in header]
        rows: list[int] = []
        first = reader.line_num + 1
        for row in reader:
            spans = list(physical)  # the lines this row took, kept only until it is judged
            physical.clear()
            start, first = first, reader.line_num + 1
            who = _id_in(row, sid)
            if not row:
                problems.append(RowProblem(name, table, start, None, None, "an empty line; not read"))
            elif len(row) != len(header):
                more = f" over lines {start}-{start + len(spans) - 1} (an unclosed quote?)" if len(spans) > 1 else ""
                problems.append(RowProblem(name, table, start, None, who, f"{len(row)} fields where the header has "
                                           f"{len(header)}{more}; the row is not read"))
                for k, line in enumerate(spans[1:], start + 1):
                    inner = _id_in(next(csv.reader([line]), []), sid)
                    if inner is not None and inner != who:
                        problems.append(RowProblem(name, table, k, None, inner, f"this line is inside the row that "
                                                   f"starts on line {start} (an unclosed quote?); not read"))
            elif any(NOT_UTF8.search(cell) for cell in row):
                col = next(h for h, cell in zip(header, row, strict=True) if NOT_UTF8.search(cell))
                problems.append(RowProblem(name, table, start, col, who, f"{col}: bytes that are not UTF-8; the row "
                                           "is not read"))
            else:
                rows.append(start)
                for values, cell in zip(columns, row, strict=True):
                    values.append(cell if cell != "" else None)
    frame = pl.DataFrame({h: pl.Series(h, v, dtype=pl.String) for h, v in zip(header, columns, strict=True)})
    return frame.with_columns(pl.Series(ROW, rows, dtype=pl.Int64), pl.lit(name).alias(FILE)), problems


def _id_in(row: list[str], column: int | None) -> str | None:
    """The subject id a (bad) row starts with, when it holds something that can be one."""
    if column is None or column >= len(row):
        return None
    value = row[column]
    return value if value and len(value) <= 128 and value.isprintable() and not NOT_UTF8.search(value) else None


def _read_parquet(pl: Any, path: Path, table: str) -> tuple[pl.LazyFrame, list[RowProblem]]:
    # lazily: the checks read the file where they need it, so a population of millions is never held twice; its
    # footer is read now, so that a truncated file is named here (damaged pages are named where they are read)
    try:
        pl.read_parquet_schema(path)
    except (pl.exceptions.PolarsError, OSError, pl.exceptions.PanicException) as exc:
        raise unreadable_table([str(path)], exc) from None
    return (pl.scan_parquet(path).with_row_index(ROW, offset=1)
            .with_columns(pl.col(ROW).cast(pl.Int64), pl.lit(str(path)).alias(FILE))), []


def _guess_kind(pl: Any, first: Path, fmt: str) -> str:
    try:
        cols = (pl.read_csv(first, n_rows=0, infer_schema=False).columns if fmt == "csv"
                else list(pl.read_parquet_schema(first)))
    except (pl.exceptions.PolarsError, OSError, pl.exceptions.PanicException) as exc:
        raise unreadable_table([str(first)], exc) from None
    for kind in ("member", "branch", "community"):
        if f"{SUBJECT_FIELD[kind]}_id" in cols:
            return kind
    raise FactError(f"{first}: cannot tell the subject kind (no member_id, branch_id or community_id column)",
                    hint="pass subject_kind='member', 'branch' or 'community'")


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


def _read_tables(directory: Path, kind: str | None, fmt: str, max_bytes: int) -> PopulationRead:
    pl = require_polars()
    ext = fmt
    subject_files = _table_files(directory, SUBJECT_TABLE, ext)
    if not subject_files:
        raise FactError(f"{directory}: no {SUBJECT_TABLE}.{ext}", hint="the subjects table is required")
    kind = kind or _guess_kind(pl, subject_files[0], fmt)
    tables = layout(kind)
    known = set(tables)
    all_files = {t: _table_files(directory, t, ext) for t in tables}
    _check_size([p for fs in all_files.values() for p in fs], max_bytes)
    problems: list[RowProblem] = []
    for p in sorted(directory.glob(f"*.{ext}")):
        stem = re.sub(r"-[0-9]+$", "", p.stem)
        if stem not in known:
            close = difflib.get_close_matches(stem, sorted(known), n=1)
            hint = f" (did you mean '{close[0]}.{ext}'?)" if close else ""
            problems.append(RowProblem(str(p), stem, None, None, None, f"unknown table {stem!r}{hint}; not read"))
    return read_files(all_files, kind, fmt, problems)


def read_files(files: Mapping[str, list[Path]], kind: str, fmt: str = "parquet",
               problems: list[RowProblem] | None = None) -> PopulationRead:
    """Read and check the given files of each table (a table's parts in order) as one population.

    This is what :func:`read_population` does after finding the files; the distributed scorer calls it on each
    worker with the files of one partition, so a partition is read and checked exactly as a whole directory is.
    """
    pl = require_polars()
    if fmt not in ("parquet", "csv"):
        raise FactError(f"unknown table format {fmt!r}", hint="'parquet' or 'csv'")
    if not files.get(SUBJECT_TABLE):
        raise FactError(f"no {SUBJECT_TABLE} file among the files given", hint="the subjects table is required")
    reader = _read_csv if fmt == "csv" else _read_parquet
    raws: dict[str, tuple[polars.DataFrame | polars.LazyFrame, list[str]]] = {}
    bad_rows: dict[str, list[RowProblem]] = {}
    for table, table_files in files.items():
        files_of = [Path(f) for f in table_files]
        if not files_of:
            continue
        for f in files_of:
            _regular_file(f)
        read = [reader(pl, f, table) for f in files_of]
        frames: list[Any] = [frame for frame, _ in read]
        bad_rows[table] = [p for _, found in read for p in found]
        raws[table] = (pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0],
                       [str(f) for f in files_of])
    return _check_tables(kind, raws, list(problems or []), bad_rows)


def _regular_file(path: Path) -> None:
    """Only regular files are read: a FIFO named ``records.csv`` would wait for a writer forever."""
    try:
        regular = stat.S_ISREG(path.stat().st_mode)
    except (OSError, ValueError) as exc:
        raise PopulationError(f"{path}: cannot be read: {getattr(exc, 'strerror', None) or exc} / 文件无法读取",
                              hint="check the path") from None
    if not regular:
        raise PopulationError(f"{path}: not a regular file / 不是普通文件", hint="a table is a .parquet or .csv file")


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
    row_problems: list[polars.DataFrame] = [reads[SUBJECT_TABLE].problems]
    per_table: dict[str, list[RowProblem]] = {SUBJECT_TABLE: []}
    for table, r in reads.items():
        if table == SUBJECT_TABLE:
            continue
        assert r.frame is not None
        # lazily, so that only the three columns it needs are read, not every column of every row
        orphan = (r.frame.lazy()
                  .filter(pl.col("subject_id").is_not_null() & ~pl.col("subject_id").is_in(all_ids.implode()))
                  .select(pl.col(FILE).alias("file"), pl.col(ROW).alias("row"), pl.lit("subject_id").alias("column"),
                          pl.col("subject_id"),
                          # concat_str, not pl.format: polars 2.1 panics formatting a filtered, unrechunked
                          # string column (a subject id renamed into a duplicate leaves such orphans)
                          pl.concat_str([pl.lit(table + UNKNOWN_SUBJECT + "'"), pl.col("subject_id"),
                                         pl.lit("'")]).alias("reason"))
                  .collect())
        row_problems.append(pl.concat([r.problems, orphan]))
        per_table[table] = []
    named = pl.concat([p.select("subject_id") for p in row_problems]).get_column("subject_id").drop_nulls()
    bad_ids = named.filter(named.is_in(all_ids.implode())).unique()
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
                .get_column("subject_id").unique(maintain_order=True).to_list())
    tables_in_order = [SUBJECT_TABLE, *(t for t in reads if t != SUBJECT_TABLE)]
    for table, frame in zip(tables_in_order, row_problems, strict=True):
        problems.extend(_problems_list(frame, table))
    problems = _suggest_kinds(problems, kind)
    return PopulationRead(Population(kind, out_tables, absent), problems, left_out)


def _read_jsonl(path: Path, kind: str | None, max_bytes: int) -> PopulationRead:
    _check_size([path], max_bytes)
    name = str(path)
    good: list[tuple[int, Any]] = []
    problems: list[RowProblem] = []
    bad_rows: list[int] = []
    for row in read_facts(path):
        if row.facts is None:
            assert row.error is not None
            bad_rows.append(row.number)
            errs: Sequence[tuple[str | None, str, object]] = row.error.errors or [(None, row.error.message, None)]
            for col, msg, _value in errs:
                problems.append(RowProblem(name, "bundles", row.number, col, None, f"{col}: {msg}" if col else msg))
        else:
            good.append((row.number, row.facts))
    kind = kind or (str(type(good[0][1]).subject_kind) if good else "member")
    cls = BUNDLES[kind]
    ids_of_bad = _ids_on_lines(path, set(bad_rows))
    problems = [RowProblem(p.file, p.table, p.row, p.column, ids_of_bad.get(p.row or 0), p.reason) for p in problems]
    seen: dict[str, int] = {}
    dups: set[str] = set()
    for number, b in good:
        if not isinstance(b, cls):
            problems.append(RowProblem(name, "bundles", number, None, b.subject_id,
                                       f"a {type(b).__name__} in a population of {kind}s"))
            continue
        if b.subject_id in seen:
            dups.add(b.subject_id)
            problems.append(RowProblem(name, "bundles", number, None, b.subject_id,
                                       f"subject id '{b.subject_id}' is given more than once (first on line "
                                       f"{seen[b.subject_id]})"))
        else:
            seen[b.subject_id] = number
    bad = {p.subject_id for p in problems if p.subject_id is not None}
    kept = [b for _, b in good if isinstance(b, cls) and b.subject_id not in bad]
    left_out = [sid for sid in seen if sid in bad or sid in dups]
    problems.sort(key=lambda p: p.row or 0)
    return PopulationRead(facts_to_population(kept, kind), problems, left_out)


def _ids_on_lines(path: Path, numbers: set[int]) -> dict[int, str]:
    """The subject ids on the bad lines, where the line says one (only bad lines are parsed again)."""
    out: dict[int, str] = {}
    if not numbers:
        return out
    with path.open("rb") as fh:
        for i, raw in bounded_lines(fh):
            if i not in numbers or isinstance(raw, int):
                continue
            try:
                data = decode_line(raw)
            except ValueError:  # within the limits of read_facts: deep nesting or huge numbers end here
                continue
            for key in ("member", "branch", "community"):
                sid = data.get(key, {}).get(f"{key}_id") if isinstance(data, dict) else None
                if isinstance(data, dict) and isinstance(data.get(key), dict) and isinstance(sid, str):
                    out[i] = sid
    return out


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


def read_population(path: str | Path, subject_kind: str | None = None, *, format: str | None = None,
                    max_bytes: int | None = None) -> PopulationRead:
    """Read a population from a JSON-lines file of bundles or a directory of Parquet or CSV table files.

    Every bad row is a :class:`RowProblem`, and the subject it belongs to is left out with all its rows; the
    other subjects make up ``.population``. The subject kind is read off the files when not given. Inputs larger
    than ``max_bytes`` (default :data:`DEFAULT_MAX_BYTES` for the format) are refused with a :class:`FactError`.
    """
    path = Path(path)
    if not path.exists():
        raise FactError(f"{path}: no such file or directory", hint="check the path")
    fmt = format or _detect_format(path)
    if fmt not in FORMATS:
        raise FactError(f"unknown population format {fmt!r}", hint="one of: " + ", ".join(FORMATS))
    limit = DEFAULT_MAX_BYTES[fmt] if max_bytes is None else max_bytes
    if subject_kind is not None:
        layout(subject_kind)  # an unknown kind is an error before any file is read
    if fmt == "jsonl":
        if path.is_dir():
            raise FactError(f"{path}: is a directory, not a JSON-lines file", hint="give the .jsonl file")
        return _read_jsonl(path, subject_kind, limit)
    if not path.is_dir():
        raise FactError(f"{path}: {fmt} populations are directories of table files", hint="give the directory")
    return _read_tables(path, subject_kind, fmt, limit)


# ----------------------------------------------------------------------------------------------------
# writing


def _json_array(pl: Any, col: str) -> Any:
    esc = (pl.element().str.replace_all("\\", "\\\\", literal=True).str.replace_all('"', '\\"', literal=True)
           .str.replace_all("\n", "\\n", literal=True).str.replace_all("\r", "\\r", literal=True)
           .str.replace_all("\t", "\\t", literal=True))
    joined = pl.col(col).list.eval(pl.format('"{}"', esc)).list.join(",")
    return pl.when(pl.col(col).is_not_null()).then(pl.format("[{}]", joined)).alias(col)


def write_population(pop: Population, path: str | Path, format: str = "parquet") -> Path:
    """Write ``pop`` as a directory of table files (``parquet`` or ``csv``) or one ``jsonl`` file of bundles.

    Everything written reads back with :func:`read_population` to the same facts.
    """
    pl = require_polars()
    path = Path(path)
    if format not in FORMATS:
        raise FactError(f"unknown population format {format!r}", hint="one of: " + ", ".join(FORMATS))
    if format == "jsonl":
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as fh:
            for b in pop.iter_facts():
                fh.write(b.model_dump_json())
                fh.write("\n")
        return path
    path.mkdir(parents=True, exist_ok=True)
    for table, frame in pop.tables.items():
        if format == "parquet":
            frame.write_parquet(path / f"{table}.parquet")
        else:
            lists = [n for n, t in frame.schema.items() if isinstance(t, pl.List)]
            out = frame.with_columns([_json_array(pl, n) for n in lists]) if lists else frame
            out.write_csv(path / f"{table}.csv")
    return path
