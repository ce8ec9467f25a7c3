"""The hand-written polars baseline of issue 5's benchmark scores the same rules as the vectorised backend.

benchmarks/handwritten_in_service.py writes the in-service member index by hand; the benchmark compares its speed
with ``score_population``. That comparison means something only if both compute the same thing, so here every
in-service member's total, grade, dimension subtotals and veto must equal the vectorised backend's, on the demo
sub-district, on generated members, on generated members bent towards the edge cases (missing records, gaps,
lapses, no appraisal, no registration, health limits), and with changed parameters.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import partyrules as pr
from partyrules.population.frames import Population
from partyrules.population.generate import generate_population

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import handwritten_in_service as hw

TOL = 1e-6


@pytest.fixture(scope="module")
def ruleset() -> pr.RuleSet:
    return pr.load_ruleset(pr.shipped_rulesets.shipped_ruleset_path("in_service"))


def _assert_same(rs: pr.RuleSet, pop: Population, params: dict[str, Any] | None = None) -> pl.DataFrame:
    """Compare the baseline with the vectorised backend on ``pop``; return the backend's frame of in-service
    members (for the callers' checks that the case they built was really exercised)."""
    res = pr.score_population(rs, pop, "2026", params=params)
    assert res.failures == []
    vec = res.frame.filter(pl.col("category") == "in_service")
    mine = hw.score_in_service(pop.tables, 2026, params, detail=True)
    assert set(mine.get_column("subject_id")) == set(vec.get_column("subject_id"))
    assert mine.height == vec.height > 0
    j = vec.join(mine, on="subject_id", how="inner", suffix="_hw")
    assert j.height == vec.height
    for col in ["total", *(f"dim:{d}" for d in hw.DIMENSION_MAX)]:
        diff = (j.get_column(col) - j.get_column(f"{col}_hw")).abs()
        worst = j.filter(diff > TOL).select("subject_id", col, f"{col}_hw").head(5)
        assert worst.height == 0, f"{col} differs:\n{worst}"
    for col in ("grade", "vetoed"):
        worst = j.filter(pl.col(col) != pl.col(f"{col}_hw")).select("subject_id", col, f"{col}_hw").head(5)
        assert worst.height == 0, f"{col} differs:\n{worst}"
    return vec


def test_constants_are_the_rule_sets(ruleset: pr.RuleSet) -> None:
    assert {k: ruleset.params[k] for k in hw.PARAMS} == hw.PARAMS
    assert {d.id: d.max for d in ruleset.dimensions} == hw.DIMENSION_MAX
    assert [(g.id, g.at_least) for g in ruleset.grades] == [*hw.GRADES, (hw.LOWEST_GRADE, 0.0)]
    assert ruleset.spec.veto_effect == "lowest_grade"


@pytest.mark.parametrize("seed", [1, 7])
def test_demo_subdistrict(ruleset: pr.RuleSet, seed: int) -> None:
    pop = pr.facts_to_population(pr.generate_subdistrict(seed=seed).members)
    vec = _assert_same(ruleset, pop)
    # the sub-district holds other categories, which neither side scores
    assert pop.subjects.filter(pl.col("category") != "in_service").height > 0
    assert vec.get_column("grade").n_unique() >= 3


def test_generated_members(ruleset: pr.RuleSet) -> None:
    pop = generate_population(3000, seed=5, categories={"in_service": 1.0})
    vec = _assert_same(ruleset, pop)
    assert vec.height == 3000


def _bent(pop: Population) -> Population:
    """The generated tables bent towards the cases generated members rarely show, every change a valid fact."""
    t = dict(pop.tables)
    ids = t["subjects"].get_column("subject_id")
    every = {k: ids.gather_every(k, offset=o).implode() for k, o in ((11, 0), (7, 1), (5, 2), (3, 0), (13, 4),
                                                                       (4, 1), (6, 3), (17, 5))}
    sid = pl.col("subject_id")
    month = pl.col("month").str.slice(5, 2)
    rec = t["records"]
    # no records at all; months missing (gaps break runs)
    rec = rec.filter(~sid.is_in(every[11]) & ~(sid.is_in(every[7]) & month.is_in(["05", "09"])))
    # seven months of lapse: no Party life, dues unpaid, assigned tasks not done
    lapse = sid.is_in(every[5]) & month.is_between(pl.lit("02"), pl.lit("08"))
    attended = [c for c in rec.columns if c.startswith("meetings_attended.")]
    rec = rec.with_columns(
        *(pl.when(lapse).then(0).otherwise(pl.col(c)).alias(c)
          for c in [*attended, "study_sessions_attended", "excused_absences", "tasks_completed"]),
        pl.when(lapse).then(pl.lit(False)).otherwise(pl.col("dues_paid_on_time")).alias("dues_paid_on_time"),
        pl.when(lapse).then(1).otherwise(pl.col("tasks_assigned")).alias("tasks_assigned"),
        pl.when(lapse).then(1).otherwise(pl.col("study_sessions_required")).alias("study_sessions_required"),
    )
    # three months of no Party life at the end of the year (the 三不党员 deduction, not yet the veto)
    away = sid.is_in(every[4]) & month.is_between(pl.lit("10"), pl.lit("12"))
    rec = rec.with_columns(*(pl.when(away).then(0).otherwise(pl.col(c)).alias(c)
                             for c in [*attended, "study_sessions_attended", "excused_absences"]))
    t["records"] = rec
    t["subjects"] = t["subjects"].with_columns(
        pl.when(sid.is_in(every[3])).then(~pl.col("health_limited")).otherwise(pl.col("health_limited"))
        .alias("health_limited"),
        pl.when(sid.is_in(every[13])).then(None).otherwise(pl.col("registered_with_community_on"))
        .alias("registered_with_community_on"),
        pl.when(sid.is_in(every[17])).then(pl.lit([], dtype=pl.List(pl.String)))
        .otherwise(pl.col("linked_household_ids")).alias("linked_household_ids"),
    )
    t["annual"] = t["annual"].filter(~sid.is_in(every[4])).with_columns(
        pl.when(sid.is_in(every[6])).then(None).otherwise(pl.col("employer_appraisal")).alias("employer_appraisal"))
    t["checklist"] = t["checklist"].with_columns(
        pl.when(pl.int_range(pl.len()) % 5 == 0).then(None).otherwise(pl.col("due")).alias("due"))
    return Population(pop.subject_kind, t)


def test_edge_cases(ruleset: pr.RuleSet) -> None:
    pop = _bent(generate_population(2000, seed=9, categories={"in_service": 0.8, "retired": 0.2}))
    vec = _assert_same(ruleset, pop)
    # the bent cases were reached: lapse vetoes, the 三不党员 deduction, no records, no appraisal, floors
    assert vec.get_column("veto:MV4").sum() > 50
    assert (vec.get_column("rule:IN.K10") < 0).sum() > 50
    assert (vec.get_column("rule:IN.S07") == 4).sum() > 50  # no records: nothing was asked
    assert vec.filter(pl.col("dim:IN.D2") == 0).height > 0


@pytest.mark.parametrize("params", [
    {"lapse_months": 3, "absence_run_months": 2, "health_limited_attendance_share": 0.8},
    {"organ_volunteer_hours": 40, "other_volunteer_hours": 20, "volunteer_shortfall_share": 0.9,
     "linked_households": 3, "posts_min": 0, "posts_max": 1, "notes_per_year": 12, "policy_events_per_year": 8},
])
def test_changed_parameters(ruleset: pr.RuleSet, params: dict[str, Any]) -> None:
    pop = _bent(generate_population(1500, seed=2))
    _assert_same(ruleset, pop, params)
