"""A loaded rule set: the validated spec with every expression compiled to typed IR and its provenance kept."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..errors import Location
from ..lang import ir as I
from ..lang.check import Schema
from .spec import CheckSpec, DeductionSpec, GradeSpec, RuleSetSpec, StandardSpec, VetoSpec

if TYPE_CHECKING:
    from .sources import Sources


@dataclass(frozen=True, eq=False)
class Expression:
    """One expression of a rule set: its text, where it is written, and its typed IR."""

    text: str
    ir: I.IR
    location: Location | None = None

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, eq=False)
class Dimension:
    id: str
    zh: str
    en: str
    max: float
    source: str | None = None


@dataclass(frozen=True, eq=False)
class Standard:
    spec: StandardSpec
    method: str
    exprs: Mapping[str, Expression]  # keys: when, flag, numerator, denominator, value, target, count
    location: Location | None = None

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def dimension(self) -> str:
        return self.spec.dimension

    @property
    def points(self) -> float:
        return self.spec.points

    kind = "standard"


@dataclass(frozen=True, eq=False)
class Deduction:
    spec: DeductionSpec
    exprs: Mapping[str, Expression]  # keys: per, when
    location: Location | None = None

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def dimension(self) -> str:
        return self.spec.dimension

    kind = "deduction"


@dataclass(frozen=True, eq=False)
class Veto:
    spec: VetoSpec
    exprs: Mapping[str, Expression]  # keys: when
    location: Location | None = None

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def dimension(self) -> str | None:
        return self.spec.dimension

    kind = "veto"


@dataclass(frozen=True, eq=False)
class Check:
    spec: CheckSpec
    exprs: Mapping[str, Expression]  # keys: when
    location: Location | None = None

    @property
    def id(self) -> str:
        return self.spec.id

    dimension = None
    kind = "check"


Rule = Standard | Deduction | Veto


@dataclass(frozen=True, eq=False)
class RuleSet:
    """A loaded, checked rule set. Immutable: :meth:`with_params` returns a new one.

    ``content_hash`` identifies the rule set's full resolved content (includes and effective parameters), so a
    stored breakdown can always be traced to the exact rules that produced it.
    """

    spec: RuleSetSpec
    schema: Schema
    params: Mapping[str, Any]
    dimensions: tuple[Dimension, ...]
    standards: tuple[Standard, ...]
    deductions: tuple[Deduction, ...]
    vetoes: tuple[Veto, ...]
    grades: tuple[GradeSpec, ...]
    applies_to: Expression | None
    content_hash: str
    files: tuple[str, ...]
    root: str | None = None
    base_params: Mapping[str, Any] = field(default_factory=dict)
    checks: tuple[Check, ...] = ()
    # The texts written as templates over parameters (``{params.NAME}``), as written, by item id (and "title",
    # "description"): the items above hold them rendered with ``params``, and these are kept for audit.
    templates: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # The parsed files the rule set was assembled from: with_params, reforms, the linter and the docs re-read them.
    # Provenance, not content (the content hash covers it), so equality and repr leave it out.
    sources: Sources = field(kw_only=True, repr=False, compare=False)

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def version(self) -> str:
        return self.spec.version

    @property
    def subject_kind(self) -> str:
        return self.spec.subject

    @property
    def title_zh(self) -> str:
        return self.spec.title.zh

    @property
    def title_en(self) -> str:
        return self.spec.title.en

    @cached_property
    def max_points(self) -> float:
        return float(sum(d.max for d in self.dimensions))

    @cached_property
    def rules(self) -> tuple[Rule, ...]:
        return (*self.vetoes, *self.standards, *self.deductions)

    @cached_property
    def rule_index(self) -> dict[str, Rule]:
        return {r.id: r for r in self.rules}

    @cached_property
    def dimension_index(self) -> dict[str, Dimension]:
        return {d.id: d for d in self.dimensions}

    @property
    def lowest_grade(self) -> GradeSpec:
        return self.grades[-1]

    def counts(self) -> dict[str, int]:
        return {
            "dimensions": len(self.dimensions),
            "standards": len(self.standards),
            "deductions": len(self.deductions),
            "vetoes": len(self.vetoes),
        }

    def with_params(self, **overrides: Any) -> RuleSet:
        """A copy with some parameters changed; the expressions are re-checked against the new values."""
        from .loader import rebuild_with_params

        return rebuild_with_params(self, overrides)

    def describe(self) -> dict[str, Any]:
        """The summary that ``partyrules inspect --format json`` prints."""
        return {
            "id": self.id,
            "version": self.version,
            "subject": self.subject_kind,
            "title": {"zh": self.title_zh, "en": self.title_en},
            "content_hash": self.content_hash,
            **self.counts(),
            "checks": len(self.checks),
            "max_points": self.max_points,
            "dimension_list": [
                {"id": d.id, "zh": d.zh, "en": d.en, "max": d.max,
                 "standards": sum(1 for s in self.standards if s.dimension == d.id),
                 "deductions": sum(1 for k in self.deductions if k.dimension == d.id)}
                for d in self.dimensions
            ],
            "grades": [{"id": g.id, "zh": g.zh, "en": g.en, "at_least": g.at_least} for g in self.grades],
            "params": dict(self.params),
            "files": list(self.files),
        }

    def __repr__(self) -> str:
        c = self.counts()
        return (f"<RuleSet {self.id} {self.version} ({self.subject_kind}): {c['dimensions']} dimensions, "
                f"{c['standards']} standards, {c['deductions']} deductions, {c['vetoes']} vetoes, "
                f"max {self.max_points:g}>")
