"""The outlook's interval is exact: on small rule sets (caps, floors, a veto, a ratio, an unknown annual
appraisal) every completion of the remaining months is enumerated and the interval's ends are the least and the
greatest total; on the shipped in-service index, random completions never leave the interval; the vectorised
population path equals the per-subject path."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import partyrules as pr
from partyrules.analyse.outlook import build_domain, outlook, outlook_population
from partyrules.errors import OutlookError
from partyrules.facts import MemberFacts
from partyrules.periods import Period
from partyrules.shipped_rulesets import shipped_ruleset_path

SMALL = """
id: small-outlook
version: "1"
title: {zh: 展望, en: Outlook}
subject: member
monotone:
  increasing: [records.volunteer_hours, records.dues_paid_on_time, records.notes_submitted]
dimensions:
  - {id: D1, zh: 一, en: One, max: 10}
  - {id: D2, zh: 二, en: Two, max: 6}
standards:
  - {id: S1, dimension: D1, zh: 志愿, en: Volunteering, source: 例, points: 8,
     ratio_to: {value: sum(records.volunteer_hours), target: "6"}}
  - {id: S2, dimension: D1, zh: 党费, en: Dues, source: 例, points: 4,
     ratio: {numerator: count(records where dues_paid_on_time), denominator: count(records)}}
  - {id: S3, dimension: D2, zh: 笔记, en: Notes, source: 例, points: 3,
     per_occurrence: {count: sum(records.notes_submitted), points: 1}}
  - id: S4
    dimension: D2
    zh: 单位考核
    en: Appraisal
    source: 例
    points: 3
    when: annual.employer_appraisal != none
    if_not_applicable: zero
    bands:
      value: 3 if annual.employer_appraisal == "excellent" else 1 if annual.employer_appraisal == "competent" else 0
      steps:
        - {at_least: 3, points: 3}
        - {at_least: 1, points: 1}
deductions:
  - {id: K1, dimension: D2, zh: 未交党费, en: Dues missed, source: 例, per: count(records where not dues_paid_on_time),
     points: 2, cap: 5}
vetoes:
  - {id: V1, zh: 连续不交, en: No dues, source: 例, when: "count(records where not dues_paid_on_time) >= 4"}
grading:
  - {id: excellent, zh: 优秀, en: Excellent, at_least: 14}
  - {id: qualified, zh: 合格, en: Qualified, at_least: 8}
  - {id: unqualified, zh: 不合格, en: Unqualified, at_least: 0}
