"""Assembling a rule set from its sources: a named, ordered table of stages (:data:`STAGES`).

Each stage reads the sources and what the earlier stages built, adds what it builds to the :class:`Assembly`
and records every problem it finds as a diagnostic instead of stopping, so that one run reports them all. Once
every stage has run, any problem raises the error that fits them (:func:`~.problems.error_class`); otherwise the
rule set is made and its content hash computed (:meth:`Assembly.ruleset`). The loader assembles what it read,
:func:`partyrules.RuleSet.with_params` reassembles with other parameters and reforms assemble changed sources:
all three through :func:`assemble`, so each is checked in the same way and in the same order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..errors import Diagnostic, ExprProblem, Location
from ..lang.check import Schema, check, suggest
from ..lang.parser import parse
from . import spec as S
from .cadence import cadence_problems
from .model import Check, Deduction, Dimension, Expression, RuleSet, Standard, Veto
from .problems import error_class, expr_location
from .schema import schema_for
from .sources import Item, Sources
from .stage_checks import check_actionable, check_annual, check_expected_counts, check_grading, check_monotone
from .templates import is_template, render
from .templates import problems as template_problems
from .yamlsafe import Path as YPath

__all__ = ["STAGES", "Assembly", "Stage", "assemble"]


@dataclass
class Assembly:
    """A rule set being assembled: its sources and parameters, what the stages built so far, and the problems."""

    sources: Sources
    params: dict[str, Any]
    schema: Schema
    diags: list[Diagnostic] = field(default_factory=list)
    templates: dict[str, dict[str, str]] = field(default_factory=dict)  # the texts' templates, kept for audit
    seen: dict[str, Location] = field(default_factory=dict)  # every id so far, where it was first written
    shown_top: S.RuleSetSpec | None = None
    applies_to: Expression | None = None
    dimensions: list[Dimension] = field(default_factory=list)
    standards: list[Standard] = field(default_factory=list)
    deductions: list[Deduction] = field(default_factory=list)
    vetoes: list[Veto] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    @property
    def top(self) -> S.RuleSetSpec:
        return self.sources.top

    @property
    def dim_ids(self) -> list[str]:
        return [d.id for d in self.dimensions]

    def compile_expr(self, item: Item, rel: YPath, text: str | None, expected: str) -> Expression | None:
        """An item's expression parsed and type-checked against the schema and the parameters in force."""
        if text is None:
            return None
        path = (*item.path, *rel)
        try:
            node = parse(text)
            out = check(node, text, self.schema, self.params, expected)
        except ExprProblem as p:
            self.diags.append(Diagnostic(p.code, p.message, expr_location(item.doc, path, text, p.start, p.end),
                                         p.hint))
            return None
        except RecursionError:
            self.diags.append(Diagnostic("EX111", "expression nested too deeply", item.doc.location(path),
                                         "simplify the expression"))
            return None
        return Expression(text, out, expr_location(item.doc, path, text, 0))

    def text(self, item: Item, rel: YPath, value: str) -> str:
        """A shown text rendered with the parameters in force; a placeholder naming no declared parameter is an
        error at its own character."""
        bad = template_problems(value, self.params)
        for p in bad:
            self.diags.append(Diagnostic("RS312", p.message, expr_location(item.doc, (*item.path, *rel), value,
                                                                           p.start, p.end), p.hint))
        return value if bad else render(value, self.params, "zh" if rel[-1] == "zh" else "en")

    def rendered(self, item: Item, spec: Any, key: str, rel: YPath = ()) -> Any:
        """``spec`` with its templated zh/en texts rendered; the templates are kept under ``key`` for audit."""
        changes = {lang: self.text(item, (*rel, lang), getattr(spec, lang)) for lang in ("zh", "en")
                   if is_template(getattr(spec, lang))}
        if not changes:
            return spec
        self.templates[key] = {lang: getattr(spec, lang) for lang in changes}
        return spec.model_copy(update=changes)

    def unique(self, kind: str, ident: str, item: Item) -> None:
        loc = item.doc.location((*item.path, "id"))
        if ident in self.seen:
            self.diags.append(Diagnostic("RS301", f"{kind} id {ident!r} is used twice", loc,
                                         f"first used at {self.seen[ident]}"))
        else:
            self.seen[ident] = loc

    def check_dimension(self, item: Item, dim: str | None) -> None:
        dim_ids = self.dim_ids
        if dim is not None and dim not in dim_ids:
            self.diags.append(Diagnostic("RS302", f"unknown dimension {dim!r}",
                                         item.doc.location((*item.path, "dimension")),
                                         suggest(dim, dim_ids) or ("dimensions: " + ", ".join(dim_ids))))

    def due_problems(self, item: Item, due: Any, compiled: dict[str, Expression]) -> None:
        for code, message, hint in cadence_problems(due, compiled):
            self.diags.append(Diagnostic(code, message, item.doc.location((*item.path, "due")), hint))

    def ruleset(self) -> RuleSet:
        """The assembled rule set, hashed over its canonical form and the parameters in force."""
        sources, params = self.sources, self.params
        canonical = dict(sources.canonical)
        canonical["effective_params"] = {k: params[k] for k in sorted(params)}
        digest = hashlib.sha256(json.dumps(canonical, sort_keys=True, ensure_ascii=False,
                                           separators=(",", ":")).encode()).hexdigest()
        rs = RuleSet(
            spec=self.shown_top if self.shown_top is not None else self.top,
            schema=self.schema,
            params=dict(params),
            dimensions=tuple(self.dimensions),
            standards=tuple(self.standards),
            deductions=tuple(self.deductions),
            vetoes=tuple(self.vetoes),
            grades=tuple(self.top.grading),
            applies_to=self.applies_to,
            content_hash=digest,
            files=sources.files,
            base_params={k: v.spec.value for k, v in sources.params.items()},
            checks=tuple(self.checks),
            templates=self.templates,
            sources=sources,
        )
        return rs


