"""Evidence in plain language: every line of every shipped rule set tells what it was decided on in Chinese and
English words, generated from its expressions, while the expression texts and their values stay in the JSON."""

from __future__ import annotations

import re
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import partyrules as pr
from partyrules.cycle.quarterly import facts_for_period
from partyrules.explain.phrasebook import has_label
from partyrules.explain.plain import Words, compile_rule, fallback, phrase
from partyrules.facts.exemplary import exemplary_member
from partyrules.lang import ir as I
from partyrules.periods import Period
from partyrules.shipped_rulesets import shipped_ruleset_path
from partyrules.synthetic import generate_member_facts, generate_subdistrict

INDICES = {"member-in-service": "in_service", "member-retired": "retired", "member-new-citizen": "new_citizen"}
OTHERS = ("branch-combat-effectiveness", "community-six-star")
# what an expression's source looks like: none of it may reach a member
SOUP = re.compile(r"records\.\(|\b(?:count|sum|exists|mean|longest_run|min|max|len|coalesce)\(|==|>=|<=|!=|"
                  r"\bparams\.|\bperiod\.|\bannual\.|\bwhere [a-z]+_")


@cache
def ruleset(name: str) -> pr.RuleSet:
    return pr.load_ruleset(shipped_ruleset_path(name + ".yaml"))


@cache
def subdistrict():  # type: ignore[no-untyped-def]
    return generate_subdistrict(year=2026, seed=5, communities=4, organisations=12, members=60)


def breakdowns(name: str, period: str) -> list[pr.ScoreBreakdown]:
    rs = ruleset(name)
    if name in INDICES:
        facts = generate_member_facts(25, seed=7, category=INDICES[name])
    elif name.startswith("branch"):
        facts = list(subdistrict().branches[:25])
    else:
        facts = list(subdistrict().communities)
    p = Period.parse(period)
    result = pr.Evaluator(rs).evaluate_many([facts_for_period(f, p) for f in facts], p)
    assert result.breakdowns, result.failures
    return result.breakdowns


def said(b: pr.ScoreBreakdown) -> list[tuple[str, str, list[str], list[str], dict]]:
    out = [(ln.rule_id, "line", ln.evidence.zh, ln.evidence.en, ln.evidence.reads) for ln in (*b.vetoes, *b.lines)]
    out += [(w.id, "warning", w.evidence.zh, w.evidence.en, w.evidence.reads) for w in b.warnings]
    return out


@pytest.mark.parametrize("name", [*INDICES, *OTHERS])
@pytest.mark.parametrize("period", ["2026", "2026-Q2"])
def test_every_line_of_every_shipped_rule_set_tells_its_evidence_in_words(name: str, period: str):
    lines = 0
    for b in breakdowns(name, period):
        for rule_id, _what, zh, en, reads in said(b):
            lines += 1
            if reads:  # a line that read something says it, in both languages
                assert zh and en, (rule_id, reads)
            for sentence in (*zh, *en):
                assert not SOUP.search(sentence), (rule_id, sentence)
            assert all(re.search(r"[\u4e00-\u9fff]", z) for z in zh if not z[:1].isdigit()), (rule_id, zh)
        for lang in ("zh", "en"):
            text = b.to_text(lang)
            assert "records.(" not in text and "sum(" not in text and "count(" not in text
            md = b.to_markdown(lang)
            assert "records.(" not in md and "sum(" not in md
        page = b._repr_html_()
        assert "records.(" not in page and "count(" not in page
    assert lines > 0


@pytest.mark.parametrize("name", [*INDICES, *OTHERS])
def test_the_expressions_and_their_values_stay_in_the_json_for_audit(name: str):
    b = breakdowns(name, "2026")[0]
    again = pr.ScoreBreakdown.from_json(b.to_json())
    assert again == b
    rs = ruleset(name)
    for ln in b.lines:
        texts = [e.text for e in rs.rule_index[ln.rule_id].exprs.values()]
        for key in ln.evidence.reads:  # every read is an expression (or a field of one) of the rule, as written
            assert any(key in t for t in texts) or key.split(".")[0] in ("period", "annual") or \
                any(key.split(".")[-1] in t for t in texts), (ln.rule_id, key)


