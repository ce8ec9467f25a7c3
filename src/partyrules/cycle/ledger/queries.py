"""Reading the ledger: publications, current scores, objections, finalisations, corrections and the audit trail,
each in one read transaction (a consistent snapshot while others write)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from ...periods import Period
from ..objections import (
    LedgerError,
    LedgerNotFoundError,
)
from .checks import _filters, _period_label, _text
from .records import (
    _EVENT_SELECT,
    DEFAULT_SCOPE,
    AuditEvent,
    Correction,
    Finalisation,
    ObjectionRecord,
    Publication,
    _event,
)
from .store import LedgerStore


class LedgerQueries(LedgerStore):
    """The ledger's read-only questions."""

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
