"""Property checks of a rule set over generated facts: the library behind ``partyrules check``.

Each property is checked in its own hypothesis run, so every failing property is reported, each with its own
shrunk example. Hypothesis replays the minimal failing example last; the exception of that replay carries the
facts and what the property demanded, which become a ready-to-paste YAML test case.

Which properties a rule set can break: only ``monotone`` (a declaration that is false). The others (bounds,
caps, floors, veto dominance, determinism, backend agreement) are guaranteed by the scorer and the backends for
every rule set, so a failure there is a bug in partyrules; they are checked because a rule set may be the first
to reach such a bug.
"""

from __future__ import annotations

import random
import time
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from annotated_types import Le
from hypothesis import HealthCheck, Verbosity, assume, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from ..errors import PropertyViolation
from ..evaluate.evaluator import Evaluator
from ..evaluate.reference import ReferenceEvaluator
from ..periods import Period
from ..results import ScoreBreakdown
from ..rulesets.model import RuleSet
from .cases import case_for, case_yaml, expect_from
from .strategies import facts_for

TOLERANCE = 1e-9
BUMPS = (0.5, 1, 3, 50, 10**6)


@dataclass
class PropertyResult:
    """The outcome of one property: ``message`` and ``cases`` (the shrunk example) when it failed."""

    name: str
    description: str
    library_only: bool  # only a bug in partyrules can make it fail
    passed: bool
    examples: int
    seconds: float
    message: str | None = None
    cases: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None  # an unexpected exception, not a property failure
    skipped: str | None = None  # why the property has nothing to check in this rule set (it then passes)

    @property
    def case_yaml(self) -> str:
        return case_yaml(self.cases) if self.cases else ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "library_only": self.library_only,
                "passed": self.passed, "examples": self.examples, "seconds": round(self.seconds, 3),
                "message": self.message, "error": self.error, "cases": self.cases, "skipped": self.skipped}


@dataclass
class CheckReport:
    """The results of every property for one rule set."""

    ruleset_id: str
    file: str | None
    results: list[PropertyResult]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def failed(self) -> list[PropertyResult]:
        return [r for r in self.results if not r.passed]

    def to_dict(self) -> dict[str, Any]:
        return {"ruleset": self.ruleset_id, "file": self.file, "passed": self.passed,
                "properties": [r.to_dict() for r in self.results]}


