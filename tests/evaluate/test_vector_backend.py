"""The vectorised backend gives the same table as the durable-rules engine, bit for bit.

Differential tests: the engine (one session per subject) and the vectorised backend (polars over the whole
population) score the same populations, drawn by hypothesis for every shipped rule set and for generated rule sets,
and the demo sub-district; their tables must be equal exactly, and so must the subjects each leaves out.
"""

from __future__ import annotations

import random

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import partyrules as pr
from hand_facts import distinct_members, veto_incident
from partyrules.compile.columns import divide
from partyrules.evaluate import vector as vector_module
from partyrules.evaluate.backend import SubjectBackend
from partyrules.evaluate.backends import backends, get_backend
from partyrules.evaluate.compiled import compiled_ruleset
from partyrules.evaluate.population import score_population
from partyrules.evaluate.vector import seq_group_sums
from partyrules.population.frames import facts_to_population
from partyrules.score.vector import round6, seq_sum
from partyrules.synthetic import SubDistrict, generate_subdistrict
from partyrules.testing import GENERATED_EDGES, condition_rulesets, facts_for, generated_rulesets, subject_facts

PERIOD = "2026"
SHIPPED = ("branch", "in_service", "retired", "new_citizen", "community")
ID_PREFIX = {"member": "M", "branch": "B", "community": "C"}


@pytest.fixture(scope="module")
def subdistrict() -> SubDistrict:
    return generate_subdistrict(seed=2026)


def _pool(sd: SubDistrict, kind: str) -> list:
    return list({"member": sd.members, "branch": sd.branches, "community": sd.communities}[kind])


def assert_same_scores(a, b) -> None:
    assert_frame_equal(a.frame, b.frame, check_exact=True)
    assert a.not_applicable == b.not_applicable
    assert a.failures == b.failures


def assert_every_backend_agrees(rs: pr.RuleSet, subjects: list) -> None:
    """Every registered backend gives the same table, not-applicable list and failures, and every backend that
    explains one subject at a time the same breakdowns (JSON) and failures."""
    tables = {name: score_population(rs, subjects, PERIOD, backend=name) for name in backends()}
    first, *others = tables.values()
    for other in others:
        assert_same_scores(first, other)
    explained = {}
    for name in backends():
        backend = get_backend(name)
        if isinstance(backend, SubjectBackend):
            batch = backend.evaluate_many(compiled_ruleset(rs), subjects, PERIOD)
            explained[name] = ([b.to_json() for b in batch.breakdowns],
                               [(f.index, type(f.error), str(f.error)) for f in batch.failures])
    assert len(explained) >= 2 and len(set(map(repr, explained.values()))) == 1


def population_for(rs: pr.RuleSet, max_size: int = 5) -> st.SearchStrategy[list]:
    """A few subjects with distinct ids, each drawn by partyrules.testing.facts_for."""
    prefix = ID_PREFIX[rs.subject_kind]
    return st.integers(1, max_size).flatmap(
        lambda n: st.tuples(*[facts_for(rs, period=PERIOD, subject_id=f"{prefix}{i:03d}", max_incidents=4)
                              for i in range(n)])).map(list)


# -- the shipped rule sets -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_rulesets_equal_the_engine_on_the_demo_population(name, subdistrict):
    rs = pr.load_ruleset(pr.shipped_ruleset_path(name))
    pool = _pool(subdistrict, rs.subject_kind)
    # the engine on a sample (it is the slow yardstick); the same sample on the vectorised backend
    sample = random.Random(name).sample(pool, min(len(pool), 150))
    engine = score_population(rs, sample, PERIOD, backend="engine")
    vector = score_population(rs, sample, PERIOD, backend="vector")
    assert len(engine) > 0
    assert_same_scores(engine, vector)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_rulesets_equal_the_reference_on_the_whole_demo_population(name, subdistrict):
    rs = pr.load_ruleset(pr.shipped_ruleset_path(name))
    pop = facts_to_population(_pool(subdistrict, rs.subject_kind))
    assert_same_scores(score_population(rs, pop, PERIOD, backend="reference"),
                       score_population(rs, pop, PERIOD, backend="vector"))


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_rulesets_equal_the_engine_on_generated_populations(name):
    rs = pr.load_ruleset(pr.shipped_ruleset_path(name))

    @settings(max_examples=15)
    @given(subjects=population_for(rs))
    def body(subjects):
        assert_same_scores(score_population(rs, subjects, PERIOD, backend="engine"),
                           score_population(rs, subjects, PERIOD, backend="vector"))

    body()


