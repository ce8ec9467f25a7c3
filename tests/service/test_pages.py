"""The pages for people over real HTTP against a real uvicorn server: signing in, refusals, 404s naming what is
missing, escaping of hostile text from the facts, both languages, and the numbers the library gives."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from pages_serving import HOSTILE, HOSTILE_BRANCH, serving_pages

from partyrules.service.pagedata import yuan
from partyrules.service.pages import COOKIE

CJK = re.compile(r"[\u4e00-\u9fff]")
PAGES = ["/pages/{lang}/", "/pages/{lang}/year", "/pages/{lang}/community?id=C01",
         f"/pages/{{lang}}/branch?id={HOSTILE_BRANCH}", "/pages/{lang}/subject?id=M000001",
         "/pages/{lang}/subject?id=B0001&period=2026-Q3", "/pages/{lang}/subject?id=C01"]


@pytest.fixture(scope="module")
def pages_served(tmp_path_factory):
    with serving_pages(tmp_path_factory.mktemp("pages")) as served:
        yield served


@contextmanager
def signed_in(served, role: str = "read") -> Iterator[httpx.Client]:
    """A client signed in through the login form, as a browser is."""
    with httpx.Client(base_url=served.url, timeout=120) as c:
        r = c.post("/pages/zh/login", data={"key": served.keys[role], "next": "/pages/zh/"})
        assert r.status_code == 303, r.text
        yield c


def h1(page: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", page, re.S)
    assert found, page[:500]
    return html.unescape(found.group(1))


def test_without_a_key_every_page_sends_the_browser_to_the_login_form(pages_served):
    with httpx.Client(base_url=pages_served.url) as c:
        for lang in ("zh", "en"):
            for path in PAGES:
                r = c.get(path.format(lang=lang))
                assert r.status_code == 303
                assert r.headers["location"].startswith(f"/pages/{lang}/login?next=")
            form = c.get(f"/pages/{lang}/login")
            assert form.status_code == 200
            assert 'type="password" name="key"' in form.text and 'method="post"' in form.text


def test_signing_in_sets_an_httponly_samesite_strict_cookie_and_goes_where_asked(pages_served):
    with httpx.Client(base_url=pages_served.url) as c:
        r = c.post("/pages/en/login", data={"key": pages_served.keys["read"], "next": "/pages/en/year"})
    assert r.status_code == 303 and r.headers["location"] == "/pages/en/year"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Path=/pages/" in cookie


@pytest.mark.parametrize("role", ["read", "score", "administer"])
def test_every_role_may_read_the_pages(pages_served, role):
    with signed_in(pages_served, role) as c:
        assert c.get("/pages/zh/").status_code == 200


def test_a_bad_key_gets_a_401_page_and_no_cookie(pages_served):
    with httpx.Client(base_url=pages_served.url) as c:
        wrong = pages_served.keys["read"][:-4] + "AAAA"
        for presented in (wrong, "", "prk_nothing_here", "x" * 600):
            r = c.post("/pages/zh/login", data={"key": presented})
            assert r.status_code == 401 and "set-cookie" not in r.headers
            assert "密钥无效" in r.text and '<html lang="zh-CN">' in r.text


def test_a_cookie_with_a_key_the_service_does_not_know_gets_a_401_page(pages_served):
    with httpx.Client(base_url=pages_served.url, cookies={COOKIE: "prk_000000000000_forged"}) as c:
        r = c.get("/pages/en/year")
    assert r.status_code == 401 and "not valid" in r.text


def test_the_cookie_does_not_open_the_json_api(pages_served):
    """The cookie is for pages a person reads; scoring and the log still need the header (no cross-site use)."""
    with signed_in(pages_served, "administer") as c:
        assert c.get("/rulesets").status_code == 401
        assert c.get("/decisions").status_code == 401


def test_signing_out_forgets_the_key(pages_served):
    with signed_in(pages_served) as c:
        r = c.post("/pages/zh/logout")
        assert r.status_code == 303 and f'{COOKIE}=""' in r.headers["set-cookie"]
        c.cookies.clear()
        assert c.get("/pages/zh/").status_code == 303


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nxt=st.one_of(st.text(max_size=60), st.sampled_from([
    "https://evil.example/", "//evil.example/x", "/pages/../docs", "/pages/\\evil", "/decisions", "javascript:x"])))
def test_after_signing_in_the_browser_goes_only_to_a_page_of_this_service(pages_served, nxt):
    with httpx.Client(base_url=pages_served.url) as c:
        r = c.post("/pages/zh/login", data={"key": pages_served.keys["read"], "next": nxt})
    where = r.headers["location"]
    assert r.status_code == 303
    assert where.startswith("/pages/") and "//" not in where and "\\" not in where


def test_unknown_subject_period_branch_and_community_are_404_pages_naming_them(pages_served):
    with signed_in(pages_served) as c:
        r = c.get("/pages/zh/subject", params={"id": "M999999", "period": "2026"})
        assert r.status_code == 404 and "M999999" in r.text and "2026" in r.text
        r = c.get("/pages/en/subject", params={"id": "M000001", "period": "2031-Q2"})
        assert r.status_code == 404 and "M000001" in r.text and "2031-Q2" in r.text
        assert "2026-Q1" in r.text  # the periods there are
        r = c.get("/pages/en/subject", params={"id": "C01", "period": "2026-Q1"})
        assert r.status_code == 404  # a community is rated for the year only
        r = c.get("/pages/en/branch", params={"id": "B9999"})
        assert r.status_code == 404 and "There is no branch B9999" in r.text
        r = c.get("/pages/zh/community", params={"id": "C77"})
        assert r.status_code == 404 and "没有编号为 C77 的社区" in r.text
        assert c.get("/pages/fr/year").status_code == 404


def test_query_parameters_are_bounded(pages_served):
    with signed_in(pages_served) as c:
        assert c.get("/pages/en/subject", params={"id": "M" * 129}).status_code == 400
        assert c.get("/pages/en/subject", params={"id": "M000001", "period": "2" * 17}).status_code == 400
        assert c.get("/pages/en/branch", params={"id": ""}).status_code == 400
        assert c.get("/pages/en/community").status_code == 400
        r = c.post("/pages/en/login", content=b"key=" + b"k" * 5000,
                   headers={"content-type": "application/x-www-form-urlencoded"})
        assert r.status_code == 413


def test_hostile_text_in_the_facts_is_shown_as_text(pages_served):
    escaped = str(escape(HOSTILE))
    with signed_in(pages_served) as c:
        for path in (f"/pages/zh/branch?id={HOSTILE_BRANCH}", f"/pages/en/subject?id={HOSTILE_BRANCH}",
                     "/pages/en/year"):
            r = c.get(path)
            assert r.status_code == 200
            assert HOSTILE not in r.text and "<script" not in r.text and "<img" not in r.text
            assert escaped in r.text
            assert "script-src" not in r.headers["content-security-policy"]  # no script may run at all
            assert "default-src 'none'" in r.headers["content-security-policy"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sid=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40).filter(
    lambda s: s == s.strip()))
def test_an_id_in_the_address_comes_back_escaped_on_the_404_page(pages_served, sid):
    with signed_in(pages_served) as c:
        r = c.get("/pages/en/subject", params={"id": sid})
    assert r.status_code == 404
    if "<" in sid:
        assert sid not in r.text
    assert str(escape(sid)) in r.text


def test_pages_are_in_the_language_asked_for(pages_served):
    with signed_in(pages_served) as c:
        for path in PAGES:
            zh, en = c.get(path.format(lang="zh")), c.get(path.format(lang="en"))
            assert zh.status_code == en.status_code == 200, path
            assert '<html lang="zh-CN">' in zh.text and '<html lang="en">' in en.text
            assert CJK.search(h1(zh.text)) and not CJK.search(h1(en.text)), path
            assert '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei"' in zh.text


def test_the_subject_page_shows_the_librarys_breakdown(pages_served):
    src = pages_served.source
    with signed_in(pages_served) as c:
        for sid, period in (("M000001", "2026"), ("M000003", "2026-Q2"), ("B0001", "2026"), ("C01", "2026")):
            b = src.breakdown(sid, period)
            page = c.get("/pages/en/subject", params={"id": sid, "period": period}).text
            assert float(re.search(r'id="total">([^<]*)<', page).group(1)) == round(b.total, 2)
            assert re.search(r'id="grade">([^<]*)<', page).group(1) == b.grade.en
            rules = re.findall(r'<tr data-rule="([^"]+)">\s*<td><code>[^<]*</code></td><td>[^<]*</td>\s*'
                               r'<td class="num[^"]*">([^<]*)</td><td class="num">([^<]*)</td>', page)
            assert [(r, float(p), float(m)) for r, p, m in rules] == [
                (ln.rule_id, round(ln.points, 2), round(ln.max_points, 2)) for d in b.dimensions
                for ln in b.lines if ln.dimension == d.id]


def test_the_year_page_shows_the_librarys_funding_in_yuan(pages_served):
    year = pages_served.source.result()
    with signed_in(pages_served) as c:
        page = c.get("/pages/en/year").text
    assert yuan(year.funding.pool_fen) == "123,456.78" and "123,456.78" in page
    for line in year.funding.lines:
        assert yuan(line.amount_fen) in page


def test_without_a_population_the_pages_say_how_to_give_one(served):
    with httpx.Client(base_url=served.url) as c:
        c.post("/pages/en/login", data={"key": served.keys["read"]})
        r = c.get("/pages/en/year")
    assert r.status_code == 404 and "--population PATH or --demo" in r.text


@given(fen=st.integers(-10**12, 10**12))
def test_yuan_is_exact_to_the_fen(fen):
    text = yuan(fen)
    assert re.fullmatch(r"-?\d{1,3}(,\d{3})*\.\d{2}", text)
    assert int(text.replace(",", "").replace(".", "")) == fen


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_demo_shows_each_page_with_the_years_counts(capsys, lang):
    from partyrules.cycle.year import YearOptions, run_year
    from partyrules.service.pagesdemo import show_pages
    from partyrules.synthetic import generate_subdistrict

    area = generate_subdistrict(communities=2, organisations=5, members=30)
    options = YearOptions(funding_pool_fen=1_000_000)
    year = run_year(area.members, area.branches, area.communities, year=area.year, options=options)
    show_pages(area, year, options, lang)
    out = capsys.readouterr().out
    for page in ("year", "community?id=C01", "branch?id=B0001", "subject?id="):
        assert f"/pages/{lang}/{page}" in out
    ranked = "党支部排名" if lang == "zh" else "Branches by rank"
    assert f"{ranked} {len(year.branches)}," in out


def test_serve_reads_the_pages_population_from_files_and_takes_its_year(tmp_path, capsys):
    import argparse

    from partyrules.commands.serve import rulesets_from
    from partyrules.commands.serve_population import year_source_from
    from partyrules.errors import FactError
    from partyrules.synthetic import generate_subdistrict

    area = generate_subdistrict(communities=2, organisations=4, members=10)
    people = tmp_path / "people.jsonl"
    lines = [f.model_dump_json() for f in (*area.members, *area.branches, *area.communities)]
    people.write_text("\n".join([*lines, '{"member": "not a member"}']) + "\n", encoding="utf-8")
    rulesets, _ = rulesets_from(None)
    args = argparse.Namespace(demo=False, population=[str(people)], year=None, funding_pool_yuan=100_000)
    source = year_source_from(args, rulesets)
    assert (source.year, len(source.members), len(source.branches), len(source.communities)) == (2026, 10, 4, 2)
    assert source.options.funding_pool_fen == 100_000
    assert "row 17" in capsys.readouterr().err  # the bad line is reported, the rest is read
    assert source.result().funding.pool_fen == 100_000
    empty = tmp_path / "none.jsonl"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(FactError, match="monthly records"):
        year_source_from(argparse.Namespace(demo=False, population=[str(empty)], year=None, funding_pool_yuan=None),
                         rulesets)
    demo = year_source_from(argparse.Namespace(demo=True, population=None, year=None, funding_pool_yuan=None),
                            rulesets)
    assert (demo.year, len(demo.members), len(demo.branches), demo.options.funding_pool_fen) == (
        2026, 2972, 175, 50_000_000)


def test_every_ranking_pool_has_words_in_both_languages():
    from partyrules.facts.enums import BranchType, MemberCategory
    from partyrules.service.pagewords import pool_word

    pools = [["member", c.value] for c in MemberCategory] + [["branch", t.value] for t in BranchType]
    for pool in pools:
        zh, en = pool_word(pool, "zh"), pool_word(pool, "en")
        assert CJK.search(zh) and not CJK.search(en) and "/" not in en, pool
    assert pool_word(["member", "unheard_of"], "zh") == "member/unheard_of"
