"""Generated branch facts (:func:`generate_branch_facts`): the branch (made of a roster of members when one is
given), its checklist and four cards, a year of monthly records, incidents, commendations and the annual
evaluation."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta

from ..facts.bundle import BranchFacts
from ..facts.conduct import ANNUAL, branch_conduct
from ..facts.enums import (
    BranchType,
    MemberStatus,
    SecretaryReviewLevel,
    Severity,
    SubjectKind,
)
from ..facts.models import Branch, ChecklistItem, Commendation, Member
from ..facts.records import AnnualEvaluation, BranchMonthRecord, Incident
from .draws import _bernoulli_count, _commendations, _CountsCache, _gc_paused, _general_branch_id, _incident, _poisson
from .mixes import (
    BRANCH_KIND_PICKER,
    BRANCH_TYPE_PICKER,
    BRANCH_VETO_PICKER,
    CARDS,
    CHECKLIST_TEXTS,
    MEMBERS_PER_BRANCH,
)
from .monthly import _branch_record

__all__ = ["generate_branch_facts"]


def generate_branch_facts(
    n: int, *, seed: int = 0, year: int = 2026, rosters: Sequence[Sequence[Member]] | None = None
) -> list[BranchFacts]:
    """Generate ``n`` branch bundles for ``year``, each with 12 monthly records, incidents, commendations
    and an annual evaluation.

    With ``rosters`` (one sequence of members per branch) branch ``i`` is made of ``rosters[i]``: its member
    counts, secretary, checklist owners and four-card counts come from those members, so no count exceeds the
    membership. Without, the branch sizes are drawn and the members are the ids ``MEMBERS_PER_BRANCH`` to a
    branch, as :func:`generate_member_facts` numbers them."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if rosters is not None and len(rosters) != n:
        raise ValueError(f"rosters must give the members of each of the {n} branches, got {len(rosters)}")
    rng = random.Random(seed)
    counts = _CountsCache()
    out: list[BranchFacts] = []
    with _gc_paused():
        for index in range(1, n + 1):
            roster = None if rosters is None else rosters[index - 1]
            out.append(_branch_facts(rng, index, year, counts, roster))
    return out


def _branch_facts(
    rng: random.Random, index: int, year: int, counts: _CountsCache, roster: Sequence[Member] | None
) -> BranchFacts:
    quality = 1.0 - rng.betavariate(1.3, 7.0)
    branch = _branch(rng, index, year, quality, roster)
    card_months = _card_months(rng, branch, quality, roster)
    records = tuple(_branch_record(rng, branch, year, m, quality, counts, card_months) for m in range(1, 13))
    incidents = _branch_incidents(rng, branch, year)
    commendations = _commendations(
        rng, SubjectKind.BRANCH, branch.branch_id, ("commendation", "good_deed"), year, 0.2
    )
    annual = _branch_annual(rng, branch, year, records, incidents, commendations)
    return BranchFacts(
        branch=branch, records=records, incidents=incidents, commendations=commendations, annual=annual
    )


def _branch(rng: random.Random, index: int, year: int, quality: float, roster: Sequence[Member] | None) -> Branch:
    branch_id = f"B{index:04d}"
    branch_type: BranchType = BRANCH_TYPE_PICKER.pick(rng)
    if roster is None:
        member_count = max(3, min(120, int(rng.gauss(32, 14))))
        formal = member_count - _bernoulli_count(rng, member_count, 0.05)
        first = (index - 1) * MEMBERS_PER_BRANCH + 1
        leaders = [f"M{first + k:06d}" for k in range(min(5, member_count))]
    else:
        member_count = len(roster)
        formal = sum(m.status is MemberStatus.FORMAL for m in roster)
        # the secretary and the checklist owners are formal members where the branch has them
        ordered = sorted(roster, key=lambda m: (m.status is not MemberStatus.FORMAL, m.member_id))
        leaders = [m.member_id for m in ordered[:5]]
    has_committee = formal >= 7
    vacant = rng.random() < 0.03 or not leaders
    households = 300 + int(rng.random() * 1200)
    checklist_size = 28 if branch_type is BranchType.RESETTLEMENT_AREA else 8 + int(rng.random() * 8)
    return Branch(
        branch_id=branch_id,
        name=f"第{index}党支部",
        parent_org_id=_general_branch_id(index),
        branch_type=branch_type,
        formal_member_count=formal,
        member_count=member_count,
        has_committee=has_committee,
        committee_size=(3 + int(rng.random() * 3)) if has_committee else 0,
        secretary_id=None if vacant else leaders[0],
        secretary_vacant_since=(date(year, 1, 1) - timedelta(days=int(rng.random() * 300)))
        if vacant
        else None,
        households_covered=households,
        grid_worker_count=max(1, round(households / 400)),
        checklist=_branch_checklist(rng, branch_id, year, checklist_size, quality, leaders or [branch_id]),
        flagged_weak_and_lax=rng.random() < 0.03,
    )


