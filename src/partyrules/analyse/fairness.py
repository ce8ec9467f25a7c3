"""Fairness across indices: is a grade as reachable for a retired member as for an in-service one?

:func:`fairness` looks at a population scored with several indices (the member index of each category, and
optionally the branch index) and separates two kinds of gap:

- **structure**: what the rules themselves make unequal. The exemplary subject of each category
  (:mod:`partyrules.facts.exemplary`, who does every item when it is due) is scored for each quarter and the year: a
  total below the scale is a gap no member of that category can close (an item prorated over a period it is not
  due in, a once-a-year item asked of every quarter), and a maximum below a grade's threshold makes that grade
  unreachable. The same subject with nothing done shows free points (an item that did not apply paid in full).
  The same verified conduct costing different points in different indices, and the same field read with different
  weights or cadences, are structure too.
- **conduct**: what members did. Between the reachable maximum and the population's results lies what members
  did or did not do; the items that explain it, and those nobody or everybody earns, come from the population's
  per-rule columns.

Every finding names the items and the figures, in Chinese and English. The rendering (text, JSON, HTML) is in
:mod:`partyrules.analyse.fairness_report`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cycle.quarterly import facts_for_period, quarters
from ..errors import NotApplicableError, PartyRulesError
from ..evaluate.evaluator import Evaluator
from ..facts.enums import MemberCategory
from ..facts.exemplary import exemplary_branch, exemplary_member, idle_counterpart, with_incident
from ..facts.kinds import describe_incident_kind, incident_kinds
from ..lang import ir as I
from ..periods import Period
from ..results import ScoreBreakdown
from ..rulesets.model import RuleSet

if TYPE_CHECKING:
    from ..cycle.year import YearResult
    from ..population.frames import Population

__all__ = ["CategoryFairness", "FairnessReport", "Finding", "KindCost", "PeriodMax", "fairness", "rule_reads"]

CATEGORIES: tuple[str, ...] = tuple(c.value for c in MemberCategory)
SUBJECT_LABEL: dict[str, tuple[str, str]] = {
    "in_service": ("在职党员", "in-service members"), "retired": ("离退休党员", "retired members"),
    "new_citizen": ("新市民党员", "new-citizen members"), "branch": ("党支部", "branches"),
}
QUANTILES: tuple[float, ...] = (0.1, 0.25, 0.5, 0.75, 0.9)
_EPS = 1e-6


# --- what the report holds --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Finding:
    """One plain-language finding: ``kind`` is ``structure`` (the rules make it so) or ``conduct`` (what subjects
    did); ``items`` the rule ids (or incident kinds, fields) it is about, ``figures`` its numbers."""

    kind: str
    code: str
    index: str | None
    items: tuple[str, ...]
    figures: dict[str, Any]
    zh: str
    en: str

    def text(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "code": self.code, "index": self.index, "items": list(self.items),
                "figures": self.figures, "zh": self.zh, "en": self.en}


@dataclass(frozen=True)
class PeriodMax:
    """The exemplary subject's result in one period: the reachable maximum."""

    period: str
    variant: str  # "standard" or "health_limited"
    total: float
    max_points: float
    assessed_max: float
    vetoed: bool
    short: tuple[tuple[str, float, float], ...]  # (rule id, points, full points): what it could not earn
    not_assessed: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"period": self.period, "variant": self.variant, "total": self.total, "max_points": self.max_points,
                "assessed_max": self.assessed_max, "vetoed": self.vetoed,
                "short": [{"rule_id": r, "points": p, "full": f} for r, p, f in self.short],
                "not_assessed": list(self.not_assessed)}


@dataclass(frozen=True)
class KindCost:
    """What one verified incident kind costs in one index."""

    index: str
    kind: str
    zh: str
    en: str
    deductions: tuple[tuple[str, float, float], ...]  # (rule id, points per occurrence, cap)
    standards: tuple[tuple[str, float], ...]  # (rule id, points forfeited)
    vetoes: tuple[str, ...]  # vetoes whose condition reads the kind
    one: float  # measured: the exemplary subject's year total less its total with one such incident
    one_vetoed: bool  # the one incident (minor, no consequence recorded) fired a veto

    @property
    def most(self) -> float:
        """The most the kind can take without a veto: every cap and every forfeited standard."""
        return round(sum(c for _, _, c in self.deductions) + sum(p for _, p in self.standards), 6)

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "kind": self.kind, "zh": self.zh, "en": self.en,
                "deductions": [{"rule_id": r, "points": p, "cap": c} for r, p, c in self.deductions],
                "standards": [{"rule_id": r, "points": p} for r, p in self.standards],
                "vetoes": list(self.vetoes), "one": self.one, "one_vetoed": self.one_vetoed, "most": self.most}


