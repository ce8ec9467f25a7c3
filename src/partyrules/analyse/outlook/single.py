"""One subject's outlook: the two extreme completions and the one that keeps to what is asked scored, the rules that
decide between the extremes, the grades still reachable and, for a subject at risk, the recourse left in the
remaining months."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ...errors import OutlookError
from ...evaluate.reference import ReferenceEvaluator
from ...facts import SubjectFacts
from ...periods import Month, Period
from ...results import ScoreBreakdown
from ...rulesets.model import RuleSet
from ..recourse import Recourse, recourse
from .complete import Situation, candidates, completion, situation
from .domain import Domain, Plan, build_domain, model_plan
from .result import Decider, Outlook

__all__ = ["classify", "grades_between", "outlook", "threshold_grade"]


def threshold_grade(ruleset: RuleSet, grade: str | None = None) -> str:
    """The grade the early warning is about: ``grade``, else ``qualified`` (合格) when the rule set has it, else
    the second-lowest grade."""
    ids = [g.id for g in ruleset.grades]
    if grade is not None:
        if grade not in ids:
            raise OutlookError(f"rule set {ruleset.id} has no grade {grade!r}", hint="grades: " + ", ".join(ids))
        return grade
    return "qualified" if "qualified" in ids else ids[max(len(ids) - 2, 0)]


def _key(b: ScoreBreakdown) -> tuple[bool, float]:
    return (not b.vetoed, b.total)


def extremes(ev: ReferenceEvaluator, domain: Domain, sit: Situation, plan: Plan
             ) -> tuple[tuple[ScoreBreakdown, SubjectFacts], tuple[ScoreBreakdown, SubjectFacts]]:
    """(worst, best): each the candidate completion scored lowest (highest), with its facts."""
    period = Period.year(sit.as_of.year)
    out = []
    for side in ("worst", "best"):
        scored = []
        for cand in candidates(domain, sit, side):
            facts = completion(domain, sit, plan, cand)
            scored.append((ev.evaluate(facts, period), facts))
        pick = min if side == "worst" else max
        out.append(pick(scored, key=lambda bf: _key(bf[0])))
    return out[0], out[1]


def keeps(ev: ReferenceEvaluator, domain: Domain, sit: Situation, plan: Plan) -> tuple[ScoreBreakdown, SubjectFacts]:
    """The completion that keeps to what is asked (whatever the year-end evaluation: the lower of its candidates)."""
    period = Period.year(sit.as_of.year)
    scored = [(ev.evaluate(f, period), f) for f in (completion(domain, sit, plan, c)
                                                   for c in candidates(domain, sit, "keeps"))]
    return min(scored, key=lambda bf: _key(bf[0]))


def classify(low_ok: bool, keeps_ok: bool, high_ok: bool) -> str:
    """The status against a grade from whether the worst completion, the one keeping to what is asked and the best
    reach it: ``secure``, ``on_track`` (secure if the subject keeps to what is asked), ``at_risk`` (needs more than
    what is asked) or ``out_of_reach``."""
    if low_ok:
        return "secure"
    if keeps_ok:
        return "on_track"
    return "at_risk" if high_ok else "out_of_reach"


def deciders(low: ScoreBreakdown, high: ScoreBreakdown) -> tuple[Decider, ...]:
    """The rules whose points differ between the two completions, biggest difference first."""
    lo = {ln.rule_id: ln for ln in (*low.lines, *low.vetoes)}
    out = []
    for ln in (*high.lines, *high.vetoes):
        other = lo.get(ln.rule_id)
        p0 = other.points if other is not None else 0.0
        fired = (ln.kind == "veto", other is not None and other.kind == "veto")
        if abs(ln.points - p0) > 1e-9 or (fired[0] != fired[1]):
            out.append(Decider(ln.rule_id, ln.zh, ln.en, p0, ln.points))
    seen = {d.rule_id for d in out}
    for v in low.vetoes:  # a veto only the worst completion triggers
        if v.rule_id not in seen and not any(x.rule_id == v.rule_id for x in high.vetoes):
            out.append(Decider(v.rule_id, v.zh, v.en, 0.0, 0.0, veto=True))
    return tuple(sorted(out, key=lambda d: (-abs(d.high - d.low), d.rule_id)))


def reachable(ruleset: RuleSet, low: ScoreBreakdown, high: ScoreBreakdown) -> tuple[str, ...]:
    """The grades whose band meets [lowest, highest], best first (see :func:`grades_between`)."""
    return grades_between(ruleset, low.total, high.total, high.vetoed, low.grade.id)


def grades_between(ruleset: RuleSet, lowest: float, highest: float, vetoed_high: bool, grade_low: str
                   ) -> tuple[str, ...]:
    """The grades whose band meets [lowest, highest], best first. The grades of the two ends are attained; a
    grade between them is reached by some completion whenever one step of one field in one month moves the total
    by less than its band is wide (docs/outlook.md). A subject vetoed in every completion has only the lowest
    grade; the worst completion's grade (the lowest, when it is vetoed) is always among them."""
    grades = list(ruleset.grades)
    if vetoed_high:
        return (grades[-1].id,)
    out = {grade_low}
    upper = float("inf")
    for g in grades:
        if g.at_least <= highest and upper > lowest:
            out.add(g.id)
        upper = g.at_least
    return tuple(g.id for g in grades if g.id in out)


