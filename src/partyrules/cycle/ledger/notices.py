"""公示: publishing a period's results or the year's recommendations for an objection period the ledger enforces.

Each step takes its time as ``at`` (no clock: the days of the period are decided by the times given, so that a test
or a replay gets the same answer any day). Opening a notice fixes its items and its period; an objection is
accepted only within the period (:class:`NoticePeriodError` naming the dates after it); the notice is finalised
only after the last day and with no objection to it open. Each step is an event of the hash chain carrying the
digest of the row it wrote (:mod:`.notice_verify` checks them). Notices need a ledger of schema version 3.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from ...errors import NoticePeriodError
from ..hashing import canonical_json, sha256_text
from ..objections import LedgerError, LedgerNotFoundError, LedgerStateError, ObjectionsPendingError
from .checks import _period_label, _text
from .notice_records import (
    DEFAULT_DAY_RULE,
    DEFAULT_NOTICE_DAYS,
    NOTICE_COLUMNS,
    OBJECTION_SELECT,
    DayRule,
    Notice,
    NoticeFinalisation,
    NoticeKind,
    NoticeObjection,
    NoticeOutcome,
    local_date,
    notice_objection_of,
    notice_of,
    notice_window,
    offset_minutes,
)
from .queries import LedgerQueries
from .records import DEFAULT_SCOPE, _iso

_TITLE = {"results": "年度评定结果公示 / annual results", "recommendations": "评先评优及干部推荐公示 / recommendations"}


class LedgerNotices(LedgerQueries):
    """The steps of 公示: open a notice, file and decide objections to its items, finalise it after its period."""

    def open_notice(
        self,
        kind: NoticeKind,
        period: str,
        items: Iterable[Mapping[str, Any]] | None = None,
        *,
        actor: str,
        at: datetime,
        scope: str = DEFAULT_SCOPE,
        days: int = DEFAULT_NOTICE_DAYS,
        day_rule: DayRule = DEFAULT_DAY_RULE,
        title: str | None = None,
    ) -> Notice:
        """Publish a list for objections from the date of ``at`` for ``days`` days (``day_rule``: calendar or
        working days). ``kind="results"`` lists the current publications of ``period`` and ``scope`` (``items``
        left out); ``kind="recommendations"`` lists ``items``, each a mapping with a unique ``ref``."""
        where = self._where(f"notices/{kind}/{period}")
        self._check_notices(where)
        actor = _text(actor, "actor", where)
        scope = _text(scope, "scope", where)
        label = _period_label(period)
        if kind not in ("results", "recommendations"):
            raise LedgerError(f"a notice is of results or recommendations, got {kind!r}", location=where,
                              hint="kind='results' or kind='recommendations'")
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise LedgerError(f"a notice's period is a whole number of days, at least 1, got {days!r}",
                              location=where, hint=f"the default is {DEFAULT_NOTICE_DAYS} days")
        if day_rule not in ("calendar", "working"):
            raise LedgerError(f"day_rule is 'calendar' or 'working', got {day_rule!r}", location=where)
        when = self._now(at)
        offset = offset_minutes(at)
        opens_on, closes_on = notice_window(local_date(at, offset), days, day_rule)
        with self._write() as conn:
            listed = self._results_items(conn, label, scope, where) if kind == "results" else _items(items, where)
            open_one = conn.execute("SELECT n.notice_id FROM notices n WHERE n.kind = ? AND n.period = ? AND "
                                    "n.scope = ? AND NOT EXISTS (SELECT 1 FROM notice_finalisations f WHERE "
                                    "f.notice_id = n.notice_id)", (kind, label, scope)).fetchone()
            if open_one is not None:
                raise LedgerStateError(f"notice {open_one[0]} of the {kind} of {label} ({scope}) is not finalised",
                                       location=where, hint="finalise it before publishing the list again")
            items_json = canonical_json(listed)
            cur = conn.execute(
                f"INSERT INTO notices ({NOTICE_COLUMNS}) VALUES ({', '.join('?' * 14)})",
                (None, kind, label, scope, title or _TITLE[kind], items_json, sha256_text(items_json), days,
                 day_rule, offset, opens_on.isoformat(), closes_on.isoformat(), _iso(when), actor))
            notice_id = cur.lastrowid
            self._append(conn, at=when, actor=actor, action="notice_opened", key=None,
                         what=f"notice {notice_id}: {kind} of {label} ({scope}) published for objections, "
                              f"{len(listed)} item(s), {opens_on} to {closes_on}",
                         before=None, after=sha256_text(items_json), note="",
                         payload={"notice_id": notice_id, "period": label, "scope": scope},
                         row=("notices", "notice_id = ?", (notice_id,)))
        assert notice_id is not None
        return self.notice(notice_id)

    def file_notice_objection(
        self, notice_id: int, item_ref: str, *, objection_id: str, raised_by: str, reason: str, actor: str,
        at: datetime,
    ) -> NoticeObjection:
        """Record an objection (异议) to one item of a notice. Accepted only on the days of its period: after the
        last day, or before the first, :class:`NoticePeriodError` names the period's dates."""
        where = self._where(f"notice_objections/{objection_id}")
        self._check_notices(where)
        objection_id = _text(objection_id, "objection_id", where)
        raised_by, reason = _text(raised_by, "raised_by", where), _text(reason, "reason", where)
        actor = _text(actor, "actor", where)
        when = self._now(at)
        with self._write() as conn:
            notice = self._notice_in(conn, notice_id)
            day = local_date(when, notice.utc_offset_minutes)
            if notice.finalised:
                raise LedgerStateError(f"notice {notice_id} is finalised; objection {objection_id} comes too late",
                                       location=where, hint="take the matter to the organisation above")
            if not notice.accepts_objections_on(day):
                raise NoticePeriodError(
                    f"objection {objection_id} to notice {notice_id} on {day} is outside its objection period "
                    f"{notice.opens_on} to {notice.closes_on} (公示期 {notice.opens_on} 至 {notice.closes_on})",
                    notice.opens_on, notice.closes_on, location=where,
                    hint="objections are accepted from the first to the last day of the period; after it, "
                         "the matter goes to the organisation above (公示期外不再受理)")
            if item_ref not in notice.refs:
                raise LedgerNotFoundError(f"notice {notice_id} lists no item {item_ref!r}", location=where,
                                          hint="its items: " + ", ".join(notice.refs[:10]))
            if conn.execute("SELECT 1 FROM notice_objections WHERE objection_id = ?", (objection_id,)).fetchone():
                raise LedgerError(f"objection id {objection_id} is already used", location=where,
                                  hint="give each objection its own id")
            conn.execute("INSERT INTO notice_objections VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (objection_id, notice_id, item_ref, raised_by, reason, day.isoformat(), _iso(when), actor))
            self._append(conn, at=when, actor=actor, action="notice_objection_filed", key=None,
                         what=f"objection {objection_id} to {item_ref} of notice {notice_id} filed by {raised_by}",
                         before=None, after=None, note=reason,
                         payload={"notice_id": notice_id, "objection_id": objection_id},
                         row=("notice_objections", "objection_id = ?", (objection_id,)))
        return self.notice_objection(objection_id)

    def decide_notice_objection(
        self, objection_id: str, outcome: NoticeOutcome, *, note: str, actor: str, at: datetime
    ) -> NoticeObjection:
        """Record the review's decision on an objection to a notice's item, after the investigation the source
        asks for (走访调查和情况复核): ``upheld`` withdraws the item from the list when the notice is finalised,
        ``rejected`` leaves it standing."""
        where = self._where(f"notice_objections/{objection_id}")
        self._check_notices(where)
        note, actor = _text(note, "note", where), _text(actor, "actor", where)
        if outcome not in ("upheld", "rejected"):
            raise LedgerError(f"an outcome is 'upheld' or 'rejected', got {outcome!r}", location=where)
        when = self._now(at)
        with self._write() as conn:
            objection = self._notice_objection_in(conn, objection_id)
            if not objection.is_open:
                raise LedgerStateError(f"objection {objection_id} was already decided ({objection.outcome})",
                                       location=where, hint="a decision is recorded once")
            conn.execute("INSERT INTO notice_decisions VALUES (?, ?, ?, ?, ?)",
                         (objection_id, outcome, note, _iso(when), actor))
            self._append(conn, at=when, actor=actor, action="notice_objection_decided", key=None,
                         what=f"objection {objection_id} to {objection.item_ref} of notice {objection.notice_id} "
                              f"{outcome}", before=None, after=None, note=note,
                         payload={"notice_id": objection.notice_id, "objection_id": objection_id},
                         row=("notice_decisions", "objection_id = ?", (objection_id,)))
        return self.notice_objection(objection_id)

    def finalise_notice(self, notice_id: int, *, actor: str, at: datetime) -> NoticeFinalisation:
        """Close a notice after its period: refused (:class:`NoticePeriodError`) on or before its last day and
        (:class:`ObjectionsPendingError`) while an objection to it is open. The items with an upheld objection are
        withdrawn; the rest stand. Standing recommendations stay recommendations: this decides none of them."""
        where = self._where(f"notices/{notice_id}")
        self._check_notices(where)
        actor = _text(actor, "actor", where)
        when = self._now(at)
        with self._write() as conn:
            notice = self._notice_in(conn, notice_id)
            if notice.finalised:
                raise LedgerStateError(f"notice {notice_id} is already finalised", location=where)
            day = local_date(when, notice.utc_offset_minutes)
            if day <= notice.closes_on:
                raise NoticePeriodError(
                    f"notice {notice_id} cannot be finalised on {day}: its objection period runs from "
                    f"{notice.opens_on} to {notice.closes_on} (公示期未满)", notice.opens_on, notice.closes_on,
                    location=where, hint=f"finalise it on or after {notice.closes_on + timedelta(days=1)} "
                                         "(公示期满后方可定稿)")
            objections = self._notice_objections_in(conn, notice_id)
            pending = [o.objection_id for o in objections if o.is_open]
            if pending:
                raise ObjectionsPendingError(f"notice {notice_id} cannot be finalised: {len(pending)} objection(s) "
                                             f"open: {', '.join(pending[:10])}", pending, location=where,
                                             hint="investigate and decide each objection first")
            withdrawn = sorted({o.item_ref for o in objections if o.outcome == "upheld"})
            standing = [r for r in notice.refs if r not in withdrawn]
            standing_json = canonical_json({"standing": standing, "withdrawn": withdrawn})
            conn.execute("INSERT INTO notice_finalisations VALUES (?, ?, ?, ?, ?)",
                         (notice_id, standing_json, sha256_text(standing_json), _iso(when), actor))
            self._append(conn, at=when, actor=actor, action="notice_finalised", key=None,
                         what=f"notice {notice_id} finalised: {len(standing)} standing, {len(withdrawn)} withdrawn",
                         before=notice.items_hash, after=sha256_text(standing_json), note="",
                         payload={"notice_id": notice_id},
                         row=("notice_finalisations", "notice_id = ?", (notice_id,)))
        return NoticeFinalisation(notice_id, tuple(standing), tuple(withdrawn), sha256_text(standing_json),
                                  when, actor)

    def notice(self, notice_id: int) -> Notice:
        self._check_notices(self._where(f"notices/{notice_id}"))
        with self._read() as conn:
            return self._notice_in(conn, notice_id)

    def notices(self, *, kind: NoticeKind | None = None, period: str | None = None) -> list[Notice]:
        """The notices, oldest first (of one kind or period if given); none in a version 2 ledger."""
        if self.schema_version < 3:
            return []
        with self._read() as conn:
            ids = [r[0] for r in conn.execute("SELECT notice_id FROM notices WHERE (? IS NULL OR kind = ?) AND "
                                              "(? IS NULL OR period = ?) ORDER BY notice_id",
                                              (kind, kind, period, period))]
            return [self._notice_in(conn, i) for i in ids]

    def notice_objection(self, objection_id: str) -> NoticeObjection:
        self._check_notices(self._where(f"notice_objections/{objection_id}"))
        with self._read() as conn:
            return self._notice_objection_in(conn, objection_id)

    def notice_objections(self, notice_id: int) -> list[NoticeObjection]:
        self._check_notices(self._where(f"notices/{notice_id}"))
        with self._read() as conn:
            return self._notice_objections_in(conn, notice_id)

    def _check_notices(self, where: Any) -> None:
        if self.schema_version < 3:
            raise LedgerStateError(f"{self.path} is a ledger of schema version {self.schema_version}, which has no "
                                   "notices (公示)", location=where,
                                   hint="open notices in a new ledger; this one stays readable and verifiable")

    def _notice_in(self, conn: sqlite3.Connection, notice_id: int) -> Notice:
        row = conn.execute(f"SELECT {NOTICE_COLUMNS} FROM notices WHERE notice_id = ?", (notice_id,)).fetchone()
        if row is None:
            raise LedgerNotFoundError(f"no notice {notice_id!r}", location=self._where("notices"),
                                      hint="open one with open_notice()")
        final = conn.execute("SELECT 1 FROM notice_finalisations WHERE notice_id = ?", (notice_id,)).fetchone()
        return notice_of(row, final is not None)

    def _notice_objection_in(self, conn: sqlite3.Connection, objection_id: str) -> NoticeObjection:
        row = conn.execute(f"{OBJECTION_SELECT} WHERE o.objection_id = ?", (objection_id,)).fetchone()
        if row is None:
            raise LedgerNotFoundError(f"no objection {objection_id!r} to a notice",
                                      location=self._where("notice_objections"))
        return notice_objection_of(row)

    def _notice_objections_in(self, conn: sqlite3.Connection, notice_id: int) -> list[NoticeObjection]:
        return [notice_objection_of(r) for r in conn.execute(
            f"{OBJECTION_SELECT} WHERE o.notice_id = ? ORDER BY o.rowid", (notice_id,))]

    def _results_items(self, conn: sqlite3.Connection, period: str, scope: str, where: Any) -> list[dict[str, Any]]:
        if self._finalised_in(conn, period, scope):
            raise LedgerStateError(f"{period} ({scope}) is final: its results can no longer be objected to",
                                   location=where, hint="publish results for objections before finalising them")
        rows = conn.execute("SELECT publication_id, subject_id, ruleset_id, breakdown_hash, total, grade FROM "
                            "current_publications WHERE period = ? AND scope = ? ORDER BY publication_id",
                            (period, scope)).fetchall()
        if not rows:
            raise LedgerNotFoundError(f"nothing is published for {period} in scope '{scope}'", location=where,
                                      hint="publish the results (publish_annual) first")
        return [{"ref": f"{r[1]}/{period}/{r[2]}", "publication_id": r[0], "breakdown_hash": r[3], "total": r[4],
                 "grade": r[5]} for r in rows]


def _items(items: Iterable[Mapping[str, Any]] | None, where: Any) -> list[dict[str, Any]]:
    if items is None:
        raise LedgerError("a notice of recommendations lists its items", location=where,
                          hint="pass the recommendations' notice items (Awards.notice_items())")
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, item in enumerate(items):
        ref = item.get("ref") if isinstance(item, Mapping) else None
        if not isinstance(ref, str) or not ref or ref in seen:
            raise LedgerError(f"item {n} of the notice needs a ref of its own, got {ref!r}", location=where,
                              hint="each item is a mapping with a unique, non-empty 'ref'")
        seen.add(ref)
        out.append(json.loads(canonical_json(dict(item))))
    if not out:
        raise LedgerError("a notice lists at least one item", location=where, hint="there is nothing to publish")
    return out