@dataclass
class PeriodStats:
    """The population's results in one period: grade shares and quantiles of the totals (on the scale)."""

    period: str
    source: str  # "scores" (score_population) or "annual" (run_year's annual results)
    subjects: int
    grade_counts: dict[str, int]
    quantiles: dict[str, float | None]
    mean: float | None
    not_graded: int = 0
    demoted_by_quota: int = 0

    def share(self, grade: str) -> float | None:
        graded = sum(self.grade_counts.values())
        return self.grade_counts.get(grade, 0) / graded if graded else None

    def to_dict(self) -> dict[str, Any]:
        return {"period": self.period, "source": self.source, "subjects": self.subjects,
                "grade_counts": self.grade_counts,
                "grade_shares": {g: self.share(g) for g in self.grade_counts}, "quantiles": self.quantiles,
                "mean": self.mean, "not_graded": self.not_graded, "demoted_by_quota": self.demoted_by_quota}


@dataclass
class CategoryFairness:
    """One index (one member category, or branches): its reachable maxima, free points and population results."""

    key: str
    ruleset: RuleSet
    reachable: list[PeriodMax]
    annual_percent: float | None  # the exemplary subject's annual result (run_year's composite), 0..100
    free_points: dict[str, tuple[tuple[str, float], ...]]  # period -> (rule id, points) paid to the idle subject
    stats: list[PeriodStats] = field(default_factory=list)
    rules: list[dict[str, Any]] = field(default_factory=list)  # per rule over the year's population

    @property
    def scale(self) -> float:
        return self.ruleset.max_points

    def reachable_in(self, period: str, variant: str = "standard") -> PeriodMax | None:
        return next((p for p in self.reachable if p.period == period and p.variant == variant), None)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "ruleset_id": self.ruleset.id, "ruleset_version": self.ruleset.version,
                "title": {"zh": self.ruleset.title_zh, "en": self.ruleset.title_en}, "scale": self.scale,
                "grades": [{"id": g.id, "zh": g.zh, "en": g.en, "at_least": float(g.at_least)}
                           for g in self.ruleset.grades],
                "reachable": [p.to_dict() for p in self.reachable], "annual_percent": self.annual_percent,
                "free_points": {p: [{"rule_id": r, "points": x} for r, x in v] for p, v in self.free_points.items()},
                "stats": [s.to_dict() for s in self.stats], "rules": self.rules}


@dataclass
class FairnessReport:
    """The fairness of a set of indices over a year (see :func:`fairness`); render it with :meth:`to_text`,
    :meth:`to_json` or :meth:`to_html`."""

    year: int
    periods: list[str]
    categories: list[CategoryFairness]
    costs: list[KindCost]
    field_differences: list[dict[str, Any]]
    all_findings: list[Finding]
    notes: list[str] = field(default_factory=list)
    year_source: str = "scores"

    def findings(self, lang: str = "zh", kind: str | None = None) -> list[str]:
        """The findings as sentences in ``lang`` (``zh`` or ``en``), structure first; ``kind`` selects one kind."""
        if lang not in ("zh", "en"):
            raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
        return [f.text(lang) for f in self.all_findings if kind is None or f.kind == kind]

    @property
    def structural(self) -> list[Finding]:
        return [f for f in self.all_findings if f.kind == "structure"]

    @property
    def conduct(self) -> list[Finding]:
        return [f for f in self.all_findings if f.kind == "conduct"]

    def category(self, key: str) -> CategoryFairness:
        for c in self.categories:
            if c.key == key:
                return c
        raise KeyError(f"no index {key!r} in this report; it has {', '.join(c.key for c in self.categories)}")

    def to_dict(self) -> dict[str, Any]:
        return {"year": self.year, "periods": self.periods, "year_source": self.year_source,
                "categories": [c.to_dict() for c in self.categories], "costs": [c.to_dict() for c in self.costs],
                "field_differences": self.field_differences,
                "findings": [f.to_dict() for f in self.all_findings], "notes": self.notes}

    def to_json(self) -> str:
        import json

        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=True)

    def to_text(self, lang: str = "zh") -> str:
        from .fairness_report import report_text

        return report_text(self, lang)

    def to_html(self, lang: str = "zh", *, title: str | None = None) -> str:
        from .fairness_report import report_html

        return report_html(self, lang, title=title)

    def write_html(self, path: str | Path, lang: str = "zh", *, title: str | None = None) -> Path:
        out = Path(path)
        out.write_text(self.to_html(lang, title=title), encoding="utf-8")
        return out

    def _repr_html_(self) -> str:  # notebooks show the report
        return self.to_html("en")


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
    from ..rulesets.loader import load_ruleset
    from ..shipped_rulesets import shipped_ruleset_path

    if rulesets is None:
        keys = [*CATEGORIES, *(("branch",) if branches else ())]
        return {k: load_ruleset(shipped_ruleset_path(k)) for k in keys}
    if isinstance(rulesets, Mapping):
        bad = [k for k in rulesets if k not in (*CATEGORIES, "branch")]
        if bad:
            raise PartyRulesError(f"unknown index key(s) {', '.join(map(repr, bad))}",
                                  hint="key member indices by category (in_service, retired, new_citizen) and the "
                                       "branch index by 'branch'")
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
            from ..cycle.scoring import score_subject_year

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
        for r in (*rs.standards, *rs.deductions):
            for f in _primary_fields(r):
                full = float(r.points) if r.kind == "standard" else -float(r.spec.cap)
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


