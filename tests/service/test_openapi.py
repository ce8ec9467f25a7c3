"""The service's OpenAPI schema: every field of every body (the facts and the breakdown included) has a description
and an example, and the examples of the facts are valid facts."""

from __future__ import annotations

from partyrules.facts import parse_subject_facts
from partyrules.results import ScoreBreakdown


def _schema(served):
    with served.client(None) as c:
        r = c.get("/openapi.json")
    assert r.status_code == 200
    return r.json()


def test_every_field_has_a_description_and_an_example(served):
    components = _schema(served)["components"]["schemas"]
    for model in ("MemberFacts", "BranchFacts", "CommunityFacts", "ScoreBreakdown", "Line", "Member", "Incident"):
        assert model in components
    missing = [f"{model}.{name}: {'description' if 'description' not in prop else 'example'}"
               for model, schema in components.items()
               for name, prop in schema.get("properties", {}).items()
               if "description" not in prop or not ("examples" in prop or "example" in prop)]
    assert missing == []


def test_the_examples_of_whole_facts_and_breakdowns_are_valid(served):
    components = _schema(served)["components"]["schemas"]
    member = components["MemberFacts"]["properties"]
    bundle = {name: prop["examples"][0] for name, prop in member.items() if prop["examples"][0] is not None}
    assert parse_subject_facts(bundle).subject_id == bundle["member"]["member_id"]
    breakdown = components["Decided"]["properties"]["breakdown"]["examples"][0]
    assert ScoreBreakdown.model_validate(breakdown).subject_id
