"""Rule texts are templates over parameters: every text shown states the value in force (file, override, reform).

Regression: under the shipped reform organ-volunteering-150, IN.S13's line read "organ staff at least 100 a year"
while it was scored against 150.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import partyrules as pr
from partyrules.analyse.reform import loads_reform
from partyrules.evaluate.reference import ReferenceEvaluator
from partyrules.rulesets.docs import render_ruleset_markdown
from partyrules.rulesets.templates import render, show_value
from partyrules.synthetic import generate_member_facts

ROOT = Path(__file__).resolve().parents[2]
IN_SERVICE = ROOT / "rulesets" / "member-in-service.yaml"
REFORM = ROOT / "rulesets" / "reforms" / "organ-volunteering-150.yaml"


@pytest.fixture(scope="module")
def base() -> pr.RuleSet:
    return pr.load_ruleset(IN_SERVICE)


@pytest.fixture(scope="module")
def reformed(base: pr.RuleSet) -> pr.RuleSet:
    return pr.apply_reform(base, pr.load_reform(REFORM))


def organ_member() -> pr.MemberFacts:
    m = generate_member_facts(1, seed=4, category="in_service")[0]
    return m.model_copy(update={"member": m.member.model_copy(update={"is_organ_staff": True})})


def states(b: pr.ScoreBreakdown, hours: int) -> None:
    line = b.line("IN.S13")
    assert f"机关党员全年{hours}小时以上" in line.zh, line.zh
    assert f"organ staff at least {hours} a year" in line.en, line.en
    assert f"机关党员全年{hours}小时以上" in b.to_text("zh") and f"at least {hours} a year" in b.to_text("en")
    assert f"at least {hours} a year" in b.to_markdown("en") and f"{hours}小时以上" in b._repr_html_()


def test_a_reformed_breakdown_states_the_reformed_number_on_every_backend(base, reformed):
    facts = organ_member()
    states(pr.evaluate(base, facts, period="2026"), 100)
    # the engine
    states(pr.evaluate(reformed, facts, period="2026"), 150)
    # a live session
    with pr.LiveSession(reformed, facts, "2026") as session:
        states(session.breakdown(), 150)
    # a population's scores, on both population backends
    for backend in ("vector", "engine", "reference"):
        scores = pr.score_population(reformed, [facts], "2026", backend=backend)
        states(scores.breakdown(facts.subject_id), 150)
    # the reference backend
    states(ReferenceEvaluator(reformed).evaluate(facts, "2026"), 150)


@settings(max_examples=5, deadline=None)
@given(hours=st.integers(min_value=0, max_value=500))
def test_an_override_is_stated_wherever_the_text_is_shown(base, hours: int):
    rs = base.with_params(organ_volunteer_hours=hours)
    states(pr.evaluate(rs, organ_member(), period="2026"), hours)
    page = render_ruleset_markdown(rs)
    assert f"机关党员全年{hours}小时以上" in page and f"organ staff at least {hours} a year" in page
    # the template is kept as written, for audit, and the content hash depends on it and the values only
    assert rs.templates["IN.S13"]["en"].startswith("Volunteering hours: organ staff at least "
                                                   "{params.organ_volunteer_hours} a year")


def test_the_reform_description_names_the_rule_that_reads_the_parameter(base):
    text = REFORM.read_text(encoding="utf-8")
    assert "IN.S13" in text and "IN.S14" not in text
    reads = [r.id for r in (*base.standards, *base.deductions)
             if any("organ_volunteer_hours" in e.text for e in r.exprs.values())]
    assert reads == ["IN.S13", "IN.K17"]


RULE = """\
id: t
version: "1"
title: {zh: 模板, en: Templates}
subject: member
params:
  hours: {value: 80, zh: 时长, en: Hours, source: 例, min: 0, max: 200}
  share: {value: 0.8, zh: 比例, en: Share, source: 例, min: 0, max: 1}
dimensions:
  - {id: D1, zh: 维度, en: Dimension, max: 10, source: 例}
standards:
  - id: S1
    dimension: D1
    zh: TEXT_ZH
    en: "TEXT_EN"
    source: 例
    points: 10
    due: yearly
    flag: sum(records.volunteer_hours) >= params.hours * params.share
grading:
  - {id: good, zh: 好, en: Good, at_least: 5}
  - {id: poor, zh: 差, en: Poor, at_least: 0}
"""


def load(zh: str, en: str = "Volunteers") -> pr.RuleSet:
    return pr.loads_ruleset(RULE.replace("TEXT_ZH", zh).replace("TEXT_EN", en), file="t.yaml")


def test_formats_and_literal_braces():
    rs = load("至少{params.hours}小时的{params.share:%}", "{{not a placeholder}} {params.share}")
    s = rs.standards[0].spec
    assert s.zh == "至少80小时的80%" and s.en == "{not a placeholder} 0.8"
    assert rs.templates["S1"]["zh"] == "至少{params.hours}小时的{params.share:%}"


@pytest.mark.parametrize(("zh", "column", "hint"), [
    ("至少{params.hour}小时", 11, "did you mean 'hours'?"),
    ("至少{hours}小时", 11, "{params.NAME}"),
    ("至少{params.hours小时", 11, "double the brace"),
    ("至少{params.hours:x}小时", 11, "{params.NAME}"),
])
def test_a_bad_placeholder_is_an_error_at_its_character(zh: str, column: int, hint: str):
    with pytest.raises(pr.RuleSetError) as info:
        load(zh)
    d = next(d for d in info.value.diagnostics if d.code == "RS312")
    assert d.location is not None and (d.location.file, d.location.line, d.location.column) == ("t.yaml", 13, column)
    assert d.hint is not None and hint in d.hint


def test_a_reform_that_adds_an_item_with_a_bad_placeholder_is_refused(base):
    reform = loads_reform("""\
kind: reform
name: bad-text
target: member-in-service
replace:
  standards:
    - id: IN.S03
      dimension: IN.D1
      zh: 挂牌亮身份{params.no_such}
      en: Shows identity
      source: 例
      points: 4
      due: any
      flag: placard_displayed
""")
    with pytest.raises(pr.PartyRulesError) as info:
        pr.apply_reform(base, reform)
    assert "no_such" in str(info.value)


@given(value=st.one_of(st.integers(-10**6, 10**6), st.floats(0, 1000, allow_nan=False), st.booleans(),
                       st.lists(st.sampled_from(["a", "b"]), max_size=3)))
def test_rendering_shows_exactly_the_value(value):
    for lang in ("zh", "en"):
        assert render("x{params.v}y", {"v": value}, lang) == f"x{show_value(value, lang)}y"
        assert render("{{params.v}}", {"v": value}, lang) == "{params.v}"
