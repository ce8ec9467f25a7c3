"""Live sessions: one subject's evaluation kept open over a period, updated as records and incidents arrive.

A service keeps one session per member or branch for the year, feeds monthly records, incidents and
commendations as they happen, withdraws an incident when an appeal is upheld, and asks for the current breakdown
at any time. The engine session stays alive: each change asserts or retracts only the facts that changed, and the
engine fires only the rules those facts touch. The breakdown always equals a fresh evaluation of the same facts
(property-tested).
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Mapping
from typing import Any

from ..errors import EvaluationError
from ..facts import AnnualEvaluation, Commendation, Incident, SubjectFacts, check_own_conduct
from ..periods import Month, Period
from ..results import ScoreBreakdown
from ..rulesets.model import RuleSet
from .backend import as_period, check_applies
from .context import build_context, engine_facts, subject_of
from .engine import _HandleSet, assert_one, drain, retract_one
from .evaluator import Evaluator

FactId = tuple[int, str, str]  # chunk, type tag, key


class LiveSession:
    """An open evaluation of one subject for one period. Use as a context manager, or call :meth:`close`."""

    def __init__(
        self,
        ruleset: RuleSet,
        facts: SubjectFacts,
        period: Period | str | None = None,
        *,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        self._ev = Evaluator(ruleset, params)
        self.period = as_period(period, facts)  # None: the facts' own period, as evaluate() takes it
        self._facts = facts
        build_context(self._ev.plan, facts, self.period)  # fail early on facts outside the period
        self._lock = threading.RLock()
        self._hs: _HandleSet
        self._hs, self._sid = self._ev.engine.acquire()
        self._asserted: dict[FactId, str] = {}
        # engine messages kept as received, keyed by rule and the facts they matched
        self._firings: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}
        self._closed = False
        self._finalizer = weakref.finalize(self, self._ev.engine.release, self._hs, self._sid)
        self._sync()

    # -- the current facts -----------------------------------------------------------------------------------
    @property
    def facts(self) -> SubjectFacts:
        """The subject's facts as the session holds them now (a fresh evaluation of these equals breakdown())."""
        return self._facts

    @property
    def subject_id(self) -> str:
        return self._facts.subject_id

    def _replace(self, **changes: Any) -> None:
        data = {name: getattr(self._facts, name) for name in type(self._facts).model_fields}
        data.update(changes)
        # Every change passes here. Another subject's item is refused with the typed error before pydantic's own
        # check would refuse it less precisely; the session is unchanged either way.
        check_own_conduct(type(self._facts).model_construct(**data))
        new = type(self._facts).model_validate(data)
        build_context(self._ev.plan, new, self.period)
        self._facts = new
        self._sync()

    def add_record(self, record: Any) -> None:
        """Add a monthly record, or replace the record of the same month (a correction)."""
        with self._lock:
            self._check_open()
            if not self.period.contains_month(Month.parse(record.month)):
                raise EvaluationError(f"record {record.month} is outside the session's period {self.period}")
            records = [r for r in self._facts.records if r.month != record.month]  # type: ignore[union-attr]
            self._replace(records=(*records, record))

    def add_incident(self, incident: Incident) -> None:
        """Add an incident, or replace the incident with the same id (e.g. once it has been verified)."""
        with self._lock:
            self._check_open()
            kept = [i for i in self._facts.incidents if i.incident_id != incident.incident_id]
            self._replace(incidents=(*kept, incident))

    def retract_incident(self, incident_id: str) -> Incident:
        """Withdraw an incident (an appeal was upheld); returns the withdrawn incident."""
        with self._lock:
            self._check_open()
            found = [i for i in self._facts.incidents if i.incident_id == incident_id]
            if not found:
                raise EvaluationError(f"{self.subject_id} has no incident {incident_id!r}")
            self._replace(incidents=tuple(i for i in self._facts.incidents if i.incident_id != incident_id))
            return found[0]

    def add_commendation(self, commendation: Commendation) -> None:
        with self._lock:
            self._check_open()
            kept = [c for c in self._facts.commendations if c.commendation_id != commendation.commendation_id]
            self._replace(commendations=(*kept, commendation))

    def retract_commendation(self, commendation_id: str) -> None:
        with self._lock:
            self._check_open()
            if not any(c.commendation_id == commendation_id for c in self._facts.commendations):
                raise EvaluationError(f"{self.subject_id} has no commendation {commendation_id!r}")
            self._replace(commendations=tuple(c for c in self._facts.commendations
                                              if c.commendation_id != commendation_id))

    def set_annual(self, annual: AnnualEvaluation | None) -> None:
        with self._lock:
            self._check_open()
            self._replace(annual=annual)

    def update_subject(self, subject: Any) -> None:
        """Replace the subject's own record (e.g. a member registered with the community)."""
        with self._lock:
            self._check_open()
            current = subject_of(self._facts)
            key = type(self._facts)._subject_field
            if type(subject) is not type(current) or self._facts.subject_id != getattr(subject, f"{key}_id"):
                raise EvaluationError("update_subject needs the same subject", hint="open a new session instead")
            self._replace(**{key: subject})

    # -- engine synchronisation ------------------------------------------------------------------------------
    def _sync(self) -> None:
        """Bring the engine session in line with the current facts: retract what changed, assert what is new."""
        plan = self._ev.plan
        ctx = build_context(plan, self._facts, self.period)
        subject_fact, items = engine_facts(plan, ctx)
        wanted: dict[FactId, str] = {}
        prefix = '{"sid":"' + self._sid + '",'
        for chunk in plan.chunks:
            wanted[(chunk.index, plan.subject.tag, "s")] = prefix + subject_fact[1:]
            for source in sorted(chunk.sources):
                tag = plan.items[source].tag
                for key, fact in items.get(source, ()):
                    wanted[(chunk.index, tag, key)] = prefix + fact[1:]
        handles = self._hs.handles
        with self._hs.lock:
            for fid, fact in list(self._asserted.items()):
                if wanted.get(fid) != fact:
                    retract_one(handles[fid[0]], fact, self.subject_id)
                    del self._asserted[fid]
                    gone = (fid[1], fid[2])
                    self._firings = {k: v for k, v in self._firings.items()
                                     if not (k[0].startswith(f"{fid[0]}:") and gone in k[1])}
            for fid, fact in wanted.items():
                if fid in self._asserted:
                    continue
                _, state = assert_one(handles[fid[0]], fact, self.subject_id)
                self._asserted[fid] = fact
                for message in drain(handles[fid[0]], state, self.subject_id):
                    for name, matched in json.loads(message).items():
                        ident = tuple(sorted((f["t"], f["k"]) for f in matched.values()))
                        self._firings[(f"{fid[0]}:{name}", ident)] = message

    def breakdown(self) -> ScoreBreakdown:
        """The current explained score; equal to a fresh evaluation of :attr:`facts`."""
        with self._lock:
            self._check_open()
            plan = self._ev.plan
            ctx = build_context(plan, self._facts, self.period)
            check_applies(self._ev.compiled, ctx, self.subject_id)
            # the amounts read aggregations at scoring time; evaluating the derived fields first fills the
            # evidence exactly as a fresh evaluation does
            engine_facts(plan, ctx)
            return self._ev.scorer.score(ctx, list(self._firings.values()), self.subject_id, self.period)

    # -- lifecycle -------------------------------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed:
            raise EvaluationError("this live session is closed")

    def close(self) -> None:
        """Release the engine session. Further calls raise."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._finalizer()

    def __enter__(self) -> LiveSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<LiveSession {self._ev.ruleset.id} {self.subject_id} {self.period} ({state})>"