# -- the checker -------------------------------------------------------------------------------------------------
class _Checker:
    def __init__(self, ruleset: RuleSet, period: Period) -> None:
        self.rs = ruleset
        self.period = period
        self.engine = Evaluator(ruleset)
        self.reference = ReferenceEvaluator(ruleset)
        self.vector: Any = None
        try:  # the vectorised backend needs the analysis extra; without it, two backends are compared
            from ..evaluate.vector import VectorEvaluator

            self.vector = VectorEvaluator(ruleset)
        except ImportError:
            pass

    def fail(self, facts: Any, message: str, expect: dict[str, Any], name: str) -> PropertyViolation:
        case = case_for(facts, self.period, name=f"check {name}: {message}"[:200], expect=expect,
                        description=f"partyrules check: {message}")
        return PropertyViolation(message, [case])

    def score(self, facts: Any) -> ScoreBreakdown:
        # the fast path; backend agreement checks it against the engine
        return self.reference.evaluate(facts, self.period)

    # -- properties ------------------------------------------------------------------------------------------
    def bounds(self, facts: Any, data: st.DataObject) -> None:
        b = self.score(facts)
        for d in b.dimensions:
            if not -TOLERANCE <= d.subtotal <= d.max + TOLERANCE:
                want = min(d.max, max(0.0, d.subtotal))
                raise self.fail(facts, f"dimension {d.id} subtotal {d.subtotal} outside [0, {d.max}]",
                                {"dimensions": {d.id: want}}, "bounds")
        if not -TOLERANCE <= b.total <= b.max_points + TOLERANCE:
            want = min(b.max_points, max(0.0, b.total))
            raise self.fail(facts, f"total {b.total} outside [0, {b.max_points}]", {"total": want}, "bounds")

    def caps(self, facts: Any, data: st.DataObject) -> None:
        b = self.score(facts)
        caps = {k.id: float(k.spec.cap) for k in self.rs.deductions}
        points = {s.id: float(s.spec.points) for s in self.rs.standards}
        for ln in b.lines:
            if ln.kind == "deduction" and -ln.points > caps[ln.rule_id] + TOLERANCE:
                raise self.fail(facts, f"deduction {ln.rule_id} takes {-ln.points}, beyond its cap "
                                f"{caps[ln.rule_id]}", {"lines": {ln.rule_id: -caps[ln.rule_id]}}, "caps")
            if ln.kind == "standard" and not -TOLERANCE <= ln.points <= points[ln.rule_id] + TOLERANCE:
                want = min(points[ln.rule_id], max(0.0, ln.points))
                raise self.fail(facts, f"standard {ln.rule_id} earns {ln.points}, outside [0, "
                                f"{points[ln.rule_id]}]", {"lines": {ln.rule_id: want}}, "caps")

    def floors(self, facts: Any, data: st.DataObject) -> None:
        b = self.score(facts)
        for d in b.dimensions:
            if d.subtotal < -TOLERANCE or d.deducted > d.earned + TOLERANCE:
                raise self.fail(facts, f"dimension {d.id} goes below 0 (earned {d.earned}, deducted {d.deducted}, "
                                f"subtotal {d.subtotal})", {"dimensions": {d.id: max(0.0, d.subtotal)}}, "floors")

    def veto_dominance(self, facts: Any, data: st.DataObject) -> None:
        b = self.score(facts)
        if not b.vetoes:
            return
        lowest = self.rs.lowest_grade.id
        if b.grade.id != lowest:
            raise self.fail(facts, f"vetoed by {', '.join(v.rule_id for v in b.vetoes)} but graded {b.grade.id}, "
                            f"not the lowest grade {lowest}", {"grade": lowest}, "veto_dominance")
        if self.rs.spec.veto_effect == "zero_total" and b.total != 0:
            raise self.fail(facts, f"vetoed under veto_effect zero_total but the total is {b.total}",
                            {"total": 0}, "veto_dominance")

    def monotone(self, facts: Any, data: st.DataObject) -> None:
        spec = self.rs.spec.monotone
        declared = [(p, 1) for p in spec.increasing] + [(p, -1) for p in spec.decreasing] if spec else []
        assume(declared)
        path, direction = data.draw(st.sampled_from(declared), label="field")
        more = _raised(facts, path, data)
        assume(more is not None)
        before, after = self.score(facts), self.score(more)
        worse = after.total < before.total - TOLERANCE if direction > 0 else after.total > before.total + TOLERANCE
        if worse:
            word = "lowers" if direction > 0 else "raises"
            message = (f"raising {path} {word} the total from {before.total} to {after.total} "
                       f"(declared monotone {'increasing' if direction > 0 else 'decreasing'})")
            raise PropertyViolation(message, [
                case_for(facts, self.period, name=f"check monotone {path}: before", expect={"total": before.total},
                         description="the facts before raising the field; this case passes"),
                case_for(more, self.period, name=f"check monotone {path}: after raising it",
                         expect={"total": before.total},
                         description=f"partyrules check: {message}; the declaration says the total stays "
                                     f"{'at least' if direction > 0 else 'at most'} {before.total}"),
            ])

    def determinism(self, facts: Any, data: st.DataObject) -> None:
        first = self.engine.evaluate(facts, self.period)
        text = first.to_json()
        again = self.engine.evaluate(facts, self.period).to_json()
        shuffled = _shuffled(facts, data.draw(st.integers(0, 2**32 - 1), label="shuffle seed"))
        other = self.engine.evaluate(shuffled, self.period).to_json()
        for label, got in (("evaluating the same facts again", again), ("shuffling records and incidents", other)):
            if got != text:
                raise self.fail(facts, f"{label} changes the breakdown's JSON", expect_from(first), "determinism")

    def backend_agreement(self, facts: Any, data: st.DataObject) -> None:
        engine = self.engine.evaluate(facts, self.period)
        reference = self.reference.evaluate(facts, self.period)
        if engine.to_json() != reference.to_json():
            raise self.fail(facts, f"the durable-rules backend and the reference backend disagree: "
                            f"{_first_difference(engine, reference)}", expect_from(reference), "backend_agreement")
        if self.vector is not None:
            from ..population.frames import facts_to_population
            from ..score.table import breakdown_row

            scores = self.vector.score(facts_to_population([facts]), self.period)
            want = breakdown_row(engine, self.rs)
            got = scores.frame.row(0, named=True) if len(scores) == 1 else {}
            diff = next((k for k in want if got.get(k) != want[k]), None)
            if diff is not None:
                raise self.fail(facts, f"the durable-rules backend and the vectorised backend disagree: {diff}: "
                                f"{want[diff]} vs {got.get(diff, 'not scored')}", expect_from(engine),
                                "backend_agreement")


