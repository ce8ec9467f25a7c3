"""The 优秀 quota: at most a share (1/3 by default) of a branch's graded members may be rated Excellent.

Overflow is demoted by rank to the next grade down. The rank is the composite score, then the mean quarterly
score, then the annual evaluation, then the subject id: the id decides only between members equal on everything
else, and the note says when it did, so the tie-break is visible to the people it affects.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any, Protocol, Self, TypeVar

from ..results import GradeResult
from ..rulesets.model import RuleSet

__all__ = ["Graded", "apply_quota", "quota_fraction"]


class _Input(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> float | None: ...


class Graded(Protocol):
    """What the quota reads of a subject's annual result (a :class:`partyrules.cycle.annual.AnnualResult`, which
    the year builds above this package), and the copy it makes of a demoted one."""

    @property
    def subject_kind(self) -> str: ...
    @property
    def subject_id(self) -> str: ...
    @property
    def ruleset_id(self) -> str: ...
    @property
    def group_id(self) -> str | None: ...
    @property
    def graded(self) -> bool: ...
    @property
    def percent(self) -> float: ...
    @property
    def grade(self) -> GradeResult | None: ...
    @property
    def inputs(self) -> Sequence[_Input]: ...
    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self: ...


R = TypeVar("R", bound=Graded)


def quota_fraction(share: float) -> Fraction:
    """The share as the nearest simple fraction, so 0.333333 means exactly one third."""
    return Fraction(share).limit_denominator(1000)


def _input(r: Graded, name: str) -> float:
    return next((i.value or 0.0 for i in r.inputs if i.name == name), 0.0)


def _key(r: Graded) -> tuple[float, float, float]:
    return (-r.percent, -_input(r, "quarterly"), -_input(r, "annual_evaluation"))


def apply_quota(results: Sequence[R], rulesets: Mapping[str, RuleSet]) -> list[R]:
    """The results with each branch's overflow over its quota demoted; ``rulesets`` maps rule-set id to rule set.

    Results are returned in the order given. The quota of a branch whose members are scored by several rule sets
    with different shares is the smallest of them (the strictest reading), and the note says so.
    """
    out = list(results)
    by_group: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(out):
        rs = rulesets[r.ruleset_id]
        if r.subject_kind == "member" and r.graded and rs.spec.annual and rs.spec.annual.quota:
            by_group[r.group_id or ""].append(i)
    for group in sorted(by_group):
        idx = by_group[group]
        specs = {rulesets[out[i].ruleset_id].spec.annual.quota for i in idx}  # type: ignore[union-attr]
        shares = {quota_fraction(float(rulesets[out[i].ruleset_id].params[q.share]))  # type: ignore[union-attr]
                  for i in idx for q in [rulesets[out[i].ruleset_id].spec.annual.quota]}  # type: ignore[union-attr]
        share = min(shares)
        for grade_id in sorted({q.grade for q in specs if q is not None}):
            graded = len(idx)
            allowed = math.floor(graded * share)
            top = sorted((i for i in idx if (g := out[i].grade) is not None and g.id == grade_id),
                         key=lambda i: (_key(out[i]), out[i].subject_id))
            if len(top) <= allowed:
                continue
            for rank, i in enumerate(top, start=1):
                if rank <= allowed:
                    continue
                r = out[i]
                rs = rulesets[r.ruleset_id]
                ids = [g.id for g in rs.grades]
                lower = rs.grades[min(ids.index(grade_id) + 1, len(ids) - 1)]
                assert r.grade is not None
                by_id = rank > 1 and _key(out[top[rank - 2]]) == _key(r)
                note_zh = (f"本支部参评党员{graded}人, {r.grade.zh}名额为{share}即{allowed}人; 按综合得分排第{rank}名"
                           f"{'(与前一名得分相同, 按编号排序)' if by_id else ''}, 调整为{lower.zh}")
                note_en = (f"{graded} graded members in the branch, so at most {allowed} ({share}) may be "
                           f"{r.grade.en}; ranked {rank} by composite score"
                           f"{' (tied with the one above, ordered by id)' if by_id else ''}, so graded {lower.en}")
                if len(shares) > 1:
                    note_en += f"; the branch's rule sets give different shares, the smallest ({share}) applies"
                    note_zh += f"; 本支部各指数的比例不同, 按最小比例{share}计"
                out[i] = r.model_copy(update={"grade": GradeResult(id=lower.id, zh=lower.zh, en=lower.en),
                                              "grade_before_quota": r.grade, "quota_note_zh": note_zh,
                                              "quota_note_en": note_en})
    return out
