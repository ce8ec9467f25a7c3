"""Score a population's year as tables: the four quarters and the whole year of every subject on the vectorised
backend, five calls per rule set instead of five engine evaluations per subject, with the breakdowns made on
demand.

The results are the engine's, by construction where they could differ and by test where they cannot:

- each subject's rule set is chosen exactly as the engine path chooses it (:class:`RuleSetChooser`);
- each period sees the facts :func:`facts_for_period` gives the engine (the period's monthly records; the annual
  evaluation only in a period that holds the end of its year), filtered as tables;
- a subject the tables cannot score cleanly (no rule set, not applicable, a failure in any period, a bundle that
  spoils its table) is scored by the engine instead, one by one, so its failure is the engine's own error;
- the totals, grades, vetoes and warnings of the tables are bit for bit the engine's (the backends' differential
  tests), and the annual composite is computed from them by the same :func:`compose_scores`.

What the tables do not have is a breakdown to hash: the annual results carry ``None`` for the breakdown hashes, and
:class:`LazySubjectYears` makes each subject's breakdowns (and their hashes) when it is asked for one.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, overload

from ..errors import PartyRulesError
from ..evaluate.backends import get_backend
from ..evaluate.evaluator import Evaluator, Failure
from ..evaluate.population import score_population
from ..facts import SubjectFacts
from ..periods import Period
from ..population.frames import facts_to_population, require_polars
from ..rulesets.model import RuleSet
from .annual import AnnualResult, PeriodScore, compose_scores
from .quarterly import quarters
from .scoring import RuleSetChooser, ScoredYear, SubjectYear, score_subject_year

if TYPE_CHECKING:
    import polars as pl

    from ..population.frames import Population


def _for_period(pop: Population, period: Period) -> Population:
    """The population's tables as :func:`facts_for_period` would leave each subject's facts."""
    import polars as pl

    from ..population.frames import Population

    first, last = str(period.start), str(period.end)
    tables = dict(pop.tables)
    tables["records"] = tables["records"].filter(pl.col("month").is_between(pl.lit(first), pl.lit(last)))
    year_end = pl.format("{}-12", pl.col("year").cast(pl.String).str.zfill(4))
    tables["annual"] = tables["annual"].filter(year_end.is_between(pl.lit(first), pl.lit(last)))
    return Population(pop.subject_kind, tables, pop.absent)


def _period_scores(rs: RuleSet, period: Period, frame: pl.DataFrame) -> dict[str, PeriodScore]:
    """Each subject's score of the period, by id, read off the table's columns."""
    import polars as pl

    label, max_points = str(period), round(rs.max_points, 6)
    vetoes = [(v.id, v.spec.zh, v.spec.en) for v in rs.vetoes]
    checks = [c.id for c in rs.checks]
    # which vetoes and checks held, as the list of their positions: most subjects have none, so the per-row
    # work is on short lists
    fired = frame.select(
        pl.concat_list([pl.when(pl.col(f"veto:{v[0]}")).then(pl.lit(k)) for k, v in enumerate(vetoes)]
                       or [pl.lit(None, pl.Int64)]).list.drop_nulls().alias("v"),
        pl.concat_list([pl.when(pl.col(f"check:{c}")).then(pl.lit(k)) for k, c in enumerate(checks)]
                       or [pl.lit(None, pl.Int64)]).list.drop_nulls().alias("c"))
    out: dict[str, PeriodScore] = {}
    columns = [frame[n].to_list() for n in ("subject_id", "total", "grade", "vetoed")]
    for sid, total, grade, vetoed, v, c in zip(*columns, fired["v"].to_list(), fired["c"].to_list(), strict=True):
        out[sid] = PeriodScore(period=label, total=total, max_points=max_points, grade=grade, vetoed=vetoed,
                               vetoes=tuple(vetoes[k] for k in v), warnings=tuple(checks[k] for k in c),
                               breakdown_hash=None)
    return out


def _submit(pool: ThreadPoolExecutor, ev: Evaluator, facts: list[SubjectFacts], year: int) -> list[Future[Any]] | None:
    """The group's five period tables, computing on the pool; None when the group cannot be made into tables (e.g.
    a bundle holding another subject's conduct)."""
    rs = ev.ruleset
    try:
        pop = facts_to_population(facts, rs.subject_kind)
    except PartyRulesError:
        return None
    return [pool.submit(score_population, rs, _for_period(pop, p), p) for p in _periods(year)]


def _periods(year: int) -> list[Period]:
    return [*quarters(year), Period.year(year)]