# --- the population -------------------------------------------------------------------------------------------------

def _quantiles(values: Sequence[float]) -> tuple[dict[str, float | None], float | None]:
    """Linear-interpolation quantiles (numpy's default), min, max and mean, rounded to 6 decimals."""
    xs = sorted(values)
    n = len(xs)
    out: dict[str, float | None] = {}
    if not n:
        return {"min": None, **{f"p{round(q * 100)}": None for q in QUANTILES}, "max": None}, None
    out["min"] = round(xs[0], 6)
    for q in QUANTILES:
        pos = q * (n - 1)
        lo = int(pos)
        hi = min(lo + 1, n - 1)
        out[f"p{round(q * 100)}"] = round(xs[lo] + (xs[hi] - xs[lo]) * (pos - lo), 6)
    out["max"] = round(xs[-1], 6)
    return out, round(sum(xs) / n, 6)


def _stats_from_scores(frame: Any, rs: RuleSet, period: str) -> PeriodStats:
    totals = frame.get_column("total").to_list()
    grades = frame.get_column("grade").to_list()
    q, mean = _quantiles(totals)
    counts = {g.id: sum(1 for x in grades if x == g.id) for g in rs.grades}
    return PeriodStats(period=period, source="scores", subjects=len(totals), grade_counts=counts, quantiles=q,
                       mean=mean)


def _stats_from_annual(results: Sequence[Any], rs: RuleSet, period: str) -> PeriodStats:
    graded = [r for r in results if r.graded and r.grade is not None]
    q, mean = _quantiles([r.score for r in results])
    counts = {g.id: sum(1 for r in graded if r.grade.id == g.id) for g in rs.grades}
    return PeriodStats(period=period, source="annual", subjects=len(results), grade_counts=counts, quantiles=q,
                       mean=mean, not_graded=len(results) - len(graded),
                       demoted_by_quota=sum(1 for r in results if r.demoted_by_quota))


def _rule_columns(frame: Any, rs: RuleSet) -> list[dict[str, Any]]:
    n = frame.height
    rows = []
    for r in (*rs.standards, *rs.deductions):
        col = frame.get_column(f"rule:{r.id}").to_list()
        full = float(r.points) if r.kind == "standard" else -float(r.spec.cap)
        earns = sum(1 for x in col if abs(x) > _EPS)
        at_full = sum(1 for x in col if (x >= full - _EPS if r.kind == "standard" else x <= full + _EPS))
        mean = sum(col) / n if n else None
        rows.append({"rule_id": r.id, "kind": r.kind, "full": full, "subjects": n, "earns": earns,
                     "at_full": at_full, "mean": None if mean is None else round(mean, 6),
                     "mean_lost": None if mean is None else round((full - mean) if r.kind == "standard" else -mean, 6)})
    return rows


def _for_period(pop: Population, period: Period) -> Population:
    """The population as it stands for ``period``: its records in the period, and the annual evaluation only when
    the period holds the evaluation year's last month (as :func:`partyrules.cycle.quarterly.facts_for_period`)."""
    import polars as pl

    from ..population.frames import Population

    first, last = str(period.start), str(period.end)
    tables = dict(pop.tables)
    rec = tables["records"]
    tables["records"] = rec.filter((pl.col("month") >= first) & (pl.col("month") <= last))
    ann = tables["annual"]
    year_end = pl.col("year").cast(pl.String) + pl.lit("-12")
    tables["annual"] = ann.filter((year_end >= first) & (year_end <= last))
    return Population(pop.subject_kind, tables)


def _populations(population: Any, notes: list[str]) -> dict[str, Population]:
    from ..population.frames import Population, facts_to_population
    from ..synthetic import SubDistrict

    if population is None:
        return {}
    if isinstance(population, SubDistrict):
        return {"member": facts_to_population(population.members, "member"),
                "branch": facts_to_population(population.branches, "branch")}
    if isinstance(population, Population):
        return {population.subject_kind: population}
    if isinstance(population, (str, Path)):
        from ..population.io import read_population

        read = read_population(population)
        notes.extend(str(p) for p in read.problems)
        return {read.population.subject_kind: read.population}
    if isinstance(population, Mapping):
        return {str(k): v for k, v in population.items()}
    groups: dict[str, list[Any]] = {}
    for facts in population:
        groups.setdefault(str(type(facts).subject_kind), []).append(facts)
    return {kind: facts_to_population(items, kind) for kind, items in groups.items() if kind != "community"}


# --- findings --------------------------------------------------------------------------------------------------------

def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _one(key: str) -> tuple[str, str]:
    """The exemplary subject of an index, as a noun."""
    return ("党支部", "branch") if key == "branch" else ("党员", "member")