"""

BOUNDS = {"records.volunteer_hours": (0.0, 2.0), "records.notes_submitted": (0, 2)}
HOURS = (0.0, 1.0, 2.0)


def _member(records: list[dict], annual: dict | None = None) -> MemberFacts:
    data = {"member": {"member_id": "M1", "branch_id": "B1", "category": "in_service", "status": "formal",
                       "joined_on": "2000-01-01", "birth_year": 1980},
            "records": records}
    if annual is not None:
        data["annual"] = {"subject_kind": "member", "subject_id": "M1", "year": 2026, "evaluator_org_id": "B1",
                          "evaluation_score": 80.0, "daily_observation_score": 80.0, **annual}
    return MemberFacts.model_validate(data)


def _rec(month: str, hours: float, dues: bool, notes: int) -> dict:
    return {"member_id": "M1", "month": month, "volunteer_hours": hours, "dues_paid_on_time": dues,
            "notes_submitted": notes}


def _brute(rs: pr.RuleSet, known: list[dict], remaining: list[str], hours: tuple[float, ...] = HOURS,
           notes: tuple[int, ...] = (0, 1, 2)) -> list[pr.ScoreBreakdown]:
    """Every completion: each remaining month absent or any record of the small domain; any annual appraisal."""
    from partyrules.evaluate.reference import ReferenceEvaluator

    ev = ReferenceEvaluator(rs)
    month_choices = [[None, *[_rec(m, h, d, n) for h in hours for d in (False, True) for n in notes]]
                     for m in remaining]
    annuals = [None, *({"employer_appraisal": a} for a in (None, "excellent", "competent", "basically_competent",
                                                          "incompetent"))]
    out = []
    for combo in itertools.product(*month_choices):
        recs = [*known, *(r for r in combo if r is not None)]
        for an in annuals:
            out.append(ev.evaluate(_member(recs, an), Period.year(2026)))
    return out


def _plan(_month: str) -> dict:
    return {}


@settings(max_examples=8, deadline=None)
@given(known_n=st.integers(min_value=10, max_value=11),
       past=st.lists(st.tuples(st.sampled_from(HOURS), st.booleans(), st.integers(0, 2)), min_size=11, max_size=11))
def test_interval_is_exact_against_every_completion(known_n: int, past: list) -> None:
    rs = pr.loads_ruleset(SMALL)
    months = [f"2026-{k:02d}" for k in range(1, 13)]
    known = [_rec(months[i], *past[i]) for i in range(known_n)]
    remaining = months[known_n:]
    facts = _member([*known, *(_rec(m, 0.0, False, 0) for m in remaining)])  # the future the outlook must ignore
    o = outlook(rs, facts, months[known_n - 1], bounds=BOUNDS, plan=_plan, obligations=())
    every = _brute(rs, known, remaining)
    totals = [b.total for b in every]
    assert o.lowest == min(totals)
    assert o.highest == max(totals)
    grades = {b.grade.id for b in every}
    assert o.grade_low in grades and o.grade_high in grades
    assert grades == set(o.grades)  # every band between the ends is reached on these rule sets
    assert o.high.vetoed == all(b.vetoed for b in every)


BRANCH = """
id: small-branch-outlook
version: "1"
title: {zh: 展望, en: Outlook}
subject: branch
DECLARED
dimensions:
  - {id: D1, zh: 一, en: One, max: 10}
standards:
  - {id: S1, dimension: D1, zh: 学习, en: Study, source: 例, points: 10,
     ratio_to: {value: sum(records.study_sessions_held), target: "12"}}
grading:
  - {id: good, zh: 好, en: Good, at_least: 6}
  - {id: poor, zh: 差, en: Poor, at_least: 0}
"""


@settings(max_examples=2, deadline=None)
@given(past=st.lists(st.tuples(st.sampled_from((0.0, 1.0)), st.booleans(), st.integers(0, 1)), min_size=9,
                     max_size=9))
def test_interval_is_exact_with_three_months_left(past: list) -> None:
    rs = pr.loads_ruleset(SMALL)
    months = [f"2026-{k:02d}" for k in range(1, 13)]
    known = [_rec(months[i], *past[i]) for i in range(9)]
    small = {"records.volunteer_hours": (0.0, 1.0), "records.notes_submitted": (0, 1)}
    o = outlook(rs, _member(known), "2026-09", bounds=small, plan=_plan, obligations=())
    every = _brute(rs, known, months[9:], hours=(0.0, 1.0), notes=(0, 1))
    assert (o.lowest, o.highest) == (min(b.total for b in every), max(b.total for b in every))
    assert set(o.grades) == {b.grade.id for b in every}


def test_a_field_the_rules_read_with_no_direction_is_refused() -> None:
    """A branch's record has no default directions: the rule set must declare what it reads."""
    rs = pr.loads_ruleset(BRANCH.replace("DECLARED", ""))
    with pytest.raises(OutlookError) as err:
        build_domain(rs)
    assert err.value.code == "PR160"
    assert "records.study_sessions_held" in str(err.value) and "monotone" in err.value.hint
    assert "未声明方向" in err.value.zh
    declared = pr.loads_ruleset(BRANCH.replace("DECLARED", "monotone: {increasing: [records.study_sessions_held]}"))
    assert [f.name for f in build_domain(declared).record_fields] == ["records.study_sessions_held"]
    assert [f.name for f in build_domain(rs, directions={"records.study_sessions_held": "increasing"})
            .record_fields] == ["records.study_sessions_held"]


