"""Run an assessment year for a population: every member's and branch's annual result, the 优秀 quota, rankings
within layers and categories, the warning and priority lists, pairings, funding and the six-star targets.

The steps follow the source's cycle (C, D): quarters are scored and combined into annual results, the quota is
applied per branch, then rankings run across the sub-district per kind and within pools; the bottom share of each
pool is warned (branches and members, D2), the top share of branches gets priority support (D6) and each bottom
branch is paired with a top branch of its type; the funding pool is shared among branches by both indices the
source names, the branch's annual composite and its graded members' mean annual percent, with the weights the
branch rule set declares (D5); communities are rated with six stars and checked against the year's targets (E10).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import PartyRulesError
from ..evaluate.evaluator import Evaluator, Failure
from ..facts import BranchFacts, CommunityFacts, MemberFacts, SubjectFacts
from ..funding import (
    PARAM_BRANCH_WEIGHT,
    PARAM_MEMBERS_WEIGHT,
    Allocation,
    BranchIndices,
    FundingError,
    IndexWeights,
    allocate,
)
from ..periods import Period
from ..population.frames import tables_available
from ..quota import apply_quota
from ..ranking import (
    DEFAULT_SHARE,
    Pairings,
    Rank,
    Ranked,
    RankList,
    fmt_score,
    pair,
    priority_list,
    rank,
    warning_list,
)
from ..rulesets.loader import load_ruleset
from ..rulesets.model import RuleSet
from ..rulesets.versions import versions_in_force
from ..shipped_rulesets import shipped_ruleset_path
from .annual import AnnualResult
from .hashing import breakdown_hash
from .ledger import DEFAULT_SCOPE, Ledger
from .objections import AppliedCorrection, apply_correction
from .quarterly import quarters
from .scoring import ScoredYear, SubjectYear, score_year
from .tabled import LazySubjectYears, score_year_tables
from .targets import StarTargets, TargetReport, check_star_targets, load_star_targets

SHIPPED_KEYS = ("in_service", "retired", "new_citizen", "branch", "community")
DEFAULT_INDEX_WEIGHTS = IndexWeights(branch=0.5, members=0.5)
"""The funding weights of a branch rule set that declares none: the shipped rule set's values (gap J3)."""


def shipped_rulesets() -> dict[str, RuleSet]:
    """The shipped rule sets by key: in_service, retired, new_citizen, branch, community."""
    return {k: load_ruleset(shipped_ruleset_path(k)) for k in SHIPPED_KEYS}


@dataclass(frozen=True)
class YearOptions:
    """The choices a sub-district makes for its year (each has the documented default)."""

    warning_share: float = DEFAULT_SHARE
    priority_share: float = DEFAULT_SHARE
    funding_pool_fen: int | None = None  # no funding step without a pool
    funding_basis: str = "score"
    funding_min_score: float = 0.0
    vetoed_floor_fen: int = 0
    star_targets: StarTargets | None = None  # default: the shipped targets
    star_targets_year: int | None = None  # default: the latest target year not after the assessment year


@dataclass(frozen=True)
class CommunityYear:
    """A community's six-star rating for the year."""

    subject_id: str
    stars: int
    grade_zh: str
    grade_en: str
    breakdown_hash: str


class CorrectedAnnualResult(AnnualResult):
    """An annual result of a year run against a ledger: computed on the facts with every standing upheld
    correction of the subject's published scores applied, and ``corrections`` says which (empty: none)."""

    corrections: list[AppliedCorrection]


