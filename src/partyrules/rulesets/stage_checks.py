"""The stages of assembling a rule set that check the rule set as a whole once its items are built: grading,
monotone and actionable declarations, the annual result's parameters and the declared counts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import Diagnostic
from ..lang.check import Schema, suggest
from . import spec as S
from .actionable import actionable_diagnostics
from .yamlsafe import YamlDocument

if TYPE_CHECKING:
    from .assembly import Assembly

__all__ = ["check_actionable", "check_annual", "check_expected_counts", "check_grading", "check_monotone"]


def check_grading(a: Assembly) -> None:
    """Grades from the highest ``at_least`` down to a last grade at 0, each id once, the first one reachable."""
    top, doc = a.top, a.sources.top_doc
    cuts = [g.at_least for g in top.grading]
    if cuts != sorted(cuts, reverse=True) or len(set(cuts)) != len(cuts) or cuts[-1] != 0:
        a.diags.append(Diagnostic("RS304", "grading must list grades from the highest at_least down to a last "
                                  "grade at 0", doc.location(("grading",)),
                                  "the last grade is the one vetoes force"))
    if len({g.id for g in top.grading}) != len(top.grading):
        a.diags.append(Diagnostic("RS301", "a grade id is used twice", doc.location(("grading",))))
    max_points = sum(d.max for d in a.dimensions)
    if cuts and cuts[0] > max_points:
        a.diags.append(Diagnostic("RS304", f"grade {top.grading[0].id!r} needs {cuts[0]:g} but the maximum is "
                                  f"{max_points:g}", doc.location(("grading", 0, "at_least"))))


def check_monotone(a: Assembly) -> None:
    top, doc = a.top, a.sources.top_doc
    if top.monotone is None:
        return
    known = _monotone_targets(a.schema)
    for side in ("increasing", "decreasing"):
        for j, name in enumerate(getattr(top.monotone, side)):
            if name not in known:
                a.diags.append(Diagnostic("RS307", f"monotone field {name!r} is not a numeric or true/false "
                                          "fact field", doc.location(("monotone", side, j)),
                                          suggest(name, sorted(known))))


def check_actionable(a: Assembly) -> None:
    if a.top.actionable is not None:
        a.diags.extend(actionable_diagnostics(a.top.actionable, a.top.subject, a.sources.top_doc))


def check_annual(a: Assembly) -> None:
    top = a.top
    if top.annual is not None:
        a.diags.extend(_annual_diagnostics(top.annual, a.params, {g.id for g in top.grading}, top.subject,
                                           a.sources.top_doc))


def check_expected_counts(a: Assembly) -> None:
    """The counts the rule set declares under ``expect:`` are the counts it has, its includes included."""
    expect = a.top.expect
    counts = {"dimensions": len(a.dimensions), "standards": len(a.standards), "deductions": len(a.deductions),
              "vetoes": len(a.vetoes), "checks": len(a.checks)}
    if expect is None:
        return
    for key, n in counts.items():
        want = getattr(expect, key)
        if want is not None and want != n:
            a.diags.append(Diagnostic("RS401", f"expected {want} {key} but the rule set (with its includes) "
                                      f"has {n}", a.sources.top_doc.location(("expect", key)),
                                      "add or remove items, or correct the declared count"))


def _annual_diagnostics(annual: S.AnnualSpec, params: Mapping[str, Any], grades: set[str], subject: str,
                        doc: YamlDocument) -> list[Diagnostic]:
    refs: list[tuple[tuple[Any, ...], str | None]] = [
        (("annual", "weights", k), getattr(annual.weights, k)) for k in type(annual.weights).model_fields]
    refs += [(("annual", "quota", "share"), annual.quota.share if annual.quota else None),
             (("annual", "correction_months"), annual.correction_months)]
    if annual.funding is not None:
        refs += [(("annual", "funding", k), getattr(annual.funding, k)) for k in type(annual.funding).model_fields]
    out: list[Diagnostic] = []
    for path, name in refs:
        if name is None:
            continue
        value = params.get(name)
        if name not in params:
            out.append(Diagnostic("RS308", f"{'.'.join(map(str, path))} names the parameter {name!r}, which is not "
                                  "declared", doc.location(path), suggest(name, sorted(params)) or "declare it under "
                                  "params:"))
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            out.append(Diagnostic("RS308", f"{'.'.join(map(str, path))} needs a non-negative number, but parameter "
                                  f"{name!r} is {value!r}", doc.location(path)))
    if annual.quota is not None and annual.quota.grade not in grades:
        out.append(Diagnostic("RS308", f"the quota names the grade {annual.quota.grade!r}, which is not graded",
                              doc.location(("annual", "quota", "grade")), suggest(annual.quota.grade, sorted(grades))))
    if annual.funding is not None and subject != "branch":
        out.append(Diagnostic("RS308", "funding weights belong to a branch's annual result only",
                              doc.location(("annual", "funding")), "remove funding: from a member rule set"))
    if (annual.weights.secretary_review is not None) != (subject == "branch"):
        out.append(Diagnostic("RS308", "the secretary's report review is an input of a branch's annual result only",
                              doc.location(("annual", "weights")),
                              "give weights.secretary_review for branches, and not for members"))
    return out


def _monotone_targets(schema: Schema) -> set[str]:
    out = {n for n, t in schema.subject_fields.items() if t.kind in ("num", "bool")}
    for cname, coll in schema.collections.items():
        if coll.from_subject:
            continue
        for n, t in coll.fields.items():
            if t.kind in ("num", "bool"):
                out.add(f"{cname}.{n}")
            if t.kind == "model" and t.model is not None:
                from ..lang.types import model_fields

                for sub, st in model_fields(t.model).items():
                    if st.kind in ("num", "bool"):
                        out.add(f"{cname}.{n}.{sub}")
    out |= {f"annual.{n}" for n, t in schema.annual_fields.items() if t.kind in ("num", "bool")}
    return out

