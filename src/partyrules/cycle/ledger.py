"""The ledger: published scores, objections and an append-only audit trail, stored durably in SQLite.

Each published score is stored with everything needed to reproduce it: the subject's facts (canonical JSON), the
rule set's id, version, content hash and parameters, and the breakdown with its sha256. Every change (publish,
objection, investigation, decision, reversal, finalisation) is an event with who, when, what and the breakdown
hashes before and after. Current state is derived from these rows; nothing is ever updated or deleted.

Durability and safety:

- the tables are insert-only, enforced by the database: triggers abort any UPDATE or DELETE, and any INSERT that
  would overwrite a row (``INSERT OR REPLACE``), whoever connects;
- the events form a hash chain (each event's hash covers the previous one), so that :meth:`Ledger.verify` detects
  a row changed or removed by someone who dropped the triggers;
- WAL journal, ``synchronous=FULL``, foreign keys on; every write is one ``BEGIN IMMEDIATE`` transaction that
  checks the workflow and appends its rows, so two processes writing the same file are serialised and a process
  killed mid-way leaves either all of a step or none of it;
- each :class:`Ledger` has its own connection, guarded by a lock so that threads may share one.

Typical use::

    with Ledger("cycle.db") as ledger:
        pub = ledger.publish(breakdown, facts, actor="community-C01")
        ledger.file_objection(pub.publication_id, objection, actor="M000053")
        ledger.record_investigation("OBJ-1", actor="inspector-7", findings="visited the household")
        ledger.uphold("OBJ-1", retract_incident(pub.facts, "I-1"), evaluator, actor="review-panel", note="...")
        ledger.finalise("2026-Q1", actor="subdistrict")
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from types import TracebackType
from typing import Any, Literal

from pydantic import ValidationError

from ..errors import Location, PartyRulesError
from ..evaluate.evaluator import Evaluator
from ..explain.breakdown import ScoreBreakdown
from ..facts.bundle import BranchFacts, CommunityFacts, MemberFacts, SubjectFacts, parse_subject_facts
from ..facts.enums import ObjectionStatus
from ..facts.records import Objection
from ..periods import Period
from ..rulesets.model import RuleSet
from .hashing import breakdown_hash
from .objections import (
    LedgerError,
    LedgerIntegrityError,
    LedgerNotFoundError,
    LedgerStateError,
    ObjectionAction,
    ObjectionsPendingError,
    PeriodFinalisedError,
    ReproductionError,
    advance,
    check_new_objection,
    is_open,
)

__all__ = [
    "DEFAULT_SCOPE",
    "SCHEMA_VERSION",
    "AuditEvent",
    "Correction",
    "Finalisation",
    "Ledger",
    "LedgerError",
    "LedgerIntegrityError",
    "LedgerNotFoundError",
    "LedgerStateError",
    "ObjectionRecord",
    "ObjectionsPendingError",
    "PeriodFinalisedError",
    "Publication",
    "ReproductionError",
    "ScoreKey",
    "VerifyReport",
    "facts_hash",
    "facts_json",
]

SCHEMA_VERSION = 1
DEFAULT_SCOPE = "all"
"""The scope of publications and finalisation when the caller names none (e.g. one ledger per sub-district)."""

GENESIS = "0" * 64
"""The ``prev_hash`` of the first event."""

PublicationCause = Literal["published", "republished", "upheld", "reversed"]
PublicationStatus = Literal["published", "under_objection", "superseded", "final"]

_PUBLISHING = ("published", "republished", ObjectionAction.UPHELD.value, ObjectionAction.REVERSED.value)
_ACTIONS = (*_PUBLISHING, *(a.value for a in ObjectionAction if a.value not in _PUBLISHING), "period_finalised")

_TABLES = ("schema_version", "publications", "objections", "finalisations", "events")
_KEYS = {
    "schema_version": "version",
    "publications": "publication_id",
    "objections": "objection_id",
    "finalisations": "period, scope",
    "events": "seq",
}

_SCHEMA = f"""
CREATE TABLE schema_version (
    version INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL,
    library TEXT NOT NULL
);
CREATE TABLE publications (
    publication_id INTEGER PRIMARY KEY,
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    period TEXT NOT NULL,
    scope TEXT NOT NULL,
    ruleset_id TEXT NOT NULL,
    ruleset_version TEXT NOT NULL,
    ruleset_hash TEXT NOT NULL,
    params_json TEXT NOT NULL,
    breakdown_json TEXT NOT NULL,
    breakdown_hash TEXT NOT NULL CHECK (length(breakdown_hash) = 64),
    facts_json TEXT NOT NULL,
    facts_hash TEXT NOT NULL CHECK (length(facts_hash) = 64),
    total REAL NOT NULL,
    grade TEXT NOT NULL,
    vetoed INTEGER NOT NULL CHECK (vetoed IN (0, 1)),
    supersedes INTEGER REFERENCES publications(publication_id),
    cause TEXT NOT NULL CHECK (cause IN ('published', 'republished', 'upheld', 'reversed')),
    objection_id TEXT REFERENCES objections(objection_id),
    published_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    CHECK ((cause = 'published') = (supersedes IS NULL)),
    CHECK ((cause IN ('upheld', 'reversed')) = (objection_id IS NOT NULL))
);
CREATE INDEX publications_key ON publications (subject_id, period, ruleset_id, scope);
CREATE INDEX publications_supersedes ON publications (supersedes);
CREATE INDEX publications_period ON publications (period, scope);
CREATE TABLE objections (
    objection_id TEXT PRIMARY KEY,
    publication_id INTEGER NOT NULL REFERENCES publications(publication_id),
    objection_json TEXT NOT NULL,
    filed_at TEXT NOT NULL,
    actor TEXT NOT NULL
);
CREATE INDEX objections_publication ON objections (publication_id);
CREATE TABLE finalisations (
    period TEXT NOT NULL,
    scope TEXT NOT NULL,
    manifest_hash TEXT NOT NULL,
    finalised_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    PRIMARY KEY (period, scope)
);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ({", ".join(f"'{a}'" for a in _ACTIONS)})),
    what TEXT NOT NULL,
    period TEXT,
    scope TEXT,
    subject_id TEXT,
    ruleset_id TEXT,
    publication_id INTEGER REFERENCES publications(publication_id),
    objection_id TEXT REFERENCES objections(objection_id),
    before_hash TEXT,
    after_hash TEXT,
    note TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    event_hash TEXT NOT NULL
);
CREATE INDEX events_subject ON events (subject_id);
CREATE INDEX events_objection ON events (objection_id);
CREATE VIEW current_publications AS
    SELECT p.* FROM publications p
    WHERE NOT EXISTS (SELECT 1 FROM publications s WHERE s.supersedes = p.publication_id);
CREATE VIEW objection_status AS
    SELECT o.objection_id, o.publication_id, o.rowid AS filed_order,
           CASE (SELECT e.action FROM events e WHERE e.objection_id = o.objection_id ORDER BY e.seq DESC LIMIT 1)
               WHEN 'objection_filed' THEN 'pending'
               WHEN 'investigation_recorded' THEN 'investigating'
               WHEN 'objection_upheld' THEN 'upheld'
               ELSE 'rejected'
           END AS status
    FROM objections o;
