"""partyrules whatif: a reform over a population from files, the tables, the report and the exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import partyrules as pr
from partyrules.cli import main
from partyrules.population import write_population
from partyrules.synthetic import generate_subdistrict

ROOT = Path(__file__).resolve().parents[2]
IN_SERVICE = str(ROOT / "rulesets" / "member-in-service.yaml")
REFORM = str(ROOT / "rulesets" / "reforms" / "organ-volunteering-150.yaml")


@pytest.fixture(scope="module")
def population_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("pop")
    members = [m for m in generate_subdistrict(seed=5).members if m.member.category == "in_service"][:300]
    write_population(pr.facts_to_population(members), d / "tables", "parquet")
    return d / "tables"


def test_whatif_writes_the_comparison_the_library_gives(population_dir, tmp_path, capsys):
    code = main(["whatif", IN_SERVICE, "--reform", REFORM, "--population", str(population_dir), "--out",
                 str(tmp_path / "out"), "--report", str(tmp_path / "r.html"), "--funding-pool", "1000000",
                 "--format", "json"])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    # the same comparison, made with the library
    rs = pr.load_ruleset(IN_SERVICE)
    pop = pr.read_population(population_dir).population
    c = pr.compare(pr.score_population(rs, pop, "2026"),
                   pr.score_population(pr.apply_reform(rs, pr.load_reform(REFORM)), pop, "2026"),
                   funding_pool=1_000_000)
    want = c.summary()
    assert printed["summary"]["moved"] == want["moved"] > 0
    assert printed["summary"]["grade_changed"] == want["grade_changed"]
    assert printed["rows_failed"] == 0
    moved = pl.read_csv(tmp_path / "out" / "moved.csv")
    assert sorted(moved.get_column("subject_id").to_list()) == sorted(c.moved.get_column("subject_id").to_list())
    funding = pl.read_csv(tmp_path / "out" / "funding.csv")
    assert funding.get_column("shift_fen").sum() == 0
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "organ-volunteering-150" in html and "<img" in html


def test_an_invalid_reform_exits_3(population_dir, tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: reform\nname: bad\nset_params:\n  organ_volunteer_hour: 150\n", encoding="utf-8")
    code = main(["whatif", IN_SERVICE, "--reform", str(bad), "--population", str(population_dir)])
    assert code == 3
    err = capsys.readouterr().err
    assert "organ_volunteer_hour" in err and "organ_volunteer_hours" in err


def test_bad_rows_are_named_and_the_rest_compared(population_dir, tmp_path, capsys):
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in population_dir.iterdir():
        table = pl.read_parquet(f)
        if f.stem == "records":
            table = table.with_columns(pl.when(pl.int_range(pl.len()) == 3).then(-1.0)
                                       .otherwise(pl.col("volunteer_hours")).alias("volunteer_hours"))
        table.write_parquet(broken / f.name)
    code = main(["whatif", IN_SERVICE, "--reform", REFORM, "--population", str(broken), "--format", "json"])
    assert code == 10
    out = capsys.readouterr()
    assert "records.parquet:4" in out.err and "volunteer_hours: -1.0 is below 0" in out.err
    assert json.loads(out.out)["summary"]["subjects"] == 299


def test_findings_in_chinese(population_dir, capsys):
    code = main(["whatif", IN_SERVICE, "--reform", REFORM, "--population", str(population_dir), "--lang", "zh",
                 "--format", "json"])
    assert code == 0
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert findings and any("党员" in f for f in findings)


def test_the_title_counts_the_subjects_the_rule_set_applies_to(tmp_path, capsys):
    # regression: the title counted every member read (retired and new citizens too) while the summary below it
    # counted the in-service members the rule set applies to
    members = generate_subdistrict(seed=5).members[:240]
    applies = sum(1 for m in members if m.member.category == "in_service")
    assert 0 < applies < len(members)
    write_population(pr.facts_to_population(members), tmp_path / "mixed", "parquet")
    code = main(["whatif", IN_SERVICE, "--reform", REFORM, "--population", str(tmp_path / "mixed"),
                 "--lang", "en", "--no-progress"])
    assert code == 0
    out = capsys.readouterr().out
    title = out.splitlines()[0]
    assert f"over {applies:,} subjects" in title, title
    assert f"over {len(members):,} subjects" not in title


def test_every_grouping_and_funding_by_community_from_the_command_line(tmp_path, capsys):
    sd = generate_subdistrict(seed=5)
    members = [m for m in sd.members if m.member.category == "in_service"][:200]
    write_population(pr.facts_to_population(members), tmp_path / "members", "parquet")
    write_population(pr.facts_to_population(sd.branches), tmp_path / "branches", "parquet")
    args = ["whatif", IN_SERVICE, "--reform", REFORM, "--population", str(tmp_path / "members"),
            "--funding-pool-yuan", "10000", "--by", "category", "--by", "community", "--by", "branch",
            "--lang", "zh", "--no-progress"]
    # without the branches there is no community: a usage error that says which option gives one
    assert main(args) == 2
    assert "--branches" in capsys.readouterr().err
    code = main([*args, "--branches", str(tmp_path / "branches"), "--out", str(tmp_path / "out"),
                 "--report", str(tmp_path / "r.html")])
    assert code == 0
    capsys.readouterr()
    by_group = pl.read_csv(tmp_path / "out" / "funding_by_group.csv")
    assert set(by_group["by"]) == {"all", "category", "community", "branch_id"}
    community = by_group.filter(pl.col("by") == "community")
    # each member's community is the organisation above their branch, as the sub-district says
    want = {f"{sd.community_of_branch[m.member.branch_id]}-PO" for m in members}
    assert set(community["group"]) == want
    assert community["base_fen"].sum() == community["reform_fen"].sum() == 1_000_000
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    for heading in ("按党员类别分组", "按所在社区分组", "按所在支部分组"):
        assert heading in html
