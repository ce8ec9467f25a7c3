"""What a rule set is assembled from: its top specification and each item with the document and path it was
written at. The loader collects them from the files; reforms change a copy of them; both hand them to
:func:`partyrules.rulesets.assembly.assemble`, so a reformed rule set is checked and hashed as a loaded one is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import spec as S
from .yamlsafe import Path as YPath
from .yamlsafe import YamlDocument

__all__ = ["Item", "Sources", "canonical_form"]


@dataclass(frozen=True, eq=False)
class Item:
    """A rule-set item and where it was written."""

    spec: Any
    doc: YamlDocument
    path: YPath


@dataclass(frozen=True, eq=False)
class Sources:
    """Everything needed to rebuild a rule set with other parameters."""

    top: S.RuleSetSpec
    top_doc: YamlDocument
    params: dict[str, Item]
    dimensions: list[Item]
    standards: list[Item]
    deductions: list[Item]
    vetoes: list[Item]
    files: tuple[str, ...]
    canonical: dict[str, Any]
    checks: list[Item]


def canonical_form(top: Any, items: Mapping[str, list[Item]], params: Mapping[str, Item]) -> dict[str, Any]:
    """What a rule set's content hash is computed from (before its effective parameters are added): the top
    level without its item lists, every item, every parameter declaration. Reforms build the same form, so a
    reformed rule set is hashed exactly like a loaded one."""
    canonical: dict[str, Any] = {
        "ruleset": top.model_dump(mode="json", by_alias=True, exclude={"params", "dimensions", "standards",
                                                                        "deductions", "vetoes", "checks", "include",
                                                                        "actionable"}),
        **{k: [it.spec.model_dump(mode="json") for it in v] for k, v in items.items()},
        "params": {k: v.spec.model_dump(mode="json") for k, v in sorted(params.items())},
    }
    if top.actionable is not None:  # declared later than the rest: an undeclared one keeps every earlier hash
        canonical["actionable"] = [a.model_dump(mode="json") for a in top.actionable]
    return canonical