def test_every_field_the_shipped_rule_sets_read_has_a_label():
    missing = set()
    for name in (*INDICES, *OTHERS):
        rs = ruleset(name)
        for r in (*rs.rules, *rs.checks):
            for e in r.exprs.values():
                for n in e.ir.walk():
                    if isinstance(n, I.Field) and not has_label(n.path, n.scope):
                        missing.add((name, n.scope, ".".join(n.path)))
    assert not missing, sorted(missing)


def _member_with_dues(paid_months: int) -> pr.MemberFacts:
    m = generate_member_facts(1, seed=3, category="in_service")[0]
    records = tuple(r.model_copy(update={"dues_paid_on_time": i < paid_months}) for i, r in enumerate(m.records))
    return m.model_copy(update={"records": records})


@settings(max_examples=13, deadline=None)
@given(paid=st.integers(min_value=0, max_value=12))
def test_a_count_against_all_months_is_told_as_k_of_n(paid: int):
    """IN.S07 compares the months with dues paid on time with the months on record: "k of 12 months"."""
    b = pr.evaluate(ruleset("member-in-service"), _member_with_dues(paid), period="2026")
    ev = b.line("IN.S07").evidence
    assert f"12个月中{paid}个月按时交纳党费" in ev.zh
    assert f"dues paid on time: {paid} of 12 months" in ev.en
    assert ev.reads["count(records where dues_paid_on_time)"] == paid


@settings(max_examples=10, deadline=None)
@given(hours=st.integers(min_value=1, max_value=500))
def test_a_comparison_states_what_was_read_and_what_was_needed(hours: int):
    rs = ruleset("member-in-service").with_params(organ_volunteer_hours=hours)
    member = generate_member_facts(1, seed=3, category="in_service")[0]
    member = member.model_copy(update={"member": member.member.model_copy(update={"is_organ_staff": True})})
    b = pr.evaluate(rs, member, period="2026")
    ev = b.line("IN.S13").evidence
    total = ev.reads["sum(records.volunteer_hours)"]
    shown = f"{total:g}" if total != int(total) else str(int(total))
    assert any(s.startswith(f"志愿服务时长(小时)合计: {shown}(目标: {hours}") for s in ev.zh), ev.zh
    assert any(s.startswith(f"volunteering hours, in total: {shown} (target: {hours}") for s in ev.en), ev.en


def test_a_too_complex_expression_falls_back_to_the_fields_it_reads():
    rs = ruleset("member-in-service")
    expr = rs.rule_index["IN.S05"].exprs["numerator"].ir  # a sum of a long sum of meeting counts
    words = Words({}, "member")
    for lang in ("zh", "en"):
        assert not SOUP.search(phrase(expr, lang, words))
        text = fallback(expr, lang, words)
        assert ("计算得出" in text) if lang == "zh" else text.startswith("a value computed from")
    said_zh, said_en = compile_rule({"value": expr}, words).say({})
    assert said_zh == [] and said_en == []  # nothing read, nothing said: never a made-up value


def test_a_breakdown_stored_before_plain_evidence_still_renders():
    b = breakdowns("member-in-service", "2026")[0]
    old = b.model_copy(update={"lines": [ln.model_copy(update={"evidence": ln.evidence.model_copy(
        update={"zh": [], "en": []})}) for ln in b.lines]})
    assert "sum(records.volunteer_hours)" in old.to_text("en")  # its reads, as they were kept


def test_a_branch_test_is_told_as_a_condition_with_whether_it_held_not_as_a_requirement():
    """IN.S08 scores 0 if the member registered after the period ends: its date comparison picks a branch. Told as
    "required: later than the period's end" it said the opposite of the rule; it is a condition, and whether it
    held is said."""
    rs = pr.load_ruleset(pr.shipped_ruleset_path("in_service"))
    b = pr.evaluate(rs, exemplary_member("in_service", 2026), period="2026")
    ev = b.line("IN.S08").evidence
    dated = [t for t in ev.zh if "晚于" in t]
    assert dated and all("要求" not in t and "条件" in t and "不成立" in t for t in dated), ev.zh
    assert any("when" in t and "does not hold" in t for t in ev.en), ev.en
