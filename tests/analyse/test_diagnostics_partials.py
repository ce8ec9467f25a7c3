"""Diagnostics from partial statistics: a score table cut into partitions anywhere (empty ones included), their
partials merged in any order and grouping, gives the same Diagnostics as diagnose on the whole table, bit for bit;
the statistics finished from exact integer moments agree with polars' own; a partial pickles and stays small."""

from __future__ import annotations

import functools
import itertools
import math
import pickle

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

import partyrules as pr
from partyrules.analyse.diagnostics import (
    DiagnosticPartial,
    Diagnostics,
    diagnose,
    diagnostic_partial,
    diagnostics_from_partial,
    merge_diagnostic_partials,
)
from partyrules.errors import PartyRulesError
from partyrules.score.table import PopulationScores
from partyrules.shipped_rulesets import shipped_ruleset_path
from partyrules.synthetic import generate_population
from synth_scores import Knobs, synthetic_scores

knobs = st.builds(Knobs, veto_rate=st.sampled_from([0.0, 0.2]), discrete=st.sampled_from([0.0, 0.7, 1.0]),
                  deduction_rate=st.sampled_from([0.0, 0.5, 1.0]), cap_bind=st.sampled_from([0.0, 0.4]))


@functools.cache
def generated(kind: str) -> PopulationScores:
    """A generated population scored by the vector backend under a shipped member index (some members are not
    applicable to it, so coverage has them)."""
    rs = pr.load_ruleset(shipped_ruleset_path(kind))
    return pr.score_population(rs, generate_population(600, seed=7), "2026", backend="vector")


@st.composite
def score_tables(draw: st.DrawFn, example: pr.RuleSet) -> PopulationScores:
    source = draw(st.sampled_from(["synthetic", "in_service", "retired"]))
    if source == "synthetic":
        return synthetic_scores(example, draw(st.integers(0, 80)), draw(st.integers(0, 10_000)), draw(knobs))
    return generated(source)


def coverage_of(scores: PopulationScores) -> dict[str, int]:
    return {"not_applicable": len(scores.not_applicable), "failed": len(scores.failures)}


def partitions(frame: pl.DataFrame, cuts: list[int]) -> list[pl.DataFrame]:
    """``frame`` cut at the given row positions (repeated or end cuts make empty partitions)."""
    edges = [0, *sorted(min(c, frame.height) for c in cuts), frame.height]
    return [frame.slice(a, b - a) for a, b in itertools.pairwise(edges)]


def exact_rows(frame: pl.DataFrame) -> list[tuple[str, ...]]:
    # repr of a float round-trips its bits (and tells -0.0 from 0.0), so equal reprs are bit-for-bit equal
    return [tuple(repr(v) for v in row) for row in frame.iter_rows()]


def assert_identical(a: Diagnostics, b: Diagnostics) -> None:
    assert (a.ruleset_id, a.subject_kind, a.subjects, a.window, a.alpha) == \
        (b.ruleset_id, b.subject_kind, b.subjects, b.window, b.alpha)
    for name in ("rules", "dimensions", "correlations", "crowding", "vetoes"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.schema == y.schema, name
        assert x.equals(y), name
        assert exact_rows(x) == exact_rows(y), name
    assert a.coverage == b.coverage and list(a.coverage) == list(b.coverage)
    assert a.notes == b.notes
    assert a.findings() == b.findings() and a.findings(lang="zh") == b.findings(lang="zh")
    assert a.summary() == b.summary()


@given(data=st.data(), cuts=st.lists(st.integers(0, 1_000), max_size=6),
       window=st.sampled_from([0.5, 2.0, 7.5]), alpha=st.sampled_from([0.01, 0.2]))
def test_any_partitioning_gives_the_same_diagnostics_as_diagnose(example_rs, data, cuts, window, alpha):
    scores = data.draw(score_tables(example_rs))
    rs = scores.ruleset
    whole = diagnose(scores, window=window, alpha=alpha)
    parts = [diagnostic_partial(p, rs, window=window) for p in partitions(scores.frame, cuts)]
    assert sum(p.subjects for p in parts) == scores.frame.height
    merged = merge_diagnostic_partials(parts)
    assert merged == diagnostic_partial(scores.frame, rs, window=window)
    assert_identical(diagnostics_from_partial(merged, rs, coverage=coverage_of(scores), alpha=alpha), whole)


@given(data=st.data(), cuts=st.lists(st.integers(0, 1_000), min_size=1, max_size=7))
def test_merging_in_any_order_and_grouping_gives_the_same_partial(example_rs, data, cuts):
    scores = data.draw(score_tables(example_rs))
    parts = [diagnostic_partial(p, scores.ruleset) for p in partitions(scores.frame, cuts)]
    in_order = merge_diagnostic_partials(parts)
    shuffled = data.draw(st.permutations(parts))
    assert merge_diagnostic_partials(shuffled) == in_order
    k = data.draw(st.integers(1, len(shuffled) - 1))
    grouped = merge_diagnostic_partials([merge_diagnostic_partials(shuffled[:k]),
                                         merge_diagnostic_partials(shuffled[k:])])
    assert grouped == in_order
    assert merge_diagnostic_partials([in_order]) is in_order


def _close(got: float | None, expected: float | None) -> None:
    assert got is not None and expected is not None and math.isfinite(expected)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-9)


