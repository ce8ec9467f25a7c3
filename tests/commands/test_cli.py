"""The command line: exit codes, formats, and that a bad row never loses the others."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from partyrules.cli import main
from partyrules.demo import example_ruleset_path
from partyrules.errors import ParameterError
from partyrules.synthetic import generate_member_facts

EXAMPLE = str(example_ruleset_path())


def test_validate_valid_file_exits_zero(capsys):
    assert main(["validate", EXAMPLE]) == 0
    assert "1 of 1 rule set valid" in capsys.readouterr().err


def test_validate_reports_every_problem_with_location(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    text = Path(EXAMPLE).read_text(encoding="utf-8").replace("volunteer_hours)", "volunter_hours)", 1)
    text = text.replace("points: 20\n    ratio:", "points: 20\n    ratoi:", 1)
    bad.write_text(text, encoding="utf-8")
    (tmp_path / "member-vetoes.yaml").write_text(
        (Path(EXAMPLE).parent / "member-vetoes.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["validate", str(bad)]) == 3
    out = capsys.readouterr().out.splitlines()
    assert any(line.startswith(f"{bad}:") and "RS200" in line and "ratoi" in line for line in out), out


def test_validate_json_format(tmp_path, capsys):
    bad = tmp_path / "x.yaml"
    bad.write_text("id: x\n", encoding="utf-8")
    assert main(["validate", "--format", "json", str(bad)]) == 3
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False
    codes = {d["code"] for f in report["files"] for d in f["diagnostics"]}
    assert codes == {"RS200"}


def test_inspect_json_counts_include_fragments(capsys):
    assert main(["inspect", EXAMPLE, "--format", "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert {k: info[k] for k in ("id", "dimensions", "standards", "deductions", "vetoes", "max_points")} == {
        "id": "example-member", "dimensions": 2, "standards": 5, "deductions": 3, "vetoes": 2, "max_points": 100.0}


def test_inspect_param_override_changes_hash(capsys):
    main(["inspect", EXAMPLE, "--format", "json"])
    base = json.loads(capsys.readouterr().out)
    main(["inspect", EXAMPLE, "--format", "json", "--param", "organ_volunteer_hours=150"])
    reform = json.loads(capsys.readouterr().out)
    assert reform["params"]["organ_volunteer_hours"] == 150
    assert reform["content_hash"] != base["content_hash"]


def test_inspect_unknown_param_is_usage_error(capsys):
    assert main(["inspect", EXAMPLE, "--param", "organ_volunter_hours=1"]) == 2
    assert "organ_volunteer_hours" in capsys.readouterr().err


def _population_file(tmp_path: Path) -> Path:
    members = generate_member_facts(3, seed=5, category="in_service")
    rows = [m.model_dump_json() for m in members]
    bad = json.loads(rows[1])
    bad["records"][0]["volunteer_hours"] = -3
    rows[1] = json.dumps(bad)
    path = tmp_path / "pop.jsonl"
    path.write_text("\n".join([rows[0], rows[1], "{not json", rows[2]]) + "\n", encoding="utf-8")
    return path


def test_score_reports_bad_rows_and_scores_the_rest(tmp_path, capsys):
    path = _population_file(tmp_path)
    assert main(["score", "--ruleset", EXAMPLE, "--facts", str(path), "--period", "2026"]) == 10
    captured = capsys.readouterr()
    scored = [json.loads(line) for line in captured.out.splitlines() if line.strip()]
    assert [b["subject_id"] for b in scored] == ["M000001", "M000003"]
    assert "row 2" in captured.err and "records.0.volunteer_hours" in captured.err and "-3" in captured.err
    assert "row 3" in captured.err and "not valid JSON" in captured.err


@pytest.mark.parametrize("fmt,needle", [("text", "Total"), ("markdown", "| Dimension |")])
def test_score_human_formats(tmp_path, capsys, fmt, needle):
    members = generate_member_facts(1, seed=2, category="in_service")
    path = tmp_path / "one.json"
    path.write_text(members[0].model_dump_json(), encoding="utf-8")
    assert main(["score", "--ruleset", EXAMPLE, "--facts", str(path), "--format", fmt, "--lang", "en"]) == 0
    assert needle in capsys.readouterr().out


def test_schema_lists_and_prints(capsys):
    assert main(["schema", "--list"]) == 0
    names = capsys.readouterr().out.split()
    assert {"Member", "Branch", "Community", "Grid", "Incident", "MemberMonthRecord"} <= set(names)
    assert main(["schema", "Incident"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "verified" in schema["properties"] and "evidence_ref" in schema["properties"]
    assert main(["schema", "Membr"]) == 2
    assert "Member" in capsys.readouterr().err


def test_demo_scores_the_sample_subdistrict_with_the_shipped_rule_sets(capsys):
    assert main(["demo", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "19 communities, 175 Party organisations, 2972 members" in out
    assert "scored 3166 subjects" in out  # 2,972 members + 175 branches + 19 communities, none failed
    for needle in ("Annual grades", "Branch ranking", "Member ranking", "One member's explained breakdown",
                   "One branch's explained breakdown", "branch-combat-effectiveness", "community-six-star",
                   "Warning list", "Priority list", "Pairings", "funds of 500000.00 yuan", "total 500000.00 yuan",
                   "Six-star targets", "quota", "Grid organisation", "Award and cadre recommendations",
                   "monthly cycle", "Checklist acceptance", "Mobile members", "Year-end post appraisal"):
        assert needle in out


def test_effective_dates_are_enforced():
    import partyrules as pr

    rs = pr.load_ruleset(EXAMPLE)  # effective from 2026-01-01
    member = generate_member_facts(1, seed=4, category="in_service", year=2025)[0]
    with pytest.raises(pr.EvaluationError, match="effective 2026-01-01"):
        pr.evaluate(rs, member, period="2025")


def test_parameter_choices_are_enforced():
    import partyrules as pr

    text = Path(EXAMPLE).read_text(encoding="utf-8").replace(
        "  lapse_months: 6", "  lapse_months: 6\n  reading: {value: per_team, choices: [per_team, total]}")
    rs = pr.loads_ruleset(text, root=Path(EXAMPLE).parent)
    assert rs.with_params(reading="total").params["reading"] == "total"
    with pytest.raises(ParameterError, match="not one of") as info:
        rs.with_params(reading="per_teams")
    assert info.value.hint == "did you mean 'per_team'?"
    with pytest.raises(pr.RuleSetError, match="not one of its choices"):
        pr.loads_ruleset(text.replace("value: per_team,", "value: per_tem,"), root=Path(EXAMPLE).parent)
