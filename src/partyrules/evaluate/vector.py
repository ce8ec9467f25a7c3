"""The vectorised backend: one rule set over a whole population's columns with polars.

It decides what the other backends decide, in the same words (see :mod:`partyrules.evaluate.reference` for the
firing semantics), but for every subject at once:

1. the facts are put in front of the rules exactly as :func:`~partyrules.evaluate.context.build_context` does it:
   only verified incidents and commendations within the period; a subject whose records or annual evaluation fall
   outside the period is reported as a failure, not scored;
2. every aggregation is one group-by over its item table, joined back to the subject frame (inner aggregations
   first); a rule that fires once per matching item counts (or sums) its items the same way;
3. points, floors, subtotals, totals and grades are columns (:mod:`partyrules.score.vector`).

The result is a :class:`~partyrules.score.table.PopulationScores`, identical to the engine's (the tests prove it
on generated populations for every shipped rule set), and any subject's full breakdown is produced on demand.
"""

from __future__ import annotations

import operator
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import reduce
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from ..compile.columns import (
    SUBJECT_PREFIX,
    AggColumn,
    ColumnCompiler,
    divide,
    in_range_column,
    needed_columns,
    outer_columns,
)
from ..compile.durable import occurrence_shape, per_fact
from ..errors import EvaluationError
from ..lang import ir as I
from ..periods import Period
from ..population.frames import SUBJECT_TABLE, Population
from ..rulesets.cadence import not_due
from ..rulesets.model import Check, Deduction, RuleSet, Standard, Veto
from ..score.table import ATTRIBUTES, PopulationScores, table_schema
from ..score.vector import fmax, fmin, round6, seq_sum
from .context import check_in_force

if TYPE_CHECKING:
    from .compiled import CompiledRuleSet

# the key each list's items are identified by (the per-subject backends sum a rule's item amounts in key order)
ITEM_KEYS = {"records": "month", "incidents": "incident_id", "commendations": "commendation_id",
             "claimed_posts": "post_id", "checklist": "item_id", "volunteer_teams": "team_id", "grids": "grid_id"}
# the order of each list in a bundle (what aggregations range over, in this order)
ITEM_ORDER = {"records": ("month",), "incidents": ("occurred_on", "incident_id"),
              "commendations": ("awarded_on", "commendation_id"), "grids": ("grid_id",)}
DEFAULT_CHUNK = 1_000_000  # measured: one piece of 1M is faster than four of 250k and needs less memory


@dataclass
class _Firing:
    """A rule that fires once per matching item: its count (or summed amount) becomes a subject column."""

    name: str
    source: str
    where: I.IR | None
    amount: I.IR | None
    outer: list[str]


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
        for name, order in ITEM_ORDER.items():
            if name in tables and not _in_order(tables[name], order):
                tables[name] = tables[name].sort(["subject_id", *order], maintain_order=True)
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
        plan = _RulePlan(rs, cc, period)
        subj = self._aggregate(cc, tables, subj, plan.firings, bar)
        if applies_holds is not None:
            ok = subj.select(applies_holds).to_series()
            subj, skipped = subj.filter(ok), subj.filter(~ok).get_column("subject_id").to_list()
        bar.stage("points, floors and grades")
        subj = subj.with_columns(plan.line_exprs())
        for stage in plan.dimension_stages():
            subj = subj.with_columns(stage)
        subj = subj.with_columns(plan.total_expr()).with_columns(plan.grade_expr())
        scored = subj
        schema = table_schema(rs, attrs)
        return scored.select([pl.col(c).cast(t) for c, t in schema.items()]), skipped

    # -- aggregations ----------------------------------------------------------------------------------------
    def _aggregate(self, cc: ColumnCompiler, tables: dict[str, pl.DataFrame], subj: pl.DataFrame,
                   firings: list[_Firing], bar: _Progress) -> pl.DataFrame:
        pending: list[AggColumn | _Firing] = []
        seen: set[str] = set()
        for col in cc.aggs.values():
            if col.name not in seen:
                seen.add(col.name)
                pending.append(col)
        pending.extend(firings)
        while pending:
            have = set(subj.columns)
            ready = [p for p in pending if all(c in have for c in p.outer)]
            if not ready:  # pragma: no cover - aggregations are registered inner first
                raise EvaluationError("aggregations depend on each other in a cycle")
            pending = [p for p in pending if p not in ready]
            by_source: dict[tuple[str, bool], list[AggColumn | _Firing]] = {}
            for p in ready:
                src = p.node.source if isinstance(p, AggColumn) else p.source
                keyed = isinstance(p, _Firing) and p.amount is not None and src in ITEM_KEYS
                by_source.setdefault((src, keyed), []).append(p)
            for (source, keyed), group in by_source.items():
                bar.stage(f"aggregating {source} ({tables[source].height:,} rows)")
                subj = self._group(cc, tables, subj, source, keyed, group)
        return subj

    def _group(self, cc: ColumnCompiler, tables: dict[str, pl.DataFrame], subj: pl.DataFrame, source: str,
               keyed: bool, group: list[AggColumn | _Firing]) -> pl.DataFrame:
        items = tables[source]
        if keyed and source not in ("records",):
            items = items.sort(["subject_id", ITEM_KEYS[source]], maintain_order=True)
        outer = sorted({c for p in group for c in p.outer})
        if outer:
            items = items.join(subj.select("subject_id", *[pl.col(c).alias(SUBJECT_PREFIX + c) for c in outer]),
                               on="subject_id", how="inner", maintain_order="left")
        # Item-level values first, over whole columns; then plain group-by aggregations of those columns (polars'
        # fast path); float sums one item after another per subject (seq_group_sums), as Python adds them.
        cols = _GroupColumns()
        for p in group:
            if isinstance(p, _Firing):
                cols.add_firing(cc, items, p)
            elif p.node.func == "longest_run":
                cols.runs.append(p)
            else:
                cols.add_aggregation(cc, items, p)
        return cols.joined(cc, items, subj)


