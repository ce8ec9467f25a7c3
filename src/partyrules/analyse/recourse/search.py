"""The search for the smallest change that reaches a grade: sets of fields by increasing size, a feasible
set's levels lowered by bisection, the result re-scored."""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection
from typing import Any

from ...errors import EvaluationError
from ...evaluate.reference import ReferenceEvaluator
from ...facts import SubjectFacts
from ...lang.check import suggest
from ...periods import Period
from ...results import ScoreBreakdown
from ...rulesets.actionable import actionable_fields
from ...rulesets.model import RuleSet
from .ladder import _EPS, _get, _ladder, _Mover, _num
from .result import Change, Recourse

__all__ = ["recourse"]


_MAX_ORDERS = 6  # permutations tried when lowering a set's fields (all of them up to 3 fields)


class _Search:
    def __init__(self, ev: ReferenceEvaluator, mover: _Mover, period: Period, rank_needed: int) -> None:
        self.ev = ev
        self.mover = mover
        self.period = period
        self.rank_needed = rank_needed
        self.rank = {g.id: i for i, g in enumerate(ev.ruleset.grades)}
        self._scores: dict[tuple[tuple[int, int], ...], tuple[ScoreBreakdown, SubjectFacts]] = {}
        self.evaluations = 0
        self.floor: float | None = None

    def score(self, levels: dict[int, int]) -> tuple[ScoreBreakdown, SubjectFacts]:
        key = tuple(sorted((i, t) for i, t in levels.items() if t))
        hit = self._scores.get(key)
        if hit is None:
            facts = self.mover.apply(dict(key))
            self.evaluations += 1
            hit = self._scores[key] = (self.ev.evaluate(facts, self.period), facts)
        return hit

    def reaches(self, b: ScoreBreakdown) -> bool:
        if self.floor is not None:  # settling for the best total reachable
            return not b.vetoed and b.total >= self.floor - _EPS
        return not b.vetoed and self.rank[b.grade.id] <= self.rank_needed

    def ok(self, levels: dict[int, int]) -> bool:
        return self.reaches(self.score(levels)[0])

    def least(self, levels: dict[int, int], li: int) -> int:
        """The least level of field ``li`` that still reaches, the others as given (``levels[li]`` reaches)."""
        lo, hi = 0, levels[li]
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self.ok({**levels, li: mid}):
                hi = mid
            else:
                lo = mid
        return hi if not self.ok({**levels, li: lo}) else lo

    def cost(self, levels: dict[int, int]) -> float:
        return self.mover.cost(levels, self.score(levels)[1])

    def best_levels(self, combo: tuple[int, ...], best_cost: float) -> tuple[float, dict[int, int]] | None:
        tops = {li: self.mover.ladders[li].top for li in combo}
        firsts = {li: self.least(tops, li) for li in combo}
        bound = sum(self.cost({li: t}) for li, t in firsts.items())
        if bound > best_cost + _EPS:
            return None  # cannot beat the best set found
        found: tuple[float, dict[int, int]] | None = None
        for order in itertools.islice(itertools.permutations(combo), _MAX_ORDERS):
            levels = dict(tops)
            for li in order:
                levels[li] = self.least(levels, li)
            c = self.cost(levels)
            if found is None or c < found[0] - _EPS:
                found = (c, levels)
        return found


