"""The abstract analysis behind ``partyrules validate`` is sound: what it says a condition can never be, it never is.

Random conditions (partyrules.testing.conditions; their three-valued meaning computed in plain Python by
tests/semantic_oracles.py) are compiled in a rule set and analysed; for random valid facts, the value the condition
really has must be one of the outcomes the analysis allows. Conditions of aggregations are checked the same way on
every record and incident.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import partyrules as pr
from partyrules.lang import ir as I
from partyrules.lang.abstract import Analyzer, ParamInfo
from partyrules.rulesets.lint import lint_ruleset
from partyrules.testing import (
    GENERATED_EDGES,
    INCIDENT_VALUES,
    RECORD_VALUES,
    SUBJECT_VALUES,
    Cond,
    ConditionRuleSet,
    GeneratedRuleSet,
    condition_rulesets,
    conditions,
    generated_rulesets,
    subject_facts,
)
from semantic_oracles import incident_env, meaning, record_env, subject_env, view_of

PERIOD = pr.Period.year(2026)


def ruleset_with(flag: str) -> pr.RuleSet:
    quoted = "'" + flag.replace("'", "''") + "'"
    return pr.loads_ruleset(f"""\
id: soundness
version: "1"
title: {{zh: 健全性, en: Soundness}}
subject: member
dimensions:
  - {{id: D1, zh: 维度, en: Dimension, max: 10}}
standards:
  - {{id: S1, dimension: D1, zh: 标准, en: Standard, source: 例, points: 10, flag: {quoted}}}
grading:
  - {{id: good, zh: 好, en: Good, at_least: 5}}
  - {{id: poor, zh: 差, en: Poor, at_least: 0}}
""", file="soundness.yaml")


def analysed(rs: pr.RuleSet) -> tuple[Analyzer, Any]:
    e = rs.standards[0].exprs["flag"]
    return Analyzer(rs.schema, {}, over_params=False).for_text(e.text), e


@given(cond=conditions(SUBJECT_VALUES), facts=subject_facts("member", edges=GENERATED_EDGES, category="in_service"))
def test_a_subject_condition_only_takes_the_outcomes_the_analysis_allows(cond: Cond, facts: pr.MemberFacts):
    rs = ruleset_with(cond.text)
    analyzer, e = analysed(rs)
    actual = meaning(cond, subject_env(view_of(facts, PERIOD, {})))
    assert actual in analyzer.outcomes(e.ir, {}), (cond.text, actual)
    codes = {d.code for d in lint_ruleset(rs)}
    if actual is True:
        assert "RS510" not in codes, cond.text
    else:
        assert "RS511" not in codes, cond.text


def _item_outcomes(rs: pr.RuleSet) -> tuple[Analyzer, I.Agg, set[bool | None]]:
    analyzer, e = analysed(rs)
    agg = next(n for n in e.ir.walk() if isinstance(n, I.Agg))
    base, outer = analyzer.enter(I.Agg(agg.type, agg.start, agg.end, agg.func, agg.source, None, None), {})
    try:
        assert base is not None and agg.where is not None
        return analyzer, agg, analyzer.outcomes(agg.where, base)
    finally:
        analyzer.model = outer


@given(cond=conditions(RECORD_VALUES), facts=subject_facts("member", edges=GENERATED_EDGES, category="in_service",
                                                          max_incidents=0, max_commendations=0))
def test_a_record_condition_only_takes_the_outcomes_the_analysis_allows(cond: Cond, facts: pr.MemberFacts):
    _, _, allowed = _item_outcomes(ruleset_with(f"count(records where {cond.text}) > 0"))
    for r in facts.records:
        assert meaning(cond, record_env(r)) in allowed, (cond.text, r)


@given(cond=conditions(INCIDENT_VALUES),
       facts=subject_facts("member", edges=GENERATED_EDGES, category="in_service", max_records=0, max_commendations=0,
                           max_incidents=6, verified=True))
def test_an_incident_condition_only_takes_the_outcomes_the_analysis_allows(cond: Cond, facts: pr.MemberFacts):
    _, _, allowed = _item_outcomes(ruleset_with(f"count(incidents where {cond.text}) > 0"))
    for i in facts.incidents:
        assert meaning(cond, incident_env(i)) in allowed, (cond.text, i)


def test_counts_are_whole_numbers_at_least_zero():
    for lo in range(-3, 6):
        for hi in range(-2, 7):
            text = f"count(records where dues_paid_on_time) > {lo} and count(records where dues_paid_on_time) < {hi}"
            analyzer, e = analysed(ruleset_with(text))
            possible = max(lo + 1, 0) <= hi - 1  # some whole number k >= 0 with lo < k < hi
            assert (True in analyzer.outcomes(e.ir, {})) == possible, text


def test_parameters_are_read_over_their_bounds_and_choices():
    rs = pr.loads_ruleset("""\
id: params
version: "1"
title: {zh: 参数, en: Parameters}
subject: member
params:
  share: {value: 0.5, zh: 比例, en: Share, source: 例, min: 0, max: 2}
dimensions:
  - {id: D1, zh: 维度, en: Dimension, max: 10, source: 例}
standards:
  - {id: S1, dimension: D1, zh: 标准, en: Standard, source: 例, points: 10, due: any, flag: 'params.share > 1'}
grading:
  - {id: good, zh: 好, en: Good, at_least: 5}
  - {id: poor, zh: 差, en: Poor, at_least: 0}
""", file="params.yaml")
    e = rs.standards[0].exprs["flag"]
    infos = {"share": ParamInfo(0.5, 0, 2)}
    assert Analyzer(rs.schema, infos, over_params=False).for_text(e.text).outcomes(e.ir, {}) == {False}
    assert Analyzer(rs.schema, infos, over_params=True).for_text(e.text).outcomes(e.ir, {}) == {True, False}
    # never true now, but an override within the bounds makes it true: a warning, not an error
    assert [d.code for d in lint_ruleset(rs)] == ["RS515"]


def test_a_rule_switched_off_by_a_parameter_is_a_warning_not_an_error():
    # 'not params.p' and 'x if params.p else false' are folded by the loader with the current value of p
    for flag in ("'not params.switched_off and placard_displayed'",
                 "'placard_displayed if params.switched_on else false'"):
        rs = pr.loads_ruleset(f"""\
id: switch
version: "1"
title: {{zh: 开关, en: Switch}}
subject: member
params:
  switched_off: {{value: true, zh: 关闭, en: Switched off, source: 例}}
  switched_on: {{value: false, zh: 开启, en: Switched on, source: 例}}
dimensions:
  - {{id: D1, zh: 维度, en: Dimension, max: 10}}
standards:
  - {{id: S1, dimension: D1, zh: 标准, en: Standard, source: 例, points: 10, flag: {flag}}}
grading:
  - {{id: good, zh: 好, en: Good, at_least: 5}}
  - {{id: poor, zh: 差, en: Poor, at_least: 0}}
""", file="switch.yaml")
        assert [d.code for d in lint_ruleset(rs) if d.code.startswith("RS51")] == ["RS515"], flag


@given(g=st.one_of(generated_rulesets(), condition_rulesets()))
def test_every_finding_on_a_generated_rule_set_is_placed_and_explained(g: GeneratedRuleSet | ConditionRuleSet):
    lines = g.text.splitlines()
    for d in lint_ruleset(g.load()):
        assert d.code.startswith("RS5") and d.severity in ("error", "warning") and d.message and d.hint, d
        assert d.location is not None and d.location.line is not None and d.location.column is not None, d
        assert 1 <= d.location.line <= len(lines) and 1 <= d.location.column <= len(lines[d.location.line - 1]), d
