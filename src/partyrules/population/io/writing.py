"""Writing a population: a directory of Parquet or CSV table files, or one JSON-lines file of bundles, each
of which reads back to the same facts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import FactError
from ..frames import Population, require_polars
from .reading import FORMATS

__all__ = ["write_population"]


def _json_array(pl: Any, col: str) -> Any:
    esc = (pl.element().str.replace_all("\\", "\\\\", literal=True).str.replace_all('"', '\\"', literal=True)
           .str.replace_all("\n", "\\n", literal=True).str.replace_all("\r", "\\r", literal=True)
           .str.replace_all("\t", "\\t", literal=True))
    joined = pl.col(col).list.eval(pl.format('"{}"', esc)).list.join(",")
    return pl.when(pl.col(col).is_not_null()).then(pl.format("[{}]", joined)).alias(col)


def write_population(pop: Population, path: str | Path, format: str = "parquet") -> Path:
    """Write ``pop`` as a directory of table files (``parquet`` or ``csv``), one ``jsonl`` file of bundles, or one
    ``xlsx`` workbook of one sheet per table.

    Everything written reads back with :func:`read_population` to the same facts.
    """
    pl = require_polars()
    path = Path(path)
    if format == "xlsx":
        from .xlsx_write import write_workbook  # openpyxl only when a workbook is written

        return write_workbook(pop, path)
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
