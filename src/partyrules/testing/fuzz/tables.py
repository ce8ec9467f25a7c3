"""Mutated population tables written as CSV, Parquet or JSON lines: one cell, row, column or file changed."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st

from .base import (
    _PLACEHOLDER,
    BIG_STRING_CHARS,
    WIDE_STRING_CHARS,
    TablesMutant,
    odd_strings,
)

if TYPE_CHECKING:
    import polars as pl

# -- tables --------------------------------------------------------------------------------------------------------
TABLE_FAMILIES = ("cell", "big_string", "subject_id", "duplicate_id", "column", "ragged", "encoding", "truncate",
                  "nesting")


def _cell_values(dtype: pl.DataType) -> st.SearchStrategy[Any]:
    import polars as pl

    if dtype.is_integer():
        return st.sampled_from([2**63, 2**63 - 1, 2**64, -1, -(2**63), math.nan, math.inf, -math.inf, 1.5,
                                "abc", "", None, "1e3", True])
    if dtype.is_float():
        return st.sampled_from([math.nan, math.inf, -math.inf, -1.0, 1e308, -0.0, 5e-324, 2**63, "x", None])
    if dtype == pl.Boolean:
        return st.sampled_from(["yes", "TRUE", 1, 2, None, "", "nan"])
    if dtype == pl.Date:
        return st.sampled_from(["2026-02-30", "0000-01-01", "9999-12-31", "2026-13-01", "x", "", None, -1, 2**63])
    return st.one_of(odd_strings(), st.sampled_from([None, "", 2**63, math.nan, "M001", "m 1"]))


def _written(tables: Mapping[str, pl.DataFrame], fmt: str) -> dict[str, bytes]:
    """The files of ``tables`` in ``fmt``: any column type polars can hold (the mutated columns may be odd)."""
    out: dict[str, bytes] = {}
    for name, df in tables.items():
        buf = io.BytesIO()
        if fmt == "parquet":
            df.write_parquet(buf)
        else:
            df.write_csv(buf)
        out[f"{name}.{fmt}"] = buf.getvalue()
    return out


def _csv_frame(df: pl.DataFrame) -> pl.DataFrame:
    """Every column as text, as a CSV file holds it: lists as JSON arrays, the rest as polars writes them."""
    import polars as pl

    cols = []
    for name, dtype in df.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.List):
            cols.append(col.map_elements(lambda xs: json.dumps(list(xs), ensure_ascii=False),
                                         return_dtype=pl.String).alias(name))
        else:
            cols.append(col.cast(pl.String).alias(name))
    return df.select(cols) if cols else df


def _set_cell(df: pl.DataFrame, row: int, column: str, value: Any, fmt: str) -> pl.DataFrame:
    import polars as pl

    values = df[column].to_list()
    values[row] = value
    if fmt == "csv":
        text = [None if v is None else (v if isinstance(v, str) else _csv_text(v)) for v in values]
        return df.with_columns(pl.Series(column, text, dtype=pl.String))
    try:
        series = pl.Series(column, values, strict=False)
        if series.null_count() > sum(v is None for v in values):
            raise TypeError("values lost")  # a value polars could not hold: write the column as text instead
    except (TypeError, OverflowError, UnicodeEncodeError, pl.exceptions.PolarsError):
        try:
            series = pl.Series(column, [None if v is None else str(v) for v in values], dtype=pl.String)
        except UnicodeEncodeError:  # a lone surrogate has no UTF-8: the column goes in as bytes
            series = pl.Series(column, [None if v is None else str(v).encode("utf-8", "surrogatepass")
                                        for v in values], dtype=pl.Binary)
    return df.with_columns(series)


def _csv_cell(value: str) -> bytes:
    """A CSV cell holding ``value`` exactly, quoted when it must be, lone surrogates as their raw bytes."""
    if any(c in value for c in ',"\n\r'):
        value = '"' + value.replace('"', '""') + '"'
    return value.encode("utf-8", "surrogatepass")


def _csv_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and not math.isfinite(v):
        return {"nan": "NaN", "inf": "inf", "-inf": "-inf"}[repr(v)]
    return str(v)


@st.composite
def table_mutants(draw: st.DrawFn, tables: Mapping[str, pl.DataFrame], fmt: str,
                  families: Sequence[str] = TABLE_FAMILIES, *, big: bool = True) -> TablesMutant:
    """One change to a population's ``tables`` written as ``fmt`` (``"csv"`` or ``"parquet"``).

    ``big=False`` leaves out the 16 MiB strings (they cost a second or two of every backend's time).
    """
    family = draw(st.sampled_from([f for f in families if f != "nesting"]))
    if fmt != "csv" and family in ("ragged", "encoding"):
        family = "truncate"
    if family == "truncate" and fmt == "csv":
        family = "ragged"
    frames = {n: (_csv_frame(df) if fmt == "csv" else df) for n, df in tables.items() if df.height}
    names = sorted(frames)
    table = draw(st.sampled_from(names))
    df = frames[table]
    row = draw(st.integers(0, df.height - 1))
    sid = df["subject_id"][row]
    if family in ("cell", "big_string"):
        return _cell_mutant(draw, family, tables, frames, table, row, fmt, big)
    if family == "subject_id":
        value = draw(st.sampled_from([None, "", " ", "null", "None", "\x00", "M 1", "\ud800"]))
        files = _with_cell(frames, table, row, "subject_id", value, fmt)
        return TablesMutant(family, f"{table}.{fmt} row {row + 1} ({sid}) subject_id = {value!r}", fmt, files,
                            sid)
    if family == "duplicate_id":
        return _duplicate_mutant(draw, frames, fmt)
    if family == "column":
        return _column_mutant(draw, frames, table, fmt)
    files = _written(frames, fmt)
    name = f"{table}.{fmt}"
    data = files[name]
    if family == "truncate":
        cut = draw(st.sampled_from([0, 4, 8, len(data) // 2, len(data) - 8, len(data) - 1]))
        flip = draw(st.booleans())
        new = data[:cut] if not flip else data[:cut] + bytes([data[cut] ^ 0xFF]) + data[cut + 1:]
        what = f"byte {cut} flipped" if flip else f"truncated at byte {cut} of {len(data)}"
        return TablesMutant(family, f"{name}: {what}", fmt, {**files, name: new}, None)
    lines = data.decode("utf-8").split("\n")
    line_no = row + 1  # the header is line 0 here, so this is the drawn row (quoted multi-line cells aside)
    if family == "ragged":
        return _ragged_mutant(draw, files, name, lines, line_no, sid, fmt)
    junk = draw(st.sampled_from([b"\xff\xfe", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\xef\xbb\xbf"]))
    encoded = [ln.encode("utf-8") for ln in lines]
    encoded[line_no] = encoded[line_no] + junk if draw(st.booleans()) else junk + encoded[line_no]
    return TablesMutant(family, f"{name} line {line_no + 1} ({sid}): bytes {junk!r} added", fmt,
                        {**files, name: b"\n".join(encoded)}, sid)


def _with_cell(frames: dict[str, pl.DataFrame], table: str, row: int, column: str, value: Any,
               fmt: str) -> dict[str, bytes]:
    """The files with one cell of ``table`` set to ``value`` (``frames`` is changed)."""
    raw = fmt == "csv" and isinstance(value, str)
    frames[table] = _set_cell(frames[table], row, column, _PLACEHOLDER if raw else value, fmt)
    files = _written(frames, fmt)
    if raw:  # polars cannot hold a lone surrogate: the cell's bytes are put in the file afterwards
        files[f"{table}.csv"] = files[f"{table}.csv"].replace(_PLACEHOLDER.encode(), _csv_cell(value), 1)
    return files


def _cell_mutant(draw: st.DrawFn, family: str, tables: Mapping[str, pl.DataFrame], frames: dict[str, pl.DataFrame],
                 table: str, row: int, fmt: str, big: bool) -> TablesMutant:
    df = frames[table]
    sid = df["subject_id"][row]
    column = draw(st.sampled_from([c for c in df.columns if c != "subject_id"]))
    dtype = tables[table].schema[column]
    if family == "big_string":
        value: Any = draw(st.sampled_from(["z" * BIG_STRING_CHARS, "y" * WIDE_STRING_CHARS] if big
                                          else ["y" * WIDE_STRING_CHARS]))
    else:
        value = draw(_cell_values(dtype))
    shown = f"{value[:20]!r}... ({len(value)} characters)" if isinstance(value, str) and len(value) > 40 \
        else repr(value)
    files = _with_cell(frames, table, row, column, value, fmt)
    return TablesMutant(family, f"{table}.{fmt} row {row + 1} ({sid}) {column} = {shown}", fmt, files, sid)


def _duplicate_mutant(draw: st.DrawFn, frames: dict[str, pl.DataFrame], fmt: str) -> TablesMutant:
    import polars as pl

    subjects = frames["subjects"]
    i = draw(st.integers(0, subjects.height - 1))
    j = draw(st.integers(0, subjects.height - 1))
    first = subjects["subject_id"][i]
    other = subjects["subject_id"][j]
    how = draw(st.sampled_from(["repeat_row", "rename"]))
    if how == "repeat_row":
        frames["subjects"] = pl.concat([subjects, subjects[i]])
        desc = f"subjects.{fmt}: the row of {first} repeated"
    else:
        frames["subjects"] = _set_cell(subjects, j, "subject_id", first, fmt)
        desc = f"subjects.{fmt}: {other} renamed {first} (two subjects, one id)"
    return TablesMutant("duplicate_id", desc, fmt, _written(frames, fmt), None)


def _column_mutant(draw: st.DrawFn, frames: dict[str, pl.DataFrame], table: str, fmt: str) -> TablesMutant:
    import polars as pl

    df = frames[table]
    how = draw(st.sampled_from(["drop", "unknown", "rename"]))
    column = draw(st.sampled_from(df.columns))
    if how == "drop":
        frames[table] = df.drop(column)
    elif how == "unknown":
        frames[table] = df.with_columns(pl.lit("1").alias(column + "_x"))
    else:
        frames[table] = df.rename({column: column.upper() + " "})
    return TablesMutant("column", f"{table}.{fmt}: column {column!r} {how}", fmt, _written(frames, fmt), None)


def _ragged_mutant(draw: st.DrawFn, files: dict[str, bytes], name: str, lines: list[str], line_no: int, sid: Any,
                   fmt: str) -> TablesMutant:
    parsed = next(csv.reader([lines[line_no]])) if lines[line_no] else []
    how = draw(st.sampled_from(["extra", "missing", "unclosed_quote", "empty_line"]))
    if how == "extra":
        parsed += ["1", "2"]
    elif how == "missing":
        parsed = parsed[:-2]
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(parsed)
    text = out.getvalue()
    if how == "unclosed_quote":
        text = '"' + text
    elif how == "empty_line":
        text = ""
    lines[line_no] = text
    return TablesMutant("ragged", f"{name} line {line_no + 1} ({sid}): {how} field(s)", fmt,
                        {**files, name: "\n".join(lines).encode("utf-8")}, sid)
