"""CSV table files read as text columns with their line numbers; a row that is not a row of the table
(ragged, or with bytes that are not UTF-8) is reported with its subject and not read."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import PopulationError
from ...jsonlimits import NOT_UTF8
from ..checks import FILE, ROW, RowProblem

if TYPE_CHECKING:
    import polars as pl


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

