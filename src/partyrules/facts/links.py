"""责任区: a member's checklist item that names the branch checklist item it serves must name one that exists.

A bundle holds one subject, so the link from a member's item (``serves_item_id``) to an item of the branch's list can
only be checked with both at hand: :func:`checklist_links` takes members and branches and reports every link that
does not resolve. It is a report, not a refusal: the member's own scoring never reads the branch's list, so a broken
link costs nobody points; it is for the branch to correct its records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .bundle import BranchFacts, MemberFacts

__all__ = ["BrokenLink", "checklist_links"]


@dataclass(frozen=True)
class BrokenLink:
    """A member's item whose ``serves_item_id`` names no item of the member's branch's checklist."""

    member_id: str
    item_id: str
    branch_id: str
    serves_item_id: str
    branch_known: bool  # False: the member's branch is not among the branches given

    def text(self, lang: str = "zh") -> str:
        if lang == "zh":
            where = f"党支部 {self.branch_id} 的清单中没有事项 {self.serves_item_id}" if self.branch_known else \
                f"未提供党支部 {self.branch_id}"
            return f"党员 {self.member_id} 的清单事项 {self.item_id} 对应的支部事项无法找到: {where}"
        where = f"branch {self.branch_id}'s checklist has no item {self.serves_item_id}" if self.branch_known else \
            f"branch {self.branch_id} was not given"
        return f"member {self.member_id}'s item {self.item_id} serves a branch item that cannot be found: {where}"


def checklist_links(members: Iterable[MemberFacts], branches: Iterable[BranchFacts]) -> list[BrokenLink]:
    """Every member checklist item whose ``serves_item_id`` does not name an item of the member's own branch's
    checklist, in member order then item order (items without a link are not links, and are never reported)."""
    lists = {b.branch.branch_id: {i.item_id for i in b.branch.checklist} for b in branches}
    out: list[BrokenLink] = []
    for m in members:
        branch_id = m.member.branch_id
        items = lists.get(branch_id)
        for item in m.member.checklist:
            if item.serves_item_id is not None and (items is None or item.serves_item_id not in items):
                out.append(BrokenLink(m.member.member_id, item.item_id, branch_id, item.serves_item_id,
                                      items is not None))
    return out
