"""One subject's outlook as a result: the interval, the grades, the deciding rules, the warning and its recourse,
told in Chinese or English and shown in a notebook."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...results import ScoreBreakdown
from ...results.html_table import html_block, html_heading, html_headline, html_table
from ..recourse import Recourse

__all__ = ["Decider", "Outlook"]

STATUS = {
    "secure": ("已确保达到", "secure"),
    "on_track": ("正常: 按要求参加即可达到", "on track: secure if the member keeps to what is asked"),
    "at_risk": ("有风险: 仅按要求参加仍达不到, 须做到所列事项才能达到",
                "at risk: keeping to what is asked is not enough; reached with the changes named"),
    "out_of_reach": ("已无法达到", "out of reach"),
}


@dataclass(frozen=True)
class Decider:
    """A rule whose points differ between the worst and the best completion."""

    rule_id: str
    zh: str
    en: str
    low: float
    high: float
    veto: bool = False


@dataclass(frozen=True)
class Outlook:
    """A subject's year as seen from ``as_of``: ``lowest`` and ``highest`` are the exact ends of the year's total
    over every completion of the ``remaining`` months (each attained by ``low`` and ``high``); ``grades`` the
    grades whose band lies within them; ``keeps`` the completion that keeps to what is asked; ``status`` against
    ``warn_below``: ``secure`` (the worst completion reaches it), ``on_track`` (keeping to what is asked reaches
    it, the worst does not), ``at_risk`` (only more than what is asked reaches it) or ``out_of_reach``."""

    subject_id: str
    ruleset_id: str
    ruleset_version: str
    as_of: str
    remaining: tuple[str, ...]
    lowest: float
    highest: float
    low: ScoreBreakdown
    high: ScoreBreakdown
    grade_low: str
    grade_high: str
    grades: tuple[str, ...]
    deciders: tuple[Decider, ...]
    warn_below: str
    warn_at_least: float
    status: str
    recourse: Recourse | None = None
    vetoed_by: tuple[str, ...] = ()
    recourse_asked: bool = False  # the recourse starts from the remaining months with what is asked done
    annual_known: bool = False
    grade_names: dict[str, tuple[str, str]] = field(default_factory=dict)
    keeps: ScoreBreakdown | None = None  # the remaining months keep to what is asked (annual evaluation at worst)

    @property
    def keeps_total(self) -> float | None:
        return None if self.keeps is None else self.keeps.total

    @property
    def grade_keeps(self) -> str | None:
        return None if self.keeps is None else self.keeps.grade.id

    def grade_name(self, grade: str, lang: str = "zh") -> str:
        zh, en = self.grade_names.get(grade, (grade, grade))
        return zh if lang == "zh" else en

    def to_text(self, lang: str = "zh") -> str:
        """The outlook in Chinese (``zh``) or English (``en``)."""
        zh = lang == "zh"
        g = self.grade_name
        months = f"{self.remaining[0]}..{self.remaining[-1]}" if self.remaining else ("无" if zh else "none")
        warn = g(self.warn_below, lang)
        lines = [
            (f"{self.subject_id} 在 {self.ruleset_id} {self.ruleset_version} 下的年度展望(截至 {self.as_of})" if zh
             else f"Outlook of {self.subject_id} under {self.ruleset_id} {self.ruleset_version} (as of {self.as_of})"),
            (f"剩余月份: {months}" if zh else f"Months left: {months}"),
            (f"全年总分区间: {self.lowest:g} 至 {self.highest:g}" if zh
             else f"Year's total: between {self.lowest:g} and {self.highest:g}"),
            *self._keeps_line(zh, lang),
            (f"可达等次: {'、'.join(g(x, lang) for x in self.grades)}" if zh
             else f"Grades reachable: {', '.join(g(x, lang) for x in self.grades)}"),
            (f"相对{warn}: {STATUS[self.status][0]}{warn if self.status != 'secure' else ''}" if zh
             else f"Against {warn}: {STATUS[self.status][1]}"),
        ]
        if self.vetoed_by:
            named = {v.rule_id: (v.zh if zh else v.en) for v in self.high.vetoes}
            lines.append(("已查实的一票否决事项(只有申诉程序能改变): " if zh
                          else "Vetoed by verified conduct on file (only an appeal can change it): ")
                         + "; ".join(f"{v} {named.get(v, '')}".strip() for v in self.vetoed_by))
        if self.deciders:
            lines.append("决定结果的规则(最坏 → 最好):" if zh else "Rules that decide (worst -> best):")
            for d in self.deciders:
                text = d.zh if zh else d.en
                lines.append(f"- {d.rule_id} {text}: {d.low:g} → {d.high:g}" if not d.veto
                             else f"- {d.rule_id} {text}: " + ("最坏情形下否决" if zh else "vetoed in the worst case"))
        if self.recourse is not None:
            lines.append("剩余月份中的改进路径(即使未知事项取最坏):" if zh
                         else "Recourse in the remaining months (whatever is unknown at its worst):")
            if self.recourse_asked:
                lines.append(f"  首先, {months} 每月按要求参加(参加应参加的会议和学习、按时交纳党费、"
                             "履行岗位职责、完成分配的任务); 此外:" if zh
                             else f"  First, keep to what is asked in {months} (attend the meetings and study "
                             "required, pay dues on time, carry out the post and the tasks assigned); beyond that:")
            lines.extend("  " + ln for ln in self.recourse.to_text(lang).splitlines()[1:])
        lines.append("不推定未来的违规: 今后查实的事项只会降低结果。" if zh
                     else "No future misconduct is presumed: a verified incident later can only lower the result.")
        return "\n".join(lines)

    def _keeps_line(self, zh: bool, lang: str) -> list[str]:
        if self.keeps is None or not self.remaining:
            return []
        grade = self.grade_name(self.keeps.grade.id, lang)
        return [f"按要求参加(剩余月份只完成组织要求的事项, 年度测评取最坏): {self.keeps.total:g} 分, {grade}" if zh
                else f"Keeps to what is asked (the remaining months with what is asked done and nothing more, the "
                f"year-end evaluation at its worst): {self.keeps.total:g}, {grade}"]

    def __str__(self) -> str:
        return self.to_text("en")

    def _repr_html_(self) -> str:
        g = self.grade_name
        head = html_headline([
            (("对象", "subject"), self.subject_id), (("截至", "as of"), self.as_of),
            (("最低 / 最高", "lowest / highest"), f"{self.lowest:g} / {self.highest:g}"),
            (("按要求参加", "keeps to what is asked"),
             "" if self.keeps is None else f"{self.keeps.total:g} {g(self.keeps.grade.id)} "
             f"{g(self.keeps.grade.id, 'en')}"),
            (("可达等次", "grades reachable"), " / ".join(f"{g(x)} {g(x, 'en')}" for x in self.grades)),
            (("状态", "status"), " / ".join(STATUS[self.status])),
        ])
        rows = html_table([("规则", "rule"), ("内容", "text"), ("最坏", "worst"), ("最好", "best")],
                          [(d.rule_id, f"{d.zh} / {d.en}", d.low, d.high) for d in self.deciders],
                          total=len(self.deciders))
        return html_block(("年度展望", "Outlook"), head, html_heading(("决定结果的规则", "rules that decide")), rows)
