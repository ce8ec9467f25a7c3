"""The vectorised evaluator: the facts put in front of the rules as the other backends do, the population scored
in chunks, each chunk's aggregations grouped by item table, and the backend the registry names."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from ...compile.columns import SUBJECT_PREFIX, AggColumn, ColumnCompiler, needed_columns
from ...errors import EvaluationError
from ...lang import ir as I
from ...periods import Period
from ...population.frames import SUBJECT_TABLE, Population
from ...rulesets.model import RuleSet
from ...score.table import ATTRIBUTES, PopulationScores, table_schema
from ..context import check_in_force
from .groups import Firing, GroupColumns
from .plan import RulePlan
from .stages import OK

if TYPE_CHECKING:
    from ..compiled import CompiledRuleSet

# the key each list's items are identified by (the per-subject backends sum a rule's item amounts in key order)
ITEM_KEYS = {"records": "month", "incidents": "incident_id", "commendations": "commendation_id",
             "claimed_posts": "post_id", "checklist": "item_id", "volunteer_teams": "team_id", "grids": "grid_id"}
# the order of each list in a bundle (what aggregations range over, in this order)
ITEM_ORDER = {"records": ("month",), "incidents": ("occurred_on", "incident_id"),
              "commendations": ("awarded_on", "commendation_id"), "grids": ("grid_id",)}
DEFAULT_CHUNK = 1_000_000  # measured: one piece of 1M is faster than four of 250k and needs less memory


class _Progress:
    """A one-line progress report on stderr for long runs: subjects done, rate, and the step under way."""

    def __init__(self, total: int, out: Any) -> None:
        self.total, self.out, self.done = total, out, 0
        self.started = time.perf_counter()

    def _show(self, step: str) -> None:
        if self.out is None:
            return
        share = self.done / self.total if self.total else 1.0
        filled = int(share * 20)
        rate = self.done / max(time.perf_counter() - self.started, 1e-9)
        print(f"\rpartyrules: [{'#' * filled}{'.' * (20 - filled)}] {self.done:,} of {self.total:,} subjects "
              f"({rate:,.0f}/s) {step:<48}", end="", file=self.out, flush=True)

    def stage(self, step: str) -> None:
        self._show(step)

    def advance(self, k: int) -> None:
        self.done += k
        self._show("")

    def close(self) -> None:
        if self.out is not None:
            self._show(f"done in {time.perf_counter() - self.started:,.1f} s")
            print(file=self.out)


class VectorEvaluator:
    """Scores populations with one rule set (its effective parameters fixed), over columns."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset

    # -- facts in front of the rules -------------------------------------------------------------------------
    def _prepare(self, pop: Population, period: Period) -> tuple[dict[str, pl.DataFrame], list[tuple[str, str]]]:
        rs = self.ruleset
        if pop.subject_kind != rs.subject_kind:
            raise EvaluationError(f"rule set {rs.id} scores {rs.subject_kind}s, but the population holds "
                                  f"{pop.subject_kind}s", hint=f"use a {pop.subject_kind} rule set")
        check_in_force(rs, period)
        tables = dict(pop.tables)
        reasons: dict[str, str] = {}  # the first reason a subject cannot be scored, checked as build_context does
        if "records" in tables:
            first, last = str(period.start), str(period.end)
            out = tables["records"].filter((pl.col("month") < first) | (pl.col("month") > last))
            for sid, months in out.group_by("subject_id", maintain_order=True).agg(pl.col("month")).iter_rows():
                reasons[sid] = str(EvaluationError(f"{sid} has records outside the period {period}: "
                                                   f"{', '.join(months)}",
                                                   hint="select the period's records first, or widen the period"))
        if "annual" in tables:
            ann = tables["annual"].filter((pl.col("year") < period.start.year) | (pl.col("year") > period.end.year))
            for sid, year in ann.select("subject_id", "year").iter_rows():
                reasons.setdefault(sid, str(EvaluationError(
                    f"the annual evaluation of {sid} is for {year}, outside the period {period}",
                    hint="pass the evaluation of the period's year")))
        failures: list[tuple[str, str]] = []
        if reasons:
            failures = [(sid, reasons[sid]) for sid in tables[SUBJECT_TABLE].get_column("subject_id")
                        if sid in reasons]
            drop = pl.Series(sorted(reasons), dtype=pl.String).implode()
            tables = {k: t.filter(~pl.col("subject_id").is_in(drop)) for k, t in tables.items()}
        lo, hi = period.start_date, period.end_date
        for name, col in (("incidents", "occurred_on"), ("commendations", "awarded_on")):
            if name in tables:
                tables[name] = tables[name].filter(pl.col("verified") & pl.col(col).is_between(lo, hi))
        listed = [name for name in ITEM_ORDER if name in tables]
        for name, ordered in zip(listed, _in_order(tables, listed), strict=True):
            if not ordered:
                tables[name] = tables[name].sort(["subject_id", *ITEM_ORDER[name]], maintain_order=True)
        return tables, failures

    # -- scoring ----------------------------------------------------------------------------------------------
    def score(self, pop: Population, period: Period, *, progress: bool = False,
              chunk: int = DEFAULT_CHUNK) -> PopulationScores:
        """Score every subject of ``pop`` for ``period`` (in chunks of ``chunk`` subjects, to bound memory)."""
        rs = self.ruleset
        n = len(pop)
        attrs = list(ATTRIBUTES[rs.subject_kind])
        frames: list[pl.DataFrame] = []
        not_applicable: list[str] = []
        failures: list[tuple[str, str]] = []
        bar = _Progress(n, sys.stderr if progress else None)
        for part in _chunks(self._project(pop, attrs), chunk):
            bar.stage("checking the facts")
            tables, fails = self._prepare(part, period)
            failures.extend(fails)
            frame, skipped = self._score_tables(tables, period, attrs, bar)
            frames.append(frame)
            not_applicable.extend(skipped)
            bar.advance(len(part))
        bar.close()
        frame = pl.concat(frames) if len(frames) > 1 else frames[0]
        return PopulationScores(rs, frame, str(period), not_applicable=not_applicable, failures=failures,
                                facts_of=pop.facts, backend="vector")

    def _project(self, pop: Population, attrs: list[str]) -> Population:
        """Only the columns the rule set reads, and those the facts are filtered, ordered and checked by."""
        rs = self.ruleset
        nodes = [e.ir for r in (*rs.rules, *rs.checks) for e in r.exprs.values()]
        if rs.applies_to is not None:
            nodes.append(rs.applies_to.ir)
        needed = needed_columns(nodes)
        always = {SUBJECT_TABLE: set(attrs), "records": {"month"}, "annual": {"year"},
                  "incidents": {"verified", "occurred_on", "incident_id"},
                  "commendations": {"verified", "awarded_on", "commendation_id"}}
        tables = {}
        for name, t in pop.tables.items():
            want = needed.get(name, set()) | always.get(name, set())
            if name in ITEM_ORDER:
                want |= set(ITEM_ORDER[name])
            if name in ITEM_KEYS and name in needed:
                want.add(ITEM_KEYS[name])
            if name != SUBJECT_TABLE and name not in needed and name not in always:
                continue  # no rule reads this list
            tables[name] = t.select(["subject_id", *[c for c in t.columns if c in want]])
        return _Tables(pop.subject_kind, tables)

    def _score_tables(self, tables: dict[str, pl.DataFrame], period: Period, attrs: list[str],
                      bar: _Progress | None = None) -> tuple[pl.DataFrame, list[str]]:
        bar = bar or _Progress(0, None)
        rs = self.ruleset
        cc = ColumnCompiler(period)
        subj = tables[SUBJECT_TABLE]
        if "annual" in tables:
            ann = tables["annual"]
            subj = subj.join(ann.rename({c: f"annual.{c}" for c in ann.columns if c != "subject_id"}),
                             on="subject_id", how="left", maintain_order="left")
        skipped: list[str] = []
        applies = rs.applies_to.ir if rs.applies_to is not None else None
        if applies is not None and not any(isinstance(n, I.Agg) for n in applies.walk()):
            # decided on the subject alone: leave the others' items out of every aggregation
            subj, skipped = _applicable(cc, subj, applies)
            if skipped:
                keep = subj.get_column("subject_id").implode()
                tables = {k: t if k == SUBJECT_TABLE else t.filter(pl.col("subject_id").is_in(keep))
                          for k, t in tables.items()}
            applies = None
        # compile every expression first: this registers the aggregations they read (applies_to's too, which are
        # then computed for every subject, as the other backends compute them before deciding)
        applies_holds = cc.holds(applies) if applies is not None else None
        plan = RulePlan(rs, cc, period)
        subj = self._aggregate(cc, tables, subj, plan.firings, bar).collect()
        if applies_holds is not None:
            ok = subj.select(applies_holds).to_series()
            subj, skipped = subj.filter(ok), subj.filter(~ok).get_column("subject_id").to_list()
        bar.stage("points, floors and grades")
        schema = table_schema(rs, attrs)
        scored = _points(plan, subj, schema)
        if not scored.get_column(OK).all():
            # a rounding polars cannot do exactly (a value halfway in binary, or beyond 2^33): plan it exactly
            scored = _points(RulePlan(rs, cc, period, exact=True), subj, schema)
        return scored.drop(OK), skipped

    # -- aggregations ----------------------------------------------------------------------------------------
    def _aggregate(self, cc: ColumnCompiler, tables: dict[str, pl.DataFrame], subj: pl.DataFrame,
                   firings: list[Firing], bar: _Progress) -> pl.LazyFrame:
        """The subjects with every aggregation joined on: each round of aggregations (those whose outer columns
        are known) is computed in one collection of all its group-bys, then joined on lazily."""
        pending: list[AggColumn | Firing] = []
        seen: set[str] = set()
        for col in cc.aggs.values():
            if col.name not in seen:
                seen.add(col.name)
                pending.append(col)
        pending.extend(firings)
        lazy = subj.lazy()
        have = set(subj.columns)
        while pending:
            ready = [p for p in pending if all(c in have for c in p.outer)]
            if not ready:  # pragma: no cover - aggregations are registered inner first
                raise EvaluationError("aggregations depend on each other in a cycle")
            pending = [p for p in pending if p not in ready]
            by_source: dict[tuple[str, bool], list[AggColumn | Firing]] = {}
            for p in ready:
                src = p.node.source if isinstance(p, AggColumn) else p.source
                keyed = isinstance(p, Firing) and p.amount is not None and src in ITEM_KEYS
                by_source.setdefault((src, keyed), []).append(p)
            for source in dict.fromkeys(s for s, _ in by_source):
                bar.stage(f"aggregating {source} ({tables[source].height:,} rows)")
            groups = [self._group(cc, tables, lazy, source, keyed, group)
                      for (source, keyed), group in by_source.items()]
            frames = [f for _, fs in groups for f in fs]
            got = iter(pl.collect_all(frames) if frames else [])
            for cols, fs in groups:
                lazy = cols.attach(lazy, [next(got) for _ in fs])
            have = set(lazy.collect_schema().names())
        return lazy

    def _group(self, cc: ColumnCompiler, tables: dict[str, pl.DataFrame], subj: pl.LazyFrame, source: str,
               keyed: bool, group: list[AggColumn | Firing]) -> tuple[GroupColumns, list[pl.LazyFrame]]:
        items = tables[source].lazy()
        if keyed and source not in ("records",):
            items = items.sort(["subject_id", ITEM_KEYS[source]], maintain_order=True)
        outer = sorted({c for p in group for c in p.outer})
        if outer:
            items = items.join(subj.select("subject_id", *[pl.col(c).alias(SUBJECT_PREFIX + c) for c in outer]),
                               on="subject_id", how="inner", maintain_order="left")
        # Item-level values first, over whole columns; then plain group-by aggregations of those columns (polars'
        # fast path); float sums one item after another per subject (seq_group_sums), as Python adds them.
        cols = GroupColumns()
        for p in group:
            if isinstance(p, Firing):
                cols.add_firing(cc, items, p)
            elif p.node.func == "longest_run":
                cols.runs.append(p)
            else:
                cols.add_aggregation(cc, items, p)
        return cols, cols.frames(cc, items)


