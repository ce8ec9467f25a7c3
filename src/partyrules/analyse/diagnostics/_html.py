"""The notebook display of diagnostics: coverage, the findings in both languages, the rules and crowding."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...results.html_table import MAX_ROWS, html_block, html_heading, html_headline, html_table

if TYPE_CHECKING:
    from .findings import Diagnostics

_COVERAGE = {"not_applicable": ("不适用", "not applicable"), "failed": ("未能评分", "failed"),
             "population": ("群体人数", "in the population")}


def diagnostics_html(d: Diagnostics) -> str:
    """The compact HTML of ``d``: at most :data:`MAX_ROWS` rows per table."""
    head = html_headline([(("规则集", "rule set"), d.ruleset_id), (("对象类型", "subject kind"), d.subject_kind),
                          (("评分对象", "subjects scored"), d.subjects),
                          *((_COVERAGE.get(k, (k, k)), v) for k, v in d.coverage.items() if k != "scored")])
    zh, en = d.findings(lang="zh"), d.findings(lang="en")
    # both lists come from the same tables in the same order, so they pair up line by line
    findings = html_table([("发现", "finding"), ("英文", "in English")], zip(zh, en, strict=True), total=len(zh))
    cols = ["rule_id", "kind", "dimension", "max_points", "fires", "at_ceiling", "at_floor", "mean",
            "item_rest_corr"]
    rules = html_table([("细则", "rule"), ("类型", "kind"), ("维度", "dimension"), ("满分", "max points"),
                        ("触发率", "fires"), ("满分率", "at full points"), ("零分率", "at 0"), ("平均", "mean"),
                        ("项目-其余相关", "item-rest r")],
                       d.rules.select(cols).head(MAX_ROWS).iter_rows(), total=d.rules.height)
    crowd = html_table([("等次", "grade"), ("分界", "boundary"), ("下方", "below"), ("上方", "above"),
                        ("p", "p below"), ("扎堆", "bunching")],
                       d.crowding.select("grade", "boundary", "below", "above", "p_below", "bunching_below")
                       .head(MAX_ROWS).iter_rows(), total=d.crowding.height)
    return html_block(("诊断", "diagnostics"), head, html_heading(("发现", "findings")), findings,
                      html_heading(("各细则", "rules")), rules,
                      html_heading((f"分界线附近(±{d.window:g} 分)", f"near the boundaries (±{d.window:g})")),
                      crowd)
