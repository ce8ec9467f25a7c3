"""Publication with an objection period (公示): the notice, its objections and its finalisation as the ledger
returns them, the period's days, and the row readers shared by the ledger and its verification.

The period: the seeds say results are published and objections heard ("每季度公开晾晒…对结果有异议的, 及时开展走访调查和
情况复核", S000 C3) but give no length. The default, :data:`DEFAULT_NOTICE_DAYS` = 5 calendar days, is the published
practice of publishing star results for 5 days before they are confirmed (policy/published-standards.md section 5);
``day_rule="working"`` counts working days (Monday to Friday; public holidays are not known to the library, so a
holiday week is to be given as more days). The first day is the day of opening (a working notice opened on a
weekend starts on the Monday); the last day is ``closes_on``, inclusive. Dates are calendar dates in the time zone of
the opening time, so a notice opened at 09:00 Beijing time runs on Beijing dates whatever the server's zone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Literal

DayRule = Literal["calendar", "working"]
NoticeKind = Literal["results", "recommendations"]
NoticeOutcome = Literal["upheld", "rejected"]
DEFAULT_NOTICE_DAYS = 5
DEFAULT_DAY_RULE: DayRule = "calendar"
NOTICE_DAYS_SOURCE = ("published-standards.md section 5: results published for 5 days before confirmation "
                      "(m.dybbs8.com); the seed (S000 C3) names objections but no period")


def notice_window(opened_on: date, days: int, rule: DayRule) -> tuple[date, date]:
    """The first and last day (inclusive) of an objection period of ``days`` days opened on ``opened_on``."""
    if rule == "calendar":
        return opened_on, opened_on + timedelta(days=days - 1)
    first = opened_on
    while first.weekday() >= 5:  # a working notice opened on a weekend starts on the Monday
        first += timedelta(days=1)
    last, counted = first, 1
    while counted < days:
        last += timedelta(days=1)
        counted += last.weekday() < 5
    return first, last


def local_date(at: datetime, utc_offset_minutes: int) -> date:
    """The calendar date of ``at`` in the notice's time zone."""
    return at.astimezone(timezone(timedelta(minutes=utc_offset_minutes))).date()


def offset_minutes(at: datetime) -> int:
    offset = at.utcoffset()
    assert offset is not None  # the ledger refuses naive times before this is called
    return int(offset.total_seconds() // 60)


@dataclass(frozen=True)
class Notice:
    """A list published for objections (公示): a period's results or the year's recommendations, each item with
    its ``ref``; objections are accepted from ``opens_on`` to ``closes_on`` inclusive."""

    notice_id: int
    kind: NoticeKind
    period: str
    scope: str
    title: str
    items: tuple[dict[str, Any], ...]
    items_hash: str
    days: int
    day_rule: DayRule
    utc_offset_minutes: int
    opens_on: date
    closes_on: date
    opened_at: datetime
    actor: str
    finalised: bool

    @property
    def refs(self) -> tuple[str, ...]:
        return tuple(str(i["ref"]) for i in self.items)

    def accepts_objections_on(self, day: date) -> bool:
        """True on the days of the period (and never once the notice is finalised)."""
        return not self.finalised and self.opens_on <= day <= self.closes_on

    def period_text(self, lang: str = "zh") -> str:
        """The period in words, e.g. ``公示期 5 个自然日: 2027-01-05 至 2027-01-09``."""
        if lang == "zh":
            unit = "个工作日" if self.day_rule == "working" else "个自然日"
            return f"公示期 {self.days} {unit}: {self.opens_on} 至 {self.closes_on}"
        unit = "working days" if self.day_rule == "working" else "calendar days"
        return f"objection period of {self.days} {unit}: {self.opens_on} to {self.closes_on}"


@dataclass(frozen=True)
class NoticeObjection:
    """An objection to one item of a notice, with its decision once taken (``outcome`` None: still open)."""

    objection_id: str
    notice_id: int
    item_ref: str
    raised_by: str
    reason: str
    filed_on: date
    filed_at: datetime
    actor: str
    outcome: NoticeOutcome | None
    decision_note: str | None
    decided_at: datetime | None
    decided_by: str | None

    @property
    def is_open(self) -> bool:
        return self.outcome is None


@dataclass(frozen=True)
class NoticeFinalisation:
    """A notice closed after its period with no objection open: the items that stand (``standing``) and those
    withdrawn because an objection to them was upheld. A recommendation that stands is still a recommendation,
    for the body that decides; finalising the notice decides nothing about it."""

    notice_id: int
    standing: tuple[str, ...]
    withdrawn: tuple[str, ...]
    standing_hash: str
    finalised_at: datetime
    actor: str


NOTICE_COLUMNS = ("notice_id, kind, period, scope, title, items_json, items_hash, days, day_rule, "
                  "utc_offset_minutes, opens_on, closes_on, opened_at, actor")


def notice_of(r: Sequence[Any], finalised: bool) -> Notice:
    return Notice(notice_id=r[0], kind=r[1], period=r[2], scope=r[3], title=r[4],
                  items=tuple(json.loads(r[5])), items_hash=r[6], days=r[7], day_rule=r[8],
                  utc_offset_minutes=r[9], opens_on=date.fromisoformat(r[10]), closes_on=date.fromisoformat(r[11]),
                  opened_at=datetime.fromisoformat(r[12]), actor=r[13], finalised=finalised)


OBJECTION_SELECT = ("SELECT o.objection_id, o.notice_id, o.item_ref, o.raised_by, o.reason, o.filed_on, o.filed_at, "
                    "o.actor, d.outcome, d.note, d.decided_at, d.actor FROM notice_objections o "
                    "LEFT JOIN notice_decisions d ON d.objection_id = o.objection_id")


def notice_objection_of(r: Sequence[Any]) -> NoticeObjection:
    return NoticeObjection(objection_id=r[0], notice_id=r[1], item_ref=r[2], raised_by=r[3], reason=r[4],
                           filed_on=date.fromisoformat(r[5]), filed_at=datetime.fromisoformat(r[6]), actor=r[7],
                           outcome=r[8], decision_note=r[9],
                           decided_at=datetime.fromisoformat(r[10]) if r[10] else None, decided_by=r[11])
