"""The two indices a branch is funded by (its own 战斗力指数 and its members' 党员先进性指数), their weights, and the
basis that combines them exactly, rounded half-even to millionths like every score (see :mod:`.subjects`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

from ..errors import FundingError
from ..ranking import score_key

_MILLION = 10**6
PARAM_BRANCH_WEIGHT = "funding_weight_branch_index"
"""The branch rule set's parameter: the weight of the branch's own index (战斗力指数) in its funding basis."""
PARAM_MEMBERS_WEIGHT = "funding_weight_members_index"
"""The branch rule set's parameter: the weight of its members' index (党员先进性指数) in its funding basis."""


@dataclass(frozen=True, slots=True)
class IndexWeights:
    """The weights of the branch's index and of its members' index in its funding basis (any scale: only their
    ratio counts). Both finite and non-negative, not both 0."""

    branch: float
    members: float

    def __post_init__(self) -> None:
        for name, w in (("branch", self.branch), ("members", self.members)):
            if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w) or w < 0:
                raise FundingError(f"the {name} index weight must be a finite number of 0 or more, got {w!r}",
                                   hint=f"set {PARAM_BRANCH_WEIGHT} and {PARAM_MEMBERS_WEIGHT} to weights >= 0")
        if self.branch == 0 and self.members == 0:
            raise FundingError("the branch index weight and the members' index weight are both 0",
                               hint="give at least one of them a positive weight")

    def fractions(self) -> tuple[Fraction, Fraction]:
        # The weights as written (0.6 is 6/10, not the binary float nearest to it).
        return Fraction(repr(float(self.branch))), Fraction(repr(float(self.members)))

    def to_dict(self) -> dict[str, float]:
        return {"branch": float(self.branch), "members": float(self.members)}


@dataclass(frozen=True, slots=True)
class BranchIndices:
    """A branch to fund by both indices: ``score`` is its annual composite percent (its 战斗力指数, 0..100) and
    ``member_percents`` the annual percents of its graded members (their 党员先进性指数, each 0..100)."""

    subject_id: str
    score: float
    vetoed: bool
    member_percents: Sequence[float] = ()


@dataclass(frozen=True, slots=True)
class _Combined:
    branch_index: Decimal
    members_index: Decimal | None
    members_count: int
    basis: Decimal


def _round_micro(value: Fraction) -> Decimal:
    """An exact fraction as a decimal of 6 places, rounded half-even (as every score key is)."""
    whole, rem = divmod(value.numerator * _MILLION, value.denominator)
    twice = 2 * rem
    if twice > value.denominator or (twice == value.denominator and whole % 2 == 1):
        whole += 1
    return Decimal(whole).scaleb(-6).quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN)


def _combine(sid: str, branch: Decimal, percents: Sequence[Any], weights: IndexWeights) -> _Combined:
    keys = []
    for p in percents:
        if isinstance(p, bool) or not isinstance(p, (int, float, Decimal)) or not math.isfinite(p) \
                or not 0 <= p <= 100:
            raise FundingError(f"{sid!r}: a member's percent must be a finite number in 0..100, got {p!r}",
                               hint="member_percents are the graded members' annual percents")
        keys.append(Fraction(score_key(float(p))))
    if not keys:
        return _Combined(branch, None, 0, branch)
    members = sum(keys, Fraction(0)) / len(keys)
    wb, wm = weights.fractions()
    basis = (wb * Fraction(branch) + wm * members) / (wb + wm)
    return _Combined(branch, _round_micro(members), len(keys), _round_micro(basis))
