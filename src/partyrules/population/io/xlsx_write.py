"""A population written as an .xlsx workbook, and the empty workbook a branch secretary fills each month.

Both have one sheet per table (named after the table, as :mod:`.xlsx_read` reads them), a header row in Chinese
(or English column names) with a note on each header cell saying what the column means and its unit, the header
row frozen, dates as dates, text columns as text (so a spreadsheet program does not turn ``2026-03`` or an id of
digits into something else), and drop-down lists for every closed value (enumerations, yes/no)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from ...errors import PopulationError
from ..frames import SUBJECT_TABLE, Population, layout
from .headers import BOOL_TEXT, LIST_SEPARATOR, LIST_SEPARATORS, ColumnHeader, headers
from .xlsx_read import LISTS_SHEET, MAX_ROWS, require_openpyxl

__all__ = ["write_template", "write_workbook"]

TEMPLATE_ROWS = 500  # the rows of a template that carry the drop-downs and formats: a branch's month and more


def _list_cell(items: Sequence[Any]) -> str:
    texts = [str(i) for i in items]
    if not texts or any(sep in t or t.strip() != t or not t for t in texts for sep in LIST_SEPARATORS):
        return json.dumps(texts, ensure_ascii=False)  # an item holding a separator reads back only as JSON
    return LIST_SEPARATOR.join(texts)


def _cell_value(v: Any, h: ColumnHeader) -> Any:
    if v is None:
        return None
    if h.unit == "list":
        return _list_cell(v)
    return v


def _sheet(wb: Any, table: str, hs: Sequence[ColumnHeader], lang: str, comment_cls: Any) -> Any:
    from openpyxl.styles import Font, PatternFill

    ws = wb.create_sheet(table)
    fill = PatternFill("solid", fgColor="FFF2CC")
    for j, h in enumerate(hs, start=1):
        cell = ws.cell(row=1, column=j, value=h.zh if lang == "zh" else h.name)
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.comment = _note(h, comment_cls)
        ws.column_dimensions[cell.column_letter].width = _width(h)
    ws.freeze_panes = "A2"
    return ws


def _note(h: ColumnHeader, comment_cls: Any) -> Any:
    note = comment_cls(h.note(), "partyrules")
    note.width, note.height = 320, 160
    return note


def _width(h: ColumnHeader) -> int:
    return max(10, min(30, 2 * len(h.zh) + 4))


def _formats(ws: Any, hs: Sequence[ColumnHeader]) -> None:
    """Each column's number format (the column's style, which a spreadsheet program gives every cell typed into
    it): text columns as text, so that ``2026-03`` or an id of digits stays what was typed; dates as dates."""
    from openpyxl.utils import get_column_letter

    for j, h in enumerate(hs, start=1):
        if h.unit == "bool" or h.choices:
            continue
        fmt = {"date": "yyyy-mm-dd", "int": "0", "num": "General"}.get(h.unit, "@")
        ws.column_dimensions[get_column_letter(j)].number_format = fmt


def write_workbook(pop: Population, path: str | Path, *, lang: str = "zh") -> Path:
    """Write ``pop`` as a workbook that :func:`~partyrules.population.io.read_population` reads back to the same
    tables (the tables the population was not given are left out, as they were).

    The workbook is written in openpyxl's write-only mode, row by row to the file: a whole population as cell
    objects in memory took most of the time and several times the file's size."""
    openpyxl = require_openpyxl()

    path = Path(path)
    wb = openpyxl.Workbook(write_only=True)
    for table, frame in pop.tables.items():
        if table in pop.absent and table != SUBJECT_TABLE:
            continue
        if frame.height + 1 > MAX_ROWS:
            raise PopulationError(f"{path}: the table {table!r} has {frame.height:,} rows, more than a sheet holds "
                                  f"({MAX_ROWS - 1:,}) / 超出工作表行数上限", hint="write Parquet or CSV instead")
        hs = headers(pop.subject_kind, table)
        ws = _streamed_sheet(wb, table, hs, lang)
        for row in frame.select([h.name for h in hs]).iter_rows():
            ws.append([_streamed_cell(ws, _cell_value(v, h)) for v, h in zip(row, hs, strict=True)])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _streamed_sheet(wb: Any, table: str, hs: Sequence[ColumnHeader], lang: str) -> Any:
    """A write-only sheet with its header row written: widths, text formats and the frozen row come first, as a
    streamed sheet cannot go back to them."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(table)
    ws.freeze_panes = "A2"
    fill, bold = PatternFill("solid", fgColor="FFF2CC"), Font(bold=True)
    header = []
    for j, h in enumerate(hs, start=1):
        ws.column_dimensions[get_column_letter(j)].width = _width(h)
        cell = WriteOnlyCell(ws, value=h.zh if lang == "zh" else h.name)
        cell.font, cell.fill, cell.comment = bold, fill, _note(h, Comment)
        header.append(cell)
    ws.append(header)
    return ws


def _streamed_cell(ws: Any, value: Any) -> Any:
    """A value as its cell: text as text (``@``, and never a formula, even when it starts with "="), dates as
    dates; numbers and empty cells as they are."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        cell.number_format = "@"
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    return value


