"""Abstract interpretation of expression IR over the declared domains of the facts.

``partyrules validate`` asks of each condition: can it ever be true? is it always true? To answer soundly without
facts, every expression is evaluated over *sets* of values: a number is an interval (with open or closed ends, and
whether it is an integer), a condition or a text is the set of values it may take, and each may also be missing
(``none``). The domains come from the fact models themselves (a ``Count`` is an integer >= 0, a ``Share`` lies in
0..1, an enumerated field takes its listed values), from the parameters' ``min``/``max``/``choices``, and from
constants.

Conditions are read with the three-valued logic of :mod:`partyrules.lang.interp` (``==`` and ``!=`` compare
missing values as values, ordering comparisons with a missing value are unknown, an aggregation counts an item
only when its condition is true). ``and`` and ``or`` narrow what each part may assume about the values the others
read, so ``a > 5 and a < 3`` and ``count(L where c) > 2 and count(L where c) < 1`` are seen to be impossible.

Soundness is the rule: every abstract value contains every value the expression can take for some valid facts,
so "can never be true" is only ever said of a condition that truly never is. The converse is not promised: a
condition this analysis cannot refute may still be impossible.
"""

from __future__ import annotations

import enum
import math
import sys
import types as pytypes
import typing
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import annotated_types as at
from pydantic import BaseModel

from . import ir as I
from .check import Schema

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


# -- the domains of fact fields ----------------------------------------------------------------------------------
def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """The base type of an annotation and the constraints (``Ge``, ``Le``...) written around it."""
    meta: list[Any] = []
    ann = annotation
    while True:
        origin = typing.get_origin(ann)
        if origin is typing.Annotated:
            args = typing.get_args(ann)
            ann, meta = args[0], [*meta, *args[1:]]
            continue
        if origin in (typing.Union, pytypes.UnionType):
            members = [a for a in typing.get_args(ann) if a is not type(None)]
            if len(members) == 1:
                ann = members[0]
                continue
        return ann, meta


@lru_cache(maxsize=1024)
def field_domain(model: type[BaseModel] | None, path: tuple[str, ...]) -> AV:
    """The numeric domain of a field of a fact model (``NUM_ANY`` when nothing is declared)."""
    m = model
    for part in path[:-1]:
        info = m.model_fields.get(part) if m is not None else None
        if info is None:
            return NUM_ANY
        base, _ = _unwrap(info.annotation)
        m = base if isinstance(base, type) and issubclass(base, BaseModel) else None
    info = m.model_fields.get(path[-1]) if m is not None else None
    if info is None:
        return NUM_ANY
    base, meta = _unwrap(info.annotation)
    meta = [*info.metadata, *meta]
    lo, hi, lo_open, hi_open = -INF, INF, False, False
    for c in meta:
        if isinstance(c, at.Ge):
            lo, lo_open = _max_lo(lo, lo_open, float(c.ge), False)  # type: ignore[arg-type]
        elif isinstance(c, at.Gt):
            lo, lo_open = _max_lo(lo, lo_open, float(c.gt), True)  # type: ignore[arg-type]
        elif isinstance(c, at.Le):
            hi, hi_open = _min_hi(hi, hi_open, float(c.le), False)  # type: ignore[arg-type]
        elif isinstance(c, at.Lt):
            hi, hi_open = _min_hi(hi, hi_open, float(c.lt), True)  # type: ignore[arg-type]
    integer = isinstance(base, type) and issubclass(base, int) and not issubclass(base, (bool, enum.Enum))
    return AV("num", lo, hi, lo_open, hi_open, integer).normal()


