"""``partyrules diff`` and ``partyrules.analyse.diff``: who moves between two versions of a rule set, and why.

The attribution of each subject's change of total to rules must add up to that change (property); identical
rule sets move nobody; the ``--max-moved`` gate exits 6; bad rows are reported with their numbers and the rest
are still compared (exit 10).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import partyrules as pr
from partyrules.analyse.diff import NOT_APPLICABLE, attribute, diff_rulesets
from partyrules.cli import main
from partyrules.demo import example_ruleset_path
from partyrules.rulesets.cases import build_facts, load_case_file
from partyrules.synthetic import generate_branch_facts, generate_member_facts

ROOT = Path(__file__).resolve().parents[2]
TINY_CASES = ROOT / "tests" / "rulesets" / "cases" / "tiny.test.yaml"
EXAMPLE = example_ruleset_path()


@pytest.fixture(scope="module")
def example() -> pr.RuleSet:
    return pr.load_ruleset(EXAMPLE)


@pytest.fixture(scope="module")
def members() -> list[pr.MemberFacts]:
    return generate_member_facts(60, seed=7, category="in_service")


def _zero_total(params: dict | None = None) -> pr.RuleSet:
    """The example rule set with ``veto_effect: zero_total``: a veto then takes every point."""
    text = EXAMPLE.read_text(encoding="utf-8").replace("subject: member\n", "subject: member\nveto_effect: "
                                                       "zero_total\n", 1)
    assert "veto_effect: zero_total" in text
    return pr.loads_ruleset(text, file="zero.yaml", root=EXAMPLE.parent, params=params)


def _tiny_case(name: str):
    cf = load_case_file(TINY_CASES)
    case = next(c for _, c in cf.cases if c["name"] == name)
    return cf.ruleset, build_facts(cf, case, pr.Period.parse("2026"))


def _write(path: Path, facts) -> Path:
    path.write_text("".join(f.model_dump_json() + "\n" for f in facts), encoding="utf-8")
    return path


# -- the library -------------------------------------------------------------------------------------------------
def _with_crisis_retreat(facts: pr.MemberFacts) -> pr.MemberFacts:
    """The member with a verified crisis retreat of major consequence, which fires the example's veto EX.V1."""
    incident = {"incident_id": "X1", "subject_kind": "member", "subject_id": facts.member.member_id,
                "kind": "crisis_retreat", "occurred_on": "2026-07-20", "severity": "serious",
                "consequence": "较大负面影响", "verified": True, "verified_by": "test", "evidence_ref": "test"}
    data = facts.model_dump(mode="json")
    data["incidents"] = [*data["incidents"], incident]
    return pr.MemberFacts.model_validate(data)


@given(
    organ=st.integers(20, 200),
    other=st.integers(10, 150),
    lapse=st.integers(2, 8),
    zero_total=st.booleans(),
    seed=st.integers(0, 10_000),
    vetoed=st.sets(st.integers(0, 14), max_size=4),
)
def test_attribution_adds_up_to_each_subjects_change_of_total(example, organ, other, lapse, zero_total, seed,
                                                               vetoed):
    params = {"organ_volunteer_hours": organ, "other_volunteer_hours": other, "lapse_months": lapse}
    new = _zero_total(params) if zero_total else example.with_params(**params)
    population = generate_member_facts(15, seed=seed)  # every category: some are not applicable
    population = [_with_crisis_retreat(f) if i in vetoed else f for i, f in enumerate(population)]
    diff = diff_rulesets(example, new, population, "2026")
    assert diff.subjects + diff.not_applicable + len(diff.failures) == len(population)
    assert not diff.failures
    for c in diff.changes:
        assert sum(d.delta for d in c.rules) == pytest.approx(c.total_delta, abs=1e-5), c
        sizes = [round(abs(d.delta), 6) for d in c.rules]
        assert sizes == sorted(sizes, reverse=True)
    assert sum(diff.transitions.values()) == diff.subjects
    # the per-rule summary adds up every compared subject's attribution, moved or not
    ev_old, ev_new = pr.Evaluator(example), pr.Evaluator(new)
    net: dict[str, float] = {}
    count: dict[str, int] = {}
    for facts in population:
        if facts.member.category != "in_service":
            continue
        for d in attribute(ev_old.evaluate(facts, "2026"), ev_new.evaluate(facts, "2026")):
            net[d.rule_id] = net.get(d.rule_id, 0.0) + d.delta
            count[d.rule_id] = count.get(d.rule_id, 0) + 1
    assert {k: s.subjects for k, s in diff.rules.items()} == count
    assert {k: s.net_points for k, s in diff.rules.items()} == pytest.approx(net, abs=1e-6)