# -- the stages, in order --------------------------------------------------------------------------------------
def render_texts(a: Assembly) -> None:
    """The rule set's title and description rendered with the parameters in force."""
    top = a.top
    top_item = Item(top, a.sources.top_doc, ())
    a.shown_top = top
    title = a.rendered(top_item, top.title, "title", ("title",))
    description = None if top.description is None else \
        a.rendered(top_item, top.description, "description", ("description",))
    if title is not top.title or description is not top.description:
        a.shown_top = top.model_copy(update={"title": title, "description": description})


def compile_applies_to(a: Assembly) -> None:
    a.applies_to = a.compile_expr(Item(a.top, a.sources.top_doc, ()), ("applies_to",), a.top.applies_to, "bool")


def build_dimensions(a: Assembly) -> None:
    for it in a.sources.dimensions:
        d = a.rendered(it, it.spec, it.spec.id)
        a.unique("dimension", d.id, it)
        a.dimensions.append(Dimension(d.id, d.zh, d.en, float(d.max), d.source))


def build_standards(a: Assembly) -> None:
    for it in a.sources.standards:
        s: S.StandardSpec = a.rendered(it, it.spec, it.spec.id)
        a.unique("rule", s.id, it)
        a.check_dimension(it, s.dimension)
        exprs: dict[str, Expression | None] = {"when": a.compile_expr(it, ("when",), s.when, "bool")}
        m = s.method
        if m == "flag":
            exprs["flag"] = a.compile_expr(it, ("flag",), s.flag, "bool")
        elif m == "ratio":
            assert s.ratio is not None
            exprs["numerator"] = a.compile_expr(it, ("ratio", "numerator"), s.ratio.numerator, "num")
            exprs["denominator"] = a.compile_expr(it, ("ratio", "denominator"), s.ratio.denominator, "num")
        elif m == "ratio_to":
            assert s.ratio_to is not None
            exprs["value"] = a.compile_expr(it, ("ratio_to", "value"), s.ratio_to.value, "num")
            exprs["target"] = a.compile_expr(it, ("ratio_to", "target"), s.ratio_to.target, "num")
        elif m == "bands":
            assert s.bands is not None
            exprs["value"] = a.compile_expr(it, ("bands", "value"), s.bands.value, "num")
        else:
            assert s.per_occurrence is not None
            exprs["count"] = a.compile_expr(it, ("per_occurrence", "count"), s.per_occurrence.count, "num")
        compiled = {k: v for k, v in exprs.items() if v is not None}
        a.due_problems(it, s.due, compiled)
        a.standards.append(Standard(s, m, compiled, it.doc.location(it.path)))


