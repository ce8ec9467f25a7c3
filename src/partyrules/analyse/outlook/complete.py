"""The facts known as of a month, and the completions of the rest of the year that the outlook scores.

As of month M of a year, the records up to M are known, and so are the incidents and commendations dated up to
M's last day. The annual evaluation is made at the year's end: it is known only as of December (when on file).
Nothing is invented: no incident, no veto, no commendation is added to a completion.

Each extreme (``best``, ``worst``) has up to four candidate completions, the one scored highest (lowest) being the
extreme: every remaining month recorded with every conduct field at its extreme level, or no remaining month
recorded; and, when the annual evaluation is unknown and read, none on file or one with every field the rules
read at its extreme level.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...errors import OutlookError
from ...facts import AnnualEvaluation, SubjectFacts
from ...periods import Month
from .domain import Domain, FieldDomain, Plan

__all__ = ["Candidate", "Situation", "annual_at", "candidates", "completion", "keeps_record", "month_record",
           "situation"]


@dataclass(frozen=True)
class Situation:
    """A subject as of a month: the facts known, the months left and whether the annual evaluation is known."""

    known: SubjectFacts
    as_of: Month
    remaining: tuple[str, ...]
    annual_known: bool


@dataclass(frozen=True)
class Candidate:
    """One candidate completion: remaining months recorded or not; the annual evaluation none or at an extreme."""

    side: str  # best, worst or keeps (the remaining months keep to what is asked; the annual evaluation at worst)
    recorded: bool
    annual: str  # known, none, extreme


def situation(facts: SubjectFacts, as_of: Month | str) -> Situation:
    """What is known of ``facts`` as of ``as_of`` (a month of the year the facts are for)."""
    m = Month.parse(as_of) if isinstance(as_of, str) else as_of
    cut = m.last_day
    records = tuple(r for r in getattr(facts, "records", ()) if Month.parse(r.month) <= m)
    update: dict[str, Any] = {"records": records,
                              "incidents": tuple(i for i in facts.incidents if i.occurred_on <= cut),
                              "commendations": tuple(c for c in facts.commendations if c.awarded_on <= cut)}
    annual_known = m.month == 12 and getattr(facts, "annual", None) is not None
    if hasattr(facts, "annual") and not annual_known:
        update["annual"] = None
    cls = type(facts)
    known = cls(**{**{n: getattr(facts, n) for n in cls.model_fields}, **update})
    remaining = tuple(str(Month(m.year, k)) for k in range(m.month + 1, 13))
    return Situation(known, m, remaining, annual_known)


def _set_path(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for p in path[:-1]:
        inner = data.get(p)
        inner = dict(inner) if isinstance(inner, Mapping) else {}
        data[p] = inner
        data = inner
    data[path[-1]] = value


def _plan_value(plan_rec: Mapping[str, Any], path: tuple[str, ...]) -> tuple[bool, Any]:
    cur: Any = plan_rec
    for p in path:
        if not isinstance(cur, Mapping) or p not in cur:
            return False, None
        cur = cur[p]
    return True, cur


def _value(fd: FieldDomain, side: str) -> Any:
    v = fd.extreme(side)
    return v.value if fd.kind == "level" else v


def month_record(domain: Domain, subject_id: str, plan: Plan, month: str, side: str) -> dict[str, Any]:
    """The record of a remaining ``month`` at the ``side`` extreme, as the record's fields."""
    id_field = "member_id" if domain.kind == "member" else "branch_id"
    plan_rec = plan(month)
    data: dict[str, Any] = {id_field: subject_id, "month": month}
    for o in domain.obligations:
        if o in plan_rec:
            data[o] = plan_rec[o]
    for fd in domain.record_fields:
        given, v = _plan_value(plan_rec, fd.path)
        if given and v is None:
            continue  # a field that does not apply to the subject's category
        _set_path(data, fd.path, _value(fd, side))
    return data


