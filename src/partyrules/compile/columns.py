"""Compile typed IR into polars expressions, for the vectorised backend.

The expressions mean exactly what the Python closures of :mod:`partyrules.lang.interp` mean, value for value:

- missing values follow the same three-valued logic (polars' Kleene ``&``/``|``/``~`` are that logic; ``==`` and
  ``!=`` treat ``none`` as a value, as Python does; an ordering comparison with ``none`` is unknown);
- division by zero is unknown; ``min``/``max`` of anything unknown are unknown (polars would skip the null);
- sums are taken in the order of the items, one after the other (``cum_sum().last()``): polars' own ``sum``
  adds floats in another order, whose last bit can differ from Python's;
- a number computed at run time whose magnitude exceeds 2^53, or that is not finite, is unknown, as in
  :mod:`partyrules.lang.interp` (:func:`in_range`): int64 columns wrap around where Python's integers grow, so a
  product of two whole numbers is also checked as a float product, which cannot wrap.

Subject-level expressions read a *subject frame*: the subject's columns, its annual evaluation as ``annual.<f>``
and each aggregation as a column of its own (:class:`AggColumn`). Expressions inside an aggregation read the
item table, with the subject-level values they need joined in under the prefix ``@s.``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce

import polars as pl

from ..errors import EvaluationError
from ..lang import ir as I
from ..lang.limits import MAX_MAGNITUDE
from ..periods import Period

SUBJECT_PREFIX = "@s."


@dataclass
class AggColumn:
    """One aggregation, computed per subject into the subject frame as column ``name``."""

    name: str
    node: I.Agg
    outer: list[str] = field(default_factory=list)  # subject-frame columns its item expressions read


def outer_columns(node: I.IR, names: Callable[[I.Agg], str]) -> list[str]:
    """The subject-frame columns an item-scope expression reads: subject and annual fields, and the aggregations
    nested in it (whose own item expressions are another table's business)."""
    out: list[str] = []

    def visit(n: I.IR) -> None:
        if isinstance(n, I.Field) and n.scope in ("subject", "annual"):
            col = subject_column(n)
            if col not in out:
                out.append(col)
            return
        if isinstance(n, I.Agg):
            col = names(n)
            if col not in out:
                out.append(col)
            return
        for c in n.children():
            visit(c)

    visit(node)
    return out


def subject_column(f: I.Field) -> str:
    return ("annual." if f.scope == "annual" else "") + ".".join(f.path)


class ColumnCompiler:
    """IR -> ``pl.Expr`` for one rule set and one period. Aggregations met while compiling are registered in
    ``aggs`` (inner ones first), to be computed before any expression that reads them."""

    def __init__(self, period: Period) -> None:
        self.period = period
        self.aggs: dict[int, AggColumn] = {}
        self._by_text: dict[tuple[str, str], AggColumn] = {}

    # -- entry points ------------------------------------------------------------------------------------------
    def subject(self, node: I.IR) -> pl.Expr:
        """An expression over the subject frame."""
        return self._c(node, False)

    def item(self, node: I.IR) -> pl.Expr:
        """An expression over an item table joined with the subject-level values it reads (prefixed ``@s.``)."""
        return self._c(node, True)

    def holds(self, node: I.IR | None, in_item: bool = False) -> pl.Expr:
        """A condition that holds only when exactly true (unknown does not hold)."""
        if node is None:
            return pl.lit(True)
        return self._c(node, in_item).fill_null(False)

    def agg_name(self, node: I.Agg) -> str:
        return self.register(node).name

    def register(self, node: I.Agg) -> AggColumn:
        hit = self.aggs.get(id(node))
        if hit is not None:
            return hit
        # the same aggregation written in two rules is computed once (the text says what it is, the node's
        # identity says where); the source is part of the key because texts could be equal across lists
        key = (node.source, repr_ir(node))
        same = self._by_text.get(key)
        if same is not None:
            self.aggs[id(node)] = same
            return same
        inner = [x for x in (node.where, node.project) if x is not None]
        outer: list[str] = []
        for x in inner:
            for name in outer_columns(x, self.agg_name):  # registers nested aggregations first
                if name not in outer:
                    outer.append(name)
        col = AggColumn(f"@agg{len(self._by_text)}", node, outer)
        self._by_text[key] = col
        self.aggs[id(node)] = col
        return col

    # -- nodes ---------------------------------------------------------------------------------------------------
    def _c(self, node: I.IR, in_item: bool) -> pl.Expr:
        method: Callable[[I.IR, bool], pl.Expr] = getattr(self, "c_" + type(node).__name__)
        return method(node, in_item)

    def c_Const(self, node: I.Const, in_item: bool) -> pl.Expr:
        return _literal(node.value)

    def c_ListValue(self, node: I.ListValue, in_item: bool) -> pl.Expr:
        raise EvaluationError("a list can only be the right-hand side of 'in' in the vectorised backend",
                              hint="write 'x in [a, b]'")

    def c_Field(self, node: I.Field, in_item: bool) -> pl.Expr:
        if node.scope == "period":
            name = node.path[0]
            value = {"months": self.period.months, "start": self.period.start_date,
                     "end": self.period.end_date}[name]
            return _literal(value)
        if node.scope == "item":
            return pl.col(".".join(node.path))
        col = subject_column(node)
        return pl.col(SUBJECT_PREFIX + col if in_item else col)

    def c_Agg(self, node: I.Agg, in_item: bool) -> pl.Expr:
        name = self.agg_name(node)
        return pl.col(SUBJECT_PREFIX + name if in_item else name)

    def c_Not(self, node: I.Not, in_item: bool) -> pl.Expr:
        return ~self._c(node.operand, in_item)

    def c_BoolOp(self, node: I.BoolOp, in_item: bool) -> pl.Expr:
        parts = [self._c(x, in_item) for x in node.items]
        return reduce(operator.and_ if node.op == "and" else operator.or_, parts)

    def c_Compare(self, node: I.Compare, in_item: bool) -> pl.Expr:
        a, b = self._c(node.left, in_item), self._c(node.right, in_item)
        op = node.op
        if op == "==":
            return a.eq_missing(b)
        if op == "!=":
            return a.ne_missing(b)
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]

    def c_In(self, node: I.In, in_item: bool) -> pl.Expr:
        v = self._c(node.item, in_item)
        box = node.container
        if isinstance(box, I.ListValue):
            if all(isinstance(x, I.Const) for x in box.items):
                values = [x.value for x in box.items]  # type: ignore[attr-defined]
                if node.item.type.kind == "num":
                    # Python's ``in`` compares numbers by value (0.0 in [0]); polars wants one dtype
                    v = v.cast(pl.Float64)
                    values = [float(x) for x in values if x is not None and not isinstance(x, bool)]
                found = pl.when(v.is_null()).then(None).otherwise(v.is_in(pl.Series(values).implode()))
            else:
                found = pl.when(v.is_null()).then(None).otherwise(
                    pl.any_horizontal([v.eq_missing(self._c(x, in_item)) for x in box.items]))
        else:
            lst = self._c(box, in_item)
            found = pl.when(v.is_null() | lst.is_null()).then(None).otherwise(lst.list.contains(v))
        return ~found if node.negate else found

    def c_Neg(self, node: I.Neg, in_item: bool) -> pl.Expr:
        # times -1, not polars' negation: products are Int128, which polars cannot negate (-0.0 stays -0.0)
        return self._c(node.operand, in_item) * pl.lit(-1, pl.Int64)

    def c_Arith(self, node: I.Arith, in_item: bool) -> pl.Expr:
        if _period_constant(node):
            return self._folded(node)
        a, b = self._c(node.left, in_item), self._c(node.right, in_item)
        if node.op == "/":
            return in_range(pl.when(b == 0).then(None).otherwise(divide(a, b)))
        if node.op == "*":
            # operands are within 2^53, so a product of whole numbers is taken in 128 bits, where it cannot wrap
            # around as in int64 (a float operand makes the product a float, as in Python)
            return in_range(a * pl.lit(1, pl.Int128) * b)
        return in_range(a + b if node.op == "+" else a - b)

    def _folded(self, node: I.IR) -> pl.Expr:
        """A value that depends on the period alone, computed once by the closures (the very semantics the other
        backends use) and given as a literal."""
        from ..lang.interp import Compiler, Ctx, PeriodView

        period = PeriodView(self.period.months, self.period.start_date, self.period.end_date)
        value = Compiler(None).compile(node)(Ctx(None, {}, None, period), None)  # type: ignore[arg-type]
        return pl.lit(None, pl.Float64) if value is None else _literal(value)

    def c_IfElse(self, node: I.IfElse, in_item: bool) -> pl.Expr:
        return pl.when(self.holds(node.test, in_item)).then(self._c(node.then, in_item)) \
            .otherwise(self._c(node.orelse, in_item))

    def c_Func(self, node: I.Func, in_item: bool) -> pl.Expr:
        if node.type.kind == "num" and _period_constant(node):
            return self._folded(node)
        args = [self._c(a, in_item) for a in node.args]
        name = node.name
        if name == "coalesce":
            return pl.coalesce(args)
        unknown = reduce(operator.or_, [a.is_null() for a in args])
        if name == "abs":
            out = args[0].abs()
        elif name in ("min", "max"):
            out = (pl.min_horizontal if name == "min" else pl.max_horizontal)(args)
        elif name == "clamp":
            x, lo, hi = args
            out = pl.when(x < lo).then(lo).when(x > hi).then(hi).otherwise(x)
        elif name == "len":
            out = args[0].list.len().cast(pl.Int64)
        elif name == "days_between":
            out = (args[1] - args[0]).dt.total_days()
        elif name == "round":
            out = _python_round(args, node)
        else:  # pragma: no cover - the checker knows every function
            raise EvaluationError(f"the vectorised backend has no function {name!r}")
        out = pl.when(unknown).then(None).otherwise(out)
        return in_range(out) if node.type.kind == "num" else out


