"""Compile a loaded rule set into durable-rules rulesets.

The engine matches what it is good at: comparisons of fact fields with constants, boolean structure, joins of the
subject with its records and incidents (one firing per matching record or incident is one occurrence of a
per-occurrence deduction), and incremental change. What its condition language cannot say (aggregations over a
period, arithmetic between fields, dates, anything involving a missing value) is computed by the expression
closures into a derived field of the fact, which the engine then matches. Two engine traps shape this module:
- negation inside the engine is order dependent, so ``not`` is pushed down into comparisons, or computed;
- the engine compares missing fields in its own way, so every nullable comparison is computed, never matched;
- the engine fires once per matching branch of an ``$or``, so a disjunction is computed, never matched (``in``
  over distinct constants stays in the engine: a value equals at most one of them).

Rules are split into chunks of at most ``CHUNK_RULES`` engine rules, one durable ruleset each, because the engine
fails on more than 64 sibling conditions under one node and hangs at 512 rules.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..lang import ir as I
from ..lang.interp import Compiler, Ctx, Fn
from ..lang.types import BOOL
from ..rulesets.model import Check, Deduction, RuleSet, Standard, Veto

CHUNK_RULES = 32
MAX_FACT_FIELDS = 240  # the engine refuses facts with more than 252 properties

# One-letter type tags keep the JSON the engine parses per fact small.
TYPE_TAGS = {"subject": "s", "records": "r", "incidents": "i", "commendations": "c", "claimed_posts": "p",
             "checklist": "l", "volunteer_teams": "v", "grids": "g"}
NEVER = {"$never": True}  # marker: a condition that can never hold
ACK_TAG = "e"  # the type tag of the fact that ends every one-shot batch
ACK_PREFIX = "y"  # the acknowledgement rule of chunk i is named y<i>

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_DURABLE_OP = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "!=": "$neq"}


@dataclass
class FactShape:
    """How to build the engine fact for the subject or for one item of a list."""

    tag: str
    fields: dict[str, Fn] = field(default_factory=dict)  # engine key -> closure giving the value
    derived: dict[str, Fn] = field(default_factory=dict)  # engine key -> closure giving a computed value


@dataclass
class EngineRule:
    """One durable-rules rule and what its firing means for scoring."""

    name: str
    rule_id: str
    role: str  # main (the rule's own firing), applicable (a standard's applicability) or sentinel
    source: str | None  # the list this rule fires once per matching item of; None for the subject
    definition: dict[str, Any]
    value_key: str | None = None  # engine key holding the occurrence amount (sum shape, subject-level deductions)


@dataclass
class Chunk:
    index: int
    rules: list[EngineRule]
    sources: set[str]  # lists whose items must be asserted into this chunk (the subject fact always is)

    @property
    def definition_json(self) -> str:
        return json.dumps({r.name: r.definition for r in self.rules}, ensure_ascii=False, sort_keys=True)


@dataclass
class Plan:
    """The compiled form of one rule set (with its effective parameters)."""

    ruleset: RuleSet
    chunks: list[Chunk]
    subject: FactShape
    items: dict[str, FactShape]
    rules_by_id: dict[str, list[EngineRule]]
    closures: dict[int, Fn]  # id(IR) -> closure, for amounts evaluated at scoring time
    compiler: Compiler
    applies_to: Fn | None

    def closure(self, node: I.IR) -> Fn:
        fn = self.closures.get(id(node))
        if fn is None:
            fn = self.compiler.compile(node)
            self.closures[id(node)] = fn
        return fn


class _Translator:
    """Turns conditions into engine JSON over one fact, hoisting what the engine must not decide."""

    def __init__(self, shape: FactShape, scope: str, compiler: Compiler,
                 ctx_fields: dict[tuple[str, tuple[str, ...]], str]) -> None:
        self.shape = shape
        self.scope = scope  # "subject" or "item"
        self.compiler = compiler
        self.known = ctx_fields  # (scope, path) -> engine key, shared per fact shape

    def field_key(self, f: I.Field) -> str | None:
        """The engine key of a field the engine may match directly, or None."""
        if f.scope != self.scope or f.type.nullable or f.type.kind not in ("num", "str", "bool"):
            return None
        ident = (f.scope, f.path)
        key = self.known.get(ident)
        if key is None:
            key = "f_" + "__".join(f.path)
            self.known[ident] = key
            self.shape.fields[key] = self.compiler.compile(f)
        return key

    def hoist(self, node: I.IR) -> dict[str, Any]:
        key = f"h_{len(self.shape.derived)}"
        fn = self.compiler.compile(node)

        def holds(c: Ctx, it: Any, fn: Fn = fn) -> bool:
            return fn(c, it) is True

        self.shape.derived[key] = holds
        return {key: True}

    def hoist_value(self, node: I.IR) -> str:
        key = f"h_{len(self.shape.derived)}"
        fn = self.compiler.compile(node)

        def value(c: Ctx, it: Any, fn: Fn = fn) -> Any:
            v = fn(c, it)
            return 0 if v is None else v

        self.shape.derived[key] = value
        return key

    def cond(self, node: I.IR | None) -> dict[str, Any] | None:
        """Engine condition, None when always true, NEVER when it can never hold."""
        if node is None:
            return None
        if isinstance(node, I.Const):
            return None if node.value is True else NEVER
        if isinstance(node, I.BoolOp):
            return self._bool_cond(node)
        if isinstance(node, I.Not):
            pushed = self.negate(node.operand)
            return self.hoist(node) if pushed is None else self.cond(pushed)
        if isinstance(node, I.Field) and node.type.kind == "bool":
            key = self.field_key(node)
            return {key: True} if key else self.hoist(node)
        if isinstance(node, I.Compare):
            out = self.compare(node.op, node.left, node.right)
            return out if out is not None else self.hoist(node)
        if isinstance(node, I.In) and isinstance(node.item, I.Field) and isinstance(node.container, I.ListValue) \
                and all(isinstance(x, I.Const) and x.value is not None for x in node.container.items):
            key = self.field_key(node.item)
            if key is not None:
                return _in_listed(key, node.container, node.negate)
        return self.hoist(node)

    def _bool_cond(self, node: I.BoolOp) -> dict[str, Any] | None:
        parts = [self.cond(x) for x in node.items]
        if node.op == "and":
            if any(p is NEVER for p in parts):
                return NEVER
            kept = [p for p in parts if p is not None]
            return None if not kept else kept[0] if len(kept) == 1 else {"$and": kept}
        if any(p is None for p in parts):
            return None
        kept = [p for p in parts if p is not None and p is not NEVER]  # none is None: checked above
        if not kept:
            return NEVER
        if len(kept) == 1:
            return kept[0]
        # The engine fires once per matching branch of an $or: an item matching both sides would count twice.
        # So a disjunction is computed, and the engine matches its single true/false value.
        return self.hoist(node)

    def compare(self, op: str, left: I.IR, right: I.IR) -> dict[str, Any] | None:
        if isinstance(right, I.Field) and isinstance(left, I.Const):
            left, right, op = right, left, _FLIP[op]
        if not (isinstance(left, I.Field) and isinstance(right, I.Const)):
            return None
        value = right.value
        if value is None or isinstance(value, (list, tuple)) or left.type.kind == "date":
            return None
        if left.type.kind == "bool" and not isinstance(value, bool):
            return None
        if left.type.kind == "num" and (isinstance(value, bool) or not isinstance(value, (int, float))):
            return None
        if isinstance(value, float) and "e" in repr(value):
            return None  # the engine's JSON reader mis-reads exponent notation: compute this comparison instead
        key = self.field_key(left)
        if key is None:
            return None
        if op == "==":
            return {key: value}
        return {_DURABLE_OP[op]: {key: value}}

    def negate(self, node: I.IR) -> I.IR | None:
        """``not node`` pushed one level down, when that is exact under three-valued logic; else None."""
        if isinstance(node, I.Not):
            return node.operand if not node.operand.type.nullable else None
        if isinstance(node, I.Const):
            return I.Const(BOOL, node.start, node.end, None if node.value is None else not node.value)
        if isinstance(node, I.BoolOp):
            if any(x.type.nullable for x in node.items):
                return None
            flipped = "or" if node.op == "and" else "and"
            return I.BoolOp(node.type, node.start, node.end, flipped,
                             tuple(I.Not(BOOL, x.start, x.end, x) for x in node.items))
        if isinstance(node, I.Compare) and not node.left.type.nullable and not node.right.type.nullable:
            return I.Compare(node.type, node.start, node.end, _NEGATE[node.op], node.left, node.right)
        if isinstance(node, I.Field) and node.type.kind == "bool" and not node.type.nullable:
            return I.Compare(BOOL, node.start, node.end, "==", node, I.Const(BOOL, node.start, node.end, False))
        if isinstance(node, I.In) and not node.item.type.nullable:
            return I.In(node.type, node.start, node.end, node.item, node.container, not node.negate)
        return None


def per_fact(node: I.IR) -> tuple[str, I.IR | None, I.IR | None] | None:
    """(source, item condition, item amount) when ``node`` counts or sums items one by one; else None."""
    if isinstance(node, I.Agg) and node.func in ("count", "exists") and node.project is None:
        return node.source, node.where, None
    if isinstance(node, I.Agg) and node.func == "sum" and node.project is not None:
        return node.source, node.where, node.project
    return None


def occurrence_shape(node: I.IR) -> tuple[str, I.IR | None, I.IR | None] | None:
    """A veto ``exists(...)``, ``count(...) > 0`` or ``count(...) >= 1`` fires once per matching item."""
    if isinstance(node, I.Agg) and node.func == "exists":
        return node.source, node.where, None
    if isinstance(node, I.Compare) and isinstance(node.left, I.Agg) and node.left.func == "count" \
            and isinstance(node.right, I.Const) and (
            (node.op == ">" and node.right.value == 0) or (node.op == ">=" and node.right.value == 1)):
        return node.left.source, node.left.where, None
    return None


class _Builder:
    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self.compiler = Compiler(ruleset.schema)
        self.subject = FactShape(TYPE_TAGS["subject"])
        self.subject_known: dict[tuple[str, tuple[str, ...]], str] = {}
        self.items: dict[str, FactShape] = {}
        self.item_known: dict[str, dict[tuple[str, tuple[str, ...]], str]] = {}
        self.rules: list[EngineRule] = []

    def subject_tr(self) -> _Translator:
        return _Translator(self.subject, "subject", self.compiler, self.subject_known)

    def item_tr(self, source: str) -> _Translator:
        shape = self.items.setdefault(source, FactShape(TYPE_TAGS[source]))
        return _Translator(shape, "item", self.compiler, self.item_known.setdefault(source, {}))

    def add(self, rule_id: str, role: str, subject_cond: dict[str, Any] | None, source: str | None = None,
            item_cond: dict[str, Any] | None = None, value_key: str | None = None) -> None:
        if subject_cond is NEVER or item_cond is NEVER:
            return  # can never fire; `partyrules validate` reports it
        name = f"r{len(self.rules)}"

        def typed(tag: str, cond: dict[str, Any] | None) -> dict[str, Any]:
            return {"t": tag} if cond is None else {"$and": [{"t": tag}, cond]}

        if source is None:
            definition = {"all": [{"m": typed(self.subject.tag, subject_cond)}]}
        elif subject_cond is None:
            definition = {"all": [{"m": typed(TYPE_TAGS[source], item_cond)}]}
        else:
            definition = {"all": [{"s": typed(self.subject.tag, subject_cond)},
                                  {"m": typed(TYPE_TAGS[source], item_cond)}]}
        self.rules.append(EngineRule(name, rule_id, role, source, definition, value_key))

    def per_fact_rule(self, rule_id: str, guard: I.IR | None, shape: tuple[str, I.IR | None, I.IR | None]) -> None:
        source, where, amount = shape
        tr = self.item_tr(source)
        item_cond = tr.cond(where)
        value_key = None
        if amount is not None and item_cond is not NEVER:
            # only items that contribute fire (a none amount counts as 0, as in sum()); the amount travels in the
            # fact, so the firing carries its own evidence
            value_key = tr.hoist_value(amount)
            nonzero = {"$neq": {value_key: 0}}
            item_cond = nonzero if item_cond is None else {"$and": [item_cond, nonzero]}
        self.add(rule_id, "main", self.subject_tr().cond(guard), source, item_cond, value_key)

    def standard(self, s: Standard) -> None:
        when = s.exprs.get("when")
        guard = when.ir if when else None
        if guard is not None:
            self.add(s.id, "applicable", self.subject_tr().cond(guard))
        if s.method == "flag":
            flag = s.exprs["flag"].ir
            cond = flag if guard is None else I.BoolOp(BOOL, flag.start, flag.end, "and", (guard, flag))
            self.add(s.id, "main", self.subject_tr().cond(cond))
        elif s.method == "per_occurrence" and (shape := per_fact(s.exprs["count"].ir)) is not None:
            self.per_fact_rule(s.id, guard, shape)
        else:
            self.add(s.id, "main", self.subject_tr().cond(guard))

    def deduction(self, k: Deduction) -> None:
        when = k.exprs.get("when")
        guard = when.ir if when else None
        per = k.exprs["per"].ir
        shape = per_fact(per)
        if shape is not None:
            self.per_fact_rule(k.id, guard, shape)
            return
        tr = self.subject_tr()
        value_key = tr.hoist_value(per)
        positive = {"$gt": {value_key: 0}}
        g = tr.cond(guard)
        cond = positive if g is None else NEVER if g is NEVER else {"$and": [g, positive]}
        self.add(k.id, "main", cond, value_key=value_key)

    def veto(self, v: Veto | Check) -> None:
        """Vetoes and structure checks: fire once per offending item when they are about items, else once."""
        when = v.exprs["when"].ir
        shape = occurrence_shape(when)
        if shape is not None:
            self.per_fact_rule(v.id, None, shape)
        else:
            self.add(v.id, "main", self.subject_tr().cond(when))

    def build(self) -> Plan:
        rs = self.ruleset
        for v in rs.vetoes:
            self.veto(v)
        for s in rs.standards:
            self.standard(s)
        for k in rs.deductions:
            self.deduction(k)
        for c in rs.checks:
            self.veto(c)
        for shape in (self.subject, *self.items.values()):
            if len(shape.fields) + len(shape.derived) > MAX_FACT_FIELDS:
                from ..errors import EngineError

                raise EngineError(f"rule set {rs.id} reads more than {MAX_FACT_FIELDS} values of one fact",
                                  hint="split the rule set; the engine limits facts to 252 properties")
        chunks: list[Chunk] = []
        for i in range(0, max(len(self.rules), 1), CHUNK_RULES):
            part = self.rules[i:i + CHUNK_RULES]
            # A session in which no fact was stored can neither be deleted (the engine frees a bad pointer) nor
            # left alive (1024 sessions exhaust the ruleset): a sentinel rule on the subject fact guarantees that
            # every session stores at least that fact. Its firings are ignored.
            sentinel = EngineRule(f"z{len(chunks)}", "", "sentinel", None, {"all": [{"m": {"t": self.subject.tag}}]})
            # The engine's batch assert stops at the first fact it cannot parse and still answers OK: a one-shot
            # evaluation ends its batch with an acknowledgement fact this rule fires on, so a batch the engine did
            # not read to its end is seen (evaluate.engine.run_once).
            ack = EngineRule(f"{ACK_PREFIX}{len(chunks)}", "", "sentinel", None, {"all": [{"m": {"t": ACK_TAG}}]})
            chunks.append(Chunk(len(chunks), [*part, sentinel, ack], {r.source for r in part if r.source}))
        by_id: dict[str, list[EngineRule]] = {}
        for r in self.rules:
            by_id.setdefault(r.rule_id, []).append(r)
        applies = self.compiler.compile(rs.applies_to.ir) if rs.applies_to else None
        return Plan(rs, chunks, self.subject, self.items, by_id, {}, self.compiler, applies)


def compile_ruleset(ruleset: RuleSet) -> Plan:
    """The engine plan of a rule set, built anew at each call: evaluations share one per rule set through
    :func:`partyrules.evaluate.compiled.compiled_ruleset`, which owns it."""
    return _Builder(ruleset).build()


def _in_listed(key: str, container: I.ListValue, negate: bool) -> dict[str, Any] | None:
    """A field in (or not in) a list of constants: one engine test per distinct value."""
    values = sorted({x.value for x in container.items}, key=repr)  # type: ignore[attr-defined]
    if not values:
        return None if negate else NEVER
    if negate:
        parts = [{"$neq": {key: v}} for v in values]
        return parts[0] if len(parts) == 1 else {"$and": parts}
    parts = [{key: v} for v in values]
    return parts[0] if len(parts) == 1 else {"$or": parts}
