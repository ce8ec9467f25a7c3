"""Evidence in plain language: what a line was decided on, told in Chinese and English from its expressions.

``count(records where dues_paid_on_time) == period.months`` with 11 and 12 is told as "12个月中11个月按时交纳党费" /
"dues paid on time: 11 of 12 months"; ``sum(records.volunteer_hours) >= params.organ_volunteer_hours`` as
"志愿服务时长(小时)合计: 52(要求: 不少于100, 机关党员年度志愿服务时长(小时))". The sentences are generated from the
typed IR of the rule (its aggregations, comparisons, fields, parameters and period fields) with the words of
:mod:`.phrasebook`; the expression texts and their values stay in ``evidence.reads`` for audit.

A rule is compiled once into statements (:func:`compile_rule`); each breakdown only fills in the values it read.
A part of an expression that has no sentence of its own (arithmetic, ``min``/``max``, ``x if c else y``) is told
in words and symbols (+, −, ×, ÷); a phrase too long to read is replaced by the fields it is computed from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..lang import ir as I
from ..rulesets.templates import number
from .phrasebook import SOURCES, field_label, value_label

_MISSING = object()
_LONG = 160  # characters: a longer phrase of a computed value is replaced by the fields it is computed from
_SHORT = 60  # characters: a computed side of a comparison longer than this is told by what it is computed from
_FALLBACK_FIELDS = 4
_LIST_SHOWN = 4

_OPS = {
    "zh": {"==": "等于", "!=": "不等于", "<": "少于", "<=": "不超过", ">": "多于", ">=": "不少于"},
    "en": {"==": "exactly", "!=": "not", "<": "below", "<=": "at most", ">": "more than", ">=": "at least"},
}
_DATE_OPS = {
    "zh": {"<": "早于", "<=": "不晚于", ">": "晚于", ">=": "不早于"},
    "en": {"<": "before", "<=": "on or before", ">": "after", ">=": "on or after"},
}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_SYMBOLS = {"+": "+", "-": "−", "*": "×", "/": "÷"}
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


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


# -- phrases -----------------------------------------------------------------------------------------------------
def _unit(source: str, lang: str, value: Any = None) -> str:
    zh_measure, _noun, en = SOURCES.get(source, ("项", "项目", source.replace("_", " ")))
    if lang == "zh":
        return zh_measure
    return en[:-1] if value == 1 and en.endswith("s") else en


def _kind_only(where: I.IR | None) -> bool:
    """Whether an aggregation's condition only picks kinds (``kind == "x"``, ``kind in [...]``)."""
    if isinstance(where, I.Compare):
        return where.op == "==" and any(isinstance(x, I.Field) and x.path == ("kind",) for x in (where.left,
                                                                                               where.right))
    if isinstance(where, I.In):
        return not where.negate and isinstance(where.item, I.Field) and where.item.path == ("kind",)
    return False


def counted_what(node: I.Agg, lang: str, words: Words) -> str:
    """What a count with a condition counts: 按时交纳党费 / dues paid on time; 事件“参与赌博” / incidents of kind
    Gambling."""
    cond = condition(node.where, lang, words, node.source) if node.where is not None else ""
    if _kind_only(node.where):
        _m, noun, plural = SOURCES.get(node.source, ("项", node.source, node.source.replace("_", " ")))
        return f"{noun}“{cond}”" if lang == "zh" else f"{plural} of kind {cond}"
    return cond


def condition(node: I.IR, lang: str, words: Words, source: str | None = None) -> str:
    """A condition told in words: ``dues_paid_on_time`` -> 按时交纳党费 / dues paid on time."""
    zh = lang == "zh"
    if isinstance(node, I.BoolOp):
        joiner = ("且" if node.op == "and" else "或") if zh else f" {node.op} "
        return joiner.join(f"({condition(x, lang, words, source)})" if isinstance(x, I.BoolOp) else
                           condition(x, lang, words, source) for x in node.items)
    if isinstance(node, I.Not):
        return _not_condition(node, lang, words, source)
    if isinstance(node, I.In):
        return _in_condition(node, lang, words, source)
    if isinstance(node, I.Compare):
        return _compare_condition(node, lang, words, source)
    return phrase(node, lang, words, source)


def _not_condition(node: I.Not, lang: str, words: Words, source: str | None) -> str:
    """已/有 turn into 未/无 in Chinese; anything longer than a field is bracketed."""
    inner = condition(node.operand, lang, words, source)
    if lang != "zh":
        return f"not {inner}" if isinstance(node.operand, I.Field) else f"not ({inner})"
    if inner.startswith("已"):
        return "未" + inner[1:]
    if inner.startswith("有"):
        return "无" + inner[1:]
    return "未" + inner if isinstance(node.operand, I.Field) else f"并非({inner})"


