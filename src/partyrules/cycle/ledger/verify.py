"""Verification of a ledger file: every row of every table against the hash-chained events, and the events against
checkpoints.

What is checked, in this order (the first problem found names the first bad row):

1. the schema: every table, index, view and trigger is exactly what the library creates (a dropped trigger, an
   added column or a changed view is reported even before any row is read);
2. ``schema_version``: one row, whose digest is the start of the chain (the ledger's id);
3. ``events``: numbered 1, 2, ... without a gap, each hash chaining to the previous one, each score's before-hash
   the previous after-hash;
4. replaying the events in order, each row the event says it wrote: the row exists, its digest is the one the event
   carries (so no column changed), its columns agree with the event (who, when, what, which score) and with its own
   hashed JSON (a publication's total, grade, veto and key are read back from its breakdown); a publication
   supersedes exactly the score's current one; a finalisation's manifest is the replayed current publications,
   with no objection open; nothing happens to a period after it is final;
5. no row that no event wrote, and objections stored in the order they were filed (readers list them so);
6. notices (公示, schema version 3, :mod:`.notice_verify`): each row against its event, objections within the
   period, finalisations after it with no objection open and the items less those upheld against;
7. checkpoints, stored and given: of this ledger, not beyond its events, the Merkle root of the events they cover
   and the chained hash of the last one, and signed with the trusted key when one is given; each finalisation has
   its checkpoint.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ...facts.bundle import parse_subject_facts
from ...results import ScoreBreakdown
from ..hashing import canonical_json, leaf_hash, merkle_root, row_digest, sha256_text
from .checkpoints import Checkpoint
from .errors import CheckpointError, Problem
from .notice_verify import NoticeTables, notice_extras, replay_notice
from .records import _EVENT_SELECT, AuditEvent, _event, _event_hash, _iso, ledger_id_of
from .schema import NOTICE_ACTIONS, PUBLISHING, READABLE_VERSIONS, SCHEMA_VERSION, expected_objects

__all__ = ["AuditReport", "audit_connection", "check_checkpoint"]

_CAUSE = {"published": "published", "republished": "republished", "objection_upheld": "upheld",
          "uphold_reversed": "reversed"}
_LABEL = {"publications": "publication", "objections": "objection", "finalisations": "finalisation",
          "events": "event", "checkpoints": "checkpoint", "schema_version": "schema_version",
          "sqlite_master": "schema object"}
_OPEN = {"objection_filed", "investigation_recorded"}
Key = tuple[Any, Any, Any, Any]


def describe(p: Problem) -> str:
    """A problem as one line: ``publication 2: ...``, ``event 5 (objection_filed): ...``."""
    return f"{_LABEL.get(p.table, p.table)} {p.key}: {p.message}"


@dataclass(frozen=True)
class AuditReport:
    """What verification found: the counts, the head of the trail, the checkpoints checked and every problem."""

    path: str
    ledger_id: str
    tree_size: int
    root_hash: str
    head_hash: str
    counts: dict[str, int]
    problems: tuple[Problem, ...]
    checkpoints: tuple[dict[str, Any], ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        """The first bad row, or None."""
        return self.problems[0] if self.problems else None

    def to_dict(self) -> dict[str, Any]:
        return {"ledger": self.path, "ok": self.ok, "ledger_id": self.ledger_id, "tree_size": self.tree_size,
                "root_hash": self.root_hash, "head_hash": self.head_hash, "counts": self.counts,
                "first_bad_row": self.first.to_dict() if self.first else None,
                "problems": [p.to_dict() for p in self.problems], "checkpoints": list(self.checkpoints)}


class _Found:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, table: str, key: Any, message: str) -> None:
        self.problems.append(Problem(table, str(key), message))


def audit_connection(conn: sqlite3.Connection, *, path: str, checkpoints: Sequence[Checkpoint] = (),
                     public_key: Any = None) -> AuditReport:
    """Verify the ledger open on ``conn`` (inside one read transaction) and report; raises nothing for a bad file."""
    found = _Found()
    version = _version(conn)
    if not _schema(conn, found, version):
        return AuditReport(path, "", 0, "", "", {}, tuple(found.problems))
    rows = conn.execute("SELECT version, applied_at, library FROM schema_version ORDER BY version").fetchall()
    if len(rows) != 1 or rows[0][0] not in READABLE_VERSIONS:
        found.add("schema_version", ",".join(str(r[0]) for r in rows) or "none",
                  f"expected exactly one row, of version {' or '.join(map(str, READABLE_VERSIONS))}")
    ledger_id = ledger_id_of(*rows[-1]) if rows else "0" * 64
    events = _events(conn, ledger_id, found)
    tables = _Tables(conn, notices=version >= 3)
    finals = _replay(events, tables, found)
    _extras(tables, found)
    notice_extras(tables.notices, found)
    leaves = [leaf_hash(canonical_json(e.content()).encode("utf-8")) for e in events]
    results = _checkpoints(conn, ledger_id, events, leaves, finals, checkpoints, public_key, found)
    counts = {"events": len(events), "publications": len(tables.pubs), "objections": len(tables.objs),
              "finalisations": len(tables.fins), "checkpoints": len(results)}
    if version >= 3:
        counts["notices"] = tables.notices.count()
    head = events[-1].event_hash if events else ledger_id
    return AuditReport(path, ledger_id, len(events), merkle_root(leaves).hex(), head, counts,
                       tuple(found.problems), tuple(results))


def _version(conn: sqlite3.Connection) -> int:
    """The schema to compare the file with: version 2 for a version 2 file, else this library's own (so that a
    changed version row is reported against the schema the library writes)."""
    try:
        row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    except sqlite3.Error:
        return SCHEMA_VERSION
    return 2 if row and row[0] == 2 else SCHEMA_VERSION


def _schema(conn: sqlite3.Connection, found: _Found, version: int) -> bool:
    expected = expected_objects(version)
    actual = {(t, n): s or "" for t, n, s in conn.execute("SELECT type, name, sql FROM sqlite_master")}
    readable = True
    for kind, name in sorted(expected.keys() | actual.keys()):
        if (kind, name) not in actual:
            message = "missing from the file: the ledger's schema was changed"
        elif (kind, name) not in expected:
            message = "is not part of the ledger's schema (added)"
        elif actual[kind, name] != expected[kind, name]:
            message = "differs from the ledger's schema (changed)"
        else:
            continue
        found.add("sqlite_master", f"{kind} {name}", message)
        readable &= kind not in ("table", "index")  # rows of a changed table cannot be read reliably
    return readable


def _events(conn: sqlite3.Connection, ledger_id: str, found: _Found) -> list[AuditEvent]:
    events: list[AuditEvent] = []
    for r in conn.execute(f"{_EVENT_SELECT} ORDER BY seq"):
        try:
            e = _event(r)
        except (ValueError, TypeError, AttributeError) as exc:
            found.add("events", r[0], f"cannot be read ({exc})")
            continue
        events.append(e)
        # The hash covers the time and payload as read; their stored text must be the one form the ledger writes,
        # or two different texts would read as the same event.
        if (r[1], r[14]) != (_iso(e.at), canonical_json(e.payload)):
            found.add("events", f"{e.seq} ({e.action})", "its time or payload is not stored as the ledger writes it")
    prev = ledger_id
    last_after: dict[Key, str | None] = {}
    for n, e in enumerate(events, start=1):
        where = f"{e.seq} ({e.action})"
        if e.seq != n:
            found.add("events", where, f"expected sequence number {n} (an event is missing)")
        if e.prev_hash != prev or _event_hash(e.prev_hash, e.content()) != e.event_hash:
            found.add("events", where, "its hash does not chain (changed or reordered)")
        prev = e.event_hash
        if e.subject_id is None:
            continue
        key = (e.subject_id, e.period, e.ruleset_id, e.scope)
        expected = last_after.get(key)
        if e.before_hash != expected:
            found.add("events", where, f"before hash {str(e.before_hash)[:12]} is not the score's last hash "
                                       f"{str(expected)[:12]}")
        last_after[key] = e.after_hash
    return events


class _Tables:
    """Every row of the data tables, by key, as stored (the dicts are what row digests are computed over)."""

    def __init__(self, conn: sqlite3.Connection, notices: bool) -> None:
        self.notices = NoticeTables(conn if notices else None)
        self.pubs = {r["publication_id"]: r for r in _rows(conn, "publications", "publication_id")}
        objs = _rows(conn, "objections", "rowid", with_rowid=True)
        for r in objs:  # the rowid orders objections for readers; it is checked, not part of the row's digest
            del r["__rowid"]
        self.obj_order = [r["objection_id"] for r in objs]
        self.objs = {r["objection_id"]: r for r in objs}
        self.fins = {(r["period"], r["scope"]): r for r in _rows(conn, "finalisations", "period, scope")}
        self.made: set[Any] = set()
        self.filed: list[str] = []
        self.finalised: set[tuple[str, str]] = set()


def _rows(conn: sqlite3.Connection, table: str, order: str, with_rowid: bool = False) -> list[dict[str, Any]]:
    cur = conn.execute(f"SELECT {'rowid AS __rowid, ' if with_rowid else ''}* FROM {table} ORDER BY {order}")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _replay(events: list[AuditEvent], t: _Tables, found: _Found) -> list[int]:
    """Check each row against the event that wrote it, in order; return the seq of each finalisation event."""
    current: dict[Key, Any] = {}
    status: dict[str, str] = {}
    objection_key: dict[str, tuple[str | None, str | None]] = {}
    final_seqs: list[int] = []
    for e in events:
        if (e.period, e.scope) in t.finalised:
            found.add("events", f"{e.seq} ({e.action})", f"a step on {e.period} ({e.scope}) after it was finalised")
        key = (e.subject_id, e.period, e.ruleset_id, e.scope)
        if e.action in PUBLISHING:
            _publication(e, key, current, t, found)
            current[key] = e.publication_id
        elif e.action == "objection_filed":
            _objection(e, key, current, t, found)
            status[str(e.objection_id)] = e.action
            objection_key[str(e.objection_id)] = (e.period, e.scope)
        elif e.action in NOTICE_ACTIONS:
            replay_notice(e, t.notices, found)
        elif e.action == "period_finalised":
            _finalisation(e, current, status, objection_key, t, found)
            final_seqs.append(e.seq)
        if e.objection_id is not None and e.action != "objection_filed":
            if e.objection_id not in status:
                found.add("events", f"{e.seq} ({e.action})", f"objection {e.objection_id} was never filed")
            status[e.objection_id] = e.action
    return final_seqs


def _stored(e: AuditEvent, table: str, key: Any, row: dict[str, Any] | None, found: _Found) -> bool:
    if row is None:
        found.add(table, key, f"missing: event {e.seq} ({e.action}) wrote it")
        return False
    if e.payload.get("row") != row_digest(table, row):
        found.add(table, key, f"is not the row event {e.seq} ({e.action}) wrote (a column was changed)")
    return True


def _publication(e: AuditEvent, key: Key, current: dict[Key, Any], t: _Tables, found: _Found) -> None:
    pid = e.publication_id
    row = t.pubs.get(pid)
    if pid in t.made:
        found.add("publications", pid, f"event {e.seq} publishes it again")
        return
    t.made.add(pid)
    if not _stored(e, "publications", pid, row, found):
        return
    assert row is not None
    expect = {"subject_id": e.subject_id, "period": e.period, "ruleset_id": e.ruleset_id, "scope": e.scope,
              "breakdown_hash": e.after_hash, "cause": _CAUSE[e.action], "objection_id": e.objection_id,
              "published_at": _iso(e.at), "actor": e.actor, "supersedes": current.get(key)}
    differ = [c for c, v in expect.items() if row[c] != v]
    if e.payload.get("superseded") != current.get(key):
        differ.append("superseded (in the event)")
    if differ:
        found.add("publications", pid, f"{', '.join(differ)} not as event {e.seq} ({e.action}) recorded")
    found.problems.extend(Problem("publications", str(pid), m) for m in _own_hashes(row))


def _own_hashes(row: dict[str, Any]) -> list[str]:
    """A publication's columns against its own hashed JSON: what readers return must be what the breakdown says."""
    out = []
    if sha256_text(row["breakdown_json"]) != row["breakdown_hash"]:
        out.append("breakdown does not match its hash")
    if sha256_text(row["facts_json"]) != row["facts_hash"]:
        out.append("facts do not match their hash")
    try:
        b = ScoreBreakdown.from_json(row["breakdown_json"])
    except Exception as exc:  # any parse failure of a stored JSON is a finding, not a crash of the verifier
        return [*out, f"breakdown cannot be read ({type(exc).__name__})"]
    if b.to_json() != row["breakdown_json"]:
        out.append("breakdown does not match its hash (not in canonical form)")
    derived = {"subject_kind": str(b.subject_kind), "subject_id": b.subject_id, "period": b.period.label,
               "ruleset_id": b.ruleset_id, "ruleset_version": b.ruleset_version, "ruleset_hash": b.ruleset_hash,
               "params_json": canonical_json(b.params), "total": b.total, "grade": b.grade.id,
               "vetoed": int(b.vetoed)}
    differ = [c for c, v in derived.items() if row[c] != v]
    if differ:
        out.append(f"{', '.join(differ)} not what its breakdown says")
    try:
        facts = parse_subject_facts(json.loads(row["facts_json"]))
        if facts.subject_id != row["subject_id"]:
            out.append("its facts are of another subject")
    except Exception as exc:  # as above
        out.append(f"facts cannot be read ({type(exc).__name__})")
    return out


