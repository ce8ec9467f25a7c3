"""Verification of the notices (公示) of a schema version 3 ledger, called by :mod:`.verify` while it replays the
events: each notice row against the event that wrote it, and the rules of the period replayed from the events'
times, so that a row edited with the triggers dropped, a row added without its event, an objection moved into the
period or a finalisation moved before its end is found."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from typing import Any, Protocol

from ..hashing import canonical_json, row_digest, sha256_text
from .notice_records import local_date, notice_window
from .records import AuditEvent, _iso

_KEY = {"notices": "notice_id", "notice_objections": "objection_id", "notice_decisions": "objection_id",
        "notice_finalisations": "notice_id"}
_ROW = {"notice_opened": "notices", "notice_objection_filed": "notice_objections",
        "notice_objection_decided": "notice_decisions", "notice_finalised": "notice_finalisations"}


class _Adds(Protocol):
    def add(self, table: str, key: Any, message: str) -> None: ...


class NoticeTables:
    """Every notice row, by key, as stored, and what the replay has seen written so far."""

    def __init__(self, conn: sqlite3.Connection | None) -> None:
        self.rows: dict[str, dict[Any, dict[str, Any]]] = {t: {} for t in _KEY}
        if conn is not None:
            for table, key in _KEY.items():
                cur = conn.execute(f"SELECT * FROM {table} ORDER BY {key}")
                names = [d[0] for d in cur.description]
                self.rows[table] = {r[names.index(key)]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}
        self.written: dict[str, set[Any]] = {t: set() for t in _KEY}
        self.open: dict[str, int] = {}  # objection -> notice, until decided
        self.upheld: dict[int, set[str]] = {}
        self.final: set[int] = set()

    def count(self) -> int:
        return len(self.rows["notices"])


def replay_notice(e: AuditEvent, t: NoticeTables, found: _Adds) -> None:
    """Check the row a notice event wrote and the period's rules at that step."""
    table = _ROW[e.action]
    key = e.payload.get("objection_id") if table in ("notice_objections", "notice_decisions") else \
        e.payload.get("notice_id")
    row = t.rows[table].get(key)
    where = f"{e.seq} ({e.action})"
    if key in t.written[table]:
        found.add(table, key, f"event {where} writes it again")
        return
    t.written[table].add(key)
    if row is None:
        found.add(table, key, f"missing: event {where} wrote it")
        return
    if e.payload.get("row") != row_digest(table, row):
        found.add(table, key, f"is not the row event {where} wrote (a column was changed)")
    at = _iso(e.at)
    if row.get("actor") != e.actor or at not in (row.get("opened_at"), row.get("filed_at"), row.get("decided_at"),
                                                  row.get("finalised_at")):
        found.add(table, key, f"actor or time not as event {where} recorded")
    notice = t.rows["notices"].get(row.get("notice_id") if table != "notice_decisions" else
                                   t.open.get(str(key)))
    try:
        problem = _rule(e, table, row, notice, t)
    except (ValueError, TypeError, KeyError, OverflowError, AttributeError) as exc:
        # an edited cell (a zone offset of days, a date that is no date) is a finding, never a crash of verify
        problem = f"cannot be read ({type(exc).__name__})"
    if problem:
        found.add(table, key, f"{problem}; event {where}")


def _rule(e: AuditEvent, table: str, row: dict[str, Any], notice: dict[str, Any] | None,
          t: NoticeTables) -> str | None:
    if table == "notices":
        return _opened(e, row)
    if notice is None:
        return "names no notice written before it"
    nid = notice["notice_id"]
    if nid in t.final:
        return f"a step on notice {nid} after it was finalised"
    day = local_date(e.at, notice["utc_offset_minutes"])
    refs = _refs(notice)
    if refs is None:
        return f"notice {nid}'s items cannot be read"
    if table == "notice_objections":
        t.open[row["objection_id"]] = nid
        if row["filed_on"] != day.isoformat():
            return "filed_on is not the date of its event"
        if not notice["opens_on"] <= day.isoformat() <= notice["closes_on"]:
            return f"filed on {day}, outside the objection period {notice['opens_on']} to {notice['closes_on']}"
        return None if row["item_ref"] in refs else f"names {row['item_ref']}, which the notice does not list"
    if table == "notice_decisions":
        t.open.pop(row["objection_id"], None)
        if row["outcome"] == "upheld":
            item = t.rows["notice_objections"].get(row["objection_id"], {}).get("item_ref")
            t.upheld.setdefault(nid, set()).add(str(item))
        return None
    return _finalised(day, row, notice, refs, t)


def _refs(notice: dict[str, Any]) -> list[Any] | None:
    # a verifier reads an edited row without crashing: what cannot be read is a finding
    try:
        return [i.get("ref") for i in json.loads(notice["items_json"])]
    except (ValueError, TypeError, AttributeError):
        return None


def _opened(e: AuditEvent, row: dict[str, Any]) -> str | None:
    try:
        items = json.loads(row["items_json"])
        opened = local_date(datetime.fromisoformat(row["opened_at"]), row["utc_offset_minutes"])
        window = notice_window(opened, row["days"], row["day_rule"])
    except (ValueError, TypeError, KeyError, OverflowError, AttributeError) as exc:
        return f"cannot be read ({type(exc).__name__})"
    if canonical_json(items) != row["items_json"] or sha256_text(row["items_json"]) != row["items_hash"]:
        return "items do not match their hash"
    if e.after_hash != row["items_hash"] or (e.payload.get("period"), e.payload.get("scope")) != (
            row["period"], row["scope"]):
        return "items, period or scope not as the event recorded"
    if (date.fromisoformat(row["opens_on"]), date.fromisoformat(row["closes_on"])) != window:
        return f"its period {row['opens_on']} to {row['closes_on']} is not {row['days']} {row['day_rule']} days " \
               "from its opening"
    return None


def _finalised(day: date, row: dict[str, Any], notice: dict[str, Any], refs: list[Any],
               t: NoticeTables) -> str | None:
    nid = notice["notice_id"]
    t.final.add(nid)
    if day.isoformat() <= notice["closes_on"]:
        return f"finalised on {day}, before its objection period ended ({notice['closes_on']})"
    pending = sorted(o for o, n in t.open.items() if n == nid)
    if pending:
        return f"finalised with objections open ({', '.join(pending)})"
    withdrawn = sorted(t.upheld.get(nid, set()))
    expected = canonical_json({"standing": [r for r in refs if r not in withdrawn], "withdrawn": withdrawn})
    if row["standing_json"] != expected or row["standing_hash"] != sha256_text(expected):
        return "standing and withdrawn items are not the notice's items less those with upheld objections"
    return None


def notice_extras(t: NoticeTables, found: _Adds) -> None:
    """Rows that no event wrote."""
    for table, rows in t.rows.items():
        for key in rows:
            if key not in t.written[table]:
                found.add(table, key, "no event wrote it (a row was added)")
