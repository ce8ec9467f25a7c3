"""Text output of the commands: labels in Chinese or English, and tables aligned by display width.

A terminal gives a Chinese character two columns; padding by ``len`` (what f-string alignment does) leaves every
row after a Chinese cell out of line. Tables here pad by :func:`partyrules.commands.common.display_width`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .common import pad

# The what-if summary's keys (partyrules.comparison.Comparison.summary), as a reader would name them.
SUMMARY_LABELS: dict[str, tuple[str, str]] = {
    "base": ("base", "基准"),
    "reform": ("reform", "改革方案"),
    "subjects": ("subjects", "对象数"),
    "scored_both": ("scored under both", "两边均计分"),
    "base_only": ("scored under the base only", "仅基准计分"),
    "reform_only": ("scored under the reform only", "仅改革方案计分"),
    "grade_changed": ("grade changed", "等次变化"),
    "total_changed": ("total changed", "总分变化"),
    "moved": ("moved", "变动人数"),
    "moved_share": ("share moved", "变动比例"),
    "mean_delta": ("mean change of total", "总分平均变化"),
    "grade_up": ("grade up", "等次上升"),
    "grade_down": ("grade down", "等次下降"),
    "kendall_tau_b": ("Kendall's tau-b", "肯德尔 tau-b"),
    "top_k": ("top k", "前 k 名"),
    "top_k_overlap": ("top-k overlap", "前 k 名重合率"),
    "funding_pool_fen": ("funding pool (yuan)", "资金池(元)"),
    "funding_shifted_fen": ("funding shifted (yuan)", "资金转移(元)"),
    "funding_gainers": ("gaining funding", "资金增加者"),
    "funding_losers": ("losing funding", "资金减少者"),
}

WORDS: dict[str, tuple[str, str]] = {
    "over": ("over {n} subjects", "共 {n} 个对象"),
    "finding": ("finding", "发现"),
    "transitions": ("grade transitions (base down, reform across):", "等次变化(纵为基准, 横为改革方案):"),
}


def word(key: str, lang: str, **values: Any) -> str:
    en, zh = WORDS[key]
    return (zh if lang == "zh" else en).format(**values)


def yuan(fen: int) -> str:
    """Integer fen as yuan with two decimals, exactly (no float on the way)."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100:,}.{abs(fen) % 100:02d}"


def summary_lines(summary: Mapping[str, Any], lang: str) -> list[str]:
    """``label: value`` lines, labels in ``lang`` and aligned by display width; money in yuan."""
    rows: list[tuple[str, str]] = []
    for key, value in summary.items():
        en, zh = SUMMARY_LABELS.get(key, (key, key))
        if key.endswith("_fen") and isinstance(value, int):
            value = yuan(value)
        elif isinstance(value, float):
            value = f"{value:.6g}"
        rows.append((zh if lang == "zh" else en, str(value)))
    width = max((_w(k) for k, _ in rows), default=0)
    return [f"  {pad(k + ':', width + 1)} {v}" for k, v in rows]


def table(rows: Sequence[Sequence[str]], right: Sequence[bool] | None = None, indent: str = "  ") -> list[str]:
    """Rows of cells as aligned lines; ``right`` says which columns align right (numbers)."""
    if not rows:
        return []
    n = max(len(r) for r in rows)
    widths = [max(_w(r[i]) if i < len(r) else 0 for r in rows) for i in range(n)]
    right = list(right or [False] * n)
    out = []
    for r in rows:
        cells = [pad(r[i] if i < len(r) else "", widths[i], ">" if right[i] else "<") for i in range(n)]
        out.append((indent + "  ".join(cells)).rstrip())
    return out


def grade_names(ruleset: Any, lang: str) -> dict[str, str]:
    """Grade id -> the grade's name in ``lang`` (the id when the rule set has none)."""
    try:
        grades = ruleset.describe()["grades"]
    except (AttributeError, KeyError, TypeError):
        return {}
    return {g["id"]: g.get(lang) or g["id"] for g in grades}


def transition_lines(frame: Any, names: Mapping[str, str], lang: str) -> list[str]:
    """The what-if's transition frame (first column the base grade, one column per reform grade) as a table."""
    columns = list(frame.columns)
    head = ["", *(names.get(c, c) for c in columns[1:])]
    rows = [head] + [[names.get(str(r[0]), str(r[0])), *(f"{v:,}" if isinstance(v, int) else str(v)
                                                          for v in r[1:])] for r in frame.iter_rows()]
    return [word("transitions", lang), *table(rows, [False, *([True] * (len(columns) - 1))])]


def _w(text: str) -> int:
    from .common import display_width

    return display_width(text)
