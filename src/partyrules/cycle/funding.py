"""Funding by index (以奖代补, D5): a pool of money shared among branches by their scores, in integer fen.

The source says only that the special Party-building funds are paid "according to" the indices (D5; formula: gap
J3). The rule here, chosen to be explainable and exact:

1. Vetoed branches get ``vetoed_floor_fen`` each (default 0: "vetoed branches get nothing"), taken out of the pool
   first. Floors above the pool are an error, never a silent cut.
2. The rest is shared among the eligible branches in proportion to a weight:
   - ``basis="score"`` (default): the weight is the score itself, and a branch is eligible when its score is at
     least ``min_score`` (default 0: every branch without a veto). Every branch gets something and a better one
     gets proportionally more: a subsidy with a merit tilt, closest to the common reading of 以奖代补 as funding
     that still reaches every branch.
   - ``basis="excess"``: the weight is the score *above* ``min_score`` (e.g. 60, a pass line), and only branches
     above it are eligible. Only what exceeds the line is rewarded, so the differences between branches count for
     much more: the sharper incentive a policy office may want when the pool is a reward rather than a subsidy.
   Scores are taken rounded to 6 decimals (as the breakdowns give them), as exact integers of millionths.
3. Each eligible branch first gets the floor of its exact quota; the fen left over (fewer than the number of
   eligible branches) go one each to the largest remainders (Hamilton's method), ties broken by the higher score,
   then by subject id. So the amounts always add up to the pool exactly, a higher score never gets less (for
   branches of the same vetoed status), and equal scores differ by at most one fen.
4. With no eligible branch (nobody, everybody vetoed, every weight 0) the rest of the pool is returned as
   ``unallocated_fen``, said so in the notes; ``on_no_eligible="raise"`` makes it an error instead.

Money is integers and fractions only; no float ever enters a sum.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal, Protocol

from ..errors import PartyRulesError
from .ranking import fmt_score, score_key

__all__ = [
    "Allocation",
    "FundingError",
    "FundingLine",
    "NoEligibleError",
    "allocate",
    "fmt_yuan",
]

Basis = Literal["score", "excess"]
_MILLION = 10**6


class FundingError(PartyRulesError, ValueError):
    """A funding allocation cannot be made as asked (a negative pool, floors above the pool, bad scores)."""

    code = "PR061"


class NoEligibleError(FundingError):
    """No branch is eligible for a share of the pool (raised only with ``on_no_eligible="raise"``)."""

    code = "PR062"


class Scored(Protocol):
    """Anything with a subject id, a score and a veto flag: a :class:`~partyrules.cycle.ranking.Ranked` or
    :class:`~partyrules.cycle.ranking.Rank`."""

    @property
    def subject_id(self) -> str: ...
    @property
    def score(self) -> Any: ...
    @property
    def vetoed(self) -> bool: ...


def fmt_yuan(fen: int) -> str:
    """Integer fen as yuan with two decimals, exactly: ``123456`` -> ``"1234.56"``."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def _ratio(num: int, den: int, places: int) -> str:
    """``num / den`` (both >= 0) with ``places`` decimals, rounded half up, in integers (exact for any size)."""
    scaled = (2 * num * 10**places + den) // (2 * den)
    digits = str(scaled).rjust(places + 1, "0")
    return f"{digits[:-places]}.{digits[-places:]}" if places else digits


def _fmt_fraction(value: Fraction, places: int) -> str:
    return _ratio(value.numerator, value.denominator, places)


