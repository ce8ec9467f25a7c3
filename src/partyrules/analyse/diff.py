"""Compare two versions of a rule set over a population: who changes grade or total, and which rules are
responsible.

Each subject is evaluated once under each rule set. Its change of total is attributed to rules: the difference
of each line's points between the two breakdowns (a rule present on one side only counts fully), plus two
effects that are not lines of their own, so that the attribution always adds up to the change of total:

- ``<dimension>:max``: the points a dimension's maximum took off the sum of its lines (when its standards can
  earn more than the dimension's maximum);
- a veto under ``veto_effect: zero_total``: the points it took by zeroing the total (given to the first veto
  in id order when several fire).

A veto that only forces the lowest grade moves no points; it shows in ``vetoes_added``/``vetoes_removed``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..errors import NotApplicableError, PartyRulesError
from ..evaluate.evaluator import Evaluator, Failure
from ..facts import SubjectFacts
from ..periods import Period
from ..results import ScoreBreakdown
from ..rulesets.model import RuleSet

EPSILON = 1e-6
NOT_APPLICABLE = "n/a"  # the grade of a subject a rule set does not apply to
_TINY = 1e-9  # below this a difference of points is float noise (points are rounded to 1e-6)


def _r(x: float) -> float:
    v = round(x, 6)
    return 0.0 if v == 0 else v


@dataclass(frozen=True)
class RuleDelta:
    """One rule's points for one subject under the old and the new rule set."""

    rule_id: str
    old: float
    new: float

    @property
    def delta(self) -> float:
        return self.new - self.old

    def to_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "old": _r(self.old), "new": _r(self.new), "delta": _r(self.delta)}


@dataclass(frozen=True)
class SubjectChange:
    """A subject whose grade, total or vetoes differ between the two rule sets, and the rules responsible
    (largest absolute change first). A total or grade is ``None`` when that rule set does not apply."""

    subject_id: str
    old_total: float | None
    new_total: float | None
    old_grade: str | None
    new_grade: str | None
    rules: tuple[RuleDelta, ...]
    vetoes_added: tuple[str, ...] = ()
    vetoes_removed: tuple[str, ...] = ()

    @property
    def total_delta(self) -> float:
        return (self.new_total or 0.0) - (self.old_total or 0.0)

    @property
    def grade_changed(self) -> bool:
        return self.old_grade != self.new_grade

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject_id": self.subject_id,
            "old_total": None if self.old_total is None else _r(self.old_total),
            "new_total": None if self.new_total is None else _r(self.new_total),
            "total_delta": _r(self.total_delta),
            "old_grade": self.old_grade or NOT_APPLICABLE,
            "new_grade": self.new_grade or NOT_APPLICABLE,
            "grade_changed": self.grade_changed,
            "vetoes_added": list(self.vetoes_added),
            "vetoes_removed": list(self.vetoes_removed),
            "rules": [d.to_dict() for d in self.rules],
        }


@dataclass
class RuleSummary:
    """One rule over the whole population: how many subjects it moved and by how many points in all."""

    rule_id: str
    subjects: int = 0
    net_points: float = 0.0
    abs_points: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "subjects": self.subjects, "net_points": _r(self.net_points),
                "abs_points": _r(self.abs_points)}


def _about(rs: RuleSet) -> dict[str, Any]:
    return {"id": rs.id, "version": rs.version, "content_hash": rs.content_hash, "subject": rs.subject_kind,
            "params": dict(rs.params)}


@dataclass
class RulesetDiff:
    """The result of :func:`diff_rulesets`.

    ``subjects`` counts those scored under at least one of the two rule sets (``not_applicable`` those under
    neither, ``failures`` those that could not be scored); ``transitions`` counts every scored subject by
    (old grade, new grade), unchanged ones included; ``changes`` holds the moved subjects by id; ``rules`` the
    per-rule summary over every scored subject.
    """

    old: dict[str, Any]
    new: dict[str, Any]
    period: str | None
    epsilon: float
    grades: list[str]
    subjects: int = 0
    not_applicable: int = 0
    grade_changed: int = 0
    total_changed: int = 0
    transitions: dict[tuple[str, str], int] = field(default_factory=dict)
    changes: list[SubjectChange] = field(default_factory=list)
    rules: dict[str, RuleSummary] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)

    @property
    def moved_share(self) -> float:
        """The share of scored subjects whose grade changed (0 when none was scored)."""
        return self.grade_changed / self.subjects if self.subjects else 0.0

    def transition_matrix(self) -> dict[str, dict[str, int]]:
        """``{old grade: {new grade: subjects}}`` over every grade of either rule set."""
        return {a: {b: self.transitions.get((a, b), 0) for b in self.grades} for a in self.grades}

    def rule_summary(self) -> list[RuleSummary]:
        """The per-rule summary, largest absolute points moved first."""
        return sorted(self.rules.values(), key=lambda s: (-round(s.abs_points, 6), s.rule_id))

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "period": self.period,
            "epsilon": self.epsilon,
            "subjects": self.subjects,
            "not_applicable": self.not_applicable,
            "failed": len(self.failures),
            "grade_changed": self.grade_changed,
            "total_changed": self.total_changed,
            "moved": len(self.changes),
            "moved_share": _r(self.moved_share),
            "grades": self.grades,
            "transitions": self.transition_matrix(),
            "rules": [s.to_dict() for s in sorted(self.rules.values(), key=lambda s: s.rule_id)],
            "changes": [c.to_dict() for c in sorted(self.changes, key=lambda c: c.subject_id)],
            "failures": [{"index": f.index, "subject_id": f.subject_id, "code": f.error.code,
                          "error": str(f.error)} for f in self.failures],
        }

    def to_json(self, *, indent: int | None = None) -> str:
        """Canonical JSON: keys sorted, floats rounded to 1e-6, subjects and rules by id."""
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, indent=indent)


