"""The exact search over grade cut-offs: scores are fixed, so every share is a step function of the cut-offs that
changes only at the distinct totals.

Which cut-offs move: those that decide a target's share (a grade's own and, for a grade below the top, the one
above it when that grade is named too; the warning list's pass grade). The others keep their base values.

Candidates of a cut-off: the distinct totals of the subjects not vetoed (and a millionth above each), the maximum
and the base cut-off, one per class of equal grades (two cut-offs that no total lies between give everyone the
same grade): the base cut-off when it is in the class, else the value of the class nearest to it (the least
change). A target on one moving cut-off is an interval of
candidates (its share is monotone in the cut-off, in every group), found from the k-th highest total of each group;
targets on two moving cut-offs and the cut-offs' order are solved over the remaining candidates as a chain
(:mod:`.chain`).

The choice among candidates that meet every target: the smallest total distance from the "about" targets' values
(a per-group target counts its worst group), then the least total change from the base cut-offs.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .shares import Grading, Table, about_distance, counts, miss
from .targets import WARNING, Target


@dataclass
class Cut:
    """One moving cut-off: its candidates (ascending), how many reach each overall, and which remain."""

    grade: int
    values: np.ndarray
    ok: np.ndarray
    cost: np.ndarray  # the "about" distance and the extra objective, summed, per candidate


@dataclass(frozen=True)
class Choice:
    cuts: tuple[float, ...]  # every grade's cut-off, from the top
    score: tuple[float, float]  # (distance from the "about" targets, change from the base)


class CutoffSearch:
    """Search the cut-offs of ``grading`` for ``targets`` over ``table`` (see the module docstring)."""

    def __init__(self, table: Table, grading: Grading, targets: Sequence[Target], max_points: float,
                 objective: Target | None = None) -> None:
        self.table, self.grading, self.targets = table, grading, list(targets)
        self.max_points = float(max_points)
        self.objective = objective
        named = [*self.targets, *([objective] if objective is not None else [])]
        self.moving = sorted({grading.own(t) for t in named})

    # -- candidates --------------------------------------------------------------------------------------------
    def candidates(self, f: int) -> np.ndarray:
        g = self.grading
        base = g.cuts[f]
        upper = g.cuts[f - 1] if f > 0 and (f - 1) not in self.moving else np.inf
        lower = g.cuts[f + 1] if (f + 1) not in self.moving else 0.0
        # each total and the least value above it (totals are rounded to 6 decimals), and the values just inside
        # the bounds: the ends of every class of cut-offs that give the same grades
        totals = self.table.totals
        ends = [lower + 1e-6, min(upper, self.max_points + 1e-6) - 1e-6]
        values = np.unique(np.round(np.concatenate([totals, totals + 1e-6, ends, [self.max_points, base]]), 6))
        values = values[(values > lower) & (values < upper) & (values > 0) & (values <= self.max_points)]
        if values.size == 0:
            return values
        reached = self.table.reaching_many(values)
        # per class of equal reach: the base when in the class, else the value nearest it (the least change); and
        # the class's lowest and highest values, so that two moving cut-offs can share a class (an empty grade)
        near = np.lexsort((values, np.abs(values - base), values != base, reached))
        keep = [near[_firsts(reached[near])]]
        asc = np.lexsort((values, reached))
        keep.append(asc[_firsts(reached[asc])])
        desc = np.lexsort((-values, reached))
        keep.append(desc[_firsts(reached[desc])])
        return np.unique(values[np.concatenate(keep)])

    # -- one target on one moving cut-off: an interval of candidates -------------------------------------------
    def interval(self, t: Target, f: int, values: np.ndarray) -> np.ndarray:
        """Which candidates of cut-off ``f`` meet ``t`` (the other cut-offs at their base values)."""
        table, g = self.table, self.grading
        sizes = table.sizes(t.per)
        lo, hi = t.bounds
        need_lo = (lo.numerator * sizes + lo.denominator - 1) // lo.denominator
        need_hi = (hi.numerator * sizes) // hi.denominator
        i = g.index(t)
        low = len(g.ids) - 1
        if t.subject == WARNING or i == low:  # counted: those below the cut-off
            a, b = sizes - need_hi, sizes - need_lo
        else:
            above = table.reaching(g.cuts[i - 1], t.per) if i > 0 else np.zeros_like(sizes)
            a, b = need_lo + above, need_hi + above
        possible = bool(np.all(a <= b))
        top = float(np.min(table.kth_reach(t.per, a)))  # at least a reach it: c <= the a-th highest
        bottom = float(np.max(table.kth_reach(t.per, b + 1)))  # at most b: c above the (b+1)-th highest
        return (values <= top) & (values > bottom) & possible

    # -- the search --------------------------------------------------------------------------------------------
    def run(self) -> Choice | None:
        """The best cut-offs meeting every target, or None. With an ``objective`` (a target left out of the
        targets), the cut-offs that come closest to meeting it come first."""
        objective = self.objective
        cuts: dict[int, Cut] = {}
        pairs: list[Target] = []
        for f in self.moving:
            values = self.candidates(f)
            cuts[f] = Cut(f, values, np.ones(values.size, dtype=bool), np.zeros(values.size))
        for t in self.targets:
            dep = [f for f in self.grading.depends_on(t) if f in cuts]
            if len(dep) == 2:
                pairs.append(t)
                continue
            c = cuts[dep[0]]
            c.ok &= self.interval(t, dep[0], c.values)
            if t.op == "about":
                c.cost = c.cost + self._costs(t, c, about=True)
        if objective is not None:
            self._objective(objective, cuts, pairs)
        if any(not c.ok.any() for c in cuts.values()):
            return None
        best = self._independent(cuts) if not pairs else None
        if best is not None:
            return best
        from .chain import solve

        return solve(self, cuts, pairs, objective)

    def _objective(self, objective: Target, cuts: dict[int, Cut], pairs: list[Target]) -> None:
        dep = [f for f in self.grading.depends_on(objective) if f in cuts]
        if len(dep) == 2 or not dep:
            pairs.append(objective)
        else:
            c = cuts[dep[0]]
            c.cost = c.cost + self._costs(objective, c, about=False) * 1e6  # meeting it first

    def _costs(self, t: Target, c: Cut, *, about: bool) -> np.ndarray:
        if t.per is None:  # overall: every candidate at once, from one search in the sorted totals
            return self._overall_costs(t, c, about=about)
        out = np.zeros(c.values.size)
        for j in np.flatnonzero(c.ok):
            cuts = list(self.grading.cuts)
            cuts[c.grade] = float(c.values[j])
            n = counts(self.table, self.grading, cuts, t)
            size = self.table.sizes(t.per)
            out[j] = about_distance(n, size, t) if about else miss(n, size, t)[0]
        return out

    def _overall_costs(self, t: Target, c: Cut, *, about: bool) -> np.ndarray:
        g, n = self.grading, self.table.n
        reached = self.table.reaching_many(c.values)
        i = g.index(t)
        if t.subject == WARNING or i == len(g.ids) - 1:
            counted = n - reached
        else:
            above = int(self.table.reaching(g.cuts[i - 1], None)[0]) if i > 0 else 0
            counted = reached - above
        share = counted / max(n, 1)
        if about:
            return np.where(c.ok, np.abs(share - float(t.value)), 0.0) if n else np.zeros(c.values.size)
        lo, hi = t.bounds
        gap = np.maximum(float(lo) - share, share - float(hi))
        inside = (counted * lo.denominator >= lo.numerator * n) & (counted * hi.denominator <= hi.numerator * n)
        return np.where(c.ok & ~inside & (n > 0), np.maximum(gap, 1e-12), 0.0)

    def _change(self, f: int, values: np.ndarray) -> np.ndarray:
        return np.abs(values - self.grading.cuts[f])

    def _full(self, chosen: dict[int, float]) -> tuple[float, ...]:
        return tuple(chosen.get(i, c) for i, c in enumerate(self.grading.cuts))

    def _ordered(self, cuts: tuple[float, ...]) -> bool:
        return all(a > b for a, b in itertools.pairwise(cuts))

    def _independent(self, cuts: dict[int, Cut]) -> Choice | None:
        chosen: dict[int, float] = {}
        dist = change = 0.0
        for f, c in cuts.items():
            idx = np.flatnonzero(c.ok)
            ch = self._change(f, c.values[idx])
            j = idx[np.lexsort((-c.values[idx], ch, c.cost[idx]))[0]]
            chosen[f] = float(c.values[j])
            dist += float(c.cost[j])
            change += float(ch[np.flatnonzero(idx == j)[0]])
        full = self._full(chosen)
        return Choice(full, (dist, change)) if self._ordered(full) else None


def _firsts(sorted_keys: np.ndarray) -> np.ndarray:
    """Where each run of equal keys starts."""
    return np.flatnonzero(np.concatenate([[True], sorted_keys[1:] != sorted_keys[:-1]]))
