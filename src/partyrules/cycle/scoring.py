"""Score a subject's year: each quarter, the whole year, and the annual result that combines them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import NotApplicableError, PartyRulesError
from ..evaluate.context import SubjectFacts
from ..evaluate.evaluator import Evaluator, Failure
from ..explain.breakdown import ScoreBreakdown
from ..periods import Period
from ..rulesets.model import RuleSet
from .annual import AnnualResult, compose
from .quarterly import facts_for_period, quarters


@dataclass
class SubjectYear:
    """Everything scored for one subject in one year: the four quarters, the year, and the annual result."""

    facts: SubjectFacts
    ruleset: RuleSet
    quarters: list[ScoreBreakdown]
    year: ScoreBreakdown
    result: AnnualResult


class RuleSetChooser:
    """Picks each subject's rule set among several of its kind, by the rule sets' ``applies_to``.

    A member is scored with the index of its category; the choice is remembered per (kind, category) so the
    applicability test runs once per category, not once per member.
    """

    def __init__(self, rulesets: Iterable[RuleSet], params: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self.evaluators = [Evaluator(rs, (params or {}).get(rs.id)) for rs in rulesets]
        self._memo: dict[tuple[str, str], Evaluator] = {}

    def evaluator_for(self, facts: SubjectFacts, period: Period) -> Evaluator:
        kind = str(type(facts).subject_kind)
        subject = getattr(facts, kind, None)
        key = (kind, str(getattr(subject, "category", getattr(subject, "branch_type", ""))))
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        last: PartyRulesError | None = None
        for ev in self.evaluators:
            if ev.ruleset.subject_kind != kind:
                continue
            try:
                ev.evaluate(facts, period)
            except NotApplicableError as exc:
                last = exc
                continue
            self._memo[key] = ev
            return ev
        raise last or NotApplicableError(f"no rule set scores {kind}s like {facts.subject_id}",
                                         hint=f"pass a {kind} rule set")


def score_subject_year(evaluator: Evaluator, facts: SubjectFacts, year: int) -> SubjectYear:
    """The four quarterly breakdowns, the whole-year breakdown and the annual result of one subject."""
    qs = [evaluator.evaluate(facts_for_period(facts, q), q) for q in quarters(year)]
    whole = Period.year(year)
    yb = evaluator.evaluate(facts_for_period(facts, whole), whole)
    return SubjectYear(facts, evaluator.ruleset, qs, yb, compose(evaluator.ruleset, facts, year, qs, yb))


@dataclass
class ScoredYear:
    subjects: list[SubjectYear] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


def score_year(population: Sequence[SubjectFacts], rulesets: Iterable[RuleSet], year: int,
               params: Mapping[str, Mapping[str, Any]] | None = None) -> ScoredYear:
    """Score every subject's year; a subject that cannot be scored is reported and the others are still scored."""
    chooser = RuleSetChooser(rulesets, params)
    out = ScoredYear()
    whole = Period.year(year)
    for i, facts in enumerate(population):
        try:
            ev = chooser.evaluator_for(facts, whole)
            out.subjects.append(score_subject_year(ev, facts, year))
        except PartyRulesError as exc:
            out.failures.append(Failure(i, getattr(facts, "subject_id", None), exc))
    return out