def _validations(wb: Any, ws: Any, table: str, hs: Sequence[ColumnHeader], lang: str, rows: int) -> None:
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    lists = wb[LISTS_SHEET]
    for j, h in enumerate(hs, start=1):
        if not h.choices:
            continue
        values = h.choice_labels(lang)
        col = lists.max_column + 1 if lists.max_row > 1 or lists.cell(1, 1).value is not None else 1
        lists.cell(row=1, column=col, value=f"{table}.{h.name}")
        for i, v in enumerate(values, start=2):
            lists.cell(row=i, column=col, value=v)
        letter = get_column_letter(col)
        ref = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
        dv = DataValidation(type="list", formula1=ref, allow_blank=True, showErrorMessage=True,
                            errorTitle="不在可选范围 / not one of the choices",
                            error="请从下拉列表中选择 / choose from the list")
        target = get_column_letter(j)
        dv.add(f"{target}2:{target}{rows + 1}")
        ws.add_data_validation(dv)


def write_template(kind: str, path: str | Path, *, lang: str = "zh", example: Iterable[Any] = (),
                   rows: int = TEMPLATE_ROWS) -> Path:
    """The workbook to fill: one sheet per table of ``kind`` with headers, notes, drop-downs, formats and frozen
    headers; ``example`` (fact bundles) gives each sheet's example row (its first row of that table)."""
    openpyxl = require_openpyxl()
    from openpyxl.comments import Comment

    from ..frames import facts_to_population

    path = Path(path)
    sample = list(example)
    pop = facts_to_population(sample, kind) if sample else None
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    lists = wb.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    for table in layout(kind):
        hs = headers(kind, table)
        ws = _sheet(wb, table, hs, lang, Comment)
        _formats(ws, hs)
        _validations(wb, ws, table, hs, lang, rows)
        if pop is not None and pop.tables[table].height:
            first = pop.tables[table].select([h.name for h in hs]).row(0)
            for j, (v, h) in enumerate(zip(first, hs, strict=True), start=1):
                ws.cell(row=2, column=j, value=_example_value(v, h, lang))
    wb.move_sheet(LISTS_SHEET, offset=len(wb.sheetnames) - 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _example_value(v: Any, h: ColumnHeader, lang: str) -> Any:
    """A value as a person fills it in: yes/no and the closed values as the drop-down shows them."""
    if v is None:
        return None
    if h.unit == "bool":
        return BOOL_TEXT[lang][0 if v else 1]
    if h.choices and h.unit != "bool" and isinstance(v, str) and v in h.choices:
        return h.choice_labels(lang)[h.choices.index(v)]
    return _cell_value(v, h)
