"""Calibration over one parameter: re-score the population (vector backend) for candidate values in a range and
keep the one that meets every target at the base cut-offs, by the same choice rule as the cut-offs.

The candidates are ``LO, LO+STEP, ... <= HI`` (by default: every integer for an integer parameter, else 33 values),
at most :data:`MAX_CANDIDATES`. A handful spread over the range is scored first; when every share (overall, and
in every group of a per-group target) is monotone over the values scored so far, the search bisects only between
neighbours where a target's verdict, or the side of an "about" target's value, changes, and checks monotony again
at every new value; as soon as a share is seen going up and down, every candidate is scored.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from ...errors import CalibrationError
from ...lang.check import suggest
from ...score.table import PopulationScores
from .result import CalibrationResult, Unmet, achieved
from .shares import Grading, Table, about_distance, counts, meets, miss, table_of
from .targets import Target

MAX_CANDIDATES = 1000
_FIRST = 9  # values scored first, spread over the range
_DEFAULT_POINTS = 33


@dataclass
class _Point:
    value: Any
    table: Table
    shares: list[np.ndarray]  # per target: the share of each group
    ok: bool
    distance: float
    state: tuple[Any, ...]  # per target: the verdict per group and the side of an "about" value


def candidates(ruleset: Any, name: str, lo: float, hi: float, step: float | None) -> list[Any]:
    if name not in ruleset.params:
        raise CalibrationError(f"{ruleset.id} has no parameter {name!r} / 无此参数",
                               hint=suggest(name, list(ruleset.params)) or "see partyrules docs")
    base = ruleset.params[name]
    integer = isinstance(base, int) and not isinstance(base, bool)
    if isinstance(base, bool) or not isinstance(base, (int, float)):
        raise CalibrationError(f"parameter {name!r} is not numeric ({base!r}) / 参数不是数值",
                               hint="calibrate a numeric parameter")
    if hi < lo:
        raise CalibrationError(f"--range {lo:g}..{hi:g} is empty / 取值范围为空", hint="write LO..HI with LO <= HI")
    if step is None:
        values: list[Any] = list(range(int(np.ceil(lo)), int(np.floor(hi)) + 1)) if integer else \
            [float(x) for x in np.linspace(lo, hi, _DEFAULT_POINTS)]
    else:
        if step <= 0:
            raise CalibrationError(f"--step {step:g} must be above 0 / 步长须大于0")
        d_lo, d_step, d_hi = Decimal(repr(lo)), Decimal(repr(step)), Decimal(repr(hi))
        k = int((d_hi - d_lo) / d_step)
        if k + 1 > MAX_CANDIDATES:
            raise CalibrationError(f"{k + 1:,} candidate values (at most {MAX_CANDIDATES}) / 候选值过多",
                                   hint="use a larger --step or a narrower --range")
        values = [d_lo + i * d_step for i in range(k + 1)]
        values = [int(v) if integer and v == int(v) else float(v) for v in values]
    if len(values) > MAX_CANDIDATES:
        raise CalibrationError(f"{len(values):,} candidate values (at most {MAX_CANDIDATES}) / 候选值过多",
                               hint="give a --step")
    if not values:
        raise CalibrationError(f"no candidate value in {lo:g}..{hi:g} / 范围内没有候选值")
    return values


class ParamSearch:
    def __init__(self, scores: PopulationScores, targets: list[Target], grading: Grading, name: str,
                 values: list[Any], population: Any, community_of_branch: Mapping[str, str] | None) -> None:
        self.scores, self.targets, self.grading, self.name = scores, targets, grading, name
        self.values, self.population, self.cob = values, population, community_of_branch
        self.per = sorted({t.per for t in targets if t.per is not None})
        self.points: dict[int, _Point] = {}
        self.base = scores.ruleset.params[name]

    def point(self, i: int) -> _Point:
        if i not in self.points:
            from ...evaluate.population import score_population

            rs = self.scores.ruleset.with_params(**{self.name: self.values[i]})
            scored = score_population(rs, self.population, self.scores.period)
            table = table_of(scored.frame, self.per, self.cob)
            shares, state, ok, dist = [], [], True, 0.0
            for t in self.targets:
                n, size = counts(table, self.grading, self.grading.cuts, t), table.sizes(t.per)
                share = np.where(size > 0, n / np.maximum(size, 1), 0.0)
                met = meets(n, size, t)
                ok &= bool(np.all(met))
                dist += about_distance(n, size, t)
                side = tuple(np.sign(share - float(t.value))) if t.op == "about" else ()
                shares.append(share)
                state.append((tuple(met), side))
            self.points[i] = _Point(self.values[i], table, shares, ok, dist, tuple(state))
        return self.points[i]

    def monotone(self) -> bool:
        idx = sorted(self.points)
        for k in range(len(self.targets)):
            m = np.array([self.points[i].shares[k] for i in idx])
            if m.shape[0] < 3:
                continue
            d = np.diff(m, axis=0)
            if np.any((d > 1e-15).any(axis=0) & (d < -1e-15).any(axis=0)):
                return False
        return True

    def run(self) -> int | None:
        n = len(self.values)
        first = sorted({round(x) for x in np.linspace(0, n - 1, min(n, _FIRST))})
        nearest = int(np.argmin([abs(float(v) - float(self.base)) for v in self.values]))
        for i in [*first, nearest]:
            self.point(i)
        exhaustive = not self.monotone()
        while not exhaustive:
            idx = sorted(self.points)
            gaps = [(a, b) for a, b in itertools.pairwise(idx)
                    if b > a + 1 and self.points[a].state != self.points[b].state]
            if not gaps:
                break
            for a, b in gaps:
                self.point((a + b) // 2)
            exhaustive = not self.monotone()
        if exhaustive:
            for i in range(n):
                self.point(i)
        good = [i for i, p in self.points.items() if p.ok]
        if not good:
            return None
        return min(good, key=lambda i: (self.points[i].distance, abs(float(self.values[i]) - float(self.base)), i))


def calibrate_param(scores: PopulationScores, targets: list[Target], grading: Grading, name: str,
                    value_range: tuple[float, float], step: float | None, population: Any,
                    community_of_branch: Mapping[str, str] | None, reform_name: str | None) -> CalibrationResult:
    from ...comparison import compare
    from ...evaluate.population import score_population
    from ..reform import Reform, apply_reform
    from .api import no_solution

    rs = scores.ruleset
    values = candidates(rs, name, float(value_range[0]), float(value_range[1]), step)
    search = ParamSearch(scores, targets, grading, name, values, population, community_of_branch)
    best = search.run()
    if best is None:
        raise no_solution(_unmet(search, grading, targets), targets,
                          f"value of {name} in {value_range[0]:g}..{value_range[1]:g}")
    value = values[best]
    reform = Reform.make(reform_name or f"calibrated-{name.replace('_', '-')}", set_params={name: value},
                         target=rs.id, description=f"Parameter {name} calibrated to: "
                         + "; ".join(t.label() for t in targets))
    after = score_population(apply_reform(rs, reform), population, scores.period)
    comparison = compare(scores, after, community_of_branch=community_of_branch)
    table = table_of(after.frame, search.per, community_of_branch)
    return CalibrationResult(reform, achieved(table, grading, grading.cuts, targets), {name: search.base},
                             {name: value}, comparison, "parameter", len(search.points))


def _counts(p: _Point, grading: Grading, t: Target) -> tuple[np.ndarray, np.ndarray]:
    return counts(p.table, grading, grading.cuts, t), p.table.sizes(t.per)


def _unmet(search: ParamSearch, grading: Grading, targets: list[Target]) -> list[Unmet]:
    """Per target: not met at any value scored (alone), or not met where all the others are; with the closest
    share among those values."""
    out = []
    pts = search.points
    met = {(k, i): bool(np.all(meets(*_counts(p, grading, t), t))) for i, p in pts.items()
           for k, t in enumerate(targets)}
    for k, t in enumerate(targets):
        alone = not any(met[k, i] for i in pts)
        pool = list(pts) if alone else [i for i in pts if all(met[j, i] for j in range(len(targets)) if j != k)]
        if not pool:
            continue
        i = min(pool, key=lambda j: (miss(*_counts(pts[j], grading, t), t)[0], j))
        n, size = _counts(pts[i], grading, t)
        _, worst = miss(n, size, t)
        out.append(Unmet(t, Fraction(int(n[worst]), int(size[worst])) if size[worst] else Fraction(0),
                         pts[i].table.names[t.per][worst] if t.per else None, alone, {search.name: pts[i].value}))
    return out