@pytest.fixture(scope="module")
def demo_in_service() -> tuple[pr.RuleSet, list]:
    from partyrules.synthetic import generate_subdistrict

    area = generate_subdistrict(seed=2026)
    rs = pr.load_ruleset(shipped_ruleset_path("in_service"))
    members = [m for m in area.members if m.member.category.value in ("in_service", "mobile")]
    return rs, members


def _put(data: dict, path: tuple[str, ...], value: object) -> None:
    for p in path[:-1]:
        data = data.setdefault(p, {})
    data[path[-1]] = value


@pytest.mark.parametrize("index", ["in_service", "retired", "new_citizen"])
def test_random_completions_stay_within_the_interval_on_the_shipped_indices(index: str) -> None:
    """Every conduct field the index reads gets a random value in each remaining month (or the month is left
    unrecorded, or the annual appraisal drawn): the total stays within the interval, whose ends are attained."""
    from partyrules.analyse.outlook.complete import month_record, situation
    from partyrules.analyse.outlook.domain import model_plan
    from partyrules.evaluate.reference import ReferenceEvaluator
    from partyrules.facts import MemberMonthRecord
    from partyrules.synthetic import generate_subdistrict

    rs = pr.load_ruleset(shipped_ruleset_path(index))
    cats = ("in_service", "mobile") if index == "in_service" else (index,)
    members = [m for m in generate_subdistrict(seed=2026).members if m.member.category.value in cats][:3]
    dom = build_domain(rs)
    ev = ReferenceEvaluator(rs)
    rnd = random.Random(index)
    for facts in members:
        o = outlook(rs, facts, "2026-06", with_recourse=False)
        assert o.low.total == o.lowest and o.high.total == o.highest  # the ends are attained
        sit = situation(facts, "2026-06")
        plan = model_plan(facts, 2026)
        for _ in range(8):
            recs = list(sit.known.records)
            for m in sit.remaining:
                if rnd.random() < 0.15:
                    continue  # no record this month
                data = month_record(dom, facts.subject_id, plan, m, "worst")
                for fd in dom.record_fields:
                    if plan(m).get(fd.path[0], 0) is None:
                        continue
                    value = (rnd.random() < 0.6 if fd.kind == "bool" else
                             rnd.randint(0, 3) if fd.kind == "int" else float(rnd.randint(0, 20)))
                    _put(data, fd.path, value)
                recs.append(MemberMonthRecord.model_validate(data))
            annual = None
            if dom.annual_fields and rnd.random() < 0.7:
                annual = {"subject_kind": "member", "subject_id": facts.subject_id, "year": 2026,
                          "evaluator_org_id": "B1", "evaluation_score": 50.0, "daily_observation_score": 50.0}
                for fd in dom.annual_fields:
                    annual[fd.path[0]] = (rnd.choice(list(type(fd.hi))).value if fd.kind == "level" else
                                          rnd.random() < 0.5 if fd.kind == "bool" else rnd.uniform(fd.lo, fd.hi))
            done = MemberFacts.model_validate({**sit.known.model_dump(), "records": [x.model_dump() for x in recs],
                                               "annual": annual})
            b = ev.evaluate(done, Period.year(2026))
            assert o.lowest - 1e-9 <= b.total <= o.highest + 1e-9


def test_population_path_equals_the_per_subject_path(demo_in_service) -> None:
    rs, members = demo_in_service
    some = members[:25]
    po = outlook_population(rs, some, "2026-06")
    rows = list(po.frame.iter_rows(named=True))
    assert [r["subject_id"] for r in rows] == [m.subject_id for m in some]
    for facts, row in zip(some, rows, strict=True):
        o = outlook(rs, facts, "2026-06", with_recourse=False)
        assert (o.lowest, o.highest, o.grade_low, o.grade_high, o.status, ",".join(o.grades)) == (
            row["lowest"], row["highest"], row["grade_low"], row["grade_high"], row["status"], row["grades"])


