"""The example facts and the example reader behind ``docs/rule-language.md``.

The reference documents every construct of the rule language with a small example that
``tests/docs/test_docs_rule_language.py`` loads and evaluates. This module holds what those examples run on:

- the facts fixtures (a member with a year of records, a new member, a branch, a community), named by the
  ``<!-- facts: NAME -->`` comment before an example;
- the reader that finds the fenced examples and their annotation comments in the Markdown.

Conventions in the document (also described in its "How to read the examples" section):

``yaml example``
    a complete rule set. Preceded by ``<!-- facts: NAME [period=P] [params={json}] -->`` and followed by
    ``<!-- expect: ITEM, ITEM, ... -->`` where an item is one of ``total=N``, ``grade=ID``, ``veto=ID`` (or
    ``veto=none``), ``line RULE=POINTS``, ``status RULE=STATUS``, ``occurrences RULE=N``,
    ``counted RULE=KEY KEY ...``, ``dimension DIM=SUBTOTAL``, ``absent=RULE``, ``reason=CODE``,
    ``raises=ErrorClass``. Any number of ``<!-- rerun: NAME [period=P] [params={json}] => ITEM, ... -->``
    comments may follow: each evaluates the same rule set again, on other facts or with other parameters.
``yaml error``
    a rule set that must not load, followed by ``<!-- error: CODE [at LINE:COL] [hint: TEXT] -->``.
``yaml fragment NAME``
    a file that examples may ``include:``; every fragment of the document is written to one directory, which
    is the ``root`` every example is loaded with.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any

import partyrules as pr

# ----------------------------------------------------------------------------------------------------------------
# facts

_VOLUNTEER_HOURS = [4, 6, 0, 8, 10, 2, 0, 6, 4, 8, 6, 6]
_HOUSEHOLDS = [2, 2, 0, 0, 0, 2, 2, 2, 0, 2, 2, 2]
_MEDIATION = [None, None, None, None, None, None, 1, 0, 2, 0, 1, 0]


def _member_record(m: int) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "member_id": "M1",
        "month": f"2026-{m:02d}",
        "meetings_required": {"member_meeting": 1, "group_meeting": 1},
        "meetings_attended": {"member_meeting": 0 if m in (3, 7) else 1, "group_meeting": 1},
        "excused_absences": 1 if m == 7 else 0,
        "study_sessions_required": 2,
        "study_sessions_attended": {7: 3, 11: 0}.get(m, 2),
        "dues_paid_on_time": m not in (5, 6),
        "volunteer_hours": float(_VOLUNTEER_HOURS[m - 1]),
        "households_contacted": _HOUSEHOLDS[m - 1],
        "tasks_assigned": 1,
        "tasks_completed": 0 if m == 8 else 1,
        "spot_checked": m in (6, 9),
        "spot_check_passed": {6: True, 9: False}.get(m),
        "mediation_cases": _MEDIATION[m - 1],
    }
    return rec


def _incident(iid: str, kind: str, on: str, verified: bool, subject: str = "M1", subject_kind: str = "member",
              **extra: Any) -> dict[str, Any]:
    out = {"incident_id": iid, "subject_kind": subject_kind, "subject_id": subject, "kind": kind,
           "occurred_on": on, "verified": verified, "evidence_ref": f"file-{iid}", **extra}
    if verified:
        out["verified_by"] = "B1-committee"
    return out


def _commendation(cid: str, kind: str, level: str, on: str, verified: bool) -> dict[str, Any]:
    return {"commendation_id": cid, "subject_kind": "member", "subject_id": "M1", "kind": kind, "level": level,
            "awarded_on": on, "verified": verified}


MEMBER_YEAR: dict[str, Any] = {
    "member": {
        "member_id": "M1", "branch_id": "B1", "category": "in_service", "status": "formal",
        "joined_on": "2001-07-01", "birth_year": 1975, "is_organ_staff": True, "health_limited": False,
        "employer_unit": "District Office", "registered_with_community_on": "2025-03-15",
        "placard_displayed": True, "cards": ["basic_info", "activity_record", "community_performance"],
        "linked_household_ids": ["H1", "H2", "H3", "H4", "H5"], "roles": ["mediator"],
        "claimed_posts": [
            {"post_id": "P1", "category": "assistance", "claimed_on": "2026-01-05", "active": True},
            {"post_id": "P2", "category": "environment", "claimed_on": "2025-03-01", "active": False},
        ],
        "checklist": [
            {"item_id": "L1", "text": "组织楼栋议事会", "due": "2026-06-30", "responsible_id": "M1",
             "done_on": "2026-04-30", "accepted": True},
            {"item_id": "L2", "text": "走访困难户", "due": "2026-09-30", "responsible_id": "M1",
             "done_on": None, "accepted": False},
        ],
    },
    "records": [_member_record(m) for m in range(1, 13)],
    "incidents": [
        _incident("I1", "complaint_substantiated", "2026-03-02", True),
        _incident("I2", "complaint_substantiated", "2026-04-02", False),
        _incident("I3", "littering", "2026-05-10", True),
        _incident("I4", "littering", "2025-12-20", True),
        _incident("I5", "crisis_retreat", "2026-08-01", False, consequence="较大负面影响"),
        _incident("I6", "improper_speech", "2026-10-15", True, severity="major"),
    ],
    "commendations": [
        _commendation("C1", "good_deed", "street", "2026-06-01", True),
        _commendation("C2", "commendation", "district", "2026-09-01", True),
        _commendation("C3", "commendation", "city", "2026-11-01", False),
    ],
    "annual": {
        "subject_kind": "member", "subject_id": "M1", "year": 2026, "evaluator_org_id": "B1",
        "evaluation_score": 88.0, "daily_observation_score": 80.0, "employer_appraisal": "excellent",
        "org_life_meeting_held": True, "democratic_review_held": True,
    },
}


def _member_vetoed() -> dict[str, Any]:
    data = copy.deepcopy(MEMBER_YEAR)
    for inc in data["incidents"]:
        if inc["incident_id"] == "I5":
            inc["verified"] = True
            inc["verified_by"] = "B1-committee"
    return data


MEMBER_NEW: dict[str, Any] = {
    "member": {
        "member_id": "M2", "branch_id": "B1", "category": "new_citizen", "status": "probationary",
        "joined_on": "2025-11-01", "birth_year": 1990, "health_limited": True,
    },
    "records": [
        {"member_id": "M2", "month": "2026-01", "volunteer_hours": 2.0, "property_fee_paid": True},
        {"member_id": "M2", "month": "2026-02", "volunteer_hours": 2.0},
        {"member_id": "M2", "month": "2026-03", "volunteer_hours": 2.0, "property_fee_paid": False},
    ],
}

_ATTENDANCE = [0.9, 0.85, 0.8, 0.9, 0.95, 0.9, 0.7, 0.6, 0.9, 0.9, 0.95, 0.85]


def _branch_record(m: int) -> dict[str, Any]:
    quarter_end = m % 3 == 0
    return {
        "branch_id": "B1",
        "month": f"2026-{m:02d}",
        "meetings_held": {"member_meeting": 1 if quarter_end else 0, "committee_meeting": 1, "group_meeting": 1,
                          "party_lecture": 1 if quarter_end else 0, "theme_day": 0 if m == 8 else 1},
        "attendance_rate": _ATTENDANCE[m - 1],
        "directives_received": 2,
        "directives_relayed_on_time": 1 if m == 4 else 2,
        "central_tasks_assigned": 1,
        "central_tasks_completed": 0 if m == 10 else 1,
        "dues_collected_in_full": m != 2,
        "report_submitted": True,
        "public_disclosure_done": m not in (7, 8),
        "issues_collected": 5,
        "issues_resolved_on_time": 4,
    }


BRANCH_YEAR: dict[str, Any] = {
    "branch": {
        "branch_id": "B1", "name": "第一支部", "parent_org_id": "CGB1", "branch_type": "community",
        "formal_member_count": 30, "member_count": 32, "has_committee": True, "committee_size": 5,
        "secretary_id": "M1", "households_covered": 400, "grid_worker_count": 4,
    },
    "records": [_branch_record(m) for m in range(1, 13)],
    "incidents": [
        _incident("BI1", "ledger_incomplete", "2026-07-01", True, subject="B1", subject_kind="branch"),
        _incident("BI2", "service_delay", "2026-08-01", False, subject="B1", subject_kind="branch"),
    ],
    "annual": {
        "subject_kind": "branch", "subject_id": "B1", "year": 2026, "evaluator_org_id": "CGB1",
        "evaluation_score": 90.0, "daily_observation_score": 85.0, "secretary_review": "good",
        "satisfaction_rate": 0.92,
    },
}

COMMUNITY: dict[str, Any] = {
    "community": {
        "community_id": "CM1", "committee_complete": True, "cadre_profile_ok": True,
        "cadre_supervision_mechanism": True, "joint_meeting_system": True, "joint_building_activities": 6,
        "mass_orgs_present": ["union", "womens_federation", "youth_league"], "member_council_active": True,
        "post_responsibility_active": False, "five_ones_completion_rate": 0.75,
        "volunteer_teams": [
            {"team_id": "T1", "size": 12, "active": True},
            {"team_id": "T2", "size": 5, "active": True},
            {"team_id": "T3", "size": 8, "active": False},
        ],
        "service_station": True, "services_present": ["culture", "health"], "service_network_online": False,
        "vulnerable_group_service": True, "employment_training_sessions": 3, "satisfaction_residents": 0.9,
        "satisfaction_units": 0.8, "service_investment_channels": 2, "service_projects": ["elderly_care"],
        "market_operated_projects": 0,
    },
    "grids": [
        {"grid_id": "G1", "community_id": "CM1", "households": 300, "grid_worker_ids": ["W1", "W2"],
         "branch_id": "B1"},
        {"grid_id": "G2", "community_id": "CM1", "households": 250, "grid_worker_ids": ["W3"]},
        {"grid_id": "G3", "community_id": "CM1", "households": 120},
    ],
    "incidents": [
        _incident("CI1", "mass_incident_minor", "2026-05-05", True, subject="CM1", subject_kind="community"),
    ],
}

#: name -> (bundle data, default period)
FIXTURES: dict[str, tuple[dict[str, Any], str]] = {
    "member_year": (MEMBER_YEAR, "2026"),
    "member_vetoed": (_member_vetoed(), "2026"),
    "member_new": (MEMBER_NEW, "2026-Q1"),
    "branch_year": (BRANCH_YEAR, "2026"),
    "community": (COMMUNITY, "2026"),
}


def facts(name: str) -> pr.MemberFacts | pr.BranchFacts | pr.CommunityFacts:
    """A fresh, validated bundle for a fixture name."""
    data, _ = FIXTURES[name]
    return pr.parse_subject_facts(copy.deepcopy(data))


# The tables of the document's appendix, generated from the fixtures so that they cannot drift apart.
MEMBER_RECORD_COLUMNS = (
    ("month", lambda r: r["month"]),
    ("meetings_required (member / group)",
     lambda r: f'{r["meetings_required"]["member_meeting"]} / {r["meetings_required"]["group_meeting"]}'),
    ("meetings_attended (member / group)",
     lambda r: f'{r["meetings_attended"]["member_meeting"]} / {r["meetings_attended"]["group_meeting"]}'),
    ("excused_absences", lambda r: r["excused_absences"]),
    ("study_sessions (required / attended)",
     lambda r: f'{r["study_sessions_required"]} / {r["study_sessions_attended"]}'),
    ("dues_paid_on_time", lambda r: str(r["dues_paid_on_time"]).lower()),
    ("volunteer_hours", lambda r: f'{r["volunteer_hours"]:g}'),
    ("households_contacted", lambda r: r["households_contacted"]),
    ("tasks (assigned / completed)", lambda r: f'{r["tasks_assigned"]} / {r["tasks_completed"]}'),
    ("spot_checked / spot_check_passed",
     lambda r: f'{str(r["spot_checked"]).lower()} / {_show(r["spot_check_passed"])}'),
    ("mediation_cases", lambda r: _show(r["mediation_cases"])),
)

BRANCH_RECORD_COLUMNS = (
    ("month", lambda r: r["month"]),
    ("meetings_held (member / committee / group / lecture / theme_day)",
     lambda r: " / ".join(str(r["meetings_held"][k]) for k in
                          ("member_meeting", "committee_meeting", "group_meeting", "party_lecture", "theme_day"))),
    ("attendance_rate", lambda r: f'{r["attendance_rate"]:g}'),
    ("directives (received / relayed on time)",
     lambda r: f'{r["directives_received"]} / {r["directives_relayed_on_time"]}'),
    ("central_tasks (assigned / completed)",
     lambda r: f'{r["central_tasks_assigned"]} / {r["central_tasks_completed"]}'),
    ("dues_collected_in_full", lambda r: str(r["dues_collected_in_full"]).lower()),
    ("public_disclosure_done", lambda r: str(r["public_disclosure_done"]).lower()),
    ("issues (collected / resolved on time)",
     lambda r: f'{r["issues_collected"]} / {r["issues_resolved_on_time"]}'),
)


def _show(v: Any) -> str:
    if v is None:
        return "none"
    if isinstance(v, bool):
        return str(v).lower()
    return str(v)


def markdown_table(records: list[dict[str, Any]], columns: tuple[tuple[str, Any], ...]) -> str:
    head = "| " + " | ".join(name for name, _ in columns) + " |"
    rule = "|" + "|".join("---" for _ in columns) + "|"
    rows = ["| " + " | ".join(str(fn(r)) for _, fn in columns) + " |" for r in records]
    return "\n".join([head, rule, *rows])


def appendix_tables() -> list[str]:
    """The record tables the document's appendix must contain verbatim."""
    return [markdown_table(MEMBER_YEAR["records"], MEMBER_RECORD_COLUMNS),
            markdown_table(BRANCH_YEAR["records"], BRANCH_RECORD_COLUMNS)]


