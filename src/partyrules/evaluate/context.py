"""From a subject's fact bundle to the evaluation context and the engine's facts.

This is where fairness is enforced structurally: facts holding anything of another subject are refused (however
they were built), and only the subject's *own* incidents and commendations that are *verified* and fall *within
the period* are put in front of the rules. An unverified allegation, a relative's conduct or a lawful objection
is simply not a fact any rule can see.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from ..compile.durable import FactShape, Plan
from ..errors import EngineError, EvaluationError, FactError, NotInForceError
from ..facts import BranchFacts, CommunityFacts, MemberFacts, SubjectFacts, check_own_conduct
from ..facts.base import MAX_TEXT
from ..lang.interp import Ctx, PeriodView
from ..lang.limits import MAX_MAGNITUDE, shown
from ..periods import Period
from ..rulesets.model import RuleSet

_SUBJECT_ATTR = {"member": "member", "branch": "branch", "community": "community"}


def subject_of(facts: SubjectFacts) -> Any:
    return getattr(facts, _SUBJECT_ATTR[str(type(facts).subject_kind)])


def default_period(facts: SubjectFacts) -> Period:
    """The calendar year of the records, when they all fall in one year."""
    if not isinstance(facts, (MemberFacts, BranchFacts, CommunityFacts)):
        raise EvaluationError(f"expected a subject's facts, got {type(facts).__name__}",
                              hint="read raw data with partyrules.parse_subject_facts")
    records = getattr(facts, "records", ())
    years = {int(r.month[:4]) for r in records}
    annual = getattr(facts, "annual", None)
    if annual is not None:
        years.add(annual.year)
    if len(years) == 1:
        return Period.year(years.pop())
    if not years:
        raise EvaluationError(f"no period given and {facts.subject_id} has no monthly records to infer it from",
                              hint="pass period=Period.year(2026) (or a quarter, or a month range)")
    raise EvaluationError(f"no period given and the records of {facts.subject_id} span the years "
                          f"{sorted(years)}", hint="pass period= explicitly")


def check_in_force(rs: RuleSet, period: Period) -> None:
    """Raise :class:`NotInForceError` when ``period`` is not within the rule set's ``effective`` dates: one error
    for the call, the same on every backend (no subject could be scored under it)."""
    eff = rs.spec.effective
    if eff is not None and (period.start_date < eff.from_ or (eff.until is not None and period.end_date > eff.until)):
        until = eff.until.isoformat() if eff.until else "open-ended"
        raise NotInForceError(f"rule set {rs.id} {rs.version} is effective {eff.from_.isoformat()} to {until}, "
                              f"which does not cover the period {period} / 规则集在该期间不适用",
                              hint="use the rule set in force for that period")


def build_context(plan: Plan, facts: SubjectFacts, period: Period) -> Ctx:
    rs = plan.ruleset
    if not isinstance(facts, (MemberFacts, BranchFacts, CommunityFacts)):
        raise EvaluationError(f"expected a subject's facts (MemberFacts, BranchFacts or CommunityFacts), got "
                              f"{type(facts).__name__}", hint="read raw data with partyrules.parse_subject_facts")
    # Every evaluation passes here: bundles made by model_copy or model_construct skipped the bundle's checks.
    check_own_conduct(facts)
    kind = str(type(facts).subject_kind)
    if kind != rs.subject_kind:
        raise EvaluationError(f"rule set {rs.id} scores {rs.subject_kind}s, but {facts.subject_id} is a {kind}",
                              hint=f"use a {kind} rule set")
    check_in_force(rs, period)
    subject = subject_of(facts)
    records = tuple(getattr(facts, "records", ()))
    first, last = str(period.start), str(period.end)  # YYYY-MM strings order like the months they name
    outside = [r.month for r in records if not first <= r.month <= last]
    if outside:
        raise EvaluationError(f"{facts.subject_id} has records outside the period {period}: {', '.join(outside)}",
                              hint="select the period's records first, or widen the period")
    annual = getattr(facts, "annual", None)
    if annual is not None and not (period.start.year <= annual.year <= period.end.year):
        raise EvaluationError(f"the annual evaluation of {facts.subject_id} is for {annual.year}, outside the "
                              f"period {period}", hint="pass the evaluation of the period's year")
    incidents = tuple(i for i in facts.incidents if i.verified and period.contains_date(i.occurred_on))
    commendations = tuple(c for c in facts.commendations if c.verified and period.contains_date(c.awarded_on))
    collections: dict[str, Any] = {"incidents": incidents, "commendations": commendations}
    if kind == "community":
        collections["grids"] = tuple(facts.grids)  # type: ignore[union-attr]
    else:
        collections["records"] = records
    for name, coll in rs.schema.collections.items():
        if coll.from_subject:
            collections[name] = tuple(getattr(subject, name))
    view = PeriodView(period.months, period.start_date, period.end_date)
    return Ctx(subject, collections, annual, view, evidence={})


def engine_number(v: float) -> str:
    """A float as JSON the engine reads exactly: its parser mis-reads exponent notation (1e-10, 5e-05), which
    Python's json writes for small and large floats, so those are written out in full."""
    text = repr(v)
    if "e" not in text and "E" not in text:
        return text
    full = format(Decimal(text), "f")
    return full if "." in full else full + ".0"


