"""Uses of the year's results (D1): award recommendations (评先评优) and cadre recommendations (推荐干部、后备干部).

The source: "党支部、党员干部评先评优和社区干部选拔任用、职务升降等, 必须以战斗力、先进性为主要依据" (S000 D1).
It gives the basis, not the criteria or the numbers, so each list states its criteria and quota as parameters with a
default and the source of the default (:data:`DEFAULT_LISTS`):

- every list: the year's grade is one the list names, the subject is graded (a probationary member is not), has no
  verified veto in the year, is not on the year's warning list (D2), and ranks within the top ``top_share`` of its
  ranking pool (the same cut as the priority list, ``ceil(share x pool size)``, 10% by default: gap J3);
- a member list may be limited to member categories (cadres are recommended from in-service and new-citizen
  members: a retired member is not selected for a community post);
- at most ``quota`` are recommended per quota group (a branch, a community, or the whole sub-district), the best
  placed first; candidates tied at the quota's cut-off are all left to the meeting, since the library does not
  choose between equals (the quota is never exceeded).

Every line is a RECOMMENDATION: ``status`` is ``recommended`` or ``not_recommended``, never a decision; the Party
organisation decides by its own procedure, after publication for objections (公示, :func:`publish_recommendations`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from ..errors import AwardsError
from ..ranking import DEFAULT_SHARE, Rank
from .ledger import DEFAULT_DAY_RULE, DEFAULT_NOTICE_DAYS, DEFAULT_SCOPE, Ledger, Notice

if TYPE_CHECKING:
    from .year import YearResult

Status = Literal["recommended", "not_recommended"]
QuotaGroup = Literal["branch", "community", "all"]
RECOMMENDATION_ONLY_ZH = "仅为推荐, 不是决定: 由党组织按程序研究决定, 并经公示"
RECOMMENDATION_ONLY_EN = ("a recommendation only, not a decision: the Party organisation decides by its procedure, "
                          "after publication for objections")


@dataclass(frozen=True)
class ListCriteria:
    """One list's criteria and quota. ``grades`` are grade ids of the subjects' rule sets; ``categories`` limits a
    member list (None: all); ``quota`` per ``quota_group``."""

    list_id: str
    zh: str
    en: str
    kind: Literal["member", "branch"]
    grades: tuple[str, ...]
    quota: int
    quota_group: QuotaGroup
    top_share: float = DEFAULT_SHARE
    categories: tuple[str, ...] | None = None
    source: str = ""

    def __post_init__(self) -> None:
        where = f"list {self.list_id!r}"
        if self.kind not in ("member", "branch"):
            raise AwardsError(f"{where}: kind is 'member' or 'branch', got {self.kind!r}")
        if isinstance(self.quota, bool) or not isinstance(self.quota, int) or self.quota < 0:
            raise AwardsError(f"{where}: the quota is a whole number of 0 or more, got {self.quota!r}")
        share = self.top_share
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
            raise AwardsError(f"{where}: top_share is between 0 and 1, got {share!r}")
        if self.quota_group not in ("branch", "community", "all") or (
                self.kind == "branch" and self.quota_group == "branch"):
            raise AwardsError(f"{where}: quota_group {self.quota_group!r} does not group {self.kind}es",
                              hint="branches are grouped by community or all")
        if not self.grades:
            raise AwardsError(f"{where}: name at least one grade")


_TOP = f"completion: the top {DEFAULT_SHARE:.0%} of the ranking pool, as the priority list cuts it (gap J3)"
DEFAULT_LISTS: tuple[ListCriteria, ...] = (
    ListCriteria("member_award", "优秀共产党员(评先评优)推荐", "Outstanding Party member award (评先评优)", "member",
                 ("excellent",), 1, "branch",
                 source=f"S000 D1 (basis); grade 优秀; {_TOP}; completion: 1 per branch"),
    ListCriteria("branch_award", "先进党支部(评先评优)推荐", "Advanced Party branch award (评先评优)", "branch",
                 ("advanced",), 1, "community",
                 source=f"S000 D1 (basis); grade 先进; {_TOP}; completion: 1 per community"),
    ListCriteria("cadre", "社区干部选拔任用推荐", "Recommendation for a community cadre post", "member",
                 ("excellent",), 1, "community", categories=("in_service", "new_citizen"),
                 source=f"S000 D1 (社区干部选拔任用); grade 优秀; {_TOP}; completion: 1 per community"),
    ListCriteria("reserve_cadre", "后备干部推荐", "Recommendation as a reserve cadre", "member",
                 ("excellent",), 3, "community", categories=("in_service", "new_citizen"),
                 source=f"S000 D1; grade 优秀; {_TOP}; S001 (第2/16篇) '后备常量保持三名以上': 3 per community"),
)


@dataclass(frozen=True)
class Candidate:
    """What the lists read of one subject's year."""

    subject_id: str
    kind: Literal["member", "branch"]
    category: str
    branch_id: str | None
    community_id: str | None
    grade: str | None  # None: not graded
    grade_zh: str | None
    vetoed: bool
    warned: bool
    score: Decimal  # the annual composite as ranked (0..100, 6 decimals)
    pool_rank: int
    pool_size: int


