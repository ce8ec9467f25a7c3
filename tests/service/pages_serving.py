"""A real uvicorn server whose pages show a small generated population, one branch of it named with hostile markup,
for the page tests over HTTP (test_pages.py) and in Chromium (test_pages_browser.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from serving import make_served, running

from partyrules.cycle.year import YearOptions
from partyrules.service import ServiceConfig
from partyrules.service.yearview import YearSource
from partyrules.synthetic import generate_subdistrict

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
HOSTILE_BRANCH = "B0002"
POOL_FEN = 12_345_678  # 123,456.78 yuan: the cents show whether money is shown exactly


@dataclass
class PagesServed:
    url: str
    keys: dict[str, str]
    config: ServiceConfig
    source: YearSource


def hostile_population() -> YearSource:
    area = generate_subdistrict(communities=2, organisations=5, members=30)
    branches = [b.model_copy(update={"branch": b.branch.model_copy(update={"name": HOSTILE})})
                if b.subject_id == HOSTILE_BRANCH else b for b in area.branches]
    return YearSource(area.year, area.members, branches, area.communities,
                      options=YearOptions(funding_pool_fen=POOL_FEN),
                      community_of_branch=dict(area.community_of_branch))


@contextmanager
def serving_pages(base: Path) -> Iterator[PagesServed]:
    """A server of :func:`hostile_population` with a key of each role in ``base``, for the block."""
    source = hostile_population()
    config, keys = make_served(base, year_source=source)
    try:
        with running(config) as url:
            yield PagesServed(url, keys, config, source)
    finally:
        config.log.close()
