"""The structure of the rules: what each rule reads (fields and incident kinds), the exemplary subject's maxima per
period (and the free points of an idle one), what the same conduct costs in each index, and the fields read with
different weights or cadences."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from ...cycle.quarterly import facts_for_period, quarters
from ...errors import NotApplicableError, PartyRulesError
from ...evaluate.evaluator import Evaluator
from ...facts.exemplary import exemplary_branch, exemplary_member, idle_counterpart, with_incident
from ...facts.kinds import describe_incident_kind, incident_kinds
from ...lang import ir as I
from ...periods import Period
from ...results import ScoreBreakdown
from ...rulesets.model import Deduction, RuleSet, Standard
from .model import _EPS, CATEGORIES, SUBJECT_LABEL, CategoryFairness, KindCost, PeriodMax

# --- what a rule reads ---------------------------------------------------------------------------------------------

def _kinds_in(where: I.IR | None) -> set[str]:
    out: set[str] = set()
    if where is None:
        return out
    for node in where.walk():
        if isinstance(node, I.Compare) and node.op == "==":
            for a, b in ((node.left, node.right), (node.right, node.left)):
                if isinstance(a, I.Field) and a.scope == "item" and a.path == ("kind",) and \
                        isinstance(b, I.Const) and isinstance(b.value, str):
                    out.add(b.value)
        elif isinstance(node, I.In) and not node.negate and isinstance(node.item, I.Field) and \
                node.item.scope == "item" and node.item.path == ("kind",) and isinstance(node.container, I.ListValue):
            out |= {c.value for c in node.container.items if isinstance(c, I.Const) and isinstance(c.value, str)}
    return out


def _reads(node: I.IR, prefix: str, fields: set[str], kinds: set[str]) -> None:
    if isinstance(node, I.Agg):
        if node.source == "incidents":
            kinds |= _kinds_in(node.where)
        inner = f"{node.source}."
        for child in node.children():
            _reads(child, inner, fields, kinds)
        return
    if isinstance(node, I.Field) and node.scope != "period":
        fields.add(prefix + node.dotted if node.scope == "item" else node.dotted)
    for child in node.children():
        _reads(child, prefix, fields, kinds)


def rule_reads(rule: Any) -> tuple[set[str], set[str]]:
    """The fact fields a rule reads (``records.volunteer_hours``, ``placard_displayed``, ``annual.x``) and the
    incident kinds it counts, from the typed form of all its expressions."""
    fields: set[str] = set()
    kinds: set[str] = set()
    for e in rule.exprs.values():
        _reads(e.ir, "", fields, kinds)
    return fields, kinds


# --- the exemplary subject's maxima ---------------------------------------------------------------------------------

def _periods(year: int) -> list[Period]:
    return [*quarters(year), Period.year(year)]


def _label(p: Period) -> str:
    return str(p)


def _short(b: ScoreBreakdown) -> tuple[tuple[str, float, float], ...]:
    out = []
    for ln in b.lines:
        if ln.kind == "standard" and ln.points < ln.max_points - _EPS:
            out.append((ln.rule_id, ln.points, ln.max_points))
        elif ln.kind == "deduction" and abs(ln.points) > _EPS:
            out.append((ln.rule_id, ln.points, 0.0))
    return tuple(out)


def _period_max(b: ScoreBreakdown, period: str, variant: str) -> PeriodMax:
    return PeriodMax(period=period, variant=variant, total=b.total, max_points=b.max_points,
                     assessed_max=float(getattr(b, "assessed_max", b.max_points)), vetoed=b.vetoed,
                     short=_short(b), not_assessed=tuple(n.rule_id for n in getattr(b, "not_assessed", ()) or ()))


def _exemplary(key: str, year: int, *, health_limited: bool = False, once_a_year_month: int = 6) -> Any:
    if key == "branch":
        return exemplary_branch(year, once_a_year_month=once_a_year_month)
    return exemplary_member(key, year, health_limited=health_limited, once_a_year_month=once_a_year_month)


def _category_of(rs: RuleSet, year: int) -> str:
    """The member category a member index applies to (the first whose exemplary member it scores)."""
    if rs.subject_kind == "branch":
        return "branch"
    if rs.subject_kind != "member":
        raise PartyRulesError(f"rule set {rs.id} scores {rs.subject_kind}s; fairness compares member and branch "
                              "indices", hint="pass the member indices (and optionally the branch index)")
    for cat in CATEGORIES:
        try:
            Evaluator(rs).evaluate(exemplary_member(cat, year), Period.year(year))
        except NotApplicableError:
            continue
        return cat
    raise PartyRulesError(f"rule set {rs.id} applies to no member category", hint="check its applies_to")


def _resolve(rulesets: Mapping[str, RuleSet] | Sequence[RuleSet] | None, branches: bool,
             year: int) -> dict[str, RuleSet]:
    from ...rulesets.loader import load_ruleset
    from ...shipped_rulesets import CATEGORY_RULESET, shipped_ruleset_path

    if rulesets is None:
        keys = [*CATEGORIES, *(("branch",) if branches else ())]
        return {k: load_ruleset(shipped_ruleset_path(CATEGORY_RULESET.get(k, k))) for k in keys}
    if isinstance(rulesets, Mapping):
        bad = [k for k in rulesets if k not in (*CATEGORIES, "branch")]
        if bad:
            raise PartyRulesError(f"unknown index key(s) {', '.join(map(repr, bad))}",
                                  hint="key member indices by category (in_service, retired, new_citizen, "
                                       "mobile) and the branch index by 'branch'")
        return dict(rulesets)
    out: dict[str, RuleSet] = {}
    for rs in rulesets:
        key = _category_of(rs, year)
        if key in out:
            raise PartyRulesError(f"two rule sets score {SUBJECT_LABEL[key][1]}: {out[key].id} and {rs.id}",
                                  hint="compare one index per category")
        out[key] = rs
    return out


def _reachable(key: str, rs: RuleSet, year: int, once_a_year_month: int) -> CategoryFairness:
    ev = Evaluator(rs)
    variants = [("standard", False)] + ([("health_limited", True)] if key != "branch" else [])
    reachable: list[PeriodMax] = []
    annual: float | None = None
    for variant, hl in variants:
        facts = _exemplary(key, year, health_limited=hl, once_a_year_month=once_a_year_month)
        for p in _periods(year):
            reachable.append(_period_max(ev.evaluate(facts_for_period(facts, p), p), _label(p), variant))
        if variant == "standard" and rs.spec.annual is not None:
            from ...cycle.scoring import score_subject_year

            annual = score_subject_year(ev, facts, year).result.percent
    idle = idle_counterpart(_exemplary(key, year, once_a_year_month=once_a_year_month))
    free: dict[str, tuple[tuple[str, float], ...]] = {}
    for p in _periods(year):
        b = ev.evaluate(facts_for_period(idle, p), p)
        paid = tuple((ln.rule_id, ln.points) for ln in b.lines
                     if ln.kind == "standard" and ln.status == "not_applicable" and ln.points > _EPS)
        if paid:
            free[_label(p)] = paid
    return CategoryFairness(key=key, ruleset=rs, reachable=reachable, annual_percent=annual, free_points=free)


# --- what conduct costs --------------------------------------------------------------------------------------------

def _costs(key: str, rs: RuleSet, year: int, once_a_year_month: int) -> list[KindCost]:
    subject = "branch" if key == "branch" else "member"
    known = incident_kinds(subject)
    deductions: dict[str, list[tuple[str, float, float]]] = {}
    standards: dict[str, list[tuple[str, float]]] = {}
    vetoes: dict[str, list[str]] = {}
    for d in rs.deductions:
        for k in rule_reads(d)[1] & known:
            deductions.setdefault(k, []).append((d.id, float(d.spec.points), float(d.spec.cap)))
    for s in rs.standards:
        for k in rule_reads(s)[1] & known:
            standards.setdefault(k, []).append((s.id, float(s.points)))
    for v in rs.vetoes:
        for k in rule_reads(v)[1] & known:
            vetoes.setdefault(k, []).append(v.id)
    ev = Evaluator(rs)
    whole = Period.year(year)
    base_facts = _exemplary(key, year, once_a_year_month=once_a_year_month)
    base = ev.evaluate(base_facts, whole).total
    out = []
    # the incident falls in May, away from the once-a-year month; the property tests show the month does not matter
    day = date(year, 5, 15)
    for k in sorted(set(deductions) | set(standards) | set(vetoes)):
        b = ev.evaluate(with_incident(base_facts, k, day), whole)
        info = describe_incident_kind(subject, k)
        out.append(KindCost(index=key, kind=k, zh=info.zh, en=info.en, deductions=tuple(deductions.get(k, ())),
                            standards=tuple(standards.get(k, ())), vetoes=tuple(vetoes.get(k, ())),
                            one=round(base - b.total, 6), one_vetoed=b.vetoed))
    return out


# Fields that adjust what an item asks rather than record what was done: comparing their weights or cadences
# across indices would only repeat the comparison of the fields they adjust.
_MODIFIERS = ("health_limited", "hardship_certified", "is_organ_staff", "category", "records.excused_absences")
_PRIMARY = ("flag", "numerator", "value", "count", "per")  # the expressions that say what an item counts


def _primary_fields(rule: Any) -> set[str]:
    fields: set[str] = set()
    for key in _PRIMARY:
        e = rule.exprs.get(key)
        if e is not None:
            _reads(e.ir, "", fields, set())
    return {f for f in fields if f not in _MODIFIERS and "_required" not in f
            and not f.startswith(("incidents.", "commendations."))}


def _field_differences(indices: Mapping[str, RuleSet]) -> list[dict[str, Any]]:
    """Facts counted by the items of two or more member indices whose points or cadences differ, with each
    index's items, points (a deduction's as minus its cap) and cadence."""
    by_field: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for key, rs in indices.items():
        if key == "branch":
            continue
        scored: tuple[Standard | Deduction, ...] = (*rs.standards, *rs.deductions)
        for r in scored:
            for f in _primary_fields(r):
                full = float(r.points) if isinstance(r, Standard) else -float(r.spec.cap)
                due = getattr(r.spec, "due", None) if r.kind == "standard" else None
                by_field.setdefault(f, {}).setdefault(key, []).append(
                    {"rule_id": r.id, "kind": r.kind, "points": full, "due": due})
    rows = []
    for f, per in sorted(by_field.items()):
        if len(per) < 2:
            continue
        present = {k: round(sum(x["points"] for x in v if x["kind"] == "standard"), 6)
                   for k, v in per.items() if any(x["kind"] == "standard" for x in v)}
        dues = {k: sorted({str(x["due"] or "any") for x in v if x["kind"] == "standard"}) for k, v in per.items()}
        cadence = {k: d for k, d in dues.items() if d}
        cadence_differs = len({tuple(d) for d in cadence.values()}) > 1
        weight_differs = len(set(present.values())) > 1
        if cadence_differs or weight_differs:
            rows.append({"field": f, "indices": per, "standard_points": present, "cadence": cadence,
                         "cadence_differs": cadence_differs, "weight_differs": weight_differs})
    return rows
