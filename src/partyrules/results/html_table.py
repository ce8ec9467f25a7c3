"""Small, bounded HTML tables for notebook display (``_repr_html_``) of the result objects an analyst holds.

Every label is a (Chinese, English) pair shown as ``中文 <small>English</small>``, as the breakdown's own HTML does,
so one display serves both readers. Every text is escaped; tables show at most ``limit`` rows and then say how
many more there are, so a million-subject population displays as fast as a ten-subject one.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["MAX_ROWS", "Label", "cell", "html_block", "html_heading", "html_headline", "html_table", "label"]

MAX_ROWS = 20
"""The most rows a displayed table shows (the rest are counted in a last line)."""

Label = tuple[str, str]
"""A label in Chinese and English."""


def label(lab: Label | str) -> str:
    """A label as escaped HTML: Chinese, then English in small type (a plain string is shown as it is)."""
    if isinstance(lab, str):
        return html.escape(lab)
    zh, en = lab
    return f"{html.escape(zh)} <small>{html.escape(en)}</small>" if zh != en else html.escape(zh)


def cell(value: Any) -> str:
    """One value as the escaped text of a cell: numbers as the library prints them (no float noise), None
    empty, booleans as ✓ or blank."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, float):
        return f"{value:.6g}" if value == value else "NaN"
    return html.escape(str(value))


def html_headline(items: Iterable[tuple[Label | str, Any]]) -> str:
    """The headline figures as a two-column table (label, value)."""
    rows = "".join(f"<tr><th style='text-align:left'>{label(k)}</th><td style='text-align:right'>{cell(v)}</td></tr>"
                   for k, v in items)
    return f"<table class='partyrules-headline'>{rows}</table>"


def html_table(headers: Sequence[Label | str], rows: Iterable[Sequence[Any]], *, total: int | None = None,
               limit: int = MAX_ROWS) -> str:
    """A table of at most ``limit`` rows; ``total`` (the number of rows there are, when ``rows`` is cut already)
    sets the "… N more" line. ``rows`` is read only up to ``limit`` + 1 items, so it may be a lazy iterator."""
    shown: list[Sequence[Any]] = []
    extra = 0
    for r in rows:
        if len(shown) < limit:
            shown.append(r)
        else:
            extra += 1
            break  # reading on would make the display as slow as the population is large
    count = total if total is not None else len(shown) + extra
    head = "".join(f"<th>{label(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in r) + "</tr>" for r in shown)
    more = count - len(shown)
    tail = "" if more <= 0 else (f"<tr><td colspan='{max(1, len(headers))}'><i>… 另有 {more} 行 "
                                 f"<small>{more} more</small></i></td></tr>")
    if more > 0 and total is None:  # only one row past the limit was read: the count is a lower bound
        tail = (f"<tr><td colspan='{max(1, len(headers))}'><i>… 另有更多行 <small>more rows</small></i></td></tr>")
    return f"<table class='partyrules-table'><thead><tr>{head}</tr></thead><tbody>{body}{tail}</tbody></table>"


def html_block(title: Label | str, *parts: str, subtitle: str = "") -> str:
    """A titled block of displayed parts (headline, tables, section headings)."""
    sub = f" — {html.escape(subtitle)}" if subtitle else ""
    return f"<div class='partyrules'><h4>{label(title)}{sub}</h4>{''.join(parts)}</div>"


def html_heading(title: Label | str) -> str:
    """A section heading inside a block."""
    return f"<h5>{label(title)}</h5>"

