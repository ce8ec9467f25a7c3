"""Hypothesis strategies: valid member facts, and valid small rule sets written as YAML text.

Facts are built through the pydantic models, so everything drawn here passes validation. Values stay in the
ranges the models allow, with the edges (0 and very large counts, 0 and 744 volunteering hours) drawn often.

Rule sets are drawn from pools of expressions over a handful of fact fields. Every expression in the pools is
monotone non-decreasing in ``records.volunteer_hours`` and ``records.households_contacted`` (the fields the
generated rule sets declare as ``monotone.increasing``), so the monotonicity property holds by construction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml
from hypothesis import strategies as st

import partyrules as pr
from partyrules.facts import COMMENDATION_KINDS, incident_kinds
from partyrules.facts.enums import (
    AppraisalLevel,
    CardKind,
    CommendationLevel,
    Grade,
    MemberCategory,
    MemberStatus,
    PostCategory,
    Severity,
)

MEMBER_KINDS: tuple[str, ...] = tuple(sorted(incident_kinds("member")))
# kinds the example rule set and the generated rule sets read: drawn more often than the rest
READ_KINDS: tuple[str, ...] = (
    "crisis_retreat",
    "complaint_substantiated",
    "criminal_conviction",
    "anti_party_speech",
    "gambling",
    "littering",
)
VERIFIER = "B1-committee"

# -- scalars -----------------------------------------------------------------------------------------------------
small_counts = st.integers(min_value=0, max_value=4)
counts = st.one_of(small_counts, small_counts, st.just(0), st.integers(min_value=10**6, max_value=10**9))
hours = st.one_of(
    st.floats(min_value=0, max_value=744, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, 0.5, 8.0, 744.0]),
)
percent = st.one_of(st.floats(min_value=0, max_value=100, allow_nan=False), st.sampled_from([0.0, 100.0]))


def _dates(year: int) -> st.SearchStrategy[date]:
    return st.dates(min_value=date(year, 1, 1), max_value=date(year, 12, 31))


@st.composite
def meeting_counts(draw: st.DrawFn) -> pr.facts.MeetingCounts:
    names = ("member_meeting", "committee_meeting", "group_meeting", "party_lecture", "theme_day",
             "org_life_meeting", "democratic_review")
    return pr.facts.MeetingCounts(**{n: draw(counts) for n in names})


# -- subjects and records ----------------------------------------------------------------------------------------
@st.composite
def members(
    draw: st.DrawFn,
    *,
    member_id: str = "M1",
    category: str | None = "in_service",
    organ_staff: bool | None = None,
) -> pr.Member:
    cat = category if category is not None else draw(st.sampled_from([c.value for c in MemberCategory]))
    posts = draw(st.lists(st.tuples(st.sampled_from([p.value for p in PostCategory]), st.booleans()),
                          max_size=3))
    return pr.Member.model_validate({
        "member_id": member_id,
        "branch_id": "B1",
        "category": cat,
        "status": draw(st.sampled_from([s.value for s in MemberStatus])),
        "joined_on": draw(st.dates(min_value=date(1960, 1, 1), max_value=date(2025, 12, 31))),
        "birth_year": draw(st.integers(min_value=1930, max_value=2005)),
        "is_organ_staff": draw(st.booleans()) if organ_staff is None else organ_staff,
        "health_limited": draw(st.booleans()),
        "placard_displayed": draw(st.booleans()),
        "employer_unit": draw(st.none() | st.sampled_from(["District Office", "Water Works"])),
        "grid_id": draw(st.none() | st.sampled_from(["GR1", "GR2"])),
        "cards": draw(st.lists(st.sampled_from([c.value for c in CardKind]), unique=True)),
        "linked_household_ids": draw(st.lists(st.sampled_from([f"H{i}" for i in range(8)]), unique=True)),
        "claimed_posts": [
            {"post_id": f"P{i}", "category": c, "claimed_on": "2025-06-01", "active": a}
            for i, (c, a) in enumerate(posts)
        ],
    })


@st.composite
def member_records(draw: st.DrawFn, *, member_id: str = "M1", month: str = "2026-01") -> pr.MemberMonthRecord:
    spot_checked = draw(st.booleans())
    return pr.MemberMonthRecord(
        member_id=member_id,
        month=month,
        meetings_required=draw(meeting_counts()),
        meetings_attended=draw(meeting_counts()),
        excused_absences=draw(counts),
        study_sessions_required=draw(small_counts),
        study_sessions_attended=draw(counts),
        notes_submitted=draw(small_counts),
        dues_paid_on_time=draw(st.booleans()),
        volunteer_hours=draw(hours),
        community_activities=draw(small_counts),
        households_contacted=draw(counts),
        difficulties_resolved=draw(counts),
        suggestions_made=draw(small_counts),
        post_duty_performed=draw(st.booleans()),
        tasks_assigned=draw(small_counts),
        tasks_completed=draw(small_counts),
        spot_checked=spot_checked,
        spot_check_passed=draw(st.none() | st.booleans()) if spot_checked else None,
        mediation_cases=draw(st.none() | small_counts),
    )


@st.composite
def incidents(
    draw: st.DrawFn,
    *,
    member_id: str = "M1",
    incident_id: str = "I1",
    year: int = 2026,
    kind: str | None = None,
    verified: bool | None = None,
) -> pr.Incident:
    is_verified = draw(st.booleans()) if verified is None else verified
    return pr.Incident(
        incident_id=incident_id,
        subject_kind="member",
        subject_id=member_id,
        kind=kind if kind is not None else draw(st.sampled_from(READ_KINDS) | st.sampled_from(MEMBER_KINDS)),
        occurred_on=draw(_dates(year)),
        severity=draw(st.sampled_from([s.value for s in Severity])),
        consequence=draw(st.none() | st.sampled_from(["较大负面影响", "造成不良后果"])),
        verified=is_verified,
        verified_by=VERIFIER if is_verified else None,
        evidence_ref=f"doc/{incident_id}",
    )


def veto_incident(incident_id: str = "IV", *, member_id: str = "M1", verified: bool = True,
                  occurred_on: str = "2026-08-01") -> pr.Incident:
    """A crisis_retreat with a consequence: the example rule set's veto EX.V1 when verified."""
    return pr.Incident(
        incident_id=incident_id, subject_kind="member", subject_id=member_id, kind="crisis_retreat",
        occurred_on=occurred_on, severity="serious", consequence="较大负面影响", verified=verified,
        verified_by=VERIFIER if verified else None, evidence_ref=f"doc/{incident_id}",
    )


