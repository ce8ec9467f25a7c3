"""The objection workflow (异议处理, C3): objection, then visit and investigation, then review.

This module holds the rules of the workflow and nothing durable: which step may follow which, what an objection
looks like after each step, the errors of the ledger, and helpers that build the corrected facts an upheld
objection publishes. :mod:`partyrules.cycle.ledger` stores every step in SQLite and calls these rules inside its
transactions, so the same rules hold whichever process writes.

The library records; it never decides. Investigation findings, recommendations, decisions and reversals are
recorded only when the caller provides them, each with who and when.

The states follow :class:`~partyrules.facts.enums.ObjectionStatus`::

    filed -> PENDING --investigate--> INVESTIGATING --uphold--> UPHELD --reverse--> REJECTED (reversed)
                                                    --reject--> REJECTED

An objection is *open* (it blocks finalisation) while it is PENDING or INVESTIGATING. A decision needs a recorded
visit and investigation first, as the source orders the steps (及时开展走访调查和情况复核).
"""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import (
    FactError,
    LedgerError,
    LedgerIntegrityError,
    LedgerNotFoundError,
    LedgerStateError,
    Location,
    ObjectionsPendingError,
    PeriodFinalisedError,
    ReproductionError,
)
from ..facts.bundle import SubjectFacts, parse_subject_facts
from ..facts.enums import ObjectionStatus
from ..facts.records import BranchMonthRecord, MemberMonthRecord, Objection

__all__ = [
    "OPEN_STATUSES",
    "AppliedCorrection",
    "LedgerError",
    "LedgerIntegrityError",
    "LedgerNotFoundError",
    "LedgerStateError",
    "ObjectionAction",
    "ObjectionsPendingError",
    "PeriodFinalisedError",
    "ReproductionError",
    "advance",
    "apply_correction",
    "check_new_objection",
    "correct_record",
    "is_open",
    "retract_incident",
]


# the ledger's errors are defined in partyrules.errors and importable from here, where the workflow raises them


# ----------------------------------------------------------------------------------------------------------------
# the state machine


class ObjectionAction(StrEnum):
    """The steps of the workflow, as recorded in the audit trail's ``action`` column."""

    FILED = "objection_filed"
    INVESTIGATED = "investigation_recorded"
    UPHELD = "objection_upheld"
    REJECTED = "objection_rejected"
    REVERSED = "uphold_reversed"


OPEN_STATUSES = frozenset({ObjectionStatus.PENDING, ObjectionStatus.INVESTIGATING})

# Which statuses each step may start from.
_ALLOWED_FROM: dict[ObjectionAction, frozenset[ObjectionStatus]] = {
    ObjectionAction.INVESTIGATED: OPEN_STATUSES,  # a second visit adds findings
    ObjectionAction.UPHELD: frozenset({ObjectionStatus.INVESTIGATING}),
    ObjectionAction.REJECTED: frozenset({ObjectionStatus.INVESTIGATING}),
    ObjectionAction.REVERSED: frozenset({ObjectionStatus.UPHELD}),
}


def is_open(status: ObjectionStatus) -> bool:
    """True while the objection awaits a decision (it blocks finalisation of its period)."""
    return status in OPEN_STATUSES


def check_new_objection(objection: Objection, *, where: Location | None = None) -> None:
    """An objection enters the ledger as filed: pending, not yet investigated or reviewed. Later steps are
    recorded as events, so that each has its own who and when."""
    problems = []
    if objection.status is not ObjectionStatus.PENDING:
        problems.append(f"status is {objection.status.value}")
    if objection.visit_investigation_done:
        problems.append("visit_investigation_done is true")
    if objection.reviewed_on is not None:
        problems.append(f"reviewed_on is {objection.reviewed_on.isoformat()}")
    if objection.outcome_note:
        problems.append("outcome_note is set")
    if problems:
        raise LedgerError(
            f"objection {objection.objection_id} must be filed as pending, but its " + ", ".join(problems),
            location=where,
            hint="file it with status=pending; record the investigation and the review with "
            "record_investigation(), uphold() or reject()",
        )


def advance(
    objection: Objection,
    action: ObjectionAction,
    *,
    on: date,
    note: str = "",
    where: Location | None = None,
) -> Objection:
    """The objection after ``action`` taken on ``on``; raises :class:`LedgerStateError` if the step is not
    allowed from its current status."""
    if action is ObjectionAction.FILED:
        raise LedgerStateError(f"objection {objection.objection_id} is already filed", location=where,
                               hint="use a new objection_id for a new objection")
    allowed = _ALLOWED_FROM[action]
    if objection.status not in allowed:
        raise LedgerStateError(
            f"cannot record '{action.value}' for objection {objection.objection_id}: it is "
            f"{objection.status.value}",
            location=where,
            hint=_hint(objection, action),
        )
    data = objection.model_dump()
    if action is ObjectionAction.INVESTIGATED:
        data.update(status=ObjectionStatus.INVESTIGATING, visit_investigation_done=True)
    elif action is ObjectionAction.UPHELD:
        data.update(status=ObjectionStatus.UPHELD, reviewed_on=on, outcome_note=note)
    else:  # rejected, or an upheld objection reversed on review: either way it is not upheld in the end
        data.update(status=ObjectionStatus.REJECTED, reviewed_on=on, outcome_note=note)
    try:
        return Objection.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise LedgerError(
            f"objection {objection.objection_id} cannot be {action.value.split('_')[-1]} on {on.isoformat()}: "
            f"{first['msg']}",
            location=where,
            hint="the review date must not be before the objection was raised; pass reviewed_on= (or at=)",
        ) from exc


