"""The decision service's HTTP face: a FastAPI router any service can mount, and an app that serves it alone.

Every scoring or explaining request is a decision: it is written to the decision log and committed before the
response is sent. Bad input is a 4xx naming the field (pydantic's ``loc``), never a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.security import APIKeyHeader
from pydantic import ValidationError

from ..cycle.scoring import RuleSetChooser
from ..errors import EngineError, PartyRulesError, RuleSetError
from ..facts import SubjectFacts, parse_subject_facts
from ..periods import Period
from ..results import ScoreBreakdown
from ..results.render import render_html
from ..rulesets.lint import lint_ruleset
from ..rulesets.loader import loads_ruleset
from ..version import __version__
from .config import MAX_DECISIONS_PAGE, ServiceConfig
from .deciding import decide
from .decisions import NewDecision, decision_dict
from .keys import Key, Role
from .limits import BodyLimit
from .models import (
    BatchItem,
    BatchRequest,
    BatchResponse,
    Decided,
    DecisionOut,
    ExplainRequest,
    ItemError,
    Problem,
    RuleSetInfo,
    ScoreRequest,
    ValidateRequest,
    ValidateResponse,
)
from .openapi import complete_openapi

_KEY_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False,
                           description="An API key made by `partyrules keys add` / API 密钥")
_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No key, or a key the service does not know / 缺少或无效的密钥", "model": Problem},
    403: {"description": "The key's role does not allow this / 密钥角色无此权限", "model": Problem},
    413: {"description": "The request body is larger than the limit / 请求体过大", "model": Problem},
    422: {"description": "Bad input, with the field path / 输入有误 (含字段路径)"},
}


def problem(exc: PartyRulesError, status: int = 422) -> HTTPException:
    """A project error as an HTTP error: its code, message, location and hint."""
    where = str(exc.location) if exc.location is not None else None
    first = str(exc.message).splitlines()[0] if exc.message else type(exc).__name__
    return HTTPException(status, detail={"code": exc.code, "message": first, "location": where, "hint": exc.hint})


@contextmanager
def _refusing() -> Iterator[None]:
    try:
        yield
    except EngineError as exc:  # a bug of partyrules, not of the request
        raise problem(exc, 500) from exc
    except PartyRulesError as exc:
        raise problem(exc) from exc


def _require(config: ServiceConfig, role: Role) -> Callable[..., Key]:
    def check(presented: Annotated[str | None, Depends(_KEY_HEADER)]) -> Key:
        key = config.keys.check(presented)
        if key is None:
            raise HTTPException(401, detail={"code": "unauthorised", "message": "a valid X-API-Key is needed / "
                                             "需要有效的 API 密钥", "hint": "partyrules keys add NAME --role score"})
        if not key.allows(role):
            raise HTTPException(403, detail={"code": "forbidden", "message": f"the key's role is {key.role}; this "
                                             f"needs {role} / 密钥角色权限不足", "hint": None})
        return key
    return check


def _facts(raw: Any, loc: tuple[str | int, ...]) -> SubjectFacts:
    try:
        return parse_subject_facts(raw)
    except ValidationError as exc:
        errors = [{**e, "loc": (*loc, *e["loc"])} for e in exc.errors(include_url=False, include_input=False)]
        raise RequestValidationError(errors) from None


class _Decider:
    """Chooses each subject's rule set, evaluates it and makes the decision to log."""

    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        self.chooser = RuleSetChooser(config.rulesets)

    def decide(self, key: Key, req: ScoreRequest, loc: tuple[str | int, ...]) -> tuple[NewDecision, ScoreBreakdown]:
        facts = _facts(req.facts, (*loc, "facts"))
        try:
            Period.parse(req.period)
        except PartyRulesError as exc:
            raise RequestValidationError([{"type": "period", "loc": (*loc, "period"), "msg": exc.message}]) from None
        return decide(self.chooser, facts, req.period, key.id)


def _info(config: ServiceConfig) -> list[RuleSetInfo]:
    out = []
    for rs in config.rulesets:
        eff = rs.spec.effective
        out.append(RuleSetInfo(id=rs.id, version=rs.version, content_hash=rs.content_hash,
                               subject_kind=rs.subject_kind, title_zh=rs.title_zh, title_en=rs.title_en,
                               effective_from=eff.from_.isoformat() if eff else None,
                               effective_until=eff.until.isoformat() if eff and eff.until else None))
    return out


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
    router = APIRouter(responses=_REFUSALS)
    decider = _Decider(config)
    rulesets = _info(config)
    reader, scorer, admin = (Depends(_require(config, r)) for r in ("read", "score", "administer"))

    @router.get("/rulesets", dependencies=[reader], summary="The rule sets in force / 现行规则集")
    def list_rulesets() -> list[RuleSetInfo]:
        return rulesets

    @router.post("/score", summary="Score one subject / 为一个对象评分")
    def score(req: ScoreRequest, key: Key = scorer) -> Decided:
        with _refusing():
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
            except EngineError as exc:
                raise problem(exc, 500) from exc
            except PartyRulesError as exc:
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
        with _refusing():
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

    @router.post("/rulesets/validate", dependencies=[admin], summary="Validate a rule set / 校验规则集")
    def validate(req: ValidateRequest) -> ValidateResponse:
        try:
            rs = loads_ruleset(req.yaml, file="<posted>", root=config.rulesets_dir)
        except RuleSetError as exc:
            return ValidateResponse(valid=False, diagnostics=[d.to_dict() for d in exc.diagnostics])
        except PartyRulesError as exc:
            raise problem(exc) from exc
        found = lint_ruleset(rs)
        return ValidateResponse(valid=not any(d.severity == "error" for d in found), id=rs.id, version=rs.version,
                                content_hash=rs.content_hash, diagnostics=[d.to_dict() for d in found])

    @router.get("/health", summary="The service is up / 服务状态")
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return router


async def _project_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PartyRulesError)
    status = 500 if isinstance(exc, EngineError) else 422
    return JSONResponse({"detail": problem(exc, status).detail}, status_code=status)


def create_app(config: ServiceConfig) -> FastAPI:
    """A FastAPI app serving :func:`create_router` alone, with bounded request bodies and the project's errors
    as 4xx answers."""
    app = FastAPI(title="partyrules decision service / 考核决策服务", version=__version__,
                  description="Score and explain subjects with the rule sets in force; every decision is logged.")
    app.include_router(create_router(config))
    app.add_exception_handler(PartyRulesError, _project_error)
    app.add_middleware(BodyLimit, max_bytes=config.max_body_bytes)
    complete_openapi(app, config.rulesets)
    return app
