"""The ledger's SQLite schema, its append-only triggers, and what verification compares the file's schema with.

Schema version 2 added the ``checkpoints`` table, the digest of each row inside the event that wrote it, and the
chain's start (the first event's ``prev_hash``) derived from the ``schema_version`` row, so that every row of every
table is covered by the hash chain.

Schema version 3 adds publication with an objection period (公示): the ``notices``, ``notice_objections``,
``notice_decisions`` and ``notice_finalisations`` tables and the four event actions that write them. A version 2
file is still opened, read, written (every step but a notice) and verified against the version 2 schema: SQLite
cannot change the events table's CHECK of actions in place, and rebuilding it would rewrite the rows the chain
covers, so the file keeps its version rather than being migrated (docs/audit.md).
"""

from __future__ import annotations

import sqlite3
from functools import cache

from ..objections import ObjectionAction

SCHEMA_VERSION = 3
READABLE_VERSIONS = (2, 3)
"""The schema versions this library opens: 2 (without notices) and 3."""

PUBLISHING = ("published", "republished", ObjectionAction.UPHELD.value, ObjectionAction.REVERSED.value)
"""The actions that write a publication."""
ACTIONS_V2 = (*PUBLISHING, *(a.value for a in ObjectionAction if a.value not in PUBLISHING), "period_finalised")
NOTICE_ACTIONS = ("notice_opened", "notice_objection_filed", "notice_objection_decided", "notice_finalised")
ACTIONS = (*ACTIONS_V2, *NOTICE_ACTIONS)

TABLES_V2 = ("schema_version", "publications", "objections", "finalisations", "events", "checkpoints")
NOTICE_TABLES = ("notices", "notice_objections", "notice_decisions", "notice_finalisations")
TABLES = (*TABLES_V2, *NOTICE_TABLES)
KEYS = {
    "schema_version": "version",
    "publications": "publication_id",
    "objections": "objection_id",
    "finalisations": "period, scope",
    "events": "seq",
    "checkpoints": "checkpoint_id",
    "notices": "notice_id",
    "notice_objections": "objection_id",
    "notice_decisions": "objection_id",
    "notice_finalisations": "notice_id",
}


def tables(version: int = SCHEMA_VERSION) -> tuple[str, ...]:
    """The tables of a ledger of this schema version."""
    return TABLES_V2 if version == 2 else TABLES


def _schema(actions: tuple[str, ...]) -> str:
    return f"""
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
    action TEXT NOT NULL CHECK (action IN ({", ".join(f"'{a}'" for a in actions)})),
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


SCHEMA = _schema(ACTIONS)
SCHEMA_V2 = _schema(ACTIONS_V2)

# 公示: a notice publishes a list (a period's results or the year's recommendations) for an objection period of
# whole days, from opens_on to closes_on inclusive, as dates in the time zone of the opening (utc_offset_minutes).
NOTICE_SCHEMA = """
CREATE TABLE notices (
    notice_id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('results', 'recommendations')),
    period TEXT NOT NULL,
    scope TEXT NOT NULL,
    title TEXT NOT NULL,
    items_json TEXT NOT NULL,
    items_hash TEXT NOT NULL CHECK (length(items_hash) = 64),
    days INTEGER NOT NULL CHECK (days >= 1),
    day_rule TEXT NOT NULL CHECK (day_rule IN ('calendar', 'working')),
    utc_offset_minutes INTEGER NOT NULL,
    opens_on TEXT NOT NULL,
    closes_on TEXT NOT NULL CHECK (closes_on >= opens_on),
    opened_at TEXT NOT NULL,
    actor TEXT NOT NULL
);
CREATE INDEX notices_period ON notices (period, scope, kind);
CREATE TABLE notice_objections (
    objection_id TEXT PRIMARY KEY,
    notice_id INTEGER NOT NULL REFERENCES notices(notice_id),
    item_ref TEXT NOT NULL,
    raised_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    filed_on TEXT NOT NULL,
    filed_at TEXT NOT NULL,
    actor TEXT NOT NULL
);
CREATE INDEX notice_objections_notice ON notice_objections (notice_id);
CREATE TABLE notice_decisions (
    objection_id TEXT PRIMARY KEY REFERENCES notice_objections(objection_id),
    outcome TEXT NOT NULL CHECK (outcome IN ('upheld', 'rejected')),
    note TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    actor TEXT NOT NULL
);
CREATE TABLE notice_finalisations (
    notice_id INTEGER PRIMARY KEY REFERENCES notices(notice_id),
    standing_json TEXT NOT NULL,
    standing_hash TEXT NOT NULL CHECK (length(standing_hash) = 64),
    finalised_at TEXT NOT NULL,
    actor TEXT NOT NULL
);
"""


def append_only_triggers(version: int = SCHEMA_VERSION) -> str:
    # One set per table: UPDATE and DELETE always abort; an INSERT aborts when it would collide with an existing
    # row, because INSERT OR REPLACE resolves the collision by deleting the old row without firing delete
    # triggers (unless recursive_triggers is on, which another connection need not set).
    out = []
    for table in tables(version):
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


def statements(version: int = SCHEMA_VERSION) -> list[str]:
    """The statements that create an empty ledger of a schema version, one by one (not executescript, which would
    COMMIT first). New ledgers are always of :data:`SCHEMA_VERSION`; version 2 is kept to verify older files."""
    if version == 2:
        return split_sql(SCHEMA_V2 + append_only_triggers(2))
    return split_sql(SCHEMA + NOTICE_SCHEMA + append_only_triggers(version))


@cache
def expected_objects(version: int = SCHEMA_VERSION) -> dict[tuple[str, str], str]:
    """What ``sqlite_master`` of a ledger holds: (type, name) -> SQL, as SQLite stores it for that schema version."""
    conn = sqlite3.connect(":memory:")
    try:
        for statement in statements(version):
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