@dataclass
class _GroupColumns:
    """The columns one group of aggregations over one table computes, and how each is joined to the subjects."""

    item_cols: list[pl.Expr] = field(default_factory=list)
    simple: list[pl.Expr] = field(default_factory=list)
    # (output, value column, count column for a mean)
    float_sums: list[tuple[str, str, str | None]] = field(default_factory=list)
    defaults: dict[str, Any] = field(default_factory=dict)
    ranged: list[str] = field(default_factory=list)  # sums that are none when out of range
    runs: list[AggColumn] = field(default_factory=list)

    def add_firing(self, cc: ColumnCompiler, items: pl.DataFrame, p: _Firing) -> None:
        name = p.name
        w, v = f"{name}@w", f"{name}@v"
        self.defaults[name] = 0
        if p.amount is None:
            self.simple.append((pl.len() if p.where is None else pl.col(w).sum()).cast(pl.Int64).alias(name))
            if p.where is not None:
                self.item_cols.append(cc.holds(p.where, True).alias(w))
            return
        # an item that does not match adds 0, which changes no sum (x + 0.0 == x for every x but -0.0,
        # and a sum that starts at 0.0 is never -0.0)
        amount = pl.when(cc.holds(p.where, True)).then(cc.item(p.amount).fill_null(0)).otherwise(0)
        self.item_cols.append(amount.alias(v))
        if _is_float(cc, items, p.amount):
            self.float_sums.append((name, v, None))
        else:
            # exact in 128 bits, as Python adds whole numbers (each amount is within 2^53, int64 could wrap)
            self.simple.append(pl.col(v).cast(pl.Int128).sum().alias(name))

    def add_aggregation(self, cc: ColumnCompiler, items: pl.DataFrame, p: AggColumn) -> None:
        name, node = p.name, p.node
        w = f"{name}@w"
        if node.where is not None:
            self.item_cols.append(cc.holds(node.where, True).alias(w))
        if node.func == "count":
            self.simple.append((pl.len() if node.where is None else pl.col(w).sum()).cast(pl.Int64).alias(name))
            self.defaults[name] = 0
            return
        if node.func == "exists":
            self.simple.append((pl.len() > 0 if node.where is None else pl.col(w).any()).alias(name))
            self.defaults[name] = False
            return
        self._add_projection(cc, items, p)

    def _add_projection(self, cc: ColumnCompiler, items: pl.DataFrame, p: AggColumn) -> None:
        name, node = p.name, p.node
        v = f"{name}@v"
        assert node.project is not None
        value = cc.item(node.project)
        kept = value if node.where is None else pl.when(cc.holds(node.where, True)).then(value)  # else null
        self.item_cols.append(kept.alias(v))
        floats = _is_float(cc, items, node.project)
        # a sum (and the sum behind a mean) out of range is none, as in interp; the mean of nothing is none
        if node.func in ("sum", "mean") and floats:
            self.item_cols.append(kept.fill_null(0.0).alias(v + "0"))
            count = None
            if node.func == "mean":
                count = f"{name}@n"
                self.simple.append(pl.col(v).count().alias(count))
            else:
                self.ranged.append(name)
            self.float_sums.append((name, v + "0", count))
            self.defaults[name] = 0 if node.func == "sum" else None
        elif node.func == "sum":
            self.simple.append(pl.col(v).cast(pl.Int128).sum().alias(name))
            self.defaults[name] = 0
            self.ranged.append(name)
        elif node.func == "mean":
            n = pl.col(v).count()
            self.simple.append(pl.when(n > 0).then(in_range_column(pl.col(v).cast(pl.Int128).sum())
                                                   .cast(pl.Float64) / n).alias(name))
            self.defaults[name] = None
        else:
            self.simple.append((pl.col(v).min() if node.func == "min" else pl.col(v).max()).alias(name))
            self.defaults[name] = None

    def joined(self, cc: ColumnCompiler, items: pl.DataFrame, subj: pl.DataFrame) -> pl.DataFrame:
        """The subjects with these columns joined on, each subject without items given its default."""
        # lazily, so that the item-level columns are made a morsel at a time and never all held at once
        lazy = items.lazy().with_columns(self.item_cols) if self.item_cols else items.lazy()
        if self.simple:
            got = lazy.group_by("subject_id").agg(self.simple).collect(engine="streaming")
            subj = subj.join(got, on="subject_id", how="left", maintain_order="left")
        if self.float_sums:
            subj = self._float_sums(lazy, subj)
        fills = [pl.col(k).fill_null(v) for k, v in self.defaults.items() if v is not None]
        if fills:
            subj = subj.with_columns(fills)
        if self.ranged:  # after the fill: a subject without items sums to 0, one whose sum is out of range to none
            subj = subj.with_columns(in_range_column(pl.col(k))
                                     .cast(pl.Float64 if subj.schema[k].is_float() else pl.Int64)
                                     for k in self.ranged)
        for p in self.runs:
            subj = subj.join(_longest_run(cc, items, p), on="subject_id", how="left", maintain_order="left") \
                .with_columns(pl.col(p.name).fill_null(0))
        return subj

    def _float_sums(self, lazy: pl.LazyFrame, subj: pl.DataFrame) -> pl.DataFrame:
        float_sums = self.float_sums
        values = lazy.select("subject_id", *[v for _, v, _ in float_sums]).collect()
        sums = seq_group_sums(values, [v for _, v, _ in float_sums])
        subj = subj.join(sums.rename({v: out for out, v, _ in float_sums}), on="subject_id", how="left",
                         maintain_order="left")
        means = [pl.when(pl.col(n) > 0).then(in_range_column(pl.col(out)) / pl.col(n)).alias(out)
                 for out, _, n in float_sums if n is not None]
        if means:
            subj = subj.with_columns(means)
        return subj