# -- signatures: the same expression written twice is the same value --------------------------------------------
def sig(node: I.IR) -> tuple[Any, ...]:
    """A structural key of an expression, independent of where it is written."""
    if isinstance(node, I.Const):
        return ("C", type(node.value).__name__, repr(node.value), node.param)
    if isinstance(node, I.Field):
        return ("F", node.scope, node.path)
    if isinstance(node, I.BoolOp):
        return ("B", node.op, tuple(sig(x) for x in node.items))
    if isinstance(node, I.Compare):
        return ("CMP", node.op, sig(node.left), sig(node.right))
    if isinstance(node, I.Arith):
        return ("A", node.op, sig(node.left), sig(node.right))
    if isinstance(node, I.In):
        return ("IN", node.negate, sig(node.item), sig(node.container))
    if isinstance(node, I.Func):
        return ("FN", node.name, tuple(sig(x) for x in node.args))
    if isinstance(node, I.Agg):
        return ("AGG", node.func, node.source, sig(node.project) if node.project else None,
                sig(node.where) if node.where else None)
    return (type(node).__name__, tuple(sig(x) for x in node.children()))


@lru_cache(maxsize=4096)
def _item_bound(key: tuple[Any, ...]) -> bool:
    """Whether a key reads the current item of an aggregation (outside any aggregation of its own)."""
    if not key or not isinstance(key[0], str):
        return any(isinstance(k, tuple) and _item_bound(k) for k in key)  # a tuple of keys
    if key[0] == "AGG":
        return False
    if key[0] == "F":
        return bool(key[1] == "item")
    return any(isinstance(k, tuple) and _item_bound(k) for k in key[1:])


Env = Mapping[tuple[Any, ...], AV]


@dataclass(frozen=True)
class ParamInfo:
    """What a parameter may be: its current value and the values an override may give it."""

    value: object
    lo: float | None = None
    hi: float | None = None
    choices: tuple[object, ...] | None = None


