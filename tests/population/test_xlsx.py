"""Populations in .xlsx workbooks: a round trip keeps every table, a bad cell is named at its sheet!cell while
every other subject is read, and hostile workbooks are typed errors, never tracebacks."""

from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partyrules.errors import FactError, PartyRulesError, PopulationError
from partyrules.facts.enums import MemberCategory
from partyrules.population.frames import facts_to_population
from partyrules.population.io import read_population, write_population
from partyrules.population.io.headers import header_map, headers
from partyrules.population.io.xlsx_read import CellProblem, read_workbook
from partyrules.synthetic.branches import generate_branch_facts
from partyrules.synthetic.members import generate_member_facts

SLOW = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# text a person types: Chinese, Latin, the list separators, quotes, a leading "=" (text, never a formula)
TEXT = st.text(alphabet="党员网格a Z0=、,;[]\"'", min_size=1, max_size=12)


def _same(a, b) -> None:
    assert a.subject_kind == b.subject_kind
    for name, table in a.tables.items():
        assert table.equals(b.tables[name]), name


def _letter(kind: str, table: str, column: str) -> str:
    names = [h.name for h in headers(kind, table)]
    return openpyxl.utils.get_column_letter(names.index(column) + 1)


@SLOW
@given(n=st.integers(1, 3), seed=st.integers(0, 10_000), unit=TEXT.filter(str.strip),
       items=st.lists(TEXT.map(str.strip).filter(bool), max_size=4, unique=True),
       category=st.sampled_from([c for c in MemberCategory if c != MemberCategory.MOBILE]))
def test_a_member_population_written_to_xlsx_reads_back_equal(tmp_path, n, seed, unit, items, category):
    people = generate_member_facts(n, seed=seed, category=category)
    first = people[0]
    people[0] = first.model_copy(update={"member": first.member.model_copy(
        update={"employer_unit": unit, "linked_household_ids": tuple(items)})})
    pop = facts_to_population(people, "member")
    path = write_population(pop, tmp_path / f"m{seed}.xlsx", format="xlsx")
    read = read_population(path)
    assert read.problems == []
    _same(pop, read.population)


@SLOW
@given(n=st.integers(1, 3), seed=st.integers(0, 10_000))
def test_a_branch_population_written_to_xlsx_reads_back_equal(tmp_path, n, seed):
    pop = facts_to_population(generate_branch_facts(n, seed=seed), "branch")
    read = read_population(write_population(pop, tmp_path / f"b{seed}.xlsx", format="xlsx"))
    assert read.problems == []
    _same(pop, read.population)


@SLOW
@given(seed=st.integers(0, 10_000), pick=st.integers(0, 10**6),
       column=st.sampled_from(["volunteer_hours", "community_activities", "dues_paid_on_time", "month"]))