@given(data=st.data())
def test_finished_moments_agree_with_polars(example_rs, data):
    scores = data.draw(score_tables(example_rs))
    f, rs = scores.frame, scores.ruleset
    d = diagnose(scores)
    if f.height == 0:
        assert d.rules["mean"].null_count() == d.rules.height
        return
    rule_cols = [f"rule:{r.id}" for r in (*rs.standards, *rs.deductions)]
    raw = f.select(pl.sum_horizontal(rule_cols).alias("raw"))["raw"]
    total_var = f["total"].var(ddof=0)
    for r in d.rules.iter_rows(named=True):
        x = f[f"rule:{r['rule_id']}"]
        _close(r["mean"], x.mean())
        _close(r["std"], x.std(ddof=0))
        rest = raw - x
        if x.std(ddof=0) > 1e-6 and rest.std(ddof=0) > 1e-6:
            _close(r["item_rest_corr"], pl.select(pl.corr(x, rest)).item())
        if total_var > 1e-6:
            _close(r["variance_share"], pl.select(pl.cov(x, f["total"], ddof=0)).item() / total_var)
    for row in d.dimensions.iter_rows(named=True):
        x = f[f"dim:{row['dimension']}"]
        _close(row["mean"], x.mean())
        _close(row["std"], x.std(ddof=0))
    ids = d.correlations["rule_id"].to_list()
    for a in ids:
        for b in ids:
            got = d.correlations.filter(pl.col("rule_id") == a)[b][0]
            if a == b:
                assert got == 1.0
            elif f.height >= 2:
                _close(got, pl.select(pl.corr(f[f"rule:{a}"], f[f"rule:{b}"])).item())


def test_a_partial_pickles_and_its_size_does_not_grow_with_the_rows(example_rs):
    scores = generated("in_service")
    whole = diagnostic_partial(scores.frame, scores.ruleset)
    again = pickle.loads(pickle.dumps(whole))
    assert isinstance(again, DiagnosticPartial) and again == whole
    assert_identical(diagnostics_from_partial(again, scores.ruleset, coverage=coverage_of(scores)), diagnose(scores))
    one = diagnostic_partial(scores.frame.head(1), scores.ruleset)
    for name, value in vars(whole).items():
        if isinstance(value, tuple):
            assert len(value) == len(getattr(one, name)), name
    assert len(pickle.dumps(whole)) < 3 * len(pickle.dumps(one))
    small = synthetic_scores(example_rs, 5, 1)
    assert pickle.loads(pickle.dumps(diagnostic_partial(small.frame, example_rs))) == \
        diagnostic_partial(small.frame, example_rs)


def test_mismatched_partials_and_bad_tables_are_clear_errors(example_rs, zero_rs):
    scores = synthetic_scores(example_rs, 20, 3)
    p = diagnostic_partial(scores.frame, example_rs)
    with pytest.raises(PartyRulesError, match="window"):
        merge_diagnostic_partials([p, diagnostic_partial(scores.frame, example_rs, window=3.0)])
    with pytest.raises(PartyRulesError, match="cannot merge"):
        merge_diagnostic_partials([p, diagnostic_partial(synthetic_scores(zero_rs, 4, 1).frame, zero_rs)])
    with pytest.raises(PartyRulesError, match="no partials"):
        merge_diagnostic_partials([])
    with pytest.raises(PartyRulesError, match="another rule set"):
        diagnostics_from_partial(p, zero_rs, coverage={})
    with pytest.raises(PartyRulesError, match="coverage"):
        diagnostics_from_partial(p, example_rs, coverage={"scored": 21})
    with pytest.raises(PartyRulesError, match="alpha"):
        diagnostics_from_partial(p, example_rs, coverage={}, alpha=1.0)
    with pytest.raises(PartyRulesError, match="window"):
        diagnostic_partial(scores.frame, example_rs, window=0.0)
    with pytest.raises(PartyRulesError, match="lacks the column"):
        diagnostic_partial(scores.frame.drop("total"), example_rs)
    nan = scores.frame.with_columns(pl.lit(float("nan")).alias("total"))
    with pytest.raises(PartyRulesError, match="non-finite"):
        diagnostic_partial(nan, example_rs)
    # coverage without "scored" takes it from the partial; a failure count adds the same note as diagnose
    d = diagnostics_from_partial(p, example_rs, coverage={"not_applicable": 2, "failed": 1})
    assert d.coverage == {"scored": 20, "not_applicable": 2, "failed": 1}
    assert any("could not be scored" in n for n in d.notes)
