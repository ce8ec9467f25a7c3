"""JSON Schema export."""

from __future__ import annotations

import json

from partyrules.facts import fact_json_schemas

NAMES = {
    "Member", "Branch", "Community", "Grid", "MemberMonthRecord", "BranchMonthRecord", "Incident",
    "Commendation", "Objection", "AnnualEvaluation", "MemberFacts", "BranchFacts", "CommunityFacts",
}  # fmt: skip


def test_schemas_for_all_names():
    schemas = fact_json_schemas()
    assert set(schemas) == NAMES
    for name, schema in schemas.items():
        assert schema["type"] == "object", name
        assert schema["additionalProperties"] is False, name
        json.dumps(schema)  # serialisable


def test_schema_details():
    schemas = fact_json_schemas()
    record = schemas["MemberMonthRecord"]
    assert set(record["required"]) == {"member_id", "month"}
    assert record["properties"]["month"]["pattern"] == "^[0-9]{4}-(0[1-9]|1[0-2])$"
    assert record["properties"]["volunteer_hours"]["maximum"] == 744
    member = schemas["Member"]["properties"]
    assert member["joined_on"] == {**member["joined_on"], "type": "string", "format": "date"}
    assert member["cards"]["uniqueItems"] is True
    assert "Member" in schemas["MemberFacts"]["$defs"]