@dataclass(frozen=True)
class Check:
    """One criterion for one subject: met or not, in words."""

    name: str
    met: bool
    zh: str
    en: str


@dataclass(frozen=True)
class AwardLine:
    """One subject on one list: recommended or not, every criterion checked, and why, in Chinese and English."""

    list_id: str
    subject_id: str
    kind: str
    quota_group: str
    status: Status
    checks: tuple[Check, ...]
    place: int | None  # among the eligible of its quota group, 1 = best placed; None when not eligible
    explanation_zh: str
    explanation_en: str

    @property
    def eligible(self) -> bool:
        return all(c.met for c in self.checks)

    def explanation(self, lang: str = "zh") -> str:
        return self.explanation_zh if lang == "zh" else self.explanation_en


@dataclass(frozen=True)
class Awards:
    """The year's recommendations: every line of every list (or only the recommended, when asked so)."""

    year: int
    lists: tuple[ListCriteria, ...]
    lines: tuple[AwardLine, ...]
    note_zh: str = RECOMMENDATION_ONLY_ZH
    note_en: str = RECOMMENDATION_ONLY_EN
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def recommended(self, list_id: str | None = None) -> list[AwardLine]:
        return [ln for ln in self.lines if ln.status == "recommended" and list_id in (None, ln.list_id)]

    def table(self) -> list[dict[str, Any]]:
        """One flat row per line."""
        return [{"year": self.year, "list": ln.list_id, "subject_id": ln.subject_id, "kind": ln.kind,
                 "quota_group": ln.quota_group, "status": ln.status, "place": ln.place,
                 **{f"ok_{c.name}": c.met for c in ln.checks},
                 "explanation_zh": ln.explanation_zh, "explanation_en": ln.explanation_en} for ln in self.lines]

    def notice_items(self) -> list[dict[str, Any]]:
        """The recommended lines as the items of a notice (公示): ``ref`` is ``list/subject``."""
        return [{"ref": f"{ln.list_id}/{ln.subject_id}", "list": ln.list_id, "subject_id": ln.subject_id,
                 "status": ln.status, "place": ln.place} for ln in self.recommended()]


def candidates_of(year: YearResult) -> list[Candidate]:
    """The candidates of a year run: each member's and branch's grade, veto, warning and place in its pool."""
    ranks: dict[tuple[str, str], Rank] = {(r.kind, r.subject_id): r for r in (*year.member_ranks,
                                                                             *year.branch_ranks)}
    warned = {("member", i) for i in year.member_warnings.ids} | {("branch", i) for i in year.branch_warnings.ids}
    community = {b.subject_id: b.group_id for b in year.branches}
    out = []
    for r in (*year.members, *year.branches):
        rank = ranks.get((r.subject_kind, r.subject_id))
        if rank is None:  # not ranked (a failure): nothing to recommend from
            continue
        kind: Literal["member", "branch"] = "member" if r.subject_kind == "member" else "branch"
        branch = r.group_id if kind == "member" else r.subject_id
        out.append(Candidate(
            subject_id=r.subject_id, kind=kind, category=r.pool[-1], branch_id=branch,
            community_id=community.get(branch or "") if kind == "member" else r.group_id,
            grade=r.grade.id if r.grade else None, grade_zh=r.grade.zh if r.grade else None, vetoed=r.vetoed,
            warned=(r.subject_kind, r.subject_id) in warned, score=rank.score, pool_rank=rank.pool_rank,
            pool_size=rank.pool_size))
    return out