@st.composite
def commendations(draw: st.DrawFn, *, member_id: str = "M1", commendation_id: str = "C1",
                  year: int = 2026) -> pr.Commendation:
    return pr.Commendation(
        commendation_id=commendation_id,
        subject_kind="member",
        subject_id=member_id,
        kind=draw(st.sampled_from(COMMENDATION_KINDS)),
        level=draw(st.sampled_from([lv.value for lv in CommendationLevel])),
        awarded_on=draw(_dates(year)),
        verified=draw(st.booleans()),
    )


@st.composite
def annual_evaluations(draw: st.DrawFn, *, member_id: str = "M1", year: int = 2026) -> pr.AnnualEvaluation:
    votes = draw(st.none() | st.dictionaries(st.sampled_from([g.value for g in Grade]), small_counts))
    return pr.AnnualEvaluation.model_validate({
        "subject_kind": "member",
        "subject_id": member_id,
        "year": year,
        "evaluator_org_id": "B1",
        "evaluation_score": draw(percent),
        "daily_observation_score": draw(percent),
        "vote_counts": votes,
        "employer_appraisal": draw(st.none() | st.sampled_from([a.value for a in AppraisalLevel])),
        "org_life_meeting_held": draw(st.none() | st.booleans()),
        "democratic_review_held": draw(st.none() | st.booleans()),
    })


