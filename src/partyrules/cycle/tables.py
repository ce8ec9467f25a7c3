"""Write result tables as CSV, JSON, Parquet (needs the ``analysis`` extra: polars) or .xlsx (needs the ``sheets``
extra: openpyxl).

A table is a list of flat rows (dicts of str, int, float, bool or None). Rows are written in the order given and
columns in the order of the first row, so the same result always gives byte-identical CSV and JSON files. CSV is
written with a UTF-8 byte-order mark, which spreadsheet programs need to show Chinese (Python's ``utf-8-sig`` and
polars read it as plain UTF-8); a list cell is its items joined by ", ", not JSON. A workbook has Chinese headers
(the column's English name in the header's note), the header row frozen, numbers formatted, and money (a ``*_fen``
column) in yuan.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from ..errors import PartyRulesError

TableFormat = Literal["csv", "json", "parquet", "xlsx"]
TABLE_FORMATS: tuple[str, ...] = ("csv", "json", "parquet", "xlsx")
Row = Mapping[str, Any]


def _columns(rows: Sequence[Row]) -> list[str]:
    cols: list[str] = []
    seen: set[str] = set()
    for row in rows:
        for k in row:
            if k not in seen:
                seen.add(k)
                cols.append(k)
    return cols


def write_table(rows: Sequence[Row], path: Path, fmt: TableFormat) -> Path:
    cols = _columns(rows)
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(cols)
            for row in rows:
                w.writerow(["" if row.get(c) is None else _cell(row.get(c)) for c in cols])
    elif fmt == "json":
        path.write_text(json.dumps([{c: row.get(c) for c in cols} for row in rows], ensure_ascii=False, indent=1)
                        + "\n", encoding="utf-8")
    elif fmt == "parquet":
        try:
            import polars as pl
        except ImportError as exc:
            raise PartyRulesError("writing Parquet needs polars", hint='pip install "partyrules[analysis]"') from exc
        frame = pl.DataFrame([{c: row.get(c) for c in cols} for row in rows], schema=cols or None,
                             infer_schema_length=None)
        frame.write_parquet(path)
    elif fmt == "xlsx":
        from .tables_xlsx import write_xlsx_table

        write_xlsx_table(rows, cols, path)
    else:
        raise PartyRulesError(f"unknown table format {fmt!r}", hint="use csv, json, parquet or xlsx")
    return path


def _cell(v: Any) -> Any:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):  # readable, as a person writes a list
        return ", ".join("" if x is None else str(_cell(x)) for x in v)
    return v


def write_tables(tables: Mapping[str, Sequence[Row]], out_dir: str | Path, fmt: TableFormat = "csv") -> list[Path]:
    """One file per table in ``out_dir`` (created if missing), named ``<table>.<format>``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return [write_table(rows, out / f"{name}.{fmt}", fmt) for name, rows in tables.items()]
