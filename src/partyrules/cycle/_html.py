"""The notebook display of a year: the counts, the grade distribution, the lists and the failures."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from ..results.html_table import MAX_ROWS, html_block, html_heading, html_headline, html_table

if TYPE_CHECKING:
    from ..ranking import RankList
    from .annual import AnnualResult
    from .year import YearResult

_KIND = {"member": ("党员", "members"), "branch": ("党支部", "branches")}


def _grade_rows(kind: str, results: list[AnnualResult]) -> list[tuple[str, str, str, int]]:
    """One row per grade given, the most common first (then by name), ungraded last."""
    counts: Counter[tuple[str, str]] = Counter(
        (r.grade.zh, r.grade.en) if r.grade is not None else ("未评等次", "not graded") for r in results)
    who = " ".join(_KIND[kind])
    return [(who, g_zh, g_en, n) for (g_zh, g_en), n in
            sorted(counts.items(), key=lambda kv: (kv[0] == ("未评等次", "not graded"), -kv[1], kv[0]))]


def _list_rows(lst: RankList) -> list[tuple[str, str, str, str, str]]:
    return [(e.rank.kind, e.subject_id, "/".join(e.rank.pool), f"{e.rank.pool_rank} / {e.rank.pool_size}",
             e.explanation_zh) for e in lst.entries[:MAX_ROWS]]


def year_html(y: YearResult) -> str:
    """The compact HTML of ``y``: at most :data:`MAX_ROWS` rows per table."""
    fund = y.funding
    head = html_headline([
        (("年度", "year"), y.year), (("党员", "members"), len(y.members)), (("党支部", "branches"), len(y.branches)),
        (("社区", "communities"), len(y.communities)), (("未能评分", "failed"), len(y.failures)),
        (("预警名单(党员)", "warning list, members"), len(y.member_warnings)),
        (("预警名单(党支部)", "warning list, branches"), len(y.branch_warnings)),
        (("重点帮扶名单", "priority list"), len(y.branch_priority)),
        (("经费总额(元)", "funding pool, yuan"), None if fund is None else f"{fund.pool_fen / 100:,.2f}"),
        (("已分配(元)", "allocated, yuan"), None if fund is None else f"{fund.allocated_fen / 100:,.2f}"),
    ])
    grades = html_table([("对象", "subjects"), ("等次", "grade"), ("英文", "in English"), ("人数", "count")],
                        [*_grade_rows("member", y.members), *_grade_rows("branch", y.branches)])
    stars = Counter(c.stars for c in y.communities)
    communities = html_table([("星级", "stars"), ("社区数", "communities")], sorted(stars.items(), reverse=True))
    header = [("类型", "kind"), ("对象", "subject"), ("分层", "pool"), ("名次", "rank in pool"), ("说明", "why")]
    lists = [html_heading(title) + html_table(header, _list_rows(lst), total=len(lst))
             for title, lst in ((("预警名单(党员)", "warning list, members"), y.member_warnings),
                                (("预警名单(党支部)", "warning list, branches"), y.branch_warnings),
                                (("重点帮扶名单", "priority list"), y.branch_priority))]
    failed = "" if not y.failures else html_heading(("未能评分", "failed")) + html_table(
        [("对象", "subject"), ("原因", "reason")],
        [(f.subject_id or f"#{f.index}", str(f.error)) for f in y.failures[:MAX_ROWS]], total=len(y.failures))
    return html_block((f"{y.year} 年度结果", f"the year {y.year}"), head,
                      html_heading(("等次分布", "grades")), grades,
                      html_heading(("社区星级", "community stars")), communities, *lists, failed)
