"""Calibration over a parameter: the value found, re-scored, meets every target; a refusal is confirmed by scoring
every candidate value; the search scores fewer values than there are candidates when the shares are monotone."""

from __future__ import annotations

from fractions import Fraction
from functools import cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partyrules.analyse.calibrate import Target, calibrate
from partyrules.analyse.calibrate.params import candidates
from partyrules.analyse.reform import apply_reform
from partyrules.errors import CalibrationError, NoCalibrationError
from partyrules.evaluate.population import score_population
from partyrules.population.frames import facts_to_population
from partyrules.rulesets.loader import load_ruleset
from partyrules.shipped_rulesets import shipped_ruleset_path
from partyrules.synthetic import generate_subdistrict

RS = load_ruleset(shipped_ruleset_path("in_service"))
PARAM, RANGE, STEP = "organ_volunteer_hours", (20.0, 200.0), 20.0


@cache
def _population():
    area = generate_subdistrict(seed=2026)
    members = [m for m in area.members if m.member.category == "in_service"][:240]
    return facts_to_population(members, "member"), str(area.year)


def _warning_share(value: float) -> Fraction:
    pop, period = _population()
    frame = score_population(RS.with_params(**{PARAM: value}), pop, period).frame
    graded = frame.filter(frame["status"] != "probationary")
    below = graded.filter(graded["vetoed"] | (graded["total"] + 1e-9 < 70))
    return Fraction(below.height, graded.height)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["at_most", "at_least", "about"]), st.integers(5, 30), st.integers(0, 3))
def test_the_value_found_rescored_meets_the_target_and_a_refusal_is_exhaustive(op, pct, tol):
    pop, period = _population()
    base = score_population(RS, pop, period)
    target = Target("warning", op, Fraction(pct, 100), Fraction(tol, 100))
    try:
        result = calibrate(base, [target], param=PARAM, range=RANGE, step=STEP, population=pop)
    except NoCalibrationError as exc:
        values = candidates(RS, PARAM, *RANGE, STEP)
        lo, hi = target.bounds
        assert not any(lo <= _warning_share(v) <= hi for v in values), exc
        return
    value = result.calibrated[PARAM]
    assert apply_reform(RS, result.reform).params[PARAM] == value
    lo, hi = target.bounds
    assert lo <= _warning_share(value) <= hi
    assert result.evaluated <= len(candidates(RS, PARAM, *RANGE, STEP))


def test_bisection_scores_fewer_values_when_monotone():
    pop, period = _population()
    base = score_population(RS, pop, period)
    result = calibrate(base, ["warning~15%±1%"], param=PARAM, range=(0, 300), step=2, population=pop)
    assert result.evaluated < len(candidates(RS, PARAM, 0, 300, 2)) / 3
    lo, hi = Fraction(14, 100), Fraction(16, 100)
    assert lo <= _warning_share(result.calibrated[PARAM]) <= hi


@pytest.mark.parametrize("kwargs,named", [
    ({"param": "organ_volunter_hours", "range": (1, 2)}, "organ_volunteer_hours"),
    ({"param": PARAM, "range": (5, 1)}, "empty"),
    ({"param": PARAM, "range": (0, 100_000), "step": 1}, "candidate values"),
])
def test_bad_parameter_requests(kwargs, named):
    pop, period = _population()
    base = score_population(RS, pop, period)
    with pytest.raises(CalibrationError) as err:
        calibrate(base, ["warning<=10%"], population=pop, **kwargs)
    assert named in str(err.value)


def test_candidates():
    assert candidates(RS, PARAM, 10, 20, 5) == [10, 15, 20]
    assert all(isinstance(v, int) for v in candidates(RS, PARAM, 10, 20, None))
    assert np.allclose(candidates(RS, "volunteer_shortfall_share", 0.1, 0.3, 0.1), [0.1, 0.2, 0.3])