PROPERTIES: dict[str, tuple[str, bool]] = {
    "bounds": ("0 <= each dimension subtotal <= its max; 0 <= total <= max_points", True),
    "caps": ("no deduction takes more than its cap; no standard earns more than its points", True),
    "floors": ("deductions never take a dimension below 0", True),
    "veto_dominance": ("any veto gives the lowest grade (and a zero total under veto_effect zero_total)", True),
    "monotone": ("raising a field declared under monotone never lowers (increasing) or raises (decreasing) the "
                 "total", False),
    "determinism": ("the same facts, evaluated twice or with records and incidents shuffled, give identical JSON",
                    True),
    "backend_agreement": ("the durable-rules and reference backends give identical JSON, and the vectorised "
                          "backend (with the analysis extra) the same points, subtotals, total, grade and vetoes",
                          True),
}


def check_ruleset(ruleset: RuleSet, *, max_examples: int = 100, seed: int | None = None,
                  period: Period | str = "2026", properties: list[str] | None = None,
                  file: str | None = None) -> CheckReport:
    """Check every property of a rule set over generated facts; report each property's result.

    Derandomised unless ``seed`` is given, so a run is reproducible; no hypothesis database is written.
    """
    period = Period.parse(period) if isinstance(period, str) else period
    checker = _Checker(ruleset, period)
    strategy = facts_for(ruleset, period=period)
    results = []
    for name in properties or list(PROPERTIES):
        description, library_only = PROPERTIES[name]
        spec = ruleset.spec.monotone
        if name == "monotone" and not (spec and (spec.increasing or spec.decreasing)):
            # a promise nobody made cannot be broken: drawing examples for it could only fail to find any
            results.append(PropertyResult(name, description, library_only, True, 0, 0.0,
                                          skipped="the rule set declares no monotone field"))
            continue
        results.append(_run(name, description, library_only, getattr(checker, name), strategy, max_examples,
                            seed))
    return CheckReport(ruleset.id, file, results)


def _run(name: str, description: str, library_only: bool, prop: Callable[[Any, st.DataObject], None],
         strategy: st.SearchStrategy[Any], max_examples: int, seed_value: int | None) -> PropertyResult:
    count = 0

    def body(facts: Any, data: st.DataObject) -> None:
        nonlocal count
        count += 1
        prop(facts, data)

    test = settings(max_examples=max_examples, derandomize=seed_value is None, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck), report_multiple_bugs=False, print_blob=False,
                    verbosity=Verbosity.quiet)(given(strategy, st.data())(body))
    if seed_value is not None:
        test = hypothesis_seed(seed_value)(test)
    started = time.perf_counter()
    try:
        test()
    except PropertyViolation as exc:  # raised by the final replay of the shrunk example
        return PropertyResult(name, description, library_only, False, count, time.perf_counter() - started,
                              exc.message, exc.cases)
    except Exception as exc:  # a crash is a failure of the property too, reported with its type
        return PropertyResult(name, description, library_only, False, count, time.perf_counter() - started,
                              f"{type(exc).__name__}: {exc}", error=type(exc).__name__)
    return PropertyResult(name, description, library_only, True, count, time.perf_counter() - started)


