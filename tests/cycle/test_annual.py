"""The annual result: quarterly slicing, the weighted composite, grades, vetoes and their follow-ups."""

from __future__ import annotations

from functools import cache

import pytest

import partyrules as pr
from partyrules.cycle.annual import AnnualResult
from partyrules.cycle.followup import FollowUpError
from partyrules.cycle.quarterly import facts_for_period, quarters
from partyrules.cycle.scoring import score_subject_year, score_year
from partyrules.errors import ParameterError
from partyrules.synthetic import generate_branch_facts, generate_member_facts

YEAR = 2026


@cache
def ruleset(key: str, **params: float) -> pr.RuleSet:
    return pr.load_ruleset(pr.shipped_ruleset_path(key), params=params or None)


def year_of(key: str, facts: pr.MemberFacts | pr.BranchFacts, **params: float) -> AnnualResult:
    return score_subject_year(pr.Evaluator(ruleset(key, **params)), facts, YEAR).result


@cache
def in_service(n: int = 6) -> tuple[pr.MemberFacts, ...]:
    return tuple(generate_member_facts(n, seed=11, category="in_service"))


def veto_incident(subject_id: str, kind: str = "abuse_of_power_for_gain", on: str = "2026-05-10",
                  subject_kind: str = "member") -> pr.Incident:
    return pr.Incident(incident_id=f"V-{subject_id}", subject_kind=subject_kind, subject_id=subject_id, kind=kind,
                       occurred_on=on, severity="serious", verified=True, verified_by="committee",
                       evidence_ref="file/1")


# -- quarters ----------------------------------------------------------------------------------------------------

def test_a_quarter_sees_its_own_months_and_the_annual_evaluation_only_in_q4():
    facts = in_service()[0]
    assert facts.annual is not None and len(facts.records) == 12
    for i, q in enumerate(quarters(YEAR)):
        sliced = facts_for_period(facts, q)
        months = sorted(r.month for r in sliced.records)
        assert months == [f"{YEAR}-{m:02d}" for m in range(3 * i + 1, 3 * i + 4)]
        assert (sliced.annual is not None) == (i == 3)
    whole = facts_for_period(facts, pr.Period.year(YEAR))
    assert whole.records == facts.records and whole.annual == facts.annual


# -- the composite -----------------------------------------------------------------------------------------------

def expected_percent(rs: pr.RuleSet, year: pr.ScoreBreakdown, facts: pr.MemberFacts) -> float:
    """Written from the policy text, independently of the library: a weighted mean over the inputs present, the
    record-based input being the whole year scored as one period (never a mean of quarters, which dilutes)."""
    p = rs.params
    parts = [(p["annual_weight_quarterly"], 100 * year.total / year.max_points)]
    if facts.annual is not None:
        parts += [(p["annual_weight_evaluation"], facts.annual.evaluation_score),
                  (p["annual_weight_daily"], facts.annual.daily_observation_score)]
    return sum(w * v for w, v in parts) / sum(w for w, _ in parts)


@pytest.mark.parametrize("index", range(6))
def test_the_composite_is_the_weighted_mean_of_the_inputs(index: int):
    facts = in_service()[index]
    rs = ruleset("in_service")
    sy = score_subject_year(pr.Evaluator(rs), facts, YEAR)
    assert [b.period.label for b in sy.quarters] == [f"{YEAR}-Q{q}" for q in (1, 2, 3, 4)]
    assert sy.year.period.label == str(YEAR)
    assert sy.result.percent == pytest.approx(expected_percent(rs, sy.year, facts), abs=1e-5)
    assert sy.result.score == pytest.approx(sy.result.percent * rs.max_points / 100, abs=1e-5)
    assert sum(i.share for i in sy.result.inputs) == pytest.approx(1, abs=1e-5)
    if not sy.result.vetoed and sy.result.graded:  # probationary members are scored, not graded
        cut = next(g for g in rs.grades if sy.result.score + 1e-9 >= g.at_least)
        assert sy.result.grade is not None and sy.result.grade.id == cut.id


def test_the_weights_are_parameters_a_what_if_can_change():
    facts = in_service()[1]
    only_q = year_of("in_service", facts, annual_weight_quarterly=1.0, annual_weight_evaluation=0.0,
                     annual_weight_daily=0.0)
    only_eval = year_of("in_service", facts, annual_weight_quarterly=0.0, annual_weight_evaluation=1.0,
                        annual_weight_daily=0.0)
    whole = pr.evaluate(ruleset("in_service"), facts, period=str(YEAR))
    assert only_q.percent == pytest.approx(100 * whole.total / whole.max_points, abs=1e-5)
    assert facts.annual is not None
    assert only_eval.percent == pytest.approx(facts.annual.evaluation_score, abs=1e-5)


def test_a_missing_annual_evaluation_is_left_out_and_said():
    facts = in_service()[2].model_copy(update={"annual": None})
    r = year_of("in_service", facts)
    assert r.missing == ["annual_evaluation", "daily_observation"]
    whole = pr.evaluate(ruleset("in_service"), facts, period=str(YEAR))
    assert r.percent == pytest.approx(100 * whole.total / whole.max_points, abs=1e-5)


