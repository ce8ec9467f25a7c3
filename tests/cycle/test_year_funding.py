"""run_year funds branches by both indices: the branch's composite and its graded members' mean annual percent."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from functools import cache

import pytest

from partyrules.cycle.year import YearOptions, YearResult, funding_weights, run_year, shipped_rulesets
from partyrules.funding import BranchIndices, FundingError, IndexWeights, allocate
from partyrules.ranking import score_key
from partyrules.synthetic import SubDistrict, generate_subdistrict

YEAR = 2026
POOL = 9_876_543
BRANCH_RS = "branch-combat-effectiveness"


@cache
def area() -> SubDistrict:
    return generate_subdistrict(seed=5, communities=3, organisations=8, members=90)


@cache
def year(members_weight: float | None = None) -> YearResult:
    a = area()
    params = None if members_weight is None else {BRANCH_RS: {"funding_weight_members_index": members_weight}}
    return run_year(a.members, a.branches, a.communities, year=YEAR, params=params,
                    options=YearOptions(funding_pool_fen=POOL))


def test_each_branch_is_funded_on_its_index_and_its_graded_members_mean():
    y = year()
    assert y.funding is not None and y.funding.index_weights == IndexWeights(0.5, 0.5)
    assert sum(y.funding.amounts().values()) == POOL
    for b in y.branches:
        graded = [m.percent for m in y.members if m.group_id == b.subject_id and m.graded]
        line = y.funding.line(b.subject_id)
        assert line.branch_index == score_key(b.percent)
        assert line.members_count == len(graded)
        if graded:
            mean = sum(Fraction(score_key(p)) for p in graded) / len(graded)
            assert abs(Fraction(line.members_index) - mean) <= Fraction(1, 2 * 10**6)
            assert f"mean of {len(graded)} graded member" in line.explanation_en
        else:
            assert line.members_index is None and "no graded member" in line.explanation_en
    # probationary members are scored but not graded, and so are not in their branch's members' index
    probationary = [m for m in y.members if not m.graded]
    assert probationary, "the sample should have probationary members"


def test_the_weights_are_the_branch_rule_sets_parameters():
    rs = shipped_rulesets()["branch"]
    assert (rs.params["funding_weight_branch_index"], rs.params["funding_weight_members_index"]) == (0.5, 0.5)
    branch_only = year(0.0)
    assert branch_only.funding is not None and branch_only.funding.index_weights == IndexWeights(0.5, 0.0)
    plain = allocate(POOL, [BranchIndices(b.subject_id, b.percent, b.vetoed) for b in branch_only.branches])
    assert branch_only.funding.amounts() == plain.amounts()
    assert year().funding.amounts() != plain.amounts()  # the members' index moves money


def test_funding_tables_carry_both_indices():
    rows = year().tables()["funding"]
    assert rows and {"branch_index", "members_index", "members_count", "score"} <= set(rows[0])
    branches = {r["subject_id"]: r for r in year().tables()["branches"]}
    for r in rows:
        assert branches[r["subject_id"]]["funding_members_index"] == r["members_index"]


def test_branch_rule_sets_that_disagree_on_the_weights_are_refused():
    rs = shipped_rulesets()["branch"]
    assert funding_weights([rs]) == IndexWeights(0.5, 0.5)
    assert funding_weights([rs, rs]) == IndexWeights(0.5, 0.5)
    assert funding_weights([]) == IndexWeights(0.5, 0.5)  # the documented defaults, the shipped values
    with pytest.raises(FundingError, match="weights") as info:
        funding_weights([rs, rs.with_params(funding_weight_members_index=0.2)])
    assert info.value.hint


def test_decimal_indices_are_exact():
    a = allocate(3, [BranchIndices("B1", 1.0, False, (Decimal("2"),))], index_weights=IndexWeights(1, 1))
    assert a.line("B1").score == Decimal("1.5") and a.amounts() == {"B1": 3}
