"""Applying a reform: change a copy of the rule set's specification, then run the loader's checks on it again.

The rule set's sources (its top specification and each item with the document it was written in) are copied and
changed operation by operation. Items a reform brings in keep the reform document as their source, so a loader
error in them (an expression that does not type-check, say) points at the reform file. The result is assembled by
the same function that assembles a freshly loaded rule set, so every expression, count and maximum is checked.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pydantic import BaseModel

from ..errors import Diagnostic, ParameterError
from ..lang.check import suggest
from ..rulesets import spec as S
from ..rulesets.assembly import assemble
from ..rulesets.model import RuleSet
from ..rulesets.overrides import check_overrides
from ..rulesets.sources import Item, Sources, canonical_form
from ..rulesets.yamlsafe import YamlDocument
from .reform import (
    ITEM_KINDS,
    AddItem,
    ItemKind,
    Operation,
    Reform,
    ReformError,
    RemoveItem,
    ReplaceItem,
    Reweight,
    SetGrade,
    SetParam,
)

_TOLERANCE = 1e-9  # the loader's tolerance when it compares a dimension's standards with its maximum
_DIGITS = 9  # scaled points are rounded here, so 6 x 1.2 is 7.2 and not 7.199999999999999


def apply(ruleset: RuleSet, reform: Reform) -> RuleSet:
    sources = ruleset.sources
    if sources is None:
        raise ReformError.single("RF401", f"rule set {ruleset.id} was not built by the loader",
                                 hint="load it with load_ruleset() before applying a reform")
    if reform.target is not None and reform.target != ruleset.id:
        raise ReformError.single("RF400", f"reform {reform.name!r} is written for rule set {reform.target!r}, "
                                 f"not {ruleset.id!r}", _first_location(reform),
                                 f"apply it to {reform.target}, or change its target:")
    work = _Work(ruleset, sources)
    for op in reform.operations:
        work.apply(op)
    work.final_checks()
    if work.diags:
        raise ReformError(work.diags)
    return work.build(reform)


def _first_location(reform: Reform) -> Any:
    return next((op.location for op in reform.operations if op.location is not None), None)


def _who(op: Operation) -> str:
    return f"reform {op.origin!r}" if op.origin else "the reform"


class _Work:
    """The changing copy of one rule set's sources."""

    def __init__(self, ruleset: RuleSet, sources: Sources) -> None:
        self.ruleset = ruleset
        self.sources = sources
        self.items: dict[ItemKind, list[Item]] = {
            "dimensions": list(sources.dimensions), "standards": list(sources.standards),
            "deductions": list(sources.deductions), "vetoes": list(sources.vetoes), "checks": list(sources.checks)}
        self.grading: list[S.GradeSpec] = list(sources.top.grading)
        self.overrides: dict[str, Any] = {}
        self.delta: Counter[str] = Counter()
        self.removed_dims: dict[str, Operation] = {}
        self.thinned_dims: dict[str, Operation] = {}  # dimensions whose standards lost points
        self.diags: list[Diagnostic] = []

    # -- lookups -----------------------------------------------------------------------------------------------
    def find(self, ident: str) -> tuple[ItemKind, int] | None:
        for kind in ITEM_KINDS:
            for i, it in enumerate(self.items[kind]):
                if it.spec.id == ident:
                    return kind, i
        return None

    def all_ids(self) -> list[str]:
        return [it.spec.id for kind in ITEM_KINDS for it in self.items[kind]]

    def dim_standards(self, dim: str) -> list[int]:
        return [i for i, it in enumerate(self.items["standards"]) if it.spec.dimension == dim]

    def error(self, code: str, message: str, op: Operation, hint: str | None = None) -> None:
        self.diags.append(Diagnostic(code, message, op.location, hint))

    # -- operations --------------------------------------------------------------------------------------------
    def apply(self, op: Operation) -> None:
        if isinstance(op, SetParam):
            self.set_param(op)
        elif isinstance(op, RemoveItem):
            self.remove(op)
        elif isinstance(op, ReplaceItem):
            self.replace(op)
        elif isinstance(op, AddItem):
            self.add(op)
        elif isinstance(op, Reweight):
            self.reweight(op)
        else:
            self.set_grade(op)

    def set_param(self, op: SetParam) -> None:
        try:
            self.overrides.update(check_overrides(self.sources, {op.name: op.value}))
        except ParameterError as exc:  # the loader's check, told where the reform wrote the value
            raise ParameterError(f"{_who(op)}: {exc.message}", location=op.location, hint=exc.hint) from None

    def remove(self, op: RemoveItem) -> None:
        found = self.find(op.id)
        if found is None:
            self.error("RF300", f"{_who(op)} removes {op.id!r}, which is not an item of rule set "
                       f"{self.ruleset.id}", op, suggest(op.id, self.all_ids()))
            return
        kind, i = found
        item = self.items[kind].pop(i)
        self.delta[kind] -= 1
        if kind == "dimensions":
            self.removed_dims[op.id] = op
        elif kind == "standards":
            self.thinned_dims.setdefault(item.spec.dimension, op)

    def replace(self, op: ReplaceItem) -> None:
        found = self.find(op.id)
        if found is None:
            self.error("RF300", f"{_who(op)} replaces {op.id!r}, which is not an item of rule set "
                       f"{self.ruleset.id}", op, suggest(op.id, self.all_ids()) or "to add a new item use add:")
            return
        kind, i = found
        if kind != op.kind:
            self.error("RF301", f"{_who(op)} replaces {op.id!r} with a {op.kind[:-1]}, but it is a {kind[:-1]}",
                       op, f"write it under replace: {kind}:")
            return
        old = self.items[kind][i].spec
        self.items[kind][i] = self.reform_item(op)
        if kind == "standards" and (old.dimension != op.spec.dimension  # type: ignore[attr-defined]
                                    or op.spec.points < old.points):  # type: ignore[attr-defined]
            self.thinned_dims.setdefault(old.dimension, op)

    def add(self, op: AddItem) -> None:
        found = self.find(op.id)
        if found is not None:
            self.error("RF302", f"{_who(op)} adds {op.id!r}, but rule set {self.ruleset.id} already has a "
                       f"{found[0][:-1]} with that id", op, "use replace: to change an item")
            return
        self.items[op.kind].append(self.reform_item(op))
        self.delta[op.kind] += 1

    def reform_item(self, op: ReplaceItem | AddItem) -> Item:
        if op.source is not None:
            return Item(op.spec, op.source[0], op.source[1])
        # built in Python: a document with no marks still names the reform in locations
        return Item(op.spec, YamlDocument(None, {}, f"<reform {op.origin}>", {}), ())

    def reweight(self, op: Reweight) -> None:
        found = self.find(op.dimension)
        if found is None or found[0] != "dimensions":
            dims = [it.spec.id for it in self.items["dimensions"]]
            self.error("RF303", f"{_who(op)} reweights {op.dimension!r}, which is not a dimension of rule set "
                       f"{self.ruleset.id}", op, suggest(op.dimension, dims) or "dimensions: " + ", ".join(dims))
            return
        _, di = found
        dim = self.items["dimensions"][di]
        members = self.dim_standards(op.dimension)
        total = sum(self.items["standards"][i].spec.points for i in members)
        if not members:
            self.error("RF306", f"{_who(op)} reweights {op.dimension!r}, which has no standards to scale", op,
                       "add standards to it first")
            return
        # In a valid rule set the standards add up to the old max, so this is new / old; after a removal it
        # scales what is left up or down to the new max.
        factor = op.max / total
        scaled = {i: _scaled_standard(self.items["standards"][i].spec, factor) for i in members}
        shortfall = op.max - sum(s.points for s in scaled.values())
        if shortfall > 0:  # rounding left the sum a hair below the max: the largest standard takes the rest
            big = max(scaled, key=lambda i: scaled[i].points)
            scaled[big] = _validated(scaled[big], {"points": scaled[big].points + shortfall})
        for i, spec in scaled.items():
            it = self.items["standards"][i]
            self.items["standards"][i] = Item(spec, it.doc, it.path)
        if op.scale_deductions:
            dfactor = op.max / dim.spec.max
            for i, it in enumerate(self.items["deductions"]):
                if it.spec.dimension == op.dimension:
                    spec = _validated(it.spec, {"points": _round(it.spec.points * dfactor),
                                                "cap": _round(it.spec.cap * dfactor)})
                    self.items["deductions"][i] = Item(spec, it.doc, it.path)
        self.items["dimensions"][di] = Item(_validated(dim.spec, {"max": op.max}), dim.doc, dim.path)
        self.thinned_dims.pop(op.dimension, None)

    def set_grade(self, op: SetGrade) -> None:
        ids = [g.id for g in self.grading]
        if op.grade not in ids:
            self.error("RF304", f"{_who(op)} moves grade {op.grade!r}, which is not a grade of rule set "
                       f"{self.ruleset.id}", op, suggest(op.grade, ids) or "grades: " + ", ".join(ids))
            return
        i = ids.index(op.grade)
        self.grading[i] = _validated(self.grading[i], {"at_least": op.at_least})

    # -- after the operations ----------------------------------------------------------------------------------
    def final_checks(self) -> None:
        for kind in ("standards", "deductions", "vetoes"):
            for it in self.items[kind]:
                dim = it.spec.dimension
                if dim in self.removed_dims:
                    op = self.removed_dims[dim]
                    self.error("RF305", f"{_who(op)} removes dimension {dim!r}, but {kind[:-1]} {it.spec.id!r} "
                               "still belongs to it", op, "remove its items too, or move them with replace:")
        for dim, op in self.thinned_dims.items():
            members = self.dim_standards(dim)
            found = self.find(dim)
            if not members or found is None:
                continue  # no standards left: the loader says so (RS306); a removed dimension: RF305 above
            total = sum(self.items["standards"][i].spec.points for i in members)
            dmax = self.items["dimensions"][found[1]].spec.max
            if total < dmax - _TOLERANCE:
                self.error("RF320", f"after {_who(op)} changes its standards, the standards of dimension {dim!r} "
                           f"add up to {total:g}, not its max {dmax:g}", op,
                           f"also reweight: {{{dim}: {total:g}}} to keep the other standards' points, or "
                           f"{{{dim}: {dmax:g}}} to scale them up to the old max, or add a standard")

    def build(self, reform: Reform) -> RuleSet:
        src = self.sources
        top = src.top
        updates: dict[str, Any] = {"grading": self.grading, "version": _version(top.version, reform)}
        if top.expect is not None:
            updates["expect"] = self.expect(top.expect)
        new_top = top.model_copy(update=updates)  # the version may be longer than an author may write
        items = {k: v for k, v in self.items.items()}
        canonical = canonical_form(new_top, {k: items[k] for k in ITEM_KINDS}, src.params)
        files = src.files + ((reform.file,) if reform.file and reform.file not in src.files else ())
        sources = Sources(new_top, src.top_doc, src.params, items["dimensions"], items["standards"],
                           items["deductions"], items["vetoes"], files, canonical, items["checks"])
        params = {**self.ruleset.params, **self.overrides}
        return assemble(sources, params)

    def expect(self, expect: S.ExpectSpec) -> S.ExpectSpec:
        changes: dict[str, Any] = {}
        for kind in ITEM_KINDS:
            declared = getattr(expect, kind)
            if declared is not None and self.delta[kind]:
                changes[kind] = declared + self.delta[kind]
        if expect.max_points is not None:
            before = sum(it.spec.max for it in self.sources.dimensions)
            after = sum(it.spec.max for it in self.items["dimensions"])
            if abs(after - before) > _TOLERANCE:
                changes["max_points"] = _round(expect.max_points + after - before)
        return _validated(expect, changes) if changes else expect


def _version(base: str, reform: Reform) -> str:
    names = "+".join(reform.components)
    return f"{base}+{names}" if "+reform." in base else f"{base}+reform.{names}"


def _round(x: float) -> float:
    return round(x, _DIGITS)


def _validated(spec: BaseModel, changes: dict[str, Any]) -> Any:
    """A changed copy of a spec that goes through its validators again (bands within points, cap >= points...)."""
    data = spec.model_dump(mode="python", by_alias=True)
    data.update(changes)
    return type(spec).model_validate(data)


def _scaled_standard(spec: S.StandardSpec, factor: float) -> S.StandardSpec:
    changes: dict[str, Any] = {"points": _round(spec.points * factor)}
    if spec.bands is not None:
        bands = spec.bands.model_dump(mode="python")
        bands["steps"] = [{**s, "points": _round(s["points"] * factor)} for s in bands["steps"]]
        changes["bands"] = bands
    if spec.per_occurrence is not None:
        per = spec.per_occurrence.model_dump(mode="python")
        per["points"] = _round(per["points"] * factor)
        changes["per_occurrence"] = per
    return _validated(spec, changes)

