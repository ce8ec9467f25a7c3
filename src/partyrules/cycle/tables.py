"""Write result tables as CSV, JSON or Parquet (Parquet needs the ``analysis`` extra: polars).

A table is a list of flat rows (dicts of str, int, float, bool or None). Rows are written in the order given and
columns in the order of the first row, so the same result always gives byte-identical CSV and JSON files.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from ..errors import PartyRulesError

TableFormat = Literal["csv", "json", "parquet"]
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
        with path.open("w", encoding="utf-8", newline="") as fh:
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
    else:
        raise PartyRulesError(f"unknown table format {fmt!r}", hint="use csv, json or parquet")
    return path


def _cell(v: Any) -> Any:
    if isinstance(v, bool):
        return "true" if v else "false"
    return v


def write_tables(tables: Mapping[str, Sequence[Row]], out_dir: str | Path, fmt: TableFormat = "csv") -> list[Path]:
    """One file per table in ``out_dir`` (created if missing), named ``<table>.<format>``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return [write_table(rows, out / f"{name}.{fmt}", fmt) for name, rows in tables.items()]
