"""Strategies for facts: subjects, their monthly records, incidents, commendations, annual evaluations and grids,
whole bundles of facts (:func:`subject_facts`) and the facts a rule set applies to (:func:`facts_for`).

They are made to find bugs: record lists are empty, full or in between; incidents are verified or not, inside the
period or just outside it, of the kinds the rule set reads more often (those in its edges' strings).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from hypothesis import strategies as st

from ..evaluate.compiled import compiled_ruleset
from ..evaluate.context import build_context
from ..facts import (
    COMMENDATION_KINDS,
    AnnualEvaluation,
    Branch,
    BranchFacts,
    BranchMonthRecord,
    Commendation,
    Community,
    CommunityFacts,
    Grid,
    Incident,
    Member,
    MemberFacts,
    MemberMonthRecord,
    SubjectFacts,
    incident_kinds,
)
from ..lang import ir as I
from ..periods import Period
from ..rulesets.model import RuleSet
from .edges import Edges, edges_of
from .fields import NO_EDGES, TEXTS, dates_near, for_type, model_strategy, period_of, renumber, with_partners

__all__ = [
    "VERIFIER",
    "annual_evaluations",
    "branch_records",
    "branches",
    "commendations",
    "communities",
    "facts_for",
    "grids",
    "incidents",
    "member_records",
    "members",
    "monthly_records",
    "subject_facts",
]

VERIFIER = "verifier"  # who verified a drawn incident


# -- public strategies -------------------------------------------------------------------------------------------
def members(*, edges: Edges = NO_EDGES, period: Period | str = "2026", **fixed: Any) -> st.SearchStrategy[Member]:
    """Members; keyword arguments fix fields (e.g. ``member_id="M1"``, ``category="retired"``)."""
    return model_strategy(Member, edges=edges, period=period, fixed={"member_id": "M1", "branch_id": "B1", **fixed})


def branches(*, edges: Edges = NO_EDGES, period: Period | str = "2026", **fixed: Any) -> st.SearchStrategy[Branch]:
    """Branches; keyword arguments fix fields."""
    return model_strategy(Branch, edges=edges, period=period,
                          fixed={"branch_id": "B1", "parent_org_id": "PO1", **fixed})


def communities(*, edges: Edges = NO_EDGES, period: Period | str = "2026",
                **fixed: Any) -> st.SearchStrategy[Community]:
    """Communities; keyword arguments fix fields."""
    return model_strategy(Community, edges=edges, period=period, fixed={"community_id": "C1", **fixed})


def member_records(month: str, *, member_id: str = "M1", edges: Edges = NO_EDGES,
                   period: Period | str = "2026") -> st.SearchStrategy[MemberMonthRecord]:
    """One member's record for ``month``."""
    return model_strategy(MemberMonthRecord, edges=edges, period=period,
                          fixed={"member_id": member_id, "month": month})


def branch_records(month: str, *, branch_id: str = "B1", edges: Edges = NO_EDGES,
                   period: Period | str = "2026") -> st.SearchStrategy[BranchMonthRecord]:
    """One branch's record for ``month``."""
    return model_strategy(BranchMonthRecord, edges=edges, period=period,
                          fixed={"branch_id": branch_id, "month": month})


@st.composite
def monthly_records(draw: st.DrawFn, subject_kind: str, *, subject_id: str, period: Period | str = "2026",
                    edges: Edges = NO_EDGES, months: Iterable[str] | None = None,
                    max_records: int | None = None) -> tuple[Any, ...]:
    """A subject's records in distinct months: none, all of them, or some.

    ``months`` (``"2026-04"``, ...) are the months records may be in, by default every month of the period;
    ``max_records`` keeps at most that many (the first ones).
    """
    period = period_of(period)
    pool = sorted(set(months)) if months is not None else [str(period.start + i) for i in range(period.months)]
    # some months (each kept or not, so the shrinker drops them one by one), none, or the full period; the
    # per-month choices are drawn in every mode, so the shrinker can move from "all" to "some" and then drop months
    mode = draw(st.integers(0, 2))
    kept = [draw(st.booleans()) for _ in pool]
    chosen = [m for m, k in zip(pool, kept, strict=True) if k] if mode == 0 else [] if mode == 1 else pool
    if max_records is not None:
        chosen = chosen[:max_records]
    one = member_records if subject_kind == "member" else branch_records
    ident = {"member_id": subject_id} if subject_kind == "member" else {"branch_id": subject_id}
    return tuple(draw(one(m, edges=edges, period=period, **ident)) for m in chosen)


