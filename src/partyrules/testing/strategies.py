"""Hypothesis strategies that draw valid facts for any rule set.

Values are derived from the fact models themselves (each field's type and bounds), so a new fact field is drawn
without a change here; the few rules between fields (a result only after a spot check, done at most assigned, a
committee size only with a committee, a verifier for a verified incident) are applied before validation. Every
value is validated by the models: what these strategies draw is what a service could send.

They are made to find bugs: numbers are drawn at 0, at the model's bounds, at each constant and parameter value the
rule set compares a field with and just below and above it, and huge; record lists are empty, full or in between;
incidents are verified or not, inside the period or just outside it, of the kinds the rule set reads more often.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from enum import Enum
from typing import Any

from annotated_types import Ge, Le, MinLen
from hypothesis import strategies as st
from pydantic import BaseModel

from ..evaluate.compiled import compiled_ruleset
from ..evaluate.context import build_context
from ..facts import (
    COMMENDATION_KINDS,
    AnnualEvaluation,
    Branch,
    BranchFacts,
    BranchMonthRecord,
    Commendation,
    Community,
    CommunityFacts,
    Grid,
    Incident,
    Member,
    MemberFacts,
    MemberMonthRecord,
    SubjectFacts,
    incident_kinds,
)
from ..facts.records import AT_MOST
from ..lang import ir as I
from ..periods import Period
from ..rulesets.model import RuleSet
from .edges import Edges, edges_of

__all__ = [
    "annual_evaluations",
    "branch_records",
    "branches",
    "commendations",
    "communities",
    "facts_for",
    "grids",
    "incidents",
    "member_records",
    "members",
    "monthly_records",
]

HUGE = 10**9
_FLOAT_MAX = 1e6  # unbounded floats stay in a range where sums of a year of records are exact enough to compare
_IDS = ("X1", "X2", "X3")
_TEXT = ("说明", "较大负面影响", "造成不良后果")
_SLUGS = ("alpha", "beta")
VERIFIER = "verifier"
NO_EDGES = Edges()


def _period(period: Period | str) -> Period:
    return Period.parse(period) if isinstance(period, str) else period


# -- values from types -------------------------------------------------------------------------------------------
def _bounds(metadata: list[Any]) -> tuple[float | None, float | None]:
    lo = hi = None
    for m in metadata:
        if isinstance(m, Ge):
            lo = m.ge  # type: ignore[assignment]
        elif isinstance(m, Le):
            hi = m.le  # type: ignore[assignment]
    return lo, hi


def _is_unique(metadata: list[Any]) -> bool:
    return any(getattr(getattr(m, "func", None), "__name__", "") == "_unique_sorted" for m in metadata)


def _ints(name: str, lo: int, hi: int | None, edges: Edges) -> st.SearchStrategy[int]:
    top = HUGE if hi is None else hi
    near = [int(v) for v in (*edges.around(name, integral=True), *edges.numbers) if lo <= v <= top and v == int(v)]
    options: list[st.SearchStrategy[int]] = [st.just(lo), st.integers(lo, min(top, lo + 6))]
    if near:
        options.append(st.sampled_from(sorted(set(near))))
    options += [st.integers(lo, top), st.just(top)]
    return st.one_of(*options)


def _floats(name: str, lo: float, hi: float | None, edges: Edges) -> st.SearchStrategy[float]:
    top = _FLOAT_MAX if hi is None else float(hi)
    near = [float(v) for v in (*edges.around(name, integral=False), *edges.numbers) if lo <= v <= top]
    options: list[st.SearchStrategy[float]] = [st.just(float(lo))]
    if near:
        options.append(st.sampled_from(sorted(set(near))))
    options += [st.floats(lo, top, allow_nan=False, allow_infinity=False), st.just(top)]
    return st.one_of(*options)


def _dates_near(period: Period, *, outside: bool = False) -> st.SearchStrategy[date]:
    inside = st.dates(min_value=period.start_date, max_value=period.end_date)
    if not outside:
        return inside
    edge = st.sampled_from([period.start_date, period.end_date, period.start_date - timedelta(days=1),
                            period.end_date + timedelta(days=1)])
    return st.one_of(inside, inside, edge)


def _slugs(edges: Edges) -> st.SearchStrategy[str]:
    pool = [s for s in edges.strings if s and s.replace("_", "").isalnum() and s.isascii() and s[0].isalpha()
            and s == s.lower()]
    return st.sampled_from(sorted({*pool, *_SLUGS}))


def _for_type(annotation: Any, metadata: list[Any], name: str, edges: Edges, period: Period) -> st.SearchStrategy[Any]:
    """A strategy for one field from its annotation and constraints."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _for_type(args[0], [*metadata, *annotation.__metadata__], name, edges, period)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        base = _for_type(inner[0], metadata, name, edges, period)
        return st.one_of(st.none(), base) if len(inner) < len(args) else base
    if origin is tuple:
        item = _for_type(args[0], [], name, edges, period)
        if isinstance(args[0], type) and issubclass(args[0], BaseModel):
            return st.lists(item, max_size=4).map(lambda xs, m=args[0]: _renumber(m, xs))
        return st.lists(item, max_size=4, unique=_is_unique(metadata))
    if origin is dict:
        return st.dictionaries(_for_type(args[0], [], name, edges, period),
                               _for_type(args[1], [], name, edges, period), max_size=5)
    if isinstance(annotation, type):
        if issubclass(annotation, bool):
            return st.booleans()
        if issubclass(annotation, Enum):
            return st.sampled_from([e.value for e in annotation])
        if issubclass(annotation, int):
            lo, hi = _bounds(metadata)
            if name.endswith("year"):
                return st.integers(int(lo or 1900), int(hi or 2100)).filter(lambda y: y <= period.end.year)
            return _ints(name, int(lo or 0), None if hi is None else int(hi), edges)
        if issubclass(annotation, float):
            lo, hi = _bounds(metadata)
            return _floats(name, float(lo or 0.0), None if hi is None else float(hi), edges)
        if issubclass(annotation, date):
            return st.dates(min_value=date(period.start.year - 40, 1, 1), max_value=period.end_date)
        if issubclass(annotation, str):
            if any(getattr(getattr(m, "func", None), "__name__", "") == "_check_slug" for m in metadata):
                return _slugs(edges)
            if any(getattr(getattr(m, "func", None), "__name__", "") == "_check_id" for m in metadata):
                return st.sampled_from(_IDS)
            texts = [s for s in edges.strings if s.strip()] if any(isinstance(m, MinLen) for m in metadata) \
                else list(edges.strings)
            return st.sampled_from(sorted({*texts, *_TEXT}))
        if issubclass(annotation, BaseModel):
            return model_strategy(annotation, edges=edges, period=period)
    raise TypeError(f"partyrules.testing cannot draw a value of type {annotation!r} (field {name})")


