"""``in_range`` of the vectorised backend: the same values as the Python callback it replaced, and as the
closures' ``in_range`` (:mod:`partyrules.lang.interp`), on every dtype the compiler feeds it, without a callback and
without the exponential plan a twice-named operand gives."""

from __future__ import annotations

import math
import struct
from collections.abc import Callable

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from partyrules.compile.columns import in_range, in_range_column
from partyrules.lang.interp import in_range as interp_in_range
from partyrules.lang.limits import MAX_MAGNITUDE

M = MAX_MAGNITUDE
I64_MIN, I64_MAX = -(2**63), 2**63 - 1


def old_in_range(e: pl.Expr) -> pl.Expr:
    """The replaced implementation, kept as the oracle: a Python callback over each computed batch."""

    def series(s: pl.Series) -> pl.Series:
        return s.to_frame("v").select(pl.when(pl.col("v").abs() <= M).then(pl.col("v"))).to_series().alias(s.name)

    return e.map_batches(series, return_dtype=pl.self_dtype(), is_elementwise=True)


def same(a: object, b: object) -> bool:
    """Equal values, bit for bit for floats (-0.0 is not 0.0, NaN never reaches a result)."""
    if isinstance(a, float) and isinstance(b, float):
        return struct.pack("<d", a) == struct.pack("<d", b)
    return type(a) is type(b) and a == b


def edge_floats() -> list[float]:
    fm = float(M)
    out = [0.0, -0.0, 1.5, -1.5, math.inf, -math.inf, math.nan, 1e308, -1e308, 5e-324]
    for x in (fm, -fm):
        out += [x, math.nextafter(x, 0.0), math.nextafter(x, math.inf), math.nextafter(x, -math.inf)]
    return out


def edge_ints() -> list[int]:
    return [0, 1, -1, M, M - 1, M + 1, -M, -M + 1, -M - 1, I64_MAX, I64_MIN, I64_MIN + 1, 2**62, -(2**62)]


floats = st.one_of(st.sampled_from(edge_floats()), st.floats(allow_nan=True, allow_infinity=True), st.none())
ints64 = st.one_of(st.sampled_from(edge_ints()), st.integers(I64_MIN, I64_MAX),
                   st.integers(-M - 4, -M + 4), st.integers(M - 4, M + 4), st.none())
ints128 = st.one_of(ints64, st.integers(-(2**127), 2**127 - 1))


def check(values: list, dtype: pl.DataType) -> None:
    df = pl.DataFrame({"x": values}, schema={"x": dtype})
    got = df.select(in_range(pl.col("x")))
    assert got.schema == df.schema  # name and dtype kept
    new = got.to_series().to_list()
    old = df.select(old_in_range(pl.col("x"))).to_series().to_list()
    for v, n, o in zip(values, new, old, strict=True):
        want = None if v is None else interp_in_range(v)
        assert (n is None and want is None) or same(n, want), (v, n, want)
        if v != I64_MIN:  # the old check let int64's minimum through (its abs() wraps to itself)
            assert (n is None and o is None) or same(n, o), (v, n, o)


@given(st.lists(floats, max_size=30))
def test_floats_as_the_callback_and_the_closures(values: list[float | None]) -> None:
    check(values, pl.Float64())


@given(st.lists(ints64, max_size=30))
def test_int64_as_the_callback_and_the_closures(values: list[int | None]) -> None:
    check(values, pl.Int64())


@given(st.lists(ints128, max_size=30))
def test_int128_as_the_callback_and_the_closures(values: list[int | None]) -> None:
    check(values, pl.Int128())


def test_every_edge_at_once() -> None:
    check([*edge_floats(), None], pl.Float64())
    check([*edge_ints(), None], pl.Int64())
    check([*edge_ints(), None, 2**100, -(2**100)], pl.Int128())


