"""A seeded generator of member populations built column by column (numpy and polars), for millions of members.

It draws the same mixes as the per-subject generator :mod:`partyrules.facts.generate` (whose named constants it
imports: the category mix, incident kinds and their weights, roles, employers, checklist texts, commendation
levels, the meetings a member must attend each month), but a whole column at a time, with no pydantic object per
member, so that a million members with a year of monthly records take seconds. Every subject it makes is valid:
``population.facts(subject_id)`` validates. The annual evaluation rates the year each member was just given, with
the formulas of :mod:`partyrules.facts.conduct` that the per-subject generator uses.

Determinism: the tables depend only on ``(n, seed, year, categories)``. The draws are made column by column over
all ``n`` members, so populations of different sizes from the same seed are different populations (their first
members are *not* the same), and they are not the members :func:`~partyrules.facts.generate_member_facts` makes
for that seed. :func:`write_generated` draws each partition from its own stream ``(seed, partition)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import PartyRulesError
from ..facts.conduct import ANNUAL, grade_shares, member_conduct
from ..facts.enums import AppraisalLevel, CardKind, MemberCategory, PostCategory
from ..facts.generate import (
    _CATEGORY_MIX,
    _CHECKLIST_TEXTS,
    _CONSEQUENCE,
    _EMPLOYERS,
    _LEVEL_PICKER,
    _MEMBER_KINDS_BY_CATEGORY,
    _MEMBER_KINDS_COMMON,
    _MEMBER_VETO_KINDS,
    _ROLES_BY_CATEGORY,
    _VOTE_POINTS,
    MEMBERS_PER_BRANCH,
    MONTHLY,
    _required_meetings,
)
from ..facts.models import MeetingCounts
from .frames import Population, require_polars, table_schema

__all__ = ["DEFAULT_PARTITION_SIZE", "generate_population", "write_generated"]

DEFAULT_PARTITION_SIZE = 250_000
"""Members per partition of :func:`write_generated` (about 1 GB of memory while one is made)."""

_CATEGORIES = tuple(c.value for c in MemberCategory)
_NEW_CITIZEN_WORK = ("employed", "employed", "entrepreneur", "collective_economy")
_MEETINGS = tuple(MeetingCounts.model_fields)


def _shares(categories: Mapping[str, float] | None) -> np.ndarray:
    if categories is None:
        mix = {c.value: share for c, share in _CATEGORY_MIX}
    else:
        unknown = [k for k in categories if k not in _CATEGORIES]
        if unknown:
            raise PartyRulesError(f"unknown member category {unknown[0]!r} in categories",
                                  hint="one of: " + ", ".join(_CATEGORIES))
        if any(not (v >= 0 and math.isfinite(v)) for v in categories.values()) or sum(categories.values()) <= 0:
            raise PartyRulesError("category shares must be finite, >= 0 and not all 0",
                                  hint="e.g. categories={'in_service': 1.0}")
        mix = dict(categories)
    p = np.array([float(mix.get(c, 0.0)) for c in _CATEGORIES])
    return p / p.sum()


def _weighted(rng: np.random.Generator, weighted: tuple[tuple[Any, float], ...], size: int) -> np.ndarray:
    items = np.array([str(getattr(k, "value", k)) for k, _ in weighted], dtype=object)
    w = np.array([float(x) for _, x in weighted])
    return items[rng.choice(len(items), size=size, p=w / w.sum())]


def _day_in_year(rng: np.random.Generator, years: np.ndarray) -> np.ndarray:
    """A uniform day of each given year, as numpy days."""
    start = (years - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    end = (years + 1 - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    days = (end - start).astype(np.int64)
    return start + (rng.random(len(years)) * days).astype(np.int64)


def _ids(pl: Any, prefix: str, numbers: np.ndarray, width: int) -> Any:
    return pl.format(prefix + "{}", pl.lit(pl.Series(numbers)).cast(pl.String).str.zfill(width))


def _lists(pl: Any, flat: Any, lengths: np.ndarray) -> Any:
    """A list column from the values of all lists one after another and each list's length.

    Arrow builds it from the offsets without copying; without pyarrow, polars groups the values (slower)."""
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = flat.cast(pl.String)
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - the analysis extra installs pyarrow
        who = np.repeat(np.arange(len(lengths)), lengths)
        grouped = pl.DataFrame({"who": who, "v": flat}).group_by("who", maintain_order=True).agg("v")
        return (pl.DataFrame({"who": np.arange(len(lengths))}).join(grouped, on="who", how="left",
                                                                    maintain_order="left")
                .get_column("v").fill_null(pl.lit([], pl.List(pl.String))))
    values = pa.array(flat.to_arrow()).cast(pa.large_string())
    return pl.Series(pa.LargeListArray.from_arrays(pa.array(offsets), values)).cast(pl.List(pl.String))


def _set_lists(pl: Any, mask: np.ndarray, names: list[str]) -> Any:
    """Lists of the ``names`` whose column in ``mask`` (rows x names) is true, in the order of ``names``."""
    rows, cols = np.nonzero(mask)
    return _lists(pl, pl.Series(names).gather(cols), np.bincount(rows, minlength=mask.shape[0]))


def _masked(pl: Any, values: Any, keep: np.ndarray) -> Any:
    """A column of ``values`` that is null where ``keep`` is false."""
    return pl.select(pl.when(pl.lit(pl.Series(keep))).then(pl.lit(pl.Series(values)))).to_series()


def _pick(pl: Any, names: tuple[str, ...] | list[str], index: np.ndarray) -> Any:
    return pl.Series(list(names), dtype=pl.String).gather(index)


def _members(pl: Any, rng: np.random.Generator, start: int, n: int, total: int, year: int,
             shares: np.ndarray) -> tuple[Any, dict[str, np.ndarray]]:
    index = np.arange(start + 1, start + n + 1, dtype=np.int64)
    branch = (index - 1) // MEMBERS_PER_BRANCH + 1
    cat = rng.choice(len(_CATEGORIES), size=n, p=shares)
    retired, in_service, new_citizen = (cat == _CATEGORIES.index(c) for c in ("retired", "in_service",
                                                                                  "new_citizen"))
    u = rng.random
    age = np.where(retired, 58 + (u(n) * 33).astype(np.int64),
                   np.where(in_service, 23 + (u(n) * 37).astype(np.int64), 20 + (u(n) * 56).astype(np.int64)))
    birth_year = year - age
    probationary = u(n) < 0.05
    first = birth_year + 18
    joined_year = np.where(probationary, year - 1, first + (u(n) * np.maximum(1, year - 1 - first)).astype(np.int64))
    joined_on = _day_in_year(rng, joined_year)
    health = u(n) < np.where(retired, 0.12, 0.05)
    organ = in_service & (u(n) < 0.10)
    group = 1 + (u(n) * 3).astype(np.int64)
    helper = np.where(index < total, index + 1, np.maximum(1, index - 1))
    has_helper = health & (helper != index)
    employer_idx = (u(n) * len(_EMPLOYERS)).astype(np.int64)
    registered = in_service & (u(n) < 0.9)
    registered_on = _day_in_year(rng, year - 1 - (u(n) * 3).astype(np.int64))
    households = np.where(u(n) < 0.7, 5, (u(n) * 7).astype(np.int64))
    all_cards = u(n) < 0.8
    card_draw = [all_cards | (u(n) < 0.6) for _ in CardKind]
    role_draw = {r: u(n) < 0.12 for pool in _ROLES_BY_CATEGORY.values() for r in pool}
    work = new_citizen & (u(n) < 0.6)
    work_kind = np.array(_NEW_CITIZEN_WORK, dtype=object)[(u(n) * len(_NEW_CITIZEN_WORK)).astype(np.int64)]
    engagement = 1.0 - rng.beta(1.2, 9.0, size=n)
    engagement = np.where(health, engagement * 0.6, engagement)
    c = pl.col
    frame = pl.DataFrame({
        "i": index, "branch": branch, "cat": _pick(pl, _CATEGORIES, cat),
        "probationary": probationary, "joined_on": joined_on, "birth_year": birth_year, "organ": organ,
        "health": health, "group": group, "helper": helper, "has_helper": has_helper,
        "employer": _pick(pl, _EMPLOYERS, employer_idx), "in_service": in_service, "registered": registered,
        "registered_on": registered_on, "households": households,
        "new_citizen": new_citizen, "placard": u(n) < 0.8, "hardship": new_citizen & (u(n) < 0.06),
    })
    member_id = _ids(pl, "M", index, 6)
    branch_id = _ids(pl, "B", branch, 4)
    # lists are sets, stored sorted as the models store them: the candidates are laid out in sorted order
    card_names = [card.value for card in CardKind]
    sorted_cards = sorted(card_names)
    card_order = [card_names.index(x) for x in sorted_cards]
    role_names = sorted({r for pool in _ROLES_BY_CATEGORY.values() for r in pool} | set(_NEW_CITIZEN_WORK))
    role_mask = np.zeros((n, len(role_names)), dtype=bool)
    for cat_, pool in _ROLES_BY_CATEGORY.items():
        mine = cat == _CATEGORIES.index(cat_.value)
        for r in pool:
            role_mask[:, role_names.index(r)] |= mine & role_draw[r]
    for w in set(_NEW_CITIZEN_WORK):
        role_mask[:, role_names.index(w)] |= work & (work_kind == w)
    subjects = frame.select(
        member_id.alias("subject_id"), member_id.alias("member_id"), branch_id.alias("branch_id"),
        pl.format("{}-G{}", branch_id, c("group")).alias("party_group_id"),
        c("cat").alias("category"),
        pl.when(c("probationary")).then(pl.lit("probationary")).otherwise(pl.lit("formal")).alias("status"),
        c("joined_on"), c("birth_year"), c("organ").alias("is_organ_staff"), c("health").alias("health_limited"),
        pl.when(c("has_helper")).then(pl.format("M{}", c("helper").cast(pl.String).str.zfill(6)))
        .alias("paired_helper_id"),
        pl.when(c("in_service")).then(c("employer")).alias("employer_unit"),
        pl.when(c("registered")).then(c("registered_on")).alias("registered_with_community_on"),
        pl.format("GR{}-{}", c("branch").cast(pl.String).str.zfill(4),
                  pl.lit(pl.Series(1 + (u(n) * 2).astype(np.int64)))).alias("grid_id"),
        pl.lit(_households(pl, index, branch, households)).alias("linked_household_ids"),
        pl.lit(_set_lists(pl, np.stack(card_draw, axis=1)[:, card_order], sorted_cards)).alias("cards"),
        c("placard").alias("placard_displayed"),
        pl.lit(_set_lists(pl, role_mask, role_names)).alias("roles"),
        c("hardship").alias("hardship_certified"),
    )
    draws = {"engagement": engagement, "health": health, "in_service": in_service, "organ": organ,
             "registered": registered, "households": households, "retired": retired, "new_citizen": new_citizen,
             "hardship": new_citizen & frame.get_column("hardship").to_numpy(), "branch": branch}
    return subjects, draws


def _households(pl: Any, index: np.ndarray, branch: np.ndarray, households: np.ndarray) -> Any:
    who = np.repeat(np.arange(len(index)), households)
    k = np.arange(len(who)) - np.repeat(np.cumsum(households) - households, households)
    number = (index[who] * 7 + k) % 997
    order = np.lexsort((number, who))  # each member's households sorted, as the model stores them
    flat = pl.select(pl.format("H{}-{}", pl.lit(pl.Series(branch[who][order])).cast(pl.String).str.zfill(4),
                               pl.lit(pl.Series(number[order])).cast(pl.String).str.zfill(3))).to_series()
    return _lists(pl, flat, households)


def _posts(pl: Any, rng: np.random.Generator, member_id: Any, d: dict[str, np.ndarray], year: int) -> Any:
    n = len(d["branch"])
    u = rng.random
    count = np.where(d["in_service"] & (u(n) < 0.85), 1 + (u(n) < 0.3), (u(n) < 0.4).astype(np.int64))
    parts = []
    cats = np.array([p.value for p in PostCategory], dtype=object)
    for k in range(2):
        who = np.flatnonzero(count > k)
        m = len(who)
        parts.append(pl.DataFrame({"who": who, "k": np.full(m, k + 1),
                                   "category": cats[(u(m) * len(cats)).astype(np.int64)].astype(str),
                                   "claimed_on": _day_in_year(rng, np.full(m, year - 1)),
                                   "active": u(m) < 0.95}))
    long = pl.concat(parts).sort("who", "k")
    sid = member_id.gather(long.get_column("who"))
    out = long.select(pl.lit(sid).alias("subject_id"),
                      pl.format("P-{}-{}", pl.lit(sid), pl.col("k")).alias("post_id"), "category", "claimed_on",
                      "active")
    active_any = np.zeros(n, dtype=bool)
    active_any[long.filter(pl.col("active")).get_column("who").to_numpy()] = True
    d["active_posts"] = active_any
    return out


def _checklist(pl: Any, rng: np.random.Generator, member_id: Any, d: dict[str, np.ndarray], year: int) -> Any:
    n = len(d["branch"])
    u = rng.random
    count = (u(n) * 4).astype(np.int64)
    texts = np.array(_CHECKLIST_TEXTS, dtype=object)
    parts = []
    done_month = np.full((4, n), -1, dtype=np.int64)
    for k in range(4):
        who = np.flatnonzero(count > k)
        m = len(who)
        due = (np.datetime64(f"{year:04d}-{3 * k + 6:02d}-30") if k < 3 else None)
        last = due if due is not None else np.datetime64(f"{year:04d}-12-31")
        done = u(m) < 0.8
        done_on = last - (u(m) * 120).astype(np.int64)
        accepted = done & (u(m) < 0.95)
        month = (done_on.astype("datetime64[M]").astype(np.int64) % 12)
        done_month[k, who] = np.where(done, month, -1)
        parts.append(pl.DataFrame({
            "who": who, "k": np.full(m, k + 1), "text": texts[(u(m) * len(texts)).astype(np.int64)].astype(str),
            "due": pl.Series(np.full(m, due if due is not None else np.datetime64("NaT"), dtype="datetime64[D]")),
            "done_on": _masked(pl, done_on, done) if m else pl.Series([], dtype=pl.Date),
            "accepted": accepted}).with_columns(pl.col("due").cast(pl.Date), pl.col("done_on").cast(pl.Date)))
    long = pl.concat(parts).sort("who", "k")
    sid = member_id.gather(long.get_column("who"))
    d["done_month"] = done_month
    return long.select(pl.lit(sid).alias("subject_id"),
                       pl.format("CL-{}-{}", pl.lit(sid), pl.col("k")).alias("item_id"), "text", "due",
                       pl.lit(sid).alias("responsible_id"), "done_on", "accepted")


def _records(pl: Any, rng: np.random.Generator, member_id: Any, d: dict[str, np.ndarray], year: int) -> Any:
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
    pattern = np.array([_required_meetings(m) for m in range(1, 13)], dtype=np.int64)  # months x meeting kinds
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
    # checklist items done in the month, by item number (ids CL-<member>-<k> sort by k as k < 10)
    done_rows, done_k = np.nonzero(np.stack([monthly(d["done_month"][k]) == month for k in range(4)], axis=1))
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

    def year(values: np.ndarray) -> np.ndarray:  # rows are a member's 12 months, one after another
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
                               "kind": _weighted(rng, _MEMBER_VETO_KINDS, len(who)).astype(str),
                               "severity": np.full(len(who), "serious")}))
    for category, extra in _MEMBER_KINDS_BY_CATEGORY.items():
        mine = cats == category.value
        counts = np.where(mine, common, 0)
        who = np.repeat(np.arange(n), counts)
        first = np.repeat(np.cumsum(counts) - counts, counts)
        number = np.arange(len(who)) - first + 1 + veto[who]
        parts.append(pl.DataFrame({"who": who, "number": number,
                                   "kind": _weighted(rng, _MEMBER_KINDS_COMMON + extra, len(who)).astype(str),
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
        pl.col("kind").replace_strict(_CONSEQUENCE, default=None, return_dtype=pl.String).alias("consequence"),
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
    levels = tuple(zip(_LEVEL_PICKER.items, np.diff(np.concatenate([[0.0], _LEVEL_PICKER.cum])), strict=True))
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


def _annual(pl: Any, rng: np.random.Generator, subjects: Any, d: dict[str, np.ndarray], year: int) -> Any:
    n = len(d["branch"])
    u = rng.random
    a = ANNUAL
    conduct = np.clip(member_conduct(*d["shares"], d["penalty"], d["bonus"]), 0.0, 1.0)
    reputation = rng.normal(0.0, a.reputation_sd, n)
    voters = 15 + (u(n) * 30).astype(np.int64)
    chances = np.clip(np.stack(grade_shares(conduct + reputation, np.exp), axis=1), 0.0, 1.0)
    exc, qual, basic, unq = rng.multinomial(voters, chances).T
    total = exc + qual + basic + unq
    points = {g.value: float(p) for g, p in _VOTE_POINTS.items()}
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


def _generate(rng: np.random.Generator, start: int, n: int, total: int, year: int, shares: np.ndarray) -> Population:
    pl = require_polars()
    subjects, d = _members(pl, rng, start, n, total, year, shares)
    member_id = subjects.get_column("subject_id")
    cats = subjects.get_column("category").to_numpy()
    tables = {"subjects": subjects,
              "claimed_posts": _posts(pl, rng, member_id, d, year),
              "checklist": _checklist(pl, rng, member_id, d, year)}
    tables["records"] = _records(pl, rng, member_id, d, year)
    tables["incidents"] = _incidents(pl, rng, member_id, d, cats, year)
    tables["commendations"] = _commendations(pl, rng, member_id, d, year)
    tables["annual"] = _annual(pl, rng, subjects, d, year)
    out = {}
    for name, frame in tables.items():
        schema = table_schema("member", name)
        out[name] = frame.select([pl.col(k).cast(t) for k, t in schema.items()])
    return Population("member", out)


def generate_population(n: int, *, seed: int = 0, year: int = 2026, kind: str = "member",
                        categories: Mapping[str, float] | None = None) -> Population:
    """``n`` generated members (ids ``M000001``...) with a year of monthly records, incidents, commendations and
    an annual evaluation each, as population tables, drawn column-wise with numpy.

    ``categories`` maps member categories to shares (default: the mix of :mod:`partyrules.facts.generate`), e.g.
    ``{"in_service": 1.0}``. Same arguments give identical tables; a different ``n`` gives different members from
    the first one on (the draws are made per column over all members). Only ``kind="member"`` is supported: the
    per-subject generators make the (few) branches and communities.
    """
    if kind != "member":
        raise PartyRulesError(f"the column generator makes members, not {kind!r}",
                              hint="use generate_subdistrict() or generate_branch_facts() for branches")
    if n < 0:
        raise PartyRulesError(f"n must be >= 0, got {n}", hint="the number of members to generate")
    return _generate(np.random.default_rng(seed), 0, n, n, year, _shares(categories))


def write_generated(n: int, directory: str | Path, *, seed: int = 0, year: int = 2026,
                    partition_size: int = DEFAULT_PARTITION_SIZE,
                    categories: Mapping[str, float] | None = None) -> list[Path]:
    """Generate ``n`` members and write them as partitioned Parquet in bounded memory, one partition at a time.

    Each table is written as numbered parts in ``directory``: ``subjects-00000.parquet``,
    ``records-00000.parquet``, ... (``partition_size`` members per part, ids continuing across parts), which
    :func:`partyrules.population.io.read_population` reads back as one population, or part by part. Partition
    ``p`` is drawn from the stream ``(seed, p)``, so the members differ from ``generate_population(n, seed=seed)``.
    Returns the files written.
    """
    if n < 0 or partition_size < 1:
        raise PartyRulesError(f"need n >= 0 and partition_size >= 1, got {n} and {partition_size}",
                              hint="e.g. write_generated(10_000_000, 'pop/', partition_size=250_000)")
    shares = _shares(categories)
    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for part, start in enumerate(range(0, n, partition_size)):
        size = min(partition_size, n - start)
        pop = _generate(np.random.default_rng([seed, part]), start, size, n, year, shares)
        for name, frame in pop.tables.items():
            path = out_dir / f"{name}-{part:05d}.parquet"
            frame.write_parquet(path)
            written.append(path)
        del pop
    return written
