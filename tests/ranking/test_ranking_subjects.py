"""Rankings, warning and priority lists, and pairing (partyrules.ranking.subjects, partyrules.ranking.pairing)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partyrules.facts.enums import BranchType, MemberCategory
from partyrules.ranking import (
    DEFAULT_SHARE,
    Rank,
    Ranked,
    RankingError,
    pair,
    priority_list,
    rank,
    warning_list,
)

TYPES = [t.value for t in BranchType]


def br(sid: str, score: float, *, vetoed: bool = False, category: str = "community", layer: str = "branch",
       group: str | None = None) -> Ranked:
    return Ranked(sid, "branch", score, layer, category, vetoed, group or category)


# -- strategies ----------------------------------------------------------------------------------------------------
# few distinct scores (so ties are common), some with float noise that must not split a tie
_SCORES = st.sampled_from([0.0, 12.5, 60.0, 71.2, 87.5, 87.5 + 1e-12, 0.1 + 0.2, 0.3, 99.999999, 100.0])


@st.composite
def populations(draw: st.DrawFn, max_size: int = 30) -> list[Ranked]:
    n = draw(st.integers(0, max_size))
    out = []
    for i in range(n):
        kind = draw(st.sampled_from(["branch", "branch", "member"]))
        score = draw(st.one_of(_SCORES, st.floats(0, 100, allow_nan=False)))
        category = draw(st.sampled_from(TYPES[:3] if kind == "branch" else [c.value for c in MemberCategory]))
        layer = draw(st.sampled_from(["branch", "general_branch"]))
        out.append(Ranked(f"{kind[0].upper()}{i:03d}", kind, score, layer, category,
                          draw(st.booleans().map(lambda b: b and draw(st.integers(0, 4)) == 0)), category))
    return out


def _position(e: Ranked) -> tuple[bool, Decimal]:
    # the definition, written independently of the module: vetoed last, then the score rounded to 6 places
    return (e.vetoed, -Decimal(str(round(e.score, 6))).quantize(Decimal("0.000001")))


# -- examples ------------------------------------------------------------------------------------------------------
def test_competition_ranking_shares_ranks_and_names_the_tied():
    ranks = {r.subject_id: r for r in rank([br("B001", 95), br("B012", 87.5), br("B044", 87.5), br("B007", 87.5),
                                            br("B003", 60)])}
    assert [ranks[s].overall_rank for s in ("B001", "B007", "B012", "B044", "B003")] == [1, 2, 2, 2, 5]
    assert ranks["B007"].tied_with == ("B012", "B044")
    assert "tied with B012, B044 at 87.5" in ranks["B007"].explanation_en
    assert "B012、B044" in ranks["B007"].explanation_zh and "并列" in ranks["B007"].explanation_zh
    assert ranks["B001"].tied_with == () and "tied" not in ranks["B001"].explanation_en


def test_float_noise_never_splits_a_tie_but_a_millionth_does():
    ranks = {r.subject_id: r for r in rank([br("A", 0.1 + 0.2), br("B", 0.3), br("C", 87.5),
                                            br("D", 87.50000000000001), br("E", 87.500001)])}
    assert ranks["A"].overall_rank == ranks["B"].overall_rank == 4
    assert ranks["C"].overall_rank == ranks["D"].overall_rank == 2
    assert ranks["E"].overall_rank == 1


def test_vetoed_ranks_below_everyone_without_a_veto_and_says_so():
    ranks = {r.subject_id: r for r in rank([br("B1", 99.5, vetoed=True), br("B2", 10), br("B3", 40),
                                            br("B4", 20, vetoed=True)])}
    assert ranks["B1"].overall_rank == 3 and ranks["B4"].overall_rank == 4
    assert ranks["B2"].overall_rank == 2
    assert "vetoed" in ranks["B1"].explanation_en and "一票否决" in ranks["B1"].explanation_zh


def test_pools_by_layer_and_category_and_percentile():
    entries = [br("C1", 90, category="community"), br("C2", 80, category="community"),
               br("C3", 80, category="community"), br("C4", 50, category="community"),
               br("G1", 85, category="grid"), br("G2", 70, category="grid", layer="general_branch")]
    ranks = {r.subject_id: r for r in rank(entries)}
    assert ranks["C2"].pool == ("branch", "community")
    assert (ranks["C2"].pool_rank, ranks["C2"].pool_size) == (2, 4)
    assert (ranks["C2"].overall_rank, ranks["C2"].overall_size) == (3, 6)
    assert ranks["G2"].pool == ("general_branch", "grid") and ranks["G2"].pool_size == 1
    # mid-rank percentile: (below + half of the level ones, itself included) / size
    assert ranks["C1"].percentile == 100 * (3 + 0.5) / 4
    assert ranks["C2"].percentile == ranks["C3"].percentile == 100 * (1 + 1) / 4
    assert ranks["C4"].percentile == 100 * 0.5 / 4
    assert ranks["G2"].percentile == 50
    # a coarser pool, by field names, and a pool function
    by_kind = {r.subject_id: r for r in rank(entries, pool=("kind",))}
    assert by_kind["G1"].pool_rank == 2 and by_kind["G1"].pool_size == 6
    by_fn = {r.subject_id: r for r in rank(entries, pool=lambda e: (e.category[:1],))}
    assert by_fn["G2"].pool == ("g",) and by_fn["G2"].pool_rank == 2


def test_branches_and_members_are_never_ranked_together():
    ranks = {r.subject_id: r for r in rank([br("B1", 50), Ranked("M1", "member", 90, "B1", "retired")])}
    assert ranks["B1"].overall_rank == 1 and ranks["B1"].overall_size == 1
    assert ranks["M1"].overall_rank == 1 and "members" in ranks["M1"].explanation_en


@pytest.mark.parametrize("bad", [
    lambda: Ranked("B1", "branch", float("nan")),
    lambda: Ranked("B1", "branch", 100.5),
    lambda: Ranked("B1", "branch", -1),
    lambda: Ranked("B1", "branch", True),  # type: ignore[arg-type]
    lambda: Ranked("", "branch", 50),
    lambda: Ranked("B1", "grid", 50),  # type: ignore[arg-type]
    lambda: Ranked("B1", "branch", 50, vetoed=1),  # type: ignore[arg-type]
    lambda: rank([br("B1", 1), br("B1", 2)]),
    lambda: rank([br("B1", 1)], pool=("colour",)),
    lambda: rank([br("B1", 1)], pool="layer"),  # type: ignore[arg-type]
    lambda: rank([br("B1", 1)], pool=lambda e: [e.layer]),  # type: ignore[arg-type,return-value]
    lambda: warning_list(rank([br("B1", 1)]), share=1.5),
    lambda: priority_list(rank([br("B1", 1)]), share=-0.1),
    lambda: pair([br("B1", 1)], []),  # type: ignore[list-item]
])
def test_bad_input_is_a_ranking_error_with_a_message(bad):
    with pytest.raises(RankingError) as info:
        bad()
    assert str(info.value)


def test_default_share_is_ten_percent_and_quota_is_exact():
    assert DEFAULT_SHARE == 0.10
    ranks = rank([br(f"B{i:02d}", float(i)) for i in range(1, 31)])  # 30 distinct scores: 10% is 3
    warn, prio = warning_list(ranks), priority_list(ranks)
    assert warn.ids == ("B03", "B02", "B01") and warn.pools[0].quota == 3
    assert prio.ids == ("B30", "B29", "B28")
    # computed exactly: 7% of 100 is 7, though the float product 0.07 * 100 is 7.000000000000001
    hundred = rank([br(f"B{i:03d}", i / 2) for i in range(100)])
    assert len(warning_list(hundred, 0.07)) == 7 and len(priority_list(hundred, 0.07)) == 7
    # 11 subjects: ceil(1.1) = 2; 1 subject with share > 0: quota 1; share 0: quota 0
    eleven = rank([br(f"B{i:02d}", float(i)) for i in range(11)])
    assert len(warning_list(eleven)) == 2 and warning_list(eleven).pools[0].quota == 2
    assert len(warning_list(eleven, share=0)) == 0 and len(priority_list(eleven, share=0)) == 0
    assert warning_list(rank([br("B1", 5)])).pools[0].quota == 1


def test_ties_at_the_cut_off_are_all_included_and_explained():
    scores = {"B01": 90, "B02": 80, "B03": 70, "B04": 60, "B05": 50, "B06": 50, "B07": 50, "B08": 40, "B09": 95,
              "B10": 95}
    ranks = rank([br(s, v) for s, v in scores.items()])
    warn = warning_list(ranks, share=0.2)  # quota 2: B08 and one of the 50s, so every 50 is in
    assert set(warn.ids) == {"B08", "B05", "B06", "B07"}
    cut = warn.pools[0]
    assert (cut.quota, cut.selected, cut.ties_added, cut.cutoff_score) == (2, 4, 2, Decimal("50"))
    reasons = Counter(e.reason for e in warn.entries)
    assert reasons == {"cutoff": 2, "tie_at_cutoff": 2}
    tie = next(e for e in warn.entries if e.reason == "tie_at_cutoff")
    assert "level with" in tie.explanation_en and "同分" in tie.explanation_zh
    prio = priority_list(ranks)  # quota 1: the two 95s are level, so both
    assert set(prio.ids) == {"B09", "B10"}


def test_vetoed_always_warned_never_prioritised():
    ranks = rank([br("B1", 99, vetoed=True), br("B2", 98, vetoed=True), *(br(f"C{i}", 50 + i) for i in range(20))])
    warn = warning_list(ranks)  # quota ceil(0.1 * 22) = 3: two vetoed, then the worst clean one
    assert set(warn.ids) == {"B1", "B2", "C0"}
    assert all(e.reason == "cutoff" for e in warn.entries)
    assert "B1" in warning_list(ranks, share=0).ids and "B2" in warning_list(ranks, share=0).ids
    assert warning_list(ranks, share=0).pools[0].vetoed_added == 2
    assert not {"B1", "B2"} & set(priority_list(ranks, share=1).ids)


def test_a_pool_of_one_or_all_level_has_no_top_or_bottom():
    one = rank([br("B1", 70)])
    assert len(warning_list(one)) == 0 and len(priority_list(one)) == 0
    assert "nobody" in warning_list(one).pools[0].note_en
    level = rank([br(f"B{i}", 70) for i in range(5)])
    assert len(warning_list(level, share=0.5)) == 0 and len(priority_list(level, share=0.5)) == 0


def test_lists_run_per_pool():
    ranks = rank([*(br(f"C{i}", 50 + i, category="community") for i in range(10)),
                  *(br(f"G{i}", 50 + i, category="grid") for i in range(5))])
    warn = warning_list(ranks)
    assert set(warn.ids) == {"C0", "G0"}
    assert {c.pool[-1]: c.quota for c in warn.pools} == {"community": 1, "grid": 1}


def test_pairing_same_type_spread_and_fallback():
    entries = [*(br(f"C{i}", 40 + i, category="community") for i in range(10)),
               *(br(f"G{i}", 40 + i, category="grid") for i in range(10)),
               br("S0", 10, category="social_org"), br("S1", 99, category="social_org")]
    ranks = rank(entries, pool=("kind",))  # one pool of 22 branches
    bottom = warning_list(ranks, share=0.25)  # quota ceil(5.5) = 6: S0, the 40s, the 41s, and both 42s (a tie)
    top = priority_list(ranks, share=0.1)  # quota ceil(2.2) = 3: S1 and the two 49s
    assert set(bottom.ids) == {"S0", "C0", "G0", "C1", "G1", "C2", "G2"} and set(top.ids) == {"S1", "C9", "G9"}
    result = pair(bottom, top)
    by = result.by_bottom()
    assert set(by) == set(bottom.ids)
    for p in result.pairs:
        if p.group == "social_org":
            assert p.top_id == "S1" and not p.fallback
        else:
            assert p.top_group == p.group and not p.fallback
    assert max(result.load.values()) <= math.ceil(len(bottom) / len(top))
    # a bottom branch whose type has no top branch falls back to the best of the least loaded, marked
    alone = rank([br("R0", 10, category="resettlement_area"), br("C0", 20), br("C1", 90), br("G1", 95,
                                                                                                category="grid")])
    fb = pair([r for r in alone if r.subject_id in ("R0", "C0")], [r for r in alone if r.subject_id in ("C1", "G1")])
    assert fb.by_bottom()["C0"].top_id == "C1" and not fb.by_bottom()["C0"].fallback
    assert fb.by_bottom()["R0"].top_id == "G1" and fb.by_bottom()["R0"].fallback
    assert "no top branch of its type resettlement_area" in fb.by_bottom()["R0"].explanation_en
    # no top branch at all: unpaired, said so
    none = pair([r for r in alone if r.subject_id == "R0"], [])
    assert none.unpaired == ("R0",) and "unpaired" in none.pairs[0].explanation_en
    # a vetoed bottom branch is paired like the others, and the pairing says it is vetoed
    vetoed = rank([br("V0", 99, vetoed=True), br("C1", 90)])
    vp = pair([vetoed[1]], [vetoed[0]]).pairs[0]
    assert (vp.bottom_id, vp.top_id) == ("V0", "C1") and "vetoed" in vp.explanation_en
    assert "一票否决" in vp.explanation_zh
    # a vetoed subject never mentors
    assert pair([vetoed[0]], [vetoed[1]]).unpaired == ("C1",)


def test_pairing_gives_the_weakest_the_strongest_mentor():
    ranks = rank([br("B1", 10), br("B2", 20), br("B3", 30), br("T1", 90), br("T2", 80)])
    bottoms = [r for r in ranks if r.subject_id.startswith("B")]
    tops = [r for r in ranks if r.subject_id.startswith("T")]
    by = pair(bottoms, tops).by_bottom()
    assert (by["B1"].top_id, by["B2"].top_id, by["B3"].top_id) == ("T1", "T2", "T1")
    assert "at most 2" in by["B1"].explanation_en


# -- properties ----------------------------------------------------------------------------------------------------
@given(populations(), st.randoms(use_true_random=False))
def test_rank_is_deterministic_and_order_independent(entries, rnd):
    shuffled = list(entries)
    rnd.shuffle(shuffled)
    assert rank(shuffled) == rank(entries)
    assert rank(entries) == rank(list(entries))


@given(populations())
def test_rank_is_one_plus_the_number_strictly_ahead(entries):
    ranks = {(r.kind, r.subject_id): r for r in rank(entries)}
    pools = defaultdict(list)
    for e in entries:
        pools[(e.kind, e.layer, e.category)].append(e)  # the default pool, always within a kind
    for e in entries:
        r = ranks[(e.kind, e.subject_id)]
        same_kind = [o for o in entries if o.kind == e.kind]
        pool = pools[(e.kind, e.layer, e.category)]
        assert r.overall_rank == 1 + sum(_position(o) < _position(e) for o in same_kind)
        assert r.pool_rank == 1 + sum(_position(o) < _position(e) for o in pool)
        assert set(r.tied_with) == {o.subject_id for o in pool if o is not e and _position(o) == _position(e)}
        assert 0 < r.percentile < 100 and r.pool_size == len(pool)


@given(populations())
def test_vetoed_rank_below_every_subject_without_a_veto(entries):
    ranks = rank(entries)
    for kind in ("branch", "member"):
        clean = [r.overall_rank for r in ranks if r.kind == kind and not r.vetoed]
        vetoed = [r.overall_rank for r in ranks if r.kind == kind and r.vetoed]
        if clean and vetoed:
            assert max(clean) < min(vetoed)


def _by_pool(ranks: list[Rank]) -> dict[tuple, list[Rank]]:
    out = defaultdict(list)
    for r in ranks:
        out[(r.kind, r.pool)].append(r)
    return out


@given(populations(), st.sampled_from([0.0, 0.05, 0.1, 0.2, 1 / 3, 0.5, 1.0]))
def test_lists_follow_their_definition(entries, share):
    ranks = rank(entries)
    warn, prio = warning_list(ranks, share), priority_list(ranks, share)
    assert len(set(warn.ids)) == len(warn.ids) and len(set(prio.ids)) == len(prio.ids)
    for (_, _), pool in _by_pool(ranks).items():
        n = len(pool)
        # ceil(share * n) in integers: the shares drawn are whole per-mille, except 1/3
        quota = -(-n // 3) if share == 1 / 3 else -(-(round(share * 1000) * n) // 1000)
        worse = {r.subject_id: sum(o.position > r.position for o in pool) for r in pool}
        better = {r.subject_id: sum(o.position < r.position for o in pool) for r in pool}
        for r in pool:
            expect_warn = r.vetoed or (better[r.subject_id] > 0 and worse[r.subject_id] < quota)
            expect_prio = not r.vetoed and worse[r.subject_id] > 0 and better[r.subject_id] < quota
            assert (r.subject_id in warn) == expect_warn, (r, quota)
            assert (r.subject_id in prio) == expect_prio, (r, quota)
        # equal positions are treated alike; the quota is met whenever enough subjects are eligible
        for a in pool:
            for b in pool:
                if a.position == b.position:
                    assert (a.subject_id in warn) == (b.subject_id in warn)
                    assert (a.subject_id in prio) == (b.subject_id in prio)
        eligible = [r for r in pool if not r.vetoed and worse[r.subject_id] > 0]
        chosen = [r for r in pool if r.subject_id in prio]
        assert len(chosen) >= min(quota, len(eligible))


@given(populations(), st.sampled_from([0.1, 0.2, 0.5]), st.sampled_from([0.1, 0.2]), st.randoms(use_true_random=False))
def test_pairing_covers_every_bottom_subject_and_is_deterministic(entries, w_share, p_share, rnd):
    ranks = rank(entries)
    bottom, top = warning_list(ranks, w_share), priority_list(ranks, p_share)
    result = pair(bottom, top)
    assert sorted(p.bottom_id for p in result.pairs) == sorted(bottom.ids)
    tops = {r.subject_id: r for r in (e.rank for e in top.entries)}
    groups = defaultdict(lambda: [0, 0])
    for e in bottom.entries:
        groups[(e.rank.kind, e.rank.group)][0] += 1
    for t in tops.values():
        groups[(t.kind, t.group)][1] += 1
    in_group_load = Counter()
    for p in result.pairs:
        assert p.top_id != p.bottom_id
        if p.top_id is None:
            assert not any(t.kind == p.kind and t.subject_id != p.bottom_id for t in tops.values())
            continue
        t = tops[p.top_id]
        assert t.kind == p.kind and not t.vetoed
        if p.fallback:
            assert not any(o.group == p.group and o.kind == p.kind and o.subject_id != p.bottom_id
                           for o in tops.values())
        else:
            assert t.group == p.group
            in_group_load[(p.top_id, p.kind, p.group)] += 1
    on_both = set(bottom.ids) & set(tops)
    for (_, kind, group), load in in_group_load.items():
        b, t = groups[(kind, group)]
        # a subject on both lists cannot mentor itself, which may leave more for the others
        assert load <= math.ceil(b / t) + len(on_both)
        if not on_both:
            assert load <= math.ceil(b / t)
    shuffled_b, shuffled_t = list(bottom.entries), list(top.entries)
    rnd.shuffle(shuffled_b)
    rnd.shuffle(shuffled_t)
    assert pair(shuffled_b, shuffled_t) == result
