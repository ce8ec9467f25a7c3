"""A hand-written polars version of the in-service member index (rulesets/member-in-service.yaml), as a baseline.

Issue 5 asks how partyrules' vectorised backend compares with "a hand-written polars expression of the same rules
in the same run". This module is that expression: what an analyst fluent in polars would write directly for one
rule set, with no compiler in between. It reads none of partyrules' compiler or scorer (only the tables of a
:class:`~partyrules.population.frames.Population`), and the test tests/test_handwritten_baseline.py proves that it
gives the vectorised backend's totals and grades, so that a benchmark of the two compares the same rules.

Shape of the computation:

1. the facts in front of the rules: records of the year, verified incidents and commendations within the year,
   checklist items due within the year, the year's annual evaluation, in-service members only;
2. one group-by over the records computing every per-member aggregate at once (sums, conditional sums and
   counts, and the three longest runs of consecutive months), one over incidents (counts by kind), and small
   group-bys over commendations, claimed posts and the checklist, all left-joined to the members;
3. plain column arithmetic: each standard's points, each deduction's points (capped), the dimension subtotals
   (between 0 and the dimension's max), the vetoes, the total and the grade.

Parameters are the rule set's defaults, written out in :data:`PARAMS` (the test checks them against the YAML).
Only whole calendar years are scored (``period.months`` is 12), which is what the benchmark runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import polars as pl

# rulesets/member-in-service.yaml and member-vetoes.yaml, default values
PARAMS: dict[str, float] = {
    "organ_volunteer_hours": 100,
    "other_volunteer_hours": 50,
    "volunteer_shortfall_share": 0.5,
    "linked_households": 5,
    "posts_min": 1,
    "posts_max": 2,
    "notes_per_year": 4,
    "policy_events_per_year": 4,
    "health_limited_attendance_share": 0.5,
    "absence_run_months": 3,
    "lapse_months": 6,
}
MONTHS = 12  # a calendar year
DIMENSION_MAX = {"IN.D1": 20.0, "IN.D2": 20.0, "IN.D3": 20.0, "IN.D4": 25.0, "IN.D5": 15.0}
GRADES = (("excellent", 90.0), ("qualified", 70.0), ("basically_qualified", 60.0))
LOWEST_GRADE = "unqualified"
SIX_ROLES = ["policy_promoter", "volunteer_server", "environment_monitor", "security_patrol", "mediator",
             "opinion_collector", "grid_worker"]
# incident counts the rules read: column name -> incident kinds
INCIDENT_KINDS: dict[str, list[str]] = {
    "i_discipline": ["discipline_light", "employer_sanction"],
    "i_morality_any": ["public_morality_breach", "domestic_violence_or_neglect", "complaint_substantiated"],
    "i_integrity": ["abuse_of_power_for_gain", "extravagant_ceremony"],
    "i_speech": ["improper_speech"],
    "i_refused_commitment": ["refused_commitment"],
    "i_task_refused": ["task_refused"],
    "i_work_error": ["work_error"],
    "i_admonishment": ["admonishment"],
    "i_employer_sanction": ["employer_sanction"],
    "i_complaint": ["complaint_substantiated"],
    "i_morality": ["public_morality_breach", "domestic_violence_or_neglect"],
    "i_ceremony": ["extravagant_ceremony", "gambling", "superstition"],
    "i_building": ["illegal_building", "public_space_encroachment"],
    "v_opposes": ["anti_party_speech", "illegal_org_participation"],
    "v_sanction": ["discipline_heavy", "criminal_conviction"],
}
# the four meetings of 三会一课, and every kind of Party life (for the lapse runs)
THREE_ONE = ["member_meeting", "committee_meeting", "group_meeting", "party_lecture"]
ALL_MEETINGS = [*THREE_ONE, "theme_day", "org_life_meeting", "democratic_review"]


def _total(prefix: str, names: list[str]) -> pl.Expr:
    return pl.sum_horizontal([pl.col(f"{prefix}.{n}") for n in names])


def _clip01(x: pl.Expr) -> pl.Expr:
    return x.clip(0.0, 1.0)


def _ratio(points: float, num: pl.Expr, den: pl.Expr) -> pl.Expr:
    """``ratio``/``ratio_to``: points x num/den kept in [0, points]; a missing or non-positive denominator earns
    the full points, a missing numerator nothing."""
    return (pl.when(den.is_null() | (den <= 0)).then(points)
            .when(num.is_null()).then(0.0)
            .otherwise(points * _clip01(num / den))).round(6)


def _deduct(points: float, cap: float, per: pl.Expr, when: pl.Expr | None = None) -> pl.Expr:
    """A deduction's (positive) amount: min(per x points, cap); a missing or negative per takes nothing."""
    occ = pl.when(per.is_not_null() & (per > 0)).then(per.cast(pl.Float64)).otherwise(0.0)
    if when is not None:
        occ = pl.when(when).then(occ).otherwise(0.0)
    return (occ * points).round(6).clip(upper_bound=cap)


