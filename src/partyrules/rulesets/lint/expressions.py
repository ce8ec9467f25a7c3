"""The linter's checks of what each expression can be: conditions that can never be true or are always true,
amounts never above 0, divisors never above 0, bands nobody reaches, and two rules that count one occurrence."""

from __future__ import annotations

from typing import Any

from ...lang import ir as I
from ...lang.abstract import Env, T
from .common import (
    _AMOUNTS,
    _CONDITIONS,
    _KEY_ZH,
    _KIND_ZH,
    _REL,
    LinterBase,
    _counted,
    _exact,
    _Expr,
    _key_of,
    _never_consequence,
    _never_consequence_zh,
    _never_positive,
    _owner_zh,
    _short,
)


class ExpressionChecks(LinterBase):
    """Findings about the values an expression can take, given the rule set's scope and the rule's ``when``."""

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