def _branch_checklist(
    rng: random.Random, branch_id: str, year: int, size: int, quality: float, owners: list[str]
) -> tuple[ChecklistItem, ...]:
    """The combat-effectiveness checklist as it stands at the end of ``year``: most items done by their due
    date (better branches more often), some late, a few not done; a done item is accepted (验收) some weeks
    later, so items done near the year's end may still be waiting for acceptance."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    items = []
    for k in range(size):
        due = date(year, 1 + k % 12, 28)
        done_on = None
        if rng.random() < 0.75 + 0.23 * quality:
            if rng.random() < 0.8 + 0.15 * quality:
                done_on = max(start, due - timedelta(days=int(rng.random() * 60)))
            else:
                late = due + timedelta(days=1 + int(rng.random() * 60))
                done_on = late if late <= end else None
        accepted = (
            done_on is not None
            and done_on + timedelta(days=int(rng.random() * 45)) <= end
            and rng.random() < 0.92 + 0.06 * quality
        )
        items.append(
            ChecklistItem(
                item_id=f"BCL-{branch_id}-{k + 1:02d}",
                text=CHECKLIST_TEXTS[k % len(CHECKLIST_TEXTS)],
                due=due,
                responsible_id=owners[k % len(owners)],
                done_on=done_on,
                accepted=accepted,
            )
        )
    return tuple(items)


def _card_months(rng: random.Random, branch: Branch, quality: float, roster: Sequence[Member] | None) -> list[int]:
    """For each member, the month from which their four cards (四卡) are complete; 13 if not within the year.

    From a roster, a member counts when all four of their cards are on file; without one, better branches
    have more members with complete cards. Most cards were complete before the year, the rest are completed
    during it, so the monthly count only grows and never exceeds the membership."""
    if roster is None:
        complete = [rng.random() < 0.7 + 0.29 * quality for _ in range(branch.member_count)]
    else:
        complete = [len(m.cards) == len(CARDS) for m in roster]
    return [(1 if rng.random() < 0.7 else 1 + int(rng.random() * 12)) if c else 13 for c in complete]


def _branch_incidents(rng: random.Random, branch: Branch, year: int) -> tuple[Incident, ...]:
    verifier = branch.parent_org_id
    incidents: list[Incident] = []
    if rng.random() < 0.005:
        kind = BRANCH_VETO_PICKER.pick(rng)
        incidents.append(
            _incident(rng, SubjectKind.BRANCH, branch.branch_id, 1, kind, year, verifier, Severity.SERIOUS)
        )
    for _ in range(_poisson(rng, 0.3)):
        severity = Severity.MINOR if rng.random() < 0.85 else Severity.MAJOR
        number = len(incidents) + 1
        kind = BRANCH_KIND_PICKER.pick(rng)
        incidents.append(
            _incident(rng, SubjectKind.BRANCH, branch.branch_id, number, kind, year, verifier, severity)
        )
    return tuple(incidents)


def _ratio(done: int, due: int) -> float:
    return min(1.0, done / due) if due else 1.0


def _branch_shares(branch: Branch, records: tuple[BranchMonthRecord, ...]) -> tuple[float, float, float, float]:
    """The year's meetings, duties, checklist and routine shares of a branch (each 0..1), as
    :func:`partyrules.facts.conduct.branch_conduct` takes them."""
    required = 0
    for r in records:
        month = int(r.month[5:])
        quarter_end, december = int(month % 3 == 0), int(month == 12)
        # member meeting and lecture quarterly, committee (if any), group and theme day monthly, org-life
        # meeting and democratic review in December
        required += 2 * quarter_end + int(branch.has_committee) + 2 + 2 * december
    meetings = _ratio(sum(r.meetings_held.total for r in records), required)

    def total(field: str) -> int:
        return sum(getattr(r, field) for r in records)

    duties = (
        _ratio(total("directives_relayed_on_time"), total("directives_received"))
        + _ratio(total("central_tasks_completed"), total("central_tasks_assigned"))
        + _ratio(total("commitments_fulfilled"), total("commitments_total"))
        + _ratio(total("disputes_resolved"), total("disputes_found"))
        + _ratio(total("issues_resolved_on_time"), total("issues_collected"))
    ) / 5
    checklist = _ratio(sum(i.accepted for i in branch.checklist), len(branch.checklist))
    kept = sum(r.dues_collected_in_full + r.public_disclosure_done + r.report_submitted for r in records)
    routine = _ratio(kept, 3 * len(records))
    return meetings, duties, checklist, routine


def _branch_annual(
    rng: random.Random,
    branch: Branch,
    year: int,
    records: tuple[BranchMonthRecord, ...],
    incidents: tuple[Incident, ...],
    commendations: tuple[Commendation, ...],
) -> AnnualEvaluation:
    a = ANNUAL
    penalty = sum(a.branch_penalty[i.severity.value] for i in incidents if i.verified)
    bonus = a.branch_commendation * sum(c.verified for c in commendations)
    conduct = min(1.0, max(0.0, branch_conduct(*_branch_shares(branch, records), penalty, bonus)))
    reputation = rng.gauss(0.0, a.branch_reputation_sd)

    def rated(seen: float) -> float:  # the evaluating body's 0..100 scale, see AnnualConduct.branch_stretch
        return 100 * min(1.0, max(0.0, 1 - a.branch_stretch * (1 - seen)))

    evaluation = rated(conduct + reputation + rng.gauss(0.0, a.branch_sd))
    daily = rated(conduct + reputation / 2 + rng.gauss(0.0, a.daily_sd))
    x = evaluation + rng.gauss(0.0, 5.0)  # the secretary's report is judged with the branch's record in view
    review = (
        SecretaryReviewLevel.GOOD
        if x >= 90
        else SecretaryReviewLevel.FAIRLY_GOOD
        if x >= 75
        else SecretaryReviewLevel.AVERAGE
        if x >= 55
        else SecretaryReviewLevel.POOR
    )
    return AnnualEvaluation(
        subject_kind=SubjectKind.BRANCH,
        subject_id=branch.branch_id,
        year=year,
        evaluator_org_id=branch.parent_org_id,
        evaluation_score=round(evaluation, 2),
        secretary_review=None if branch.secretary_id is None else review,
        daily_observation_score=round(daily, 1),
        satisfaction_rate=round(min(1.0, max(0.0, rng.gauss(0.5 + 0.45 * conduct, 0.06))), 3),
        org_life_meeting_held=rng.random() < 0.97,
        democratic_review_held=rng.random() < 0.96,
    )
