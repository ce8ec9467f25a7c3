"""The grid chain of a generated sub-district (seed 004's 社区党委-网格党支部-院落(楼栋)党小组): for each community,
its grids with the grid branch set up on them and their buildings with a Party group and its leader.

A new generator, so that :func:`~partyrules.synthetic.subdistrict.generate_subdistrict` (pinned by sha256) is
unchanged: it takes the sub-district and returns copies of its communities whose grids carry the chain; the grids'
ids, households and workers are the sub-district's own. The draws come from their own stream, seeded from the same
seed, so the sub-district's draws are not disturbed.

Gaps are drawn on purpose, so that a demonstration shows findings: about ``GAP_NO_BRANCH`` of grids have no grid
branch (and any grid of a community short of residential branches), about ``GAP_NO_GROUP`` of buildings no Party
group, and about ``GAP_NO_LEADER`` of groups no leader. The shares are plausible, not calibrated to real data.
"""

from __future__ import annotations

import random
from collections import defaultdict

from ..facts.bundle import CommunityFacts
from ..facts.enums import BranchType
from ..facts.models import Building, Grid
from .subdistrict import SubDistrict

__all__ = ["BUILDINGS_PER_GRID", "GAP_NO_BRANCH", "GAP_NO_GROUP", "GAP_NO_LEADER", "generate_grid_chain"]

GAP_NO_BRANCH = 0.10
GAP_NO_GROUP = 0.08
GAP_NO_LEADER = 0.08
BUILDINGS_PER_GRID = (4, 12)
"""Fewest and most buildings drawn for a grid (a grid of 250 to 700 households in buildings of 30 to 120)."""

# A grid branch is a branch of the residents: grid branches first, then the community's own and resettlement-area
# branches (seed 004: 因地制宜建立网格(居民区)党支部). Workplace branches (enterprises, organs...) never are.
_RESIDENTIAL = (BranchType.GRID, BranchType.COMMUNITY, BranchType.RESETTLEMENT_AREA)


def _residential_branches(area: SubDistrict) -> dict[str, list[str]]:
    by_community: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for b in area.branches:
        kind = b.branch.branch_type
        if kind in _RESIDENTIAL:
            cid = area.community_of_branch[b.branch.branch_id]
            by_community[cid].append((_RESIDENTIAL.index(kind), b.branch.branch_id))
    return {cid: [bid for _, bid in sorted(pairs)] for cid, pairs in by_community.items()}


def _members_by_branch(area: SubDistrict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for m in area.members:
        out[m.member.branch_id].append(m.member.member_id)
    return {bid: sorted(ids) for bid, ids in out.items()}


def _buildings(rng: random.Random, grid_id: str, leaders: list[str]) -> tuple[Building, ...]:
    out = []
    for n in range(1, rng.randint(*BUILDINGS_PER_GRID) + 1):
        building_id = f"{grid_id}-L{n:02d}"
        if rng.random() < GAP_NO_GROUP:
            out.append(Building(building_id=building_id))
            continue
        leader = None if rng.random() < GAP_NO_LEADER or not leaders else rng.choice(leaders)
        out.append(Building(building_id=building_id, group_id=f"{building_id}-PG", group_leader_id=leader))
    return tuple(out)


def _community_chain(rng: random.Random, community: CommunityFacts, branches: list[str],
                     members: dict[str, list[str]]) -> CommunityFacts:
    free = list(branches)
    community_members = sorted(m for bid in branches for m in members.get(bid, ()))
    grids: list[Grid] = []
    for grid in community.grids:
        branch_id = None
        if free and rng.random() >= GAP_NO_BRANCH:
            branch_id = free.pop(0)
        # a group leader is a member of the grid's branch, or of the community's residents' branches without one
        leaders = members.get(branch_id, []) if branch_id is not None else community_members
        # built anew rather than copied, so that the new fields are validated like any input
        grids.append(Grid(grid_id=grid.grid_id, community_id=grid.community_id, households=grid.households,
                          grid_worker_ids=grid.grid_worker_ids, branch_id=branch_id,
                          buildings=_buildings(rng, grid.grid_id, leaders)))
    return community.model_copy(update={"grids": tuple(grids)})


def generate_grid_chain(area: SubDistrict, *, seed: int = 2026) -> tuple[CommunityFacts, ...]:
    """The sub-district's communities with their grid chain filled in (``seed``: the sub-district's seed).

    Each grid gets a residential branch of its community (at most one grid per branch) unless a gap is drawn or
    the community has no branch left, and 4 to 12 buildings, most with a Party group led by a member of the grid's
    branch. The result depends only on the arguments."""
    rng = random.Random(f"grid-chain:{seed}")
    branches = _residential_branches(area)
    members = _members_by_branch(area)
    return tuple(_community_chain(rng, c, branches.get(c.community.community_id, []), members)
                 for c in area.communities)
