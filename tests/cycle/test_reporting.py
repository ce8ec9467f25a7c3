"""The in-service members' monthly cycle (seed 002 F6, F7): its assessment agrees with the in-service index's own
reading of the same records, a month without a record is said to have none, and the notice tells only the member's
own month, in both languages."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partyrules.cycle.quarterly import facts_for_period
from partyrules.cycle.reporting import ITEM_KEYS, PARAMS, MemberMonth, reporting_cycle
from partyrules.cycle.reporting_text import cycle_table, member_month_text, notice_text
from partyrules.cycle.systems import SYSTEMS
from partyrules.cycle.year import shipped_rulesets
from partyrules.errors import ParameterError
from partyrules.evaluate.evaluator import Evaluator
from partyrules.facts import Member, MemberFacts, MemberMonthRecord
from partyrules.periods import Period
from partyrules.results import ScoreBreakdown
from partyrules.testing import member_records, members

RS = shipped_rulesets()["in_service"]
EV = Evaluator(RS)


def _line_met(b: ScoreBreakdown, rule_id: str) -> bool:
    line = next(ln for ln in b.lines if ln.rule_id == rule_id)
    return line.status == "met"


def _deducted(b: ScoreBreakdown, rule_id: str) -> bool:
    """The deduction counted occurrences (a deduction that counts none has no line); its points may still be 0
    where the dimension's floor stops it, which is the index's arithmetic, not its reading of the record."""
    line = next((ln for ln in b.lines if ln.rule_id == rule_id), None)
    return line is not None and line.status in ("applied", "capped", "floored")


def _index(facts: MemberFacts, period: str) -> ScoreBreakdown:
    p = Period.parse(period)
    return EV.evaluate(facts_for_period(facts, p), p)


def _one(facts: MemberFacts, month: str) -> MemberMonth:
    return reporting_cycle([facts], month, RS).members[0]


@st.composite
def in_service_month(draw: st.DrawFn, month: str = "2026-05") -> MemberFacts:
    member = draw(members(category="in_service"))
    return MemberFacts(member, records=(draw(member_records(month)),))


@given(in_service_month())
def test_month_items_agree_with_the_index_reading_the_same_month(facts: MemberFacts) -> None:
    mm, b = _one(facts, "2026-05"), _index(facts, "2026-05")
    r, m = facts.records[0], facts.member
    if r.study_sessions_required:
        assert (mm.item("study").status == "met") == _line_met(b, "IN.S01")
    kinds = ("member_meeting", "committee_meeting", "group_meeting", "party_lecture")
    if sum(getattr(r.meetings_required, k) for k in kinds):
        assert (mm.item("meetings").status == "met") == _line_met(b, "IN.S05")
    if mm.item("theme_day").status in ("met", "short"):
        assert (mm.item("theme_day").status == "met") == _line_met(b, "IN.S06")
    assert (mm.item("dues").status == "met") == _line_met(b, "IN.S07")
    assert (mm.item("spot_check").status == "short") == _deducted(b, "IN.K08")
    active = sum(1 for p in m.claimed_posts if p.active)
    if RS.params["posts_min"] <= active <= RS.params["posts_max"]:
        assert (mm.item("post_duty").status == "met") == _line_met(b, "IN.S12")
    if mm.item("community").status != "not_required":
        # one activity a month (the cycle's default) is what IN.K19 asks of a one-month period
        assert (mm.item("community").status == "short") == _deducted(b, "IN.K19")


def test_a_spot_check_without_its_result_is_not_a_failed_one() -> None:
    # regression: a checked record whose result was not yet on file was reported as failing the check
    m = Member(member_id="M1", category="in_service", branch_id="B1", status="formal", joined_on="2010-01-01",
               birth_year=1980)
    facts = MemberFacts(m, records=(MemberMonthRecord(member_id="M1", month="2026-05", spot_checked=True),))
    assert _one(facts, "2026-05").item("spot_check").status == "not_required"
    assert not _deducted(_index(facts, "2026-05"), "IN.K08")


@st.composite
def in_service_quarter(draw: st.DrawFn) -> MemberFacts:
    # the drawn members rarely link enough households for IN.S14 to be met, so the count is drawn here
    linked = tuple(f"H{i}" for i in range(draw(st.integers(0, 8))))
    member = draw(members(category="in_service")).model_copy(update={"linked_household_ids": linked})
    months = ("2026-04", "2026-05", "2026-06")
    return MemberFacts(member, records=tuple(draw(member_records(mo)) for mo in months))


@given(in_service_quarter())
def test_quarter_items_at_the_quarter_end_agree_with_the_index_on_the_quarter(facts: MemberFacts) -> None:
    mm, b = _one(facts, "2026-06"), _index(facts, "2026-Q2")
    assert (mm.item("notes").status == "met") == _line_met(b, "IN.S02")
    assert (mm.item("policy").status == "met") == _line_met(b, "IN.S04")
    if len(facts.member.linked_household_ids) >= RS.params["linked_households"]:
        assert (mm.item("households").status == "met") == _line_met(b, "IN.S14")
    # before the quarter's last month a shortfall is still in progress, never short
    early = _one(facts, "2026-05")
    for key in ("notes", "policy", "volunteering"):
        assert early.item(key).status in ("met", "in_progress")


@given(members(category="in_service"), st.lists(st.floats(0, 40, allow_nan=False), min_size=12, max_size=12))
def test_volunteering_in_december_agrees_with_the_index_on_the_year(member: Member, hours: list[float]) -> None:
    records = tuple(MemberMonthRecord(member_id=member.member_id, month=f"2026-{i + 1:02d}", volunteer_hours=h)
                    for i, h in enumerate(hours))
    facts = MemberFacts(member, records=records)
    mm, b = _one(facts, "2026-12"), _index(facts, "2026")
    assert (mm.item("volunteering").status == "met") == _line_met(b, "IN.S13")
    assert mm.item("volunteering").actual == pytest.approx(sum(hours))


@given(in_service_month("2026-04"))
def test_a_month_without_a_record_says_so_and_judges_nothing(facts: MemberFacts) -> None:
    mm = _one(facts, "2026-05")  # the only record is April's
    assert not mm.has_record
    assert {i.status for i in mm.items} == {"no_record"}
    assert mm.count("short") == 0 and mm.count("met") == 0
    for lang in ("zh", "en"):
        text = notice_text(mm, lang)
        assert ("未收到该党员的月记实" if lang == "zh" else "no monthly record") in text
        assert ("未完成" if lang == "zh" else "Not done") not in text


@given(in_service_month(), in_service_month())
def test_the_notice_names_only_the_members_own_conduct(a: MemberFacts, b: MemberFacts) -> None:
    b = MemberFacts(b.member.model_copy(update={"member_id": "M2"}),
                    records=(b.records[0].model_copy(update={"member_id": "M2"}),))
    cycle = reporting_cycle([a, b], "2026-05", RS)
    assert [m.member_id for m in cycle.members] == ["M1", "M2"]
    for mm, other in zip(cycle.members, ("M2", "M1"), strict=True):
        for lang in ("zh", "en"):
            text = notice_text(mm, lang)
            assert mm.member_id in text and other not in text
            # what a notice tells is the member's own items, never a score, a rank or a grade
            assert not re.search(r"得分|名次|排名|等次|score|rank|grade", text)
    # and the other member's record does not change this member's notice
    alone = reporting_cycle([a], "2026-05", RS).members[0]
    assert notice_text(alone, "zh") == notice_text(cycle.members[0], "zh")


@given(in_service_month())
def test_the_text_is_bilingual_and_each_language_is_its_own(facts: MemberFacts) -> None:
    mm = _one(facts, "2026-05")
    zh, en = member_month_text(mm, "zh"), member_month_text(mm, "en")
    assert "计划" in zh and "考核" in zh and "通报" in zh
    assert "Plan" in en and "Assessment" in en and "Notice" in en
    # English text carries no Chinese but the names it quotes (the employer, 三会一课)
    stripped = en.replace(mm.employer_unit or "", "").replace("三会一课", "")
    assert not re.search(r"[\u4e00-\u9fff]", stripped)
    assert len(cycle_table([mm], "en").splitlines()) == 3


def test_other_categories_are_skipped_and_named_members_must_be_in_service() -> None:
    base = dict(branch_id="B1", status="formal", joined_on="2010-01-01", birth_year=1980)
    retired = MemberFacts(Member(member_id="R1", category="retired", **base))
    serving = MemberFacts(Member(member_id="S1", category="in_service", **base))
    assert [m.member_id for m in reporting_cycle([retired, serving], "2026-05", RS).members] == ["S1"]
    with pytest.raises(ParameterError, match="not in service"):
        reporting_cycle([retired, serving], "2026-05", RS, member_ids=["R1"])
    with pytest.raises(ParameterError, match="not in the population"):
        reporting_cycle([serving], "2026-05", RS, member_ids=["X9"])
    with pytest.raises(ParameterError, match="unknown reporting parameter"):
        reporting_cycle([serving], "2026-05", RS, community_activities=2)


def test_row_has_every_item_and_the_cycle_parameter_is_sourced() -> None:
    m = Member(member_id="S1", category="in_service", branch_id="B1", status="formal", joined_on="2010-01-01",
               birth_year=1980)
    row = reporting_cycle([MemberFacts(m)], "2026-05", RS).rows()[0]
    for key in ITEM_KEYS:
        assert {f"{key}_target", f"{key}_actual", f"{key}_status"} <= set(row)
    assert row["has_record"] is False and row["items_no_record"] == len(ITEM_KEYS)
    for default, zh, en, source in PARAMS.values():
        assert default > 0 and zh and en and source.startswith("002:")


def test_eight_systems_three_named_and_five_left_unnamed() -> None:
    assert [s.number for s in SYSTEMS] == list(range(1, 9))
    named = [s for s in SYSTEMS if "not named" not in s.en]
    assert [s.zh for s in named] == ["双重管理制度", "双向反馈制度", "定期例会制度"]
    # nothing is claimed as fully covered: the seed's systems are at most partly modelled
    assert all(s.coverage in ("partial", "not_modelled") for s in SYSTEMS)
    assert all(s.quote.startswith("002:") for s in SYSTEMS)
