"""The values evidence reads, as a member reads them (:func:`show`), and a part of an expression worked out from
the values a line read (:func:`evaluate`); :class:`Words` holds what the sentences need beyond the expressions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ...lang import ir as I
from ...rulesets.templates import number
from ..phrasebook import value_label

_MISSING = object()
_LIST_SHOWN = 4


@dataclass(frozen=True)
class Words:
    """What the renderer needs to know beyond the IR: the parameters' labels and the kind of subject."""

    params: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    subject_kind: str = "member"
    # phrases depend on the expression only, never on values: told once per node, not once per breakdown line
    phrases: dict[tuple[I.IR, str, str | None], str] = field(default_factory=dict, compare=False, repr=False)

    def param(self, name: str, lang: str) -> str:
        zh, en = self.params.get(name, (name.replace("_", " "), name.replace("_", " ")))
        return zh if lang == "zh" else en


# -- values ------------------------------------------------------------------------------------------------------
def show(v: Any, lang: str, words: Words, unit: str = "") -> str:
    """A value as a member reads it: 是/yes, 无记录/not recorded, 52, 2026-03-31, labelled enumerations."""
    if v is _MISSING:
        return "?"
    if isinstance(v, bool):
        return ("是" if v else "否") if lang == "zh" else ("yes" if v else "no")
    if v is None:
        return "无记录" if lang == "zh" else "not recorded"
    if isinstance(v, (int, float)):
        text = number(v)
        return f"{text}{unit}" if lang == "zh" else (f"{text} {unit}" if unit else text)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, (list, tuple, set, frozenset)):
        items = [show(x, lang, words) for x in v]
        if not items:
            return "无" if lang == "zh" else "none"
        sep = "、" if lang == "zh" else ", "
        if len(items) > _LIST_SHOWN:
            more = f"等{len(items)}项" if lang == "zh" else f", … ({len(items)} in all)"
            return sep.join(items[:_LIST_SHOWN]) + more
        return sep.join(items)
    text = str(getattr(v, "value", v))
    return value_label(text, lang, words.subject_kind)


def evaluate(node: I.IR, reads: Mapping[str, Any]) -> Any:
    """The value of an outer part of an expression from what the line read (``_MISSING`` when it cannot tell)."""
    if isinstance(node, I.Const):
        return node.value
    if isinstance(node, I.Agg):
        return reads.get(node.text, _MISSING)
    if isinstance(node, I.Field):
        return reads.get(node.dotted, _MISSING) if node.scope != "item" else _MISSING
    if isinstance(node, I.IfElse):
        test = evaluate(node.test, reads)
        if test is True:
            return evaluate(node.then, reads)
        if test is False or test is None:
            return evaluate(node.orelse, reads)
        return _MISSING
    parts = [evaluate(c, reads) for c in node.children()]
    if any(p is _MISSING for p in parts):
        return _MISSING
    try:
        return _combine(node, parts)
    except (TypeError, ValueError, ZeroDivisionError):
        return _MISSING


def _combine(node: I.IR, parts: list[Any]) -> Any:
    """The value of an operator from the values of its parts (none of them ``_MISSING``)."""
    if isinstance(node, I.Arith):
        a, b = parts
        if a is None or b is None:
            return None
        return {"+": a + b, "-": a - b, "*": a * b}.get(node.op, a / b if b else None)
    if isinstance(node, I.Neg):
        return None if parts[0] is None else -parts[0]
    if isinstance(node, I.Compare):
        a, b = parts
        if a is None or b is None:
            return None if node.op not in ("==", "!=") else (a == b) == (node.op == "==")
        return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[node.op]
    if isinstance(node, I.Not):
        return None if parts[0] is None else not parts[0]
    if isinstance(node, I.BoolOp):
        return all(parts) if node.op == "and" else any(parts)
    if isinstance(node, I.ListValue):
        return list(parts)
    if isinstance(node, I.In):
        found = parts[0] in (parts[1] or ())
        return not found if node.negate else found
    if isinstance(node, I.Func):
        return _func_value(node.name, parts)
    return _MISSING


def _func_value(name: str, parts: list[Any]) -> Any:
    if name == "min":
        return min(p for p in parts if p is not None)
    if name == "max":
        return max(p for p in parts if p is not None)
    if name == "len":
        return len(parts[0] or ())
    if name == "coalesce":
        return next((p for p in parts if p is not None), None)
    if name == "abs":
        return abs(parts[0])
    return _MISSING
