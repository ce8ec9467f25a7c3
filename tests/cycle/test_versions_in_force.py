"""A year run with several versions of an index scores each year with its own version, and the breakdowns name
the version and its content hash."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

import partyrules as pr
from partyrules.cli import main
from partyrules.cycle.scoring import RuleSetChooser, choose_ruleset
from partyrules.cycle.year import run_year
from partyrules.errors import NotInForceError
from partyrules.periods import Period
from partyrules.synthetic import generate_subdistrict
from ruleset_versions import two_versions


@cache
def members(year: int) -> list[pr.MemberFacts]:
    area = generate_subdistrict(seed=5, year=year, communities=1, organisations=3, members=30)
    return [m for m in area.members if m.member.category == "in_service"]


@pytest.fixture(scope="module")
def versions(tmp_path_factory) -> list[pr.RuleSet]:
    directory: Path = tmp_path_factory.mktemp("versions")
    return [pr.load_ruleset(p) for p in two_versions(directory)]


@pytest.mark.parametrize("backend", ["engine", "vector"])
@pytest.mark.parametrize("year, version, hours", [(2025, "2025.1", 10), (2026, "2026.1", 50)])
def test_each_year_uses_its_version(versions, year, version, hours, backend):
    if backend == "vector":
        pytest.importorskip("polars")
    chosen = next(rs for rs in versions if rs.version == version)
    for order in (versions, versions[::-1]):
        y = run_year(members(year), year=year, rulesets=order, backend=backend)
        assert not y.failures and len(y.members) == len(members(year))
        assert {(r.ruleset_version, r.ruleset_hash) for r in y.members} == {(version, chosen.content_hash)}
        for sy in y.subject_years:
            assert (sy.year.ruleset_version, sy.year.ruleset_hash) == (version, chosen.content_hash)
            assert all(q.ruleset_version == version for q in sy.quarters)
            assert sy.ruleset.params["other_volunteer_hours"] == hours


def test_the_year_equals_a_run_with_that_version_alone(versions):
    alone = run_year(members(2025), year=2025, rulesets=[versions[0]], backend="engine")
    both = run_year(members(2025), year=2025, rulesets=versions, backend="engine")
    assert [r.model_dump() if hasattr(r, "model_dump") else r for r in both.members] == \
        [r.model_dump() if hasattr(r, "model_dump") else r for r in alone.members]


def test_the_chooser_filters_by_period(versions):
    m = members(2026)[0]
    assert choose_ruleset(m, versions, "2026-Q2").version == "2026.1"
    chooser = RuleSetChooser(versions)
    assert chooser.evaluator_for(m, Period.year(2026)).ruleset.version == "2026.1"
    # the same chooser asked for another period chooses again rather than remembering the other year's version
    m25 = members(2025)[0]
    assert chooser.evaluator_for(m25, Period.year(2025)).ruleset.version == "2025.1"


def test_no_version_in_force_is_a_failure_naming_the_versions(versions):
    y = run_year(members(2025)[:3], year=2024, rulesets=versions, backend="engine")
    assert len(y.failures) == 3 and not y.members
    for f in y.failures:
        assert isinstance(f.error, NotInForceError)
        assert "2025.1: 2025-01-01 to 2025-12-31" in str(f.error) and "2026.1: 2026-01-01 to open-ended" in str(f.error)
    with pytest.raises(NotInForceError, match=r"2025\.1: 2025-01-01 to 2025-12-31"):
        choose_ruleset(members(2025)[0], versions, "2024")


def test_the_same_version_given_twice_is_one_version(versions):
    y = run_year(members(2026)[:3], year=2026, rulesets=[versions[1], versions[1]], backend="engine")
    assert not y.failures and len(y.members) == 3


@pytest.mark.parametrize("year, version", [(2025, "2025.1"), (2026, "2026.1")])
def test_the_year_command_uses_the_version_in_force(tmp_path, year, version):
    paths = two_versions(tmp_path)
    pop = tmp_path / "population.jsonl"
    pop.write_text("\n".join(m.model_dump_json() for m in members(year)) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["year", str(pop), "--year", str(year), "--out", str(out), "--format", "json"]
    assert main([*args, "--ruleset", str(paths[0]), "--ruleset", str(paths[1])]) == 0
    rows = json.loads((out / "members.json").read_text(encoding="utf-8"))
    assert len(rows) == len(members(year))
    assert {r["ruleset_version"] for r in rows} == {version}
