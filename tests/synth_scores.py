"""Synthetic score tables for the analysis tests and the 1M-row benchmark: random points that obey the scoring
semantics (deductions floored at 0 per dimension, subtotals capped, vetoes forcing the lowest grade or a zero
total), made with numpy from a seed, so that a hypothesis test draws seeds and knobs rather than every cell."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from partyrules.rulesets.model import RuleSet
from partyrules.score.table import PopulationScores, table_schema


@dataclass(frozen=True)
class Knobs:
    """How the synthetic points are drawn."""

    veto_rate: float = 0.05
    discrete: float = 0.5  # share of standard values drawn from {0, half, full} rather than uniformly
    deduction_rate: float = 0.3
    cap_bind: float = 0.3  # share of subjects whose dimension maxima are lowered, so that ``<dim>:max`` moves


def synthetic_scores(rs: RuleSet, n: int, seed: int, knobs: Knobs = Knobs(), *, id_offset: int = 0,
                     categories: tuple[str, ...] = ("in_service", "retired")) -> PopulationScores:
    """``n`` subjects ``S<id_offset>..`` scored under ``rs`` with random but consistent points."""
    rng = np.random.default_rng(seed)
    ids = [f"S{i:07d}" for i in range(id_offset, id_offset + n)]
    cols: dict[str, np.ndarray] = {}
    for s in rs.standards:
        full = float(s.points)
        uniform = np.round(rng.uniform(0.0, full, n), 6)
        pick = rng.integers(0, 3, n) * (full / 2)
        cols[s.id] = np.where(rng.random(n) < knobs.discrete, pick, uniform)
    for k in rs.deductions:
        per = float(k.spec.points)
        times = rng.integers(1, 4, n) * (rng.random(n) < knobs.deduction_rate)
        cols[k.id] = -np.minimum(times * per, float(k.spec.cap))
    dims: dict[str, np.ndarray] = {}
    for d in rs.dimensions:
        stds = [s.id for s in rs.standards if s.dimension == d.id]
        deds = [k.id for k in rs.deductions if k.dimension == d.id]
        earned = np.round(sum((cols[s] for s in stds), np.zeros(n)), 6)
        excess = np.round(-sum((cols[k] for k in deds), np.zeros(n)) - earned, 6)
        for k in reversed(deds):  # the floor binds: give back from the last-declared deduction first
            give = np.minimum(-cols[k], np.maximum(excess, 0.0))
            cols[k] = np.round(cols[k] + give, 6)
            excess = np.round(excess - give, 6)
        raw = np.round(earned + sum((cols[k] for k in deds), np.zeros(n)), 6)
        cap = np.where(rng.random(n) < knobs.cap_bind, np.round(d.max * rng.uniform(0.5, 1.0, n), 6), d.max)
        dims[d.id] = np.round(np.minimum(cap, np.maximum(raw, 0.0)), 6)
    total = np.round(sum(dims.values(), np.zeros(n)), 6)
    vetoes = {v.id: rng.random(n) < knobs.veto_rate / max(1, len(rs.vetoes)) for v in rs.vetoes}
    vetoed = np.zeros(n, dtype=bool)
    for fired in vetoes.values():
        vetoed |= fired
    if rs.spec.veto_effect == "zero_total":
        total = np.where(vetoed, 0.0, total)
    grade = np.full(n, rs.lowest_grade.id, dtype=object)
    for g in reversed(rs.grades):
        grade = np.where(total + 1e-9 >= g.at_least, g.id, grade)
    grade = np.where(vetoed, rs.lowest_grade.id, grade)
    data: dict[str, object] = {"subject_id": ids, "category": rng.choice(list(categories), n).tolist(),
                               "status": ["formal"] * n, "branch_id": [f"B{i:04d}" for i in rng.integers(0, 20, n)],
                               "total": total, "grade": grade.tolist(), "vetoed": vetoed}
    data.update({f"dim:{d.id}": dims[d.id] for d in rs.dimensions})
    data.update({f"rule:{r.id}": cols[r.id] for r in (*rs.standards, *rs.deductions)})
    data.update({f"veto:{v.id}": vetoes[v.id] for v in rs.vetoes})
    data.update({f"check:{c.id}": rng.random(n) < 0.1 for c in rs.checks})
    frame = pl.DataFrame(data, schema=table_schema(rs, ["category", "status", "branch_id"]))
    return PopulationScores(rs, frame, "2026", backend="synthetic")