def keeps_record(domain: Domain, subject_id: str, plan: Plan, month: str) -> dict[str, Any]:
    """The record of a remaining ``month`` that keeps to what is asked and no more: the worst record, with each
    conduct field of ``domain.asked`` at the plan's value of its obligation (the meetings and study sessions
    required attended, the tasks assigned completed, dues paid, the post carried out), kept within the field's
    bounds; a field the plan leaves out or gives as ``None`` stays at its worst."""
    data = month_record(domain, subject_id, plan, month, "worst")
    plan_rec = plan(month)
    for fd in domain.record_fields:
        source = domain.asked.get(fd.name)
        if source is None:
            continue
        given, v = _plan_value(plan_rec, source)
        if not given or v is None or fd.kind == "level":
            continue
        if fd.kind == "bool":
            _set_path(data, fd.path, bool(v))
        else:
            _set_path(data, fd.path, min(max(type(fd.lo)(v), fd.lo), fd.hi))
    return data


def annual_record(domain: Domain, sit: Situation, side: str) -> AnnualEvaluation:
    subject = getattr(sit.known, sit.known.subject_kind.value)
    evaluator = getattr(subject, "branch_id", None) or getattr(subject, "parent_org_id", None) or "unknown"
    return annual_at(domain, sit.known.subject_kind.value, sit.known.subject_id, sit.as_of.year, evaluator, side)


def annual_at(domain: Domain, kind: str, subject_id: str, year: int, evaluator: str, side: str) -> AnnualEvaluation:
    """An annual evaluation on file with every field the rules read at its ``side`` extreme (the others at 0)."""
    data: dict[str, Any] = {"subject_kind": kind, "subject_id": subject_id, "year": year,
                            "evaluator_org_id": evaluator, "evaluation_score": 0.0, "daily_observation_score": 0.0}
    for fd in domain.annual_fields:
        data[fd.path[0]] = _value(fd, side)
    return AnnualEvaluation.model_validate(data)


def candidates(domain: Domain, sit: Situation, side: str) -> list[Candidate]:
    """The candidates of ``side``; ``keeps`` records every remaining month (the lower of its annual candidates is
    its total: whatever the year-end evaluation)."""
    if side == "keeps":
        recorded: tuple[bool, ...] = (True,) if sit.remaining and domain.reads_records else (False,)
    else:
        recorded = (True, False) if sit.remaining and domain.reads_records else (False,)
    if sit.annual_known or not domain.reads_annual:
        annual: tuple[str, ...] = ("known",)
    else:
        annual = ("none", "extreme")
    return [Candidate(side, r, a) for r in recorded for a in annual]


def completion(domain: Domain, sit: Situation, plan: Plan, cand: Candidate) -> SubjectFacts:
    """The known facts completed as ``cand`` says (``keeps``: see :func:`keeps_record`, the annual evaluation at
    its worst)."""
    facts = sit.known
    cls = type(facts)
    update: dict[str, Any] = {}
    if cand.recorded:
        rec_model = type(facts).model_fields["records"].annotation.__args__[0]  # type: ignore[union-attr]
        try:
            extra = tuple(rec_model.model_validate(
                month_record(domain, sit.known.subject_id, plan, m, cand.side) if cand.side != "keeps"
                else keeps_record(domain, sit.known.subject_id, plan, m)) for m in sit.remaining)
        except ValueError as exc:
            raise OutlookError(f"a remaining month's record at its {cand.side} cannot be built: {exc}",
                               hint="give bounds or a plan the record model accepts") from exc
        update["records"] = (*facts.records, *extra)  # type: ignore[union-attr]
    if cand.annual == "extreme":
        update["annual"] = annual_record(domain, sit, "worst" if cand.side == "keeps" else cand.side)
    if not update:
        return facts
    return cls(**{**{n: getattr(facts, n) for n in cls.model_fields}, **update})
