"""diagnose(): rates, ceilings and floors, discrimination, correlations, crowding, vetoes, findings; empty
populations and constant columns give nulls, never NaN."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from partyrules.analyse.diagnostics import diagnose
from partyrules.errors import PartyRulesError
from partyrules.score.table import PopulationScores, table_schema
from partyrules.synthetic import generate_subdistrict
from synth_scores import Knobs, synthetic_scores

knobs = st.builds(Knobs, veto_rate=st.sampled_from([0.0, 0.2]), discrete=st.sampled_from([0.0, 0.7, 1.0]),
                  deduction_rate=st.sampled_from([0.0, 0.5, 1.0]), cap_bind=st.sampled_from([0.0, 0.4]))


def _no_nan(frame: pl.DataFrame) -> bool:
    return all(not frame[c].is_nan().any() for c, t in frame.schema.items() if t == pl.Float64)


@given(n=st.integers(0, 50), seed=st.integers(0, 10_000), k=knobs, zero=st.booleans())
def test_rates_are_shares_and_nothing_is_nan(example_rs, zero_rs, n, seed, k, zero):
    d = diagnose(synthetic_scores(zero_rs if zero else example_rs, n, seed, k))
    for col in ("fires", "at_ceiling", "at_floor"):
        values = d.rules[col].drop_nulls()
        assert ((values >= 0) & (values <= 1)).all()
        assert values.len() == (d.rules.height if n else 0)
    assert ((d.vetoes["rate"].drop_nulls() >= 0) & (d.vetoes["rate"].drop_nulls() <= 1)).all()
    for frame in (d.rules, d.dimensions, d.correlations, d.crowding, d.vetoes):
        assert _no_nan(frame)
    assert all(isinstance(f, str) and f for f in d.findings())
    if n:
        # a rule fires or sits at 0: the two shares make one
        both = d.rules.select((pl.col("fires") + pl.col("at_floor")).alias("s"))["s"]
        assert ((both - 1).abs() < 1e-12).all()


@given(n=st.integers(3, 60), seed=st.integers(0, 10_000), k=knobs)
def test_statistics_match_numpy(example_rs, n, seed, k):
    scores = synthetic_scores(example_rs, n, seed, k)
    d = diagnose(scores)
    f = scores.frame
    rule_cols = [f"rule:{r.id}" for r in (*example_rs.standards, *example_rs.deductions)]
    raw = f.select(rule_cols).to_numpy().sum(axis=1)
    for r in d.rules.iter_rows(named=True):
        x = f[f"rule:{r['rule_id']}"].to_numpy()
        full = r["max_points"]
        ceil = np.mean(x >= full - 1e-6) if r["kind"] == "standard" else np.mean(x <= full + 1e-6)
        assert r["at_ceiling"] == pytest.approx(ceil)
        assert r["mean"] == pytest.approx(x.mean())
        if x.std() > 1e-6 and (raw - x).std() > 1e-9:
            assert r["item_rest_corr"] == pytest.approx(np.corrcoef(x, raw - x)[0, 1], abs=1e-9)
        elif x.std() <= 1e-6:
            assert r["item_rest_corr"] is None
    std_ids = d.correlations["rule_id"].to_list()
    for a in std_ids[:3]:
        for b in std_ids[:3]:
            expected = np.corrcoef(f[f"rule:{a}"].to_numpy(), f[f"rule:{b}"].to_numpy())[0, 1]
            got = d.correlations.filter(pl.col("rule_id") == a)[b][0]
            assert got == pytest.approx(expected, abs=1e-9)


@given(n=st.integers(3, 60), seed=st.integers(0, 10_000))
def test_variance_shares_add_up_to_one_without_caps_or_vetoes(zero_rs, n, seed):
    scores = synthetic_scores(zero_rs, n, seed, Knobs(veto_rate=0.0, cap_bind=0.0))
    d = diagnose(scores)
    if scores.frame["total"].var(ddof=0) > 1e-6:
        assert d.rules["variance_share"].sum() == pytest.approx(1.0, abs=1e-9)
    else:
        assert d.rules["variance_share"].null_count() == d.rules.height


def test_empty_population(example_rs):
    empty = PopulationScores(example_rs, pl.DataFrame(schema=table_schema(example_rs, ["category"])), "2026")
    d = diagnose(empty)
    assert d.subjects == 0
    assert d.rules["fires"].null_count() == d.rules.height
    assert not d.rules["never_fires"].any() and not d.rules["always_fires"].any()
    assert d.findings() == ["no members were scored: nothing to diagnose"]
    assert (d.crowding["below"] == 0).all() and d.crowding["p_below"].null_count() == d.crowding.height
    assert d.summary()["never_fire"] == []


def test_constant_columns_and_plain_findings(example_rs):
    scores = synthetic_scores(example_rs, 200, 5, Knobs(veto_rate=0.0))
    full = example_rs.standards[0]
    never = example_rs.deductions[0]
    f = scores.frame.with_columns(pl.lit(float(full.points)).alias(f"rule:{full.id}"),
                                  pl.lit(0.0).alias(f"rule:{never.id}"))
    d = diagnose(PopulationScores(example_rs, f, "2026"))
    row = d.rules.filter(pl.col("rule_id") == full.id).row(0, named=True)
    assert row["at_ceiling"] == 1.0 and row["item_rest_corr"] is None and row["always_fires"]
    assert full.id not in d.correlations["rule_id"].to_list()
    assert any(full.id in n and "constant" in n for n in d.notes)
    text = d.findings()
    assert f"{full.id}: 100% at full points: does not separate members" in text
    assert f"{never.id} never fires (0 of 200 members)" in text
    assert all("nan" not in t.lower() for t in text)


def test_crowding_below_a_boundary_is_flagged(example_rs):
    scores = synthetic_scores(example_rs, 300, 9, Knobs(veto_rate=0.0))
    rng = np.random.default_rng(0)
    # 120 subjects just under 90, 20 just over it, the rest far away
    totals = np.concatenate([rng.uniform(88.01, 89.99, 120), rng.uniform(90.0, 91.99, 20), rng.uniform(0, 50, 160)])
    f = scores.frame.with_columns(pl.Series("total", totals), pl.lit(False).alias("vetoed"))
    d = diagnose(PopulationScores(example_rs, f, "2026"), window=2.0)
    row = d.crowding.filter(pl.col("grade") == "excellent").row(0, named=True)
    assert (row["below"], row["above"]) == (120, 20)
    assert row["bunching_below"] and row["p_below"] < 1e-10
    assert any("just below the excellent boundary" in t for t in d.findings())
    # the Chinese finding names the grade as the rule set does, not by its id
    assert any("“优秀”分界线" in t for t in d.findings(lang="zh"))
    assert not any("excellent" in t for t in d.findings(lang="zh"))
    even = f.with_columns(pl.Series("total", np.linspace(0, 100, 300)))
    assert not diagnose(PopulationScores(example_rs, even, "2026")).crowding["bunching_below"].any()


def test_vetoes_and_coverage(example_rs, in_service_population, real_pair):
    base, _ = real_pair
    d = diagnose(base, population=in_service_population)
    assert d.coverage["population"] == in_service_population.subjects.height
    assert d.coverage["scored"] == base.frame.height
    for v in d.vetoes.iter_rows(named=True):
        fired = int(base.frame[f"veto:{v['veto_id']}"].sum())
        assert v["fired"] == fired and v["rate"] == pytest.approx(fired / base.frame.height)
        assert v["only_veto"] <= v["fired"]
    # the real index has a rule that never fires in 300 members and standards nearly everyone meets
    never = d.rules.filter(pl.col("never_fires"))["rule_id"].to_list()
    for rid in never:
        assert (base.frame[f"rule:{rid}"] == 0).all()
    assert all(math.isfinite(x) for x in d.rules["variance_share"].drop_nulls())


def test_bad_arguments(example_rs):
    with pytest.raises(PartyRulesError, match="PopulationScores"):
        diagnose(pl.DataFrame())  # type: ignore[arg-type]
    with pytest.raises(PartyRulesError, match="window"):
        diagnose(synthetic_scores(example_rs, 3, 1), window=0)


def test_findings_in_chinese_say_the_same_things_as_in_english():
    import re

    import partyrules as pr

    sd = generate_subdistrict(seed=1)
    rs = pr.load_ruleset(pr.shipped_ruleset_path("in_service"))
    d = diagnose(pr.score_population(rs, sd.members, "2026"))
    en, zh = d.findings(), d.findings(lang="zh")
    assert len(en) == len(zh) > 0
    ids = re.compile(r"\b(?:IN\.[SKD]\d+|MV\d)\b")
    for a, b in zip(en, zh, strict=True):
        assert ids.findall(a) == ids.findall(b), (a, b)
    assert any("区分不出党员" in x for x in zh)
