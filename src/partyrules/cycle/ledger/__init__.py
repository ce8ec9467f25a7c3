"""The ledger: published scores, objections and an append-only audit trail that proves itself, in SQLite.

One job per module: :mod:`.core` (the :class:`Ledger`, assembled from :mod:`.store`, :mod:`.publishing`,
:mod:`.decisions`, :mod:`.queries` and :mod:`.proofs`), :mod:`.records` (what it returns), :mod:`.checks` (its
argument checks), :mod:`.schema` (tables and triggers), :mod:`.verify` (every row against the hash-chained events),
:mod:`.checkpoints` (signed checkpoints, keys, proofs checked without the file), :mod:`.notices` (公示, with
:mod:`.notice_records` and :mod:`.notice_verify`) and :mod:`.errors` (typed failures of storage and of proof).
See docs/cycle.md section 7 and docs/audit.md.
"""

from __future__ import annotations

from ..objections import (
    LedgerError,
    LedgerIntegrityError,
    LedgerNotFoundError,
    LedgerStateError,
    ObjectionsPendingError,
    PeriodFinalisedError,
    ReproductionError,
)
from .checkpoints import (
    Checkpoint,
    generate_key_pair,
    load_public_key,
    load_signing_key,
    verify_checkpoint_consistency,
    verify_publication_proof,
)
from .core import Ledger
from .errors import (
    CheckpointError,
    LedgerFullError,
    LedgerLockedError,
    LedgerReadOnlyError,
    LedgerVerificationError,
    NoticePeriodError,
    Problem,
)
from .notice_records import (
    DEFAULT_DAY_RULE,
    DEFAULT_NOTICE_DAYS,
    NOTICE_DAYS_SOURCE,
    Notice,
    NoticeFinalisation,
    NoticeObjection,
    notice_window,
)
from .records import (
    DEFAULT_SCOPE,
    AuditEvent,
    Correction,
    Finalisation,
    ObjectionRecord,
    Publication,
    ScoreKey,
    VerifyReport,
    facts_hash,
    facts_json,
)
from .schema import SCHEMA_VERSION
from .verify import AuditReport

__all__ = [
    "DEFAULT_DAY_RULE",
    "DEFAULT_NOTICE_DAYS",
    "DEFAULT_SCOPE",
    "NOTICE_DAYS_SOURCE",
    "SCHEMA_VERSION",
    "AuditEvent",
    "AuditReport",
    "Checkpoint",
    "CheckpointError",
    "Correction",
    "Finalisation",
    "Ledger",
    "LedgerError",
    "LedgerFullError",
    "LedgerIntegrityError",
    "LedgerLockedError",
    "LedgerNotFoundError",
    "LedgerReadOnlyError",
    "LedgerStateError",
    "LedgerVerificationError",
    "Notice",
    "NoticeFinalisation",
    "NoticeObjection",
    "NoticePeriodError",
    "ObjectionRecord",
    "ObjectionsPendingError",
    "PeriodFinalisedError",
    "Problem",
    "Publication",
    "ReproductionError",
    "ScoreKey",
    "VerifyReport",
    "facts_hash",
    "facts_json",
    "generate_key_pair",
    "load_public_key",
    "load_signing_key",
    "notice_window",
    "verify_checkpoint_consistency",
    "verify_publication_proof",
]
