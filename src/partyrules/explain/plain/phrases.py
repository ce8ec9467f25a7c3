"""Phrases of expressions in Chinese and English: conditions, aggregations, comparisons, arithmetic and
functions told in words (a phrase too long to read is replaced by the fields it is computed from)."""

from __future__ import annotations

from typing import Any

from ...lang import ir as I
from ..phrasebook import SOURCES, field_label
from .values import Words, show

_LONG = 160  # characters: a longer phrase of a computed value is replaced by the fields it is computed from
_SHORT = 60  # characters: a computed side of a comparison longer than this is told by what it is computed from
_FALLBACK_FIELDS = 4

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


def _noun(source: str) -> str:
    return SOURCES.get(source, ("项", source, source))[1]


def _plural(source: str) -> str:
    return SOURCES.get(source, ("项", source, source.replace("_", " ")))[2]