def _python_round(args: list[pl.Expr], node: I.Func) -> pl.Expr:
    """Python's round, element by element: it rounds the exact binary value half to even, which no vectorised
    rounding reproduces bit for bit. Rule sets rarely round, so exactness wins over speed here."""
    digits = node.args[1].value if len(node.args) == 2 else None  # type: ignore[attr-defined]
    # a value out of range is unknown (interp does the same): round(inf) would raise
    if digits is None:
        return args[0].map_elements(lambda v: round(v) if v is not None and -_M <= v <= _M else None,
                                    return_dtype=pl.Int64)
    return args[0].cast(pl.Float64).map_elements(
        lambda v: round(v, digits) if v is not None and -_M <= v <= _M else None, return_dtype=pl.Float64)


_M = MAX_MAGNITUDE


def in_range(e: pl.Expr) -> pl.Expr:
    """``e`` where it is within the range of rule sets (finite, magnitude at most 2^53), else null.

    ``e`` is named once: ``when(e.is_between(-M, M)).then(e)`` names it twice, and polars expands a tree that names
    each operand twice at every level (20 nested products took minutes). So ``e`` becomes the one field of a
    struct, and the check names the struct's field instead (``pl.field``), which polars resolves against the
    struct already computed: no Python callback, and the tree grows by a constant at each level.
    ``is_between``, not ``abs() <= M``: the absolute value of int64's minimum wraps around to itself, which would
    pass the check; NaN compares false, so it is null too. The result keeps ``e``'s name and dtype."""
    name = e.meta.output_name(raise_if_undetermined=False) or "literal"
    v = pl.field(_FIELD)
    return pl.struct(e.alias(_FIELD)).struct.with_fields(
        pl.when(v.is_between(-MAX_MAGNITUDE, MAX_MAGNITUDE)).then(v).alias(_FIELD)).struct.field(_FIELD).alias(name)