# ----------------------------------------------------------------------------------------------------------------
# reading the document

_FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.M | re.S)
_COMMENT = re.compile(r"<!--\s*(facts|expect|error|rerun):(.*?)-->", re.S)


@dataclass
class Example:
    kind: str  # "example" or "error"
    yaml: str
    line: int  # line of the opening fence in the document
    facts: str | None = None
    period: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    expect: list[tuple[str, str | None, str]] = field(default_factory=list)  # (what, rule or None, value)
    error_code: str | None = None
    error_at: tuple[int, int] | None = None
    error_hint: str | None = None
    rerun: int = 0  # 0 for the block's own run, n for its n-th <!-- rerun: ... --> comment

    @property
    def id(self) -> str:
        first = next((ln for ln in self.yaml.splitlines() if ln.startswith("id:")), "id: ?")
        again = f"-rerun{self.rerun}" if self.rerun else ""
        return f"L{self.line}-{self.kind}-{first[3:].strip()}{again}"


@dataclass
class Document:
    examples: list[Example]
    fragments: dict[str, str]
    problems: list[str]  # annotation mistakes: an example without facts or expectations, a stray comment...


_EXPECT_ITEM = re.compile(
    r"^(?:(total|grade|veto|warning|absent|not_assessed|reason|raises)=(\S+)"
    r"|(line|status|occurrences|counted|dimension)\s+(\S+?)=(.+))$")