def _renumber(model: type[BaseModel], items: list[BaseModel]) -> tuple[BaseModel, ...]:
    """Give the items of a list of models distinct ids (their first ``*_id`` field), as the models require."""
    id_field = next((n for n in model.model_fields if n.endswith("_id")), None)
    if id_field is None:
        return tuple(items)
    prefix = id_field[0].upper()
    return tuple(x.model_copy(update={id_field: f"{prefix}{i + 1}"}) for i, x in enumerate(items))


# A field whose valid values depend on another: when the rule set reads the first, the second must vary too.
_PARTNERS = {"spot_check_passed": "spot_checked", "committee_size": "has_committee",
             "member_count": "formal_member_count", **AT_MOST}


def _with_partners(edges: Edges) -> Edges:
    if edges.read is None:
        return edges
    return replace(edges, read=edges.read | {_PARTNERS[f] for f in edges.read if f in _PARTNERS})


# The facts about incidents and commendations decide what rules may see (verified, in the period): always varied.
_ALWAYS_DRAWN = (Incident, Commendation)


def _simple(info: Any, period: Period) -> Any:
    """One simple valid value for a field the rule set does not read: its default, else the least value."""
    if not info.is_required():
        return info.get_default(call_default_factory=True)
    annotation, metadata = info.annotation, list(info.metadata)
    while typing.get_origin(annotation) is typing.Annotated:
        metadata += list(annotation.__metadata__)
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return None
    if typing.get_origin(annotation) is tuple:
        return ()
    if isinstance(annotation, type):
        if issubclass(annotation, bool):
            return False
        if issubclass(annotation, Enum):
            return next(iter(annotation)).value
        if issubclass(annotation, int | float):
            lo, _ = _bounds(metadata)
            return annotation(lo or 0)
        if issubclass(annotation, date):
            return date(period.start.year - 1, 1, 1)
        if issubclass(annotation, str):
            if any(getattr(getattr(m, "func", None), "__name__", "") == "_check_slug" for m in metadata):
                return _SLUGS[0]
            return _IDS[0]
    raise TypeError(f"partyrules.testing cannot give a value of type {annotation!r}")


