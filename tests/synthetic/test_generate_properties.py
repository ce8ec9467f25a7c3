"""Properties of the seeded generators for any seed and size: counts bounded by the membership, evaluations on
0..100 and made of their votes, acceptance only of done items, and the same seed giving the same data."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from partyrules.facts import BranchFacts, MemberFacts, MemberStatus
from partyrules.facts.enums import CardKind, Grade
from partyrules.synthetic import SubDistrict, generate_branch_facts, generate_member_facts, generate_subdistrict

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
YEARS = st.sampled_from([2024, 2026])
VOTE_POINTS = {Grade.EXCELLENT: 100, Grade.QUALIFIED: 80, Grade.BASICALLY_QUALIFIED: 60, Grade.UNQUALIFIED: 0}


@st.composite
def rosters(draw: st.DrawFn) -> tuple[list[list[MemberFacts]], int, int]:
    """Members of one seed split into branches of drawn sizes (empty branches included), and the seeds."""
    member_seed, branch_seed = draw(SEEDS), draw(SEEDS)
    sizes = draw(st.lists(st.integers(min_value=0, max_value=25), min_size=1, max_size=5))
    people = generate_member_facts(sum(sizes), seed=member_seed)
    out, start = [], 0
    for size in sizes:
        out.append(people[start:start + size])
        start += size
    return out, member_seed, branch_seed


def _complete(m: MemberFacts) -> bool:
    return set(m.member.cards) == set(CardKind)


def _assert_branch_counts_within_membership(b: BranchFacts) -> None:
    months = [r.cards_complete_members for r in b.records]
    assert all(0 <= c <= b.branch.member_count for c in months)
    assert months == sorted(months)  # a member's completed cards stay complete
    assert b.branch.formal_member_count <= b.branch.member_count


def _assert_checklist_ledger(b: BranchFacts, year: int) -> None:
    items = b.branch.checklist
    for item in items:
        assert not item.accepted or item.done_on is not None  # acceptance implies done
        assert item.done_on is None or date(year, 1, 1) <= item.done_on <= date(year, 12, 31)
    for r in b.records:
        month = int(r.month[5:])
        month_end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        assert r.checklist_total == len(items)
        assert r.checklist_done == sum(1 for i in items if i.done_on is not None and i.done_on < month_end)


def _assert_evaluations(bundles: Sequence[MemberFacts | BranchFacts]) -> None:
    for b in bundles:
        a = b.annual
        assert a is not None
        assert 0.0 <= a.evaluation_score <= 100.0
        assert 0.0 <= a.daily_observation_score <= 100.0
        if a.vote_counts is not None:  # members: the score is the conversion of the votes
            voters = sum(a.vote_counts.values())
            assert 15 <= voters < 45
            points = sum(VOTE_POINTS[g] * c for g, c in a.vote_counts.items()) / voters
            assert a.evaluation_score == round(points, 2)


@given(seed=SEEDS, n=st.integers(min_value=0, max_value=8), year=YEARS)
def test_drawn_branches_stay_within_their_membership(seed: int, n: int, year: int) -> None:
    branches = generate_branch_facts(n, seed=seed, year=year)
    for b in branches:
        _assert_branch_counts_within_membership(b)
        _assert_checklist_ledger(b, year)
    _assert_evaluations(branches)


@given(rosters())
def test_branches_made_of_rosters_count_exactly_their_members(drawn: tuple[list[list[MemberFacts]], int, int]) -> None:
    groups, _, branch_seed = drawn
    branches = generate_branch_facts(len(groups), seed=branch_seed, rosters=[[m.member for m in g] for g in groups])
    for b, group in zip(branches, groups, strict=True):
        ids = {m.subject_id for m in group}
        assert b.branch.member_count == len(group)
        assert b.branch.formal_member_count == sum(m.member.status is MemberStatus.FORMAL for m in group)
        _assert_branch_counts_within_membership(b)
        # by December every member whose four cards are on file is counted, and no one else
        assert b.records[-1].cards_complete_members == sum(_complete(m) for m in group)
        assert b.branch.secretary_id is None or b.branch.secretary_id in ids
        assert all(i.responsible_id in ids | {b.subject_id} for i in b.branch.checklist)
        _assert_checklist_ledger(b, 2026)
    _assert_evaluations(branches)


@given(seed=SEEDS, n=st.integers(min_value=0, max_value=12), year=YEARS)
def test_member_evaluations_and_checklists(seed: int, n: int, year: int) -> None:
    members = generate_member_facts(n, seed=seed, year=year)
    _assert_evaluations(members)
    for m in members:
        assert all(not i.accepted or i.done_on is not None for i in m.member.checklist)


def _subdistrict(seed: int, communities: int, organisations: int, members: int) -> SubDistrict:
    return generate_subdistrict(seed=seed, communities=communities, organisations=organisations, members=members)


@given(seed=SEEDS, communities=st.integers(1, 3), organisations=st.integers(1, 8), members=st.integers(1, 60))
def test_subdistrict_branches_are_their_members(seed: int, communities: int, organisations: int,
                                                members: int) -> None:
    sd = _subdistrict(seed, communities, organisations, members)
    by_branch: dict[str, list[MemberFacts]] = {b.subject_id: [] for b in sd.branches}
    for m in sd.members:
        by_branch[m.member.branch_id].append(m)  # every member is in a generated branch
        assert m.annual is not None and m.annual.evaluator_org_id == m.member.branch_id
    assert sum(Counter(m.member.branch_id for m in sd.members).values()) == members
    for b in sd.branches:
        group = by_branch[b.subject_id]
        assert b.branch.member_count == len(group)
        assert b.records[-1].cards_complete_members == sum(_complete(m) for m in group)
        _assert_branch_counts_within_membership(b)
        _assert_checklist_ledger(b, sd.year)
        assert b.annual is not None and b.annual.evaluator_org_id == b.branch.parent_org_id
    _assert_evaluations([*sd.members, *sd.branches])


@given(seed=SEEDS, organisations=st.integers(1, 6), members=st.integers(1, 40))
def test_the_same_seed_gives_the_same_subdistrict(seed: int, organisations: int, members: int) -> None:
    a = _subdistrict(seed, 2, organisations, members)
    b = _subdistrict(seed, 2, organisations, members)
    assert [x.model_dump_json() for x in (*a.members, *a.branches, *a.communities)] == [
        x.model_dump_json() for x in (*b.members, *b.branches, *b.communities)]
    assert a.community_of_branch == b.community_of_branch


@given(rosters())
def test_the_same_seed_and_rosters_give_the_same_branches(drawn: tuple[list[list[MemberFacts]], int, int]) -> None:
    groups, _, branch_seed = drawn
    roster = [[m.member for m in g] for g in groups]
    first = generate_branch_facts(len(groups), seed=branch_seed, rosters=roster)
    again = generate_branch_facts(len(groups), seed=branch_seed, rosters=roster)
    assert [b.model_dump_json() for b in first] == [b.model_dump_json() for b in again]
