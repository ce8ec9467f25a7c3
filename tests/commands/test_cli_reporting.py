"""``partyrules reporting``: the in-service members' monthly plan, assessment and notice from a facts file, and
every expected failure as one line with a hint."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from partyrules.cli import main
from partyrules.cycle.reporting import ITEM_KEYS, reporting_cycle
from partyrules.cycle.year import shipped_rulesets
from partyrules.facts import Member, MemberFacts, MemberMonthRecord


def _member(mid: str, category: str = "in_service", **extra: object) -> Member:
    return Member.model_validate({"member_id": mid, "branch_id": "B1", "category": category, "status": "formal",
                                  "joined_on": "2010-01-01", "birth_year": 1980, **extra})


@pytest.fixture()
def facts_file(tmp_path: Path) -> Path:
    bundles = [
        MemberFacts(_member("S1", employer_unit="区税务局", registered_with_community_on="2025-01-10",
                            linked_household_ids=("H1", "H2")),
                    records=(MemberMonthRecord(member_id="S1", month="2026-03", study_sessions_required=1,
                                               study_sessions_attended=1, dues_paid_on_time=True,
                                               community_activities=0, households_contacted=2),)),
        MemberFacts(_member("S2")),  # no record in March
        MemberFacts(_member("R1", "retired")),
    ]
    path = tmp_path / "members.jsonl"
    path.write_text("".join(b.model_dump_json() + "\n" for b in bundles), encoding="utf-8")
    return path


def test_csv_is_the_libraries_flat_table(facts_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reporting", str(facts_file), "--month", "2026-03", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["member_id"] for r in rows] == ["S1", "S2"]  # the retired member is not in the cycle
    assert rows[0]["dues_status"] == "met" and rows[0]["community_status"] == "short"
    assert {rows[1][f"{k}_status"] for k in ITEM_KEYS} == {"no_record"}
    lib = reporting_cycle([MemberFacts.model_validate_json(line) for line in
                           facts_file.read_text(encoding="utf-8").splitlines()], "2026-03",
                          shipped_rulesets()["in_service"]).rows()
    assert rows[0]["study_status"] == lib[0]["study_status"] and len(rows[0]) == len(lib[0])


@pytest.mark.parametrize(("lang", "words"), [("zh", ("计划", "考核", "通报 致区税务局党组织")),
                                             ("en", ("Plan", "Assessment", "Notice to the Party organisation of"))])
def test_text_for_one_member_in_each_language(facts_file: Path, capsys: pytest.CaptureFixture[str], lang: str,
                                              words: tuple[str, ...]) -> None:
    assert main(["reporting", str(facts_file), "--month", "2026-03", "--member", "S1", "--format", "text",
                 "--lang", lang]) == 0
    out = capsys.readouterr().out
    assert all(w in out for w in words) and "S2" not in out


def test_table_and_the_eight_systems(facts_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reporting", str(facts_file), "--month", "2026-03", "--systems", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("member") and "two-way feedback" in out
    assert out.count("(not named in the seed)") == 5


@pytest.mark.parametrize(("argv", "message"), [
    (["--month", "2026-3"], "not a month"),
    (["--month", "2026-03", "--member", "X9"], "not in the population"),
    (["--month", "2026-03", "--member", "R1"], "not in service"),
])
def test_expected_failures_are_one_line_with_a_hint(facts_file: Path, capsys: pytest.CaptureFixture[str],
                                                    argv: list[str], message: str) -> None:
    assert main(["reporting", str(facts_file), *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and "(hint: " in err[0]


def test_no_population_no_in_service_member_and_a_missing_file(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reporting", "--month", "2026-03"]) == 2
    assert "--demo" in capsys.readouterr().err
    only_retired = tmp_path / "retired.jsonl"
    only_retired.write_text(MemberFacts(_member("R1", "retired")).model_dump_json() + "\n", encoding="utf-8")
    assert main(["reporting", str(only_retired), "--month", "2026-03"]) == 2
    assert "no in-service member" in capsys.readouterr().err
    assert main(["reporting", str(tmp_path / "missing.jsonl"), "--month", "2026-03"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "(hint: " in err[0]


def test_a_bad_row_is_named_and_the_others_reported(facts_file: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text(facts_file.read_text(encoding="utf-8") + "{not json}\n", encoding="utf-8")
    assert main(["reporting", str(broken), "--month", "2026-03", "--format", "csv"]) == 10
    captured = capsys.readouterr()
    assert "row 4" in captured.err and captured.out.count("\n") == 3


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_demo_sub_district_as_docs_cycle_shows_it(capsys: pytest.CaptureFixture[str], lang: str) -> None:
    assert main(["reporting", "--demo", "--month", "2026-03", "--member", "M000011", "--format", "text",
                 "--lang", lang]) == 0
    out = capsys.readouterr().out
    # the record of 2026-03 as generated: two of three 三会一课 meetings, so that item is short
    assert ("参加“三会一课”(次): 2/3 未达到" if lang == "zh" else "三会一课 meetings attended: 2/3 short") in out
    assert ("通报 致区税务局党组织" if lang == "zh" else "Notice to the Party organisation of 区税务局") in out
