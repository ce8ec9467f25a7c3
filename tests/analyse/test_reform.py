"""Reforms: named, composable, storable changes to a copy of a rule set (partyrules.analyse.reform)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import partyrules as pr
from partyrules.analyse.reform import (
    AddItem,
    ReformError,
    RemoveItem,
    Reweight,
    SetParam,
    apply_reform,
    compose,
    load_reform,
    loads_reform,
)
from partyrules.analyse.reform import Reform as R
from partyrules.errors import ExpressionError, ParameterError, RuleSetError, RuleSetLimitError, RuleSetSyntaxError
from partyrules.shipped_rulesets import shipped_ruleset_path
from partyrules.synthetic import generate_member_facts, generate_subdistrict

ROOT = Path(__file__).resolve().parents[2]
REFORMS = ROOT / "rulesets" / "reforms"
FIXTURES = Path(__file__).resolve().parent.parent / "reforms"


@pytest.fixture(scope="module")
def in_service() -> pr.RuleSet:
    return pr.load_ruleset(shipped_ruleset_path("in_service"))


@pytest.fixture(scope="module")
def community() -> pr.RuleSet:
    return pr.load_ruleset(shipped_ruleset_path("community"))


@pytest.fixture(scope="module")
def members() -> list:
    """In-service members, every other one working in an organ, with a spread of volunteering hours."""
    out = []
    for i, m in enumerate(generate_member_facts(24, seed=11, category="in_service")):
        member = m.member.model_copy(update={"is_organ_staff": i % 2 == 0})
        out.append(m.model_copy(update={"member": member}))
    return out


def _reads(rule: object, param: str) -> bool:
    return any(re.search(rf"\bparams\.{param}\b", e.text) for e in rule.exprs.values())  # type: ignore[attr-defined]


def _line_points(b: pr.ScoreBreakdown) -> dict[str, tuple[str, float]]:
    """Standards by points; deductions by the amount before cap and floor (floors depend on the other lines)."""
    return {ln.rule_id: (ln.kind, ln.before_cap if ln.kind == "deduction" else ln.points) for ln in b.lines}


# -- parameters ------------------------------------------------------------------------------------------------
def test_parameter_reform_changes_exactly_the_rules_that_read_it(in_service, members):
    reform = R.make("organ-volunteering-150", set_params={"organ_volunteer_hours": 150})
    reformed = apply_reform(in_service, reform)
    readers = {r.id for r in (*in_service.standards, *in_service.deductions) if _reads(r, "organ_volunteer_hours")}
    assert readers == {"IN.S13", "IN.K17"}
    changed: set[str] = set()
    for facts in members:
        before = _line_points(pr.evaluate(in_service, facts, period="2026"))
        after = _line_points(pr.evaluate(reformed, facts, period="2026"))
        for rule_id in before.keys() | after.keys():  # a deduction that takes nothing has no line
            if rule_id not in readers:
                assert before.get(rule_id) == after.get(rule_id), (facts.subject_id, rule_id)
            elif before.get(rule_id) != after.get(rule_id):
                changed.add(rule_id)
                assert facts.member.is_organ_staff  # the other members' target is another parameter
    assert "IN.S13" in changed  # some organ member had between 100 and 150 hours


def test_the_base_rule_set_is_never_changed(in_service, members):
    facts = members[0]
    hash_before, params_before = in_service.content_hash, dict(in_service.params)
    json_before = pr.evaluate(in_service, facts, period="2026").to_json()
    reform = R.make("big", set_params={"organ_volunteer_hours": 200}, remove=["IN.K03"], reweight={"IN.D4": 30},
                    scale_deductions=True, grades={"excellent": 95})
    reformed = apply_reform(in_service, reform)
    assert in_service.content_hash == hash_before and dict(in_service.params) == params_before
    assert in_service.version == "2026.1" and in_service.max_points == 100
    assert "IN.K03" in in_service.rule_index and in_service.grades[0].at_least == 90
    assert pr.evaluate(in_service, facts, period="2026").to_json() == json_before
    assert reformed.version == "2026.1+reform.big"
    assert reformed.content_hash != hash_before and reformed.max_points == 105


def test_reformed_version_and_hash(in_service):
    a = R.make("organ-volunteering-150", set_params={"organ_volunteer_hours": 150})
    one, two = apply_reform(in_service, a), apply_reform(in_service, a)
    assert one.version == "2026.1+reform.organ-volunteering-150"
    assert one.content_hash == two.content_hash != in_service.content_hash
    # a reform that sets the value the parameter already has still makes a (marked) reformed rule set
    same = apply_reform(in_service, R.make("noop", set_params={"organ_volunteer_hours": 100}))
    assert same.version.endswith("+reform.noop") and same.params == in_service.params
    # a reformed rule set keeps working with with_params, and keeps the reform's values
    again = one.with_params(other_volunteer_hours=60)
    assert again.params["organ_volunteer_hours"] == 150 and again.params["other_volunteer_hours"] == 60


def test_parameter_errors_name_the_reform_and_suggest(in_service):
    with pytest.raises(ParameterError) as exc:
        apply_reform(in_service, R.make("typo", set_params={"organ_volunteer_hour": 150}))
    assert "typo" in str(exc.value) and "organ_volunteer_hours" in (exc.value.hint or "")
    with pytest.raises(ParameterError, match="above its max 500"):
        apply_reform(in_service, R.make("too-many", set_params={"organ_volunteer_hours": 900}))
    with pytest.raises(ParameterError, match="must be like"):
        apply_reform(in_service, R.make("text", set_params={"organ_volunteer_hours": "many"}))
    text = "kind: reform\nname: far\nset_params:\n  organ_volunteer_hours: 501\n"
    with pytest.raises(ParameterError) as exc:
        apply_reform(in_service, loads_reform(text, file="far.yaml"))
    assert str(exc.value.location) == "far.yaml:4:3"


# -- items -----------------------------------------------------------------------------------------------------
def test_remove_a_deduction_gives_its_points_back(in_service, members):
    taken = [ln.rule_id for f in members for ln in pr.evaluate(in_service, f, period="2026").lines
             if ln.kind == "deduction" and ln.points != 0]
    target = max(sorted(set(taken)), key=taken.count)  # the deduction these members lose most often
    reformed = apply_reform(in_service, R.make("no-deduction", remove=[target]))
    assert target not in reformed.rule_index
    assert reformed.counts()["deductions"] == in_service.counts()["deductions"] - 1
    assert reformed.spec.expect is not None and reformed.spec.expect.deductions == 21  # adjusted: still validates
    assert reformed.max_points == in_service.max_points
    hit = 0
    for facts in members:
        before = pr.evaluate(in_service, facts, period="2026")
        after = pr.evaluate(reformed, facts, period="2026")
        lost = before.line(target).points if any(ln.rule_id == target for ln in before.lines) else 0.0
        assert after.total == pytest.approx(before.total - lost)  # deduction lines carry negative points
        hit += lost != 0
    assert hit > 0


def test_remove_a_standard_needs_a_reweight(in_service, members):
    with pytest.raises(ReformError) as exc:
        apply_reform(in_service, R.make("no-s16", remove=["IN.S16"]))
    d = exc.value.diagnostics[0]
    assert d.code == "RF320" and "IN.D4" in d.message and "23" in d.message and "reweight" in (d.hint or "")
    keep = apply_reform(in_service, R.make("no-s16-keep", remove=["IN.S16"], reweight={"IN.D4": 23}))
    assert keep.max_points == 98 and keep.dimension_index["IN.D4"].max == 23
    assert {s.id: s.points for s in keep.standards} == {s.id: s.points for s in in_service.standards
                                                          if s.id != "IN.S16"}
    scaled = apply_reform(in_service, R.make("no-s16-scaled", remove=["IN.S16"], reweight={"IN.D4": 25}))
    d4 = [s for s in scaled.standards if s.dimension == "IN.D4"]
    assert sum(s.points for s in d4) == pytest.approx(25)
    assert d4[0].points == pytest.approx(5 * 25 / 23)
    for facts in members[:6]:
        b = pr.evaluate(keep, facts, period="2026")
        assert all(ln.rule_id != "IN.S16" for ln in b.lines) and b.max_points == 98


def test_add_a_standard_and_a_dimension(in_service, members):
    new_standard = {"id": "IN.S20", "dimension": "IN.D5", "zh": "带头垃圾分类", "en": "Leads waste sorting",
                    "source": "what-if", "points": 3, "flag": "placard_displayed"}
    over = apply_reform(in_service, R.make("sorting", add={"standards": [new_standard]}))
    assert over.counts()["standards"] == 20 and over.max_points == 100  # the dimension's max stays: capped
    new_dim = {"id": "IN.D6", "zh": "示范引领", "en": "Leading by example", "max": 10}
    grown = apply_reform(in_service, R.make("lead", add={
        "dimensions": [new_dim], "standards": [{**new_standard, "dimension": "IN.D6", "points": 10}]}))
    assert grown.max_points == 110 and grown.counts()["dimensions"] == 6
    assert grown.spec.expect.dimensions == 6 and grown.spec.expect.standards == 20
    for facts in members[:8]:
        before = pr.evaluate(in_service, facts, period="2026")
        after = pr.evaluate(grown, facts, period="2026")
        gain = 10.0 if facts.member.placard_displayed else 0.0
        if not after.vetoed or after.veto_effect != "zero_total":
            assert after.total == pytest.approx(before.total + gain)


def test_add_a_deduction_takes_points(in_service, members):
    deduction = {"id": "IN.K99", "dimension": "IN.D4", "zh": "全年无志愿服务", "en": "No volunteering at all",
                 "source": "what-if", "per": "1 if sum(records.volunteer_hours) == 0 else 0", "points": 4, "cap": 4}
    reformed = apply_reform(in_service, R.make("k99", add={"deductions": [deduction]}))
    assert reformed.counts()["deductions"] == 23 and reformed.rule_index["IN.K99"].kind == "deduction"
    for facts in members[:8]:
        before = pr.evaluate(in_service, facts, period="2026").total
        after = pr.evaluate(reformed, facts, period="2026").total
        none = sum(r.volunteer_hours for r in facts.records) == 0
        assert after == pytest.approx(before - 4) if none else after == pytest.approx(before)


def test_replace_a_standard(in_service, members):
    old = in_service.rule_index["IN.S16"].spec
    new = old.model_copy(update={"flag": "false"})
    reformed = apply_reform(in_service, R.make("no-roles", replace={"standards": [new]}))
    assert reformed.rule_index["IN.S16"].exprs["flag"].text == "false"
    assert [s.id for s in reformed.standards] == [s.id for s in in_service.standards]  # kept in place
    for facts in members[:8]:
        before = pr.evaluate(in_service, facts, period="2026")
        after = pr.evaluate(reformed, facts, period="2026")
        assert after.line("IN.S16").points == 0
        assert after.total <= before.total
    with pytest.raises(ReformError) as exc:  # fewer points leave the dimension short, as a removal does
        apply_reform(in_service, R.make("fewer", replace={"standards": [old.model_copy(update={"points": 1})]}))
    assert exc.value.diagnostics[0].code == "RF320"


def test_reweight_scales_standards_and_keeps_deduction_caps(in_service, members):
    reformed = apply_reform(in_service, R.make("d4-30", reweight={"IN.D4": 30}))
    assert reformed.max_points == 105
    old = {s.id: s.spec for s in in_service.standards}
    for s in reformed.standards:
        factor = 30 / 25 if s.dimension == "IN.D4" else 1
        assert s.points == pytest.approx(old[s.id].points * factor)
        if s.spec.bands is not None:
            assert [b.points for b in s.spec.bands.steps] == pytest.approx(
                [b.points * factor for b in old[s.id].bands.steps])
    assert all(k.spec == in_service.rule_index[k.id].spec for k in reformed.deductions)
    scaled = apply_reform(in_service, R.make("d4-30s", reweight={"IN.D4": 30}, scale_deductions=True))
    for k in scaled.deductions:
        base = in_service.rule_index[k.id].spec
        factor = 30 / 25 if k.dimension == "IN.D4" else 1
        assert (k.spec.points, k.spec.cap) == pytest.approx((base.points * factor, base.cap * factor))
    for facts in members[:8]:
        before = {ln.rule_id: ln.points for ln in pr.evaluate(in_service, facts, period="2026").lines}
        after = {ln.rule_id: ln.points for ln in pr.evaluate(reformed, facts, period="2026").lines}
        for s in in_service.standards:
            factor = 30 / 25 if s.dimension == "IN.D4" else 1
            assert after[s.id] == pytest.approx(before[s.id] * factor)


def test_grade_bands(in_service, members):
    reformed = apply_reform(in_service, R.make("strict", grades={"excellent": 95, "qualified": 75}))
    assert [g.at_least for g in reformed.grades] == [95, 75, 60, 0]
    for facts in members:
        b = pr.evaluate(reformed, facts, period="2026")
        if not b.vetoed:
            want = next(g.id for g in reformed.grades if b.total >= g.at_least)
            assert b.grade.id == want
    with pytest.raises(RuleSetError, match="grading must list"):
        apply_reform(in_service, R.make("unordered", grades={"qualified": 95}))
    with pytest.raises(RuleSetError, match="needs 99 but the maximum is 95"):  # the loader's own checks
        apply_reform(in_service, R.make("small", reweight={"IN.D4": 20}, grades={"excellent": 99}))


def test_item_errors_are_all_reported_with_suggestions(in_service):
    reform = loads_reform(FIXTURES.joinpath("bad-items.yaml").read_text(encoding="utf-8"), file="bad-items.yaml")
    with pytest.raises(ReformError) as exc:
        apply_reform(in_service, reform)
    found = {d.code: d for d in exc.value.diagnostics}
    assert set(found) == {"RF300", "RF301", "RF302", "RF303", "RF304"}
    assert found["RF300"].hint == "did you mean 'IN.K03'?" and str(found["RF300"].location) == "bad-items.yaml:5:5"
    assert "a deduction" in found["RF301"].message
    assert "already has a standard" in found["RF302"].message
    assert "IN.D4" in (found["RF303"].hint or "") and "excellent" in (found["RF304"].hint or "")


def test_removing_a_dimension_needs_its_items_removed(in_service):
    with pytest.raises(ReformError) as exc:
        apply_reform(in_service, R.make("no-d5", remove=["IN.D5"]))
    assert {d.code for d in exc.value.diagnostics} == {"RF305"}
    ids = [r.id for r in (*in_service.standards, *in_service.deductions) if r.dimension == "IN.D5"]
    gone = apply_reform(in_service, R.make("no-d5-all", remove=["IN.D5", *ids], grades={"excellent": 80}))
    assert gone.max_points == 85 and "IN.D5" not in gone.dimension_index


def test_expression_errors_in_added_items_point_into_the_reform_file(in_service):
    with pytest.raises(ExpressionError) as exc:
        apply_reform(in_service, load_reform(FIXTURES / "bad-expression.yaml"))
    d = exc.value.diagnostics[0]
    assert d.location.file.endswith("bad-expression.yaml") and (d.location.line, d.location.column) == (12, 21)
    assert "volunteer_hour" in d.message and "volunteer_hours" in (d.hint or "")


def test_target(in_service, community):
    reform = load_reform(REFORMS / "satisfaction-85.yaml")
    with pytest.raises(ReformError) as exc:
        apply_reform(in_service, reform)
    assert exc.value.diagnostics[0].code == "RF400" and "community-six-star" in str(exc.value)
    assert apply_reform(community, reform).params["satisfaction_min"] == 0.85


def test_shipped_example_reforms(in_service, community):
    organ = apply_reform(in_service, load_reform(REFORMS / "organ-volunteering-150.yaml"))
    assert organ.params["organ_volunteer_hours"] == 150 and organ.files[-1].endswith("organ-volunteering-150.yaml")
    weight = apply_reform(in_service, load_reform(REFORMS / "service-weight-30.yaml"))
    assert weight.max_points == 100
    assert weight.dimension_index["IN.D4"].max == 30 and weight.dimension_index["IN.D5"].max == 10
    facts = generate_subdistrict(seed=2).communities[0]
    reformed = apply_reform(community, load_reform(REFORMS / "satisfaction-85.yaml"))
    earned = 0.0
    for res, units in ((0.82, 0.9), (0.9, 0.86), (0.95, 0.8499)):
        tweaked = facts.model_copy(update={"community": facts.community.model_copy(update={
            "satisfaction_residents": res, "satisfaction_units": units})})
        before = pr.evaluate(community, tweaked, period="2026").line("SIX.5").points
        after = pr.evaluate(reformed, tweaked, period="2026").line("SIX.5").points
        assert after == (before if min(res, units) >= 0.85 else 0.0)
        earned += before
    assert earned == 3  # at 80% each of the three earns the star: the other conditions of SIX.5 hold


# -- files -----------------------------------------------------------------------------------------------------
def _reforms_for_round_trip() -> list[R]:
    std = {"id": "IN.S20", "dimension": "IN.D5", "zh": "带头", "en": "Leads", "source": "what-if",
           "points": 3, "bands": {"value": "sum(records.volunteer_hours)",
                                  "steps": [{"at_least": 10, "points": 3}, {"at_least": 1, "points": 1}]}}
    a = R.make("a", set_params={"organ_volunteer_hours": 150, "volunteer_shortfall_share": 0.4},
               title={"zh": "甲"}, description="A reform.", target="member-in-service")
    b = R.make("b", remove=["IN.K02"], add={"standards": [std]}, reweight={"IN.D5": 12}, scale_deductions=True,
               grades={"excellent": 88})
    c = R.make("c", reweight={"IN.D5": 15}, set_params={"organ_volunteer_hours": 120})
    return [a, b, c, compose(a, b), compose(b, c, allow_conflicts=True), compose(a, b, c, allow_conflicts=True)]


@pytest.mark.parametrize("index", range(6))
def test_to_yaml_round_trip(index, in_service):
    reform = _reforms_for_round_trip()[index]
    text = reform.to_yaml()
    assert text.startswith("kind: reform\n")
    back = loads_reform(text)
    assert back == reform
    assert back.to_yaml() == text
    assert apply_reform(in_service, back).content_hash == apply_reform(in_service, reform).content_hash


def test_composite_with_reordered_steps_is_written_as_steps():
    composite = _reforms_for_round_trip()[4]  # b reweights D5 with deductions scaled, c without, then a param
    assert "steps:" in composite.to_yaml()
    assert [type(op) for op in loads_reform(composite.to_yaml()).operations][-2:] == [SetParam, Reweight]


@pytest.mark.parametrize(("name", "code", "where", "needle"), [
    ("unknown-key.yaml", "RF201", ":4:1", "did you mean 'set_params'?"),
    ("unknown-nested-key.yaml", "RF201", ":8:7", "did you mean 'points'?"),
    ("wrong-kind.yaml", "RF201", ":1:7", "kind: reform"),
    ("missing-name.yaml", "RF201", ":1:1", "name"),
    ("steps-and-ops.yaml", "RF202", ":3:1", "step"),
    ("replace-dimension.yaml", "RF203", ":5:7", "reweight"),
    ("bad-value.yaml", "RF201", ":4:10", "greater than 0"),
])
def test_file_errors(name, code, where, needle):
    with pytest.raises(ReformError) as exc:
        load_reform(FIXTURES / name)
    found = [d for d in exc.value.diagnostics if d.code == code and str(d.location).endswith(name + where)]
    assert found, exc.value
    assert needle in found[0].format()


def test_file_security_limits(tmp_path):
    with pytest.raises(RuleSetSyntaxError, match="RS101"):
        loads_reform("kind: reform\nname: !!python/object:os.system x\n")
    with pytest.raises(RuleSetSyntaxError, match="RS102"):
        loads_reform("kind: reform\nname: a\nset_params: &p {x: 1}\nreweight: *p\n")
    deep = "kind: reform\nname: deep\ndescription: " + "[" * 40 + "]" * 40 + "\n"
    with pytest.raises(RuleSetLimitError, match="RS112"):
        loads_reform(deep)
    big = tmp_path / "big.yaml"
    big.write_text("kind: reform\nname: big\ndescription: '" + "x" * 2_100_000 + "'\n", encoding="utf-8")
    with pytest.raises(RuleSetError, match="RS110"):
        load_reform(big)
    with pytest.raises(ReformError, match="RF100"):
        load_reform(tmp_path / "missing.yaml")
    with pytest.raises(ReformError, match="RF200"):
        loads_reform("- a list\n")
    with pytest.raises(ReformError, match="RF204"):
        R.make("scale-only", scale_deductions=True)


# -- composition -----------------------------------------------------------------------------------------------
def test_compose_conflicts_name_both_reforms(in_service):
    a = R.make("a", set_params={"organ_volunteer_hours": 150})
    b = R.make("b", set_params={"organ_volunteer_hours": 200})
    with pytest.raises(ReformError) as exc:
        a + b
    assert exc.value.diagnostics[0].code == "RF502"
    assert "'a' and 'b'" in str(exc.value) and "organ_volunteer_hours" in str(exc.value)
    later = compose(a, b, allow_conflicts=True)
    assert apply_reform(in_service, later).params["organ_volunteer_hours"] == 200
    # the same change in both is not a conflict
    assert (a + R.make("a2", set_params={"organ_volunteer_hours": 150})).params == {"organ_volunteer_hours": 150}
    with pytest.raises(ReformError, match="RF502"):
        R.make("r", remove=["IN.K02"]) + R.make("s", reweight={"IN.D1": 25}) + R.make("t", replace={
            "deductions": [in_service.rule_index["IN.K02"].spec]})
    with pytest.raises(ReformError, match="RF501"):
        R.make("x", target="member-in-service") + R.make("y", target="community-six-star")
    with pytest.raises(ReformError, match="RF500"):
        compose()


def test_composite_equals_sequence_for_structural_reforms(in_service):
    a = R.make("a", remove=["IN.S16"], reweight={"IN.D4": 25})
    b = R.make("b", reweight={"IN.D4": 30}, grades={"excellent": 92})
    with pytest.raises(ReformError, match="RF502"):  # both reweight IN.D4, to different maxima
        a + b
    both = compose(a, b, allow_conflicts=True)
    composite = apply_reform(in_service, both)
    sequence = apply_reform(apply_reform(in_service, a), b)
    assert composite.version == sequence.version == "2026.1+reform.a+b"
    assert composite.content_hash == sequence.content_hash
    c = R.make("c", set_params={"organ_volunteer_hours": 120})
    assert apply_reform(in_service, [a, c]).content_hash == apply_reform(apply_reform(in_service, a), c).content_hash
    assert [type(op) for op in both.operations] == [RemoveItem, Reweight, Reweight, type(b.operations[-1])]
    assert not any(isinstance(op, AddItem) for op in both.operations)
    assert sum(s.points for s in composite.standards if s.dimension == "IN.D4") == pytest.approx(30)


def _param_reforms(ruleset: pr.RuleSet) -> st.SearchStrategy[R]:
    """Reforms that set a few numeric parameters of ``ruleset`` within their declared bounds."""
    sources = ruleset.sources
    numeric = {}
    for name, item in sources.params.items():
        spec = item.spec
        if isinstance(spec.value, bool) or not isinstance(spec.value, (int, float)) or spec.choices is not None:
            continue
        lo = spec.min if spec.min is not None else 0
        hi = spec.max if spec.max is not None else max(lo, spec.value) * 2 + 10
        numeric[name] = (st.integers(int(lo), int(hi)) if isinstance(spec.value, int)
                         else st.floats(lo, hi, allow_nan=False))
    names = sorted(numeric)
    return st.builds(
        lambda name, picked: R.make(name, set_params=picked),
        st.sampled_from(["p", "q"]),
        st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True).flatmap(
            lambda chosen: st.fixed_dictionaries({n: numeric[n] for n in chosen})),
    )


def _outcome(fn):
    try:
        rs = fn()
    except ReformError as exc:
        return ("reform error", tuple(d.code for d in exc.diagnostics))
    except RuleSetError as exc:
        return ("rule-set error", tuple(d.code for d in exc.diagnostics))
    return (rs.version, rs.content_hash, tuple(sorted(rs.params.items())))


@pytest.fixture(scope="module")
def every_ruleset(example_dir) -> dict[str, pr.RuleSet]:
    out = {"example": pr.load_ruleset(example_dir / "member-example.yaml")}
    for key in ("branch", "in_service", "retired", "new_citizen", "community"):
        out[key] = pr.load_ruleset(shipped_ruleset_path(key))
    return out


@given(data=st.data(), key=st.sampled_from(["example", "branch", "in_service", "retired", "new_citizen",
                                            "community"]))
def test_applying_a_composite_equals_applying_in_sequence(every_ruleset, data, key):
    rs = every_ruleset[key]
    a = data.draw(_param_reforms(rs), label="a")
    b = data.draw(_param_reforms(rs), label="b")
    clash = {n for n in a.params.keys() & b.params.keys() if a.params[n] != b.params[n]}
    if clash:
        with pytest.raises(ReformError, match="RF502"):
            compose(a, b)
    composite = compose(a, b, allow_conflicts=bool(clash))
    assert _outcome(lambda: apply_reform(rs, composite)) == _outcome(
        lambda: apply_reform(apply_reform(rs, a), b))
    assert apply_reform(rs, composite).params == {**rs.params, **a.params, **b.params}
    assert loads_reform(composite.to_yaml()) == composite


# -- the guide -------------------------------------------------------------------------------------------------
DOC = ROOT / "docs" / "reforms.md"


def test_guide_python_blocks_run(capsys):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 2
    namespace: dict[str, object] = {}
    for i, block in enumerate(blocks):
        exec(compile(block, f"{DOC.name}[block {i + 1}]", "exec"), namespace)  # our own documentation
    out = capsys.readouterr().out
    assert "2026.1+reform.organ-volunteering-150" in out and "92.0" in out
    assert "typo.yaml:3:1: RF201: unknown key 'set_param' (hint: did you mean 'set_params'?)" in out


def test_guide_file_format_example_applies(in_service):
    block = re.search(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert block is not None
    reform = loads_reform(block.group(1), file="reforms.md")
    reformed = apply_reform(in_service, reform)
    assert reformed.params["organ_volunteer_hours"] == 150 and "IN.K02" not in reformed.rule_index
    assert reformed.max_points == 105 and reformed.grades[0].at_least == 88


def test_every_reform_code_of_the_code_is_in_the_guide():
    src = ROOT / "src" / "partyrules" / "analyse"
    codes = {c for p in src.glob("reform*.py") for c in re.findall(r'"(RF\d{3})"', p.read_text(encoding="utf-8"))}
    assert len(codes) >= 15
    guide = DOC.read_text(encoding="utf-8")
    missing = [c for c in sorted(codes) if f"`{c}`" not in guide]
    assert missing == []
