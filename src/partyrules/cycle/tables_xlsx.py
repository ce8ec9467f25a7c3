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
        from openpyxl.comments import Comment
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter
    except ImportError as exc:
        raise PartyRulesError("writing .xlsx needs openpyxl", hint='pip install "partyrules[sheets]"') from exc
    if len(rows) > MAX_SHEET_ROWS:
        raise PartyRulesError(f"{path}: {len(rows):,} rows, more than a sheet holds ({MAX_SHEET_ROWS:,})",
                              hint="write csv or parquet instead")
    shown = [c for c in cols if not (c.endswith("_yuan") and f"{c[:-5]}_fen" in cols)]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = path.stem[:31]
    for j, c in enumerate(shown, start=1):
        cell = ws.cell(row=1, column=j, value=header_zh(c))
        cell.font = Font(bold=True)
        cell.comment = Comment(c + (" (fen shown in yuan / 以元显示)" if c.endswith("_fen") else ""), "partyrules")
        ws.column_dimensions[get_column_letter(j)].width = max(10, min(40, 2 * len(header_zh(c)) + 2))
    ws.freeze_panes = "A2"
    for r, row in enumerate(rows, start=2):
        for j, c in enumerate(shown, start=1):
            fen = c.endswith("_fen")
            value = _value(row.get(c), fen)
            if value is None:
                continue
            cell = ws.cell(row=r, column=j, value=value)
            if cell.data_type == "f":  # text that starts with "=" stays text
                cell.data_type = "s"
            if fen or c.endswith("_yuan"):
                cell.number_format = "#,##0.00"
            elif isinstance(value, float):
                cell.number_format = "0.00####"
    wb.save(path)
    return path
