"""Small seeded draws shared by the per-subject generators: counts, days, volunteering hours, incidents and
commendations, and the pause of the garbage collector while many models are built."""

from __future__ import annotations

import gc
import math
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from ..facts.enums import (
    Severity,
    SubjectKind,
)
from ..facts.models import Commendation, MeetingCounts
from ..facts.records import Incident
from .mixes import CONSEQUENCE, LEVEL_PICKER, MEETING_FIELDS


@contextmanager
def _gc_paused() -> Iterator[None]:
    # Building hundreds of thousands of small models makes the cyclic collector rescan the growing heap
    # again and again (more than half the run time at 20,000 members). The models built here hold no
    # reference cycles, so pausing it loses nothing; its previous state is restored, also on error.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _general_branch_id(branch_number: int) -> str:
    """The community general branch (党总支) over a branch: eight branches to a general branch."""
    return f"GB{(branch_number - 1) // 8 + 1:03d}"


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: exact and fast for the small means used here.
    limit = math.exp(-mean)
    k, p = 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _day_in_year(rng: random.Random, year: int) -> date:
    days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    return date(year, 1, 1) + timedelta(days=int(rng.random() * days))


def _bernoulli_count(rng: random.Random, n: int, p: float) -> int:
    return sum(1 for _ in range(n) if rng.random() < p)


class _CountsCache:
    """Reuses one validated MeetingCounts per distinct set of counts: there are few distinct ones."""

    def __init__(self) -> None:
        self._cache: dict[tuple[int, ...], MeetingCounts] = {}

    def get(self, counts: tuple[int, ...]) -> MeetingCounts:
        found = self._cache.get(counts)
        if found is None:
            found = MeetingCounts.model_validate(dict(zip(MEETING_FIELDS, counts, strict=True)))
            self._cache[counts] = found
        return found


def _hours(rng: random.Random, mean: float) -> float:
    # Skewed: 30% of months with no volunteering, the rest log-normal; dividing by 0.7 and by
    # exp(0.6**2 / 2) ~= 1.2 keeps the overall monthly mean at ``mean``.
    if rng.random() < 0.3:
        return 0.0
    value = rng.lognormvariate(math.log(max(mean, 0.1) / 0.7 / 1.2), 0.6)
    return min(round(value * 2) / 2, 200.0)


def _incident(
    rng: random.Random,
    subject_kind: SubjectKind,
    subject_id: str,
    number: int,
    kind: str,
    year: int,
    verifier: str,
    severity: Severity,
) -> Incident:
    verified = rng.random() < 0.85
    return Incident(
        incident_id=f"I-{subject_id}-{number:02d}",
        subject_kind=subject_kind,
        subject_id=subject_id,
        kind=kind,
        occurred_on=_day_in_year(rng, year),
        severity=severity,
        consequence=CONSEQUENCE.get(kind),
        verified=verified,
        verified_by=verifier if verified else None,
        evidence_ref=f"EV-{year}-{subject_id}-{number:02d}",
    )


def _commendations(
    rng: random.Random,
    subject_kind: SubjectKind,
    subject_id: str,
    kinds: tuple[str, ...],
    year: int,
    p: float,
) -> tuple[Commendation, ...]:
    count = (rng.random() < p) + (rng.random() < p / 4)
    return tuple(
        Commendation(
            commendation_id=f"K-{subject_id}-{k + 1}",
            subject_kind=subject_kind,
            subject_id=subject_id,
            kind=kinds[int(rng.random() * len(kinds))],
            level=LEVEL_PICKER.pick(rng),
            awarded_on=_day_in_year(rng, year),
            verified=rng.random() < 0.95,
        )
        for k in range(count)
    )


def _share(rng: random.Random, total: int, p: float) -> int:
    """A count out of ``total`` near ``p * total`` (binomial for small totals, rounded normal for large)."""
    if total <= 20:
        return _bernoulli_count(rng, total, p)
    value = round(rng.gauss(total * p, math.sqrt(total * p * (1 - p)) + 1e-9))
    return min(total, max(0, value))
