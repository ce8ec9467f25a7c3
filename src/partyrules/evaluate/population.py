"""Score a whole population with one rule set, on the backend of your choice, as one table.

The input is checked here once for every backend (the period, the kind of subject, the tables, each subject's
own rows); the backend named (:mod:`partyrules.evaluate.backends`) then scores what is left.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..errors import EvaluationError, FactError, PartyRulesError, PopulationError
from ..facts import BranchFacts, CommunityFacts, MemberFacts
from ..facts.ownership import ForeignItem, foreign_conduct_error, foreign_items
from ..periods import Period
from ..rulesets.model import RuleSet
from ..score.table import PopulationScores
from .backends import get_backend
from .compiled import compiled_ruleset
from .context import check_in_force

if TYPE_CHECKING:
    from ..facts import SubjectFacts
    from ..population.frames import Population

MISSING_TABLES = ("error", "empty")
"""What :func:`score_population` does with a table the rule set reads but the input did not give at all: refuse
(the default), or take it as empty (no items of that kind) and say so in ``PopulationScores.assumed_empty``."""


def tables_read(ruleset: RuleSet) -> dict[str, list[str]]:
    """The item tables (everything but ``subjects``) the rule set's expressions read, each with the ids of the
    rules, checks and ``applies_to`` that read it, in rule-set order."""
    from ..compile.columns import needed_columns

    out: dict[str, list[str]] = {}
    readers: list[tuple[str, list[Any]]] = [(r.id, [e.ir for e in r.exprs.values()])
                                             for r in (*ruleset.rules, *ruleset.checks)]
    if ruleset.applies_to is not None:
        readers.append(("applies_to", [ruleset.applies_to.ir]))
    for rid, nodes in readers:
        for table in needed_columns(nodes):
            if table != "subjects":
                out.setdefault(table, []).append(rid)
    return out


def _missing_tables(ruleset: RuleSet, pop: Population, missing_tables: str | Collection[str]
                    ) -> dict[str, list[str]]:
    """The tables the rule set reads that the input did not give and that ``missing_tables`` takes as empty, with
    the rules that read each; a :class:`PopulationError` naming any other such table."""
    from ..population.frames import layout

    if isinstance(missing_tables, str):
        if missing_tables not in MISSING_TABLES:
            raise PartyRulesError(f"unknown missing_tables {missing_tables!r}",
                                  hint="one of: " + ", ".join(MISSING_TABLES) + ", or a list of table names")
        allowed = set(layout(ruleset.subject_kind)) if missing_tables == "empty" else set()
    else:
        allowed = set(missing_tables)
        unknown = sorted(allowed - set(layout(ruleset.subject_kind)))
        if unknown:
            raise PopulationError(f"no table {', '.join(map(repr, unknown))} in a population of "
                                  f"{ruleset.subject_kind}s / 没有这样的表",
                                  hint="the tables are: " + ", ".join(layout(ruleset.subject_kind)))
    read = tables_read(ruleset)
    absent = {t: read[t] for t in read if t in pop.absent}
    missing = {t: rules for t, rules in absent.items() if t not in allowed}
    if missing:
        what = "; ".join(f"{t} (read by {_ids(rules)})" for t, rules in missing.items())
        raise PopulationError(
            f"the population has no table {what}: scoring without it would count none of its items / "
            f"人口数据缺少规则读取的表 {', '.join(missing)}, 不予评分",
            hint=f"give {', '.join(missing)} (a table with only its header when no subject has any), or take "
                 f"{'them' if len(missing) > 1 else 'it'} as empty on purpose with missing_tables='empty' "
                 f"(the CLI: --allow-missing-table {' --allow-missing-table '.join(missing)})")
    return absent


def _ids(rules: list[str], shown: int = 8) -> str:
    return ", ".join(rules[:shown]) + (f" and {len(rules) - shown} more" if len(rules) > shown else "")


def _as_population(population: Population | Mapping[str, Any] | str | PathLike[str] | Iterable[SubjectFacts],
                   kind: str) -> tuple[Population, list[tuple[str, str]]]:
    """The population as tables, and the subjects or rows that cannot be scored, each with the reason.

    Every input passes here, and each way in keeps out anything of another subject (only a subject's own conduct
    is assessed): tables given as DataFrames are checked like files (a bad row, a row of another subject among
    them, leaves its subject out and says why); a bundle holding another subject's item (made by model_copy or
    model_construct, which skip the bundle's checks) is refused with the typed error, since turned into tables its
    item would be attached to the subject it names; tables taken as they are get the same refusal."""
    from ..population.frames import Population, facts_to_population
    from ..population.io import population_from_frames, read_population

    if isinstance(population, Population):
        return _own_rows_only(*_distinct_subjects(population))
    if isinstance(population, Mapping | str | PathLike):
        # tables given as frames or as files are read with every row checked: a bad row leaves its subject out
        read = population_from_frames(population, kind) if isinstance(population, Mapping) else \
            read_population(Path(population))
        return read.population, [(p.subject_id or f"{p.file}:{p.row}", str(p)) for p in read.problems]
    from ..population.files import fact_error

    try:
        bundles = list(population)
    except TypeError:
        raise EvaluationError(f"cannot score a {type(population).__name__} as a population",
                              hint="give a Population, a path to population files, a mapping of table names to "
                                   "DataFrames, or fact bundles") from None
    times = Counter(getattr(f, "subject_id", None) for f in bundles)
    kept: list[Any] = []
    refused: list[tuple[str, str]] = []
    for facts in bundles:
        if not isinstance(facts, (MemberFacts, BranchFacts, CommunityFacts)):
            kept.append(facts)  # facts_to_population says what it is
            continue
        sid = facts.subject_id
        n = times[sid]
        if n != 1:
            # which of two bundles of one subject is right cannot be told: none is scored, on any backend, and the
            # subject is reported once (at its first bundle)
            if n > 1:
                refused.append((sid, str(_duplicate_error(sid, n))))
                times[sid] = -n
            continue
        items = foreign_items(facts)
        if items:
            refused.append((sid, str(foreign_conduct_error(kind, sid, items))))
            continue
        # model_copy(update=...) and model_construct skip the models' checks: every bundle is validated again
        # here, so that a value past the limits (a 16 MiB kind, a count of 2^63, an infinite hour) is refused
        # before any backend reads it, and the same subject is left out by all three
        try:
            kept.append(type(facts).model_validate(facts.model_dump(warnings=False)))
        except ValidationError as exc:
            refused.append((sid, str(fact_error(exc, f"subject {sid!r}"))))
    return facts_to_population(kept, kind), refused


def _duplicate_error(sid: str, times: int) -> FactError:
    return FactError(f"subject id {sid!r} is given more than once ({times} times): none of them is scored / "
                     f"对象编号 {sid!r} 重复出现 {times} 次, 均不评分",
                     hint="give each subject once, with all its facts in one bundle")


def _distinct_subjects(pop: Population) -> tuple[Population, list[tuple[str, str]]]:
    """The population without the subjects whose id is on more than one row of its subjects table (the rows of
    their items cannot be told apart), and why each is out."""
    ids = pop.subjects.get_column("subject_id")
    dup = ids.filter(ids.is_duplicated())
    if dup.is_empty():
        return pop, []
    times = dup.value_counts(sort=False)
    count = dict(zip(times.get_column("subject_id").to_list(), times.get_column("count").to_list(), strict=True))
    refused = [(sid, str(_duplicate_error(sid, count[sid]))) for sid in dup.unique(maintain_order=True).to_list()]
    return pop.select(sid for sid in ids.to_list() if sid not in count), refused


def _own_rows_only(pop: Population, refused: list[tuple[str, str]]) -> tuple[Population, list[tuple[str, str]]]:
    """The population without the subjects that have a row of another subject attached, and why each is out (after
    the ``refused`` subjects already left out)."""
    from ..population.checks import foreign_rows

    found: dict[str, list[ForeignItem]] = {}
    for sid, table, item, owner_kind, owner_id in foreign_rows(pop.subject_kind, pop.tables):
        found.setdefault(sid, []).append((table, item, owner_kind, owner_id))
    if not found:
        return pop, refused
    ids = pop.subject_ids
    refused = [*refused, *((sid, str(foreign_conduct_error(pop.subject_kind, sid, found[sid])))
                           for sid in ids if sid in found)]
    return pop.select(sid for sid in ids if sid not in found), refused


def score_population(ruleset: RuleSet,
                     population: Population | Mapping[str, Any] | str | PathLike[str] | Iterable[SubjectFacts],
                     period: Period | str, *, backend: str = "vector",
                     params: dict[str, Any] | None = None, progress: bool = False,
                     missing_tables: str | Collection[str] = "error") -> PopulationScores:
    """Score every subject of ``population`` under ``ruleset`` for ``period``.

    ``population`` is a :class:`~partyrules.population.frames.Population` (from the readers or the generator),
    a mapping of table name to polars or pandas DataFrame, a path to population files (a directory of tables or a
    workbook; both checked row by row first, each bad row a failure naming where it is), or fact bundles.

    Subjects the rule set does not apply to are listed in ``not_applicable``; subjects that cannot be scored
    (for example records outside the period) are listed in ``failures`` with the reason; the others are scored.

    A table the rule set reads that the input did not give at all (no ``incidents.csv`` in the directory, no
    ``"incidents"`` among the DataFrames) is a :class:`PopulationError` naming the table and the rules that read
    it, on every backend: scored as empty, every subject would silently lose what those rules count. With
    ``missing_tables="empty"`` (or a list of the tables meant) such tables are taken as empty on purpose, and
    ``assumed_empty`` of the result names them with their rules.
    """
    chosen = get_backend(backend)
    rs = ruleset.with_params(**params) if params else ruleset
    period = Period.parse(period) if isinstance(period, str) else period
    # what is wrong with the call itself (the period, the kind of subject, the tables) is one error for the whole
    # call on every backend, never the same reason listed against each subject
    check_in_force(rs, period)
    pop, unread = _as_population(population, rs.subject_kind)
    if pop.subject_kind != rs.subject_kind:
        raise EvaluationError(f"rule set {rs.id} scores {rs.subject_kind}s, but the population holds "
                              f"{pop.subject_kind}s", hint=f"use a {pop.subject_kind} rule set")
    assumed_empty = _missing_tables(rs, pop, missing_tables)
    scores = chosen.score_population(compiled_ruleset(rs), pop, period, progress=progress)
    scores.failures[:0] = unread
    scores.assumed_empty = assumed_empty
    return scores
