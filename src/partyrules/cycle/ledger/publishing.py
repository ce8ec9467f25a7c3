"""Publishing scores and closing periods: publish (one or many, in one transaction), annual results, finalisation."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ...errors import Location, NoticePeriodError
from ...evaluate.evaluator import Evaluator
from ...facts.bundle import SubjectFacts
from ...periods import Period
from ...results import ScoreBreakdown
from ...rulesets.model import RuleSet
from ..hashing import (
    breakdown_hash,
    canonical_json,
    sha256_text,
)
from ..objections import (
    LedgerError,
    LedgerNotFoundError,
    LedgerStateError,
    ObjectionsPendingError,
    PeriodFinalisedError,
    ReproductionError,
)
from .checks import _check_subject, _evaluator, _period_label, _Prepared, _prepared, _scopes_hint, _score_text, _text
from .notice_records import local_date
from .queries import LedgerQueries
from .records import DEFAULT_SCOPE, Finalisation, Publication, PublicationCause, ScoreKey, _iso


class LedgerPublishing(LedgerQueries):
    """The steps that publish scores and finalise periods."""

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
            self._check_results_notice(conn, label, scope, when, where)
            pending = self._open_objections_in(conn, label, scope)
            if pending:
                listed = ", ".join(f"{oid} ({ref})" for oid, ref in pending[:10])
                listed += f" and {len(pending) - 10} more (see .pending)" if len(pending) > 10 else ""
                raise ObjectionsPendingError(
                    f"{label} ({scope}) cannot be finalised: {len(pending)} objection(s) still open: {listed}",
                    [oid for oid, _ in pending], location=where,
                    hint="record the investigation and decide each (uphold or reject) first")
            manifest_hash = sha256_text(canonical_json([list(m) for m in manifest]))
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

    def _check_results_notice(self, conn: sqlite3.Connection, label: str, scope: str, when: datetime,
                              where: Location) -> None:
        # Results published for objections (公示) are final only once the notice's period has ended and every
        # objection to the notice is decided.
        notice = self._results_notice_in(conn, label, scope)
        if notice is None:
            return
        day = local_date(when, notice.utc_offset_minutes)
        if day <= notice.closes_on:
            raise NoticePeriodError(
                f"{label} ({scope}) cannot be finalised on {day}: its results are in their objection period, "
                f"{notice.opens_on} to {notice.closes_on} (公示期未满)", notice.opens_on, notice.closes_on,
                location=where, hint="finalise after the last day of the notice")
        pending = [r[0] for r in conn.execute(
            "SELECT o.objection_id FROM notice_objections o WHERE o.notice_id = ? AND NOT EXISTS (SELECT 1 FROM "
            "notice_decisions d WHERE d.objection_id = o.objection_id) ORDER BY o.rowid", (notice.notice_id,))]
        if pending:
            raise ObjectionsPendingError(f"{label} ({scope}) cannot be finalised: objection(s) to notice "
                                         f"{notice.notice_id} open: {', '.join(pending[:10])}", pending,
                                         location=where, hint="decide the objections to the notice first")

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
        change = (f"{_score_text(current.total, current.grade)} -> " if current else "")
        return self._record_publication(
            conn, p, key=key, at=at, actor=actor, cause=cause, action=cause,
            supersedes=current.publication_id if current else None, objection_id=None,
            what=f"{key.ref} {cause}: {change}{_score_text(b.total, b.grade.id)}",
            before=current.breakdown_hash if current else None, note=note,
            payload={"superseded": current.publication_id if current else None})
