"""The grid chain of seed 004 checked for a population of communities: the three-level chain (社区党委(党总支) -
网格(片区)党支部 - 院落(楼栋)党小组) and the size of grids, as findings per grid and per building.

Two sources, one report. The grid level is the community rule set's own structure checks (SC2 workers, SC3 size,
SC3B grid branch), read from each community's breakdown with the rule set's parameters, so a policy that changes
``households_per_grid_max`` changes the findings here too. The building level (SC3C no Party group, SC3D a group
without its leader) cannot be a rule: a grid's buildings are a list inside a list, and the rule language's
aggregations do not nest (docs/rule-language.md 8.7). Like every structure check they are warnings and never change
points or stars. Buildings are checked only where a grid lists them: a grid without a list has not recorded its
buildings, which is not the same as having none.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..evaluate import evaluate
from ..facts.bundle import CommunityFacts
from ..rulesets.model import RuleSet

__all__ = ["BUILDING_CHECKS", "GRID_RULE_CHECKS", "BuildingCheck", "GridChainReport", "GridFinding",
           "building_findings", "grid_chain"]

GRID_RULE_CHECKS: tuple[str, ...] = ("SC2", "SC3", "SC3B")
"""The community rule set's checks about grids, reported per grid (their evidence names the grids)."""


@dataclass(frozen=True)
class BuildingCheck:
    """A check on the buildings of a grid, with its texts and where it comes from."""

    id: str
    zh: str
    en: str
    source: str


BUILDING_CHECKS: dict[str, BuildingCheck] = {
    "SC3C": BuildingCheck(
        "SC3C", "楼栋(院落)未建立楼栋党小组", "A building (courtyard) has no building Party group",
        "004: 因地制宜建立网格(居民区)党支部、院落(楼栋)党小组"),
    "SC3D": BuildingCheck(
        "SC3D", "楼栋党小组未明确党小组长", "A building Party group has no group leader",
        "completion: no published standard (a group needs a member who leads it; the check is ours)"),
}


@dataclass(frozen=True)
class GridFinding:
    """One check that holds for one grid (``building_id`` None) or one building of a grid."""

    check_id: str
    community_id: str
    grid_id: str
    building_id: str | None
    zh: str
    en: str
    source: str

    def text(self, lang: str = "zh") -> str:
        """The finding in one line: where, then what (``lang`` ``zh`` or ``en``)."""
        where = self.grid_id if self.building_id is None else f"{self.grid_id} / {self.building_id}"
        return f"{self.check_id:<5} {self.community_id} {where}: {self.zh if lang == 'zh' else self.en}"


@dataclass(frozen=True)
class GridChainReport:
    """The grid-chain findings of a population of communities, with what was looked at."""

    findings: tuple[GridFinding, ...]
    communities: int
    grids: int
    buildings: int

    def counts(self) -> dict[str, int]:
        """Findings per check id, every grid and building check listed (0 when none holds), in id order."""
        counted = Counter(f.check_id for f in self.findings)
        return {cid: counted.get(cid, 0) for cid in sorted((*GRID_RULE_CHECKS, *BUILDING_CHECKS))}

    def summary(self, lang: str = "zh") -> str:
        """What was checked, in one sentence."""
        if lang == "zh":
            return (f"{self.communities} 个社区, {self.grids} 个网格, {self.buildings} 个楼栋; "
                    f"网格组织链条提示 {len(self.findings)} 条 (不影响得分与星级)")
        return (f"{self.communities} communities, {self.grids} grids, {self.buildings} buildings; "
                f"{len(self.findings)} grid-chain findings (never change points or stars)")


def building_findings(facts: CommunityFacts) -> tuple[GridFinding, ...]:
    """SC3C and SC3D for every building the community's grids list, in grid and building order."""
    cid = facts.community.community_id
    out: list[GridFinding] = []
    for grid in facts.grids:
        for b in grid.buildings:
            check = None
            if b.group_id is None:
                check = BUILDING_CHECKS["SC3C"]
            elif b.group_leader_id is None:
                check = BUILDING_CHECKS["SC3D"]
            if check is not None:
                out.append(GridFinding(check.id, cid, grid.grid_id, b.building_id, check.zh, check.en, check.source))
    return tuple(out)


def _rule_findings(facts: CommunityFacts, ruleset: RuleSet, period: str,
                   params: Mapping[str, Any] | None) -> list[GridFinding]:
    cid = facts.community.community_id
    breakdown = evaluate(ruleset, facts, period=period, params=params)
    out: list[GridFinding] = []
    for w in breakdown.warnings:
        if w.id not in GRID_RULE_CHECKS:
            continue
        for key in w.evidence.counted:
            if key.startswith("grid:"):
                out.append(GridFinding(w.id, cid, key.removeprefix("grid:"), None, w.zh, w.en, w.source))
    return out


def grid_chain(communities: Iterable[CommunityFacts], ruleset: RuleSet, *, period: str,
               params: Mapping[str, Any] | None = None) -> GridChainReport:
    """The grid-chain findings of ``communities`` under the community rule set (``params`` override its own).

    Per community, the grid findings (SC2, SC3, SC3B) come first, ordered by grid and check, then the building
    findings (SC3C, SC3D)."""
    findings: list[GridFinding] = []
    n = grids = buildings = 0
    for facts in communities:
        n += 1
        grids += len(facts.grids)
        buildings += sum(len(g.buildings) for g in facts.grids)
        findings.extend(sorted(_rule_findings(facts, ruleset, period, params), key=lambda f: (f.grid_id, f.check_id)))
        findings.extend(building_findings(facts))
    return GridChainReport(tuple(findings), n, grids, buildings)
