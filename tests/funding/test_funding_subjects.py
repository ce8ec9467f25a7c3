"""Funding by index, 以奖代补, per subject (partyrules.funding.subjects)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partyrules.errors import PartyRulesError
from partyrules.funding import FundingError, NoEligibleError, allocate, fmt_yuan
from partyrules.ranking import Ranked, rank


def br(sid: str, score: float, vetoed: bool = False) -> Ranked:
    return Ranked(sid, "branch", score, vetoed=vetoed)


def _micro(score: float) -> int:
    # the weight as the module must read it, computed independently: millionths of a point, rounded
    return round(Fraction(repr(score)) * 10**6)


# -- strategies ----------------------------------------------------------------------------------------------------
_SCORE = st.one_of(st.sampled_from([0.0, 0.000001, 50.0, 60.0, 87.5, 100.0]), st.floats(0, 100, allow_nan=False))


@st.composite
def branches(draw: st.DrawFn, max_size: int = 25) -> list[Ranked]:
    n = draw(st.integers(0, max_size))
    return [br(f"B{i:03d}", draw(_SCORE), draw(st.booleans()) and draw(st.integers(0, 3)) == 0) for i in range(n)]


POOLS = st.one_of(st.integers(0, 1000), st.integers(0, 10**9), st.integers(10**20, 10**40))


# -- examples ------------------------------------------------------------------------------------------------------
def test_proportional_to_score_with_largest_remainders():
    a = allocate(100_000, [br("B1", 50), br("B2", 30), br("B3", 20)])
    assert a.amounts() == {"B1": 50_000, "B2": 30_000, "B3": 20_000}
    assert a.allocated_fen == 100_000 and a.unallocated_fen == 0
    # 100 fen over three equal scores: 33 each, the one fen left goes to the first by subject id
    b = allocate(100, [br("B2", 80), br("B1", 80), br("B3", 80)])
    assert b.amounts() == {"B1": 34, "B2": 33, "B3": 33}
    assert b.line("B1").remainder_fen == 1 and b.line("B2").remainder_fen == 0
    assert "largest remainders" in b.line("B1").explanation_en
    assert "not among the 1 largest" in b.line("B2").explanation_en
    assert b.line("B1").quota_fen == Fraction(100, 3)
    # remainders first, then the higher score: 10 fen over 2/3/5 (quotas 2, 3, 5 exactly) and over 1/1/1/2
    assert allocate(10, [br("A", 20), br("B", 30), br("C", 50)]).amounts() == {"A": 2, "B": 3, "C": 5}
    c = allocate(7, [br("A", 10), br("B", 10), br("C", 10), br("D", 20)])  # quotas 1.4, 1.4, 1.4, 2.8
    assert c.amounts() == {"A": 2, "B": 1, "C": 1, "D": 3}
    # the largest remainder wins over the higher score: quotas 1.7 and 8.3
    assert allocate(10, [br("A", 17), br("B", 83)]).amounts() == {"A": 2, "B": 8}
    # equal remainders: the higher score wins over the subject id: quotas 1.5 and 8.5
    assert allocate(10, [br("A", 15), br("B", 85)]).amounts() == {"A": 1, "B": 9}


def test_vetoed_get_nothing_or_the_floor_taken_out_first():
    entries = [br("B1", 90), br("B2", 60), br("B3", 99, vetoed=True)]
    a = allocate(15_000, entries)
    assert a.amounts() == {"B1": 9_000, "B2": 6_000, "B3": 0}
    assert "vetoed" in a.line("B3").explanation_en and "一票否决" in a.line("B3").explanation_zh
    b = allocate(15_000, entries, vetoed_floor_fen=5_000)
    assert b.amounts() == {"B1": 6_000, "B2": 4_000, "B3": 5_000}
    assert (b.floors_fen, b.distributable_fen) == (5_000, 10_000)
    assert "floor of 50.00 yuan" in b.line("B3").explanation_en


def test_min_score_as_threshold_or_as_baseline():
    entries = [br("B1", 90), br("B2", 70), br("B3", 55)]
    a = allocate(10_000, entries, min_score=60)  # B3 is below the line; the others share by score
    assert a.amounts() == {"B1": 5_625, "B2": 4_375, "B3": 0}
    assert "below the threshold 60" in a.line("B3").explanation_en
    b = allocate(10_000, entries, basis="excess", min_score=60)  # 30 and 10 above the line
    assert b.amounts() == {"B1": 7_500, "B2": 2_500, "B3": 0}
    assert "the part above 60" in b.line("B1").explanation_en
    assert "does not exceed" in b.line("B3").explanation_en


def test_one_branch_takes_the_whole_pool():
    a = allocate(123_457, [br("B1", 0.5)])
    assert a.amounts() == {"B1": 123_457}
    assert "1234.57" in a.line("B1").explanation_en and "100.0000%" in a.line("B1").explanation_en


def test_no_eligible_branch_returns_the_pool_explicitly():
    for entries in ([], [br("B1", 80, vetoed=True)], [br("B1", 0), br("B2", 0)]):
        a = allocate(50_000, entries)
        assert a.unallocated_fen == 50_000 and a.allocated_fen == 0
        assert any("unallocated" in n for n in a.notes_en)
    floored = allocate(50_000, [br("B1", 80, vetoed=True)], vetoed_floor_fen=1_000)
    assert (floored.allocated_fen, floored.unallocated_fen) == (1_000, 49_000)
    with pytest.raises(NoEligibleError) as info:
        allocate(50_000, [br("B1", 80, vetoed=True)], on_no_eligible="raise")
    assert info.value.hint and isinstance(info.value, FundingError)
    allocate(0, [], on_no_eligible="raise")  # nothing to lose, nothing to raise about


def test_huge_pool_is_exact():
    pool = 10**30 + 7
    a = allocate(pool, [br("B1", 33.333333), br("B2", 66.666667), br("B3", 0.000001)])
    assert sum(a.amounts().values()) == pool
    assert a.line("B2").amount_fen - a.line("B1").amount_fen > 0


def test_accepts_ranks_as_input():
    ranks = rank([br("B1", 90), br("B2", 10)])
    assert allocate(1_000, ranks).amounts() == {"B1": 900, "B2": 100}


def test_fmt_yuan():
    assert [fmt_yuan(x) for x in (0, 5, 100, 123456, 10**22)] == ["0.00", "0.05", "1.00", "1234.56",
                                                                   "100000000000000000000.00"]


def test_to_dict_is_json_ready():
    import json

    d = allocate(100, [br("B1", 80), br("B2", 40)]).to_dict()
    text = json.dumps(d, ensure_ascii=False)
    assert '"amount_fen": 67' in text and '"amount_fen": 33' in text


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"pool_fen": -1}, "cannot be negative"),
    ({"pool_fen": 100.0}, "integer number of fen"),
    ({"pool_fen": True}, "integer number of fen"),
    ({"vetoed_floor_fen": -5}, "cannot be negative"),
    ({"vetoed_floor_fen": 600}, "exceed the pool"),
    ({"basis": "rank"}, "unknown basis"),
    ({"min_score": 120}, "min_score"),
    ({"on_no_eligible": "ignore"}, "on_no_eligible"),
])
def test_errors_say_what_and_hint(kwargs, fragment):
    args = {"pool_fen": 1_000, "entries": [br("B1", 50, vetoed=True), br("B2", 60, vetoed=True)], **kwargs}
    with pytest.raises(FundingError) as info:
        allocate(**args)
    assert fragment in str(info.value)
    assert isinstance(info.value, PartyRulesError)


def test_duplicate_and_bad_entries():
    with pytest.raises(FundingError, match="twice"):
        allocate(100, [br("B1", 1), br("B1", 2)])

    class Loose:
        subject_id = "B9"
        score = float("inf")
        vetoed = False

    with pytest.raises(FundingError, match="finite"):
        allocate(100, [Loose()])


# -- properties ----------------------------------------------------------------------------------------------------
@given(POOLS, branches(), st.integers(0, 300), st.sampled_from(["score", "excess"]), st.sampled_from([0.0, 50, 60]))
def test_sums_to_the_pool_exactly_and_each_amount_is_its_quota_rounded(pool, entries, floor, basis, min_score):
    vetoed = [e for e in entries if e.vetoed]
    if floor * len(vetoed) > pool:
        with pytest.raises(FundingError):
            allocate(pool, entries, vetoed_floor_fen=floor, basis=basis, min_score=min_score)
        return
    a = allocate(pool, entries, vetoed_floor_fen=floor, basis=basis, min_score=min_score)
    amounts = a.amounts()
    assert sum(amounts.values()) + a.unallocated_fen == pool == a.allocated_fen + a.unallocated_fen
    assert all(isinstance(v, int) and v >= 0 for v in amounts.values())
    rest = pool - floor * len(vetoed)
    line = _micro(min_score)
    weights = {e.subject_id: (_micro(e.score) if basis == "score" else _micro(e.score) - line)
               for e in entries if not e.vetoed and (_micro(e.score) >= line if basis == "score"
                                                      else _micro(e.score) > line)}
    weights = {k: w for k, w in weights.items() if w > 0}
    total = sum(weights.values())
    assert a.unallocated_fen == (rest if total == 0 else 0)
    for e in entries:
        if e.vetoed:
            assert amounts[e.subject_id] == floor
        elif e.subject_id in weights:
            quota = Fraction(rest * weights[e.subject_id], total)
            assert quota - 1 < amounts[e.subject_id] < quota + 1
        else:
            assert amounts[e.subject_id] == 0


@given(POOLS, branches(), st.sampled_from(["score", "excess"]))
def test_a_higher_score_never_gets_less(pool, entries, basis):
    a = allocate(pool, entries, basis=basis, min_score=40 if basis == "excess" else 0)
    for x in a.lines:
        for y in a.lines:
            if x.vetoed == y.vetoed and x.score > y.score:
                assert x.amount_fen >= y.amount_fen, (x, y)
            if x.vetoed == y.vetoed and x.score == y.score:
                assert abs(x.amount_fen - y.amount_fen) <= 1


@given(POOLS, branches(), st.randoms(use_true_random=False))
def test_allocation_does_not_depend_on_input_order(pool, entries, rnd):
    shuffled = list(entries)
    rnd.shuffle(shuffled)
    assert allocate(pool, shuffled) == allocate(pool, entries)


@given(st.integers(0, 10**12), st.integers(1, 40), st.sampled_from([0.0, 50.0, 87.5, 100.0]))
def test_equal_scores_split_within_one_fen(pool, n, score):
    a = allocate(pool, [br(f"B{i:02d}", score) for i in range(n)])
    amounts = list(a.amounts().values())
    if score == 0:
        assert a.unallocated_fen == pool
    else:
        assert max(amounts) - min(amounts) <= 1 and sum(amounts) == pool
        assert max(amounts) == -(-pool // n) and min(amounts) == pool // n