def test_text_in_both_languages_and_html(demo_in_service) -> None:
    rs, members = demo_in_service
    o = outlook(rs, members[0], "2026-06")
    assert "全年总分区间" in o.to_text("zh") and "Year's total" in o.to_text("en")
    assert "不推定未来的违规" in o.to_text("zh")
    assert "<table" in o._repr_html_()


def test_recourse_changes_only_the_remaining_months_and_reaches_the_warned_grade(demo_in_service) -> None:
    from partyrules.evaluate.reference import ReferenceEvaluator

    rs, members = demo_in_service
    ev = ReferenceEvaluator(rs)
    seen = 0
    for facts in members[:6]:
        o = outlook(rs, facts, "2026-09")
        if o.status != "at_risk" or o.recourse is None:
            continue
        seen += 1
        assert all(m in o.remaining for c in o.recourse.changes for m in c.months)
        assert all(c.months != () for c in o.recourse.changes)  # no subject field changes
        if o.recourse.reached:
            after = ev.evaluate(o.recourse.after_facts, Period.year(2026))
            assert not after.vetoed and after.total >= o.warn_at_least
    assert seen


def test_the_future_on_file_is_ignored() -> None:
    """Records, incidents and the annual evaluation after the as-of month do not change the outlook."""
    rs = pr.loads_ruleset(SMALL)
    months = [f"2026-{k:02d}" for k in range(1, 13)]
    known = [_rec(m, 1.0, True, 0) for m in months[:10]]
    a = outlook(rs, _member(known), "2026-10", bounds=BOUNDS, plan=_plan, obligations=())
    b = outlook(rs, _member([*known, _rec("2026-11", 2.0, True, 2)], {"employer_appraisal": "excellent"}),
                "2026-10", bounds=BOUNDS, plan=_plan, obligations=())
    assert (a.lowest, a.highest) == (b.lowest, b.highest)
    assert a.remaining == ("2026-11", "2026-12")


def test_population_in_chunks_equals_all_at_once() -> None:
    from partyrules.synthetic import generate_population

    rs = pr.load_ruleset(shipped_ruleset_path("in_service"))
    pop = generate_population(240, seed=3, categories={"in_service": 1.0})
    whole = outlook_population(rs, pop, "2026-09")
    parts = outlook_population(rs, pop, "2026-09", chunk=70)
    assert whole.frame.height == 240
    assert whole.frame.equals(parts.frame)


def test_population_outlook_shows_itself_in_a_notebook(demo_in_service) -> None:
    rs, members = demo_in_service
    po = outlook_population(rs, members[:30], "2026-06")
    html = po._repr_html_()
    assert "<table" in html and "预警名单" in html and "warning list" in html
    assert sum(po.counts().values()) == 30


def test_a_veto_on_file_stands_whatever_comes() -> None:
    rs = pr.loads_ruleset(SMALL)
    known = [_rec(f"2026-{k:02d}", 2.0, k > 4, 2) for k in range(1, 7)]  # four months without dues: V1
    o = outlook(rs, _member(known), "2026-06", bounds=BOUNDS, plan=_plan, obligations=())
    assert o.status == "out_of_reach" and o.grades == ("unqualified",) and o.vetoed_by == ("V1",)
    assert o.recourse is None
    assert "V1 连续不交" in o.to_text("zh") and "only an appeal can change it" in o.to_text("en")


def test_as_of_december_the_interval_is_the_year_score(demo_in_service) -> None:
    """Nothing is left unknown: both paths give the year's own score as both ends."""
    from partyrules.evaluate.reference import ReferenceEvaluator

    rs, members = demo_in_service
    some = members[:5]
    po = outlook_population(rs, some, "2026-12")
    ev = ReferenceEvaluator(rs)
    for facts, row in zip(some, po.frame.iter_rows(named=True), strict=True):
        o = outlook(rs, facts, "2026-12", with_recourse=False)
        actual = ev.evaluate(facts, Period.year(2026))
        assert o.remaining == ()
        assert o.lowest == o.highest == actual.total == row["lowest"] == row["highest"]
