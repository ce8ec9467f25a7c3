"""A population read from an .xlsx workbook: one sheet per table, Chinese or English headers.

Each sheet becomes the text columns a CSV file of the table would give (a date cell as ``YYYY-MM-DD``, a yes/no
as ``true``/``false``, a list cell ``a、b、c`` as a JSON array), with its row numbers, and is then checked by
exactly the checks CSV and Parquet go through (:func:`~partyrules.population.io.check_frames`). Every problem
names its cell, ``records!D7: ...`` (:class:`CellProblem`); the subjects without one are read.

Bounds (a workbook is input from outside): the file at most :data:`MAX_XLSX_BYTES`, the cells read at most
:data:`MAX_CELLS` over all sheets, each sheet at most :data:`MAX_ROWS` rows; past one, the workbook is refused with
a :class:`PopulationError` naming the cell where it stopped. A formula is never evaluated: its cell is reported and
its row not read (type the value instead)."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import FactError, PopulationError
from ..checks import FILE, ROW, RowProblem
from ..frames import SUBJECT_FIELD, SUBJECT_TABLE, layout, require_polars
from .checked import PopulationRead, _check_tables
from .headers import LIST_SEPARATORS, ColumnHeader, header_map, suggest

if TYPE_CHECKING:
    import polars
    import polars as pl

__all__ = ["LISTS_SHEET", "MAX_CELLS", "MAX_ROWS", "MAX_XLSX_BYTES", "CellProblem", "read_workbook", "require_openpyxl"]

MAX_XLSX_BYTES = 200 * 10**6
"""The largest workbook file read by default (its zip is inflated as it is read, never whole)."""
MAX_CELLS = 5_000_000
"""The most cells read from one workbook (all sheets): about 50,000 monthly records of 100 columns."""
MAX_ROWS = 1_048_576
"""The most rows of one sheet: a spreadsheet program's own limit, so no real sheet is cut."""
LISTS_SHEET = "lists"
"""The hidden sheet of a template holding its drop-down lists' values (an inline list is limited to 255
characters); it is not a table, and not read."""


@dataclass(frozen=True)
class CellProblem(RowProblem):
    """A row problem of a workbook, named by its cell as a spreadsheet program names it (``records!D7``)."""

    cell: str = ""

    def __str__(self) -> str:
        who = f" (subject '{self.subject_id}')" if self.subject_id is not None else ""
        return f"{self.cell}: {self.reason}{who}"


def require_openpyxl() -> Any:
    """openpyxl, or an error saying which extra installs it."""
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - the test extra installs it
        raise PopulationError("reading and writing .xlsx workbooks needs openpyxl / 需要安装 openpyxl",
                              hint='pip install "partyrules[sheets]"') from None
    return openpyxl


def open_workbook(path: Path) -> Any:
    """The workbook, read-only and streaming, formulas as formulas (never evaluated); anything that is not an
    .xlsx workbook a :class:`PopulationError`."""
    openpyxl = require_openpyxl()
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as exc:
        raise PopulationError(f"{path}: not an .xlsx workbook ({type(exc).__name__}: {str(exc)[:200]}) / "
                              "不是 .xlsx 工作簿",
                              hint="save the file as an Excel workbook (.xlsx) and read it again") from None


def _text(value: Any, h: ColumnHeader, labels: dict[str, str]) -> str | None:
    """A cell's value as the CSV text of its column, which the table checks then parse as CSV text is."""
    if value is None or (isinstance(value, str) and not value.strip()):
        # an empty cell of a list that must be given is the empty list, as a person leaves it
        return "[]" if h.unit == "list" and not h.nullable else None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.time() != time(0):
            return value.isoformat()  # a time of day in a date column is reported by the checks, not cut off
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%Y-%m") if h.unit == "month" else value.isoformat()
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    elif isinstance(value, int):
        text = str(value)
    else:
        text = str(value)
    if text.strip() == "":
        return None
    if h.unit == "str" and not h.choices:
        return text  # as typed: spaces inside an id or a name are the person's, not the reader's to drop
    text = text.strip()
    if h.unit == "bool":
        return {"是": "true", "否": "false", "yes": "true", "no": "false"}.get(text.lower(), text.lower())
    if h.unit == "list":
        return _list_text(text)
    return labels.get(text, text)


