"""The population a service shows people: its facts, and its year run once, when a page first asks for it.

``partyrules serve --population PATH`` or ``--demo`` gives the service one population; its pages show the year's
tables (:func:`partyrules.cycle.year.run_year`) and each subject's breakdowns. The year is computed on the first
page that needs it and kept: the demo's three thousand members take tens of seconds, which a service should pay
once, not at start (the JSON endpoints never need it) and not per page.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..cycle.quarterly import quarters
from ..cycle.scoring import SubjectYear, choose_ruleset
from ..cycle.year import YearOptions, YearResult, run_year, shipped_rulesets
from ..errors import PartyRulesError
from ..evaluate import Evaluator
from ..facts import BranchFacts, CommunityFacts, MemberFacts
from ..periods import Period
from ..results import ScoreBreakdown
from ..rulesets.model import RuleSet

DEMO_SEED = 2026
DEMO_POOL_FEN = 50_000_000
"""The demo's funding pool (500,000 yuan of 以奖代补 funds), as ``partyrules demo`` shares it."""


@dataclass
class YearSource:
    """A population for the pages: members, branches and communities of ``year``, run with ``rulesets`` and
    ``options``. ``community_of_branch`` maps a branch to its community's id when the population says so (the
    generated one does); otherwise a branch belongs to its parent organisation, as the rankings group it."""

    year: int
    members: Sequence[MemberFacts]
    branches: Sequence[BranchFacts]
    communities: Sequence[CommunityFacts] = ()
    rulesets: Sequence[RuleSet] | None = None
    options: YearOptions = field(default_factory=YearOptions)
    community_of_branch: dict[str, str] = field(default_factory=dict)
    label: str = ""
    _result: YearResult | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _by_id: dict[str, dict[str, MemberFacts | BranchFacts | CommunityFacts]] = field(
        default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        # pages look subjects up by id on every request: one index per kind, made once
        self._by_id = {kind: {f.subject_id: f for f in facts} for kind, facts in
                       (("member", self.members), ("branch", self.branches), ("community", self.communities))}

    @classmethod
    def demo(cls, seed: int = DEMO_SEED, rulesets: Sequence[RuleSet] | None = None) -> YearSource:
        """The seeded sample sub-district of ``partyrules demo``, with its funding pool."""
        from ..synthetic import generate_subdistrict

        area = generate_subdistrict(seed=seed)
        return cls(area.year, area.members, area.branches, area.communities, rulesets,
                   YearOptions(funding_pool_fen=DEMO_POOL_FEN), dict(area.community_of_branch),
                   label=f"demo seed {seed}")

    def result(self) -> YearResult:
        """The year, computed by the first caller; callers at the same time wait for that one run."""
        with self._lock:
            if self._result is None:
                self._result = run_year(self.members, self.branches, self.communities, year=self.year,
                                        rulesets=self.rulesets, options=self.options)
            return self._result

    def keep(self, result: YearResult) -> None:
        """Keep ``result`` as the year: a year already run on this very population, rulesets and options (the
        demo runs it once for all its sections)."""
        with self._lock:
            self._result = result

    def periods(self) -> list[str]:
        """The periods a subject's breakdown is shown for: the year, then its quarters."""
        return [str(Period.year(self.year)), *(str(q) for q in quarters(self.year))]

    def community_of(self, branch: BranchFacts) -> str:
        bid = branch.branch.branch_id
        return self.community_of_branch.get(bid, branch.branch.parent_org_id)

    def kind_of(self, subject_id: str) -> str | None:
        """``member``, ``branch`` or ``community``: the kind of the subject with this id, None when there is none."""
        return next((kind for kind, found in self._by_id.items() if subject_id in found), None)

    def facts(self, kind: str, subject_id: str) -> MemberFacts | BranchFacts | CommunityFacts | None:
        return self._by_id.get(kind, {}).get(subject_id)

    def community_ids(self) -> list[str]:
        """Every community: those with facts, and the parent organisations branches name without facts."""
        return sorted({c.subject_id for c in self.communities} | {self.community_of(b) for b in self.branches})

    def subject_year(self, subject_id: str) -> SubjectYear | None:
        """A member's or branch's breakdowns of the year, None when the year has none (not in the population, or
        not scored: see the year's failures)."""
        kind = self.kind_of(subject_id)
        if kind not in ("member", "branch"):
            return None
        try:
            return self.result().subject_year(subject_id, kind)
        except PartyRulesError:  # a subject that could not be scored: the tables list it with why
            return None

    def breakdown(self, subject_id: str, period: str) -> ScoreBreakdown | None:
        """The subject's breakdown for one of :meth:`periods` as the year scored it; a community's for the whole
        year only (it is rated once a year). None when there is none."""
        kind = self.kind_of(subject_id)
        if kind == "community":
            facts = self.facts(kind, subject_id)
            whole = Period.year(self.year)
            if facts is None or period != str(whole):
                return None
            rulesets = list(self.rulesets) if self.rulesets is not None else list(shipped_rulesets().values())
            try:
                return Evaluator(choose_ruleset(facts, rulesets, whole)).evaluate(facts, whole)
            except PartyRulesError:
                return None
        sy = self.subject_year(subject_id)
        if sy is None or period not in self.periods():
            return None
        return (sy.year, *sy.quarters)[self.periods().index(period)]
