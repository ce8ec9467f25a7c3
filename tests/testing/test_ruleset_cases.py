"""Runs every YAML test case beside every rule set (rulesets/ and the example shipped in the package), and checks
that the cases exercise every standard, every deduction up to its cap, and every veto."""

from __future__ import annotations

from pathlib import Path

import pytest

from partyrules.rulesets.cases import coverage, iter_cases
from partyrules.testing.cases import run_case

ROOT = Path(__file__).resolve().parents[2]
CASE_FILES = sorted([*ROOT.glob("rulesets/*.test.yaml"), *ROOT.glob("src/partyrules/data/example/*.test.yaml")])


def _params():
    for path in CASE_FILES:
        for cf, index, case in iter_cases(path):
            yield pytest.param(cf, index, case, id=f"{path.stem}::{case.get('name', index)}")


@pytest.mark.parametrize("cf,index,case", list(_params()))
def test_case(cf, index, case):
    result = run_case(cf, index, case)
    assert result.passed, str(result)


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_cases_cover_every_rule(path):
    gaps = {k: v for k, v in coverage(path).items() if v}
    assert not gaps, f"{path.name}: rules no case exercises: {gaps}"


def test_case_files_exist():
    assert any(p.parent.name == "example" for p in CASE_FILES)


def test_a_wrong_expectation_fails(tmp_path):
    example = next(p for p in CASE_FILES if p.parent.name == "example")
    text = example.read_text(encoding="utf-8").replace("expect: {total: 100,", "expect: {total: 99,", 1)
    for name in ("member-example.yaml", "member-vetoes.yaml"):
        (tmp_path / name).write_text((example.parent / name).read_text(encoding="utf-8"), encoding="utf-8")
    broken = tmp_path / "x.test.yaml"
    broken.write_text(text, encoding="utf-8")
    cf, index, case = next(iter_cases(broken))
    result = run_case(cf, index, case)
    assert not result.passed and "total: expected 99, got 100.0" in str(result)
