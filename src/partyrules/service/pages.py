"""Pages for people: each subject's explained score and the year's tables, in Chinese and English, served by the
decision service under ``/pages/zh/`` and ``/pages/en/``.

A browser cannot send the API's key header, so a page is opened after signing in: the login form posts the key,
which is checked as the JSON API checks it (constant time, the ``read`` role at least) and kept in an HttpOnly,
SameSite=Strict cookie scoped to the pages. Pages are made from jinja2 templates with autoescaping on, so a fact's
text (a branch's name, an id) is always shown as text, never as markup.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..facts.base import MAX_ID
from .config import ServiceConfig
from .keys import Key
from .pagedata import View, branch_view, community_view, year_view
from .pagescore import score_view
from .pagewords import HTML_LANG, LANGS, word
from .yearview import YearSource

COOKIE = "partyrules_pages_key"
COOKIE_AGE = 8 * 3600  # a working day: a shared office computer forgets the key overnight
MAX_FORM_BYTES = 4096  # the login form holds one key
MAX_PERIOD = 16
_TEMPLATES = Path(__file__).with_name("templates")
# The pages run no script at all: should text ever slip through unescaped, the browser still would not run it.
# Nothing is cached (a shared office computer), framed by another site, or sent on as a referrer.
_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                       "frame-ancestors 'none'; base-uri 'none'"}
_ENV = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=True, undefined=StrictUndefined,
                   trim_blocks=True, lstrip_blocks=True)


class _Pages:
    """Renders the pages of one service: its key store and its population."""

    def __init__(self, config: ServiceConfig) -> None:
        self.config = config

    @property
    def source(self) -> YearSource | None:
        return self.config.year_source

    def href(self, request: Request, name: str, lang: str, **query: str) -> str:
        path = request.url_for(name, lang=lang).path
        return path + ("?" + urlencode(query) if query else "")

    def render(self, request: Request, lang: str, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        other = "en" if lang == "zh" else "zh"
        route = request.scope.get("route")
        name = getattr(route, "name", "page_index")
        switch = request.url_for(name, lang=other).path if name != "page_root" else "#"
        if request.url.query:
            switch += "?" + request.url.query
        ctx = {"lang": lang, "html_lang": HTML_LANG[lang], "w": lambda k: word(k, lang), "switch": switch,
               "home": self.href(request, "page_index", lang), "tables": self.href(request, "page_year", lang),
               "logout": self.href(request, "page_logout", lang), "signed_in": values.pop("signed_in", True),
               **values}
        return HTMLResponse(_ENV.get_template(template).render(ctx), status_code=status, headers=_HEADERS)

    def error(self, request: Request, lang: str, status: int, message: str, hint: str = "") -> HTMLResponse:
        return self.render(request, lang, "error.html", status, title=word("not_found", lang) if status == 404
                           else word("bad_request", lang), message=message, hint=hint, code=status)

    def key(self, request: Request) -> Key | None:
        key = self.config.keys.check(request.cookies.get(COOKIE))
        return key if key is not None and key.allows("read") else None

    def refuse(self, request: Request, lang: str) -> Response | None:
        """The answer to a request without a good key: the login page (none), or 401 (a bad or revoked one)."""
        if COOKIE not in request.cookies:
            nxt = request.url.path + ("?" + request.url.query if request.url.query else "")
            return RedirectResponse(self.href(request, "page_login", lang, next=nxt), status_code=303)
        if self.key(request) is None:
            return self.login_page(request, lang, 401, nxt=request.url.path)
        return None

    def login_page(self, request: Request, lang: str, status: int = 200, nxt: str = "") -> HTMLResponse:
        return self.render(request, lang, "login.html", status, bad=status == 401, next=nxt,
                           action=self.href(request, "page_login", lang), signed_in=False)

    def safe_next(self, request: Request, nxt: str, lang: str) -> str:
        """Where to go after signing in: a page of this service only (never another site)."""
        root = request.url_for("page_root").path
        if nxt.startswith(root) and "//" not in nxt and "\\" not in nxt and len(nxt) <= 2048:
            return nxt
        return self.href(request, "page_index", lang)

    def no_population(self, request: Request, lang: str) -> HTMLResponse:
        return self.error(request, lang, 404, word("no_population", lang), word("no_population_hint", lang))


def _bad_id(value: str | None) -> bool:
    return value is None or not value or len(value) > MAX_ID


class _Handlers(_Pages):
    """The pages' endpoints; every page first passes :meth:`gate` (the language, the key, a population)."""

    def gate(self, request: Request, lang: str) -> tuple[Response | None, YearSource | None]:
        if lang not in LANGS:
            return self.error(request, "zh", 404, f"/pages/{lang[:40]}"), None
        if (refused := self.refuse(request, lang)) is not None:
            return refused, None
        if self.source is None:
            return self.no_population(request, lang), None
        return None, self.source

    def root(self, lang: str = "zh") -> RedirectResponse:
        return RedirectResponse(f"{lang if lang in LANGS else 'zh'}/", status_code=303)

    def login_form(self, request: Request, lang: str, next: str = "") -> Response:
        if lang not in LANGS:
            return self.error(request, "zh", 404, f"/pages/{lang[:40]}")
        return self.login_page(request, lang, nxt=self.safe_next(request, next, lang))

    async def login(self, request: Request, lang: str) -> Response:
        if lang not in LANGS:
            return self.error(request, "zh", 404, f"/pages/{lang[:40]}")
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            return self.error(request, lang, 413, word("bad_request", lang))
        form = parse_qs(body.decode("utf-8", "replace"), max_num_fields=4)
        presented = (form.get("key") or [""])[0].strip()
        nxt = (form.get("next") or [""])[0]
        key = self.config.keys.check(presented)  # the JSON API's own check: constant-time
        if key is None or not key.allows("read"):
            return self.login_page(request, lang, 401, nxt=nxt)
        answer = RedirectResponse(self.safe_next(request, nxt, lang), status_code=303)
        answer.set_cookie(COOKIE, presented, max_age=COOKIE_AGE, path=request.url_for("page_root").path,
                          httponly=True, samesite="strict", secure=request.url.scheme == "https")
        return answer

    def logout(self, request: Request, lang: str) -> Response:
        answer = RedirectResponse(self.href(request, "page_login", lang if lang in LANGS else "zh"), status_code=303)
        answer.delete_cookie(COOKIE, path=request.url_for("page_root").path, httponly=True, samesite="strict")
        return answer

    def index(self, request: Request, lang: str) -> Response:
        refused, src = self.gate(request, lang)
        if src is None:
            return refused or self.no_population(request, lang)
        groups = []
        for cid in src.community_ids():
            branches = sorted(b.subject_id for b in src.branches if src.community_of(b) == cid)
            groups.append({"id": cid, "href": self.href(request, "page_community", lang, id=cid),
                           "branches": [{"id": b, "href": self.href(request, "page_branch", lang, id=b)}
                                        for b in branches]})
        return self.render(request, lang, "index.html", source=src, groups=groups, periods=src.periods(),
                           subject_action=self.href(request, "page_subject", lang))

    def year(self, request: Request, lang: str) -> Response:
        refused, src = self.gate(request, lang)
        if src is None:
            return refused or self.no_population(request, lang)
        return self.tables(request, lang, year_view(src, lang, _linker(self, request)), "")

    def community(self, request: Request, lang: str, id: str | None = None) -> Response:
        refused, src = self.gate(request, lang)
        if src is None:
            return refused or self.no_population(request, lang)
        missing = word("no_community", lang).format(id=(id or "")[:MAX_ID])
        if _bad_id(id):
            return self.error(request, lang, 400, missing)
        return self.tables(request, lang, community_view(src, id or "", lang, _linker(self, request)), missing)

    def branch(self, request: Request, lang: str, id: str | None = None) -> Response:
        refused, src = self.gate(request, lang)
        if src is None:
            return refused or self.no_population(request, lang)
        missing = word("no_branch", lang).format(id=(id or "")[:MAX_ID])
        if _bad_id(id):
            return self.error(request, lang, 400, missing)
        return self.tables(request, lang, branch_view(src, id or "", lang, _linker(self, request)), missing)

    def tables(self, request: Request, lang: str, view: View | None, missing: str) -> Response:
        if view is None:
            return self.error(request, lang, 404, missing)
        return self.render(request, lang, "tables.html", view=view)

    def subject(self, request: Request, lang: str, id: str | None = None, period: str | None = None) -> Response:
        refused, src = self.gate(request, lang)
        if src is None:
            return refused or self.no_population(request, lang)
        period = period or src.periods()[0]
        missing = word("no_subject", lang).format(id=(id or "")[:MAX_ID], period=period[:MAX_PERIOD])
        if _bad_id(id) or len(period) > MAX_PERIOD:
            return self.error(request, lang, 400, missing)
        sid = id or ""
        b = src.breakdown(sid, period)
        if b is None:
            return self.error(request, lang, 404, missing,
                              word("no_subject_hint", lang).format(periods=", ".join(src.periods())))
        kind = src.kind_of(sid)
        facts = src.facts(kind or "", sid)
        name = getattr(getattr(facts, "branch", None), "name", "")
        branch_id = getattr(getattr(facts, "member", None), "branch_id", None) or (sid if kind == "branch" else None)
        shown = src.periods() if kind != "community" else src.periods()[:1]  # a community is rated once a year
        periods = [{"label": p, "href": self.href(request, "page_subject", lang, id=sid, period=p),
                    "current": p == period} for p in shown]
        return self.render(request, lang, "subject.html", s=score_view(b, lang), subject_id=sid, period=period,
                           kind=kind, name=name, periods=periods,
                           branch_href=self.href(request, "page_branch", lang, id=branch_id) if branch_id else "")


