"""Rankings across a sub-district (拉通排名) and within layers and categories (分层分类), the warning and priority
lists cut from them (D2 诫勉, D6 倾斜), per subject and explained. The pairing of bottom branches with top ones is
in :mod:`partyrules.ranking.pairing`; the same ranks and lists over score tables in :mod:`partyrules.ranking.table`.

Everything here is a pure function of small frozen values: the same subjects, in any order, give the same result.

Definitions (the source gives none of these numbers: gap J3; they are documented defaults):

- **Score key.** Scores are compared after rounding to 6 decimals (the breakdowns round to 6), as exact decimals,
  so float noise never splits a tie.
- **Order.** Subjects of one kind (branches, or members) are ordered by: vetoed last (a vetoed subject ranks below
  every subject without a veto, whatever its score), then by score, higher first. Ties share a rank (standard
  competition ranking: 1, 2, 2, 4) and the explanation names who shares it. Branches and members are never ranked
  against each other.
- **Pools.** The overall rank runs across the sub-district per kind; the pool rank runs within the pool key, a tuple
  of strings (by default layer and category), always within one kind.
- **Percentile** (within the pool): ``100 * (ranked below + half of the others level) / pool size``, the mid-rank
  percentile, so that tied subjects share it and a pool of one is at 50.
- **Lists.** Per pool, the quota is ``ceil(share * pool size)``, computed exactly (7% of 100 is 7, not 8), so at
  least 1 for a non-empty pool when share > 0. The warning list takes the quota from the bottom, the priority list
  from the top; everyone level with the subject at the cut-off is included too, so two equal scores are never
  treated differently. A subject is "at the bottom" only if someone in its pool ranks above it, and "at the top"
  only if someone ranks below it: a pool of one, or a pool where everyone is level, has neither. Vetoed subjects are
  always on the warning list and never on the priority list.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Literal

from ..errors import RankingError

__all__ = [
    "DEFAULT_POOL",
    "DEFAULT_SHARE",
    "ListEntry",
    "PoolCut",
    "Rank",
    "RankList",
    "Ranked",
    "RankingError",
    "priority_list",
    "rank",
    "score_key",
    "warning_list",
]

Kind = Literal["branch", "member"]
PoolKey = tuple[str, ...]
PoolSpec = Sequence[str] | Callable[["Ranked"], PoolKey]

DEFAULT_SHARE = 0.10  # the bottom and top share of each pool (D2, D6: the source gives no cut-off; gap J3)
DEFAULT_POOL: tuple[str, ...] = ("layer", "category")  # always within one kind: pools never mix kinds
POOL_FIELDS = ("kind", "layer", "category", "group", "community_id")
_MICRO = Decimal("0.000001")
_NAMES_SHOWN = 5  # tied subjects named in an explanation before "and N more"


def score_key(score: float) -> Decimal:
    """The score as compared: an exact decimal rounded half-even to 6 places (so 87.5 == 87.50000000000001)."""
    return Decimal(repr(float(score))).quantize(_MICRO, rounding=ROUND_HALF_EVEN)


def fmt_score(key: Decimal) -> str:
    """A score key without trailing zeros: ``87.5``, ``100``, ``0``."""
    text = format(key.normalize(), "f")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True, slots=True)
class Ranked:
    """One subject to rank: its annual composite ``score`` (0..100) and where it belongs.

    ``layer`` and ``category`` say its layer and category (分层分类): for a branch, e.g. layer ``"branch"`` or
    ``"general_branch"`` and category its :class:`~partyrules.facts.enums.BranchType`; for a member, e.g. layer the
    branch or community and category its :class:`~partyrules.facts.enums.MemberCategory`. ``group`` is what
    "of the same type" means for pairing (a branch's type). ``vetoed`` is a verified one-vote veto of the year.
    """

    subject_id: str
    kind: Kind
    score: float
    layer: str = ""
    category: str = ""
    vetoed: bool = False
    group: str | None = None
    community_id: str | None = None
    key: Decimal = field(init=False, repr=False, compare=False)  # the score as compared (see score_key)

    def __post_init__(self) -> None:
        where = f"subject {self.subject_id!r}"
        if not isinstance(self.subject_id, str) or not self.subject_id:
            raise RankingError(f"a subject id must be a non-empty string, got {self.subject_id!r}")
        if self.kind not in ("branch", "member"):
            raise RankingError(f"{where}: kind must be 'branch' or 'member', got {self.kind!r}")
        if isinstance(self.score, bool) or not isinstance(self.score, (int, float)) or not math.isfinite(self.score):
            raise RankingError(f"{where}: the score must be a finite number, got {self.score!r}")
        key = score_key(self.score)
        if not 0 <= key <= 100:
            raise RankingError(f"{where}: the score {self.score!r} is outside 0..100",
                               hint="rank the annual composite, which is on a 0..100 scale")
        object.__setattr__(self, "key", key)
        if not isinstance(self.vetoed, bool):
            raise RankingError(f"{where}: vetoed must be true or false, got {self.vetoed!r}")
        for name in ("layer", "category"):
            if not isinstance(getattr(self, name), str):
                raise RankingError(f"{where}: {name} must be a string, got {getattr(self, name)!r}")
        for name in ("group", "community_id"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise RankingError(f"{where}: {name} must be a string or None, got {value!r}")


@dataclass(frozen=True, slots=True)
class Rank:
    """Where one subject stands: overall (across the sub-district, among subjects of its kind) and in its pool."""

    subject_id: str
    kind: Kind
    score: Decimal  # the score key: rounded to 6 decimals
    vetoed: bool
    group: str | None
    community_id: str | None
    pool: PoolKey
    overall_rank: int
    overall_size: int
    pool_rank: int
    pool_size: int
    percentile: float  # within the pool, mid-rank: tied subjects share it
    tied_with: tuple[str, ...]  # others in the pool at the same rank, sorted
    overall_tied_with: tuple[str, ...]  # others across the sub-district at the same overall rank, sorted
    explanation_zh: str
    explanation_en: str

    @property
    def position(self) -> tuple[bool, Decimal]:
        """The sort key: vetoed last, then higher score first (compare with ``<`` for "ranks above")."""
        return (self.vetoed, -self.score)

    def explanation(self, lang: str = "zh") -> str:
        return self.explanation_zh if lang == "zh" else self.explanation_en


def _pool_key(entry: Ranked, pool: PoolSpec) -> PoolKey:
    if callable(pool):
        key = pool(entry)
        if not isinstance(key, tuple) or not all(isinstance(k, str) for k in key):
            raise RankingError(f"subject {entry.subject_id!r}: the pool function must return a tuple of strings, "
                               f"got {key!r}")
        return key
    return tuple(getattr(entry, name) or "" for name in pool)


def _names(ids: Sequence[str], lang: str) -> str:
    shown = list(ids[:_NAMES_SHOWN])
    more = len(ids) - len(shown)
    if lang == "zh":
        return "、".join(shown) + (f" 等{len(ids)}个" if more else "")
    return ", ".join(shown) + (f" and {more} more" if more else "")


@lru_cache(maxsize=4096)
def _pool_label(pool: PoolKey) -> str:
    return "/".join(p or "-" for p in pool) or "-"


def _competition_ranks(entries: Sequence[Ranked]) -> dict[str, tuple[int, tuple[str, ...]]]:
    """Standard competition ranks (1, 2, 2, 4) of ``entries``, and who shares each, by subject id."""
    keyed = sorted(entries, key=lambda e: ((e.vetoed, -e.key), e.subject_id))
    out: dict[str, tuple[int, tuple[str, ...]]] = {}
    i = 0
    while i < len(keyed):
        j = i
        position = (keyed[i].vetoed, keyed[i].key)
        while j < len(keyed) and (keyed[j].vetoed, keyed[j].key) == position:
            j += 1
        ids = tuple(e.subject_id for e in keyed[i:j])
        for sid in ids:
            out[sid] = (i + 1, ids)
        i = j
    return out


def rank(entries: Iterable[Ranked], *, pool: PoolSpec = DEFAULT_POOL) -> list[Rank]:
    """Rank subjects across the sub-district and within their pools (分层分类、拉通排名).

    ``pool`` is either field names of :class:`Ranked` (``kind``, ``layer``, ``category``, ``group``,
    ``community_id``; a missing value counts as ``""``) or a function from a subject to a tuple of strings; pools
    never mix kinds, whatever the key.
    The result is sorted by kind, overall rank and subject id, whatever the input order. Raises
    :class:`RankingError` for a duplicate subject id within a kind or an unknown pool field.
    """
    items = list(entries)
    if not callable(pool):
        if isinstance(pool, str):
            raise RankingError(f"pool must be a sequence of field names, got the string {pool!r}",
                               hint=f"write pool=({pool!r},)")
        unknown = [name for name in pool if name not in POOL_FIELDS]
        if unknown:
            raise RankingError(f"unknown pool field(s) {unknown}", hint="use any of " + ", ".join(POOL_FIELDS))
    seen: set[tuple[str, str]] = set()
    for e in items:
        if not isinstance(e, Ranked):
            raise RankingError(f"rank() takes Ranked values, got {type(e).__name__}")
        if (e.kind, e.subject_id) in seen:
            raise RankingError(f"{e.kind} {e.subject_id!r} appears twice", hint="rank each subject once")
        seen.add((e.kind, e.subject_id))

    pools = {(e.kind, e.subject_id): _pool_key(e, pool) for e in items}
    by_kind: dict[str, list[Ranked]] = defaultdict(list)
    by_pool: dict[tuple[str, PoolKey], list[Ranked]] = defaultdict(list)
    for e in items:
        by_kind[e.kind].append(e)
        by_pool[(e.kind, pools[(e.kind, e.subject_id)])].append(e)
    overall = {kind: _competition_ranks(group) for kind, group in by_kind.items()}
    pooled = {key: _competition_ranks(group) for key, group in by_pool.items()}

    out: list[Rank] = []
    for e in items:
        key = pools[(e.kind, e.subject_id)]
        o_rank, o_tied = overall[e.kind][e.subject_id]
        p_rank, p_tied = pooled[(e.kind, key)][e.subject_id]
        o_size = len(by_kind[e.kind])
        p_size = len(by_pool[(e.kind, key)])
        level = len(p_tied)
        below = p_size - (p_rank - 1) - level
        percentile = round(100 * (below + level / 2) / p_size, 6)
        tied = tuple(s for s in p_tied if s != e.subject_id)
        o_tied_others = tuple(s for s in o_tied if s != e.subject_id)
        zh, en = _explain_rank(e, key, o_rank, o_size, p_rank, p_size, tied, o_tied_others)
        out.append(Rank(e.subject_id, e.kind, e.key, e.vetoed, e.group, e.community_id, key, o_rank,
                        o_size, p_rank, p_size, percentile, tied, o_tied_others, zh, en))
    out.sort(key=lambda r: (r.kind, r.overall_rank, r.subject_id))
    return out


def _explain_rank(e: Ranked, key: PoolKey, o_rank: int, o_size: int, p_rank: int, p_size: int,
                  tied: tuple[str, ...], o_tied: tuple[str, ...]) -> tuple[str, str]:
    s = fmt_score(e.key)
    noun_zh = "党支部" if e.kind == "branch" else "党员"
    noun_en = "branches" if e.kind == "branch" else "members"
    zh = [f"得分 {s};全街道{noun_zh}第 {o_rank} 名(共 {o_size} 个);{_pool_label(key)} 中第 {p_rank} 名(共 {p_size} 个)"]
    en = [f"score {s}; {o_rank} of {o_size} {noun_en} across the sub-district; {p_rank} of {p_size} in "
          f"{_pool_label(key)}"]
    if tied:
        zh.append(f"与 {_names(tied, 'zh')} 同分 {s},并列第 {p_rank} 名")
        en.append(f"tied with {_names(tied, 'en')} at {s}")
    elif o_tied:
        zh.append(f"全街道与 {_names(o_tied, 'zh')} 同分并列")
        en.append(f"tied across the sub-district with {_names(o_tied, 'en')} at {s}")
    if e.vetoed:
        zh.append("有一票否决情形,排在所有未被否决者之后")
        en.append("vetoed: ranked below every subject without a veto, whatever the score")
    return ";".join(zh), "; ".join(en)


# -- warning and priority lists ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ListEntry:
    """A subject on a warning or priority list, and why: ``cutoff`` (inside the quota), ``tie_at_cutoff`` (level
    with the subject at the cut-off) or ``vetoed`` (a vetoed subject outside the quota: always warned)."""

    rank: Rank
    reason: Literal["cutoff", "tie_at_cutoff", "vetoed"]
    explanation_zh: str
    explanation_en: str

    @property
    def subject_id(self) -> str:
        return self.rank.subject_id

    def explanation(self, lang: str = "zh") -> str:
        return self.explanation_zh if lang == "zh" else self.explanation_en


@dataclass(frozen=True, slots=True)
class PoolCut:
    """How one pool was cut: the quota ``ceil(share * size)``, how many were selected and at which score."""

    kind: Kind
    pool: PoolKey
    size: int
    quota: int
    selected: int
    cutoff_score: Decimal | None  # the score of the subject at the cut-off; None when nobody was selected by rank
    ties_added: int  # selected beyond the quota because level with the cut-off
    vetoed_added: int  # vetoed subjects selected beyond the quota (warning list only)
    note_zh: str
    note_en: str


@dataclass(frozen=True, slots=True)
class RankList:
    """A warning (``bottom``) or priority (``top``) list: entries sorted by kind, pool and position."""

    name: Literal["warning", "priority"]
    share: float
    entries: tuple[ListEntry, ...]
    pools: tuple[PoolCut, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(e.subject_id for e in self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, subject_id: object) -> bool:
        return any(e.subject_id == subject_id for e in self.entries)


def _quota(share: float, size: int) -> int:
    # exact: 0.07 is read as 7/100, so 7% of 100 is 7 (the float product 7.000000000000001 would ceil to 8)
    return math.ceil(Fraction(Decimal(repr(float(share)))) * size)


def _check_share(share: float, name: str) -> None:
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not math.isfinite(share) \
            or not 0 <= share <= 1:
        raise RankingError(f"{name}: the share must be a number in 0..1, got {share!r}",
                           hint="write 0.1 for the bottom (or top) 10% of each pool")


def _pools_of(ranks: Iterable[Rank]) -> dict[tuple[str, PoolKey], list[Rank]]:
    pools: dict[tuple[str, PoolKey], list[Rank]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for r in ranks:
        if not isinstance(r, Rank):
            raise RankingError(f"lists are cut from rank() results, got {type(r).__name__}")
        if (r.kind, r.subject_id) in seen:
            raise RankingError(f"{r.kind} {r.subject_id!r} appears twice", hint="pass each rank once")
        seen.add((r.kind, r.subject_id))
        pools[(r.kind, r.pool)].append(r)
    return pools


def warning_list(ranks: Iterable[Rank], share: float = DEFAULT_SHARE) -> RankList:
    """The bottom ``share`` of each pool (D2, 诫勉排名靠后的党支部和党员), plus every vetoed subject.

    See the module docstring for the exact rule: quota ``ceil(share * pool size)`` from the bottom, ties at the
    cut-off included, nobody warned in a pool where nobody ranks above them, vetoed subjects always warned.
    """
    _check_share(share, "warning_list")
    return _cut(ranks, share, "warning")


def priority_list(ranks: Iterable[Rank], share: float = DEFAULT_SHARE) -> RankList:
    """The top ``share`` of each pool (D6, 倾斜: people, money and material), never a vetoed subject.

    Quota ``ceil(share * pool size)`` from the top, ties at the cut-off included, nobody in a pool where nobody
    ranks below them.
    """
    _check_share(share, "priority_list")
    return _cut(ranks, share, "priority")


def _cut(ranks: Iterable[Rank], share: float, name: Literal["warning", "priority"]) -> RankList:
    entries: list[ListEntry] = []
    cuts: list[PoolCut] = []
    pct = f"{Decimal(repr(float(share))) * 100:f}".rstrip("0").rstrip(".") + "%"
    for (kind, key), members in sorted(_pools_of(ranks).items()):
        members.sort(key=lambda r: (r.position, r.subject_id))
        size = len(members)
        quota = _quota(share, size)
        label = _pool_label(key)
        chosen: dict[str, ListEntry] = {}
        if name == "warning":
            ordered = members[::-1]  # worst first
            eligible = [r for r in ordered if r.vetoed or r.position > members[0].position]
        else:
            ordered = members
            eligible = [r for r in ordered if not r.vetoed and r.position < members[-1].position]
        eligible_ids = {r.subject_id for r in eligible}
        cutoff: Rank | None = None
        ties = 0
        if quota and eligible:
            inside = [r for r in ordered[:quota] if r.subject_id in eligible_ids]
            if inside:
                cutoff = inside[-1]
                for r in inside:
                    chosen[r.subject_id] = _entry(r, "cutoff", name, quota, size, pct, label, None)
                for r in eligible:
                    if r.subject_id not in chosen and r.position == cutoff.position:
                        chosen[r.subject_id] = _entry(r, "tie_at_cutoff", name, quota, size, pct, label, cutoff)
                        ties += 1
        vetoed_added = 0
        if name == "warning":
            for r in ordered:
                if r.vetoed and r.subject_id not in chosen:
                    chosen[r.subject_id] = _entry(r, "vetoed", name, quota, size, pct, label, None)
                    vetoed_added += 1
        note_zh, note_en = _pool_note(name, size, quota, pct, bool(eligible), share)
        cuts.append(PoolCut(kind, key, size, quota, len(chosen),  # type: ignore[arg-type]
                            cutoff.score if cutoff else None, ties, vetoed_added, note_zh, note_en))
        entries.extend(sorted(chosen.values(), key=lambda x: (x.rank.position, x.subject_id)))
    return RankList(name, float(share), tuple(entries), tuple(cuts))


def _pool_note(name: str, size: int, quota: int, pct: str, any_eligible: bool, share: float) -> tuple[str, str]:
    side_zh, side_en = ("末尾", "bottom") if name == "warning" else ("前列", "top")
    base_zh = f"共 {size} 个,{side_zh} {pct} 名额为 ceil({pct}×{size}) = {quota}"
    base_en = f"{size} in the pool; the {side_en} {pct} is ceil({pct} x {size}) = {quota}"
    if share == 0:
        return base_zh + "(比例为 0,不列入任何人" + (",一票否决者除外)" if name == "warning" else ")"), \
            base_en + " (share 0: nobody is listed" + (" except the vetoed)" if name == "warning" else ")")
    if not any_eligible:
        other_zh, other_en = ("排名更高", "above") if name == "warning" else ("排名更低", "below")
        return (base_zh + f";但池内无人{other_zh}(仅一个或全部同分),不按名次列入任何人",
                base_en + f"; but nobody in the pool has anyone ranked {other_en} them (one subject, or all level), "
                "so nobody is listed by rank")
    return base_zh, base_en


def _entry(r: Rank, reason: Literal["cutoff", "tie_at_cutoff", "vetoed"], name: str, quota: int, size: int,
           pct: str, label: str, cutoff: Rank | None) -> ListEntry:
    s = fmt_score(r.score)
    list_zh, list_en = ("预警(诫勉)名单", "warning list") if name == "warning" else ("倾斜支持名单", "priority list")
    side_zh, side_en = ("末尾", "bottom") if name == "warning" else ("前列", "top")
    if reason == "vetoed":
        zh = f"有一票否决情形,始终列入{list_zh}(得分 {s},{label} 中第 {r.pool_rank} 名,共 {size} 个)"
        en = f"vetoed: always on the {list_en} (score {s}, {r.pool_rank} of {size} in {label})"
    elif reason == "cutoff":
        zh = f"{label} 中第 {r.pool_rank} 名(共 {size} 个,得分 {s}),在{side_zh} {pct} 的 {quota} 个名额内,列入{list_zh}"
        en = f"{r.pool_rank} of {size} in {label} (score {s}), within the {quota} place(s) of the {side_en} {pct}: " \
             f"on the {list_en}"
        if r.vetoed:
            zh += ";有一票否决情形"
            en += "; vetoed"
    else:
        assert cutoff is not None
        zh = f"与名额线上的 {cutoff.subject_id} 同分 {s}(并列第 {r.pool_rank} 名),同分同待遇,一并列入{list_zh}" \
             f"(名额 {quota} 个)"
        en = f"level with {cutoff.subject_id} at the cut-off ({s}, tied {r.pool_rank}): equal scores are treated " \
             f"alike, so also on the {list_en} (quota {quota})"
    return ListEntry(r, reason, zh, en)
