"""ScoreBreakdown: the explained result of evaluating one subject against one rule set.

Every point is accounted for: the dimension subtotals add up to the total (unless a veto zeroes it, which the
breakdown says), and within a dimension the standard lines minus the deduction lines equal the subtotal. Each line
carries its evidence: the fact values it read and the ids of the records and incidents it counted. The JSON form is
canonical (sorted, fixed rounding), so the same inputs always give byte-identical JSON.
"""

from __future__ import annotations

import json
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field

LineKind = Literal["standard", "deduction", "veto"]
Status = Literal["met", "partial", "not_met", "not_applicable", "applied", "capped", "floored", "vetoed"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def _trusted(cls, values: dict[str, Any]) -> Self:
        """An instance holding ``values`` as they are, without validation: for parts the library itself built with
        the right types (every field given in the model's order, floats as floats, nested parts already models).
        What ``model_construct`` does, without its per-field loop; the set of fields given is one set per class, as
        every instance is given every field and is frozen (a copy with changes gets its own set). The fields are
        set as attributes, so the instances of a class share their dictionaries' keys (a third of the memory of a
        dictionary of their own, as validation makes)."""
        m = cls.__new__(cls)
        for name, value in values.items():  # set one by one, the instances of a class share one table of keys
            _setattr(m, name, value)
        _setattr(m, "__pydantic_fields_set__", _all_fields(cls))
        _setattr(m, "__pydantic_extra__", None)
        _setattr(m, "__pydantic_private__", None)
        return m


_setattr = object.__setattr__
_FIELDS: dict[type, set[str]] = {}


def _all_fields(cls: type[BaseModel]) -> set[str]:
    got = _FIELDS.get(cls)
    if got is None:
        got = _FIELDS[cls] = set(cls.model_fields)
    return got


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

    @classmethod
    def from_trusted(cls, data: dict[str, Any]) -> ScoreBreakdown:
        """The breakdown of ``data`` (the shape :meth:`model_validate` reads) built by the scorer from parts it
        validated itself: every field given, text as text, each number already rounded. It gives the same
        breakdown as :meth:`model_validate` (the tests compare both) at a fraction of its cost; numbers are made
        floats here as validation would make them."""
        return _breakdown(data)

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


def _evidence(ev: dict[str, Any]) -> Evidence:
    return Evidence._trusted(ev)


def _line(ln: dict[str, Any]) -> Line:
    occ = ln["occurrences"]
    return Line._trusted({**ln, "points": float(ln["points"]), "max_points": float(ln["max_points"]),
                          "before_cap": float(ln["before_cap"]), "occurrences": None if occ is None else float(occ),
                          "evidence": _evidence(ln["evidence"])})


def _dimension(d: dict[str, Any]) -> DimensionScore:
    return DimensionScore._trusted({**d, "subtotal": float(d["subtotal"]), "max": float(d["max"]),
                                    "assessed_max": float(d["assessed_max"]), "earned": float(d["earned"]),
                                    "deducted": float(d["deducted"])})


def _breakdown(data: dict[str, Any]) -> ScoreBreakdown:
    return ScoreBreakdown._trusted({
        **data,
        "period": PeriodInfo._trusted(data["period"]),
        "total": float(data["total"]),
        "max_points": float(data["max_points"]),
        "assessed_total": float(data["assessed_total"]),
        "assessed_max": float(data["assessed_max"]),
        "grade": GradeResult._trusted(data["grade"]),
        "vetoes": [_line(ln) for ln in data["vetoes"]],
        "dimensions": [_dimension(d) for d in data["dimensions"]],
        "lines": [_line(ln) for ln in data["lines"]],
        "reason_codes": [ReasonCode._trusted({**r, "points_lost": float(r["points_lost"])})
                         for r in data["reason_codes"]],
        "warnings": [StructureWarning._trusted({**w, "evidence": _evidence(w["evidence"])}) for w in data["warnings"]],
        "not_assessed": [NotAssessed._trusted({**n, "points": float(n["points"])}) for n in data["not_assessed"]],
    })
