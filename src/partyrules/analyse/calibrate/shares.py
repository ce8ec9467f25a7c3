"""The shares a set of cut-offs gives a fixed table of scores, exactly, per group.

A subject gets the first grade (from the top) whose cut-off its total reaches, with the scorer's tolerance
(``total + 1e-9 >= at_least``); a vetoed subject gets the lowest grade whatever its total. Probationary members
are scored but not graded (the 优秀 quota's reading): they are left out of every share. Since the sets
``{total >= c}`` are nested, everything a cut-off does is in one number per group: how many reach it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from ...errors import CalibrationError
from ...rulesets.model import RuleSet
from .targets import WARNING, Target

if TYPE_CHECKING:
    import polars as pl

TOLERANCE = 1e-9  # the scorer's: a total within 1e-9 below a cut-off reaches it
GROUP_COLUMNS = {"branch": "branch_id", "category": "category", "community": "community"}


@dataclass
class Table:
    """The graded rows of a score table, reduced to what grading needs."""

    reach: np.ndarray  # total + 1e-9 of every graded row, -inf for a vetoed one (it never reaches a cut-off)
    totals: np.ndarray  # the distinct totals of the rows not vetoed, ascending: the candidate cut-offs
    codes: dict[str, np.ndarray] = field(default_factory=dict)  # per group kind: each row's group number
    names: dict[str, list[str]] = field(default_factory=dict)  # per group kind: the group of each number
    _sorted: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.reach.size)

    def sizes(self, per: str | None) -> np.ndarray:
        if per is None:
            return np.array([self.n], dtype=np.int64)
        return np.bincount(self.codes[per], minlength=len(self.names[per])).astype(np.int64)

    def reaching(self, c: float, per: str | None) -> np.ndarray:
        """How many rows of each group reach cut-off ``c``."""
        hit = self.reach >= c
        if per is None:
            return np.array([int(hit.sum())], dtype=np.int64)
        return np.bincount(self.codes[per][hit], minlength=len(self.names[per])).astype(np.int64)

    def reaching_many(self, cuts: np.ndarray) -> np.ndarray:
        """How many rows reach each of ``cuts`` (overall), by one search in the sorted totals."""
        ordered = np.sort(self.reach)
        return (self.n - np.searchsorted(ordered, cuts, side="left")).astype(np.int64)

    def kth_reach(self, per: str | None, k: np.ndarray) -> np.ndarray:
        """Per group, the k-th highest ``reach`` (1-based; +inf for k <= 0, -inf beyond the group)."""
        if per is None:
            order, starts, values = self._overall()
        else:
            order, starts, values = self._by_group(per)
        sizes = np.diff(np.append(starts, values.size))
        out = np.full(k.shape, -np.inf)
        out[k <= 0] = np.inf
        ok = (k > 0) & (k <= sizes)
        out[ok] = values[starts[ok] + k[ok] - 1]
        del order
        return out

    def _overall(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if "" not in self._sorted:
            order = np.argsort(-self.reach, kind="stable")
            self._sorted[""] = (order, np.array([0]), self.reach[order])
        return self._sorted[""]

    def _by_group(self, per: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if per not in self._sorted:
            codes = self.codes[per]
            order = np.lexsort((-self.reach, codes))
            counts = np.bincount(codes, minlength=len(self.names[per]))
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
            self._sorted[per] = (order, starts, self.reach[order])
        return self._sorted[per]


def table_of(frame: pl.DataFrame, per: Sequence[str], community_of_branch: Mapping[str, str] | None = None) -> Table:
    """The graded rows of a score table (``total``, ``vetoed``, ``status`` and the group columns)."""
    import polars as pl

    if "status" in frame.columns:
        frame = frame.filter(pl.col("status").cast(pl.String).fill_null("") != "probationary")
    if community_of_branch is not None and "community" not in frame.columns and "branch_id" in frame.columns:
        frame = frame.with_columns(pl.col("branch_id").cast(pl.String).replace_strict(
            dict(community_of_branch), default=None).alias("community"))
    total = frame["total"].cast(pl.Float64).to_numpy()
    reach = np.where(frame["vetoed"].to_numpy(), -np.inf, total + TOLERANCE)
    table = Table(reach, np.unique(total[~frame["vetoed"].to_numpy()]))
    for kind in per:
        col = GROUP_COLUMNS[kind]
        if col not in frame.columns:
            hint = "give community_of_branch (the demo does)" if kind == "community" else \
                f"the score table has {', '.join(frame.columns[:6])}..."
            raise CalibrationError(f"a target is per {kind}, but the scores have no {col} column / 得分表缺少分组列",
                                   hint=hint)
        values = frame[col].cast(pl.String).fill_null("").to_numpy().astype(str)
        names, codes = np.unique(values, return_inverse=True)
        table.codes[kind] = codes.astype(np.int64)
        table.names[kind] = [str(x) for x in names]
    return table


@dataclass(frozen=True)
class Grading:
    """The grade ids from the top and their cut-offs (the last is 0), and the pass grade of the warning list."""

    ids: tuple[str, ...]
    cuts: tuple[float, ...]
    pass_grade: int  # index of the grade below which a subject is on the warning list

    @classmethod
    def of(cls, ruleset: RuleSet, warning_below: str | None = None) -> Grading:
        ids = tuple(g.id for g in ruleset.grades)
        if warning_below is None:
            p = ids.index("qualified") if "qualified" in ids else max(0, len(ids) - 2)
        elif warning_below in ids[:-1]:
            p = ids.index(warning_below)
        else:
            raise CalibrationError(f"warning_below {warning_below!r} is not a grade above the lowest of "
                                   f"{ruleset.id} / 预警线等次无效", hint="grades: " + ", ".join(ids[:-1]))
        return cls(ids, tuple(float(g.at_least) for g in ruleset.grades), p)

    def index(self, target: Target) -> int:
        return self.pass_grade if target.subject == WARNING else self.ids.index(target.subject)

    def own(self, target: Target) -> int:
        """The cut-off a target moves: its grade's (the lowest grade's is the one above it; the warning list's is
        the pass grade's)."""
        i = self.index(target)
        return i if target.subject == WARNING or i < len(self.ids) - 1 else i - 1

    def depends_on(self, target: Target) -> tuple[int, ...]:
        """The cut-offs (grade indices) that decide a target's share."""
        low = len(self.ids) - 1
        i = self.index(target)
        if target.subject == WARNING:
            return (i,)
        if i == low:
            return (low - 1,)
        return (i,) if i == 0 else (i - 1, i)


