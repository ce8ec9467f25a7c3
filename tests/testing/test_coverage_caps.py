"""Rule coverage of deduction caps: a cap is exercised only when a case's amount before it exceeds it (the line is
``capped``, docs/rule-language.md), and a cap the rule set proves can never be exceeded is left out of the count
and listed as such (issue 14).

Measured before: coverage counted a case at exactly the cap (status ``applied``: the cap changed nothing) as
exercising it, and four shipped caps that no facts can exceed (e.g. IN.K19, ``1 if ... else 0`` × 3 capped at 3)
could only be "covered" that way.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import partyrules as pr
from partyrules.cli import main
from partyrules.rulesets.lint import deduction_most
from partyrules.synthetic import generate_member_facts
from partyrules.testing.cases import COVERAGE_DEFINITION, rule_coverage

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "rulesets" / "cases" / "tiny.yaml"


def tiny(per: str, points: int, cap: int) -> pr.RuleSet:
    text = TINY.read_text(encoding="utf-8")
    old = ('    per: count(incidents where kind == "complaint_substantiated")\n    points: 5\n    cap: 10\n')
    assert text.count(old) == 1
    return pr.loads_ruleset(text.replace(old, f"    per: {per}\n    points: {points}\n    cap: {cap}\n"),
                            file=str(TINY), root=TINY.parent)


COMPLAINTS = 'count(incidents where kind == "complaint_substantiated")'
AT_MOST_ONCE = '1 if exists(incidents where kind == "complaint_substantiated") else 0'


def member_with_complaints(n: int) -> pr.MemberFacts:
    data = generate_member_facts(1, seed=3)[0].model_dump(mode="json")
    data["incidents"] = [{"incident_id": f"I{i}", "subject_kind": "member", "subject_id": data["member"]["member_id"],
                          "kind": "complaint_substantiated", "occurred_on": f"2026-{1 + i % 12:02d}-01",
                          "verified": True, "verified_by": "branch committee", "evidence_ref": f"E{i}"}
                         for i in range(n)]
    return pr.MemberFacts.model_validate(data)


def test_a_case_at_exactly_the_cap_does_not_exercise_it():
    rs = tiny(COMPLAINTS, 5, 10)
    b = pr.evaluate(rs, member_with_complaints(2), period="2026")
    line = next(ln for ln in b.lines if ln.rule_id == "TY.K1")
    assert line.before_cap == 10 and line.status == "applied"
    cov = rule_coverage(rs, [b])
    assert "TY.K1" in cov.covered["deductions"]
    assert "TY.K1" not in cov.covered["deduction_caps"]
    assert "TY.K1" in cov.missing()["deduction_caps"]


def test_a_cap_that_can_never_be_exceeded_is_left_out_and_listed():
    rs = tiny(AT_MOST_ONCE, 5, 5)
    assert deduction_most(rs)["TY.K1"] == 5
    cov = rule_coverage(rs, [])
    assert "TY.K1" not in cov.items["deduction_caps"]
    assert cov.cannot_be_exceeded == ["TY.K1"]
    assert cov.to_dict()["cannot_be_exceeded"] == ["TY.K1"]
    assert "TY.K2" in cov.items["deduction_caps"]  # 20 per gambling incident, capped at 40: can be exceeded


@settings(max_examples=30, deadline=None)
@given(n=st.integers(0, 5), points=st.integers(1, 6), extra=st.integers(0, 12))
def test_the_cap_is_exercised_exactly_when_the_line_is_capped(n, points, extra):
    rs = tiny(COMPLAINTS, points, points + extra)
    b = pr.evaluate(rs, member_with_complaints(n), period="2026")
    line = next((ln for ln in b.lines if ln.rule_id == "TY.K1"), None)  # no line when nothing is taken
    cov = rule_coverage(rs, [b])
    assert ("TY.K1" in cov.covered["deduction_caps"]) == (line is not None and line.status == "capped")


@settings(max_examples=30, deadline=None)
@given(n=st.integers(0, 5), points=st.integers(1, 6), extra=st.integers(0, 12))
def test_a_cap_left_out_is_never_exceeded(n, points, extra):
    # soundness of the proof: whatever the facts, a cap left out of coverage never takes points off
    for per in (COMPLAINTS, AT_MOST_ONCE):
        rs = tiny(per, points, points + extra)
        if "TY.K1" in rule_coverage(rs, []).cannot_be_exceeded:
            b = pr.evaluate(rs, member_with_complaints(n), period="2026")
            for line in (ln for ln in b.lines if ln.rule_id == "TY.K1"):
                assert line.status != "capped" and line.before_cap <= points + extra


def test_the_definition_says_so():
    assert "exceeds it (status capped" in COVERAGE_DEFINITION
    assert "cannot be exceeded" in COVERAGE_DEFINITION


def test_the_shipped_rule_sets_reach_full_coverage(capsys):
    code = main(["test", str(ROOT / "rulesets"), str(ROOT / "src" / "partyrules" / "data" / "example"),
                 "--min-coverage", "100", "--fail-on-empty"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "caps not counted, cannot be exceeded: IN.K10, IN.K17, IN.K19" in out