# -- generated rule sets ---------------------------------------------------------------------------------------


@given(g=generated_rulesets(with_crisis_veto=True),
       facts=st.lists(subject_facts("member", edges=GENERATED_EDGES), min_size=1, max_size=4),
       veto=st.booleans())
def test_generated_rulesets_agree_on_every_backend(g, facts, veto):
    rs = g.load()
    if veto:
        f = facts[0]
        facts[0] = pr.MemberFacts(f.member, records=f.records, incidents=(*f.incidents, veto_incident("IVETO")),
                                  commendations=f.commendations, annual=f.annual)
    assert_every_backend_agrees(rs, distinct_members(facts))


@given(c=condition_rulesets(), facts=st.lists(subject_facts("member", edges=GENERATED_EDGES), min_size=1, max_size=4))
def test_random_conditions_agree_on_every_backend(c, facts):
    assert_every_backend_agrees(c.load(), distinct_members(facts))


def test_the_example_ruleset_equals_the_engine(example_dir):
    rs = pr.load_ruleset(example_dir / "member-example.yaml")
    subjects = pr.synthetic.generate_member_facts(120, seed=7, category="in_service")
    assert_same_scores(score_population(rs, subjects, PERIOD, backend="engine"),
                       score_population(rs, subjects, PERIOD, backend="vector"))


# -- what a population run reports -----------------------------------------------------------------------------
def test_breakdowns_on_demand_are_the_engines(subdistrict):
    rs = pr.load_ruleset(pr.shipped_ruleset_path("in_service"))
    scores = score_population(rs, subdistrict.members, PERIOD)
    for sid in scores.frame.get_column("subject_id").to_list()[:25]:
        b = scores.breakdown(sid)
        facts = next(m for m in subdistrict.members if m.subject_id == sid)
        assert b.to_json() == pr.evaluate(rs, facts, period=PERIOD).to_json()
        row = scores.frame.filter(pl.col("subject_id") == sid).row(0, named=True)
        assert row["total"] == b.total and row["grade"] == b.grade.id


def test_subjects_left_out_are_named_with_the_reason(subdistrict):
    rs = pr.load_ruleset(pr.shipped_ruleset_path("retired"))
    members = list(subdistrict.members[:60])
    # one member's records are moved a year on: it cannot be scored for 2026, and says why
    bad = members[3]
    data = bad.model_dump(mode="json")
    for r in data["records"]:
        r["month"] = "2027" + r["month"][4:]
    members[3] = pr.MemberFacts.model_validate(data)
    vector = score_population(rs, members, PERIOD)
    engine = score_population(rs, members, PERIOD, backend="engine")
    assert_same_scores(engine, vector)
    assert [sid for sid, _ in vector.failures] == [bad.subject_id]
    assert "outside the period" in vector.failures[0][1]
    others = {m.subject_id for m in members} - {bad.subject_id}
    assert set(vector.frame.get_column("subject_id")) | set(vector.not_applicable) == others
    assert all(m.member.category != "retired" for m in members if m.subject_id in vector.not_applicable)


def test_chunks_give_the_same_table(subdistrict):
    rs = pr.load_ruleset(pr.shipped_ruleset_path("new_citizen"))
    pop = facts_to_population(subdistrict.members)
    whole = vector_module.VectorEvaluator(rs).score(pop, pr.Period.parse(PERIOD))
    parts = vector_module.VectorEvaluator(rs).score(pop, pr.Period.parse(PERIOD), chunk=97)
    assert_same_scores(whole, parts)
    assert len(whole) > 97  # more than one chunk really was scored


def test_a_population_of_another_kind_is_refused(subdistrict):
    rs = pr.load_ruleset(pr.shipped_ruleset_path("branch"))
    with pytest.raises(pr.EvaluationError, match=r"scores branchs, but the population holds members"):
        score_population(rs, facts_to_population(subdistrict.members[:5]), PERIOD)


def test_a_wrong_reading_of_unknown_is_seen(subdistrict, monkeypatch):
    """The differential tests can fail: a backend that lets an unknown condition hold scores differently."""
    from partyrules.compile.columns import ColumnCompiler

    rs = pr.load_ruleset(pr.shipped_ruleset_path("in_service"))
    pop = facts_to_population(subdistrict.members)
    want = score_population(rs, pop, PERIOD, backend="reference").frame

    def lenient(self, node, in_item=False):
        return pl.lit(True) if node is None else self._c(node, in_item).fill_null(True)

    monkeypatch.setattr(ColumnCompiler, "holds", lenient)
    got = score_population(rs, pop, PERIOD).frame
    assert not got.equals(want)