def test_every_scored_subject_attribution_adds_up(example, members):
    new = _zero_total({"organ_volunteer_hours": 150, "lapse_months": 2})
    ev_old, ev_new = pr.Evaluator(example), pr.Evaluator(new)
    checked = 0
    for facts in members:
        a, b = ev_old.evaluate(facts, "2026"), ev_new.evaluate(facts, "2026")
        assert sum(d.delta for d in attribute(a, b)) == pytest.approx(b.total - a.total, abs=1e-5)
        checked += 1
    assert checked == len(members)


def test_identical_rule_sets_move_nobody(example, members):
    diff = diff_rulesets(example, example, members, "2026")
    assert (diff.subjects, diff.grade_changed, diff.total_changed) == (len(members), 0, 0)
    assert diff.changes == [] and diff.rules == {}
    matrix = diff.transition_matrix()
    assert all(n == 0 for a, row in matrix.items() for b, n in row.items() if a != b)
    assert sum(matrix[g][g] for g in matrix) == len(members)


def test_a_veto_that_zeroes_the_total_is_responsible_for_the_points():
    tiny, facts = _tiny_case("a crisis retreat vetoes the member")
    text = (TINY_CASES.parent / "tiny.yaml").read_text(encoding="utf-8")
    zero = pr.loads_ruleset(text.replace("subject: member\n", "subject: member\nveto_effect: zero_total\n"))
    diff = diff_rulesets(tiny, zero, [facts], "2026")
    (change,) = diff.changes
    # tiny.test.yaml: this member scores 90 and is vetoed; zeroing the total takes the 90 points
    assert (change.old_total, change.new_total, change.old_grade, change.new_grade) == (90, 0, "unqualified",
                                                                                      "unqualified")
    assert [(d.rule_id, d.old, d.new) for d in change.rules] == [("TY.V1", 0.0, -90.0)]
    assert change.vetoes_added == change.vetoes_removed == ()


def test_a_rule_present_on_one_side_only_counts_fully():
    tiny, facts = _tiny_case("three complaints are capped at 10")
    text = (TINY_CASES.parent / "tiny.yaml").read_text(encoding="utf-8")
    start = text.index("  - id: TY.K1")
    without_k1 = text[:start] + text[text.index("  - id: TY.K2"):]
    new = pr.loads_ruleset(without_k1)
    (change,) = diff_rulesets(tiny, new, [facts], "2026").changes
    # tiny.test.yaml: three complaints take TY.K1's cap of 10 (total 80); without the rule the total is 90
    assert (change.old_total, change.new_total, change.old_grade, change.new_grade) == (80, 90, "qualified",
                                                                                      "excellent")
    assert [(d.rule_id, d.old, d.new, d.delta) for d in change.rules] == [("TY.K1", -10.0, 0.0, 10.0)]


def test_vetoes_that_appear_are_named():
    tiny, facts = _tiny_case("a crisis retreat vetoes the member")
    text = (TINY_CASES.parent / "tiny.yaml").read_text(encoding="utf-8")
    no_veto = pr.loads_ruleset(text[:text.index("vetoes:")] + text[text.index("checks:"):])
    diff = diff_rulesets(no_veto, tiny, [facts], "2026")
    (change,) = diff.changes
    assert change.vetoes_added == ("TY.V1",) and change.rules == ()
    assert (change.old_grade, change.new_grade) == ("excellent", "unqualified")
    assert diff.transitions == {("excellent", "unqualified"): 1}


def test_subjects_no_version_applies_to_are_counted_not_compared(example):
    population = generate_member_facts(40, seed=11)
    others = sum(1 for f in population if f.member.category != "in_service")
    assert 0 < others < len(population)
    diff = diff_rulesets(example, example.with_params(organ_volunteer_hours=150), population, "2026")
    assert diff.not_applicable == others
    assert diff.subjects == len(population) - others
    assert NOT_APPLICABLE not in {g for pair in diff.transitions for g in pair}


def test_failures_are_reported_and_the_rest_compared(example, members):
    population = [*members[:3], generate_branch_facts(1)[0], *members[3:6]]
    diff = diff_rulesets(example, example, population, "2026")
    assert [(f.index, f.subject_id, type(f.error).__name__) for f in diff.failures] == [
        (3, "B0001", "EvaluationError")]
    assert diff.subjects == 6


def test_json_is_stable_whatever_the_order_of_the_population(example, members):
    new = example.with_params(organ_volunteer_hours=150, other_volunteer_hours=80)
    a = diff_rulesets(example, new, members, "2026").to_json()
    b = diff_rulesets(example, new, list(reversed(members)), "2026").to_json()
    assert a == b
    doc = json.loads(a)
    assert doc["grade_changed"] == sum(1 for c in doc["changes"] if c["old_grade"] != c["new_grade"])
    ids = [c["subject_id"] for c in doc["changes"]]
    assert ids == sorted(ids) and len(ids) > 0