@dataclass
class YearResult:
    """Everything a year produced, with a flat table view for files and dataframes."""

    year: int
    members: list[AnnualResult]
    branches: list[AnnualResult]
    communities: list[CommunityYear]
    member_ranks: list[Rank]
    branch_ranks: list[Rank]
    member_warnings: RankList
    branch_warnings: RankList
    branch_priority: RankList
    pairings: Pairings
    funding: Allocation | None
    star_targets: TargetReport | None
    failures: list[Failure] = field(default_factory=list)
    subject_years: Sequence[SubjectYear] = field(default_factory=list, repr=False)
    corrections: list[AppliedCorrection] = field(default_factory=list)  # from the ledger, as applied
    unused_corrections: list[str] = field(default_factory=list)  # upheld in the ledger, not applicable here

    def subject_year(self, subject_id: str, kind: str = "member") -> SubjectYear:
        """One subject's quarterly and whole-year breakdowns and its annual result (before the 优秀 quota), made
        with the engine now when the year was scored as tables; their hashes are those an engine-scored year
        carries in its results."""
        years = self.subject_years
        if isinstance(years, LazySubjectYears):
            k = years.position(kind, subject_id)
            found = None if k is None else years[k]
        else:
            found = next((sy for sy in years if sy.facts.subject_id == subject_id
                          and str(type(sy.facts).subject_kind) == kind), None)
        if found is None:
            scored = any(r.subject_id == subject_id for r in (*self.members, *self.branches))
            raise PartyRulesError(f"no breakdowns of {kind} {subject_id} in this year",
                                  hint="run_year(..., keep_breakdowns=True)" if scored else
                                  "the subject was not scored this year: see failures")
        return found

    def _repr_html_(self) -> str:  # notebooks show the counts, grades, lists and failures
        from ._html import year_html

        return year_html(self)

    def tables(self) -> dict[str, list[dict[str, Any]]]:
        """The result as flat tables: members, branches, communities, rankings, warning_list, priority_list,
        pairings, funding, recommendations, star_targets and failures."""
        ranks: dict[tuple[str, str], Rank] = {(r.kind, r.subject_id): r
                                              for r in (*self.member_ranks, *self.branch_ranks)}
        warned = {("member", e.subject_id) for e in self.member_warnings.entries} | {
            ("branch", e.subject_id) for e in self.branch_warnings.entries}
        prio = {e.subject_id for e in self.branch_priority.entries}
        amounts = self.funding.amounts() if self.funding else {}
        funding_lines = {ln.subject_id: ln for ln in self.funding.lines} if self.funding else {}

        def subject_row(r: AnnualResult) -> dict[str, Any]:
            rk = ranks.get((r.subject_kind, r.subject_id))
            row: dict[str, Any] = {
                "subject_id": r.subject_id, "kind": r.subject_kind, "pool": "/".join(r.pool), "group_id": r.group_id,
                "ruleset_id": r.ruleset_id, "ruleset_version": r.ruleset_version,
                **{f"q{i + 1}_percent": q.percent for i, q in enumerate(r.quarters)},
                **{f"input_{i.name}": i.value for i in r.inputs},
                "percent": r.percent, "score": r.score, "max_points": r.max_points,
                "grade": r.grade.id if r.grade else None, "grade_zh": r.grade.zh if r.grade else None,
                "graded": r.graded, "demoted_by_quota": r.demoted_by_quota, "vetoed": r.vetoed,
                "vetoes": ",".join(v.rule_id for v in r.vetoes), "missing_inputs": ",".join(r.missing),
                "overall_rank": rk.overall_rank if rk else None, "pool_rank": rk.pool_rank if rk else None,
                "pool_size": rk.pool_size if rk else None,
                "warning_list": (r.subject_kind, r.subject_id) in warned,
                "corrections": (",".join(c.objection_id for c in r.corrections)
                                if isinstance(r, CorrectedAnnualResult) else None),
            }
            if r.subject_kind == "branch":
                row["priority_list"] = r.subject_id in prio
                row["funding_fen"] = amounts.get(r.subject_id)
                line = funding_lines.get(r.subject_id)
                row["funding_members_index"] = (None if line is None or line.members_index is None
                                                else fmt_score(line.members_index))
                row["funding_basis"] = None if line is None else fmt_score(line.score)
            return row

        return {
            "members": [subject_row(r) for r in self.members],
            "branches": [subject_row(r) for r in self.branches],
            "communities": [{"subject_id": c.subject_id, "stars": c.stars, "level_zh": c.grade_zh,
                             "level_en": c.grade_en, "breakdown_hash": c.breakdown_hash} for c in self.communities],
            "rankings": [{"subject_id": r.subject_id, "kind": r.kind, "score": str(r.score), "vetoed": r.vetoed,
                          "pool": "/".join(r.pool), "overall_rank": r.overall_rank, "overall_size": r.overall_size,
                          "pool_rank": r.pool_rank, "pool_size": r.pool_size, "percentile": r.percentile,
                          "tied_with": ",".join(r.tied_with), "explanation_zh": r.explanation_zh,
                          "explanation_en": r.explanation_en} for r in (*self.branch_ranks, *self.member_ranks)],
            "warning_list": [_list_row(e, "warning") for e in (*self.branch_warnings.entries,
                                                               *self.member_warnings.entries)],
            "priority_list": [_list_row(e, "priority") for e in self.branch_priority.entries],
            "pairings": [{"bottom_id": p.bottom_id, "top_id": p.top_id, "group": p.group, "top_group": p.top_group,
                          "fallback": p.fallback, "explanation_zh": p.explanation_zh,
                          "explanation_en": p.explanation_en} for p in self.pairings.pairs],
            "funding": [ln.to_dict() for ln in self.funding.lines] if self.funding else [],
            "recommendations": [{"subject_id": x.subject_id, "kind": r.subject_kind, "step": x.step,
                                 "measure": x.kind, "zh": x.zh, "en": x.en, "because_of": ",".join(x.because_of),
                                 "condition_zh": x.condition_zh, "months": x.months, "status": x.status,
                                 "decision_ref": x.decision_ref}
                                for r in (*self.branches, *self.members) for x in r.recommendations],
            "star_targets": [{"year": self.star_targets.year, "stars": ln.stars, "share": str(ln.share),
                              "count": ln.count, "required": ln.required, "actual": ln.actual, "met": ln.met,
                              "shortfall": ln.shortfall, "candidates": ",".join(ln.candidates),
                              "explanation_zh": ln.explanation_zh, "explanation_en": ln.explanation_en}
                             for ln in self.star_targets.lines] if self.star_targets else [],
            "failures": [{"row": f.index + 1, "subject_id": f.subject_id, "error": str(f.error)}
                         for f in self.failures],
        }