def _objection(e: AuditEvent, key: Key, current: dict[Key, Any], t: _Tables, found: _Found) -> None:
    oid = str(e.objection_id)
    row = t.objs.get(oid)
    if oid in t.filed:
        found.add("objections", oid, f"event {e.seq} files it again")
        return
    t.filed.append(oid)
    if not _stored(e, "objections", oid, row, found):
        return
    assert row is not None
    differ = [c for c, v in {"publication_id": e.publication_id, "filed_at": _iso(e.at), "actor": e.actor}.items()
              if row[c] != v]
    try:
        if json.loads(row["objection_json"]) != e.payload.get("objection"):
            differ.append("objection_json")
    except ValueError:
        differ.append("objection_json")
    if e.publication_id != current.get(key):
        differ.append("publication_id (not the score's current publication)")
    if differ:
        found.add("objections", oid, f"{', '.join(differ)} not as event {e.seq} (objection_filed) recorded")


def _finalisation(e: AuditEvent, current: dict[Key, Any], status: dict[str, str],
                  objection_key: dict[str, tuple[str | None, str | None]], t: _Tables, found: _Found) -> None:
    pk = (str(e.period), str(e.scope))
    row = t.fins.get(pk)
    label = f"{pk[0]}/{pk[1]}"
    t.finalised.add(pk)
    if not _stored(e, "finalisations", label, row, found):
        return
    assert row is not None
    manifest = sorted([pid, t.pubs[pid]["breakdown_hash"] if pid in t.pubs else None]
                      for k, pid in current.items() if (k[1], k[3]) == pk)
    differ = [c for c, v in {"finalised_at": _iso(e.at), "actor": e.actor, "manifest_hash": e.after_hash}.items()
              if row[c] != v]
    if e.payload.get("manifest") != manifest:
        differ.append("manifest (not the current publications of the period)")
    if sha256_text(canonical_json(e.payload.get("manifest"))) != row["manifest_hash"]:
        differ.append("manifest_hash (not the hash of the manifest)")
    pending = sorted(o for o, s in status.items() if s in _OPEN and objection_key.get(o) == pk)
    if pending:
        differ.append(f"finalised with open objections ({', '.join(pending)})")
    if differ:
        found.add("finalisations", label, f"{', '.join(differ)}; event {e.seq}")


