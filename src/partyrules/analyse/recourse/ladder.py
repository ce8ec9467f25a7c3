"""Moving actionable fields: the levels of one field for one subject (a ladder of steps, each costing the
same), and a subject's facts with several fields at given levels, validated and priced."""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from ...evaluate.context import subject_of
from ...facts import SubjectFacts
from ...rulesets.actionable import ActionableField
from ...rulesets.spec import ActionableSpec

_EPS = 1e-9


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


def _ladder(spec: ActionableSpec, where: ActionableField, facts: SubjectFacts,
            months: frozenset[str] | None = None) -> _Ladder | None:
    """``months``: only the records of these months may change, and no subject field (None: any)."""
    d = spec.direction
    records = tuple(getattr(facts, "records", ()))
    if months is not None and where.scope == "subject":
        return None
    if where.scope == "subject":
        current = _get(subject_of(facts), where.path)
        if current is None:
            return None
        if d == "set_true":
            return None if current is True else _Ladder(spec, where, 1, 1.0, 1.0)
    else:
        months_at = [i for i, r in enumerate(records) if _get(r, where.path) is not None
                     and (months is None or r.month in months)]
        if d == "set_true":
            order = tuple(i for i in months_at if _get(records[i], where.path) is False)
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
    values = {i: float(_get(records[i], where.path)) for i in months_at}
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

