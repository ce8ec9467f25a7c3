"""The README's spreadsheet walk-through, run as written: its shell blocks in bash, the template filled between them
as a spreadsheet program saves it (rows pasted under the Chinese headers, the example row replaced), one cell
filled wrongly; the year's workbook scores the well-filled member as the library scores the same facts and names
the bad cell."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl

from partyrules.cycle.year import run_year
from partyrules.facts.exemplary import exemplary_member
from partyrules.population.frames import facts_to_population
from partyrules.population.io import write_population

README = Path(__file__).resolve().parents[2] / "README.md"
HEADING = "## Fill a workbook, score it / 填表评分"


def walkthrough() -> list[str]:
    text = README.read_text(encoding="utf-8")
    assert HEADING in text, "the README lost its spreadsheet walk-through"
    section = text.split(HEADING, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.*?)```", section, re.S)


def _rename(bundle, new_id: str):
    """The same facts under another member id, as a secretary filling a second row would give them."""
    data = bundle.model_dump(mode="json")
    old = bundle.subject_id
    text = json.dumps(data, ensure_ascii=False).replace(f'"{old}"', f'"{new_id}"')
    return type(bundle).model_validate_json(text)


def _fill(template: Path, rows_from: Path, bad_subject: str) -> str:
    """Paste every row of ``rows_from`` under the template's headers, sheet by sheet, replacing the example row;
    write text into one count cell of ``bad_subject``'s records; return that cell's address."""
    wb, src = openpyxl.load_workbook(template), openpyxl.load_workbook(rows_from)
    bad_cell = ""
    for ws in wb.worksheets:
        if ws.title not in src.sheetnames:
            continue
        headers = [c.value for c in ws[1]]
        ws.delete_rows(2, ws.max_row)
        given = src[ws.title]
        columns = [c.value for c in given[1]]
        for values in given.iter_rows(min_row=2, values_only=True):
            row = dict(zip(columns, values, strict=True))
            ws.append([row.get(h) for h in headers])
            if ws.title == "records" and row["对象编号"] == bad_subject and not bad_cell:
                col = headers.index("参加党员大会次数") + 1
                ws.cell(row=ws.max_row, column=col, value="三次")
                bad_cell = f"records!{ws.cell(row=ws.max_row, column=col).coordinate}"
    wb.save(template)
    return bad_cell


def test_the_spreadsheet_walkthrough_runs_as_written(tmp_path):
    blocks = walkthrough()
    assert len(blocks) == 2 and "partyrules template" in blocks[0] and "partyrules year" in blocks[1]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}

    def run(block: str, code: int = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(["bash", "-c", "set -e\n" + block], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == code, done.stderr
        return done

    run(blocks[0])
    template = tmp_path / "支部-2026.xlsx"
    assert template.is_file()
    good = _rename(exemplary_member("in_service", 2026), "M1")
    bad = _rename(exemplary_member("in_service", 2026), "M2")
    rows = write_population(facts_to_population([good, bad], "member"), tmp_path / "rows.xlsx", format="xlsx")
    bad_cell = _fill(template, rows, "M2")

    done = run(blocks[1], code=10)  # the README's exit status when a member could not be scored
    said = done.stdout + done.stderr
    assert bad_cell and bad_cell in said and "M2" in said

    ws = openpyxl.load_workbook(tmp_path / "结果" / "members.xlsx").active
    header = [c.value for c in ws[1]]
    table = [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert [r[header[0]] for r in table] == ["M1"]  # M2 is left out, with its cell named
    want = run_year([good], year=2026, keep_breakdowns=False).members[0]
    assert table[0]["得分"] == want.score and table[0]["等次"] == want.grade.id
