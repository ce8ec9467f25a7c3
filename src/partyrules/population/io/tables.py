"""A population's directory of table files, Parquet or CSV (one file per table, or numbered parts), found,
read and checked as one population."""

from __future__ import annotations

import difflib
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import FactError, PopulationError
from ..checks import FILE, ROW, RowProblem, unreadable_table
from ..frames import SUBJECT_FIELD, SUBJECT_TABLE, layout, require_polars
from .checked import PopulationRead, _check_tables
from .csvfile import _read_csv

if TYPE_CHECKING:
    import polars
    import polars as pl

__all__ = ["read_files"]


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


def _read_parquet(pl: Any, path: Path, table: str) -> tuple[pl.LazyFrame, list[RowProblem]]:
    # lazily: the checks read the file where they need it, so a population of millions is never held twice; its
    # footer is read now, so that a truncated file is named here (damaged pages are named where they are read)
    try:
        pl.read_parquet_schema(path)
    except (pl.exceptions.PolarsError, OSError, pl.exceptions.PanicException) as exc:
        raise unreadable_table([str(path)], exc) from None
    return (pl.scan_parquet(path).with_row_index(ROW, offset=1)
            # the file's name as a category: one small number a row, not the name's text 12M times (75 MB)
            .with_columns(pl.col(ROW).cast(pl.Int64), pl.lit(str(path)).cast(pl.Categorical).alias(FILE))), []


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