def _list_row(e: Any, name: str) -> dict[str, Any]:
    return {"list": name, "subject_id": e.subject_id, "kind": e.rank.kind, "pool": "/".join(e.rank.pool),
            "pool_rank": e.rank.pool_rank, "pool_size": e.rank.pool_size, "reason": e.reason,
            "explanation_zh": e.explanation_zh, "explanation_en": e.explanation_en}


def _apply_ledger(people: list[SubjectFacts], ledger: Ledger, year: int, scope: str
                  ) -> tuple[list[SubjectFacts], dict[tuple[str, str], list[AppliedCorrection]], list[str]]:
    # Every standing upheld correction of the year's scores (its quarters and the year itself), carried into the
    # subject's whole-year facts in the order they were upheld: only what each changed, so none undoes another.
    index = {(str(type(f).subject_kind), f.subject_id): i for i, f in enumerate(people)}
    out = list(people)
    applied: dict[tuple[str, str], list[AppliedCorrection]] = {}
    unused: list[str] = []
    for c in ledger.corrections([*quarters(year), Period.year(year)], scope):
        i = index.get((c.after.subject_kind, c.after.subject_id))
        if i is None:
            unused.append(f"{c.objection_id}: {c.after.subject_kind} {c.after.subject_id} is not in this year's "
                          f"population ({c.after.key.ref})")
            continue
        out[i], changes = apply_correction(out[i], c.before.facts, c.after.facts)
        applied.setdefault((c.after.subject_kind, c.after.subject_id), []).append(AppliedCorrection(
            objection_id=c.objection_id, period=c.after.period, ruleset_id=c.after.ruleset_id,
            publication_id=c.after.publication_id, superseded_id=c.before.publication_id, changes=changes))
    return out, applied, unused


def ranked_of(r: AnnualResult) -> Ranked:
    """The ranking entry of an annual result: the composite on 0..100, pooled by kind, layer and category."""
    return Ranked(subject_id=r.subject_id, kind=r.subject_kind, score=r.percent,  # type: ignore[arg-type]
                  layer=r.subject_kind, category=r.pool[-1], vetoed=r.vetoed,
                  group=r.pool[-1] if r.subject_kind == "branch" else None,
                  community_id=r.group_id if r.subject_kind == "branch" else None)


