"""``partyrules test``: every failing case shown side by side, rule coverage, the empty and coverage gates,
JUnit XML, and distinct exit codes (0 passed, 3 invalid, 4 failed).

The fixtures are in tests/rulesets/cases/: tiny.yaml (a small member index), tiny.test.yaml (one passing case and
two that fail on purpose), empty.test.yaml (no cases) and invalid.test.yaml (two invalid cases and a valid one).
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from partyrules.cli import main
from partyrules.testing.cases import discover

ROOT = Path(__file__).resolve().parents[2]
CASES = "tests/rulesets/cases"
TINY = f"{CASES}/tiny.test.yaml"


@pytest.fixture(autouse=True)
def _at_root(monkeypatch):
    monkeypatch.chdir(ROOT)  # the report shows paths as given: relative paths keep the expected text exact


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["test", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _json(capsys, *argv: str) -> tuple[int, dict]:
    code, out, _ = _run(capsys, *argv, "--format", "json")
    return code, json.loads(out)


def _copy_tiny(tmp_path: Path, cases: int | None) -> Path:
    """tiny.yaml in tmp_path, with a case file of its first ``cases`` cases (no case file when None)."""
    shutil.copy(ROOT / CASES / "tiny.yaml", tmp_path / "tiny.yaml")
    if cases is not None:
        text = (ROOT / TINY).read_text(encoding="utf-8")
        head, _, rest = text.partition("cases:\n")
        blocks = rest.split("\n\n")
        (tmp_path / "tiny.test.yaml").write_text(head + "cases:\n" + "\n\n".join(blocks[:cases]) + "\n",
                                                 encoding="utf-8")
    return tmp_path / "tiny.yaml"


def test_every_failing_case_is_shown_with_only_what_differs(capsys):
    code, out, err = _run(capsys, TINY)
    assert code == 4
    expected = f"""\
FAIL {TINY}:14:5: case 'three complaints are capped at 10'
    assertion   expected  actual
    total       85        80
    line TY.K1  -15       -10     capped; before cap 15; counted incident:I1, incident:I2, incident:I3
FAIL {TINY}:22:5: case 'a crisis retreat vetoes the member'
    assertion  expected   actual
    grade      excellent  unqualified
    vetoed     false      true
    vetoes     []         [TY.V1]      unexpected TY.V1
