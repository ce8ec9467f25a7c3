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

With ``index_weights`` (what :func:`~partyrules.cycle.year.run_year` passes), the score each branch is funded by
is not its own index alone but the combination the source names (000:
根据党支部战斗力指数和党员先进性指数拨付党建工作专项经费,实施"以奖代补"; the formula is gap J3):

    basis = (w_b x branch index + w_m x members' index) / (w_b + w_m)

where the branch index is the branch's annual composite percent (战斗力指数) and the members' index (党员先进性指数)
is the mean of the annual percents of the branch's *graded* members (probationary members are scored but not
graded, so they do not count; vetoed members are graded and count with their own percent). Each percent is taken
as exact millionths, the combination is exact, and the basis is rounded half-even to millionths, like every score.
The weights are parameters of the branch rule set (``funding_weight_branch_index``,
``funding_weight_members_index``). A branch with no graded member has no members' index: its basis is its branch
index alone (the weights renormalised over the index present, as the annual composite treats a missing input), and
its line says so. Everything above then applies to the basis: the amounts are integer fen adding up to the pool,
vetoed branches get the floor, and raising a branch's members' index never lowers its amount.

Money is integers and fractions only; no float ever enters a sum.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal, Protocol

from ..errors import FundingError, NoEligibleError, PartyRulesError
from ..ranking import fmt_score, score_key
from .indices import PARAM_BRANCH_WEIGHT, PARAM_MEMBERS_WEIGHT, BranchIndices, IndexWeights, _combine, _Combined

__all__ = [
    "PARAM_BRANCH_WEIGHT",
    "PARAM_MEMBERS_WEIGHT",
    "Allocation",
    "BranchIndices",
    "FundingError",
    "FundingLine",
    "IndexWeights",
    "NoEligibleError",
    "allocate",
    "fmt_yuan",
]

Basis = Literal["score", "excess"]


class Scored(Protocol):
    """Anything with a subject id, a score and a veto flag: a :class:`~partyrules.ranking.Ranked` or
    :class:`~partyrules.ranking.Rank`."""

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

    ``score`` is what the pool was shared by: the branch's score, or with index weights its basis (then
    ``branch_index``, ``members_index`` (None without graded members) and ``members_count`` say what it combined).
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
    branch_index: Decimal | None = None
    members_index: Decimal | None = None
    members_count: int | None = None

    def explanation(self, lang: str = "zh") -> str:
        return self.explanation_zh if lang == "zh" else self.explanation_en

    def to_dict(self) -> dict[str, object]:
        return {
            "subject_id": self.subject_id,
            "branch_index": None if self.branch_index is None else fmt_score(self.branch_index),
            "members_index": None if self.members_index is None else fmt_score(self.members_index),
            "members_count": self.members_count,
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
    index_weights: IndexWeights | None = field(default=None)

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
            "index_weights": None if self.index_weights is None else self.index_weights.to_dict(),
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
    index_weights: IndexWeights | None = None,
) -> Allocation:
    """Share ``pool_fen`` among ``entries`` (branches with a score 0..100 and a veto flag) by their scores, or
    with ``index_weights`` by the basis that combines each branch's score (its index) with its members' index
    (entries then need ``member_percents``, e.g. :class:`BranchIndices`).

    The amounts are integer fen that add up to the pool exactly, by largest remainder; see the module docstring
    for the rule, the two bases, the combination and what happens when nobody is eligible. Raises
    :class:`FundingError` for a negative or non-integer pool or floor, floors above the pool, a bad score, member
    percent or ``min_score``, an unknown basis or a duplicate subject id.
    """
    pool_fen = _check_int(pool_fen, "the pool")
    vetoed_floor_fen = _check_int(vetoed_floor_fen, "vetoed_floor_fen")
    _check_options(basis, on_no_eligible, min_score)
    items = _checked_entries(entries)
    combined = _combined_bases(items, index_weights)
    vetoed_ids = [e.subject_id for e in items if e.vetoed]
    floors = vetoed_floor_fen * len(vetoed_ids)
    if floors > pool_fen:
        raise FundingError(
            f"the floors of {len(vetoed_ids)} vetoed branch(es) ({len(vetoed_ids)} x {vetoed_floor_fen} fen = "
            f"{floors} fen) exceed the pool of {pool_fen} fen",
            hint="lower vetoed_floor_fen or raise the pool")
    rest = pool_fen - floors

    min_key = score_key(float(min_score))
    keys = {e.subject_id: combined[e.subject_id].basis if combined else score_key(float(e.score)) for e in items}
    weights = _weights(items, keys, basis, min_key)
    shares = _share(rest, weights, keys, on_no_eligible, len(items), len(vetoed_ids))
    if floors:
        shares.notes_zh.append(f"{len(vetoed_ids)} 个一票否决党支部各得保底 {fmt_yuan(vetoed_floor_fen)} 元,"
                               "先从资金池中扣除")
        shares.notes_en.append(f"{len(vetoed_ids)} vetoed branch(es) get the floor of {fmt_yuan(vetoed_floor_fen)} "
                               "yuan each, taken out of the pool first")

    lines: list[FundingLine] = []
    for e in items:
        lines.append(_line(e, keys[e.subject_id], weights, shares, rest, basis, min_key, vetoed_floor_fen,
                           combined.get(e.subject_id), index_weights))
    allocated = sum(line.amount_fen for line in lines)
    if allocated + shares.unallocated != pool_fen:  # pragma: no cover - the arithmetic above is exact
        raise PartyRulesError(f"funding lost money: {allocated} + {shares.unallocated} != {pool_fen}",
                              hint="this is a bug in partyrules: please report it")
    if index_weights is not None:
        zh, en = _basis_notes(index_weights)
        shares.notes_zh.insert(0, zh)
        shares.notes_en.insert(0, en)
    return Allocation(pool_fen, basis, float(min_score), vetoed_floor_fen, floors, rest, allocated,
                      shares.unallocated, tuple(lines), tuple(shares.notes_zh), tuple(shares.notes_en), index_weights)