def _name(c: CategoryFairness, lang: str) -> str:
    return c.ruleset.title_zh if lang == "zh" else c.ruleset.title_en


def _periods_text(periods: Sequence[str]) -> str:
    return ", ".join(periods)


def _structural_findings(cats: list[CategoryFairness], year: int) -> list[Finding]:
    out: list[Finding] = []
    labels = [_label(p) for p in _periods(year)]
    for c in cats:
        who_zh, who_en = SUBJECT_LABEL[c.key]
        groups: dict[tuple[Any, ...], list[PeriodMax]] = {}
        for pm in c.reachable:
            if pm.variant == "standard" and (pm.total < c.scale - _EPS or pm.vetoed):
                groups.setdefault((pm.total, pm.short, pm.vetoed), []).append(pm)
        for (total, short, vetoed), pms in groups.items():
            ps = [p.period for p in pms]
            items = tuple(r for r, _, _ in short)
            parts_zh = "、".join(f"{r} 得 {_fmt(p)}/{_fmt(f)} 分" if f else f"{r} 扣 {_fmt(-p)} 分"
                                 for r, p, f in short)
            parts_en = ", ".join(f"{r} earns {_fmt(p)} of {_fmt(f)}" if f else f"{r} deducts {_fmt(-p)}"
                                 for r, p, f in short)
            out.append(Finding(
                "structure", "max_below_scale", c.key, items,
                {"periods": ps, "reachable": total, "scale": c.scale, "gap": round(c.scale - total, 6)},
                f"{_name(c, 'zh')} {_periods_text(ps)}: 各项按期全部完成的示范{_one(c.key)[0]}最高只得 "
                f"{_fmt(total)} 分(满分 {_fmt(c.scale)}), 差 {_fmt(c.scale - total)} 分是规则结构造成的: {parts_zh}"
                + (" (且被否决)" if vetoed else ""),
                f"{_name(c, 'en')}, {_periods_text(ps)}: an exemplary subject who does every item when due reaches "
                f"only {_fmt(total)} of {_fmt(c.scale)}; the {_fmt(c.scale - total)} points are structural: {parts_en}"
                + (" (and is vetoed)" if vetoed else "")))
            unreachable = [g for g in c.ruleset.grades if float(g.at_least) > total + _EPS]
            if unreachable:
                best = unreachable[-1]  # the lowest grade out of reach: every grade above it is too
                out.append(Finding(
                    "structure", "grade_unreachable", c.key, (best.id,),
                    {"periods": ps, "reachable": total, "grade": best.id, "threshold": float(best.at_least)},
                    f"{_name(c, 'zh')} {_periods_text(ps)}: 可达最高分 {_fmt(total)} 低于“{best.zh}”的分数线 "
                    f"{_fmt(float(best.at_least))}, 任何{who_zh}都不可能评为“{best.zh}”",
                    f"{_name(c, 'en')}, {_periods_text(ps)}: the reachable maximum {_fmt(total)} is below the "
                    f"{best.en} threshold of {_fmt(float(best.at_least))}: no {who_en[:-1]} can be graded {best.en}"))
        for p in labels:
            std, hl = c.reachable_in(p), c.reachable_in(p, "health_limited")
            if std is not None and hl is not None and abs(std.total - hl.total) > _EPS:
                out.append(Finding(
                    "structure", "health_limited_max", c.key, tuple(r for r, _, _ in hl.short),
                    {"period": p, "reachable": std.total, "reachable_health_limited": hl.total},
                    f"{_name(c, 'zh')} {p}: 身体状况受限的示范党员最高 {_fmt(hl.total)} 分, "
                    f"其他示范党员 {_fmt(std.total)} 分",
                    f"{_name(c, 'en')}, {p}: an exemplary member whose health limits participation reaches "
                    f"{_fmt(hl.total)}, another exemplary member {_fmt(std.total)}"))
        if c.annual_percent is not None and c.annual_percent < 100 - _EPS:
            out.append(Finding(
                "structure", "annual_below_scale", c.key, (),
                {"annual_percent": c.annual_percent},
                f"{_name(c, 'zh')}: 示范{_one(c.key)[0]}的年度综合结果只有 {_fmt(c.annual_percent)}/100 "
                "(季度评分平均值带入了季度中的结构性失分)",
                f"{_name(c, 'en')}: the exemplary subject's annual result is only {_fmt(c.annual_percent)} of 100 "
                "(the mean quarterly score carries the quarters' structural gaps)"))
        free_groups: dict[tuple[tuple[str, float], ...], list[str]] = {}
        for p, paid in c.free_points.items():
            free_groups.setdefault(paid, []).append(p)
        for paid, ps in free_groups.items():
            total = round(sum(x for _, x in paid), 6)
            out.append(Finding(
                "structure", "free_points", c.key, tuple(r for r, _ in paid), {"periods": ps, "points": total},
                f"{_name(c, 'zh')} {_periods_text(ps)}: 什么也没做的{who_zh}仍因不适用而得 {_fmt(total)} 分"
                "(白给的分): "
                + "、".join(f"{r} {_fmt(x)} 分" for r, x in paid),
                f"{_name(c, 'en')}, {_periods_text(ps)}: a subject who did nothing still earns {_fmt(total)} "
                "points for items that did not apply (free points): " + ", ".join(f"{r} {_fmt(x)}" for r, x in paid)))
    members = [c for c in cats if c.key != "branch"]
    if len(members) > 1:
        for p in labels:
            tops = {c.key: c.reachable_in(p) for c in members}
            totals = {k: v.total for k, v in tops.items() if v is not None}
            if len(set(totals.values())) > 1:
                out.append(Finding(
                    "structure", "unequal_max", None, tuple(totals), {"period": p, "reachable": totals},
                    f"{p}: 各类别党员可达最高分不同: " + "、".join(f"{SUBJECT_LABEL[k][0]} {_fmt(v)}"
                                                          for k, v in totals.items()),
                    f"{p}: the reachable maximum differs by category: " + ", ".join(
                        f"{SUBJECT_LABEL[k][1]} {_fmt(v)}" for k, v in totals.items())))
    return out


