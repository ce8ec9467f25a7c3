"""What every group of endpoints shares: the key check, the project's errors as HTTP problems, reading facts and
periods with the field path of a bad value, and the decider that picks each subject's rule set."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from pydantic import ValidationError

from ..cycle.scoring import RuleSetChooser
from ..errors import (
    EngineError,
    LedgerNotFoundError,
    LedgerStateError,
    NotConfiguredError,
    PartyRulesError,
    SessionLimitError,
    SessionNotFoundError,
)
from ..facts import SubjectFacts, parse_subject_facts
from ..periods import Period
from ..results import ScoreBreakdown
from .config import ServiceConfig
from .deciding import decide
from .decisions import NewDecision
from .keys import Key, Role
from .models import Problem, ScoreRequest

KEY_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False,
                          description="An API key made by `partyrules keys add` / API 密钥")
REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No key, or a key the service does not know / 缺少或无效的密钥", "model": Problem},
    403: {"description": "The key's role does not allow this / 密钥角色无此权限", "model": Problem},
    413: {"description": "The request body is larger than the limit / 请求体过大", "model": Problem},
    422: {"description": "Bad input, with the field path / 输入有误 (含字段路径)"},
}
Loc = tuple[str | int, ...]


def status_of(exc: PartyRulesError) -> int:
    """The HTTP status of a project error: 404 for what is not there (no such session, objection or publication,
    or nothing configured), 409 for a step the current state refuses, 429 for too many sessions, 500 for a bug of
    partyrules, 422 for the rest (bad input)."""
    if isinstance(exc, EngineError):
        return 500
    if isinstance(exc, NotConfiguredError | SessionNotFoundError | LedgerNotFoundError):
        return 404
    if isinstance(exc, SessionLimitError):
        return 429
    if isinstance(exc, LedgerStateError):
        return 409
    return 422


def problem(exc: PartyRulesError, status: int | None = None) -> HTTPException:
    """A project error as an HTTP error: its code, message, location and hint."""
    where = str(exc.location) if exc.location is not None else None
    first = str(exc.message).splitlines()[0] if exc.message else type(exc).__name__
    return HTTPException(status or status_of(exc),
                         detail={"code": exc.code, "message": first, "location": where, "hint": exc.hint})


@contextmanager
def refusing() -> Iterator[None]:
    """Raise the project's errors of the block as HTTP problems (:func:`status_of`)."""
    try:
        yield
    except PartyRulesError as exc:
        raise problem(exc) from exc


async def project_error(request: Request, exc: Exception) -> JSONResponse:
    """The app's handler of a project error no endpoint caught."""
    assert isinstance(exc, PartyRulesError)
    status = status_of(exc)
    return JSONResponse({"detail": problem(exc, status).detail}, status_code=status)


def require(config: ServiceConfig, role: Role) -> Callable[..., Key]:
    """A dependency that answers 401 without a known key and 403 for a key whose role is too low."""
    def check(presented: Annotated[str | None, Depends(KEY_HEADER)]) -> Key:
        key = config.keys.check(presented)
        if key is None:
            raise HTTPException(401, detail={"code": "unauthorised", "message": "a valid X-API-Key is needed / "
                                             "需要有效的 API 密钥", "hint": "partyrules keys add NAME --role score"})
        if not key.allows(role):
            raise HTTPException(403, detail={"code": "forbidden", "message": f"the key's role is {key.role}; this "
                                             f"needs {role} / 密钥角色权限不足", "hint": None})
        return key
    return check


def bad_input(loc: Loc, kind: str, message: str) -> RequestValidationError:
    """A 422 naming the field, in pydantic's shape."""
    return RequestValidationError([{"type": kind, "loc": loc, "msg": message}])


def parse_facts(raw: Any, loc: Loc) -> SubjectFacts:
    """The facts bundle, or a 422 whose every error's ``loc`` starts at ``loc``."""
    try:
        return parse_subject_facts(raw)
    except ValidationError as exc:
        errors = [{**e, "loc": (*loc, *e["loc"])} for e in exc.errors(include_url=False, include_input=False)]
        raise RequestValidationError(errors) from None


def parse_period(text: str, loc: Loc) -> Period:
    try:
        return Period.parse(text)
    except PartyRulesError as exc:
        raise bad_input(loc, "period", exc.message) from None


class Decider:
    """Chooses each subject's rule set, evaluates it and makes the decision to log."""

    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        self.chooser = RuleSetChooser(config.rulesets)

    def decide(self, key: Key, req: ScoreRequest, loc: Loc) -> tuple[NewDecision, ScoreBreakdown]:
        facts = parse_facts(req.facts, (*loc, "facts"))
        parse_period(req.period, (*loc, "period"))
        return decide(self.chooser, facts, req.period, key.id)

    def decide_facts(self, key: Key, facts: SubjectFacts, period: str) -> tuple[NewDecision, ScoreBreakdown]:
        """As :meth:`decide`, for facts and a period already read."""
        return decide(self.chooser, facts, period, key.id)