def recommend(year: YearResult, lists: Sequence[ListCriteria] = DEFAULT_LISTS, *,
              include_not_recommended: bool = True) -> Awards:
    """The year's award and cadre recommendations by ``lists`` (default :data:`DEFAULT_LISTS`)."""
    return select(candidates_of(year), lists, year=year.year, include_not_recommended=include_not_recommended)


def select(candidates: Iterable[Candidate], lists: Sequence[ListCriteria] = DEFAULT_LISTS, *, year: int,
           include_not_recommended: bool = True) -> Awards:
    """The recommendations of each list over ``candidates``; the same in any order of the candidates."""
    people = sorted(candidates, key=lambda c: (c.kind, c.subject_id))
    ids = [c.list_id for c in lists]
    if len(set(ids)) != len(ids):
        raise AwardsError(f"list ids repeat: {', '.join(ids)}", hint="give each list its own id")
    lines: list[AwardLine] = []
    counts: dict[str, dict[str, int]] = {}
    for spec in lists:
        mine = [c for c in people if c.kind == spec.kind]
        made = _list_lines(spec, mine)
        counts[spec.list_id] = {"considered": len(made), "eligible": sum(ln.eligible for ln in made),
                                "recommended": sum(ln.status == "recommended" for ln in made)}
        lines += [ln for ln in made if include_not_recommended or ln.status == "recommended"]
    return Awards(year, tuple(lists), tuple(lines), counts=counts)


def _cut(share: float, size: int) -> int:
    # exact, as the ranking's lists cut: 0.1 of 30 is 3, never 4 from float rounding
    return math.ceil(Fraction(Decimal(repr(float(share)))) * size)


def _checks(spec: ListCriteria, c: Candidate) -> tuple[Check, ...]:
    grade_zh = c.grade_zh or "未定等次"
    wanted = "/".join(spec.grades)
    cut = _cut(spec.top_share, c.pool_size)
    out = [
        Check("grade", c.grade in spec.grades, f"年度等次{grade_zh}" + ("" if c.grade in spec.grades else
                                                                     f"(须为 {wanted})"),
              f"grade {c.grade or 'not graded'}" + ("" if c.grade in spec.grades else f" (needs {wanted})")),
        Check("not_vetoed", not c.vetoed, "无一票否决" if not c.vetoed else "有一票否决情形",
              "no veto" if not c.vetoed else "vetoed this year"),
        Check("not_warned", not c.warned, "未列入诫勉名单" if not c.warned else "列入诫勉名单",
              "not on the warning list" if not c.warned else "on the warning list"),
        Check("top_share", c.pool_rank <= cut,
              f"在本类排名第{c.pool_rank}/{c.pool_size}" + ("" if c.pool_rank <= cut else
                                                      f"(须在前{spec.top_share:.0%}, 即前{cut}名)"),
              f"ranked {c.pool_rank} of {c.pool_size} in its pool" + ("" if c.pool_rank <= cut else
                                                                       f" (needs the top {spec.top_share:.0%}: "
                                                                       f"{cut})")),
    ]
    if spec.categories is not None:
        ok = c.category in spec.categories
        out.append(Check("category", ok, _CATEGORY_ZH.get(c.category, c.category) + ("" if ok else "(不在推荐范围)"),
                         f"category {c.category}" + ("" if ok else f" (not one of {', '.join(spec.categories)})")))
    return tuple(out)


_CATEGORY_ZH = {"in_service": "在职党员", "retired": "离退休党员", "new_citizen": "新市民党员"}


