"""Reading a population from a path: its format told from the path, its size bounded, its files read."""

from __future__ import annotations

from pathlib import Path

from ...errors import FactError
from ..frames import layout
from .checked import PopulationRead
from .jsonl import _read_jsonl
from .tables import _detect_format, _read_tables

__all__ = ["DEFAULT_MAX_BYTES", "FORMATS", "read_population"]


FORMATS = ("parquet", "csv", "jsonl")
DEFAULT_MAX_BYTES = {"parquet": 20 * 10**9, "csv": 2 * 10**9, "jsonl": 2 * 10**9}
"""The largest input read by default (all files of a population together), per format: a bigger input is
refused with an error instead of exhausting memory. Pass ``max_bytes=`` to change it."""


def read_population(path: str | Path, subject_kind: str | None = None, *, format: str | None = None,
                    max_bytes: int | None = None) -> PopulationRead:
    """Read a population from a JSON-lines file of bundles, a directory of Parquet or CSV table files, or an
    .xlsx workbook of one sheet per table (:mod:`.xlsx_read`: each bad cell named as ``records!D7``).

    Every bad row is a :class:`RowProblem`, and the subject it belongs to is left out with all its rows; the
    other subjects make up ``.population``. The subject kind is read off the files when not given. Inputs larger
    than ``max_bytes`` (default :data:`DEFAULT_MAX_BYTES` for the format) are refused with a :class:`FactError`.
    """
    path = Path(path)
    if not path.exists():
        raise FactError(f"{path}: no such file or directory", hint="check the path")
    if format == "xlsx" or (format is None and path.suffix.lower() == ".xlsx"):
        from .xlsx_read import MAX_XLSX_BYTES, read_workbook  # openpyxl only when a workbook is read

        return read_workbook(path, subject_kind, max_bytes=MAX_XLSX_BYTES if max_bytes is None else max_bytes)
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
