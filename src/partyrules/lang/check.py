"""Name resolution and type checking: syntax tree + fact schema + parameters -> typed IR.

Every unknown name is an error that suggests the nearest valid one; every string compared with an enumerated field
(an incident kind, a member category) must be one of its values. Parameters are folded into constants here, so a
reform that changes a parameter recompiles the rule set rather than mutating it.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from ..errors import ExprProblem
from ..facts.base import IsoDate
from . import ast
from . import ir as I
from .limits import NUMBER_HINT, number_problem, round_digits_problem
from .types import BOOL, DATE, NONE, NUM, STR, Type, model_fields


@dataclass(frozen=True)
class Collection:
    """A list of records that aggregations range over: monthly records, incidents, posts, teams..."""

    name: str
    model: type[BaseModel]
    fields: dict[str, Type]
    key: Callable[[Any], str]
    monthly: bool = False  # ordered by month; longest_run needs this
    from_subject: bool = False  # a list field of the subject rather than a separate input


@dataclass(frozen=True)
class Schema:
    """What an expression can read for one kind of subject."""

    subject_kind: str
    subject_model: type[BaseModel]
    subject_fields: dict[str, Type]
    collections: dict[str, Collection]
    annual_fields: dict[str, Type] = field(default_factory=dict)
    period_fields: dict[str, Type] = field(default_factory=lambda: {"months": NUM, "start": DATE, "end": DATE})


_C = TypeVar("_C", bound=I.IR)

# date("...") reads a date exactly as the facts do (YYYY-MM-DD only: not 20260105, not 2026W01)
_ISO_DATE = TypeAdapter(IsoDate)

FUNCTIONS = ("abs", "clamp", "coalesce", "date", "days_between", "len", "max", "min", "round")
_SCOPES = ("params", "annual", "period", "subject")


def suggest(name: str, candidates: Sequence[str]) -> str | None:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in candidates}
        if name.lower() in lowered:
            close = [lowered[name.lower()]]
    return f"did you mean {close[0]!r}?" if close else None


class Checker:
    def __init__(self, schema: Schema, params: Mapping[str, object]) -> None:
        self.schema = schema
        self.params = params
        self.text = ""

    # -- entry -----------------------------------------------------------------------------------------------
    def check(self, node: ast.Node, text: str, expected: str | None) -> I.IR:
        self.text = text
        out = self.visit(node, None)
        if expected == "bool" and out.type.kind not in ("bool", "none"):
            raise ExprProblem("EX210", f"this must be a condition (true/false) but it is {out.type.describe()}",
                              node.start, node.end, "compare it, e.g. 'x > 0'")
        if expected == "num" and out.type.kind not in ("num", "none"):
            raise ExprProblem("EX210", f"this must be a number but it is {out.type.describe()}", node.start,
                              node.end, "count(...) turns a condition into a number")
        return out

    # -- dispatch --------------------------------------------------------------------------------------------
    def visit(self, node: ast.Node, item: Collection | None) -> I.IR:
        method: Callable[[ast.Node, Collection | None], I.IR] = getattr(self, "v_" + type(node).__name__)
        return method(node, item)

    def v_Literal(self, node: ast.Literal, item: Collection | None) -> I.IR:
        v = node.value
        t = BOOL if isinstance(v, bool) else NUM if isinstance(v, (int, float)) else STR if isinstance(v, str) else NONE
        return I.Const(t, node.start, node.end, v)

    def v_ListLit(self, node: ast.ListLit, item: Collection | None) -> I.IR:
        items = tuple(self.visit(x, item) for x in node.items)
        kinds = {x.type.kind for x in items if x.type.kind != "none"}
        if len(kinds) > 1:
            raise ExprProblem("EX201", "a list must hold values of one type", node.start, node.end)
        elem = items[0].type if items else STR
        return I.ListValue(Type("list", elem=elem), node.start, node.end, items)

    # -- names -----------------------------------------------------------------------------------------------
    def v_Name(self, node: ast.Name, item: Collection | None) -> I.IR:
        name = node.name
        if item is not None and name in item.fields:
            return I.Field(item.fields[name], node.start, node.end, "item", (name,))
        if name in _SCOPES:
            raise ExprProblem("EX202", f"{name!r} needs a field: write {name}.<name>", node.start, node.end,
                              self._scope_hint(name))
        if name in self.schema.collections:
            raise ExprProblem("EX205", f"{name!r} is a list: aggregate it, e.g. count({name} where ...)",
                              node.start, node.end)
        if name in self.schema.subject_fields:
            if item is not None:
                raise ExprProblem("EX204", f"{name!r} is not a field of {item.name}",
                                  node.start, node.end, f"to read the subject's field write subject.{name}")
            return I.Field(self.schema.subject_fields[name], node.start, node.end, "subject", (name,))
        visible = list(item.fields) if item is not None else list(self.schema.subject_fields)
        visible += [*_SCOPES, *self.schema.collections, "true", "false", "none"]
        what = f"a field of {item.name}" if item is not None else f"a field of {self.schema.subject_kind}"
        raise ExprProblem("EX204", f"unknown name {name!r}: not {what}", node.start, node.end,
                          suggest(name, visible))

    def _scope_hint(self, scope: str) -> str | None:
        names = {
            "params": list(self.params),
            "annual": list(self.schema.annual_fields),
            "period": list(self.schema.period_fields),
            "subject": list(self.schema.subject_fields),
        }[scope]
        return ("for example " + ", ".join(f"{scope}.{n}" for n in names[:3])) if names else None

    def v_Attr(self, node: ast.Attr, item: Collection | None) -> I.IR:
        if isinstance(node.obj, ast.Name) and node.obj.name in _SCOPES and not (
            item is not None and node.obj.name in item.fields
        ):
            scope = node.obj.name
            if scope == "params":
                if node.name not in self.params:
                    raise ExprProblem("EX206", f"unknown parameter {node.name!r}", node.start, node.end,
                                      suggest(node.name, list(self.params)) or "declare it under params:")
                return _checked(_const(self.params[node.name], node.start, node.end, node.name), self.text)
            fields = {
                "annual": self.schema.annual_fields,
                "period": self.schema.period_fields,
                "subject": self.schema.subject_fields,
            }[scope]
            if node.name not in fields:
                raise ExprProblem("EX204", f"unknown field {scope}.{node.name}", node.start, node.end,
                                  suggest(node.name, list(fields)))
            t = fields[node.name]
            if scope == "annual":
                t = t.as_nullable()  # the annual evaluation may not exist yet
            return I.Field(t, node.start, node.end, scope, (node.name,))
        base = self.visit(node.obj, item)
        if not isinstance(base, I.Field) or base.type.kind != "model" or base.type.model is None:
            raise ExprProblem("EX207", f"{self.text[node.obj.start:node.obj.end]!r} has no fields "
                              f"(it is {base.type.describe()})", node.start, node.end)
        fields = model_fields(base.type.model)
        if node.name not in fields:
            raise ExprProblem("EX204", f"unknown field {node.name!r} of {base.type.name}", node.start, node.end,
                              suggest(node.name, list(fields)))
        t = fields[node.name].as_nullable(fields[node.name].nullable or base.type.nullable)
        return I.Field(t, node.start, node.end, base.scope, (*base.path, node.name))

    # -- operators -------------------------------------------------------------------------------------------
    def v_Unary(self, node: ast.Unary, item: Collection | None) -> I.IR:
        x = self.visit(node.operand, item)
        if node.op == "not":
            self._want(x, "bool", node.operand)
            if isinstance(x, I.Const):
                return I.Const(BOOL, node.start, node.end, None if x.value is None else not x.value)
            return I.Not(BOOL.as_nullable(x.type.nullable), node.start, node.end, x)
        self._want(x, "num", node.operand)
        if isinstance(x, I.Const) and x.value is not None:
            return _checked(I.Const(NUM, node.start, node.end, -x.value, x.param), self.text)  # type: ignore[operator]
        return I.Neg(NUM.as_nullable(x.type.nullable), node.start, node.end, x)

    def v_Binary(self, node: ast.Binary, item: Collection | None) -> I.IR:
        op = node.op
        left = self.visit(node.left, item)
        right = self.visit(node.right, item)
        if op in ("and", "or"):
            self._want(left, "bool", node.left)
            self._want(right, "bool", node.right)
            items: list[I.IR] = []
            for side in (left, right):
                if isinstance(side, I.BoolOp) and side.op == op:
                    items.extend(side.items)
                else:
                    items.append(side)
            nullable = any(x.type.nullable for x in items)
            return I.BoolOp(BOOL.as_nullable(nullable), node.start, node.end, op, tuple(items))
        if op in ("+", "-", "*", "/"):
            self._want(left, "num", node.left)
            self._want(right, "num", node.right)
            nullable = left.type.nullable or right.type.nullable or op == "/"
            if isinstance(left, I.Const) and isinstance(right, I.Const):
                value = _arith(op, left.value, right.value)
                return _checked(I.Const(NUM.as_nullable(value is None), node.start, node.end, value,
                                        left.param or right.param), self.text)
            return I.Arith(NUM.as_nullable(nullable), node.start, node.end, op, left, right)
        if op in ("in", "not in"):
            return self._in(node, left, right)
        return self._compare(node, left, right)

    def _compare(self, node: ast.Binary, left: I.IR, right: I.IR) -> I.IR:
        op = node.op
        lk, rk = left.type.kind, right.type.kind
        if "none" in (lk, rk):
            if op not in ("==", "!="):
                raise ExprProblem("EX208", f"'{op}' cannot compare with none", node.start, node.end,
                                  "use == none or != none")
        elif lk != rk:
            raise ExprProblem("EX208", f"cannot compare {left.type.describe()} with {right.type.describe()}",
                              node.start, node.end)
        elif lk in ("list", "model", "map"):
            raise ExprProblem("EX208", f"cannot compare {left.type.describe()} values", node.start, node.end)
        elif lk == "bool" and op not in ("==", "!="):
            raise ExprProblem("EX208", f"'{op}' does not apply to true/false values", node.start, node.end)
        self._check_enum(left, right)
        self._check_enum(right, left)
        nullable = op not in ("==", "!=") and (left.type.nullable or right.type.nullable)
        return I.Compare(BOOL.as_nullable(nullable), node.start, node.end, op, left, right)

    def _in(self, node: ast.Binary, left: I.IR, right: I.IR) -> I.IR:
        if right.type.kind != "list" or right.type.elem is None:
            raise ExprProblem("EX209", f"'in' needs a list on the right, not {right.type.describe()}",
                              node.right.start, node.right.end, 'e.g. kind in ["gambling", "littering"]')
        elem = right.type.elem
        if left.type.kind not in ("none", elem.kind) and isinstance(right, I.ListValue) and right.items:
            raise ExprProblem("EX208", f"cannot look for {left.type.describe()} in a list of {elem.describe()}",
                              node.start, node.end)
        if left.type.kind in ("list", "model"):
            raise ExprProblem("EX208", f"'in' looks for a single value, not {left.type.describe()}", node.start,
                              node.end)
        if isinstance(right, I.ListValue):
            for x in right.items:
                self._check_enum(left, x)
        elif isinstance(left, I.Const):
            self._check_enum(I.Field(elem, right.start, right.end, "subject", ()), left)
        return I.In(BOOL, node.start, node.end, left, right, node.op == "not in")

    def _check_enum(self, field_side: I.IR, other: I.IR) -> None:
        allowed = field_side.type.enum
        if not allowed or not isinstance(other, I.Const) or not isinstance(other.value, str):
            return
        if other.value not in allowed:
            what = field_side.type.name or "this field"
            raise ExprProblem("EX203", f"{other.value!r} is not a value of {what}", other.start, other.end,
                              suggest(other.value, list(allowed)) or ("allowed: " + ", ".join(allowed[:12])))

    def _want(self, x: I.IR, kind: str, node: ast.Node) -> None:
        if x.type.kind not in (kind, "none"):
            want = {"bool": "a condition (true/false)", "num": "a number"}[kind]
            raise ExprProblem("EX201", f"expected {want} but {self.text[node.start:node.end]!r} is "
                              f"{x.type.describe()}", node.start, node.end)

    def v_IfElse(self, node: ast.IfElse, item: Collection | None) -> I.IR:
        test = self.visit(node.test, item)
        self._want(test, "bool", node.test)
        then = self.visit(node.then, item)
        orelse = self.visit(node.orelse, item)
        kinds = {then.type.kind, orelse.type.kind} - {"none"}
        if len(kinds) > 1:
            raise ExprProblem("EX201", f"both branches must have one type, not {then.type.describe()} and "
                              f"{orelse.type.describe()}", node.start, node.end)
        base = then.type if then.type.kind != "none" else orelse.type
        t = base.as_nullable(then.type.nullable or orelse.type.nullable)
        if isinstance(test, I.Const):
            return then if test.value is True else orelse
        return I.IfElse(t, node.start, node.end, test, then, orelse)

    # -- calls -----------------------------------------------------------------------------------------------
    def v_Call(self, node: ast.Call, item: Collection | None) -> I.IR:
        name = node.func
        if name in ast.AGGREGATES and name not in ("min", "max"):
            raise ExprProblem("EX211", f"{name}(...) needs a list to aggregate, e.g. {name}(records where ...)",
                              node.start, node.end)
        if name not in FUNCTIONS:
            raise ExprProblem("EX212", f"unknown function {name!r}", node.start, node.start + len(name),
                              suggest(name, [*FUNCTIONS, *ast.AGGREGATES]))
        if name == "date":
            return _date_call(node)
        args = tuple(self.visit(a, item) for a in node.args)
        arity = {"abs": (1, 1), "len": (1, 1), "round": (1, 2), "clamp": (3, 3), "days_between": (2, 2),
                 "min": (2, 99), "max": (2, 99), "coalesce": (2, 99)}[name]
        if not arity[0] <= len(args) <= arity[1]:
            want = str(arity[0]) if arity[0] == arity[1] else f"{arity[0]} or more"
            raise ExprProblem("EX213", f"{name}() takes {want} arguments, not {len(args)}", node.start, node.end)
        nullable = any(a.type.nullable for a in args)
        if name in ("len", "days_between", "coalesce"):
            return _non_numeric_call(node, args, nullable)
        for a, n in zip(args, node.args, strict=True):
            self._want(a, "num", n)
        if name == "round" and len(args) == 2:
            _check_round_digits(node, args)
        return I.Func(NUM.as_nullable(nullable), node.start, node.end, name, args)

    def v_Aggregate(self, node: ast.Aggregate, item: Collection | None) -> I.IR:
        if item is not None:
            raise ExprProblem("EX214", "aggregations cannot be nested", node.start, node.end,
                              "compute the inner one as a separate rule or parameter")
        coll = self.schema.collections.get(node.source)
        if coll is None:
            hint = suggest(node.source, list(self.schema.collections)) or (
                "lists: " + ", ".join(self.schema.collections))
            raise ExprProblem("EX205", f"{node.source!r} is not a list of {self.schema.subject_kind} facts",
                              node.source_start, node.source_start + len(node.source), hint)
        func = node.func
        project = self.visit(node.project, coll) if node.project is not None else None
        where = self.visit(node.where, coll) if node.where is not None else None
        if where is not None:
            self._want(where, "bool", node.where)  # type: ignore[arg-type]
        if func in ("count", "exists", "longest_run"):
            if project is not None:
                raise ExprProblem("EX215", f"{func}() counts items: write {func}({node.source} where ...)",
                                  node.start, node.end)
            if func == "longest_run":
                if not coll.monthly:
                    raise ExprProblem("EX215", f"longest_run() needs monthly records, not {node.source}",
                                      node.start, node.end)
                if where is None:
                    raise ExprProblem("EX215", "longest_run() needs a condition: longest_run(records where ...)",
                                      node.start, node.end)
            t = BOOL if func == "exists" else NUM
        else:
            if project is None:
                raise ExprProblem("EX215", f"{func}() needs a value: {func}({node.source}.<field>)", node.start,
                                  node.end)
            self._want(project, "num", node.project)  # type: ignore[arg-type]
            t = NUM if func == "sum" else NUM.as_nullable()
        return I.Agg(t, node.start, node.end, func, node.source, project, where, self.text[node.start:node.end])


def _const(value: object, start: int, end: int, param: str | None) -> I.Const:
    if isinstance(value, bool):
        t = BOOL
    elif isinstance(value, (int, float)):
        t = NUM
    elif isinstance(value, str):
        t = STR
    elif isinstance(value, (list, tuple)):
        elem = STR if not value or isinstance(value[0], str) else NUM
        return I.ListValue(Type("list", elem=elem), start, end,  # type: ignore[return-value]
                           tuple(_const(v, start, end, param) for v in value))
    else:
        t = NONE
    return I.Const(t, start, end, value, param)


def _checked(node: _C, text: str) -> _C:
    """``node`` when the constant it is (or every constant of the list it is) lies in the one numeric range of rule
    sets; else the problem, at the constant's place: a folded ``1e300 * 1e300`` would otherwise score as infinity,
    and a parameter overridden with 10**400 could not be scored at all."""
    consts = node.items if isinstance(node, I.ListValue) else (node,)
    for c in consts:
        if not isinstance(c, I.Const):
            continue
        problem = number_problem(c.value)
        if problem is not None:
            named = c.param is not None and text[c.start:c.end] == f"params.{c.param}"
            what = f"parameter {c.param!r}" if named else "the constant computed here"
            raise ExprProblem("EX216", f"{what}: {problem}", c.start, c.end, NUMBER_HINT)
    return node


def _arith(op: str, a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if b == 0:
        return None
    try:
        return a / b
    except OverflowError:  # only integers too large for a float: out of range, as _checked then says
        return math.inf


def check(node: ast.Node, text: str, schema: Schema, params: Mapping[str, object],
          expected: str | None = None) -> I.IR:
    """Resolve and type-check a parsed expression, or raise :class:`ExprProblem`."""
    return Checker(schema, params).check(node, text, expected)


def _date_call(node: ast.Call) -> I.IR:
    """``date("2026-01-31")``: a constant, checked here."""
    if len(node.args) != 1 or not isinstance(node.args[0], ast.Literal) or not isinstance(
        node.args[0].value, str
    ):
        raise ExprProblem("EX213", 'date() takes one text like "2026-01-31"', node.start, node.end)
    try:
        value = _ISO_DATE.validate_python(node.args[0].value)
    except ValidationError:
        raise ExprProblem("EX213", f"not a date: {node.args[0].value!r}", node.start, node.end,
                          "write YYYY-MM-DD") from None
    return I.Const(DATE, node.start, node.end, value)


def _non_numeric_call(node: ast.Call, args: tuple[I.IR, ...], nullable: bool) -> I.IR:
    """len, days_between and coalesce: the functions whose arguments are not numbers."""
    name = node.func
    if name == "len":
        if args[0].type.kind != "list":
            raise ExprProblem("EX213", f"len() needs a list, not {args[0].type.describe()}", node.start,
                              node.end)
        return I.Func(NUM.as_nullable(args[0].type.nullable), node.start, node.end, name, args)
    if name == "days_between":
        for a, n in zip(args, node.args, strict=True):
            if a.type.kind not in ("date", "none"):
                raise ExprProblem("EX213", f"days_between() needs dates, not {a.type.describe()}",
                                  n.start, n.end)
        return I.Func(NUM.as_nullable(nullable), node.start, node.end, name, args)
    kinds = {a.type.kind for a in args} - {"none"}  # coalesce
    if len(kinds) > 1:
        raise ExprProblem("EX213", "coalesce() needs values of one type", node.start, node.end)
    base = next((a.type for a in args if a.type.kind != "none"), NONE)
    return I.Func(base.as_nullable(args[-1].type.nullable), node.start, node.end, name, args)


def _check_round_digits(node: ast.Call, args: tuple[I.IR, ...]) -> None:
    if not isinstance(args[1], I.Const):
        raise ExprProblem("EX213", "round()'s digits must be a constant", node.start, node.end)
    problem = round_digits_problem(args[1].value)
    if problem is not None:
        raise ExprProblem("EX213", problem, node.args[1].start, node.args[1].end,
                          "round(x, 1) keeps one decimal; round(x, -1) rounds to tens")
