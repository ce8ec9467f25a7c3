"""The tests' own account of what rules mean, written without the library: what a rule may see of a member's facts
(``view_of``), the meaning of every expression a generated rule set may contain (``MEANINGS``), the values a
random condition reads (``subject_env``, ``record_env``, ``incident_env``) and the language's three-valued logic
(``meaning``, ``holds``).

The strategies that draw rule sets and conditions are the library's (partyrules.testing); what those rule sets
must score is computed here, independently, so that the library is never tested with its own code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import partyrules as pr
from partyrules.testing import Compare, Cond, Join, MemberOf, Not, Truth


@dataclass
class View:
    """What the rules of a generated rule set may see: the subject, its records, its *verified* incidents and
    commendations *within the period*, its annual evaluation."""

    member: pr.Member
    records: tuple[pr.MemberMonthRecord, ...]
    incidents: tuple[pr.Incident, ...]
    commendations: tuple[pr.Commendation, ...]
    annual: pr.AnnualEvaluation | None
    months: int
    params: dict[str, float]


def view_of(facts: pr.MemberFacts, period: pr.Period, params: dict[str, float]) -> View:
    first, last = period.start_date, period.end_date
    return View(
        member=facts.member,
        records=tuple(sorted(facts.records, key=lambda r: r.month)),
        incidents=tuple(i for i in facts.incidents if i.verified and first <= i.occurred_on <= last),
        commendations=tuple(c for c in facts.commendations if c.verified and first <= c.awarded_on <= last),
        annual=facts.annual,
        months=period.months,
        params=params,
    )


def longest_run(records: tuple[pr.MemberMonthRecord, ...], pred: Any) -> int:
    """The longest run of consecutive months whose record satisfies ``pred`` (a missing month breaks a run)."""
    best = run = 0
    prev = None
    for r in records:
        idx = int(r.month[:4]) * 12 + int(r.month[5:7])
        consecutive = prev is not None and idx == prev + 1
        run = (run + 1 if consecutive and run > 0 else 1) if pred(r) else 0
        prev = idx
        best = max(best, run)
    return best


def _score(v: View) -> float | None:
    return None if v.annual is None else v.annual.evaluation_score


def _mm(r: pr.MemberMonthRecord) -> tuple[int, int]:
    return r.meetings_required.member_meeting, r.meetings_attended.member_meeting


Meaning = Callable[[View], Any]
# The meaning in plain Python of every expression partyrules.testing.generated_rulesets may write (EXPRESSIONS),
# None standing for the language's "none"; tests/score/test_semantic_oracles.py checks none is missing.
MEANINGS: dict[str, Meaning] = {
    # flags
    "placard_displayed": lambda v: v.member.placard_displayed,
    "placard_displayed and len(cards) >= 2": lambda v: v.member.placard_displayed and len(v.member.cards) >= 2,
    "is_organ_staff or placard_displayed": lambda v: v.member.is_organ_staff or v.member.placard_displayed,
    "count(records where dues_paid_on_time) >= 6": lambda v: sum(r.dues_paid_on_time for r in v.records) >= 6,
    'exists(commendations where level in ["city", "above"])':
        lambda v: any(c.level in ("city", "above") for c in v.commendations),
    "sum(records.households_contacted) >= 10": lambda v: sum(r.households_contacted for r in v.records) >= 10,
    "exists(claimed_posts where active)": lambda v: any(p.active for p in v.member.claimed_posts),
    # ratios: numerators and denominators
    "sum(records.meetings_attended.member_meeting)": lambda v: sum(_mm(r)[1] for r in v.records),
    "sum(records.meetings_required.member_meeting)": lambda v: sum(_mm(r)[0] for r in v.records),
    "count(records where dues_paid_on_time)": lambda v: sum(r.dues_paid_on_time for r in v.records),
    "period.months": lambda v: v.months,
    "count(records where households_contacted > 0)": lambda v: sum(r.households_contacted > 0 for r in v.records),
    "count(records)": lambda v: len(v.records),
    "sum(records.study_sessions_attended)": lambda v: sum(r.study_sessions_attended for r in v.records),
    "sum(records.study_sessions_required)": lambda v: sum(r.study_sessions_required for r in v.records),
    # ratios to a target: values and targets
    "sum(records.volunteer_hours)": lambda v: sum(r.volunteer_hours for r in v.records),
    "params.hours": lambda v: v.params["hours"],
    "sum(records.households_contacted)": lambda v: sum(r.households_contacted for r in v.records),
    "params.contacts * period.months / 12": lambda v: v.params["contacts"] * v.months / 12,
    "count(records where post_duty_performed)": lambda v: sum(r.post_duty_performed for r in v.records),
    "6": lambda v: 6,
    "params.hours if is_organ_staff else params.hours / 2":
        lambda v: v.params["hours"] if v.member.is_organ_staff else v.params["hours"] / 2,
    # band values (the others are above)
    "len(linked_household_ids)": lambda v: len(v.member.linked_household_ids),
    "annual.evaluation_score": _score,
    # per-occurrence counts
    'count(commendations where level in ["district", "city", "above"])':
        lambda v: sum(c.level in ("district", "city", "above") for c in v.commendations),
    "count(records where households_contacted >= 3)": lambda v: sum(r.households_contacted >= 3 for r in v.records),
    "count(claimed_posts where active)": lambda v: sum(p.active for p in v.member.claimed_posts),
    "sum(records.difficulties_resolved)": lambda v: sum(r.difficulties_resolved for r in v.records),
    "count(commendations) * 2": lambda v: len(v.commendations) * 2,
    # applicability
    'status == "formal"': lambda v: v.member.status == "formal",
    "not health_limited": lambda v: not v.member.health_limited,
    "is_organ_staff": lambda v: v.member.is_organ_staff,
    "annual.evaluation_score >= 50": lambda v: None if _score(v) is None else _score(v) >= 50,
    # deductions
    'count(incidents where kind == "complaint_substantiated")':
        lambda v: sum(i.kind == "complaint_substantiated" for i in v.incidents),
    'count(incidents where kind in ["gambling", "littering"] and severity != "minor")':
        lambda v: sum(i.kind in ("gambling", "littering") and i.severity != "minor" for i in v.incidents),
    "count(records where not dues_paid_on_time)": lambda v: sum(not r.dues_paid_on_time for r in v.records),
    "sum(records.(meetings_required.member_meeting - meetings_attended.member_meeting))":
        lambda v: sum(_mm(r)[0] - _mm(r)[1] for r in v.records),
    "1 if longest_run(records where households_contacted == 0) >= 3 else 0":
        lambda v: 1 if longest_run(v.records, lambda r: r.households_contacted == 0) >= 3 else 0,
    "count(records where households_contacted == 0)": lambda v: sum(r.households_contacted == 0 for r in v.records),
    "sum(records.excused_absences)": lambda v: sum(r.excused_absences for r in v.records),
    # vetoes
    'exists(incidents where kind == "crisis_retreat" and consequence != none)':
        lambda v: any(i.kind == "crisis_retreat" and i.consequence is not None for i in v.incidents),
    'count(incidents where kind == "criminal_conviction") > 0':
        lambda v: sum(i.kind == "criminal_conviction" for i in v.incidents) > 0,
    'count(incidents where kind in ["anti_party_speech", "illegal_org_participation"]) >= 1':
        lambda v: sum(i.kind in ("anti_party_speech", "illegal_org_participation") for i in v.incidents) >= 1,
    "longest_run(records where not dues_paid_on_time) >= 6":
        lambda v: longest_run(v.records, lambda r: not r.dues_paid_on_time) >= 6,
    "annual.evaluation_score < 10": lambda v: None if _score(v) is None else _score(v) < 10,
}


# -- the values random conditions read, and their three-valued logic --------------------------------------------------
def subject_env(v: View) -> dict[str, Any]:
    """The value of each name of partyrules.testing.SUBJECT_VALUES for the member seen in ``v``."""
    m, a = v.member, v.annual
    return {
        "placard_displayed": m.placard_displayed, "is_organ_staff": m.is_organ_staff,
        "health_limited": m.health_limited, "birth_year": m.birth_year, "category": m.category,
        "status": m.status, "employer_unit": m.employer_unit, "grid_id": m.grid_id, "len(cards)": len(m.cards),
        "count(records where dues_paid_on_time)": sum(r.dues_paid_on_time for r in v.records),
        "sum(records.volunteer_hours)": sum(r.volunteer_hours for r in v.records),
        'exists(incidents where kind == "gambling")': any(i.kind == "gambling" for i in v.incidents),
        "annual.evaluation_score": None if a is None else a.evaluation_score,
        "annual.org_life_meeting_held": None if a is None else a.org_life_meeting_held,
    }


def record_env(r: pr.MemberMonthRecord) -> dict[str, Any]:
    """The value of each name of partyrules.testing.RECORD_VALUES for one record."""
    return {"dues_paid_on_time": r.dues_paid_on_time, "post_duty_performed": r.post_duty_performed,
            "households_contacted": r.households_contacted, "volunteer_hours": r.volunteer_hours,
            "meetings_attended.member_meeting": r.meetings_attended.member_meeting, "month": r.month,
            "spot_check_passed": r.spot_check_passed, "mediation_cases": r.mediation_cases}


def incident_env(i: pr.Incident) -> dict[str, Any]:
    """The value of each name of partyrules.testing.INCIDENT_VALUES for one incident."""
    return {"kind": i.kind, "severity": i.severity, "consequence": i.consequence}


# The expression language's logic (lang/interp.py): an ordering comparison with none is unknown (None); == and !=
# compare values (none == none holds); "not unknown" is unknown; "false and unknown" is false, "true or unknown" is
# true; a condition holds only when it is exactly true.
_ORDER_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def meaning(c: Cond, env: dict[str, Any]) -> bool | None:
    """The three-valued value of a drawn condition over named values: True, False or None (unknown)."""
    if isinstance(c, Compare):
        v = env[c.name]
        if c.op == "==":
            return v == c.const
        if c.op == "!=":
            return v != c.const
        return None if v is None else _ORDER_OPS[c.op](v, c.const)
    if isinstance(c, MemberOf):
        v = env[c.name]
        return None if v is None else (v in c.values) != c.negate
    if isinstance(c, Truth):
        return env[c.name]
    if isinstance(c, Not):
        inner = meaning(c.inner, env)
        return None if inner is None else not inner
    if isinstance(c, Join):
        stop = c.op == "or"  # the value that decides: true for or, false for and
        va, vb = meaning(c.left, env), meaning(c.right, env)
        if va is stop or vb is stop:
            return stop
        return None if va is None or vb is None else not stop
    raise TypeError(f"not a condition: {c!r}")


def holds(c: Cond, env: dict[str, Any]) -> bool:
    """Whether a condition holds: only when it is exactly true."""
    return meaning(c, env) is True
