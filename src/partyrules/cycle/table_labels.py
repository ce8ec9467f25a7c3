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
    # a comparison of a base and a reform (partyrules whatif: its tables, its headline and its report)
    "category": "党员类别", "branch_id": "所在支部", "community": "所在社区",
    "in_base": "现行方案评分", "in_reform": "改革方案评分", "base_total": "现行总分", "reform_total": "改革后总分",
    "delta": "总分变化", "base_grade": "现行等次", "reform_grade": "改革后等次", "grade_changed": "等次变化",
    "vetoes_added": "新增否决项", "vetoes_removed": "取消的否决项", "top_rules": "主要原因",
    "top_deltas": "主要原因分值", "rule_id": "细则编号", "rule": "细则", "dimension": "维度", "subjects": "人数",
    "up": "加分人数", "down": "减分人数",
    "total_delta": "分值变化合计", "mean_delta": "平均变化", "tau_b": "肯德尔 tau-b", "p_value": "p 值",
    "k": "前 k 名人数", "base_subjects": "现行方案人数", "overlap": "仍在前 k 名", "base_fen": "现行方案资金（元）",
    "reform_fen": "改革后资金（元）", "shift_fen": "资金变化（元）", "pool_fen": "资金池（元）",
    "allocated_fen": "已分配（元）", "unallocated_fen": "未分配（元）", "side": "方案", "scored_both": "两边均评分",
    "base_only": "仅现行方案评分", "reform_only": "仅改革方案评分", "total_changed": "总分变化人数",
    "moved": "变动人数", "moved_share": "变动比例", "grade_up": "等次上升", "grade_down": "等次下降",
    "kendall_tau_b": "肯德尔 tau-b", "top_k": "前 k 名", "top_k_overlap": "前 k 名重合率",
    "funding_pool_fen": "资金池（元）", "funding_shifted_fen": "资金转移（元）", "funding_gainers": "资金增加人数",
    "funding_losers": "资金减少人数", "fires": "触发比例", "at_ceiling": "满分（扣满）比例", "at_floor": "0 分比例",
    "mean": "平均分", "std": "标准差", "item_rest_corr": "与其余得分相关", "variance_share": "方差占比",
    "never_fires": "从未触发", "always_fires": "总是触发", "boundary": "分界线", "below": "线下人数",
    "above": "线上人数", "ratio": "线下/线上", "p_below": "p 值（线下扎堆）", "bunching_below": "线下扎堆",
    "veto_id": "否决项编号", "fired": "触发人数", "rate": "触发比例", "only_veto": "仅此否决项",
}
_QUARTER = re.compile(r"^q([1-4])_percent$")


def header_zh(column: str) -> str:
    """The Chinese header of a result column (yuan for a ``*_fen`` column)."""
    if column in LABELS_ZH:  # a column labelled whole (base_fen: the base's funding, not "base" + yuan)
        return LABELS_ZH[column]
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
