"""The year's tables of the column generator (:mod:`.tables`): monthly records, incidents, commendations and the
annual evaluation rated on the year each member was just given, drawn column-wise over all members."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..facts.conduct import ANNUAL, grade_shares, member_conduct
from ..facts.enums import AppraisalLevel
from ..population.frames import table_schema
from .columns import _MEETINGS, _day_in_year, _lists, _masked, _weighted
from .mixes import (
    CONSEQUENCE,
    LEVEL_PICKER,
    MEMBER_KINDS_BY_CATEGORY,
    MEMBER_KINDS_COMMON,
    MEMBER_VETO_KINDS,
    MONTHLY,
    VOTE_POINTS,
    required_meetings,
)


def _records(pl: Any, rng: np.random.Generator, member_id: Any, d: dict[str, Any], year: int) -> Any:
    n = len(d["branch"])
    rows = n * 12
    who = np.repeat(np.arange(n), 12)

    def monthly(values: np.ndarray) -> np.ndarray:  # a member's value in each of its 12 months
        return np.repeat(values, 12)

    month = np.tile(np.arange(12), n)
    def u(size: int) -> np.ndarray:  # single precision: half the cost, and ample for a chance of a few percent
        return rng.random(size, dtype=np.float32)
    eng = monthly(d["engagement"])
    c = MONTHLY
    pattern = np.array([required_meetings(m) for m in range(1, 13)], dtype=np.int64)  # months x meeting kinds
    quarter_end = month % 3 == 2
    december = month == 11
    # one contiguous array per meeting kind: polars takes those without a slow strided copy
    required = [np.tile(pattern[:, k], n) for k in range(7)]
    never = np.zeros(rows, dtype=bool)
    due = [quarter_end, never, None, quarter_end, None, december, december]  # None: every month
    attended = [np.zeros(rows, dtype=np.int64) if k == 1 else
                ((u(rows) < eng) if due[k] is None else (due[k] & (u(rows) < eng))).astype(np.int64)
                for k in range(7)]
    missed = sum(required) - sum(attended)
    study_required = np.where(u(rows) < c.two_study_sessions, 2, 1)
    study_attended = ((u(rows) < eng).astype(np.int64) + ((study_required == 2) & (u(rows) < eng))
                      + (u(rows) < c.make_up_session))
    tasks = (u(rows) < c.task).astype(np.int64) + (u(rows) < c.second_task)
    spot = u(rows) < c.spot_checked
    passed = u(rows) < c.spot_check_passed
    in_service = monthly(d["in_service"])
    mean_hours = np.where(in_service, np.where(monthly(d["organ"]), c.hours_organ, c.hours_in_service), c.hours_other)
    mean_hours = np.where(monthly(d["health"]), mean_hours * c.hours_health_factor, mean_hours)
    logn = rng.lognormal(np.log(np.maximum(mean_hours, 0.1) / 0.7 / 1.2), 0.6)
    hours = np.where(u(rows) < 0.3, 0.0, np.minimum(np.round(logn * 2) / 2, 200.0))
    retired = monthly(d["retired"])
    newc = monthly(d["new_citizen"])
    cols: dict[str, Any] = {"who": who, "m": month}
    for k, name in enumerate(_MEETINGS):
        cols[f"meetings_required.{name}"] = required[k]
    for k, name in enumerate(_MEETINGS):
        cols[f"meetings_attended.{name}"] = attended[k]
    cols.update({
        "excused_absences": rng.binomial(missed, c.excused),
        "study_sessions_required": study_required,
        "study_sessions_attended": study_attended,
        "notes_submitted": (u(rows) < c.notes_base + c.notes_engagement * eng).astype(np.int64),
        "dues_paid_on_time": u(rows) < c.dues_on_time,
        "volunteer_hours": hours,
        "community_activities": np.where(in_service & monthly(d["registered"]),
                                         rng.poisson(c.community_activities_mean, rows), 0),
        "households_contacted": np.minimum(monthly(d["households"]), rng.poisson(c.households_contacted_mean, rows)),
        "difficulties_resolved": (u(rows) < c.difficulty_resolved).astype(np.int64),
        "suggestions_made": (u(rows) < c.suggestion).astype(np.int64),
        "policy_promotion_events": (u(rows) < c.policy_promotion).astype(np.int64),
        "post_duty_performed": monthly(d["active_posts"]) & (u(rows) < c.post_duty),
        "tasks_assigned": tasks,
        "tasks_completed": rng.binomial(tasks, c.task_completed),
        "reported_at_meeting": u(rows) < c.reported,
        "spot_checked": spot,
        "youth_care_activities": _masked(pl, (u(rows) < c.youth_care).astype(np.int64), retired),
        "mediation_cases": _masked(pl, (u(rows) < c.mediation).astype(np.int64), newc),
        "property_fee_paid": _masked(pl, monthly(d["hardship"]) | (u(rows) < c.property_fee), newc),
        "resettlement_milestones_met": _masked(pl, u(rows) < c.resettlement_milestone, newc),
        "courtyard_meetings_attended": _masked(pl, (u(rows) < c.courtyard_meeting).astype(np.int64), newc),
        "training_sessions": _masked(pl, (u(rows) < c.training).astype(np.int64), newc),
        "spot_check_passed": _masked(pl, passed, spot),
    })
    d["shares"] = _year_shares(d, required, attended, study_required, study_attended, cols["notes_submitted"],
                               cols["volunteer_hours"], mean_hours)
    return _records_frame(pl, cols, member_id, d, year)


def _records_frame(pl: Any, cols: dict[str, Any], member_id: Any, d: dict[str, Any], year: int) -> Any:
    """The records table from its columns (one row per member and month, ``who`` and ``m`` numbering them), with
    the checklist items done in each month and the ids and months as text."""
    who, month = cols["who"], cols["m"]
    rows = len(who)
    # checklist items done in the month, by item number (ids CL-<member>-<k> sort by k as k < 10)
    done_rows, done_k = np.nonzero(np.stack([np.repeat(d["done_month"][k], 12) == month for k in range(4)], axis=1))
    flat = pl.select(pl.format("CL-{}-{}", pl.lit(member_id.gather(who[done_rows])),
                               pl.lit(pl.Series(done_k + 1)))).to_series()
    cols["checklist_items_done"] = _lists(pl, flat, np.bincount(done_rows, minlength=rows))
    frame = pl.DataFrame(cols)
    sid = member_id.gather(frame.get_column("who"))
    months = pl.Series([f"{year:04d}-{m:02d}" for m in range(1, 13)]).gather(frame.get_column("m"))
    schema = table_schema("member", "records")
    own = ("subject_id", "member_id", "month")
    return frame.select(pl.lit(sid).alias("subject_id"), pl.lit(sid).alias("member_id"), pl.lit(months).alias("month"),
                        *[pl.col(c).cast(t) for c, t in schema.items() if c not in own])


def _year_shares(d: dict[str, np.ndarray], required: list[np.ndarray], attended: list[np.ndarray],
                 study_required: np.ndarray, study_attended: np.ndarray, notes: np.ndarray, hours: np.ndarray,
                 mean_hours: np.ndarray) -> tuple[np.ndarray, ...]:
    """Each member's attendance, study, notes and volunteering shares of the year (as the per-subject generator's
    ``_member_shares`` computes them from a member's records)."""
    n = len(d["branch"])

    def year(values: np.ndarray | int) -> np.ndarray:  # rows are a member's 12 months, one after another
        return np.asarray(values, dtype=np.float64).reshape(n, 12).sum(axis=1)

    def share(done: np.ndarray, due: np.ndarray) -> np.ndarray:
        return np.where(due > 0, np.minimum(1.0, done / np.maximum(due, 1e-12)), 1.0)

    attendance = share(year(sum(attended)), year(sum(required)))
    attendance = np.where(d["health"], np.minimum(1.0, attendance / ANNUAL.health_attendance_target), attendance)
    return (attendance, share(year(study_attended), year(study_required)),
            np.minimum(1.0, year(notes > 0) / 12), share(year(hours), year(mean_hours)))


