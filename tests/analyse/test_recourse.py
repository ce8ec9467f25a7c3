"""Recourse: the fewest changes to actionable fields that reach the next grade (partyrules.analyse.recourse).

The properties re-score every proposal with the durable-rules ``Evaluator`` (the search itself uses the reference
backend), check minimality by brute force over smaller sets of fields at their bounds (built here, independently
of the search), and check that nothing but declared actionable fields ever changes.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import partyrules as pr
from partyrules.analyse.recourse import Recourse, recourse
from partyrules.facts import Member, MemberFacts, MemberMonthRecord
from partyrules.rulesets.lint import lint_ruleset
from partyrules.shipped_rulesets import shipped_ruleset_path
from partyrules.synthetic import generate_subdistrict
from partyrules.testing import facts_for

EXAMPLE_DIR = Path(pr.__file__).parent / "data" / "example"
PERIOD = "2026"

# The example index, with what a member can act on: the two monotone fields and the identity placard.
EXAMPLE_ACTIONABLE = """
actionable:
  - {field: records.volunteer_hours, direction: increase, max: 30, step: 5, cost: 1, zh: 志愿服务时长, en: Volunteering}
  - {field: records.households_contacted, direction: increase, max: 3, cost: 2}
  - {field: placard_displayed, direction: set_true, cost: 3, zh: 挂牌亮身份, en: Placard at home}
"""


@pytest.fixture(scope="module")
def example_rs() -> pr.RuleSet:
    text = (EXAMPLE_DIR / "member-example.yaml").read_text(encoding="utf-8") + EXAMPLE_ACTIONABLE
    return pr.loads_ruleset(text, file=str(EXAMPLE_DIR / "recourse-example.yaml"), root=EXAMPLE_DIR)


@pytest.fixture(scope="module")
def in_service() -> pr.RuleSet:
    return pr.load_ruleset(shipped_ruleset_path("in_service"))


SMALL = """\
id: recourse-small
version: "1"
title: {zh: 改进路径, en: Recourse}
subject: member
monotone:
  increasing: [records.volunteer_hours, placard_displayed]
actionable:
  - {field: records.volunteer_hours, direction: increase, max: 40, cost: 1, zh: 志愿服务时长, en: Volunteering hours}
  - {field: placard_displayed, direction: set_true, cost: PLACARD_COST}
dimensions:
  - {id: D1, zh: 维度, en: Dimension, max: 100}
standards:
  - id: S1
    dimension: D1
    zh: 志愿服务
    en: Volunteering
    source: 例
    points: 60
    ratio_to: {value: sum(records.volunteer_hours), target: 60}
  - {id: S2, dimension: D1, zh: 挂牌, en: Placard, source: 例, points: 40, flag: placard_displayed}
vetoes:
  - {id: V1, zh: 严重违纪, en: Serious breach, source: 例, when: exists(incidents where kind == "discipline_heavy")}
grading:
  - {id: excellent, zh: 优秀, en: Excellent, at_least: 90}
  - {id: good, zh: 合格, en: Good, at_least: 60}
  - {id: poor, zh: 不合格, en: Poor, at_least: 0}
