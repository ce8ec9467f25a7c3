"""Versions of one index: several rule sets with the same ``id``, each in force over its ``effective`` dates.

A rule-set directory may hold an index's versions side by side (``member-2025.yaml`` until 2025-12-31,
``member-2026.yaml`` from 2026-01-01). :func:`in_force` picks the one in force for a period;
:func:`version_problems` finds what makes the choice ambiguous or impossible: two versions whose dates overlap
(RS570) and a stretch of days between consecutive versions that no version covers (RS571).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Literal

from ..errors import Diagnostic, EvaluationError, Location, NotInForceError
from ..periods import Period
from .model import RuleSet

# A range of days in force: the first day and the last (None: open-ended). A rule set without ``effective`` is
# in force on every day, so it starts at date.min.
DayRange = tuple[date, date | None]


def effective_range(rs: RuleSet) -> DayRange:
    eff = rs.spec.effective
    return (date.min, None) if eff is None else (eff.from_, eff.until)


def covers(days: DayRange, period: Period) -> bool:
    """Whether the whole period lies within the range (the rule the evaluator's in-force check applies)."""
    start, until = days
    return start <= period.start_date and (until is None or period.end_date <= until)


def describe_range(days: DayRange) -> str:
    start, until = days
    first = "always" if start == date.min else start.isoformat()
    return f"{first} to {until.isoformat() if until else 'open-ended'}"


def by_id(rulesets: Iterable[RuleSet]) -> dict[str, list[RuleSet]]:
    """The rule sets grouped by id, in the order the ids are first seen, each group by its first day. A rule set
    given twice (the same content hash) is one version, not two that overlap."""
    groups: dict[str, list[RuleSet]] = {}
    seen: set[str] = set()
    for rs in rulesets:
        if rs.content_hash not in seen:
            seen.add(rs.content_hash)
            groups.setdefault(rs.id, []).append(rs)
    return {k: sorted(v, key=lambda rs: effective_range(rs)[0]) for k, v in groups.items()}


def _period(period: Period | str) -> Period:
    return Period.parse(period) if isinstance(period, str) else period


def in_force(rulesets: Iterable[RuleSet], id: str, period: Period | str) -> RuleSet:
    """The version of the index ``id`` in force for the whole of ``period``.

    Raises :class:`NotInForceError` naming the id, the period and every version's dates when none is (or when
    no rule set has that id), and :class:`EvaluationError` when two are (overlapping versions: ``partyrules
    validate`` reports them as RS570).
    """
    when = _period(period)
    versions = by_id(rulesets).get(id, [])
    hits = [rs for rs in versions if covers(effective_range(rs), when)]
    if len(hits) == 1:
        return hits[0]
    ranges = "; ".join(f"{rs.version}: {describe_range(effective_range(rs))}" for rs in versions) or "none loaded"
    if not hits:
        raise NotInForceError(f"no version of rule set {id} is in force for the whole period {when} (versions: "
                              f"{ranges}) / 该期间没有有效的规则集版本",
                              hint="load the version in force for that period, or choose a period within one "
                                   "version's effective dates")
    raise EvaluationError(f"{len(hits)} versions of rule set {id} are in force for {when} ({ranges}) / "
                          f"该期间有多个有效的规则集版本",
                          hint="make the versions' effective dates not overlap (partyrules validate)")


def versions_in_force(rulesets: Iterable[RuleSet], period: Period | str) -> list[RuleSet]:
    """Each id's version in force for ``period``, in the order the ids are first seen.

    An id with a single rule set keeps it whatever its dates (scoring it outside them then says so, as it always
    has); an id with several versions keeps the one in force, or all of them when none or several are, so that
    the error is raised by whoever scores with that id and names the versions (:func:`in_force`).
    """
    when = _period(period)
    out: list[RuleSet] = []
    for versions in by_id(rulesets).values():
        hits = [rs for rs in versions if covers(effective_range(rs), when)]
        out.extend(hits if len(versions) > 1 and len(hits) == 1 else versions)
    return out


Finding = tuple[Literal["overlap", "gap"], int, int]


def range_findings(ranges: Sequence[DayRange]) -> list[Finding]:
    """The overlaps and gaps among day ranges, by the ranges' positions in ``ranges``.

    ``("overlap", i, j)`` for every pair sharing a day (i < j in order of first day, ties by position);
    ``("gap", i, j)`` when, going by first day, the days covered so far end (at range i's last day) before the
    next range j starts more than a day later: a stretch no range covers.
    """
    order = sorted(range(len(ranges)), key=lambda k: (ranges[k][0], k))
    found: list[Finding] = []
    for a, i in enumerate(order):
        until = ranges[i][1]
        for j in order[a + 1:]:
            if until is None or until >= ranges[j][0]:
                found.append(("overlap", i, j))
    reach: date | None = None  # the last day covered so far (None with an open range: nothing after is a gap)
    last = -1
    for a, k in enumerate(order):
        start, until = ranges[k]
        if a > 0 and reach is not None and start > reach + timedelta(days=1):
            found.append(("gap", last, k))
        if a == 0 or (reach is not None and (until is None or until > reach)):
            reach, last = until, k
    return found


def version_problems(rulesets: Iterable[RuleSet]) -> list[Diagnostic]:
    """RS570 for two versions of one id whose effective dates overlap, RS571 for a gap between consecutive
    versions; each located at the later version's file."""
    out: list[Diagnostic] = []
    for id_, versions in by_id(rulesets).items():
        if len(versions) < 2:
            continue
        ranges = [effective_range(rs) for rs in versions]
        for what, i, j in range_findings(ranges):
            a, b = versions[i], versions[j]
            where = Location(b.files[0] if b.files else None, path="effective")
            pair = (f"{id_} {a.version} ({describe_range(ranges[i])}) and {b.version} "
                    f"({describe_range(ranges[j])})")
            if what == "overlap":
                out.append(Diagnostic("RS570", f"versions {pair} are both in force on some days",
                                      where, "end the earlier version the day before the later one starts"))
            else:
                ended = ranges[i][1]
                assert ended is not None  # a gap follows a range that ends
                gap = f"{(ended + timedelta(days=1)).isoformat()} to {(ranges[j][0] - timedelta(days=1)).isoformat()}"
                out.append(Diagnostic("RS571", f"no version of {id_} is in force from {gap}, between {pair}",
                                      where, "start the later version the day after the earlier one ends"))
    return out
