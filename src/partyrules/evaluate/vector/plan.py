"""The vectorised backend's rules as column expressions: each standard's and deduction's points, the vetoes and
checks that fire, and the subtotals, floors, total and grade, decided as the scorer decides them."""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any

import polars as pl

from ...compile.columns import ColumnCompiler, divide, outer_columns
from ...compile.durable import occurrence_shape, per_fact
from ...lang import ir as I
from ...periods import Period
from ...rulesets.cadence import not_due
from ...rulesets.model import Check, Deduction, RuleSet, Standard, Veto
from ...score.vector import fmax, fmin, seq_sum, tie_free
from ...score.vector import round6 as exact_round6
from ...score.vector import round6_near as round6
from .groups import Firing
from .stages import Lets


def _r6(v: float) -> float:
    """``round(v, 6)`` of a rule set's constant, as the scorer rounds it (without -0.0)."""
    return round(v, 6) + 0.0


class RulePlan:
    """Every rule of the rule set as column expressions over the subject frame.

    Rounding is polars' own on a bound column (few expressions to plan, the common case), with a check per row
    that it was exact (:func:`~partyrules.score.vector.tie_free`); ``exact=True`` plans the rounding that is exact
    everywhere (:func:`~partyrules.score.vector.round6`), for the rare rows where a check fails."""

    def __init__(self, rs: RuleSet, cc: ColumnCompiler, period: Period, *, exact: bool = False) -> None:
        self.rs = rs
        self.cc = cc
        self.exact = exact
        self.lets = Lets()
        self.firings: list[Firing] = []
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

    def _round(self, e: pl.Expr) -> pl.Expr:
        if self.exact:
            return exact_round6(e)
        x = self.lets.bind(e.cast(pl.Float64))
        self.lets.check(x, tie_free(x))
        return round6(x)

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
        self.firings.append(Firing(name, source, where, amount, outer))
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
            # a choice between constants: rounded here (the rounding of the chosen one), not per row
            points = pl.when(guard & cc.holds(s.exprs["flag"].ir)).then(_r6(full)).otherwise(0.0)
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
                chain = chain.when(v >= step.at_least).then(_r6(float(step.points)))
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
        if s.method not in ("flag", "bands"):
            points = self._round(points.cast(pl.Float64))
        return pl.when(applicable).then(points).otherwise(not_applicable)

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
        raw = self._round(occ * float(sp.points))
        # round6(min(raw, cap)) and round6(-amount), without rounding per row: raw is rounded already, and
        # rounding is idempotent (round(round(x, 6), 6) == round(x, 6)) and odd (round(-x, 6) == -round(x, 6))
        cap = float(sp.cap)
        amount = pl.when(pl.lit(cap) < raw).then(_r6(cap)).otherwise(raw)
        return pl.when(amount == 0.0).then(0.0).otherwise(-amount)

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
            first.append((self._round(fmax(pl.lit(0.0), pl.lit(float(d.max)) - seq_sum(left_out))) if left_out
                          else pl.lit(float(d.max))).alias(f"@max:{d.id}"))
            earned = self._round(seq_sum([pl.col(f"@p:{s.id}") for s in rs.standards if s.dimension == d.id]))
            mine = [k.id for k in rs.deductions if k.dimension == d.id]
            taken = self._round(-seq_sum([pl.col(f"@p:{k}") for k in mine]))
            ex, active = f"@excess:{d.id}", pl.col(f"@active:{d.id}")
            excess = self._round(taken - earned)
            first += [earned.alias(f"@earned:{d.id}"), taken.alias(f"@taken:{d.id}"), excess.alias(ex),
                      (excess > 0).alias(f"@active:{d.id}")]
            for i, k in enumerate(reversed(mine)):
                p = pl.col(f"@p:{k}")
                give = fmin(-p, pl.col(ex))
                while len(steps) <= i:
                    steps.append([])
                steps[i] += [pl.when(active & (give > 0)).then(self._round(p + give)).otherwise(p).alias(f"@p:{k}"),
                             pl.when(active).then(self._round(pl.col(ex) - give)).otherwise(pl.col(ex)).alias(ex)]
            taken_after = pl.when(active).then(self._round(-seq_sum([pl.col(f"@p:{k}") for k in mine]))) \
                .otherwise(pl.col(f"@taken:{d.id}"))
            kept = fmax(pl.lit(0.0), pl.col(f"@earned:{d.id}") - taken_after)
            last.append(self._round(fmin(pl.col(f"@max:{d.id}"), kept)).alias(f"dim:{d.id}"))
            last.extend(pl.col(f"@p:{k}").alias(f"rule:{k}") for k in mine)
        fired = [pl.col(f"veto:{v.id}") for v in rs.vetoes]
        last.append(reduce(operator.or_, fired).alias("vetoed") if fired else pl.lit(False).alias("vetoed"))
        return [first, *steps, last]

    def total_expr(self) -> pl.Expr:
        rs = self.rs
        total = self._round(seq_sum([pl.col(f"dim:{d.id}") for d in rs.dimensions]))
        if any(na is not False for na in self.not_assessed.values()):
            # on the rule set's scale, as score.scoring.on_scale
            top = round(float(rs.max_points), 6)
            amax = self._round(seq_sum([pl.col(f"@max:{d.id}") for d in rs.dimensions]))
            total = pl.when(amax == top).then(total).when(amax <= 0).then(0.0) \
                .otherwise(self._round(total * top / amax))
        if rs.spec.veto_effect == "zero_total":
            total = pl.when(pl.col("vetoed")).then(0.0).otherwise(total)
        return total.alias("total")

    def grade_expr(self) -> pl.Expr:
        rs = self.rs
        grade: Any = pl.when(pl.col("vetoed")).then(pl.lit(rs.lowest_grade.id))
        for g in rs.grades:
            grade = grade.when(pl.col("total") + 1e-9 >= g.at_least).then(pl.lit(g.id))
        return grade.otherwise(pl.lit(rs.lowest_grade.id)).alias("grade")