def create_pages_router(config: ServiceConfig) -> APIRouter:
    """The pages, under ``/pages``: mounted by :func:`partyrules.service.app.create_router`."""
    router = APIRouter(prefix="/pages", include_in_schema=False)
    h = _Handlers(config)
    router.add_api_route("/", h.root, methods=["GET"], name="page_root")
    router.add_api_route("/{lang}/login", h.login_form, methods=["GET"], name="page_login")
    router.add_api_route("/{lang}/login", h.login, methods=["POST"], name="page_login_post")
    router.add_api_route("/{lang}/logout", h.logout, methods=["POST"], name="page_logout")
    router.add_api_route("/{lang}/", h.index, methods=["GET"], name="page_index")
    router.add_api_route("/{lang}/year", h.year, methods=["GET"], name="page_year")
    router.add_api_route("/{lang}/community", h.community, methods=["GET"], name="page_community")
    router.add_api_route("/{lang}/branch", h.branch, methods=["GET"], name="page_branch")
    router.add_api_route("/{lang}/subject", h.subject, methods=["GET"], name="page_subject")
    return router


def _linker(pages: _Pages, request: Request) -> Any:
    """The ``href`` of the table builders: a page of this service, the subject's id in the query string (ids may
    hold any character, which a path could not carry)."""
    names = {"page_subject": "subject_id", "page_branch": "branch_id", "page_community": "community_id"}

    def href(name: str, lang: str, **params: str) -> str:
        return pages.href(request, name, lang, id=params[names[name]])
    return href
