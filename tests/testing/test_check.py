"""``partyrules check`` and partyrules.testing.check_ruleset: every property, exit codes, the shrunk example as a
YAML test case that reproduces the failure through the cases runner, and bugs monkeypatched into the scorer."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest
import yaml

import partyrules as pr
from partyrules.cli import main
from partyrules.evaluate.reference import ReferenceEvaluator
from partyrules.score.scoring import Scorer
from partyrules.testing import PROPERTIES, check_ruleset
from partyrules.testing.cases import run_case_file

HERE = Path(__file__).parent.parent / "rulesets" / "check"
FALSE_MONOTONE = HERE / "false-monotone.yaml"
VALID = HERE / "valid-small.yaml"
SHIPPED = Path(pr.shipped_ruleset_path("branch")).parent


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["check", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def _printed_cases(text: str) -> list[dict]:
    """The YAML test cases printed after a failing property, read back as a user pasting them would."""
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if "to paste under 'cases:'" in ln) + 1
    block = []
    for ln in lines[start:]:
        if not ln.startswith("    "):
            break
        block.append(ln)
    return yaml.safe_load(textwrap.dedent("\n".join(block)))


def test_a_valid_ruleset_holds_every_property():
    report = check_ruleset(pr.load_ruleset(VALID), max_examples=15)
    assert [r.name for r in report.results] == list(PROPERTIES)
    assert report.passed, [(r.name, r.message) for r in report.failed]
    assert all(r.examples >= 15 for r in report.results)


def test_a_false_monotone_declaration_fails_with_exit_5_and_the_others_pass(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no hypothesis database may appear in the user's directory
    code, out, err = _run(capsys, str(FALSE_MONOTONE), "--max-examples", "20")
    assert code == 5
    assert "FAILED  monotone: raising records.volunteer_hours lowers the total" in out
    for name in PROPERTIES:
        if name != "monotone":
            assert f"ok      {name} (" in out
    assert "0 of 1 rule set held every property" in err
    assert not (tmp_path / ".hypothesis").exists()


def test_the_printed_case_reproduces_the_failure_through_the_cases_runner(capsys, tmp_path):
    code, out, _ = _run(capsys, str(FALSE_MONOTONE), "--max-examples", "20", "--property", "monotone")
    assert code == 5
    cases = _printed_cases(out)
    assert [c["name"] for c in cases] == ["check monotone records.volunteer_hours: before",
                                          "check monotone records.volunteer_hours: after raising it"]
    # paste them into a case file of the rule set, with a base that the cases must override completely
    shutil.copy(FALSE_MONOTONE, tmp_path / "false-monotone.yaml")
    base = {"member": {"member_id": "M1", "branch_id": "B1", "category": "in_service", "status": "formal",
                       "joined_on": "2001-07-01", "birth_year": 1978},
            "record": {"volunteer_hours": 100.0}}
    (tmp_path / "false-monotone.test.yaml").write_text(yaml.safe_dump(
        {"ruleset": "false-monotone.yaml", "period": "2026", "base": base, "cases": cases}, allow_unicode=True),
        encoding="utf-8")
    before, after = run_case_file(tmp_path / "false-monotone.test.yaml")
    assert before.passed, before.problems
    assert not after.passed
    # it fails the same way: the raised facts score below the total the declaration promises
    message = out.splitlines()[1]
    promised = cases[1]["expect"]["total"]
    got = after.breakdown.total
    assert got < promised
    assert f"from {promised} to {got}" in message
    assert any(p.startswith(f"total: expected {promised}") for p in after.problems), after.problems


def test_an_invalid_ruleset_exits_3_and_the_others_are_still_checked(capsys):
    code, out, err = _run(capsys, str(HERE / "invalid.yaml"), str(VALID), "--max-examples", "5")
    assert code == 3
    assert "invalid.yaml:15:11: EX204: unknown name 'volunteer_hourz'" in out
    assert "1 of 1 rule set held every property; 1 invalid" in err


def test_seed_gives_a_random_run(capsys):
    code, out, _ = _run(capsys, str(VALID), "--max-examples", "5", "--seed", "7", "--property", "bounds")
    assert code == 0 and "ok      bounds (5 examples" in out


def test_json_format(capsys):
    code, out, _ = _run(capsys, str(FALSE_MONOTONE), "--max-examples", "10", "--format", "json",
                        "--property", "monotone", "--property", "bounds")
    assert code == 5
    doc = json.loads(out)
    assert doc["passed"] is False
    (rs,) = doc["rulesets"]
    props = {p["name"]: p for p in rs["properties"]}
    assert set(props) == {"monotone", "bounds"}
    assert props["bounds"]["passed"] and not props["monotone"]["passed"]
    assert props["monotone"]["library_only"] is False and props["bounds"]["library_only"] is True
    assert len(props["monotone"]["cases"]) == 2


def test_unknown_property_is_a_usage_error(capsys):
    code, _, err = _run(capsys, str(VALID), "--property", "bound")
    assert code == 2 and "unknown property bound" in err


def test_shipped_rulesets_pass_and_fragments_are_skipped(capsys):
    code, out, err = _run(capsys, str(SHIPPED), "--max-examples", "4")
    assert code == 0, out
    assert "FAILED" not in out
    assert "skipping" in err and "member-vetoes.yaml: a fragment" in err
    for name in ("branch", "in_service", "retired", "new_citizen", "community"):
        assert str(pr.shipped_ruleset_path(name)) in out


# -- the properties only a library bug can break, proven by monkeypatching bugs into the scorer -------------------
def _corrupting(monkeypatch, change) -> None:
    original = Scorer.score_firings

    def buggy(self, ctx, firings, subject_id, period):
        b = original(self, ctx, firings, subject_id, period)
        return change(self, b)

    monkeypatch.setattr(Scorer, "score_firings", buggy)


def _failing(prop: str, ruleset: Path = VALID) -> list[str]:
    report = check_ruleset(pr.load_ruleset(ruleset), max_examples=40, properties=[prop])
    (result,) = report.results
    assert not result.passed
    assert result.cases, result.message  # a shrunk example, as a case
    return [result.message or ""]


def test_bounds_catches_a_scorer_that_exceeds_the_maximum(monkeypatch):
    _corrupting(monkeypatch, lambda s, b: b.model_copy(update={"total": b.max_points + 1}))
    (message,) = _failing("bounds")
    assert message.startswith("total 21.0 outside [0, 20.0]")


def test_caps_catches_a_deduction_beyond_its_cap(monkeypatch):
    def uncapped(s, b):
        lines = [ln.model_copy(update={"points": ln.points - ln.max_points}) if ln.kind == "deduction" else ln
                 for ln in b.lines]
        return b.model_copy(update={"lines": lines})

    _corrupting(monkeypatch, uncapped)
    (message,) = _failing("caps")
    assert message.startswith("deduction VS.K") and "beyond its cap" in message


def test_floors_catches_a_dimension_taken_below_zero(monkeypatch):
    def unfloored(s, b):
        dims = [d.model_copy(update={"deducted": d.earned + 1}) for d in b.dimensions]
        return b.model_copy(update={"dimensions": dims})

    _corrupting(monkeypatch, unfloored)
    (message,) = _failing("floors")
    assert "goes below 0" in message


def test_veto_dominance_catches_a_vetoed_subject_graded_above_the_lowest(monkeypatch):
    def lenient(s, b):
        top = s.plan.ruleset.grades[0]
        return b.model_copy(update={"grade": b.grade.model_copy(update={"id": top.id})}) if b.vetoed else b

    _corrupting(monkeypatch, lenient)
    (message,) = _failing("veto_dominance")
    assert message.startswith("vetoed by VS.V1 but graded good")


def test_veto_dominance_catches_a_total_kept_under_zero_total(monkeypatch):
    def kept(s, b):
        return b.model_copy(update={"total": 1.0}) if b.vetoed else b

    _corrupting(monkeypatch, kept)
    (message,) = _failing("veto_dominance")
    assert message == "vetoed under veto_effect zero_total but the total is 1.0"


def test_determinism_catches_a_result_that_changes_from_one_call_to_the_next(monkeypatch):
    original = Scorer.score
    calls = {"n": 0}

    def flaky(self, ctx, fired, subject_id, period):
        b = original(self, ctx, fired, subject_id, period)
        calls["n"] += 1
        return b.model_copy(update={"total": b.total / 2}) if calls["n"] % 2 and b.total else b

    monkeypatch.setattr(Scorer, "score", flaky)  # the engine backend's entry point: determinism evaluates there
    (message,) = _failing("determinism")
    assert message == "evaluating the same facts again changes the breakdown's JSON"


def test_backend_agreement_catches_a_backend_that_misses_a_firing(monkeypatch):
    original = ReferenceEvaluator.firings

    def missing(self, ctx):
        f = original(self, ctx)
        for rule_id in sorted(f.main)[:1]:  # the first rule that fired: its firings are lost
            f.main.pop(rule_id)
            f.amounts.pop(rule_id, None)
        return f

    monkeypatch.setattr(ReferenceEvaluator, "firings", missing)
    (message,) = _failing("backend_agreement")
    assert message.startswith("the durable-rules backend and the reference backend disagree")


def test_backend_agreement_catches_a_vectorised_backend_that_rounds_wrongly(monkeypatch):
    from partyrules.evaluate.vector import plan

    monkeypatch.setattr(plan, "round6", lambda e: e.cast(float) + 0.25)  # a quarter point too many everywhere
    (message,) = _failing("backend_agreement")
    assert message.startswith("the durable-rules backend and the vectorised backend disagree")


@pytest.mark.parametrize("prop", [p for p, (_, library_only) in PROPERTIES.items() if not library_only])
def test_only_monotone_can_be_broken_by_a_ruleset(prop):
    assert prop == "monotone"


def test_a_rule_set_without_monotone_declarations_passes_with_monotone_skipped(capsys, tmp_path):
    """Every rule set that declared no monotone field failed `check` (exit 5, hypothesis Unsatisfiable), the
    tutorial's own among them: a promise nobody made is skipped and said so."""
    doc = {"id": "no-monotone", "version": "1", "title": {"zh": "无单调", "en": "No monotone"}, "subject": "member",
           "dimensions": [{"id": "D1", "zh": "维度", "en": "Dimension", "max": 10}],
           "standards": [{"id": "S1", "dimension": "D1", "zh": "挂牌", "en": "Placard", "source": "例",
                          "points": 10, "due": "any", "flag": "placard_displayed"}],
           "grading": [{"id": "good", "zh": "好", "en": "Good", "at_least": 5},
                       {"id": "poor", "zh": "差", "en": "Poor", "at_least": 0}]}
    path = tmp_path / "no-monotone.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    assert main(["check", str(path), "--max-examples", "10", "--property", "monotone"]) == 0
    assert "skipped monotone: the rule set declares no monotone field" in capsys.readouterr().out
    report = check_ruleset(pr.load_ruleset(path), max_examples=5, properties=["monotone"])
    (only,) = report.results
    assert only.passed and only.skipped and only.examples == 0
