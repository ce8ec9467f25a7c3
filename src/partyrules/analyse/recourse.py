"""Recourse: the smallest change to a subject's actionable fields that reaches the next grade.

The rule set declares under ``actionable:`` which fields a subject can act on, which way, how far and at what cost
(docs/recourse.md). :func:`recourse` searches, for one subject, the fewest fields (then the least total cost) whose
change lifts the grade to the next one up, or to a given target, and re-scores the changed facts so the result
is an ordinary explained breakdown: caps, dimension maxima and floors apply as they always do.

The search is bounded and deterministic:

- each field moves along a ladder of levels: a subject field by whole ``step`` s up to its bound; a record field is
  raised to *at least* a level in every month of the period that has a record (or lowered to *at most* one), so a
  level costs only what the months below it lack; a true/false record field is set in its first ``t`` months that
  are false;
- sets of fields are tried by increasing size up to ``max_changes``; a set is feasible exactly when all its
  fields at their bounds reach the target (one evaluation), given that more of an actionable field never lowers
  the score (declare it under ``monotone:``; the result is always re-scored, so a false declaration can cost
  minimality, never correctness);
- within a feasible set, each field's least level with the others at their bounds gives a lower bound of the
  set's cost (sets that cannot beat the best are skipped), and lowering the fields one after the other, in every
  order, by bisection gives the levels proposed.

A vetoed subject has no recourse by actionable fields: a veto comes from verified conduct, which only the appeal
(objection) process can change.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import EvaluationError
from ..evaluate.context import subject_of
from ..evaluate.reference import ReferenceEvaluator
from ..facts import SubjectFacts
from ..lang.check import suggest
from ..periods import Period
from ..results import ScoreBreakdown
from ..rulesets.actionable import ActionableField, actionable_fields
from ..rulesets.model import RuleSet
from ..rulesets.spec import ActionableSpec

__all__ = ["Change", "Recourse", "recourse"]

_EPS = 1e-9
_MAX_ORDERS = 6  # permutations tried when lowering a set's fields (all of them up to 3 fields)

# -- results -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    """One field changed: its value before and after (a record field: the period's total, or for a true/false
    field the number of months it is true), the months whose records change, and the cost."""

    field: str
    zh: str
    en: str
    direction: str
    before: float | bool
    after: float | bool
    months: tuple[str, ...]
    monthly: tuple[tuple[str, Any, Any], ...]  # (month, before, after) of each changed record
    cost: float


@dataclass(frozen=True)
class Recourse:
    """The smallest change that reaches ``target`` (a grade id), or why there is none.

    ``status`` is ``reached`` (``changes`` reach the target), ``already`` (the subject is at or above it),
    ``vetoed`` (``vetoed_by`` lists the vetoes; no actionable change lifts one), ``impossible`` (no set of at most
    ``max_changes`` fields reaches it: ``changes`` and ``after`` show the best total reachable) or
    ``no_actionable`` (no declared field can change for this subject).
    """

    subject_id: str
    ruleset_id: str
    ruleset_version: str
    period: str
    target: str
    target_at_least: float
    status: str
    changes: tuple[Change, ...]
    before: ScoreBreakdown
    after: ScoreBreakdown | None
    gains: dict[str, float] = field(default_factory=dict)
    vetoed_by: tuple[str, ...] = ()
    max_changes: int = 3
    target_zh: str = ""
    target_en: str = ""
    after_facts: Any = None  # the changed facts that ``after`` scores (None when nothing was changed or tried)

    @property
    def reached(self) -> bool:
        """Whether the subject is at the target with ``changes`` (true also when no change is needed)."""
        return self.status in ("reached", "already")

    @property
    def cost(self) -> float:
        return sum(c.cost for c in self.changes)

    @property
    def best_total(self) -> float:
        """The total after the changes (for ``impossible``: the best total reachable)."""
        return (self.after or self.before).total

    def to_text(self, lang: str = "zh") -> str:
        """The recourse in Chinese (``zh``) or English (``en``)."""
        return _render(self, lang)

    def __str__(self) -> str:
        return self.to_text("en")


# -- moving one field --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Ladder:
    """The levels of one actionable field for one subject: level 0 is the facts as they are, level ``top`` the
    field at its bound. A subject field moves by ``t`` steps. A record field moves one step at level each: the
    ``t``-th step goes to ``order[t - 1]``, the month lowest at that point (highest, for a decrease; the earliest
    among equals), so the months that lack most are helped first and every unit costs the same."""

    spec: ActionableSpec
    where: ActionableField
    top: int
    step: float
    bound: float
    order: tuple[int, ...] = ()  # records: the record index of each step


_MAX_STEPS = 20_000  # a ladder longer than this stops there (a step far smaller than the field's range)


def _get(model: Any, path: tuple[str, ...]) -> Any:
    for p in path:
        model = getattr(model, p)
    return model


def _set(model: BaseModel, path: tuple[str, ...], value: Any) -> BaseModel | None:
    """``model`` with the value at ``path`` replaced, validated; None when the model refuses it."""
    head = path[0]
    if len(path) > 1:
        inner = _set(getattr(model, head), path[1:], value)
        if inner is None:
            return None
        value = inner
    try:
        return type(model).model_validate({**dict(model), head: value})
    except ValidationError:
        return None


def _ladder(spec: ActionableSpec, where: ActionableField, facts: SubjectFacts) -> _Ladder | None:
    d = spec.direction
    records = tuple(getattr(facts, "records", ()))
    if where.scope == "subject":
        current = _get(subject_of(facts), where.path)
        if current is None:
            return None
        if d == "set_true":
            return None if current is True else _Ladder(spec, where, 1, 1.0, 1.0)
    else:
        months = [i for i, r in enumerate(records) if _get(r, where.path) is not None]
        if d == "set_true":
            order = tuple(i for i in months if _get(records[i], where.path) is False)
            return _Ladder(spec, where, len(order), 1.0, 1.0, order) if order else None
    step = float(spec.step) if spec.step is not None else 1.0
    up = d == "increase"
    if up:
        bound = float(spec.max if spec.max is not None else where.upper)  # type: ignore[arg-type]
    else:
        bound = float(spec.min if spec.min is not None else (where.lower or 0.0))
    if where.scope == "subject":
        span = (bound - current) if up else (current - bound)
        return _Ladder(spec, where, math.ceil(span / step - 1e-9), step, bound) if span > _EPS else None
    values = {i: float(_get(records[i], where.path)) for i in months}
    heap = [((v if up else -v), i) for i, v in values.items()
            if (v < bound - _EPS if up else v > bound + _EPS)]
    heapq.heapify(heap)
    steps: list[int] = []
    while heap and len(steps) < _MAX_STEPS:
        key, i = heapq.heappop(heap)
        steps.append(i)
        v = min(key + step, bound) if up else max(-key - step, bound)
        if (v < bound - _EPS) if up else (v > bound + _EPS):
            heapq.heappush(heap, ((v if up else -v), i))
    return _Ladder(spec, where, len(steps), step, bound, tuple(steps)) if steps else None


class _Mover:
    """Applies levels of several fields to a subject's facts, and prices them."""

    def __init__(self, facts: SubjectFacts, ladders: Sequence[_Ladder]) -> None:
        self.facts = facts
        self.ladders = ladders
        self.kind = str(type(facts).subject_kind)
        self._cache: dict[tuple[int, int, int], Any] = {}
        self._counts: dict[tuple[int, int], Counter[int]] = {}

    def steps(self, li: int, t: int) -> Counter[int]:
        """How many steps of field ``li`` each record takes at level ``t``."""
        key = (li, t)
        hit = self._counts.get(key)
        if hit is None:
            hit = self._counts[key] = Counter(self.ladders[li].order[:t])
        return hit

    def _record(self, li: int, ri: int, t: int) -> Any:
        """Record ``ri`` with field ``li`` at level ``t`` (unchanged when the record's own rules refuse it)."""
        key = (li, ri, t)
        hit = self._cache.get(key)
        if hit is None:
            lad = self.ladders[li]
            rec = self.facts.records[ri]  # type: ignore[union-attr]
            old = _get(rec, lad.where.path)
            new = self.new_value(li, old, t, ri)
            hit = rec if new == old else (_set(rec, lad.where.path, new) or rec)
            self._cache[key] = hit
        return hit

    def new_value(self, li: int, old: Any, t: int, ri: int) -> Any:
        """The value of field ``li`` at level ``t``: of the subject (``ri`` < 0) or of record ``ri``."""
        lad = self.ladders[li]
        d = lad.spec.direction
        if d == "set_true":
            return True if ri < 0 or self.steps(li, t)[ri] else old
        n = t if ri < 0 else self.steps(li, t)[ri]
        new = min(old + n * lad.step, lad.bound) if d == "increase" else max(old - n * lad.step, lad.bound)
        return round(new) if lad.where.integral else float(new)

    def apply(self, levels: dict[int, int]) -> SubjectFacts:
        """The facts with each field ``li`` at level ``levels[li]``, validated like any bundle a user builds."""
        facts = self.facts
        original = tuple(getattr(facts, "records", ()))
        records = list(original)
        subject = subject_of(facts)
        for li, t in sorted(levels.items()):
            if t == 0:
                continue
            lad = self.ladders[li]
            path = lad.where.path
            if lad.where.scope == "subject":
                new_value = self.new_value(li, _get(subject, path), t, -1)
                subject = _set(subject, path, new_value) or subject
                continue
            for ri in sorted(self.steps(li, t)):
                if records[ri] is original[ri]:
                    records[ri] = self._record(li, ri, t)  # the common case, cached
                else:  # a second field of the same record
                    new = self.new_value(li, _get(original[ri], path), t, ri)
                    if new != _get(records[ri], path):
                        records[ri] = _set(records[ri], path, new) or records[ri]
        update: dict[str, Any] = {}
        if any(a is not b for a, b in zip(records, original, strict=True)):
            update["records"] = tuple(records)
        if subject is not subject_of(facts):
            update[self.kind] = subject
        if not update:
            return facts
        cls = type(facts)
        return cls(**{**{n: getattr(facts, n) for n in cls.model_fields}, **update})

    def cost(self, levels: dict[int, int], facts: SubjectFacts) -> float:
        """The cost of the levels as applied: units changed times each field's cost."""
        total = 0.0
        for li, t in levels.items():
            if t:
                total += sum(abs(_num(b) - _num(a)) for _m, a, b in self.diff(li, facts)) * self.ladders[li].spec.cost
        return total

    def diff(self, li: int, facts: SubjectFacts) -> list[tuple[str, Any, Any]]:
        """(month or "", before, after) for each place field ``li`` differs between the original and ``facts``."""
        lad = self.ladders[li]
        if lad.where.scope == "subject":
            a, b = _get(subject_of(self.facts), lad.where.path), _get(subject_of(facts), lad.where.path)
            return [] if a == b else [("", a, b)]
        out = []
        for r0, r1 in zip(self.facts.records, facts.records, strict=True):  # type: ignore[union-attr]
            a, b = _get(r0, lad.where.path), _get(r1, lad.where.path)
            if a != b:
                out.append((r0.month, a, b))
        return out


