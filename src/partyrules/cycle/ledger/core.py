"""The ledger: published scores, objections and an append-only audit trail, stored durably in SQLite.

Each published score is stored with everything needed to reproduce it: the subject's facts (canonical JSON), the
rule set's id, version, content hash and parameters, and the breakdown with its sha256. Every change (publish,
objection, investigation, decision, reversal, finalisation) is an event with who, when, what and the breakdown
hashes before and after. Current state is derived from these rows; nothing is ever updated or deleted.

Durability and safety:

- the tables are insert-only, enforced by the database: triggers abort any UPDATE or DELETE, and any INSERT that
  would overwrite a row (``INSERT OR REPLACE``), whoever connects;
- the events form a hash chain (each event's hash covers the previous one, the first one the ``schema_version``
  row), and each event that writes a row carries the digest of that row, so that :meth:`Ledger.verify` detects a
  row of any table changed, added or removed by someone who dropped the triggers (module ``verify``);
- signed checkpoints (module ``checkpoints``) anchor the head of the chain outside the file, so that a history cut
  short or rewritten as a whole is detected too, given any earlier checkpoint;
- a full disk, a read-only file and a lock held too long are typed errors (module ``errors``); a read-only copy is
  opened with ``read_only=True``;
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

import json
import os
import shutil
import sqlite3
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError

from ...errors import Location, PartyRulesError
from ...evaluate.evaluator import Evaluator
from ...explain.breakdown import ScoreBreakdown
from ...facts.bundle import BranchFacts, CommunityFacts, MemberFacts, SubjectFacts, parse_subject_facts
from ...facts.enums import ObjectionStatus
from ...facts.records import Objection
from ...periods import Period
from ...rulesets.model import RuleSet
from ..hashing import (
    breakdown_hash,
    canonical_json,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    merkle_root,
    row_digest,
    sha256_text,
)
from ..objections import (
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
from .checkpoints import INCLUSION_FORMAT, Checkpoint, load_signing_key
from .errors import LedgerVerificationError, Problem, read_only_refusal, storage_error
from .schema import PUBLISHING, SCHEMA_VERSION, statements

if TYPE_CHECKING:
    from .verify import AuditReport

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

DEFAULT_SCOPE = "all"
"""The scope of publications and finalisation when the caller names none (e.g. one ledger per sub-district)."""

PublicationCause = Literal["published", "republished", "upheld", "reversed"]
PublicationStatus = Literal["published", "under_objection", "superseded", "final"]

_PUBLISHING = PUBLISHING
_canonical = canonical_json
_sha256 = sha256_text


def ledger_id_of(version: int, applied_at: str, library: str) -> str:
    """The ledger's identity and the start of its hash chain (the first event's ``prev_hash``): a digest of its
    ``schema_version`` row, so that the row is covered by the chain and checkpoints name the ledger they are of."""
    return sha256_text(canonical_json({"ledger": "partyrules", "schema_version": version, "applied_at": applied_at,
                                       "library": library}))


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
    checkpoints: int = 0


# ----------------------------------------------------------------------------------------------------------------
# the ledger


class Ledger:
    """Published scores, objections and their audit trail in one SQLite file (or ``":memory:"`` for tests).

    ``clock`` gives the time of each step when the caller passes no ``at=`` (default: UTC now); times must be
    timezone-aware and are stored as ISO 8601 UTC. ``timeout`` is how long to wait for another writer, in seconds.
    ``signing_key`` (an Ed25519 private key, PEM bytes or a PEM file's path; kept in memory, never stored) signs
    the checkpoint written at each finalisation and by :meth:`checkpoint`; without it they are unsigned.
    ``read_only=True`` opens an existing ledger for reading and verifying only, also a read-only copy or a file on a
    read-only file system. Use as a context manager, or call :meth:`close`.
    """

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

    # -- connection -----------------------------------------------------------------------------------------------
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
        if version != SCHEMA_VERSION:
            newer = version is not None and version > SCHEMA_VERSION
            older = version is not None and version < SCHEMA_VERSION
            raise LedgerIntegrityError(
                f"{self.path} has ledger schema version {version}, this library reads version {SCHEMA_VERSION}",
                location=self._where(),
                hint="upgrade partyrules" if newer else
                "a version 1 ledger (partyrules 0.1) does not chain every row; verify and read it with partyrules "
                "0.1, and publish into a new ledger" if older else
                "the file is damaged or from an unreleased version")
        self.ledger_id = ledger_id_of(*rows[-1])

    def close(self) -> None:
        """Close the connection (the data is already committed)."""
        with self._lock:
            if getattr(self, "_conn", None) is not None:
                self._conn.close()
            if self._copy_dir is not None:
                shutil.rmtree(self._copy_dir, ignore_errors=True)
                self._copy_dir = None

    def __enter__(self) -> Ledger:
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
                         payload={"objection": json.loads(objection.model_dump_json())},
                         row=("objections", "objection_id = ?", (objection.objection_id,)))
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
                                  "superseded": current.publication_id, "filed_against": rec.publication_id},
                         row=_publication_row(new_id))
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
                                  "restores": original.publication_id, "superseded": current.publication_id},
                         row=_publication_row(new_id))
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
                         payload={"manifest": [list(m) for m in manifest]},
                         row=("finalisations", "period = ? AND scope = ?", (label, scope)))
            # The finalisation's checkpoint covers its own event: the closed period is anchored as it was closed.
            self._checkpoint_in(conn, at=when, reason=f"{label} ({scope}) finalised", key=self._signing_key)
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

    def audit(self, checkpoints: Iterable[Checkpoint] = (), *, public_key: Any = None) -> AuditReport:
        """Verify the whole ledger and report, without raising for a bad file: every row of every table against
        the hash-chained events, the schema, the objection workflow, the stored checkpoints and the ``checkpoints``
        given (e.g. exported earlier and kept elsewhere); with ``public_key``, every checkpoint must be signed with
        it. See :mod:`partyrules.cycle.ledger.verify` for what is checked."""
        from .verify import audit_connection

        given = list(checkpoints)
        with self._read() as conn:
            report = audit_connection(conn, path=self.path, checkpoints=given, public_key=public_key)
            if report.problems and report.problems[0].table == "sqlite_master" and not report.counts:
                return report  # the tables themselves were changed: the workflow cannot be replayed
            extra = []
            view = dict(conn.execute("SELECT objection_id, status FROM objection_status").fetchall())
            for (oid,) in conn.execute("SELECT objection_id FROM objections ORDER BY rowid").fetchall():
                try:
                    rec = self._objection_in(conn, oid)
                except (LedgerError, ValueError, KeyError) as exc:
                    extra.append(Problem("objections", oid, f"its steps do not replay: {exc}"))
                    continue
                if view.get(oid) != rec.status.value:
                    extra.append(Problem("objections", oid, f"replayed status {rec.status.value}, the view says "
                                                            f"{view.get(oid)}"))
        return replace(report, problems=report.problems + tuple(extra)) if extra else report

    def verify(self, checkpoints: Iterable[Checkpoint] = (), *, public_key: Any = None) -> VerifyReport:
        """Check the whole ledger as :meth:`audit` does; raise :class:`LedgerVerificationError` (a
        :class:`LedgerIntegrityError`) listing the problems, the first bad row first (``exc.first``)."""
        from .verify import describe

        report = self.audit(checkpoints, public_key=public_key)
        if report.problems:
            problems = report.problems
            more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
            shown = "\n  ".join(describe(p) for p in problems[:20]) + more
            raise LedgerVerificationError(
                f"{self.path} fails verification (first bad row: {describe(problems[0])}):\n  {shown}", problems,
                location=self._where(f"{problems[0].table}/{problems[0].key}"),
                hint="restore the file from a backup; the ledger's own writes never do this (账本被改动：请从备份恢复)")
        c = report.counts
        return VerifyReport(c["events"], c["publications"], c["objections"], c["finalisations"], c["checkpoints"])

    # -- checkpoints and proofs -----------------------------------------------------------------------------------
    def checkpoint(self, *, signing_key: Any = None, reason: str = "on demand",
                   at: datetime | None = None) -> Checkpoint:
        """Record a checkpoint of the whole trail now (signed with ``signing_key``, else the ledger's key, else
        unsigned) and return it; :meth:`Checkpoint.save` exports it for an auditor."""
        key = load_signing_key(signing_key) if signing_key is not None else self._signing_key
        reason = _text(reason, "reason", self._where())
        when = self._now(at)
        with self._write() as conn:
            return self._checkpoint_in(conn, at=when, reason=reason, key=key)

    def checkpoints(self) -> list[Checkpoint]:
        """The checkpoints stored in the ledger, oldest first."""
        with self._read() as conn:
            return self._stored_checkpoints(conn)

    def inclusion_proof(self, publication_id: int, checkpoint: Checkpoint | None = None) -> dict[str, Any]:
        """A proof, checkable without the ledger file (:func:`verify_publication_proof`), that a publication is
        in a checkpoint (by default the latest stored one that covers it): the publication's row, the event that
        wrote it and the Merkle path from that event to the checkpoint's root. JSON-serialisable."""
        where = self._where(f"publications/{publication_id}")
        with self._read() as conn:
            pub = self._publication_in(conn, publication_id)
            seq = conn.execute("SELECT seq FROM events WHERE publication_id = ? AND action IN (?, ?, ?, ?)",
                               (pub.publication_id, *PUBLISHING)).fetchone()
            if seq is None:
                raise LedgerIntegrityError(f"publication {publication_id} has no publishing event", location=where,
                                           hint="verify the ledger")
            events = [_event(r) for r in conn.execute(f"{_EVENT_SELECT} ORDER BY seq")]
            if checkpoint is None:
                covering = [c for c in self._stored_checkpoints(conn) if c.tree_size >= seq[0]]
                if not covering:
                    raise LedgerNotFoundError(f"no stored checkpoint covers publication {publication_id}",
                                              location=where, hint="make one with Ledger.checkpoint()")
                checkpoint = covering[-1]
            cur = conn.execute("SELECT * FROM publications WHERE publication_id = ?", (pub.publication_id,))
            row = dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))
        if not seq[0] <= checkpoint.tree_size <= len(events):
            raise LedgerStateError(f"the checkpoint of {checkpoint.tree_size} events does not cover publication "
                                   f"{publication_id} (event {seq[0]}) in this file of {len(events)} events",
                                   location=where, hint="use a later checkpoint of this ledger")
        leaves = _leaves(events[: checkpoint.tree_size])
        event = events[seq[0] - 1]
        return {"format": INCLUSION_FORMAT, "checkpoint": checkpoint.to_dict(), "leaf_index": seq[0] - 1,
                "event": event.content(), "publication": row,
                "path": [h.hex() for h in inclusion_proof(seq[0] - 1, leaves)]}

    def consistency_proof(self, old: Checkpoint | int, new: Checkpoint | int | None = None) -> list[str]:
        """The hashes that show the trail at ``old`` (a checkpoint or a size) is the start of the trail at ``new``
        (by default the whole trail now); check with :func:`verify_checkpoint_consistency`."""
        with self._read() as conn:
            events = [_event(r) for r in conn.execute(f"{_EVENT_SELECT} ORDER BY seq")]
        m = old.tree_size if isinstance(old, Checkpoint) else old
        n = len(events) if new is None else new.tree_size if isinstance(new, Checkpoint) else new
        if not 0 <= m <= n <= len(events):
            raise LedgerStateError(f"no consistency proof from {m} to {n} events in a trail of {len(events)}",
                                   location=self._where(), hint="give sizes of checkpoints of this ledger, older first")
        return [h.hex() for h in consistency_proof(m, _leaves(events[:n]))] if 0 < m < n else []

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
                     payload={"superseded": current.publication_id if current else None},
                     row=_publication_row(new_id))
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
                scope: str | None = None, row: tuple[str, str, tuple[Any, ...]] | None = None) -> None:
        last = conn.execute("SELECT seq, event_hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (last[0] + 1, last[1]) if last else (1, self.ledger_id)
        if row is not None:  # the row this step wrote, as stored, so that the chain covers its every column
            payload = {**payload, "row": _stored_digest(conn, *row)}
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


def _leaves(events: Sequence[AuditEvent]) -> list[bytes]:
    """The Merkle tree's leaves: each event's hashed content (its canonical JSON), in order."""
    return [leaf_hash(canonical_json(e.content()).encode("utf-8")) for e in events]


def _publication_row(publication_id: int) -> tuple[str, str, tuple[Any, ...]]:
    return ("publications", "publication_id = ?", (publication_id,))


def _stored_digest(conn: sqlite3.Connection, table: str, where: str, args: tuple[Any, ...]) -> str:
    # Read back what SQLite stored (a REAL column turns 85 into 85.0), so that verify recomputes the same digest.
    cur = conn.execute(f"SELECT * FROM {table} WHERE {where}", args)
    return row_digest(table, dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True)))


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


def _library_version() -> str:
    from ... import __version__

    return __version__
