"""The ledger's storage: its SQLite connection, transactions and the rows each step reads and appends.

:class:`LedgerStore` is the base the ledger's parts build on (see :mod:`.core`): it opens the file (read-only
copies included), creates or checks the schema, runs every step in one ``BEGIN IMMEDIATE`` transaction under a lock,
and reads publications and objections and appends hash-chained events inside a transaction.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Any, Self

from ...errors import Location
from ...facts.records import Objection
from ..hashing import (
    canonical_json,
    merkle_root,
    row_digest,
)
from ..objections import (
    LedgerError,
    LedgerIntegrityError,
    LedgerNotFoundError,
    ObjectionAction,
    PeriodFinalisedError,
    advance,
)
from .checkpoints import Checkpoint, load_signing_key
from .checks import _Prepared
from .errors import read_only_refusal, storage_error
from .notice_records import NOTICE_COLUMNS, Notice, notice_of
from .records import (
    _EVENT_COLUMNS,
    _EVENT_SELECT,
    _PUBLICATION_SELECT,
    AuditEvent,
    ObjectionRecord,
    Publication,
    PublicationCause,
    ScoreKey,
    _event,
    _event_hash,
    _iso,
    _leaves,
    _publication,
    _utc_now,
    ledger_id_of,
)
from .schema import READABLE_VERSIONS, SCHEMA_VERSION, statements


class LedgerStore:
    """The connection, its transactions and the in-transaction reads and appends every ledger step shares."""

    ledger_id: str
    schema_version: int

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        clock: Callable[[], datetime] | None = None,
        timeout: float = 30.0,
        signing_key: Any = None,
        read_only: bool = False,
    ) -> None:
        self.path = os.fspath(path)
        self.read_only = read_only
        self._clock = clock or _utc_now
        self._lock = threading.RLock()
        self._signing_key = load_signing_key(signing_key) if signing_key is not None else None
        self._copy_dir: str | None = None
        self._conn = self._connect(timeout)
        try:
            self._configure(timeout)
            self._ensure_schema()
        except sqlite3.Error as exc:
            self.close()
            raise storage_error(exc, "open the ledger", self._where()) from exc
        except BaseException:
            self.close()
            raise

    def _connect(self, timeout: float) -> sqlite3.Connection:
        if not self.read_only:
            try:
                return sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
            except sqlite3.Error as exc:
                raise storage_error(exc, "open the ledger", self._where()) from exc
        if self.path == ":memory:" or not os.path.isfile(self.path):
            raise LedgerNotFoundError(f"no ledger file {self.path}", location=self._where(),
                                      hint="read_only=True opens an existing ledger file")
        try:
            return self._open_ro(self.path, "mode=ro", timeout)
        except sqlite3.OperationalError as exc:
            name = getattr(exc, "sqlite_errorname", "")
            if not name.startswith(("SQLITE_CANTOPEN", "SQLITE_READONLY")):
                raise storage_error(exc, "open the ledger", self._where()) from exc
        # A WAL database read with mode=ro needs its -shm file, which a read-only directory or file system cannot
        # give. immutable=1 reads without it but ignores the -wal file, so a -wal holding transactions (a ledger
        # copied while open) is read from a private copy instead; without one the main file is the whole ledger.
        wal = self.path + "-wal"
        if os.path.isfile(wal) and os.path.getsize(wal) > 0:
            self._copy_dir = tempfile.mkdtemp(prefix="partyrules-ledger-")
            copy = os.path.join(self._copy_dir, "ledger.db")
            shutil.copyfile(self.path, copy)
            shutil.copyfile(wal, copy + "-wal")
            return self._open_ro(copy, "mode=ro", timeout)
        return self._open_ro(self.path, "mode=ro&immutable=1", timeout)

    @staticmethod
    def _open_ro(path: str, query: str, timeout: float) -> sqlite3.Connection:
        uri = f"file:{urllib.parse.quote(os.path.abspath(path))}?{query}"
        conn = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # SQLite opens the file on first use
        except BaseException:
            conn.close()
            raise
        return conn

    def _configure(self, timeout: float) -> None:
        conn = self._conn
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA recursive_triggers = ON")
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        if self.read_only:
            return
        deadline = time.monotonic() + timeout
        while True:  # switching to WAL needs a moment alone with the file; a concurrent opener may hold it
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        conn.execute("PRAGMA synchronous = FULL")  # a committed step survives a power cut, not only a crash

    def _ensure_schema(self) -> None:
        # Read first, so that opening an existing ledger never waits for another process's write lock.
        with self._read() as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "schema_version" in tables:
                self._check_version(conn)
                return
        if self.read_only:
            raise LedgerIntegrityError(f"{self.path} is not a partyrules ledger (it has "
                                       + (f"the tables {', '.join(sorted(tables))})" if tables else "no tables)"),
                                       location=self._where(), hint="give the file of an existing ledger")
        with self._write() as conn:  # look again under the lock: another process may have created it meanwhile
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "schema_version" not in tables:
                if tables:
                    raise LedgerIntegrityError(
                        f"{self.path} is an SQLite database but not a partyrules ledger "
                        f"(it has the tables {', '.join(sorted(tables))})",
                        location=self._where(), hint="give a new file, or the file of an existing ledger")
                # Not executescript: it would COMMIT first, and the check above must hold until the schema exists.
                for statement in statements():
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_version VALUES (?, ?, ?)",
                             (SCHEMA_VERSION, _iso(self._now(None)), _library_version()))
            self._check_version(conn)

    def _check_version(self, conn: sqlite3.Connection) -> None:
        rows = conn.execute("SELECT version, applied_at, library FROM schema_version ORDER BY version").fetchall()
        version = rows[-1][0] if rows else None
        if version not in READABLE_VERSIONS:
            newer = version is not None and version > SCHEMA_VERSION
            older = version is not None and version < SCHEMA_VERSION
            raise LedgerIntegrityError(
                f"{self.path} has ledger schema version {version}, this library reads versions "
                f"{', '.join(map(str, READABLE_VERSIONS))}",
                location=self._where(),
                hint="upgrade partyrules" if newer else
                "a version 1 ledger (partyrules 0.1) does not chain every row; verify and read it with partyrules "
                "0.1, and publish into a new ledger" if older else
                "the file is damaged or from an unreleased version")
        self.ledger_id = ledger_id_of(*rows[-1])
        self.schema_version: int = version

    def close(self) -> None:
        """Close the connection (the data is already committed)."""
        with self._lock:
            if getattr(self, "_conn", None) is not None:
                self._conn.close()
            if self._copy_dir is not None:
                shutil.rmtree(self._copy_dir, ignore_errors=True)
                self._copy_dir = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        # BEGIN IMMEDIATE takes the write lock before the first read, so the checks a step makes still hold when
        # its rows are appended, even with another process writing the same file.
        if self.read_only:
            raise read_only_refusal(self.path)
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise storage_error(exc, "write to the ledger", self._where()) from exc
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                # A full disk, a read-only file or a lost lock mid-step: undo the whole step, then say which.
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise storage_error(exc, "write to the ledger", self._where()) from exc
            except BaseException:
                if self._conn.in_transaction:  # a failed COMMIT leaves the transaction open
                    self._conn.execute("ROLLBACK")
                raise

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        # One read transaction: a consistent snapshot across several queries, even while others write.
        with self._lock:
            try:
                self._conn.execute("BEGIN")
            except sqlite3.Error as exc:
                raise storage_error(exc, "read the ledger", self._where()) from exc
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise storage_error(exc, "read the ledger", self._where()) from exc
            finally:
                if self._conn.in_transaction:
                    self._conn.execute("COMMIT")

    def _now(self, at: datetime | None) -> datetime:
        value = self._clock() if at is None else at
        if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
            raise LedgerError(f"the time of a ledger step must be a timezone-aware datetime, got {value!r}",
                              location=self._where(),
                              hint="pass datetime.now(UTC) or a datetime with tzinfo; times are stored in UTC")
        # Stored with microseconds, so read back exactly; sub-microsecond parts do not exist in datetime.
        return value.astimezone(UTC)

    def _where(self, what: str | None = None) -> Location:
        return Location(file=self.path, path=what)

    def _checkpoint_in(self, conn: sqlite3.Connection, *, at: datetime, reason: str, key: Any) -> Checkpoint:
        events = [_event(r) for r in conn.execute(f"{_EVENT_SELECT} ORDER BY seq")]
        cp = Checkpoint(self.ledger_id, len(events), merkle_root(_leaves(events)).hex(),
                        events[-1].event_hash if events else self.ledger_id, _iso(at), reason)
        if key is not None:
            cp = cp.signed_with(key)
        cur = conn.execute("INSERT INTO checkpoints (ledger_id, tree_size, root_hash, head_hash, timestamp, reason, "
                           "public_key, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           (cp.ledger_id, cp.tree_size, cp.root_hash, cp.head_hash, cp.timestamp, cp.reason,
                            cp.public_key, cp.signature))
        return replace(cp, checkpoint_id=cur.lastrowid)

    def _stored_checkpoints(self, conn: sqlite3.Connection) -> list[Checkpoint]:
        cur = conn.execute("SELECT * FROM checkpoints ORDER BY checkpoint_id")
        names = [d[0] for d in cur.description]
        return [Checkpoint(**dict(zip(names, r, strict=True))) for r in cur.fetchall()]

    def _insert_publication(self, conn: sqlite3.Connection, p: _Prepared, *, key: ScoreKey, at: datetime,
                            actor: str, cause: PublicationCause, supersedes: int | None,
                            objection_id: str | None) -> int:
        b = p.breakdown
        cur = conn.execute(
            "INSERT INTO publications (subject_kind, subject_id, period, scope, ruleset_id, ruleset_version, "
            "ruleset_hash, params_json, breakdown_json, breakdown_hash, facts_json, facts_hash, total, grade, "
            "vetoed, supersedes, cause, objection_id, published_at, actor) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (b.subject_kind, key.subject_id, key.period, key.scope, key.ruleset_id, b.ruleset_version,
             b.ruleset_hash, canonical_json(b.params), p.breakdown_json, p.breakdown_hash, p.facts_json, p.facts_hash,
             b.total, b.grade.id, int(b.vetoed), supersedes, cause, objection_id, _iso(at), actor))
        assert cur.lastrowid is not None
        return cur.lastrowid

    def _record_publication(self, conn: sqlite3.Connection, p: _Prepared, *, key: ScoreKey, at: datetime,
                            actor: str, cause: PublicationCause, action: str, supersedes: int | None,
                            objection_id: str | None, what: str, before: str | None, note: str,
                            payload: dict[str, Any]) -> int:
        """Store a publication and the event that says why, in the caller's transaction: every publication (first,
        republished, upheld, reversed) enters the chain this one way, the event covering the stored row."""
        new_id = self._insert_publication(conn, p, key=key, at=at, actor=actor, cause=cause, supersedes=supersedes,
                                          objection_id=objection_id)
        self._append(conn, at=at, actor=actor, action=action, key=key, what=what, publication_id=new_id,
                     objection_id=objection_id, before=before, after=p.breakdown_hash, note=note, payload=payload,
                     row=_publication_row(new_id))
        return new_id

    def _append(self, conn: sqlite3.Connection, *, at: datetime, actor: str, action: str, key: ScoreKey | None,
                what: str, before: str | None, after: str | None, note: str, payload: dict[str, Any],
                publication_id: int | None = None, objection_id: str | None = None, period: str | None = None,
                scope: str | None = None, row: tuple[str, str, tuple[Any, ...]] | None = None) -> None:
        last = conn.execute("SELECT seq, event_hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (last[0] + 1, last[1]) if last else (1, self.ledger_id)
        if row is not None:  # the row this step wrote, as stored, so that the chain covers its every column
            payload = {**payload, "row": _stored_digest(conn, *row)}
        event = AuditEvent(seq, at, actor, action, what, key.period if key else period, key.scope if key else scope,
                           key.subject_id if key else None, key.ruleset_id if key else None, publication_id,
                           objection_id, before, after, note, json.loads(canonical_json(payload)), prev, "")
        digest = _event_hash(prev, event.content())
        conn.execute(f"INSERT INTO events ({_EVENT_COLUMNS}) VALUES ({', '.join('?' * 17)})",
                     (seq, _iso(at), actor, action, what, event.period, event.scope, event.subject_id,
                      event.ruleset_id, publication_id, objection_id, before, after, note,
                      canonical_json(event.payload), prev, digest))

    def _publications_in(self, conn: sqlite3.Connection, where: list[str], args: Sequence[Any]) -> list[Publication]:
        sql = _PUBLICATION_SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY p.publication_id"
        return [_publication(r) for r in conn.execute(sql, args).fetchall()]

    def _publication_in(self, conn: sqlite3.Connection, publication_id: int) -> Publication:
        if isinstance(publication_id, bool) or not isinstance(publication_id, int):
            raise LedgerError(f"a publication id is an int, got {publication_id!r}", location=self._where(),
                              hint="use Publication.publication_id")
        found = self._publications_in(conn, ["p.publication_id = ?"], [publication_id])
        if not found:
            last = conn.execute("SELECT max(publication_id) FROM publications").fetchone()[0]
            raise LedgerNotFoundError(f"no publication {publication_id}", location=self._where("publications"),
                                      hint=f"publication ids run from 1 to {last}" if last else "nothing is published")
        return found[0]

    def _current_or_none(self, conn: sqlite3.Connection, key: ScoreKey) -> Publication | None:
        found = self._publications_in(
            conn, ["p.subject_id = ?", "p.period = ?", "p.ruleset_id = ?", "p.scope = ?",
                   "NOT EXISTS (SELECT 1 FROM publications s WHERE s.supersedes = p.publication_id)"],
            [key.subject_id, key.period, key.ruleset_id, key.scope])
        return found[0] if found else None

    def _current_in(self, conn: sqlite3.Connection, key: ScoreKey) -> Publication:
        current = self._current_or_none(conn, key)
        if current is None:  # every objection's score has a publication; only a damaged file lacks one
            raise LedgerIntegrityError(f"{key.ref} has no current publication", location=self._where())
        return current

    def _objection_in(self, conn: sqlite3.Connection, objection_id: str) -> ObjectionRecord:
        where = self._where(f"objections/{objection_id}")
        row = conn.execute("SELECT o.objection_json, o.publication_id, o.filed_at, o.actor, p.subject_id, p.period, "
                           "p.ruleset_id, p.scope FROM objections o JOIN publications p "
                           "ON p.publication_id = o.publication_id WHERE o.objection_id = ?",
                           (objection_id,)).fetchone()
        if row is None:
            known = [r[0] for r in conn.execute("SELECT objection_id FROM objections ORDER BY rowid DESC LIMIT 5")]
            raise LedgerNotFoundError(f"no objection {objection_id!r}", location=where,
                                      hint=("recent objections: " + ", ".join(known)) if known
                                      else "no objection has been filed")
        objection = Objection.model_validate_json(row[0])
        events = tuple(_event(r) for r in conn.execute(
            f"{_EVENT_SELECT} WHERE objection_id = ? ORDER BY seq", (objection_id,)))
        for event in events[1:]:  # the first is the filing itself
            on = date.fromisoformat(event.payload["reviewed_on"]) if "reviewed_on" in event.payload else event.at.date()
            objection = advance(objection, ObjectionAction(event.action), on=on, note=event.note, where=where)
        return ObjectionRecord(objection, row[1], ScoreKey(row[4], row[5], row[6], row[7]),
                               datetime.fromisoformat(row[2]), row[3],
                               any(e.action == ObjectionAction.REVERSED.value for e in events), events)

    def _open_objections_in(self, conn: sqlite3.Connection, period: str, scope: str) -> list[tuple[str, str]]:
        rows = conn.execute(
            "SELECT s.objection_id, p.subject_id, p.ruleset_id FROM objection_status s JOIN publications p "
            "ON p.publication_id = s.publication_id WHERE p.period = ? AND p.scope = ? "
            "AND s.status IN ('pending', 'investigating') ORDER BY s.filed_order", (period, scope)).fetchall()
        return [(r[0], f"{r[1]}/{period}/{r[2]}") for r in rows]

    def _finalised_in(self, conn: sqlite3.Connection, period: str, scope: str) -> bool:
        return conn.execute("SELECT 1 FROM finalisations WHERE period = ? AND scope = ?",
                            (period, scope)).fetchone() is not None

    def _results_notice_in(self, conn: sqlite3.Connection, period: str, scope: str) -> Notice | None:
        """The latest results notice of a period and scope, if the ledger has notices and one was opened."""
        if self.schema_version < 3:
            return None
        row = conn.execute(f"SELECT {NOTICE_COLUMNS} FROM notices WHERE kind = 'results' AND period = ? AND "
                           "scope = ? ORDER BY notice_id DESC LIMIT 1", (period, scope)).fetchone()
        if row is None:
            return None
        final = conn.execute("SELECT 1 FROM notice_finalisations WHERE notice_id = ?", (row[0],)).fetchone()
        return notice_of(row, final is not None)

    def _check_open_period(self, conn: sqlite3.Connection, key: ScoreKey, doing: str) -> None:
        if self._finalised_in(conn, key.period, key.scope):
            raise PeriodFinalisedError(
                f"cannot {doing} {key.ref}: {key.period} is final (scope '{key.scope}')",
                location=self._where(f"scores/{key.ref}"),
                hint="results of a finalised period are closed; take the matter to the review of the organisation "
                     "above, or record it in the current period")


def _publication_row(publication_id: int) -> tuple[str, str, tuple[Any, ...]]:
    return ("publications", "publication_id = ?", (publication_id,))


def _stored_digest(conn: sqlite3.Connection, table: str, where: str, args: tuple[Any, ...]) -> str:
    # Read back what SQLite stored (a REAL column turns 85 into 85.0), so that verify recomputes the same digest.
    cur = conn.execute(f"SELECT * FROM {table} WHERE {where}", args)
    return row_digest(table, dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True)))


def _library_version() -> str:
    from ...version import __version__

    return __version__
