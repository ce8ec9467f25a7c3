"""Fixtures of the analysis and comparison tests (tests/analyse/, tests/comparison/): the example rule set in both
veto effects, and a small real population of in-service members scored under the shipped index and under a reform
of one parameter. A pytest plugin of tests/conftest.py, so that both directories share them."""

from __future__ import annotations

from pathlib import Path

import pytest

import partyrules as pr
from partyrules.evaluate.population import score_population
from partyrules.population.frames import Population, facts_to_population
from partyrules.score.table import PopulationScores
from partyrules.shipped_rulesets import shipped_ruleset_path
from partyrules.synthetic import SubDistrict, generate_subdistrict

EXAMPLE = Path(pr.__file__).parent / "data" / "example" / "member-example.yaml"


def zero_total_example() -> pr.RuleSet:
    text = EXAMPLE.read_text(encoding="utf-8").replace("subject: member\n", "subject: member\nveto_effect: "
                                                       "zero_total\n", 1)
    assert "veto_effect: zero_total" in text
    return pr.loads_ruleset(text, file="zero.yaml", root=EXAMPLE.parent)


@pytest.fixture(scope="session")
def example_rs() -> pr.RuleSet:
    return pr.load_ruleset(EXAMPLE)


@pytest.fixture(scope="session")
def zero_rs() -> pr.RuleSet:
    return zero_total_example()


@pytest.fixture(scope="session")
def subdistrict() -> SubDistrict:
    return generate_subdistrict(seed=1)


@pytest.fixture(scope="session")
def in_service_population(subdistrict: SubDistrict) -> Population:
    members = [m for m in subdistrict.members if m.member.category == "in_service"][:300]
    return facts_to_population(members, "member")


@pytest.fixture(scope="session")
def in_service_rs() -> pr.RuleSet:
    return pr.load_ruleset(shipped_ruleset_path("in_service"))


@pytest.fixture(scope="session")
def real_pair(in_service_rs: pr.RuleSet, in_service_population: Population
              ) -> tuple[PopulationScores, PopulationScores]:
    """300 in-service members under the shipped index and with organ staff's volunteering target 100 -> 150 h."""
    base = score_population(in_service_rs, in_service_population, "2026", backend="reference")
    reform = score_population(in_service_rs.with_params(organ_volunteer_hours=150), in_service_population, "2026",
                              backend="reference")
    return base, reform