# -- the arithmetic that makes it exact --------------------------------------------------------------------------
ties = st.builds(lambda k, e: (k + 0.5) / 1e6 + e, st.integers(-10**9, 10**9), st.sampled_from([0.0, 1e-16, -1e-16]))


@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False) | ties, min_size=1, max_size=50))
def test_round6_is_pythons_round(xs):
    got = pl.DataFrame({"x": xs}).select(round6(pl.col("x"))).to_series().to_list()
    want = [round(x, 6) + 0.0 for x in xs]
    assert [repr(v) for v in got] == [repr(v) for v in want]


@given(st.lists(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=3, max_size=3), min_size=1, max_size=20))
def test_seq_sum_adds_like_python(rows):
    df = pl.DataFrame(rows, schema=["a", "b", "c"], orient="row")
    got = df.select(seq_sum([pl.col("a"), pl.col("b"), pl.col("c")])).to_series().to_list()
    assert got == [sum(r) for r in rows]


@given(st.lists(st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=1, max_size=15), min_size=1, max_size=30))
def test_group_sums_add_like_python(groups):
    items = pl.DataFrame({"subject_id": [f"S{i:03d}" for i, g in enumerate(groups) for _ in g],
                          "x": [x for g in groups for x in g]})
    got = seq_group_sums(items, ["x"])
    assert got.get_column("subject_id").to_list() == [f"S{i:03d}" for i in range(len(groups))]
    assert got.get_column("x").to_list() == [sum(g) for g in groups]


def test_progress_is_reported_on_stderr_only_when_asked(subdistrict, capsys):
    rs = pr.load_ruleset(pr.shipped_ruleset_path("retired"))
    score_population(rs, subdistrict.members, PERIOD)
    assert capsys.readouterr().err == ""
    score_population(rs, subdistrict.members, PERIOD, progress=True)
    err = capsys.readouterr().err
    n = len(subdistrict.members)
    assert "aggregating records" in err and f"{n:,} of {n:,} subjects" in err and "done in" in err


@pytest.mark.parametrize("name,period", [("in_service", "2026-Q2"), ("branch", "2026-Q3"),
                                         ("new_citizen", "2026-01..2026-05")])
def test_periods_other_than_a_year_equal_the_engine(name, period):
    rs = pr.load_ruleset(pr.shipped_ruleset_path(name))
    prefix = ID_PREFIX[rs.subject_kind]

    @settings(max_examples=10)
    @given(subjects=st.integers(1, 4).flatmap(lambda n: st.tuples(*[
        facts_for(rs, period=period, subject_id=f"{prefix}{i:03d}", max_incidents=4) for i in range(n)])))
    def body(subjects):
        assert_same_scores(score_population(rs, list(subjects), period, backend="engine"),
                           score_population(rs, list(subjects), period, backend="vector"))

    body()


def test_an_empty_population_gives_an_empty_table():
    rs = pr.load_ruleset(pr.shipped_ruleset_path("in_service"))
    scores = score_population(rs, pr.Population("member", {
        name: pl.DataFrame(schema=pr.population.frames.table_schema("member", name))
        for name in pr.population.frames.layout("member")}), PERIOD)
    assert len(scores) == 0 and scores.frame.columns[0] == "subject_id"
    assert scores.not_applicable == [] and scores.failures == []


@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=30),
       st.floats(0.001, 1e4, allow_nan=False))
def test_dividing_by_a_constant_is_pythons_division(xs, d):
    # polars multiplies by the reciprocal of a scalar divisor (0.333333 / 10.0 -> 0.0333333): divide() does not
    got = pl.DataFrame({"x": xs}).select(divide(pl.col("x"), pl.lit(d))).to_series().to_list()
    assert got == [x / d for x in xs]


def test_polars_alone_would_not_divide_like_python():
    """Why divide() exists: if this starts failing, polars divides exactly and divide() can go."""
    got = pl.DataFrame({"x": [0.333333, 0.333333]}).select(pl.col("x") / pl.lit(10.0)).to_series().to_list()
    assert got != [0.333333 / 10.0] * 2
