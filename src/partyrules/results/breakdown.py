"""ScoreBreakdown: the explained result of evaluating one subject against one rule set.

Every point is accounted for: the dimension subtotals add up to the total (unless a veto zeroes it, which the
breakdown says), and within a dimension the standard lines minus the deduction lines equal the subtotal. Each line
carries its evidence: the fact values it read and the ids of the records and incidents it counted. The JSON form is
canonical (sorted, fixed rounding), so the same inputs always give byte-identical JSON.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

LineKind = Literal["standard", "deduction", "veto"]
Status = Literal["met", "partial", "not_met", "not_applicable", "applied", "capped", "floored", "vetoed"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Evidence(_Model):
    """What a line was decided on: fact values read (``reads``: expression text -> value, for audit), facts counted
    (``counted``), and the same told in plain language (``zh``, ``en``: one sentence per aggregation, comparison,
    field or parameter, generated from the rule's expressions; see :mod:`partyrules.explain.plain`)."""

    reads: dict[str, Any] = Field(default_factory=dict)
    counted: list[str] = Field(default_factory=list)
    zh: list[str] = Field(default_factory=list)
    en: list[str] = Field(default_factory=list)


class Line(_Model):
    """One rule's contribution. ``points`` is signed: positive for standards, negative for deductions."""

    rule_id: str
    kind: LineKind
    dimension: str | None
    zh: str
    en: str
    points: float
    max_points: float
    before_cap: float
    occurrences: float | None = None
    status: Status
    source: str
    evidence: Evidence


class DimensionScore(_Model):
    """A dimension's subtotal. ``assessed_max`` is what the period could earn in it: ``max`` less the points of
    its standards that were not assessed (not due in the period, or not applicable and declared not assessed)."""

    id: str
    zh: str
    en: str
    subtotal: float
    max: float
    assessed_max: float
    earned: float
    deducted: float


class NotAssessed(_Model):
    """A standard the period did not assess, and why: it earned nothing and was left out of the maximum."""

    rule_id: str
    dimension: str
    zh: str
    en: str
    points: float  # the points it would have counted for in the maximum
    due: str | None  # its cadence (None: not declared)
    reason_zh: str
    reason_en: str


class GradeResult(_Model):
    id: str
    zh: str
    en: str


class ReasonCode(_Model):
    """One of the few places where most points were lost (or the veto that decided the grade)."""

    code: str
    rule_id: str
    kind: LineKind
    points_lost: float
    zh: str
    en: str


class StructureWarning(_Model):
    """A structure check that holds (e.g. a branch of 100 members should become a general branch): a warning
    for the organisation to consider, never a change to the points."""

    id: str
    severity: Literal["warning", "info"]
    zh: str
    en: str
    source: str
    evidence: Evidence


class PeriodInfo(_Model):
    start: str
    end: str
    label: str


class ScoreBreakdown(_Model):
    """The explained score of one subject under one rule set for one period."""

    subject_kind: str
    subject_id: str
    ruleset_id: str
    ruleset_version: str
    ruleset_hash: str
    title_zh: str
    title_en: str
    period: PeriodInfo
    params: dict[str, Any]
    total: float  # on the rule set's scale: assessed_total * max_points / assessed_max
    max_points: float
    assessed_total: float  # the sum of the dimension subtotals, out of assessed_max
    assessed_max: float  # the maximum of what the period assessed (max_points when everything was assessed)
    grade: GradeResult
    vetoed: bool
    veto_effect: str
    vetoes: list[Line]
    dimensions: list[DimensionScore]
    lines: list[Line]
    reason_codes: list[ReasonCode]
    warnings: list[StructureWarning] = Field(default_factory=list)
    not_assessed: list[NotAssessed] = Field(default_factory=list)

    # -- serialisation ---------------------------------------------------------------------------------------
    def to_json(self, *, indent: int | None = None) -> str:
        """Canonical JSON: keys sorted, so equal breakdowns are byte-identical."""
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, sort_keys=True, indent=indent,
                          separators=(",", ":") if indent is None else (",", ": "))

    @classmethod
    def from_json(cls, text: str | bytes) -> ScoreBreakdown:
        return cls.model_validate_json(text)

    def line(self, rule_id: str) -> Line:
        for ln in (*self.vetoes, *self.lines):
            if ln.rule_id == rule_id:
                return ln
        raise KeyError(rule_id)

    def dimension(self, dimension_id: str) -> DimensionScore:
        for d in self.dimensions:
            if d.id == dimension_id:
                return d
        raise KeyError(dimension_id)

    # -- rendering -------------------------------------------------------------------------------------------
    def to_text(self, lang: str = "zh") -> str:
        from .render import render_text

        return render_text(self, lang)

    def to_markdown(self, lang: str = "zh") -> str:
        from .render import render_markdown

        return render_markdown(self, lang)

    def _repr_html_(self) -> str:
        from .render import render_html

        return render_html(self)

    def __str__(self) -> str:
        return self.to_text("en")
