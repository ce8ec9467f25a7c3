"""The checks of a ledger step's arguments, before any row is read or written: facts, rule sets, objection targets,
actors, periods and dates, each refused with a typed :class:`LedgerError` saying what to give instead."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from ...errors import Location
from ...evaluate.evaluator import Evaluator
from ...facts.bundle import BranchFacts, CommunityFacts, MemberFacts, SubjectFacts, parse_subject_facts
from ...facts.records import Objection
from ...periods import Period
from ...results import ScoreBreakdown
from ...rulesets.model import RuleSet
from ..hashing import (
    canonical_json,
    sha256_text,
)
from ..objections import (
    LedgerError,
    ReproductionError,
)
from .records import Publication, facts_json


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
    return _Prepared(b, text, sha256_text(text), stored, sha256_text(stored))


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
                                 f"was published with (parameters {canonical_json(pub.params)})")


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