def _parse_expect(text: str, where: str, problems: list[str]) -> list[tuple[str, str | None, str]]:
    out: list[tuple[str, str | None, str]] = []
    for raw in text.split(","):
        item = raw.strip()
        m = _EXPECT_ITEM.match(item)
        if not m:
            problems.append(f"{where}: cannot read the expectation {item!r}")
            continue
        if m.group(1):
            out.append((m.group(1), None, m.group(2)))
        else:
            out.append((m.group(3), m.group(4), m.group(5).strip()))
    return out


def _parse_facts(text: str, ex: Example, where: str, problems: list[str]) -> None:
    m = re.match(r"^\s*(\w+)(.*)$", text, re.S)
    if not m:
        problems.append(f"{where}: facts comment without a name")
        return
    ex.facts = m.group(1)
    rest = m.group(2)
    if pm := re.search(r"period=(\S+)", rest):
        ex.period = pm.group(1)
    if pm := re.search(r"params=(\{.*\})", rest):
        ex.params = json.loads(pm.group(1))
    if ex.facts not in FIXTURES:
        problems.append(f"{where}: unknown facts fixture {ex.facts!r}")


def read_document(text: str) -> Document:
    examples: list[Example] = []
    fragments: dict[str, str] = {}
    problems: list[str] = []
    fences = list(_FENCE.finditer(text))
    for i, m in enumerate(fences):
        info = m.group(1).strip().split()
        if len(info) < 2 or info[0] != "yaml" or info[1] not in ("example", "error", "fragment"):
            continue
        line = text.count("\n", 0, m.start()) + 1
        where = f"docs line {line}"
        body = m.group(2)
        if info[1] == "fragment":
            if len(info) != 3:
                problems.append(f"{where}: a fragment block needs a file name: ```yaml fragment NAME.yaml")
            else:
                fragments[info[2]] = body
            continue
        ex = Example(info[1], body, line)
        # the comments that belong to this block: after the previous fence, before this one (facts) and
        # between this fence and the next one (expect / error)
        before_start = fences[i - 1].end() if i else 0
        after_end = fences[i + 1].start() if i + 1 < len(fences) else len(text)
        before = [c for c in _COMMENT.finditer(text, before_start, m.start()) if c.group(1) == "facts"]
        after = [c for c in _COMMENT.finditer(text, m.end(), after_end)
                 if c.group(1) in ("expect", "error", "rerun")]
        if ex.kind == "example":
            if len(before) != 1:
                problems.append(f"{where}: a yaml example needs exactly one <!-- facts: NAME --> before it")
            else:
                _parse_facts(before[-1].group(2), ex, where, problems)
            expects = [c for c in after if c.group(1) == "expect"]
            reruns = [c for c in after if c.group(1) == "rerun"]
            if len(expects) != 1 or len(after) != len(expects) + len(reruns):
                problems.append(f"{where}: a yaml example needs exactly one <!-- expect: ... --> after it")
            else:
                ex.expect = _parse_expect(" ".join(expects[0].group(2).split()), where, problems)
                if not ex.expect:
                    problems.append(f"{where}: the expectation is empty")
            examples.append(ex)
            for n, c in enumerate(reruns, 1):
                # <!-- rerun: NAME [period=P] [params={json}] => ITEM, ITEM, ... -->
                head, sep, tail = c.group(2).partition("=>")
                again = Example("example", body, line, rerun=n)
                if not sep:
                    problems.append(f"{where}: a rerun comment needs '=> expectations'")
                    continue
                _parse_facts(head, again, where, problems)
                again.expect = _parse_expect(" ".join(tail.split()), where, problems)
                examples.append(again)
            continue
        errors = [c for c in after if c.group(1) == "error"]
        if len(errors) != 1 or len(after) != 1 or before:
            problems.append(f"{where}: a yaml error needs exactly one <!-- error: CODE --> after it")
        else:
            em = re.match(r"^\s*([A-Z]{2}\d{3})(?:\s+at\s+(\d+):(\d+))?(?:\s+hint:\s*(.*?))?\s*$",
                          errors[0].group(2), re.S)
            if not em:
                problems.append(f"{where}: cannot read the error comment {errors[0].group(0)!r}")
            else:
                ex.error_code = em.group(1)
                if em.group(2):
                    ex.error_at = (int(em.group(2)), int(em.group(3)))
                ex.error_hint = em.group(4)
        examples.append(ex)
    return Document(examples, fragments, problems)