def _list_text(text: str) -> str:
    if text.startswith("["):
        try:
            if isinstance(json.loads(text), list):
                return text  # written as JSON because an item holds a separator
        except ValueError:
            pass
    items = [text]
    for sep in LIST_SEPARATORS:
        items = [part for item in items for part in item.split(sep)]
    return json.dumps([i.strip() for i in items if i.strip()], ensure_ascii=False)


def _guess_kind(row: tuple[Any, ...]) -> str:
    names = {h.name for k in ("member", "branch", "community") for h in header_map(k, SUBJECT_TABLE).values()
             if any(str(c).strip() in (h.name, h.zh) for c in row if c is not None)}
    for kind in ("member", "branch", "community"):
        if f"{SUBJECT_FIELD[kind]}_id" in names:
            return kind
    raise FactError("the subjects sheet names no member_id, branch_id or community_id column (党员编号, 党支部编号, "
                    "社区编号) / 无法判断对象类型", hint="pass subject_kind='member', 'branch' or 'community'")


def read_workbook(path: str | Path, subject_kind: str | None = None, *, max_bytes: int = MAX_XLSX_BYTES,
                  max_cells: int = MAX_CELLS) -> PopulationRead:
    """Read and check a population from an .xlsx workbook (see the module docstring)."""
    path = Path(path)
    if path.stat().st_size > max_bytes:
        raise FactError(f"{path}: the workbook is {path.stat().st_size:,} bytes, more than the limit of "
                        f"{max_bytes:,}", hint="split it into several workbooks, or raise max_bytes=")
    wb = open_workbook(path)
    try:
        return _read(wb, path, subject_kind, max_cells)
    finally:
        wb.close()


def _read(wb: Any, path: Path, kind: str | None, max_cells: int) -> PopulationRead:
    pl = require_polars()
    sheets = list(wb.sheetnames)
    if SUBJECT_TABLE not in sheets:
        import difflib

        close = difflib.get_close_matches(SUBJECT_TABLE, sheets, n=1)
        raise FactError(f"{path}: no sheet {SUBJECT_TABLE!r} / 缺少 subjects 工作表"
                        + (f" (did you mean {close[0]!r}?)" if close else ""),
                        hint="a population workbook has one sheet per table, named after the table: subjects, "
                             "records, ...")
    if kind is None:
        first = next(wb[SUBJECT_TABLE].iter_rows(min_row=1, max_row=1, values_only=True), ())
        kind = _guess_kind(tuple(first))
    tables = layout(kind)
    problems: list[RowProblem] = []
    raws: dict[str, tuple[polars.DataFrame | polars.LazyFrame, list[str]]] = {}
    bad_rows: dict[str, list[RowProblem]] = {}
    letters: dict[str, dict[str, str]] = {}
    budget = [max_cells]
    for sheet in sheets:
        if sheet == LISTS_SHEET:
            continue
        if sheet not in tables:
            hint = suggest_sheet(sheet, list(tables))
            problems.append(CellProblem(str(path), sheet, None, None, None,
                                        f"unknown sheet {sheet!r}{hint}; not read / 未知工作表", sheet))
            continue
        frame, found, letters[sheet] = _read_sheet(pl, wb[sheet], path, kind, sheet, budget)
        raws[sheet] = (frame, [str(path)])
        # rows that are not read (a formula) go to the checks as a ragged CSV row does: their subject is left out
        bad_rows[sheet] = [p for p in found if p.row is not None]
        problems.extend(p for p in found if p.row is None)
    read = _check_tables(kind, raws, problems, bad_rows)
    read.problems = [_at_cell(p, letters) for p in read.problems]
    return read


