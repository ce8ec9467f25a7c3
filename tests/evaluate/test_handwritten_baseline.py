"""The hand-written polars baseline of issue 5's benchmark scores the same rules as the vectorised backend.

benchmarks/handwritten_in_service.py writes the in-service member index by hand; the benchmark compares its speed
with ``score_population``. That comparison means something only if both compute the same thing, so here every
in-service member's total, grade, dimension subtotals and veto must equal the vectorised backend's, on the demo
sub-district, on generated members, on generated members bent towards the edge cases (missing records, gaps,
lapses, no appraisal, no registration, health limits, repeated conduct), and with changed parameters.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import partyrules as pr
from partyrules.population.frames import Population
from partyrules.synthetic import generate_population, generate_subdistrict

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
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
    pop = pr.facts_to_population(generate_subdistrict(seed=seed).members)
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
    # conduct in-service members are rarely or never generated with: instigated neighbour disputes twice (one line
    # with morality and encroachment, capped at 5) and neglected posts (IN.K15 also without any claimed post)
    inc, row = t["incidents"], pl.int_range(pl.len())
    copies = [inc.filter(row % 3 == 0).with_columns(pl.lit("neighbour_dispute_instigation").alias("kind"),
                                                    pl.lit(None, dtype=pl.String).alias("consequence"),
                                                    (pl.col("incident_id") + suffix).alias("incident_id"))
              for suffix in ("-n1", "-n2")]
    copies.append(inc.filter(row % 4 == 1).with_columns(pl.lit("post_neglect").alias("kind"),
                                                        pl.lit(None, dtype=pl.String).alias("consequence"),
                                                        (pl.col("incident_id") + "-p").alias("incident_id")))
    t["incidents"] = pl.concat([inc, *copies])
    return Population(pop.subject_kind, t)


def _year_sums(pop: Population) -> pl.DataFrame:
    """Per member, what the health-limited adjustments and the appraisal read, straight from the facts."""
    sums = (pop.tables["records"].filter(pl.col("month").str.starts_with("2026-")).group_by("subject_id")
            .agg(pl.col("policy_promotion_events").sum().alias("policy"),
                 pl.col("volunteer_hours").sum().alias("hours"),
                 pl.col("households_contacted").sum().alias("contacts"),
                 pl.col("community_activities").sum().alias("community")))
    posts = pop.tables["claimed_posts"].group_by("subject_id").agg(pl.col("active").sum().alias("posts_active"))
    appraisal = pop.tables["annual"].filter(pl.col("year") == 2026).select("subject_id", "employer_appraisal")
    return (pop.subjects.select("subject_id", "health_limited", "is_organ_staff", "registered_with_community_on",
                                pl.col("linked_household_ids").list.len().alias("n_linked"))
            .join(sums, on="subject_id", how="left").join(posts, on="subject_id", how="left")
            .join(appraisal, on="subject_id", how="left")
            .with_columns(pl.col("policy", "hours", "contacts", "community", "posts_active").fill_null(0)))


def test_edge_cases(ruleset: pr.RuleSet) -> None:
    pop = _bent(generate_population(2000, seed=9, categories={"in_service": 0.8, "retired": 0.2}))
    vec = _assert_same(ruleset, pop)
    # the bent cases were reached: lapse vetoes, the 三不党员 deduction, no records, no appraisal, floors
    assert vec.get_column("veto:MV4").sum() > 50
    assert (vec.get_column("rule:IN.K10") < 0).sum() > 50
    assert (vec.get_column("rule:IN.S07") == 4).sum() > 50  # no records: nothing was asked
    assert vec.filter(pl.col("dim:IN.D2") == 0).height > 0
    # conduct: the shared morality line at its cap of 5, a neglected post without any claimed post
    facts = vec.join(_year_sums(pop), on="subject_id")
    assert (facts.get_column("rule:IN.K20") == -5).sum() > 20
    assert facts.filter((pl.col("posts_active") == 0) & (pl.col("rule:IN.K15") < 0)).height > 5


def test_not_assessed_and_health_limited(ruleset: pr.RuleSet) -> None:
    """The cases of the rules' newer semantics agree and were reached: no appraisal on file (IN.S09 not assessed,
    the total put back on the scale of 100) and health-limited members on the items that ask them for less."""
    pop = _bent(generate_population(1500, seed=4, categories={"in_service": 1.0}))
    facts = _assert_same(ruleset, pop).join(_year_sums(pop), on="subject_id")
    dims = pl.sum_horizontal([pl.col(f"dim:{d}") for d in hw.DIMENSION_MAX]).round(6)
    none = facts.filter(pl.col("employer_appraisal").is_null())
    assert none.height > 100
    assert (none.get_column("rule:IN.S09") == 0).all()
    assert (none.get_column("dim:IN.D3") <= 12).all()
    scaled = none.select((pl.col("total") - (dims * 100 / 92).round(6)).abs().max()).item()
    assert scaled <= 1e-6
    assert none.filter(pl.col("total") > dims + 1).height > 50
    p = hw.PARAMS
    hl = facts.filter(pl.col("health_limited"))
    assert hl.height > 100
    # reached only because the target is smaller for them: a full IN.S04, S13 or S14 short of the full target
    assert hl.filter((pl.col("rule:IN.S04") == 6) & (pl.col("policy") < p["policy_events_per_year"])).height > 10
    full_hours = pl.when(pl.col("is_organ_staff")).then(p["organ_volunteer_hours"]) \
        .otherwise(p["other_volunteer_hours"])
    assert hl.filter((pl.col("rule:IN.S13") == 8) & (pl.col("hours") < full_hours)).height > 10
    visits_full = pl.when(pl.col("n_linked") >= p["linked_households"]).then(5.0).otherwise(3.0)
    assert hl.filter((pl.col("n_linked") > 0) & (pl.col("contacts") < pl.col("n_linked") * 4)
                     & (pl.col("rule:IN.S14") == visits_full)).height > 10
    # IN.K19 spares them: registered, no community activity, nothing taken
    idle = hl.filter(pl.col("registered_with_community_on").is_not_null() & (pl.col("community") == 0))
    assert idle.height > 0 and (idle.get_column("rule:IN.K19") == 0).all()


@pytest.mark.parametrize("params", [
    {"lapse_months": 3, "absence_run_months": 2, "health_limited_attendance_share": 0.8},
    {"organ_volunteer_hours": 40, "other_volunteer_hours": 20, "volunteer_shortfall_share": 0.9,
     "linked_households": 3, "posts_min": 0, "posts_max": 1, "notes_per_year": 12, "policy_events_per_year": 8},
    # health-limited members exempted: every target of theirs is 0 (a ratio earns its full points; the household
    # visits' share divides by 0, which is unknown and coalesced to 0)
    {"health_limited_attendance_share": 0, "health_limited_service_share": 0},
    {"health_limited_attendance_share": 0.3, "health_limited_service_share": 0.8},
])
def test_changed_parameters(ruleset: pr.RuleSet, params: dict[str, Any]) -> None:
    pop = _bent(generate_population(1500, seed=2))
    _assert_same(ruleset, pop, params)
