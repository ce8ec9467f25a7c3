"""The rule-set file format, as pydantic models of the YAML document (before expressions are compiled)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    model_serializer,
    model_validator,
)

RuleId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")]
RuleSetId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.-]{0,79}$")]
ParamName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]
def _expr_text(value: object) -> object:
    """A bare YAML number or boolean is a valid expression; keep its text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return value


Expr = Annotated[str, BeforeValidator(_expr_text), StringConstraints(min_length=1, max_length=4000)]
Points = Annotated[float, Field(gt=0, le=10_000, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, le=10_000, allow_inf_nan=False)]
ParamValue = bool | int | float | str | list[str] | list[float]

SubjectKind = Literal["member", "branch", "community"]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)
    # keys added to the format after rule sets were hashed: left out of the dump while unset, so the content hash
    # of every earlier rule set holds
    omit_when_unset: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        out: dict[str, Any] = handler(self)
        for key in self.omit_when_unset:
            if out.get(key) is None:
                out.pop(key, None)
        return out


class Title(_Spec):
    zh: Text
    en: Text


class ParamSpec(_Spec):
    """A named value the rules use, that a reform or a call may override (``params.<name>`` in expressions)."""

    value: ParamValue
    zh: Text | None = None
    en: Text | None = None
    source: Text | None = None
    min: float | None = None
    max: float | None = None
    choices: list[str] | list[float] | None = Field(default=None, min_length=1, max_length=100)

    @model_validator(mode="after")
    def _in_range(self) -> ParamSpec:
        v = self.value
        if self.choices is not None and v not in self.choices:
            raise ValueError(f"value {v!r} is not one of its choices {self.choices}")
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if self.min is not None and v < self.min:
                raise ValueError(f"value {v} is below its min {self.min}")
            if self.max is not None and v > self.max:
                raise ValueError(f"value {v} is above its max {self.max}")
        return self


class DimensionSpec(_Spec):
    id: RuleId
    zh: Text
    en: Text
    max: Points
    source: Text | None = None


class RatioSpec(_Spec):
    numerator: Expr
    denominator: Expr
    zero_denominator: Literal["full", "zero"] = "full"


class RatioToSpec(_Spec):
    value: Expr
    target: Expr
    zero_target: Literal["full", "zero"] = "full"


class BandStep(_Spec):
    at_least: float = Field(allow_inf_nan=False)
    points: NonNegative


class BandsSpec(_Spec):
    value: Expr
    steps: list[BandStep] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _descending(self) -> BandsSpec:
        cuts = [s.at_least for s in self.steps]
        if cuts != sorted(cuts, reverse=True) or len(set(cuts)) != len(cuts):
            raise ValueError("steps must be listed from the highest at_least to the lowest, without repeats")
        return self


class PerOccurrenceSpec(_Spec):
    count: Expr
    points: Points


METHODS = ("flag", "ratio", "ratio_to", "bands", "per_occurrence")

# When a standard falls due (docs/rule-language.md, "Cadence"): ``monthly`` and ``any`` are assessed in every
# period (a monthly target is prorated with period.months; ``any`` reads whatever the period's records hold),
# ``quarterly`` in a period that covers a whole calendar quarter, ``yearly`` only in a period that covers a whole
# calendar year. In a period where a standard is not due it is not assessed: it neither earns points nor counts
# in the maximum, and the period's total is put back on the rule set's scale.
Cadence = Literal["monthly", "quarterly", "yearly", "any"]
CADENCES: tuple[str, ...] = ("monthly", "quarterly", "yearly", "any")


