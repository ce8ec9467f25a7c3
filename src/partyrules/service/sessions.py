"""Live sessions over HTTP: one subject's evaluation kept open for a period, fed monthly records as they come and
an incident withdrawn when an appeal is upheld (:class:`partyrules.evaluate.live.LiveSession`).

A session belongs to the key that opened it: any other key is told it does not exist (404), so ids leak nothing.
Sessions are bounded: at most ``max_sessions`` in the service and ``max_sessions_per_key`` per key (429 beyond),
and one untouched for ``session_idle_seconds`` is closed and its engine state freed. Each request holds its
session's lock from the change to the logged breakdown, so two requests on one session never interleave (the
engine's C core has no locks) and each breakdown answered is the state its own change made. Every breakdown a
session returns is a decision in the log, with the session's facts as they stood, so it replays like /score's.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from ..errors import SessionLimitError, SessionNotFoundError
from ..evaluate.live import LiveSession
from ..facts import BranchMonthRecord, MemberFacts, MemberMonthRecord
from .common import Decider, bad_input, parse_facts, parse_period, refusing, require
from .config import ServiceConfig
from .deciding import decision_row
from .keys import Key
from .models import RecordRequest, ScoreRequest, SessionOut

_SID = Annotated[str, Path(max_length=64, description="The session's id, as POST /sessions gave it / 会话编号")]
_INCIDENT = Annotated[str, Path(max_length=200, description="The incident's id / 事件编号")]


@dataclass
class _Entry:
    session: LiveSession
    owner: str  # the id of the key that opened it
    period: str  # as the caller wrote it, as the log keeps it
    used: float
    lock: threading.Lock = field(default_factory=threading.Lock)


class SessionStore:
    """The open sessions of one service, with their bounds and idle expiry."""

    def __init__(self, config: ServiceConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.clock = clock
        self._lock = threading.Lock()
        self._open: dict[str, _Entry] = {}

    def __len__(self) -> int:
        return len(self._open)

    def _expire(self) -> None:
        now = self.clock()
        with self._lock:
            old = [sid for sid, e in self._open.items() if now - e.used > self.config.session_idle_seconds]
            gone = [self._open.pop(sid) for sid in old]
        for e in gone:
            with e.lock:
                e.session.close()

    def _room_for(self, key: Key) -> None:
        if len(self._open) >= self.config.max_sessions:
            raise SessionLimitError(f"the service has {len(self._open)} live sessions open, its limit / "
                                    "服务的实时会话已达上限", hint="close sessions you no longer need, or wait for "
                                    f"idle ones to expire ({self.config.session_idle_seconds:g} s)")
        mine = sum(1 for e in self._open.values() if e.owner == key.id)
        if mine >= self.config.max_sessions_per_key:
            raise SessionLimitError(f"this key has {mine} live sessions open, its limit / 该密钥的实时会话已达上限",
                                    hint="close sessions you no longer need (DELETE /sessions/ID)")

    def check_room(self, key: Key) -> None:
        """Refuse before a session is built, so a caller at its limit costs no evaluation."""
        self._expire()
        with self._lock:
            self._room_for(key)

    def open(self, key: Key, session: LiveSession, period: str) -> str:
        """Keep ``session`` for ``key`` (closing it if the limits were reached meanwhile) and return its id."""
        with self._lock:
            try:
                self._room_for(key)
            except SessionLimitError:
                session.close()
                raise
            sid = secrets.token_urlsafe(18)
            self._open[sid] = _Entry(session, key.id, period, self.clock())
        return sid

    def get(self, key: Key, sid: str) -> _Entry:
        self._expire()
        with self._lock:
            entry = self._open.get(sid)
            if entry is None or entry.owner != key.id:  # another key's session is not there, for this key
                raise SessionNotFoundError(f"no live session {sid} / 没有该会话",
                                           hint="sessions close after "
                                                f"{self.config.session_idle_seconds:g} s idle; open a new one")
            entry.used = self.clock()
            return entry

    def close(self, key: Key, sid: str) -> None:
        entry = self.get(key, sid)
        with self._lock:
            self._open.pop(sid, None)
        with entry.lock:
            entry.session.close()

    def close_all(self) -> None:
        with self._lock:
            gone = list(self._open.values())
            self._open.clear()
        for e in gone:
            with e.lock:
                e.session.close()


def _record(entry: _Entry, raw: Any) -> MemberMonthRecord | BranchMonthRecord:
    facts = entry.session.facts
    if not hasattr(facts, "records"):
        raise bad_input(("body", "record"), "no_records", f"a {type(facts).subject_kind} has no monthly records")
    model = MemberMonthRecord if isinstance(facts, MemberFacts) else BranchMonthRecord
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", "record", *e["loc"])} for e in exc.errors(include_url=False,
                                                                                  include_input=False)]
        raise RequestValidationError(errors) from None


def sessions_router(config: ServiceConfig, decider: Decider, store: SessionStore) -> APIRouter:
    """POST /sessions, GET and DELETE /sessions/{id}, POST /sessions/{id}/records and
    DELETE /sessions/{id}/incidents/{incident}: all for the ``score`` role."""
    router = APIRouter(prefix="/sessions", tags=["live sessions / 实时会话"])
    scorer = Depends(require(config, "score"))

    def answer(key: Key, sid: str, entry: _Entry) -> SessionOut:
        # called with the entry's lock held: the change and the breakdown logged are one step
        s = entry.session
        b = s.breakdown()
        (decision_id,) = config.log.record([decision_row(s.facts, entry.period, key.id, b)])
        return SessionOut(session_id=sid, subject_id=s.subject_id, period=entry.period,
                          idle_seconds=config.session_idle_seconds, decision_id=decision_id, breakdown=b)

    @router.post("", summary="Open a live session for a subject / 打开实时会话")
    def open_session(req: ScoreRequest, key: Key = scorer) -> SessionOut:
        facts = parse_facts(req.facts, ("body", "facts"))
        when = parse_period(req.period, ("body", "period"))
        with refusing():
            store.check_room(key)
            ruleset = decider.chooser.evaluator_for(facts, when).ruleset
            session = LiveSession(ruleset, facts, when)
            sid = store.open(key, session, req.period)
            entry = store.get(key, sid)
            with entry.lock:
                return answer(key, sid, entry)

    @router.get("/{sid}", summary="The session's current breakdown / 会话的当前得分")
    def current(sid: _SID, key: Key = scorer) -> SessionOut:
        with refusing():
            entry = store.get(key, sid)
            with entry.lock:
                return answer(key, sid, entry)

    @router.post("/{sid}/records", summary="Add or correct a monthly record / 添加或更正月度记录")
    def add_record(sid: _SID, req: RecordRequest, key: Key = scorer) -> SessionOut:
        with refusing():
            entry = store.get(key, sid)
            record = _record(entry, req.record)
            with entry.lock:
                entry.session.add_record(record)
                return answer(key, sid, entry)

    @router.delete("/{sid}/incidents/{incident_id}", summary="Withdraw an incident / 撤回事件")
    def retract_incident(sid: _SID, incident_id: _INCIDENT, key: Key = scorer) -> SessionOut:
        with refusing():
            entry = store.get(key, sid)
            with entry.lock:
                entry.session.retract_incident(incident_id)
                return answer(key, sid, entry)

    @router.delete("/{sid}", status_code=204, summary="Close a live session / 关闭会话")
    def close(sid: _SID, key: Key = scorer) -> Response:
        with refusing():
            store.close(key, sid)
        return Response(status_code=204)

    return router