class Analyzer:
    """Abstract evaluation of the expressions of one rule set.

    ``params`` maps each parameter to :class:`ParamInfo`. With ``over_params`` a parameter is any value an override
    may give it (its ``min``..``max`` or ``choices``), so a finding holds for every reform; without, parameters are
    their current values.
    """

    def __init__(self, schema: Schema, params: Mapping[str, ParamInfo], *, over_params: bool) -> None:
        self.schema = schema
        self.params = params
        self.over_params = over_params
        self.text = ""
        self.model: type[BaseModel] | None = None  # the item model inside an aggregation

    def for_text(self, text: str) -> Analyzer:
        """Parameters are recognised by their text (the checker folds constants), so each expression sets it."""
        self.text = text
        return self

    # -- values ----------------------------------------------------------------------------------------------
    def value(self, node: I.IR, env: Env) -> AV:
        out = self._compute(node, env)
        known = env.get(sig(node))
        return out.meet(known) if known is not None else out

    def _const(self, node: I.Const) -> AV:
        v = node.value
        if self.over_params and node.param is None and self.text and _reads_params(self.text[node.start:node.end]):
            return _top(node.type)  # folded from parameters (e.g. 'not params.p') without keeping their names
        if node.param is not None and self.over_params:
            span = self.text[node.start:node.end]
            info = self.params.get(node.param)
            if span != f"params.{node.param}" or info is None:
                return _top(node.type)  # a value computed from a parameter: any value of its type
            if info.choices is not None:
                if isinstance(v, str):
                    return AV("str", values=frozenset(info.choices))
                return _hull([float(c) for c in info.choices if isinstance(c, (int, float))])
            if isinstance(v, bool):
                return BOOL_ANY
            if isinstance(v, (int, float)):
                return AV("num", -INF if info.lo is None else info.lo, INF if info.hi is None else info.hi)
            return _top(node.type)
        if v is None:
            return AV("none", none=True)
        if isinstance(v, bool):
            return bools(v)
        if isinstance(v, (int, float)):
            return AV("num", float(v), float(v), integer=float(v).is_integer())
        if isinstance(v, str):
            return AV("str", values=frozenset({v}))
        return ANY

    def _compute(self, node: I.IR, env: Env) -> AV:
        t = node.type
        if isinstance(node, I.Const):
            return self._const(node)
        if isinstance(node, I.Field):
            return self._field(node)
        if isinstance(node, (I.BoolOp, I.Compare, I.In, I.Not)):
            return bools(*(o for o in OUTCOMES if self._refine(node, o, env) is not None))
        if isinstance(node, I.Neg):
            x = self.value(node.operand, env)
            return _neg(x) if x.kind == "num" else _top(t)
        if isinstance(node, I.Arith):
            return _arith(node.op, self.value(node.left, env), self.value(node.right, env))
        if isinstance(node, I.IfElse):
            out: AV | None = None
            for o in OUTCOMES:
                e = self.assume(node.test, o, env)
                if e is not None:
                    v = self.value(node.then if o is True else node.orelse, e)
                    out = v if out is None else out.join(v)
            return out if out is not None else _top(t)
        if isinstance(node, I.Func):
            return self._func(node, env)
        if isinstance(node, I.Agg):
            return self._agg(node, env)
        return _top(t)

    def _field(self, node: I.Field) -> AV:
        t = node.type
        nullable = t.nullable or node.scope == "annual"
        if t.kind == "bool":
            return AV("bool", values=frozenset({True, False}), none=nullable)
        if t.kind == "str" and t.enum:
            return AV("str", values=frozenset(t.enum), none=nullable)
        if t.kind == "num":
            if node.scope == "period":
                return num(1, INF, integer=True)
            model: type[BaseModel] | None
            if node.scope == "subject":
                model = self.schema.subject_model
            elif node.scope == "item":
                model = self.model
            else:
                from ..facts import AnnualEvaluation

                model = AnnualEvaluation
            return replace(field_domain(model, node.path), none=nullable)
        return replace(_top(t), none=nullable)

    def _func(self, node: I.Func, env: Env) -> AV:
        name = node.name
        args = [self.value(a, env) for a in node.args]
        if name == "coalesce":
            out = args[-1]
            for a in reversed(args[:-1]):
                out = a.without_none().join(out) if a.none else a.without_none()
            return out
        if name == "len":
            return num(0, INF, integer=True, none=args[0].none)
        if any(a.kind != "num" for a in args):
            return _top(node.type)
        none = any(a.none for a in args)
        if name == "abs":
            a = args[0]
            if a.lo >= 0:
                return replace(a, none=none)
            if a.hi <= 0:
                return replace(_neg(a), none=none)
            return AV("num", 0, max(-a.lo, a.hi), integer=a.integer, none=none)
        if name in ("min", "max"):
            pick = min if name == "min" else max
            return AV("num", pick(a.lo for a in args), pick(a.hi for a in args),
                      integer=all(a.integer for a in args), none=none)
        if name == "clamp":  # the result is one of its three arguments
            return AV("num", min(a.lo for a in args), max(a.hi for a in args),
                      integer=all(a.integer for a in args), none=none)
        if name == "round":
            x = args[0]
            if len(args) == 2:  # round(x, -2) may move x past the next whole number
                return AV("num", none=none)
            return AV("num", math.floor(x.lo) if x.lo != -INF else -INF, math.ceil(x.hi) if x.hi != INF else INF,
                      none=none)
        return AV("num", none=none)

    def _agg(self, node: I.Agg, env: Env) -> AV:
        inner, outer_model = self.enter(node, env)
        try:
            can_match = inner is not None
            p = self.value(node.project, inner) if node.project is not None and inner is not None else None
        finally:
            self.model = outer_model
        func = node.func
        if func in ("count", "longest_run"):
            return num(0, INF if can_match else 0, integer=True)
        if func == "exists":
            return bools(False, True) if can_match else bools(False)
        if p is None or p.kind != "num" or not p.has_value():
            return num(0, 0) if func == "sum" else AV("num", none=True).only_none()
        if func == "sum":
            return AV("num", 0 if p.lo >= 0 else -INF, 0 if p.hi <= 0 else INF, integer=p.integer)
        if func == "mean":
            return AV("num", p.lo, p.hi, none=True)
        return AV("num", p.lo, p.hi, p.lo_open, p.hi_open, p.integer, none=True)

    def enter(self, node: I.Agg, env: Env) -> tuple[dict[tuple[Any, ...], AV] | None, type[BaseModel] | None]:
        """The environment of one item of an aggregation that its condition holds for (``None``: no such item).

        Sets ``self.model`` to the item's model; the caller restores the returned outer one.
        """
        outer = self.model
        coll = self.schema.collections.get(node.source)
        self.model = coll.model if coll is not None else None
        base = {k: v for k, v in env.items() if not _item_bound(k)}
        if node.where is None:
            return base, outer
        return self.assume(node.where, True, base), outer

    # -- conditions --------------------------------------------------------------------------------------------
    def outcomes(self, node: I.IR, env: Env) -> set[bool | None]:
        """The outcomes (true, false, unknown) a condition may have."""
        return {o for o in OUTCOMES if self.assume(node, o, env) is not None}

    def assume(self, node: I.IR, outcome: bool | None, env: Env) -> dict[tuple[Any, ...], AV] | None:
        """``env`` narrowed by knowing that ``node`` has ``outcome``, or ``None`` when it never can."""
        out = self._refine(node, outcome, env)
        if out is None:
            return None
        if not isinstance(node, I.Const):
            key = sig(node)
            known = bools(outcome).meet(out.get(key, bools(T, F, N)))
            if known.empty():
                return None
            out = {**out, key: known}
        return out

    def assume_any(self, node: I.IR, outcomes: tuple[bool | None, ...], env: Env) -> dict[Any, AV] | None:
        return _join_envs([self.assume(node, o, env) for o in outcomes])

    def _refine(self, node: I.IR, o: bool | None, env: Env) -> dict[tuple[Any, ...], AV] | None:
        if isinstance(node, I.Not):
            return self.assume(node.operand, None if o is None else not o, env)
        if isinstance(node, I.BoolOp):
            return self._boolop(node, o, env)
        if isinstance(node, I.Compare):
            return self._compare(node, o, env)
        if isinstance(node, I.In):
            return self._in(node, o, env)
        v = self.value(node, env)
        ok = (o is None and v.none) or (o is not None and v.kind in ("bool", "any") and (
            v.values is None or o in v.values))
        return dict(env) if ok else None

    def _boolop(self, node: I.BoolOp, o: bool | None, env: Env) -> dict[tuple[Any, ...], AV] | None:
        # "and" is true when every part is, false when one is; "or" is the mirror image
        all_of, one_of = (T, F) if node.op == "and" else (F, T)
        if o is all_of:
            e: dict[tuple[Any, ...], AV] | None = dict(env)
            for x in node.items:
                e = self.assume(x, all_of, e) if e is not None else None
            return e
        if o is one_of:
            return _join_envs([self.assume(x, one_of, env) for x in node.items])
        e = dict(env)
        for x in node.items:  # unknown: no part decides it, and at least one is unknown
            nxt = self.assume_any(x, (all_of, N), e)
            if nxt is None:
                return None
            e = nxt
        return _join_envs([self.assume(x, N, e) for x in node.items])

    def _compare(self, node: I.Compare, o: bool | None, env: Env) -> dict[tuple[Any, ...], AV] | None:
        op = node.op
        lv, rv = self.value(node.left, env), self.value(node.right, env)
        if op in ("==", "!="):
            if o is None:
                return None  # == and != compare missing values as values: never unknown
            equal = (o is True) == (op == "==")
            return self._equal(node, lv, rv, equal, env)
        if o is None:
            if not (lv.none or rv.none):
                return None
            out = dict(env)
            if not rv.none:
                _set(out, node.left, lv.only_none())
            elif not lv.none:
                _set(out, node.right, rv.only_none())
            return out
        if lv.kind != "num" or rv.kind != "num":
            return dict(env) if lv.has_value() and rv.has_value() else None
        if not o:
            op = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}[op]
        lv, rv = lv.without_none(), rv.without_none()
        if op in ("<", "<="):
            strict = op == "<"
            nl = lv.meet(AV("num", -INF, rv.hi, hi_open=rv.hi_open or strict))
            nr = rv.meet(AV("num", lv.lo, INF, lo_open=lv.lo_open or strict))
        else:
            strict = op == ">"
            nl = lv.meet(AV("num", rv.lo, INF, lo_open=rv.lo_open or strict))
            nr = rv.meet(AV("num", -INF, lv.hi, hi_open=lv.hi_open or strict))
        if not nl.has_value() or not nr.has_value() or (strict and sig(node.left) == sig(node.right)):
            return None
        out = dict(env)
        _set(out, node.left, nl)
        _set(out, node.right, nr)
        return out

    def _equal(self, node: I.Compare, lv: AV, rv: AV, equal: bool, env: Env) -> dict[tuple[Any, ...], AV] | None:
        out = dict(env)
        if equal:
            both = lv.meet(rv)
            if both.empty():
                return None
            _set(out, node.left, both)
            _set(out, node.right, both)
            return out
        for a, b, side in ((lv, rv, node.left), (rv, lv, node.right)):
            p = b.point()
            if p is ...:
                continue
            if p is None:
                narrowed = a.without_none()
            elif a.kind in ("bool", "str") and a.values is not None:
                narrowed = replace(a, values=a.values - {p})
            elif a.kind == "num" and isinstance(p, (int, float)):
                narrowed = a
                if a.lo == p:
                    narrowed = replace(narrowed, lo_open=True).normal()
                if a.hi == p:
                    narrowed = replace(narrowed, hi_open=True).normal()
            else:
                continue
            if narrowed.empty():
                return None
            _set(out, side, narrowed)
        return out

    def _in(self, node: I.In, o: bool | None, env: Env) -> dict[tuple[Any, ...], AV] | None:
        item = self.value(node.item, env)
        box = node.container
        if not isinstance(box, I.ListValue) or not all(isinstance(x, I.Const) for x in box.items):
            container = self.value(box, env)
            if o is None:
                return dict(env) if item.none or container.none else None
            return dict(env) if item.has_value() and container.has_value() else None
        if o is None:
            return _with(env, node.item, item.only_none()) if item.none else None
        members = [self.value(x, env) for x in box.items]
        if any(m.point() is ... for m in members):
            return dict(env) if item.has_value() else None
        points = {m.point() for m in members}
        inside = o is not node.negate
        if item.kind in ("str", "bool") and item.values is not None:
            vals = item.values & points if inside else item.values - points
            narrowed = replace(item, values=frozenset(vals), none=False)
        elif item.kind == "num" and inside:
            nums = [float(p) for p in points if isinstance(p, (int, float)) and item.meet(
                AV("num", float(p), float(p))).has_value()]
            narrowed = _hull(nums)
        else:
            narrowed = item.without_none()
        if not narrowed.has_value():
            return None
        return _with(env, node.item, narrowed)


