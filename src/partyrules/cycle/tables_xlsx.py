"""A result table as an .xlsx sheet: Chinese headers (the English column name in each header's note), the header
row frozen, numbers formatted, money in yuan (a ``*_fen`` column divided by 100, its ``*_yuan`` twin left out when
there is one), list cells as readable text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import PartyRulesError
from .table_labels import header_zh

__all__ = ["write_xlsx_table"]

MAX_SHEET_ROWS = 1_048_575  # a sheet's rows less its header: a spreadsheet program's limit


def _value(v: Any, fen: bool) -> Any:
    if v is None:
        return None
    if fen and isinstance(v, (int, float)) and not isinstance(v, bool):
        return v / 100
    if isinstance(v, (list, tuple)):
        return ", ".join("" if x is None else str(x) for x in v)
    if isinstance(v, dict):
        return "; ".join(f"{k}: {x}" for k, x in v.items())
    return v


def write_xlsx_table(rows: Sequence[Mapping[str, Any]], cols: list[str], path: Path) -> Path:
    try:
        import openpyxl
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.comments import Comment
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter
    except ImportError as exc:
        raise PartyRulesError("writing .xlsx needs openpyxl", hint='pip install "partyrules[sheets]"') from exc
    if len(rows) > MAX_SHEET_ROWS:
        raise PartyRulesError(f"{path}: {len(rows):,} rows, more than a sheet holds ({MAX_SHEET_ROWS:,})",
                              hint="write csv or parquet instead")
    shown = [c for c in cols if not (c.endswith("_yuan") and f"{c[:-5]}_fen" in cols)]
    # write-only: rows stream to the file (a year's tables as cell objects in memory were most of the time)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(path.stem[:31])
    ws.freeze_panes = "A2"
    bold, header = Font(bold=True), []
    for j, c in enumerate(shown, start=1):
        ws.column_dimensions[get_column_letter(j)].width = max(10, min(40, 2 * len(header_zh(c)) + 2))
        cell = WriteOnlyCell(ws, value=header_zh(c))
        cell.font = bold
        cell.comment = Comment(c + (" (fen shown in yuan / 以元显示)" if c.endswith("_fen") else ""), "partyrules")
        header.append(cell)
    ws.append(header)
    money = [c.endswith(("_fen", "_yuan")) for c in shown]
    for row in rows:
        ws.append([_cell(ws, _value(row.get(c), c.endswith("_fen")), m) for c, m in zip(shown, money, strict=True)])
    wb.save(path)
    return path


def _cell(ws: Any, value: Any, money: bool) -> Any:
    """A value as its cell: money as yuan with two decimals, fractions with their decimals, text never a formula."""
    from openpyxl.cell import WriteOnlyCell

    if value is None or (isinstance(value, (bool, int)) and not money):
        return value
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text that starts with "=" stays text
    elif money:
        cell.number_format = "#,##0.00"
    elif isinstance(value, float):
        cell.number_format = "0.00####"
    return cell
