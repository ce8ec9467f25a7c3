"""A real uvicorn server whose pages show a small generated population, one branch of it named with hostile markup,
for the page tests over HTTP (test_pages.py) and in Chromium (test_pages_browser.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from serving import make_served, running

from partyrules.cycle.year import YearOptions
from partyrules.facts import MemberFacts
from partyrules.service import ServiceConfig
from partyrules.service.yearview import YearSource
from partyrules.synthetic import generate_subdistrict

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
HOSTILE_BRANCH = "B0002"
VETOED_MEMBER = "M000001"  # a verified crisis retreat with a consequence (veto MV1), its text hostile as well
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
    members = [_vetoed(m) if m.subject_id == VETOED_MEMBER else m for m in area.members]
    return YearSource(area.year, members, branches, area.communities,
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


def _vetoed(m: MemberFacts) -> MemberFacts:
    first, *rest = m.incidents
    retreat = first.model_copy(update={"kind": "crisis_retreat", "consequence": HOSTILE, "evidence_ref": HOSTILE})
    return MemberFacts.model_validate({**m.model_dump(), "incidents": [retreat.model_dump(), *(
        i.model_dump() for i in rest)]})
