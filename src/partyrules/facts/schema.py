"""JSON Schema export of the fact models, for services that produce facts in other languages."""

from __future__ import annotations

from typing import Any

from .base import FactModel
from .bundle import BranchFacts, CommunityFacts, MemberFacts
from .models import Branch, Commendation, Community, Grid, Member
from .records import AnnualEvaluation, BranchMonthRecord, Incident, MemberMonthRecord, Objection

__all__ = ["FACT_MODELS", "fact_json_schemas"]

FACT_MODELS: dict[str, type[FactModel]] = {
    "Member": Member,
    "Branch": Branch,
    "Community": Community,
    "Grid": Grid,
    "MemberMonthRecord": MemberMonthRecord,
    "BranchMonthRecord": BranchMonthRecord,
    "Incident": Incident,
    "Commendation": Commendation,
    "Objection": Objection,
    "AnnualEvaluation": AnnualEvaluation,
    "MemberFacts": MemberFacts,
    "BranchFacts": BranchFacts,
    "CommunityFacts": CommunityFacts,
}
"""The models exported as JSON Schema, by name."""


def fact_json_schemas() -> dict[str, dict[str, Any]]:
    """Return the JSON Schema (validation mode) of each fact model, keyed by model name.

    Incident kinds are registered at run time, so the schema of ``Incident.kind`` only says "snake_case";
    the registry (:func:`partyrules.facts.incident_kinds`) is the authority on which kinds exist.
    """
    return {name: model.model_json_schema() for name, model in FACT_MODELS.items()}
