"""Score a subject's year: each quarter, the whole year, and the annual result that combines them."""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import NotApplicableError, PartyRulesError
from ..evaluate.evaluator import Evaluator, Failure
from ..facts import SubjectFacts
from ..periods import Period
from ..results import ScoreBreakdown
from ..rulesets.model import RuleSet
from ..rulesets.versions import by_id, in_force
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

    A member is scored with the index of its category; the choice is remembered per (period, kind, category) so
    the applicability test runs once per category, not once per member. When an id has several versions (the
    same index with different ``effective`` dates), only the version in force for the period is a candidate.
    """

    def __init__(self, rulesets: Iterable[RuleSet], params: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self.evaluators = [Evaluator(rs, (params or {}).get(rs.id)) for rs in rulesets]
        self._memo: dict[tuple[str, str, str], Evaluator] = {}
        self._by_period: dict[str, tuple[list[Evaluator], list[tuple[str, PartyRulesError]]]] = {}

    def in_force(self, period: Period) -> tuple[list[Evaluator], list[tuple[str, PartyRulesError]]]:
        """The candidates for ``period``: an id's only rule set whatever its dates (scoring it outside them
        says so, as it always has), or the one of its versions in force; and, for an id with several versions
        of which none (or more than one) is in force, its subject kind and the error that names them."""
        hit = self._by_period.get(str(period))
        if hit is not None:
            return hit
        of = {id(ev.ruleset): ev for ev in self.evaluators}
        evs: list[Evaluator] = []
        errors: list[tuple[str, PartyRulesError]] = []
        for rid, versions in by_id(ev.ruleset for ev in self.evaluators).items():
            if len(versions) == 1:
                evs.append(of[id(versions[0])])
                continue
            try:
                evs.append(of[id(in_force(versions, rid, period))])
            except PartyRulesError as exc:
                errors.append((versions[0].subject_kind, exc))
        self._by_period[str(period)] = (evs, errors)
        return evs, errors

    def evaluator_for(self, facts: SubjectFacts, period: Period) -> Evaluator:
        kind = str(type(facts).subject_kind)
        subject = getattr(facts, kind, None)
        key = (str(period), kind, str(getattr(subject, "category", getattr(subject, "branch_type", ""))))
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        candidates, not_in_force = self.in_force(period)
        last: PartyRulesError | None = None
        # probed with the facts as the period sees them: the whole bundle could fail on something the period
        # leaves out (an annual evaluation of another year), and then only the first subject of its category
        # to be probed would fail, by its place in the population
        seen = facts_for_period(facts, period)
        for ev in candidates:
            if ev.ruleset.subject_kind != kind:
                continue
            try:
                ev.evaluate(seen, period)
            except NotApplicableError as exc:
                last = exc
                continue
            self._memo[key] = ev
            return ev
        # an index with no version in force may be the one the subject needs: say so rather than "none applies"
        mine = [exc for of_kind, exc in not_in_force if of_kind == kind]
        raise (mine[0] if mine else None) or last or NotApplicableError(
            f"no rule set scores {kind}s like {facts.subject_id}", hint=f"pass a {kind} rule set")


def choose_ruleset(facts: SubjectFacts, rulesets: Iterable[RuleSet], period: Period | str,
                   params: Mapping[str, Mapping[str, Any]] | None = None) -> RuleSet:
    """The rule set that scores ``facts`` for ``period``, among ``rulesets`` of several kinds and categories.

    The first rule set of the subject's kind whose ``applies_to`` holds for the facts as the period sees them is
    chosen (a member in service gets the in-service index, a retired member the retired one); ``params`` maps a
    rule set's id to its parameter overrides. Raises :class:`NotApplicableError` when none applies.
    To choose for many subjects, keep one :class:`RuleSetChooser`: it remembers the choice per kind and category.
    """
    when = Period.parse(period) if isinstance(period, str) else period
    return RuleSetChooser(rulesets, params).evaluator_for(facts, when).ruleset


def score_subject_year(evaluator: Evaluator, facts: SubjectFacts, year: int) -> SubjectYear:
    """The four quarterly breakdowns, the whole-year breakdown and the annual result of one subject."""
    qs = [evaluator.evaluate(facts_for_period(facts, q), q) for q in quarters(year)]
    whole = Period.year(year)
    yb = evaluator.evaluate(facts_for_period(facts, whole), whole)
    return SubjectYear(facts, evaluator.ruleset, qs, yb, compose(evaluator.ruleset, facts, year, qs, yb))


@dataclass
class ScoredYear:
    results: list[AnnualResult] = field(default_factory=list)  # in population order, without the failures
    failures: list[Failure] = field(default_factory=list)
    # only when the breakdowns are kept: a list as scored, or made on demand (cycle.tabled.LazySubjectYears)
    subjects: Sequence[SubjectYear] = field(default_factory=list)


# What forked workers score: set just before the fork, so the children inherit the compiled rule sets and the
# population instead of receiving them pickled (compiled expressions are closures, which do not pickle).
_FORKED: tuple[RuleSetChooser, int, Sequence[SubjectFacts]] | None = None


def _score_one(chooser: RuleSetChooser, facts: SubjectFacts, year: int) -> SubjectYear:
    return score_subject_year(chooser.evaluator_for(facts, Period.year(year)), facts, year)


def _score_slice(bounds: tuple[int, int]) -> list[tuple[int, AnnualResult | None, Failure | None]]:
    assert _FORKED is not None
    chooser, year, population = _FORKED
    out: list[tuple[int, AnnualResult | None, Failure | None]] = []
    for i in range(*bounds):
        facts = population[i]
        try:
            out.append((i, _score_one(chooser, facts, year).result, None))
        except PartyRulesError as exc:
            out.append((i, None, Failure(i, getattr(facts, "subject_id", None), exc)))
    return out


def _worker_count(workers: int | None, n: int) -> int:
    if workers is None or workers <= 1 or n < 200 or sys.platform != "linux":
        return 1  # forking is cheap and safe only on Linux; small populations are faster in-process
    return min(workers, os.cpu_count() or 1)


def score_year(population: Iterable[SubjectFacts], rulesets: Iterable[RuleSet], year: int,
               params: Mapping[str, Mapping[str, Any]] | None = None, *, workers: int | None = None,
               keep_breakdowns: bool = True) -> ScoredYear:
    """Score every subject's year; a subject that cannot be scored is reported and the others are still scored.

    With ``workers`` > 1 (on Linux, for populations of 200 or more) the subjects are scored in forked processes and
    only the annual results come back: ``subjects`` (the breakdowns) is then empty, whatever ``keep_breakdowns``.
    The results are identical either way, in population order.
    """
    global _FORKED
    people = list(population)
    chooser = RuleSetChooser(rulesets, params)
    out = ScoredYear()
    n = _worker_count(workers, len(people))
    if n == 1:
        kept: list[SubjectYear] = []
        out.subjects = kept
        for i, facts in enumerate(people):
            try:
                sy = _score_one(chooser, facts, year)
            except PartyRulesError as exc:
                out.failures.append(Failure(i, getattr(facts, "subject_id", None), exc))
                continue
            out.results.append(sy.result)
            if keep_breakdowns:
                kept.append(sy)
        return out
    slices = 8 * n  # several slices per worker, so one slow slice does not leave a core idle
    bounds = [(k * len(people) // slices, (k + 1) * len(people) // slices) for k in range(slices)]
    _FORKED = (chooser, year, people)
    try:
        with multiprocessing.get_context("fork").Pool(n) as pool:
            parts = pool.map(_score_slice, bounds)
    finally:
        _FORKED = None
    for part in parts:
        for _, result, failure in part:
            if failure is not None:
                out.failures.append(failure)
            elif result is not None:
                out.results.append(result)
    return out
