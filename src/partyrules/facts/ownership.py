"""Whose facts these are: every item of a subject's bundle must be the subject's own.

A bundle's validators refuse another subject's incident, commendation, monthly record, annual evaluation or grid,
but pydantic's ``model_copy(update=...)`` and ``model_construct`` skip validators, so a bundle can still be built
carrying another subject's conduct. :func:`check_own_conduct` is the check evaluation runs where it starts (the
engine's context, a live session's changes, a population's bundles and tables), so that only a subject's own
conduct is ever put in front of the rules, however the facts were built.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import ForeignConductError, Location

__all__ = ["ForeignItem", "check_own_conduct", "foreign_conduct_error", "foreign_items", "item_label"]

ForeignItem = tuple[str, str, str, str]
"""(the bundle's list, the item's id, the kind of subject it is about, that subject's id)."""

# The bundle's lists of items, with the field that identifies an item in its list: the month of a record, the year
# of an annual evaluation, the id of anything else.
ITEM_ID = {"incidents": "incident_id", "commendations": "commendation_id", "records": "month", "annual": "year",
           "grids": "grid_id"}
_WHAT = {"incidents": ("incident", "事件"), "commendations": ("commendation", "表彰"),
         "records": ("monthly record", "月度记实"), "annual": ("annual evaluation", "年度测评"),
         "grids": ("grid", "网格")}
_KIND_ZH = {"member": "党员", "branch": "党支部", "community": "社区"}


def _get(item: Any, name: str) -> Any:
    # model_construct stores whatever it is given: a plain dict where a model belongs must be checked as well
    # (a dict, not any Mapping: the abstract-class check would cost more than the rest of the check)
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def _owner(field: str, item: Any, kind: str) -> tuple[str, str]:
    """The kind and id of the subject an item is about, as the item itself says."""
    if field == "records":
        return kind, str(_get(item, f"{kind}_id"))
    if field == "grids":
        return "community", str(_get(item, "community_id"))
    return str(_get(item, "subject_kind")), str(_get(item, "subject_id"))


def foreign_items(facts: Any) -> list[ForeignItem]:
    """Every item of a subject bundle that is about another subject (or about a subject of another kind)."""
    kind = str(type(facts).subject_kind)
    subject_id = facts.subject_id
    fields = type(facts).model_fields
    out: list[ForeignItem] = []
    for field, ident in ITEM_ID.items():
        if field not in fields:  # a member has no grids, a community no records
            continue
        value = getattr(facts, field, None)
        items: Iterable[Any] = () if value is None else (value,) if field == "annual" else value
        for item in items:
            owner_kind, owner_id = _owner(field, item, kind)
            if owner_id != subject_id or owner_kind != kind:
                out.append((field, str(_get(item, ident)), owner_kind, owner_id))
    return out


def item_label(field: str) -> tuple[str, str]:
    """What an item of a bundle's list is called, in English and Chinese."""
    return _WHAT.get(field, (field, field))


def foreign_conduct_error(kind: str, subject_id: str, items: list[ForeignItem]) -> ForeignConductError:
    """The typed error for a subject's facts that carry ``items`` of other subjects; it names the first."""
    field, item, owner_kind, owner_id = items[0]
    what_en, what_zh = item_label(field)
    more = len(items) - 1
    rest_en = f" (and {more} more: {', '.join(f'{f} {i!r}' for f, i, _, _ in items[1:6])})" if more else ""
    rest_zh = f"(另有 {more} 项)" if more else ""
    return ForeignConductError(
        f"the facts of {kind} '{subject_id}' hold the {what_en} '{item}' of {owner_kind} '{owner_id}'{rest_en}: "
        "only a subject's own conduct is assessed",
        message_zh=f"{_KIND_ZH.get(kind, kind)} {subject_id} 的事实中含有{_KIND_ZH.get(owner_kind, owner_kind)} "
                   f"{owner_id} 的{what_zh} {item}{rest_zh}: 只评价本人的行为",
        items=items,
        location=Location(path=f"{field}[{item!r}]"),
        hint=f"take it out of these facts; it belongs to the facts of {owner_kind} '{owner_id}'",
    )


def check_own_conduct(facts: Any) -> None:
    """Raise :class:`~partyrules.errors.ForeignConductError` if ``facts`` carry any item of another subject."""
    items = foreign_items(facts)
    if items:
        raise foreign_conduct_error(str(type(facts).subject_kind), facts.subject_id, items)
