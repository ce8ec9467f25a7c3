"""A seeded generator of member populations built column by column (numpy and polars), for millions of members.

It draws the same mixes as the per-subject generator :mod:`.members` (the named constants of :mod:`.mixes`: the
category mix, incident kinds and their weights, roles, employers, checklist texts, commendation levels, the
meetings a member must attend each month), but a whole column at a time, with no pydantic object per
member, so that a million members with a year of monthly records take seconds. Every subject it makes is valid:
``population.facts(subject_id)`` validates. The annual evaluation rates the year each member was just given, with
the formulas of :mod:`partyrules.facts.conduct` that the per-subject generator uses.

Determinism: the tables depend only on ``(n, seed, year, categories)``. The draws are made column by column over
all ``n`` members, so populations of different sizes from the same seed are different populations (their first
members are *not* the same), and they are not the members :func:`~partyrules.synthetic.generate_member_facts` makes
for that seed. :func:`write_generated` draws each partition from its own stream ``(seed, partition)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import PartyRulesError
from ..facts.enums import CardKind, PostCategory
from ..population.frames import Population, require_polars, table_schema
from .columns import _CATEGORIES, _NEW_CITIZEN_WORK, _day_in_year, _ids, _lists, _masked, _pick, _set_lists, _shares
from .mixes import CHECKLIST_TEXTS, EMPLOYERS, MEMBERS_PER_BRANCH, ROLES_BY_CATEGORY
from .year_tables import _annual, _commendations, _incidents, _records

__all__ = ["DEFAULT_PARTITION_SIZE", "generate_population", "write_generated"]

DEFAULT_PARTITION_SIZE = 250_000
"""Members per partition of :func:`write_generated` (about 1 GB of memory while one is made)."""


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
    employer_idx = (u(n) * len(EMPLOYERS)).astype(np.int64)
    registered = in_service & (u(n) < 0.9)
    registered_on = _day_in_year(rng, year - 1 - (u(n) * 3).astype(np.int64))
    households = np.where(u(n) < 0.7, 5, (u(n) * 7).astype(np.int64))
    all_cards = u(n) < 0.8
    card_draw = [all_cards | (u(n) < 0.6) for _ in CardKind]
    role_draw = {r: u(n) < 0.12 for pool in ROLES_BY_CATEGORY.values() for r in pool}
    work = new_citizen & (u(n) < 0.6)
    work_kind = np.array(_NEW_CITIZEN_WORK, dtype=object)[(u(n) * len(_NEW_CITIZEN_WORK)).astype(np.int64)]
    engagement = 1.0 - rng.beta(1.2, 9.0, size=n)
    engagement = np.where(health, engagement * 0.6, engagement)
    c = pl.col
    frame = pl.DataFrame({
        "i": index, "branch": branch, "cat": _pick(pl, _CATEGORIES, cat),
        "probationary": probationary, "joined_on": joined_on, "birth_year": birth_year, "organ": organ,
        "health": health, "group": group, "helper": helper, "has_helper": has_helper,
        "employer": _pick(pl, EMPLOYERS, employer_idx), "in_service": in_service, "registered": registered,
        "registered_on": registered_on, "households": households,
        "new_citizen": new_citizen, "placard": u(n) < 0.8, "hardship": new_citizen & (u(n) < 0.06),
    })
    member_id = _ids(pl, "M", index, 6)
    branch_id = _ids(pl, "B", branch, 4)
    # lists are sets, stored sorted as the models store them: the candidates are laid out in sorted order
    card_names = [card.value for card in CardKind]
    sorted_cards = sorted(card_names)
    card_order = [card_names.index(x) for x in sorted_cards]
    role_names = sorted({r for pool in ROLES_BY_CATEGORY.values() for r in pool} | set(_NEW_CITIZEN_WORK))
    role_mask = np.zeros((n, len(role_names)), dtype=bool)
    for cat_, pool in ROLES_BY_CATEGORY.items():
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
    texts = np.array(CHECKLIST_TEXTS, dtype=object)
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
        # a column of an optional field this generator does not draw (added to the facts later) is all null
        out[name] = frame.select([pl.col(k).cast(t) if k in frame.columns else pl.lit(None, dtype=t).alias(k)
                                  for k, t in schema.items()])
    return Population("member", out)


def generate_population(n: int, *, seed: int = 0, year: int = 2026, kind: str = "member",
                        categories: Mapping[str, float] | None = None) -> Population:
    """``n`` generated members (ids ``M000001``...) with a year of monthly records, incidents, commendations and
    an annual evaluation each, as population tables, drawn column-wise with numpy.

    ``categories`` maps member categories to shares (default: the mix of :mod:`partyrules.synthetic.mixes`), e.g.
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
