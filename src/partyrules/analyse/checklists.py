"""照单验收 and 责任区 per branch (seed 000): how a branch's checklist and its members' items stand at the end of a
period, for the branch to act on.

Per branch: the items of its own list and of its members' lists that fall due in the period, how many were done and
how many accepted by the period's end (an item accepted later is not done in the period, as the indices read it),
how many of those were accepted after the quarter they were due in, the member items that serve an item of the
branch's list (责任区) and those whose link names no item of it (:func:`partyrules.facts.links.checklist_links`), and
whether the branch's index warns that a named task is missing (SC10). A report for the branch to act on: it changes
no points (the indices count the same items in their own standards).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from ..cycle.quarterly import facts_for_period
from ..evaluate.population import score_population
from ..facts import BranchFacts, ChecklistItem, MemberFacts
from ..facts.links import BrokenLink, checklist_links
from ..periods import Period
from ..rulesets.model import RuleSet

__all__ = ["BranchChecklist", "ChecklistReport", "checklist_report"]


@dataclass(frozen=True)
class BranchChecklist:
    """One branch's checklists at the end of the period (its own list and its members' items)."""

    branch_id: str
    branch_items: int  # on the branch's own list, due in the period (or with no due date)
    member_items: int  # on its members' lists, due in the period (or with no due date)
    done: int  # of both, done by the period's end
    accepted: int  # of both, accepted by the period's end: done as the indices count it
    accepted_late: int  # accepted by the period's end, but after the quarter the item was due in
    serving: int  # member items that name the branch item they carry out (责任区)
    broken_links: int  # of those, naming no item of the branch's list
    missing_named_task: bool | None  # SC10 of the branch's index; None when the branch was not scored (or failed)

    def row(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ChecklistReport:
    period: str
    branches: list[BranchChecklist]
    broken: list[BrokenLink] = field(default_factory=list)

    def table(self) -> list[dict[str, Any]]:
        return [b.row() for b in self.branches]


def _in_period(item: ChecklistItem, start: date, end: date) -> bool:
    return item.due is None or start <= item.due <= end


def _quarter(d: date) -> tuple[int, int]:
    return d.year, (d.month - 1) // 3


def _counts(items: Sequence[ChecklistItem], end: date) -> tuple[int, int, int]:
    done = sum(1 for i in items if i.done_on is not None and i.done_on <= end)
    accepted = [i for i in items if i.accepted and (i.accepted_on is None or i.accepted_on <= end)]
    late = sum(1 for i in accepted if i.accepted_on is not None and i.due is not None
               and _quarter(i.accepted_on) > _quarter(i.due))
    return done, len(accepted), late


def checklist_report(members: Iterable[MemberFacts], branches: Iterable[BranchFacts], period: Period | str,
                     branch_ruleset: RuleSet | None = None) -> ChecklistReport:
    """The checklists of ``branches`` and of their members for ``period``, per branch in the order given. With
    ``branch_ruleset`` (the branch index), each branch's SC10 (a named task missing) is read off its score."""
    period = Period.parse(period) if isinstance(period, str) else period
    members, branches = list(members), list(branches)
    start, end = period.start_date, period.end_date
    by_branch: dict[str, list[MemberFacts]] = {}
    for m in members:
        by_branch.setdefault(m.member.branch_id, []).append(m)
    broken = checklist_links(members, branches)
    broken_by: dict[str, int] = {}
    for link in broken:
        broken_by[link.branch_id] = broken_by.get(link.branch_id, 0) + 1
    sc10: dict[str, bool] = {}
    if branch_ruleset is not None and branches:
        frame = score_population(branch_ruleset, [facts_for_period(b, period) for b in branches], period).frame
        if "check:SC10" in frame.columns:
            sc10 = dict(zip(frame["subject_id"].to_list(), frame["check:SC10"].to_list(), strict=True))
    rows = []
    for b in branches:
        bid = b.branch.branch_id
        own = [i for i in b.branch.checklist if _in_period(i, start, end)]
        theirs = [i for m in by_branch.get(bid, []) for i in m.member.checklist if _in_period(i, start, end)]
        done, accepted, late = _counts([*own, *theirs], end)
        rows.append(BranchChecklist(
            branch_id=bid, branch_items=len(own), member_items=len(theirs), done=done, accepted=accepted,
            accepted_late=late, serving=sum(1 for i in theirs if i.serves_item_id is not None),
            broken_links=broken_by.get(bid, 0), missing_named_task=sc10.get(bid) if sc10 else None))
    return ChecklistReport(str(period), rows, broken)
