"""Objections and decisions on them: filing, the visit and investigation, uphold (a corrected publication), reject,
and reverse (the replaced result published again). Each is one transaction that checks the workflow first."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from typing import Literal

from ...errors import Location, NoticePeriodError
from ...evaluate.evaluator import Evaluator
from ...facts.bundle import SubjectFacts
from ...facts.records import Objection
from ...periods import Period
from ...rulesets.model import RuleSet
from ..objections import (
    LedgerError,
    LedgerStateError,
    ObjectionAction,
    advance,
    check_new_objection,
)
from .checks import (
    _check_ruleset,
    _check_subject,
    _check_target,
    _date,
    _evaluator,
    _Prepared,
    _prepared,
    _review_date,
    _score_text,
    _text,
)
from .notice_records import local_date
from .queries import LedgerQueries
from .records import ObjectionRecord, Publication, _iso


class LedgerDecisions(LedgerQueries):
    """The objection workflow's steps (异议、走访调查、复核)."""

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
            self._check_notice_period(conn, pub, when, where)
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

    def _check_notice_period(self, conn: sqlite3.Connection, pub: Publication, when: datetime,
                             where: Location) -> None:
        # Once the period's results are published for objections (公示), objections to them are heard only on the
        # notice's days; before a notice, quarterly scores take objections as they always did.
        notice = self._results_notice_in(conn, pub.key.period, pub.key.scope)
        if notice is None:
            return
        day = local_date(when, notice.utc_offset_minutes)
        if day > notice.closes_on:
            raise NoticePeriodError(
                f"an objection to {pub.key.ref} on {day} comes after the objection period of notice "
                f"{notice.notice_id}, {notice.opens_on} to {notice.closes_on} (公示期 {notice.opens_on} 至 "
                f"{notice.closes_on})", notice.opens_on, notice.closes_on, location=where,
                hint="objections are accepted until the last day of the notice (公示期外不再受理)")

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
            new_id = self._record_publication(
                conn, corrected, key=current.key, at=when, actor=actor, cause="upheld",
                action=ObjectionAction.UPHELD.value, supersedes=current.publication_id, objection_id=objection_id,
                what=f"objection {objection_id} upheld; {current.key.ref} corrected: "
                     f"{_score_text(current.total, current.grade)} -> "
                     f"{_score_text(corrected.breakdown.total, corrected.breakdown.grade.id)}",
                before=current.breakdown_hash, note=note,
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
            new_id = self._record_publication(
                conn, _Prepared.of_publication(original), key=current.key, at=when, actor=actor, cause="reversed",
                action=ObjectionAction.REVERSED.value, supersedes=current.publication_id, objection_id=objection_id,
                what=f"upheld objection {objection_id} reversed on review; {current.key.ref} restored: "
                     f"{_score_text(current.total, current.grade)} -> "
                     f"{_score_text(original.total, original.grade)}",
                before=current.breakdown_hash, note=note,
                payload={"reference": reference, "reviewed_on": _date(decided.reviewed_on),
                         "restores": original.publication_id, "superseded": current.publication_id})
        return self.publication(new_id)
