"""Several moved cut-offs at once: a chain, solved exactly by dynamic programming.

Two moved cut-offs interact only when they are neighbours (grades i and i+1): they must stay in order, and a target
on grade i+1 counts those between them. Neighbours that are not both moved are separated by a fixed cut-off, which
already bounds each one's candidates. So each run of neighbouring moved cut-offs is a chain, and the best choice
(the smallest distance from the "about" targets, then the least change) is found link by link over the candidates
left by the one-cut-off targets: the cost of a pair of candidates is a matrix, never a loop over combinations.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ...errors import CalibrationError
from .shares import Table
from .targets import WARNING, Target

if TYPE_CHECKING:
    from .cutoffs import Choice, Cut, CutoffSearch

MAX_CELLS = 30_000_000  # candidates x candidates x groups of one link
_TIE = 1e-12


def _runs(fs: Sequence[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for f in fs:
        if runs and runs[-1][-1] == f - 1:
            runs[-1].append(f)
        else:
            runs.append([f])
    return runs


def _reach(table: Table, values: np.ndarray, per: str | None) -> np.ndarray:
    """How many of each group reach each value: candidates x groups."""
    if per is None:
        return table.reaching_many(values)[:, None]
    return np.stack([table.reaching(float(v), per) for v in values]) if values.size else \
        np.zeros((0, len(table.names[per])), dtype=np.int64)


def _link(search: CutoffSearch, upper: np.ndarray, lower: np.ndarray, pairs: list[Target],
          objective: Target | None, f: int) -> tuple[np.ndarray, np.ndarray]:
    """For candidates ``upper`` of cut-off f and ``lower`` of cut-off f+1: which pairs are allowed, and their
    distance from the "about" targets on grade f+1 (plus how far they miss the objective, weighted first)."""
    allowed = upper[:, None] > lower[None, :]
    dist = np.zeros(allowed.shape)
    for t in pairs:
        if t.subject == WARNING or search.grading.depends_on(t) != (f, f + 1):
            continue
        sizes = search.table.sizes(t.per)
        if upper.size * lower.size * sizes.size > MAX_CELLS:
            raise CalibrationError(f"target {t.label()!r}: {upper.size:,} x {lower.size:,} candidate cut-offs in "
                                   f"{sizes.size:,} groups are too many to check / 待检查的分数线组合过多",
                                   hint="add an 'about' target on the grade above, or give this one overall")
        counted = _reach(search.table, lower, t.per)[None, :, :] - _reach(search.table, upper, t.per)[:, None, :]
        lo, hi = t.bounds
        inside = (counted * lo.denominator >= lo.numerator * sizes) & (counted * hi.denominator <= hi.numerator * sizes)
        share = counted / np.maximum(sizes, 1)
        if t is objective:
            gap = np.maximum(float(lo) - share, share - float(hi))
            dist += np.where(inside | (sizes == 0), 0.0, np.maximum(gap, 1e-12)).max(axis=2) * 1e6
            continue
        allowed &= (inside | (sizes == 0)).all(axis=2)
        if t.op == "about":
            dist += np.where(sizes > 0, np.abs(share - float(t.value)), 0.0).max(axis=2)
    return allowed, dist


def solve(search: CutoffSearch, cuts: dict[int, Cut], pairs: list[Target], objective: Target | None
          ) -> Choice | None:
    from .cutoffs import Choice

    chosen: dict[int, float] = {}
    total_dist = total_change = 0.0
    for run in _runs(sorted(cuts)):
        idx = [np.flatnonzero(cuts[f].ok) for f in run]
        vals = [cuts[f].values[i] for f, i in zip(run, idx, strict=True)]
        costs = [cuts[f].cost[i] for f, i in zip(run, idx, strict=True)]
        changes = [np.abs(v - search.grading.cuts[f]) for f, v in zip(run, vals, strict=True)]
        acc_d, acc_c = costs[0].astype(float), changes[0]
        back: list[np.ndarray] = []
        for k in range(len(run) - 1):
            allowed, dist = _link(search, vals[k], vals[k + 1], pairs, objective, run[k])
            d = np.where(allowed, acc_d[:, None] + dist + costs[k + 1][None, :], np.inf)
            c = acc_c[:, None] + changes[k + 1][None, :]
            if d.size == 0:
                return None
            best_d = d.min(axis=0)
            c = np.where(d <= best_d[None, :] + _TIE, c, np.inf)
            pick = np.argmin(c, axis=0)
            back.append(pick)
            cols = np.arange(d.shape[1])
            acc_d, acc_c = d[pick, cols], c[pick, cols]
        if acc_d.size == 0 or not np.isfinite(acc_d).any():
            return None
        best_d = acc_d.min()
        last = int(np.argmin(np.where(acc_d <= best_d + _TIE, acc_c, np.inf)))
        total_dist += float(acc_d[last])
        total_change += float(acc_c[last])
        j = last
        for k in range(len(run) - 1, -1, -1):
            chosen[run[k]] = float(vals[k][j])
            if k > 0:
                j = int(back[k - 1][j])
    full = tuple(chosen.get(i, c) for i, c in enumerate(search.grading.cuts))
    return Choice(full, (total_dist, total_change))
