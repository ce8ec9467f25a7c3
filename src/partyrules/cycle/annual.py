"""A subject's annual result (C5): the year's record-based score, the annual evaluation, the secretary's report
review (branches) and day-to-day observation, combined with the weights the rule set names as parameters.

The record-based input is the whole year scored as one period: the same monthly records, incidents and
commendations the four quarters were published from, with every standard due in the year assessed once. It is not
the mean of the four quarterly scores: averaging would divide a per-occurrence deduction or a once-a-year item by
four, and the month an incident happened in would change what it costs (docs/cycle.md, "The annual composite").
The quarterly scores stay in the result as published, for feedback and for breaking ties under the quota.

Every input is put on a 0-100 scale first (the year's total as a percentage of the rule set's maximum), the
composite is their weighted mean, and it is mapped back onto the rule set's scale so that its grading bands apply.
An input that is missing (no annual evaluation yet, no secretary review) is left out and the remaining weights are
renormalised; the result says so (``missing``), so an incomplete year is never mistaken for a complete one.
A veto in any quarter or over the whole year gives the lowest grade and its follow-up recommendations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from pydantic import BaseModel, ConfigDict

from ..errors import EvaluationError
from ..evaluate.context import subject_of
from ..facts import SubjectFacts
from ..results import GradeResult, ScoreBreakdown
from ..rulesets.model import RuleSet
from ..rulesets.spec import SecretaryReview
from .followup import DEFAULT_CORRECTION_MONTHS, Recommendation, branch_rectification, member_follow_up
from .hashing import breakdown_hash
from .quarterly import QuarterScore

ROUND = 6
INPUTS: dict[str, tuple[str, str]] = {
    "quarterly": ("全年记实评分(四个季度记实合并评定)", "The year's record-based score (the four quarters together)"),
    "annual_evaluation": ("年度测评", "Annual evaluation"),
    "secretary_review": ("书记党建述职评议", "Review of the secretary's report"),
    "daily_observation": ("日常掌握情况", "Day-to-day observation"),
}


class CompositeInput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    zh: str
    en: str
    value: float | None  # on 0..100; None when missing
    weight: float  # as declared
    share: float  # the weight after renormalising over the inputs present
    contribution: float  # share * value, on 0..100


class VetoFinding(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rule_id: str
    zh: str
    en: str
    periods: list[str]  # where it held: quarters and/or the year


class AnnualResult(BaseModel):
    """The year's result for one subject, with everything that decided it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    subject_kind: str
    subject_id: str
    year: int
    ruleset_id: str
    ruleset_version: str
    ruleset_hash: str
    pool: list[str]  # 分层分类: the ranking pool, e.g. ["member", "in_service"] or ["branch", "community"]
    group_id: str | None  # the member's branch, the branch's community: where the quota and pairing look
    quarters: list[QuarterScore]
    # the whole-year breakdown's hash; None when the year was scored as tables (the vectorised backend), whose
    # breakdowns are made on demand (YearResult.subject_years)
    year_breakdown_hash: str | None
    inputs: list[CompositeInput]
    missing: list[str]
    percent: float  # the composite on 0..100
    score: float  # the composite on the rule set's scale
    max_points: float
    vetoed: bool
    vetoes: list[VetoFinding]
    graded: bool
    not_graded_reason: str | None = None
    grade: GradeResult | None  # None when not graded (probationary members)
    grade_before_quota: GradeResult | None = None
    quota_note_zh: str | None = None
    quota_note_en: str | None = None
    recommendations: list[Recommendation]
    warnings: list[str]  # structure checks that held over the year

    @property
    def demoted_by_quota(self) -> bool:
        return self.grade_before_quota is not None


def _r(x: float) -> float:
    v = round(x, ROUND)
    return 0.0 if v == 0 else v


def _grade(rs: RuleSet, score: float, vetoed: bool) -> GradeResult:
    g = rs.lowest_grade if vetoed else next((g for g in rs.grades if score + 1e-9 >= g.at_least), rs.lowest_grade)
    return GradeResult(id=g.id, zh=g.zh, en=g.en)


def pool_of(facts: SubjectFacts) -> tuple[list[str], str | None]:
    subject = subject_of(facts)
    kind = str(type(facts).subject_kind)
    if kind == "member":
        return ["member", str(subject.category)], subject.branch_id
    if kind == "branch":
        return ["branch", str(subject.branch_type)], subject.parent_org_id
    return ["community"], None


def _param(rs: RuleSet, name: str | None, default: float) -> float:
    if name is None:
        return default
    return float(rs.params[name])


@dataclass(frozen=True)
class PeriodScore:
    """What an annual result reads of one period's score: read off a breakdown (the engine), or off a row of a
    score table (the vectorised backend), which then has no breakdown to hash until one is asked for."""

    period: str
    total: float
    max_points: float
    grade: str
    vetoed: bool
    vetoes: tuple[tuple[str, str, str], ...]  # (rule id, zh, en) of each veto that held
    warnings: tuple[str, ...]  # the ids of the structure checks that held
    breakdown_hash: str | None

    @classmethod
    def of(cls, b: ScoreBreakdown) -> PeriodScore:
        return cls(period=b.period.label, total=b.total, max_points=b.max_points, grade=b.grade.id,
                   vetoed=b.vetoed, vetoes=tuple((ln.rule_id, ln.zh, ln.en) for ln in b.vetoes),
                   warnings=tuple(w.id for w in b.warnings), breakdown_hash=breakdown_hash(b))


