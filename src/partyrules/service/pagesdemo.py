"""The demo's look at the pages for people (``partyrules serve --demo``): what each page shows for the sample
sub-district, made from the same data the pages render, without starting a server."""

from __future__ import annotations

from ..cycle.year import YearOptions, YearResult
from ..synthetic import SubDistrict
from .pagedata import View, branch_view, community_view, year_view
from .pagescore import score_view
from .pagewords import word
from .yearview import YearSource


def _href(name: str, lang: str, **params: str) -> str:
    page = name.removeprefix("page_")
    return f"/pages/{lang}/{page}?id={next(iter(params.values()))}"


def _tables(view: View) -> str:
    return ", ".join(f"{t.title} {len(t.rows)}" for t in view.tables)


def show_pages(area: SubDistrict, year: YearResult, options: YearOptions, lang: str) -> None:
    """Each kind of page for the demo's year, in ``lang``: its address and what it holds."""
    zh = lang == "zh"
    source = YearSource(area.year, area.members, area.branches, area.communities, options=options,
                        community_of_branch=dict(area.community_of_branch))
    source.keep(year)  # the year the demo has run already: the pages show exactly it
    print("\n" + ("给党员和支部书记看的页面 (partyrules serve --demo, 登录后打开 http://127.0.0.1:8000/pages/zh/)" if zh
                  else "Pages for people (partyrules serve --demo, then sign in at http://127.0.0.1:8000/pages/en/)"))
    community = source.community_ids()[0]
    branch = area.branches[0].subject_id
    member = next(r for r in year.members if r.group_id == branch).subject_id
    for address, view in ((f"/pages/{lang}/year", year_view(source, lang, _href)),
                          (f"/pages/{lang}/community?id={community}", community_view(source, community, lang, _href)),
                          (f"/pages/{lang}/branch?id={branch}", branch_view(source, branch, lang, _href))):
        if view is not None:
            print(f"  {address}: {view.title}; {_tables(view)}")
    b = source.breakdown(member, str(area.year))
    if b is not None:
        shown = score_view(b, lang)
        rules = sum(len(d.rules) for d in shown.dimensions)
        print(f"  /pages/{lang}/subject?id={member}&period={area.year}: {shown.title}, {word('total', lang)} "
              f"{shown.total} / {shown.max_points} {shown.grade}; "
              + (f"{len(shown.vetoes)} 项否决列在最前, " if zh and shown.vetoes else "")
              + (f"{len(shown.vetoes)} vetoes first, " if not zh and shown.vetoes else "")
              + (f"{len(shown.dimensions)} 个维度 {rules} 个条目" if zh else
                 f"{len(shown.dimensions)} dimensions, {rules} rules"))