class StandardSpec(_Spec):
    """A standard (细化标准): earns up to ``points`` by one scoring method."""

    id: RuleId
    dimension: RuleId
    zh: Text
    en: Text
    source: Text
    points: Points
    due: Cadence | None = None  # None: not declared, assessed in every period as ``any`` (validate --strict warns)
    omit_when_unset: ClassVar[tuple[str, ...]] = ("due",)
    when: Expr | None = None
    # a subject for whom ``when`` does not hold: full points, none, or not assessed (out of the maximum, as an item
    # not due)
    if_not_applicable: Literal["full", "zero", "not_assessed"] = "full"
    flag: Expr | None = None
    ratio: RatioSpec | None = None
    ratio_to: RatioToSpec | None = None
    bands: BandsSpec | None = None
    per_occurrence: PerOccurrenceSpec | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _one_method(self) -> StandardSpec:
        given = [m for m in METHODS if getattr(self, m) is not None]
        if len(given) != 1:
            raise ValueError(
                f"a standard needs exactly one scoring method ({', '.join(METHODS)}), found "
                f"{', '.join(given) if given else 'none'}")
        if self.bands is not None and max(s.points for s in self.bands.steps) > self.points:
            raise ValueError("a band gives more points than the standard's points")
        if self.per_occurrence is not None and self.per_occurrence.points > self.points:
            raise ValueError("per_occurrence points exceed the standard's points (its cap)")
        return self

    @property
    def method(self) -> str:
        return next(m for m in METHODS if getattr(self, m) is not None)


class DeductionSpec(_Spec):
    """A deduction (扣分细则): ``points`` per occurrence, at most ``cap``, never below the dimension's floor of 0."""

    id: RuleId
    dimension: RuleId
    zh: Text
    en: Text
    source: Text
    per: Expr
    points: Points
    cap: Points
    due: Cadence | None = None  # None: applies in every period; ``yearly``: only on the whole year (e.g. a shortfall)
    omit_when_unset: ClassVar[tuple[str, ...]] = ("due",)
    when: Expr | None = None
    note: Text | None = None


class VetoSpec(_Spec):
    """A one-vote veto (一票否决): when it holds, the subject gets the lowest grade whatever its points."""

    id: RuleId
    zh: Text
    en: Text
    source: Text
    when: Expr
    dimension: RuleId | None = None
    note: Text | None = None
    # Which follow-up the annual result recommends for a member veto: the correction path (mentor, time-limited
    # correction, then persuasion to withdraw, then removal) or, for a lapse of Party life (党章 Art. 9), removal as
    # having left the Party of one's own accord. "none" is for conduct the member was already disciplined for (a
    # Party sanction, a criminal conviction): the finding stands and the year is unqualified, but no further
    # disposal is recommended (不合格党员组织处置办法 2024 Art. 4: no double disposal for the same matter).
    # Branch vetoes always recommend rectification.
    follow_up: Literal["correction", "self_departure", "none"] = "correction"


class CheckSpec(_Spec):
    """A structure check (结构提示): a warning about the subject's organisation. It never changes the points."""

    id: RuleId
    zh: Text
    en: Text
    source: Text
    when: Expr
    severity: Literal["warning", "info"] = "warning"
    note: Text | None = None


class GradeSpec(_Spec):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
    zh: Text
    en: Text
    at_least: NonNegative


class ExpectSpec(_Spec):
    dimensions: int | None = Field(default=None, ge=0)
    standards: int | None = Field(default=None, ge=0)
    deductions: int | None = Field(default=None, ge=0)
    vetoes: int | None = Field(default=None, ge=0)
    checks: int | None = Field(default=None, ge=0)
    max_points: float | None = Field(default=None, gt=0, le=1_000_000, allow_inf_nan=False)  # checked by lint
    omit_when_unset: ClassVar[tuple[str, ...]] = ("max_points",)



class MonotoneSpec(_Spec):
    """Fields where more never lowers (``increasing``) or never raises (``decreasing``) the total."""

    increasing: list[str] = Field(default_factory=list, max_length=200)
    decreasing: list[str] = Field(default_factory=list, max_length=200)


