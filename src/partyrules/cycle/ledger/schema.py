"""The ledger's SQLite schema, its append-only triggers, and what verification compares the file's schema with.

Schema version 2 added the ``checkpoints`` table, the digest of each row inside the event that wrote it, and the
chain's start (the first event's ``prev_hash``) derived from the ``schema_version`` row, so that every row of every
table is covered by the hash chain.
"""

from __future__ import annotations

import sqlite3
from functools import cache

from ..objections import ObjectionAction

SCHEMA_VERSION = 2

PUBLISHING = ("published", "republished", ObjectionAction.UPHELD.value, ObjectionAction.REVERSED.value)
"""The actions that write a publication."""
ACTIONS = (*PUBLISHING, *(a.value for a in ObjectionAction if a.value not in PUBLISHING), "period_finalised")

TABLES = ("schema_version", "publications", "objections", "finalisations", "events", "checkpoints")
KEYS = {
    "schema_version": "version",
    "publications": "publication_id",
    "objections": "objection_id",
    "finalisations": "period, scope",
    "events": "seq",
    "checkpoints": "checkpoint_id",
}

SCHEMA = f"""
CREATE TABLE schema_version (
    version INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL,
    library TEXT NOT NULL
);
CREATE TABLE publications (
    publication_id INTEGER PRIMARY KEY,
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    period TEXT NOT NULL,
    scope TEXT NOT NULL,
    ruleset_id TEXT NOT NULL,
    ruleset_version TEXT NOT NULL,
    ruleset_hash TEXT NOT NULL,
    params_json TEXT NOT NULL,
    breakdown_json TEXT NOT NULL,
    breakdown_hash TEXT NOT NULL CHECK (length(breakdown_hash) = 64),
    facts_json TEXT NOT NULL,
    facts_hash TEXT NOT NULL CHECK (length(facts_hash) = 64),
    total REAL NOT NULL,
    grade TEXT NOT NULL,
    vetoed INTEGER NOT NULL CHECK (vetoed IN (0, 1)),
    supersedes INTEGER REFERENCES publications(publication_id),
    cause TEXT NOT NULL CHECK (cause IN ('published', 'republished', 'upheld', 'reversed')),
    objection_id TEXT REFERENCES objections(objection_id),
    published_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    CHECK ((cause = 'published') = (supersedes IS NULL)),
    CHECK ((cause IN ('upheld', 'reversed')) = (objection_id IS NOT NULL))
);
CREATE INDEX publications_key ON publications (subject_id, period, ruleset_id, scope);
CREATE INDEX publications_supersedes ON publications (supersedes);
CREATE INDEX publications_period ON publications (period, scope);
CREATE TABLE objections (
    objection_id TEXT PRIMARY KEY,
    publication_id INTEGER NOT NULL REFERENCES publications(publication_id),
    objection_json TEXT NOT NULL,
    filed_at TEXT NOT NULL,
    actor TEXT NOT NULL
);
CREATE INDEX objections_publication ON objections (publication_id);
CREATE TABLE finalisations (
    period TEXT NOT NULL,
    scope TEXT NOT NULL,
    manifest_hash TEXT NOT NULL,
    finalised_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    PRIMARY KEY (period, scope)
);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ({", ".join(f"'{a}'" for a in ACTIONS)})),
    what TEXT NOT NULL,
    period TEXT,
    scope TEXT,
    subject_id TEXT,
    ruleset_id TEXT,
    publication_id INTEGER REFERENCES publications(publication_id),
    objection_id TEXT REFERENCES objections(objection_id),
    before_hash TEXT,
    after_hash TEXT,
    note TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    event_hash TEXT NOT NULL
);
CREATE INDEX events_subject ON events (subject_id);
CREATE INDEX events_objection ON events (objection_id);
CREATE TABLE checkpoints (
    checkpoint_id INTEGER PRIMARY KEY,
    ledger_id TEXT NOT NULL,
    tree_size INTEGER NOT NULL CHECK (tree_size >= 0),
    root_hash TEXT NOT NULL CHECK (length(root_hash) = 64),
    head_hash TEXT NOT NULL CHECK (length(head_hash) = 64),
    timestamp TEXT NOT NULL,
    reason TEXT NOT NULL,
    public_key TEXT,
    signature TEXT,
    CHECK ((public_key IS NULL) = (signature IS NULL))
);
CREATE VIEW current_publications AS
    SELECT p.* FROM publications p
    WHERE NOT EXISTS (SELECT 1 FROM publications s WHERE s.supersedes = p.publication_id);
CREATE VIEW objection_status AS
    SELECT o.objection_id, o.publication_id, o.rowid AS filed_order,
           CASE (SELECT e.action FROM events e WHERE e.objection_id = o.objection_id ORDER BY e.seq DESC LIMIT 1)
               WHEN 'objection_filed' THEN 'pending'
               WHEN 'investigation_recorded' THEN 'investigating'
               WHEN 'objection_upheld' THEN 'upheld'
               ELSE 'rejected'
           END AS status
    FROM objections o;
"""


def append_only_triggers() -> str:
    # One set per table: UPDATE and DELETE always abort; an INSERT aborts when it would collide with an existing
    # row, because INSERT OR REPLACE resolves the collision by deleting the old row without firing delete
    # triggers (unless recursive_triggers is on, which another connection need not set).
    out = []
    for table in TABLES:
        key = KEYS[table].split(", ")
        same = " AND ".join(f"t.{k} = NEW.{k}" for k in key)
        out.append(f"""
CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, 'ledger table {table} is append-only: UPDATE is not allowed'); END;
CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, 'ledger table {table} is append-only: DELETE is not allowed'); END;
CREATE TRIGGER {table}_no_overwrite BEFORE INSERT ON {table}
WHEN EXISTS (SELECT 1 FROM {table} t WHERE {same})
BEGIN SELECT RAISE(ABORT, 'ledger table {table} is append-only: a row with this key exists'); END;
""")
    # A publication is superseded at most once, so each score has one current publication.
    out.append("""
CREATE TRIGGER publications_superseded_once BEFORE INSERT ON publications
WHEN NEW.supersedes IS NOT NULL AND EXISTS (SELECT 1 FROM publications t WHERE t.supersedes = NEW.supersedes)
BEGIN SELECT RAISE(ABORT, 'publication already superseded'); END;
""")
    return "".join(out)


def statements() -> list[str]:
    """The statements that create an empty ledger, one by one (not executescript, which would COMMIT first)."""
    return split_sql(SCHEMA + append_only_triggers())


@cache
def expected_objects() -> dict[tuple[str, str], str]:
    """What ``sqlite_master`` of a ledger holds: (type, name) -> SQL, as SQLite stores it for this schema."""
    conn = sqlite3.connect(":memory:")
    try:
        for statement in statements():
            conn.execute(statement)
        return {(t, n): s or "" for t, n, s in conn.execute("SELECT type, name, sql FROM sqlite_master")}
    finally:
        conn.close()


def split_sql(script: str) -> list[str]:
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    return out
