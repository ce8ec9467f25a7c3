"""A list written in a rule holds any expressions, not only literal values: the plain-language evidence of
`x in [a_field, "literal"]` must be told, not crash the evaluation (it read `.value` off every item, so a field
in the list raised AttributeError out of `evaluate`)."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

import partyrules as pr
from partyrules.facts.exemplary import exemplary_member
from partyrules.shipped_rulesets import shipped_ruleset_path

RULE = 'flag: not exists(incidents where kind in ["discipline_light", "employer_sanction"])'


@cache
def ruleset(listed: str) -> pr.RuleSet:
    path = shipped_ruleset_path("member-in-service.yaml")
    text = path.read_text(encoding="utf-8")
    assert RULE in text
    return pr.loads_ruleset(text.replace(RULE, f"flag: not exists(incidents where kind in [{listed}])"),
                            root=path.parent)


@pytest.mark.parametrize("listed", ['evidence_ref, "employer_sanction"', 'incident_id', '"discipline_light", kind'])
def test_a_list_holding_a_field_is_told_in_words(listed: str) -> None:
    member = exemplary_member("in_service", 2026)
    breakdown = pr.evaluate(ruleset(listed), member, period="2026")
    line = next(ln for ln in breakdown.lines if ln.rule_id == "IN.S17")
    for lang in ("zh", "en"):
        assert "IN.S17" in breakdown.to_text(lang)
    # an exemplary member has no incidents: the standard is met whatever the list holds
    assert line.status == "met"


@given(literals=st.lists(st.sampled_from(["discipline_light", "employer_sanction", "criminal_conviction"]), max_size=3),
       at=st.integers(min_value=0, max_value=3))
def test_a_field_anywhere_in_a_list_of_literals_is_told(literals: list[str], at: int) -> None:
    items = [f'"{v}"' for v in literals]
    items.insert(min(at, len(items)), "evidence_ref")
    breakdown = pr.evaluate(ruleset(", ".join(items)), exemplary_member("in_service", 2026), period="2026")
    line = next(ln for ln in breakdown.lines if ln.rule_id == "IN.S17")
    assert line.status == "met"
    assert "IN.S17" in breakdown.to_text("zh")