class ActionableSpec(_Spec):
    """A fact field the subject can act on, for recourse: which way it moves, how far, in what steps, at what cost.

    A record field (``records.x``) is changed in the months of the period that have a record; a subject field
    once. Incidents, commendations and annual evaluations are never actionable: they are conduct already recorded
    or judgements made by others.
    """

    field: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    direction: Literal["increase", "decrease", "set_true"]
    max: float | None = Field(default=None, ge=0, le=1_000_000, allow_inf_nan=False)  # increase: the most a month
    min: float | None = Field(default=None, ge=0, le=1_000_000, allow_inf_nan=False)  # decrease: the least a month
    step: float | None = Field(default=None, gt=0, le=1_000_000, allow_inf_nan=False)
    cost: float = Field(default=1.0, gt=0, le=10_000, allow_inf_nan=False)  # per unit changed (per flag set)
    zh: Text | None = None
    en: Text | None = None

    @model_validator(mode="after")
    def _bounds_fit_direction(self) -> ActionableSpec:
        if self.direction != "increase" and self.max is not None:
            raise ValueError(f"max bounds an increase; a {self.direction} field takes no max")
        if self.direction != "decrease" and self.min is not None:
            raise ValueError(f"min bounds a decrease; a {self.direction} field takes no min")
        if self.direction == "set_true" and self.step is not None:
            raise ValueError("a set_true field takes no step")
        return self


class EffectiveSpec(_Spec):
    from_: date = Field(alias="from", strict=False)
    until: date | None = Field(default=None, strict=False)

    @model_validator(mode="after")
    def _ordered(self) -> EffectiveSpec:
        if self.until is not None and self.until < self.from_:
            raise ValueError("'until' is before 'from'")
        return self


class AnnualWeightsSpec(_Spec):
    """The weight of each input of the annual result (C5). Each names a parameter, so a what-if can change it."""

    quarterly: ParamName
    annual_evaluation: ParamName
    daily_observation: ParamName
    secretary_review: ParamName | None = None  # branches only: the review of the secretary's report


class QuotaSpec(_Spec):
    """At most ``share`` (a parameter) of the graded members of each branch may get ``grade``."""

    grade: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
    share: ParamName


class FundingWeightsSpec(_Spec):
    """Branches: the weights of the branch's own index and of its graded members' mean index in the funding basis
    (以奖代补, seed 000: by 战斗力指数 and 党员先进性指数). Each names a parameter, so a what-if can change it."""

    branch_index: ParamName
    members_index: ParamName


SecretaryReview = Literal["good", "fairly_good", "average", "poor"]


def _default_review_scores() -> dict[SecretaryReview, float]:
    return {"good": 100.0, "fairly_good": 85.0, "average": 70.0, "poor": 50.0}


class AnnualSpec(_Spec):
    """How the year's result is composed from the quarterly scores and the year-end inputs."""

    weights: AnnualWeightsSpec
    secretary_review_scores: dict[SecretaryReview, NonNegative] = Field(default_factory=_default_review_scores)
    quota: QuotaSpec | None = None
    correction_months: ParamName | None = None  # members: the time limit of a correction recommendation
    funding: FundingWeightsSpec | None = None  # branches: the weights of the funding basis
    omit_when_unset: ClassVar[tuple[str, ...]] = ("funding",)


class _Body(_Spec):
    params: dict[ParamName, ParamSpec] = Field(default_factory=dict, max_length=500)
    dimensions: list[DimensionSpec] = Field(default_factory=list, max_length=100)
    standards: list[StandardSpec] = Field(default_factory=list, max_length=2000)
    deductions: list[DeductionSpec] = Field(default_factory=list, max_length=2000)
    vetoes: list[VetoSpec] = Field(default_factory=list, max_length=500)
    checks: list[CheckSpec] = Field(default_factory=list, max_length=500)


class FragmentSpec(_Body):
    """An included file: a piece of a rule set (e.g. the five member vetoes shared by three indices)."""

    fragment: Literal[True]
    id: RuleSetId | None = None
    title: Title | None = None


class RuleSetSpec(_Body):
    """A whole rule set: an index for one kind of subject."""

    id: RuleSetId
    version: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    title: Title
    subject: SubjectKind
    applies_to: Expr | None = None
    effective: EffectiveSpec | None = None
    description: Title | None = None
    include: list[Annotated[str, StringConstraints(min_length=1, max_length=300)]] = Field(
        default_factory=list, max_length=50)
    grading: list[GradeSpec] = Field(min_length=1, max_length=20)
    expect: ExpectSpec | None = None
    veto_effect: Literal["lowest_grade", "zero_total"] = "lowest_grade"
    monotone: MonotoneSpec | None = None
    annual: AnnualSpec | None = None
    actionable: list[ActionableSpec] | None = Field(default=None, max_length=200)
