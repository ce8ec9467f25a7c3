"""The words of the pages for people, in Chinese and English (column headers in Chinese come from
:mod:`partyrules.cycle.table_labels`, as in the workbooks)."""

from __future__ import annotations

from collections.abc import Sequence

LANGS = ("zh", "en")
HTML_LANG = {"zh": "zh-CN", "en": "en"}

COLUMNS_EN: dict[str, str] = {
    "overall_rank": "Rank", "pool_rank": "Rank in pool", "subject_id": "Subject", "name": "Name",
    "community": "Community", "branch": "Branch", "pool": "Pool", "percent": "Score (%)", "grade": "Grade",
    "list": "Lists", "funding_fen": "Funding (yuan)", "reason": "Reason", "explanation": "Why",
    "branch_index": "Branch index", "members_index": "Members' index", "funding_basis": "Funding basis",
    "eligible": "Eligible", "stars": "Stars", "level": "Level", "branches": "Branches",
}
_COLUMNS_ZH_EXTRA = {"community": "社区", "branch": "所属支部", "name": "名称", "explanation": "说明", "level": "等级",
                     "list": "名单", "branches": "党支部数"}

_WORDS: dict[str, tuple[str, str]] = {
    "site": ("党建考核结果", "Party-building assessment results"),
    "index": ("首页", "Home"),
    "index_title": ("{year} 年度考核结果", "Assessment results {year}"),
    "index_intro": ("街道、社区、党支部的年度排名、名单和奖补资金, 以及每个对象的得分说明。",
                    "The year's rankings, lists and funding for the sub-district, each community and each branch, "
                    "and every subject's explained score."),
    "year_title": ("{year} 年度街道结果", "The sub-district's year {year}"),
    "community_title": ("社区 {id} · {year} 年度", "Community {id} · {year}"),
    "branch_title": ("党支部 {id} · {year} 年度", "Branch {id} · {year}"),
    "subject_title": ("{id} 的得分说明 · {period}", "Score of {id} · {period}"),
    "open_year": ("街道年度结果表", "The sub-district's tables"),
    "open_subject": ("查看得分说明", "Open a score"),
    "subject_id": ("对象编号", "Subject id"), "period": ("考核期", "Period"), "open": ("打开", "Open"),
    "year": ("年度", "Year"), "members": ("党员", "Members"), "branches": ("党支部", "Branches"),
    "communities": ("社区", "Communities"), "community": ("社区", "Community"), "branch": ("党支部", "Branch"),
    "name": ("名称", "Name"), "failed": ("未能评分", "Could not be scored"), "stars": ("星级", "Stars"),
    "pool_yuan": ("奖补资金总额(元)", "Funding pool (yuan)"), "allocated_yuan": ("已分配(元)", "Allocated (yuan)"),
    "funding_yuan": ("奖补资金(元)", "Funding (yuan)"), "percent": ("得分率(%)", "Score (%)"),
    "grade": ("等次", "Grade"), "rank": ("总排名", "Rank"),
    "branch_ranking": ("党支部排名", "Branches by rank"), "member_ranking": ("党员排名", "Members by rank"),
    "branch_warnings": ("预警名单(党支部)", "Warning list: branches"),
    "member_warnings": ("预警名单(党员)", "Warning list: members"),
    "priority": ("重点支持名单(党支部)", "Priority list: branches"), "funding": ("以奖代补资金", "Funding"),
    "failures": ("未能评分的对象", "Subjects that could not be scored"),
    "list_empty": ("无", "none"), "not_graded": ("未定等次", "not graded"), "warned": ("预警", "warned"),
    "prioritised": ("重点支持", "priority"), "vetoed": ("否决", "vetoed"),
    "reason_cutoff": ("名额内", "within the share"), "reason_tie_at_cutoff": ("与末位并列", "tied at the cut-off"),
    "reason_vetoed": ("被否决", "vetoed"),
    "total": ("总分", "Total"), "ruleset": ("指标体系", "Rule set"), "hash": ("内容哈希", "content hash"),
    "veto": ("一票否决", "Veto"), "vetoes": ("一票否决项", "Vetoes"), "rule": ("条目", "Rule"),
    "text": ("内容", "Text"), "points": ("得分", "Points"), "cap": ("满分/上限", "Cap"), "status": ("状态", "Status"),
    "read": ("依据(读取的事实)", "What it read"), "raw_reads": ("读取的原始数据", "The values read"),
    "dimension": ("维度", "Dimension"),
    "not_assessed": ("本期不予评估", "Not assessed this period"), "warnings": ("结构提示", "Structure notes"),
    "scaled": ("本期评估 {got} / {of} 分, 按满分 {max} 折算为 {total}",
               "Assessed {got} of {of} points this period: {total} on the scale of {max}"),
    "other_periods": ("其他考核期", "Other periods"), "tables_of": ("所在党支部的结果表", "The branch's tables"),
    "login_title": ("登录", "Sign in"),
    "login_intro": ("请输入服务管理员发给您的 API 密钥 (至少为 read 角色)。",
                    "Enter the API key the service's administrator gave you (the read role or higher)."),
    "key": ("API 密钥", "API key"), "sign_in": ("登录", "Sign in"), "sign_out": ("退出", "Sign out"),
    "bad_key": ("密钥无效, 请检查后重试。", "That key is not valid: check it and try again."),
    "not_found": ("未找到", "Not found"),
    "no_subject": ("没有编号为 {id} 的对象在 {period} 的得分。", "There is no score of a subject {id} for {period}."),
    "no_subject_hint": ("可选的考核期: {periods}", "The periods there are: {periods}"),
    "no_community": ("没有编号为 {id} 的社区。", "There is no community {id}."),
    "no_branch": ("没有编号为 {id} 的党支部。", "There is no branch {id}."),
    "no_population": ("本服务没有配置考核对象数据。", "This service has no population to show."),
    "no_population_hint": ("启动服务时指定: partyrules serve --population 路径 或 --demo",
                           "Start the service with: partyrules serve --population PATH or --demo"),
    "bad_request": ("请求参数有误", "Bad request"), "language": ("English", "中文"),
}
_POOLS: dict[tuple[str, str], tuple[str, str]] = {
    ("member", "in_service"): ("在职党员", "in-service members"),
    ("member", "retired"): ("离退休党员", "retired members"),
    ("member", "new_citizen"): ("新市民党员", "new-citizen members"),
    ("member", "mobile"): ("流动党员", "mobile members"),
    ("branch", "community"): ("社区党支部", "community branches"), ("branch", "grid"): ("网格党支部", "grid branches"),
    ("branch", "resettlement_area"): ("安置区党支部", "resettlement-area branches"),
    ("branch", "non_public_enterprise"): ("非公企业党支部", "non-public enterprise branches"),
    ("branch", "social_org"): ("社会组织党支部", "social-organisation branches"),
    ("branch", "organ"): ("机关党支部", "organ branches"),
    ("branch", "retired_cadres"): ("离退休干部党支部", "retired cadres' branches"),
    ("branch", "joint"): ("联合党支部", "joint branches"),
}
_STATUS = {
    "zh": {"met": "达标", "partial": "部分达标", "not_met": "未达标", "not_applicable": "不适用", "applied": "扣分",
           "capped": "封顶", "floored": "触底", "vetoed": "否决"},
    "en": {"met": "met", "partial": "partial", "not_met": "not met", "not_applicable": "n/a", "applied": "deducted",
           "capped": "capped", "floored": "floored", "vetoed": "vetoed"},
}


def word(key: str, lang: str) -> str:
    """The page word ``key`` in ``lang`` (``zh`` or ``en``)."""
    zh, en = _WORDS[key]
    return zh if lang == "zh" else en


def status_word(status: str, lang: str) -> str:
    return _STATUS["zh" if lang == "zh" else "en"].get(status, status)


def column_zh_extra(column: str) -> str | None:
    """Chinese headers of the page columns the result tables do not have."""
    return _COLUMNS_ZH_EXTRA.get(column)


def pool_word(pool: Sequence[str], lang: str) -> str:
    """A ranking pool (分层分类) in words, e.g. ``["member", "retired"]`` as 离退休党员; an unknown one as its ids."""
    named = _POOLS.get((pool[0], pool[-1])) if pool else None
    if named is None:
        return "/".join(pool)
    return named[0] if lang == "zh" else named[1]
