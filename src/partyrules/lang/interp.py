"""Compile typed IR into Python closures ``f(ctx, item) -> value``.

No source text is generated and nothing is passed to ``eval``: every IR node becomes one small function that
calls its children. Missing values (``none``) follow three-valued logic: an ordering comparison with ``none`` is
unknown, ``not unknown`` is unknown, ``false and unknown`` is false, and a condition holds only when it is
exactly true. Division by zero is unknown, never an exception.

Numbers keep to the range of rule sets (:mod:`partyrules.lang.limits`): a number computed at run time (by ``+``,
``-``, ``*``, ``/``, ``round``, ``sum`` or ``mean``) whose magnitude exceeds 2^53, or that is not finite, is
``none``, exactly as on the vectorised backend (:mod:`partyrules.compile.columns`). Python's integers never
overflow and its floats become infinite, where int64 columns wrap around: without one bound the backends would
differ, and ``round`` of an infinity would raise.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from . import ir as I
from .check import Schema
from .limits import MAX_MAGNITUDE

_LO, _HI = -MAX_MAGNITUDE, MAX_MAGNITUDE


def in_range(v: Any) -> Any:
    """``v`` when it is a number within the range of rule sets (or not a number), else ``none``."""
    if type(v) is bool or not isinstance(v, (int, float)):
        return v
    return v if _LO <= v <= _HI else None  # false for nan

Fn = Callable[["Ctx", Any], Any]


@dataclass(slots=True)
class PeriodView:
    months: int
    start: date
    end: date


class Ctx:
    """What closures read: the subject, its annual evaluation, the period, and the lists aggregations range over.

    ``evidence`` (when not None) caches, per aggregation text, its value and the items it counted (with a function
    giving their keys), so that explanations can name them and each aggregation is computed once per context.
    """

    __slots__ = ("annual", "collections", "evidence", "keys", "period", "subject")

    def __init__(
        self,
        subject: Any,
        collections: Mapping[str, Sequence[Any]],
        annual: Any = None,
        period: PeriodView | None = None,
        evidence: dict[str, Any] | None = None,
    ) -> None:
        self.subject = subject
        self.collections = collections
        self.annual = annual
        self.period = period
        self.evidence = evidence
        self.keys: dict[str, dict[int, str]] = {}  # per list: id(item) -> evidence key, built on first use


_Order = Callable[[Any, Any], Any]
_ORDER: dict[str, _Order] = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _month_index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


class Compiler:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema

    def compile(self, node: I.IR) -> Fn:
        method: Callable[[I.IR], Fn] = getattr(self, "c_" + type(node).__name__)
        return method(node)

    # -- leaves ----------------------------------------------------------------------------------------------
    def c_Const(self, node: I.Const) -> Fn:
        value = node.value
        return lambda c, it: value

    def c_ListValue(self, node: I.ListValue) -> Fn:
        if all(isinstance(x, I.Const) for x in node.items):
            values = tuple(x.value for x in node.items)  # type: ignore[attr-defined]
            return lambda c, it: values
        fns = [self.compile(x) for x in node.items]
        return lambda c, it: tuple(f(c, it) for f in fns)

    def c_Field(self, node: I.Field) -> Fn:
        path = node.path
        scope = node.scope
        if scope == "period":
            name = path[0]
            return lambda c, it: getattr(c.period, name)
        if len(path) == 1:
            get = operator.attrgetter(path[0])
            if scope == "subject":
                return lambda c, it: get(c.subject)
            if scope == "item":
                return lambda c, it: get(it)
            return lambda c, it: None if c.annual is None else get(c.annual)

        dotted = operator.attrgetter(".".join(path))

        def walk(obj: Any) -> Any:
            try:
                return dotted(obj)
            except AttributeError:  # an optional part of the path is missing (the schema checked the names)
                return None

        if scope == "subject":
            return lambda c, it: walk(c.subject)
        if scope == "item":
            return lambda c, it: walk(it)
        return lambda c, it: walk(c.annual)

    # -- logic -----------------------------------------------------------------------------------------------
    def c_Not(self, node: I.Not) -> Fn:
        f = self.compile(node.operand)

        def fn(c: Ctx, it: Any) -> Any:
            v = f(c, it)
            return None if v is None else not v

        return fn

    def c_BoolOp(self, node: I.BoolOp) -> Fn:
        fns = [self.compile(x) for x in node.items]
        if node.op == "and":
            def fn_and(c: Ctx, it: Any) -> Any:
                unknown = False
                for f in fns:
                    v = f(c, it)
                    if v is False:
                        return False
                    if v is None:
                        unknown = True
                return None if unknown else True

            return fn_and

        def fn_or(c: Ctx, it: Any) -> Any:
            unknown = False
            for f in fns:
                v = f(c, it)
                if v is True:
                    return True
                if v is None:
                    unknown = True
            return None if unknown else False

        return fn_or

    def c_Compare(self, node: I.Compare) -> Fn:
        lf, rf = self.compile(node.left), self.compile(node.right)
        op = node.op
        if op == "==":
            return lambda c, it: lf(c, it) == rf(c, it)
        if op == "!=":
            return lambda c, it: lf(c, it) != rf(c, it)
        cmp = _ORDER[op]
        if isinstance(node.right, I.Const) and node.right.value is not None:
            rv = node.right.value

            def fn_const(c: Ctx, it: Any) -> Any:
                a = lf(c, it)
                return None if a is None else cmp(a, rv)

            return fn_const

        def fn(c: Ctx, it: Any) -> Any:
            a = lf(c, it)
            if a is None:
                return None
            b = rf(c, it)
            return None if b is None else cmp(a, b)

        return fn

    def c_In(self, node: I.In) -> Fn:
        vf = self.compile(node.item)
        negate = node.negate
        if isinstance(node.container, I.ListValue) and all(isinstance(x, I.Const) for x in node.container.items):
            members = frozenset(x.value for x in node.container.items)  # type: ignore[attr-defined]

            def fn_set(c: Ctx, it: Any) -> Any:
                v = vf(c, it)
                if v is None:
                    return None
                return (v in members) is not negate

            return fn_set
        cf = self.compile(node.container)

        def fn(c: Ctx, it: Any) -> Any:
            v = vf(c, it)
            box = cf(c, it)
            if v is None or box is None:
                return None
            return (v in box) is not negate

        return fn

    # -- arithmetic ------------------------------------------------------------------------------------------
    def c_Neg(self, node: I.Neg) -> Fn:
        f = self.compile(node.operand)

        def fn(c: Ctx, it: Any) -> Any:
            v = f(c, it)
            return None if v is None else -v

        return fn

    def c_Arith(self, node: I.Arith) -> Fn:
        lf, rf = self.compile(node.left), self.compile(node.right)
        op = node.op

        if op == "/":
            def fn_div(c: Ctx, it: Any) -> Any:
                a, b = lf(c, it), rf(c, it)
                if a is None or b is None or b == 0:
                    return None
                r = a / b
                return r if _LO <= r <= _HI else None

            return fn_div
        py = {"+": operator.add, "-": operator.sub, "*": operator.mul}[op]

        def fn(c: Ctx, it: Any) -> Any:
            a, b = lf(c, it), rf(c, it)
            if a is None or b is None:
                return None
            r = py(a, b)
            return r if _LO <= r <= _HI else None

        return fn

    def c_IfElse(self, node: I.IfElse) -> Fn:
        tf, af, bf = self.compile(node.test), self.compile(node.then), self.compile(node.orelse)
        return lambda c, it: af(c, it) if tf(c, it) is True else bf(c, it)

    def c_Func(self, node: I.Func) -> Fn:
        fns = [self.compile(a) for a in node.args]
        name = node.name
        if name == "coalesce":
            def fn_coalesce(c: Ctx, it: Any) -> Any:
                for f in fns:
                    v = f(c, it)
                    if v is not None:
                        return v
                return None

            return fn_coalesce
        impl = _FUNCS[name]

        def fn(c: Ctx, it: Any) -> Any:
            args = [f(c, it) for f in fns]
            if any(a is None for a in args):
                return None
            return in_range(impl(*args))

        return fn

    # -- aggregations ----------------------------------------------------------------------------------------
    def c_Agg(self, node: I.Agg) -> Fn:
        coll = self.schema.collections[node.source]
        where = self.compile(node.where) if node.where is not None else None
        project = self.compile(node.project) if node.project is not None else None
        matched, record = _selection(node.source, node.text, coll.key, where)
        if node.func in ("count", "exists", "longest_run"):
            return _cached(node.text, _selecting(node.func, node.source, where, matched, record))
        assert project is not None
        # Fast path: a plain field projection is read with attrgetter (C speed)
        direct = None
        if isinstance(node.project, I.Field) and node.project.scope == "item":
            direct = operator.attrgetter(".".join(node.project.path))
        return _cached(node.text, _projecting(node.func, project, direct, matched, record))


_Matched = Callable[[Ctx], list[Any]]
_Record = Callable[[Ctx, Any, list[Any]], Any]


def _selection(source: str, label: str, key: Callable[[Any], str], where: Fn | None) -> tuple[_Matched, _Record]:
    """An aggregation's items that match its condition, and how its value is kept as evidence with those items."""
    def keys_of(c: Ctx, sel: list[Any]) -> list[str]:
        known = c.keys.get(source)
        if known is None:
            known = c.keys[source] = {id(x): key(x) for x in c.collections[source]}
        return [known[id(x)] for x in sel]

    def matched(c: Ctx) -> list[Any]:
        items = c.collections[source]
        return items if where is None else [x for x in items if where(c, x) is True]  # type: ignore[return-value]

    def record(c: Ctx, value: Any, sel: list[Any]) -> Any:
        if c.evidence is not None:
            c.evidence[label] = (value, sel, keys_of)
        return value

    return matched, record


