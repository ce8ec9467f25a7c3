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

The :class:`Ledger` is assembled from one mixin per concern, each in its own module over the shared
:class:`~.store.LedgerStore` (the connection, its transactions and the in-transaction rows): :mod:`.publishing`
(publish, annual results, finalise), :mod:`.decisions` (objections, investigation, uphold, reject, reverse),
:mod:`.notices` (公示: a list published for an objection period the ledger enforces), :mod:`.queries`
(reading) and :mod:`.proofs` (reproduce, audit, verify, checkpoints, proofs); :mod:`.records` holds
the value types it returns and :mod:`.checks` the checks of its arguments. Mixins rather than a façade over separate
collaborators, because every step of every concern shares one connection, lock and write transaction (a correction
publishes inside the decision's transaction; a finalisation writes its checkpoint inside its own): collaborators
would each need the whole store anyway, and a façade would repeat every public method's signature and docstring.
"""

from __future__ import annotations

from .decisions import LedgerDecisions
from .notices import LedgerNotices
from .proofs import LedgerProofs
from .publishing import LedgerPublishing

__all__ = ["Ledger"]


class Ledger(LedgerPublishing, LedgerDecisions, LedgerNotices, LedgerProofs):
    """Published scores, objections and their audit trail in one SQLite file (or ``":memory:"`` for tests).

    ``clock`` gives the time of each step when the caller passes no ``at=`` (default: UTC now); times must be
    timezone-aware and are stored as ISO 8601 UTC. ``timeout`` is how long to wait for another writer, in seconds.
    ``signing_key`` (an Ed25519 private key, PEM bytes or a PEM file's path; kept in memory, never stored) signs
    the checkpoint written at each finalisation and by :meth:`checkpoint`; without it they are unsigned.
    ``read_only=True`` opens an existing ledger for reading and verifying only, also a read-only copy or a file on a
    read-only file system. Use as a context manager, or call :meth:`close`.
    """