def seq_group_sums(items: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Per subject, each float column summed one item after another in table order, as Python's ``sum`` adds.

    The items of a subject are contiguous. Step ``p`` adds every subject's ``p``-th item to its running total in
    one vectorised addition, so the work is the number of items, and each total sees the same additions, in the
    same order, as a Python loop over that subject's items."""
    sid = items.get_column("subject_id")
    n = items.height
    if n == 0:
        return pl.DataFrame({"subject_id": [], **{c: [] for c in columns}},
                            schema={"subject_id": pl.String, **{c: pl.Float64 for c in columns}})
    new = (sid != sid.shift(1)).fill_null(True).to_numpy()
    starts = np.flatnonzero(new)
    lengths = np.diff(np.append(starts, n))
    by_length = np.argsort(-lengths, kind="stable")
    sorted_lengths = lengths[by_length]
    out: dict[str, Any] = {"subject_id": sid.gather(starts)}
    for c in columns:
        values = items.get_column(c).cast(pl.Float64).to_numpy()
        acc = np.zeros(len(starts))
        for step in range(int(lengths.max())):
            active = by_length[: int(np.searchsorted(-sorted_lengths, -step, side="left"))]
            acc[active] += values[starts[active] + step]
        out[c] = acc
    return pl.DataFrame(out)


def _longest_run(cc: ColumnCompiler, items: pl.DataFrame, col: AggColumn) -> pl.DataFrame:
    """The longest run of consecutive months whose record matches, per subject (as ``interp``'s loop).

    The items are sorted by subject and month, so neighbours are compared with plain shifts (a window per
    subject would be far slower): a run starts at a matching record unless it continues a matching record of
    the month before of the same subject; runs are numbered across the whole table and counted."""
    hit = cc.holds(col.node.where, True)
    month = pl.col("month")
    idx = month.str.slice(0, 4).cast(pl.Int64) * 12 + month.str.slice(5, 2).cast(pl.Int64) - 1
    df = items.select("subject_id", hit.alias("@hit"), idx.alias("@idx"))
    same = pl.col("subject_id") == pl.col("subject_id").shift(1)
    continues = (same & (pl.col("@idx") == pl.col("@idx").shift(1) + 1) & pl.col("@hit").shift(1)).fill_null(False)
    df = df.with_columns((pl.col("@hit") & ~continues).cast(pl.Int64).cum_sum().alias("@run"))
    runs = df.filter(pl.col("@hit")).group_by("@run").agg(pl.col("subject_id").first(), pl.len().alias("n"))
    return runs.group_by("subject_id").agg(pl.col("n").max().cast(pl.Int64).alias(col.name))


def _in_order(t: pl.DataFrame, order: tuple[str, ...]) -> bool:
    """Whether each subject's items are together and in bundle order already (as the readers and the generator
    give them): checking is one pass, where sorting millions of rows would be many."""
    if t.height < 2:
        return True
    sid = pl.col("subject_id")
    same = sid == sid.shift(1)
    later: pl.Expr = pl.lit(False)
    tie: pl.Expr = pl.lit(True)
    for c in order:  # lexicographic "this item comes after the previous one" over the order columns
        later = later | (tie & (pl.col(c) > pl.col(c).shift(1)))
        tie = tie & (pl.col(c) == pl.col(c).shift(1))
    got = t.select(
        (same.fill_null(True) & ~later.fill_null(False)).slice(1).sum().alias("bad"),
        ((~same).fill_null(False).sum() + 1).alias("runs"),
        sid.n_unique().alias("subjects"))
    bad, runs, subjects = got.row(0)
    return bad == 0 and runs == subjects


def _is_float(cc: ColumnCompiler, items: pl.DataFrame, node: I.IR | None) -> bool:
    """Whether an item expression gives floats: sums of whole numbers are exact in any order, so only float
    sums need the slower one-after-the-other addition."""
    if node is None:
        return False
    return items.lazy().select(cc.item(node).alias("v")).collect_schema()["v"].is_float()


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


class _RulePlan:
    """Every rule of the rule set as column expressions over the subject frame."""

    def __init__(self, rs: RuleSet, cc: ColumnCompiler, period: Period) -> None:
        self.rs = rs
        self.cc = cc
        self.firings: list[_Firing] = []
        self.veto_fired: dict[str, pl.Expr] = {v.id: self._occurs(v) for v in rs.vetoes}
        self.check_fired: dict[str, pl.Expr] = {c.id: self._occurs(c) for c in rs.checks}
        skipped = not_due((*rs.standards, *rs.deductions), period)
        # per standard, whether this subject's period leaves it out (False: always assessed); as the scorer decides
        self.not_assessed: dict[str, pl.Expr | bool] = {
            s.id: True if s.id in skipped else
            ~cc.holds(s.exprs["when"].ir) if s.spec.if_not_applicable == "not_assessed" and "when" in s.exprs
            else False
            for s in rs.standards}
        self.standard_points: dict[str, pl.Expr] = {
            s.id: pl.lit(0.0) if self.not_assessed[s.id] is True else self._standard(s) for s in rs.standards}
        # a deduction not due in the period is not applied (as the scorer decides)
        self.deduction_points: dict[str, pl.Expr] = {
            k.id: pl.lit(0.0) if k.id in skipped else self._deduction(k) for k in rs.deductions}

    def _firing(self, rule_id: str, shape: tuple[str, I.IR | None, I.IR | None]) -> pl.Expr:
        source, where, amount = shape
        cc = self.cc
        outer: list[str] = []
        for x in (where, amount):
            if x is not None:
                for c in outer_columns(x, cc.agg_name):
                    if c not in outer:
                        outer.append(c)
        name = f"@fire:{rule_id}"
        self.firings.append(_Firing(name, source, where, amount, outer))
        return pl.col(name)

    def _occurs(self, v: Veto | Check) -> pl.Expr:
        when = v.exprs["when"].ir
        shape = occurrence_shape(when)
        if shape is not None:
            return self._firing(v.id, shape) > 0
        return self.cc.holds(when)

    def _standard(self, s: Standard) -> pl.Expr:
        cc = self.cc
        sp = s.spec
        full = float(sp.points)
        when = s.exprs.get("when")
        applicable = cc.holds(when.ir) if when is not None else pl.lit(True)
        if s.method == "flag":
            guard = cc.holds(when.ir) if when is not None else pl.lit(True)
            points = pl.when(guard & cc.holds(s.exprs["flag"].ir)).then(full).otherwise(0.0)
        elif s.method == "per_occurrence":
            assert sp.per_occurrence is not None
            count = s.exprs["count"].ir
            shape = per_fact(count)
            if shape is not None:
                fired = self._firing(s.id, shape).cast(pl.Float64)
                guard = cc.holds(when.ir) if when is not None else pl.lit(True)
                occ = pl.when(guard).then(fmax(pl.lit(0.0), fired)).otherwise(0.0)
            else:
                v = cc.subject(count)
                occ = pl.when(v.is_not_null() & (v > 0)).then(v.cast(pl.Float64)).otherwise(0.0)
            raw = occ * float(sp.per_occurrence.points)
            points = fmin(raw, pl.lit(full))
        elif s.method == "bands":
            assert sp.bands is not None
            v = cc.subject(s.exprs["value"].ir)
            chain: Any = pl
            for step in sp.bands.steps:
                chain = chain.when(v >= step.at_least).then(float(step.points))
            points = chain.otherwise(0.0) if sp.bands.steps else pl.lit(0.0)
        else:
            if s.method == "ratio":
                assert sp.ratio is not None
                num, den = cc.subject(s.exprs["numerator"].ir), cc.subject(s.exprs["denominator"].ir)
                zero = sp.ratio.zero_denominator
            else:
                assert sp.ratio_to is not None
                num, den = cc.subject(s.exprs["value"].ir), cc.subject(s.exprs["target"].ir)
                zero = sp.ratio_to.zero_target
            frac = pl.when(den.is_null() | (den <= 0)).then(1.0 if zero == "full" else 0.0) \
                .when(num.is_null()).then(0.0) \
                .otherwise(fmin(pl.lit(1.0), fmax(pl.lit(0.0), divide(num, den))))
            points = full * frac
        not_applicable = full if sp.if_not_applicable == "full" else 0.0  # not_assessed: 0, out of the maximum
        return pl.when(applicable).then(round6(points.cast(pl.Float64))).otherwise(not_applicable)

    def _deduction(self, k: Deduction) -> pl.Expr:
        cc = self.cc
        sp = k.spec
        when = k.exprs.get("when")
        guard = cc.holds(when.ir) if when is not None else pl.lit(True)
        per = k.exprs["per"].ir
        shape = per_fact(per)
        if shape is not None:
            occ = fmax(pl.lit(0.0), self._firing(k.id, shape).cast(pl.Float64))
        else:
            v = cc.subject(per)
            occ = pl.when(v.is_not_null() & (v > 0)).then(v.cast(pl.Float64)).otherwise(0.0)
        occ = pl.when(guard).then(occ).otherwise(0.0)
        raw = round6(occ * float(sp.points))
        amount = round6(fmin(raw, pl.lit(float(sp.cap))))
        return round6(-amount)

    # -- totals ----------------------------------------------------------------------------------------------
    def line_exprs(self) -> list[pl.Expr]:
        """Each standard's and deduction's points before floors, and which vetoes and checks fired."""
        return [*(e.alias(f"@p:{k}") for k, e in (*self.standard_points.items(), *self.deduction_points.items())),
                *(e.alias(f"veto:{k}") for k, e in self.veto_fired.items()),
                *(e.alias(f"check:{k}") for k, e in self.check_fired.items())]

    def dimension_stages(self) -> list[list[pl.Expr]]:
        """Subtotals, and each line's final points, as successive column stages: a floor gives points back,
        last-declared deduction first (each step reads the excess the step before left, so each is a stage)."""
        rs = self.rs
        first: list[pl.Expr] = []
        steps: list[list[pl.Expr]] = []
        last: list[pl.Expr] = [pl.col(f"@p:{s.id}").alias(f"rule:{s.id}") for s in rs.standards]
        for d in rs.dimensions:
            left_out = [pl.lit(float(s.points)) if na is True else pl.when(na).then(float(s.points)).otherwise(0.0)
                        for s in rs.standards if s.dimension == d.id
                        for na in (self.not_assessed[s.id],) if na is not False]
            first.append((round6(fmax(pl.lit(0.0), pl.lit(float(d.max)) - seq_sum(left_out))) if left_out
                          else pl.lit(float(d.max))).alias(f"@max:{d.id}"))
            earned = round6(seq_sum([pl.col(f"@p:{s.id}") for s in rs.standards if s.dimension == d.id]))
            mine = [k.id for k in rs.deductions if k.dimension == d.id]
            taken = round6(-seq_sum([pl.col(f"@p:{k}") for k in mine]))
            ex, active = f"@excess:{d.id}", pl.col(f"@active:{d.id}")
            first += [earned.alias(f"@earned:{d.id}"), taken.alias(f"@taken:{d.id}"),
                      round6(taken - earned).alias(ex)]
            first.append((round6(taken - earned) > 0).alias(f"@active:{d.id}"))
            for i, k in enumerate(reversed(mine)):
                p = pl.col(f"@p:{k}")
                give = fmin(-p, pl.col(ex))
                while len(steps) <= i:
                    steps.append([])
                steps[i] += [pl.when(active & (give > 0)).then(round6(p + give)).otherwise(p).alias(f"@p:{k}"),
                             pl.when(active).then(round6(pl.col(ex) - give)).otherwise(pl.col(ex)).alias(ex)]
            taken_after = pl.when(active).then(round6(-seq_sum([pl.col(f"@p:{k}") for k in mine]))) \
                .otherwise(pl.col(f"@taken:{d.id}"))
            last.append(round6(fmin(pl.col(f"@max:{d.id}"), fmax(pl.lit(0.0), pl.col(f"@earned:{d.id}") - taken_after)))
                        .alias(f"dim:{d.id}"))
            last.extend(pl.col(f"@p:{k}").alias(f"rule:{k}") for k in mine)
        fired = [pl.col(f"veto:{v.id}") for v in rs.vetoes]
        last.append(reduce(operator.or_, fired).alias("vetoed") if fired else pl.lit(False).alias("vetoed"))
        return [first, *steps, last]

    def total_expr(self) -> pl.Expr:
        rs = self.rs
        total = round6(seq_sum([pl.col(f"dim:{d.id}") for d in rs.dimensions]))
        if any(na is not False for na in self.not_assessed.values()):
            # on the rule set's scale, as score.scoring.on_scale
            top = round(float(rs.max_points), 6)
            amax = round6(seq_sum([pl.col(f"@max:{d.id}") for d in rs.dimensions]))
            total = pl.when(amax == top).then(total).when(amax <= 0).then(0.0) \
                .otherwise(round6(total * top / amax))
        if rs.spec.veto_effect == "zero_total":
            total = pl.when(pl.col("vetoed")).then(0.0).otherwise(total)
        return total.alias("total")

    def grade_expr(self) -> pl.Expr:
        rs = self.rs
        grade: Any = pl.when(pl.col("vetoed")).then(pl.lit(rs.lowest_grade.id))
        for g in rs.grades:
            grade = grade.when(pl.col("total") + 1e-9 >= g.at_least).then(pl.lit(g.id))
        return grade.otherwise(pl.lit(rs.lowest_grade.id)).alias("grade")
