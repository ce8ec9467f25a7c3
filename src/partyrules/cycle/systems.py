"""The eight systems (八项制度) of seed 002, as data: what the seed says of each and what in partyrules covers it.

The seed names three of the eight ("研究制定双重管理制度、双向反馈制度、定期例会制度等八项制度") and
leaves the other five unnamed. The table says so rather than guessing their names; the practices the same
paragraph describes (the monthly plan, assessment and notice; points) are listed apart, since the seed does not
say they are among the eight.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["PRACTICES", "SYSTEMS", "System", "systems_text"]

Coverage = Literal["covered", "partial", "not_modelled"]

_QUOTE = "002: 研究制定双重管理制度、双向反馈制度、定期例会制度等八项制度"


@dataclass(frozen=True)
class System:
    number: int
    zh: str
    en: str
    quote: str
    coverage: Coverage
    covered_by_zh: str
    covered_by_en: str


_UNNAMED = ("(种子文件未列出名称)", "(not named in the seed)")
_NOT_NAMED_WHY = ("种子文件只列出八项中的三项, 其余名称不详, 不作猜测",
                  "the seed names three of the eight; the others' names are not given, and we do not "
                  "guess them")

SYSTEMS: tuple[System, ...] = (
    System(1, "双重管理制度", "dual management",
           _QUOTE + "; 004: 对在职党员实行双重管理,与党员签订“双重管理、双向服务”承诺书", "partial",
           "在职党员先进指数 IN.S08(到居住地社区报到、接受双重管理、四卡齐全)与 IN.S09(所在单位年度考核); 事实字段 "
           "Member.employer_unit、registered_with_community_on; 未建模: “双重管理、双向服务”承诺书(无此事实)",
           "in-service index IN.S08 (registered with the residence community, dual management, four cards) and IN.S09 "
           "(the employer's annual appraisal); facts Member.employer_unit and registered_with_community_on; not "
           "modelled: the signed dual-management pledge (no such fact)"),
    System(2, "双向反馈制度", "two-way feedback", _QUOTE, "partial",
           "社区到单位: 本月度周期的通报(partyrules reporting, cycle/reporting.py); 单位到社区: 只有单位年度考核结果"
           "(AnnualEvaluation.employer_appraisal, IN.S09), 没有单位每月的反馈意见(无此事实)",
           "community to employer: this monthly cycle's notice (partyrules reporting, cycle/reporting.py); employer to "
           "community: only the employer's annual appraisal (AnnualEvaluation.employer_appraisal, IN.S09), no monthly "
           "reply from the employer (no such fact)"),
    System(3, "定期例会制度", "regular meetings", _QUOTE, "not_modelled",
           "种子文件未说明例会的频次和参加者; 最接近的是党支部指数读取的联席会议(BranchMonthRecord."
           "joint_meetings_held, 种子文件004: 每月10日), 但那是支部与驻区单位的会议, 不是在职党员的例会",
           "the seed gives no frequency or attendees; the nearest is the joint meeting the branch index "
           "reads (BranchMonthRecord.joint_meetings_held, seed 004: monthly on the 10th), which is the branch's "
           "meeting with resident units, not a meeting of in-service members"),
    *(System(n, _UNNAMED[0], _UNNAMED[1], _QUOTE, "not_modelled", *_NOT_NAMED_WHY) for n in range(4, 9)),
)

# Practices of the same paragraph (seed 002 1.2.4, F6), not said to be among the eight: (zh, en, quote, covered by)
PRACTICES: tuple[tuple[str, str, str, str, str], ...] = (
    ("一月一计划一考核一通报", "a plan, an assessment and a notice each month",
     "002: 社区党组织每月向辖区单位党组织发放服务活动计划,一月一计划一考核一通报",
     "本月度周期: 计划、考核、通报(partyrules reporting)", "this monthly cycle: plan, assessment, notice "
     "(partyrules reporting)"),
    ("积分管理", "points", "002: 并实行积分管理",
     "在职党员先进指数的季度和年度得分(本周期不另计分)", "the in-service index's quarterly and annual score (the "
     "cycle keeps no points of its own)"),
)


def systems_text(lang: str = "zh") -> str:
    zh = lang == "zh"
    words = {"covered": ("已覆盖", "covered"), "partial": ("部分覆盖", "partly covered"),
             "not_modelled": ("未建模", "not modelled")}
    out = ["八项制度 (种子文件002)" if zh else "The eight systems (seed 002)"]
    for s in SYSTEMS:
        out.append(f"  {s.number}. {s.zh if zh else s.en} [{words[s.coverage][0 if zh else 1]}]: "
                   f"{s.covered_by_zh if zh else s.covered_by_en}")
    out.append("  " + ("同段所述做法(未说明属于八项制度):" if zh else
                       "Practices of the same paragraph (not said to be among the eight):"))
    for p in PRACTICES:
        out.append(f"    - {p[0] if zh else p[1]}: {p[3] if zh else p[4]}")
    return "\n".join(out) + "\n"