@dataclass(frozen=True, slots=True)
class FundingLine:
    """One branch's amount and how it was reached.

    ``share`` is its exact share of the distributable pool (pool minus the vetoed floors), ``quota_fen`` its exact
    amount before rounding, ``base_fen`` the floor of that, ``remainder_fen`` 1 if it got one of the fen left over
    by rounding (else 0); ``amount_fen`` is what it gets (for a vetoed branch: the floor).
    """

    subject_id: str
    score: Decimal
    vetoed: bool
    eligible: bool
    weight: Decimal
    share: Fraction
    quota_fen: Fraction
    base_fen: int
    remainder_fen: int
    amount_fen: int
    explanation_zh: str
    explanation_en: str

    def explanation(self, lang: str = "zh") -> str:
        return self.explanation_zh if lang == "zh" else self.explanation_en

    def to_dict(self) -> dict[str, object]:
        return {
            "subject_id": self.subject_id,
            "score": fmt_score(self.score),
            "vetoed": self.vetoed,
            "eligible": self.eligible,
            "weight": fmt_score(self.weight),
            "share": _fmt_fraction(self.share, 8),
            "quota_fen": _fmt_fraction(self.quota_fen, 4),
            "base_fen": self.base_fen,
            "remainder_fen": self.remainder_fen,
            "amount_fen": self.amount_fen,
            "amount_yuan": fmt_yuan(self.amount_fen),
            "explanation_zh": self.explanation_zh,
            "explanation_en": self.explanation_en,
        }


@dataclass(frozen=True, slots=True)
class Allocation:
    """The allocation of a pool: one line per branch, sorted by subject id.

    Always ``allocated_fen + unallocated_fen == pool_fen`` and ``allocated_fen == sum(amounts)``.
    """

    pool_fen: int
    basis: Basis
    min_score: float
    vetoed_floor_fen: int
    floors_fen: int  # paid to vetoed branches, out of the pool first
    distributable_fen: int  # the pool after the floors
    allocated_fen: int
    unallocated_fen: int
    lines: tuple[FundingLine, ...]
    notes_zh: tuple[str, ...]
    notes_en: tuple[str, ...]

    def amounts(self) -> dict[str, int]:
        """Amount in fen by subject id."""
        return {line.subject_id: line.amount_fen for line in self.lines}

    def line(self, subject_id: str) -> FundingLine:
        for line in self.lines:
            if line.subject_id == subject_id:
                return line
        raise KeyError(subject_id)

    def to_dict(self) -> dict[str, object]:
        return {
            "pool_fen": self.pool_fen,
            "basis": self.basis,
            "min_score": self.min_score,
            "vetoed_floor_fen": self.vetoed_floor_fen,
            "floors_fen": self.floors_fen,
            "distributable_fen": self.distributable_fen,
            "allocated_fen": self.allocated_fen,
            "unallocated_fen": self.unallocated_fen,
            "lines": [line.to_dict() for line in self.lines],
            "notes_zh": list(self.notes_zh),
            "notes_en": list(self.notes_en),
        }


def _check_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FundingError(f"{name} must be an integer number of fen, got {value!r}",
                           hint="money is counted in integer fen: 1 yuan = 100 fen, e.g. 500000 for 5000 yuan")
    if value < 0:
        raise FundingError(f"{name} cannot be negative, got {value}", hint="give an amount of 0 fen or more")
    return value


