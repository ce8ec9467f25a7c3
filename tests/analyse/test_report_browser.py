"""The what-if report in a real headless Chromium at an office screen's width: it fits the page, and the Chinese
report shows no English column names. Screenshots go to the test's tmp_path ($PARTYRULES_SCREENSHOTS keeps them)."""

from __future__ import annotations

import re

import pytest

from browser import browser, cjk_font_installed, overflow_px, page, screenshot  # noqa: F401
from partyrules.analyse.diagnostics import diagnose
from partyrules.analyse.report import write_report
from partyrules.comparison import compare

pytestmark = pytest.mark.browser

SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")


@pytest.fixture(scope="module")
def comparison(real_pair, subdistrict):
    base, reform = real_pair
    # every grouping: category, branch and community (19 communities, many branches: a long, wide table)
    return compare(base, reform, by=["category", "branch_id"], community_of_branch=subdistrict.community_of_branch,
                   funding_pool=50_000_000), diagnose(base)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_fits_an_office_screen(comparison, page, tmp_path, lang):  # noqa: F811
    c, d = comparison
    path = write_report(c, tmp_path / f"report-{lang}.html", d, lang=lang)
    page.goto(path.as_uri())
    shot = screenshot(page, tmp_path, f"whatif-report-{lang}")
    assert shot.stat().st_size > 50_000
    assert overflow_px(page) == 0  # regression: the table of who moved was wider than the page
    # every figure loaded and is drawn no wider than the page
    widths = page.evaluate("[...document.images].map(i => [i.naturalWidth, i.getBoundingClientRect().right])")
    assert len(widths) == 4 and all(w > 0 and right <= 1280 for w, right in widths)
    # each wide table scrolls inside its own box, not the page
    assert page.evaluate("[...document.querySelectorAll('table')].every(t => t.closest('.scroll'))")


def test_the_chinese_report_reads_in_chinese(comparison, page, tmp_path):  # noqa: F811
    c, d = comparison
    page.goto(write_report(c, tmp_path / "report-zh.html", d, lang="zh").as_uri())
    headers = page.evaluate("[...document.querySelectorAll('th, h1, h2, h3')].map(e => e.innerText)")
    assert headers and not [h for h in headers if SNAKE.search(h)]
    assert "按所在社区分组" in headers and "按所在支部分组" in headers
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    if cjk_font_installed():
        # the page's first font with Chinese glyphs is one the machine has: Chinese is not drawn as boxes
        family = page.evaluate("getComputedStyle(document.body).fontFamily")
        assert family.index("WenQuanYi Micro Hei") < family.index("sans-serif")
