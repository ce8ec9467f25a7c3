"""The vectorised backend's aggregations: each group-by over one item table, the rules that fire once per
matching item, float sums added one item after another as Python adds them, and runs of consecutive months."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from ...compile.columns import AggColumn, ColumnCompiler, in_range_column
from ...lang import ir as I


@dataclass
class Firing:
    """A rule that fires once per matching item: its count (or summed amount) becomes a subject column."""

    name: str
    source: str
    where: I.IR | None
    amount: I.IR | None
    outer: list[str]


@dataclass
class GroupColumns:
    """The columns one group of aggregations over one table computes, and how each is joined to the subjects."""

    item_cols: list[pl.Expr] = field(default_factory=list)
    simple: list[pl.Expr] = field(default_factory=list)
    # (output, value column, count column for a mean)
    float_sums: list[tuple[str, str, str | None]] = field(default_factory=list)
    defaults: dict[str, Any] = field(default_factory=dict)
    ranged: list[str] = field(default_factory=list)  # sums that are none when out of range
    runs: list[AggColumn] = field(default_factory=list)

    def add_firing(self, cc: ColumnCompiler, items: pl.LazyFrame, p: Firing) -> None:
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

    def add_aggregation(self, cc: ColumnCompiler, items: pl.LazyFrame, p: AggColumn) -> None:
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

    def _add_projection(self, cc: ColumnCompiler, items: pl.LazyFrame, p: AggColumn) -> None:
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

    def frames(self, cc: ColumnCompiler, items: pl.LazyFrame) -> list[pl.LazyFrame]:
        """The group's results to compute (all collected together, see :meth:`attach`): the plain aggregations
        per subject, the item values of the float sums (added in Python's order after collection), and each
        longest run per subject."""
        # lazily, so that the item-level columns are made a morsel at a time and never all held at once
        lazy = items.with_columns(self.item_cols) if self.item_cols else items
        out: list[pl.LazyFrame] = []
        if self.simple:
            out.append(lazy.group_by("subject_id").agg(self.simple))
        if self.float_sums:
            out.append(lazy.select("subject_id", *[v for _, v, _ in self.float_sums]))
        out.extend(_longest_run(cc, items, p) for p in self.runs)
        return out

    def attach(self, subj: pl.LazyFrame, got: list[pl.DataFrame]) -> pl.LazyFrame:
        """The subjects with the collected :meth:`frames` joined on, each subject without items given its
        default."""
        got = list(got)
        if self.simple:
            subj = subj.join(got.pop(0).lazy(), on="subject_id", how="left", maintain_order="left")
        if self.float_sums:
            subj = self._float_sums(got.pop(0), subj)
        fills = [pl.col(k).fill_null(v) for k, v in self.defaults.items() if v is not None]
        if fills:
            subj = subj.with_columns(fills)
        if self.ranged:  # after the fill: a subject without items sums to 0, one whose sum is out of range to none
            schema = subj.collect_schema()
            subj = subj.with_columns(in_range_column(pl.col(k))
                                     .cast(pl.Float64 if schema[k].is_float() else pl.Int64)
                                     for k in self.ranged)
        for p, runs in zip(self.runs, got, strict=True):
            subj = subj.join(runs.lazy(), on="subject_id", how="left", maintain_order="left") \
                .with_columns(pl.col(p.name).fill_null(0))
        return subj

    def _float_sums(self, values: pl.DataFrame, subj: pl.LazyFrame) -> pl.LazyFrame:
        float_sums = self.float_sums
        sums = seq_group_sums(values, [v for _, v, _ in float_sums])
        subj = subj.join(sums.rename({v: out for out, v, _ in float_sums}).lazy(), on="subject_id", how="left",
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


def _longest_run(cc: ColumnCompiler, items: pl.LazyFrame, col: AggColumn) -> pl.LazyFrame:
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


def _is_float(cc: ColumnCompiler, items: pl.LazyFrame, node: I.IR | None) -> bool:
    """Whether an item expression gives floats: sums of whole numbers are exact in any order, so only float
    sums need the slower one-after-the-other addition."""
    if node is None:
        return False
    return items.select(cc.item(node).alias("v")).collect_schema()["v"].is_float()
