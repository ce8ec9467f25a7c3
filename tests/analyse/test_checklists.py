"""照单验收 and 责任区 per branch: the report counts each branch's and its members' items of the period, an item
accepted after the period's end is not accepted in it, links and SC10 are the library's own findings, and the
command reports them in both languages with its exit codes."""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import partyrules as pr
from partyrules.analyse.checklists import checklist_report
from partyrules.cli import main
from partyrules.cycle.quarterly import facts_for_period, quarters
from partyrules.facts import ChecklistItem
from partyrules.facts.links import checklist_links
from partyrules.synthetic import SubDistrict, generate_subdistrict
from partyrules.synthetic.duties import add_duties

YEAR = 2026
BRANCH = pr.load_ruleset(pr.shipped_ruleset_path("branch"))
PERIODS = [*quarters(YEAR), pr.Period.year(YEAR)]


@cache
def area() -> SubDistrict:
    return add_duties(generate_subdistrict(seed=8, communities=3, organisations=10, members=150), seed=8)


@pytest.mark.parametrize("period", PERIODS, ids=str)
def test_the_report_counts_the_periods_items_of_each_branch_and_its_members(period: pr.Period) -> None:
    a = area()
    report = checklist_report(a.members, a.branches, period, BRANCH)
    assert [r.branch_id for r in report.branches] == [b.subject_id for b in a.branches]
    start, end = period.start_date, period.end_date
    for row, b in zip(report.branches, a.branches, strict=True):
        mine = [m for m in a.members if m.member.branch_id == row.branch_id]
        due = [i for i in (*b.branch.checklist, *(i for m in mine for i in m.member.checklist))
               if i.due is None or start <= i.due <= end]
        assert row.branch_items + row.member_items == len(due)
        assert row.accepted == sum(1 for i in due if i.accepted and (i.accepted_on is None or i.accepted_on <= end))
        assert row.accepted_late <= row.accepted
        sc10 = any(w.id == "SC10" for w in pr.evaluate(BRANCH, facts_for_period(b, period), period=period).warnings)
        assert row.missing_named_task is sc10
    assert sum(r.broken_links for r in report.branches) == len(report.broken)
    assert report.broken == checklist_links(a.members, a.branches)


@settings(max_examples=25, deadline=None)
@given(day=st.integers(0, 364), lag=st.integers(0, 120))
def test_an_item_accepted_after_the_periods_end_is_not_accepted_in_it(day: int, lag: int) -> None:
    done = date(YEAR, 1, 1) + timedelta(days=day)
    accepted_on = done + timedelta(days=lag)
    branch = area().branches[0]
    item = ChecklistItem(item_id="X1", text="事项", due=done, responsible_id="M000001", done_on=done, accepted=True,
                         accepted_by="SEC", accepted_on=accepted_on)
    one = branch.model_copy(update={"branch": branch.branch.model_copy(update={"checklist": (item,)})})
    for period in PERIODS:
        row = checklist_report([], [one], period).branches[0]
        in_period = period.start_date <= done <= period.end_date
        assert row.branch_items == int(in_period)
        assert row.accepted == int(in_period and accepted_on <= period.end_date)
        assert row.missing_named_task is None  # no rule set given: not read


def test_the_command_on_the_demo_in_both_languages(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checklists", "--demo", "--lang", "zh", "--period", "2026-Q2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("照单验收与责任区, 2026-Q2") and "缺点名任务(SC10)" in out
    assert main(["checklists", "--demo", "--lang", "en", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["period"] == "2026" and len(data["branches"]) == 175
    assert sum(b["missing_named_task"] for b in data["branches"]) == 6  # as the demo tells


def test_the_commands_refusals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checklists"]) == 2
    assert "--demo" in capsys.readouterr().err
    assert main(["checklists", "--demo", "--ruleset", "community"]) == 3
    assert "not branch" in capsys.readouterr().err
    a = area()
    path = tmp_path / "facts.jsonl"
    path.write_text("\n".join([a.branches[0].model_dump_json(), "{not json", a.members[0].model_dump_json()]) + "\n",
                    encoding="utf-8")
    assert main(["checklists", str(path), "--format", "csv", "--lang", "en"]) == 10
    out, err = capsys.readouterr()
    assert out.splitlines()[1].startswith(a.branches[0].subject_id) and "row 2" in err
