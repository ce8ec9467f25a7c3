"""What the pages show, as plain data for the templates: the year's tables for the sub-district, a community or a
branch, in Chinese or English.

Every cell is text (or a link) that the templates escape; numbers are formatted here once, so the page shows the
library's values: scores on 0..100 to two decimals, money in yuan to the fen, ranks as the rankings give them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ..cycle.annual import AnnualResult
from ..cycle.table_labels import header_zh
from ..cycle.year import YearResult
from ..ranking import Rank, RankList
from .pagewords import COLUMNS_EN, column_zh_extra, pool_word, word
from .yearview import YearSource

Href = Callable[..., str]
"""Makes a page's address: ``href(route_name, **path_params)``."""


@dataclass(frozen=True)
class Cell:
    text: str
    href: str | None = None
    num: bool = False  # right-aligned, in tabular figures


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    note: str = ""


@dataclass
class View:
    """A page of tables: a title, headline figures and the tables."""

    title: str
    headline: list[tuple[str, str]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


def yuan(fen: int | None) -> str:
    """Fen as yuan to the fen, with thousands separators: ``12,345.60``; exact (integer arithmetic)."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def pct(x: float | None) -> str:
    """A composite on 0..100 to two decimals."""
    return "" if x is None else f"{x:.2f}"


def heading(column: str, lang: str) -> str:
    if lang == "zh":
        return column_zh_extra(column) or header_zh(column)
    return COLUMNS_EN.get(column, column.replace("_", " "))


class TablesBuilder:
    """The year's tables of ``source`` in ``lang``, with links made by ``href``."""

    def __init__(self, source: YearSource, lang: str, href: Href) -> None:
        self.source = source
        self.year: YearResult = source.result()
        self.lang = lang
        self.href = href
        y = self.year
        self.ranks: dict[tuple[str, str], Rank] = {(str(r.kind), r.subject_id): r
                                                   for r in (*y.member_ranks, *y.branch_ranks)}
        self.amounts = y.funding.amounts() if y.funding else {}
        self.warned = {(str(e.rank.kind), e.subject_id) for lst in (y.member_warnings, y.branch_warnings)
                       for e in lst.entries}
        self.priority = set(y.branch_priority.ids)
        self.community = {b.subject_id: source.community_of(b) for b in source.branches}
        self.stars = {c.subject_id: c for c in y.communities}

    # -- cells

    def subject(self, subject_id: str) -> Cell:
        return Cell(subject_id, self.href("page_subject", lang=self.lang, subject_id=subject_id))

    def branch(self, branch_id: str | None) -> Cell:
        if branch_id is None or self.source.facts("branch", branch_id) is None:
            return Cell(branch_id or "")
        return Cell(branch_id, self.href("page_branch", lang=self.lang, branch_id=branch_id))

    def community_cell(self, community_id: str) -> Cell:
        return Cell(community_id, self.href("page_community", lang=self.lang, community_id=community_id))

    def name(self, branch_id: str) -> str:
        facts = self.source.facts("branch", branch_id)
        return getattr(getattr(facts, "branch", None), "name", "")

    def grade(self, r: AnnualResult) -> str:
        if r.grade is None:
            return word("not_graded", self.lang)
        return r.grade.zh if self.lang == "zh" else r.grade.en

    def marks(self, r: AnnualResult) -> str:
        found = [word("warned", self.lang)] if (r.subject_kind, r.subject_id) in self.warned else []
        if r.subject_id in self.priority and r.subject_kind == "branch":
            found.append(word("prioritised", self.lang))
        if r.vetoed:
            found.append(word("vetoed", self.lang))
        return " ".join(found)

    def rank_cells(self, rk: Rank | None) -> list[Cell]:
        if rk is None:
            return [Cell("", num=True), Cell("", num=True)]
        return [Cell(str(rk.overall_rank), num=True), Cell(f"{rk.pool_rank} / {rk.pool_size}", num=True)]

    # -- tables

    def branch_ranking(self, branches: Sequence[AnnualResult]) -> Table:
        cols = ["overall_rank", "pool_rank", "subject_id", "name", "community", "pool", "percent", "grade", "list",
                "funding_fen"]
        rows = []
        for r in _by_rank(branches, self.ranks):
            rk = self.ranks.get((r.subject_kind, r.subject_id))
            cid = self.community.get(r.subject_id, r.group_id or "")
            rows.append([*self.rank_cells(rk), self.branch(r.subject_id), Cell(self.name(r.subject_id)),
                         self.community_cell(cid), Cell(pool_word(r.pool, self.lang)),
                         Cell(pct(r.percent), num=True),
                         Cell(self.grade(r)), Cell(self.marks(r)),
                         Cell(yuan(self.amounts.get(r.subject_id)), num=True)])
        return Table(word("branch_ranking", self.lang), [heading(c, self.lang) for c in cols], rows)

    def member_ranking(self, members: Sequence[AnnualResult]) -> Table:
        cols = ["overall_rank", "pool_rank", "subject_id", "branch", "pool", "percent", "grade", "list"]
        rows = []
        for r in _by_rank(members, self.ranks):
            rk = self.ranks.get((r.subject_kind, r.subject_id))
            rows.append([*self.rank_cells(rk), self.subject(r.subject_id), self.branch(r.group_id),
                         Cell(pool_word(r.pool, self.lang)), Cell(pct(r.percent), num=True), Cell(self.grade(r)),
                         Cell(self.marks(r))])
        return Table(word("member_ranking", self.lang), [heading(c, self.lang) for c in cols], rows)

    def rank_list(self, title: str, lst: RankList, keep: Callable[[str], bool]) -> Table:
        cols = ["subject_id", "pool", "pool_rank", "percent", "reason", "explanation"]
        rows = [[self.subject(e.subject_id), Cell(pool_word(e.rank.pool, self.lang)),
                 Cell(f"{e.rank.pool_rank} / {e.rank.pool_size}", num=True), Cell(pct(float(e.rank.score)), num=True),
                 Cell(word(f"reason_{e.reason}", self.lang)),
                 Cell(e.explanation_zh if self.lang == "zh" else e.explanation_en)]
                for e in lst.entries if keep(e.subject_id)]
        return Table(word(title, self.lang), [heading(c, self.lang) for c in cols], rows,
                     note=word("list_empty", self.lang) if not rows else "")

    def funding(self, keep: Callable[[str], bool]) -> Table | None:
        fund = self.year.funding
        if fund is None:
            return None
        cols = ["subject_id", "name", "branch_index", "members_index", "funding_basis", "eligible", "funding_fen"]
        rows = [[self.branch(ln.subject_id), Cell(self.name(ln.subject_id)),
                 Cell(pct(float(ln.branch_index)) if ln.branch_index is not None else "", num=True),
                 Cell(pct(float(ln.members_index)) if ln.members_index is not None else "", num=True),
                 Cell(pct(float(ln.score)), num=True), Cell("✓" if ln.eligible else "✗"),
                 Cell(yuan(ln.amount_fen), num=True)]
                for ln in fund.lines if keep(ln.subject_id)]
        return Table(word("funding", self.lang), [heading(c, self.lang) for c in cols], rows)

    def communities(self, ids: Iterable[str]) -> Table:
        cols = ["community", "stars", "level", "branches", "funding_fen"]
        rows = []
        for cid in ids:
            mine = [b for b, c in self.community.items() if c == cid]
            star = self.stars.get(cid)
            level = "" if star is None else star.grade_zh if self.lang == "zh" else star.grade_en
            rows.append([self.community_cell(cid), Cell("" if star is None else "★" * star.stars, num=False),
                         Cell(level), Cell(str(len(mine)), num=True),
                         Cell(yuan(sum(self.amounts.get(b, 0) for b in mine)) if self.amounts else "", num=True)])
        return Table(word("communities", self.lang), [heading(c, self.lang) for c in cols], rows)

    def failures(self, keep: Callable[[str], bool]) -> Table | None:
        rows = [[Cell(f.subject_id or f"#{f.index + 1}"), Cell(str(f.error))] for f in self.year.failures
                if f.subject_id is None or keep(f.subject_id)]
        if not rows:
            return None
        return Table(word("failures", self.lang), [heading("subject_id", self.lang), heading("reason", self.lang)],
                     rows)

    def lists(self, keep: Callable[[str], bool]) -> list[Table]:
        y = self.year
        return [self.rank_list("branch_warnings", y.branch_warnings, keep),
                self.rank_list("member_warnings", y.member_warnings, keep),
                self.rank_list("priority", y.branch_priority, keep)]


def _by_rank(results: Sequence[AnnualResult], ranks: dict[tuple[str, str], Rank]) -> list[AnnualResult]:
    """Ranked subjects by their place, then the ungraded by id (they have none)."""
    def key(r: AnnualResult) -> tuple[int, int, str]:
        rk = ranks.get((r.subject_kind, r.subject_id))
        return (0, rk.overall_rank, r.subject_id) if rk is not None else (1, 0, r.subject_id)
    return sorted(results, key=key)


def _drop_none(tables: Iterable[Table | None]) -> list[Table]:
    return [t for t in tables if t is not None]


def year_view(source: YearSource, lang: str, href: Href) -> View:
    """The sub-district's tables: communities, the branches' ranking, the lists and funding."""
    t = TablesBuilder(source, lang, href)
    y = t.year
    def every(_: str) -> bool:
        return True
    head = [(word("year", lang), str(y.year)), (word("members", lang), str(len(y.members))),
            (word("branches", lang), str(len(y.branches))), (word("communities", lang), str(len(y.communities))),
            (word("failed", lang), str(len(y.failures)))]
    if y.funding is not None:
        head += [(word("pool_yuan", lang), yuan(y.funding.pool_fen)),
                 (word("allocated_yuan", lang), yuan(y.funding.allocated_fen))]
    tables = [t.communities(source.community_ids()), t.branch_ranking(y.branches), *t.lists(every),
              t.funding(every), t.failures(every)]
    return View(word("year_title", lang).format(year=y.year), head, _drop_none(tables))


def community_view(source: YearSource, community_id: str, lang: str, href: Href) -> View | None:
    """One community's tables: its stars, its branches and their members; None when there is no such community."""
    if community_id not in source.community_ids():
        return None
    t = TablesBuilder(source, lang, href)
    y = t.year
    branches = {b for b, c in t.community.items() if c == community_id}
    members = {m.subject_id for m in y.members if m.group_id in branches}
    mine = branches | members
    star = t.stars.get(community_id)
    head = [(word("community", lang), community_id), (word("branches", lang), str(len(branches))),
            (word("members", lang), str(len(members)))]
    if star is not None:
        head.append((word("stars", lang), f"{'★' * star.stars} {star.grade_zh if lang == 'zh' else star.grade_en}"))
    if t.amounts:
        head.append((word("funding_yuan", lang), yuan(sum(t.amounts.get(b, 0) for b in branches))))
    tables = [t.branch_ranking([r for r in y.branches if r.subject_id in branches]),
              t.member_ranking([r for r in y.members if r.subject_id in members]),
              *t.lists(mine.__contains__), t.funding(branches.__contains__), t.failures(mine.__contains__)]
    return View(word("community_title", lang).format(id=community_id, year=y.year), head, _drop_none(tables))


def branch_view(source: YearSource, branch_id: str, lang: str, href: Href) -> View | None:
    """One branch's tables: its own result and its members'; None when there is no such branch."""
    if source.facts("branch", branch_id) is None:
        return None
    t = TablesBuilder(source, lang, href)
    y = t.year
    members = [r for r in y.members if r.group_id == branch_id]
    mine = {branch_id, *(r.subject_id for r in members)}
    own = [r for r in y.branches if r.subject_id == branch_id]
    head = [(word("branch", lang), branch_id), (word("name", lang), t.name(branch_id)),
            (word("community", lang), t.community.get(branch_id, "")), (word("members", lang), str(len(members)))]
    if own:
        rk = t.ranks.get(("branch", branch_id))
        head += [(word("percent", lang), pct(own[0].percent)), (word("grade", lang), t.grade(own[0]))]
        if rk is not None:
            head.append((word("rank", lang), f"{rk.overall_rank} / {rk.overall_size}"))
    if t.amounts:
        head.append((word("funding_yuan", lang), yuan(t.amounts.get(branch_id))))
    tables = [t.branch_ranking(own), t.member_ranking(members), *t.lists(mine.__contains__),
              t.funding({branch_id}.__contains__), t.failures(mine.__contains__)]
    return View(word("branch_title", lang).format(id=branch_id, year=y.year), head, _drop_none(tables))
