"""The binding to durable-rules' C core.

We call the engine's C functions directly rather than through ``durable.engine.Host``: the Host starts dispatcher
threads that race with the caller (measured: silently lost firings), its process-wide singleton cannot replace a
ruleset, and its per-firing Python wrapper costs more than the matching. Here every action is drained
synchronously in the calling thread, right after the facts are asserted.

Thread safety: the C core has no locks, so each thread gets its own ruleset handles for one-shot evaluations, and
live sessions share pooled handles behind a lock. A handle holds at most 1024 live sessions; one-shot evaluations
delete their session state at once, live sessions release theirs on ``close()``.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import weakref
from collections.abc import Iterable

import durable_rules_engine as _E

from ..compile.durable import ACK_PREFIX, ACK_TAG, Chunk, Plan
from ..errors import EngineError

_names = itertools.count()
_ACK_FIRST = '{"t":"' + ACK_TAG + '","k":"begin"}'
_ACK_LAST = '{"t":"' + ACK_TAG + '","k":"end"}'
_SESSIONS_PER_HANDLE = 1000  # the engine breaks for good at 1025 live sessions in one ruleset


def _create(plan: Plan, chunk: Chunk) -> int:
    name = f"{plan.ruleset.id}.{plan.ruleset.content_hash[:12]}.c{chunk.index}.{next(_names)}"
    try:
        return _E.create_ruleset(name, chunk.definition_json)
    except Exception as exc:  # pragma: no cover - a compile bug, not user input
        raise EngineError(f"the engine rejected compiled chunk {chunk.index} of {plan.ruleset.id}: {exc}") from exc


def _delete(handles: Iterable[int]) -> None:
    for h in handles:
        with contextlib.suppress(Exception):
            _E.delete_ruleset(h)


class _HandleSet:
    """One engine ruleset per chunk of a plan, freed when this object is garbage collected."""

    def __init__(self, plan: Plan) -> None:
        self.handles = [_create(plan, c) for c in plan.chunks]
        self.live = 0
        self.lock = threading.Lock()
        weakref.finalize(self, _delete, list(self.handles))


def with_sid(sid: str, facts: list[str]) -> str:
    """A JSON array of facts for one session; facts are serialised once, without their session id."""
    prefix = '{"sid":"' + sid + '",'
    return "[" + ",".join(prefix + f[1:] for f in facts) + "]"


def assert_and_drain(handle: int, payload: str, what: str) -> list[str]:
    """Assert a JSON array of facts into one session and run every action they trigger; return the firings."""
    try:
        code, state = _E.assert_facts(handle, payload)
    except Exception as exc:
        raise EngineError(f"the engine refused the facts of {what}: {exc}") from exc
    if code == 2:
        raise EngineError(f"the engine saw a fact of {what} twice (a fact key collision)")
    return drain(handle, state, what)


def drain(handle: int, state: int, what: str) -> list[str]:
    """Run every pending action of one session; return the firings as the engine's JSON messages (undecoded:
    most firings only need their rule's name, and decoding the facts they carry is the costliest step)."""
    fired: list[str] = []
    try:
        while True:
            started = _E.start_action_for_state(handle, state)
            if not started:
                return fired
            msg = started[1]
            while msg:
                fired.append(msg)
                msg = _E.complete_and_start_action(handle, state)
    except EngineError:
        raise
    except Exception as exc:
        raise EngineError(f"the engine failed while running the actions of {what}: {exc}") from exc


class Engine:
    """Runs one plan: one-shot evaluations on per-thread handles, and pooled slots for live sessions."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self._local = threading.local()
        self._pool: list[_HandleSet] = []
        self._pool_lock = threading.Lock()
        self._sids = itertools.count(1)

    def _thread_handles(self) -> tuple[_HandleSet, itertools.count[int]]:
        hs = getattr(self._local, "handles", None)
        if hs is None:
            hs = _HandleSet(self.plan)
            self._local.handles = hs
            self._local.sids = itertools.count(1)
        return hs, self._local.sids

    def run_once(self, chunk_facts: list[list[str]], what: str) -> list[str]:
        """Evaluate one subject: assert its facts chunk by chunk, drain, then delete the session state.

        Each chunk's batch is framed by two acknowledgement facts: the engine stops reading a batch at the first
        fact it cannot parse and still answers OK, dropping every fact after it (a verified veto among them), so
        both must come back as firings, or the evaluation is an :class:`EngineError`. The first one also keeps
        the session non-empty, which ``delete_state`` needs even when the subject fact itself was not read."""
        hs, sids = self._thread_handles()
        sid = str(next(sids))
        fired: list[str] = []
        for handle, facts, chunk in zip(hs.handles, chunk_facts, self.plan.chunks, strict=True):
            if not facts:
                continue
            try:
                got = assert_and_drain(handle, with_sid(sid, [_ACK_FIRST, *facts, _ACK_LAST]), what)
            finally:
                _delete_state(handle, sid, what)
            ack = '{"' + ACK_PREFIX + str(chunk.index) + '"'
            kept = [m for m in got if not m.startswith(ack)]
            if len(got) - len(kept) != 2:
                raise EngineError(f"the rule engine did not take every fact of {what}: it stopped reading the "
                                  f"facts of chunk {chunk.index} part way (a value it cannot parse), so some facts "
                                  f"were never matched / 规则引擎未读完全部事实",
                                  hint="facts within the documented limits (docs/concepts.md, Limits) never do "
                                       "this; please report it with the facts")
            fired.extend(kept)
        return fired

    # -- live sessions ---------------------------------------------------------------------------------------
    def acquire(self) -> tuple[_HandleSet, str]:
        with self._pool_lock:
            for hs in self._pool:
                if hs.live < _SESSIONS_PER_HANDLE:
                    hs.live += 1
                    return hs, f"L{next(self._sids)}"
            hs = _HandleSet(self.plan)
            hs.live = 1
            self._pool.append(hs)
            return hs, f"L{next(self._sids)}"

    def release(self, hs: _HandleSet, sid: str) -> None:
        with hs.lock:
            for h in hs.handles:
                with contextlib.suppress(Exception):
                    _E.delete_state(h, sid)
        with self._pool_lock:
            hs.live -= 1


def _delete_state(handle: int, sid: str, what: str) -> None:
    try:
        _E.delete_state(handle, sid)
    except Exception as exc:
        raise EngineError(f"the engine could not end the session of {what}: {exc}") from exc


def assert_one(handle: int, fact_json: str, what: str) -> tuple[bool, int]:
    """Assert one fact into a live session: (stored, state handle)."""
    try:
        code, state = _E.assert_fact(handle, fact_json)
    except Exception as exc:
        raise EngineError(f"the engine refused a fact of {what}: {exc}") from exc
    if code == 2:
        raise EngineError(f"the engine saw a fact of {what} twice (a fact key collision)")
    return code == 0, state


def retract_one(handle: int, fact_json: str, what: str) -> None:
    try:
        _E.retract_fact(handle, fact_json)
    except Exception as exc:
        raise EngineError(f"the engine could not retract a fact of {what}: {exc}") from exc