def test_int64_minimum_is_out_of_range() -> None:
    # regression: -2^63 has no int64 absolute value; abs() gave -2^63 back, which passed "abs <= 2^53"
    df = pl.DataFrame({"x": [I64_MIN, I64_MIN]}, schema={"x": pl.Int64})
    assert df.select(in_range(pl.col("x"))).to_series().to_list() == [None, None]
    assert df.select(in_range_column(pl.col("x"))).to_series().to_list() == [None, None]


def test_no_python_callback() -> None:
    assert "map" not in str(in_range(pl.col("x")))  # no map_batches / map_elements in the expression


def test_literal_keeps_its_name_and_broadcasts() -> None:
    df = pl.DataFrame({"x": [1.0, 2.0]})
    out = df.select(pl.col("x"), in_range(pl.lit(3, pl.Int64) * pl.lit(1, pl.Int128) * pl.lit(M, pl.Int64)))
    assert out.columns == ["x", "literal"]
    assert out["literal"].to_list() == [None, None]


OPS = st.sampled_from(["+", "-", "*", "/"])


def step(e: pl.Expr, op: str, k: str, check_range: Callable[[pl.Expr], pl.Expr]) -> pl.Expr:
    b = pl.col(k)
    if op == "/":
        return check_range(pl.when(b == 0).then(None).otherwise(e / b))
    if op == "*":
        return check_range(e * pl.lit(1, pl.Int128) * b)
    return check_range(e + b if op == "+" else e - b)


def python_step(v: object, op: str, b: object) -> object:
    if v is None or b is None:
        return None
    if op == "/":
        return None if b == 0 else interp_in_range(v / b)
    return interp_in_range({"+": v + b, "-": v - b, "*": v * b}[op])


@given(st.lists(st.tuples(OPS, st.sampled_from(["a", "b", "f"])), min_size=20, max_size=20),
       st.lists(st.tuples(ints64, st.integers(-3, 2**30), floats), min_size=1, max_size=6))
def test_twenty_deep_as_the_callback_and_the_closures(ops: list[tuple[str, str]],
                                                     rows: list[tuple[int | None, int, float | None]]) -> None:
    """20 nested checked steps: planned and run quickly, the same values as the callback, and as Python's
    numbers stepped one by one with the closures' ``in_range``."""
    df = pl.DataFrame({"a": [r[0] for r in rows], "b": [r[1] for r in rows], "f": [r[2] for r in rows]},
                      schema={"a": pl.Int64, "b": pl.Int64, "f": pl.Float64})
    new, old = pl.col("a"), pl.col("a")
    for op, k in ops:
        new, old = step(new, op, k, in_range), step(old, op, k, old_in_range)
    got = df.lazy().select(new.alias("r")).collect()["r"].to_list()
    want_old = df.lazy().select(old.alias("r")).collect()["r"].to_list()
    for i, row in enumerate(rows):
        v: object = row[0]  # the leaf is read as it is, as the compiler reads a column
        for op, k in ops:
            v = python_step(v, op, {"a": row[0], "b": row[1], "f": row[2]}[k])
        assert (got[i] is None and v is None) or float(got[i]) == float(v), (row, got[i], v)  # type: ignore[arg-type]
        assert (got[i] is None and want_old[i] is None) or same(got[i], want_old[i])


def _nested(depth: int) -> pl.Expr:
    e = pl.col("x")
    for _ in range(depth):
        e = in_range(e * pl.lit(1, pl.Int128) * pl.col("y") + pl.lit(1, pl.Int64))
    return e


@pytest.mark.parametrize("depth", [20, 40])
def test_plan_grows_linearly(depth: int) -> None:
    """Each level adds a fixed part to the plan (a twice-named operand doubles it per level: 2^40 at depth 40, which
    no machine plans). Measured as the plan's size, not its time: the same on every machine."""
    df = pl.DataFrame({"x": [1.0, None], "y": [1, 2]})
    assert df.lazy().select(_nested(depth)).collect().to_series().to_list() == [float(depth + 1), None]
    size = len(df.lazy().select(_nested(depth)).explain(optimized=False))
    half = len(df.lazy().select(_nested(depth // 2)).explain(optimized=False))
    assert size <= 2.2 * half