def _check_options(basis: object, on_no_eligible: object, min_score: object) -> None:
    if basis not in ("score", "excess"):
        raise FundingError(f"unknown basis {basis!r}", hint="use 'score' (proportional to the score) or 'excess' "
                           "(proportional to the score above min_score)")
    if on_no_eligible not in ("return", "raise"):
        raise FundingError(f"on_no_eligible must be 'return' or 'raise', got {on_no_eligible!r}")
    if isinstance(min_score, bool) or not isinstance(min_score, (int, float)) or not math.isfinite(min_score) \
            or not 0 <= min_score <= 100:
        raise FundingError(f"min_score must be a number in 0..100, got {min_score!r}")


def _checked_entries(entries: Iterable[Scored]) -> list[Scored]:
    """The entries in subject id order, each with a unique id, a score in 0..100 and a veto flag."""
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
    return items


def _combined_bases(items: list[Scored], index_weights: IndexWeights | None) -> dict[str, _Combined]:
    """Each branch's basis combining its index with its members' index; none without ``index_weights``."""
    combined: dict[str, _Combined] = {}
    if index_weights is None:
        return combined
    if not isinstance(index_weights, IndexWeights):
        raise FundingError(f"index_weights must be IndexWeights, got {index_weights!r}",
                           hint="IndexWeights(branch=0.5, members=0.5)")
    for e in items:
        percents = getattr(e, "member_percents", None)
        if percents is None or isinstance(percents, (str, bytes)):
            raise FundingError(f"{e.subject_id!r} has no member_percents, which funding by both indices needs",
                               hint="give BranchIndices(subject_id, score, vetoed, member_percents)")
        combined[e.subject_id] = _combine(e.subject_id, score_key(float(e.score)), list(percents), index_weights)
    return combined


def _weights(items: list[Scored], keys: dict[str, Decimal], basis: Basis, min_key: Decimal) -> dict[str, int]:
    """The eligible branches' weights in millionths of a point (a branch of weight 0 is not eligible)."""
    weights: dict[str, int] = {}
    for e in items:
        k = keys[e.subject_id]
        if e.vetoed:
            continue
        if basis == "score" and k >= min_key:
            weights[e.subject_id] = int(k.scaleb(6))
        elif basis == "excess" and k > min_key:
            weights[e.subject_id] = int((k - min_key).scaleb(6))
    return {sid: w for sid, w in weights.items() if w > 0}


@dataclass
class _Shares:
    """The pool after the floors shared by weight: each branch's rounded-down quota, the fen given to the largest
    remainders, what is not allocated, and the notes that say so."""

    total: int
    base: dict[str, int] = field(default_factory=dict)
    extra: dict[str, int] = field(default_factory=dict)
    left: int = 0
    unallocated: int = 0
    notes_zh: list[str] = field(default_factory=list)
    notes_en: list[str] = field(default_factory=list)


def _share(rest: int, weights: dict[str, int], keys: dict[str, Decimal], on_no_eligible: str, n_items: int,
           n_vetoed: int) -> _Shares:
    """Hamilton's method: the floor of each exact quota, then one fen each to the largest remainders."""
    out = _Shares(sum(weights.values()))
    if out.total == 0:
        out.unallocated = rest
        if on_no_eligible == "raise" and rest > 0:
            raise NoEligibleError(
                f"no branch is eligible for the {rest} fen left after the floors (of {n_items} branches, "
                f"{n_vetoed} vetoed)", hint="lower min_score, or keep the pool as unallocated_fen")
        out.notes_zh.append(f"没有符合条件的党支部,{fmt_yuan(rest)} 元未分配,原数退回(unallocated_fen)")
        out.notes_en.append(f"no eligible branch: {fmt_yuan(rest)} yuan is not allocated and is returned as "
                            "unallocated_fen")
        return out
    remainders: dict[str, int] = {}
    for sid, w in weights.items():
        out.base[sid], remainders[sid] = divmod(rest * w, out.total)
    out.left = rest - sum(out.base.values())
    order = sorted(weights, key=lambda s: (-remainders[s], -keys[s], s))
    for sid in order[:out.left]:
        out.extra[sid] = 1
    if out.left:
        out.notes_zh.append(f"按比例取整后余 {out.left} 分,按余数从大到小各给 1 分(余数相同者得分高者优先,再按编号)")
        out.notes_en.append(f"{out.left} fen left after rounding down went one each to the largest remainders "
                            "(ties: higher score, then subject id)")
    return out