"""


def _append_only_triggers() -> str:
    # One set per table: UPDATE and DELETE always abort; an INSERT aborts when it would collide with an existing
    # row, because INSERT OR REPLACE resolves the collision by deleting the old row without firing delete
    # triggers (unless recursive_triggers is on, which another connection need not set).
    out = []
    for table in _TABLES:
        key = _KEYS[table].split(", ")
        same = " AND ".join(f"t.{k} = NEW.{k}" for k in key)
        out.append(f"""
CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, 'ledger table {table} is append-only: UPDATE is not allowed'); END;
CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, 'ledger table {table} is append-only: DELETE is not allowed'); END;
CREATE TRIGGER {table}_no_overwrite BEFORE INSERT ON {table}
WHEN EXISTS (SELECT 1 FROM {table} t WHERE {same})
BEGIN SELECT RAISE(ABORT, 'ledger table {table} is append-only: a row with this key exists'); END;
""")
    # A publication is superseded at most once, so each score has one current publication.
    out.append("""
CREATE TRIGGER publications_superseded_once BEFORE INSERT ON publications
WHEN NEW.supersedes IS NOT NULL AND EXISTS (SELECT 1 FROM publications t WHERE t.supersedes = NEW.supersedes)
BEGIN SELECT RAISE(ABORT, 'publication already superseded'); END;
""")
    return "".join(out)


# ----------------------------------------------------------------------------------------------------------------
# values


def _canonical(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def facts_json(facts: SubjectFacts) -> str:
    """The canonical JSON a ledger stores for a subject's facts (read back with ``parse_subject_facts``)."""
    return _canonical(json.loads(facts.model_dump_json()))


def facts_hash(facts: SubjectFacts) -> str:
    """sha256 of :func:`facts_json`."""
    return _sha256(facts_json(facts))


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ScoreKey:
    """What a chain of publications is the score of: a subject, a period, a rule set and a scope."""

    subject_id: str
    period: str
    ruleset_id: str
    scope: str

    @property
    def ref(self) -> str:
        """The score's reference, as an objection's ``target_ref`` names it: ``subject/period/ruleset``."""
        return f"{self.subject_id}/{self.period}/{self.ruleset_id}"


