"""The notebook display of a population's scores: the headline figures, the grade counts and the first rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..results.html_table import cell, html_block, html_heading, html_headline, html_table

if TYPE_CHECKING:
    from .table import PopulationScores


def scores_html(scores: PopulationScores) -> str:
    """The compact HTML of ``scores`` (at most :data:`~partyrules.results.html_table.MAX_ROWS` rows of each table)."""
    import polars as pl

    frame = scores.frame
    rs = scores.ruleset
    totals = frame["total"]
    counts = dict(frame.group_by("grade").len().iter_rows()) if frame.height else {}
    head = html_headline([
        (("规则集", "rule set"), f"{rs.id} {rs.version}"), (("周期", "period"), scores.period),
        (("评分对象", "subjects scored"), frame.height),
        (("不适用", "not applicable"), len(scores.not_applicable)), (("未能评分", "failed"), len(scores.failures)),
        (("一票否决", "vetoed"), int(frame["vetoed"].sum()) if frame.height else 0),
        (("平均总分", "mean total"), None if totals.is_empty() else totals.mean()),
        (("最低 / 最高", "min / max"),
         None if totals.is_empty() else f"{cell(totals.min())} / {cell(totals.max())}"),
    ])
    grades = html_table([("等次", "grade"), ("标识", "id"), ("人数", "subjects")],
                        [(g.zh, g.id, counts.get(g.id, 0)) for g in rs.grades])
    shown = ["subject_id", *scores.attributes, "total", "grade", "vetoed"]
    rows = html_table([("对象", "subject"), *scores.attributes, ("总分", "total"), ("等次", "grade"),
                       ("否决", "vetoed")],
                      frame.select(pl.col(c) for c in shown).head(20).iter_rows(), total=frame.height)
    failed = "" if not scores.failures else html_heading(("未能评分", "failed")) + html_table(
        [("对象或行", "subject or row"), ("原因", "reason")], scores.failures, total=len(scores.failures))
    return html_block((rs.title_zh, rs.title_en), head, html_heading(("等次分布", "grades")), grades,
                      html_heading(("各对象", "subjects")), rows, failed)