def _longest_run(flag: pl.Expr) -> pl.Expr:
    """Inside a group-by over records sorted by month: the longest run of consecutive months with ``flag``.

    Among the flagged months, ``month_index - (flagged months so far)`` is constant exactly over a run of
    consecutive calendar months (a month without a flag, or without a record, moves it on), so the longest run
    is the largest count of one value."""
    key = pl.col("_idx") - flag.cast(pl.Int64).cum_sum()
    return key.filter(flag).unique_counts().max().fill_null(0)


def _record_aggregates(records: pl.DataFrame) -> pl.DataFrame:
    att4, req4 = _total("meetings_attended", THREE_ONE), _total("meetings_required", THREE_ONE)
    att_all = _total("meetings_attended", ALL_MEETINGS) + pl.col("study_sessions_attended")
    req_all = _total("meetings_required", ALL_MEETINGS) + pl.col("study_sessions_required")
    exc = pl.col("excused_absences")
    s_att, s_req = pl.col("study_sessions_attended"), pl.col("study_sessions_required")
    theme_att, theme_req = pl.col("meetings_attended.theme_day"), pl.col("meetings_required.theme_day")
    recs = records.with_columns(
        (pl.col("month").str.slice(0, 4).cast(pl.Int64) * 12 + pl.col("month").str.slice(5, 2).cast(pl.Int64))
        .alias("_idx"),
        att4.alias("_att4"), req4.alias("_req4"),
        ((att_all == 0) & (exc < req_all)).alias("_absent"),
    ).sort("subject_id", "_idx")
    a4, r4 = pl.col("_att4"), pl.col("_req4")
    dues, duty = pl.col("dues_paid_on_time"), pl.col("post_duty_performed")
    return recs.group_by("subject_id").agg(
        pl.len().alias("n_rec"),
        # IN.S01 and IN.K01: study sessions (make-up sessions count; excused absences fill a short month)
        s_att.sum().alias("study_att"),
        pl.min_horizontal(exc, s_req - s_att).filter(s_att < s_req).sum().alias("study_excused"),
        s_req.sum().alias("study_req"),
        (s_req - s_att - exc).filter(s_att + exc < s_req).sum().alias("study_missed"),
        pl.col("notes_submitted").sum().alias("notes"),
        pl.col("policy_promotion_events").sum().alias("policy"),
        # IN.S05 and IN.K05: 三会一课
        pl.min_horizontal(a4 + exc, r4).sum().alias("meet_num"),
        r4.sum().alias("meet_req"),
        (r4 - a4 - exc).filter(a4 + exc < r4).sum().alias("meet_missed"),
        # IN.S06 and IN.K06: theme days
        (theme_att >= 1).sum().alias("theme_att"),
        ((theme_req >= 1) & ((theme_att >= 1) | (exc == 0))).sum().alias("theme_req"),
        ((theme_req >= 1) & (theme_att == 0) & (exc == 0)).sum().alias("theme_missed"),
        dues.sum().alias("dues_paid"),
        duty.sum().alias("duty_done"),
        pl.col("volunteer_hours").sum().alias("hours"),
        pl.col("households_contacted").sum().alias("contacts"),
        (pl.col("households_contacted") == 0).sum().alias("months_no_contact"),
        pl.col("suggestions_made").sum().alias("suggestions"),
        pl.col("difficulties_resolved").sum().alias("difficulties"),
        pl.col("tasks_completed").sum().alias("tasks_done"),
        pl.col("community_activities").sum().alias("community"),
        (pl.col("spot_check_passed") == False).sum().alias("spot_failed"),  # noqa: E712 - a null is no failure
        # IN.K10 and MV4: runs of lapsed months
        _longest_run(pl.col("_absent")).alias("run_absent"),
        _longest_run(~dues).alias("run_unpaid"),
        _longest_run((pl.col("tasks_assigned") > 0) & (pl.col("tasks_completed") == 0)).alias("run_idle"),
    )


def _incident_aggregates(incidents: pl.DataFrame) -> pl.DataFrame:
    kind = pl.col("kind")
    return incidents.group_by("subject_id").agg(
        *[kind.is_in(kinds).sum().alias(name) for name, kinds in INCIDENT_KINDS.items()],
        ((kind == "crisis_retreat") & pl.col("consequence").is_not_null()).sum().alias("v_retreat"),
        ((kind == "abuse_of_power_for_gain") & (pl.col("severity") == "serious")).sum().alias("v_abuse"),
    )


