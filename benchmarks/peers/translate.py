"""A rule set's expressions translated mechanically into a peer engine's expression language.

One walk over the typed IR (:mod:`partyrules.lang.ir`) writes each node in the peer's syntax; a small dialect
class says how (ZEN, the language of zen-engine; rule-engine's own language). The language's three-valued logic
is kept where a value can be none (the IR's types say where): a comparison with none is none, ``not none`` is
none, and a condition holds only when it is exactly true, as in partyrules. Values the type says are never none
are written without guards, so the peers are not slowed by checks they do not need.

The peers read the same subject as one JSON-like input (:func:`peer_input`): the subject's fields under
``subject``, its lists by name, the annual evaluation under ``annual`` and the period's month count under
``period``. partyrules' fairness filter (only verified conduct within the period) is applied when the input is
built, as partyrules applies it when it builds its context.

What is not translated is refused (``NotImplementedError``), never approximated: the forms the benchmark rule set
uses are covered (every operator, the aggregations count/exists/sum/mean/min/max, and ``longest_run(...)``
compared with a constant).
"""

from __future__ import annotations

import json
from typing import Any

from partyrules.lang import ir as I
from partyrules.periods import Period
from partyrules.rulesets.model import RuleSet


class Dialect:
    """ZEN (zen-engine): closures over ``#``, ``sum``/``count``/``some``/``all`` functions, inclusive slices."""

    null = "null"

    def closure_var(self, depth: int) -> str | None:
        return None  # ZEN names the current item ``#``

    def path(self, root: str, parts: tuple[str, ...], maybe_none: bool = False) -> str:
        return ".".join((root, *parts))  # reading a field of none gives none in ZEN

    def item(self, var: str | None, parts: tuple[str, ...]) -> str:
        return self.path(var or "#", parts)

    def select(self, source: str, where: str | None, var: str | None) -> str:
        return source if where is None else f"filter({source}, {where})"

    def project(self, source: str, value: str, var: str | None) -> str:
        return f"map({source}, {value})"

    def count(self, source: str, where: str | None, var: str | None) -> str:
        return f"len({source})" if where is None else f"count({source}, {where})"

    def exists(self, source: str, where: str | None, var: str | None) -> str:
        return f"len({source}) > 0" if where is None else f"some({source}, {where})"

    def call(self, func: str, arr: str) -> str:
        return {"sum": f"sum({arr})", "mean": f"avg({arr})", "min": f"min({arr})", "max": f"max({arr})",
                "len": f"len({arr})"}[func]

    def empty_guard(self, arr: str, value: str) -> str:
        return f"(len({arr}) == 0 ? null : {value})"

    def month_index(self, var: str | None) -> str:
        month = self.item(var, ("month",))
        return f"(number({month}[0:3]) * 12 + number({month}[5:6]))"

    def run_at_least(self, months: str, k: int) -> str:
        # a run of k consecutive months among the matching months (one record per month)
        return f"some({months} as m, all([0..{k - 1}] as t, m - t in {months}))"

    def smallest(self, a: str, b: str) -> str:
        return f"min([{a}, {b}])"

    def largest(self, a: str, b: str) -> str:
        return f"max([{a}, {b}])"