@st.composite
def member_facts(
    draw: st.DrawFn,
    *,
    category: str | None = "in_service",
    year: int = 2026,
    months: Iterable[int] = range(1, 13),
    member_id: str = "M1",
    organ_staff: bool | None = None,
    max_records: int = 12,
    max_incidents: int = 6,
    max_commendations: int = 3,
    annual: bool | None = None,
    kinds: tuple[str, ...] | None = None,
    verified: bool | None = None,
) -> pr.MemberFacts:
    """A valid member bundle: 0-12 records in distinct months of ``year``, 0-6 incidents (verified or not, some
    with a consequence), 0-3 commendations and an optional annual evaluation.

    ``kinds`` restricts the incident kinds and ``verified`` fixes their verification (e.g. for heavy deductions).
    """
    month_pool = sorted(set(months))
    chosen = draw(st.lists(st.sampled_from(month_pool), unique=True, max_size=min(max_records, len(month_pool))))
    records = [draw(member_records(member_id=member_id, month=f"{year:04d}-{m:02d}")) for m in chosen]
    n_inc = draw(st.integers(min_value=0, max_value=max_incidents))
    incs = [draw(incidents(member_id=member_id, incident_id=f"I{i}", year=year, verified=verified,
                           kind=draw(st.sampled_from(kinds)) if kinds else None))
            for i in range(n_inc)]
    n_com = draw(st.integers(min_value=0, max_value=max_commendations))
    coms = [draw(commendations(member_id=member_id, commendation_id=f"C{i}", year=year)) for i in range(n_com)]
    with_annual = draw(st.booleans()) if annual is None else annual
    return pr.MemberFacts(
        draw(members(member_id=member_id, category=category, organ_staff=organ_staff)),
        records=tuple(records),
        incidents=tuple(incs),
        commendations=tuple(coms),
        annual=draw(annual_evaluations(member_id=member_id, year=year)) if with_annual else None,
    )


# -- rule sets ---------------------------------------------------------------------------------------------------
MONOTONE_FIELDS = ("records.volunteer_hours", "records.households_contacted")


@dataclass
class View:
    """What the rules of a generated rule set may see, computed independently of the library: the subject, its
    records, its *verified* incidents and commendations *within the period*, its annual evaluation."""

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


