"""Any fact model drawn from its own types: each field's type and bounds give its values, so a new fact field is
drawn without a change here. The few rules between fields (a result only after a spot check, done at most assigned,
a committee size only with a committee) are applied before validation, and every value is validated by the models.

Numbers are drawn at 0, at the model's bounds, at each constant the rule set compares a field with (its
:class:`~partyrules.testing.edges.Edges`) and just below and above it, and huge.
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

from ..facts import BranchMonthRecord, ChecklistItem, Commendation, Incident
from ..facts.records import AT_MOST
from ..periods import Period
from .edges import Edges

__all__ = ["NO_EDGES", "model_strategy"]

HUGE = 10**9
_FLOAT_MAX = 1e6  # unbounded floats stay in a range where sums of a year of records are exact enough to compare
_IDS = ("X1", "X2", "X3")
TEXTS = ("说明", "较大负面影响", "造成不良后果")  # free texts: a note and the consequences the rule sets name
_SLUGS = ("alpha", "beta")
NO_EDGES = Edges()  # no rule set: every field varies, no constant drawn more often


def period_of(period: Period | str) -> Period:
    return Period.parse(period) if isinstance(period, str) else period


# -- values from types -------------------------------------------------------------------------------------------
def _bounds(metadata: list[Any]) -> tuple[float | None, float | None]:
    lo = hi = None
    for m in metadata:
        if isinstance(m, Ge):
            lo = typing.cast(float, m.ge)  # the models bound numbers only
        elif isinstance(m, Le):
            hi = typing.cast(float, m.le)
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


def dates_near(period: Period, *, outside: bool = False) -> st.SearchStrategy[date]:
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


def for_type(annotation: Any, metadata: list[Any], name: str, edges: Edges, period: Period) -> st.SearchStrategy[Any]:
    """A strategy for one field from its annotation and constraints."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return for_type(args[0], [*metadata, *annotation.__metadata__], name, edges, period)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        base = for_type(inner[0], metadata, name, edges, period)
        return st.one_of(st.none(), base) if len(inner) < len(args) else base
    if origin is tuple:
        item = for_type(args[0], [], name, edges, period)
        if isinstance(args[0], type) and issubclass(args[0], BaseModel):
            return st.lists(item, max_size=4).map(functools.partial(renumber, args[0]))
        return st.lists(item, max_size=4, unique=_is_unique(metadata))
    if origin is dict:
        return st.dictionaries(for_type(args[0], [], name, edges, period),
                               for_type(args[1], [], name, edges, period), max_size=5)
    if isinstance(annotation, type):
        strategy = _for_class(annotation, metadata, name, edges, period)
        if strategy is not None:
            return strategy
    raise TypeError(f"partyrules.testing cannot draw a value of type {annotation!r} (field {name})")


def _for_class(annotation: type, metadata: list[Any], name: str, edges: Edges,
               period: Period) -> st.SearchStrategy[Any] | None:
    """A strategy for a field of a plain type (None for a type it cannot draw)."""
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
        return _texts(metadata, edges)
    if issubclass(annotation, BaseModel):
        return model_strategy(annotation, edges=edges, period=period)
    return None


def _texts(metadata: list[Any], edges: Edges) -> st.SearchStrategy[str]:
    if any(getattr(getattr(m, "func", None), "__name__", "") == "_check_slug" for m in metadata):
        return _slugs(edges)
    if any(getattr(getattr(m, "func", None), "__name__", "") == "_check_id" for m in metadata):
        return st.sampled_from(_IDS)
    texts = [s for s in edges.strings if s.strip()] if any(isinstance(m, MinLen) for m in metadata) \
        else list(edges.strings)
    return st.sampled_from(sorted({*texts, *TEXTS}))


def renumber(model: type[BaseModel], items: list[BaseModel]) -> tuple[BaseModel, ...]:
    """Give the items of a list of models distinct ids (their first ``*_id`` field), as the models require."""
    id_field = next((n for n in model.model_fields if n.endswith("_id")), None)
    if id_field is None:
        return tuple(items)
    prefix = id_field[0].upper()
    return tuple(x.model_copy(update={id_field: f"{prefix}{i + 1}"}) for i, x in enumerate(items))


# A field whose valid values depend on another: when the rule set reads the first, the second must vary too.
_PARTNERS = {"spot_check_passed": "spot_checked", "committee_size": "has_committee",
             "member_count": "formal_member_count", "accepted_on": "done_on", **AT_MOST}


def with_partners(edges: Edges) -> Edges:
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
    if model is ChecklistItem:
        _repair_acceptance(data)
    return data


def _repair_acceptance(data: dict[str, Any]) -> None:
    # 照单验收: someone other than the responsible person accepts an item that is accepted, not before it was done
    if not data.get("accepted"):
        data["accepted_by"] = data["accepted_on"] = None
    if data.get("accepted_by") is not None and data["accepted_by"] == data.get("responsible_id"):
        data["accepted_by"] = None
    accepted_on, done_on = data.get("accepted_on"), data.get("done_on")
    if accepted_on is not None and (done_on is None or accepted_on < done_on):
        data["accepted_on"] = done_on


@st.composite
def model_strategy(draw: st.DrawFn, model: type[BaseModel], *, edges: Edges = NO_EDGES,
                   period: Period | str = "2026", fixed: Mapping[str, Any] | None = None) -> Any:
    """Any fact model, every field drawn from its type and bounds (``fixed`` fields given)."""
    period = period_of(period)
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
    return for_type(info.annotation, list(info.metadata), name, edges, period)
