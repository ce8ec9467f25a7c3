"""Points, floors, subtotals, totals and grades over columns: :mod:`partyrules.score.scoring`, vectorised.

Every number is the one the per-subject scorer computes, bit for bit. Three things make that so:
- sums of lines are written as one addition after another in declaration order, as Python's ``sum`` adds;
- rounding to 6 decimals is Python's ``round(x, 6)``, which rounds the exact binary value; it is reproduced
  with polars arithmetic alone (no Python callback): :func:`round6` is exact for every double (why, in its
  docstring); :func:`round6_near` is polars' own rounding, a few expressions, exact on every row where
  :func:`tie_free` holds, which the vectorised plan checks before it keeps a table (else it plans
  :func:`round6`);
- the floor of a dimension gives points back from the last-declared deduction first, one column at a time.

polars expands an expression tree, so an operand named twice at every level of a nested expression is computed
(and planned) 2^depth times: :func:`round6` names its operand once (:func:`_let`); the others name theirs two or
three times and are meant for columns (the plan binds each value it rounds to a column first).
"""

from __future__ import annotations

import operator
from functools import reduce

import polars as pl

ROUND = 6
_SCALE = 10.0 ** ROUND  # exact in binary, with 14 significant bits (2^6 x 15625)
_SPLIT = 134217729.0  # 2^27 + 1: Veltkamp's constant, splits a double into two halves of at most 26 bits
# From here on round(x, 6) == x: a double's neighbours are 2^-19 > 2 x 0.5e-6 apart, so x is the double nearest to
# any 6-decimal number within half a millionth of it (tests/score/test_round6.py draws on both sides).
_BIG = 2.0 ** 33
_f = pl.field


def _let(fields: dict[str, pl.Expr], *steps: dict[str, pl.Expr]) -> pl.Expr:
    """Named intermediate values: ``fields`` are computed once, each step's fields may read the ones before
    (``pl.field``), and the last step's last field is the value. A struct's fields are a let-binding in polars:
    its operands are named once however often the steps read them."""
    s = pl.struct(*(e.alias(k) for k, e in fields.items()))
    for step in steps:
        s = s.struct.with_fields(*(e.alias(k) for k, e in step.items()))
    return s.struct.field(list(steps[-1])[-1])


def round6(e: pl.Expr) -> pl.Expr:
    """Python's ``round(x, 6)`` element by element, with -0.0 written as 0.0 and NaN as null (as the per-subject
    scorer never sees either); null stays null, +-inf stays itself.

    Python rounds the exact binary value of ``x`` half to even. With ``y = fl(x * 1e6)``, polars' own
    ``round(6, "half_to_even")`` (``rint(y) / 1e6``, a true division) agrees with it except where ``y`` is exactly
    ``k + 0.5`` but ``x * 1e6`` is not: there the rounding error ``e = x * 1e6 - y`` decides. It is computed
    exactly (Dekker's product: ``1e6`` has 14 significant bits and each half of ``x`` at most 26, so every product
    is exact and ``(xh * 1e6 - y) + xl * 1e6`` has no rounding error). The identity needs ``|y| < 2^53`` (so that
    ``k`` and ``k + 1`` are exact): true below :data:`_BIG`, where every other value is its own rounding.
    ``(k + 1) / 1e6`` is divided by a column, since polars multiplies by the reciprocal of a constant."""
    x, y, k, err = _f("x"), _f("y"), _f("k"), _f("err")
    c = x * _SPLIT
    hi = c - (c - x)
    small = x.abs() < _BIG
    near = pl.when(small).then(x.round(ROUND, mode="half_to_even")).otherwise(x)
    up = (k + (err > 0.0).cast(pl.Float64)) / (y * 0.0 + _SCALE)
    rounded = pl.when(small & (y - k == 0.5) & (err != 0.0)).then(up).otherwise(near)
    return _let({"x": e.cast(pl.Float64)},
                {"y": x * _SCALE, "hi": hi},
                {"k": y.floor(), "err": (_f("hi") * _SCALE - y) + (x - _f("hi")) * _SCALE},
                {"r": rounded},
                {"out": pl.when(x.is_nan()).then(None).when(_f("r") == 0.0).then(0.0).otherwise(_f("r"))})


# constants as expressions made once: the plan rounds a few hundred columns per call, and building a literal from a
# Python float is most of the cost of building these small expressions
_ZERO, _HALF, _SCALE_LIT, _BIG_LIT = (pl.lit(v, pl.Float64) for v in (0.0, 0.5, _SCALE, _BIG))


def round6_near(x: pl.Expr) -> pl.Expr:
    """``round6(x)`` wherever :func:`tie_free` holds (polars' own rounding, and no -0.0); elsewhere undefined.

    ``x`` (a Float64) is named twice: pass a column, not a computation (see the module's note)."""
    r = x.round(ROUND, mode="half_to_even")
    return pl.when(r == _ZERO).then(_ZERO).otherwise(r)


def tie_free(x: pl.Expr) -> pl.Expr:
    """Whether :func:`round6_near` of ``x`` (a Float64) is Python's ``round(x, 6)``: ``x`` is a number below
    :data:`_BIG` and ``fl(x * 1e6)`` is not exactly halfway between two integers (where only the exact product
    can decide, see :func:`round6`). Null is tie free (both give null). ``x`` is named three times."""
    y = x * _SCALE_LIT
    return ((x.abs() < _BIG_LIT) & (y - y.floor() != _HALF)).fill_null(True)


def seq_sum(parts: list[pl.Expr]) -> pl.Expr:
    """``sum(parts)`` as Python computes it: ``0 + a + b + ...``, left to right."""
    if not parts:
        return pl.lit(0.0)
    return reduce(operator.add, [pl.lit(0).cast(pl.Float64), *[p.cast(pl.Float64) for p in parts]])


def fmin(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """Python's ``min(a, b)`` of two numbers (the first on a tie). Names each operand twice."""
    return pl.when(b < a).then(b).otherwise(a)


def fmax(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """Python's ``max(a, b)`` of two numbers (the first on a tie). Names each operand twice."""
    return pl.when(b > a).then(b).otherwise(a)
