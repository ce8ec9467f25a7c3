"""compare() from exact, mergeable partials (issue 7): any partitioning of the subjects, merged in any order,
gives the single-machine tables bit for bit; tau-b from a count table agrees with scipy; partials pickle."""

from __future__ import annotations

import math
import pickle
from collections import Counter

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from partyrules.comparison import (
    Comparison,
    ComparisonError,
    ComparisonStats,
    attribution_frame,
    compare,
    kendall_tau_b,
    moved_frame,
    wide_frame,
)
from partyrules.score.table import PopulationScores
from synth_scores import Knobs, synthetic_scores

knobs = st.builds(Knobs, veto_rate=st.sampled_from([0.0, 0.1, 0.4]), discrete=st.sampled_from([0.5, 1.0]),
                  deduction_rate=st.sampled_from([0.0, 0.3]), cap_bind=st.sampled_from([0.0, 0.5]))


def _split(scores: PopulationScores, part_of: dict[str, int], k: int) -> list[PopulationScores]:
    """The table cut into ``k`` partitions by the subject -> partition map shared by both sides."""
    ids = scores.frame["subject_id"].to_list()
    col = pl.Series("_p", [part_of[s] for s in ids], dtype=pl.Int64)
    f = scores.frame.with_columns(col)
    return [PopulationScores(scores.ruleset, f.filter(pl.col("_p") == i).drop("_p"), scores.period)
            for i in range(k)]


def _partials(c: Comparison, base: PopulationScores, reform: PopulationScores, part_of: dict[str, int], k: int,
              groups: pl.DataFrame | None) -> tuple[list[pl.DataFrame], list[ComparisonStats]]:
    wides, stats = [], []
    for b, r in zip(_split(base, part_of, k), _split(reform, part_of, k), strict=True):
        w = wide_frame(b, r, groups=groups, keys=c.keys)
        wides.append(w)
        stats.append(ComparisonStats.from_wide(w, by=c.by, keys=c.keys, grades=c.grades, top_k=c.top_k,
                                               epsilon=c.epsilon))
    return wides, stats


def _assert_same_tables(c: Comparison, s: ComparisonStats) -> None:
    assert s.grade_labels == c.grade_labels
    assert s.transition_counts().equals(c.transition_counts)
    assert s.kendall_tau().equals(c.kendall_tau)
    assert s.top_k_overlap().equals(c.top_k_overlap)
    assert s.rule_effects().equals(c.rule_effects)
    assert s.summary(c.base.ruleset, c.reform.ruleset) == c.summary()


@given(n=st.integers(0, 40), seed=st.integers(0, 10_000), k1=knobs, k2=knobs, shift=st.integers(0, 5),
       parts=st.integers(1, 5), top_k=st.integers(1, 6), zero=st.booleans(), data=st.data())
def test_any_partitioning_merged_in_any_order_gives_the_single_machine_tables(
        example_rs, zero_rs, n, seed, k1, k2, shift, parts, top_k, zero, data):
    rs_b = zero_rs if zero else example_rs
    base = synthetic_scores(example_rs, n, seed, k1)
    reform = synthetic_scores(rs_b, n, seed + 1, k2, id_offset=shift)
    ids = sorted(set(base.frame["subject_id"]) | set(reform.frame["subject_id"]))
    # a grouping with missing values, from a frame that also names subjects scored nowhere
    groups = pl.DataFrame({"subject_id": [*ids, "S9999999"],
                           "ward": [None if i % 5 == 0 else f"w{i % 3}" for i in range(len(ids) + 1)]})
    c = compare(base, reform, by=("category", "ward"), groups=groups, top_k=top_k)
    assert c.by == ("category", "ward")
    assignment = data.draw(st.lists(st.integers(0, parts - 1), min_size=len(ids), max_size=len(ids)))
    part_of = dict(zip(ids, assignment, strict=True))
    wides, stats = _partials(c, base, reform, part_of, parts, groups)

    # the partitions' rows are the whole frame's rows
    assert pl.concat(wides).sort("subject_id").equals(c.wide)
    order = data.draw(st.permutations(range(parts)))
    merged = ComparisonStats.merge(stats[i] for i in order)
    _assert_same_tables(c, merged)
    if parts > 1:  # merging is associative: a tree of merges gives the same
        _assert_same_tables(c, ComparisonStats.merge([ComparisonStats.merge(stats[1:]),
                                                      ComparisonStats.merge(stats[:1])]))
    for name in ("transitions", "top", "sizes", "effects"):
        assert getattr(merged, name).equals(getattr(c.stats, name)), name
    keys = ["by", "group", "x", "y"]  # the count table of tau-b is in no particular order
    assert merged.tau_pairs.sort(keys).equals(c.stats.tau_pairs.sort(keys))
    assert merged.counts == c.stats.counts

    # per-subject tables work partition by partition
    moved = pl.concat([moved_frame(w, c.keys, epsilon=c.epsilon) for w in wides]).sort("subject_id")
    assert moved.equals(c.moved)
    attribution = pl.concat([attribution_frame(w, c.keys) for w in wides])
    assert attribution.sort("subject_id", maintain_order=True).equals(c.attribution)


def test_a_real_population_in_three_partitions(real_pair):
    base, reform = real_pair
    c = compare(base, reform, top_k=10)
    ids = base.frame["subject_id"].to_list()
    part_of = {s: i % 3 for i, s in enumerate(ids)}
    _, stats = _partials(c, base, reform, part_of, 3, None)
    merged = ComparisonStats.merge(stats[::-1])
    _assert_same_tables(c, merged)
    assert c.summary()["moved"] == c.moved.height > 0