def _in_condition(node: I.In, lang: str, words: Words, source: str | None) -> str:
    """A listed value is told by its labels (a kind by its labels alone); any other list by what it includes."""
    zh = lang == "zh"
    item = node.item
    values = _listed(node.container)
    if values is not None:
        labels = [show(v, lang, words) for v in values]
        if isinstance(item, I.Field) and item.path[-1] == "kind":
            text = ("或" if zh else " or ").join(labels)
        else:
            text = f"{phrase(item, lang, words, source)}{'为' if zh else ' is '}" + \
                ("或" if zh else " or ").join(labels)
        return (f"非({text})" if zh else f"not ({text})") if node.negate else text
    what = phrase(node.container, lang, words, source)
    value = phrase(node.item, lang, words, source)
    if zh:
        return f"{what}{'不包括' if node.negate else '包括'}{value}"
    return f"{what} {'exclude' if node.negate else 'include'} {value}"


def _compare_condition(node: I.Compare, lang: str, words: Words, source: str | None) -> str:
    """The field on the left; a field equal to a text is told as the label of that text."""
    zh = lang == "zh"
    left, right, op = node.left, node.right, node.op
    if isinstance(left, I.Const) and not isinstance(right, I.Const):
        left, right, op = right, left, _FLIP[op]
    if isinstance(left, I.Field) and isinstance(right, I.Const) and isinstance(right.value, str) \
            and op in ("==", "!="):
        value = show(right.value, lang, words)
        if left.path[-1] == "kind" and op == "==":
            return value
        label = field_label(left.path, lang, left.scope)
        if zh:
            return f"{label}{'为' if op == '==' else '不为'}{value}"
        return f"{label} {'is' if op == '==' else 'is not'} {value}"
    ops = _DATE_OPS if _is_date(left) or _is_date(right) else _OPS
    word = ops[lang].get(op, _OPS[lang][op])
    if op == "==" and isinstance(right, I.Const):
        word = "为" if zh else "is"
    a, b = phrase(left, lang, words, source), phrase(right, lang, words, source)
    return f"{a}{word}{b}" if zh else f"{a} {word} {b}"


def _listed(container: I.IR) -> list[object] | None:
    """The values of a list of literal values (written out or folded into one constant); None for any other list:
    a list written in a rule may hold fields and other expressions, which are told as expressions."""
    if isinstance(container, I.Const) and isinstance(container.value, (list, tuple)):
        return list(container.value)
    if isinstance(container, I.ListValue) and all(isinstance(x, I.Const) for x in container.items):
        return [x.value for x in container.items if isinstance(x, I.Const)]
    return None


def _is_date(node: I.IR) -> bool:
    return getattr(node.type, "kind", None) == "date"


def phrase(node: I.IR, lang: str, words: Words, source: str | None = None) -> str:
    """A value told in words (no value filled in): a field's label, a sum's description, arithmetic in symbols."""
    key = (node, lang, source)
    text = words.phrases.get(key)
    if text is None:
        text = _phrase(node, lang, words, source)
        if len(text) > _LONG:
            text = fallback(node, lang, words)
        words.phrases[key] = text
    return text


def fallback(node: I.IR, lang: str, words: Words) -> str:
    """Still readable when the expression is too complex to tell: the fields it is computed from."""
    labels: list[str] = []
    for n in node.walk():
        if isinstance(n, I.Field):
            label = field_label(n.path, lang, n.scope)
        elif isinstance(n, I.Const) and n.param:
            label = words.param(n.param, lang)
        else:
            continue
        if label not in labels:
            labels.append(label)
    more = len(labels) > _FALLBACK_FIELDS
    labels = labels[:_FALLBACK_FIELDS]
    if lang == "zh":
        return "由" + "、".join(labels) + ("等" if more else "") + "计算得出的数值" if labels else "计算得出的数值"
    return "a value computed from " + ", ".join(labels) + (", …" if more else "") if labels else "a computed value"


def _side(node: I.IR, lang: str, words: Words) -> str:
    """A side of a comparison: in words when short, else by the fields it is computed from."""
    text = _phrase(node, lang, words, None)
    return text if len(text) <= _SHORT or isinstance(node, (I.Agg, I.Field, I.Const)) else \
        fallback(node, lang, words)


