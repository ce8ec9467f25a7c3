"""``partyrules outlook``: the June warning list of a population file, as a table, CSV and JSON, in Chinese and
English, and one member explained."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from partyrules.cli import main


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few demo members (every category) as JSON lines: the command reads population files like the others."""
    from partyrules.synthetic import generate_subdistrict

    members = generate_subdistrict(seed=2026).members
    chosen = [m for cat in ("in_service", "retired", "new_citizen")
              for m in [x for x in members if x.member.category.value == cat][:5]]
    path = tmp_path_factory.mktemp("outlook") / "members.jsonl"
    path.write_text("".join(m.model_dump_json() + "\n" for m in chosen), encoding="utf-8")
    return path


def test_json_counts_and_rows(population: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["outlook", str(population), "--as-of", "2026-06", "--format", "json", "--all"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["as_of"] == "2026-06"
    assert sum(sum(c.values()) for c in out["counts"].values()) == 15
    assert len(out["rows"]) == 15
    for r in out["rows"]:
        assert r["lowest"] <= r["keeps"] <= r["highest"]
        assert r["status"] in ("secure", "on_track", "at_risk", "out_of_reach")
    assert all(set(c) == {"secure", "on_track", "at_risk", "out_of_reach"} for c in out["counts"].values())


def test_csv_lists_only_the_warning_list(population: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["outlook", str(population), "--as-of", "2026-10", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert all(r["status"] in ("at_risk", "out_of_reach") for r in rows)  # on track is counted, not listed


def test_table_in_both_languages(population: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["outlook", str(population), "--as-of", "2026-06"]) == 0
    zh = capsys.readouterr().out
    assert "截至 2026-06 的年度展望" in zh and "有风险" in zh and "按要求参加即可" in zh
    assert main(["outlook", str(population), "--as-of", "2026-06", "--lang", "en"]) == 0
    en = capsys.readouterr().out
    assert "Outlook as of 2026-06" in en and "at risk" in en and "on track" in en


def test_one_member_explained(population: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = json.loads(population.read_text(encoding="utf-8").splitlines()[0])["member"]["member_id"]
    assert main(["outlook", str(population), "--as-of", "2026-06", "--subject", first, "--lang", "en"]) == 0
    text = capsys.readouterr().out
    assert f"Outlook of {first}" in text and "Year's total: between" in text


def test_usage_errors(population: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["outlook", "--as-of", "2026-06"]) == 2
    assert main(["outlook", str(population), "--as-of", "2026-13"]) == 2
    assert main(["outlook", str(population), "--as-of", "2026-06", "--subject", "NOBODY"]) == 2


def test_the_demo_section_shows_the_june_counts(capsys: pytest.CaptureFixture[str]) -> None:
    from partyrules.cycle.year import shipped_rulesets
    from partyrules.demo import _outlook_section
    from partyrules.synthetic import generate_subdistrict

    area = generate_subdistrict(seed=2026)
    _outlook_section(area, shipped_rulesets(), "en")
    out = capsys.readouterr().out
    assert "Mid-year outlook (as of 2026-06)" in out
    counts = re.compile(r": secure \d+, on track \d+, at risk \d+, out of reach \d+$")  # four counts per index
    lines = [ln for ln in out.splitlines() if counts.search(ln)]
    assert len(lines) == 3  # one line per member index
    total = sum(int(n) for ln in lines for n in ln.replace(",", " ").split() if n.isdigit())
    assert total == sum(1 for m in area.members)  # every member is scored by exactly one index
