"""Reading one table of a population: its columns parsed and checked as the fact models check one value, and
every bad value a :class:`RowProblem` naming the file, the row, the column, the subject and the reason."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ...errors import PopulationError
from ..frames import layout, require_polars, table_schema
from .columns import (
    _Spec,
    _specs,
    _value_checks,
    chain,
    column_may_fail,
    distinct_values,
    failing,
    list_failing,
    list_rows,
    list_totals,
    parse_checks,
    run_starts,
    value_failing,
)
from .rows import Cross, _cross_checks

if TYPE_CHECKING:
    import polars as pl

__all__ = ["FILE", "ROW", "RowProblem", "TableRead", "check_table", "unreadable_table"]

_T = TypeVar("_T")


ROW = "\x00row"
FILE = "\x00file"
_ERR = "\x00err:"
_BAD = "\x00bad"
_TWICE = "\x00twice:"


@dataclass(frozen=True)
class RowProblem:
    """Why one row (or a whole file, ``row is None``) of a population input was not read."""

    file: str
    table: str
    row: int | None  # 1-based: CSV line (header = 1), JSON-lines line, Parquet row index + 1
    column: str | None
    subject_id: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.row}" if self.row is not None else self.file
        who = f" (subject '{self.subject_id}')" if self.subject_id is not None else ""
        return f"{where}: {self.table}{who}: {self.reason}"


@dataclass
class TableRead:
    frame: pl.DataFrame | None  # checked rows (all columns of the layout); None when the table is unreadable
    problems: pl.DataFrame  # file, row, column, subject_id, reason
    file_problems: list[RowProblem]
    # the subject of each run of rows of one subject, in order (rows come in such runs as files are written): what
    # is true of each run's subject is true of every row (None: not worked out)
    run_subjects: pl.Series | None = None


def _problem_frame(pl: Any) -> pl.DataFrame:
    return pl.DataFrame(schema={"file": pl.String, "row": pl.Int64, "column": pl.String,
                                "subject_id": pl.String, "reason": pl.String})


def check_table(kind: str, table: str, raw: pl.DataFrame | pl.LazyFrame, files: list[str]) -> TableRead:
    pl = require_polars()
    lay = layout(kind)[table]
    specs = _specs(lay)
    schema = table_schema(kind, table)
    file_problems: list[RowProblem] = []
    raw_schema = _read(raw.collect_schema, files)  # raw is a DataFrame, or a LazyFrame over Parquet files
    present = [n for n in raw_schema.names() if n not in (ROW, FILE)]
    misspelt: list[str] = []
    for name in present:
        if name not in specs:
            close = difflib.get_close_matches(name, list(specs), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            if close and close[0] not in present:
                # the column meant is absent: reading on with its default would score every subject on a value
                # nobody gave (a renamed 'cards' gave every member an empty card set), so the table is not read
                misspelt.append(close[0])
                hint += f"; {close[0]!r} is absent, so the table is not read"
            for f in files:
                file_problems.append(RowProblem(f, table, None, name, None,
                                                f"unknown column {name!r}{hint}; it is not read"))
    missing = [n for n, s in specs.items() if n not in present and s.required]
    if missing or misspelt:
        for f in files:
            if missing:
                file_problems.append(RowProblem(f, table, None, None, None,
                                                "missing required column" + ("s " if len(missing) > 1 else " ")
                                                + ", ".join(repr(m) for m in missing)))
            if misspelt:
                file_problems.append(RowProblem(f, table, None, None, None,
                                                "missing column" + ("s " if len(misspelt) > 1 else " ")
                                                + ", ".join(repr(m) for m in misspelt)
                                                + ", written under another name: the table is not read"))
        return TableRead(None, _problem_frame(pl), file_problems)
    for name in (n for n in specs if n in present):
        reason = parse_checks(pl, specs[name], pl.col(name), raw_schema[name])
        if isinstance(reason, str):  # a column of a type no value of which can be read
            file_problems.extend(RowProblem(f, table, None, name, None, reason) for f in files)
            return TableRead(None, _problem_frame(pl), file_problems)
    # The one read of the rows: the columns of the table as they are in the files.
    columns = [n for n in raw_schema.names() if n in specs or n in (FILE, ROW)]
    df = _read(raw.lazy().select(columns).collect, files)
    cross = _cross_checks(pl, kind, table)
    # a value polars cannot even show (bytes that are not UTF-8 in a Parquet column) fails here: it is the file's
    # problem, named as one, never a polars exception
    # where each run of one subject's rows starts, worked out once for the table: its subjects' ids are checked on
    # the runs, and ids given twice and orphans are found from them. A subject id already text is the parsed one.
    raw_sid = df.get_column("subject_id") if "subject_id" in df.schema else None
    starts = run_starts(raw_sid) if raw_sid is not None and raw_sid.dtype == pl.String else None
    frame, bad = _read(lambda: _values(pl, specs, schema, df, cross, starts), files)
    sid = frame.get_column("subject_id")
    if starts is None:
        starts = run_starts(sid)
    runs = sid.filter(starts)
    twice = {i: _given_twice(pl, frame, c.key, starts, runs) for i, c in enumerate(cross) if c.key is not None}
    for flags in twice.values():
        if flags is not None:
            bad = bad | flags
    if not bad.any():
        return TableRead(frame, _problem_frame(pl), file_problems, runs)
    # rechunked: polars 2.1 panics formatting a filtered string column that is not (see checked.py's orphans)
    sub = df.filter(bad).rechunk().with_columns(
        (pl.Series(_TWICE + str(i), flags.filter(bad)) if flags is not None
         else pl.lit(False).alias(_TWICE + str(i))) for i, flags in twice.items())
    problems = _read(lambda: _problems(pl, kind, table, specs, schema, sub, df.schema, cross), files)
    return TableRead(frame, problems, file_problems, runs)


def _values(pl: Any, specs: dict[str, _Spec], schema: Any, df: pl.DataFrame, cross: list[Cross],
            starts: pl.Series | None = None) -> tuple[pl.DataFrame, pl.Series]:
    """The table's values (each column parsed to its type) and which rows break a check of their own values or
    across their fields. Totals first: a column already of its type whose totals show no bad value is taken as it
    is, and a check across fields that holds nowhere is not looked at row by row; only the rest is (conditions
    only: the messages are worked out for the bad rows alone)."""
    totals = {name: column_may_fail(pl, s, df.schema[name], schema[name]) for name, s in specs.items()
              if name in df.schema}
    # text columns with a pattern to match are checked on their distinct values (see distinct_values); lengths and
    # vocabularies cost less than finding the distinct values of, say, every name
    texts = [n for n, e in totals.items() if e is not None and (specs[n].target == "json"
                                                                or (specs[n].target == "str" and specs[n].checks))]
    checks = {n: e for n, e in totals.items() if e is not None}
    others = [e.alias(n) for n, e in checks.items() if n not in texts]
    # all the totals in one go, so that polars works them out side by side; a list column already of its type is
    # the parsed one, so its elements are totalled with the rest
    queries = [d.select(checks[n].alias(n)) for n, d in distinct_values(pl, df, texts, starts).items()]
    if others and df.height:
        queries.append(df.lazy().select(others))
    typed_lists = {n: t for n, s in specs.items() if n in df.schema and df.schema[n] == schema[n]
                   and (t := list_totals(pl, s, df.get_column(n))) is not None}
    results = pl.collect_all(queries + list(typed_lists.values()))
    found: dict[str, Any] = {}
    for one in results[:len(queries)]:
        found.update(one.row(0, named=True))
    elements_fail = {n: any(r.row(0)) for n, r in zip(typed_lists, results[len(queries):], strict=True)}
    values: list[Any] = []
    parse_bad: list[Any] = []
    value_bad: list[Any] = []
    for name, s in specs.items():
        if name not in df.schema:
            values.append(pl.lit(s.default, dtype=schema[name]).alias(name))
            value_bad.append(value_failing(pl, s, pl.col(name)))
        elif totals[name] is not None and not found.get(name, False):
            continue  # clean, and of its type: taken as it is
        else:
            parsed = parse_checks(pl, s, pl.col(name), df.schema[name])
            assert not isinstance(parsed, str)
            value, pairs = parsed
            values.append(value.cast(schema[name]).alias(name))
            if pairs:
                parse_bad.append(failing(pl, pairs))
            value_bad.append(value_failing(pl, s, pl.col(name)))
    # the parsed columns worked out, and put with the columns taken as they are into a frame of its own columns,
    # which shares them (a select of the clean columns copied all 12M records: +700 MB)
    worked = {c.name: c for c in df.select(pl.col(ROW), *values).get_columns()} if values else {}
    frame = pl.DataFrame([df.get_column(FILE), df.get_column(ROW)]
                         + [worked[n] if n in worked else df.get_column(n) for n in specs])
    bad = (df.select(pl.any_horizontal(*parse_bad)).to_series() if parse_bad
           else pl.repeat(False, df.height, dtype=pl.Boolean, eager=True))
    local = [failing(pl, [(c.condition, None)]) for c in cross if c.key is None]
    if local and frame.height:
        # the checks across fields read the parsed values; the same totals first
        holds = frame.select(e.any().alias(str(i)) for i, e in enumerate(local)).row(0)
        value_bad += [e for e, h in zip(local, holds, strict=True) if h]
    if value_bad:
        bad = bad | frame.select(pl.any_horizontal(*value_bad)).to_series()
    for name, s in specs.items():
        if name in elements_fail:
            elements = list_rows(pl, s, frame.get_column(name)) if elements_fail[name] else None
        else:
            elements = list_failing(pl, s, frame.get_column(name))
        if elements is not None:
            bad = bad | elements
    return frame, bad


def _given_twice(pl: Any, frame: pl.DataFrame, key: tuple[str, ...], starts: pl.Series, runs: pl.Series
                 ) -> pl.Series | None:
    """The rows whose ``key`` another row repeats, or None when no key is repeated. Files are usually written in
    subject order with each subject's items in key order: then each subject's rows are one run, and a key strictly
    after the one before it within the run is not repeated, which comparing neighbours shows without hashing every
    key (a struct's ``is_duplicated`` over 12M records was the slowest check). Any other order is hashed.
    ``starts`` are the rows where a run of one subject starts, ``runs`` the subject of each run."""
    assert key[0] == "subject_id"
    cols = [pl.col(k) for k in key]
    first = cols[0]
    later: Any = None  # lexicographic: the first column that differs decides (the last one by itself)
    for col in reversed(cols[1:]):
        later = col > col.shift() if later is None else (col > col.shift()) | ((col == col.shift()) & later)
    ordered = frame.select(
        pl.all_horizontal(*(c.null_count() == 0 for c in cols)).alias("no_nulls"),
        (pl.lit(starts) if later is None else pl.lit(starts) | later).fill_null(False).all().alias("within"),
    ).row(0, named=True)
    if ordered["no_nulls"] and ordered["within"] and _no_run_twice(pl, runs):
        return None
    found = frame.select((pl.struct(key).is_duplicated() if len(key) > 1 else first.is_duplicated()).alias("d"))
    flags = found.to_series()
    return flags if flags.any() else None


def _no_run_twice(pl: Any, runs: pl.Series) -> bool:
    """Whether no two runs are of one subject. Runs in order are not (two neighbouring runs never are): in the
    order of texts, or of their lengths and then texts, as numbered ids are ('M999999' before 'M1000000', where a
    million members broke the order of texts and every id was hashed). Any other order is hashed."""
    if runs.is_sorted():
        return True
    if runs.dtype == pl.String:
        r = pl.col("r")
        size = r.str.len_bytes()
        after = (size > size.shift()) | ((size == size.shift()) & (r > r.shift()))
        if runs.to_frame("r").select(after.slice(1).all()).item():
            return True
    return bool(runs.len() == runs.n_unique())


def _problems(pl: Any, kind: str, table: str, specs: dict[str, _Spec], schema: Any, sub: pl.DataFrame,
              raw_schema: Any, cross: list[Cross]) -> pl.DataFrame:
    """The problems of the bad rows, each check's message where its condition holds, in the order of the rows and
    then of the checks (the first failing check of a column names its error)."""
    values: list[Any] = []
    errors: list[Any] = []
    for name, s in specs.items():
        if name not in raw_schema.names():
            values.append(pl.lit(s.default, dtype=schema[name]).alias(name))
            continue
        parsed = parse_checks(pl, s, pl.col(name), raw_schema[name])
        assert not isinstance(parsed, str)  # a column that cannot be read was reported before any row
        value, pairs = parsed
        values.append(value.cast(schema[name]).alias(name))
        errors.append(chain(pl, pairs).alias(_ERR + name))
    twice = [n for n in sub.columns if n.startswith(_TWICE)]
    frame = sub.lazy().select(pl.col(FILE).cast(pl.String), pl.col(ROW),
                              pl.col("subject_id").cast(pl.String).alias(_ERR + "sid"), *values, *errors, *twice)
    present_errors = set(frame.collect_schema().names())
    checks: list[Any] = []
    for name, s in specs.items():
        own = _ERR + name
        checked = _value_checks(pl, s, pl.col(name))
        checks.append((pl.col(own) if own in present_errors else pl.lit(None, pl.String)).fill_null(checked)
                      .alias(own))
    checked_rows = frame.with_columns(checks)
    if cross:
        checked_rows = checked_rows.with_columns(
            pl.when(pl.col(_TWICE + str(i)) if c.key is not None else c.condition).then(c.message)
            .alias(f"{_ERR}{i}:{c.column}") for i, c in enumerate(cross))
    err_cols = [n for n in checked_rows.collect_schema().names() if n.startswith(_ERR) and n != _ERR + "sid"]
    bad = (checked_rows.filter(pl.any_horizontal(pl.col(err_cols).is_not_null()))
           .select(pl.col(FILE).alias("file"), pl.col(ROW).alias("row"),
                   pl.col(_ERR + "sid").alias("subject_id"), *err_cols)).collect()
    problems: pl.DataFrame = (
        bad.unpivot(index=["file", "row", "subject_id"], on=err_cols, variable_name="column", value_name="reason")
        .drop_nulls("reason")
        .with_columns(pl.col("column").str.replace(r"^\x00err:(?:[0-9]+:)?", ""))
        .select("file", "row", "column", "subject_id", "reason"))
    return problems


def _read(step: Callable[[], _T], files: list[str]) -> _T:
    """Run a step that reads the table's files (Parquet is scanned lazily, so damage shows only here): an error of
    polars reading them is a :class:`PopulationError` naming the file, never a polars exception."""
    pl = require_polars()
    try:
        return step()
    except (pl.exceptions.PolarsError, OSError, pl.exceptions.PanicException) as exc:
        raise unreadable_table(files, exc) from None


def unreadable_table(files: list[str], exc: BaseException) -> PopulationError:
    """The error of table files polars cannot read, naming the one that fails when it can be told among parts."""
    pl = require_polars()
    bad = list(files)
    if len(files) > 1 and all(f.endswith(".parquet") for f in files):
        for f in files:  # only after a failure: read each part alone to name the damaged one
            try:
                pl.read_parquet(f)
            except (pl.exceptions.PolarsError, OSError, pl.exceptions.PanicException):
                bad = [f]
                break
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
    return PopulationError(f"{', '.join(bad)}: cannot be read: {reason} / 文件无法读取",
                           hint="the file is damaged, truncated or not in its format: write it again, or remove it "
                                "(a table that is absent has no rows)")