def _collect(ev: Evaluator, facts: list[SubjectFacts], year: int,
             futures: list[Future[Any]] | None) -> dict[int, AnnualResult]:
    """The annual results of the subjects (by position) that the tables scored cleanly in every period; the others
    (and a whole group whose tables failed, e.g. a period the rule set is not in force for) are left to the
    engine, which says why."""
    rs = ev.ruleset
    try:
        tables = [f.result() for f in futures] if futures is not None else None
    except PartyRulesError:
        tables = None
    if tables is None:
        return {}
    rows = [_period_scores(rs, p, t.frame) for p, t in zip(_periods(year), tables, strict=True)]
    ids = [f.subject_id for f in facts]
    shared = {sid for sid, n in Counter(ids).items() if n > 1}  # bundles under one id share rows: engine each apart
    out: dict[int, AnnualResult] = {}
    for k, f in enumerate(facts):
        per = [r.get(f.subject_id) for r in rows]
        if f.subject_id in shared or any(r is None for r in per):
            continue  # not applicable or failed in some period
        scores = [r for r in per if r is not None]
        out[k] = compose_scores(rs, f, year, scores[:4], scores[4])
    return out


def score_year_tables(people: Sequence[SubjectFacts], rulesets: Sequence[RuleSet], year: int,
                      params: Mapping[str, Mapping[str, Any]] | None = None, *,
                      keep_breakdowns: bool = True,
                      progress: Callable[[int, int], None] | None = None) -> ScoredYear:
    """:func:`~partyrules.cycle.scoring.score_year` on the vectorised backend: the same annual results and failures
    in the same order, the breakdown hashes left ``None``, and (with ``keep_breakdowns``) ``subjects`` a
    :class:`LazySubjectYears` that makes each subject's breakdowns when it is read. ``progress(done, total)`` is
    told the count of subjects scored after each rule set's tables and at the end."""
    require_polars()  # asked for tables: without the analysis extra that is an error, not the engine in disguise
    get_backend("vector")
    chooser = RuleSetChooser(rulesets, params)
    whole = Period.year(year)
    groups: dict[int, tuple[Evaluator, list[int]]] = {}
    by_engine: list[int] = []
    for i, facts in enumerate(people):
        try:
            ev = chooser.evaluator_for(facts, whole)
        except PartyRulesError:
            by_engine.append(i)
            continue
        groups.setdefault(id(ev), (ev, []))[1].append(i)
    results: dict[int, AnnualResult] = {}
    tell = progress or (lambda done, total: None)
    done = 0
    # one pool for every group: polars computes one group's periods (without the GIL) while Python makes the next
    # group's tables
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        pending = [(ev, idx, _submit(pool, ev, [people[i] for i in idx], year)) for ev, idx in groups.values()]
        for ev, idx, futures in pending:
            scored = _collect(ev, [people[i] for i in idx], year, futures)
            results.update({idx[k]: r for k, r in scored.items()})
            by_engine += [i for k, i in enumerate(idx) if k not in scored]
            done += len(scored)
            tell(done, len(people))
    failures: list[Failure] = []
    for i in by_engine:
        facts = people[i]
        try:
            results[i] = score_subject_year(chooser.evaluator_for(facts, whole), facts, year).result
        except PartyRulesError as exc:
            failures.append(Failure(i, getattr(facts, "subject_id", None), exc))
    tell(len(people), len(people))
    order = sorted(results)
    out = ScoredYear(results=[results[i] for i in order], failures=sorted(failures, key=lambda f: f.index))
    if keep_breakdowns:
        out.subjects = LazySubjectYears(chooser, [people[i] for i in order], year)
    return out


class LazySubjectYears(Sequence[SubjectYear]):
    """The breakdowns of a year scored as tables, made by the engine when read (and kept once made): a list of
    :class:`SubjectYear` in population order, like the one the engine path fills as it goes."""

    def __init__(self, chooser: RuleSetChooser, facts: list[SubjectFacts], year: int) -> None:
        self._chooser = chooser
        self._facts = facts
        self._year = year
        self._made: dict[int, SubjectYear] = {}
        self._where: dict[tuple[str, str], int] | None = None

    def __len__(self) -> int:
        return len(self._facts)

    @overload
    def __getitem__(self, i: int) -> SubjectYear: ...

    @overload
    def __getitem__(self, i: slice) -> list[SubjectYear]: ...

    def __getitem__(self, i: int | slice) -> SubjectYear | list[SubjectYear]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        k = range(len(self))[i]  # negative indices and bounds as a list has them
        if k not in self._made:
            facts = self._facts[k]
            ev = self._chooser.evaluator_for(facts, Period.year(self._year))
            self._made[k] = score_subject_year(ev, facts, self._year)
        return self._made[k]

    def __iter__(self) -> Iterator[SubjectYear]:
        return (self[k] for k in range(len(self)))

    def __bool__(self) -> bool:
        return bool(self._facts)

    def position(self, kind: str, subject_id: str) -> int | None:
        """Where a subject is in this sequence, without making anyone's breakdowns."""
        if self._where is None:
            self._where = {}
            for k, f in enumerate(self._facts):
                self._where.setdefault((str(type(f).subject_kind), f.subject_id), k)
        return self._where.get((kind, subject_id))
