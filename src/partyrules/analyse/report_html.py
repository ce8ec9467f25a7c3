"""The HTML pieces of the what-if report: labels in the reader's language, cells (money in yuan, grades and rules
by name), tables that fit the page, and the page's CSS.

Column labels are the result tables' own (:func:`partyrules.cycle.table_labels.header_zh`, the headers of the
workbooks) in Chinese, and the column names in words in English: one set of labels for every output.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..cycle.table_labels import header_zh
from .fairness.model import SUBJECT_LABEL

if TYPE_CHECKING:
    import polars as pl

__all__ = ["CSS", "cell", "column_label", "frame_html", "headline_html", "items_html", "phrase", "value_label",
           "yuan"]

# Chinese fonts first, each platform's, then the system's: a font list without a CJK font shows Chinese as boxes
# where the browser's own fallback has none; Latin text falls back to the system font through the same list.
CSS = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "PingFang SC",
       "Microsoft YaHei", "Hiragino Sans GB", system-ui, -apple-system, "Segoe UI", "Noto Sans", sans-serif;
       margin: 2rem auto; max-width: 72rem; color: #222; line-height: 1.45; padding: 0 1rem; }
h1 { font-size: 1.6rem; border-bottom: 2px solid #4c72b0; padding-bottom: .3rem; overflow-wrap: anywhere; }
h2 { font-size: 1.25rem; margin-top: 2.2rem; color: #2b4a7a; }
.scroll { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .85rem; }
th, td { border: 1px solid #d5d9e0; padding: .25rem .55rem; text-align: right; vertical-align: top; }
th { background: #eef2f8; }
td.t, th.t { text-align: left; }
td.rule { min-width: 14rem; max-width: 28rem; }
.headline td:first-child { text-align: left; font-weight: 600; }
.note { color: #666; font-size: .85rem; }
ul.findings li { margin: .2rem 0; }
.pair { display: flex; flex-wrap: wrap; gap: 1rem; }
.pair p { flex: 1 1 28rem; margin: 0; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
"""

# the report's own words (headings and notes); the tables' columns are labelled by header_zh
PHRASES: dict[str, tuple[str, str]] = {
    "title": ("现行方案与改革方案比较", "Comparison of a base and a reform"),
    "period": ("评价期", "period"), "generated": ("生成于", "generated"),
    "headline": ("主要结果", "Headline"),
    "compared": ("共读入 {read:,} 个对象, 其中 {n:,} 个适用本指标体系并参与比较",
                 "{n:,} of {read:,} subjects compared (those the rule set applies to)"),
    "not_applicable": ("{na:,} 个不适用本指标体系 (如其他类别的党员)",
                       "{na:,} not covered by the rule set (e.g. members of other categories)"),
    "failed": ("{f:,} 个无法评分", "{f:,} could not be scored"),
    "transitions": ("等次变化", "Grade transitions"),
    "base_reform": ("现行 \\ 改革", "base \\ reform"),
    "distribution": ("总分分布与变化", "Distribution and changes of totals"),
    "groups": ("按{by}分组", "By {by}"),
    "groups_note": ("等次变化人数、排名一致性 (肯德尔 tau-b)、前 k 名重合率及资金 (如有)",
                    "grade changes, rank agreement (Kendall's tau-b), top-k overlap and funding (when given)"),
    "rules_moved": ("改变得分的细则", "Rules that moved subjects"),
    "moved": ("得分变化的对象 ({n:,} 人, 按变化幅度排序)", "Subjects who moved ({n:,}, largest change first)"),
    "funding": ("奖补资金变化", "Funding shifts"),
    "diagnostics": ("指标诊断: {id}", "Diagnostics of {id}"),
    "crowding": ("等次分界线附近扎堆", "Crowding at grade boundaries"),
    "vetoes": ("否决项", "Vetoes"),
    "none": ("无", "none"),
    "more": ("… 另有 {more:,} 行未列出 (共 {total:,} 行; 完整表格见 --out)",
             "… and {more:,} more rows not shown ({total:,} in all; the whole table is in --out)"),
    "all": ("全部", "all"), "yes": ("是", "yes"), "no": ("否", "no"),
    "grade_changes": ("等次变化人数", "grade changed"),
    "made_by": ("由 partyrules 生成", "by partyrules"),
}