class RuleEngineDialect(Dialect):
    """rule-engine: list comprehensions, ``$sum``/``$min``/``$max``/``$any``/``$all``, ``.length``."""

    def closure_var(self, depth: int) -> str | None:
        return f"x{depth}"

    def path(self, root: str, parts: tuple[str, ...], maybe_none: bool = False) -> str:
        # a dict's keys are read as items: ``.name`` would look for an attribute of the mapping type first
        # (a failing look-up with spelling suggestions, on every read); ``&[`` reads none from none
        op = "&[" if maybe_none else "["
        return root + "".join(f"{op}{json.dumps(p)}]" for p in parts)

    def item(self, var: str | None, parts: tuple[str, ...]) -> str:
        assert var is not None
        return self.path(var, parts)

    def select(self, source: str, where: str | None, var: str | None) -> str:
        return source if where is None else f"[{var} for {var} in {source} if {where}]"

    def project(self, source: str, value: str, var: str | None) -> str:
        return f"[{value} for {var} in {source}]"

    def count(self, source: str, where: str | None, var: str | None) -> str:
        return f"{self.select(source, where, var)}.length"

    def exists(self, source: str, where: str | None, var: str | None) -> str:
        return f"{self.select(source, where, var)}.length > 0"

    def call(self, func: str, arr: str) -> str:
        return {"sum": f"$sum({arr})", "mean": f"($sum({arr}) / {arr}.length)", "min": f"$min({arr})",
                "max": f"$max({arr})", "len": f"{arr}.length"}[func]

    def empty_guard(self, arr: str, value: str) -> str:
        return f"({arr}.length == 0 ? null : {value})"

    def month_index(self, var: str | None) -> str:
        # "03" is not a number to $parse_float; "103" is
        month = self.item(var, ("month",))
        return f"($parse_float({month}[:4]) * 12 + $parse_float(\"1\" + {month}[5:]) - 100)"

    def smallest(self, a: str, b: str) -> str:
        return f"$min([{a}, {b}])"

    def largest(self, a: str, b: str) -> str:
        return f"$max([{a}, {b}])"

    def run_at_least(self, months: str, k: int) -> str:
        return f"$any([$all([(m - t) in {months} for t in $range({k})]) for m in {months}])"


_CMP = {"==", "!=", "<", "<=", ">", ">="}