# what json.dumps(ensure_ascii=False) escapes in a string: a text without any is written as it is, in quotes
_ESCAPED = re.compile(r'["\\\x00-\x1f]')


def _json_value(v: Any) -> str:
    if v is True:
        return "true"
    if v is False:
        return "false"
    if type(v) is float:
        return engine_number(v)
    if type(v) is str and _ESCAPED.search(v) is None:  # most texts (keys, codes): no call into json
        return '"' + v + '"'
    return json.dumps(v, ensure_ascii=False)


def _checked(v: Any, shape: FactShape, name: str, derived: bool, key: str) -> str:
    """``v`` as engine JSON, after checking that the engine reads it exactly. It stops reading a batch of facts at
    a number it cannot parse (``inf``, ``nan``) or a text of 16 MiB, and keeps text lengths in 16 bits when it
    compares: the fact models bound every value far below that (docs/concepts.md, "Limits"); this catches facts
    made past the models' checks (``model_copy``, ``model_construct``). Hot: one call per value of every fact."""
    t = type(v)
    if t is bool:
        return "true" if v else "false"
    if t is float or t is int:
        if -MAX_MAGNITUDE <= v <= MAX_MAGNITUDE:  # false for nan
            return engine_number(v) if t is float else str(v)
        problem = f"the number {shown(v)} (numbers are finite and at most 2^53 in magnitude)"
    elif isinstance(v, str) and len(v) > MAX_TEXT:
        problem = f"a text of {len(v):,} characters (at most {MAX_TEXT:,})"
    else:
        return _json_value(v)
    what = "the subject" if shape.tag == "s" else f"item {key[:40]!r}"
    if derived:  # a value the rules computed: out-of-range results are none, so this would be our bug
        raise EngineError(f"a value computed for {what} cannot be given to the rule engine: {problem}")
    raise FactError(f"{what} holds a value the rules cannot read exactly: {problem} / 事实值超出可读范围",
                    [(name, problem, v[:40] + "..." if isinstance(v, str) else shown(v))],
                    hint="the fact models refuse such values; build facts with model_validate, not model_copy or "
                         "model_construct (docs/concepts.md, Limits)")


def fact_json(shape: FactShape, ctx: Ctx, item: Any, key: str) -> str:
    """One engine fact as JSON, without its session id (added per session). Field names are our own identifiers
    (letters, digits, underscores), so they are written without escaping. Every value is checked first: a value
    the engine cannot read exactly is a typed error, never a fact the engine silently loses."""
    parts = ['"t":"', shape.tag, '","k":', _checked(key, shape, "key", False, key)]
    for name, fn in shape.fields.items():
        parts += [',"', name, '":', _checked(fn(ctx, item), shape, name, False, key)]
    for name, fn in shape.derived.items():
        parts += [',"', name, '":', _checked(fn(ctx, item), shape, name, True, key)]
    return "{" + "".join(parts) + "}"


def engine_facts(plan: Plan, ctx: Ctx) -> tuple[str, dict[str, list[tuple[str, str]]]]:
    """The subject fact and, per list the rules fire on, (key, fact) for each item."""
    subject = fact_json(plan.subject, ctx, None, "s")
    schema = plan.ruleset.schema
    items: dict[str, list[tuple[str, str]]] = {}
    for source, shape in plan.items.items():
        keyfn = schema.collections[source].key
        items[source] = [(k, fact_json(shape, ctx, x, k)) for x in ctx.collections[source] for k in (keyfn(x),)]
    return subject, items