def compose(rs: RuleSet, facts: SubjectFacts, year: int, quarterlies: list[ScoreBreakdown],
            year_breakdown: ScoreBreakdown) -> AnnualResult:
    """Combine a subject's quarterly breakdowns and its whole-year breakdown into the annual result."""
    return compose_scores(rs, facts, year, [PeriodScore.of(b) for b in quarterlies], PeriodScore.of(year_breakdown))


def compose_scores(rs: RuleSet, facts: SubjectFacts, year: int, quarterlies: list[PeriodScore],
                   year_score: PeriodScore) -> AnnualResult:
    """Combine a subject's quarterly scores and its whole-year score into the annual result."""
    annual_spec = rs.spec.annual
    if annual_spec is None:
        raise EvaluationError(f"rule set {rs.id} has no annual section, so it has no annual result",
                              hint="add annual: with the weights of the quarterly score and the year-end inputs")
    if len(quarterlies) != 4:
        raise EvaluationError(f"the annual result of {facts.subject_id} needs 4 quarterly scores, got "
                              f"{len(quarterlies)}", hint="score each quarter of the year first")
    qs = [QuarterScore.of_score(q) for q in quarterlies]
    annual = getattr(facts, "annual", None)
    if annual is not None and annual.year != year:
        annual = None
    year_percent = _r(100.0 * year_score.total / year_score.max_points) if year_score.max_points else 0.0
    values: dict[str, float | None] = {"quarterly": year_percent,
                                       "annual_evaluation": annual.evaluation_score if annual else None,
                                       "daily_observation": annual.daily_observation_score if annual else None}
    weights = annual_spec.weights
    if weights.secretary_review is not None:
        level = annual.secretary_review if annual is not None else None
        scores = annual_spec.secretary_review_scores
        values["secretary_review"] = None if level is None else scores[cast(SecretaryReview, str(level))]
    declared = {k: _param(rs, getattr(weights, k), 0.0) for k in values}
    present = {k: w for k, w in declared.items() if values[k] is not None}
    total_w = sum(present.values())
    if total_w <= 0:
        raise EvaluationError(f"no input of {facts.subject_id}'s annual result has a positive weight",
                              hint=f"check the weights under annual: in {rs.id}")
    inputs = []
    for k in INPUTS:
        if k not in values:
            continue
        v = values[k]
        share = declared[k] / total_w if v is not None else 0.0
        inputs.append(CompositeInput(name=k, zh=INPUTS[k][0], en=INPUTS[k][1], value=None if v is None else _r(v),
                                     weight=declared[k], share=_r(share),
                                     contribution=_r(share * v) if v is not None else 0.0))
    percent = _r(sum(declared[k] / total_w * v for k, v in values.items() if v is not None))
    score = _r(percent * rs.max_points / 100.0)

    found: dict[str, VetoFinding] = {}
    for b in (*quarterlies, year_score):
        for rule_id, zh, en in b.vetoes:
            prev = found.get(rule_id)
            periods = [*prev.periods, b.period] if prev else [b.period]
            found[rule_id] = VetoFinding(rule_id=rule_id, zh=zh, en=en, periods=periods)
    vetoes = [found[k] for k in sorted(found)]
    vetoed = bool(vetoes)
    if vetoed and rs.spec.veto_effect == "zero_total":
        score = percent = 0.0

    pool, group = pool_of(facts)
    subject = subject_of(facts)
    graded, reason = True, None
    if pool[0] == "member" and str(subject.status) == "probationary":
        graded, reason = False, "probationary member: scored but not graded (预备党员只评分、不定等次)"
    kinds = {v.id: v.spec.follow_up for v in rs.vetoes}
    if pool[0] == "member":
        months = _param(rs, annual_spec.correction_months, DEFAULT_CORRECTION_MONTHS)
        recs = member_follow_up(facts.subject_id, year, [(v.rule_id, kinds.get(v.rule_id, "correction"))
                                                         for v in vetoes], months)
    else:
        recs = branch_rectification(facts.subject_id, year, [v.rule_id for v in vetoes])
    return AnnualResult(
        subject_kind=str(type(facts).subject_kind), subject_id=facts.subject_id, year=year,
        ruleset_id=rs.id, ruleset_version=rs.version, ruleset_hash=rs.content_hash,
        pool=pool, group_id=group, quarters=qs, year_breakdown_hash=year_score.breakdown_hash,
        inputs=inputs, missing=[i.name for i in inputs if i.value is None], percent=percent, score=score,
        max_points=rs.max_points, vetoed=vetoed, vetoes=vetoes, graded=graded, not_graded_reason=reason,
        grade=_grade(rs, score, vetoed) if graded else None, recommendations=recs,
        warnings=sorted(year_score.warnings),
    )