def allocate(
    pool_fen: int,
    entries: Iterable[Scored],
    *,
    basis: Basis = "score",
    vetoed_floor_fen: int = 0,
    min_score: float = 0.0,
    on_no_eligible: Literal["return", "raise"] = "return",
) -> Allocation:
    """Share ``pool_fen`` among ``entries`` (branches with a score 0..100 and a veto flag) by their scores.

    The amounts are integer fen that add up to the pool exactly, by largest remainder; see the module docstring
    for the rule, the two bases and what happens when nobody is eligible. Raises :class:`FundingError` for a
    negative or non-integer pool or floor, floors above the pool, a bad score or ``min_score``, an unknown basis or
    a duplicate subject id.
    """
    pool_fen = _check_int(pool_fen, "the pool")
    vetoed_floor_fen = _check_int(vetoed_floor_fen, "vetoed_floor_fen")
    if basis not in ("score", "excess"):
        raise FundingError(f"unknown basis {basis!r}", hint="use 'score' (proportional to the score) or 'excess' "
                           "(proportional to the score above min_score)")
    if on_no_eligible not in ("return", "raise"):
        raise FundingError(f"on_no_eligible must be 'return' or 'raise', got {on_no_eligible!r}")
    if isinstance(min_score, bool) or not isinstance(min_score, (int, float)) or not math.isfinite(min_score) \
            or not 0 <= min_score <= 100:
        raise FundingError(f"min_score must be a number in 0..100, got {min_score!r}")
    items = list(entries)
    seen: set[str] = set()
    for e in items:
        sid = getattr(e, "subject_id", None)
        if not isinstance(sid, str) or not sid:
            raise FundingError(f"every entry needs a subject_id, got {e!r}")
        if sid in seen:
            raise FundingError(f"{sid!r} appears twice", hint="give each branch once")
        seen.add(sid)
        score, vetoed = getattr(e, "score", None), getattr(e, "vetoed", None)
        if isinstance(score, bool) or not isinstance(score, (int, float, Decimal)) or not math.isfinite(score) \
                or not 0 <= score <= 100:
            raise FundingError(f"{sid!r}: the score must be a finite number in 0..100, got {score!r}")
        if not isinstance(vetoed, bool):
            raise FundingError(f"{sid!r}: vetoed must be true or false, got {vetoed!r}")
    items.sort(key=lambda e: e.subject_id)

    vetoed_ids = [e.subject_id for e in items if e.vetoed]
    floors = vetoed_floor_fen * len(vetoed_ids)
    if floors > pool_fen:
        raise FundingError(
            f"the floors of {len(vetoed_ids)} vetoed branch(es) ({len(vetoed_ids)} x {vetoed_floor_fen} fen = "
            f"{floors} fen) exceed the pool of {pool_fen} fen",
            hint="lower vetoed_floor_fen or raise the pool")
    rest = pool_fen - floors

    min_key = score_key(float(min_score))
    keys = {e.subject_id: score_key(float(e.score)) for e in items}
    weights: dict[str, int] = {}  # millionths of a point
    for e in items:
        k = keys[e.subject_id]
        if e.vetoed:
            continue
        if basis == "score" and k >= min_key:
            weights[e.subject_id] = int(k.scaleb(6))
        elif basis == "excess" and k > min_key:
            weights[e.subject_id] = int((k - min_key).scaleb(6))
    weights = {sid: w for sid, w in weights.items() if w > 0}
    total = sum(weights.values())

    base: dict[str, int] = {}
    extra: dict[str, int] = {}
    left = 0
    unallocated = 0
    notes_zh: list[str] = []
    notes_en: list[str] = []
    if total == 0:
        unallocated = rest
        if on_no_eligible == "raise" and rest > 0:
            raise NoEligibleError(
                f"no branch is eligible for the {rest} fen left after the floors (of {len(items)} branches, "
                f"{len(vetoed_ids)} vetoed)", hint="lower min_score, or keep the pool as unallocated_fen")
        notes_zh.append(f"没有符合条件的党支部,{fmt_yuan(rest)} 元未分配,原数退回(unallocated_fen)")
        notes_en.append(f"no eligible branch: {fmt_yuan(rest)} yuan is not allocated and is returned as "
                        "unallocated_fen")
    else:
        remainders: dict[str, int] = {}
        for sid, w in weights.items():
            base[sid], remainders[sid] = divmod(rest * w, total)
        left = rest - sum(base.values())
        order = sorted(weights, key=lambda s: (-remainders[s], -keys[s], s))
        for sid in order[:left]:
            extra[sid] = 1
        if left:
            notes_zh.append(f"按比例取整后余 {left} 分,按余数从大到小各给 1 分(余数相同者得分高者优先,再按编号)")
            notes_en.append(f"{left} fen left after rounding down went one each to the largest remainders "
                            "(ties: higher score, then subject id)")
    if floors:
        notes_zh.append(f"{len(vetoed_ids)} 个一票否决党支部各得保底 {fmt_yuan(vetoed_floor_fen)} 元,先从资金池中扣除")
        notes_en.append(f"{len(vetoed_ids)} vetoed branch(es) get the floor of {fmt_yuan(vetoed_floor_fen)} yuan "
                        "each, taken out of the pool first")

    lines: list[FundingLine] = []
    for e in items:
        sid, k = e.subject_id, keys[e.subject_id]
        w = weights.get(sid, 0)
        share = Fraction(w, total) if total else Fraction(0)
        quota = share * rest
        b, x = base.get(sid, 0), extra.get(sid, 0)
        amount = vetoed_floor_fen if e.vetoed else b + x
        weight = Decimal(w).scaleb(-6)
        zh, en = _explain(e.vetoed, sid in weights, k, weight, share, quota, b, x, amount, basis, min_key,
                          vetoed_floor_fen, rest, left)
        lines.append(FundingLine(sid, k, e.vetoed, sid in weights, weight, share, quota, b, x, amount, zh, en))
    allocated = sum(line.amount_fen for line in lines)
    if allocated + unallocated != pool_fen:  # pragma: no cover - the arithmetic above is exact
        raise PartyRulesError(f"funding lost money: {allocated} + {unallocated} != {pool_fen}",
                              hint="this is a bug in partyrules: please report it")
    return Allocation(pool_fen, basis, float(min_score), vetoed_floor_fen, floors, rest, allocated, unallocated,
                      tuple(lines), tuple(notes_zh), tuple(notes_en))