def _cost_findings(costs: list[KindCost], keys: Sequence[str]) -> list[Finding]:
    out: list[Finding] = []
    members = [k for k in keys if k != "branch"]
    if len(members) < 2:
        return out
    by_kind: dict[str, dict[str, KindCost]] = {}
    for c in costs:
        if c.index != "branch":
            by_kind.setdefault(c.kind, {})[c.index] = c
    single: dict[str, list[str]] = {}
    for kind, per in sorted(by_kind.items()):
        sig = {k: (per[k].one, per[k].most, bool(per[k].vetoes)) if k in per else None for k in members}
        if len(set(sig.values())) <= 1:
            continue
        if len(per) == 1:  # conduct only one category's index reads (resettlement fraud, a lost contact, ...)
            single.setdefault(next(iter(per)), []).append(kind)
            continue
        any_cost = next(iter(per.values()))

        def one_zh(k: str, per: dict[str, KindCost] = per) -> str:
            c = per.get(k)
            if c is None:
                return f"{SUBJECT_LABEL[k][0]} 不扣分"
            rules = "、".join([*(r for r, _, _ in c.deductions), *(r for r, _ in c.standards), *c.vetoes])
            return (f"{SUBJECT_LABEL[k][0]} 一次扣 {_fmt(c.one)} 分、最多 {_fmt(c.most)} 分"
                    + (f"、可否决({'、'.join(c.vetoes)})" if c.vetoes else "") + f" ({rules})")

        def one_en(k: str, per: dict[str, KindCost] = per) -> str:
            c = per.get(k)
            if c is None:
                return f"{SUBJECT_LABEL[k][1]} nothing"
            rules = ", ".join([*(r for r, _, _ in c.deductions), *(r for r, _ in c.standards), *c.vetoes])
            return (f"{SUBJECT_LABEL[k][1]} {_fmt(c.one)} for one, at most {_fmt(c.most)}"
                    + (f", veto {'/'.join(c.vetoes)}" if c.vetoes else "") + f" ({rules})")

        items = tuple(r for c in per.values() for r in (*(x for x, _, _ in c.deductions),
                                                          *(x for x, _ in c.standards), *c.vetoes))
        out.append(Finding(
            "structure", "kind_cost_differs", None, (kind, *items),
            {"kind": kind, "one": {k: per[k].one if k in per else 0.0 for k in members},
             "most": {k: per[k].most if k in per else 0.0 for k in members}},
            f"同一行为“{any_cost.zh}”({kind})在各指数中代价不同: " + "; ".join(one_zh(k) for k in members),
            f"The same conduct '{any_cost.en}' ({kind}) costs differently by index: "
            + "; ".join(one_en(k) for k in members)))
    for key, kinds in single.items():
        zh, en = SUBJECT_LABEL[key]
        out.append(Finding(
            "structure", "kind_one_index", key, tuple(kinds), {"kinds": len(kinds)},
            f"{len(kinds)} 种行为只在{zh}指数中扣分, 其他类别党员做同样的事不扣分: " + "、".join(kinds),
            f"{len(kinds)} kinds of conduct cost points only in the index of {en}; members of other categories "
            "lose nothing for them: " + ", ".join(kinds)))
    return out