"""


def small(placard_cost: float = 1) -> pr.RuleSet:
    return pr.loads_ruleset(SMALL.replace("PLACARD_COST", repr(placard_cost)), file="small.yaml")


def member(hours: float = 2.0, placard: bool = False, incidents: tuple[Any, ...] = ()) -> MemberFacts:
    m = Member(member_id="M1", branch_id="B1", category="in_service", status="formal", joined_on="2000-01-01",
               birth_year=1980, placard_displayed=placard)
    records = tuple(MemberMonthRecord(member_id="M1", month=f"2026-{i:02d}", volunteer_hours=hours,
                                      dues_paid_on_time=True) for i in range(1, 13))
    return MemberFacts(m, records=records, incidents=incidents)


# -- examples ----------------------------------------------------------------------------------------------------
def test_the_cheapest_single_change_reaches_the_next_grade():
    r = recourse(small(), member(), PERIOD)
    # 24 h of 60 earn 24 points (poor); the placard alone gives 64 (good) at cost 1, the hours alone need 36 more
    assert r.before.total == pytest.approx(24) and r.before.grade.id == "poor"
    assert r.status == "reached" and r.reached and r.target == "good"
    assert [(c.field, c.before, c.after, c.months) for c in r.changes] == [("placard_displayed", False, True, ())]
    assert r.cost == 1 and r.after is not None and r.after.total == pytest.approx(64)
    assert r.gains == {"S2": 40.0}


def test_cost_weights_choose_between_single_changes():
    r = recourse(small(placard_cost=100), member(), PERIOD)
    (c,) = r.changes
    assert c.field == "records.volunteer_hours" and (c.before, c.after) == (24, 60)
    assert r.cost == 36 and r.after is not None and r.after.total == pytest.approx(60)
    # the 36 hours go to the months with the fewest first, earliest among equals: 3 each, then none left
    assert {m for m, _a, _b in c.monthly} == {f"2026-{i:02d}" for i in range(1, 13)}
    assert all(b - a == 3 for _m, a, b in c.monthly)


def test_two_fields_when_no_single_one_reaches_the_target():
    r = recourse(small(), member(), PERIOD, target_grade="excellent")
    assert r.status == "reached" and r.target == "excellent"
    fields = {c.field: c for c in r.changes}
    assert set(fields) == {"records.volunteer_hours", "placard_displayed"}
    hours = fields["records.volunteer_hours"]
    # 90 = 40 (placard) + 50 h of 60: 26 more hours; two months get 3 more, the other ten 2 more
    assert (hours.before, hours.after) == (24, 50)
    assert sorted(b - a for _m, a, b in hours.monthly) == [2] * 10 + [3] * 2
    assert [m for m, a, b in hours.monthly if b - a == 3] == ["2026-01", "2026-02"]
    assert r.cost == 27 and r.after is not None and r.after.total == pytest.approx(90)


def test_caps_bound_what_a_field_can_give():
    # at most 40 h a month: the standard is capped at its 60 points, so the hours alone never reach excellent
    r = recourse(small(), member(), PERIOD, target_grade="excellent", max_changes=1)
    assert r.status == "impossible" and not r.reached
    assert r.best_total == pytest.approx(64)  # the placard: the best single change
    assert [c.field for c in r.changes] == ["placard_displayed"]


DECREASE = """\
id: recourse-decrease
version: "1"
title: {zh: 改进路径, en: Recourse}
subject: member
monotone:
  decreasing: [records.excused_absences]
actionable:
  - {field: records.excused_absences, direction: decrease, min: 0, cost: 1}
dimensions:
  - {id: D1, zh: 维度, en: Dimension, max: 10}
standards:
  - {id: S1, dimension: D1, zh: 挂牌, en: Placard, source: 例, points: 10, flag: placard_displayed}
deductions:
  - {id: K1, dimension: D1, zh: 请假, en: Excused, source: 例, per: sum(records.excused_absences), points: 2, cap: 6}
grading:
  - {id: good, zh: 合格, en: Good, at_least: 8}
  - {id: poor, zh: 不合格, en: Poor, at_least: 0}
