"""Reading one table of a population: its columns parsed and checked as the fact models check one value, and
every bad value a :class:`RowProblem` naming the file, the row, the column, the subject and the reason."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ...errors import PopulationError
from ..frames import layout, require_polars, table_schema
from .columns import _parse, _specs, _value_checks
from .rows import _cross_checks

if TYPE_CHECKING:
    import polars as pl

__all__ = ["FILE", "ROW", "RowProblem", "TableRead", "check_table", "unreadable_table"]

_T = TypeVar("_T")


ROW = "\x00row"
FILE = "\x00file"
_ERR = "\x00err:"


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
    values: list[Any] = []
    errors: list[Any] = []
    for name, s in specs.items():
        if name not in present:
            values.append(pl.lit(s.default, dtype=schema[name]).alias(name))
            continue
        parsed = _parse(pl, s, pl.col(name), raw_schema[name])
        if isinstance(parsed, str):
            file_problems.extend(RowProblem(f, table, None, name, None, parsed) for f in files)
            return TableRead(None, _problem_frame(pl), file_problems)
        value, err = parsed
        values.append(value.cast(schema[name]).alias(name))
        errors.append(err.alias(_ERR + name))
    # Lazily, and on the streaming engine for the problems: the error texts of millions of rows are worked out a
    # morsel at a time and only the bad rows are kept, instead of an error column per field for every row.
    frame = raw.lazy().select(pl.col(FILE), pl.col(ROW), pl.col("subject_id").cast(pl.String).alias(_ERR + "sid"),
                               *values, *errors)
    present_errors = set(frame.collect_schema().names())
    checks: list[Any] = []
    for name, s in specs.items():
        own = _ERR + name
        checked = _value_checks(pl, s, pl.col(name))
        checks.append((pl.col(own) if own in present_errors else pl.lit(None, pl.String)).fill_null(checked)
                      .alias(own))
    checked_rows = frame.with_columns(checks)
    cross = _cross_checks(pl, kind, table)
    if cross:
        checked_rows = checked_rows.with_columns(e.alias(f"{_ERR}{i}:{col}") for i, (col, e) in enumerate(cross))
    err_cols = [n for n in checked_rows.collect_schema().names() if n.startswith(_ERR) and n != _ERR + "sid"]
    bad_rows = (checked_rows.filter(pl.any_horizontal(pl.col(err_cols).is_not_null()))
                .select(pl.col(FILE).alias("file"), pl.col(ROW).alias("row"),
                        pl.col(_ERR + "sid").alias("subject_id"), *err_cols))
    bad = _read(lambda: bad_rows.collect(engine="streaming"), files)
    problems = (bad.unpivot(index=["file", "row", "subject_id"], on=err_cols, variable_name="column",
                            value_name="reason")
                .drop_nulls("reason")
                .with_columns(pl.col("column").str.replace(r"^\x00err:(?:[0-9]+:)?", ""))
                .select("file", "row", "column", "subject_id", "reason"))
    good = _read(frame.select(FILE, ROW, *specs).collect, files)
    return TableRead(good, problems, file_problems)


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
