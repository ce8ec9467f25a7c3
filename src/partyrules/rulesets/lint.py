"""Semantic checks of a loaded rule set: the mistakes a policy office would otherwise find in production.

The loader already refuses what cannot be scored (schema, references, types, declared counts). A rule set that
loads can still be wrong: a condition that can never be true, a band nobody can reach, two deductions that take
points twice for one incident, a parameter nobody reads, a Chinese title written in English. :func:`lint_ruleset`
finds these and returns one :class:`~partyrules.errors.Diagnostic` per finding, at the ``file:line:col`` of the
offending item or sub-expression, with a hint. ``partyrules validate`` runs it on every rule set that loads.

Errors are findings that are certainly mistakes (the analysis is sound: "can never be true" is only said of what
truly never is, over every value the facts and every allowed parameter override can take). Warnings are findings
that may be intended; ``partyrules validate --strict`` fails on them too. The codes are listed with examples in
docs/rule-language.md (section 10.1).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..codes import BilingualDiagnostic
from ..errors import Diagnostic, Location
from ..lang import ast
from ..lang import ir as I
from ..lang.abstract import AV, Analyzer, Env, ParamInfo, T, sig
from ..lang.parser import parse
from .model import Expression, RuleSet
from .templates import Placeholder, scan, stated_numbers

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


def lint_ruleset(rs: RuleSet) -> list[Diagnostic]:
    """Every semantic finding about a loaded rule set, errors and warnings, in file order."""
    return _Linter(rs).run()


class _Linter:
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

    def run(self) -> list[Diagnostic]:
        self.points()
        self.applies_to()
        self.rules()
        self.double_counting()
        self.choices()
        self.unused_params()
        self.texts()
        self.stated_params()
        self.monotone()
        self.actionable()
        self.cadence()
        return sorted(self.out, key=_position)

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
        from .problems import expr_location

        return expr_location(x.doc, x.path, x.expr.text, node.start, node.end)

    # -- points ----------------------------------------------------------------------------------------------
    def points(self) -> None:
        rs, src = self.rs, self.src
        for d, item in zip(rs.dimensions, src.dimensions, strict=True):
            total = sum(s.points for s in rs.standards if s.dimension == d.id)
            if total > d.max + 1e-9:
                self.add("RS502", f"the standards of dimension {d.id!r} add up to {total:g}, more than its max "
                         f"{d.max:g}: the subtotal is capped, so a subject reaches the max without meeting every "
                         "standard", item.doc.location((*item.path, "max")),
                         "if every standard is meant to count, make the points sum to the max", "warning",
                         zh=f"维度 {d.id!r} 下各标准分值之和为 {total:g}, 超过其满分 {d.max:g}: "
                            "小计封顶, 对象不必达到每项标准即可得满分",
                         hint_zh="若每项标准都应计分, 使分值之和等于满分")
            for k, kit in zip(rs.deductions, src.deductions, strict=True):
                if k.dimension == d.id and k.spec.cap > d.max + 1e-9:
                    self.add("RS504", f"deduction {k.id} may take up to {k.spec.cap:g}, more than its dimension "
                             f"{d.id!r} holds ({d.max:g})", kit.doc.location((*kit.path, "cap")),
                             f"a cap above {d.max:g} can never be reached: lower it", "warning",
                             zh=f"扣分项 {k.id} 最多可扣 {k.spec.cap:g} 分, 超过所在维度 {d.id!r} 的满分 ({d.max:g})",
                             hint_zh=f"高于 {d.max:g} 的上限永远达不到: 请调低")
        declared = rs.spec.expect.max_points if rs.spec.expect is not None else None
        if declared is not None and abs(declared - rs.max_points) > 1e-9:
            self.add("RS501", f"expected a maximum of {declared:g} points but the dimensions' maxima add up to "
                     f"{rs.max_points:g}", src.top_doc.location(("expect", "max_points")),
                     "correct a dimension's max or the declared maximum", "error",
                     zh=f"声明的满分为 {declared:g}, 但各维度满分之和为 {rs.max_points:g}",
                     hint_zh="更正某个维度的满分或声明的满分")
        for s, item in zip(rs.standards, src.standards, strict=True):
            if s.spec.bands is not None:
                best = max(st.points for st in s.spec.bands.steps)
                if best < s.points - 1e-9:
                    j = next(i for i, st in enumerate(s.spec.bands.steps) if st.points == best)
                    self.add("RS503", f"standard {s.id} can earn at most {best:g} of its {s.points:g} points: no "
                             "band gives its full points", item.doc.location((*item.path, "bands", "steps", j,
                                                                              "points")),
                             "give the top band the standard's points, or lower the points", "error",
                             zh=f"标准 {s.id} 最多只能得 {best:g} 分(满分 {s.points:g}): 没有任何档次给予满分",
                             hint_zh="让最高档次给予该标准满分, 或降低其分值")

    # -- conditions and amounts ------------------------------------------------------------------------------
    def applies_to(self) -> None:
        e = self.rs.applies_to
        if e is None:
            return
        x = _Expr("applies_to", "applies_to", e, self.src.top_doc, ("applies_to",))
        self.condition(x, {}, {})
        self.base_over = self.over.for_text(e.text).assume(e.ir, T, {}) or {}
        self.base_cur = self.cur.for_text(e.text).assume(e.ir, T, {}) or {}

    def rules(self) -> None:
        for kind, rule, item in self.items():
            exprs = {x.key: x for x in self.exprs_of(kind, rule, item)}
            env_over, env_cur = dict(self.base_over), dict(self.base_cur)
            when = exprs.get("when")
            if when is not None:
                self.condition(when, env_over, env_cur)
                env_over = self.over.for_text(when.expr.text).assume(when.expr.ir, T, env_over) or env_over
                env_cur = self.cur.for_text(when.expr.text).assume(when.expr.ir, T, env_cur) or env_cur
            for key, x in exprs.items():
                if key == "when":
                    continue
                if key in _CONDITIONS:
                    self.condition(x, env_over, env_cur)
                elif key in _AMOUNTS:
                    self.amount(x, env_over, env_cur)
                elif key in ("denominator", "target"):
                    self.divisor(rule, x, env_over, env_cur)
                elif not (key == "value" and rule.spec.bands is not None):  # bands() checks its value
                    self.wheres(x, env_over, env_cur)
            if kind == "standard" and rule.spec.bands is not None:
                self.bands(rule, item, exprs["value"], env_over)

    def wheres(self, x: _Expr, env_over: Env, env_cur: Env) -> bool:
        """Check the condition of every aggregation in ``x``; whether one was reported."""
        found = False
        for node in x.expr.ir.walk():
            if not isinstance(node, I.Agg) or node.where is None:
                continue
            inner_over = self.over.for_text(x.expr.text).enter(node, env_over)
            self.over.model = inner_over[1]
            inner_cur = self.cur.for_text(x.expr.text).enter(node, env_cur)
            self.cur.model = inner_cur[1]
            loc = self.where(x, node.where)
            what = f"the condition of {node.text!r} in {x.owner}"
            what_zh = f"{_owner_zh(x.owner)} 中 {node.text!r} 的筛选条件"
            exact = _exact(x.expr.text)
            if inner_over[0] is None and exact:
                found = True
                self.add("RS510", f"{what} can never be true: the aggregation always counts nothing", loc,
                         "check the values and the comparison against the field's possible values", "error",
                         zh=f"{what_zh}永远不成立: 该聚合永远统计不到任何条目",
                         hint_zh="对照字段可能的取值检查比较的值和方式")
            elif inner_cur[0] is None:
                found = True
                self.add("RS515", f"{what} can never be true with the current parameter values", loc,
                         "check the parameters it reads", "warning",
                         zh=f"按当前参数值, {what_zh}永远不成立",
                         hint_zh="检查其读取的参数")
            elif exact and self._always_item(node, env_over):
                found = True
                self.add("RS511", f"{what} is true for every item: it filters nothing", loc,
                         f"drop the condition: {node.func}({node.source}"
                         f"{'.' + x.expr.text[node.project.start:node.project.end] if node.project else ''})",
                         "warning",
                         zh=f"{what_zh}对每个条目都成立: 没有筛选作用",
                         hint_zh=f"去掉该条件: {node.func}({node.source}"
                         f"{'.' + x.expr.text[node.project.start:node.project.end] if node.project else ''})")
        return found

    def _always_item(self, node: I.Agg, env: Env) -> bool:
        assert node.where is not None
        base, outer = self.over.enter(I.Agg(node.type, node.start, node.end, node.func, node.source, None, None),
                                      env)
        try:
            return base is not None and self.over.outcomes(node.where, base) == {T}
        finally:
            self.over.model = outer

    def condition(self, x: _Expr, env_over: Env, env_cur: Env) -> None:
        if self.wheres(x, env_over, env_cur):
            return  # the aggregation's own finding explains this condition
        over = self.over.for_text(x.expr.text).outcomes(x.expr.ir, env_over)
        cur = self.cur.for_text(x.expr.text).outcomes(x.expr.ir, env_cur)
        exact = _exact(x.expr.text)
        loc = self.where(x, x.expr.ir)
        name = f"{x.key} of {x.owner}" if x.owner != "applies_to" else "applies_to"
        name_zh = (f"{_owner_zh(x.owner)} 的 {_KEY_ZH.get(x.key, x.key)}" if x.owner != "applies_to"
                   else "适用范围(applies_to)")
        if T not in over and exact:
            self.add("RS510", f"the {name} can never be true: {_never_consequence(x)}", loc,
                     "compare with values the fields can take (counts are >= 0, shares 0..1, percentages 0..100, "
                     "enumerations their listed values)", "error",
                     zh=f"{name_zh}永远不成立: {_never_consequence_zh(x)}",
                     hint_zh="与字段可能的取值比较(次数 >= 0, 比例 0..1, 百分数 0..100, 枚举取其列出的值)")
        elif T not in cur:
            self.add("RS515", f"the {name} can never be true with the current parameter values: "
                     f"{_never_consequence(x)}", loc, "check the parameters it reads", "warning",
                     zh=f"按当前参数值, {name_zh}永远不成立: {_never_consequence_zh(x)}",
                     hint_zh="检查其读取的参数")
        elif over == {T} and exact and not isinstance(x.expr.ir, I.Const):
            self.add("RS511", f"the {name} is always true", loc,
                     "remove it, or write the condition that was meant", "warning",
                     zh=f"{name_zh}总是成立",
                     hint_zh="删除它, 或写出原本想要的条件")

    def amount(self, x: _Expr, env_over: Env, env_cur: Env) -> None:
        if self.wheres(x, env_over, env_cur):
            return
        over = self.over.for_text(x.expr.text).value(x.expr.ir, env_over)
        cur = self.cur.for_text(x.expr.text).value(x.expr.ir, env_cur)
        loc = self.where(x, x.expr.ir)
        what = "takes no points" if x.key == "per" else "earns no points"
        what_zh = "不扣分" if x.key == "per" else "不得分"
        if _never_positive(over) and _exact(x.expr.text):
            self.add("RS512", f"the {x.key} of {x.owner} can never be above 0: the rule always {what}", loc,
                     "count something that can occur", "error",
                     zh=f"{_owner_zh(x.owner)} 的 {_KEY_ZH.get(x.key, x.key)} 永远不会大于 0: 该规则总是{what_zh}",
                     hint_zh="统计可能发生的事项")
        elif _never_positive(cur):
            self.add("RS515", f"the {x.key} of {x.owner} can never be above 0 with the current parameter values: "
                     f"the rule always {what}", loc, "check the parameters it reads", "warning",
                     zh=f"按当前参数值, {_owner_zh(x.owner)} 的 {_KEY_ZH.get(x.key, x.key)} 永远不会大于 0: "
                        f"该规则总是{what_zh}",
                     hint_zh="检查其读取的参数")

    def divisor(self, rule: Any, x: _Expr, env_over: Env, env_cur: Env) -> None:
        """A ratio whose denominator (or target) is never above 0 always gives the same share of the points."""
        if self.wheres(x, env_over, env_cur):
            return
        v = self.over.for_text(x.expr.text).value(x.expr.ir, env_over)
        if not _exact(x.expr.text) or not _never_positive(v):
            return
        zero = rule.spec.ratio.zero_denominator if x.key == "denominator" else rule.spec.ratio_to.zero_target
        self.add("RS516", f"the {x.key} of {x.owner} can never be above 0: the standard always earns "
                 f"{'all' if zero == 'full' else 'none'} of its points (zero_{x.key}: {zero})",
                 self.where(x, x.expr.ir),
                 "divide by what the standard measures against (e.g. period.months, a count of required items)",
                 "warning",
                 zh=f"{_owner_zh(x.owner)} 的 {_KEY_ZH.get(x.key, x.key)} 永远不会大于 0: 该标准总是得"
                 f"{'全部' if zero == 'full' else '零'}分 (zero_{x.key}: {zero})",
                 hint_zh="除以该标准衡量的基数(例如 period.months、应完成事项的数量)")

    def bands(self, rule: Any, item: Any, x: _Expr, env: Env) -> None:
        if self.wheres(x, env, env):
            return
        v = self.over.for_text(x.expr.text).value(x.expr.ir, env)
        if not _exact(x.expr.text) or v.kind != "num" or not v.has_value():
            return
        for j, step in enumerate(rule.spec.bands.steps):
            if step.at_least > v.hi or (step.at_least == v.hi and v.hi_open):
                self.add("RS513", f"band at_least {step.at_least:g} of standard {rule.id} can never be reached: "
                         f"{x.expr.text!r} is at most {v.hi:g}", item.doc.location((*item.path, "bands", "steps", j,
                                                                                    "at_least")),
                         "write the bands on the scale of the value (a share is 0..1, a percentage 0..100)",
                         "error",
                         zh=f"标准 {rule.id} 的档次 at_least {step.at_least:g} 永远达不到: "
                            f"{x.expr.text!r} 最大为 {v.hi:g}",
                         hint_zh="按取值的尺度写档次(比例为 0..1, 百分数为 0..100)")

    # -- double counting -------------------------------------------------------------------------------------
    def double_counting(self) -> None:
        groups = (("deduction", [(r, it) for k, r, it in self.items() if k == "deduction"], "per"),
                  ("standard", [(r, it) for k, r, it in self.items()
                                if k == "standard" and r.method == "per_occurrence"], "count"))
        for kind, rules, key in groups:
            seen: list[tuple[Any, Any, I.Agg]] = []
            for rule, item in rules:
                e = rule.exprs.get(key)
                agg = e.ir if e is not None else None
                if not isinstance(agg, I.Agg) or agg.func not in ("count", "sum"):
                    continue
                for other, _oit, oagg in seen:
                    if oagg.source != agg.source or not self._together(other, rule):
                        continue
                    x = _Expr(f"{kind} {rule.id}", key, e, item.doc, (*item.path, *_REL[key]))
                    if _counted(oagg) == _counted(agg):
                        self.add("RS520", f"{kind} {rule.id} counts the same {agg.source} as {other.id}: each "
                                 f"occurrence would {'take' if kind == 'deduction' else 'earn'} points twice",
                                 self.where(x, agg), f"merge it with {other.id}, or make their conditions exclusive",
                                 "error",
                                 zh=f"{_KIND_ZH[kind]} {rule.id} 与 {other.id} 统计相同的 {agg.source}: 每次发生都会"
                                 f"{'扣' if kind == 'deduction' else '得'}两次分",
                                 hint_zh=f"与 {other.id} 合并, 或使两者的条件互斥")
                        break
                    if agg.source in ("incidents", "commendations") and self._overlap(oagg, agg, other, rule):
                        self.add("RS521", f"{kind} {rule.id} and {other.id} can both count one of the "
                                 f"{agg.source}: {_short(oagg.text)} and {_short(agg.text)} overlap",
                                 self.where(x, agg.where or agg),
                                 "make the conditions exclusive (e.g. kind == ... and severity != ...)", "warning",
                                 zh=f"{_KIND_ZH[kind]} {rule.id} 与 {other.id} 可能统计同一条 {agg.source}: "
                                 f"{_short(oagg.text)} 与 {_short(agg.text)} 有重叠",
                                 hint_zh="使条件互斥(例如 kind == ... and severity != ...)")
                        break
                seen.append((rule, item, agg))

    def _when_env(self, rule: Any, env: Env | None) -> Env | None:
        if env is None:
            return None
        w = rule.exprs.get("when")
        return env if w is None else self.cur.for_text(w.text).assume(w.ir, T, env)

    def _together(self, a: Any, b: Any) -> bool:
        """Whether both rules can apply to one subject."""
        return self._when_env(b, self._when_env(a, dict(self.base_cur))) is not None

    def _overlap(self, a: I.Agg, b: I.Agg, ra: Any, rb: Any) -> bool:
        env = self._when_env(rb, self._when_env(ra, dict(self.base_cur)))
        if env is None:
            return False
        ta, tb = ra.exprs[_key_of(ra)].text, rb.exprs[_key_of(rb)].text
        inner, outer = self.cur.for_text(ta).enter(a, env)
        try:
            return inner is not None and (b.where is None or self.cur.for_text(tb).assume(b.where, T, inner)
                                          is not None)
        finally:
            self.cur.model = outer

    # -- parameters ------------------------------------------------------------------------------------------
    def choices(self) -> None:
        """A parameter's choices must all be values of the enumerated field it is compared with."""
        reported: set[tuple[str, str]] = set()
        for kind, rule, item in self.items():
            for x in self.exprs_of(kind, rule, item):
                for node in x.expr.ir.walk():
                    pairs: list[tuple[I.IR, I.IR]] = []
                    if isinstance(node, I.Compare) and node.op in ("==", "!="):
                        pairs = [(node.left, node.right), (node.right, node.left)]
                    elif isinstance(node, I.In) and isinstance(node.container, I.ListValue):
                        pairs = [(node.item, c) for c in node.container.items]
                    for fld, c in pairs:
                        if not (isinstance(c, I.Const) and c.param and fld.type.enum):
                            continue
                        spec = self.src.params[c.param].spec
                        bad = [v for v in spec.choices or () if isinstance(v, str) and v not in fld.type.enum]
                        if bad and (c.param, str(bad)) not in reported:
                            reported.add((c.param, str(bad)))
                            pit = self.src.params[c.param]
                            self.add("RS514", f"parameter {c.param!r} may be set to {', '.join(map(repr, bad))}, "
                                     f"which {'is' if len(bad) == 1 else 'are'} not "
                                     f"{'a value' if len(bad) == 1 else 'values'} of "
                                     f"{fld.type.name or 'the field'} (compared in {x.owner})",
                                     pit.doc.location((*pit.path, "choices")),
                                     "an override to that choice would fail to load: remove it from choices",
                                     "error",
                                     zh=f"参数 {c.param!r} 可取 {', '.join(map(repr, bad))}, 但这不是 "
                                     f"{fld.type.name or '该字段'} 的取值(在 {_owner_zh(x.owner)} 中比较)",
                                     hint_zh="改为该选项的覆盖值将无法加载: 从 choices 中删除")

    def unused_params(self) -> None:
        used: set[str] = set()
        texts = [e.text for _k, r, _i in self.items() for e in r.exprs.values()]
        if self.rs.applies_to is not None:
            texts.append(self.rs.applies_to.text)
        for text in texts:
            used |= _params_in(text)
        annual = self.rs.spec.annual
        if annual is not None:
            used |= {v for v in annual.weights.model_dump().values() if isinstance(v, str)}
            used |= {n for n in (annual.quota.share if annual.quota else None, annual.correction_months) if n}
            if annual.funding is not None:
                used |= {annual.funding.branch_index, annual.funding.members_index}
        for name, it in self.src.params.items():
            if name not in used:
                self.add("RS530", f"parameter {name!r} is declared but no rule reads it",
                         it.doc.location(it.path, key=True),
                         "remove it, or use it as params." + name + " where it was meant", "warning",
                         zh=f"参数 {name!r} 已声明但没有规则读取",
                         hint_zh="删除它, 或在原本需要处写 params." + name)

    # -- texts -----------------------------------------------------------------------------------------------
    def texts(self) -> None:
        for name, it in self.src.params.items():
            missing = [k for k in ("zh", "en", "source") if getattr(it.spec, k) is None]
            if missing:
                self.add("RS540", f"parameter {name!r} has no {', '.join(missing)}: a reform that changes it "
                         "cannot say what it changes, or on what authority", it.doc.location(it.path, key=True),
                         "write it in full: {value: ..., zh: ..., en: ..., source: ...}", "warning",
                         zh=f"参数 {name!r} 缺少 {', '.join(missing)}: 改革方案修改它时无法说明改了什么、依据什么",
                         hint_zh="完整写出: {value: ..., zh: ..., en: ..., source: ...}")
        for d, it in zip(self.rs.dimensions, self.src.dimensions, strict=True):
            if d.source is None:
                self.add("RS540", f"dimension {d.id} has no source: a report cannot say which policy text sets its "
                         f"{d.max:g} points", it.doc.location(it.path), "add source: the policy text (文件依据)",
                         "warning",
                         zh=f"维度 {d.id} 没有出处: 报告无法说明哪份政策文件规定了它的 {d.max:g} 分",
                         hint_zh="添加 source: 文件依据")
        labelled: list[tuple[str, Any, Any]] = [("title", self.rs.spec.title, (self.src.top_doc, ("title",)))]
        for d, it in zip(self.rs.dimensions, self.src.dimensions, strict=True):
            labelled.append((f"dimension {d.id}", it.spec, (it.doc, it.path)))
        for kind, rule, it in self.items():
            labelled.append((f"{kind} {rule.id}", rule.spec, (it.doc, it.path)))
        for j, g in enumerate(self.rs.grades):
            labelled.append((f"grade {g.id}", g, (self.src.top_doc, ("grading", j))))
        for name, it in self.src.params.items():
            if it.spec.zh is not None and it.spec.en is not None:
                labelled.append((f"parameter {name}", it.spec, (it.doc, it.path)))
        first: dict[tuple[str, str], str] = {}
        for what, spec, (doc, path) in labelled:
            zh, en = spec.zh, spec.en
            if not _CJK.search(zh):
                self.add("RS541", f"the zh text of {what} has no Chinese characters: {_short(zh)}",
                         doc.location((*path, "zh")), "write the Chinese text (中文) of the item", "warning",
                         zh=f"{_what_zh(what)} 的中文文本没有汉字: {_short(zh)}",
                         hint_zh="写出该条目的中文文本")
            if not _LATIN.search(en):  # an English text may quote a Chinese term (三会一课), not be Chinese
                self.add("RS541", f"the en text of {what} has no English words: {_short(en)}",
                         doc.location((*path, "en")), "write the English text of the item", "warning",
                         zh=f"{_what_zh(what)} 的英文文本没有英文单词: {_short(en)}",
                         hint_zh="写出该条目的英文文本")
            if what.split()[0] in ("standard", "deduction", "veto", "check"):
                for lang, text in (("zh", zh), ("en", en)):
                    prev = first.setdefault((lang, text), what)
                    if prev != what:
                        self.add("RS542", f"{what} has the same {lang} text as {prev}: {_short(text)}",
                                 doc.location((*path, lang)),
                                 "say how the two differ, so a breakdown's lines can be told apart", "warning",
                                 zh=f"{_what_zh(what)} 的 {lang} 文本与 {_what_zh(prev)} 相同: {_short(text)}",
                                 hint_zh="说明两者的区别, 以便区分得分明细中的各行")
                        break

    def stated_params(self) -> None:
        """A rule's text that writes out the value of a parameter the rule reads goes stale when a reform or an
        override changes it: the breakdown would state one number and score another. Only the parameters the rule
        itself reads are compared, so a count that happens to equal an unrelated parameter is not reported."""
        from .problems import expr_location

        for _kind, rule, it in self.items():
            read = set().union(*(I.params_used(e.ir) | _params_in(e.text) for e in rule.exprs.values()))
            values = {n: self.rs.params[n] for n in sorted(read) if n in self.rs.params
                      and isinstance(self.rs.params[n], (int, float)) and not isinstance(self.rs.params[n], bool)}
            if not values:
                continue
            for lang in ("zh", "en"):
                text = getattr(it.spec, lang)
                named = {x.name for x in scan(text) if isinstance(x, Placeholder)}
                for stated, start, end in stated_numbers(text):
                    hit = next((n for n, v in values.items() if n not in named
                                and any(abs(s - v) < 1e-9 for s in stated)), None)
                    if hit is None:
                        continue
                    self.add("RS543", f"the {lang} text of {rule.id} states {text[start:end].strip()!r}, the value "
                             f"of parameter {hit!r} it reads, without referring to it: a reform or an override "
                             "of the parameter would leave the text stating the old number",
                             expr_location(it.doc, (*it.path, lang), text, start, end),
                             f"write {{params.{hit}{':%' if '%' in text[start:end] else ''}}} in the text, so that "
                             "it shows the value in force", "warning",
                             zh=f"{rule.id} 的 {lang} 文本直接写出了 {text[start:end].strip()!r}, "
                                f"即其读取的参数 {hit!r} 的值, "
                             "未引用该参数: 改革方案或覆盖值修改参数后, 文本仍会写旧的数字",
                             hint_zh=f"在文本中写 {{params.{hit}{':%' if '%' in text[start:end] else ''}}}, "
                                     "使其显示现行的值")
                    break

    # -- cadence ---------------------------------------------------------------------------------------------
    def cadence(self) -> None:
        """Every standard should say when it falls due, and no subject should earn points for a standard that
        does not apply to it (docs/rule-language.md, "Cadence")."""
        for s, it in zip(self.rs.standards, self.src.standards, strict=True):
            reads_annual = any(f.startswith("annual.") for e in s.exprs.values() for f in _fields_read(e.ir))
            if s.spec.due is None:
                hint = "it reads the annual evaluation: declare due: yearly" if reads_annual else \
                    "declare due: monthly, quarterly, yearly or any"
                self.add("RS560", f"standard {s.id} does not say when it falls due, so every period assesses it",
                         it.doc.location(it.path), hint, "warning",
                         zh=f"标准 {s.id} 未说明何时考核, 因此每个评估期都考核它",
                         hint_zh=("它读取年度评议: 声明 due: yearly" if reads_annual
                                  else "声明 due: monthly、quarterly、yearly 或 any"))
            if "when" in s.exprs and s.spec.if_not_applicable == "full":
                self.add("RS561", f"standard {s.id} gives its full {s.points:g} points to every subject its `when` "
                         "does not apply to: points for nothing done", it.doc.location((*it.path, "when")),
                         "write if_not_applicable: not_assessed (left out of the maximum), or zero", "warning",
                         zh=f"标准 {s.id} 对其 `when` 不适用的每个对象都给满分 {s.points:g} 分: 无所作为也得分",
                         hint_zh="写 if_not_applicable: not_assessed(不计入满分), 或 zero")

    # -- monotone declarations -------------------------------------------------------------------------------
    def monotone(self) -> None:
        mono = self.rs.spec.monotone
        if mono is None:
            return
        read: set[str] = set()
        for _k, r, _i in self.items():
            for e in r.exprs.values():
                read |= _fields_read(e.ir)
        for side in ("increasing", "decreasing"):
            for j, name in enumerate(getattr(mono, side)):
                if not any(r == name or r.startswith(name + ".") or name.startswith(r + ".") for r in read):
                    self.add("RS550", f"monotone field {name!r} is read by no rule: the promise is empty",
                             self.src.top_doc.location(("monotone", side, j)),
                             "remove it, or name the field the rules read", "warning",
                             zh=f"单调字段 {name!r} 没有被任何规则读取: 该承诺是空的",
                             hint_zh="删除它, 或写出规则读取的字段")

    # -- actionable declarations -----------------------------------------------------------------------------
    def actionable(self) -> None:
        """A field no rule reads can never move the total: recourse would never suggest it."""
        declared = self.rs.spec.actionable
        if not declared:
            return
        read: set[str] = set()
        for _k, r, _i in self.items():
            for e in r.exprs.values():
                read |= _fields_read(e.ir)
        for j, a in enumerate(declared):
            name = a.field
            if not any(r == name or r.startswith(name + ".") or name.startswith(r + ".") for r in read):
                self.add("RS551", f"actionable field {name!r} is read by no rule: changing it never changes the score",
                         self.src.top_doc.location(("actionable", j, "field")),
                         "remove it, or name the field the rules read", "warning",
                         zh=f"可改进字段 {name!r} 没有被任何规则读取: 改变它永远不会改变得分",
                         hint_zh="删除它, 或写出规则读取的字段")


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
    out: set[str] = set()
    stack: list[Any] = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Attr) and isinstance(n.obj, ast.Name) and n.obj.name == "params":
            out.add(n.name)
        for value in getattr(n, "__slots__", ()):
            child = getattr(n, value, None)
            if isinstance(child, ast.Node):
                stack.append(child)
            elif isinstance(child, tuple):
                stack.extend(c for c in child if isinstance(c, ast.Node))
    return out


