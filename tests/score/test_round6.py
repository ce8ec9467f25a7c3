"""Rounding to 6 decimals over columns is Python's ``round(x, 6)`` bit for bit, with polars arithmetic only.

``round6`` is exact everywhere (Dekker's exact product decides the values that land exactly halfway in binary);
``round6_near`` is polars' own rounding, exact wherever ``tie_free`` says so, which the vectorised plan checks on
every row before it trusts it. Drawn on both sides of every kind of edge: values a hair off a tie (found by
``nextafter``), exact binary ties, huge and tiny magnitudes, negatives, and the bound of 2^33 beyond which a double
is its own rounding.
"""

from __future__ import annotations

import math

import polars as pl
from hypothesis import example, given
from hypothesis import strategies as st

from partyrules.score.vector import round6, round6_near, tie_free


def _python(x: float | None) -> float | None:
    if x is None or math.isnan(x):
        return None  # the plan never rounds NaN; it becomes null, as before
    return round(x, 6) + 0.0  # -0.0 is written 0.0


def _near_tie(k: int, steps: int) -> float:
    x = (k + 0.5) / 1e6
    for _ in range(abs(steps)):
        x = math.nextafter(x, math.inf if steps > 0 else -math.inf)
    return x


ties = st.builds(_near_tie, st.integers(-(10 ** 15), 10 ** 15), st.integers(-3, 3))
binary_ties = st.builds(lambda k, e: k / 2 ** e, st.integers(-(10 ** 12), 10 ** 12), st.integers(7, 30))
magnitudes = st.builds(lambda m, e: m * 10.0 ** e, st.floats(-10, 10, allow_nan=False), st.integers(-320, 300))
# where fl(x * 1e6) reaches 2^52 (whole numbers from there) and the bound 2^33, on both sides
around_big = st.builds(lambda k, s, sign: sign * _near_tie(k, s),
                       st.sampled_from([2 ** 52 - 1, 2 ** 52, 2 ** 52 + 1, 2 ** 33 * 10 ** 6 - 1, 2 ** 33 * 10 ** 6]),
                       st.integers(-40, 40), st.sampled_from([1, -1]))
values = st.floats(allow_nan=True, allow_infinity=True) | ties | binary_ties | magnitudes | around_big


def _as_repr(xs: list[float | None]) -> list[str]:
    return [repr(x) for x in xs]


@given(st.lists(values | st.none(), min_size=1, max_size=60))
@example([0.1234565, 2.675, -0.0000005, 5e-7, -1e-9, -0.0, 0.0, 2.0 ** 33, -(2.0 ** 33), 2.0 ** 33 - 2 ** -20,
          4503599627.370496, 8589934591.9999995, 1e300, 5e-324, math.inf, -math.inf, math.nan, None])
def test_round6_is_pythons_round(xs: list[float | None]) -> None:
    df = pl.DataFrame({"x": xs}, schema={"x": pl.Float64})
    got = df.select(round6(pl.col("x"))).to_series().to_list()
    assert _as_repr(got) == _as_repr([_python(x) for x in xs])
    # the same in a lazy plan with every optimisation on (nothing is re-associated or folded)
    lazy = df.lazy().select(round6(pl.col("x") * 1.0)).collect().to_series().to_list()
    assert _as_repr(lazy) == _as_repr(got)


@given(st.lists(values | st.none(), min_size=1, max_size=60))
def test_polars_rounding_is_exact_where_tie_free_says_so(xs: list[float | None]) -> None:
    df = pl.DataFrame({"x": xs}, schema={"x": pl.Float64})
    got = df.select(round6_near(pl.col("x")).alias("r"), tie_free(pl.col("x")).alias("ok"))
    for x, r, ok in zip(xs, got.get_column("r"), got.get_column("ok"), strict=True):
        assert ok is not None
        if ok:
            assert repr(r) == repr(_python(x)), x


def test_tie_free_catches_every_value_polars_rounds_otherwise() -> None:
    """The check is not vacuous: values a hair off a tie, which polars rounds the wrong way, are flagged (a check
    that always said yes would let these through, and test_polars_... above would fail)."""
    xs = [_near_tie(k, s) for k in range(-2000, 2000, 7) for s in (-1, 1)]
    df = pl.DataFrame({"x": xs})
    got = df.select(round6_near(pl.col("x")).alias("r"), tie_free(pl.col("x")).alias("ok"))
    wrong = [x for x, r in zip(xs, got.get_column("r"), strict=True) if repr(r) != repr(_python(x))]
    assert wrong  # polars alone is not Python's round ...
    flagged = set(df.filter(~got.get_column("ok")).get_column("x"))
    assert set(wrong) <= flagged  # ... and every such value is caught


def _nested(levels: int) -> pl.Expr:
    e = pl.col("x")
    for _ in range(levels):
        e = round6(e * 1.5 + 0.1234567)
    return e


def test_round6_names_its_operand_once() -> None:
    """Nesting does not multiply the work: each level adds a fixed part to the plan (an operand named twice per
    level would double it: 2^10 copies at ten levels). Measured as the plan's size, the same on every machine."""
    frame = pl.DataFrame({"x": [0.25]})
    got = frame.select(_nested(10)).item()
    size, half = (len(frame.lazy().select(_nested(n)).explain(optimized=False)) for n in (10, 5))
    assert size <= 2.2 * half
    want = 0.25
    for _ in range(10):
        want = round(want * 1.5 + 0.1234567, 6)
    assert got == want
