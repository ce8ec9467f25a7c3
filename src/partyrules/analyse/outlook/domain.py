"""What the remaining months and the annual evaluation can still be: the fields the rules read, the way each pushes
the total, its bounds, and the two extreme values of a remaining month's record and of the annual evaluation.

A remaining month's record has two kinds of fields:

- **obligations**, set by the organisation rather than done by the subject (meetings and study sessions required,
  tasks assigned, whether a spot check takes place): they follow a *plan*. By default the plan is the standard
  schedule of the model member (:func:`partyrules.facts.exemplary.exemplary_member` with the once-a-year meetings
  in December): a group meeting and the theme day every month, a member meeting and a lecture each quarter, one
  study session and one task a month, no spot check. Not a presumption about the subject: what is asked of them.
- **conduct**: every other field a rule reads ranges over the fact model's bounded domain (a count 0..10^9, hours
  0..744 a month, a share 0..1, true/false), or over narrower ``bounds`` when given. Its extremes follow its
  direction: the rule set's ``monotone:`` declarations, the caller's ``directions``, or, for a member's record,
  :data:`MEMBER_RECORD_DIRECTIONS`. A conduct field the rules read with no direction is refused
  (:class:`~partyrules.errors.OutlookError`): its extremes cannot be told without trying every value.

A field that is ``None`` in the plan's record (a category's field that does not apply: a retired member's
resettlement milestones) stays ``None``.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from annotated_types import Ge, Le
from pydantic import BaseModel

from ...errors import OutlookError
from ...facts import BranchMonthRecord, MemberMonthRecord
from ...facts.exemplary import exemplary_member
from ...facts.records import AnnualEvaluation
from ...lang import ir as I
from ...rulesets.model import RuleSet

__all__ = ["MEMBER_ASKED", "MEMBER_OBLIGATIONS", "MEMBER_RECORD_DIRECTIONS", "Domain", "FieldDomain", "build_domain"]

MEMBER_OBLIGATIONS: tuple[str, ...] = ("meetings_required", "study_sessions_required", "tasks_assigned",
                                       "spot_checked", "spot_check_passed")
"""Fields of a member's monthly record set by the organisation, not done by the member (the plan gives them)."""

_ATTENDED = ("member_meeting", "committee_meeting", "group_meeting", "party_lecture", "theme_day",
             "org_life_meeting", "democratic_review")

MEMBER_RECORD_DIRECTIONS: dict[str, str] = {
    **{f"records.meetings_attended.{k}": "increasing" for k in _ATTENDED},
    # an absence approved in advance counts as attended where the rules say so and is never a missed meeting
    "records.excused_absences": "increasing",
    **{f"records.{k}": "increasing" for k in (
        "study_sessions_attended", "notes_submitted", "dues_paid_on_time", "volunteer_hours", "community_activities",
        "households_contacted", "difficulties_resolved", "suggestions_made", "policy_promotion_events",
        "post_duty_performed", "tasks_completed", "youth_care_activities", "mediation_cases", "property_fee_paid",
        "resettlement_milestones_met", "courtyard_meetings_attended", "training_sessions")},
}
"""The way each conduct field of a member's monthly record moves the shipped member indices: more done never
lowers the total. Used for a field the rule set does not declare under ``monotone:`` (the rule set's own
declaration wins); the tests check it on the shipped indices against random completions."""

ANNUAL_DIRECTIONS: dict[str, str] = {
    "annual.evaluation_score": "increasing", "annual.daily_observation_score": "increasing",
    "annual.satisfaction_rate": "increasing", "annual.org_life_meeting_held": "increasing",
    "annual.democratic_review_held": "increasing", "annual.post_summary_done": "increasing",
}
"""The annual evaluation's numeric and true/false fields: a better evaluation never lowers the total. Its levels
(an appraisal, a secretary's review) are ordered by the fact model, best first."""

