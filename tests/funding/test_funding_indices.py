"""Funding by both indices (以奖代补, seed 000: 根据党支部战斗力指数和党员先进性指数拨付党建工作专项经费).

The allocation basis of a branch combines its combat-effectiveness index (its annual composite) with its members'
advancement index (the mean of its graded members' annual percents), with weights that are parameters.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import partyrules as pr
from partyrules.funding import BranchIndices, FundingError, IndexWeights, allocate
from partyrules.ranking import Ranked


def bi(sid: str, index: float, members: tuple[float, ...] = (), vetoed: bool = False) -> BranchIndices:
    return BranchIndices(subject_id=sid, score=index, vetoed=vetoed, member_percents=members)


HALF = IndexWeights(branch=0.5, members=0.5)


def _micro(x: float) -> Fraction:
    return Fraction(Decimal(repr(float(x))).quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN))


def _basis(entry: BranchIndices, w: IndexWeights) -> Fraction:
    """The basis computed independently of the module: exact fractions, rounded half-even to millionths."""
    b = _micro(entry.score)
    if not entry.member_percents:
        exact = b
    else:
        m = sum(_micro(p) for p in entry.member_percents) / len(entry.member_percents)
        wb, wm = Fraction(repr(w.branch)), Fraction(repr(w.members))
        exact = (wb * b + wm * m) / (wb + wm)
    return _round_micro(exact)


def _round_micro(x: Fraction) -> Fraction:
    scaled = x * 10**6
    floor = scaled.numerator // scaled.denominator
    rem = scaled - floor
    if rem > Fraction(1, 2) or (rem == Fraction(1, 2) and floor % 2 == 1):
        floor += 1
    return Fraction(floor, 10**6)


# -- examples ------------------------------------------------------------------------------------------------------
def test_equal_branch_indices_are_told_apart_by_their_members():
    a = allocate(100_000, [bi("B1", 80, (90, 70)), bi("B2", 80, (50,))], index_weights=HALF)
    # bases (80 + 80) / 2 = 80 and (80 + 50) / 2 = 65: quotas 55172.41 and 44827.59, the fen left goes to B2
    assert a.amounts() == {"B1": 55_172, "B2": 44_828}
    line = a.line("B1")
    assert (line.branch_index, line.members_index, line.members_count) == (Decimal("80"), Decimal("80"), 2)
    assert line.score == Decimal("80") and a.line("B2").score == Decimal("65")
    assert a.index_weights == HALF


def test_each_line_says_both_indices_the_weights_the_basis_and_the_amount():
    a = allocate(100_000, [bi("B1", 80, (90, 70)), bi("B2", 60, (50,))], index_weights=IndexWeights(0.6, 0.4))
    line = a.line("B2")
    # 0.6 x 60 + 0.4 x 50 = 56
    for text in ("branch index 60", "members' index 50 (mean of 1 graded member", "weights 0.6 / 0.4",
                 "basis 56", f"{line.amount_fen // 100}."):
        assert text in line.explanation_en, (text, line.explanation_en)
    for text in ("战斗力指数 60", "党员先进性指数 50(1 名已定等次党员的平均", "权重 0.6 / 0.4", "计分依据 56"):
        assert text in line.explanation_zh, (text, line.explanation_zh)
    d = line.to_dict()
    assert (d["branch_index"], d["members_index"], d["members_count"], d["score"]) == ("60", "50", 1, "56")
    assert a.to_dict()["index_weights"] == {"branch": 0.6, "members": 0.4}


def test_a_branch_without_graded_members_is_funded_on_its_branch_index_alone():
    a = allocate(1_000, [bi("B1", 80, ()), bi("B2", 80, (40,))], index_weights=HALF)
    lone = a.line("B1")
    assert lone.members_index is None and lone.members_count == 0 and lone.score == Decimal("80")
    assert "no graded member" in lone.explanation_en and "没有已定等次的党员" in lone.explanation_zh
    assert a.amounts() == {"B1": 571, "B2": 429}  # bases 80 and 60: 571.43 and 428.57


def test_weights_one_and_zero_give_the_branch_only_allocation():
    entries = [bi("B1", 90, (10,)), bi("B2", 55.5, (100, 100)), bi("B3", 70, (), vetoed=True)]
    plain = allocate(77_777, [Ranked(e.subject_id, "branch", e.score, vetoed=e.vetoed) for e in entries])
    assert allocate(77_777, entries, index_weights=IndexWeights(1, 0)).amounts() == plain.amounts()


def test_vetoed_branches_get_nothing_or_the_floor_whatever_their_members():
    entries = [bi("B1", 90, (99,), vetoed=True), bi("B2", 50, (50,))]
    assert allocate(1_000, entries, index_weights=HALF).amounts() == {"B1": 0, "B2": 1_000}
    assert allocate(1_000, entries, index_weights=HALF, vetoed_floor_fen=100).amounts() == {"B1": 100, "B2": 900}


def test_refusals():
    with pytest.raises(FundingError, match="member_percents"):
        allocate(100, [Ranked("B1", "branch", 50)], index_weights=HALF)
    with pytest.raises(FundingError, match=r"0\.\.100"):
        allocate(100, [bi("B1", 50, (101,))], index_weights=HALF)
    for bad in ((-0.1, 1), (0, 0), (float("nan"), 1), (True, 1)):
        with pytest.raises(FundingError, match="weight"):
            IndexWeights(*bad)


# -- properties ----------------------------------------------------------------------------------------------------
_PCT = st.one_of(st.sampled_from([0.0, 0.000001, 50.0, 60.0, 87.5, 100.0]), st.floats(0, 100, allow_nan=False))
_WEIGHT = st.one_of(st.sampled_from([0.0, 0.5, 1.0, 0.3, 0.7]), st.floats(0, 5, allow_nan=False))


@st.composite
def populations(draw: st.DrawFn, max_size: int = 20) -> list[BranchIndices]:
    n = draw(st.integers(0, max_size))
    return [bi(f"B{i:03d}", draw(_PCT), tuple(draw(st.lists(_PCT, max_size=6))),
               draw(st.integers(0, 4)) == 0) for i in range(n)]


@st.composite
def weights(draw: st.DrawFn) -> IndexWeights:
    wb, wm = draw(_WEIGHT), draw(_WEIGHT)
    if wb + wm == 0:
        wb = 1.0
    return IndexWeights(wb, wm)


POOLS = st.one_of(st.integers(0, 1000), st.integers(0, 10**9), st.integers(10**20, 10**30))


@given(POOLS, populations(), weights(), st.integers(0, 200), st.sampled_from(["score", "excess"]))
def test_the_amounts_add_up_to_the_pool_exactly_for_any_population(pool, entries, w, floor, basis):
    vetoed = sum(e.vetoed for e in entries)
    if floor * vetoed > pool:
        with pytest.raises(FundingError):
            allocate(pool, entries, index_weights=w, vetoed_floor_fen=floor)
        return
    a = allocate(pool, entries, index_weights=w, vetoed_floor_fen=floor, basis=basis, min_score=30)
    assert sum(a.amounts().values()) + a.unallocated_fen == pool
    assert all(isinstance(v, int) and v >= 0 for v in a.amounts().values())
    assert a.unallocated_fen in (0, pool - floor * vetoed)

@given(POOLS, populations(), weights())
def test_the_basis_is_the_weighted_combination_and_the_pool_follows_it(pool, entries, w):
    a = allocate(pool, entries, index_weights=w)
    bases = {e.subject_id: _basis(e, w) for e in entries}
    assert {ln.subject_id: Fraction(ln.score) for ln in a.lines} == bases
    total = sum(b for e in entries if not e.vetoed for b in [bases[e.subject_id]])
    for e in entries:
        amount = a.line(e.subject_id).amount_fen
        if e.vetoed or total == 0:
            assert amount == 0
        else:
            quota = pool * bases[e.subject_id] / total
            assert quota - 1 < amount < quota + 1


@given(POOLS, populations(max_size=12).filter(bool), weights(), st.data())
def test_raising_a_branchs_members_index_never_lowers_its_funding(pool, entries, w, data):
    i = data.draw(st.integers(0, len(entries) - 1))
    target = entries[i]
    raised_members = tuple(min(100.0, p + data.draw(st.floats(0, 100, allow_nan=False)))
                           for p in target.member_percents)
    if not raised_members:  # a branch without members gains a graded member at least as good as its index
        raised_members = (data.draw(st.floats(target.score, 100, allow_nan=False)),)
    raised = [bi(e.subject_id, e.score, raised_members if e is target else e.member_percents, e.vetoed)
              for e in entries]
    before = allocate(pool, entries, index_weights=w).line(target.subject_id).amount_fen
    after = allocate(pool, raised, index_weights=w).line(target.subject_id).amount_fen
    assert after >= before


def test_the_funding_weights_are_the_parameters_the_annual_section_names():
    """The rule set names its funding weights (annual.funding), as it names the composite's weights: a parameter
    of another name is read, and a member rule set cannot declare them."""
    import yaml

    from partyrules.cycle.year import funding_weights

    doc = {"id": "fw", "version": "1", "title": {"zh": "经费", "en": "Funding"}, "subject": "branch",
           "params": {"wq": 1, "we": 0, "ws": 0, "wd": 0, "mine": 0.8, "theirs": 0.2},
           "dimensions": [{"id": "D1", "zh": "维度", "en": "Dimension", "max": 10}],
           "standards": [{"id": "S1", "dimension": "D1", "zh": "标准", "en": "Standard", "source": "例",
                          "points": 10, "due": "any", "flag": "has_committee"}],
           "annual": {"weights": {"quarterly": "wq", "annual_evaluation": "we", "secretary_review": "ws",
                                  "daily_observation": "wd"},
                      "funding": {"branch_index": "mine", "members_index": "theirs"}},
           "grading": [{"id": "good", "zh": "好", "en": "Good", "at_least": 5},
                       {"id": "poor", "zh": "差", "en": "Poor", "at_least": 0}]}
    rs = pr.loads_ruleset(yaml.safe_dump(doc, allow_unicode=True), file="fw.yaml")
    w = funding_weights([rs])
    assert (w.branch, w.members) == (0.8, 0.2)
    assert (funding_weights([rs.with_params(mine=0.3)]).branch) == 0.3
    doc["annual"]["funding"]["members_index"] = "nosuch"
    with pytest.raises(pr.RuleSetError, match="nosuch"):
        pr.loads_ruleset(yaml.safe_dump(doc, allow_unicode=True), file="fw.yaml")
