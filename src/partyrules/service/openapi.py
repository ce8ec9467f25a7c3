"""A description and an example for every field of the service's OpenAPI schema.

Descriptions come from the models themselves where they have one, else from the phrasebook the explanations use
(:data:`partyrules.explain.phrasebook.FIELDS`: the words a member or a branch secretary would use, in English and
Chinese), else from :data:`FIELD_DOCS` below. Examples are real: each is the value the field has in a generated
sample member, branch and community and in the sample member's breakdown (the first of a list), so an example
never shows something the library would not produce.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from ..cycle.scoring import RuleSetChooser
from ..errors import PartyRulesError
from ..explain.phrasebook import FIELDS
from ..facts import SubjectFacts
from ..periods import Period
from ..rulesets.model import RuleSet
from .fielddocs import FIELD_DOCS, FIELD_EXAMPLES

_WHOLE = "<whole>"  # the first whole instance of each model, for a field that holds one


def _harvest(obj: Any, found: dict[str, dict[str, Any]]) -> None:
    """Record, per model name, the first non-empty JSON value of each field met in ``obj`` and what it holds."""
    if isinstance(obj, BaseModel):
        seen = found.setdefault(type(obj).__name__, {})
        dumped = obj.model_dump(mode="json")
        found.setdefault(_WHOLE, {}).setdefault(type(obj).__name__, dumped)
        for name, value in dumped.items():
            if name not in seen and value not in (None, [], {}, ""):
                seen[name] = value[:1] if isinstance(value, list) else value
        for name in type(obj).model_fields:
            _harvest(getattr(obj, name, None), found)
    elif isinstance(obj, list | tuple):
        for item in obj:
            _harvest(item, found)
    elif isinstance(obj, dict):
        for item in obj.values():
            _harvest(item, found)


def sample_values(rulesets: Iterable[RuleSet]) -> dict[str, dict[str, Any]]:
    """Field values by model name, from a generated member, branch and community and the breakdowns of them
    that ``rulesets`` give."""
    from ..synthetic import generate_subdistrict

    sub = generate_subdistrict(communities=1, organisations=2, members=12)
    subjects: list[SubjectFacts] = [*sub.members, *sub.branches, *sub.communities]
    found: dict[str, dict[str, Any]] = {}
    chooser = RuleSetChooser(rulesets)
    period = Period.year(2026)
    for facts in subjects:
        _harvest(facts, found)
        try:
            _harvest(chooser.evaluator_for(facts, period).evaluate(facts, period), found)
        except PartyRulesError:
            continue  # no rule set here for this kind: its examples come from the other subjects
    # a bundle's fields are shown from one subject, its richest: records and incidents of another subject would
    # make an example the bundle refuses (only a subject's own conduct is assessed)
    for kind in {type(f) for f in subjects}:
        richest = max((f for f in subjects if type(f) is kind),
                      key=lambda f: sum(v not in (None, [], {}) for v in f.model_dump(mode="json").values()))
        found[kind.__name__] = {}
        _harvest(richest, {kind.__name__: found[kind.__name__]})
    return found


def _describe(model: str, name: str, prop: dict[str, Any]) -> None:
    if "description" not in prop:
        text = FIELD_DOCS.get(f"{model}.{name}") or FIELD_DOCS.get(name)
        if text is None and name in FIELDS:
            zh, en = FIELDS[name]
            text = f"{en[:1].upper()}{en[1:]} / {zh}"
        if text is not None:
            prop["description"] = text


def fill(schema: dict[str, Any], values: dict[str, dict[str, Any]]) -> None:
    """Give each property of each component a description and an example where it has none."""
    for model, component in schema.get("components", {}).get("schemas", {}).items():
        for name, prop in component.get("properties", {}).items():
            _describe(model, name, prop)
            if "examples" in prop or "example" in prop:
                continue
            value = values.get(model, {}).get(name, FIELD_EXAMPLES.get(f"{model}.{name}"))
            if value is None:
                value = _whole(prop, values.get(_WHOLE, {}))
            if value is not None:
                prop["examples"] = [value]
            elif "default" in prop:
                prop["examples"] = [prop["default"]]


def _whole(prop: dict[str, Any], whole: dict[str, Any]) -> Any:
    """An example of a field that holds a model (or a list of one, or an optional one): a whole sample instance."""
    for option in (prop, *prop.get("anyOf", ())):
        if "$ref" in option:
            return whole.get(option["$ref"].rsplit("/", 1)[-1])
        if option.get("type") == "array" and "$ref" in option.get("items", {}):
            one = whole.get(option["items"]["$ref"].rsplit("/", 1)[-1])
            return None if one is None else [one]
    return None


def complete_openapi(app: FastAPI, rulesets: Iterable[RuleSet] = ()) -> None:
    """Make ``app.openapi()`` return the schema with every field described and exemplified (built once)."""
    kept = list(rulesets)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            fill(schema, sample_values(kept))
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