_FIELD = "v"


def in_range_column(e: pl.Expr) -> pl.Expr:
    """:func:`in_range` for a plain column or aggregation (naming it twice costs nothing there)."""
    return pl.when(e.is_between(-MAX_MAGNITUDE, MAX_MAGNITUDE)).then(e)


def _literal(value: object) -> pl.Expr:
    """A constant; numbers with a definite dtype (Int64, Float64): polars' "dynamic" literal types cannot be the
    input of :func:`in_range`, whose output has its input's dtype."""
    if type(value) is int:
        return pl.lit(value, pl.Int64)
    if type(value) is float:
        return pl.lit(value, pl.Float64)
    return pl.lit(value)


def _period_constant(node: I.IR) -> bool:
    """Whether ``node`` reads nothing but constants and the period (its value is the same for every subject)."""
    if isinstance(node, I.Field):
        return node.scope == "period"
    if isinstance(node, (I.Agg, I.ListValue)):
        return False
    return all(_period_constant(c) for c in node.children())


def divide(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """``a / b`` exactly as Python divides. polars divides by a constant (a literal, or a column it knows holds one
    value, such as ``pl.repeat``) by multiplying with its reciprocal (0.333333 / 10.0 gives 0.0333333, where Python
    gives 0.033333299999999996), so the divisor is first made an ordinary column (plus 0.0 per row, which changes
    no divisor that can be divided by); a column divided by a column is IEEE division, element by element."""
    return a / (b + pl.int_range(pl.len()).cast(pl.Float64) * 0.0)


def repr_ir(node: I.IR) -> str:
    """A structural rendering of an IR tree: equal renderings compute equal values."""
    parts: list[str] = [type(node).__name__]
    for name in getattr(node, "__slots__", ()):
        if name in ("start", "end", "type", "text"):
            continue
        v = getattr(node, name)
        if isinstance(v, I.IR):
            parts.append(repr_ir(v))
        elif isinstance(v, tuple) and v and isinstance(v[0], I.IR):
            parts.append("[" + ",".join(repr_ir(x) for x in v) + "]")
        else:
            parts.append(repr(v))
    return "(" + " ".join(parts) + ")"


def needed_columns(nodes: list[I.IR]) -> dict[str, set[str]]:
    """The columns the expressions read, per table: ``subjects``, ``annual`` and each list aggregated over.

    The vectorised backend reads only these (plus the keys and dates it filters and orders by), which keeps a
    population of a million subjects with a year of records to the few columns its rule set looks at."""
    out: dict[str, set[str]] = {}

    def visit(n: I.IR, source: str | None) -> None:
        if isinstance(n, I.Field):
            if n.scope == "subject":
                out.setdefault("subjects", set()).add(".".join(n.path))
            elif n.scope == "annual":
                out.setdefault("annual", set()).add(".".join(n.path))
            elif n.scope == "item" and source is not None:
                out.setdefault(source, set()).add(".".join(n.path))
            return
        if isinstance(n, I.Agg):
            out.setdefault(n.source, set())
            for c in n.children():
                visit(c, n.source)
            return
        for c in n.children():
            visit(c, source)

    for node in nodes:
        visit(node, None)
    return out