"""


def test_a_decrease_takes_the_highest_months_first():
    rs = pr.loads_ruleset(DECREASE, file="decrease.yaml")
    base = member(placard=True)
    records = tuple(r.model_copy(update={"excused_absences": {3: 2, 5: 1, 9: 1}.get(i + 1, 0)})
                    for i, r in enumerate(base.records))
    facts = MemberFacts(base.member, records=records)
    r = recourse(rs, facts, PERIOD)
    # 4 absences take 6 (capped): 4 points, poor; 8 needs at most 1 absence: 3 fewer, the month with 2 first
    assert r.before.total == pytest.approx(4) and r.status == "reached"
    (c,) = r.changes
    assert c.monthly == (("2026-03", 2, 0), ("2026-05", 1, 0)) and (c.before, c.after) == (4, 1)
    assert r.cost == 3 and r.after is not None and r.after.total == pytest.approx(8)


def test_a_subject_at_the_target_needs_no_change():
    r = recourse(small(), member(hours=5.0, placard=True), PERIOD)  # 60 h and the placard: 100, excellent
    assert r.status == "already" and r.reached and r.changes == () and r.cost == 0


def test_a_vetoed_subject_has_no_recourse_by_actionable_fields():
    incident = pr.Incident(incident_id="I1", subject_kind="member", subject_id="M1", kind="discipline_heavy",
                           occurred_on="2026-03-01", severity="serious", verified=True, verified_by="branch",
                           evidence_ref="doc/I1")
    r = recourse(small(), member(incidents=(incident,)), PERIOD)
    assert r.status == "vetoed" and not r.reached and r.changes == () and r.after is None
    assert r.vetoed_by == ("V1",)
    assert "appeal" in r.to_text("en") and "V1" in r.to_text("en")
    assert "申诉" in r.to_text("zh")


def test_text_in_both_languages():
    r = recourse(small(), member(), PERIOD, target_grade="excellent")
    en, zh = r.to_text("en"), r.to_text("zh")
    assert "Reached with 2 change(s) (cost 27)" in en and "+3 in 2026-01..2026-02" in en
    assert "period total 24 -> 50" in en and "Excellent" in en
    assert "以 2 项改变达到目标(成本 27)" in zh and "优秀" in zh and "挂牌" not in zh.split("\n")[0]
    with pytest.raises(pr.PartyRulesError):
        r.to_text("fr")


def test_bad_arguments_are_typed_errors():
    with pytest.raises(pr.EvaluationError, match="no grade 'excelent'") as info:
        recourse(small(), member(), PERIOD, target_grade="excelent")
    assert info.value.hint == "did you mean 'excellent'?"
    with pytest.raises(pr.EvaluationError, match="max_changes"):
        recourse(small(), member(), PERIOD, max_changes=0)


def test_a_rule_set_without_actionable_fields_says_so(example_dir: Path):
    rs = pr.load_ruleset(example_dir / "member-example.yaml")
    r = recourse(rs, member(), PERIOD)
    assert r.status == "no_actionable" and not r.reached and "no actionable field" in r.to_text("en")


# -- the format --------------------------------------------------------------------------------------------------
def _errors(text: str) -> list[tuple[str, int | None, int | None, str | None, str]]:
    with pytest.raises(pr.RuleSetError) as info:
        pr.loads_ruleset(text, file="rs.yaml")
    return [(d.code, d.location.line if d.location else None, d.location.column if d.location else None, d.hint,
             d.message) for d in info.value.diagnostics]


def test_unknown_or_unactionable_fields_are_errors_at_their_place():
    text = SMALL.replace("PLACARD_COST", "1").replace(
        "  - {field: placard_displayed, direction: set_true, cost: 1}",
        "  - {field: records.volunter_hours, direction: increase, max: 3}\n"
        "  - {field: incidents.severity, direction: decrease}\n"
        "  - {field: placard_displayed, direction: increase}\n"
        "  - {field: records.households_contacted, direction: increase}\n"
        "  - {field: records.volunteer_hours, direction: increase, max: 2}\n"
        "  - {field: records.notes_submitted, direction: increase, max: 2.5}")
    got = _errors(text)
    assert [(c, line, col) for c, line, col, _h, _m in got] == [
        ("RS309", 9, 13), ("RS309", 10, 13), ("RS309", 11, 43), ("RS309", 12, 54), ("RS309", 13, 13),
        ("RS309", 14, 64)]
    assert got[0][3] == "did you mean 'records.volunteer_hours'?"
    assert "appeal" in (got[1][3] or "") and "never suggests removing" in got[1][4]
    assert "set_true" in (got[2][3] or "")
    assert "max" in (got[3][3] or "")
    assert "declared twice" in got[4][4] and "rs.yaml:8:" in (got[4][3] or "")
    assert "whole number" in got[5][4]


def test_a_max_on_a_flag_is_refused():
    text = SMALL.replace("PLACARD_COST", "1, max: 2")
    assert [c for c, *_ in _errors(text)] == ["RS200"]


def test_lint_warns_about_an_actionable_field_no_rule_reads():
    text = SMALL.replace("PLACARD_COST", "1").replace(
        "  - {field: placard_displayed, direction: set_true, cost: 1}",
        "  - {field: placard_displayed, direction: set_true, cost: 1}\n"
        "  - {field: records.suggestions_made, direction: increase, max: 2}")
    found = [(d.code, d.severity, d.location.line) for d in lint_ruleset(pr.loads_ruleset(text, file="rs.yaml"))
             if d.code == "RS551"]
    assert found == [("RS551", "warning", 10)]


def test_the_shipped_actionable_sections_lint_clean(in_service: pr.RuleSet):
    for key in ("in_service", "retired", "new_citizen"):
        rs = pr.load_ruleset(shipped_ruleset_path(key))
        assert rs.spec.actionable, key
        assert not [d for d in lint_ruleset(rs) if d.code == "RS551"], key
        declared = set(rs.spec.monotone.increasing) if rs.spec.monotone else set()
        assert {a.field for a in rs.spec.actionable} <= declared, key  # minimality rests on monotonicity


# -- properties --------------------------------------------------------------------------------------------------
def _at_bounds(rs: pr.RuleSet, facts: Any, fields: tuple[str, ...]) -> Any:
    """The facts with each named actionable field at its bound, built without the search's code."""
    specs = {a.field: a for a in rs.spec.actionable or ()}
    subject = facts.member
    records = list(facts.records)
    for name in fields:
        a = specs[name]
        if name.startswith("records."):
            attr = name.split(".", 1)[1]
            assert "." not in attr, "nested record fields are not needed by these tests"
            records = [r.model_copy(update={attr: True if a.direction == "set_true"
                                            else type(getattr(r, attr))(max(getattr(r, attr), a.max))})
                       for r in records]
        else:
            subject = subject.model_copy(update={name: True})
    return MemberFacts(subject, records=tuple(records), incidents=facts.incidents,
                       commendations=facts.commendations, annual=facts.annual)


