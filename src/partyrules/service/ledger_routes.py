"""The ledger over HTTP (``partyrules serve --ledger FILE``): publish a period's results, lodge an objection,
record its investigation, uphold or reject it, finalise the period, read a period's entries and verify the chain.

Roles: ``read`` reads and verifies, ``score`` lodges objections (a branch secretary on a member's behalf), and
``administer`` publishes, records investigations, decides objections and finalises. Each step's actor in the audit
trail is the key's name and id. The results published are scored here as /score scores them (each a decision in
the log), so a caller cannot publish a breakdown the rules do not give. Without a ledger every endpoint answers 404
with :class:`~partyrules.errors.NotConfiguredError`. The ledger's own refusals keep their codes: a step the
workflow does not allow now (an objection still open, a final period) is 409, an unknown id 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from ..cycle.ledger import DEFAULT_SCOPE, Ledger, ObjectionRecord, Publication
from ..cycle.objections import correct_record, retract_incident
from ..errors import LedgerStateError, Location, NotConfiguredError, PartyRulesError
from ..facts import BranchMonthRecord, MemberFacts, MemberMonthRecord, Objection, SubjectFacts
from ..rulesets.model import RuleSet
from .common import Decider, Loc, bad_input, parse_facts, parse_period, problem, require
from .config import ServiceConfig
from .deciding import decision_row
from .keys import Key
from .ledger_models import (
    DecisionRequest,
    FinalisationOut,
    InvestigationRequest,
    ObjectionOut,
    ObjectionRequest,
    PeriodOut,
    PublicationOut,
    PublishRequest,
    UpholdRequest,
    VerifyOut,
)

_OID = Annotated[str, Path(max_length=200, description="The objection's id / 异议编号")]
_PERIOD = Annotated[str, Path(max_length=40, description="The period: a quarter or a year / 考核期")]
_SCOPE_Q = Annotated[str | None, Query(max_length=200, description="Its scope (default: the default scope) / 范围")]


def _actor(key: Key) -> str:
    return f"{key.name} [{key.id}]"


def _publication(p: Publication, decision_id: int | None = None) -> PublicationOut:
    return PublicationOut(publication_id=p.publication_id, subject_id=p.subject_id, period=p.period, scope=p.scope,
                          ruleset_id=p.ruleset_id, ruleset_version=p.ruleset_version, total=p.total, grade=p.grade,
                          vetoed=p.vetoed, breakdown_hash=p.breakdown_hash, status=str(p.status), cause=str(p.cause),
                          supersedes=p.supersedes, objection_id=p.objection_id,
                          published_at=p.published_at.isoformat(), actor=p.actor, decision_id=decision_id)


def _objection(r: ObjectionRecord) -> ObjectionOut:
    o = r.objection
    return ObjectionOut(objection_id=r.objection_id, publication_id=r.publication_id, subject_id=r.key.subject_id,
                        period=r.key.period, status=str(r.status.value), is_open=r.is_open, target=o.target,
                        target_ref=o.target_ref, reason=o.reason, filed_at=r.filed_at.isoformat(),
                        filed_by=r.filed_by, outcome_note=o.outcome_note)


@contextmanager
def _refusing() -> Iterator[None]:
    """As :func:`refusing`, without the ledger file's path in the location: the server's files are its own."""
    try:
        yield
    except PartyRulesError as exc:
        if exc.location is not None and exc.location.file is not None:
            exc.location = Location(path=exc.location.path) if exc.location.path else None
        raise problem(exc) from exc


def _validated(model: type[BaseModel], raw: Any, loc: Loc) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = [{**e, "loc": (*loc, *e["loc"])} for e in exc.errors(include_url=False, include_input=False)]
        raise RequestValidationError(errors) from None


def _corrected(current: Publication, req: UpholdRequest) -> SubjectFacts:
    given = [name for name in ("retract_incident", "record", "facts") if getattr(req, name) is not None]
    if len(given) != 1:
        raise bad_input(("body",), "one_correction", "give exactly one of retract_incident, record, facts "
                                                     f"(given: {', '.join(given) or 'none'})")
    if req.facts is not None:
        return parse_facts(req.facts, ("body", "facts"))
    if req.retract_incident is not None:
        return retract_incident(current.facts, req.retract_incident)
    model = MemberMonthRecord if isinstance(current.facts, MemberFacts) else BranchMonthRecord
    return correct_record(current.facts, _validated(model, req.record, ("body", "record")))


def _uphold(book: Ledger, by_hash: dict[str, RuleSet], objection_id: str, req: UpholdRequest, key: Key) -> Publication:
    """Uphold with the correction asked for, re-scored by the rule set (found by its hash) that published the score."""
    rec = book.objection(objection_id)
    current = book.current(rec.key.subject_id, rec.key.period, ruleset_id=rec.key.ruleset_id, scope=rec.key.scope)
    ruleset = by_hash.get(current.ruleset_hash)
    if ruleset is None:
        raise LedgerStateError(f"the rule set {current.ruleset_id} {current.ruleset_version} that scored "
                               f"{current.key.ref} is not loaded in this service / 服务未加载该规则集版本",
                               hint="serve the rule-set directory that holds that version")
    return book.uphold(objection_id, _corrected(current, req), ruleset, actor=_actor(key), note=req.note,
                       reference=req.reference, reviewed_on=req.reviewed_on)


def ledger_router(config: ServiceConfig, decider: Decider) -> APIRouter:
    """The ledger's endpoints under /ledger."""
    router = APIRouter(prefix="/ledger", tags=["ledger / 台账"])
    reader, scorer, admin = (Depends(require(config, r)) for r in ("read", "score", "administer"))
    by_hash = {rs.content_hash: rs for rs in config.rulesets}

    def ledger() -> Ledger:
        if config.ledger is None:
            raise NotConfiguredError("this service has no ledger / 服务未配置台账",
                                     hint="start it with partyrules serve --ledger FILE")
        return config.ledger

    @router.post("/publish", summary="Publish a period's results / 公布一期结果")
    def publish(req: PublishRequest, key: Key = admin) -> list[PublicationOut]:
        parse_period(req.period, ("body", "period"))
        with _refusing():
            book = ledger()
            facts = [parse_facts(raw, ("body", "items", i)) for i, raw in enumerate(req.items)]
            scored = [decider.decide_facts(key, f, req.period) for f in facts]
            pubs = book.publish_many([(b, f) for f, (_, b) in zip(facts, scored, strict=True)],
                                     actor=_actor(key), scope=req.scope, replace=req.replace)
        ids = config.log.record([d for d, _ in scored])
        return [_publication(p, n) for p, n in zip(pubs, ids, strict=True)]

    @router.post("/objections", summary="Lodge an objection / 提出异议")
    def lodge(req: ObjectionRequest, key: Key = scorer) -> ObjectionOut:
        objection = _validated(Objection, req.objection, ("body", "objection"))
        with _refusing():
            return _objection(ledger().file_objection(req.publication_id, objection, actor=_actor(key)))

    @router.post("/objections/{objection_id}/investigation", summary="Record the investigation / 记录走访调查")
    def investigate(objection_id: _OID, req: InvestigationRequest, key: Key = admin) -> ObjectionOut:
        with _refusing():
            return _objection(ledger().record_investigation(objection_id, actor=_actor(key), findings=req.findings,
                                                            recommendation=req.recommendation))

    @router.post("/objections/{objection_id}/uphold", summary="Uphold an objection / 支持异议")
    def uphold(objection_id: _OID, req: UpholdRequest, key: Key = admin) -> PublicationOut:
        with _refusing():
            pub = _uphold(ledger(), by_hash, objection_id, req, key)
        (decision_id,) = config.log.record([decision_row(pub.facts, pub.period, key.id, pub.breakdown)])
        return _publication(pub, decision_id)

    @router.post("/objections/{objection_id}/reject", summary="Reject an objection / 驳回异议")
    def reject(objection_id: _OID, req: DecisionRequest, key: Key = admin) -> ObjectionOut:
        with _refusing():
            return _objection(ledger().reject(objection_id, actor=_actor(key), note=req.note,
                                              reference=req.reference, reviewed_on=req.reviewed_on))

    @router.post("/periods/{period}/finalise", summary="Make a period final / 定稿")
    def finalise(period: _PERIOD, scope: _SCOPE_Q = None, key: Key = admin) -> FinalisationOut:
        parse_period(period, ("path", "period"))
        with _refusing():
            done = ledger().finalise(period, scope or DEFAULT_SCOPE, actor=_actor(key))
        return FinalisationOut(period=done.period, scope=done.scope, finalised_at=done.finalised_at.isoformat(),
                               actor=done.actor, manifest_hash=done.manifest_hash,
                               publications=[p for p, _ in done.manifest])

    @router.get("/periods/{period}", dependencies=[reader], summary="A period's entries / 一期的台账记录")
    def period_entries(period: _PERIOD, scope: _SCOPE_Q = None) -> PeriodOut:
        parse_period(period, ("path", "period"))
        with _refusing():
            book = ledger()
            pubs = book.publications(period=period, scope=scope)
            objections = book.objections(period=period, scope=scope)
            shown = scope or (pubs[0].scope if pubs else DEFAULT_SCOPE)
            final = book.is_final(period, shown)
        return PeriodOut(period=period, scope=shown, final=final, publications=[_publication(p) for p in pubs],
                         objections=[_objection(r) for r in objections])

    @router.get("/verify", dependencies=[reader], summary="Verify the ledger's chain / 校验台账")
    def verify() -> VerifyOut:
        with _refusing():
            report = ledger().audit().to_dict()
        report.pop("ledger", None)  # the server's file path is not the caller's business
        report.pop("checkpoints", None)
        return VerifyOut(**report)

    return router
