"""Chinese headers of the result tables' columns, for the workbooks a branch secretary opens (.xlsx tables).

A column missing here keeps its English name as its header; a column named ``*_fen`` (money in fen) is shown in
yuan under its label with 元."""

from __future__ import annotations

import re

__all__ = ["LABELS_ZH", "header_zh"]

LABELS_ZH: dict[str, str] = {
    "subject_id": "对象编号", "kind": "对象类型", "pool": "评比组", "group_id": "所属组织", "ruleset_id": "指标体系",
    "ruleset_version": "指标版本", "input_quarterly": "季度得分（折算）", "input_annual_evaluation": "年度评议得分",
    "input_secretary_review": "书记评价得分", "input_daily_observation": "日常观察得分", "percent": "得分率（%）",
    "score": "得分", "max_points": "满分", "grade": "等次", "grade_zh": "等次（中文）", "graded": "已定等次",
    "demoted_by_quota": "因比例限制降等", "vetoed": "一票否决", "vetoes": "否决项", "missing_inputs": "缺少的输入",
    "overall_rank": "总排名", "overall_size": "总人数", "pool_rank": "组内排名", "pool_size": "组内人数",
    "warning_list": "列入诫勉名单", "corrections": "更正（异议编号）", "priority_list": "列入重点支持名单",
    "funding": "奖补资金", "funding_members_index": "党员先进性指数（资金）", "funding_basis": "资金计分依据",
    "stars": "星级", "level_zh": "等级", "level_en": "等级（英文）", "breakdown_hash": "评分明细哈希",
    "bottom_id": "后进支部", "top_id": "先进支部", "group": "类型", "top_group": "先进支部类型",
    "fallback": "跨类型结对", "explanation_zh": "说明", "explanation_en": "说明（英文）", "list": "名单",
    "reason": "原因", "percentile": "百分位", "tied_with": "并列", "year": "年度", "share": "比例", "count": "总数",
    "required": "应达数", "actual": "实有数", "met": "达标", "shortfall": "差额", "candidates": "候选",
    "branch_index": "战斗力指数", "members_index": "党员先进性指数", "members_count": "党员人数",
    "eligible": "符合条件", "weight": "权重", "quota": "应得", "base": "取整金额", "remainder": "余数",
    "amount": "金额", "quota_group": "名额组", "status": "状态", "place": "名次", "ref": "编号",
    "stage": "阶段", "error": "错误", "message": "说明",
}
_QUARTER = re.compile(r"^q([1-4])_percent$")


def header_zh(column: str) -> str:
    """The Chinese header of a result column (yuan for a ``*_fen`` column)."""
    if column.endswith("_fen"):
        return LABELS_ZH.get(column[:-4], column[:-4]) + "（元）"
    if column.endswith("_yuan"):
        return LABELS_ZH.get(column[:-5], column[:-5]) + "（元）"
    m = _QUARTER.match(column)
    if m:
        return f"第{m.group(1)}季度得分率（%）"
    if column.startswith("ok_"):
        return f"条件：{column[3:]}"
    return LABELS_ZH.get(column, column)