def funding_weights(branch_rulesets: Iterable[RuleSet]) -> IndexWeights:
    """The index weights of the funding basis, from the parameters ``funding_weight_branch_index`` and
    ``funding_weight_members_index`` of the branch rule sets used (with any what-if overrides applied). A rule set
    that declares neither gets :data:`DEFAULT_INDEX_WEIGHTS`; one pool is shared by one rule, so rule sets that
    disagree are an error."""
    found: dict[IndexWeights, list[str]] = {}
    for rs in branch_rulesets:
        params = rs.params
        named = rs.spec.annual.funding if rs.spec.annual is not None else None
        branch = named.branch_index if named is not None else PARAM_BRANCH_WEIGHT
        members = named.members_index if named is not None else PARAM_MEMBERS_WEIGHT
        w = IndexWeights(float(params.get(branch, DEFAULT_INDEX_WEIGHTS.branch)),
                         float(params.get(members, DEFAULT_INDEX_WEIGHTS.members)))
        found.setdefault(w, []).append(f"{rs.id} {rs.version}")
    if len(found) > 1:
        said = "; ".join(f"{', '.join(sorted(set(ids)))}: {w.branch} / {w.members}" for w, ids in found.items())
        raise FundingError(f"the branch rule sets give different funding weights (branch / members): {said}",
                           hint=f"one pool is shared by one rule: give every branch rule set the same "
                                f"{PARAM_BRANCH_WEIGHT} and {PARAM_MEMBERS_WEIGHT}")
    return next(iter(found), DEFAULT_INDEX_WEIGHTS)


def funding_entries(members: Iterable[AnnualResult], branches: Iterable[AnnualResult]) -> list[BranchIndices]:
    """Each branch with its index (its composite percent) and its graded members' annual percents (a member's
    branch is its ``group_id``; probationary members are not graded and so not counted)."""
    percents: dict[str | None, list[float]] = {}
    for m in members:
        if m.graded:
            percents.setdefault(m.group_id, []).append(m.percent)
    return [BranchIndices(b.subject_id, b.percent, b.vetoed, tuple(percents.get(b.subject_id, ())))
            for b in branches]


def _targets_for(options: YearOptions, year: int) -> Any:
    targets = options.star_targets or load_star_targets()
    years = sorted(y.year for y in targets.years)
    wanted = options.star_targets_year
    if wanted is None:
        earlier = [y for y in years if y <= year]
        if not earlier:
            return None
        wanted = earlier[-1]
    return targets.for_year(wanted)


YearProgress = Callable[[str, int, int], None]
"""Told ``(stage, done, total)`` as :func:`run_year` goes: it only watches."""

TABLES_FROM = 150
"""From how many members and branches ``run_year(backend="auto")`` scores the year as tables (benchmarks/bench_year.py
``--crossover`` measures where the two backends meet on this machine)."""

YEAR_STAGES = ("scoring", "quota and ranking", "funding", "communities", "star targets")
_CHUNK = 100  # subjects scored between two progress reports


def _silent(stage: str, done: int, total: int) -> None:
    return None


def _score_counted(people: list[SubjectFacts], rulesets: list[RuleSet], year: int,
                   params: Mapping[str, Mapping[str, Any]] | None, workers: int | None, keep_breakdowns: bool,
                   tell: YearProgress) -> ScoredYear:
    """:func:`score_year` in chunks, telling ``tell`` the count after each. Subjects are scored one by one and
    independently, so chunks give the same results, failures and breakdowns in the same order; forked workers
    score the whole population at once (a pool per chunk would cost more than it shows)."""
    tell("scoring", 0, len(people))
    if tell is _silent or (workers or 1) > 1:
        out = score_year(people, rulesets, year, params, workers=workers, keep_breakdowns=keep_breakdowns)
        tell("scoring", len(people), len(people))
        return out
    out = ScoredYear()
    kept: list[SubjectYear] = []
    for start in range(0, len(people), _CHUNK):
        part = score_year(people[start:start + _CHUNK], rulesets, year, params, workers=1,
                          keep_breakdowns=keep_breakdowns)
        out.results += part.results
        kept += part.subjects
        out.failures += [Failure(start + f.index, f.subject_id, f.error) for f in part.failures]
        tell("scoring", min(start + _CHUNK, len(people)), len(people))
    out.subjects = kept
    return out