def recourse(ruleset: RuleSet, facts: SubjectFacts, period: Period | str, *, target_grade: str | None = None,
             max_changes: int = 3, months: Collection[str] | None = None) -> Recourse:
    """The smallest set of changes to the rule set's actionable fields that lifts ``facts`` to the next grade up
    (or to ``target_grade``): fewest fields first, then least total cost.

    The changed facts are re-scored, so caps, dimension maxima, floors and vetoes apply as always; the result
    holds the breakdowns before and after, the points each rule gained and each change with its months. A vetoed
    subject has no recourse by actionable fields (``status == "vetoed"``). Deterministic.

    ``months`` (``YYYY-MM``) restricts the changes to the records of those months (no subject field changes):
    what is left to do in the months still to come (:mod:`partyrules.analyse.outlook`). A subject vetoed by
    what those months hold is then searched too (a veto of verified conduct on file still has no recourse: no
    change reaches the target while it stands).
    """
    if not isinstance(max_changes, int) or isinstance(max_changes, bool) or max_changes < 1:
        raise EvaluationError(f"max_changes must be a whole number of at least 1, got {max_changes!r}",
                              hint="allow at least one change")
    period = Period.parse(period) if isinstance(period, str) else period
    ev = ReferenceEvaluator(ruleset)  # a view over the compiled rule set, which is cached once per rule set
    before = ev.evaluate(facts, period)
    grades = list(ruleset.grades)
    ids = [g.id for g in grades]
    current = ids.index(before.grade.id)
    if target_grade is None:
        target_index = max(current - 1, 0)
    elif target_grade in ids:
        target_index = ids.index(target_grade)
    else:
        raise EvaluationError(f"rule set {ruleset.id} has no grade {target_grade!r}",
                              hint=suggest(target_grade, ids) or "grades: " + ", ".join(ids))
    target = grades[target_index]
    common: dict[str, Any] = {
        "subject_id": facts.subject_id, "ruleset_id": ruleset.id, "ruleset_version": ruleset.version,
        "period": str(period), "target": target.id, "target_at_least": float(target.at_least),
        "before": before, "max_changes": max_changes, "target_zh": target.zh, "target_en": target.en,
    }
    if before.vetoed and months is None:  # with months, the veto may come from the months that can change
        return Recourse(**common, status="vetoed", changes=(), after=None,
                        vetoed_by=tuple(v.rule_id for v in before.vetoes))
    if current <= target_index:
        return Recourse(**common, status="already", changes=(), after=before, after_facts=facts)
    known = actionable_fields(ruleset.subject_kind)
    ladders = [lad for spec in ruleset.spec.actionable or ()
               if (lad := _ladder(spec, known[spec.field], facts,
                                  frozenset(months) if months is not None else None)) is not None]
    if not ladders:
        return Recourse(**common, status="no_actionable", changes=(), after=None)
    mover = _Mover(facts, ladders)
    search = _Search(ev, mover, period, target_index)
    fields = range(len(ladders))
    size_limit = min(max_changes, len(ladders))
    best_total: tuple[float, dict[int, int]] | None = None
    everything = {li: mover.ladders[li].top for li in fields}
    if not search.ok(everything) and len(ladders) <= max_changes:
        # more never lowers the score: if every field at its bound falls short, every smaller set does too
        return _best_reachable(common, search, everything)
    for size in range(1, size_limit + 1):
        chosen: tuple[float, dict[int, int]] | None = None
        for combo in itertools.combinations(fields, size):
            tops = {li: mover.ladders[li].top for li in combo}
            b = search.score(tops)[0]
            if best_total is None or b.total > best_total[0] + _EPS:
                best_total = (b.total, tops)
            if not search.reaches(b):
                continue
            found = search.best_levels(combo, chosen[0] if chosen is not None else math.inf)
            if found is not None and (chosen is None or found[0] < chosen[0] - _EPS):
                chosen = found
        if chosen is not None:
            return _result(common, "reached", search, chosen[1])
    assert best_total is not None
    return _best_reachable(common, search, best_total[1])


def _best_reachable(common: dict[str, Any], search: _Search, tops: dict[int, int]) -> Recourse:
    """The target is out of reach: the changes that give the best total reachable, each as small as keeps it."""
    search.floor = search.score(tops)[0].total
    levels = dict(tops)
    for li in sorted(tops):
        levels[li] = search.least(levels, li)
    return _result(common, "impossible", search, levels)


def _result(common: dict[str, Any], status: str, search: _Search, levels: dict[int, int]) -> Recourse:
    after, changed = search.score(levels)
    mover = search.mover
    changes = []
    for li in sorted(levels):
        if not levels[li]:
            continue
        lad = mover.ladders[li]
        diff = mover.diff(li, changed)
        if not diff:
            continue
        spec, where = lad.spec, lad.where
        if where.scope == "subject":
            before_v, after_v = diff[0][1], diff[0][2]
            months: tuple[str, ...] = ()
        else:
            recs0 = [_get(r, where.path) for r in mover.facts.records]  # type: ignore[union-attr]
            recs1 = [_get(r, where.path) for r in changed.records]  # type: ignore[union-attr]
            before_v, after_v = (float(sum(_num(v) for v in recs if v is not None)) for recs in (recs0, recs1))
            months = tuple(m for m, _a, _b in diff)
        units = sum(abs(_num(b) - _num(a)) for _m, a, b in diff)
        changes.append(Change(spec.field, spec.zh or spec.field, spec.en or spec.field, spec.direction, before_v,
                              after_v, months, tuple(diff) if where.scope == "records" else (),
                              round(units * spec.cost, 9)))
    before: ScoreBreakdown = common["before"]
    gains = _gains(before, after)
    return Recourse(**common, status=status, changes=tuple(changes), after=after, gains=gains, after_facts=changed)


def _gains(before: ScoreBreakdown, after: ScoreBreakdown) -> dict[str, float]:
    """Points gained (or lost) per rule: standards earn more, deductions take less."""
    b = {ln.rule_id: ln.points for ln in before.lines}
    a = {ln.rule_id: ln.points for ln in after.lines}
    out = {}
    for rule_id in sorted(set(a) | set(b)):
        d = round(a.get(rule_id, 0.0) - b.get(rule_id, 0.0), 6)
        if abs(d) > _EPS:
            out[rule_id] = d
    return out

