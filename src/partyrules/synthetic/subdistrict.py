"""A seeded, realistic sample sub-district in the proportions of the main seed (柳城街道): 19 communities,
175 Party organisations and 2,972 members across the three member categories, each with a year of monthly
records, incidents and commendations.

Seed 000: "辖19个社区…党组织175个,在册党员2972名". The shares of categories, incidents and commendations come
from :mod:`.mixes`, the members and branches from :mod:`.members` and :mod:`.branches`; this module arranges them
into communities and branches.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ..facts.bundle import BranchFacts, CommunityFacts, MemberFacts
from ..facts.models import Community, Grid, Member, VolunteerTeam
from .branches import generate_branch_facts
from .members import generate_member_facts

_MASS_ORGS = ("union", "youth_league", "womens_federation", "elderly_association")
_SERVICES = ("health", "culture", "convenience")
_PROJECTS = ("elderly_care", "childcare", "housekeeping", "medical")


@dataclass(frozen=True)
class SubDistrict:
    """A generated sub-district: communities, their branches, and the branches' members."""

    year: int
    communities: tuple[CommunityFacts, ...]
    branches: tuple[BranchFacts, ...]
    members: tuple[MemberFacts, ...]
    community_of_branch: dict[str, str] = field(default_factory=dict)

    def members_in(self, category: str) -> list[MemberFacts]:
        return [m for m in self.members if m.member.category == category]


def _community(rng: random.Random, index: int, quality: float) -> CommunityFacts:
    cid = f"C{index:02d}"

    def chance(p: float) -> bool:
        return rng.random() < min(0.98, p * (0.6 + 0.6 * quality))

    teams = tuple(VolunteerTeam(team_id=f"{cid}-T{t}", size=rng.randint(18, 60), active=chance(0.9))
                  for t in range(1, rng.randint(1, 4) + 1))
    community = Community(
        community_id=cid,
        committee_complete=chance(0.95),
        cadre_profile_ok=chance(0.85),
        cadre_supervision_mechanism=chance(0.85),
        joint_meeting_system=chance(0.85),
        joint_building_activities=rng.randint(0, 8),
        mass_orgs_present=tuple(o for o in _MASS_ORGS if chance(0.85)),
        member_council_active=chance(0.8),
        post_responsibility_active=chance(0.8),
        five_ones_completion_rate=round(min(1.0, rng.betavariate(6, 2) * (0.8 + 0.3 * quality)), 4),
        volunteer_teams=teams,
        service_station=chance(0.95),
        services_present=tuple(s for s in _SERVICES if chance(0.9)),
        service_network_online=chance(0.7),
        vulnerable_group_service=chance(0.85),
        employment_training_sessions=rng.randint(0, 5),
        satisfaction_residents=round(min(1.0, 0.68 + 0.3 * rng.random() * (0.7 + 0.5 * quality)), 4),
        satisfaction_units=round(min(1.0, 0.70 + 0.28 * rng.random() * (0.7 + 0.5 * quality)), 4),
        service_investment_channels=rng.randint(0, 4),
        service_projects=tuple(p for p in _PROJECTS if chance(0.5)),
        market_operated_projects=rng.randint(0, 2),
    )
    grids = tuple(Grid(grid_id=f"{cid}-G{g}", community_id=cid, households=rng.randint(250, 700),
                       grid_worker_ids=(f"{cid}-W{g}",)) for g in range(1, rng.randint(3, 8) + 1))
    return CommunityFacts(community, grids=grids)


def generate_subdistrict(
    *,
    seed: int = 2026,
    year: int = 2026,
    communities: int = 19,
    organisations: int = 175,
    members: int = 2972,
) -> SubDistrict:
    """A seeded sample sub-district (defaults: the main seed's 19 communities, 175 organisations, 2,972 members).

    Members are spread over the branches with realistic, uneven sizes; each branch's member counts are those
    of the members actually assigned to it.
    """
    if min(communities, organisations, members) < 1:
        raise ValueError("a sub-district needs at least one community, organisation and member")
    rng = random.Random(seed)
    comms = tuple(_community(rng, i, rng.betavariate(5, 2)) for i in range(1, communities + 1))
    people = generate_member_facts(members, seed=seed + 2, year=year)
    # uneven branch sizes: a few large grid branches, many small ones (weights from a lognormal)
    weights = [rng.lognormvariate(0, 0.6) for _ in range(organisations)]
    # every organisation gets one member first, the rest go by weight
    seeded = list(range(min(organisations, len(people))))
    assignment = seeded + rng.choices(range(organisations), weights=weights, k=len(people) - len(seeded))
    rng.shuffle(assignment)
    out_members = []
    rosters: list[list[Member]] = [[] for _ in range(organisations)]
    for a, m in zip(assignment, people, strict=True):
        bid = f"B{a + 1:04d}"  # the id generate_branch_facts gives the branch
        member = m.member.model_copy(update={"branch_id": bid})
        annual = m.annual.model_copy(update={"evaluator_org_id": bid}) if m.annual is not None else None
        out_members.append(m.model_copy(update={"member": member, "annual": annual}))
        rosters[a].append(member)
    # the branches are made of the members assigned to them: counts, secretary, checklist owners and cards
    branches = generate_branch_facts(organisations, seed=seed + 1, year=year, rosters=rosters)
    out_branches = []
    community_of: dict[str, str] = {}
    for i, b in enumerate(branches):
        cid = comms[i % len(comms)].community.community_id
        branch = b.branch.model_copy(update={"parent_org_id": f"{cid}-PO"})
        annual = b.annual.model_copy(update={"evaluator_org_id": branch.parent_org_id}) if b.annual else None
        out_branches.append(b.model_copy(update={"branch": branch, "annual": annual}))
        community_of[branch.branch_id] = cid
    return SubDistrict(year, comms, tuple(out_branches), tuple(out_members), community_of)