def _field_findings(rows: list[dict[str, Any]]) -> list[Finding]:
    out: list[Finding] = []
    for row in rows:
        if not row["cadence_differs"]:
            continue
        items = tuple(x["rule_id"] for v in row["indices"].values() for x in v if x["kind"] == "standard")
        cad = row["cadence"]
        out.append(Finding(
            "structure", "field_cadence_differs", None, (row["field"], *items), {"cadence": cad},
            f"同一事实 {row['field']} 在各指数中的考核周期不同: "
            + "; ".join(f"{SUBJECT_LABEL[k][0]} {'/'.join(v)}" for k, v in cad.items()) + f" ({'、'.join(items)})",
            f"The same fact {row['field']} is assessed on different cadences: "
            + "; ".join(f"{SUBJECT_LABEL[k][1]} {'/'.join(v)}" for k, v in cad.items()) + f" ({', '.join(items)})"))
    weighted = [r for r in rows if r["weight_differs"]]
    if weighted:
        def spread(r: dict[str, Any]) -> float:
            vs = [abs(v) for v in r["standard_points"].values()]
            return max(vs) / min(vs) if min(vs) > 0 else float("inf")

        top = sorted(weighted, key=lambda r: (-spread(r), r["field"]))[:3]
        out.append(Finding(
            "structure", "field_weight_differs", None, tuple(r["field"] for r in weighted),
            {"fields": len(weighted), "examples": {r["field"]: r["standard_points"] for r in top}},
            f"{len(weighted)} 项相同事实在各指数中分值不同(按类别设权, 见对照表), 差别最大的: " + "; ".join(
                r["field"] + " " + "、".join(f"{SUBJECT_LABEL[k][0]} {_fmt(v)} 分"
                                             for k, v in r["standard_points"].items()) for r in top),
            f"{len(weighted)} facts carry different points in different indices (weights by category, see the "
            "table); the widest: " + "; ".join(
                r["field"] + " " + ", ".join(f"{SUBJECT_LABEL[k][1]} {_fmt(v)}"
                                             for k, v in r["standard_points"].items()) for r in top)))
    return out


def _population_findings(cats: list[CategoryFairness], year: int) -> tuple[list[Finding], list[Finding]]:
    structure: list[Finding] = []
    conduct: list[Finding] = []
    whole = str(year)
    for c in cats:
        who_zh, who_en = SUBJECT_LABEL[c.key]
        year_max = c.reachable_in(whole)
        short_year = {r for r, _, _ in year_max.short} if year_max else set()
        free_any = {r for paid in c.free_points.values() for r, _ in paid}
        for r in c.rules:
            n = r["subjects"]
            if not n:
                continue
            if r["kind"] == "standard" and r["earns"] == 0:
                if r["rule_id"] in short_year:
                    structure.append(Finding(
                        "structure", "never_earned_unreachable", c.key, (r["rule_id"],), {"subjects": n},
                        f"{_name(c, 'zh')}: {r['rule_id']} 无人得分({n} 名{who_zh}中 0 名), "
                        f"示范{_one(c.key)[0]}全年也得不到",
                        f"{_name(c, 'en')}: {r['rule_id']} is earned by nobody (0 of {n} {who_en}) and not even by "
                        "the exemplary subject over the year"))
                else:
                    conduct.append(Finding(
                        "conduct", "nobody_earns", c.key, (r["rule_id"],), {"subjects": n, "full": r["full"]},
                        f"{_name(c, 'zh')}: {r['rule_id']}({_fmt(r['full'])} 分)无人得分({n} 名{who_zh}中 0 名), "
                        "但按期完成即可得到: 是表现(或记录)上的差距",
                        f"{_name(c, 'en')}: {r['rule_id']} ({_fmt(r['full'])} points) is earned by nobody (0 of {n} "
                        f"{who_en}) though doing it earns it: a gap in conduct (or in the records)"))
            elif r["kind"] == "standard" and r["at_full"] == n:
                if r["rule_id"] in free_any:
                    structure.append(Finding(
                        "structure", "everybody_free", c.key, (r["rule_id"],), {"subjects": n},
                        f"{_name(c, 'zh')}: 全部 {n} 名{who_zh}都得到 {r['rule_id']} 满分, 其中包括不适用时白给的分",
                        f"{_name(c, 'en')}: all {n} {who_en} get {r['rule_id']} in full, partly as free points "
                        "where it did not apply"))
                else:
                    conduct.append(Finding(
                        "conduct", "everybody_earns", c.key, (r["rule_id"],), {"subjects": n},
                        f"{_name(c, 'zh')}: 全部 {n} 名{who_zh}都得到 {r['rule_id']} 满分, 该项区分不出表现",
                        f"{_name(c, 'en')}: all {n} {who_en} earn {r['rule_id']} in full: it does not separate them"))
        year_stats = next((s for s in c.stats if s.period == whole), None)
        if year_stats is None or year_stats.mean is None:
            continue
        reach = year_stats_reachable(c)
        lost = sorted((r for r in c.rules if r["mean_lost"] is not None and r["mean_lost"] > 0.05),
                      key=lambda r: (-r["mean_lost"], r["rule_id"]))[:3]
        conduct_gap = round(reach - year_stats.mean, 6)
        structural_gap = round(c.scale - reach, 6)
        conduct.append(Finding(
            "conduct", "conduct_gap", c.key, tuple(r["rule_id"] for r in lost),
            {"mean": year_stats.mean, "reachable": reach, "scale": c.scale, "conduct_gap": conduct_gap,
             "structural_gap": structural_gap, "source": year_stats.source,
             "mean_lost": {r["rule_id"]: r["mean_lost"] for r in lost}},
            f"{_name(c, 'zh')} {whole}年: {who_zh}平均 {_fmt(year_stats.mean)} 分, 可达最高 {_fmt(reach)} 分"
            + (f"(结构性差距 {_fmt(structural_gap)} 分)" if structural_gap > _EPS else "")
            + f", 其余 {_fmt(conduct_gap)} 分是表现差距"
            + ("; 平均失分最多: " + "、".join(f"{r['rule_id']} {_fmt(r['mean_lost'])} 分" for r in lost)
               if lost else ""),
            f"{_name(c, 'en')}, {whole}: {who_en} average {_fmt(year_stats.mean)}, the reachable maximum is "
            f"{_fmt(reach)}" + (f" (a structural gap of {_fmt(structural_gap)})" if structural_gap > _EPS else "")
            + f"; the other {_fmt(conduct_gap)} points are conduct"
            + ("; most lost on average: " + ", ".join(f"{r['rule_id']} {_fmt(r['mean_lost'])}" for r in lost)
               if lost else "")))
    for c in cats:
        structure += _period_effect(c, whole)
    members = [c for c in cats if c.key != "branch"]
    shares = {}
    for c in members:
        s = next((s for s in c.stats if s.period == whole), None)
        top = c.ruleset.grades[0]
        if s is not None and s.share(top.id) is not None:
            shares[c.key] = (s.share(top.id), year_stats_reachable(c), top)
    if len(shares) > 1 and len({round(v[0], 4) for v in shares.values()}) > 1:
        equal = len({round(v[1], 6) for v in shares.values()}) == 1
        zh_parts = "、".join(f"{SUBJECT_LABEL[k][0]} {100 * v[0]:.1f}%" for k, v in shares.items())
        en_parts = ", ".join(f"{SUBJECT_LABEL[k][1]} {100 * v[0]:.1f}%" for k, v in shares.items())
        top = next(iter(shares.values()))[2]
        figures = {"shares": {k: v[0] for k, v in shares.items()}, "reachable": {k: v[1] for k, v in shares.items()}}
        if equal:
            conduct.append(Finding(
                "conduct", "top_grade_share_differs", None, tuple(shares), figures,
                f"{whole}年“{top.zh}”比例因类别而异: {zh_parts}; 各类别可达最高分相同, 差别来自表现",
                f"{whole}: the share graded {top.en} differs by category: {en_parts}; every category can reach the "
                "same maximum, so the difference is conduct"))
        else:
            structure.append(Finding(
                "structure", "top_grade_share_differs", None, tuple(shares), figures,
                f"{whole}年“{top.zh}”比例因类别而异: {zh_parts}; 但可达最高分也不同("
                + "、".join(f"{SUBJECT_LABEL[k][0]} {_fmt(v[1])}" for k, v in shares.items()) + "), 部分差别来自结构",
                f"{whole}: the share graded {top.en} differs by category: {en_parts}; the reachable maxima differ too ("
                + ", ".join(f"{SUBJECT_LABEL[k][1]} {_fmt(v[1])}" for k, v in shares.items())
                + "), so part of the difference is structural"))
    return structure, conduct