def _repair(model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """Apply the rules between fields that the field types alone cannot say."""
    if "spot_checked" in data and data.get("spot_checked") is False:
        data["spot_check_passed"] = None
    if model is BranchMonthRecord:
        for small, big in AT_MOST.items():
            if small in data and big in data:
                data[small] = min(data[small], data[big])
    if "has_committee" in data and data["has_committee"] is False:
        data["committee_size"] = 0
    if "member_count" in data and "formal_member_count" in data:
        data["member_count"] = max(data["member_count"], data["formal_member_count"])
    return data


@st.composite
def model_strategy(draw: st.DrawFn, model: type[BaseModel], *, edges: Edges = NO_EDGES,
                   period: Period | str = "2026", fixed: Mapping[str, Any] | None = None) -> Any:
    """Any fact model, every field drawn from its type and bounds (``fixed`` fields given)."""
    period = _period(period)
    fixed = fixed or {}
    data: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name in fixed:
            data[name] = fixed[name]
        elif edges.read is not None and name not in edges.read and not issubclass(model, _ALWAYS_DRAWN):
            data[name] = _simple(info, period)
        else:
            data[name] = draw(_field_strategy(model, name, edges, period))
    return model.model_validate(_repair(model, data))


@functools.lru_cache(maxsize=4096)
def _field_strategy(model: type[BaseModel], name: str, edges: Edges, period: Period) -> st.SearchStrategy[Any]:
    """Built once per field, rule set and period: building strategies costs more than drawing from them."""
    info = model.model_fields[name]
    return _for_type(info.annotation, list(info.metadata), name, edges, period)


# -- public strategies -------------------------------------------------------------------------------------------
def members(*, edges: Edges = NO_EDGES, period: Period | str = "2026", **fixed: Any) -> st.SearchStrategy[Member]:
    """Members; keyword arguments fix fields (e.g. ``member_id="M1"``, ``category="retired"``)."""
    return model_strategy(Member, edges=edges, period=period, fixed={"member_id": "M1", "branch_id": "B1", **fixed})


def branches(*, edges: Edges = NO_EDGES, period: Period | str = "2026", **fixed: Any) -> st.SearchStrategy[Branch]:
    """Branches; keyword arguments fix fields."""
    return model_strategy(Branch, edges=edges, period=period,
                          fixed={"branch_id": "B1", "parent_org_id": "PO1", **fixed})


def communities(*, edges: Edges = NO_EDGES, period: Period | str = "2026",
                **fixed: Any) -> st.SearchStrategy[Community]:
    """Communities; keyword arguments fix fields."""
    return model_strategy(Community, edges=edges, period=period, fixed={"community_id": "C1", **fixed})


def member_records(month: str, *, member_id: str = "M1", edges: Edges = NO_EDGES,
                   period: Period | str = "2026") -> st.SearchStrategy[MemberMonthRecord]:
    """One member's record for ``month``."""
    return model_strategy(MemberMonthRecord, edges=edges, period=period,
                          fixed={"member_id": member_id, "month": month})


def branch_records(month: str, *, branch_id: str = "B1", edges: Edges = NO_EDGES,
                   period: Period | str = "2026") -> st.SearchStrategy[BranchMonthRecord]:
    """One branch's record for ``month``."""
    return model_strategy(BranchMonthRecord, edges=edges, period=period,
                          fixed={"branch_id": branch_id, "month": month})


@st.composite
def monthly_records(draw: st.DrawFn, subject_kind: str, *, subject_id: str, period: Period | str = "2026",
                    edges: Edges = NO_EDGES) -> tuple[Any, ...]:
    """A subject's records in distinct months of the period: none, all of them, or some."""
    period = _period(period)
    months = [str(period.start + i) for i in range(period.months)]
    # some months (each kept or not, so the shrinker drops them one by one), none, or the full period; the
    # per-month choices are drawn in every mode, so the shrinker can move from "all" to "some" and then drop months
    mode = draw(st.integers(0, 2))
    kept = [draw(st.booleans()) for _ in months]
    chosen = [m for m, k in zip(months, kept, strict=True) if k] if mode == 0 else [] if mode == 1 else months
    one = member_records if subject_kind == "member" else branch_records
    ident = {"member_id": subject_id} if subject_kind == "member" else {"branch_id": subject_id}
    return tuple(draw(one(m, edges=edges, period=period, **ident)) for m in chosen)  # type: ignore[arg-type]


@st.composite
def incidents(draw: st.DrawFn, subject_kind: str, *, subject_id: str, incident_id: str = "I1",
              period: Period | str = "2026", edges: Edges = NO_EDGES, kind: str | None = None,
              verified: bool | None = None) -> Incident:
    """An incident of a kind registered for the subject kind (the kinds the rule set names drawn more often),
    verified or not, inside the period or just outside it."""
    period = _period(period)
    registered = sorted(incident_kinds(subject_kind))
    named = [k for k in edges.strings if k in registered]
    # the kinds the rule set names three times as often as any registered kind
    kinds = st.sampled_from(registered) if not named else st.one_of(*[st.sampled_from(named)] * 3,
                                                                    st.sampled_from(registered))
    is_verified = draw(st.booleans()) if verified is None else verified
    consequences = sorted({*[s for s in edges.strings if s.strip()], *_TEXT})
    return Incident.model_validate({
        "incident_id": incident_id,
        "subject_kind": subject_kind,
        "subject_id": subject_id,
        "kind": kind if kind is not None else draw(kinds),
        "occurred_on": draw(_dates_near(period, outside=True)),
        "severity": draw(_for_type(Incident.model_fields["severity"].annotation, [], "severity", edges, period)),
        "consequence": draw(st.none() | st.sampled_from(consequences)),
        "verified": is_verified,
        "verified_by": VERIFIER if is_verified else None,
        "evidence_ref": f"doc/{incident_id}",
    })


@st.composite
def commendations(draw: st.DrawFn, subject_kind: str, *, subject_id: str, commendation_id: str = "C1",
                  period: Period | str = "2026", edges: Edges = NO_EDGES) -> Commendation:
    """A commendation, verified or not, inside the period or just outside it."""
    period = _period(period)
    named = [k for k in edges.strings if k in COMMENDATION_KINDS]
    kinds = st.sampled_from(COMMENDATION_KINDS) if not named else st.one_of(st.sampled_from(named),
                                                                            st.sampled_from(COMMENDATION_KINDS))
    return draw(model_strategy(Commendation, edges=edges, period=period, fixed={
        "commendation_id": commendation_id, "subject_kind": subject_kind, "subject_id": subject_id,
        "kind": draw(kinds), "awarded_on": draw(_dates_near(period, outside=True))}))


@st.composite
def annual_evaluations(draw: st.DrawFn, subject_kind: str, *, subject_id: str, period: Period | str = "2026",
                       edges: Edges = NO_EDGES) -> AnnualEvaluation:
    """An annual evaluation of a member or branch for a year of the period."""
    period = _period(period)
    year = draw(st.integers(period.start.year, period.end.year))
    fixed: dict[str, Any] = {"subject_kind": subject_kind, "subject_id": subject_id, "year": year,
                             "evaluator_org_id": "ORG1"}
    if subject_kind == "member":
        fixed["secretary_review"] = None
    else:
        fixed["employer_appraisal"] = None
    return draw(model_strategy(AnnualEvaluation, edges=edges, period=period, fixed=fixed))


def grids(*, community_id: str = "C1", edges: Edges = NO_EDGES,
          period: Period | str = "2026") -> st.SearchStrategy[tuple[Grid, ...]]:
    """A community's grids (distinct ids)."""
    one = model_strategy(Grid, edges=edges, period=period, fixed={"community_id": community_id})
    return st.lists(one, max_size=5).map(lambda xs: _renumber(Grid, xs))  # type: ignore[arg-type,return-value]


# -- facts for a rule set ----------------------------------------------------------------------------------------
def _applies_fixed(ruleset: RuleSet) -> dict[str, st.SearchStrategy[Any]]:
    """Subject fields the rule set's ``applies_to`` pins (``field == const`` or ``field in [...]`` in a
    conjunction), so that most drawn subjects are ones the rule set applies to."""
    out: dict[str, st.SearchStrategy[Any]] = {}
    if ruleset.applies_to is None:
        return out
    root = ruleset.applies_to.ir
    parts = root.items if isinstance(root, I.BoolOp) and root.op == "and" else (root,)
    for p in parts:
        if isinstance(p, I.Compare) and p.op == "==":
            f, c = (p.left, p.right) if isinstance(p.left, I.Field) else (p.right, p.left)
            if isinstance(f, I.Field) and f.scope == "subject" and len(f.path) == 1 and isinstance(c, I.Const):
                out[f.path[0]] = st.just(c.value)
        elif isinstance(p, I.In) and not p.negate and isinstance(p.item, I.Field) and p.item.scope == "subject" \
                and len(p.item.path) == 1 and isinstance(p.container, I.ListValue) \
                and all(isinstance(x, I.Const) for x in p.container.items) and p.container.items:
            out[p.item.path[0]] = st.sampled_from([x.value for x in p.container.items])  # type: ignore[attr-defined]
        elif isinstance(p, I.Field) and p.scope == "subject" and len(p.path) == 1 and p.type.kind == "bool":
            out[p.path[0]] = st.just(True)
    return out


def _applies(ruleset: RuleSet, period: Period) -> Any:
    """The rule set's own applicability test, over the same context an evaluation builds (so ``applies_to`` may
    read anything an expression can)."""
    plan = compiled_ruleset(ruleset).plan
    if plan.applies_to is None:
        return lambda facts: True
    test = plan.applies_to

    def applies(facts: Any) -> bool:
        return test(build_context(plan, facts, period), None) is True

    return applies


def _numbered_incidents(items: list[Incident]) -> tuple[Incident, ...]:
    return tuple(x.model_copy(update={"incident_id": f"I{i + 1}", "evidence_ref": f"doc/I{i + 1}"})
                 for i, x in enumerate(items))


def _numbered_commendations(items: list[Commendation]) -> tuple[Commendation, ...]:
    return tuple(x.model_copy(update={"commendation_id": f"K{i + 1}"}) for i, x in enumerate(items))


def facts_for(ruleset: RuleSet, *, period: Period | str = "2026", subject_id: str | None = None,
              max_incidents: int = 6, max_commendations: int = 3,
              edges: Edges | None = None) -> st.SearchStrategy[SubjectFacts]:
    """Valid facts of the rule set's subject kind that its ``applies_to`` accepts, for ``period``.

    Numbers are drawn at the edges the rule set cares about (see :func:`partyrules.testing.edges_of`); records are
    none, a full period or some months; incidents (0 to ``max_incidents``) are of kinds registered for the subject
    kind, verified or not, some just outside the period.
    """
    period = _period(period)
    edges = _with_partners(edges if edges is not None else edges_of(ruleset))
    kind = ruleset.subject_kind
    sid = subject_id or {"member": "M1", "branch": "B1", "community": "C1"}[kind]
    pinned = _applies_fixed(ruleset)
    applies = _applies(ruleset, period)

    # Draw order matters for shrinking: the subject and its records first, the lists of incidents and
    # commendations last and as lists, so the shrinker can delete their items without shifting earlier draws.
    one_incident = incidents(kind, subject_id=sid, incident_id="I0", period=period, edges=edges)
    # hypothesis draws short lists; a subject with some incidents is drawn as often as one without
    incident_list = st.one_of(st.lists(one_incident, max_size=max_incidents),
                              st.lists(one_incident, min_size=1, max_size=max_incidents)).map(_numbered_incidents)
    commendation_list = st.lists(commendations(kind, subject_id=sid, commendation_id="K0", period=period,
                                               edges=edges), max_size=max_commendations).map(_numbered_commendations)

    @st.composite
    def draw_facts(draw: st.DrawFn) -> SubjectFacts:
        fixed = {name: draw(s) for name, s in pinned.items()}
        if kind == "community":
            subject = draw(communities(edges=edges, period=period, community_id=sid, **fixed))
            return CommunityFacts(subject, grids=draw(grids(community_id=sid, edges=edges, period=period)),
                                  incidents=draw(incident_list), commendations=draw(commendation_list))
        if kind == "member":
            subject = draw(members(edges=edges, period=period, member_id=sid, **fixed))
        else:
            subject = draw(branches(edges=edges, period=period, branch_id=sid, **fixed))
        records = draw(monthly_records(kind, subject_id=sid, period=period, edges=edges))
        annual = draw(st.none() | annual_evaluations(kind, subject_id=sid, period=period, edges=edges))
        bundle = MemberFacts if kind == "member" else BranchFacts
        return bundle(subject, records=records, incidents=draw(incident_list),  # type: ignore[operator]
                      commendations=draw(commendation_list), annual=annual)

    return draw_facts().filter(applies)