MEMBER_ASKED: dict[str, tuple[str, ...]] = {
    **{f"records.meetings_attended.{k}": ("meetings_required", k) for k in _ATTENDED},
    "records.study_sessions_attended": ("study_sessions_required",),
    "records.tasks_completed": ("tasks_assigned",),
    "records.dues_paid_on_time": ("dues_paid_on_time",),
    "records.post_duty_performed": ("post_duty_performed",),
}
"""What is asked of a member each month, as the conduct field that meets it and the plan's field that says how
much: attend the meetings and study sessions required, complete the tasks assigned, pay the dues and carry out
the claimed post (the plan's own value: every month). The scenario *keeps to what is asked* sets these fields to
the plan's value and every other conduct field to its worst (docs/outlook.md)."""

_RECORD_MODELS: dict[str, type[BaseModel]] = {"member": MemberMonthRecord, "branch": BranchMonthRecord}
Plan = Callable[[str], Mapping[str, Any]]
"""A plan: the obligations of a month (``YYYY-MM``) as a record's fields (a nested one as a mapping)."""


@dataclass(frozen=True)
class FieldDomain:
    """One field the rules read: its path in a record (or the annual evaluation), kind and bounds."""

    name: str  # as the rules name it: records.x, records.meetings_attended.y, annual.z
    path: tuple[str, ...]
    kind: str  # int, float, bool, level
    lo: Any
    hi: Any
    direction: str  # increasing, decreasing (for a level: best first, as the fact model orders it)

    def extreme(self, side: str) -> Any:
        up = (self.direction == "increasing") == (side == "best")
        return self.hi if up else self.lo


@dataclass(frozen=True)
class Domain:
    """The completion domain of one rule set: the record fields that range, the obligations, the annual fields."""

    kind: str
    record_fields: tuple[FieldDomain, ...]
    obligations: tuple[str, ...]
    annual_fields: tuple[FieldDomain, ...]
    reads_records: bool
    reads_annual: bool
    asked: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    """conduct field -> the plan's field giving what is asked of it (:data:`MEMBER_ASKED` for members)"""


def fields_read(ruleset: RuleSet) -> set[str]:
    """The fact fields the rules read: ``records.x``, ``annual.x``, subject fields, ``incidents.x``, ..."""
    out: set[str] = set()
    for group in (ruleset.standards, ruleset.deductions, ruleset.vetoes, ruleset.checks):
        for rule in group:
            for e in rule.exprs.values():
                _walk(e.ir, None, out)
    return out


def _walk(node: I.IR, source: str | None, out: set[str]) -> None:
    if isinstance(node, I.Agg):
        for child in node.children():
            _walk(child, node.source, out)
        return
    if isinstance(node, I.Field):
        if node.scope == "item" and source is not None:
            out.add(f"{source}.{'.'.join(node.path)}")
        elif node.scope in ("annual", "subject"):
            out.add(node.dotted)
    for child in node.children():
        _walk(child, source, out)


def _unwrap(annotation: Any) -> tuple[Any, list[Any], bool]:
    """The base type of an annotation, its metadata (bounds) and whether it may be None."""
    meta: list[Any] = []
    nullable = False
    ann = annotation
    while True:
        origin = typing.get_origin(ann)
        if origin is typing.Annotated:
            args = typing.get_args(ann)
            ann, meta = args[0], [*meta, *args[1:]]
        elif origin in (typing.Union, __import__("types").UnionType):
            members = [a for a in typing.get_args(ann) if a is not type(None)]
            nullable = nullable or len(members) < len(typing.get_args(ann))
            ann = members[0]
        else:
            return ann, meta, nullable


def _describe(model: type[BaseModel], name: str, path: tuple[str, ...], direction: str | None,
              bounds: Mapping[str, tuple[float, float]]) -> FieldDomain | None:
    """The domain of the field at ``path`` of ``model``; None when it is not a numeric, true/false or level field."""
    current: Any = model
    for i, p in enumerate(path):
        info = current.model_fields.get(p)
        if info is None:
            return None
        base, meta, _nullable = _unwrap(info.annotation)
        meta = [*info.metadata, *meta]  # pydantic keeps a field's own bounds apart from its annotation
        if i < len(path) - 1:
            current = base
            continue
    if isinstance(base, type) and issubclass(base, Enum):
        levels = list(base)
        return FieldDomain(name, path, "level", levels[-1], levels[0], "increasing")
    if direction is None:
        raise LookupError(name)
    if base is bool:
        return FieldDomain(name, path, "bool", False, True, direction)
    if base not in (int, float):
        return None
    lo: Any = next((m.ge for m in meta if isinstance(m, Ge)), 0)
    hi: Any = next((m.le for m in meta if isinstance(m, Le)), None)
    if name in bounds:
        lo, hi = bounds[name]
    if hi is None:
        raise OutlookError(f"{name} has no upper bound in the fact model", hint=f"give bounds={{'{name}': (lo, hi)}}")
    cast = int if base is int else float
    return FieldDomain(name, path, "int" if base is int else "float", cast(lo), cast(hi), direction)