def run_year(
    members: Iterable[MemberFacts] = (),
    branches: Iterable[BranchFacts] = (),
    communities: Iterable[CommunityFacts] = (),
    *,
    year: int,
    rulesets: Sequence[RuleSet] | Mapping[str, RuleSet] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    options: YearOptions | None = None,
    workers: int | None = None,
    keep_breakdowns: bool = True,
    backend: str = "auto",
    ledger: Ledger | None = None,
    ledger_scope: str = DEFAULT_SCOPE,
    progress: YearProgress | None = None,
) -> YearResult:
    """Run the assessment year ``year`` for a population (by default with the shipped rule sets).

    ``params`` overrides parameters per rule-set id (a what-if: ``{"member-in-service": {"annual_weight_daily":
    0.3}}``). A subject that cannot be scored is reported in ``failures`` and the rest of the year still runs.
    ``backend="vector"`` scores the quarters and the year as tables (:mod:`partyrules.cycle.tabled`): the annual
    results are the engine's, except that their breakdown hashes are ``None``, and ``subject_years`` makes each
    subject's breakdowns with the engine when it is read. ``backend="engine"`` scores every subject one by one,
    keeping its breakdowns (and hashes) as it goes; there ``workers`` > 1 scores in that many forked processes
    (Linux), and the breakdowns are then not kept (``subject_years`` is empty), only the annual results, which are
    identical. ``backend="auto"`` (the default) takes the engine for fewer than :data:`TABLES_FROM` members and
    branches (tables cost a fixed few seconds to set up; the engine about a millisecond per evaluation) and tables
    from there, when the analysis extra (polars) is installed. ``keep_breakdowns=False`` gives an empty
    ``subject_years`` on either backend.

    With ``ledger``, the year is computed on corrected facts: every upheld objection (not reversed) on a published
    score of the year in ``ledger_scope`` (a quarter's, or the year's own from
    :func:`~partyrules.cycle.publication.publish_annual`) has its correction applied
    to the subject's facts first, and each annual result is a :class:`CorrectedAnnualResult`
    that names the corrections it used (``YearResult.corrections`` lists them all; ``unused_corrections`` those
    about subjects not in the population).

    ``progress(stage, done, total)``, when given, is told each stage (:data:`YEAR_STAGES`) as it starts
    (``done == 0``), as subjects are scored, and as it ends (``done == total``). It only watches: the result is
    the same with or without it.
    """
    tell = progress or _silent
    options = options or YearOptions()
    if rulesets is None:
        rulesets = shipped_rulesets()
    rs_list = list(rulesets.values()) if isinstance(rulesets, Mapping) else list(rulesets)
    # several versions of an index: the year's own (its quota, funding weights and community index too)
    rs_list = versions_in_force(rs_list, Period.year(year))
    scorable = [rs for rs in rs_list if rs.subject_kind != "community"]
    people: list[SubjectFacts] = [*members, *branches]
    applied: dict[tuple[str, str], list[AppliedCorrection]] = {}
    unused: list[str] = []
    if ledger is not None:
        people, applied, unused = _apply_ledger(people, ledger, year, ledger_scope)
    if backend == "auto":  # tables need the analysis extra: without it every year runs on the engine
        backend = "vector" if len(people) >= TABLES_FROM and tables_available() else "engine"
    if backend == "vector":
        tell("scoring", 0, len(people))
        scored = score_year_tables(people, scorable, year, params, keep_breakdowns=keep_breakdowns,
                                   progress=lambda done, total: tell("scoring", done, total))
    elif backend == "engine":
        scored = _score_counted(people, scorable, year, params, workers, keep_breakdowns, tell)
    else:
        raise PartyRulesError(f"unknown backend {backend!r} for a year", hint="backend='auto', 'vector' or 'engine'")
    by_id = {rs.id: rs for rs in scorable}
    annual = scored.results
    if ledger is not None:
        annual = [CorrectedAnnualResult(**dict(r), corrections=applied.get((r.subject_kind, r.subject_id), []))
                  for r in annual]
    tell("quota and ranking", 0, 1)
    results = apply_quota(annual, by_id)
    member_results = [r for r in results if r.subject_kind == "member"]
    branch_results = [r for r in results if r.subject_kind == "branch"]

    member_ranks = rank([ranked_of(r) for r in member_results if r.graded])
    branch_ranks = rank([ranked_of(r) for r in branch_results])
    branch_top = priority_list(branch_ranks, options.priority_share)
    branch_bottom = warning_list(branch_ranks, options.warning_share)
    tell("quota and ranking", 1, 1)
    tell("funding", 0, 1)
    funding = _funding(options, by_id, params, member_results, branch_results)
    tell("funding", 1, 1)

    failures = list(scored.failures)
    community_rs = [rs for rs in rs_list if rs.subject_kind == "community"]
    comms = list(communities) if community_rs else []
    community_years = _community_years(comms, community_rs, params, year, len(people), failures, tell)
    tell("star targets", 0, 1)
    report = _star_report(options, year, community_years)
    tell("star targets", 1, 1)

    return YearResult(
        year=year, members=member_results, branches=branch_results, communities=community_years,
        member_ranks=member_ranks, branch_ranks=branch_ranks,
        member_warnings=warning_list(member_ranks, options.warning_share), branch_warnings=branch_bottom,
        branch_priority=branch_top, pairings=pair(branch_bottom, branch_top), funding=funding,
        star_targets=report, failures=failures, subject_years=scored.subjects,
        corrections=sorted((c for cs in applied.values() for c in cs), key=lambda c: c.publication_id),
        unused_corrections=unused,
    )


