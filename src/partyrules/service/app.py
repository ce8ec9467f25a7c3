"""The decision service's HTTP face: a FastAPI router any service can mount, and an app that serves it alone.

Every scoring or explaining request is a decision: it is written to the decision log and committed before the
response is sent. Bad input is a 4xx naming the field (pydantic's ``loc``), never a 500.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from ..errors import PartyRulesError
from ..results import ScoreBreakdown
from ..results.render import render_html
from ..version import __version__
from .common import REFUSALS, Decider, problem, project_error, refusing, require
from .config import MAX_DECISIONS_PAGE, ServiceConfig
from .decisions import NewDecision, decision_dict
from .keys import Key
from .ledger_routes import ledger_router
from .limits import BodyLimit
from .models import (
    BatchItem,
    BatchRequest,
    BatchResponse,
    Decided,
    DecisionOut,
    ExplainRequest,
    ItemError,
    ScoreRequest,
)
from .openapi import complete_openapi
from .pages import create_pages_router
from .ruleset_routes import rulesets_router
from .sessions import SessionStore, sessions_router


def _rendered(b: ScoreBreakdown, req: ExplainRequest, decision_id: int) -> Response:
    headers = {"X-Decision-Id": str(decision_id)}
    if req.format == "text":
        return PlainTextResponse(b.to_text(req.lang), headers=headers)
    if req.format == "markdown":
        return PlainTextResponse(b.to_markdown(req.lang), media_type="text/markdown; charset=utf-8", headers=headers)
    page = (f"<!doctype html><html lang='{req.lang}'><head><meta charset='utf-8'><title>{b.subject_id}</title>"
            f"</head><body>{render_html(b)}</body></html>")
    return HTMLResponse(page, headers=headers)


def _since(since: datetime | None) -> str | None:
    if since is None:
        return None
    aware = since if since.tzinfo is not None else since.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="microseconds")


def create_router(config: ServiceConfig) -> APIRouter:
    """The service's endpoints. Mount with ``app.include_router(create_router(config), prefix=...)``; an app that
    mounts it should also bound its request bodies (:class:`partyrules.service.limits.BodyLimit`)."""
    router = APIRouter(responses=REFUSALS)
    decider = Decider(config)
    reader, scorer = (Depends(require(config, r)) for r in ("read", "score"))

    @router.post("/score", summary="Score one subject / 为一个对象评分")
    def score(req: ScoreRequest, key: Key = scorer) -> Decided:
        with refusing():
            d, b = decider.decide(key, req, ("body",))
        (decision_id,) = config.log.record([d])
        return Decided(decision_id=decision_id, breakdown=b)

    @router.post("/score/batch", summary=f"Score up to {config.max_batch} subjects / 批量评分")
    def score_batch(req: BatchRequest, key: Key = scorer) -> BatchResponse:
        if len(req.items) > config.max_batch:
            raise RequestValidationError([{"type": "too_long", "loc": ("body", "items"),
                                           "msg": f"at most {config.max_batch} items"}])
        made: list[tuple[int, NewDecision, ScoreBreakdown]] = []
        results: list[BatchItem] = []
        for i, item in enumerate(req.items):
            try:
                d, b = decider.decide(key, item, ("body", "items", i))
            except PartyRulesError as exc:
                if problem(exc).status_code == 500:  # a bug of partyrules fails the batch, never one item
                    raise problem(exc) from exc
                results.append(BatchItem(index=i, error=ItemError(code=exc.code, message=exc.message,
                                                                  hint=exc.hint)))
                continue
            made.append((i, d, b))
        ids = config.log.record([d for _, d, _ in made])
        results += [BatchItem(index=i, decision_id=n, breakdown=b) for (i, _, b), n in zip(made, ids, strict=True)]
        return BatchResponse(results=sorted(results, key=lambda r: r.index))

    @router.post("/explain", summary="Explain one subject's score / 说明得分", response_model=Decided,
                 responses={200: {"content": {"text/plain": {}, "text/markdown": {}, "text/html": {}}}})
    def explain(req: ExplainRequest, key: Key = scorer) -> Any:
        with refusing():
            d, b = decider.decide(key, req, ("body",))
        (decision_id,) = config.log.record([d])
        if req.format == "json":
            return Decided(decision_id=decision_id, breakdown=b)
        return _rendered(b, req, decision_id)

    @router.get("/decisions", dependencies=[reader], summary="Query the decision log / 查询决策日志")
    def decisions(subject: Annotated[str | None, Query(max_length=200)] = None,
                  since: datetime | None = None,
                  ruleset: Annotated[str | None, Query(max_length=200)] = None,
                  after: Annotated[int, Query(ge=0)] = 0,
                  limit: Annotated[int, Query(ge=1, le=MAX_DECISIONS_PAGE)] = 100) -> list[DecisionOut]:
        found = config.log.query(subject=subject, since=_since(since), ruleset=ruleset, after_id=after, limit=limit)
        return [DecisionOut(**decision_dict(d)) for d in found]

    @router.get("/health", summary="The service is up / 服务状态")
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    router.include_router(rulesets_router(config))
    router.include_router(ledger_router(config, decider))
    router.include_router(sessions_router(config, decider, SessionStore(config)))
    router.include_router(create_pages_router(config))  # pages for people: /pages/zh/, /pages/en/
    return router


def create_app(config: ServiceConfig) -> FastAPI:
    """A FastAPI app serving :func:`create_router` alone, with bounded request bodies and the project's errors
    as 4xx answers."""
    app = FastAPI(title="partyrules decision service / 考核决策服务", version=__version__,
                  description="Score and explain subjects with the rule sets in force; every decision is logged.")
    app.include_router(create_router(config))
    app.add_exception_handler(PartyRulesError, project_error)
    app.add_middleware(BodyLimit, max_bytes=config.max_body_bytes)
    complete_openapi(app, config.rulesets)
    return app
