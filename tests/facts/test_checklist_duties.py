"""Checklist responsibility and acceptance (照单验收, 责任区), mobile members (流动党员) and the year-end appraisal of
posts (设岗定责 年底评议): the facts' validation, what the rules make of them (fairness: only a member's own items;
an item accepted after a period is not done in it; a warning never changes points), the generator that adds them,
and the backends agreeing on them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

import partyrules as pr
from partyrules.cycle.quarterly import facts_for_period, quarters
from partyrules.evaluate.backends import backends
from partyrules.evaluate.population import score_population
from partyrules.facts import ChecklistItem, ChecklistTask, MemberCategory
from partyrules.facts.exemplary import exemplary_member
from partyrules.synthetic import generate_subdistrict
from partyrules.synthetic.duties import add_duties

YEAR = 2026
IN_SERVICE = pr.load_ruleset(pr.shipped_ruleset_path("in_service"))
NEW_CITIZEN = pr.load_ruleset(pr.shipped_ruleset_path("new_citizen"))
BRANCH = pr.load_ruleset(pr.shipped_ruleset_path("branch"))
PERIODS = st.sampled_from([*quarters(YEAR), pr.Period.year(YEAR)])
days = st.integers(0, 364).map(lambda d: date(YEAR, 1, 1) + timedelta(days=d))
ids = st.sampled_from(["M1", "M2", "SEC", "GB1"])


def _item(**kw: object) -> ChecklistItem:
    return ChecklistItem.model_validate({"item_id": "L9", "text": "事项", "responsible_id": "M1", **kw})


# --- the facts -------------------------------------------------------------------------------------------------------

@given(responsible=ids, acceptor=ids, done=days, lag=st.integers(-30, 30))
def test_an_acceptance_is_by_another_person_and_not_before_completion(responsible, acceptor, done, lag):
    data = {"responsible_id": responsible, "accepted": True, "accepted_by": acceptor, "done_on": done.isoformat(),
            "accepted_on": (done + timedelta(days=lag)).isoformat()}
    if acceptor == responsible or lag < 0:
        with pytest.raises(ValidationError) as err:
            _item(**data)
        assert "'L9'" in str(err.value)  # the error names the item
        kinds = {e["type"] for e in err.value.errors()}
        assert kinds <= {"acceptor_is_responsible", "accepted_before_done"} and kinds
    else:
        item = _item(**data)
        assert item.accepted_by == acceptor and item.accepted_on == done + timedelta(days=lag)


def test_an_acceptance_needs_an_accepted_and_done_item():
    with pytest.raises(ValidationError, match="accepted is false"):
        _item(accepted=False, accepted_by="SEC")
    with pytest.raises(ValidationError, match="never done"):
        _item(accepted=True, accepted_on="2026-05-01")
    # without the new fields an item reads as before
    assert _item(accepted=True).accepted_by is None


def test_the_three_named_tasks_are_a_closed_code_list():
    assert [t.value for t in ChecklistTask] == ["lead_resettlement", "lead_property_fee", "lead_stop_illegal_building"]
    assert _item(accepted=False, task="lead_property_fee").task is ChecklistTask.LEAD_PROPERTY_FEE
    with pytest.raises(ValidationError):
        _item(accepted=False, task="lead_something_else")


def test_the_year_end_post_appraisal_is_a_members_fact():
    base = {"subject_id": "B1", "year": YEAR, "evaluator_org_id": "GB1", "evaluation_score": 90.0,
            "daily_observation_score": 90.0}
    with pytest.raises(ValidationError, match="members only"):
        pr.AnnualEvaluation.model_validate({**base, "subject_kind": "branch", "post_appraisal": "competent"})
    ok = pr.AnnualEvaluation.model_validate({**base, "subject_kind": "member", "post_summary_done": True})
    assert ok.post_summary_done is True and ok.post_appraisal is None


# --- what the rules make of them -------------------------------------------------------------------------------------

def _score(rs: pr.RuleSet, facts: pr.MemberFacts, period: pr.Period) -> pr.ScoreBreakdown:
    return pr.evaluate(rs, facts_for_period(facts, period), period=period)


def _with_items(facts: pr.MemberFacts, items: list[dict]) -> pr.MemberFacts:
    member = facts.member.model_dump(mode="json")
    member["checklist"] = [*member["checklist"], *items]
    return pr.MemberFacts.model_validate({**facts.model_dump(mode="json"), "member": member})


@given(category=st.sampled_from(["in_service", "mobile", "new_citizen"]), period=PERIODS, due=days,
       accepted=st.booleans(), done=st.booleans())
def test_an_item_someone_else_answers_for_never_changes_the_members_score(category, period, due, accepted, done):
    rs = NEW_CITIZEN if category == "new_citizen" else IN_SERVICE
    base = exemplary_member(category, YEAR)
    other = {"item_id": "OTHER", "text": "他人负责的事项", "due": due.isoformat(), "responsible_id": "SOMEONE-ELSE",
             "done_on": due.isoformat() if done else None, "accepted": accepted and done}
    before = _score(rs, base, period)
    after = _score(rs, _with_items(base, [other]), period)
    assert after.total == before.total
    assert [(ln.rule_id, ln.points) for ln in after.lines] == [(ln.rule_id, ln.points) for ln in before.lines]


@given(period=PERIODS, lag=st.integers(0, 120))
def test_an_item_counts_as_done_only_once_accepted_within_the_period(period, lag):
    due = date(YEAR, 5, 31)
    accepted_on = due + timedelta(days=lag)
    item = {"item_id": "OWN", "text": "本人事项", "due": due.isoformat(), "responsible_id": "EX-IN-SERVICE",
            "done_on": due.isoformat(), "accepted": True, "accepted_by": "SEC", "accepted_on": accepted_on.isoformat()}
    b = _score(IN_SERVICE, _with_items(exemplary_member("in_service", YEAR), [item]), period)
    s10 = next(ln for ln in b.lines if ln.rule_id == "IN.S10")
    if str(period) not in (f"{YEAR}-Q2", str(YEAR)):
        assert s10.status == "met"  # not due in this period: neither asked nor counted
        return
    period_end = date(YEAR, 6, 30) if str(period).endswith("Q2") else date(YEAR, 12, 31)
    assert (s10.status == "met") == (accepted_on <= period_end)


@given(appraisal=st.sampled_from([None, "excellent", "competent", "basically_competent", "incompetent"]),
       summary=st.sampled_from([None, True, False]), category=st.sampled_from(["in_service", "mobile"]))
def test_the_year_end_post_appraisal_warns_but_never_changes_points(appraisal, summary, category):
    base = exemplary_member(category, YEAR)
    annual = {**base.annual.model_dump(mode="json"), "post_appraisal": appraisal, "post_summary_done": summary}
    facts = pr.MemberFacts.model_validate({**base.model_dump(mode="json"), "annual": annual})
    b = pr.evaluate(IN_SERVICE, facts, period=str(YEAR))
    assert b.total == pr.evaluate(IN_SERVICE, base, period=str(YEAR)).total == IN_SERVICE.max_points
    warned = any(w.id == "SC9" for w in b.warnings)
    assert warned == (appraisal in ("basically_competent", "incompetent") or summary is False)


@given(period=PERIODS)
def test_a_mobile_member_is_scored_as_an_in_service_member_who_did_the_same(period):
    mobile = exemplary_member("mobile", YEAR, member_id="X1")
    in_service = exemplary_member("in_service", YEAR, member_id="X1")
    a, b = _score(IN_SERVICE, mobile, period), _score(IN_SERVICE, in_service, period)
    assert a.total == b.total == IN_SERVICE.max_points
    assert [(ln.rule_id, ln.points, ln.status) for ln in a.lines] == [(ln.rule_id, ln.points, ln.status)
                                                                      for ln in b.lines]


def test_the_category_list_has_mobile_members():
    assert MemberCategory("mobile") is MemberCategory.MOBILE
    with pytest.raises(pr.NotApplicableError):
        pr.evaluate(NEW_CITIZEN, exemplary_member("mobile", YEAR), period=str(YEAR))


# --- the generator and the backends ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def areas():
    area = generate_subdistrict(seed=7, communities=3, organisations=20, members=300)
    return area, add_duties(area, seed=7)


def test_the_generator_adds_only_the_new_facts_and_is_deterministic(areas):
    area, more = areas
    assert add_duties(area, seed=7) == more
    new = {"accepted_by", "accepted_on", "serves_item_id", "task"}
    for old, got in zip(area.branches, more.branches, strict=True):
        for a, b in zip(old.branch.checklist, got.branch.checklist, strict=True):
            assert a.model_dump(exclude=new) == b.model_dump(exclude=new)
            assert b.accepted_by is None or b.accepted_by != b.responsible_id
        assert old.records == got.records and old.incidents == got.incidents
    changed = [g for o, g in zip(area.members, more.members, strict=True) if o.member.category != g.member.category]
    assert all(o.member.category == "in_service" for o in area.members
               if o.member.member_id in {g.member.member_id for g in changed})
    assert all(g.member.category == "mobile" for g in changed)
    assert any(i.accepted_on is not None for m in more.members for i in m.member.checklist)


@pytest.mark.parametrize("rs", [IN_SERVICE, NEW_CITIZEN, BRANCH], ids=lambda r: r.id)
def test_every_backend_scores_the_new_facts_alike(areas, rs):
    _, more = areas
    subjects = list(more.branches if rs.subject_kind == "branch" else more.members)
    for period in (f"{YEAR}-Q2", str(YEAR)):
        tables = [score_population(rs, subjects, period, backend=name) for name in backends()]
        first, *others = tables
        for other in others:
            assert first.frame.equals(other.frame)
            assert first.not_applicable == other.not_applicable


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_demo_section_shows_each_new_part(areas, capsys, lang):
    from partyrules.cycle.year import shipped_rulesets
    from partyrules.demo import _duties_section

    area, _ = areas
    _duties_section(area, shipped_rulesets(), lang, 7)
    out = capsys.readouterr().out
    needles = (("照单验收", "责任区", "流动党员", "设岗定责年底评议", "SC10", "SC9") if lang == "zh" else
               ("Acceptance:", "Areas of responsibility:", "Mobile members:", "Year-end post appraisal:", "SC10",
                "SC9"))
    for needle in needles:
        assert needle in out


# --- 责任区 links between a member's list and the branch's -----------------------------------------------------------

def test_every_generated_link_names_an_item_of_the_members_own_branch(areas):
    from partyrules.facts.links import checklist_links

    _, more = areas
    assert any(i.serves_item_id for m in more.members for i in m.member.checklist)
    assert checklist_links(more.members, more.branches) == []


@given(target=st.sampled_from(["BL1", "BL2", "NOPE"]), branch_given=st.booleans())
def test_a_link_that_names_no_item_of_the_branch_is_reported(target, branch_given):
    from partyrules.facts.links import checklist_links

    member = exemplary_member("in_service", YEAR)
    items = [{"item_id": "LINKED", "text": "责任区事项", "responsible_id": member.member.member_id, "accepted": False,
              "serves_item_id": target}]
    member = _with_items(member, items)
    branch = pr.BranchFacts.model_validate({"branch": {
        "branch_id": member.member.branch_id, "name": "示范支部", "parent_org_id": "GB", "branch_type": "community",
        "formal_member_count": 1, "member_count": 1, "has_committee": False, "committee_size": 0,
        "households_covered": 10, "grid_worker_count": 1,
        "checklist": [{"item_id": "BL1", "text": "支部事项", "responsible_id": "M9", "accepted": False},
                      {"item_id": "BL2", "text": "支部事项二", "responsible_id": "M8", "accepted": False}]}})
    broken = checklist_links([member], [branch] if branch_given else [])
    resolves = branch_given and target in ("BL1", "BL2")
    assert [b.item_id for b in broken] == ([] if resolves else ["LINKED"])
    for b in broken:
        assert b.branch_known == branch_given and b.serves_item_id == target
        assert "LINKED" in b.text("zh") and "LINKED" in b.text("en")