def test_partials_pickle(example_rs):
    base = synthetic_scores(example_rs, 30, 7)
    reform = synthetic_scores(example_rs, 30, 8, id_offset=3)
    c = compare(base, reform, top_k=4)
    back = pickle.loads(pickle.dumps(c.stats))
    assert isinstance(back, ComparisonStats)
    for name in ("transitions", "tau_pairs", "top", "sizes", "effects"):
        assert getattr(back, name).equals(getattr(c.stats, name)), name
    assert (back.by, back.keys, back.grades, back.top_k, back.counts) == \
        (c.stats.by, c.stats.keys, c.stats.grades, c.stats.top_k, c.stats.counts)
    _assert_same_tables(c, back)


def test_merge_refuses_partials_of_different_comparisons(example_rs):
    base = synthetic_scores(example_rs, 10, 1)
    a = compare(base, base, top_k=3).stats
    b = compare(base, base, top_k=4).stats
    with pytest.raises(ComparisonError, match="different comparisons"):
        ComparisonStats.merge([a, b])
    with pytest.raises(ComparisonError, match="no partials"):
        ComparisonStats.merge([])


# -- tau-b against scipy -----------------------------------------------------------------------------------------

def _scipy(x: list[float], y: list[float]) -> tuple[float, float]:
    from scipy.stats import kendalltau

    with np.errstate(all="ignore"):
        res = kendalltau(np.asarray(x, dtype=float), np.asarray(y, dtype=float), variant="b",
                         method="asymptotic")
    return float(res.statistic), float(res.pvalue)


def _check_against_scipy(x: list[float], y: list[float], counts: list[int] | None = None) -> None:
    tau, p = kendall_tau_b(x, y, counts)
    xs = np.repeat(x, counts) if counts is not None else np.asarray(x, dtype=float)
    ys = np.repeat(y, counts) if counts is not None else np.asarray(y, dtype=float)
    n = xs.size
    defined = n >= 2 and len(set(xs.tolist())) > 1 and len(set(ys.tolist())) > 1
    if not defined:
        assert (tau, p) == (None, None)
        if n >= 3:
            assert math.isnan(_scipy(xs.tolist(), ys.tolist())[0])
        return
    assert tau is not None and p is not None
    if n == 2:
        # scipy's asymptotic variance divides by n - 2; its term is 0 here (no value is tied 3 times), so the
        # variance is n(n-1)(2n+5)/18 = 1 and |S| = 1
        from scipy.stats import kendalltau, norm

        assert tau == pytest.approx(float(kendalltau(xs, ys, variant="b").statistic), abs=1e-9)
        assert p == pytest.approx(float(2 * norm.sf(1.0)), abs=1e-9)
        return
    exp_tau, exp_p = _scipy(xs.tolist(), ys.tolist())
    assert tau == pytest.approx(exp_tau, abs=1e-9)
    assert p == pytest.approx(exp_p, abs=1e-9)


@given(pairs=st.lists(st.tuples(st.integers(-3, 6), st.integers(-3, 6)), max_size=40),
       scale=st.sampled_from([1.0, 0.5, -1.0]))
def test_tau_b_matches_scipy_with_ties(pairs, scale):
    x = [a * scale for a, _ in pairs]
    y = [b * scale for _, b in pairs]
    _check_against_scipy(x, y)
    # the same pairs as a count table of distinct pairs, in any order
    table = Counter(zip(x, y, strict=True))
    keys = sorted(table, reverse=True)
    _check_against_scipy([a for a, _ in keys], [b for _, b in keys], [table[k] for k in keys])
    got = kendall_tau_b(x, y)
    assert kendall_tau_b([a for a, _ in keys], [b for _, b in keys], [table[k] for k in keys]) == got


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tau_b_matches_scipy_on_larger_samples(seed):
    rng = np.random.default_rng(seed)
    n = 3000
    x = np.round(rng.normal(0, 1, n), 1)  # about 60 distinct values: many ties
    y = np.where(rng.random(n) < 0.5, x, np.round(rng.uniform(-3, 3, n), 2))
    x[:5] = -0.0  # a negative zero ties with zero
    x[5:10] = 0.0
    _check_against_scipy(x.tolist(), y.tolist())


def test_tau_b_counts_beyond_a_million():
    # joint counts above 2**20 take the exact big-integer path for the tie terms; the association is weak, so
    # that the p-value is far from 0 and shows an error in the variance
    x = [0.0, 0.0, 1.0, 1.0, 2.0]
    y = [0.0, 1.0, 0.0, 1.0, 1.0]
    counts = [1_100_000, 1_000_000, 1_102_000, 1_000_000, 7]
    _check_against_scipy(x, y, counts)


def test_tau_b_is_undefined_for_fewer_than_two_or_a_constant_side():
    assert kendall_tau_b([], []) == (None, None)
    assert kendall_tau_b([1.0], [2.0]) == (None, None)
    assert kendall_tau_b([1.0, 2.0], [2.0, 1.0], [1, 0]) == (None, None)
    assert kendall_tau_b([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]) == (None, None)
    assert kendall_tau_b([1.0, 2.0, 3.0], [4.0, 4.0, 4.0]) == (None, None)
    with pytest.raises(ValueError, match="length"):
        kendall_tau_b([1.0], [1.0, 2.0])