def _incidents(pl: Any, rng: np.random.Generator, member_id: Any, d: dict[str, np.ndarray], cats: Any,
               year: int) -> Any:
    n = len(d["branch"])
    u = rng.random
    veto = u(n) < 0.0035
    common = rng.poisson(0.3, n)
    parts = []
    who = np.flatnonzero(veto)
    parts.append(pl.DataFrame({"who": who, "number": np.ones(len(who), dtype=np.int64),
                               "kind": _weighted(rng, MEMBER_VETO_KINDS, len(who)).astype(str),
                               "severity": np.full(len(who), "serious")}))
    for category, extra in MEMBER_KINDS_BY_CATEGORY.items():
        mine = cats == category.value
        counts = np.where(mine, common, 0)
        who = np.repeat(np.arange(n), counts)
        first = np.repeat(np.cumsum(counts) - counts, counts)
        number = np.arange(len(who)) - first + 1 + veto[who]
        parts.append(pl.DataFrame({"who": who, "number": number,
                                   "kind": _weighted(rng, MEMBER_KINDS_COMMON + extra, len(who)).astype(str),
                                   "severity": np.where(u(len(who)) < 0.85, "minor", "major")}))
    long = pl.concat(parts)
    m = long.height
    verified = u(m) < 0.85
    long = long.with_columns(occurred_on=pl.Series(_day_in_year(rng, np.full(m, year))).cast(pl.Date),
                             verified=pl.Series(verified))
    sid = member_id.gather(long.get_column("who"))
    gb = pl.Series((d["branch"] - 1) // 8 + 1).gather(long.get_column("who"))
    number = pl.col("number").cast(pl.String).str.zfill(2)
    out = long.select(
        "who", pl.lit(sid).alias("subject_id"), pl.format("I-{}-{}", pl.lit(sid), number).alias("incident_id"),
        pl.lit("member").alias("subject_kind"), "kind", "occurred_on", "severity",
        pl.col("kind").replace_strict(CONSEQUENCE, default=None, return_dtype=pl.String).alias("consequence"),
        "verified",
        pl.when(pl.col("verified")).then(pl.format("GB{}", pl.lit(gb).cast(pl.String).str.zfill(3)))
        .alias("verified_by"),
        pl.format("EV-{}-{}-{}", pl.lit(year), pl.lit(sid), number).alias("evidence_ref"),
        pl.lit(None, pl.String).alias("objection_id"),
    ).sort("who", "occurred_on", "incident_id")
    severity = long.get_column("severity").to_numpy()
    cost = np.select([severity == s for s in ANNUAL.member_penalty], list(ANNUAL.member_penalty.values()), 0.0)
    d["penalty"] = np.bincount(long.get_column("who").to_numpy(), weights=cost * verified, minlength=n)
    return out.drop("who")


def _commendations(pl: Any, rng: np.random.Generator, member_id: Any, d: dict[str, np.ndarray], year: int) -> Any:
    n = len(d["branch"])
    u = rng.random
    count = (u(n) < 0.15).astype(np.int64) + (u(n) < 0.15 / 4)
    who = np.repeat(np.arange(n), count)
    k = np.arange(len(who)) - np.repeat(np.cumsum(count) - count, count) + 1
    m = len(who)
    base = np.array(["commendation", "good_deed", "good_deed"], dtype=object)
    extra = np.array(["commendation", "good_deed", "good_deed", "stood_against_obstruction",
                      "stopped_illegal_building"], dtype=object)
    newc = d["new_citizen"][who]
    x = u(m)
    kind = np.where(newc, extra[(x * len(extra)).astype(np.int64)], base[(x * len(base)).astype(np.int64)])
    levels = tuple(zip(LEVEL_PICKER.items, np.diff(np.concatenate([[0.0], LEVEL_PICKER.cum])), strict=True))
    long = pl.DataFrame({"who": who, "k": k, "kind": kind.astype(str),
                         "level": _weighted(rng, levels, m).astype(str),
                         "awarded_on": _day_in_year(rng, np.full(m, year)), "verified": u(m) < 0.95})
    d["bonus"] = ANNUAL.member_commendation * np.bincount(who, weights=long.get_column("verified").to_numpy(),
                                                          minlength=n)
    sid = member_id.gather(long.get_column("who"))
    return long.select("who", pl.lit(sid).alias("subject_id"),
                       pl.format("K-{}-{}", pl.lit(sid), pl.col("k")).alias("commendation_id"),
                       pl.lit("member").alias("subject_kind"), "kind", "level",
                       pl.col("awarded_on").cast(pl.Date), "verified").sort("who", "awarded_on", "commendation_id"
                                                                           ).drop("who")


def _annual(pl: Any, rng: np.random.Generator, subjects: Any, d: dict[str, Any], year: int) -> Any:
    n = len(d["branch"])
    u = rng.random
    a = ANNUAL
    attendance, study, notes, volunteering = d["shares"]
    conduct = np.clip(member_conduct(attendance, study, notes, volunteering, d["penalty"], d["bonus"]), 0.0, 1.0)
    reputation = rng.normal(0.0, a.reputation_sd, n)
    voters = 15 + (u(n) * 30).astype(np.int64)
    chances = np.clip(np.stack(grade_shares(conduct + reputation, np.exp), axis=1), 0.0, 1.0)
    exc, qual, basic, unq = rng.multinomial(voters, chances).T
    total = exc + qual + basic + unq
    points = {g.value: float(p) for g, p in VOTE_POINTS.items()}
    score = (points["excellent"] * exc + points["qualified"] * qual + points["basically_qualified"] * basic
             + points["unqualified"] * unq) / np.maximum(total, 1)
    daily = 100 * np.clip(conduct + reputation / 2 + rng.normal(0.0, a.daily_sd, n), 0.0, 1.0)
    x = u(n)
    levels = [a.value for a in AppraisalLevel]  # excellent, competent, basically_competent, incompetent
    appraisal = np.select([x < 0.2, x < 0.95, x < 0.99], levels[:3], levels[3])
    frame = pl.DataFrame({
        "exc": exc, "qual": qual, "basic": basic, "unq": unq,
        "evaluation_score": np.round(np.where(total > 0, score, 0.0), 2),
        "daily_observation_score": np.round(daily, 1),
        "satisfaction_rate": np.round(np.minimum(1.0, 0.6 + 0.4 * conduct * u(n) ** 0.2), 3),
        "appraisal": _masked(pl, appraisal.astype(str), d["in_service"]),
        "org_life_meeting_held": u(n) < 0.97, "democratic_review_held": u(n) < 0.96,
    })
    c = pl.col
    votes = pl.concat_str([pl.lit('{"excellent": '), c("exc"), pl.lit(', "qualified": '), c("qual"),
                           pl.lit(', "basically_qualified": '), c("basic"), pl.lit(', "unqualified": '), c("unq"),
                           pl.lit("}")])
    return frame.select(
        pl.lit(subjects.get_column("subject_id")).alias("subject_id"), pl.lit("member").alias("subject_kind"),
        pl.lit(year, pl.Int64).alias("year"), pl.lit(subjects.get_column("branch_id")).alias("evaluator_org_id"),
        "evaluation_score", votes.alias("vote_counts"), pl.lit(None, pl.String).alias("secretary_review"),
        "daily_observation_score", "satisfaction_rate", c("appraisal").alias("employer_appraisal"),
        "org_life_meeting_held", "democratic_review_held")