class Translator:
    """IR to one dialect's text. ``var`` is the name of the current item inside an aggregation (None: ``#``)."""

    def __init__(self, rs: RuleSet, dialect: Dialect, *, bind: bool = False) -> None:
        self.rs = rs
        self.d = dialect
        self.depth = 0
        # with ``bind``, each distinct aggregation (by its text) is computed once, as partyrules computes it once
        # per subject, under a name the rules read: {text: (name, expression)} for a node before the rules'
        self.bindings: dict[str, tuple[str, str]] | None = {} if bind else None

    def _bound(self, text: str, expr: str) -> str:
        if self.bindings is None:
            return expr
        got = self.bindings.get(text)
        if got is None:
            got = self.bindings[text] = (f"agg_{len(self.bindings)}", expr)
        return got[0]

    def __call__(self, node: I.IR, var: str | None = None) -> str:
        method = getattr(self, "t_" + type(node).__name__, None)
        if method is None:
            raise NotImplementedError(f"no translation of {type(node).__name__}")
        return method(node, var)

    # -- values ----------------------------------------------------------------------------------------------
    def t_Const(self, node: I.Const, var: str | None) -> str:
        v = node.value
        if v is None:
            return self.d.null
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float, str)):
            return json.dumps(v, ensure_ascii=False)
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(json.dumps(x, ensure_ascii=False) for x in v) + "]"
        raise NotImplementedError(f"constant {v!r}")

    def t_Field(self, node: I.Field, var: str | None) -> str:
        if node.scope == "item":
            return self.d.item(var, node.path)
        if node.scope == "period" and node.path != ("months",):
            raise NotImplementedError(f"period.{'.'.join(node.path)}")
        return self.d.path(node.scope, node.path, maybe_none=node.scope == "annual")

    def t_ListValue(self, node: I.ListValue, var: str | None) -> str:
        return "[" + ", ".join(self(x, var) for x in node.items) + "]"

    # -- logic -----------------------------------------------------------------------------------------------
    def t_Not(self, node: I.Not, var: str | None) -> str:
        x = self(node.operand, var)
        if node.operand.type.nullable:
            return f"({x} == null ? null : not ({x}))"
        return f"(not ({x}))"

    def t_BoolOp(self, node: I.BoolOp, var: str | None) -> str:
        parts = [self(x, var) for x in node.items]
        if not any(x.type.nullable for x in node.items):
            return "(" + f" {node.op} ".join(f"({p})" for p in parts) + ")"
        # Kleene logic: and is false when one part is false, none when one is none, true otherwise
        decisive, other = ("false", "true") if node.op == "and" else ("true", "false")
        any_decisive = " or ".join(f"({p}) == {decisive}" for p in parts)
        any_none = " or ".join(f"({p}) == null" for p in parts)
        return f"(({any_decisive}) ? {decisive} : (({any_none}) ? null : {other}))"

    def t_Compare(self, node: I.Compare, var: str | None) -> str:
        if isinstance(node.left, I.Agg) and node.left.func == "longest_run" and isinstance(node.right, I.Const):
            return self._run_compare(node.left, node.op, node.right.value, var)
        left, right = self(node.left, var), self(node.right, var)
        if node.op not in _CMP:
            raise NotImplementedError(node.op)
        test = f"({left} {node.op} {right})"
        if node.op in ("==", "!="):  # equality with none is defined (x == none)
            return test
        guards = [f"{s} == null" for s, n in ((left, node.left), (right, node.right)) if n.type.nullable]
        return f"(({' or '.join(guards)}) ? null : {test})" if guards else test

    def t_In(self, node: I.In, var: str | None) -> str:
        test = f"({self(node.item, var)} in {self(node.container, var)})"
        return f"(not {test})" if node.negate else test

    def t_IfElse(self, node: I.IfElse, var: str | None) -> str:
        return f"(({self(node.test, var)}) == true ? {self(node.then, var)} : {self(node.orelse, var)})"

    # -- arithmetic ------------------------------------------------------------------------------------------
    def t_Neg(self, node: I.Neg, var: str | None) -> str:
        return f"(-{self(node.operand, var)})"

    def t_Arith(self, node: I.Arith, var: str | None) -> str:
        left, right = self(node.left, var), self(node.right, var)
        if node.op == "/":
            return f"(({right}) == 0 ? null : ({left} / {right}))"
        test = f"({left} {node.op} {right})"
        guards = [f"{s} == null" for s, n in ((left, node.left), (right, node.right)) if n.type.nullable]
        return f"(({' or '.join(guards)}) ? null : {test})" if guards else test

    def t_Func(self, node: I.Func, var: str | None) -> str:
        args = [self(a, var) for a in node.args]
        if node.name == "coalesce":
            return "(" + " ?? ".join(args) + ")"
        if node.name == "len":
            return self.d.call("len", args[0])
        raise NotImplementedError(f"function {node.name}")

    # -- aggregations ----------------------------------------------------------------------------------------
    def _source(self, source: str) -> str:
        return self.d.path("subject", (source,)) if self.rs.schema.collections[source].from_subject else source

    def _inner(self, node: I.IR | None) -> tuple[str | None, str | None]:
        """An aggregation's condition or projection over its item, and the item's name in the dialect."""
        self.depth += 1
        try:
            var = self.d.closure_var(self.depth)
            return (None if node is None else self(node, var)), var
        finally:
            self.depth -= 1

    def t_Agg(self, node: I.Agg, var: str | None) -> str:
        if self.depth:
            raise NotImplementedError("an aggregation inside an aggregation")
        return self._bound(node.text, self._agg(node))

    def _agg(self, node: I.Agg) -> str:
        src = self._source(node.source)
        where, v = self._inner(node.where)
        if node.func == "count":
            return self.d.count(src, where, v)
        if node.func == "exists":
            return self.d.exists(src, where, v)
        if node.func == "longest_run":
            raise NotImplementedError("longest_run outside a comparison with a constant")
        value, _ = self._inner(node.project)
        assert value is not None
        selected = self.d.select(src, where, v)
        if node.project is not None and node.project.type.nullable:  # a none value is left out, as partyrules does
            selected = self.d.select(selected, f"{value} != null", v)
        values = self.d.project(selected, value, v)
        if node.func == "sum":
            return self.d.call("sum", values)
        return self.d.empty_guard(values, self.d.call(node.func, values))

    def _run_compare(self, agg: I.Agg, op: str, k: Any, var: str | None) -> str:
        """``longest_run(L where c) >= k`` (or ``>``, ``<``, ``<=``): is there a run of k matching months."""
        src = self._source(agg.source)
        where, v = self._inner(agg.where)
        months = self._bound("months of " + agg.text, self.d.project(self.d.select(src, where, v),
                                                                     self.d.month_index(v), v))
        need = {">=": k, ">": k + 1, "<": k, "<=": k + 1}.get(op)
        if need is None or not isinstance(k, int):
            raise NotImplementedError(f"longest_run {op} {k!r}")
        test = "true" if need <= 0 else self.d.run_at_least(months, int(need))
        return test if op in (">=", ">") else f"(not {test})"


