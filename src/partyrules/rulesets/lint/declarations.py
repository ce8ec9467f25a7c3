"""The linter's checks of what a rule set declares: points and maxima, parameters (their choices, whether they are
read, numbers a text states instead of reading them), the texts in both languages, cadence, and the monotone and
actionable fields."""

from __future__ import annotations

from typing import Any

from ...lang import ir as I
from ..templates import Placeholder, scan, stated_numbers
from .common import _CJK, _LATIN, LinterBase, _fields_read, _owner_zh, _params_in, _short, _what_zh


class DeclarationChecks(LinterBase):
    """Findings about the rule set's declarations, read from the loaded rule set and its source items."""

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
        self.sources()
        self.languages(self.labelled())

    def sources(self) -> None:
        """A parameter without its texts and source, a dimension without its source."""
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

    def labelled(self) -> list[tuple[str, Any, Any]]:
        """Every item with texts in both languages: its name, what holds its texts, and where it is written."""
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
        return labelled

    def languages(self, labelled: list[tuple[str, Any, Any]]) -> None:
        """A text not in its language, and a rule whose text repeats another rule's."""
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
        from ..problems import expr_location

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
