"""The ledger as a store: durable across restarts and kills, append-only in the database, reproducible results,
serialised writers, a verifiable hash chain, and a typed error for each bad input."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from pathlib import Path

import pytest

import partyrules as pr
from partyrules.cycle.ledger import DEFAULT_SCOPE, SCHEMA_VERSION, Ledger, facts_hash
from partyrules.cycle.objections import (
    LedgerError,
    LedgerIntegrityError,
    LedgerNotFoundError,
    LedgerStateError,
    ReproductionError,
    retract_incident,
)
from partyrules.facts.records import Objection
from partyrules.synthetic import generate_subdistrict

Q1 = "2026-Q1"


@cache
def in_service() -> pr.RuleSet:
    return pr.load_ruleset(pr.shipped_ruleset_path("in_service"))


@cache
def evaluator() -> pr.Evaluator:
    return pr.Evaluator(in_service())


def quarter(facts: pr.MemberFacts, period: str = Q1) -> pr.MemberFacts:
    """The member's facts with only the quarter's monthly records (validated, as the ledger requires)."""
    p = pr.Period.parse(period)
    data = json.loads(facts.model_dump_json())
    data["records"] = [r for r in data["records"] if str(p.start) <= r["month"] <= str(p.end)]
    data["annual"] = None
    return pr.MemberFacts.model_validate(data)


@cache
def pool() -> tuple[tuple[pr.MemberFacts, str], ...]:
    """In-service members of the demo sub-district with a verified Q1 incident whose withdrawal changes the score:
    (their Q1 facts, that incident's id)."""
    out = []
    for member in generate_subdistrict(seed=2026).members_in("in_service"):
        facts = quarter(member)
        for incident in facts.incidents:
            if incident.verified and pr.Period.parse(Q1).contains_date(incident.occurred_on):
                before = evaluator().evaluate(facts, Q1).total
                after = evaluator().evaluate(retract_incident(facts, incident.incident_id), Q1).total
                if before != after:
                    out.append((facts, incident.incident_id))
                    break
        if len(out) == 4:
            return tuple(out)
    raise AssertionError("the demo sub-district has too few members with a Q1 deduction")


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def objection(oid: str, facts: pr.MemberFacts, incident_id: str) -> Objection:
    return Objection(objection_id=oid, raised_by=facts.subject_id, raised_on="2026-04-03", target="incident",
                     target_ref=incident_id, reason="the incident was someone else's")


class Clock:
    """A clock that advances one minute per reading, from 2026-04-05 08:00 UTC."""

    def __init__(self) -> None:
        self.now = datetime(2026, 4, 5, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def publish(ledger: Ledger, facts: pr.MemberFacts) -> pr.ScoreBreakdown:
    b = evaluator().evaluate(facts, Q1)
    ledger.publish(b, facts, actor="community-C01")
    return b


# ----------------------------------------------------------------------------------------------------------------
# the database


def test_a_file_ledger_uses_wal_foreign_keys_and_records_its_schema_version(tmp_path: Path):
    path = tmp_path / "l.db"
    with Ledger(path) as ledger:
        assert ledger._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert ledger._conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    raw = sqlite3.connect(path)
    assert raw.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    raw.close()
    Ledger(path).close()  # opening again keeps the schema
    raw = sqlite3.connect(path)
    assert raw.execute("SELECT count(*) FROM schema_version").fetchone()[0] == 1
    raw.close()


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    """A ledger file with a publication, an objection, an investigation, an upheld correction and a finalisation."""
    path = tmp_path / "filled.db"
    facts, incident = pool()[0]
    with Ledger(path, clock=Clock()) as ledger:
        publish(ledger, facts)
        ledger.file_objection(1, objection("OB1", facts, incident), actor=facts.subject_id)
        ledger.record_investigation("OB1", actor="inspector", findings="visited")
        ledger.uphold("OB1", retract_incident(facts, incident), evaluator(), actor="panel", note="upheld")
        ledger.finalise(Q1, actor="subdistrict")
    return path


RAW_CHANGES = {
    "publications": ["UPDATE publications SET total = 100", "DELETE FROM publications WHERE publication_id = 2",
                     "INSERT OR REPLACE INTO publications SELECT * FROM publications WHERE publication_id = 1"],
    "objections": ["UPDATE objections SET actor = 'x'", "DELETE FROM objections",
                   "INSERT OR REPLACE INTO objections SELECT * FROM objections"],
    "events": ["UPDATE events SET actor = 'x' WHERE seq = 1", "DELETE FROM events WHERE seq = 5",
               "INSERT OR REPLACE INTO events SELECT * FROM events WHERE seq = 1"],
    "finalisations": ["UPDATE finalisations SET actor = 'x'", "DELETE FROM finalisations",
                      "INSERT OR REPLACE INTO finalisations SELECT * FROM finalisations"],
    "schema_version": ["UPDATE schema_version SET version = 2", "DELETE FROM schema_version",
                       "INSERT OR REPLACE INTO schema_version SELECT * FROM schema_version"],
}


@pytest.mark.parametrize(("table", "statement"), [(t, s) for t, ss in RAW_CHANGES.items() for s in ss])
def test_a_raw_update_delete_or_overwrite_is_refused_by_the_database(filled: Path, table: str, statement: str):
    raw = sqlite3.connect(filled)  # a plain connection: no pragmas, no library code
    before = raw.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
    with pytest.raises(sqlite3.DatabaseError, match=f"ledger table {table} is append-only"):
        raw.execute(statement)
    raw.commit()
    assert raw.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() == before
    raw.close()
    with Ledger(filled) as ledger:
        ledger.verify()


def test_verify_detects_a_change_made_after_dropping_the_triggers(filled: Path):
    raw = sqlite3.connect(filled)
    raw.execute("DROP TRIGGER publications_no_update")
    raw.execute("UPDATE publications SET breakdown_json = replace(breakdown_json, '\"total\":', '\"total\": ') "
                "WHERE publication_id = 1")
    raw.execute("DROP TRIGGER events_no_update")
    raw.execute("UPDATE events SET actor = 'someone else' WHERE seq = 2")
    raw.commit()
    raw.close()
    with Ledger(filled) as ledger, pytest.raises(LedgerIntegrityError) as err:
        ledger.verify()
    text = str(err.value)
    assert "publication 1: breakdown does not match its hash" in text
    assert "event 2 (objection_filed): its hash does not chain" in text


def test_verify_detects_a_removed_event(filled: Path):
    raw = sqlite3.connect(filled)
    raw.execute("DROP TRIGGER events_no_delete")
    raw.execute("DELETE FROM events WHERE seq = 3")
    raw.commit()
    raw.close()
    with Ledger(filled) as ledger, pytest.raises(LedgerIntegrityError, match="an event is missing"):
        ledger.verify()


def test_a_foreign_sqlite_file_or_a_newer_schema_is_refused(tmp_path: Path, filled: Path):
    other = tmp_path / "other.db"
    raw = sqlite3.connect(other)
    raw.execute("CREATE TABLE things (x)")
    raw.close()
    with pytest.raises(LedgerIntegrityError, match="not a partyrules ledger") as err:
        Ledger(other)
    assert "things" in str(err.value)
    raw = sqlite3.connect(filled)
    raw.execute("INSERT INTO schema_version VALUES (?, '2030-01-01T00:00:00Z', '9.0')", (SCHEMA_VERSION + 1,))
    raw.commit()
    raw.close()
    with pytest.raises(LedgerIntegrityError, match=f"schema version {SCHEMA_VERSION + 1}") as err:
        Ledger(filled)
    assert err.value.hint == "upgrade partyrules"


# ----------------------------------------------------------------------------------------------------------------
# restarts, kills and concurrent processes

CHILD = r"""
import json, sys
import partyrules as pr
from partyrules.cycle.ledger import Ledger
from partyrules.cycle.objections import retract_incident
from partyrules.facts.records import Objection

db, data, mode, tag = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
subjects = [(pr.parse_subject_facts(s["facts"]), s["incident"]) for s in json.loads(open(data).read())]
ev = pr.Evaluator(pr.load_ruleset(pr.shipped_ruleset_path("in_service")))

def step(text):
    print(text, flush=True)

with Ledger(db) as ledger:
    if mode != "cycle":  # "publish": this writer publishes its subjects first
        for facts, _ in subjects:
            ledger.publish(ev.evaluate(facts, "2026-Q1"), facts, actor=f"writer-{tag}")
            step("published")
    rounds = int(mode.split(":")[1]) if ":" in mode else 10**9
    for n in range(rounds):
        for facts, incident in subjects:
            oid = f"{tag}-{n}-{facts.subject_id}"
            current = ledger.current(facts.subject_id, "2026-Q1")
            ledger.file_objection(current.publication_id, Objection(
                objection_id=oid, raised_by=facts.subject_id, raised_on="2026-04-02", target="incident",
                target_ref=incident, reason="not mine"), actor=facts.subject_id)
            step("filed")
            ledger.record_investigation(oid, actor=f"inspector-{tag}", findings="visited")
            step("investigated")
            ledger.uphold(oid, retract_incident(current.facts, incident), ev, actor=f"panel-{tag}", note="upheld")
            step("upheld")
            ledger.reverse(oid, actor=f"review-{tag}", note="reversed")
            step("reversed")
step("done")
"""


def write_subjects(path: Path, subjects: tuple[tuple[pr.MemberFacts, str], ...]) -> Path:
    path.write_text(json.dumps([{"facts": json.loads(f.model_dump_json()), "incident": i} for f, i in subjects]),
                    encoding="utf-8")
    return path


def child(db: Path, data: Path, mode: str, tag: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", CHILD, str(db), str(data), mode, tag],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_the_audit_trail_survives_a_restart(tmp_path: Path):
    db = tmp_path / "restart.db"
    subjects = pool()[:2]
    proc = child(db, write_subjects(tmp_path / "s.json", subjects), "publish:1", "A")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert out.split() == ["published"] * 2 + ["filed", "investigated", "upheld", "reversed"] * 2 + ["done"]

    with Ledger(db) as ledger:  # this process never wrote to the file
        trail = ledger.audit_trail()
        assert [e.action for e in trail] == ["published"] * 2 + [
            "objection_filed", "investigation_recorded", "objection_upheld", "uphold_reversed"] * 2
        assert {e.actor for e in trail} >= {"writer-A", "inspector-A", "panel-A", "review-A"}
        ledger.verify()
        for facts, incident in subjects:
            original = evaluator().evaluate(facts, Q1)
            corrected = evaluator().evaluate(retract_incident(facts, incident), Q1)
            hashes = [(e.before_hash, e.after_hash) for e in ledger.history(facts.subject_id)]
            h0, h1 = sha(original.to_json()), sha(corrected.to_json())
            assert hashes == [(None, h0), (h0, h0), (h0, h0), (h0, h1), (h1, h0)]
            current = ledger.current(facts.subject_id, Q1)
            assert current.breakdown == original and current.facts == facts
            assert current.cause == "reversed"


def test_writers_killed_mid_way_leave_a_consistent_ledger_that_later_writers_continue(tmp_path: Path):
    db = tmp_path / "killed.db"
    committed = 0
    # Three writers in turn on the same file, each killed at some point of its loop; the later ones work on other
    # subjects, so they start from whatever the killed ones left.
    for tag, part, lines in (("K1", pool()[:2], 25), ("K2", pool()[2:3], 13), ("K3", pool()[3:4], 7)):
        proc = child(db, write_subjects(tmp_path / f"{tag}.json", part), "publish", tag)
        assert proc.stdout is not None
        for _ in range(lines):  # every line is printed after its step committed
            assert proc.stdout.readline(), proc.stderr.read() if proc.stderr else "the writer stopped"
        committed += lines
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL

    with Ledger(db) as ledger:
        report = ledger.verify()
        trail = ledger.audit_trail()
        assert len(trail) >= committed
        pubs = ledger.publications()
        objections = ledger.objections()
        for facts, _ in pool():  # each subject's steps are whole workflow steps, in order
            steps = [e.action for e in ledger.history(facts.subject_id)]
            cycle = ["objection_filed", "investigation_recorded", "objection_upheld", "uphold_reversed"]
            assert steps[0] == "published" and steps[1:] == (cycle * len(steps))[: len(steps) - 1]
    actions = [e.action for e in trail]
    # Each step's rows are all there or not at all: a publishing event per publication, a filing per objection.
    assert report.publications == len(pubs) == sum(a in {"published", "objection_upheld", "uphold_reversed"}
                                                   for a in actions)
    assert len(objections) == actions.count("objection_filed")
    assert [p.publication_id for p in pubs] == list(range(1, len(pubs) + 1))
    for p in pubs:
        assert sha(p.breakdown_json) == p.breakdown_hash and p.facts_hash == facts_hash(p.facts)


def test_two_processes_writing_the_same_file_never_interleave_a_step(tmp_path: Path):
    db = tmp_path / "shared.db"
    subjects = pool()
    Ledger(db).close()  # both writers find the schema in place
    procs = [child(db, write_subjects(tmp_path / f"{tag}.json", part), "publish:2", tag)
             for tag, part in (("A", subjects[:2]), ("B", subjects[2:4]))]
    for proc in procs:
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
    with Ledger(db) as ledger:
        ledger.verify()
        trail = ledger.audit_trail()
        assert len(trail) == 2 * (2 + 2 * 2 * 4)
        for facts, _ in subjects:  # each subject's steps are in order, and its score is the original again
            steps = [e.action for e in ledger.history(facts.subject_id)]
            assert steps == ["published"] + ["objection_filed", "investigation_recorded", "objection_upheld",
                                              "uphold_reversed"] * 2
            assert ledger.current(facts.subject_id, Q1).breakdown_hash == sha(evaluator().evaluate(facts, Q1).to_json())


def test_threads_sharing_one_ledger_are_serialised(tmp_path: Path):
    subjects = pool()
    errors: list[BaseException] = []
    with Ledger(tmp_path / "threads.db") as ledger:
        def work(facts: pr.MemberFacts, incident: str) -> None:
            try:
                b = evaluator().evaluate(facts, Q1)
                pub = ledger.publish(b, facts, actor="t")
                ledger.file_objection(pub.publication_id, objection(f"O-{facts.subject_id}", facts, incident),
                                      actor="t")
                ledger.record_investigation(f"O-{facts.subject_id}", actor="t", findings="f")
                ledger.reject(f"O-{facts.subject_id}", actor="t", note="n")
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)

        threads = [threading.Thread(target=work, args=s) for s in subjects]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert ledger.verify().events == 4 * len(subjects)


# ----------------------------------------------------------------------------------------------------------------
# publishing and reproducing


def test_a_publication_stores_facts_rule_set_and_breakdown_so_it_can_be_reproduced():
    facts, _ = pool()[0]
    rs = in_service().with_params(other_volunteer_hours=40)
    b = pr.Evaluator(rs).evaluate(facts, Q1)
    with Ledger(":memory:") as ledger:
        pub = ledger.publish(b, facts, actor="community-C01", evaluator=rs)
        assert (pub.ruleset_id, pub.ruleset_version, pub.ruleset_hash) == (rs.id, rs.version, rs.content_hash)
        assert pub.params == json.loads(json.dumps(dict(rs.params)))
        assert pub.params["other_volunteer_hours"] == 40
        assert pub.breakdown_hash == sha(b.to_json()) and pub.breakdown == b
        assert pub.facts == facts and pub.facts_hash == sha(pub.facts_json)
        assert pub.status == "published" and pub.cause == "published" and pub.supersedes is None
        assert (pub.subject_id, pub.period, pub.scope) == (facts.subject_id, Q1, DEFAULT_SCOPE)

        assert ledger.reproduce(pub.publication_id, rs) == b
        # the rule set as shipped: the recorded parameters are applied, and the result is the same
        assert ledger.reproduce(pub.publication_id, in_service()) == b
        with pytest.raises(ReproductionError, match="not with member-retired") as err:
            ledger.reproduce(pub.publication_id, pr.load_ruleset(pr.shipped_ruleset_path("retired")))
        assert "other_volunteer_hours" in (err.value.hint or "")


def test_reproduce_reports_a_result_the_facts_no_longer_give():
    facts, incident = pool()[0]
    b = evaluator().evaluate(facts, Q1)
    with Ledger(":memory:") as ledger:
        ledger.publish(b, facts, actor="c")
        # A row the ledger would never write: other facts under the first publication's breakdown hash.
        row = ledger._conn.execute("SELECT * FROM publications WHERE publication_id = 1").fetchone()
        cols = [c[1] for c in ledger._conn.execute("PRAGMA table_info(publications)")]
        data = dict(zip(cols, row, strict=True))
        data.update(publication_id=2, facts_json=retract_incident(facts, incident).model_dump_json(),
                    supersedes=1, cause="republished")
        ledger._conn.execute(f"INSERT INTO publications ({', '.join(data)}) VALUES ({', '.join('?' * len(data))})",
                             list(data.values()))
        with pytest.raises(ReproductionError, match="publication 2 does not reproduce"):
            ledger.reproduce(2, in_service())


def test_publishing_the_same_result_again_records_nothing_and_a_new_one_needs_replace():
    facts, incident = pool()[0]
    b = evaluator().evaluate(facts, Q1)
    later = retract_incident(facts, incident)
    with Ledger(":memory:", clock=Clock()) as ledger:
        first = ledger.publish(b, facts, actor="c")
        again = ledger.publish(b, facts, actor="c")
        assert again.publication_id == first.publication_id and len(ledger.audit_trail()) == 1
        with pytest.raises(LedgerStateError, match="already published") as err:
            ledger.publish(evaluator().evaluate(later, Q1), later, actor="c")
        assert "replace=True" in (err.value.hint or "")
        second = ledger.publish(evaluator().evaluate(later, Q1), later, actor="c", replace=True, note="late records")
        assert (second.cause, second.supersedes) == ("republished", first.publication_id)
        assert ledger.publication(first.publication_id).status == "superseded"
        last = ledger.audit_trail()[-1]
        assert (last.before_hash, last.after_hash) == (first.breakdown_hash, second.breakdown_hash)
        assert last.note == "late records"


def test_publish_many_is_all_or_nothing():
    (a, _), (b, _) = pool()[:2]
    good = (evaluator().evaluate(a, Q1), a)
    wrong = (evaluator().evaluate(b, Q1), a)  # b's breakdown with a's facts
    with Ledger(":memory:") as ledger:
        with pytest.raises(LedgerError, match=f"the facts are about member {a.subject_id}"):
            ledger.publish_many([good, wrong], actor="c")
        assert ledger.publications() == [] and ledger.audit_trail() == []
        pubs = ledger.publish_many([good, (evaluator().evaluate(b, Q1), b)], actor="c")
        assert [p.subject_id for p in pubs] == [a.subject_id, b.subject_id]


def test_publish_refuses_a_breakdown_its_facts_do_not_give():
    facts, incident = pool()[0]
    b = evaluator().evaluate(facts, Q1)
    with Ledger(":memory:") as ledger, pytest.raises(ReproductionError, match="is not what its facts give"):
        ledger.publish(b, retract_incident(facts, incident), actor="c", evaluator=evaluator())


def test_times_come_from_the_injected_clock_and_are_stored_in_utc(tmp_path: Path):
    facts, _ = pool()[0]
    beijing = timezone(timedelta(hours=8))
    with Ledger(tmp_path / "t.db", clock=lambda: datetime(2026, 4, 1, 9, 30, tzinfo=beijing)) as ledger:
        pub = ledger.publish(evaluator().evaluate(facts, Q1), facts, actor="c")
        assert pub.published_at == datetime(2026, 4, 1, 1, 30, tzinfo=UTC)
        explicit = datetime(2026, 4, 2, 10, 0, 0, 123456, tzinfo=UTC)
        ledger.file_objection(1, objection("OB", facts, facts.incidents[0].incident_id), actor="m", at=explicit)
        assert ledger.objection("OB").filed_at == explicit
        with pytest.raises(LedgerError, match="timezone-aware"):
            ledger.record_investigation("OB", actor="i", findings="f", at=datetime(2026, 4, 3, 8, 0))
    raw = sqlite3.connect(tmp_path / "t.db")
    assert [r[0] for r in raw.execute("SELECT at FROM events ORDER BY seq")] == [
        "2026-04-01T01:30:00.000000Z", "2026-04-02T10:00:00.123456Z"]
    raw.close()


# ----------------------------------------------------------------------------------------------------------------
# reading


def test_current_history_and_filters():
    (a, _), (b, _) = pool()[:2]
    with Ledger(":memory:", clock=Clock()) as ledger:
        publish(ledger, a)
        publish(ledger, b)
        ledger.publish(evaluator().evaluate(a, Q1), a, actor="c", scope="C02")
        assert [p.scope for p in ledger.publications(subject_id=a.subject_id)] == [DEFAULT_SCOPE, "C02"]
        assert len(ledger.publications(period="2026-Q1")) == 3 and ledger.publications(period="2026-Q2") == []
        with pytest.raises(LedgerError, match=f"{a.subject_id} has 2 current scores in 2026-Q1") as err:
            ledger.current(a.subject_id, Q1)
        assert err.value.hint == "pass ruleset_id= and/or scope="
        assert ledger.current(a.subject_id, pr.Period.parse(Q1), scope="C02").publication_id == 3
        assert [e.subject_id for e in ledger.history(b.subject_id)] == [b.subject_id]
        with pytest.raises(LedgerNotFoundError, match="no published score for M-NOBODY in 2026-Q1"):
            ledger.current("M-NOBODY", Q1)
        assert [e.seq for e in ledger.audit_trail(since=1)] == [2, 3]


@pytest.mark.parametrize("bad", [0, 99, "1", True])
def test_an_unknown_or_malformed_publication_id_is_a_typed_error(bad: object):
    facts, incident = pool()[0]
    with Ledger(":memory:") as ledger:
        publish(ledger, facts)
        with pytest.raises(LedgerError) as err:
            ledger.file_objection(bad, objection("OB", facts, incident), actor="m")  # type: ignore[arg-type]
        expected = LedgerNotFoundError if isinstance(bad, int) and not isinstance(bad, bool) else LedgerError
        assert type(err.value) is expected
        with pytest.raises(LedgerNotFoundError, match="no objection 'OB'"):
            ledger.objection("OB")


def test_the_trail_records_who_and_what_for_every_step_and_a_blank_actor_is_refused():
    facts, _ = pool()[0]
    with Ledger(":memory:") as ledger:
        for actor in ("", "   ", None):
            with pytest.raises(LedgerError, match="actor must be a non-empty string"):
                ledger.publish(evaluator().evaluate(facts, Q1), facts, actor=actor)  # type: ignore[arg-type]
        with pytest.raises(LedgerError, match="expected a ScoreBreakdown"):
            ledger.publish(facts, facts, actor="c")  # type: ignore[arg-type]
        with pytest.raises(LedgerNotFoundError, match="nothing is published for 2026-Q1 in scope 'all'"):
            ledger.finalise(Q1, actor="s")


def test_a_writer_blocked_beyond_its_timeout_gets_a_typed_error_and_writes_nothing(tmp_path: Path):
    facts, _ = pool()[0]
    path = tmp_path / "locked.db"
    Ledger(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's write transaction, held open
    try:
        with Ledger(path, timeout=0.05) as ledger:  # opening and reading need no write lock
            assert ledger.publications() == []
            with pytest.raises(LedgerError, match="cannot write to the ledger") as err:
                ledger.publish(evaluator().evaluate(facts, Q1), facts, actor="c")
        assert "timeout=" in (err.value.hint or "")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with Ledger(path) as ledger:
        assert ledger.audit_trail() == []