def test_a_weight_must_name_a_declared_parameter(tmp_path):
    text = pr.shipped_ruleset_path("in_service").read_text(encoding="utf-8")
    bad = text.replace("quarterly: annual_weight_quarterly", "quarterly: annual_weight_quartrly")
    for name in ("member-vetoes.yaml", "member-checks.yaml", "member-annual.yaml"):
        (tmp_path / name).write_text(pr.shipped_ruleset_path(name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "rs.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(pr.RuleSetError) as err:
        pr.load_ruleset(tmp_path / "rs.yaml")
    d = err.value.diagnostics[0]
    assert d.code == "RS308" and "annual_weight_quartrly" in d.message and "annual_weight_quarterly" in (d.hint or "")


# -- grades, vetoes and follow-ups -------------------------------------------------------------------------------

def test_a_member_veto_gives_unqualified_and_recommends_the_correction_path():
    facts = in_service()[3]
    vetoed = facts.model_copy(update={"incidents": (*facts.incidents, veto_incident(facts.subject_id))})
    r = year_of("in_service", vetoed)
    assert r.vetoed and r.grade is not None and r.grade.zh == "不合格"
    # MV5 (serious abuse of power); MV3, conduct already disciplined, recommends no further disposal (test_followup)
    assert [v.rule_id for v in r.vetoes] == ["MV5"]
    assert r.vetoes[0].periods == [f"{YEAR}-Q2", str(YEAR)]
    assert [(x.kind, x.months) for x in r.recommendations] == [
        ("assign_mentor", None), ("time_limited_correction", 6), ("persuade_to_withdraw", None), ("removal", None)]
    assert all(x.status == "recommended" and x.decision_ref is None for x in r.recommendations)


def test_a_recommendation_becomes_a_decision_only_with_a_meeting_vote_reference():
    facts = in_service()[3]
    vetoed = facts.model_copy(update={"incidents": (veto_incident(facts.subject_id),)})
    rec = year_of("in_service", vetoed).recommendations[1]
    for bad in ("", "   ", None):
        with pytest.raises(FollowUpError):
            rec.decide(bad)  # type: ignore[arg-type]
    decided = rec.decide("B0001-2027-03 branch meeting, item 2")
    assert decided.status == "decided" and decided.decision_ref.startswith("B0001")
    assert rec.status == "recommended"  # the recommendation itself is unchanged
    with pytest.raises(FollowUpError):
        decided.decide("again")


def test_the_correction_period_is_a_parameter_of_at_most_twelve_months():
    facts = in_service()[3]
    vetoed = facts.model_copy(update={"incidents": (veto_incident(facts.subject_id),)})
    r = year_of("in_service", vetoed, correction_months=12)
    assert [x.months for x in r.recommendations if x.kind == "time_limited_correction"] == [12]
    with pytest.raises(ParameterError):
        ruleset("in_service", correction_months=13)


def test_six_months_without_dues_recommends_removal_as_self_departure():
    facts = in_service()[4]
    records = tuple(r.model_copy(update={"dues_paid_on_time": not ("2026-03" <= r.month <= "2026-08")})
                    for r in facts.records)
    r = year_of("in_service", facts.model_copy(update={"records": records}))
    assert "MV4" in [v.rule_id for v in r.vetoes] and r.grade is not None and r.grade.id == "unqualified"
    kinds = [x.kind for x in r.recommendations]
    assert kinds[0] == "assign_mentor" and "removal_self_departure" in kinds
    # the lapse shows only over the year: no quarter has six months
    assert r.vetoes[0].periods == [str(YEAR)]


def test_probationary_members_are_scored_but_not_graded():
    facts = in_service()[5]
    prob = facts.model_copy(update={"member": facts.member.model_copy(update={"status": "probationary"})})
    r = year_of("in_service", prob)
    assert not r.graded and r.grade is None and "probationary" in (r.not_graded_reason or "")
    assert r.percent > 0


def test_a_branch_veto_gives_lagging_and_a_rectification_case():
    branch = generate_branch_facts(1, seed=5)[0]
    vetoed = branch.model_copy(update={"incidents": (
        veto_incident(branch.subject_id, kind="mass_incident_major", subject_kind="branch"),)})
    r = year_of("branch", vetoed)
    assert r.vetoed and r.grade is not None and r.grade.zh == "后进"
    assert [x.zh for x in r.recommendations] == ["派驻第一书记", "调整支部班子", "开展专项整治"]
    assert all(x.status == "recommended" for x in r.recommendations)
    assert "secretary_review" in [i.name for i in r.inputs]


def test_a_bad_subject_is_reported_and_the_others_are_scored():
    members = list(in_service()[:3])
    branch = generate_branch_facts(1, seed=5)[0]
    out = score_year([members[0], branch, members[1]], [ruleset("in_service")], YEAR)
    assert [s.facts.subject_id for s in out.subjects] == [members[0].subject_id, members[1].subject_id]
    assert len(out.failures) == 1 and out.failures[0].index == 1
