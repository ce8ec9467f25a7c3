"""Points, floors, subtotals, totals and grades over columns: :mod:`partyrules.score.scoring`, vectorised.

Every number is the one the per-subject scorer computes, bit for bit. Three things make that so:
- sums of lines are written as one addition after another in declaration order, as Python's ``sum`` adds;
- rounding to 6 decimals is Python's ``round(x, 6)`` (:func:`round6`), which rounds the exact binary value:
  vectorised rounding agrees with it except within a hair of a tie, and those few values are rounded by Python;
- the floor of a dimension gives points back from the last-declared deduction first, one column at a time.
"""

from __future__ import annotations

import operator
from functools import reduce

import numpy as np
import polars as pl

ROUND = 6
_SCALE = 10.0 ** ROUND
_TIE = 1e-6  # far above the error of x * 1e6 for points below 1e9, far below the distance of a non-tie


def _round6_series(s: pl.Series) -> pl.Series:
    a = s.cast(pl.Float64).to_numpy().copy()
    y = a * _SCALE
    out = np.round(y) / _SCALE
    frac = y - np.floor(y)
    near = np.abs(frac - 0.5) < _TIE
    for i in np.flatnonzero(near):
        out[i] = round(float(a[i]), ROUND)
    out[out == 0] = 0.0  # never -0.0, as the per-subject scorer
    nulls = np.isnan(a)
    if nulls.any():
        return pl.Series(s.name, out, dtype=pl.Float64).scatter(np.flatnonzero(nulls), None)
    return pl.Series(s.name, out, dtype=pl.Float64)


def round6(e: pl.Expr) -> pl.Expr:
    """Python's ``round(x, 6)`` (with -0.0 written as 0.0), element by element."""
    return e.map_batches(_round6_series, return_dtype=pl.Float64, is_elementwise=True)


def seq_sum(parts: list[pl.Expr]) -> pl.Expr:
    """``sum(parts)`` as Python computes it: ``0 + a + b + ...``, left to right."""
    if not parts:
        return pl.lit(0.0)
    return reduce(operator.add, [pl.lit(0).cast(pl.Float64), *[p.cast(pl.Float64) for p in parts]])


def fmin(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """Python's ``min(a, b)`` of two numbers (the first on a tie)."""
    return pl.when(b < a).then(b).otherwise(a)


def fmax(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """Python's ``max(a, b)`` of two numbers (the first on a tie)."""
    return pl.when(b > a).then(b).otherwise(a)