def _group(spec: ListCriteria, c: Candidate) -> str:
    if spec.quota_group == "all":
        return "all"
    value = c.branch_id if spec.quota_group == "branch" else c.community_id
    return value or "-"


def _list_lines(spec: ListCriteria, people: list[Candidate]) -> list[AwardLine]:
    checks = {c.subject_id: _checks(spec, c) for c in people}
    groups: dict[str, list[Candidate]] = defaultdict(list)
    for c in people:
        if all(k.met for k in checks[c.subject_id]):
            groups[_group(spec, c)].append(c)
    chosen: dict[str, tuple[int, bool, str, str]] = {}  # subject -> (place, within the quota, zh, en)
    for group, members in groups.items():
        members.sort(key=lambda c: (-c.score, c.subject_id))
        for n, c in enumerate(members, start=1):
            chosen[c.subject_id] = (n, *_quota_text(spec, group, members, n, c))
    out = []
    for c in people:
        cs = checks[c.subject_id]
        met_zh, met_en = "; ".join(k.zh for k in cs), "; ".join(k.en for k in cs)
        place: int | None = None
        if c.subject_id in chosen:
            place, ok, qzh, qen = chosen[c.subject_id]
            status: Status = "recommended" if ok else "not_recommended"
        else:
            qzh, qen, status = "不符合推荐条件", "does not meet every criterion", "not_recommended"
        head_zh = f"推荐({RECOMMENDATION_ONLY_ZH})" if status == "recommended" else "不推荐"
        head_en = f"recommended ({RECOMMENDATION_ONLY_EN})" if status == "recommended" else "not recommended"
        out.append(AwardLine(
            spec.list_id, c.subject_id, c.kind, _group(spec, c), status, cs, place,
            f"{c.subject_id} {spec.zh}: {head_zh}。{met_zh}; {qzh}",
            f"{c.subject_id}, {spec.en}: {head_en}. {met_en}; {qen}"))
    return out


def _quota_text(spec: ListCriteria, group: str, members: list[Candidate], place: int,
                c: Candidate) -> tuple[bool, str, str]:
    """Whether the place is within the group's quota, in words; a tie across the cut-off goes to the meeting."""
    q = spec.quota
    where_zh = {"branch": f"支部 {group}", "community": f"社区 {group}", "all": "全街道"}[spec.quota_group]
    where_en = {"branch": f"branch {group}", "community": f"community {group}", "all": "the sub-district"}[
        spec.quota_group]
    tied = [m.subject_id for m in members if m.score == c.score and m.subject_id != c.subject_id]
    first = next(i for i, m in enumerate(members, start=1) if m.score == c.score)
    last = first + len(tied)
    if last <= q:
        return (True, f"名额内: {where_zh} 名额 {q} 名, 第 {place} 位",
                f"within the quota: {where_en} has {q} place(s), this is place {place}")
    if first <= q:
        return (False, f"与 {', '.join(tied)} 并列于名额线 ({where_zh} 名额 {q} 名), 名额不足以全部推荐, 由会议研究",
                f"tied with {', '.join(tied)} at the quota's cut-off ({where_en} has {q} place(s)); the quota "
                "cannot take them all, so the meeting considers them")
    return (False, f"超出名额: {where_zh} 名额 {q} 名, 第 {place} 位",
            f"outside the quota: {where_en} has {q} place(s), this is place {place}")


def publish_recommendations(awards: Awards, ledger: Ledger, *, actor: str, at: datetime,
                            days: int = DEFAULT_NOTICE_DAYS, day_rule: Literal["calendar", "working"] =
                            DEFAULT_DAY_RULE, scope: str = DEFAULT_SCOPE) -> Notice:
    """Publish the recommended lines for objections (公示) in the ledger, from ``at`` for ``days`` days; they can
    be finalised (still recommendations) only after the period, with every objection decided."""
    items = awards.notice_items()
    if not items:
        raise AwardsError(f"nothing is recommended for {awards.year}, so there is nothing to publish",
                          hint="check the lists' criteria and quotas")
    return ledger.open_notice("recommendations", str(awards.year), items, actor=actor, at=at, scope=scope,
                              days=days, day_rule=day_rule)
