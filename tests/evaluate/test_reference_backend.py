"""The reference backend (closures, no engine) gives byte-identical breakdowns to the durable-rules backend."""

from __future__ import annotations

import importlib
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import partyrules as pr
from hand_facts import veto_incident
from partyrules.evaluate.reference import ReferenceEvaluator
from partyrules.synthetic import SubDistrict, generate_subdistrict
from partyrules.testing import GENERATED_EDGES, condition_rulesets, facts_for, generated_rulesets, subject_facts

PERIOD = "2026"
SHIPPED = ("branch", "in_service", "retired", "new_citizen", "community")
SAMPLE = 100  # subjects per member rule set from the demo population: enough variety, CI-friendly


@pytest.fixture(scope="module")
def population() -> SubDistrict:
    return generate_subdistrict(seed=2026)


def _subjects(sd: SubDistrict, rs: pr.RuleSet) -> list:
    pool = {"member": sd.members, "branch": sd.branches, "community": sd.communities}[rs.subject_kind]
    pool = list(pool)
    if len(pool) > SAMPLE:
        pool = random.Random(rs.id).sample(pool, SAMPLE)
    return pool


def _assert_same(rs: pr.RuleSet, population, period=PERIOD) -> tuple[int, int]:
    engine = pr.Evaluator(rs).evaluate_many(population, period)
    reference = ReferenceEvaluator(rs).evaluate_many(population, period)
    assert [(f.index, type(f.error), str(f.error)) for f in reference.failures] == \
        [(f.index, type(f.error), str(f.error)) for f in engine.failures]
    assert len(reference.breakdowns) == len(engine.breakdowns)
    for a, b in zip(engine.breakdowns, reference.breakdowns, strict=True):
        assert b.to_json() == a.to_json(), a.subject_id
    return len(engine.breakdowns), len(engine.failures)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_rulesets_agree_on_the_demo_population(name, population):
    rs = pr.load_ruleset(pr.shipped_ruleset_path(name))
    scored, _ = _assert_same(rs, _subjects(population, rs))
    assert scored > 0  # the sample holds subjects the rule set applies to, so breakdowns were compared


def test_every_shipped_ruleset_file_is_covered():
    shipped = pr.shipped_ruleset_path("branch").parent
    files = {p.name for p in shipped.glob("*.yaml") if not p.name.endswith(".test.yaml")}
    covered = {pr.shipped_ruleset_path(n).name for n in SHIPPED}
    # the rest are fragments or data files: neither can be evaluated alone
    for f in sorted(files - covered):
        head = (shipped / f).read_text(encoding="utf-8")[:4000]
        assert "fragment: true" in head or any(ln.startswith("kind:") for ln in head.splitlines()), f


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_rulesets_agree_on_generated_facts(name):
    rs = pr.load_ruleset(pr.shipped_ruleset_path(name))
    engine, reference = pr.Evaluator(rs), ReferenceEvaluator(rs)

    @settings(max_examples=25)
    @given(facts=facts_for(rs, period=PERIOD))
    def body(facts):
        assert reference.evaluate(facts, PERIOD).to_json() == engine.evaluate(facts, PERIOD).to_json()

    body()


def test_the_errors_are_the_same(population):
    rs = pr.load_ruleset(pr.shipped_ruleset_path("retired"))
    in_service = next(m for m in population.members if m.member.category == "in_service")
    branch = population.branches[0]
    for facts, period in ((in_service, PERIOD), (branch, PERIOD), (in_service, "2019"), (in_service, None),
                          (pr.MemberFacts(in_service.member), None), ("not facts", PERIOD)):
        errors = []
        for ev in (pr.Evaluator(rs), ReferenceEvaluator(rs)):
            with pytest.raises(pr.PartyRulesError) as info:
                ev.evaluate(facts, period)
            errors.append((type(info.value), str(info.value)))
        assert errors[0] == errors[1]