def _cached(label: str, compute: Callable[[Ctx], Any]) -> Fn:
    """Results are cached per context by the aggregation's text, so an aggregation shared by several rules is
    computed once."""
    def fn(c: Ctx, it: Any) -> Any:
        ev = c.evidence
        if ev is not None:
            hit = ev.get(label)
            if hit is not None:
                return hit[0]
        return compute(c)

    return fn


def _selecting(func: str, source: str, where: Fn | None, matched: _Matched,
               record: _Record) -> Callable[[Ctx], Any]:
    """count, exists and longest_run: told by the items that match, not by a value of theirs."""
    if func == "count":
        def fn_count(c: Ctx) -> Any:
            sel = matched(c)
            return record(c, len(sel), sel)

        return fn_count
    if func == "exists":
        def fn_exists(c: Ctx) -> Any:
            sel = matched(c)
            return record(c, bool(sel), sel)

        return fn_exists

    def fn_run(c: Ctx) -> Any:
        best = run = 0
        prev = None
        hits = []
        for x in c.collections[source]:
            idx = _month_index(x.month)
            if where(c, x) is True:  # type: ignore[misc]
                run = run + 1 if prev is not None and idx == prev + 1 and run > 0 else 1
                hits.append(x)
            else:
                run = 0
            prev = idx
            best = max(best, run)
        return record(c, best, hits)

    return fn_run