def _reaches(rs: pr.RuleSet, b: pr.ScoreBreakdown, target: str) -> bool:
    ids = [g.id for g in rs.grades]
    return not b.vetoed and ids.index(b.grade.id) <= ids.index(target)


def _same_except(before: Any, after: Any, fields: set[str]) -> None:
    """Nothing but the declared actionable fields differs between the two bundles."""
    for name in ("incidents", "commendations", "annual"):
        assert getattr(before, name) == getattr(after, name), name
    sub0, sub1 = before.member.model_dump(), after.member.model_dump()
    for k in sub0:
        if k not in fields:
            assert sub0[k] == sub1[k], k
    assert [r.month for r in before.records] == [r.month for r in after.records]
    for r0, r1 in zip(before.records, after.records, strict=True):
        d0, d1 = r0.model_dump(), r1.model_dump()
        for k in d0:
            if f"records.{k}" not in fields:
                assert d0[k] == d1[k], (r0.month, k)


def check_recourse(rs: pr.RuleSet, facts: Any, engine: pr.Evaluator) -> Recourse:
    r = recourse(rs, facts, PERIOD)
    before = engine.evaluate(facts, PERIOD)
    assert r.before.to_json() == before.to_json()
    declared = {a.field for a in rs.spec.actionable or ()}
    if before.vetoed:
        assert r.status == "vetoed" and r.changes == () and r.vetoed_by == tuple(v.rule_id for v in before.vetoes)
        return r
    if r.status in ("reached", "impossible"):
        assert r.after_facts is not None and r.after is not None
        after = engine.evaluate(r.after_facts, PERIOD)  # re-scored by the engine, not the search's backend
        assert after.to_json() == r.after.to_json()
        _same_except(facts, r.after_facts, declared)
        assert {c.field for c in r.changes} <= declared and len(r.changes) <= r.max_changes
        assert after.total >= before.total - 1e-9
    if r.status == "reached":
        assert _reaches(rs, r.after, r.target) and not _reaches(rs, before, r.target)
        assert r.changes, "a change that reaches a higher grade changes something"
        # no smaller set of fields reaches the target, even at their bounds
        for size in range(len(r.changes)):
            for combo in itertools.combinations(sorted(declared), size):
                b = engine.evaluate(_at_bounds(rs, facts, combo), PERIOD)
                assert not _reaches(rs, b, r.target), combo
    if r.status == "impossible":
        everything = engine.evaluate(_at_bounds(rs, facts, tuple(sorted(declared))), PERIOD)
        if len(declared) <= r.max_changes:
            assert not _reaches(rs, everything, r.target)
            assert r.best_total == pytest.approx(everything.total, abs=1e-6)
    return r