def _period_effect(c: CategoryFairness, whole: str) -> list[Finding]:
    """The year scored as one period against its quarters: the same conduct, another result."""
    qs = [s for s in c.stats if s.source == "scores" and not s.period.isdigit() and s.mean is not None]
    year = next((s for s in c.stats if s.period == whole and s.source == "scores" and s.mean is not None), None)
    if not qs or year is None or year.mean is None:
        return []
    q_mean = round(sum(s.mean for s in qs if s.mean is not None) / len(qs), 6)
    top = c.ruleset.grades[0]
    q_share = sum(s.share(top.id) or 0.0 for s in qs) / len(qs)
    y_share = year.share(top.id) or 0.0
    if abs(q_mean - year.mean) < 5 and abs(q_share - y_share) < 0.1:
        return []
    yearly = sorted({r for p in c.reachable if not p.period.isdigit() and p.variant == "standard"
                     for r in p.not_assessed})
    lost = {r["rule_id"]: r["mean_lost"] for r in c.rules if r["rule_id"] in yearly and r["mean_lost"]}
    who_en = SUBJECT_LABEL[c.key][1]
    return [Finding(
        "structure", "period_effect", c.key, tuple(yearly),
        {"quarter_mean": q_mean, "year_mean": year.mean, "quarter_top_share": round(q_share, 6),
         "year_top_share": round(y_share, 6), "yearly_items_mean_lost": lost},
        f"{_name(c, 'zh')}: 同样的表现, 按全年一期评分与按季度评分相差很大: 季度平均 {_fmt(q_mean)} 分、“{top.zh}” "
        f"{100 * q_share:.1f}%, 全年 {_fmt(year.mean)} 分、“{top.zh}” {100 * y_share:.1f}%"
        + (("; 只在全年评估的项目平均失分: " + "、".join(f"{r} {_fmt(x)} 分" for r, x in lost.items()))
           if lost else ""),
        f"{_name(c, 'en')}: the same conduct scores very differently over the year as one period and by the quarter: "
        f"{who_en} average {_fmt(q_mean)} a quarter ({100 * q_share:.1f}% {top.en}) and {_fmt(year.mean)} over the "
        f"year ({100 * y_share:.1f}% {top.en})"
        + (("; mean lost on the items assessed only in the year: "
            + ", ".join(f"{r} {_fmt(x)}" for r, x in lost.items())) if lost else ""))]


