"""The optional facts of checklist responsibility and acceptance, mobile members and the year-end post appraisal,
added to a generated sub-district by their own seeded draws (the pinned generators are left as they are).

- 照单验收 (000): every accepted checklist item gets an acceptor and a date. The branch secretary accepts a member's
  items and the branch's own, the parent organisation accepts the items the secretary is responsible for (no one
  accepts their own item); acceptance follows completion by 0 to 14 days, so a few items done near a quarter's end
  are accepted in the next quarter.
- 责任区 (000): each member item serves one item of the branch's checklist; a resettlement-area branch codes its
  first three items with the three tasks the seed names, and about one in five leaves one code out.
- 流动党员 (001): about ``mobile_share`` of the in-service members are mobile members.
- 设岗定责 year-end appraisal (001: 年底汇总,定期进行考核评比): a member holding a post gets the summary (95% done)
  and an appraisal from the share of months the post duty was performed.

Only new optional fields are filled (and the category of the members made mobile), so every other fact is the
pinned generators' own; the same ``seed`` gives the same result.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from typing import Any, TypeVar

from ..facts import AnnualEvaluation, BranchFacts, ChecklistItem, ChecklistTask, MemberCategory, MemberFacts
from .subdistrict import SubDistrict

__all__ = ["add_duties"]

_TASKS = tuple(ChecklistTask)
M = TypeVar("M", ChecklistItem, AnnualEvaluation)


def _with(model: M, **update: Any) -> M:
    # validated, unlike model_copy: the acceptance rules of ChecklistItem hold for what is generated too
    return type(model).model_validate({**model.model_dump(), **update})


def add_duties(area: SubDistrict, *, seed: int = 2026, mobile_share: float = 0.05) -> SubDistrict:
    """``area`` with acceptors and dates on accepted checklist items, member items linked to the branch's, the
    named tasks coded in resettlement-area branches, some in-service members mobile and the year-end appraisal of
    posts (see the module's text). Deterministic in ``seed``."""
    if not 0.0 <= mobile_share <= 1.0:
        raise ValueError(f"mobile_share must be in [0, 1], got {mobile_share!r}")
    rng = random.Random(f"partyrules-duties-{seed}")
    branches = tuple(_branch(rng, b) for b in area.branches)
    by_id = {b.branch.branch_id: b for b in branches}
    members = tuple(_member(rng, m, by_id.get(m.member.branch_id), mobile_share) for m in area.members)
    return replace(area, branches=branches, members=members)


def _acceptor(responsible: str, secretary: str | None, parent: str) -> str:
    return secretary if secretary is not None and secretary != responsible else parent


def _accepted(rng: random.Random, item: ChecklistItem, acceptor: str) -> ChecklistItem:
    if not item.accepted or item.done_on is None:
        return item
    return _with(item, accepted_by=acceptor, accepted_on=item.done_on + timedelta(days=int(rng.random() * 15)))


def _branch(rng: random.Random, facts: BranchFacts) -> BranchFacts:
    b = facts.branch
    items = [_accepted(rng, i, _acceptor(i.responsible_id, b.secretary_id, b.parent_org_id)) for i in b.checklist]
    if b.branch_type == "resettlement_area" and len(items) >= len(_TASKS):
        left_out = int(rng.random() * len(_TASKS)) if rng.random() < 0.2 else None
        for k, task in enumerate(_TASKS):
            if k != left_out:
                items[k] = _with(items[k], task=task)
    return facts.model_copy(update={"branch": b.model_copy(update={"checklist": tuple(items)})})


def _member(rng: random.Random, facts: MemberFacts, branch: BranchFacts | None,
            mobile_share: float) -> MemberFacts:
    m = facts.member
    secretary = branch.branch.secretary_id if branch is not None else None
    served = [i.item_id for i in branch.branch.checklist] if branch is not None else []
    items = []
    for item in m.checklist:
        item = _accepted(rng, item, _acceptor(item.responsible_id, secretary, m.branch_id))
        if served:
            item = _with(item, serves_item_id=served[int(rng.random() * len(served))])
        items.append(item)
    update: dict[str, object] = {"checklist": tuple(items)}
    if m.category is MemberCategory.IN_SERVICE and rng.random() < mobile_share:
        update["category"] = MemberCategory.MOBILE
    out = facts.model_copy(update={"member": m.model_copy(update=update)})
    if facts.annual is not None and any(p.active for p in m.claimed_posts):
        out = out.model_copy(update={"annual": _post_appraisal(rng, facts)})
    return out


def _post_appraisal(rng: random.Random, facts: MemberFacts) -> AnnualEvaluation:
    assert facts.annual is not None
    share = sum(1 for r in facts.records if r.post_duty_performed) / max(len(facts.records), 1)
    level = ("excellent" if share >= 0.9 else "competent" if share >= 0.7 else
             "basically_competent" if share >= 0.5 else "incompetent")
    return _with(facts.annual, post_summary_done=rng.random() < 0.95, post_appraisal=level)