@st.composite
def near_members(draw: st.DrawFn) -> MemberFacts:
    """In-service members with a full year of ordinary records: many are one or two changes from the next grade
    (``facts_for`` draws the edges, where most subjects are vetoed or out of reach)."""
    cards = ("basic_info", "activity_record", "community_performance", "community_feedback")
    m = Member(member_id="M1", branch_id="B1", category="in_service", status="formal", joined_on="2000-01-01",
               birth_year=1980, placard_displayed=draw(st.booleans()), is_organ_staff=draw(st.booleans()),
               cards=cards[:draw(st.sampled_from([2, 4]))], linked_household_ids=("H1", "H2", "H3", "H4", "H5"),
               registered_with_community_on="2025-01-01")
    records = []
    for i in range(1, 13):
        required = draw(st.integers(0, 2))
        records.append(MemberMonthRecord(
            member_id="M1", month=f"2026-{i:02d}", dues_paid_on_time=draw(st.booleans() | st.just(True)),
            volunteer_hours=float(draw(st.integers(0, 8))), households_contacted=draw(st.integers(0, 2)),
            meetings_required={"group_meeting": required, "theme_day": 1},
            meetings_attended={"group_meeting": draw(st.integers(0, required)), "theme_day": draw(st.integers(0, 1))},
            study_sessions_required=1, study_sessions_attended=draw(st.integers(0, 1)),
            notes_submitted=draw(st.integers(0, 1)), policy_promotion_events=draw(st.integers(0, 1)),
            community_activities=draw(st.integers(0, 1)), post_duty_performed=True))
    incidents = []
    if draw(st.integers(0, 5)) == 0:
        incidents.append(pr.Incident(incident_id="I1", subject_kind="member", subject_id="M1",
                                     kind=draw(st.sampled_from(["complaint_substantiated", "work_error"])),
                                     occurred_on="2026-05-01", severity="minor", verified=True, verified_by="branch",
                                     evidence_ref="doc/I1"))
    return MemberFacts(m, records=tuple(records), incidents=tuple(incidents))


PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(data=st.data())
def test_recourse_on_the_example_rule_set(example_rs: pr.RuleSet, data: st.DataObject):
    facts = data.draw(facts_for(example_rs, period=PERIOD))
    check_recourse(example_rs, facts, pr.Evaluator(example_rs))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_recourse_on_the_shipped_in_service_index(in_service: pr.RuleSet, data: st.DataObject):
    facts = data.draw(facts_for(in_service, period=PERIOD, max_incidents=2))
    check_recourse(in_service, facts, pr.Evaluator(in_service))


@PROPERTY
@given(facts=near_members())
def test_recourse_near_the_next_grade_on_the_example_rule_set(example_rs: pr.RuleSet, facts: MemberFacts):
    check_recourse(example_rs, facts, pr.Evaluator(example_rs))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts=near_members())
def test_recourse_near_the_next_grade_on_the_shipped_in_service_index(in_service: pr.RuleSet, facts: MemberFacts):
    check_recourse(in_service, facts, pr.Evaluator(in_service))


def test_recourse_on_generated_members_is_deterministic(in_service: pr.RuleSet):
    sd = generate_subdistrict(seed=3)
    members = [m for m in sd.members if m.member.category.value == "in_service"][:5]
    engine = pr.Evaluator(in_service)
    statuses = set()
    for m in members:
        r = check_recourse(in_service, m, engine)
        statuses.add(r.status)
        again = recourse(in_service, m, PERIOD)
        assert (again.changes, again.status, again.to_text("zh")) == (r.changes, r.status, r.to_text("zh"))
    assert "reached" in statuses  # the sample has members one change away from the next grade


# -- docs/recourse.md ----------------------------------------------------------------------------------------------
DOC = Path(__file__).resolve().parents[2] / "docs" / "recourse.md"
_SHOWN = re.compile(r"^<!-- recourse: seed=(\d+) subject=(\S+) ruleset=(\S+) period=(\S+) lang=(\w+) -->\n"
                    r"```text\n(.*?)^```", re.M | re.S)


def test_the_outputs_shown_in_the_recourse_guide_are_the_real_ones():
    shown = _SHOWN.findall(DOC.read_text(encoding="utf-8"))
    assert len(shown) == 2
    for seed, subject, key, period, lang, text in shown:
        sd = generate_subdistrict(seed=int(seed))
        facts = next(m for m in sd.members if m.subject_id == subject)
        r = recourse(pr.load_ruleset(shipped_ruleset_path(key)), facts, period)
        assert r.to_text(lang) == text.rstrip("\n"), (subject, lang)


def test_branches_near_the_top_tier_have_recourse_that_the_engine_confirms():
    rs = pr.load_ruleset(pr.shipped_ruleset_path("branch"))
    branches = generate_subdistrict(seed=2026).branches
    scored = sorted(((pr.evaluate(rs, b, period="2026"), b) for b in branches), key=lambda x: -x[0].total)
    near = [(bd, b) for bd, b in scored if not bd.vetoed and bd.grade.id != rs.grades[0].id][:3]
    assert near
    for before, b in near:
        r = recourse(rs, b, "2026")
        assert r.reached, r.to_text("en")
        after = pr.evaluate(rs, r.after_facts, period="2026")
        assert after.grade.id != before.grade.id and after.total > before.total
        assert {c.field for c in r.changes} <= {a.field for a in rs.spec.actionable}