@dataclass(frozen=True)
class Publication:
    """One published score, with the facts and rule set it was computed from.

    ``status`` is derived when read: ``published``; ``under_objection`` while an objection to its score is
    open; ``superseded`` once a correction, reversal or republication replaced it; ``final`` once its period
    is finalised.
    """

    publication_id: int
    key: ScoreKey
    subject_kind: str
    ruleset_version: str
    ruleset_hash: str
    params: dict[str, Any] = field(repr=False)
    breakdown_hash: str
    facts_hash: str
    total: float
    grade: str
    vetoed: bool
    supersedes: int | None
    cause: PublicationCause
    objection_id: str | None
    published_at: datetime
    actor: str
    status: PublicationStatus
    breakdown_json: str = field(repr=False)
    facts_json: str = field(repr=False)

    @property
    def subject_id(self) -> str:
        return self.key.subject_id

    @property
    def period(self) -> str:
        return self.key.period

    @property
    def scope(self) -> str:
        return self.key.scope

    @property
    def ruleset_id(self) -> str:
        return self.key.ruleset_id

    @cached_property
    def breakdown(self) -> ScoreBreakdown:
        """The published breakdown."""
        return ScoreBreakdown.from_json(self.breakdown_json)

    @cached_property
    def facts(self) -> SubjectFacts:
        """The facts the breakdown was computed from."""
        return parse_subject_facts(json.loads(self.facts_json))


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One entry of the audit trail: who did what when, and the breakdown hash before and after."""

    seq: int
    at: datetime
    actor: str
    action: str
    what: str
    period: str | None
    scope: str | None
    subject_id: str | None
    ruleset_id: str | None
    publication_id: int | None
    objection_id: str | None
    before_hash: str | None
    after_hash: str | None
    note: str
    payload: dict[str, Any]
    prev_hash: str
    event_hash: str

    def content(self) -> dict[str, Any]:
        """The fields the event hash covers (everything but the hashes of the chain)."""
        return {
            "seq": self.seq, "at": _iso(self.at), "actor": self.actor, "action": self.action, "what": self.what,
            "period": self.period, "scope": self.scope, "subject_id": self.subject_id,
            "ruleset_id": self.ruleset_id, "publication_id": self.publication_id,
            "objection_id": self.objection_id, "before_hash": self.before_hash, "after_hash": self.after_hash,
            "note": self.note, "payload": self.payload,
        }


def _event_hash(prev_hash: str, content: dict[str, Any]) -> str:
    return _sha256(prev_hash + "\n" + _canonical(content))


@dataclass(frozen=True)
class ObjectionRecord:
    """An objection as it stands now, derived from its events: ``objection`` carries the current status,
    ``visit_investigation_done``, ``reviewed_on`` and ``outcome_note``."""

    objection: Objection
    publication_id: int
    key: ScoreKey
    filed_at: datetime
    filed_by: str
    reversed: bool
    events: tuple[AuditEvent, ...]

    @property
    def objection_id(self) -> str:
        return self.objection.objection_id

    @property
    def status(self) -> ObjectionStatus:
        return self.objection.status

    @property
    def is_open(self) -> bool:
        """True while it awaits a decision (and blocks finalisation)."""
        return is_open(self.objection.status)


@dataclass(frozen=True, slots=True)
class Finalisation:
    """A period closed for a scope: its current publications (``manifest``: id and breakdown hash) are final."""

    period: str
    scope: str
    finalised_at: datetime
    actor: str
    manifest_hash: str
    manifest: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class Correction:
    """An upheld objection that still stands (not reversed): the publication it corrected (``before``) and the
    corrected one (``after``), so that the change can be carried into what is computed from those facts."""

    objection: ObjectionRecord
    before: Publication
    after: Publication

    @property
    def objection_id(self) -> str:
        return self.objection.objection_id


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """What :meth:`Ledger.verify` checked."""

    events: int
    publications: int
    objections: int
    finalisations: int


# ----------------------------------------------------------------------------------------------------------------
# the ledger


class Ledger:
    """Published scores, objections and their audit trail in one SQLite file (or ``":memory:"`` for tests).

    ``clock`` gives the time of each step when the caller passes no ``at=`` (default: UTC now); times must be
    timezone-aware and are stored as ISO 8601 UTC. ``timeout`` is how long to wait for another writer, in seconds.
    Use as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        clock: Callable[[], datetime] | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.path = os.fspath(path)
        self._clock = clock or _utc_now
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
        try:
            self._configure(timeout)
            self._ensure_schema()
        except BaseException:
            self._conn.close()
            raise

    # -- connection -----------------------------------------------------------------------------------------------
    def _configure(self, timeout: float) -> None:
        conn = self._conn
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA recursive_triggers = ON")
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
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
        with self._write() as conn:  # look again under the lock: another process may have created it meanwhile
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "schema_version" not in tables:
                if tables:
                    raise LedgerIntegrityError(
                        f"{self.path} is an SQLite database but not a partyrules ledger "
                        f"(it has the tables {', '.join(sorted(tables))})",
                        location=self._where(), hint="give a new file, or the file of an existing ledger")
                # Not executescript: it would COMMIT first, and the check above must hold until the schema exists.
                for statement in _split_sql(_SCHEMA + _append_only_triggers()):
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_version VALUES (?, ?, ?)",
                             (SCHEMA_VERSION, _iso(self._now(None)), _library_version()))
                return
            self._check_version(conn)

    def _check_version(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("SELECT max(version) FROM schema_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            newer = version is not None and version > SCHEMA_VERSION
            raise LedgerIntegrityError(
                f"{self.path} has ledger schema version {version}, this library reads version {SCHEMA_VERSION}",
                location=self._where(),
                hint="upgrade partyrules" if newer else "the file is damaged or from an unreleased version")

    def close(self) -> None:
        """Close the connection (the data is already committed)."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        # BEGIN IMMEDIATE takes the write lock before the first read, so the checks a step makes still hold when
        # its rows are appended, even with another process writing the same file.
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise LedgerError(f"cannot write to the ledger: {exc}", location=self._where(),
                                  hint="another process held the write lock longer than the timeout; retry, or "
                                       "open the ledger with a longer timeout=") from exc
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:  # a failed COMMIT leaves the transaction open
                    self._conn.execute("ROLLBACK")
                raise

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        # One read transaction: a consistent snapshot across several queries, even while others write.
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                yield self._conn
            finally:
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

    # -- writing --------------------------------------------------------------------------------------------------
    def publish(
        self,
        breakdown: ScoreBreakdown,
        facts: SubjectFacts,
        *,
        actor: str,
        scope: str = DEFAULT_SCOPE,
        at: datetime | None = None,
        evaluator: Evaluator | RuleSet | None = None,
        replace: bool = False,
        note: str = "",
    ) -> Publication:
        """Publish a score (公开晾晒) with the facts it was computed from.

        With ``evaluator``, the facts are first re-evaluated and must give the same breakdown. Publishing the
        same breakdown and facts again returns the existing publication and records nothing. Publishing a
        different result for a score that is already published needs ``replace=True`` (e.g. late records before
        the period is final) and no open objection; corrections after an objection go through :meth:`uphold`.
        """
        return self.publish_many([(breakdown, facts)], actor=actor, scope=scope, at=at, evaluator=evaluator,
                                 replace=replace, note=note)[0]

    def publish_many(
        self,
        items: Iterable[tuple[ScoreBreakdown, SubjectFacts]],
        *,
        actor: str,
        scope: str = DEFAULT_SCOPE,
        at: datetime | None = None,
        evaluator: Evaluator | RuleSet | None = None,
        replace: bool = False,
        note: str = "",
    ) -> list[Publication]:
        """Publish many scores in one transaction: all of them, or (on any error) none."""
        actor = _text(actor, "actor", self._where())
        scope = _text(scope, "scope", self._where())
        prepared = [self._prepare(b, f, evaluator) for b, f in items]
        when = self._now(at)
        with self._write() as conn:
            ids = [self._publish_in(conn, p, actor=actor, scope=scope, at=when, replace=replace, note=note)
                   for p in prepared]
        return [self.publication(i) for i in ids]

    def file_objection(
        self, publication_id: int, objection: Objection, *, actor: str, at: datetime | None = None
    ) -> ObjectionRecord:
        """Record an objection (异议) to a current publication: to its score (``target="score"``, ``target_ref``
        the score's reference ``subject/period/ruleset``) or to one of its incidents (``target="incident"``,
        ``target_ref`` the incident id). It is open until decided, and blocks finalisation until then."""
        actor = _text(actor, "actor", self._where())
        if not isinstance(objection, Objection):
            raise LedgerError(f"expected an Objection, got {type(objection).__name__}", location=self._where(),
                              hint="build it with partyrules.facts.Objection(...)")
        where = self._where(f"objections/{objection.objection_id}")
        check_new_objection(objection, where=where)
        when = self._now(at)
        with self._write() as conn:
            pub = self._publication_in(conn, publication_id)
            self._check_open_period(conn, pub.key, "object to")
            if pub.status == "superseded":
                current = self._current_in(conn, pub.key)
                raise LedgerStateError(
                    f"publication {publication_id} ({pub.key.ref}) has been superseded",
                    location=where, hint=f"object to the current publication {current.publication_id}")
            if conn.execute("SELECT 1 FROM objections WHERE objection_id = ?",
                            (objection.objection_id,)).fetchone():
                raise LedgerError(f"objection id {objection.objection_id} is already used", location=where,
                                  hint="give each objection its own objection_id")
            _check_target(objection, pub, where)
            conn.execute("INSERT INTO objections VALUES (?, ?, ?, ?, ?)",
                         (objection.objection_id, pub.publication_id, objection.model_dump_json(),
                          _iso(when), actor))
            self._append(conn, at=when, actor=actor, action=ObjectionAction.FILED.value, key=pub.key,
                         what=f"objection {objection.objection_id} filed by {objection.raised_by} against "
                              f"{objection.target} {objection.target_ref}",
                         publication_id=pub.publication_id, objection_id=objection.objection_id,
                         before=pub.breakdown_hash, after=pub.breakdown_hash, note=objection.reason,
                         payload={"objection": json.loads(objection.model_dump_json())})
        return self.objection(objection.objection_id)

    def record_investigation(
        self,
        objection_id: str,
        *,
        actor: str,
        findings: str,
        recommendation: Literal["uphold", "reject"] | None = None,
        at: datetime | None = None,
    ) -> ObjectionRecord:
        """Record the visit and investigation (走访调查) of an open objection: who, the findings, and the
        investigator's recommendation if one is given (a recommendation, not a decision)."""
        actor = _text(actor, "actor", self._where())
        findings = _text(findings, "findings", self._where(f"objections/{objection_id}"))
        if recommendation not in (None, "uphold", "reject"):
            raise LedgerError(f"recommendation must be 'uphold', 'reject' or None, got {recommendation!r}",
                              location=self._where(f"objections/{objection_id}"),
                              hint="leave it out when the investigator makes none")
        when = self._now(at)
        with self._write() as conn:
            rec = self._objection_in(conn, objection_id)
            self._check_open_period(conn, rec.key, "investigate an objection to")
            advance(rec.objection, ObjectionAction.INVESTIGATED, on=when.date(), where=self._where(
                f"objections/{objection_id}"))
            current = self._current_in(conn, rec.key)
            self._append(conn, at=when, actor=actor, action=ObjectionAction.INVESTIGATED.value, key=rec.key,
                         what=f"visit and investigation of objection {objection_id} recorded"
                              + (f"; recommends: {recommendation}" if recommendation else ""),
                         publication_id=current.publication_id, objection_id=objection_id,
                         before=current.breakdown_hash, after=current.breakdown_hash, note=findings,
                         payload={"recommendation": recommendation})
        return self.objection(objection_id)

    def uphold(
        self,
        objection_id: str,
        corrected_facts: SubjectFacts,
        evaluator: Evaluator | RuleSet,
        *,
        actor: str,
        note: str,
        reference: str | None = None,
        reviewed_on: date | None = None,
        at: datetime | None = None,
    ) -> Publication:
        """Record the review's decision to uphold an investigated objection: ``corrected_facts`` (e.g. from
        :func:`~partyrules.cycle.objections.retract_incident` or ``correct_record`` applied to the current
        publication's facts) are re-evaluated with the rule set the score was published with, and the corrected
        score is published, superseding the current one. ``reference`` names the decision on file (e.g. minutes);
        ``reviewed_on`` is the date of the review (情况复核), by default the date of this step."""
        actor = _text(actor, "actor", self._where())
        where = self._where(f"objections/{objection_id}")
        note = _text(note, "note", where)
        evaluator = _evaluator(evaluator)
        when = self._now(at)
        with self._write() as conn:
            rec = self._objection_in(conn, objection_id)
            self._check_open_period(conn, rec.key, "uphold an objection to")
            decided = advance(rec.objection, ObjectionAction.UPHELD, on=_review_date(reviewed_on, when, where),
                              note=note, where=where)
            current = self._current_in(conn, rec.key)
            _check_subject(corrected_facts, current.subject_kind, current.subject_id, where)
            _check_ruleset(evaluator.ruleset, current, where)
            corrected = _prepared(evaluator.evaluate(corrected_facts, Period.parse(current.period)),
                                  corrected_facts, where)
            if corrected.facts_hash == current.facts_hash:
                raise LedgerError(
                    f"the corrected facts of objection {objection_id} are the facts already published",
                    location=where, hint="pass the corrected facts (e.g. retract_incident(...), correct_record(...)); "
                                         "if nothing is to be corrected, reject the objection")
            new_id = self._insert_publication(conn, corrected, key=current.key, at=when, actor=actor,
                                              cause="upheld", supersedes=current.publication_id,
                                              objection_id=objection_id)
            self._append(conn, at=when, actor=actor, action=ObjectionAction.UPHELD.value, key=current.key,
                         what=f"objection {objection_id} upheld; {current.key.ref} corrected: "
                              f"{_score_text(current.total, current.grade)} -> "
                              f"{_score_text(corrected.breakdown.total, corrected.breakdown.grade.id)}",
                         publication_id=new_id, objection_id=objection_id, before=current.breakdown_hash,
                         after=corrected.breakdown_hash, note=note,
                         payload={"reference": reference, "reviewed_on": _date(decided.reviewed_on),
                                  "superseded": current.publication_id, "filed_against": rec.publication_id})
        return self.publication(new_id)

    def reject(
        self,
        objection_id: str,
        *,
        actor: str,
        note: str,
        reference: str | None = None,
        reviewed_on: date | None = None,
        at: datetime | None = None,
    ) -> ObjectionRecord:
        """Record the review's decision to reject an investigated objection; the score stands as published.
        ``reference`` and ``reviewed_on`` as for :meth:`uphold`."""
        actor = _text(actor, "actor", self._where())
        where = self._where(f"objections/{objection_id}")
        note = _text(note, "note", where)
        when = self._now(at)
        with self._write() as conn:
            rec = self._objection_in(conn, objection_id)
            self._check_open_period(conn, rec.key, "reject an objection to")
            decided = advance(rec.objection, ObjectionAction.REJECTED, on=_review_date(reviewed_on, when, where),
                              note=note, where=where)
            current = self._current_in(conn, rec.key)
            self._append(conn, at=when, actor=actor, action=ObjectionAction.REJECTED.value, key=rec.key,
                         what=f"objection {objection_id} rejected; {rec.key.ref} stands at "
                              f"{_score_text(current.total, current.grade)}",
                         publication_id=current.publication_id, objection_id=objection_id,
                         before=current.breakdown_hash, after=current.breakdown_hash, note=note,
                         payload={"reference": reference, "reviewed_on": _date(decided.reviewed_on)})
        return self.objection(objection_id)

    def reverse(
        self,
        objection_id: str,
        *,
        actor: str,
        note: str,
        reference: str | None = None,
        reviewed_on: date | None = None,
        at: datetime | None = None,
    ) -> Publication:
        """Record that an upheld objection was reversed on review: the facts and the breakdown it replaced are
        published again (the same breakdown hash), and the objection ends rejected. Only the latest correction
        of a score can be reversed; reverse later ones first. ``reference`` and ``reviewed_on`` as for
        :meth:`uphold`."""
        actor = _text(actor, "actor", self._where())
        where = self._where(f"objections/{objection_id}")
        note = _text(note, "note", where)
        when = self._now(at)
        with self._write() as conn:
            rec = self._objection_in(conn, objection_id)
            self._check_open_period(conn, rec.key, "reverse an objection to")
            decided = advance(rec.objection, ObjectionAction.REVERSED, on=_review_date(reviewed_on, when, where),
                              note=note, where=where)
            row = conn.execute("SELECT publication_id FROM publications WHERE objection_id = ? AND cause = 'upheld'",
                               (objection_id,)).fetchone()
            corrected = self._publication_in(conn, row[0])
            current = self._current_in(conn, rec.key)
            # The correction must be what stands now (the same facts and result; its publication or a later one
            # restoring it, after a later correction was itself reversed).
            if (current.breakdown_hash, current.facts_hash) != (corrected.breakdown_hash, corrected.facts_hash):
                raise LedgerStateError(
                    f"the correction of objection {objection_id} (publication {corrected.publication_id}) has "
                    f"been superseded by publication {current.publication_id} ({current.cause}"
                    + (f", objection {current.objection_id})" if current.objection_id else ")"),
                    location=where, hint="reverse the later correction first, so that each reversal restores "
                                         "exactly the result its objection replaced")
            assert corrected.supersedes is not None  # an upheld publication always supersedes one
            original = self._publication_in(conn, corrected.supersedes)
            new_id = self._insert_publication(conn, _Prepared.of_publication(original), key=current.key, at=when,
                                              actor=actor, cause="reversed", supersedes=current.publication_id,
                                              objection_id=objection_id)
            self._append(conn, at=when, actor=actor, action=ObjectionAction.REVERSED.value, key=current.key,
                         what=f"upheld objection {objection_id} reversed on review; {current.key.ref} restored: "
                              f"{_score_text(current.total, current.grade)} -> "
                              f"{_score_text(original.total, original.grade)}",
                         publication_id=new_id, objection_id=objection_id, before=current.breakdown_hash,
                         after=original.breakdown_hash, note=note,
                         payload={"reference": reference, "reviewed_on": _date(decided.reviewed_on),
                                  "restores": original.publication_id, "superseded": current.publication_id})
        return self.publication(new_id)

    def finalise(
        self, period: Period | str, scope: str = DEFAULT_SCOPE, *, actor: str, at: datetime | None = None
    ) -> Finalisation:
        """Make a period's results final for a scope. Refused (:class:`ObjectionsPendingError`, listing them)
        while any objection to a score of that period and scope is open. Afterwards nothing in the period and
        scope can be published, objected to or changed."""
        actor = _text(actor, "actor", self._where())
        label = _period_label(period)
        scope = _text(scope, "scope", self._where())
        where = self._where(f"finalisations/{label}/{scope}")
        when = self._now(at)
        with self._write() as conn:
            if self._finalised_in(conn, label, scope):
                raise PeriodFinalisedError(f"{label} ({scope}) is already final", location=where,
                                           hint="a final period cannot be finalised again")
            manifest = tuple((int(r[0]), str(r[1])) for r in conn.execute(
                "SELECT publication_id, breakdown_hash FROM current_publications WHERE period = ? AND scope = ? "
                "ORDER BY publication_id", (label, scope)))
            if not manifest:
                raise LedgerNotFoundError(f"nothing is published for {label} in scope '{scope}'", location=where,
                                          hint=_scopes_hint(conn, label))
            pending = self._open_objections_in(conn, label, scope)
            if pending:
                listed = ", ".join(f"{oid} ({ref})" for oid, ref in pending[:10])
                listed += f" and {len(pending) - 10} more (see .pending)" if len(pending) > 10 else ""
                raise ObjectionsPendingError(
                    f"{label} ({scope}) cannot be finalised: {len(pending)} objection(s) still open: {listed}",
                    [oid for oid, _ in pending], location=where,
                    hint="record the investigation and decide each (uphold or reject) first")
            manifest_hash = _sha256(_canonical([list(m) for m in manifest]))
            conn.execute("INSERT INTO finalisations VALUES (?, ?, ?, ?, ?)",
                         (label, scope, manifest_hash, _iso(when), actor))
            self._append(conn, at=when, actor=actor, action="period_finalised", key=None, period=label, scope=scope,
                         what=f"{label} ({scope}) finalised: {len(manifest)} publication(s)",
                         before=manifest_hash, after=manifest_hash, note="",
                         payload={"manifest": [list(m) for m in manifest]})
        return Finalisation(label, scope, when, actor, manifest_hash, manifest)

    def publish_annual(
        self,
        items: Iterable[tuple[ScoreBreakdown, SubjectFacts, Any]],
        *,
        actor: str,
        scope: str = DEFAULT_SCOPE,
        at: datetime | None = None,
        replace: bool = False,
    ) -> list[Publication]:
        """Publish annual results (年度综合评定) as scores of the year, in one transaction, so that they can be
        objected to, corrected and finalised exactly as quarterly scores are. Each item is the whole-year breakdown,
        the year's facts and the annual result computed from them (an
        :class:`~partyrules.cycle.annual.AnnualResult`, whose ``year_breakdown_hash`` must be the breakdown's): the
        publication stores the breakdown and facts (what reproduces the result), and its event records the annual
        composite and grade."""
        actor = _text(actor, "actor", self._where())
        scope = _text(scope, "scope", self._where())
        prepared = []
        for b, f, annual in items:
            where = self._where(f"scores/{b.subject_id}/{b.period.label}/{b.ruleset_id}")
            if not b.period.label.isdigit():  # a whole year is labelled by its number alone: 2026
                raise LedgerError(f"an annual result is published with the breakdown of a whole year, got the "
                                  f"period {b.period.label}", location=where,
                                  hint="publish SubjectYear.year (the whole-year breakdown) with the annual result")
            if (annual.subject_id, annual.ruleset_hash, annual.year_breakdown_hash) != (
                    b.subject_id, b.ruleset_hash, breakdown_hash(b)):
                raise LedgerError(f"the annual result of {annual.subject_id} was not computed from this breakdown "
                                  f"of {b.subject_id}", location=where,
                                  hint="publish each annual result with the year breakdown it was computed from")
            grade = annual.grade.id if annual.grade is not None else "not graded"
            note = (f"annual result {annual.percent:g}% ({grade})"
                    + (f"; {annual.quota_note_en}" if annual.quota_note_en else ""))
            prepared.append((self._prepare(b, f, None), note))
        when = self._now(at)
        with self._write() as conn:
            ids = [self._publish_in(conn, p, actor=actor, scope=scope, at=when, replace=replace, note=note)
                   for p, note in prepared]
        return [self.publication(i) for i in ids]

    def corrections(self, periods: Iterable[Period | str], scope: str = DEFAULT_SCOPE) -> list[Correction]:
        """The upheld objections that still stand (reversed ones are left out) on scores of ``periods`` in
        ``scope``, in the order they were upheld."""
        labels = sorted({_period_label(p) for p in periods})
        scope = _text(scope, "scope", self._where())
        out = []
        with self._read() as conn:
            rows = conn.execute(
                "SELECT p.publication_id, p.objection_id FROM publications p JOIN objection_status s "
                "ON s.objection_id = p.objection_id WHERE p.cause = 'upheld' AND s.status = 'upheld' "
                f"AND p.scope = ? AND p.period IN ({', '.join('?' * len(labels))}) ORDER BY p.publication_id",
                (scope, *labels)).fetchall()
            for publication_id, objection_id in rows:
                after = self._publication_in(conn, publication_id)
                assert after.supersedes is not None  # an upheld publication always supersedes one
                out.append(Correction(self._objection_in(conn, objection_id),
                                      self._publication_in(conn, after.supersedes), after))
        return out

    # -- reading --------------------------------------------------------------------------------------------------
    def publication(self, publication_id: int) -> Publication:
        """One publication by id (:class:`LedgerNotFoundError` if there is none)."""
        with self._read() as conn:
            return self._publication_in(conn, publication_id)

    def publications(
        self,
        *,
        subject_id: str | None = None,
        period: Period | str | None = None,
        scope: str | None = None,
        current_only: bool = False,
    ) -> list[Publication]:
        """Publications in order of publication, optionally filtered; ``current_only`` leaves out superseded."""
        where, args = _filters(subject_id=subject_id, period=period, scope=scope)
        if current_only:
            where.append("NOT EXISTS (SELECT 1 FROM publications s WHERE s.supersedes = p.publication_id)")
        with self._read() as conn:
            return self._publications_in(conn, where, args)

    def current(
        self,
        subject_id: str,
        period: Period | str,
        *,
        ruleset_id: str | None = None,
        scope: str | None = None,
    ) -> Publication:
        """The current publication of a subject's score for a period. Name the rule set or scope when the
        subject has scores under several."""
        where, args = _filters(subject_id=subject_id, period=period, scope=scope, ruleset_id=ruleset_id)
        where.append("NOT EXISTS (SELECT 1 FROM publications s WHERE s.supersedes = p.publication_id)")
        with self._read() as conn:
            found = self._publications_in(conn, where, args)
        label = _period_label(period)
        if not found:
            raise LedgerNotFoundError(f"no published score for {subject_id} in {label}"
                                      + (f" under {ruleset_id}" if ruleset_id else "")
                                      + (f" in scope '{scope}'" if scope else ""),
                                      location=self._where(), hint="publish it first, or check the id and period")
        if len(found) > 1:
            options = ", ".join(f"{p.ruleset_id} in '{p.scope}'" for p in found)
            raise LedgerError(f"{subject_id} has {len(found)} current scores in {label}: {options}",
                              location=self._where(), hint="pass ruleset_id= and/or scope=")
        return found[0]

    def objection(self, objection_id: str) -> ObjectionRecord:
        """An objection as it stands now (:class:`LedgerNotFoundError` if unknown)."""
        with self._read() as conn:
            return self._objection_in(conn, objection_id)

    def objections(
        self,
        *,
        subject_id: str | None = None,
        period: Period | str | None = None,
        scope: str | None = None,
        open_only: bool = False,
    ) -> list[ObjectionRecord]:
        """Objections in order of filing, optionally filtered; ``open_only`` keeps those awaiting a decision."""
        where, args = _filters(subject_id=subject_id, period=period, scope=scope)
        sql = ("SELECT o.objection_id FROM objections o JOIN publications p ON p.publication_id = o.publication_id"
               + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY o.rowid")
        with self._read() as conn:
            records = [self._objection_in(conn, r[0]) for r in conn.execute(sql, args).fetchall()]
        return [r for r in records if r.is_open] if open_only else records

    def finalisations(self) -> list[Finalisation]:
        """Every finalised period and scope, in order of finalisation."""
        with self._read() as conn:
            rows = conn.execute("SELECT f.period, f.scope, f.finalised_at, f.actor, f.manifest_hash, e.payload_json "
                                "FROM finalisations f JOIN events e ON e.action = 'period_finalised' AND "
                                "e.period = f.period AND e.scope = f.scope ORDER BY e.seq").fetchall()
        return [Finalisation(r[0], r[1], datetime.fromisoformat(r[2]), r[3], r[4],
                             tuple((int(a), str(b)) for a, b in json.loads(r[5])["manifest"])) for r in rows]

    def is_final(self, period: Period | str, scope: str = DEFAULT_SCOPE) -> bool:
        """True once ``period`` is finalised for ``scope``."""
        with self._read() as conn:
            return self._finalised_in(conn, _period_label(period), scope)

    def history(self, subject_id: str) -> list[AuditEvent]:
        """Every event about one subject's scores, oldest first."""
        with self._read() as conn:
            rows = conn.execute(f"{_EVENT_SELECT} WHERE subject_id = ? ORDER BY seq", (subject_id,)).fetchall()
        return [_event(r) for r in rows]

    def audit_trail(self, *, since: int = 0) -> list[AuditEvent]:
        """The whole audit trail (events after sequence number ``since``), oldest first."""
        with self._read() as conn:
            rows = conn.execute(f"{_EVENT_SELECT} WHERE seq > ? ORDER BY seq", (since,)).fetchall()
        return [_event(r) for r in rows]

    def reproduce(self, publication_id: int, ruleset: RuleSet | Evaluator) -> ScoreBreakdown:
        """Re-evaluate a publication's stored facts and check the result is byte-identical to what was published.

        ``ruleset`` must be the rule set it was published with (same content hash); if only the parameters
        differ, the recorded parameters are applied. Raises :class:`ReproductionError` otherwise, or when the
        re-evaluation gives another breakdown."""
        pub = self.publication(publication_id)
        where = self._where(f"publications/{publication_id}")
        rs = ruleset.ruleset if isinstance(ruleset, Evaluator) else ruleset
        if not isinstance(rs, RuleSet):
            raise LedgerError(f"expected a RuleSet or an Evaluator, got {type(ruleset).__name__}", location=where,
                              hint="load it with partyrules.load_ruleset")
        if rs.content_hash != pub.ruleset_hash and rs.id == pub.ruleset_id:
            # If the recorded parameters do not fit this rule set, it is reported below as a different one.
            with suppress(PartyRulesError):
                rs = rs.with_params(**pub.params)
        if rs.content_hash != pub.ruleset_hash:
            raise ReproductionError(
                f"publication {publication_id} was computed with rule set {pub.ruleset_id} {pub.ruleset_version} "
                f"(content hash {pub.ruleset_hash[:12]}...), not with {rs.id} {rs.version} "
                f"(content hash {rs.content_hash[:12]}...)",
                location=where, hint=f"load rule set {pub.ruleset_id} version {pub.ruleset_version} as it was "
                                     f"then, with the parameters {_canonical(pub.params)}")
        again = Evaluator(rs).evaluate(pub.facts, Period.parse(pub.period))
        got = breakdown_hash(again)
        if got != pub.breakdown_hash:
            raise ReproductionError(
                f"publication {publication_id} does not reproduce: the stored facts now give breakdown "
                f"{got[:12]}... (total {again.total:g}), published {pub.breakdown_hash[:12]}... (total {pub.total:g})",
                location=where, hint="the evaluator changed behaviour for the same rule set; report it as a bug")
        return again

    def verify(self) -> VerifyReport:
        """Check the whole ledger: the event hash chain, every stored hash against its JSON, the before and after
        hashes of each score's events against its publications, and every objection's status. Raises
        :class:`LedgerIntegrityError` listing the problems found."""
        problems: list[str] = []
        with self._read() as conn:
            events = [_event(r) for r in conn.execute(f"{_EVENT_SELECT} ORDER BY seq")]
            pubs = self._publications_in(conn, [], [])
            objection_ids = [r[0] for r in conn.execute("SELECT objection_id FROM objections ORDER BY rowid")]
            view = dict(conn.execute("SELECT objection_id, status FROM objection_status").fetchall())
            records = []
            for oid in objection_ids:
                try:
                    records.append(self._objection_in(conn, oid))
                except LedgerError as exc:
                    problems.append(f"objection {oid}: {exc.message}")
            n_final = conn.execute("SELECT count(*) FROM finalisations").fetchone()[0]
        problems += _verify_chain(events)
        problems += _verify_publications(pubs, events)
        problems += [f"objection {r.objection_id}: replayed status {r.status.value}, the view says "
                     f"{view.get(r.objection_id)}" for r in records if view.get(r.objection_id) != r.status.value]
        if problems:
            more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
            shown = "\n  ".join(problems[:20]) + more
            raise LedgerIntegrityError(f"{self.path} fails verification:\n  {shown}", location=self._where(),
                                       hint="restore the file from a backup; the ledger's own writes never do this")
        return VerifyReport(len(events), len(pubs), len(objection_ids), n_final)

    # -- internals ------------------------------------------------------------------------------------------------
    def _prepare(self, b: ScoreBreakdown, f: SubjectFacts, evaluator: Evaluator | RuleSet | None) -> _Prepared:
        where = self._where()
        if not isinstance(b, ScoreBreakdown):
            raise LedgerError(f"expected a ScoreBreakdown, got {type(b).__name__}", location=where,
                              hint="publish what Evaluator.evaluate returns")
        _check_subject(f, b.subject_kind, b.subject_id, where)
        _period_label(b.period.label)
        prepared = _prepared(b, f, where)
        if evaluator is not None:
            ev = _evaluator(evaluator)
            if ev.ruleset.content_hash != b.ruleset_hash:
                raise ReproductionError(f"the breakdown of {b.subject_id} was computed with rule set {b.ruleset_id} "
                                        f"{b.ruleset_version} ({b.ruleset_hash[:12]}...), not the evaluator's "
                                        f"{ev.ruleset.id} {ev.ruleset.version} ({ev.ruleset.content_hash[:12]}...)",
                                        location=where, hint="check with the rule set that produced the breakdown")
            again = breakdown_hash(ev.evaluate(f, Period.parse(b.period.label)))
            if again != prepared.breakdown_hash:
                raise ReproductionError(f"the breakdown of {b.subject_id} is not what its facts give",
                                        location=where, hint="publish the breakdown of exactly these facts")
        return prepared

    def _publish_in(self, conn: sqlite3.Connection, p: _Prepared, *, actor: str, scope: str, at: datetime,
                    replace: bool, note: str) -> int:
        b = p.breakdown
        key = ScoreKey(b.subject_id, _period_label(b.period.label), b.ruleset_id, scope)
        self._check_open_period(conn, key, "publish")
        current = self._current_or_none(conn, key)
        where = self._where(f"scores/{key.ref}")
        if current is not None:
            if current.breakdown_hash == p.breakdown_hash and current.facts_hash == p.facts_hash:
                return current.publication_id  # a re-run publishing the same result changes nothing
            if not replace:
                raise LedgerStateError(
                    f"{key.ref} is already published (publication {current.publication_id}, "
                    f"{_score_text(current.total, current.grade)})", location=where,
                    hint="pass replace=True to republish with new facts before the period is final; "
                         "a correction after an objection goes through uphold()")
            pending = [oid for oid, ref in self._open_objections_in(conn, key.period, key.scope) if ref == key.ref]
            if pending:
                raise LedgerStateError(f"{key.ref} cannot be republished while objections are open: "
                                       f"{', '.join(pending)}", location=where,
                                       hint="decide the objections first (uphold or reject)")
        cause: PublicationCause = "published" if current is None else "republished"
        new_id = self._insert_publication(conn, p, key=key, at=at, actor=actor, cause=cause,
                                          supersedes=current.publication_id if current else None, objection_id=None)
        before = current.breakdown_hash if current else None
        change = (f"{_score_text(current.total, current.grade)} -> " if current else "")
        self._append(conn, at=at, actor=actor, action=cause, key=key,
                     what=f"{key.ref} {cause}: {change}{_score_text(b.total, b.grade.id)}",
                     publication_id=new_id, objection_id=None, before=before, after=p.breakdown_hash, note=note,
                     payload={"superseded": current.publication_id if current else None})
        return new_id

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
             b.ruleset_hash, _canonical(b.params), p.breakdown_json, p.breakdown_hash, p.facts_json, p.facts_hash,
             b.total, b.grade.id, int(b.vetoed), supersedes, cause, objection_id, _iso(at), actor))
        assert cur.lastrowid is not None
        return cur.lastrowid

    def _append(self, conn: sqlite3.Connection, *, at: datetime, actor: str, action: str, key: ScoreKey | None,
                what: str, before: str | None, after: str | None, note: str, payload: dict[str, Any],
                publication_id: int | None = None, objection_id: str | None = None, period: str | None = None,
                scope: str | None = None) -> None:
        last = conn.execute("SELECT seq, event_hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        event = AuditEvent(seq, at, actor, action, what, key.period if key else period, key.scope if key else scope,
                           key.subject_id if key else None, key.ruleset_id if key else None, publication_id,
                           objection_id, before, after, note, json.loads(_canonical(payload)), prev, "")
        digest = _event_hash(prev, event.content())
        conn.execute(f"INSERT INTO events ({_EVENT_COLUMNS}) VALUES ({', '.join('?' * 17)})",
                     (seq, _iso(at), actor, action, what, event.period, event.scope, event.subject_id,
                      event.ruleset_id, publication_id, objection_id, before, after, note,
                      _canonical(event.payload), prev, digest))

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

    def _check_open_period(self, conn: sqlite3.Connection, key: ScoreKey, doing: str) -> None:
        if self._finalised_in(conn, key.period, key.scope):
            raise PeriodFinalisedError(
                f"cannot {doing} {key.ref}: {key.period} is final (scope '{key.scope}')",
                location=self._where(f"scores/{key.ref}"),
                hint="results of a finalised period are closed; take the matter to the review of the organisation "
                     "above, or record it in the current period")


# ----------------------------------------------------------------------------------------------------------------
# helpers

_EVENT_COLUMNS = ("seq, at, actor, action, what, period, scope, subject_id, ruleset_id, publication_id, "
                  "objection_id, before_hash, after_hash, note, payload_json, prev_hash, event_hash")
_EVENT_SELECT = f"SELECT {_EVENT_COLUMNS} FROM events"
_PUBLICATION_SELECT = (
    "SELECT p.publication_id, p.subject_kind, p.subject_id, p.period, p.scope, p.ruleset_id, p.ruleset_version, "
    "p.ruleset_hash, p.params_json, p.breakdown_json, p.breakdown_hash, p.facts_json, p.facts_hash, p.total, "
    "p.grade, p.vetoed, p.supersedes, p.cause, p.objection_id, p.published_at, p.actor, "
    "EXISTS (SELECT 1 FROM publications s WHERE s.supersedes = p.publication_id), "
    "EXISTS (SELECT 1 FROM objection_status o JOIN publications q ON q.publication_id = o.publication_id "
    "        WHERE o.status IN ('pending', 'investigating') AND q.subject_id = p.subject_id "
    "        AND q.period = p.period AND q.ruleset_id = p.ruleset_id AND q.scope = p.scope), "
    "EXISTS (SELECT 1 FROM finalisations f WHERE f.period = p.period AND f.scope = p.scope) "
    "FROM publications p"
)


@dataclass(frozen=True)
class _Prepared:
    """A breakdown and its facts, serialised and hashed, checked to round-trip."""

    breakdown: ScoreBreakdown
    breakdown_json: str
    breakdown_hash: str
    facts_json: str
    facts_hash: str

    @classmethod
    def of_publication(cls, p: Publication) -> _Prepared:
        return cls(p.breakdown, p.breakdown_json, p.breakdown_hash, p.facts_json, p.facts_hash)


def _prepared(b: ScoreBreakdown, f: SubjectFacts, where: Location) -> _Prepared:
    text = b.to_json()
    stored = facts_json(f)
    try:
        back = parse_subject_facts(json.loads(stored))
    except ValidationError as exc:  # pragma: no cover - a validated bundle always reads back
        raise LedgerError(f"the facts of {f.subject_id} do not read back from JSON: {exc}", location=where) from exc
    if back != f:
        raise LedgerError(f"the facts of {f.subject_id} do not read back from JSON unchanged", location=where,
                          hint="build the facts with validation (model_validate), not model_construct/model_copy")
    return _Prepared(b, text, _sha256(text), stored, _sha256(stored))


def _publication(r: Sequence[Any]) -> Publication:
    superseded, objected, final = bool(r[21]), bool(r[22]), bool(r[23])
    status: PublicationStatus = ("superseded" if superseded else "under_objection" if objected
                                 else "final" if final else "published")
    return Publication(
        publication_id=r[0], key=ScoreKey(r[2], r[3], r[5], r[4]), subject_kind=r[1], ruleset_version=r[6],
        ruleset_hash=r[7], params=json.loads(r[8]), breakdown_json=r[9], breakdown_hash=r[10], facts_json=r[11],
        facts_hash=r[12], total=r[13], grade=r[14], vetoed=bool(r[15]), supersedes=r[16], cause=r[17],
        objection_id=r[18], published_at=datetime.fromisoformat(r[19]), actor=r[20], status=status)


def _event(r: Sequence[Any]) -> AuditEvent:
    return AuditEvent(seq=r[0], at=datetime.fromisoformat(r[1]), actor=r[2], action=r[3], what=r[4], period=r[5],
                      scope=r[6], subject_id=r[7], ruleset_id=r[8], publication_id=r[9], objection_id=r[10],
                      before_hash=r[11], after_hash=r[12], note=r[13], payload=json.loads(r[14]), prev_hash=r[15],
                      event_hash=r[16])


def _verify_chain(events: list[AuditEvent]) -> list[str]:
    problems = []
    prev = GENESIS
    last_after: dict[tuple[str | None, str | None, str | None, str | None], str | None] = {}
    for n, e in enumerate(events, start=1):
        if e.seq != n:
            problems.append(f"event {e.seq}: expected sequence number {n} (an event is missing)")
        if e.prev_hash != prev or _event_hash(e.prev_hash, e.content()) != e.event_hash:
            problems.append(f"event {e.seq} ({e.action}): its hash does not chain (changed or reordered)")
        prev = e.event_hash
        if e.subject_id is None:
            continue
        key = (e.subject_id, e.period, e.ruleset_id, e.scope)
        expected = last_after.get(key)
        if e.before_hash != expected:
            problems.append(f"event {e.seq} ({e.action}): before hash {str(e.before_hash)[:12]} is not the score's "
                            f"last hash {str(expected)[:12]}")
        last_after[key] = e.after_hash
    return problems


def _verify_publications(pubs: list[Publication], events: list[AuditEvent]) -> list[str]:
    problems = []
    made_by = {e.publication_id: e for e in events if e.action in _PUBLISHING}
    for p in pubs:
        if _sha256(p.breakdown_json) != p.breakdown_hash or ScoreBreakdown.from_json(p.breakdown_json).to_json() \
                != p.breakdown_json:
            problems.append(f"publication {p.publication_id}: breakdown does not match its hash")
        if _sha256(p.facts_json) != p.facts_hash:
            problems.append(f"publication {p.publication_id}: facts do not match their hash")
        event = made_by.get(p.publication_id)
        if event is None or event.after_hash != p.breakdown_hash:
            problems.append(f"publication {p.publication_id}: no publishing event with its hash")
    return problems


def _check_subject(facts: Any, kind: str, subject_id: str, where: Location) -> None:
    if not isinstance(facts, (MemberFacts, BranchFacts, CommunityFacts)):
        raise LedgerError(f"expected a subject's facts (MemberFacts, BranchFacts or CommunityFacts), got "
                          f"{type(facts).__name__}", location=where,
                          hint="read raw data with partyrules.parse_subject_facts")
    if str(type(facts).subject_kind) != kind or facts.subject_id != subject_id:
        raise LedgerError(f"the facts are about {type(facts).subject_kind} {facts.subject_id}, but the score is of "
                          f"{kind} {subject_id}", location=where,
                          hint="give the facts of the subject the score is about")


def _check_ruleset(rs: RuleSet, pub: Publication, where: Location) -> None:
    if rs.content_hash != pub.ruleset_hash:
        raise ReproductionError(
            f"{pub.key.ref} was published with rule set {pub.ruleset_id} {pub.ruleset_version} "
            f"({pub.ruleset_hash[:12]}...), but the evaluator has {rs.id} {rs.version} ({rs.content_hash[:12]}...)",
            location=where, hint="an objection corrects facts, not rules: re-evaluate with the rule set the score "
                                 f"was published with (parameters {_canonical(pub.params)})")


def _check_target(objection: Objection, pub: Publication, where: Location) -> None:
    if objection.target == "score":
        if objection.target_ref != pub.key.ref:
            raise LedgerError(f"objection {objection.objection_id} names the score '{objection.target_ref}', "
                              f"but publication {pub.publication_id} is the score '{pub.key.ref}'", location=where,
                              hint=f"set target_ref='{pub.key.ref}'")
        return
    incidents = [i.incident_id for i in getattr(pub.facts, "incidents", ())]
    if objection.target_ref not in incidents:
        raise LedgerError(f"objection {objection.objection_id} names incident '{objection.target_ref}', which is "
                          f"not among the facts of publication {pub.publication_id}", location=where,
                          hint="its incidents are: " + (", ".join(incidents) or "none"))


def _evaluator(value: Evaluator | RuleSet) -> Evaluator:
    if isinstance(value, Evaluator):
        return value
    if isinstance(value, RuleSet):
        return Evaluator(value)
    raise LedgerError(f"expected an Evaluator or a RuleSet, got {type(value).__name__}",
                      hint="pass partyrules.Evaluator(ruleset)")


def _text(value: Any, name: str, where: Location) -> str:
    if not isinstance(value, str) or not value.strip():
        raise LedgerError(f"{name} must be a non-empty string, got {value!r}", location=where,
                          hint=f"say who or what: the audit trail records the {name} of every step")
    return value


def _period_label(period: Period | str) -> str:
    if isinstance(period, Period):
        return str(period)
    if not isinstance(period, str):
        raise LedgerError(f"a period is a Period or a string like 2026-Q1, got {period!r}",
                          hint="use 2026-Q1, 2026 or 2026-03")
    return str(Period.parse(period))


def _filters(**given: Any) -> tuple[list[str], list[Any]]:
    where, args = [], []
    for name, value in given.items():
        if value is not None:
            where.append(f"p.{name} = ?")
            args.append(_period_label(value) if name == "period" else value)
    return where, args


def _scopes_hint(conn: sqlite3.Connection, period: str) -> str:
    scopes = [r[0] for r in conn.execute("SELECT DISTINCT scope FROM publications WHERE period = ? ORDER BY scope",
                                         (period,))]
    return (f"scopes published for {period}: " + ", ".join(scopes)) if scopes else f"publish the {period} scores first"


def _score_text(total: float, grade: str) -> str:
    return f"{total:g} ({grade})"


def _review_date(reviewed_on: date | None, when: datetime, where: Location) -> date:
    if reviewed_on is None:
        return when.date()
    if isinstance(reviewed_on, datetime) or not isinstance(reviewed_on, date):
        raise LedgerError(f"reviewed_on must be a date, got {reviewed_on!r}", location=where,
                          hint="pass datetime.date(...); leave it out to use the date of the step")
    return reviewed_on


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _split_sql(script: str) -> list[str]:
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    return out


def _library_version() -> str:
    from .. import __version__

    return __version__
