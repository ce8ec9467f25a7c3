"""The decision log: every decision the service makes, in a SQLite file, as OPA's decision logs keep them.

A decision is written and committed before its response is sent, so a response the caller received always has its
row, even when the server is killed right after. The log is a WAL-mode database with ``synchronous=FULL``: a
commit has reached the disk when it returns, so neither a killed process nor a lost machine drops an
acknowledged decision. Each row keeps the input facts as received, so that :func:`replay` can re-evaluate it
offline and find any decision the rule sets would now make differently, and the hashes of input and output, so
that an edited row is found as well.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    caller TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    period TEXT NOT NULL,
    ruleset_id TEXT NOT NULL,
    ruleset_version TEXT NOT NULL,
    ruleset_hash TEXT NOT NULL,
    input_hash TEXT NOT NULL,
    output_hash TEXT NOT NULL,
    input_json TEXT NOT NULL,
    breakdown_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_subject ON decisions (subject_id, time);
CREATE INDEX IF NOT EXISTS decisions_time ON decisions (time);
"""
_COLUMNS = ("id", "time", "caller", "subject_kind", "subject_id", "period", "ruleset_id", "ruleset_version",
            "ruleset_hash", "input_hash", "output_hash", "input_json", "breakdown_json")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Decision:
    """One logged decision: who asked, about whom, under which rule set, and what was decided."""

    id: int
    time: str
    caller: str
    subject_kind: str
    subject_id: str
    period: str
    ruleset_id: str
    ruleset_version: str
    ruleset_hash: str
    input_hash: str
    output_hash: str
    input_json: str
    breakdown_json: str


@dataclass(frozen=True)
class NewDecision:
    """A decision to record (the log gives it its id and time)."""

    caller: str
    subject_kind: str
    subject_id: str
    period: str
    ruleset_id: str
    ruleset_version: str
    ruleset_hash: str
    input_json: str  # the facts as validated, in canonical JSON
    breakdown_json: str  # ScoreBreakdown.to_json(): canonical, so equal decisions hash equal


class DecisionLog:
    """A SQLite decision log, shared by the server's threads (one connection, writes serialised by a lock)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def record(self, decisions: Sequence[NewDecision]) -> list[int]:
        """Write the decisions in one transaction and return their ids once it is committed."""
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        ids: list[int] = []
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for d in decisions:
                    cur = self._db.execute(
                        "INSERT INTO decisions (time, caller, subject_kind, subject_id, period, ruleset_id, "
                        "ruleset_version, ruleset_hash, input_hash, output_hash, input_json, breakdown_json) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                        (now, d.caller, d.subject_kind, d.subject_id, d.period, d.ruleset_id, d.ruleset_version,
                         d.ruleset_hash, sha256_text(d.input_json), sha256_text(d.breakdown_json), d.input_json,
                         d.breakdown_json))
                    ids.append(int(cur.lastrowid or 0))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return ids

    def query(self, *, subject: str | None = None, since: str | None = None, ruleset: str | None = None,
              after_id: int = 0, limit: int = 100) -> list[Decision]:
        """Decisions in id order: of one subject, from a time on (ISO 8601, compared as text in UTC), under one
        rule set id, after an id (to page on)."""
        where, args = ["id > ?"], [after_id]
        for column, value in (("subject_id = ?", subject), ("time >= ?", since), ("ruleset_id = ?", ruleset)):
            if value is not None:
                where.append(column)
                args.append(value)  # type: ignore[arg-type]
        sql = f"SELECT {', '.join(_COLUMNS)} FROM decisions WHERE {' AND '.join(where)} ORDER BY id LIMIT ?"
        with self._lock:
            rows = self._db.execute(sql, (*args, limit)).fetchall()
        return [Decision(*row) for row in rows]

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM decisions").fetchone()[0])


def read_decisions(path: str | Path, batch: int = 500) -> Iterator[Decision]:
    """Every decision of a log file, in id order, read without writing to it."""
    db = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    try:
        last = 0
        while True:
            rows = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM decisions WHERE id > ? ORDER BY id LIMIT ?",
                              (last, batch)).fetchall()
            if not rows:
                return
            for row in rows:
                yield Decision(*row)
            last = rows[-1][0]
    finally:
        db.close()


def decision_dict(d: Decision) -> dict[str, Any]:
    """A decision as the service returns it (the input and the breakdown as JSON text, as stored)."""
    return {c: getattr(d, c) for c in _COLUMNS}
