"""Publishing a year run in the ledger: its quarterly scores and its annual results, each with the facts it was
computed from, where they can be objected to; and the annual result a publication reproduces."""

from __future__ import annotations

from ..errors import PartyRulesError
from ..evaluate.evaluator import Evaluator
from ..periods import Period
from ..rulesets.model import RuleSet
from .annual import AnnualResult
from .ledger import DEFAULT_SCOPE, Ledger, Publication
from .quarterly import facts_for_period, quarters
from .scoring import score_subject_year
from .year import YearResult


def publish_quarters(result: YearResult, ledger: Ledger, *, actor: str, quarter: int | None = None,
                     scope: str = "all") -> int:
    """Publish the quarterly scores of a year run (with the facts each was computed from) in the ledger, where they
    can be objected to; all of a quarter or the whole year in one transaction. Needs the breakdowns, so the year
    must have been run with ``keep_breakdowns=True`` (and, on the engine backend, one worker). Returns the number
    of scores published."""
    if not result.subject_years and (result.members or result.branches):
        raise PartyRulesError("this year was run without keeping its breakdowns, so there is nothing to publish",
                              hint="run_year(..., keep_breakdowns=True)")
    items = []
    for sy in result.subject_years:
        for q, b in zip(quarters(result.year), sy.quarters, strict=True):
            if quarter is None or str(q).endswith(f"Q{quarter}"):
                items.append((b, facts_for_period(sy.facts, q)))
    return len(ledger.publish_many(items, actor=actor, scope=scope))


def publish_annual(result: YearResult, ledger: Ledger, *, actor: str, scope: str = DEFAULT_SCOPE,
                   replace: bool = False) -> int:
    """Publish the annual results of a year run in the ledger, each as the score of the year (its whole-year
    breakdown and facts, the annual composite and grade in its event), all in one transaction. They are then
    objected to, investigated, upheld (with the corrected facts) or rejected, and finalised (``finalise(year)``,
    refused while an objection is open) exactly as quarterly scores are. Needs the breakdowns, as
    :func:`publish_quarters` does. Returns the number of results published."""
    if not result.subject_years and (result.members or result.branches):
        raise PartyRulesError("this year was run without keeping its breakdowns, so there is nothing to publish",
                              hint="run_year(..., keep_breakdowns=True)")
    final = {(r.subject_kind, r.subject_id): r for r in (*result.members, *result.branches)}
    whole = Period.year(result.year)
    items = []
    for sy in result.subject_years:
        annual = final.get((sy.result.subject_kind, sy.result.subject_id), sy.result)  # after the 优秀 quota
        if annual.year_breakdown_hash is None:  # scored as tables: the hashes are the breakdowns made now
            annual = annual.model_copy(update={"year_breakdown_hash": sy.result.year_breakdown_hash,
                                               "quarters": sy.result.quarters})
        items.append((sy.year, facts_for_period(sy.facts, whole), annual))
    return len(ledger.publish_annual(items, actor=actor, scope=scope, replace=replace))


def annual_result_of(publication: Publication, ruleset: RuleSet | Evaluator) -> AnnualResult:
    """The annual result computed from a published year's facts (e.g. the corrected publication of an upheld
    objection), with the rule set it was published with. It is the subject's own result, before the 优秀 quota
    of its branch, which only a year run over the whole branch applies."""
    ev = ruleset if isinstance(ruleset, Evaluator) else Evaluator(ruleset)
    if ev.ruleset.content_hash != publication.ruleset_hash:
        raise PartyRulesError(f"{publication.key.ref} was published with another rule set than "
                              f"{ev.ruleset.id} {ev.ruleset.version}",
                              hint="compute it with the rule set (and parameters) it was published with")
    if not publication.period.isdigit():
        raise PartyRulesError(f"{publication.key.ref} is not the score of a whole year",
                              hint="give the publication of an annual result (publish_annual)")
    return score_subject_year(ev, publication.facts, int(publication.period)).result
