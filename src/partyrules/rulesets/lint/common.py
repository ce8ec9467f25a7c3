"""What every check of the linter shares: the expressions of a rule set with where they are written, the two
analyses (over every allowed parameter value, and at the current values), how a finding is added, and the helpers
that name a rule or read an expression's text in both languages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ...codes import BilingualDiagnostic
from ...errors import Diagnostic, Location
from ...lang import ast
from ...lang import ir as I
from ...lang.abstract import AV, Analyzer, Env, ParamInfo, sig
from ...lang.parser import parse
from ..model import Expression, RuleSet

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]{2}")

# where each key of a rule's ``exprs`` is written, relative to the rule
_REL = {"when": ("when",), "flag": ("flag",), "numerator": ("ratio", "numerator"),
        "denominator": ("ratio", "denominator"), "target": ("ratio_to", "target"),
        "count": ("per_occurrence", "count"), "per": ("per",)}
_CONDITIONS = ("when", "flag")
_AMOUNTS = ("per", "count")


@dataclass(frozen=True)
class _Expr:
    """One expression of the rule set with what is needed to place findings inside it."""

    owner: str  # e.g. "standard IN.S01", "applies_to"
    key: str
    expr: Expression
    doc: Any  # the YamlDocument it is written in
    path: tuple[Any, ...]  # its path in that document


class LinterBase:
    """The rule set, its two analyses and the findings so far; the checks are the subclasses' methods."""

    def __init__(self, rs: RuleSet) -> None:
        self.rs = rs
        self.src = rs.sources
        self.out: list[Diagnostic] = []
        infos = {name: ParamInfo(rs.params.get(name), it.spec.min, it.spec.max,
                                 tuple(it.spec.choices) if it.spec.choices is not None else None)
                 for name, it in self.src.params.items()}
        self.over = Analyzer(rs.schema, infos, over_params=True)
        self.cur = Analyzer(rs.schema, infos, over_params=False)
        self.base_over: Env = {}
        self.base_cur: Env = {}

    def add(self, code: str, message: str, location: Location | None, hint: str | None, severity: str, *,
            zh: str, hint_zh: str | None) -> None:
        """One finding, its message and hint written in English and in Chinese with the same values."""
        self.out.append(BilingualDiagnostic(code, message, location, hint, severity,  # type: ignore[arg-type]
                                            message_zh=zh, hint_zh=hint_zh))

    # -- items and their expressions ---------------------------------------------------------------------------
    def items(self) -> Iterator[tuple[str, Any, Any]]:
        """(kind, loaded rule, source item) for every standard, deduction, veto and check."""
        for kind, loaded, src in (("standard", self.rs.standards, self.src.standards),
                                  ("deduction", self.rs.deductions, self.src.deductions),
                                  ("veto", self.rs.vetoes, self.src.vetoes),
                                  ("check", self.rs.checks, self.src.checks)):
            for rule, item in zip(loaded, src, strict=True):
                yield kind, rule, item

    def exprs_of(self, kind: str, rule: Any, item: Any) -> list[_Expr]:
        out = []
        for key, e in rule.exprs.items():
            rel = _REL.get(key) or (("bands", "value") if rule.spec.bands is not None else ("ratio_to", "value"))
            out.append(_Expr(f"{kind} {rule.id}", key, e, item.doc, (*item.path, *rel)))
        return out

    def where(self, x: _Expr, node: I.IR) -> Location:
        from ..problems import expr_location

        return expr_location(x.doc, x.path, x.expr.text, node.start, node.end)


# -- helpers -------------------------------------------------------------------------------------------------
def _position(d: Diagnostic) -> tuple[str, int, int, int, str]:
    """File order: findings read top to bottom, errors before warnings at one place."""
    loc = d.location or Location()
    return (loc.file or "", loc.line or 0, loc.column or 0, 0 if d.severity == "error" else 1, d.code)


def _counted(agg: I.Agg) -> tuple[Any, ...]:
    """What an aggregation counts: its list, its condition and what it adds up."""
    return (agg.source, agg.func, sig(agg.where) if agg.where else None, sig(agg.project) if agg.project else None)


def _key_of(rule: Any) -> str:
    return "per" if "per" in rule.exprs else "count"


def _never_positive(v: AV) -> bool:
    return v.kind == "num" and (not v.has_value() or v.hi <= 0)


def _never_consequence(x: _Expr) -> str:
    if x.owner == "applies_to":
        return "the rule set applies to no subject"
    kind = x.owner.split()[0]
    if x.key == "when":
        return {"standard": "the standard never applies", "deduction": "the deduction never applies",
                "veto": "the veto never applies", "check": "the check never warns"}.get(kind, "it never applies")
    return "the standard is never met"


_KIND_ZH = {"standard": "标准", "deduction": "扣分项", "veto": "否决项", "check": "检查项", "dimension": "维度",
            "grade": "等次", "parameter": "参数", "title": "标题"}
_KEY_ZH = {"when": "适用条件(when)", "flag": "达标条件(flag)", "per": "扣分次数(per)", "count": "计次(count)",
           "numerator": "分子(numerator)", "denominator": "分母(denominator)", "target": "目标(target)",
           "value": "取值(value)"}


def _owner_zh(owner: str) -> str:
    """``standard IN.S01`` as ``标准 IN.S01``; ``applies_to`` as the rule set's scope."""
    if owner == "applies_to":
        return "适用范围(applies_to)"
    kind, _, rid = owner.partition(" ")
    return f"{_KIND_ZH.get(kind, kind)} {rid}".strip()


_what_zh = _owner_zh  # "dimension D1", "grade G", "parameter p", "title": the same form


def _never_consequence_zh(x: _Expr) -> str:
    if x.owner == "applies_to":
        return "规则集不适用于任何对象"
    kind = x.owner.split()[0]
    if x.key == "when":
        return {"standard": "该标准永不适用", "deduction": "该扣分项永不适用", "veto": "该否决项永不适用",
                "check": "该检查永不提示"}.get(kind, "它永不适用")
    return "该标准永远不达标"


def _short(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _params_in(text: str) -> set[str]:
    """The parameters an expression's text reads (from its syntax tree: constant folding may drop some)."""
    try:
        node = parse(text)
    except Exception:  # pragma: no cover - the loader parsed it already
        return set()
    return ast.params_read(node)


def _exact(text: str) -> bool:
    """Whether the compiled expression keeps every branch: ``x if params.p else y`` is folded by the current value
    of ``p``, so what is found in it holds for the current parameters only."""
    try:
        node = parse(text)
    except Exception:  # pragma: no cover
        return False
    return not any(isinstance(n, ast.IfElse) and ast.params_read(n.test) for n in ast.walk(node))


def _fields_read(node: I.IR, source: str | None = None) -> set[str]:
    out: set[str] = set()
    if isinstance(node, I.Agg):
        for child in node.children():
            out |= _fields_read(child, node.source)
        return out
    if isinstance(node, I.Field):
        dotted = ".".join(node.path)
        if node.scope == "item" and source is not None:
            out.add(f"{source}.{dotted}")
        elif node.scope == "annual":
            out.add(f"annual.{dotted}")
        elif node.scope == "subject":
            out.add(dotted)
    for child in node.children():
        out |= _fields_read(child, source)
    return out