def remaining_recourse(ruleset: RuleSet, sit: Situation, kept: SubjectFacts, warn: str) -> Recourse | None:
    """The smallest change in the remaining months, beyond keeping to what is asked (``kept``, the annual
    evaluation at its worst), that secures ``warn``."""
    if not ruleset.spec.actionable:
        return None
    return recourse(ruleset, kept, Period.year(sit.as_of.year), target_grade=warn, months=sit.remaining)


def outlook(ruleset: RuleSet, facts: SubjectFacts, as_of: Month | str, *,
            directions: Mapping[str, str] | None = None, bounds: Mapping[str, tuple[float, float]] | None = None,
            plan: Plan | None = None, obligations: Iterable[str] | None = None, warn_below: str | None = None,
            with_recourse: bool = True, domain: Domain | None = None) -> Outlook:
    """The outlook of one subject for the year of ``as_of``: the exact interval of the year's total over every
    completion of the months after ``as_of`` (docs/outlook.md), the grades still reachable, the rules that decide,
    the completion that keeps to what is asked (``keeps``), and for a subject who needs more than what is asked to
    reach ``warn_below`` (合格 by default) the smallest change in the remaining months beyond it that secures the
    grade, whatever is still unknown."""
    m = Month.parse(as_of) if isinstance(as_of, str) else as_of
    dom = domain or build_domain(ruleset, directions=directions, bounds=bounds, obligations=obligations)
    sit = situation(facts, m)
    if plan is None:
        plan = model_plan(facts, m.year) if dom.kind == "member" else (lambda _month: {})
    ev = ReferenceEvaluator(ruleset)
    (low, _low_facts), (high, _high_facts) = extremes(ev, dom, sit, plan)
    kept, kept_facts = keeps(ev, dom, sit, plan)
    warn = threshold_grade(ruleset, warn_below)
    at_least = next(g.at_least for g in ruleset.grades if g.id == warn)
    rank = [g.id for g in ruleset.grades]
    def ok(b: ScoreBreakdown) -> bool:
        return not b.vetoed and rank.index(b.grade.id) <= rank.index(warn)

    status = classify(ok(low), ok(kept), ok(high))
    rec = None
    if status == "at_risk" and with_recourse and sit.remaining:
        rec = remaining_recourse(ruleset, sit, kept_facts, warn)
    known_vetoes = tuple(v.rule_id for v in ev.evaluate(sit.known, Period.year(m.year)).vetoes) \
        if high.vetoed else ()
    return Outlook(subject_id=facts.subject_id, ruleset_id=ruleset.id, ruleset_version=ruleset.version,
                   as_of=str(m), remaining=sit.remaining, lowest=low.total, highest=high.total,
                   low=low, high=high, grade_low=low.grade.id, grade_high=high.grade.id, keeps=kept,
                   grades=reachable(ruleset, low, high), deciders=deciders(low, high), warn_below=warn,
                   warn_at_least=float(at_least), status=status, recourse=rec, recourse_asked=rec is not None,
                   vetoed_by=known_vetoes,
                   annual_known=sit.annual_known, grade_names={g.id: (g.zh, g.en) for g in ruleset.grades})
