"""Proving the ledger: reproducing a publication, auditing and verifying every row, checkpoints and the proofs an
auditor checks without the file (inclusion and consistency)."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ...errors import PartyRulesError
from ...evaluate.evaluator import Evaluator
from ...periods import Period
from ...results import ScoreBreakdown
from ...rulesets.model import RuleSet
from ..hashing import (
    breakdown_hash,
    canonical_json,
    consistency_proof,
    inclusion_proof,
)
from ..objections import (
    LedgerError,
    LedgerIntegrityError,
    LedgerNotFoundError,
    LedgerStateError,
    ReproductionError,
)
from .checkpoints import INCLUSION_FORMAT, Checkpoint, load_signing_key
from .checks import _text
from .errors import LedgerVerificationError, Problem
from .queries import LedgerQueries
from .records import _EVENT_SELECT, VerifyReport, _event, _leaves
from .schema import PUBLISHING

if TYPE_CHECKING:
    from .verify import AuditReport


class LedgerProofs(LedgerQueries):
    """Reproduction, verification, checkpoints and proofs."""

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
                                     f"then, with the parameters {canonical_json(pub.params)}")
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
        return VerifyReport(c["events"], c["publications"], c["objections"], c["finalisations"], c["checkpoints"],
                            c.get("notices", 0))
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