@st.composite
def incidents(draw: st.DrawFn, subject_kind: str, *, subject_id: str, incident_id: str = "I1",
              period: Period | str = "2026", edges: Edges = NO_EDGES, kind: str | Sequence[str] | None = None,
              verified: bool | None = None) -> Incident:
    """An incident of a kind registered for the subject kind (the kinds the rule set names drawn more often),
    verified or not, inside the period or just outside it.

    ``kind`` fixes the kind, or (a sequence) gives the kinds to draw from; ``verified`` fixes the verification.
    """
    period = period_of(period)
    registered = sorted(incident_kinds(subject_kind) if kind is None or isinstance(kind, str) else set(kind))
    named = [k for k in edges.strings if k in registered]
    # the kinds the rule set names three times as often as any registered kind
    kinds = st.sampled_from(registered) if not named else st.one_of(*[st.sampled_from(named)] * 3,
                                                                    st.sampled_from(registered))
    is_verified = draw(st.booleans()) if verified is None else verified
    consequences = sorted({*[s for s in edges.strings if s.strip()], *TEXTS})
    return Incident.model_validate({
        "incident_id": incident_id,
        "subject_kind": subject_kind,
        "subject_id": subject_id,
        "kind": kind if isinstance(kind, str) else draw(kinds),
        "occurred_on": draw(dates_near(period, outside=True)),
        "severity": draw(for_type(Incident.model_fields["severity"].annotation, [], "severity", edges, period)),
        "consequence": draw(st.none() | st.sampled_from(consequences)),
        "verified": is_verified,
        "verified_by": VERIFIER if is_verified else None,
        "evidence_ref": f"doc/{incident_id}",
    })


@st.composite
def commendations(draw: st.DrawFn, subject_kind: str, *, subject_id: str, commendation_id: str = "C1",
                  period: Period | str = "2026", edges: Edges = NO_EDGES) -> Commendation:
    """A commendation, verified or not, inside the period or just outside it."""
    period = period_of(period)
    named = [k for k in edges.strings if k in COMMENDATION_KINDS]
    kinds = st.sampled_from(COMMENDATION_KINDS) if not named else st.one_of(st.sampled_from(named),
                                                                            st.sampled_from(COMMENDATION_KINDS))
    return draw(model_strategy(Commendation, edges=edges, period=period, fixed={
        "commendation_id": commendation_id, "subject_kind": subject_kind, "subject_id": subject_id,
        "kind": draw(kinds), "awarded_on": draw(dates_near(period, outside=True))}))


@st.composite
def annual_evaluations(draw: st.DrawFn, subject_kind: str, *, subject_id: str, period: Period | str = "2026",
                       edges: Edges = NO_EDGES) -> AnnualEvaluation:
    """An annual evaluation of a member or branch for a year of the period."""
    period = period_of(period)
    year = draw(st.integers(period.start.year, period.end.year))
    fixed: dict[str, Any] = {"subject_kind": subject_kind, "subject_id": subject_id, "year": year,
                             "evaluator_org_id": "ORG1"}
    if subject_kind == "member":
        fixed["secretary_review"] = None
    else:  # a member's own facts: the employer's and the year-end post appraisals
        fixed.update(employer_appraisal=None, post_summary_done=None, post_appraisal=None)
    return draw(model_strategy(AnnualEvaluation, edges=edges, period=period, fixed=fixed))


def grids(*, community_id: str = "C1", edges: Edges = NO_EDGES,
          period: Period | str = "2026") -> st.SearchStrategy[tuple[Grid, ...]]:
    """A community's grids (distinct ids)."""
    one = model_strategy(Grid, edges=edges, period=period, fixed={"community_id": community_id})
    return st.lists(one, max_size=5).map(lambda xs: renumber(Grid, xs))  # type: ignore[arg-type,return-value]


# -- facts for a rule set ----------------------------------------------------------------------------------------
def _applies_fixed(ruleset: RuleSet) -> dict[str, st.SearchStrategy[Any]]:
    """Subject fields the rule set's ``applies_to`` pins (``field == const`` or ``field in [...]`` in a
    conjunction), so that most drawn subjects are ones the rule set applies to."""
    out: dict[str, st.SearchStrategy[Any]] = {}
    if ruleset.applies_to is None:
        return out
    root = ruleset.applies_to.ir
    parts = root.items if isinstance(root, I.BoolOp) and root.op == "and" else (root,)
    for p in parts:
        if isinstance(p, I.Compare) and p.op == "==":
            f, c = (p.left, p.right) if isinstance(p.left, I.Field) else (p.right, p.left)
            if isinstance(f, I.Field) and f.scope == "subject" and len(f.path) == 1 and isinstance(c, I.Const):
                out[f.path[0]] = st.just(c.value)
        elif isinstance(p, I.In) and not p.negate and isinstance(p.item, I.Field) and p.item.scope == "subject" \
                and len(p.item.path) == 1 and isinstance(p.container, I.ListValue) \
                and all(isinstance(x, I.Const) for x in p.container.items) and p.container.items:
            out[p.item.path[0]] = st.sampled_from([x.value for x in p.container.items])  # type: ignore[attr-defined]
        elif isinstance(p, I.Field) and p.scope == "subject" and len(p.path) == 1 and p.type.kind == "bool":
            out[p.path[0]] = st.just(True)
    return out


def _applies(ruleset: RuleSet, period: Period) -> Any:
    """The rule set's own applicability test, over the same context an evaluation builds (so ``applies_to`` may
    read anything an expression can)."""
    plan = compiled_ruleset(ruleset).plan
    if plan.applies_to is None:
        return lambda facts: True
    test = plan.applies_to

    def applies(facts: Any) -> bool:
        return test(build_context(plan, facts, period), None) is True

    return applies


