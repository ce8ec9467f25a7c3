from __future__ import annotations

import pytest

import partyrules as pr
from partyrules.demo import example_ruleset_path
from partyrules.synthetic import generate_member_facts


@pytest.fixture(scope="module")
def breakdowns():
    rs = pr.load_ruleset(example_ruleset_path())
    return pr.Evaluator(rs).evaluate_many(generate_member_facts(80, seed=11, category="in_service"), "2026")


def test_text_and_markdown_in_both_languages(breakdowns):
    b = breakdowns.breakdowns[0]
    zh, en = b.to_text("zh"), b.to_text("en")
    assert "总分" in zh and b.grade.zh in zh and "Total" in en and b.grade.en in en
    for d in b.dimensions:
        assert d.zh in zh and d.en in en
    md = b.to_markdown("en")
    assert md.count("\n|") >= len(b.lines) + len(b.dimensions)
    with pytest.raises(ValueError):
        b.to_text("fr")


def test_veto_is_shown_first():
    rs = pr.load_ruleset(example_ruleset_path())
    member = generate_member_facts(1, seed=3, category="in_service")[0]
    crisis = pr.Incident(incident_id="I-X", subject_kind="member", subject_id=member.subject_id,
                         kind="crisis_retreat", occurred_on="2026-05-01", consequence="较大负面影响", verified=True,
                         verified_by="GB001", evidence_ref="file-9")
    vetoed = pr.evaluate(rs, member.model_copy(update={"incidents": (*member.incidents, crisis)}), period="2026")
    text = vetoed.to_text("zh")
    assert text.splitlines()[2].startswith("!! 一票否决 EX.V1") and "incident:I-X" in text.splitlines()[2]
    assert vetoed.reason_codes[0].code == "VETO:EX.V1"


def test_html_escapes_and_shows_every_line(breakdowns):
    b = breakdowns.breakdowns[0]
    page = b._repr_html_()
    assert page.startswith("<div>") and "<table>" in page
    for ln in b.lines:
        assert ln.rule_id in page
    assert "“" in page or "&quot;" in page or "三会一课" in page


def test_json_round_trip(breakdowns):
    for b in breakdowns.breakdowns[:10]:
        again = pr.ScoreBreakdown.from_json(b.to_json())
        assert again == b and again.to_json() == b.to_json()