def contributions(b: ScoreBreakdown) -> dict[str, float]:
    """The points each rule (and each bounding effect, see the module docstring) gave to ``b.total``.

    They add up to ``b.total`` (to within the breakdown's rounding).
    """
    out: dict[str, float] = {}
    by_dimension: dict[str | None, float] = {}
    for ln in b.lines:
        if ln.points != 0:
            out[ln.rule_id] = ln.points
            by_dimension[ln.dimension] = by_dimension.get(ln.dimension, 0.0) + ln.points
    for d in b.dimensions:
        bound = d.subtotal - by_dimension.get(d.id, 0.0)
        if abs(bound) > EPSILON:
            out[f"{d.id}:max"] = bound
    zeroed = b.total - sum(d.subtotal for d in b.dimensions)
    if b.vetoes and abs(zeroed) > EPSILON:
        first = min(v.rule_id for v in b.vetoes)
        out[first] = out.get(first, 0.0) + zeroed
    return out


def attribute(old: ScoreBreakdown | None, new: ScoreBreakdown | None) -> list[RuleDelta]:
    """Each rule's change of points from ``old`` to ``new`` (``None``: the rule set does not apply), largest
    absolute change first; the changes add up to the change of total."""
    a = contributions(old) if old is not None else {}
    b = contributions(new) if new is not None else {}
    deltas = [RuleDelta(k, a.get(k, 0.0), b.get(k, 0.0)) for k in a.keys() | b.keys()]
    return sorted((d for d in deltas if abs(d.delta) > _TINY), key=lambda d: (-round(abs(d.delta), 6), d.rule_id))


def _evaluate(ev: Evaluator, facts: SubjectFacts, period: Period | str | None
              ) -> tuple[ScoreBreakdown | None, PartyRulesError | None]:
    try:
        return ev.evaluate(facts, period), None
    except NotApplicableError:
        return None, None
    except PartyRulesError as exc:
        return None, exc


def _grades(old: RuleSet, new: RuleSet) -> list[str]:
    out = [g.id for g in old.grades]
    out += [g.id for g in new.grades if g.id not in out]
    return [*out, NOT_APPLICABLE]


def diff_rulesets(
    old: RuleSet,
    new: RuleSet,
    population: Iterable[SubjectFacts],
    period: Period | str | None = None,
    *,
    epsilon: float = EPSILON,
) -> RulesetDiff:
    """Evaluate every subject of ``population`` once under ``old`` and once under ``new`` and compare.

    A subject that cannot be scored under either is reported in ``failures`` (like
    :meth:`Evaluator.evaluate_many`) and the others are still compared; a subject neither rule set applies to
    is only counted. ``epsilon`` is the change of total below which a total counts as unchanged. Parameter
    changes are new rule sets: ``load_ruleset(path, params=...)`` or ``RuleSet.with_params(...)``.
    """
    if old.subject_kind != new.subject_kind:
        raise PartyRulesError(f"cannot compare a {old.subject_kind} rule set ({old.id}) with a {new.subject_kind} "
                              f"rule set ({new.id})", hint="compare two versions of the same index")
    ev_old, ev_new = Evaluator(old), Evaluator(new)
    diff = RulesetDiff(_about(ev_old.ruleset), _about(ev_new.ruleset), None if period is None else str(period),
                       epsilon, _grades(old, new))
    for index, facts in enumerate(population):
        b_old, err_old = _evaluate(ev_old, facts, period)
        b_new, err_new = _evaluate(ev_new, facts, period)
        error = err_old or err_new
        if error is not None:
            diff.failures.append(Failure(index, getattr(facts, "subject_id", None), error))
            continue
        if b_old is None and b_new is None:
            diff.not_applicable += 1
            continue
        _compare(diff, facts.subject_id, b_old, b_new)
    return diff


def _compare(diff: RulesetDiff, subject_id: str, b_old: ScoreBreakdown | None, b_new: ScoreBreakdown | None) -> None:
    diff.subjects += 1
    g_old = b_old.grade.id if b_old is not None else NOT_APPLICABLE
    g_new = b_new.grade.id if b_new is not None else NOT_APPLICABLE
    diff.transitions[(g_old, g_new)] = diff.transitions.get((g_old, g_new), 0) + 1
    deltas = attribute(b_old, b_new)
    for d in deltas:
        s = diff.rules.get(d.rule_id)
        if s is None:
            s = diff.rules[d.rule_id] = RuleSummary(d.rule_id)
        s.subjects += 1
        s.net_points += d.delta
        s.abs_points += abs(d.delta)
    t_old = b_old.total if b_old is not None else None
    t_new = b_new.total if b_new is not None else None
    v_old = {v.rule_id for v in b_old.vetoes} if b_old is not None else set()
    v_new = {v.rule_id for v in b_new.vetoes} if b_new is not None else set()
    grade_changed = g_old != g_new
    total_changed = (t_old is None) != (t_new is None) or abs((t_new or 0.0) - (t_old or 0.0)) > diff.epsilon
    diff.grade_changed += grade_changed
    diff.total_changed += total_changed
    if grade_changed or total_changed or v_old != v_new:
        diff.changes.append(SubjectChange(
            subject_id, t_old, t_new, None if b_old is None else g_old, None if b_new is None else g_new,
            tuple(deltas), tuple(sorted(v_new - v_old)), tuple(sorted(v_old - v_new))))