def _longest_run(records: tuple[pr.MemberMonthRecord, ...], pred: Any) -> int:
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
# Each pool entry: (expression text, its meaning in plain Python, None standing for the language's "none")
FLAGS: tuple[tuple[str, Meaning], ...] = (
    ("placard_displayed", lambda v: v.member.placard_displayed),
    ("placard_displayed and len(cards) >= 2", lambda v: v.member.placard_displayed and len(v.member.cards) >= 2),
    ("is_organ_staff or placard_displayed", lambda v: v.member.is_organ_staff or v.member.placard_displayed),
    ("count(records where dues_paid_on_time) >= 6", lambda v: sum(r.dues_paid_on_time for r in v.records) >= 6),
    ('exists(commendations where level in ["city", "above"])',
     lambda v: any(c.level in ("city", "above") for c in v.commendations)),
    ("sum(records.households_contacted) >= 10", lambda v: sum(r.households_contacted for r in v.records) >= 10),
    ("exists(claimed_posts where active)", lambda v: any(p.active for p in v.member.claimed_posts)),
)
RATIOS: tuple[tuple[str, str, Meaning, Meaning], ...] = (
    ("sum(records.meetings_attended.member_meeting)", "sum(records.meetings_required.member_meeting)",
     lambda v: sum(_mm(r)[1] for r in v.records), lambda v: sum(_mm(r)[0] for r in v.records)),
    ("count(records where dues_paid_on_time)", "period.months",
     lambda v: sum(r.dues_paid_on_time for r in v.records), lambda v: v.months),
    ("count(records where households_contacted > 0)", "count(records)",
     lambda v: sum(r.households_contacted > 0 for r in v.records), lambda v: len(v.records)),
    ("sum(records.study_sessions_attended)", "sum(records.study_sessions_required)",
     lambda v: sum(r.study_sessions_attended for r in v.records),
     lambda v: sum(r.study_sessions_required for r in v.records)),
)
RATIOS_TO: tuple[tuple[str, str, Meaning, Meaning], ...] = (
    ("sum(records.volunteer_hours)", "params.hours",
     lambda v: sum(r.volunteer_hours for r in v.records), lambda v: v.params["hours"]),
    ("sum(records.households_contacted)", "params.contacts * period.months / 12",
     lambda v: sum(r.households_contacted for r in v.records), lambda v: v.params["contacts"] * v.months / 12),
    ("count(records where post_duty_performed)", "6",
     lambda v: sum(r.post_duty_performed for r in v.records), lambda v: 6),
    ("sum(records.volunteer_hours)", "params.hours if is_organ_staff else params.hours / 2",
     lambda v: sum(r.volunteer_hours for r in v.records),
     lambda v: v.params["hours"] if v.member.is_organ_staff else v.params["hours"] / 2),
)
BAND_VALUES: tuple[tuple[str, Meaning], ...] = (
    ("count(records where dues_paid_on_time)", lambda v: sum(r.dues_paid_on_time for r in v.records)),
    ("sum(records.volunteer_hours)", lambda v: sum(r.volunteer_hours for r in v.records)),
    ("len(linked_household_ids)", lambda v: len(v.member.linked_household_ids)),
    ("annual.evaluation_score", _score),
    ("sum(records.households_contacted)", lambda v: sum(r.households_contacted for r in v.records)),
)
PER_OCCURRENCE: tuple[tuple[str, Meaning], ...] = (
    ('count(commendations where level in ["district", "city", "above"])',
     lambda v: sum(c.level in ("district", "city", "above") for c in v.commendations)),
    ("count(records where households_contacted >= 3)", lambda v: sum(r.households_contacted >= 3 for r in v.records)),
    ("count(claimed_posts where active)", lambda v: sum(p.active for p in v.member.claimed_posts)),
    ("sum(records.difficulties_resolved)", lambda v: sum(r.difficulties_resolved for r in v.records)),
    ("count(commendations) * 2", lambda v: len(v.commendations) * 2),
)
WHENS: tuple[tuple[str, Meaning], ...] = (
    ('status == "formal"', lambda v: v.member.status == "formal"),
    ("not health_limited", lambda v: not v.member.health_limited),
    ("is_organ_staff", lambda v: v.member.is_organ_staff),
    ("annual.evaluation_score >= 50", lambda v: None if _score(v) is None else _score(v) >= 50),
)
DEDUCTION_PERS: tuple[tuple[str, Meaning], ...] = (
    ('count(incidents where kind == "complaint_substantiated")',
     lambda v: sum(i.kind == "complaint_substantiated" for i in v.incidents)),
    ('count(incidents where kind in ["gambling", "littering"] and severity != "minor")',
     lambda v: sum(i.kind in ("gambling", "littering") and i.severity != "minor" for i in v.incidents)),
    ("count(records where not dues_paid_on_time)", lambda v: sum(not r.dues_paid_on_time for r in v.records)),
    ("sum(records.(meetings_required.member_meeting - meetings_attended.member_meeting))",
     lambda v: sum(_mm(r)[0] - _mm(r)[1] for r in v.records)),
    ("1 if longest_run(records where households_contacted == 0) >= 3 else 0",
     lambda v: 1 if _longest_run(v.records, lambda r: r.households_contacted == 0) >= 3 else 0),
    ("count(records where households_contacted == 0)", lambda v: sum(r.households_contacted == 0 for r in v.records)),
    ("sum(records.excused_absences)", lambda v: sum(r.excused_absences for r in v.records)),
)
# (veto expression, its meaning, the incident kind that triggers it or None for a veto on records or the annual)
VETOES: tuple[tuple[str, Meaning, str | None], ...] = (
    ('exists(incidents where kind == "crisis_retreat" and consequence != none)',
     lambda v: any(i.kind == "crisis_retreat" and i.consequence is not None for i in v.incidents), "crisis_retreat"),
    ('count(incidents where kind == "criminal_conviction") > 0',
     lambda v: sum(i.kind == "criminal_conviction" for i in v.incidents) > 0, "criminal_conviction"),
    ('count(incidents where kind in ["anti_party_speech", "illegal_org_participation"]) >= 1',
     lambda v: sum(i.kind in ("anti_party_speech", "illegal_org_participation") for i in v.incidents) >= 1,
     "anti_party_speech"),
    ("longest_run(records where not dues_paid_on_time) >= 6",
     lambda v: _longest_run(v.records, lambda r: not r.dues_paid_on_time) >= 6, None),
    ("annual.evaluation_score < 10", lambda v: None if _score(v) is None else _score(v) < 10, None),
)
CRISIS_VETO = 0