def year_stats_reachable(c: CategoryFairness) -> float:
    """The reachable maximum of the year on the scale, as the year's statistics are: the exemplary subject's
    annual result when they are annual results, else its total for the year."""
    s = next((s for s in c.stats if s.period.isdigit()), None)
    if s is not None and s.source == "annual" and c.annual_percent is not None:
        return round(c.annual_percent * c.scale / 100.0, 6)
    year_max = next((p for p in c.reachable if p.period.isdigit() and p.variant == "standard"), None)
    return year_max.total if year_max is not None else c.scale


# --- the entry point -----------------------------------------------------------------------------------------------

def fairness(population: Any = None, *, year: int | None = None, year_result: YearResult | None = None,
             rulesets: Mapping[str, RuleSet] | Sequence[RuleSet] | None = None, branches: bool = False,
             once_a_year_month: int = 6) -> FairnessReport:
    """The fairness of the member indices (and, with ``branches=True``, the branch index) over ``year``.

    ``population``: a :class:`~partyrules.SubDistrict`, fact bundles (members and branches, mixed), a
    :class:`~partyrules.Population` (or a mapping of subject kind to one), or the path of a population file or
    directory; ``None`` gives the structural part alone. ``year`` defaults to ``year_result.year`` or the
    sub-district's year. ``year_result`` (from :func:`~partyrules.run_year`): the year's grade shares and quantiles
    are those of its annual results (after the 优秀 quota), else those of the year scored as one period.
    ``rulesets``: the indices, keyed by category (``in_service``, ``retired``, ``new_citizen``) and ``branch``, or a
    list (each member index is matched to its category by ``applies_to``); by default the shipped ones.
    ``once_a_year_month``: when the exemplary subjects do their once-a-year items.

    Quarters are scored from their own records (the annual evaluation in the fourth quarter only), as the cycle
    does.
    """
    from ..synthetic import SubDistrict

    if year is None:
        year = year_result.year if year_result is not None else \
            population.year if isinstance(population, SubDistrict) else None
    if year is None:
        raise PartyRulesError("fairness needs the assessment year", hint="pass year=2026 (or a year_result)")
    if year_result is not None and year_result.year != year:
        raise PartyRulesError(f"year_result is of {year_result.year}, not {year}", hint="pass the same year")
    indices = _resolve(rulesets, branches, year)
    notes: list[str] = []
    cats = [_reachable(k, rs, year, once_a_year_month) for k, rs in indices.items()]
    costs = [c for k, rs in indices.items() for c in _costs(k, rs, year, once_a_year_month)]
    diffs = _field_differences(indices)

    try:
        import polars  # noqa: F401  (the population is scored over columns)
    except ImportError:
        pops = {}
        if population is not None:
            notes.append("the population's per-period scores need the analysis extra (pip install "
                          "'partyrules[analysis]'); the year's results are those of year_result only")
    else:
        pops = _populations(population, notes)
    annual = None
    if year_result is not None:
        annual = [*year_result.members, *year_result.branches]
    for c in cats:
        kind = "branch" if c.key == "branch" else "member"
        pop = pops.get(kind)
        if pop is not None:
            _population_stats(c, pop, year, notes)
        if annual is not None:
            mine = [r for r in annual if r.ruleset_id == c.ruleset.id]
            c.stats = [s for s in c.stats if s.period != str(year)] + [_stats_from_annual(mine, c.ruleset, str(year))]
    structure = _structural_findings(cats, year) + _cost_findings(costs, list(indices)) + _field_findings(diffs)
    pop_structure, conduct = _population_findings(cats, year)
    return FairnessReport(year=year, periods=[_label(p) for p in _periods(year)], categories=cats, costs=costs,
                          field_differences=diffs, all_findings=[*structure, *pop_structure, *conduct], notes=notes,
                          year_source="annual" if annual is not None else "scores")


def _population_stats(c: CategoryFairness, pop: Population, year: int, notes: list[str]) -> None:
    from ..evaluate.population import score_population

    for p in _periods(year):
        scores = score_population(c.ruleset, _for_period(pop, p), p)
        for sid, reason in scores.failures:
            notes.append(f"{c.ruleset.id} {p}: {sid}: {reason}")
        c.stats.append(_stats_from_scores(scores.frame, c.ruleset, _label(p)))
        if p.months == 12:
            c.rules = _rule_columns(scores.frame, c.ruleset)
