"""The statements of a rule's evidence: compiled once from its expressions (:func:`compile_rule`), each told with
the values a breakdown line read (:meth:`RuleWords.say`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...lang import ir as I
from .phrases import (
    _DATE_OPS,
    _FLIP,
    _OPS,
    _SHORT,
    _is_date,
    _noun,
    _plural,
    _side,
    _unit,
    aggregation,
    counted_what,
    phrase,
)
from .values import _MISSING, Words, evaluate, show


@dataclass(frozen=True)
class _Stmt:
    node: I.IR
    guards: tuple[tuple[I.IR, bool], ...]  # (test, branch): said only when the test took that branch
    condition: bool = False  # a comparison that decides a branch or whether the rule applies: not a requirement


@dataclass
class RuleWords:
    """One rule's evidence sentences, compiled once; :meth:`say` fills in a breakdown's values."""

    statements: list[_Stmt]
    words: Words
    kind: str = "standard"  # a standard's comparisons are what it needs; others' are when they count

    def say(self, reads: Mapping[str, Any], counted: list[str] | None = None) -> tuple[list[str], list[str]]:
        """The sentences for the values a line read. ``counted``: the items the line counted, which tell a count
        the engine matched item by item (its value is not among the reads)."""
        zh: list[str] = []
        en: list[str] = []
        unread = [st.node.text for st in self.statements
                  if isinstance(st.node, I.Agg) and st.node.func == "count" and st.node.text not in reads]
        if counted and len(unread) == 1:  # the count the engine matched item by item is what it counted
            reads = {**reads, unread[0]: len(counted)}
        for st in self.statements:
            if any(evaluate(test, reads) not in (_MISSING, branch) for test, branch in st.guards):
                continue
            for lang, out in (("zh", zh), ("en", en)):
                text = self._say(st.node, reads, lang, st.condition)
                if text is not None and text not in out:
                    out.append(text)
        return zh, en

    def _say(self, node: I.IR, reads: Mapping[str, Any], lang: str, condition: bool = False) -> str | None:
        w = self.words
        zh = lang == "zh"
        if isinstance(node, I.Compare):
            return self._compare(node, reads, lang, condition)
        if isinstance(node, I.In) and not isinstance(node.container, (I.ListValue, I.Const)):
            got = evaluate(node.container, reads)
            if got is _MISSING:
                return None
            return f"{phrase(node.container, lang, w)}: {show(got, lang, w)}"
        value = evaluate(node, reads)
        if value is _MISSING:
            return None
        if isinstance(node, I.Agg):
            unit = _unit(node.source, lang, value) if node.func in ("count", "longest_run") else ""
            if node.func == "longest_run":
                unit = _unit("records", lang, value)
            if node.func == "exists":
                shown = ("有" if value else "无") if zh else ("yes" if value else "none")
                return f"{aggregation(node, lang, w)}: {shown}"
            if node.func == "count" and node.where is not None:
                return f"{counted_what(node, lang, w)}: {show(value, lang, w, unit)}"
            if node.func == "count":
                return (f"有记录的{_noun(node.source)}: {show(value, lang, w, unit)}" if zh else
                        f"{_plural(node.source)} on record: {show(value, lang, w)}")
            return f"{aggregation(node, lang, w)}: {show(value, lang, w, unit)}"
        if isinstance(node, I.Const) and node.param:
            return f"{w.param(node.param, lang)}: {show(value, lang, w)}"
        return f"{phrase(node, lang, w)}: {show(value, lang, w)}"

    def _compare(self, node: I.Compare, reads: Mapping[str, Any], lang: str,
                 condition: bool = False) -> str | None:
        w = self.words
        zh = lang == "zh"
        left, right, op = node.left, node.right, node.op
        if isinstance(left, I.Const) and not isinstance(right, I.Const) and op != "of":
            left, right, op = right, left, _FLIP[op]
        lv, rv = evaluate(left, reads), evaluate(right, reads)
        if lv is _MISSING:
            return None
        # "11 of 12 months": a count of some items against all of them (or the months of the period)
        if isinstance(left, I.Agg) and left.func == "count" and left.where is not None and op in ("==", ">=", "of") \
                and rv is not _MISSING and _counts_all(right, left.source):
            cond = counted_what(left, lang, w)
            unit = _unit(left.source, lang, rv)
            if zh:
                return f"{show(rv, lang, w)}{unit}中{show(lv, lang, w)}{unit}{cond}"
            return f"{cond}: {show(lv, lang, w)} of {show(rv, lang, w)} {unit}"
        what, got = self._what_got(left, lv, lang)
        if isinstance(right, I.Const) and right.value is None:
            return f"{what}: {got}"  # recorded or not: the value says it
        if op == "of":
            word = ""
        else:
            ops = _DATE_OPS if _is_date(left) or _is_date(right) else _OPS
            word = ops[lang].get(op, _OPS[lang][op])
        needed = self._needed(right, rv, lang)
        if op == "of":
            return f"{what}: {got}(目标: {needed})" if zh else f"{what}: {got} (target: {needed})"
        # what a standard needs is a requirement; a test that picks a branch (`0 if x > y else ...`) or decides
        # whether the rule applies is a condition: told as "required: later than" it would say the opposite
        if self.kind != "standard":
            rule = "条件" if zh else "counts when"
        else:
            rule = ("条件" if zh else "when") if condition else ("要求" if zh else "needed")
        held = evaluate(node, reads) if condition else _MISSING
        if held is True or held is False:  # a condition says whether it held, so it is never read as a demand
            said = ("成立" if held else "不成立") if zh else ("holds" if held else "does not hold")
            if zh:
                return f"{what}: {got}({rule}: {word}{needed}, {said})"
            return f"{what}: {got} ({rule}: {word} {needed}, {said})"
        if zh:
            return f"{what}: {got}({rule}: {word}{needed})"
        return f"{what}: {got} ({rule}: {word} {needed})"

    def _what_got(self, left: I.IR, lv: Any, lang: str) -> tuple[str, str]:
        """What the left side of a comparison measures and its value, with the unit of a count or a run."""
        w = self.words
        if isinstance(left, I.Agg) and left.func == "count" and left.where is not None:
            return counted_what(left, lang, w), show(lv, lang, w, _unit(left.source, lang, lv))
        if isinstance(left, I.Agg) and left.func == "longest_run":
            return aggregation(left, lang, w), show(lv, lang, w, _unit("records", lang, lv))
        return _side(left, lang, w), show(lv, lang, w)

    def _needed(self, right: I.IR, rv: Any, lang: str) -> str:
        """The right side of a comparison: its value and, when short, what it is."""
        w = self.words
        if rv is _MISSING:
            return _side(right, lang, w)
        if isinstance(right, I.Const) and not right.param:
            return show(rv, lang, w)
        if isinstance(right, I.Const):
            return f"{show(rv, lang, w)}, {w.param(right.param or '', lang)}"
        if isinstance(right, (I.Agg, I.Field)) or len(phrase(right, lang, w)) <= _SHORT:
            return f"{show(rv, lang, w)}, {phrase(right, lang, w)}"
        return show(rv, lang, w)  # its parts (parameters, fields) are told in statements of their own


def _counts_all(node: I.IR, source: str) -> bool:
    if isinstance(node, I.Agg):
        return node.func == "count" and node.where is None and node.source == source
    return source == "records" and isinstance(node, I.Field) and node.scope == "period" and node.path == ("months",)


def compile_rule(exprs: Mapping[str, I.IR], words: Words, kind: str = "standard") -> RuleWords:
    """The statements of a rule's evidence, in the order of its expressions (``when`` first)."""
    statements = _Statements()
    pairs = (("numerator", "denominator"), ("value", "target"))
    paired = next((p for p in pairs if p[0] in exprs and p[1] in exprs), None)
    for k, ir in exprs.items():
        if paired is not None and k == paired[0]:
            # a ratio is told as one statement: "11 of 12 months", "52 (target: 100, ...)"
            num, den = exprs[paired[0]], exprs[paired[1]]
            statements.walk(I.Compare(num.type, num.start, num.end, "of", num, den), ())
        elif paired is None or k != paired[1]:
            statements.walk(ir, (), k == "when")  # `when` decides whether the standard applies: a condition
    return RuleWords(statements.out, words, kind)


