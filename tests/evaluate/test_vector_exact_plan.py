"""The vectorised plan's two roundings give the engine's table: polars' own rounding where every row's check says it
is exact (the common case), and the exact rounding everywhere when a check fails on some row.

The exact plan is rare in real data (a value must land exactly halfway in binary), so here it is forced: the check
is made to fail on every row, and the table must still be the reference backend's, bit for bit.
"""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import partyrules as pr
from hand_facts import distinct_members
from partyrules.evaluate.population import score_population
from partyrules.evaluate.vector import evaluator, plan
from partyrules.population.frames import facts_to_population
from partyrules.synthetic import SubDistrict, generate_subdistrict
from partyrules.testing import GENERATED_EDGES, generated_rulesets, subject_facts

SHIPPED = ("branch", "in_service", "retired", "new_citizen", "community")


@pytest.fixture(scope="module")
def subdistrict() -> SubDistrict:
    return generate_subdistrict(seed=2026)


@pytest.fixture
def exact_plans(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Every check fails, so every table comes from the exact plan; returns the plans made (True: exact)."""
    made: list[bool] = []
    real = evaluator.RulePlan

    class Spy(real):  # type: ignore[misc, valid-type]
        def __init__(self, *args, exact: bool = False, **kw) -> None:  # type: ignore[no-untyped-def]
            made.append(exact)
            super().__init__(*args, exact=exact, **kw)

    monkeypatch.setattr(evaluator, "RulePlan", Spy)
    monkeypatch.setattr(plan, "tie_free", lambda x: x.is_null())  # fails on every number
    return made


def _pool(sd: SubDistrict, kind: str) -> list:
    return list({"member": sd.members, "branch": sd.branches, "community": sd.communities}[kind])


@pytest.mark.parametrize("name", SHIPPED)
def test_the_exact_plan_equals_the_reference(name: str, subdistrict: SubDistrict, exact_plans: list[bool]) -> None:
    rs = pr.load_ruleset(pr.shipped_ruleset_path(name))
    pop = facts_to_population(_pool(subdistrict, rs.subject_kind))
    want = score_population(rs, pop, "2026", backend="reference")
    got = score_population(rs, pop, "2026", backend="vector")
    assert exact_plans == [False, True]  # the fast plan's checks failed, and the exact plan made the table
    assert_frame_equal(got.frame, want.frame, check_exact=True)
    assert (got.not_applicable, got.failures) == (want.not_applicable, want.failures)


def test_the_fast_plan_is_kept_when_every_check_holds(subdistrict: SubDistrict) -> None:
    made: list[bool] = []
    real = evaluator.RulePlan

    class Spy(real):  # type: ignore[misc, valid-type]
        def __init__(self, *args, exact: bool = False, **kw) -> None:  # type: ignore[no-untyped-def]
            made.append(exact)
            super().__init__(*args, exact=exact, **kw)

    with pytest.MonkeyPatch.context() as m:
        m.setattr(evaluator, "RulePlan", Spy)
        rs = pr.load_ruleset(pr.shipped_ruleset_path("in_service"))
        score_population(rs, facts_to_population(subdistrict.members), "2026")
    assert made == [False]




@settings(max_examples=10)
@given(g=generated_rulesets(with_crisis_veto=True),
       facts=st.lists(subject_facts("member", edges=GENERATED_EDGES), min_size=1, max_size=4))
def test_the_exact_plan_equals_the_engine_on_generated_rulesets(g, facts) -> None:  # type: ignore[no-untyped-def]
    rs = g.load()
    subjects = distinct_members(facts)
    want = score_population(rs, subjects, "2026", backend="engine")
    with pytest.MonkeyPatch.context() as m:
        m.setattr(plan, "tie_free", lambda x: x.is_null())
        got = score_population(rs, subjects, "2026", backend="vector")
    assert_frame_equal(got.frame, want.frame, check_exact=True)


def test_a_row_beyond_the_bound_is_rounded_exactly() -> None:
    """Not forced: a value beyond 2^33 fails its check by itself (polars' rounding is wrong there)."""
    x = pl.DataFrame({"x": [2.0 ** 40 + 0.5]})
    assert not x.select(plan.tie_free(pl.col("x"))).item()