"""
    assert out.startswith(expected), out
    assert "the base member scores 90" not in out  # passing cases are not listed
    assert "1 of 3 cases passed in 1 rule set" in err


def test_json_lists_each_mismatch_with_expected_and_actual(capsys):
    code, report = _json(capsys, TINY)
    assert code == 4 and report["exit_code"] == 4 and report["passed"] is False
    (suite,) = report["rulesets"]
    cases = {c["name"]: c for c in suite["cases"]}
    assert [c["outcome"] for c in suite["cases"]] == ["passed", "failed", "failed"]
    capped = cases["three complaints are capped at 10"]
    assert (capped["file"], capped["line"], capped["column"]) == (TINY, 14, 5)
    assert [(m["what"], m["expected"], m["actual"]) for m in capped["mismatches"]] == [
        ("total", 85, 80.0), ("line TY.K1", -15, -10.0)]
    veto = cases["a crisis retreat vetoes the member"]
    assert [(m["what"], m["expected"], m["actual"]) for m in veto["mismatches"]] == [
        ("grade", "excellent", "unqualified"), ("vetoed", False, True), ("vetoes", [], ["TY.V1"])]
    assert report["summary"] == {"rulesets": 1, "cases": 3, "passed": 1, "failed": 2, "invalid": 0}


def test_coverage_matches_a_hand_count(capsys):
    # 9 items: standards S1 S2 S3, deductions K1 K2, caps of K1 and K2, veto V1, check C1.
    # The base case earns S1 and S2; three complaints take K1 up to its cap; the crisis retreat fires V1.
    # Nothing commends the member (S3), gambles (K2) or lacks a card (C1): 5 of 9.
    _, report = _json(capsys, TINY)
    cov = report["rulesets"][0]["coverage"]
    assert (cov["covered"], cov["total"], cov["percent"]) == (5, 9, 55.56)
    assert cov["missing"] == {"standards": ["TY.S3"], "deductions": ["TY.K2"], "deduction_caps": ["TY.K2"],
                              "vetoes": [], "checks": ["TY.C1"]}
    assert cov["by_kind"]["deduction_caps"] == {"covered": 1, "total": 2}


def test_min_coverage_gate(tmp_path, capsys):
    ruleset = _copy_tiny(tmp_path, cases=1)  # only the passing base case: S1 and S2, 2 of 9 = 22.22%
    code, report = _json(capsys, str(ruleset), "--min-coverage", "22")
    assert code == 0 and report["rulesets"][0]["coverage"]["percent"] == 22.22
    code, out, _ = _run(capsys, str(ruleset), "--min-coverage", "23")
    assert code == 4
    assert "gate failed: tiny-member: rule coverage 22.22% is below --min-coverage 23% (2 of 9 covered)" in out
    assert "not exercised: standards: TY.S3" in out


def test_min_coverage_must_be_a_percentage(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["test", TINY, "--min-coverage", "120"])
    assert exc.value.code == 2
    assert "a percentage from 0 to 100" in capsys.readouterr().err


def test_fail_on_empty_for_an_empty_case_file(capsys):
    assert _run(capsys, f"{CASES}/empty.test.yaml")[0] == 0
    code, out, _ = _run(capsys, f"{CASES}/empty.test.yaml", "--fail-on-empty")
    assert code == 4
    assert f"gate failed: {CASES}/empty.test.yaml: the case file has no cases" in out


def test_fail_on_empty_for_a_rule_set_without_case_file(tmp_path, capsys):
    ruleset = _copy_tiny(tmp_path, cases=None)
    assert _run(capsys, str(ruleset))[0] == 0
    code, report = _json(capsys, str(ruleset), "--fail-on-empty")
    assert code == 4
    assert report["gates"] == [{"gate": "fail_on_empty", "ruleset": "tiny-member",
                                "message": f"{ruleset}: no case file names this rule set"}]


def test_invalid_cases_are_reported_with_location_and_the_others_still_run(capsys):
    path = f"{CASES}/invalid.test.yaml"
    code, out, _ = _run(capsys, path)
    assert code == 3
    assert f"{path}:11:14: TC002: unknown key 'totl' in 'expect' (hint: did you mean 'total'?)" in out
    assert f"{path}:13:23: TC005: rule 'TY.K9' is not in rule set tiny-member (hint: did you mean 'TY.K2'?)" in out
    assert f"{path}:13:47: TC003: status 'done' is not a line status" in out
    code, report = _json(capsys, path)
    outcomes = {c["name"]: c["outcome"] for c in report["rulesets"][0]["cases"]}
    assert outcomes == {"a misspelt expectation": "invalid", "a rule the rule set does not have": "invalid",
                        "the one valid case": "passed"}


def test_invalid_rule_set_is_reported_and_other_rule_sets_still_run(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text((ROOT / CASES / "tiny.yaml").read_text(encoding="utf-8").replace("    cap: 40", "    cpa: 40"),
                   encoding="utf-8")
    code, out, _ = _run(capsys, str(bad), TINY)
    assert code == 3  # invalid wins over failed
    assert any(line.startswith(f"{bad}:") and "RS200" in line and "cpa" in line for line in out.splitlines()), out
    assert f"{bad} ({bad}): invalid, no case ran" in out
    assert "tiny-member (tests/rulesets/cases/tiny.yaml): 3 cases, 1 passed, 2 failed" in out


def test_case_file_that_is_not_yaml_or_names_no_rule_set(tmp_path, capsys):
    broken = tmp_path / "broken.test.yaml"
    broken.write_text("ruleset: tiny.yaml\ncases: [\n", encoding="utf-8")
    nameless = tmp_path / "nameless.test.yaml"
    nameless.write_text("cases: []\n", encoding="utf-8")
    code, out, _ = _run(capsys, str(broken), str(nameless))
    assert code == 3
    assert any(line.startswith(f"{broken}:") and "RS100" in line for line in out.splitlines()), out
    assert f"{nameless}:1:1: TC001: a case file needs 'ruleset:'" in out


def test_duplicate_case_names_are_invalid(tmp_path, capsys):
    _copy_tiny(tmp_path, cases=1)
    cases = tmp_path / "tiny.test.yaml"
    cases.write_text(cases.read_text(encoding="utf-8") + "  - name: the base member scores 90\n"
                     "    expect: {total: 90}\n", encoding="utf-8")
    code, out, _ = _run(capsys, str(cases))
    assert code == 3
    assert f"{cases}:12:11: TC004: case name 'the base member scores 90' is used more than once" in out


def test_junit_xml_has_one_suite_per_rule_set_and_the_diff_in_failures(capsys):
    code, out, _ = _run(capsys, TINY, f"{CASES}/invalid.test.yaml", "--format", "junit")
    assert code == 3
    root = ET.fromstring(out.encode("utf-8"))
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "tiny-member"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("6", "2", "2")
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("6", "2", "2")
    cases = {tc.get("name"): tc for tc in suite.findall("testcase")}
    failure = cases["three complaints are capped at 10"].find("failure")
    assert failure is not None
    assert failure.get("message") == "total: expected 85, got 80.0; line TY.K1: expected -15, got -10.0 " \
        "(capped; before cap 15; counted incident:I1, incident:I2, incident:I3)"
    assert failure.text.splitlines()[1].split() == ["total", "85", "80"]
    assert cases["the base member scores 90"].find("failure") is None
    assert cases["a misspelt expectation"].find("error") is not None
    assert cases["three complaints are capped at 10"].get("line") == "14"


def test_junit_reports_gates_as_failures(capsys):
    code, out, _ = _run(capsys, f"{CASES}/empty.test.yaml", "--fail-on-empty", "--format", "junit")
    assert code == 4
    suite = ET.fromstring(out.encode("utf-8")).find("testsuite")
    assert suite is not None and suite.get("failures") == "1"
    gate = suite.find("testcase[@name='gate fail_on_empty']")
    assert gate is not None and gate.find("failure") is not None


def test_a_rule_set_path_finds_the_case_files_beside_it():
    (suite,) = discover([f"{CASES}/tiny.yaml"])
    assert suite.ruleset == Path(f"{CASES}/tiny.yaml")
    assert sorted(s.path.name for s in suite.sources) == ["empty.test.yaml", "invalid.test.yaml", "tiny.test.yaml"]


def test_a_directory_groups_case_files_by_their_rule_set():
    suites = discover(["rulesets"])
    names = {s.ruleset.name: sorted(x.path.name for x in s.sources) for s in suites if s.ruleset is not None}
    assert names["member-retired.yaml"] == ["member-retired.test.yaml"]
    assert "member-vetoes.yaml" not in names  # a fragment is tested through the rule sets that include it


def test_shipped_rule_sets_pass_with_full_coverage(capsys):
    code, report = _json(capsys, "rulesets", "src/partyrules/data/example", "--min-coverage", "100",
                         "--fail-on-empty")
    assert code == 0, [g["message"] for g in report["gates"]]
    assert report["summary"]["failed"] == report["summary"]["invalid"] == 0
    assert all(s["coverage"]["percent"] == 100 for s in report["rulesets"])