def _phrase(node: I.IR, lang: str, words: Words, source: str | None) -> str:
    zh = lang == "zh"
    if isinstance(node, I.Field):
        return field_label(node.path, lang, node.scope)
    if isinstance(node, I.Const):
        if node.param:
            return f"{words.param(node.param, lang)}({show(node.value, lang, words)})" if zh else \
                f"{words.param(node.param, lang)} ({show(node.value, lang, words)})"
        return show(node.value, lang, words)
    if isinstance(node, I.Agg):
        return aggregation(node, lang, words)
    if isinstance(node, I.Arith):
        return _arith_phrase(node, lang, words, source)
    if isinstance(node, I.Neg):
        return f"−{phrase(node.operand, lang, words, source)}"
    if isinstance(node, I.IfElse):
        test = condition(node.test, lang, words, source)
        then, orelse = phrase(node.then, lang, words, source), phrase(node.orelse, lang, words, source)
        return f"{test}时为{then}, 否则为{orelse}" if zh else f"{then} if {test}, else {orelse}"
    if isinstance(node, I.Func):
        return _func_phrase(node, lang, words, source)
    if isinstance(node, (I.Compare, I.BoolOp, I.Not, I.In)):
        return condition(node, lang, words, source)
    if isinstance(node, I.ListValue):
        return ("、" if zh else ", ").join(phrase(x, lang, words, source) for x in node.items)
    return fallback(node, lang, words)


def _arith_phrase(node: I.Arith, lang: str, words: Words, source: str | None) -> str:
    """Arithmetic in symbols, with brackets only where the order of operations needs them."""
    def side(x: I.IR, right: bool) -> str:
        inner = phrase(x, lang, words, source)
        if isinstance(x, I.IfElse):
            return f"({inner})"
        if isinstance(x, I.Arith):
            mine, theirs = _PRECEDENCE[node.op], _PRECEDENCE[x.op]
            if theirs < mine or (right and theirs == mine and node.op in "-/"):
                return f"({inner})"
        return inner
    return f"{side(node.left, False)} {_SYMBOLS[node.op]} {side(node.right, True)}"


def _func_phrase(node: I.Func, lang: str, words: Words, source: str | None) -> str:
    """A function call in words; ``max(x, 0)`` is told as x not below 0."""
    zh = lang == "zh"
    args = [phrase(a, lang, words, source) for a in node.args]
    if node.name in ("min", "max") and len(args) == 2:
        zero = [isinstance(a, I.Const) and a.value == 0 for a in node.args]
        if any(zero):
            other = args[zero.index(False)] if False in zero else args[0]
            bound = ("不低于0" if node.name == "max" else "不高于0") if zh else \
                ("not below 0" if node.name == "max" else "not above 0")
            return f"{other}({bound})" if zh else f"{other} ({bound})"
        if zh:
            return f"{args[0]}与{args[1]}中的{'较小者' if node.name == 'min' else '较大者'}"
        return f"the {'lesser' if node.name == 'min' else 'greater'} of {args[0]} and {args[1]}"
    if node.name == "len":
        return f"{args[0]}数量" if zh else f"number of {args[0]}"
    if node.name == "coalesce" and len(args) == 2:
        return f"{args[0]}(无记录时为{args[1]})" if zh else f"{args[0]} (or {args[1]} if not recorded)"
    if node.name == "days_between" and len(args) == 2:
        return f"{args[0]}至{args[1]}的天数" if zh else f"days from {args[0]} to {args[1]}"
    if node.name == "abs":
        return f"{args[0]}的绝对值" if zh else f"the size of {args[0]}"
    if node.name == "round":
        return f"{args[0]}(四舍五入)" if zh else f"{args[0]}, rounded"
    return ("、" if zh else ", ").join(args)


def aggregation(node: I.Agg, lang: str, words: Words) -> str:
    """What an aggregation measures, without its value: 按时交纳党费的月份 / months where dues paid on time."""
    zh = lang == "zh"
    _m, noun, plural = SOURCES.get(node.source, ("项", node.source, node.source.replace("_", " ")))
    cond = condition(node.where, lang, words, node.source) if node.where is not None else None
    if node.func in ("count", "exists"):
        if cond is None:
            return f"{noun}" if zh else plural
        if _kind_only(node.where):
            return counted_what(node, lang, words)
        return f"{cond}的{noun}" if zh else f"{plural} where {cond}"
    if node.func == "longest_run":
        return f"连续{cond}的最长月数" if zh else f"longest run of consecutive months where {cond}"
    project = (noun if zh else plural) if node.project is None else \
        _side(node.project, lang, words) if len(_phrase(node.project, lang, words, node.source)) > _SHORT + 20 \
        else phrase(node.project, lang, words, node.source)
    how = {"sum": ("合计", "in total"), "mean": ("平均", "on average"), "min": ("最低", "at the lowest"),
           "max": ("最高", "at the highest")}.get(node.func, (node.func, node.func))
    if zh:
        return f"{project}{how[0]}" + (f"({cond}的{noun})" if cond else "")
    return f"{project}, {how[1]}" + (f" ({plural} where {cond})" if cond else "")


# -- statements --------------------------------------------------------------------------------------------------
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


def _noun(source: str) -> str:
    return SOURCES.get(source, ("项", source, source))[1]


def _plural(source: str) -> str:
    return SOURCES.get(source, ("项", source, source.replace("_", " ")))[2]


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


def _inner(node: I.IR) -> bool:
    return isinstance(node, (I.Agg, I.Field, I.Const))


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
