"""What the ledger stores and returns: the value types read back from its rows, and the row readers.

Kept apart from the :class:`~partyrules.cycle.ledger.core.Ledger` so that :mod:`.verify` reads the same rows the
same way without the ledger's workflow.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, Literal

from ...facts.bundle import SubjectFacts, parse_subject_facts
from ...facts.enums import ObjectionStatus
from ...facts.records import Objection
from ...results import ScoreBreakdown
from ..hashing import (
    canonical_json,
    leaf_hash,
    sha256_text,
)
from ..objections import (
    is_open,
)

DEFAULT_SCOPE = "all"
"""The scope of publications and finalisation when the caller names none (e.g. one ledger per sub-district)."""

PublicationCause = Literal["published", "republished", "upheld", "reversed"]
PublicationStatus = Literal["published", "under_objection", "superseded", "final"]


def ledger_id_of(version: int, applied_at: str, library: str) -> str:
    """The ledger's identity and the start of its hash chain (the first event's ``prev_hash``): a digest of its
    ``schema_version`` row, so that the row is covered by the chain and checkpoints name the ledger they are of."""
    return sha256_text(canonical_json({"ledger": "partyrules", "schema_version": version, "applied_at": applied_at,
                                       "library": library}))


def facts_json(facts: SubjectFacts) -> str:
    """The canonical JSON a ledger stores for a subject's facts (read back with ``parse_subject_facts``)."""
    return canonical_json(json.loads(facts.model_dump_json()))


def facts_hash(facts: SubjectFacts) -> str:
    """sha256 of :func:`facts_json`."""
    return sha256_text(facts_json(facts))


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
    return sha256_text(prev_hash + "\n" + canonical_json(content))


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
    notices: int = 0  # 公示 (schema version 3)


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
