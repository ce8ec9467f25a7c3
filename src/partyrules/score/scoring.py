"""Turn the engine's firings into points, subtotals, a grade and an explained breakdown.

Semantics (property-tested):
- a standard earns between 0 and its points; a deduction takes at most its cap;
- within a dimension, deductions never take the subtotal below 0 (the floor); when the floor binds, the excess is
  given back by the last-declared deductions first, and their lines say ``floored``;
- a veto forces the lowest grade whatever the points (and zeroes the total when ``veto_effect: zero_total``);
- a standard not assessed (not due in the period, or not applicable and declared ``not_assessed``) earns nothing
  and leaves the maximum: its dimension can earn ``max`` less its points, and the total is put back on the rule
  set's scale (``assessed_total * max_points / assessed_max``), so a period is never graded on items it did not
  assess;
- points are rounded to 6 decimals per line and per sum, so results are identical on every platform.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any

from ..compile.durable import EngineRule, Plan
from ..explain.plain import RuleWords, Words, compile_rule
from ..lang import ir as I
from ..lang.interp import Ctx, Fn
from ..periods import Period
from ..results import ScoreBreakdown
from ..rulesets.cadence import NotDue, not_due
from ..rulesets.model import Deduction, RuleSet, Standard, Veto

ROUND = 6
REASONS = 3
TOLD_CACHE = 50_000
"""How many evidence texts (per distinct rule, values read and count) a scorer keeps before starting over."""
NOT_APPLICABLE_REASON = ("不适用于该对象(适用条件不成立),不计入满分",
                         "does not apply to this subject (its condition does not hold): left out of the maximum")


_FLOATS: dict[float, float] = {}
FLOAT_CACHE = 4096
"""How many distinct rounded numbers are shared between breakdowns (the few dozen values of points repeat)."""


def _r(x: float) -> float:
    v = round(x, ROUND)
    if v == 0:
        return 0.0  # never print -0.0
    if type(v) is not float:
        return v
    # equal floats other than 0 have the same bits: a breakdown keeps the shared object, not a copy of its own
    got = _FLOATS.get(v)
    if got is None and len(_FLOATS) < FLOAT_CACHE:
        got = _FLOATS[v] = v
    return v if got is None else got


def jsonable(v: Any) -> Any:
    if isinstance(v, Enum):
        return v.value
    if isinstance(v, bool) or v is None or isinstance(v, (int, str)):
        return v
    if isinstance(v, float):
        return _r(v)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, (list, tuple, set, frozenset)):
        return [jsonable(x) for x in v]
    return str(v)


@dataclass
class _RulePlan:
    reads: list[tuple[str, Fn]]  # subject / annual / period fields the rule reads
    aggs: list[str]  # texts of the aggregations the rule reads


def _rule_plan(plan: Plan, exprs: dict[str, Any]) -> _RulePlan:
    reads: dict[str, Fn] = {}
    aggs: list[str] = []
    for e in exprs.values():
        for node in e.ir.walk():
            if isinstance(node, I.Agg) and node.text not in aggs:
                aggs.append(node.text)
        for f in _outer_fields(e.ir):
            if f.dotted not in reads:
                reads[f.dotted] = plan.closure(f)
    return _RulePlan(list(reads.items()), aggs)


def _outer_fields(node: I.IR) -> list[I.Field]:
    out: list[I.Field] = []
    for n in node.walk():
        if isinstance(n, I.Field) and n.scope != "item":
            out.append(n)
    return out


@dataclass
class Firings:
    """What a backend matched for one subject, in a form independent of the backend.

    ``main``: per rule id, one entry per firing: the key of the list item it fired on (``None`` for a firing on the
    subject that carries nothing). ``applicable``: the standards whose ``when`` held. ``amounts``: per rule id,
    ``(fact key, amount)`` for each firing that carries an amount (summed items, subject-level deductions).
    """

    main: dict[str, list[str | None]] = field(default_factory=dict)
    applicable: set[str] = field(default_factory=set)
    amounts: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)


class Scorer:
    """Per-plan scoring tables, built once."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        rs = plan.ruleset
        self.by_name: dict[str, EngineRule] = {r.name: r for c in plan.chunks for r in c.rules}
        self.rule_plans = {r.id: _rule_plan(plan, dict(r.exprs)) for r in (*rs.rules, *rs.checks)}
        self.amounts: dict[str, dict[str, Fn]] = {
            s.id: {k: plan.closure(e.ir) for k, e in s.exprs.items() if k not in ("when", "flag")}
            for s in rs.standards
        }
        self.per_fact = {r.rule_id for c in plan.chunks for r in c.rules if r.source is not None}
        self.params_json = {k: jsonable(rs.params[k]) for k in sorted(rs.params)}
        self.max_points = _r(rs.max_points)
        self.grades = {g.id: {"id": g.id, "zh": g.zh, "en": g.en} for g in rs.grades}
        self._not_due: dict[tuple[str, str], dict[str, NotDue]] = {}
        sources = rs.sources
        labels = {} if sources is None else {n: (it.spec.zh or n, it.spec.en or n) for n, it in sources.params.items()}
        self.words = Words(labels, rs.subject_kind)
        self.rule_exprs = {r.id: {k: e.ir for k, e in r.exprs.items()} for r in (*rs.rules, *rs.checks)}
        self.rule_kinds = {r.id: r.kind for r in (*rs.rules, *rs.checks)}
        self._said: dict[str, RuleWords] = {}
        self._told: dict[tuple[str, int, str], tuple[dict[str, Any], list[str], list[str]]] = {}

    def not_due(self, period: Period) -> dict[str, NotDue]:
        """The standards and deductions ``period`` does not assess (cached per period)."""
        key = (str(period.start), str(period.end))
        got = self._not_due.get(key)
        if got is None:
            rs = self.plan.ruleset
            got = self._not_due[key] = not_due((*rs.standards, *rs.deductions), period)
        return got

    def evidence(self, rule_id: str, ctx: Ctx, counted: list[str]) -> dict[str, Any]:
        rp = self.rule_plans[rule_id]
        reads = {label: jsonable(fn(ctx, None)) for label, fn in rp.reads}
        keys = set(counted)
        ev = ctx.evidence or {}
        for text in rp.aggs:
            hit = ev.get(text)
            if hit is not None:
                reads[text] = jsonable(hit[0])
                keys.update(hit[2](ctx, hit[1]))
        counted_keys = sorted(keys)
        # The sentences depend only on the values read and how many items were counted, which repeat from
        # subject to subject: told once per distinct case, the same strings (and reads) are shared by every
        # breakdown that has them instead of being formatted again (time) and kept as copies (memory).
        n = len(counted_keys) if rule_id in self.per_fact else -1
        memo_key = (rule_id, n, repr(reads))
        told = self._told.get(memo_key)
        if told is None:
            said = self._said.get(rule_id)
            if said is None:
                said = self._said[rule_id] = compile_rule(self.rule_exprs[rule_id], self.words,
                                                          self.rule_kinds[rule_id])
            zh, en = said.say(reads, counted_keys if n >= 0 else None)
            if len(self._told) >= TOLD_CACHE:
                self._told.clear()
            told = self._told[memo_key] = (reads, zh, en)
        return {"reads": told[0], "counted": counted_keys, "zh": told[1], "en": told[2]}

    def score(self, ctx: Ctx, fired: list[str], subject_id: str,
              period: Period) -> ScoreBreakdown:
        """Score the engine's firing messages (``{"<rule name>": {<alias>: <fact>, ...}}``) for one subject."""
        by_name = self.by_name
        firings = Firings()
        for message in fired:
            name = message[2:message.index('"', 2)]
            er = by_name[name]
            if er.role == "sentinel":
                continue
            if er.role == "applicable":
                firings.applicable.add(er.rule_id)
                continue
            if er.source is None and er.value_key is None:  # only that it fired matters: skip decoding
                firings.main.setdefault(er.rule_id, []).append(None)
                continue
            fact = json.loads(message)[name]["m"]
            firings.main.setdefault(er.rule_id, []).append(fact["k"])
            if er.value_key is not None:
                firings.amounts.setdefault(er.rule_id, []).append((fact["k"], fact[er.value_key]))
        return self.score_firings(ctx, firings, subject_id, period)

    def score_firings(self, ctx: Ctx, firings: Firings, subject_id: str, period: Period) -> ScoreBreakdown:
        """Score firings decided by any backend: the single place where matches become points and lines."""
        plan = self.plan
        rs = plan.ruleset
        main = firings.main
        applicable = firings.applicable
        # sum in key order: the order in which a backend reports firings must not change a single bit of the result
        values = {rid: sum(v for _, v in sorted(ps)) for rid, ps in firings.amounts.items()}

        veto_lines = [self._veto(v, ctx, main) for v in rs.vetoes if v.id in main]
        warnings = [{"id": c.id, "severity": c.spec.severity, "zh": c.spec.zh, "en": c.spec.en,
                     "source": c.spec.source, "evidence": self.evidence(c.id, ctx, self._counted(c.id, main))}
                    for c in rs.checks if c.id in main]
        skipped = self.not_due(period)
        std_lines, not_assessed = self._standard_lines(ctx, main, applicable, values, skipped)
        ded_lines = [self._deduction(k, ctx, main, values) for k in rs.deductions
                     if k.id in main and k.id not in skipped]
        dimensions, final_ded = _dimension_totals(rs, std_lines, ded_lines, not_assessed)
        assessed_total = _r(sum(x["subtotal"] for x in dimensions))
        assessed_max_total = _r(sum(x["assessed_max"] for x in dimensions))
        total = on_scale(assessed_total, assessed_max_total, self.max_points)
        vetoed = bool(veto_lines)
        if vetoed and rs.spec.veto_effect == "zero_total":
            total = 0.0
        grade = rs.lowest_grade if vetoed else next(
            (g for g in rs.grades if total + 1e-9 >= g.at_least), rs.lowest_grade)

        lines = [*std_lines, *[ln for ln in final_ded if ln["points"] != 0 or ln["status"] == "floored"]]
        # every part was built here from the validated rule set and rounded numbers: the models are made without
        # validating again (tests/results check that validation gives the same breakdown)
        return ScoreBreakdown.from_trusted({
            "subject_kind": rs.subject_kind,
            "subject_id": subject_id,
            "ruleset_id": rs.id,
            "ruleset_version": rs.version,
            "ruleset_hash": rs.content_hash,
            "title_zh": rs.title_zh,
            "title_en": rs.title_en,
            "period": {"start": str(period.start), "end": str(period.end), "label": str(period)},
            "params": self.params_json,
            "total": total,
            "max_points": self.max_points,
            "assessed_total": assessed_total,
            "assessed_max": assessed_max_total,
            "grade": dict(self.grades[grade.id]),
            "vetoed": vetoed,
            "veto_effect": rs.spec.veto_effect,
            "vetoes": veto_lines,
            "dimensions": dimensions,
            "lines": lines,
            "reason_codes": self._reasons(veto_lines, std_lines, final_ded),
            "warnings": warnings,
            "not_assessed": not_assessed,
        })

    def _standard_lines(self, ctx: Ctx, main: dict[str, list[str | None]], applicable: set[str],
                        values: dict[str, Any], skipped: Mapping[str, NotDue],
                        ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The lines of the standards assessed, and the standards not assessed (not due, or not applicable
        when they say so) with why."""
        not_assessed: list[dict[str, Any]] = []
        std_lines = []
        for s in self.plan.ruleset.standards:
            sp = s.spec
            nd = skipped.get(s.id)
            if nd is None and sp.if_not_applicable == "not_assessed" and "when" in s.exprs \
                    and s.id not in applicable:
                nd = NotDue(s.id, sp.due or "any", *NOT_APPLICABLE_REASON)
            if nd is None:
                std_lines.append(self._standard(s, ctx, main, applicable, values))
            else:
                not_assessed.append({"rule_id": s.id, "dimension": sp.dimension, "zh": sp.zh, "en": sp.en,
                                     "points": float(sp.points), "due": sp.due, "reason_zh": nd.reason_zh,
                                     "reason_en": nd.reason_en})
        return std_lines, not_assessed

    # -- lines -----------------------------------------------------------------------------------------------
    def _counted(self, rule_id: str, main: dict[str, list[str | None]]) -> list[str]:
        if rule_id not in self.per_fact:
            return []
        return [k for k in main.get(rule_id, ()) if k is not None]

    def _veto(self, v: Veto, ctx: Ctx, main: dict[str, list[str | None]]) -> dict[str, Any]:
        sp = v.spec
        counted = self._counted(v.id, main)
        return {"rule_id": v.id, "kind": "veto", "dimension": sp.dimension, "zh": sp.zh, "en": sp.en,
                "points": 0.0, "max_points": 0.0, "before_cap": 0.0,
                "occurrences": float(len(counted)) if counted else None, "status": "vetoed", "source": sp.source,
                "evidence": self.evidence(v.id, ctx, counted)}

    def _standard(self, s: Standard, ctx: Ctx, main: dict[str, list[str | None]],
                  applicable: set[str], values: dict[str, float]) -> dict[str, Any]:
        sp = s.spec
        full = float(sp.points)
        is_applicable = "when" not in s.exprs or s.id in applicable
        fired = s.id in main
        occurrences: float | None = None
        raw = 0.0
        if not is_applicable:
            points = full if sp.if_not_applicable == "full" else 0.0
            raw = points
            status = "not_applicable"
        elif s.method == "flag":
            points = raw = full if fired else 0.0
            status = "met" if fired else "not_met"
        else:
            fns = self.amounts[s.id]
            if s.method == "per_occurrence":
                assert sp.per_occurrence is not None
                if s.id in values:  # summed amounts, one firing per contributing item
                    occurrences = max(0.0, float(values[s.id]))
                elif s.id in self.per_fact:
                    occurrences = float(len(main.get(s.id, ())))
                else:
                    v = fns["count"](ctx, None)
                    occurrences = float(v) if v is not None and v > 0 else 0.0
                raw = occurrences * sp.per_occurrence.points
                points = min(raw, full)
            elif s.method == "bands":
                assert sp.bands is not None
                v = fns["value"](ctx, None)
                points = 0.0
                if v is not None:
                    for step in sp.bands.steps:
                        if v >= step.at_least:
                            points = float(step.points)
                            break
                raw = points
            else:
                if s.method == "ratio":
                    assert sp.ratio is not None
                    num, den = fns["numerator"](ctx, None), fns["denominator"](ctx, None)
                    zero = sp.ratio.zero_denominator
                else:
                    assert sp.ratio_to is not None
                    num, den, zero = fns["value"](ctx, None), fns["target"](ctx, None), sp.ratio_to.zero_target
                if den is None or den <= 0:
                    frac = 1.0 if zero == "full" else 0.0
                else:
                    frac = 0.0 if num is None else min(1.0, max(0.0, num / den))
                points = raw = full * frac
            points = _r(points)
            raw = _r(raw)
            status = "met" if points >= full else "not_met" if points <= 0 else "partial"
            if s.method == "per_occurrence" and raw > full:
                status = "capped"
        return {"rule_id": s.id, "kind": "standard", "dimension": sp.dimension, "zh": sp.zh, "en": sp.en,
                "points": _r(points), "max_points": full, "before_cap": _r(raw), "occurrences": occurrences,
                "status": status, "source": sp.source,
                "evidence": self.evidence(s.id, ctx, self._counted(s.id, main))}

    def _deduction(self, k: Deduction, ctx: Ctx, main: dict[str, list[str | None]],
                   values: dict[str, float]) -> dict[str, Any]:
        sp = k.spec
        counted = self._counted(k.id, main)
        occurrences = max(0.0, float(values[k.id])) if k.id in values else float(len(counted))
        raw = _r(occurrences * sp.points)
        amount = _r(min(raw, sp.cap))
        return {"rule_id": k.id, "kind": "deduction", "dimension": sp.dimension, "zh": sp.zh, "en": sp.en,
                "points": _r(-amount), "max_points": float(sp.cap), "before_cap": raw, "occurrences": occurrences,
                "status": "capped" if raw > sp.cap else "applied", "source": sp.source,
                "evidence": self.evidence(k.id, ctx, counted)}

    def _reasons(self, vetoes: list[dict[str, Any]], standards: list[dict[str, Any]],
                 deductions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = [{"code": f"VETO:{v['rule_id']}", "rule_id": v["rule_id"], "kind": "veto", "points_lost": 0.0,
                "zh": v["zh"], "en": v["en"]} for v in vetoes]
        losses: list[tuple[float, str, dict[str, Any]]] = []
        for ln in standards:
            lost = _r(ln["max_points"] - ln["points"])
            if lost > 0:
                losses.append((lost, ln["rule_id"], ln))
        for ln in deductions:
            if ln["points"] < 0:
                losses.append((-ln["points"], ln["rule_id"], ln))
        losses.sort(key=lambda t: (-t[0], t[1]))
        for lost, rid, ln in losses[:REASONS]:
            prefix = "SHORT" if ln["kind"] == "standard" else "DEDUCT"
            out.append({"code": f"{prefix}:{rid}", "rule_id": rid, "kind": ln["kind"], "points_lost": lost,
                        "zh": ln["zh"], "en": ln["en"]})
        return out


def on_scale(assessed_total: float, assessed_max: float, max_points: float) -> float:
    """A period's total on the rule set's scale: what it earned out of what it assessed, times the maximum.

    With everything assessed it is the sum of the subtotals itself; a period that assessed nothing scores 0 (it
    has nothing to grade on, and a grade from nothing would be a free grade)."""
    if assessed_max == max_points:
        return assessed_total
    if assessed_max <= 0:
        return 0.0
    return _r(assessed_total * max_points / assessed_max)


def _dimension_totals(rs: RuleSet, std_lines: list[dict[str, Any]], ded_lines: list[dict[str, Any]],
                      not_assessed: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Each dimension's subtotal (its deductions floored at 0 points) and the deduction lines after the floor."""
    dimensions: list[dict[str, Any]] = []
    final_ded: list[dict[str, Any]] = []
    for d in rs.dimensions:
        assessed_max = _r(max(0.0, d.max - sum(x["points"] for x in not_assessed if x["dimension"] == d.id)))
        earned = _r(sum(ln["points"] for ln in std_lines if ln["dimension"] == d.id))
        mine = [ln for ln in ded_lines if ln["dimension"] == d.id]
        taken = _r(-sum(ln["points"] for ln in mine))
        excess = _r(taken - earned)
        if excess > 0:
            _give_back(mine, excess)
            taken = _r(-sum(ln["points"] for ln in mine))
        final_ded.extend(mine)
        subtotal = _r(min(assessed_max, max(0.0, earned - taken)))
        dimensions.append({"id": d.id, "zh": d.zh, "en": d.en, "subtotal": subtotal, "max": d.max,
                           "assessed_max": assessed_max, "earned": earned, "deducted": taken})
    return dimensions, final_ded


def _give_back(mine: list[dict[str, Any]], excess: float) -> None:
    """The floor binds: give points back from the last-declared deductions first."""
    for ln in reversed(mine):
        give = min(-ln["points"], excess)
        excess = _r(excess - give)
        if give > 0:
            ln["points"] = _r(ln["points"] + give)
            ln["status"] = "floored"