def test_one_corrupted_cell_is_named_at_its_cell_and_every_other_subject_is_read(tmp_path, seed, pick, column):
    people = generate_member_facts(3, seed=seed)
    pop = facts_to_population(people, "member")
    path = write_population(pop, tmp_path / f"c{seed}.xlsx", format="xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["records"]
    row = 2 + pick % (ws.max_row - 1)
    victim = ws.cell(row=row, column=1).value
    cell = f"{_letter('member', 'records', column)}{row}"
    ws[cell] = "not a value"
    wb.save(path)
    read = read_population(path)
    assert len(read.problems) == 1
    problem = read.problems[0]
    assert isinstance(problem, CellProblem) and str(problem).startswith(f"records!{cell}: ")
    assert problem.subject_id == victim and read.left_out == [victim]
    others = [p.subject_id for p in people if p.subject_id != victim]
    assert read.population.subject_ids == others
    _same(pop.select(others), read.population)


def test_chinese_and_english_headers_both_read(tmp_path):
    pop = facts_to_population(generate_member_facts(2, seed=1), "member")
    path = write_population(pop, tmp_path / "p.xlsx", format="xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["subjects"]
    assert ws["A1"].value == "对象编号" and ws.freeze_panes == "A2"
    ws["B1"] = "member_id"  # English for one column, Chinese for the others
    wb.save(path)
    read = read_population(path)
    assert read.problems == []
    _same(pop, read.population)


def _write(tmp_path, name="p.xlsx"):
    pop = facts_to_population(generate_member_facts(2, seed=3), "member")
    return pop, write_population(pop, tmp_path / name, format="xlsx")


def test_an_unknown_header_is_named_with_a_did_you_mean_and_its_table_is_not_read(tmp_path):
    _, path = _write(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["subjects"]
    letter = _letter("member", "subjects", "category")
    assert ws[f"{letter}1"].value == "党员类别"
    ws[f"{letter}1"] = "党员类另"
    wb.save(path)
    read = read_population(path)
    text = [str(p) for p in read.problems]
    assert any(t.startswith(f"subjects!{letter}1: unknown header '党员类另' (did you mean '党员类别'?)") for t in text)
    # the column meant is absent: no subject is scored on a value nobody gave
    assert len(read.population) == 0


def test_a_missing_subjects_sheet_is_a_typed_error(tmp_path):
    _, path = _write(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["subjects"].title = "subject"
    wb.save(path)
    with pytest.raises(FactError, match=r"no sheet 'subjects'.*did you mean 'subject'"):
        read_population(path)


def test_an_unknown_sheet_is_reported_and_the_rest_read(tmp_path):
    _, path = _write(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["incidents"].title = "incident"
    wb.save(path)
    read = read_population(path)
    assert any(str(p).startswith("incident: unknown sheet 'incident' (did you mean 'incidents'?)")
               for p in read.problems)
    assert "incidents" in read.population.absent


def test_a_formula_is_never_evaluated_its_cell_named_and_its_subject_left_out(tmp_path):
    _, path = _write(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["records"]
    letter = _letter("member", "records", "community_activities")
    ws[f"{letter}5"] = "=1+1"
    victim = ws["A5"].value
    wb.save(path)
    read = read_population(path)
    assert [str(p).split(":")[0] for p in read.problems] == [f"records!{letter}5"]
    assert "formula" in read.problems[0].reason and read.left_out == [victim]
    assert victim not in read.population.subject_ids and len(read.population) == 1


def test_a_huge_workbook_is_refused_at_the_cell_where_the_bound_is_reached(tmp_path):
    _, path = _write(tmp_path)
    with pytest.raises(PopulationError, match=r"![A-Z]+\d+: the workbook has more cells than the limit"):
        read_workbook(path, max_cells=500)
    with pytest.raises(FactError, match="more than the limit"):
        read_population(path, max_bytes=100)


@pytest.mark.parametrize("content", [b"subject_id,member_id\nM1,M1\n", b"PK\x03\x04 broken", b""])
def test_a_file_that_is_not_a_workbook_is_a_typed_error(tmp_path, content):
    path = tmp_path / "x.xlsx"
    path.write_bytes(content)
    with pytest.raises(PopulationError, match=r"not an \.xlsx workbook"):
        read_population(path)


def test_a_zip_that_is_not_a_workbook_is_a_typed_error(tmp_path):
    path = tmp_path / "z.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(PartyRulesError, match=r"not an \.xlsx workbook"):
        read_population(path)


def test_every_header_of_every_table_is_unique_and_chinese_where_labelled():
    for kind in ("member", "branch", "community"):
        from partyrules.population.frames import layout

        for table in layout(kind):
            hs = headers(kind, table)
            assert len({h.zh for h in hs}) == len(hs)
            assert all(header_map(kind, table)[h.zh] is h for h in hs)
            # every header a secretary reads is Chinese, not a column name
            assert all(re.search(r"[\u4e00-\u9fff]", h.zh) for h in hs), [h.zh for h in hs]