def _exact(text: str) -> bool:
    """Whether the compiled expression keeps every branch: ``x if params.p else y`` is folded by the current value
    of ``p``, so what is found in it holds for the current parameters only."""
    try:
        node = parse(text)
    except Exception:  # pragma: no cover
        return False
    stack: list[Any] = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, ast.IfElse) and _params_in_node(n.test):
            return False
        for value in getattr(n, "__slots__", ()):
            child = getattr(n, value, None)
            if isinstance(child, ast.Node):
                stack.append(child)
            elif isinstance(child, tuple):
                stack.extend(c for c in child if isinstance(c, ast.Node))
    return True


def _params_in_node(node: ast.Node) -> bool:
    stack: list[Any] = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Attr) and isinstance(n.obj, ast.Name) and n.obj.name == "params":
            return True
        for value in getattr(n, "__slots__", ()):
            child = getattr(n, value, None)
            if isinstance(child, ast.Node):
                stack.append(child)
            elif isinstance(child, tuple):
                stack.extend(c for c in child if isinstance(c, ast.Node))
    return False


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


def deduction_most(rs: RuleSet) -> dict[str, float]:
    """The most each deduction can take before its cap (``per`` × ``points``), over every value the facts and
    every allowed parameter override can take; ``inf`` when the analysis finds no bound.

    Sound as the linter's findings are: a bound below the truth is never given, so a deduction whose bound is at
    most its cap certainly never has its cap take points off (rule coverage leaves such a cap out)."""
    linter = _Linter(rs)
    linter.applies_to()
    most: dict[str, float] = {}
    for kind, rule, item in linter.items():
        if kind != "deduction":
            continue
        exprs = {x.key: x for x in linter.exprs_of(kind, rule, item)}
        env = dict(linter.base_over)
        when = exprs.get("when")
        if when is not None:
            assumed = linter.over.for_text(when.expr.text).assume(when.expr.ir, T, env)
            if assumed is None:  # the deduction never applies: it takes nothing
                most[rule.id] = 0.0
                continue
            env = assumed
        per = exprs["per"]
        v = linter.over.for_text(per.expr.text).value(per.expr.ir, env)
        if v.kind != "num":
            most[rule.id] = float("inf")
        elif not v.has_value():
            most[rule.id] = 0.0
        else:
            most[rule.id] = max(v.hi, 0.0) * rule.spec.points
    return most