_Guards = tuple[tuple[I.IR, bool], ...]


def _key_of(node: I.IR) -> str | None:
    """What a statement tells, so that an aggregation, field or parameter is told once in a rule."""
    if isinstance(node, I.Agg):
        return "agg:" + node.text
    if isinstance(node, I.Field):
        return "field:" + node.dotted
    if isinstance(node, I.Const) and node.param:
        return "param:" + node.param
    return None


class _Statements:
    """The statements of one rule, collected by walking its expressions in order."""

    def __init__(self) -> None:
        self.out: list[_Stmt] = []
        self.seen: set[int] = set()
        self.keys: set[str] = set()

    def add(self, node: I.IR, guards: _Guards, condition: bool = False) -> None:
        k = _key_of(node)
        if k is not None:
            if k in self.keys:
                return
            self.keys.add(k)
        if id(node) not in self.seen:
            self.seen.add(id(node))
            self.out.append(_Stmt(node, guards, condition))

    def walk(self, node: I.IR, guards: _Guards, condition: bool = False) -> None:
        if isinstance(node, (I.BoolOp, I.Not)):
            for c in node.children():
                self.walk(c, guards, condition)
        elif isinstance(node, I.IfElse):
            self.walk(node.test, guards, True)
            self.walk(node.then, (*guards, (node.test, True)), condition)
            self.walk(node.orelse, (*guards, (node.test, False)), condition)
        elif isinstance(node, I.Compare) and not _has_item_field(node):
            self._compare(node, guards, condition)
        elif isinstance(node, I.In) and not _has_item_field(node):
            self.add(node, guards)
            k = _key_of(node.container)
            if k is not None:
                self.keys.add(k)
        elif isinstance(node, (I.Agg, I.Field)):
            if not (isinstance(node, I.Field) and node.scope == "item"):
                self.add(node, guards)
        elif isinstance(node, I.Const):
            if node.param:
                self.add(node, guards)
        else:
            for c in node.children():
                self.walk(c, guards, condition)

    def _compare(self, node: I.Compare, guards: _Guards, condition: bool) -> None:
        self.add(node, guards, condition)
        for side in (node.left, node.right):
            k = _key_of(side)
            if k is not None:
                self.keys.add(k)  # the comparison tells it
            else:
                self.walk(side, guards)


def _has_item_field(node: I.IR) -> bool:
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, I.Agg):
            continue  # an aggregation's own item fields are inside it
        if isinstance(n, I.Field) and n.scope == "item":
            return True
        stack.extend(n.children())
    return False
