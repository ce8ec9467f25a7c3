"""What a fairness report holds: findings, the reachable maxima, the cost of conduct across indices, the
population's statistics per period, and the report itself (rendered by :mod:`.report`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...facts.enums import MemberCategory
from ...rulesets.model import RuleSet

CATEGORIES: tuple[str, ...] = tuple(c.value for c in MemberCategory)
SUBJECT_LABEL: dict[str, tuple[str, str]] = {
    "in_service": ("在职党员", "in-service members"), "retired": ("离退休党员", "retired members"),
    "new_citizen": ("新市民党员", "new-citizen members"), "mobile": ("流动党员", "mobile members"),
    "branch": ("党支部", "branches"),
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
        from .report import report_text

        return report_text(self, lang)

    def to_html(self, lang: str = "zh", *, title: str | None = None) -> str:
        from .report import report_html

        return report_html(self, lang, title=title)

    def write_html(self, path: str | Path, lang: str = "zh", *, title: str | None = None) -> Path:
        out = Path(path)
        out.write_text(self.to_html(lang, title=title), encoding="utf-8")
        return out

    def _repr_html_(self) -> str:  # notebooks show the report
        return self.to_html("en")