def _numbered_incidents(items: list[Incident]) -> tuple[Incident, ...]:
    return tuple(x.model_copy(update={"incident_id": f"I{i + 1}", "evidence_ref": f"doc/I{i + 1}"})
                 for i, x in enumerate(items))


def _numbered_commendations(items: list[Commendation]) -> tuple[Commendation, ...]:
    return tuple(x.model_copy(update={"commendation_id": f"K{i + 1}"}) for i, x in enumerate(items))


def subject_facts(subject_kind: str, *, period: Period | str = "2026", subject_id: str | None = None,
                  edges: Edges = NO_EDGES, months: Iterable[str] | None = None, max_records: int | None = None,
                  max_incidents: int = 6, max_commendations: int = 3, kinds: Sequence[str] | None = None,
                  verified: bool | None = None, annual: bool | None = None,
                  **subject: Any) -> st.SearchStrategy[SubjectFacts]:
    """Valid facts of one subject (``"member"``, ``"branch"`` or ``"community"``) for ``period``.

    Keyword arguments not listed here fix fields of the subject, each a value or a strategy to draw it from
    (``category="in_service"``, ``is_organ_staff=st.booleans()``). Records are none, all or some of ``months``
    (default: the period's) and at most ``max_records``; 0 to ``max_incidents`` incidents of ``kinds`` (default:
    every kind registered for the subject kind), verified or not unless ``verified`` says; 0 to
    ``max_commendations`` commendations; an annual evaluation or not (``annual`` True or False fixes it).
    Numbers and kinds are drawn at ``edges`` (see :func:`partyrules.testing.edges_of`).
    """
    period = period_of(period)
    kind = subject_kind
    sid = subject_id or {"member": "M1", "branch": "B1", "community": "C1"}[kind]

    # Draw order matters for shrinking: the subject and its records first, the lists of incidents and
    # commendations last and as lists, so the shrinker can delete their items without shifting earlier draws.
    one_incident = incidents(kind, subject_id=sid, incident_id="I0", period=period, edges=edges, kind=kinds,
                             verified=verified)
    # hypothesis draws short lists; a subject with some incidents is drawn as often as one without
    incident_list = st.just(()) if max_incidents == 0 else st.one_of(
        st.lists(one_incident, max_size=max_incidents),
        st.lists(one_incident, min_size=1, max_size=max_incidents)).map(_numbered_incidents)
    commendation_list = st.lists(commendations(kind, subject_id=sid, commendation_id="K0", period=period,
                                               edges=edges), max_size=max_commendations).map(_numbered_commendations)
    one_annual = annual_evaluations(kind, subject_id=sid, period=period, edges=edges)
    annual_or_none = st.none() | one_annual if annual is None else one_annual if annual else st.none()

    @st.composite
    def draw_facts(draw: st.DrawFn) -> SubjectFacts:
        fixed = {name: draw(v) if isinstance(v, st.SearchStrategy) else v for name, v in subject.items()}
        if kind == "community":
            community = draw(communities(edges=edges, period=period, community_id=sid, **fixed))
            return CommunityFacts(community, grids=draw(grids(community_id=sid, edges=edges, period=period)),
                                  incidents=draw(incident_list), commendations=draw(commendation_list))
        one: Member | Branch
        if kind == "member":
            one = draw(members(edges=edges, period=period, member_id=sid, **fixed))
        else:
            one = draw(branches(edges=edges, period=period, branch_id=sid, **fixed))
        records = draw(monthly_records(kind, subject_id=sid, period=period, edges=edges, months=months,
                                       max_records=max_records))
        evaluation = draw(annual_or_none)
        if isinstance(one, Member):
            return MemberFacts(one, records=records, incidents=draw(incident_list),
                               commendations=draw(commendation_list), annual=evaluation)
        return BranchFacts(one, records=records, incidents=draw(incident_list),
                           commendations=draw(commendation_list), annual=evaluation)

    return draw_facts()


def facts_for(ruleset: RuleSet, *, period: Period | str = "2026", subject_id: str | None = None,
              max_incidents: int = 6, max_commendations: int = 3,
              edges: Edges | None = None) -> st.SearchStrategy[SubjectFacts]:
    """Valid facts of the rule set's subject kind that its ``applies_to`` accepts, for ``period``.

    Numbers are drawn at the edges the rule set cares about (see :func:`partyrules.testing.edges_of`); records are
    none, a full period or some months; incidents (0 to ``max_incidents``) are of kinds registered for the subject
    kind, verified or not, some just outside the period. The subject fields ``applies_to`` pins are drawn from
    the values it accepts, so that most drawn subjects are ones the rule set applies to.
    """
    period = period_of(period)
    edges = with_partners(edges if edges is not None else edges_of(ruleset))
    pinned: dict[str, Any] = _applies_fixed(ruleset)
    return subject_facts(ruleset.subject_kind, period=period, subject_id=subject_id, edges=edges,
                         max_incidents=max_incidents, max_commendations=max_commendations,
                         **pinned).filter(_applies(ruleset, period))