# -- helpers -----------------------------------------------------------------------------------------------------
def _first_difference(a: ScoreBreakdown, b: ScoreBreakdown) -> str:
    da, db = a.model_dump(mode="json"), b.model_dump(mode="json")
    for key in da:
        if da[key] != db[key]:
            return f"{key}: {str(da[key])[:200]} vs {str(db[key])[:200]}"
    return "the JSON text differs"


def _bump(value: Any, data: st.DataObject) -> Any:
    if isinstance(value, bool):
        return True if value is False else None
    if isinstance(value, int):
        return value + max(1, round(data.draw(st.sampled_from(BUMPS), label="bump")))
    if isinstance(value, float):
        return value + float(data.draw(st.sampled_from(BUMPS), label="bump"))
    return None


def _upper_bound(model: type[BaseModel], name: str) -> float | None:
    """The ``le`` bound of a numeric field, if any (e.g. 744 volunteering hours in a month)."""
    info = model.model_fields.get(name)
    if info is None:
        return None
    metadata = list(info.metadata)
    annotation = info.annotation
    while True:  # look inside Optional[...] and Annotated[...]
        args = typing.get_args(annotation)
        metadata += list(getattr(annotation, "__metadata__", ()))
        inner = [a for a in args if a is not type(None)]
        if not inner or annotation in (int, float):
            break
        annotation = inner[0]
    bounds = [m.le for m in metadata if isinstance(m, Le)]
    return float(cast(float, bounds[0])) if bounds else None  # annotated_types types Le.le as any comparable


def _with_path(model: BaseModel, path: list[str], data: st.DataObject) -> BaseModel | None:
    """``model`` with the field at ``path`` raised (at most to the field's maximum), or None."""
    head, rest = path[0], path[1:]
    current = getattr(model, head, None)
    if rest:
        if not isinstance(current, BaseModel):
            return None
        new = _with_path(current, rest, data)
        value: Any = None if new is None else new.model_dump()
    else:
        value = _bump(current, data)
        top = _upper_bound(type(model), head)
        if value is not None and top is not None and not isinstance(value, bool):
            value = type(value)(min(value, top))  # raised as far as the model allows
        if value is None or value == current:
            return None  # nothing to raise (a missing value, a flag already set, a number at its maximum)
    if value is None:
        return None
    try:
        return type(model).model_validate({**model.model_dump(), head: value})
    except ValidationError:
        return None  # raising it breaks a rule between fields (e.g. done above assigned): not a valid example


def _raised(facts: Any, path: str, data: st.DataObject) -> Any:
    """The facts with one declared field raised: in one record (``records.x``), the annual evaluation
    (``annual.x``) or the subject (``x``). None when there is nothing to raise."""
    parts = path.split(".")
    kind = str(type(facts).subject_kind)
    if parts[0] == "records":
        records = list(getattr(facts, "records", ()))
        if not records:
            return None
        i = data.draw(st.integers(0, len(records) - 1), label="record")
        new = _with_path(records[i], parts[1:], data)
        if new is None or new == records[i]:
            return None
        records[i] = new
        return _rebuilt(facts, records=tuple(records))
    if parts[0] == "annual":
        annual = getattr(facts, "annual", None)
        new = None if annual is None else _with_path(annual, parts[1:], data)
        return None if new is None else _rebuilt(facts, annual=new)
    subject = getattr(facts, kind)
    new = _with_path(subject, parts, data)
    return None if new is None else _rebuilt(facts, **{kind: new})


def _shuffled(facts: Any, seed_value: int) -> Any:
    rng = random.Random(seed_value)
    update: dict[str, Any] = {}
    for name in ("records", "incidents", "commendations", "grids"):
        items = list(getattr(facts, name, ()))
        if items:
            rng.shuffle(items)
            update[name] = tuple(items)
    return _rebuilt(facts, **update)


def _rebuilt(facts: Any, **changes: Any) -> Any:
    """A new bundle, validated (and so put in canonical order) like any bundle a user builds."""
    cls = type(facts)
    return cls(**{**{name: getattr(facts, name) for name in cls.model_fields}, **changes})


__all__ = ["PROPERTIES", "CheckReport", "PropertyResult", "PropertyViolation", "check_ruleset"]