def build_deductions(a: Assembly) -> None:
    for it in a.sources.deductions:
        k: S.DeductionSpec = a.rendered(it, it.spec, it.spec.id)
        a.unique("rule", k.id, it)
        a.check_dimension(it, k.dimension)
        if k.cap < k.points:
            a.diags.append(Diagnostic("RS305", f"cap {k.cap:g} is below the points per occurrence {k.points:g}",
                                      it.doc.location((*it.path, "cap")), "raise the cap or lower the points"))
        ex = {"per": a.compile_expr(it, ("per",), k.per, "num"),
              "when": a.compile_expr(it, ("when",), k.when, "bool")}
        kept = {name: e for name, e in ex.items() if e is not None}
        a.due_problems(it, k.due, kept)
        a.deductions.append(Deduction(k, kept, it.doc.location(it.path)))


def build_vetoes(a: Assembly) -> None:
    for it in a.sources.vetoes:
        v: S.VetoSpec = a.rendered(it, it.spec, it.spec.id)
        a.unique("rule", v.id, it)
        a.check_dimension(it, v.dimension)
        ex = {"when": a.compile_expr(it, ("when",), v.when, "bool")}
        a.vetoes.append(Veto(v, {name: e for name, e in ex.items() if e is not None}, it.doc.location(it.path)))


def build_checks(a: Assembly) -> None:
    for it in a.sources.checks:
        c: S.CheckSpec = a.rendered(it, it.spec, it.spec.id)
        a.unique("rule", c.id, it)
        ex = {"when": a.compile_expr(it, ("when",), c.when, "bool")}
        a.checks.append(Check(c, {name: e for name, e in ex.items() if e is not None}, it.doc.location(it.path)))


def check_dimension_totals(a: Assembly) -> None:
    """Every dimension has standards, and they add up to at least its max."""
    dim_ids = a.dim_ids
    for d in a.dimensions:
        total = sum(s.points for s in a.standards if s.dimension == d.id)
        source = a.sources.dimensions[dim_ids.index(d.id)]
        if not any(s.dimension == d.id for s in a.standards):
            a.diags.append(Diagnostic("RS306", f"dimension {d.id!r} has no standards",
                                      source.doc.location(source.path), "add standards or remove the dimension"))
        elif total < d.max - 1e-9:  # more than the max is only a warning of lint (RS502): subtotals are capped
            a.diags.append(Diagnostic("RS303", f"the standards of dimension {d.id!r} add up to {total:g}, "
                                      f"not its max {d.max:g}", source.doc.location((*source.path, "max")),
                                      "make the standards' points sum to the dimension's max"))


class Stage(NamedTuple):
    """One step of assembling a rule set: its name and what it does to the :class:`Assembly`."""

    name: str
    run: Callable[[Assembly], None]


STAGES: tuple[Stage, ...] = (
    Stage("texts", render_texts),
    Stage("applies_to", compile_applies_to),
    Stage("dimensions", build_dimensions),
    Stage("standards", build_standards),
    Stage("deductions", build_deductions),
    Stage("vetoes", build_vetoes),
    Stage("checks", build_checks),
    Stage("dimension_totals", check_dimension_totals),
    Stage("grading", check_grading),
    Stage("monotone", check_monotone),
    Stage("actionable", check_actionable),
    Stage("annual", check_annual),
    Stage("expect", check_expected_counts),
)
"""The stages of :func:`assemble`, in the order they run (the order of the diagnostics they report)."""


def assemble(sources: Sources, params: dict[str, Any]) -> RuleSet:
    """The rule set of ``sources`` with the parameters ``params`` in force, after every stage of :data:`STAGES`;
    all the problems found raise one error (a :class:`~partyrules.errors.RuleSetError`)."""
    a = Assembly(sources, params, schema_for(sources.top.subject))
    for stage in STAGES:
        stage.run(a)
    if a.diags:
        raise error_class(a.diags)(a.diags)
    return a.ruleset()