def _funding(options: YearOptions, by_id: Mapping[str, RuleSet], params: Mapping[str, Mapping[str, Any]] | None,
             member_results: list[AnnualResult], branch_results: list[AnnualResult]) -> Allocation | None:
    """The pool shared among the branches by both indices, with the weights of the branch rule sets in use."""
    if options.funding_pool_fen is None:
        return None
    used = sorted({r.ruleset_id for r in branch_results})
    weights = funding_weights(by_id[i].with_params(**(params or {}).get(i, {})) for i in used)
    return allocate(options.funding_pool_fen, funding_entries(member_results, branch_results),
                    basis=options.funding_basis,  # type: ignore[arg-type]
                    vetoed_floor_fen=options.vetoed_floor_fen, min_score=options.funding_min_score,
                    index_weights=weights)


def _community_years(comms: list[CommunityFacts], community_rs: list[RuleSet],
                     params: Mapping[str, Mapping[str, Any]] | None, year: int, n_people: int,
                     failures: list[Failure], tell: YearProgress) -> list[CommunityYear]:
    """Each community's stars for the year; a community that cannot be scored is added to ``failures``, numbered
    after the members and branches."""
    community_years: list[CommunityYear] = []
    tell("communities", 0, len(comms))
    if comms:
        ev = Evaluator(community_rs[0], (params or {}).get(community_rs[0].id))
        for start in range(0, len(comms), _CHUNK):  # in chunks only so that progress can count them
            batch = ev.evaluate_many(comms[start:start + _CHUNK], Period.year(year))
            for f in batch.failures:
                failures.append(Failure(n_people + start + f.index, f.subject_id, f.error))
            community_years += [CommunityYear(b.subject_id, round(b.total), b.grade.zh, b.grade.en,
                                              breakdown_hash(b)) for b in batch.breakdowns]
            tell("communities", min(start + _CHUNK, len(comms)), len(comms))
    return community_years


def _star_report(options: YearOptions, year: int, community_years: list[CommunityYear]) -> TargetReport | None:
    """The communities' stars checked against the year's star targets, when there are both."""
    if not community_years:
        return None
    yt = _targets_for(options, year)
    if yt is None:
        return None
    return check_star_targets({c.subject_id: c.stars for c in community_years}, yt)
