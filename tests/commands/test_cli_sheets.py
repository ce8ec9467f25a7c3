"""Spreadsheets from the command line: the monthly template filled as a spreadsheet program would and scored, the
sample population generated as files and run through a year, result tables as workbooks and Excel-ready CSV."""

from __future__ import annotations

import csv
import json

import openpyxl
import pytest

from partyrules.cli import main
from partyrules.cycle.tables import write_tables
from partyrules.population.io import read_population

SIZES = ["--members", "12", "--organisations", "3", "--communities", "1"]


def _fill_second_subject(path, old: str, new: str) -> None:
    """What a secretary does in a spreadsheet program: copy the example row below itself and give it a new id."""
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        if ws.sheet_state == "hidden" or ws.max_row < 2 or ws["A2"].value is None:
            continue
        for j, cell in enumerate(ws[2], start=1):
            value = new if cell.value == old else cell.value
            ws.cell(row=3, column=j, value=value)
    wb.save(path)


@pytest.mark.parametrize(("kind", "lang"), [("member", "zh"), ("branch", "en")])
def test_the_template_has_notes_drop_downs_an_example_and_a_frozen_header_and_reads_back(tmp_path, kind, lang):
    out = tmp_path / f"{kind}.xlsx"
    assert main(["template", "--kind", kind, "--lang", lang, str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    subjects = wb["subjects"]
    assert subjects.freeze_panes == "A2"
    header = [c.value for c in subjects[1]]
    assert header[0] == ("对象编号" if lang == "zh" else "subject_id")
    assert all(c.comment is not None and "(" in c.comment.text for c in subjects[1])
    records = wb["records"]
    assert records.data_validations.dataValidation  # yes/no drop-downs on every flag of the month
    if kind == "member":
        cat = header.index("党员类别") + 1
        ranges = [str(dv.sqref) for dv in subjects.data_validations.dataValidation]
        letter = openpyxl.utils.get_column_letter(cat)
        assert any(r.startswith(f"{letter}2:") for r in ranges)
    example_id = subjects["A2"].value
    assert example_id
    _fill_second_subject(out, example_id, "NEW-1")
    read = read_population(out)
    assert read.problems == [] and read.population.subject_ids == [example_id, "NEW-1"]


def test_a_filled_member_template_is_scored(tmp_path, capsys):
    book = tmp_path / "branch-2026-03.xlsx"
    assert main(["template", "--kind", "member", str(book)]) == 0
    _fill_second_subject(book, openpyxl.load_workbook(book)["subjects"]["A2"].value, "M-2026-0001")
    code = main(["year", str(book), "--year", "2026", "--out", str(tmp_path / "t")])
    assert code == 0, capsys.readouterr().err
    with (tmp_path / "t" / "members.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["subject_id"] for r in rows][-1] == "M-2026-0001" and all(float(r["score"]) > 0 for r in rows)


def test_generate_then_year_on_workbooks_and_csv_gives_the_tables_of_json_lines(tmp_path, capsys):
    outs = {}
    for fmt in ("jsonl", "xlsx", "csv"):
        gen = tmp_path / fmt
        assert main(["generate", str(gen), "--format", fmt, "--seed", "7", *SIZES]) == 0
        files = ([str(gen / f"{n}.{fmt}") for n in ("members", "branches", "communities")] if fmt != "csv"
                 else [str(gen / n) for n in ("members", "branches", "communities")])
        out = tmp_path / f"t-{fmt}"
        assert main(["year", *files, "--year", "2026", "--out", str(out)]) == 0, capsys.readouterr().err
        outs[fmt] = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    assert outs["xlsx"] == outs["jsonl"] == outs["csv"]
    assert len(outs["jsonl"]["members.csv"].splitlines()) == 13


def test_a_bad_workbook_given_to_year_is_an_error_line_not_a_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook", encoding="utf-8")
    code = main(["year", str(bad), "--year", "2026", "--out", str(tmp_path / "t")])
    err = capsys.readouterr().err
    # a file that cannot be read at all is exit 1 with one line, as a JSON file that cannot be read is
    assert code == 1 and "not an .xlsx workbook" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_tables_as_xlsx_have_chinese_headers_money_in_yuan_and_a_frozen_header(tmp_path):
    rows = [{"subject_id": "B1", "amount_fen": 174819, "amount_yuan": 1748.19, "tags": ["a", "b"],
             "explanation_zh": "=说明"}]
    [path] = write_tables({"funding": rows}, tmp_path, "xlsx")
    ws = openpyxl.load_workbook(path).active
    assert [c.value for c in ws[1]] == ["对象编号", "金额（元）", "tags", "说明"]
    assert [c.value for c in ws[2]] == ["B1", 1748.19, "a, b", "=说明"]
    assert ws["B2"].number_format == "#,##0.00" and ws.freeze_panes == "A2"
    assert ws["B1"].comment.text.startswith("amount_fen")


def test_csv_tables_have_a_byte_order_mark_and_readable_list_cells(tmp_path):
    [path] = write_tables({"t": [{"subject_id": "M1", "rules": ["r1", "r2"], "说明": "合格"}]}, tmp_path, "csv")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfsubject_id,")
    text = data.decode("utf-8-sig")
    assert '"r1, r2"' in text and "[" not in text and "合格" in text
    assert json.loads(json.dumps(text))  # plain text, whole