def _extras(t: _Tables, found: _Found) -> None:
    for pid in t.pubs:
        if pid not in t.made:
            found.add("publications", pid, "no event published it (a row was added)")
    filed = set(t.filed)
    for oid in t.objs:
        if oid not in filed:
            found.add("objections", oid, "no event filed it (a row was added)")
    for period, scope in t.fins:
        if (period, scope) not in t.finalised:
            found.add("finalisations", f"{period}/{scope}", "no event finalised it (a row was added)")
    stored = [o for o in t.obj_order if o in filed]
    wrote = [o for o in t.filed if o in t.objs]
    for a, b in zip(stored, wrote, strict=True):
        if a != b:
            found.add("objections", b, f"stored out of the order of filing ({a} stands where it belongs): rows "
                                       "were reordered")
            break


def check_checkpoint(cp: Checkpoint, ledger_id: str, events: Sequence[AuditEvent], leaves: Sequence[bytes],
                     public_key: Any = None) -> tuple[list[str], str]:
    """What is wrong with a checkpoint for this ledger (nothing: []), and the state of its signature."""
    out = []
    if cp.ledger_id != ledger_id:
        out.append("is of another ledger (or the schema_version row was changed)")
    if cp.tree_size > len(events):
        out.append(f"covers {cp.tree_size} events, the file has {len(events)}: the history was cut short")
    else:
        if merkle_root(leaves[: cp.tree_size]).hex() != cp.root_hash:
            out.append(f"the first {cp.tree_size} events are not those it covers: the history was rewritten")
        head = events[cp.tree_size - 1].event_hash if cp.tree_size else ledger_id
        if head != cp.head_hash:
            out.append(f"event {cp.tree_size}'s chained hash is not the checkpoint's head")
    if not cp.signed:
        signature = "unsigned"
        if public_key is not None:
            out.append("is not signed, but a public key was given: every checkpoint must be signed with it")
    else:
        try:
            cp.check_signature(public_key)
            signature = "valid" if public_key is not None else "valid (for its own key; no key was given to trust)"
        except CheckpointError as exc:
            signature = "invalid"
            out.append(exc.message)
    return out, signature