def build_domain(ruleset: RuleSet, *, directions: Mapping[str, str] | None = None,
                 bounds: Mapping[str, tuple[float, float]] | None = None,
                 obligations: Iterable[str] | None = None,
                 asked: Mapping[str, tuple[str, ...]] | None = None) -> Domain:
    """The completion domain of ``ruleset``'s subjects (see the module docstring); raises
    :class:`~partyrules.errors.OutlookError` naming every conduct field the rules read with no direction.
    ``asked``: which plan field says what is asked of each conduct field (default :data:`MEMBER_ASKED` for
    members, nothing for branches)."""
    kind = ruleset.subject_kind
    read = fields_read(ruleset)
    declared: dict[str, str] = {}
    if kind == "member":
        declared.update(MEMBER_RECORD_DIRECTIONS)
    declared.update(ANNUAL_DIRECTIONS)
    mono = ruleset.spec.monotone
    if mono is not None:
        declared.update({n: "increasing" for n in mono.increasing})
        declared.update({n: "decreasing" for n in mono.decreasing})
    for name, d in (directions or {}).items():
        if d not in ("increasing", "decreasing"):
            raise OutlookError(f"direction of {name} must be increasing or decreasing, got {d!r}")
        declared[name] = d
    owed = tuple(obligations) if obligations is not None else (MEMBER_OBLIGATIONS if kind == "member" else ())
    bounds = dict(bounds or {})
    model = _RECORD_MODELS.get(kind)
    record_fields: list[FieldDomain] = []
    annual_fields: list[FieldDomain] = []
    undeclared: list[str] = []
    for name in sorted(read):
        scope, _, rest = name.partition(".")
        path = tuple(rest.split("."))
        if scope == "records" and model is not None:
            if path[0] in owed or path[0] in ("month", "member_id", "branch_id", "checklist_items_done"):
                continue
            target, into = model, record_fields
        elif scope == "annual":
            if path[0] in ("subject_kind", "subject_id", "year", "evaluator_org_id", "vote_counts"):
                continue
            target, into = AnnualEvaluation, annual_fields
        else:
            continue
        try:
            fd = _describe(target, name, path, declared.get(name), bounds)
        except LookupError:
            undeclared.append(name)
            continue
        if fd is not None:
            into.append(fd)
    if undeclared:
        raise OutlookError(
            f"the rules of {ruleset.id} read {', '.join(undeclared)} with no declared direction: the extremes of "
            "the remaining months cannot be found", zh=f"规则集 {ruleset.id} 读取的 {', '.join(undeclared)} "
            "未声明方向(monotone), 无法确定剩余月份的最好与最坏情形",
            hint="declare them under monotone: in the rule set, or pass directions={field: 'increasing'}")
    if asked is None:
        asked = MEMBER_ASKED if kind == "member" else {}
    return Domain(kind, tuple(record_fields), owed, tuple(annual_fields),
                  any(n.startswith("records.") for n in read), any(n.startswith("annual.") for n in read),
                  dict(asked))


def model_plan(facts: Any, year: int) -> Plan:
    """The default plan of a member: the model member's obligations, with the once-a-year meetings in December."""
    member = facts.member
    return plan_for(str(member.category), bool(member.health_limited), year)


@functools.cache
def _plan_months(category: str, health_limited: bool, year: int) -> dict[str, dict[str, Any]]:
    model = exemplary_member(category, year, health_limited=health_limited, once_a_year_month=12)
    return {r.month: r.model_dump() for r in model.records}


def plan_for(category: str, health_limited: bool, year: int) -> Plan:
    """The model member's plan for members of ``category`` (its obligations and which fields apply)."""
    by_month = _plan_months(category, health_limited, year)
    return lambda month: by_month[month]
