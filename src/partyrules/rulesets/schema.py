"""What expressions can read for each kind of subject, derived from the pydantic fact models.

Only a subject's own *verified* incidents and commendations are ever visible to rules: the evaluator filters
them before evaluation, so no rule set can penalise unverified allegations or anyone else's conduct.
"""

from __future__ import annotations

import threading
from typing import Any

from ..facts import (
    AnnualEvaluation,
    Branch,
    BranchMonthRecord,
    Commendation,
    Community,
    Grid,
    Incident,
    Member,
    MemberMonthRecord,
)
from ..facts.kinds import incident_kinds
from ..lang.check import Collection, Schema
from ..lang.types import model_fields

_KEYS = {
    "records": lambda x: f"record:{x.month}",
    "incidents": lambda x: f"incident:{x.incident_id}",
    "commendations": lambda x: f"commendation:{x.commendation_id}",
    "claimed_posts": lambda x: f"post:{x.post_id}",
    "checklist": lambda x: f"checklist:{x.item_id}",
    "volunteer_teams": lambda x: f"team:{x.team_id}",
    "grids": lambda x: f"grid:{x.grid_id}",
}

_SUBJECTS: dict[str, tuple[Any, Any, tuple[str, ...], tuple[str, ...]]] = {
    # subject model, monthly record model, bundle lists, list fields of the subject
    "member": (Member, MemberMonthRecord, ("records", "incidents", "commendations"), ("claimed_posts", "checklist")),
    "branch": (Branch, BranchMonthRecord, ("records", "incidents", "commendations"), ("checklist",)),
    "community": (Community, None, ("grids", "incidents", "commendations"), ("volunteer_teams",)),
}

_cache: dict[tuple[str, frozenset[str]], Schema] = {}
_lock = threading.Lock()


def schema_for(subject_kind: str) -> Schema:
    """The expression schema for ``member``, ``branch`` or ``community`` (with the current incident kinds)."""
    kinds = incident_kinds("branch" if subject_kind == "community" else subject_kind)
    key = (subject_kind, kinds)
    with _lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    subject_model, record_model, bundle_lists, subject_lists = _SUBJECTS[subject_kind]
    subject_fields = model_fields(subject_model)
    collections: dict[str, Collection] = {}
    for name in bundle_lists:
        if name == "records":
            collections[name] = Collection(name, record_model, model_fields(record_model), _KEYS[name], monthly=True)
        elif name == "incidents":
            collections[name] = Collection(name, Incident, model_fields(Incident, {"kind": tuple(sorted(kinds))}),
                                           _KEYS[name])
        elif name == "commendations":
            collections[name] = Collection(name, Commendation, model_fields(Commendation), _KEYS[name])
        elif name == "grids":
            collections[name] = Collection(name, Grid, model_fields(Grid), _KEYS[name])
    for name in subject_lists:
        t = subject_fields.pop(name)
        assert t.elem is not None and t.elem.model is not None
        collections[name] = Collection(name, t.elem.model, model_fields(t.elem.model), _KEYS[name],
                                       from_subject=True)
    annual = model_fields(AnnualEvaluation) if subject_kind != "community" else {}
    schema = Schema(subject_kind, subject_model, subject_fields, collections, annual)
    with _lock:
        _cache[key] = schema
    return schema