def test_parameter_overrides_give_the_same_rule_set(population):
    rs = pr.load_ruleset(pr.shipped_ruleset_path("in_service"))
    name = sorted(rs.params)[0]
    value = rs.params[name]
    new = value + 1 if isinstance(value, int | float) and not isinstance(value, bool) else value
    ref = ReferenceEvaluator(rs, params={name: new})
    assert ref.ruleset.content_hash == pr.Evaluator(rs, params={name: new}).ruleset.content_hash
    _assert_same(rs.with_params(**{name: new}), _subjects(population, rs)[:40])


@given(g=generated_rulesets(with_crisis_veto=True), facts=subject_facts("member", edges=GENERATED_EDGES),
       veto=st.booleans())
def test_generated_rulesets_agree(g, facts, veto):
    rs = g.load()
    if veto:
        facts = pr.MemberFacts(facts.member, records=facts.records,
                               incidents=(*facts.incidents, veto_incident("IVETO")),
                               commendations=facts.commendations, annual=facts.annual)
    assert ReferenceEvaluator(rs).evaluate(facts, PERIOD).to_json() == pr.evaluate(rs, facts, period=PERIOD).to_json()


@settings(max_examples=20)
@given(g=generated_rulesets(large=True), facts=subject_facts("member", edges=GENERATED_EDGES))
def test_large_generated_rulesets_across_engine_chunks_agree(g, facts):
    rs = g.load()
    assert ReferenceEvaluator(rs).evaluate(facts, PERIOD).to_json() == pr.evaluate(rs, facts, period=PERIOD).to_json()


@given(c=condition_rulesets(), facts=subject_facts("member", edges=GENERATED_EDGES))
def test_random_conditions_agree(c, facts):
    rs = c.load()
    assert ReferenceEvaluator(rs).evaluate(facts, PERIOD).to_json() == pr.evaluate(rs, facts, period=PERIOD).to_json()


def test_the_reference_decides_without_the_engine(population, monkeypatch):
    """The reference backend never runs an engine session: with the engine's entry points broken it still scores
    (and still agrees with what the engine gave before they were broken)."""
    rs = pr.load_ruleset(pr.shipped_ruleset_path("branch"))
    subjects = list(population.branches[:20])
    want = [b.to_json() for b in pr.Evaluator(rs).evaluate_many(subjects, PERIOD).breakdowns]
    # partyrules.evaluate is also the name of a function, so the module is imported by its full name
    engine = importlib.import_module("partyrules.evaluate.engine")

    def broken(*args, **kwargs):
        raise AssertionError("the engine was used")

    monkeypatch.setattr(engine.Engine, "run_once", broken)
    monkeypatch.setattr(engine, "assert_and_drain", broken)
    got = [b.to_json() for b in ReferenceEvaluator(rs).evaluate_many(subjects, PERIOD).breakdowns]
    assert got == want


def test_a_wrong_firing_is_seen(population):
    """Differential testing works: a reference that drops one firing no longer agrees."""
    rs = pr.load_ruleset(pr.shipped_ruleset_path("in_service"))
    ref = ReferenceEvaluator(rs)
    original = ref.firings

    def drop_one(ctx):
        f = original(ctx)
        if f.main:
            f.main.pop(sorted(f.main)[0])
        return f

    ref.firings = drop_one  # type: ignore[method-assign]
    subjects = _subjects(population, rs)[:60]
    engine = pr.Evaluator(rs).evaluate_many(subjects, PERIOD).breakdowns
    mine = ref.evaluate_many(subjects, PERIOD).breakdowns
    assert any(a.to_json() != b.to_json() for a, b in zip(engine, mine, strict=True))


def test_the_example_ruleset_agrees(example_dir: Path):
    rs = pr.load_ruleset(example_dir / "member-example.yaml")
    population = pr.synthetic.generate_member_facts(80, seed=7, category="in_service")
    scored, _ = _assert_same(rs, population)
    assert scored == 80