def _projecting(func: str, project: Fn, direct: Callable[[Any], Any] | None, matched: _Matched,
                record: _Record) -> Callable[[Ctx], Any]:
    """sum, mean, min and max of a value of the matching items."""
    def values(c: Ctx, sel: list[Any]) -> tuple[list[Any], list[Any]]:
        """The projected values that are not none, and the items they came from (only those are evidence)."""
        raw = list(map(direct, sel)) if direct is not None else [project(c, x) for x in sel]
        if None not in raw:
            return raw, sel
        kept = [(v, x) for v, x in zip(raw, sel, strict=True) if v is not None]
        return [v for v, _ in kept], [x for _, x in kept]

    if func == "sum":
        def fn_sum(c: Ctx) -> Any:
            vs, used = values(c, matched(c))
            return record(c, in_range(sum(vs)), used)

        return fn_sum
    if func == "mean":
        def fn_mean(c: Ctx) -> Any:
            vs, used = values(c, matched(c))
            total = in_range(sum(vs)) if vs else None
            return record(c, None if total is None else total / len(vs), used)

        return fn_mean
    pick = min if func == "min" else max

    def fn_pick(c: Ctx) -> Any:
        vs, used = values(c, matched(c))
        return record(c, pick(vs) if vs else None, used)

    return fn_pick


def _clamp(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


_FUNCS: dict[str, Callable[..., Any]] = {
    "abs": abs,
    "min": min,
    "max": max,
    "round": lambda x, *digits: round(x, *digits) if _LO <= x <= _HI else None,
    "clamp": _clamp,
    "len": len,
    "days_between": lambda a, b: (b - a).days,
}


def compile_ir(node: I.IR, schema: Schema) -> Fn:
    return Compiler(schema).compile(node)