def score_in_service(tables: Mapping[str, pl.DataFrame], year: int = 2026,
                     params: Mapping[str, Any] | None = None, *, detail: bool = False) -> pl.DataFrame:
    """Score the in-service members of a population's ``tables`` for the calendar ``year``.

    Returns one row per member with ``category == "in_service"``: ``subject_id``, ``total`` (rounded to 6
    decimals) and ``grade`` (a grade id of the rule set), in the order of the subjects table. ``params``
    overrides entries of :data:`PARAMS`; ``detail`` adds the dimension subtotals (``dim:<id>``) and ``vetoed``,
    for the tests.
    """
    p = {**PARAMS, **(params or {})}
    start, end = date(year, 1, 1), date(year, 12, 31)
    subj = tables["subjects"].filter(pl.col("category") == "in_service")
    ids = subj.get_column("subject_id").implode()

    def mine(name: str) -> pl.DataFrame:
        return tables[name].filter(pl.col("subject_id").is_in(ids))

    recs = _record_aggregates(mine("records").filter(pl.col("month").str.starts_with(f"{year}-")))
    inc = _incident_aggregates(mine("incidents").filter(pl.col("verified")
                                                        & pl.col("occurred_on").is_between(start, end)))
    com = (mine("commendations")
           .filter(pl.col("verified") & pl.col("awarded_on").is_between(start, end)
                   & (pl.col("kind") == "commendation"))
           .group_by("subject_id").agg(pl.len().alias("commended")))
    posts = mine("claimed_posts").group_by("subject_id").agg(pl.col("active").sum().alias("posts_active"))
    checks = (mine("checklist").filter(pl.col("due").is_between(start, end))
              .group_by("subject_id").agg(pl.len().alias("due_items"),
                                          pl.col("accepted").sum().alias("accepted_items"),
                                          (~pl.col("accepted")).sum().alias("open_items")))
    annual = mine("annual").filter(pl.col("year") == year).select("subject_id", "employer_appraisal")

    df = subj.select("subject_id", "is_organ_staff", "health_limited", "registered_with_community_on",
                     "placard_displayed", pl.col("cards").list.len().alias("n_cards"),
                     pl.col("linked_household_ids").list.len().alias("n_linked"),
                     pl.col("roles").list.eval(pl.element().is_in(SIX_ROLES)).list.any().alias("has_role"))
    for part in (recs, inc, com, posts, checks, annual):
        df = df.join(part, on="subject_id", how="left", maintain_order="left")
    # a member with no record, incident, ... has a count of 0 (an appraisal that is missing stays missing)
    counts = [c for part in (recs, inc, com, posts, checks) for c in part.columns if c != "subject_id"]
    df = df.with_columns(pl.col(counts).fill_null(0))

    c = pl.col
    hl = c("health_limited")
    share = pl.when(hl).then(p["health_limited_attendance_share"]).otherwise(1.0)
    registered = c("registered_with_community_on").is_not_null() & (c("registered_with_community_on") <= end)
    yearly_hours = pl.when(c("is_organ_staff")).then(p["organ_volunteer_hours"]) \
        .otherwise(p["other_volunteer_hours"]) * MONTHS / 12
    appraisal = c("employer_appraisal")
    posts_ok = (c("posts_active") >= p["posts_min"]) & (c("posts_active") <= p["posts_max"])
    # count(records) == 0 makes the duty share (and so the whole value) unknown: it then earns nothing
    per_record = pl.when(c("n_rec") > 0).then(c("n_rec"))
    s12_value = pl.when(posts_ok).then(2.0).otherwise(0.0) + 3 * c("duty_done") / per_record
    contact_share = c("contacts") / pl.when(c("n_linked") > 0).then(c("n_linked") * MONTHS / 3)
    s14_value = pl.when(c("n_linked") >= p["linked_households"]).then(2.0).otherwise(0.0) \
        + 3 * contact_share.clip(upper_bound=1.0).fill_null(0.0)
    s15_value = ((c("suggestions") >= 1).cast(pl.Int64) + (c("hours") > 0).cast(pl.Int64)
                 + (c("difficulties") >= 1).cast(pl.Int64) + (c("tasks_done") >= 1).cast(pl.Int64))

    def flag(points: float, cond: pl.Expr) -> pl.Expr:
        return pl.when(cond).then(points).otherwise(0.0)

    standards = {
        "IN.D1": [
            _ratio(6, c("study_att") + c("study_excused"), c("study_req") * share),
            _ratio(4, c("notes"), pl.lit(p["notes_per_year"] * MONTHS / 12)),
            flag(4, c("placard_displayed")),
            _ratio(6, c("policy"), pl.lit(p["policy_events_per_year"] * MONTHS / 12)),
        ],
        "IN.D2": [
            _ratio(8, c("meet_num"), c("meet_req") * share),
            _ratio(4, c("theme_att"), c("theme_req") * share),
            _ratio(4, c("dues_paid"), c("n_rec")),
            flag(4, registered & (c("n_cards") == 4)) + flag(2, registered & (c("n_cards") != 4)),
        ],
        "IN.D3": [
            # not applicable without an employer's appraisal: full points
            pl.when(appraisal.is_null()).then(8.0)
            .otherwise(appraisal.replace_strict({"excellent": 8.0, "competent": 6.0, "basically_competent": 3.0},
                                                default=0.0, return_dtype=pl.Float64)),
            _ratio(8, c("accepted_items"), c("due_items")),
            flag(4, c("commended") > 0) if MONTHS >= 12 else pl.lit(4.0),
        ],
        "IN.D4": [
            _ratio(5, s12_value, pl.lit(5.0)),
            _ratio(8, c("hours"), yearly_hours),
            _ratio(5, s14_value, pl.lit(5.0)),
            _ratio(5, s15_value, pl.lit(4.0)),
            flag(2, c("has_role")),
        ],
        "IN.D5": [
            flag(5, c("i_discipline") == 0),
            flag(5, c("i_morality_any") == 0),
            flag(5, c("i_integrity") == 0),
        ],
    }
    able = ~hl
    deductions = {
        "IN.D1": [
            _deduct(2, 6, c("study_missed"), able),
            _deduct(1, 4, MONTHS / 3 - c("notes")),
            _deduct(5, 10, c("i_speech")),
            _deduct(2, 2, c("i_refused_commitment")),
        ],
        "IN.D2": [
            _deduct(2, 8, c("meet_missed"), able),
            _deduct(1, 4, c("theme_missed"), able),
            _deduct(1, 4, c("n_rec") - c("dues_paid")),
            _deduct(2, 4, c("spot_failed")),
            _deduct(3, 6, c("i_task_refused")),
            _deduct(5, 5, (c("run_absent") >= p["absence_run_months"]).cast(pl.Int64), able),
        ],
        "IN.D3": [
            _deduct(3, 6, c("i_work_error")),
            _deduct(1, 4, c("open_items")),
            _deduct(5, 10, c("i_admonishment")),
            _deduct(5, 10, c("i_employer_sanction")),
        ],
        "IN.D4": [
            _deduct(2, 4, c("n_rec") - c("duty_done"), c("posts_active") > 0),
            _deduct(2, 6, c("i_complaint")),
            _deduct(3, 3, (c("hours") < p["volunteer_shortfall_share"] * yearly_hours).cast(pl.Int64), able),
            _deduct(1, 4, c("months_no_contact") / 3, (c("n_linked") > 0) & able),
            # unknown when never registered: the deduction does not apply
            _deduct(3, 3, (c("community") == 0).cast(pl.Int64), registered),
        ],
        "IN.D5": [
            _deduct(3, 6, c("i_morality")),
            _deduct(3, 6, c("i_ceremony")),
            _deduct(5, 10, c("i_building")),
        ],
    }
    # The floor gives a dimension's excess deductions back (last-declared first); what is left of the dimension is
    # then exactly 0, so its subtotal is the difference kept between 0 and the max.
    dims = [((pl.sum_horizontal(standards[d]).round(6) - pl.sum_horizontal(deductions[d]).round(6))
             .clip(0.0, top).round(6)) for d, top in DIMENSION_MAX.items()]
    lapse = p["lapse_months"]
    vetoed = ((c("v_retreat") > 0) | (c("v_opposes") > 0) | (c("v_sanction") > 0) | (c("v_abuse") > 0)
              | (able & (c("run_absent") >= lapse)) | (c("run_unpaid") >= lapse) | (c("run_idle") >= lapse))
    total = pl.sum_horizontal(dims).round(6)
    grade: Any = pl.when(vetoed).then(pl.lit(LOWEST_GRADE))
    for gid, at_least in GRADES:
        grade = grade.when(total + 1e-9 >= at_least).then(pl.lit(gid))
    extra = [*(d.alias(f"dim:{k}") for d, k in zip(dims, DIMENSION_MAX, strict=True)), vetoed.alias("vetoed")]
    return df.select("subject_id", total.alias("total"), grade.otherwise(pl.lit(LOWEST_GRADE)).alias("grade"),
                     *(extra if detail else []))