def _explain(vetoed: bool, eligible: bool, k: Decimal, weight: Decimal, share: Fraction, quota: Fraction, base: int,
             extra: int, amount: int, basis: Basis, min_key: Decimal, floor: int, rest: int,
             left: int) -> tuple[str, str]:
    s, m = fmt_score(k), fmt_score(min_key)
    if vetoed and floor == 0:
        return (f"得分 {s},但有一票否决情形,不参与按指数分配,得 0 元",
                f"score {s}, but vetoed: no share of the pool, 0 yuan")
    if vetoed:
        return (f"得分 {s},但有一票否决情形,不参与按指数分配,只得保底 {fmt_yuan(floor)} 元",
                f"score {s}, but vetoed: no share of the pool, only the floor of {fmt_yuan(floor)} yuan")
    if not eligible:
        if basis == "score" and k < min_key:
            return (f"得分 {s} 低于门槛 {m},不参与分配,得 0 元",
                    f"score {s} is below the threshold {m}: no share, 0 yuan")
        if basis == "excess":
            return (f"得分 {s} 未超过门槛 {m},按超出部分分配时份额为 0,得 0 元",
                    f"score {s} does not exceed the threshold {m}: nothing above it to reward, 0 yuan")
        return (f"得分 {s},计分为 0,得 0 元", f"score {s} gives a weight of 0: 0 yuan")
    pct = _ratio(share.numerator * 100, share.denominator, 4)
    q_yuan = _ratio(quota.numerator, quota.denominator * 100, 4)
    weight_zh = f"计分 {fmt_score(weight)}" + (f"(超出门槛 {m} 的部分)" if basis == "excess" else "")
    weight_en = f"weight {fmt_score(weight)}" + (f" (the part above {m})" if basis == "excess" else "")
    zh = (f"得分 {s},{weight_zh},占可分配资金 {fmt_yuan(rest)} 元的 {pct}%,按比例应得 {q_yuan} 元,"
          f"取整为 {fmt_yuan(base)} 元")
    en = (f"score {s}, {weight_en}: {pct}% of the {fmt_yuan(rest)} yuan to share, a quota of {q_yuan} yuan, "
          f"rounded down to {fmt_yuan(base)} yuan")
    if extra:
        zh += f",因余数较大另得 0.01 元,共 {fmt_yuan(amount)} 元"
        en += f", plus 1 fen for one of the largest remainders: {fmt_yuan(amount)} yuan"
    elif left and quota != base:
        zh += f",余数未进入前 {left} 位,共 {fmt_yuan(amount)} 元"
        en += f"; its remainder was not among the {left} largest: {fmt_yuan(amount)} yuan"
    else:
        zh += f",共 {fmt_yuan(amount)} 元"
        en += f": {fmt_yuan(amount)} yuan"
    return zh, en
