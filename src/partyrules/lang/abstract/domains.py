"""The abstract values: an interval of numbers (open or closed ends, integer or not) or a set of values, either of
which may also be missing (``none``), with their meet and join, and the interval arithmetic the analysis computes
with, kept sound when float arithmetic overflows."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, replace
from typing import Any

INF = math.inf
T, F, N = True, False, None  # the three outcomes of a condition (N: unknown, because a value is missing)
OUTCOMES: tuple[bool | None, ...] = (T, F, N)


@dataclass(frozen=True, slots=True)
class AV:
    """An abstract value: every value an expression may take.

    ``kind`` is ``num``, ``bool``, ``str`` or ``any``. Numbers are the interval ``lo..hi`` (``lo_open``/``hi_open``
    for strict ends; ``integer`` when only whole numbers occur). Conditions and texts are ``values`` (``None``:
    any text). ``none`` says the value may be missing.
    """

    kind: str
    lo: float = -INF
    hi: float = INF
    lo_open: bool = False
    hi_open: bool = False
    integer: bool = False
    values: frozenset[Any] | None = None
    none: bool = False

    # -- shape -------------------------------------------------------------------------------------------------
    def has_value(self) -> bool:
        """Whether some value other than ``none`` is possible."""
        if self.kind == "none":
            return False
        if self.kind == "num":
            if self.lo > self.hi:
                return False
            return not (self.lo == self.hi and (self.lo_open or self.hi_open))
        if self.kind in ("bool", "str"):
            return self.values is None or bool(self.values)
        return True

    def empty(self) -> bool:
        return not self.none and not self.has_value()

    def only_none(self) -> AV:
        return AV("none", none=True)

    def without_none(self) -> AV:
        return replace(self, none=False)

    def point(self) -> object:
        """The single value this may take, or ``...`` when there is not exactly one."""
        if self.none:
            return None if not self.has_value() else ...
        if self.kind == "num" and self.lo == self.hi and not (self.lo_open or self.hi_open):
            return self.lo
        if self.kind in ("bool", "str") and self.values is not None and len(self.values) == 1:
            return next(iter(self.values))
        return ...

    # -- lattice -------------------------------------------------------------------------------------------------
    def normal(self) -> AV:
        if self.kind != "num" or not self.integer:
            return self
        lo, hi = self.lo, self.hi
        # an infinite end (an empty interval is INF..-INF) has no whole number to round to; ends stay floats, as
        # Python integers made of huge ends would overflow when next added to a float
        if math.isfinite(lo):
            lo = float(math.floor(lo) + 1 if self.lo_open and lo == math.floor(lo) else math.ceil(lo))
        if math.isfinite(hi):
            hi = float(math.ceil(hi) - 1 if self.hi_open and hi == math.ceil(hi) else math.floor(hi))
        return replace(self, lo=lo, hi=hi, lo_open=False, hi_open=False)

    def meet(self, other: AV) -> AV:
        """The values both allow."""
        none = self.none and other.none
        if "none" in (self.kind, other.kind):
            return AV("none", none=none)
        if self.kind == "any":
            return replace(other, none=none)
        if other.kind == "any" or other.kind != self.kind:
            return replace(self, none=none)
        if self.kind == "num":
            lo, lo_open = _max_lo(self.lo, self.lo_open, other.lo, other.lo_open)
            hi, hi_open = _min_hi(self.hi, self.hi_open, other.hi, other.hi_open)
            return AV("num", lo, hi, lo_open, hi_open, self.integer or other.integer, none=none).normal()
        if self.values is None:
            return replace(other, none=none)
        if other.values is None:
            return replace(self, none=none)
        return replace(self, values=self.values & other.values, none=none)

    def join(self, other: AV) -> AV:
        """The values either allows."""
        none = self.none or other.none
        if self.kind == "none":
            return replace(other, none=none)
        if other.kind == "none":
            return replace(self, none=none)
        if self.kind != other.kind or self.kind == "any":
            if self.kind != "any" and not other.has_value():
                return replace(self, none=none)
            if other.kind != "any" and not self.has_value():
                return replace(other, none=none)
            return AV("any", none=none)
        if self.kind == "num":
            if not self.has_value():
                return replace(other, none=none)
            if not other.has_value():
                return replace(self, none=none)
            lo, lo_open = _min_lo(self.lo, self.lo_open, other.lo, other.lo_open)
            hi, hi_open = _max_hi(self.hi, self.hi_open, other.hi, other.hi_open)
            return AV("num", lo, hi, lo_open, hi_open, self.integer and other.integer, none=none)
        if self.values is None or other.values is None:
            return AV(self.kind, values=None, none=none)
        return AV(self.kind, values=self.values | other.values, none=none)


def _max_lo(a: float, ao: bool, b: float, bo: bool) -> tuple[float, bool]:
    return (a, ao or (a == b and bo)) if a >= b else (b, bo)


def _min_hi(a: float, ao: bool, b: float, bo: bool) -> tuple[float, bool]:
    return (a, ao or (a == b and bo)) if a <= b else (b, bo)


def _min_lo(a: float, ao: bool, b: float, bo: bool) -> tuple[float, bool]:
    return (a, ao and (a != b or bo)) if a <= b else (b, bo)


def _max_hi(a: float, ao: bool, b: float, bo: bool) -> tuple[float, bool]:
    return (a, ao and (a != b or bo)) if a >= b else (b, bo)


NUM_ANY = AV("num")
BOOL_ANY = AV("bool", values=frozenset({True, False}))
ANY = AV("any")


def num(lo: float, hi: float, *, integer: bool = False, none: bool = False) -> AV:
    return AV("num", lo, hi, integer=integer, none=none).normal()


def bools(*values: bool | None) -> AV:
    return AV("bool", values=frozenset(v for v in values if v is not None), none=None in values)


def _top(t: Any) -> AV:
    kind = getattr(t, "kind", "any")
    none = bool(getattr(t, "nullable", False))
    if kind == "num":
        return AV("num", none=none)
    if kind == "bool":
        return AV("bool", values=frozenset({True, False}), none=none)
    if kind == "str":
        return AV("str", values=frozenset(t.enum) if getattr(t, "enum", None) else None, none=none)
    return AV("any", none=none)


def _hull(values: list[float]) -> AV:
    if not values:
        return AV("num", INF, -INF)
    return AV("num", min(values), max(values), integer=all(float(v).is_integer() for v in values))


def _neg(x: AV) -> AV:
    return AV("num", -x.hi, -x.lo, x.hi_open, x.lo_open, x.integer, none=x.none)


def _arith(op: str, a: AV, b: AV) -> AV:
    if a.kind != "num" or b.kind != "num":
        return AV("num", none=True)
    none = a.none or b.none
    if not a.has_value() or not b.has_value():
        return AV("num", INF, -INF, none=True)
    integer = a.integer and b.integer and op != "/"
    if op == "+":
        return _ends(a.lo + b.lo, a.hi + b.hi, integer, none)
    if op == "-":
        return _ends(a.lo - b.hi, a.hi - b.lo, integer, none)
    if op == "*":
        ends = [_mul(x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
        return _ends(min(ends), max(ends), integer, none)
    # division: missing when the divisor may be 0; bounded only when the divisor keeps one sign
    zero = b.lo <= 0 <= b.hi
    if b.lo > 0 or b.hi < 0:
        ends = [_div(x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
        return _ends(min(ends), max(ends), False, none)
    if b.lo >= 0 and a.lo >= 0:
        return AV("num", 0, INF, none=True)
    return AV("num", none=none or zero)


def _ends(lo: float, hi: float, integer: bool, none: bool) -> AV:
    """The interval of a sum, difference, product or quotient of non-empty intervals, kept sound when float
    arithmetic overflows: a lower end that overflowed to +inf (the values lie beyond the largest float) becomes the
    largest float, an upper end that overflowed to -inf the lowest, and an end that is NaN (inf - inf: nothing is
    known) becomes unbounded. Without this, validate crashed on such intervals (math.floor(inf)) or called
    conditions impossible that are not."""
    if lo != lo:
        lo = -INF
    elif lo == INF:
        lo = sys.float_info.max
    if hi != hi:
        hi = INF
    elif hi == -INF:
        hi = -sys.float_info.max
    return AV("num", lo, hi, integer=integer, none=none)


def _mul(x: float, y: float) -> float:
    if x == 0 or y == 0:
        return 0.0
    return x * y


def _div(x: float, y: float) -> float:
    if math.isinf(x) and math.isinf(y):
        return INF if (x > 0) == (y > 0) else -INF
    if y == 0:
        return INF if x >= 0 else -INF
    return x / y