def suggest_sheet(sheet: str, tables: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(sheet, tables, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _at_cell(p: RowProblem, letters: dict[str, dict[str, str]]) -> CellProblem:
    if isinstance(p, CellProblem):
        return p
    cols = letters.get(p.table, {})
    if p.row is None:
        cell = f"{p.table}!{cols[p.column]}1" if p.column in cols else p.table
    elif p.column in cols:
        cell = f"{p.table}!{cols[p.column]}{p.row}"
    else:
        cell = f"{p.table}!{p.row}:{p.row}"  # the whole row, as a spreadsheet program names it
    return CellProblem(p.file, p.table, p.row, p.column, p.subject_id, p.reason, cell)


def _header(kind: str, sheet: str, row: tuple[Any, ...], path: Path
            ) -> tuple[list[tuple[int, str, ColumnHeader | None]], list[RowProblem], dict[str, str]]:
    from openpyxl.utils import get_column_letter

    known = header_map(kind, sheet)
    columns: list[tuple[int, str, ColumnHeader | None]] = []
    problems: list[RowProblem] = []
    letters: dict[str, str] = {}
    taken: set[str] = set()
    for i, cell in enumerate(row):
        text = "" if cell is None else str(cell).strip()
        if not text:
            continue
        letter = get_column_letter(i + 1)
        h = known.get(text)
        name = h.name if h is not None else text
        if name in taken:
            raise PopulationError(f"{path}: {sheet}!{letter}1: the column {name!r} is named twice / 表头重复",
                                  hint="name each column once")
        taken.add(name)
        if h is None:
            close = suggest(kind, sheet, text)
            if close is not None and known[close].name not in {known[str(c).strip()].name for c in row
                                                                if c is not None and str(c).strip() in known}:
                # the column meant is absent: handed to the checks under a near spelling of its name, so that
                # they refuse the table as they refuse a CSV file with a misspelt column
                name = known[close].name + "_"
            problems.append(CellProblem(str(path), sheet, None, text, None,
                                        f"unknown header {text!r}" + (f" (did you mean {close!r}?)" if close else "")
                                        + "; the column is not read / 未知表头", f"{sheet}!{letter}1"))
        letters[name] = letter
        columns.append((i, name, h))
    return columns, problems, letters


def _read_sheet(pl: Any, ws: Any, path: Path, kind: str, sheet: str, budget: list[int]
                ) -> tuple[pl.DataFrame, list[RowProblem], dict[str, str]]:
    rows = ws.iter_rows()
    first = next(rows, None)
    header = tuple(c.value for c in first) if first is not None else ()
    columns, problems, letters = _header(kind, sheet, header, path)
    labels = {name: {lab: v for lab, v in zip(h.choice_labels("zh"), h.choices, strict=True)}
              for _, name, h in columns if h is not None and h.choices and h.unit != "bool"}
    values: list[list[str | None]] = [[] for _ in columns]
    numbers: list[int] = []
    for r, cells in enumerate(rows, start=2):
        budget[0] -= max(len(cells), 1)
        if budget[0] < 0 or r > MAX_ROWS:
            raise PopulationError(f"{path}: {sheet}!A{r}: the workbook has more cells than the limit of "
                                  f"{MAX_CELLS:,} (rows up to {MAX_ROWS:,} a sheet) / 工作簿过大",
                                  hint="split it into several workbooks, or raise max_cells=")
        row = [cells[i] if i < len(cells) else None for i, _, _ in columns]
        if all(c is None or c.value is None or str(c.value).strip() == "" for c in row):
            continue  # an empty row (a spreadsheet's formatted but unused rows) is no row
        formula = next((j for j, c in enumerate(row) if c is not None and c.data_type == "f"), None)
        if formula is not None:
            _, name, _ = columns[formula]
            sid = _sid(row, columns)
            problems.append(CellProblem(str(path), sheet, r, name, sid, "a formula (formulas are not evaluated: type "
                                        "the value); the row is not read / 公式不计算，请填写数值",
                                        f"{sheet}!{letters[name]}{r}"))
            continue
        numbers.append(r)
        for k, ((_, name, h), c) in enumerate(zip(columns, row, strict=True)):
            v = None if c is None else c.value
            values[k].append(_text(v, h, labels.get(name, {})) if h is not None else
                             (None if v is None else str(v)))
    frame = pl.DataFrame({name: pl.Series(name, values[k], dtype=pl.String)
                          for k, (_, name, _) in enumerate(columns)})
    return (frame.with_columns(pl.Series(ROW, numbers, dtype=pl.Int64), pl.lit(str(path)).alias(FILE)),
            problems, letters)


def _sid(row: list[Any], columns: list[tuple[int, str, ColumnHeader | None]]) -> str | None:
    for c, (_, name, _) in zip(row, columns, strict=True):
        if name == "subject_id" and c is not None and c.value is not None:
            return str(c.value)
    return None