def _points(plan: RulePlan, subj: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Points, floors, subtotals, total and grade from the aggregated subjects, with the column
    :data:`~.stages.OK` saying whether each row's roundings were exact (always so for an exact plan).

    Stage by stage on the frame (measured: a single lazy plan of the same stages spends more in polars' optimiser
    than it saves, about 1.7x the CPU on the demo's populations)."""
    stages = [plan.line_exprs(), *plan.dimension_stages(), [plan.total_expr()], [plan.grade_expr()]]
    return plan.lets.run(subj, stages).select(*[pl.col(c).cast(t) for c, t in schema.items()], OK)


def _in_order(tables: dict[str, pl.DataFrame], names: list[str]) -> list[bool]:
    """Whether each named table's items are together by subject and in bundle order already (as the readers and
    the generator give them): checking is one pass per table, all collected at once, where sorting millions of
    rows would be many."""
    checks = [_order_check(tables[name], ITEM_ORDER[name]) for name in names]
    got = iter(pl.collect_all([c for c in checks if c is not None]))
    out = []
    for c in checks:
        if c is None:
            out.append(True)
            continue
        bad, runs, subjects = next(got).row(0)
        out.append(bad == 0 and runs == subjects)
    return out


def _order_check(t: pl.DataFrame, order: tuple[str, ...]) -> pl.LazyFrame | None:
    if t.height < 2:
        return None
    sid = pl.col("subject_id")
    same = sid == sid.shift(1)
    later: pl.Expr = pl.lit(False)
    tie: pl.Expr = pl.lit(True)
    for c in order:  # lexicographic "this item comes after the previous one" over the order columns
        later = later | (tie & (pl.col(c) > pl.col(c).shift(1)))
        tie = tie & (pl.col(c) == pl.col(c).shift(1))
    return t.lazy().select(
        (same.fill_null(True) & ~later.fill_null(False)).slice(1).sum().alias("bad"),
        ((~same).fill_null(False).sum() + 1).alias("runs"),
        sid.n_unique().alias("subjects"))


def _applicable(cc: ColumnCompiler, subj: pl.DataFrame, applies: I.IR) -> tuple[pl.DataFrame, list[str]]:
    ok = subj.select(cc.holds(applies)).to_series()
    return subj.filter(ok), subj.filter(~ok).get_column("subject_id").to_list()


class VectorBackend:
    """The vectorised backend in the registry (:mod:`partyrules.evaluate.backends`): a population at once."""

    name = "vector"

    def score_population(self, compiled: CompiledRuleSet, population: Population, period: Period, *,
                         progress: bool = False) -> PopulationScores:
        return compiled.vector.score(population, period, progress=progress)


class _Tables(Population):
    """A population's tables cut down to what one rule set reads (not a full Population: it is never turned back
    into bundles)."""

    def __post_init__(self) -> None:
        return None


def _chunks(pop: Population, size: int) -> Iterator[Population]:
    """The population in pieces of ``size`` subjects, each with its items, in population order.

    Each item row is given its piece's number once (one small integer column; the table's own columns are
    shared, not copied), and each piece is filtered out when its turn comes, so only one piece is extra memory."""
    n = len(pop)
    if n <= size:
        yield pop
        return
    ids = pop.subjects.get_column("subject_id")
    piece = dict(zip(ids.to_list(), (np.arange(n) // size).tolist(), strict=True))
    tables = {name: t.with_columns(pl.col("subject_id").replace_strict(piece, default=-1, return_dtype=pl.Int32)
                                   .alias("@piece"))
              for name, t in pop.tables.items() if name != SUBJECT_TABLE}
    for i in range((n + size - 1) // size):
        part = {SUBJECT_TABLE: pop.subjects.slice(i * size, size)}
        for name, t in tables.items():
            part[name] = t.filter(pl.col("@piece") == i).drop("@piece")
        yield _Tables(pop.subject_kind, part)
