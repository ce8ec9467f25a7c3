"""The three backends report the same failures the same way (issue 14).

Measured before: a period outside the rule set's ``effective`` dates raised for the whole call on the vectorised
backend, but listed every subject in ``failures`` on the engine and reference backends. What is wrong with the
call (the period, the kind of subject) is now one typed error on every backend; what is wrong with one subject
(records outside the period, an annual evaluation of another year) is that subject's failure on every backend,
with the same reason.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import partyrules as pr
from partyrules.errors import NotInForceError
from partyrules.evaluate.backends import BACKENDS
from partyrules.population.frames import facts_to_population
from partyrules.synthetic import generate_member_facts

ROOT = Path(__file__).resolve().parents[2]
RULESETS = {"in_service": ROOT / "rulesets" / "member-in-service.yaml",
            "example": Path(pr.__file__).parent / "data" / "example" / "member-example.yaml"}
PERIODS = ["2025", "2026", "2027", "2026-Q1", "2026-Q4", "2026-03", "2026-12", "2026-01..2026-06", "2025-11..2026-02"]


@cache
def ruleset(name: str, effective: tuple[date, date | None] | None) -> pr.RuleSet:
    path = RULESETS[name]
    text = path.read_text(encoding="utf-8")
    if effective is not None:
        start, until = effective
        line = f"effective: {{from: {start.isoformat()}" + (f", until: {until.isoformat()}}}" if until else "}")
        assert text.count("\neffective: {from: 2026-01-01}\n") == 1  # both declare it: replaced by the drawn one
        text = text.replace("\neffective: {from: 2026-01-01}\n", f"\n{line}\n", 1)
    return pr.loads_ruleset(text, file=str(path), root=path.parent)


@cache
def population(seed: int) -> pr.Population:
    # members of 2026: a period shorter than the year leaves them with records outside it
    return facts_to_population(generate_member_facts(6, seed=seed))


def outcome(rs: pr.RuleSet, pop: pr.Population, period: str, backend: str) -> tuple:
    try:
        s = pr.score_population(rs, pop, period, backend=backend)
    except pr.PartyRulesError as exc:
        return ("raised", type(exc).__name__, str(exc))
    return ("scored", s.failures, sorted(s.not_applicable), s.frame.get_column("subject_id").to_list())


days = st.dates(date(2025, 1, 1), date(2027, 12, 31))
effective = st.one_of(st.none(), st.tuples(days, st.one_of(st.none(), days)).map(
    lambda t: t if t[1] is None or t[1] >= t[0] else (t[1], t[0])))


@settings(max_examples=25, deadline=None)
@example(name="in_service", eff=None, period="2025", seed=0)  # the finding: listed per subject on two backends
@example(name="in_service", eff=None, period="2026-Q1", seed=0)  # each member's own failure, on every backend
@example(name="example", eff=None, period="2026", seed=1)
@given(name=st.sampled_from(sorted(RULESETS)), eff=effective, period=st.sampled_from(PERIODS),
       seed=st.integers(0, 3))
def test_the_three_backends_report_the_same_failures_the_same_way(name, eff, period, seed):
    rs, pop = ruleset(name, eff), population(seed)
    got = {b: outcome(rs, pop, period, b) for b in BACKENDS}
    assert got["engine"] == got["vector"] == got["reference"]
    p, declared = pr.Period.parse(period), rs.spec.effective
    assert declared is not None
    outside = p.start_date < declared.from_ or (declared.until is not None and p.end_date > declared.until)
    assert (got["vector"][:2] == ("raised", "NotInForceError")) == outside
    if period == "2026-Q1" and not outside:  # every member has records of other months: a failure each
        assert got["vector"][0] == "scored" and len(got["vector"][1]) == len(pop)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_period_outside_effective_is_one_error_for_the_whole_call(backend):
    rs = ruleset("in_service", (date(2026, 1, 1), date(2026, 12, 31)))
    with pytest.raises(NotInForceError, match="does not cover the period 2027"):
        pr.score_population(rs, population(0), "2027", backend=backend)
    assert isinstance(NotInForceError("x"), pr.EvaluationError)  # callers catching the old type still do


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_population_of_another_kind_is_one_error_on_every_backend(backend):
    branch = pr.load_ruleset(pr.shipped_ruleset_path("branch"))
    with pytest.raises(pr.EvaluationError, match="scores branchs, but the population holds members"):
        pr.score_population(branch, population(0), "2026", backend=backend)
