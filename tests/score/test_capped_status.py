"""What ``capped`` means, the same in the docs, the code and coverage (issue 14).

Measured before: docs/rule-language.md said a line is ``capped`` when the cap is reached; the code says so only when
the amount before the cap exceeds it, while rule coverage counted a case at the cap as exercising it, without
saying that such a line is ``applied``. Decided (scores unchanged): ``capped`` means the cap took points off (the
amount before it exceeded it); a line at exactly its cap is ``applied``; coverage counts a cap as exercised only
beyond it, where the line is ``capped`` (changed later: at first a case at the cap counted too).
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import partyrules as pr
from partyrules.synthetic import generate_member_facts
from partyrules.testing.cases import COVERAGE_DEFINITION, rule_coverage

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "rulesets" / "cases" / "tiny.yaml"
DOC = ROOT / "docs" / "rule-language.md"


def tiny(points: int, cap: int) -> pr.RuleSet:
    text = TINY.read_text(encoding="utf-8")
    old = "    points: 5\n    cap: 10\n"
    assert text.count(old) == 1
    return pr.loads_ruleset(text.replace(old, f"    points: {points}\n    cap: {cap}\n"), file=str(TINY),
                            root=TINY.parent)


def member_with_complaints(n: int) -> pr.MemberFacts:
    data = generate_member_facts(1, seed=3)[0].model_dump(mode="json")
    data["incidents"] = [{"incident_id": f"I{i}", "subject_kind": "member", "subject_id": data["member"]["member_id"],
                          "kind": "complaint_substantiated", "occurred_on": f"2026-{1 + i % 12:02d}-01",
                          "verified": True, "verified_by": "branch committee", "evidence_ref": f"E{i}"}
                         for i in range(n)]
    return pr.MemberFacts.model_validate(data)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(0, 5), points=st.integers(1, 6), extra=st.integers(0, 12))
def test_capped_exactly_when_the_cap_takes_points_off(n, points, extra):
    cap = points + extra
    rs = tiny(points, cap)
    b = pr.Evaluator(rs).evaluate(member_with_complaints(n), pr.Period.year(2026))
    line = next((ln for ln in b.lines if ln.rule_id == "TY.K1"), None)
    raw = n * points
    if raw == 0:
        assert line is None or line.points == 0
        return
    assert line is not None
    assert line.points == -min(raw, cap) and line.before_cap == raw  # the scores are as they were
    assert (line.status == "capped") == (raw > cap)
    assert line.status in ("capped", "applied")
    # coverage: the cap is exercised only beyond it, where the line is capped (tests/testing/test_coverage_caps.py)
    covered = rule_coverage(rs, [b]).covered["deduction_caps"]
    assert ("TY.K1" in covered) == (raw > cap)


def test_the_docs_and_the_coverage_definition_say_the_same():
    doc = DOC.read_text(encoding="utf-8")
    assert "`capped` (the cap was reached)" not in doc
    assert "`capped` (the amount before the cap exceeded the cap" in doc
    assert "A line at exactly its cap is `applied`" in doc
    assert "a line at exactly its cap is applied and does not exercise it" in COVERAGE_DEFINITION