@lru_cache(maxsize=1024)
def _reads_params(span: str) -> bool:
    """Whether a piece of expression text reads a parameter (its value was folded into a constant)."""
    from .ast import Attr, Name, Node
    from .parser import parse

    try:
        root = parse(span)
    except Exception:  # not an expression on its own: assume the worst
        return "params" in span
    stack: list[Any] = [root]
    while stack:
        n = stack.pop()
        if isinstance(n, Attr) and isinstance(n.obj, Name) and n.obj.name == "params":
            return True
        for slot in getattr(n, "__slots__", ()):
            child = getattr(n, slot, None)
            if isinstance(child, Node):
                stack.append(child)
            elif isinstance(child, tuple):
                stack.extend(c for c in child if isinstance(c, Node))
    return False


def _set(env: dict[tuple[Any, ...], AV], node: I.IR, value: AV) -> None:
    if not isinstance(node, I.Const):
        env[sig(node)] = value


def _with(env: Env, node: I.IR, value: AV) -> dict[tuple[Any, ...], AV]:
    out = dict(env)
    _set(out, node, value)
    return out


def _join_envs(envs: list[dict[tuple[Any, ...], AV] | None]) -> dict[tuple[Any, ...], AV] | None:
    live = [e for e in envs if e is not None]
    if not live:
        return None
    out = dict(live[0])
    for e in live[1:]:
        for k in list(out):
            if k in e:
                out[k] = out[k].join(e[k])
            else:
                del out[k]  # known on one path only: nothing is known after the join
    return out


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