def _line(e: Scored, k: Decimal, weights: dict[str, int], shares: _Shares, rest: int, basis: Basis,
          min_key: Decimal, vetoed_floor_fen: int, c: _Combined | None,
          index_weights: IndexWeights | None) -> FundingLine:
    """One branch's line: its share, quota, amount and their explanation."""
    sid, total = e.subject_id, shares.total
    w = weights.get(sid, 0)
    share = Fraction(w, total) if total else Fraction(0)
    quota = share * rest
    b, x = shares.base.get(sid, 0), shares.extra.get(sid, 0)
    amount = vetoed_floor_fen if e.vetoed else b + x
    weight = Decimal(w).scaleb(-6)
    zh, en = _explain(e.vetoed, sid in weights, k, weight, share, quota, b, x, amount, basis, min_key,
                      vetoed_floor_fen, rest, shares.left, c, index_weights)
    return FundingLine(sid, k, e.vetoed, sid in weights, weight, share, quota, b, x, amount, zh, en,
                       c.branch_index if c else None, c.members_index if c else None,
                       c.members_count if c else None)


def _basis_notes(index_weights: IndexWeights) -> tuple[str, str]:
    """The note that says what the basis combines, with the weights in force."""
    wb, wm = (fmt_score(Decimal(repr(float(w)))) for w in (index_weights.branch, index_weights.members))
    return (f"计分依据 = (战斗力指数 x {wb} + 党员先进性指数 x {wm}) / ({wb} + {wm}),党员先进性指数为"
            "支部已定等次党员年度综合得分的平均;没有已定等次党员的支部只按战斗力指数",
            f"basis = (branch index x {wb} + members' index x {wm}) / ({wb} + {wm}); the members' "
            "index is the mean annual percent of the branch's graded members; a branch without "
            "graded members is funded on its branch index alone")

def _explain(vetoed: bool, eligible: bool, k: Decimal, weight: Decimal, share: Fraction, quota: Fraction, base: int,
             extra: int, amount: int, basis: Basis, min_key: Decimal, floor: int, rest: int,
             left: int, combined: _Combined | None = None,
             index_weights: IndexWeights | None = None) -> tuple[str, str]:
    zh, en = _explain_score(vetoed, eligible, k, weight, share, quota, base, extra, amount, basis, min_key, floor,
                            rest, left)
    if combined is None or index_weights is None:
        return zh, en
    # The score above is the basis: say first what it combines, so a branch can check its own amount.
    s, bi = fmt_score(k), fmt_score(combined.branch_index)
    wb, wm = (fmt_score(Decimal(repr(float(w)))) for w in (index_weights.branch, index_weights.members))
    if combined.members_index is None:
        head_zh = (f"战斗力指数 {bi},没有已定等次的党员、无党员先进性指数,计分依据只取战斗力指数 {s}"
                   f"(权重 {wb} / {wm} 只用其一);")
        head_en = (f"branch index {bi}, no graded member and so no members' index: basis {s}, the branch index "
                   f"alone (weights {wb} / {wm}, only the first applies); ")
    else:
        mi, n = fmt_score(combined.members_index), combined.members_count
        head_zh = (f"战斗力指数 {bi},党员先进性指数 {mi}({n} 名已定等次党员的平均),权重 {wb} / {wm},"
                   f"计分依据 {s};")
        head_en = (f"branch index {bi}, members' index {mi} (mean of {n} graded member{'s' if n != 1 else ''}), "
                   f"weights {wb} / {wm}: basis {s}; ")
    zh = zh.removeprefix(f"得分 {s},") if zh.startswith(f"得分 {s},") else zh.replace("得分", "计分依据", 1)
    en = en.removeprefix(f"score {s}, ") if en.startswith(f"score {s}, ") else en.replace("score", "basis", 1)
    return head_zh + zh, head_en + en


def _explain_score(vetoed: bool, eligible: bool, k: Decimal, weight: Decimal, share: Fraction, quota: Fraction,
                   base: int, extra: int, amount: int, basis: Basis, min_key: Decimal, floor: int, rest: int,
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