def _hint(objection: Objection, action: ObjectionAction) -> str:
    status = objection.status
    if status is ObjectionStatus.PENDING:
        return ("record the visit and investigation first (record_investigation): the review follows the "
                "investigation (走访调查、情况复核)")
    if status is ObjectionStatus.UPHELD:
        return "an upheld objection can only be reversed on review (reverse)"
    if status is ObjectionStatus.REJECTED:
        return "the objection is decided; if new facts arise, file a new objection against the current score"
    return "decide it with uphold() or reject()"


# ----------------------------------------------------------------------------------------------------------------
# corrected facts


def retract_incident(facts: SubjectFacts, incident_id: str, *, objection_id: str | None = None) -> SubjectFacts:
    """The facts with one incident withdrawn: it stays on file (with its evidence) but is no longer verified,
    so no rule can see it, and it names the objection that withdrew it."""
    data = _json_of(facts)
    for incident in data.get("incidents", []):
        if incident["incident_id"] == incident_id:
            incident["verified"] = False
            if objection_id is not None:
                incident["objection_id"] = objection_id
            return _parse(data, facts)
    known = ", ".join(i["incident_id"] for i in data.get("incidents", [])) or "none"
    raise FactError(f"{facts.subject_id} has no incident '{incident_id}'", location=Location(path="incidents"),
                    hint=f"its incidents are: {known}")


def correct_record(facts: SubjectFacts, record: MemberMonthRecord | BranchMonthRecord) -> SubjectFacts:
    """The facts with the monthly record of ``record.month`` replaced by ``record`` (or added if absent)."""
    if not hasattr(facts, "records"):
        raise FactError(f"{facts.subject_id} is a {type(facts).subject_kind} and has no monthly records",
                        hint="correct a member's or a branch's facts")
    data = _json_of(facts)
    corrected = json.loads(record.model_dump_json())
    data["records"] = [r for r in data["records"] if r["month"] != record.month] + [corrected]
    return _parse(data, facts)


def _json_of(facts: SubjectFacts) -> dict[str, Any]:
    # Through JSON, the form the ledger stores, so a corrected bundle round-trips exactly.
    data: dict[str, Any] = json.loads(facts.model_dump_json())
    return data


def _parse(data: dict[str, Any], original: SubjectFacts) -> SubjectFacts:
    try:
        return parse_subject_facts(data)
    except ValidationError as exc:
        errors = [(".".join(str(p) for p in e["loc"]), e["msg"], e.get("input")) for e in exc.errors()]
        raise FactError(f"the corrected facts of {original.subject_id} are invalid", errors,
                        hint="a corrected record must belong to the same subject") from exc


# ----------------------------------------------------------------------------------------------------------------
# carrying a correction into the whole year

# The parts of a subject's facts that are lists of items with an identity: a correction replaces, adds or removes
# single items, so that corrections of different quarters (or of the year) never undo each other.
_ITEM_KEYS = {"records": "month", "incidents": "incident_id", "commendations": "commendation_id"}


class AppliedCorrection(BaseModel):
    """An upheld correction carried into a year's facts: which objection, on which published score, and what it
    changed (``changes``: e.g. ``records 2026-05``, ``incidents I-7``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    objection_id: str
    period: str
    ruleset_id: str
    publication_id: int  # the corrected publication
    superseded_id: int  # the publication it corrected
    changes: list[str]


def apply_correction(facts: SubjectFacts, before: SubjectFacts, after: SubjectFacts) -> tuple[SubjectFacts,
                                                                                               list[str]]:
    """``facts`` with the change from ``before`` to ``after`` (a published score's facts and their correction)
    applied, and what changed. Only what the correction changed is taken: records by month, incidents and
    commendations by id, and any other part whole; so a quarter's correction, whose facts hold only that quarter's
    records, leaves the other months alone."""
    for other in (before, after):
        if type(other) is not type(facts) or other.subject_id != facts.subject_id:
            raise FactError(f"a correction of {type(other).subject_kind} {other.subject_id} cannot apply to "
                            f"{type(facts).subject_kind} {facts.subject_id}",
                            hint="apply a subject's corrections to that subject's facts")
    data, old, new = _json_of(facts), _json_of(before), _json_of(after)
    changes: list[str] = []
    for key in sorted(set(old) | set(new)):
        if key in _ITEM_KEYS:
            ident = _ITEM_KEYS[key]
            was = {item[ident]: item for item in old.get(key) or []}
            now = {item[ident]: item for item in new.get(key) or []}
            items = {item[ident]: item for item in data.get(key) or []}
            for item_id in sorted(set(was) | set(now)):
                if was.get(item_id) == now.get(item_id):
                    continue
                changes.append(f"{key} {item_id}")
                if item_id in now:
                    items[item_id] = now[item_id]
                else:
                    items.pop(item_id, None)
            data[key] = list(items.values())
        elif old.get(key) != new.get(key):
            changes.append(key)
            data[key] = new.get(key)
    return _parse(data, facts), changes