def counts(table: Table, grading: Grading, cuts: Sequence[float], target: Target) -> np.ndarray:
    """How many graded rows of each group the target counts (its grade, or the warning list) under ``cuts``."""
    sizes = table.sizes(target.per)
    i = grading.index(target)
    low = len(grading.ids) - 1
    if target.subject == WARNING:
        return sizes - table.reaching(cuts[i], target.per)
    if i == low:
        return sizes - table.reaching(cuts[low - 1], target.per)
    above = table.reaching(cuts[i - 1], target.per) if i > 0 else np.zeros_like(sizes)
    return table.reaching(cuts[i], target.per) - above


def meets(count: np.ndarray, size: np.ndarray, target: Target) -> np.ndarray:
    """Per group: does count / size lie within the target's bounds (exactly; an empty group always does)."""
    lo, hi = target.bounds
    return (size == 0) | ((count * lo.denominator >= lo.numerator * size)
                          & (count * hi.denominator <= hi.numerator * size))


def shares(count: np.ndarray, size: np.ndarray) -> list[Fraction]:
    return [Fraction(int(c), int(s)) if s else Fraction(0) for c, s in zip(count, size, strict=True)]


def miss(count: np.ndarray, size: np.ndarray, target: Target) -> tuple[float, int]:
    """How far the worst group's share is outside the target's bounds (0 when met), and that group's number."""
    lo, hi = target.bounds
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(size > 0, count / np.maximum(size, 1), (float(lo) + float(hi)) / 2)
    gap = np.maximum(float(lo) - share, share - float(hi))
    gap = np.where(meets(count, size, target), 0.0, np.maximum(gap, 1e-12))
    worst = int(np.argmax(gap))
    return float(gap[worst]), worst


def about_distance(count: np.ndarray, size: np.ndarray, target: Target) -> float:
    """For an "about" target, how far the share is from its value (the worst group's); 0 for the others."""
    if target.op != "about":
        return 0.0
    share = count[size > 0] / size[size > 0]
    return float(np.max(np.abs(share - float(target.value)))) if share.size else 0.0
