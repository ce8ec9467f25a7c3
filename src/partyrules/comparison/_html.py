"""The notebook display of a comparison: headline figures, the grade transitions and who moved most."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..results.html_table import MAX_ROWS, html_block, html_heading, html_headline, html_table

if TYPE_CHECKING:
    from .table import Comparison


def comparison_html(c: Comparison) -> str:
    """The compact HTML of ``c``: at most :data:`MAX_ROWS` rows per table; who moved is shown largest absolute
    change first (then by subject id; a subject scored on one side only, with no change, last)."""
    import polars as pl

    wide = c.wide
    both = wide.filter(pl.col("in_base") & pl.col("in_reform"))
    tau = c.kendall_tau.filter((pl.col("by") == "all") & (pl.col("group") == "all"))
    moved = c.moved
    head = html_headline([
        (("现行", "base"), f"{c.base.ruleset.id} {c.base.ruleset.version}"),
        (("改革", "reform"), f"{c.reform.ruleset.id} {c.reform.ruleset.version}"),
        (("对象", "subjects"), wide.height), (("两边均评分", "scored on both sides"), both.height),
        (("有变化", "moved"), moved.height),
        (("等次变化", "grade changed"), int(moved["grade_changed"].sum()) if moved.height else 0),
        (("平均变化", "mean change"), None if both.is_empty() else both["delta"].mean()),
        (("Kendall tau-b", "Kendall tau-b"), tau["tau_b"][0] if tau.height else None),
    ])
    m = c.transitions
    trans = html_table([("现行 \\ 改革", "base \\ reform"), *m.columns[1:]], m.iter_rows(), limit=MAX_ROWS)
    cols = ["subject_id", "base_total", "reform_total", "delta", "base_grade", "reform_grade", "top_rules"]
    shown = (moved.sort([pl.col("delta").abs(), pl.col("subject_id")], descending=[True, False], nulls_last=True)
             .head(MAX_ROWS).select(*cols[:-1], pl.col("top_rules").list.join(", "))) if moved.height else None
    who = html_table([("对象", "subject"), ("现行总分", "base total"), ("改革总分", "reform total"),
                      ("变化", "change"), ("现行等次", "base grade"), ("改革等次", "reform grade"),
                      ("主要原因", "top rules")],
                     [] if shown is None else shown.iter_rows(), total=moved.height)
    return html_block(("方案比较", "comparison"), head, html_heading(("等次变化", "grade transitions")), trans,
                      html_heading(("变化最大的对象", "who moved most")), who)