def test_rule_sets_for_different_subjects_cannot_be_compared(example):
    branch = pr.load_ruleset(ROOT / "rulesets" / "branch-combat-effectiveness.yaml")
    with pytest.raises(pr.PartyRulesError, match="cannot compare a member rule set"):
        diff_rulesets(example, branch, [])


# -- the command -------------------------------------------------------------------------------------------------
def _diff(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["diff", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_identical_rule_sets_exit_zero(tmp_path, capsys, members):
    pop = _write(tmp_path / "pop.jsonl", members)
    code, out, _ = _diff(capsys, str(EXAMPLE), str(EXAMPLE), "--population", str(pop), "--max-moved", "0")
    assert code == 0
    assert f"{len(members)} subjects compared" in out and "grade changed: 0 (0.00%)" in out


def test_cli_gate_exits_6_only_above_the_share(tmp_path, capsys, members):
    pop = _write(tmp_path / "pop.jsonl", members)
    argv = [str(EXAMPLE), str(EXAMPLE), "--population", str(pop), "--param-new", "organ_volunteer_hours=400",
            "--param-new", "other_volunteer_hours=300", "--format", "json"]
    code, out, _ = _diff(capsys, *argv)
    doc = json.loads(out)
    moved = sum(1 for c in doc["changes"] if c["grade_changed"])
    assert code == 0 and moved > 0 and doc["grade_changed"] == moved
    share = moved / doc["subjects"]
    assert _diff(capsys, *argv, "--max-moved", str(share))[0] == 0  # not above: the gate holds
    code, out, err = _diff(capsys, *argv[:-2], "--max-moved", str(share * 0.99))
    assert code == 6
    assert f"gate failed: {100 * share:.2f}% of subjects changed grade" in err


def test_cli_bad_rows_are_reported_and_the_rest_compared(tmp_path, capsys, members):
    lines = [m.model_dump_json() for m in members[:4]]
    lines.insert(1, '{"member": {"member_id": 5}}')
    lines.insert(3, "not json")
    lines.append(generate_branch_facts(1)[0].model_dump_json())
    pop = tmp_path / "pop.jsonl"
    pop.write_text("\n".join(lines) + "\n", encoding="utf-8")
    argv = [str(EXAMPLE), str(EXAMPLE), "--population", str(pop), "--param-new", "organ_volunteer_hours=400",
            "--param-new", "other_volunteer_hours=400"]
    code, out, err = _diff(capsys, *argv, "--format", "json")
    assert code == 10
    doc = json.loads(out)
    assert [r["row"] for r in doc["bad_rows"]] == [2, 4]
    assert [(f["row"], f["subject_id"]) for f in doc["failures"]] == [(7, "B0001")]
    assert doc["subjects"] == 4
    assert "row 2: " in err and "member.member_id" in err and "row 4: " in err and "row 7 (B0001): " in err
    assert doc["grade_changed"] > 0  # 400 hours are out of reach: the volunteering standard's 30 points shrink
    assert _diff(capsys, *argv, "--max-moved", "0")[0] == 6  # a failed gate wins over the bad rows


def test_cli_text_names_the_rules_responsible(tmp_path, capsys, members):
    pop = _write(tmp_path / "pop.jsonl", members)
    code, out, _ = _diff(capsys, str(EXAMPLE), str(EXAMPLE), "--population", str(pop), "--param-new",
                         "organ_volunteer_hours=150", "--param-new", "other_volunteer_hours=80")
    assert code == 0
    assert "parameters changed: organ_volunteer_hours 100 -> 150, other_volunteer_hours 50 -> 80" in out
    assert "grade transitions (old down, new across):" in out
    # only the volunteering standard reads those parameters, so it is the only rule responsible
    rules = out.split("rules responsible (over every subject compared):\n")[1].split("\n\n")[0].splitlines()
    assert [r.split()[0] for r in rules[1:]] == ["EX.S4"]


def test_cli_invalid_rule_set_exits_3(tmp_path, capsys, members):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\n", encoding="utf-8")
    pop = _write(tmp_path / "pop.jsonl", members[:2])
    code, _, err = _diff(capsys, str(EXAMPLE), str(bad), "--population", str(pop))
    assert code == 3 and f"{bad}:1:1: RS200" in err


def test_cli_different_subjects_is_a_usage_error(tmp_path, capsys, members):
    pop = _write(tmp_path / "pop.jsonl", members[:2])
    code, _, err = _diff(capsys, str(EXAMPLE), str(ROOT / "rulesets" / "branch-combat-effectiveness.yaml"),
                         "--population", str(pop))
    assert code == 2 and "cannot compare a member rule set" in err
