"""Seed 004's grid chain: the building facts, the grid checks (SC2, SC3, SC3B from the community rule set, SC3C and
SC3D from partyrules.analyse.grid_chain), the demo sub-district's chain and ``partyrules grid``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from partyrules.analyse.grid_chain import BUILDING_CHECKS, GRID_RULE_CHECKS, building_findings, grid_chain
from partyrules.cli import main
from partyrules.cycle.year import shipped_rulesets
from partyrules.evaluate import evaluate
from partyrules.facts.bundle import CommunityFacts
from partyrules.facts.models import Building, Community, Grid
from partyrules.synthetic import generate_subdistrict
from partyrules.synthetic.grid_chain import generate_grid_chain

COMMUNITY = shipped_rulesets()["community"]

# the six-star test cases' base community: every star earned
_BASE: dict[str, Any] = {
    "community_id": "CM1", "committee_complete": True, "cadre_profile_ok": True,
    "cadre_supervision_mechanism": True, "joint_meeting_system": True, "joint_building_activities": 6,
    "mass_orgs_present": ["union", "youth_league", "womens_federation", "elderly_association"],
    "member_council_active": True, "post_responsibility_active": True, "five_ones_completion_rate": 0.9,
    "volunteer_teams": [{"team_id": "T1", "size": 35, "active": True}, {"team_id": "T2", "size": 30, "active": True}],
    "service_station": True, "services_present": ["health", "culture", "convenience"],
    "service_network_online": True, "vulnerable_group_service": True, "employment_training_sessions": 3,
    "satisfaction_residents": 0.9, "satisfaction_units": 0.85, "service_investment_channels": 3,
    "service_projects": ["elderly_care", "childcare"], "market_operated_projects": 2,
}


def _community(grids: list[Grid]) -> CommunityFacts:
    return CommunityFacts(Community.model_validate(_BASE), grids=tuple(grids))


# ------------------------------------------------------------------------------------------------ facts

def test_a_group_leader_without_a_group_is_refused() -> None:
    with pytest.raises(ValidationError, match="group_leader_without_group"):
        Building(building_id="L1", group_leader_id="M1")
    assert Building(building_id="L1", group_id="PG1", group_leader_id="M1").group_leader_id == "M1"


def test_buildings_are_unique_and_sorted() -> None:
    with pytest.raises(ValidationError, match="duplicate building_id 'L1'"):
        Grid(grid_id="G1", community_id="C", households=1, buildings=[{"building_id": "L1"}, {"building_id": "L1"}])
    g = Grid(grid_id="G1", community_id="C", households=1, buildings=[{"building_id": "L2"}, {"building_id": "L1"}])
    assert [b.building_id for b in g.buildings] == ["L1", "L2"]


def test_a_grid_without_buildings_is_written_as_before_the_field_existed() -> None:
    g = Grid(grid_id="G1", community_id="C", households=300, grid_worker_ids=("W1",))
    assert json.loads(g.model_dump_json()) == {"grid_id": "G1", "community_id": "C", "households": 300,
                                               "grid_worker_ids": ["W1"], "branch_id": None}
    assert "buildings" not in g.model_dump()


_ids = st.text(alphabet="ABCL0123456789-", min_size=1, max_size=6)
_buildings = st.lists(
    st.tuples(_ids, st.booleans(), st.booleans()).map(
        lambda t: Building(building_id=t[0], group_id=f"{t[0]}-PG" if t[1] else None,
                           group_leader_id="M1" if t[1] and t[2] else None)),
    max_size=6, unique_by=lambda b: b.building_id)


@given(_buildings)
def test_a_grid_reads_back_what_it_writes(buildings: list[Building]) -> None:
    g = Grid(grid_id="G1", community_id="C", households=10, buildings=buildings)
    assert Grid.model_validate_json(g.model_dump_json()) == g
    assert Grid.model_validate(g.model_dump()) == g


# ------------------------------------------------------------------------------------------------ checks

_grid = st.builds(
    lambda households, workers, branch, buildings: (households, workers, branch, buildings),
    st.integers(0, 2000), st.integers(0, 3), st.booleans(), _buildings)


def _grids(draw: list[tuple[int, int, bool, list[Building]]]) -> list[Grid]:
    return [Grid(grid_id=f"G{i}", community_id="CM1", households=h, grid_worker_ids=tuple(f"W{i}-{w}" for w in
                                                                                         range(workers)),
                 branch_id=f"B{i}" if branch else None, buildings=tuple(buildings))
            for i, (h, workers, branch, buildings) in enumerate(draw)]


def _oracle(grids: list[Grid], limit: int) -> set[tuple[str, str, str | None]]:
    """What seed 004 asks, written out directly: the findings that must hold, by check, grid and building."""
    out: set[tuple[str, str, str | None]] = set()
    for g in grids:
        if not g.grid_worker_ids or g.households > 500 * len(g.grid_worker_ids):
            out.add(("SC2", g.grid_id, None))
        if g.households > limit:
            out.add(("SC3", g.grid_id, None))
        if g.branch_id is None:
            out.add(("SC3B", g.grid_id, None))
        for b in g.buildings:
            if b.group_id is None:
                out.add(("SC3C", g.grid_id, b.building_id))
            elif b.group_leader_id is None:
                out.add(("SC3D", g.grid_id, b.building_id))
    return out


@given(st.lists(_grid, max_size=4), st.sampled_from([None, 300, 500, 1000]))
def test_the_findings_are_exactly_what_the_seed_asks(draw: list[Any], limit: int | None) -> None:
    grids = _grids(draw)
    params = None if limit is None else {"households_per_grid_max": limit}
    report = grid_chain([_community(grids)], COMMUNITY, period="2026", params=params)
    found = {(f.check_id, f.grid_id, f.building_id) for f in report.findings}
    assert found == _oracle(grids, 500 if limit is None else limit)
    assert len(found) == len(report.findings)  # each finding once
    assert sum(report.counts().values()) == len(report.findings)
    assert (report.communities, report.grids) == (1, len(grids))
    assert report.buildings == sum(len(g.buildings) for g in grids)


@given(st.lists(_grid, min_size=1, max_size=4))
def test_grid_findings_never_change_the_stars(draw: list[Any]) -> None:
    with_chain = evaluate(COMMUNITY, _community(_grids(draw)), period="2026")
    without = evaluate(COMMUNITY, _community([]), period="2026")
    assert with_chain.total == without.total == 6
    assert with_chain.grade == without.grade


def test_a_grid_of_900_households_with_two_workers_is_too_large_but_not_short_of_workers() -> None:
    grid = Grid(grid_id="G1", community_id="CM1", households=900, grid_worker_ids=("W1", "W2"), branch_id="B1")
    report = grid_chain([_community([grid])], COMMUNITY, period="2026")
    assert [f.check_id for f in report.findings] == ["SC3"]
    assert "900" not in report.findings[0].en and "500" in report.findings[0].en  # the limit, not the value


def test_buildings_are_checked_only_where_a_grid_lists_them() -> None:
    unrecorded = Grid(grid_id="G1", community_id="CM1", households=300, grid_worker_ids=("W1",), branch_id="B1")
    assert building_findings(_community([unrecorded])) == ()


def test_every_check_is_sourced_and_bilingual() -> None:
    texts = {c.id: c for c in COMMUNITY.checks}
    for cid in GRID_RULE_CHECKS:
        assert texts[cid].spec.source.startswith("004: ")
    seed = next((Path(__file__).resolve().parents[3] / "shared/policy/seeds").glob("004_*.txt")).read_text("utf-8")
    for check in BUILDING_CHECKS.values():
        assert check.zh and check.en and check.source
        if check.source.startswith("004: "):
            assert check.source.removeprefix("004: ") in seed


# ------------------------------------------------------------------------------------------------ synthetic

def test_the_demo_chain_keeps_the_sub_district_and_is_seeded() -> None:
    area = generate_subdistrict(seed=7, communities=3, organisations=20, members=300)
    chain = generate_grid_chain(area, seed=7)
    assert chain == generate_grid_chain(area, seed=7)
    assert chain != generate_grid_chain(area, seed=8)
    branches = {b.branch.branch_id: b for b in area.branches}
    roster: dict[str, set[str]] = {}
    for m in area.members:
        roster.setdefault(m.member.branch_id, set()).add(m.member.member_id)
    for before, after in zip(area.communities, chain, strict=True):
        assert after.community == before.community
        assert [(g.grid_id, g.households, g.grid_worker_ids) for g in after.grids] == \
               [(g.grid_id, g.households, g.grid_worker_ids) for g in before.grids]
        used = [g.branch_id for g in after.grids if g.branch_id is not None]
        assert len(used) == len(set(used))  # one grid per branch
        for g in after.grids:
            assert 4 <= len(g.buildings) <= 12
            if g.branch_id is None:
                continue
            assert area.community_of_branch[g.branch_id] == after.community.community_id
            assert branches[g.branch_id].branch.branch_type in ("grid", "community", "resettlement_area")
            leaders = {b.group_leader_id for b in g.buildings if b.group_leader_id is not None}
            assert leaders <= roster[g.branch_id]


def test_the_demo_chain_has_gaps_of_every_kind() -> None:
    area = generate_subdistrict(seed=2026)
    report = grid_chain(generate_grid_chain(area, seed=2026), COMMUNITY, period="2026")
    assert all(n > 0 for n in report.counts().values()), report.counts()


# ------------------------------------------------------------------------------------------------ command

def test_grid_command_on_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grid", "--demo", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "19 communities, 113 grids" in out and "grid-chain findings" in out
    for cid in (*GRID_RULE_CHECKS, *BUILDING_CHECKS):
        assert f"  {cid} " in out
    assert main(["grid", "--demo", "--format", "json", "--param", "households_per_grid_max=2000"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["SC3"] == 0 and data["counts"]["SC3B"] > 0


def test_grid_command_on_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    grid = Grid(grid_id="G1", community_id="CM1", households=620, grid_worker_ids=("W1",),
                buildings=[Building(building_id="L1"), Building(building_id="L2", group_id="PG2")])
    path = tmp_path / "communities.jsonl"
    path.write_text(_community([grid]).model_dump_json() + "\n{\"community\": 1}\n", encoding="utf-8")
    assert main(["grid", str(path), "--format", "json"]) == 10  # the bad row is reported, the good one checked
    captured = capsys.readouterr()
    found = sorted((f["check_id"], f["building_id"]) for f in json.loads(captured.out)["findings"])
    assert found == [("SC2", None), ("SC3", None), ("SC3B", None), ("SC3C", "L1"), ("SC3D", "L2")]
    assert "row 2" in captured.err


def test_grid_command_refuses_no_input_and_a_rule_set_of_another_subject(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grid"]) == 2
    assert main(["grid", "--demo", "--ruleset", "branch"]) == 3
    assert "not community" in capsys.readouterr().err


def test_the_demo_shows_the_grid_chain_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "网格党建: 社区党委-网格党支部-楼栋党小组三级链条及网格规模" in out
    assert "楼栋(院落)未建立楼栋党小组" in out and "全部提示: partyrules grid --demo" in out
