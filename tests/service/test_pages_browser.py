"""The pages for people in a real headless Chromium (tests/browser.py): signed in through the form, each page in
Chinese and English fits a 1280-px window, its headings are in its language and its numbers are the library's."""

from __future__ import annotations

import re

import pytest
from pages_serving import HOSTILE, HOSTILE_BRANCH, VETOED_MEMBER, serving_pages

from browser import browser, overflow_px, page, screenshot  # noqa: F401
from partyrules.service.pagedata import pct, yuan
from partyrules.service.pagescore import num

pytestmark = pytest.mark.browser
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def pages_served(tmp_path_factory):
    with serving_pages(tmp_path_factory.mktemp("pages")) as served:
        yield served


def sign_in(page, served, lang: str) -> None:  # noqa: F811 - the page fixture
    page.goto(f"{served.url}/pages/{lang}/")
    assert "/login" in page.url
    page.fill("input[name=key]", served.keys["read"])
    page.click("button[type=submit]")
    page.wait_for_url(f"{served.url}/pages/{lang}/")


def check_page(page, tmp_path, name: str, lang: str) -> None:  # noqa: F811
    screenshot(page, tmp_path, name)
    assert overflow_px(page) == 0, f"{name} scrolls sideways"
    assert page.get_attribute("html", "lang") == ("zh-CN" if lang == "zh" else "en")
    for heading in page.locator("h1, h2").all_inner_texts():
        words = re.sub(r"[\W\d_]+", "", heading.replace(HOSTILE, ""))
        if lang == "zh":
            assert CJK.search(heading), f"{name}: heading not in Chinese: {heading!r}"
        else:
            assert not CJK.search(words), f"{name}: heading not in English: {heading!r}"


def cells(page, table_title: str) -> list[list[str]]:  # noqa: F811
    section = page.locator("section", has=page.locator("h2", has_text=table_title))
    return [row.locator("td").all_inner_texts() for row in section.locator("tbody tr").all()]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_login_form_and_the_index(page, pages_served, tmp_path, lang):  # noqa: F811
    page.goto(f"{pages_served.url}/pages/{lang}/year")
    check_page(page, tmp_path, f"login-{lang}", lang)
    page.fill("input[name=key]", "prk_wrong_key")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").is_visible()
    page.fill("input[name=key]", pages_served.keys["read"])
    page.click("button[type=submit]")
    page.wait_for_url(f"{pages_served.url}/pages/{lang}/year")  # back where the browser was going
    page.goto(f"{pages_served.url}/pages/{lang}/")
    check_page(page, tmp_path, f"index-{lang}", lang)
    assert page.locator("a", has_text=HOSTILE_BRANCH).count() >= 1


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_years_tables_show_the_librarys_ranks_and_funding(page, pages_served, tmp_path, lang):  # noqa: F811
    year = pages_served.source.result()
    sign_in(page, pages_served, lang)
    page.goto(f"{pages_served.url}/pages/{lang}/year")
    check_page(page, tmp_path, f"year-{lang}", lang)
    ranking = cells(page, "党支部排名" if lang == "zh" else "Branches by rank")
    want = sorted(year.branch_ranks, key=lambda r: r.overall_rank)
    assert [(int(r[0]), r[2], r[6]) for r in ranking] == [
        (rk.overall_rank, rk.subject_id, pct(float(rk.score))) for rk in want]
    assert HOSTILE in [r[3] for r in ranking]  # the hostile name, shown as its text
    funding = cells(page, "以奖代补资金" if lang == "zh" else "Funding")
    assert {r[0]: r[-1] for r in funding} == {ln.subject_id: yuan(ln.amount_fen) for ln in year.funding.lines}
    warned = cells(page, "预警名单(党员)" if lang == "zh" else "Warning list: members")
    assert [r[0] for r in warned] == list(year.member_warnings.ids)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_community_and_a_branch(page, pages_served, tmp_path, lang):  # noqa: F811
    year = pages_served.source.result()
    sign_in(page, pages_served, lang)
    page.goto(f"{pages_served.url}/pages/{lang}/community?id=C01")
    check_page(page, tmp_path, f"community-{lang}", lang)
    mine = {b for b, c in pages_served.source.community_of_branch.items() if c == "C01"}
    ranking = cells(page, "党支部排名" if lang == "zh" else "Branches by rank")
    assert {r[2] for r in ranking} == mine
    page.goto(f"{pages_served.url}/pages/{lang}/branch?id={HOSTILE_BRANCH}")
    check_page(page, tmp_path, f"branch-{lang}", lang)
    members = cells(page, "党员排名" if lang == "zh" else "Members by rank")
    want = {r.subject_id: pct(r.percent) for r in year.members if r.group_id == HOSTILE_BRANCH}
    assert {r[2]: r[5] for r in members} == want
    assert page.locator("dd", has_text=HOSTILE).count() == 1


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("sid", "period"), [("M000001", "2026"), ("B0001", "2026-Q2"), ("C01", "2026")])
def test_a_subjects_breakdown(page, pages_served, tmp_path, lang, sid, period):  # noqa: F811
    b = pages_served.source.breakdown(sid, period)
    sign_in(page, pages_served, lang)
    page.goto(f"{pages_served.url}/pages/{lang}/subject?id={sid}&period={period}")
    check_page(page, tmp_path, f"subject-{sid}-{period}-{lang}", lang)
    assert page.inner_text("#total") == num(b.total) and page.inner_text("#max") == num(b.max_points)
    assert page.inner_text("#grade") == (b.grade.zh if lang == "zh" else b.grade.en)
    shown = [(row.get_attribute("data-rule"), row.locator("td").nth(2).inner_text(),
              row.locator("td").nth(3).inner_text()) for row in page.locator("tr[data-rule]").all()]
    assert shown == [(ln.rule_id, num(ln.points), num(ln.max_points))
                     for d in b.dimensions for ln in b.lines if ln.dimension == d.id]
    assert b.vetoed == (sid == VETOED_MEMBER)
    if b.vetoes:  # vetoes come first, before any dimension
        first_dimension = page.locator("table[data-dimension]").first
        assert page.locator("#vetoes").bounding_box()["y"] < first_dimension.bounding_box()["y"]
