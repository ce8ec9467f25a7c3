"""The :class:`Analyzer`: the transfer functions (the abstract value of each kind of expression) and the driver
that reads conditions in three-valued logic, narrowing what ``and`` and ``or`` let each part assume."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from pydantic import BaseModel

from .. import ir as I
from ..check import Schema
from .domains import ANY, AV, BOOL_ANY, INF, OUTCOMES, F, N, T, _arith, _hull, _neg, _top, bools, num
from .fields import Env, ParamInfo, _item_bound, _join_envs, _reads_params, _set, _with, field_domain, sig


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
                from ...facts import AnnualEvaluation

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