def _num(v: Any) -> float:
    return float(v) if not isinstance(v, bool) else float(int(v))


# -- the search --------------------------------------------------------------------------------------------------
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
             max_changes: int = 3) -> Recourse:
    """The smallest set of changes to the rule set's actionable fields that lifts ``facts`` to the next grade up
    (or to ``target_grade``): fewest fields first, then least total cost.

    The changed facts are re-scored, so caps, dimension maxima, floors and vetoes apply as always; the result
    holds the breakdowns before and after, the points each rule gained and each change with its months. A vetoed
    subject has no recourse by actionable fields (``status == "vetoed"``). Deterministic.
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
    if before.vetoed:
        return Recourse(**common, status="vetoed", changes=(), after=None,
                        vetoed_by=tuple(v.rule_id for v in before.vetoes))
    if current <= target_index:
        return Recourse(**common, status="already", changes=(), after=before, after_facts=facts)
    known = actionable_fields(ruleset.subject_kind)
    ladders = [lad for spec in ruleset.spec.actionable or ()
               if (lad := _ladder(spec, known[spec.field], facts)) is not None]
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


# -- text --------------------------------------------------------------------------------------------------------
_WORDS = {
    "zh": {
        "head": "{sid} 在 {rs} {ver} 下的改进路径({period})",
        "now": "当前: {total:g} 分, {grade}",
        "target": "目标: {target}(至少 {need:g} 分)",
        "already": "已达到目标等次, 无需改变。",
        "vetoed": "已被一票否决({vetoes}): 改变可行动字段不能解除否决。否决来自已核实的行为记录, 只有申诉(异议)程序"
                  "才能改变已核实的事件。",
        "none": "本规则集没有可对该对象改变的可行动字段。",
        "reached": "以 {n} 项改变达到目标(成本 {cost:g}):",
        "impossible": "在最多 {n} 项改变内无法达到目标; 最多可达 {best:g} 分:",
        "after": "改变后: {total:g} 分, {grade}",
        "gains": "各规则得分变化: {gains}",
        "months": "{months} 各 {delta:+g}",
        "months_true": "{months} 设为“是”",
        "total": "期内合计 {a:g} → {b:g}",
        "true_months": "为“是”的月数 {a:g} → {b:g}",
    },
    "en": {
        "head": "Recourse for {sid} under {rs} {ver} ({period})",
        "now": "Now: {total:g} points, {grade}",
        "target": "Target: {target} (at least {need:g} points)",
        "already": "Already at the target grade: no change is needed.",
        "vetoed": "Vetoed ({vetoes}): no change to actionable fields lifts a veto. A veto comes from verified "
                  "conduct; only the appeal (objection) process can change a verified incident.",
        "none": "The rule set declares no actionable field that can change for this subject.",
        "reached": "Reached with {n} change(s) (cost {cost:g}):",
        "impossible": "The target cannot be reached with at most {n} change(s); the best reachable total is "
                      "{best:g}:",
        "after": "After: {total:g} points, {grade}",
        "gains": "Points per rule: {gains}",
        "months": "{delta:+g} in {months}",
        "months_true": "set in {months}",
        "total": "period total {a:g} -> {b:g}",
        "true_months": "months true {a:g} -> {b:g}",
    },
}


def _grade_name(b: ScoreBreakdown, lang: str) -> str:
    return b.grade.zh if lang == "zh" else b.grade.en


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    return f"{v:g}" if isinstance(v, (int, float)) else str(v)


def _render(r: Recourse, lang: str) -> str:
    if lang not in _WORDS:
        raise EvaluationError(f"unknown language {lang!r} for a recourse", hint="use 'zh' or 'en'")
    w = _WORDS[lang]
    out = [w["head"].format(sid=r.subject_id, rs=r.ruleset_id, ver=r.ruleset_version, period=r.period),
           w["now"].format(total=round(r.before.total, 6), grade=_grade_name(r.before, lang)),
           w["target"].format(target=r.target_zh if lang == "zh" else r.target_en, need=r.target_at_least)]
    if r.status == "already":
        return "\n".join([*out, w["already"]])
    if r.status == "vetoed":
        names = ", ".join(f"{v.rule_id} {v.zh if lang == 'zh' else v.en}" for v in r.before.vetoes)
        return "\n".join([*out, w["vetoed"].format(vetoes=names)])
    if r.status == "no_actionable":
        return "\n".join([*out, w["none"]])
    if r.status == "reached":
        out.append(w["reached"].format(n=len(r.changes), cost=round(r.cost, 6)))
    else:
        out.append(w["impossible"].format(n=r.max_changes, best=round(r.best_total, 6)))
    for c in r.changes:
        name = c.zh if lang == "zh" else c.en
        label = name if name == c.field else f"{name} ({c.field})"
        if not c.months:
            out.append(f"- {label}: {_fmt(c.before)} -> {_fmt(c.after)}")
            continue
        if c.direction == "set_true":
            how = w["months_true"].format(months=_month_ranges(c.months)) + "; " + \
                w["true_months"].format(a=c.before, b=c.after)
        else:
            by_delta: dict[float, list[str]] = {}
            for m, a, b in c.monthly:
                by_delta.setdefault(round(_num(b) - _num(a), 9), []).append(m)
            how = "; ".join(w["months"].format(delta=d, months=_month_ranges(ms)) for d, ms in by_delta.items())
            how += "; " + w["total"].format(a=c.before, b=c.after)
        out.append(f"- {label}: {how}")
    if r.after is not None:
        out.append(w["after"].format(total=round(r.after.total, 6), grade=_grade_name(r.after, lang)))
    if r.gains:
        out.append(w["gains"].format(gains=", ".join(f"{k} {v:+g}" for k, v in r.gains.items())))
    return "\n".join(out)


def _month_ranges(months: Sequence[str]) -> str:
    """``2026-01..2026-03, 2026-05``: consecutive months as ranges."""
    def index(m: str) -> int:
        return int(m[:4]) * 12 + int(m[5:7]) - 1

    runs: list[list[str]] = []
    for m in months:
        if runs and index(m) == index(runs[-1][-1]) + 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    return ", ".join(r[0] if len(r) == 1 else f"{r[0]}..{r[-1]}" for r in runs)