MEANINGS: dict[str, Meaning] = {}
for _pool in (FLAGS, BAND_VALUES, PER_OCCURRENCE, WHENS, DEDUCTION_PERS):
    MEANINGS.update(_pool)
for _num, _den, _fnum, _fden in (*RATIOS, *RATIOS_TO):
    MEANINGS[_num], MEANINGS[_den] = _fnum, _fden
for _text, _fn, _ in VETOES:
    MEANINGS[_text] = _fn

_amounts = st.sampled_from([0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 8, 10, 12, 15, 20])


@dataclass
class GeneratedRuleSet:
    """A drawn rule set: its YAML text and what its vetoes react to."""

    text: str
    doc: dict[str, Any]
    veto_effect: str
    veto_kinds: dict[str, str | None] = field(default_factory=dict)  # veto id -> triggering incident kind

    def load(self) -> pr.RuleSet:
        return pr.loads_ruleset(self.text, file="generated.yaml")


def _text(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


@st.composite
def _standard(draw: st.DrawFn, sid: str, dim: str, points: float) -> dict[str, object]:
    out: dict[str, object] = {"id": sid, "dimension": dim, **_text(f"标准{sid}", f"Standard {sid}"),
                              "source": "generated", "points": points}
    if draw(st.integers(0, 3)) == 0:
        out["when"] = draw(st.sampled_from(WHENS))[0]
        out["if_not_applicable"] = draw(st.sampled_from(["full", "zero", "not_assessed"]))
    due = draw(st.sampled_from([None, "monthly", "quarterly", "yearly", "any"]))
    method = draw(st.sampled_from(["flag", "ratio", "ratio_to", "bands", "per_occurrence"]))
    if method == "flag":
        out["flag"] = draw(st.sampled_from(FLAGS))[0]
    elif method == "ratio":
        num, den, _, _ = draw(st.sampled_from(RATIOS))
        out["ratio"] = {"numerator": num, "denominator": den,
                        "zero_denominator": draw(st.sampled_from(["full", "zero"]))}
    elif method == "ratio_to":
        value, target, _, _ = draw(st.sampled_from(RATIOS_TO))
        out["ratio_to"] = {"value": value, "target": target, "zero_target": draw(st.sampled_from(["full", "zero"]))}
    elif method == "bands":
        cuts = sorted(draw(st.lists(st.integers(0, 400), min_size=1, max_size=4, unique=True)), reverse=True)
        pts = sorted(draw(st.lists(st.floats(0, points).map(lambda x: round(x, 1)), min_size=len(cuts),
                                   max_size=len(cuts))), reverse=True)
        out["bands"] = {"value": draw(st.sampled_from(BAND_VALUES))[0],
                        "steps": [{"at_least": c, "points": p} for c, p in zip(cuts, pts, strict=True)]}
    else:
        per = draw(st.sampled_from([a for a in (0.5, 1, 2, 3, 5, 10) if a <= points]))
        out["per_occurrence"] = {"count": draw(st.sampled_from(PER_OCCURRENCE))[0], "points": per}
    text = str(out)
    # a yearly standard never prorates, and only a yearly one reads the annual evaluation (checked at load)
    if due is not None and not (due == "yearly" and "period.months" in text) \
            and not (due != "yearly" and "annual." in text):
        out["due"] = due
    return out


@st.composite
def rulesets(draw: st.DrawFn, *, with_crisis_veto: bool = False, large: bool = False) -> GeneratedRuleSet:
    """A valid member rule set of 1-3 dimensions, with every scoring method, deductions and 0-2 vetoes.

    ``large`` draws 3 dimensions of 8-14 standards and 10-16 deductions: more engine rules than fit in one
    engine ruleset (chunk), so that rules and facts are split across several.
    """
    n_dims = draw(st.integers(3, 3) if large else st.integers(1, 3))
    dims: list[dict[str, object]] = []
    standards: list[dict[str, object]] = []
    sid = 0
    for d in range(1, n_dims + 1):
        dim_id = f"G.D{d}"
        pts = draw(st.lists(_amounts, min_size=8, max_size=14) if large else st.lists(_amounts, min_size=1, max_size=4))
        for p in pts:
            sid += 1
            standards.append(draw(_standard(f"G.S{sid}", dim_id, p)))
        dims.append({"id": dim_id, **_text(f"维度{d}", f"Dimension {d}"), "max": sum(pts)})
    deductions: list[dict[str, object]] = []
    for k in range(1, draw(st.integers(10, 16) if large else st.integers(0, 4)) + 1):
        points = draw(_amounts)
        cap = points * draw(st.integers(1, 6))
        ded: dict[str, object] = {"id": f"G.K{k}", "dimension": f"G.D{draw(st.integers(1, n_dims))}",
                                  **_text(f"扣分{k}", f"Deduction {k}"), "source": "generated",
                                  "per": draw(st.sampled_from(DEDUCTION_PERS))[0], "points": points, "cap": cap}
        if draw(st.booleans()):
            ded["when"] = draw(st.sampled_from(WHENS))[0]
        due = draw(st.sampled_from([None, "monthly", "quarterly", "yearly", "any"]))
        if due is not None and not (due == "yearly" and "period.months" in str(ded)) \
                and not (due != "yearly" and "annual." in str(ded)):
            ded["due"] = due
        deductions.append(ded)
    picked = draw(st.lists(st.integers(0, len(VETOES) - 1), unique=True, max_size=2))
    if with_crisis_veto and CRISIS_VETO not in picked:
        picked = [CRISIS_VETO, *picked]
    vetoes = [{"id": f"G.V{j}", **_text(f"否决{j}", f"Veto {j}"), "source": "generated", "when": VETOES[i][0]}
              for j, i in enumerate(picked, start=1)]
    veto_kinds = {f"G.V{j}": VETOES[i][2] for j, i in enumerate(picked, start=1)}
    max_points = sum(float(d["max"]) for d in dims)  # type: ignore[arg-type]
    fractions = draw(st.lists(st.floats(0.05, 1.0), max_size=3))
    cuts = sorted({c for c in (round(max_points * f, 1) for f in fractions) if c > 0}, reverse=True)
    grading = [{"id": f"g{i}", **_text(f"等级{i}", f"Grade {i}"), "at_least": c} for i, c in enumerate(cuts)]
    grading.append({"id": "lowest", **_text("最低", "Lowest"), "at_least": 0})
    veto_effect = draw(st.sampled_from(["lowest_grade", "zero_total"]))
    doc = {
        "id": "generated",
        "version": "1",
        "title": _text("生成的规则集", "Generated rule set"),
        "subject": "member",
        "params": {"hours": draw(st.integers(1, 200)), "contacts": draw(st.integers(1, 50))},
        "monotone": {"increasing": list(MONOTONE_FIELDS)},
        "veto_effect": veto_effect,
        "dimensions": dims,
        "standards": standards,
        "deductions": deductions,
        "vetoes": vetoes,
        "grading": grading,
    }
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    return GeneratedRuleSet(text, doc, veto_effect, veto_kinds)


# -- random conditions with a three-valued meaning ------------------------------------------------------------------
# The expression language's logic (lang/interp.py): an ordering comparison with none is unknown (None); == and !=
# compare values (none == none holds); "not unknown" is unknown; "false and unknown" is false, "true or unknown" is
# true; a condition holds only when it is exactly true. Each condition below carries that meaning in plain Python,
# over a dict of named values, so that the engine's translation of conditions can be checked against it.
@dataclass(frozen=True)
class Cond:
    text: str
    meaning: Callable[[dict[str, Any]], bool | None]

    def holds(self, env: dict[str, Any]) -> bool:
        return self.meaning(env) is True


_ORDER_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def _lit(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def _compare(name: str, op: str, const: Any) -> Cond:
    def meaning(env: dict[str, Any]) -> bool | None:
        v = env[name]
        if op == "==":
            return v == const
        if op == "!=":
            return v != const
        return None if v is None else _ORDER_OPS[op](v, const)

    return Cond(f"{name} {op} {_lit(const)}", meaning)


def _member_of(name: str, values: list[Any], negate: bool) -> Cond:
    def meaning(env: dict[str, Any]) -> bool | None:
        v = env[name]
        return None if v is None else (v in values) != negate

    return Cond(f"{name} {'not in' if negate else 'in'} [{', '.join(_lit(x) for x in values)}]", meaning)


def _truth(name: str) -> Cond:
    return Cond(name, lambda env: env[name])


# (name, kind, nullable, sample constants) of what a condition may read, per scope
SUBJECT_VALUES: tuple[tuple[str, str, bool, tuple[Any, ...]], ...] = (
    ("placard_displayed", "bool", False, (True, False)),
    ("is_organ_staff", "bool", False, (True, False)),
    ("health_limited", "bool", False, (True, False)),
    ("birth_year", "num", False, (1930, 1960, 1975, 1975.5, 2005)),
    ("category", "enum", False, ("in_service", "retired", "new_citizen")),
    ("status", "enum", False, ("formal", "probationary")),
    ("employer_unit", "str", True, ("District Office", "Water Works", "Nowhere")),
    ("grid_id", "str", True, ("GR1", "GR9")),
    ("len(cards)", "num", False, (0, 1, 2, 4)),
    ("count(records where dues_paid_on_time)", "num", False, (0, 1, 6, 12)),
    ("sum(records.volunteer_hours)", "num", False, (0, 0.5, 10, 100.25)),
    ('exists(incidents where kind == "gambling")', "bool", False, (True, False)),
    ("annual.evaluation_score", "num", True, (0, 50, 50.5, 100)),
    ("annual.org_life_meeting_held", "bool", True, (True, False)),
)
RECORD_VALUES: tuple[tuple[str, str, bool, tuple[Any, ...]], ...] = (
    ("dues_paid_on_time", "bool", False, (True, False)),
    ("post_duty_performed", "bool", False, (True, False)),
    ("households_contacted", "num", False, (0, 1, 3, 1000000)),
    ("volunteer_hours", "num", False, (0, 0.5, 8, 744)),
    ("meetings_attended.member_meeting", "num", False, (0, 1, 2)),
    ("month", "str", False, ("2026-01", "2026-06", "2026-12")),
    ("spot_check_passed", "bool", True, (True, False)),
    ("mediation_cases", "num", True, (0, 1, 3)),
)
INCIDENT_VALUES: tuple[tuple[str, str, bool, tuple[Any, ...]], ...] = (
    ("kind", "enum", False, ("gambling", "littering", "crisis_retreat", "complaint_substantiated")),
    ("severity", "enum", False, ("minor", "major", "serious")),
    ("consequence", "str", True, ("较大负面影响", "造成不良后果")),
    ("occurred_on", "date", False, ()),
)


@st.composite
def _atom(draw: st.DrawFn, values: tuple[tuple[str, str, bool, tuple[Any, ...]], ...]) -> Cond:
    name, kind, nullable, consts = draw(st.sampled_from([v for v in values if v[1] != "date"]))
    shape = draw(st.sampled_from(["compare", "in", "truth", "none"]))
    if kind == "bool" and shape == "truth":
        return _truth(name)
    if nullable and shape == "none":
        return _compare(name, draw(st.sampled_from(["==", "!="])), None)
    if shape == "in" and kind != "bool":
        picked = draw(st.lists(st.sampled_from(consts), min_size=1, max_size=3, unique=True))
        return _member_of(name, picked, draw(st.booleans()))
    ops = ["==", "!="] if kind in ("bool", "enum") else ["==", "!=", "<", "<=", ">", ">="]
    return _compare(name, draw(st.sampled_from(ops)), draw(st.sampled_from(consts)))


def _not(c: Cond) -> Cond:
    def meaning(env: dict[str, Any]) -> bool | None:
        v = c.meaning(env)
        return None if v is None else not v

    return Cond(f"not ({c.text})", meaning)


def _join(op: str, a: Cond, b: Cond) -> Cond:
    stop = op == "or"  # the value that decides: true for or, false for and

    def meaning(env: dict[str, Any]) -> bool | None:
        va, vb = a.meaning(env), b.meaning(env)
        if va is stop or vb is stop:
            return stop
        return None if va is None or vb is None else not stop

    return Cond(f"({a.text}) {op} ({b.text})", meaning)


def conditions(values: tuple[tuple[str, str, bool, tuple[Any, ...]], ...]) -> st.SearchStrategy[Cond]:
    """Random conditions over ``values`` (SUBJECT_VALUES, RECORD_VALUES or INCIDENT_VALUES)."""
    return st.recursive(
        _atom(values),
        lambda inner: st.one_of(
            inner.map(_not),
            st.tuples(st.sampled_from(["and", "or"]), inner, inner).map(lambda t: _join(*t)),
        ),
        max_leaves=5,
    )


def subject_env(v: View) -> dict[str, Any]:
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
    return {"dues_paid_on_time": r.dues_paid_on_time, "post_duty_performed": r.post_duty_performed,
            "households_contacted": r.households_contacted, "volunteer_hours": r.volunteer_hours,
            "meetings_attended.member_meeting": r.meetings_attended.member_meeting, "month": r.month,
            "spot_check_passed": r.spot_check_passed, "mediation_cases": r.mediation_cases}


def incident_env(i: pr.Incident) -> dict[str, Any]:
    return {"kind": i.kind, "severity": i.severity, "consequence": i.consequence}


@dataclass
class ConditionRuleSet:
    """A rule set whose rules test random conditions: a flag (S1), a standard's applicability (S2), a veto (V1), a
    deduction per matching record (K1) and one per matching incident (K2)."""

    text: str
    flag: Cond
    when: Cond
    veto: Cond
    records: Cond
    incidents: Cond

    def load(self) -> pr.RuleSet:
        return pr.loads_ruleset(self.text, file="conditions.yaml")


@st.composite
def condition_rulesets(draw: st.DrawFn) -> ConditionRuleSet:
    subject = conditions(SUBJECT_VALUES)
    flag, when, veto = draw(subject), draw(subject), draw(subject)
    records, incidents = draw(conditions(RECORD_VALUES)), draw(conditions(INCIDENT_VALUES))
    text = yaml.safe_dump({
        "id": "conditions", "version": "1", "title": _text("条件", "Conditions"), "subject": "member",
        "dimensions": [{"id": "D1", **_text("一", "One"), "max": 100}, {"id": "D2", **_text("二", "Two"), "max": 50}],
        "standards": [
            {"id": "S1", "dimension": "D1", **_text("甲", "A"), "source": "t", "points": 50, "flag": flag.text},
            {"id": "S2", "dimension": "D1", **_text("乙", "B"), "source": "t", "points": 50, "flag": "true",
             "when": when.text, "if_not_applicable": "zero"},
            {"id": "S3", "dimension": "D2", **_text("丙", "C"), "source": "t", "points": 50, "flag": "true"},
        ],
        "deductions": [
            {"id": "K1", "dimension": "D2", **_text("丁", "D"), "source": "t", "points": 1, "cap": 20,
             "per": f"count(records where {records.text})"},
            {"id": "K2", "dimension": "D2", **_text("戊", "E"), "source": "t", "points": 1, "cap": 20,
             "per": f"count(incidents where {incidents.text})"},
        ],
        "vetoes": [{"id": "V1", **_text("否", "V"), "source": "t", "when": veto.text}],
        "grading": [{"id": "good", **_text("好", "Good"), "at_least": 60},
                    {"id": "low", **_text("差", "Low"), "at_least": 0}],
    }, allow_unicode=True, sort_keys=False)
    return ConditionRuleSet(text, flag, when, veto, records, incidents)