def _checkpoints(conn: sqlite3.Connection, ledger_id: str, events: list[AuditEvent], leaves: list[bytes],
                 final_seqs: list[int], given: Sequence[Checkpoint], public_key: Any,
                 found: _Found) -> list[dict[str, Any]]:
    results = []
    stored = []
    for r in _rows(conn, "checkpoints", "checkpoint_id"):
        cp = Checkpoint(**r)
        stored.append(cp)
        problems, signature = check_checkpoint(cp, ledger_id, events, leaves, public_key)
        for m in problems:
            found.add("checkpoints", cp.checkpoint_id, m)
        results.append({"source": "stored", "checkpoint_id": cp.checkpoint_id, "tree_size": cp.tree_size,
                        "reason": cp.reason, "signature": signature, "ok": not problems})
    for n, cp in enumerate(stored, start=1):  # ids number them in order; the signature does not cover the id
        if cp.checkpoint_id != n or (n > 1 and cp.tree_size < stored[n - 2].tree_size):
            found.add("checkpoints", cp.checkpoint_id, f"expected checkpoint {n} here, in order of the trail "
                                                       "(a checkpoint is missing, renumbered or reordered)")
            break
    by_size = {cp.tree_size: cp for cp in stored if cp.reason.endswith(" finalised")}
    by_seq = {e.seq: e for e in events}
    for seq in final_seqs:
        final = by_size.get(seq)
        e = by_seq[seq]
        if final is None:
            found.add("checkpoints", f"of event {seq}", "missing: the finalisation's checkpoint was removed")
        elif (final.timestamp, final.reason) != (_iso(e.at), f"{e.period} ({e.scope}) finalised"):
            # An unsigned checkpoint's time and reason are covered here, by the finalisation event they record.
            found.add("checkpoints", final.checkpoint_id,
                      f"time or reason not those of the finalisation (event {seq})")
    for n, cp in enumerate(given, start=1):
        problems, signature = check_checkpoint(cp, ledger_id, events, leaves, public_key)
        for m in problems:
            found.add("checkpoints", f"given #{n} ({cp.tree_size} events)", m)
        results.append({"source": "given", "tree_size": cp.tree_size, "timestamp": cp.timestamp,
                        "reason": cp.reason, "signature": signature, "ok": not problems})
    return results
