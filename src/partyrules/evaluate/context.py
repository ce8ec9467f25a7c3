"""From a subject's fact bundle to the evaluation context and the engine's facts.

This is where fairness is enforced structurally: facts holding anything of another subject are refused (however
they were built), and only the subject's *own* incidents and commendations that are *verified* and fall *within
the period* are put in front of the rules. An unverified allegation, a relative's conduct or a lawful objection
is simply not a fact any rule can see.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from ..compile.durable import FactShape, Plan
from ..errors import EvaluationError
from ..facts import BranchFacts, CommunityFacts, MemberFacts, check_own_conduct
from ..lang.interp import Ctx, PeriodView
from ..periods import Period

SubjectFacts = MemberFacts | BranchFacts | CommunityFacts
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
    eff = rs.spec.effective
    if eff is not None and (period.start_date < eff.from_ or (eff.until is not None and period.end_date > eff.until)):
        until = eff.until.isoformat() if eff.until else "open-ended"
        raise EvaluationError(f"rule set {rs.id} {rs.version} is effective {eff.from_.isoformat()} to {until}, "
                              f"which does not cover the period {period}",
                              hint="use the rule set in force for that period")
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


def _json_value(v: Any) -> str:
    if v is True:
        return "true"
    if v is False:
        return "false"
    if type(v) is float:
        return engine_number(v)
    return json.dumps(v, ensure_ascii=False)


def fact_json(shape: FactShape, ctx: Ctx, item: Any, key: str) -> str:
    """One engine fact as JSON, without its session id (added per session). Field names are our own identifiers
    (letters, digits, underscores), so they are written without escaping."""
    parts = ['"t":"', shape.tag, '","k":', json.dumps(key, ensure_ascii=False)]
    for name, fn in shape.fields.items():
        parts += [',"', name, '":', _json_value(fn(ctx, item))]
    for name, fn in shape.derived.items():
        parts += [',"', name, '":', _json_value(fn(ctx, item))]
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