def peer_input(rs: RuleSet, facts: Any, period: Period) -> dict[str, Any]:
    """One subject as the peers read it (JSON-like): the subject's fields, its lists, annual and period."""
    dump = facts.model_dump(mode="json")
    kind = rs.subject_kind
    out: dict[str, Any] = {"subject": dump[kind], "annual": dump.get("annual"),
                           "period": {"months": period.months}}
    start, end = period.start_date.isoformat(), period.end_date.isoformat()
    out["incidents"] = [i for i in dump.get("incidents", ()) if i["verified"] and start <= i["occurred_on"] <= end]
    out["commendations"] = [c for c in dump.get("commendations", ())
                            if c["verified"] and start <= c["awarded_on"] <= end]
    out["records"] = dump.get("records", [])
    return out


def _at_least_0(d: Dialect, text: str, node: I.IR) -> str:
    """A count of occurrences: the value, 0 when it is below 0 or none."""
    if node.type.nullable:
        return f"(({text}) == null ? 0 : {d.largest(text, '0')})"
    return d.largest(text, "0")


def _num(x: float) -> str:
    return repr(float(x))


def standard_points(tr: Translator, s: Any) -> str:
    """A standard's earned points (before rounding), as partyrules' scorer computes them."""
    d, sp, full = tr.d, s.spec, _num(s.spec.points)
    if "when" in s.exprs or sp.due is not None:
        raise NotImplementedError(f"{s.id}: applicability and cadence are not translated")
    x = {k: tr(e.ir) for k, e in s.exprs.items()}
    if s.method == "flag":
        return f"(({x['flag']}) == true ? {full} : 0)"
    if s.method == "per_occurrence":
        occ = _at_least_0(d, x["count"], s.exprs["count"].ir)
        return d.smallest(f"{occ} * {_num(sp.per_occurrence.points)}", full)
    if s.method in ("ratio", "ratio_to"):
        num, den = (x["numerator"], x["denominator"]) if s.method == "ratio" else (x["value"], x["target"])
        zero = sp.ratio.zero_denominator if s.method == "ratio" else sp.ratio_to.zero_target
        num_ir, den_ir = (s.exprs["numerator"].ir, s.exprs["denominator"].ir) if s.method == "ratio" else \
            (s.exprs["value"].ir, s.exprs["target"].ir)
        frac = d.smallest("1", d.largest("0", f"({num}) / ({den})"))
        if num_ir.type.nullable:
            frac = f"(({num}) == null ? 0 : {frac})"
        no_den = f"({den}) <= 0" if not den_ir.type.nullable else f"({den}) == null or ({den}) <= 0"
        return f"(({no_den}) ? {'1' if zero == 'full' else '0'} * {full} : {full} * {frac})"
    raise NotImplementedError(f"{s.id}: method {s.method}")


def band_value(tr: Translator, s: Any) -> str:
    if s.exprs["value"].ir.type.nullable:
        raise NotImplementedError(f"{s.id}: a band value that can be none")
    return tr(s.exprs["value"].ir)


def band_steps(s: Any) -> list[tuple[float, float]]:
    return [(float(st.at_least), float(st.points)) for st in s.spec.bands.steps]


def deduction_amount(tr: Translator, k: Any) -> str:
    """A deduction's amount taken (positive, capped), before the dimension's floor."""
    d = tr.d
    if "when" in k.exprs or k.spec.due is not None:
        raise NotImplementedError(f"{k.id}: conditions and cadence are not translated")
    per = tr(k.exprs["per"].ir)
    occ = _at_least_0(d, per, k.exprs["per"].ir)
    return d.smallest(f"{occ} * {_num(k.spec.points)}", _num(k.spec.cap))


def veto_test(tr: Translator, v: Any) -> str:
    return f"(({tr(v.exprs['when'].ir)}) == true)"
