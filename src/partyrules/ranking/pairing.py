"""The pairing of bottom branches with top ones (结对子, 先进带后进, D6): each subject of a warning list with a top
subject of its kind and group, chosen so that no top subject mentors far more than the others."""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from .subjects import Kind, ListEntry, Rank, RankingError, RankList, fmt_score

__all__ = ["Pairing", "Pairings", "pair"]


# -- pairing -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Pairing:
    """A bottom subject paired with a top one (结对子). ``fallback`` when no top subject of its group exists and
    the best available top subject of any group was used; ``top_id`` None when there is no top subject at all."""

    bottom_id: str
    top_id: str | None
    kind: Kind
    group: str | None
    top_group: str | None
    fallback: bool
    explanation_zh: str
    explanation_en: str

    def explanation(self, lang: str = "zh") -> str:
        return self.explanation_zh if lang == "zh" else self.explanation_en


@dataclass(frozen=True, slots=True)
class Pairings:
    """All pairings, sorted by kind and bottom id, and how many bottom subjects each top subject mentors."""

    pairs: tuple[Pairing, ...]
    load: Mapping[str, int]

    def by_bottom(self) -> dict[str, Pairing]:
        return {p.bottom_id: p for p in self.pairs}

    @property
    def unpaired(self) -> tuple[str, ...]:
        return tuple(p.bottom_id for p in self.pairs if p.top_id is None)


def _ranks_of(items: RankList | Iterable[ListEntry | Rank], side: str) -> list[Rank]:
    raw = items.entries if isinstance(items, RankList) else items
    out: list[Rank] = []
    for x in raw:
        r = x.rank if isinstance(x, ListEntry) else x
        if not isinstance(r, Rank):
            raise RankingError(f"pair(): the {side} side holds {type(x).__name__}, not a rank or list entry")
        out.append(r)
    return out


def pair(bottom: RankList | Iterable[ListEntry | Rank], top: RankList | Iterable[ListEntry | Rank]) -> Pairings:
    """Pair each bottom subject with a top subject of the same kind and group (a branch's type) (D6 结对子).

    Deterministic and spread: within a group the bottom subjects, weakest first, each take the top subject of the
    group that mentors the fewest so far, best first (a round-robin from the best), so the weakest gets the
    strongest mentor and no top subject mentors more than ``ceil(b / t)`` of its group's ``b`` bottom ones.
    A bottom subject whose group has no top subject falls back to the best top subject of any group among those
    mentoring the fewest so far (marked ``fallback``); with no top subject of its kind at all it stays unpaired
    (``top_id`` None), and the explanation says so. A subject on both lists is never paired with itself; vetoed
    subjects never mentor.
    """
    bottoms = _ranks_of(bottom, "bottom")
    tops = [t for t in _ranks_of(top, "top") if not t.vetoed]
    for side, rs in (("bottom", bottoms), ("top", tops)):
        ids = [(r.kind, r.subject_id) for r in rs]
        if len(set(ids)) != len(ids):
            raise RankingError(f"pair(): a subject appears twice on the {side} side")
    order = lambda r: (r.position, r.subject_id)  # noqa: E731 - a sort key, used four times
    load: dict[str, int] = {t.subject_id: 0 for t in tops}
    pairs: list[Pairing] = []
    pending: list[Rank] = []
    groups: dict[tuple[str, str | None], list[Rank]] = defaultdict(list)
    for b in bottoms:
        groups[(b.kind, b.group)].append(b)
    for (kind, group), members in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        weakest_first = sorted(members, key=order, reverse=True)
        mentors = sorted((t for t in tops if t.kind == kind and t.group == group), key=order)
        if not mentors:
            pending.extend(weakest_first)
            continue
        cap = math.ceil(len(members) / len(mentors))
        # the least loaded in this group, best first: a round-robin from the best when nobody is excluded
        heap = [(0, m.position, m.subject_id) for m in mentors]
        heapq.heapify(heap)
        by_id = {m.subject_id: m for m in mentors}
        for b in weakest_first:
            chosen = _take(heap, b.subject_id)
            if chosen is None:
                pending.append(b)
                continue
            m = by_id[chosen]
            load[m.subject_id] += 1
            pairs.append(_pairing(b, m, False, cap))
    fallback_heaps: dict[str, list[tuple[int, tuple[bool, Decimal], str]]] = defaultdict(list)
    for t in tops:
        fallback_heaps[t.kind].append((load[t.subject_id], t.position, t.subject_id))
    for heap in fallback_heaps.values():
        heapq.heapify(heap)
    top_by_id = {(t.kind, t.subject_id): t for t in tops}
    for b in sorted(pending, key=order, reverse=True):
        chosen = _take(fallback_heaps[b.kind], b.subject_id)
        if chosen is None:
            pairs.append(_pairing(b, None, True, 0))
            continue
        load[chosen] += 1
        pairs.append(_pairing(b, top_by_id[(b.kind, chosen)], True, 0))
    pairs.sort(key=lambda p: (p.kind, p.bottom_id))
    return Pairings(tuple(pairs), dict(sorted(load.items())))


def _take(heap: list[tuple[int, tuple[bool, Decimal], str]], exclude: str) -> str | None:
    """Pop the least loaded, best placed subject other than ``exclude``, count one more for it, push it back."""
    held = heapq.heappop(heap) if heap and heap[0][2] == exclude else None
    chosen = heapq.heappop(heap) if heap else None
    if held is not None:
        heapq.heappush(heap, held)
    if chosen is None:
        return None
    heapq.heappush(heap, (chosen[0] + 1, chosen[1], chosen[2]))
    return chosen[2]


def _pairing(b: Rank, m: Rank | None, fallback: bool, cap: int) -> Pairing:
    g = b.group or "-"
    if m is None:
        zh = f"{b.subject_id}({g})无可结对的先进{'党支部' if b.kind == 'branch' else '党员'},暂不结对,需上级另行指导"
        en = f"{b.subject_id} ({g}): no top {b.kind} to pair with; left unpaired for the higher level to assign"
        return Pairing(b.subject_id, None, b.kind, b.group, None, True, zh, en)
    ms, bs = fmt_score(m.score), fmt_score(b.score)
    if b.vetoed:  # say so: a vetoed branch is paired like any other, besides its rectification
        bs_zh, bs_en = f"{bs},一票否决", f"{bs}, vetoed"
    else:
        bs_zh = bs_en = bs
    if not fallback:
        zh = f"{b.subject_id}(得分 {bs_zh})与同类型({g})的 {m.subject_id}(得分 {ms},第 {m.overall_rank} 名)结对," \
             f"先进带后进;每个先进对象至多带 {cap} 个"
        en = f"{b.subject_id} (score {bs_en}) paired with {m.subject_id} of the same type {g} (score {ms}, " \
             f"rank {m.overall_rank}); each top {m.kind} mentors at most {cap}"
    else:
        mg = m.group or "-"
        zh = f"{b.subject_id}(得分 {bs_zh})所属类型 {g} 没有先进对象,改与其他类型({mg})中带教最少者里最好的 " \
             f"{m.subject_id}(得分 {ms})结对"
        en = f"{b.subject_id} (score {bs_en}): no top {b.kind} of its type {g}, so paired instead with " \
             f"{m.subject_id} of type {mg} (score {ms}), the best of those mentoring the fewest"
    return Pairing(b.subject_id, m.subject_id, b.kind, b.group, m.group, fallback, zh, en)