# values shown in cells: the kinds of the parts of a total and the members' statuses
_VALUES: dict[str, tuple[str, str]] = {
    "standard": ("标准", "standard"), "deduction": ("扣分项", "deduction"),
    "dimension_max": ("维度上限", "dimension maximum"), "veto": ("否决项", "veto"),
    "formal": ("正式党员", "full member"), "probationary": ("预备党员", "probationary member"),
    "all": ("全部", "all"), "(none)": ("(无)", "(none)"), "n/a": ("不适用", "n/a"),
    "base": ("现行方案", "base"), "reform": ("改革方案", "reform"),
}


def phrase(key: str, lang: str, **values: Any) -> str:
    """One of the report's words in ``lang``, with ``values`` filled in (not escaped)."""
    zh, en = PHRASES[key]
    return (zh if lang == "zh" else en).format(**values)


def column_label(column: str, lang: str) -> str:
    """A column's header: the workbooks' Chinese header, or its name in words (money in yuan) in English."""
    if lang == "zh":
        return header_zh(column)
    words = column[:-4] + " (yuan)" if column.endswith("_fen") else column
    words = words.replace("_", " ").replace("kendall", "Kendall").replace("tau b", "tau-b").replace("p value",
                                                                                                     "p-value")
    return words[:1].upper() + words[1:]


def value_label(value: str, lang: str) -> str:
    """An enumerated value (a category, a rule kind, a member's status) in ``lang``; other values as they are."""
    pair = _VALUES.get(value) or SUBJECT_LABEL.get(value)
    if pair is None:
        return value
    return pair[0] if lang == "zh" else pair[1]


def yuan(fen: int) -> str:
    """Integer fen as yuan with thousands separators and two decimals, exactly (no float on the way)."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100:,}.{abs(fen) % 100:02d}"


def cell(value: Any, lang: str = "en", *, money: bool = False) -> tuple[str, bool]:
    """A cell's escaped text and whether it is text (left-aligned); ``money``: integer fen shown in yuan."""
    if value is None:
        return "", False
    if isinstance(value, bool):
        return phrase("yes" if value else "no", lang), True
    if money and isinstance(value, int):
        return yuan(value), False
    if isinstance(value, float):
        if value != value:
            return "", False
        return (f"{value:.4g}" if abs(value) < 1e-3 and value != 0 else f"{value:,.3f}".rstrip("0").rstrip(".")), False
    if isinstance(value, int):
        return f"{value:,}", False
    if isinstance(value, (list, tuple)):
        return html.escape(", ".join(cell(v, lang)[0] if not isinstance(v, str) else v for v in value)), True
    return html.escape(str(value)), True


Formatter = Callable[[Any], str]
"""Shows one column's value as escaped HTML (a grade by its name, a rule by its text)."""


def frame_html(frame: pl.DataFrame, *, max_rows: int = 50, css_class: str = "", lang: str = "en",
               formatters: Mapping[str, Formatter] | None = None) -> str:
    """A polars frame as an escaped HTML table with labelled headers, at most ``max_rows`` rows (and a line
    counting the rest), in a box that scrolls sideways when the table is wider than the page."""
    cls = f' class="{html.escape(css_class)}"' if css_class else ""
    fmt = dict(formatters or {})
    head = "".join(f'<th class="t">{html.escape(column_label(str(c), lang))}</th>' for c in frame.columns)
    rows = []
    for row in frame.head(max_rows).iter_rows():
        cells = []
        for c, v in zip(frame.columns, row, strict=True):
            if c in fmt and v is not None:
                cells.append(f'<td class="t{" rule" if c in ("rule", "top_rules") else ""}">{fmt[c](v)}</td>')
                continue
            text, left = cell(v, lang, money=c.endswith("_fen"))
            cells.append(f'<td class="t">{text}</td>' if left else f"<td>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = frame.height - max_rows
    note = (f'<p class="note">{html.escape(phrase("more", lang, more=more, total=frame.height))}</p>'
            if more > 0 else "")
    return (f'<div class="scroll"><table{cls}><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
            f"</div>{note}")


def headline_html(items: Iterable[tuple[str, Any]], lang: str) -> str:
    """Label-value rows; a key ending in ``_fen`` is money shown in yuan."""
    rows = "".join(f"<tr><td>{html.escape(column_label(k, lang))}</td><td>{cell(v, lang, money=k.endswith('_fen'))[0]}"
                   f"</td></tr>" for k, v in items)
    return f'<div class="scroll"><table class="headline"><tbody>{rows}</tbody></table></div>'


def items_html(items: Iterable[str], lang: str) -> str:
    """A bulleted list of escaped texts (``none`` when empty)."""
    body = "".join(f"<li>{html.escape(s)}</li>" for s in items)
    return f'<ul class="findings">{body}</ul>' if body else f'<p class="note">{phrase("none", lang)}</p>'
