"""公示 in the ledger, on real SQLite files: the objection period enforced (objections within it, refused after it
with the dates named, no finalisation before it ends or while an objection is open), version 2 ledgers still read,
written and verified, and tampering with the notice rows detected."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import partyrules as pr
from partyrules.cycle.ledger import Ledger, NoticePeriodError, notice_window
from partyrules.cycle.ledger.schema import NOTICE_TABLES, append_only_triggers, split_sql
from partyrules.errors import LedgerStateError, ObjectionsPendingError
from partyrules.facts.records import Objection
from partyrules.synthetic import generate_subdistrict

BJ = timezone(timedelta(hours=8))
Q1 = "2026-Q1"
V2 = Path(__file__).parent / "data" / "ledger-v2.db"  # written by partyrules before notices existed (schema 2)
ITEMS = [{"ref": "member_award/M1", "subject_id": "M1"}, {"ref": "member_award/M2", "subject_id": "M2"},
         {"ref": "reserve_cadre/M3", "subject_id": "M3"}]


def bj(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2027, 1, day, hour, minute, tzinfo=BJ)


@cache
def evaluator() -> pr.Evaluator:
    return pr.Evaluator(pr.load_ruleset(pr.shipped_ruleset_path("in_service")))


@cache
def q1_members(period: str = Q1) -> tuple[pr.MemberFacts, ...]:
    p = pr.Period.parse(period)
    out = []
    for m in generate_subdistrict(seed=2026).members_in("in_service")[:2]:
        data = json.loads(m.model_dump_json())
        data["records"] = [r for r in data["records"] if str(p.start) <= r["month"] <= str(p.end)]
        data["annual"] = None
        out.append(pr.MemberFacts.model_validate(data))
    return tuple(out)


def test_an_objection_is_accepted_on_the_last_day_and_refused_after_it_with_the_dates(tmp_path: Path):
    with Ledger(tmp_path / "cycle.db") as ledger:
        notice = ledger.open_notice("recommendations", "2026", ITEMS, actor="subdistrict", at=bj(5))
        assert (notice.opens_on, notice.closes_on, notice.days, notice.day_rule) == (
            date(2027, 1, 5), date(2027, 1, 9), 5, "calendar")
        late_evening = bj(9, 23, 59)  # still the 9th in Beijing (15:59 UTC)
        ok = ledger.file_notice_objection(notice.notice_id, "member_award/M1", objection_id="N1", raised_by="M7",
                                          reason="absent from meetings", actor="M7", at=late_evening)
        assert ok.is_open and ok.filed_on == date(2027, 1, 9)
        midnight = bj(10, 0, 0)  # the 10th in Beijing, though still the 9th in UTC
        assert midnight.astimezone(UTC).date() == date(2027, 1, 9)
        with pytest.raises(NoticePeriodError) as err:
            ledger.file_notice_objection(notice.notice_id, "member_award/M2", objection_id="N2", raised_by="M7",
                                         reason="late", actor="M7", at=midnight)
        assert (err.value.opens_on, err.value.closes_on) == (date(2027, 1, 5), date(2027, 1, 9))
        assert "2027-01-05" in str(err.value) and "2027-01-09" in str(err.value) and err.value.code == "PR075"
        with pytest.raises(NoticePeriodError):  # before the first day too
            ledger.file_notice_objection(notice.notice_id, "member_award/M2", objection_id="N3", raised_by="M7",
                                         reason="early", actor="M7", at=bj(4, 23))
        assert [o.objection_id for o in ledger.notice_objections(notice.notice_id)] == ["N1"]
        ledger.verify()


def test_a_notice_is_finalised_only_after_its_period_and_with_every_objection_decided(tmp_path: Path):
    path = tmp_path / "cycle.db"
    with Ledger(path) as ledger:
        n = ledger.open_notice("recommendations", "2026", ITEMS, actor="subdistrict", at=bj(5)).notice_id
        for oid, ref in (("N1", "member_award/M1"), ("N2", "reserve_cadre/M3")):
            ledger.file_notice_objection(n, ref, objection_id=oid, raised_by="M7", reason="r", actor="M7", at=bj(6))
        with pytest.raises(NoticePeriodError, match="objection period runs from 2027-01-05 to 2027-01-09"):
            ledger.finalise_notice(n, actor="subdistrict", at=bj(9, 23, 59))
        with pytest.raises(ObjectionsPendingError) as pending:
            ledger.finalise_notice(n, actor="subdistrict", at=bj(10))
        assert pending.value.pending == ("N1", "N2")
        ledger.decide_notice_objection("N1", "upheld", note="verified on a visit", actor="panel", at=bj(10))
        with pytest.raises(LedgerStateError, match="already decided"):
            ledger.decide_notice_objection("N1", "rejected", note="again", actor="panel", at=bj(10))
        ledger.decide_notice_objection("N2", "rejected", note="unfounded", actor="panel", at=bj(11))
        final = ledger.finalise_notice(n, actor="subdistrict", at=bj(11))
        assert final.standing == ("member_award/M2", "reserve_cadre/M3") and final.withdrawn == ("member_award/M1",)
        assert ledger.notice(n).finalised
        with pytest.raises(LedgerStateError, match="finalised"):
            ledger.file_notice_objection(n, "member_award/M2", objection_id="N9", raised_by="M7", reason="r",
                                         actor="M7", at=bj(11))
    with Ledger(path, read_only=True) as again:  # what was written is on the file
        assert again.verify().events == 6 and again.verify().notices == 1 and again.notice(n).finalised


def test_results_in_their_period_take_objections_until_its_end_and_finalise_only_after_it(tmp_path: Path):
    a, b = q1_members()
    with Ledger(tmp_path / "cycle.db") as ledger:
        pa = ledger.publish(evaluator().evaluate(a, Q1), a, actor="community", at=bj(2))
        ledger.publish(evaluator().evaluate(b, Q1), b, actor="community", at=bj(2))
        notice = ledger.open_notice("results", Q1, actor="subdistrict", at=bj(5), days=3)
        assert [i["ref"] for i in notice.items] == [f"{a.subject_id}/{Q1}/{pa.ruleset_id}",
                                                    f"{b.subject_id}/{Q1}/{pa.ruleset_id}"]
        objection = Objection(objection_id="OB1", raised_by=a.subject_id, raised_on="2027-01-07", target="score",
                              target_ref=pa.key.ref, reason="miscounted")
        ledger.file_objection(pa.publication_id, objection, actor=a.subject_id, at=bj(7))  # the last day
        late = objection.model_copy(update={"objection_id": "OB2", "raised_on": "2027-01-08"})
        with pytest.raises(NoticePeriodError, match="2027-01-05 to 2027-01-07"):
            ledger.file_objection(pa.publication_id, late, actor=a.subject_id, at=bj(8))
        with pytest.raises(NoticePeriodError, match="objection period"):
            ledger.finalise(Q1, actor="subdistrict", at=bj(7, 18))
        ledger.file_notice_objection(notice.notice_id, notice.items[1]["ref"], objection_id="N1", raised_by="M9",
                                     reason="r", actor="M9", at=bj(6))
        ledger.record_investigation("OB1", actor="inspector", findings="visited", at=bj(8))
        ledger.reject("OB1", actor="panel", note="stands", at=bj(8))
        with pytest.raises(ObjectionsPendingError, match="N1"):
            ledger.finalise(Q1, actor="subdistrict", at=bj(8))
        ledger.decide_notice_objection("N1", "rejected", note="unfounded", actor="panel", at=bj(8))
        assert len(ledger.finalise(Q1, actor="subdistrict", at=bj(8)).manifest) == 2
        ledger.finalise_notice(notice.notice_id, actor="subdistrict", at=bj(8))
        ledger.verify()


@given(start=st.dates(date(2020, 1, 1), date(2035, 12, 31)), days=st.integers(1, 30))
def test_the_period_has_its_days(start: date, days: int):
    first, last = notice_window(start, days, "calendar")
    assert first == start and (last - first).days == days - 1
    first, last = notice_window(start, days, "working")
    span = [first + timedelta(d) for d in range((last - first).days + 1)]
    assert first >= start and (first - start).days <= 2 and first.weekday() < 5 and last.weekday() < 5
    assert sum(d.weekday() < 5 for d in span) == days


def test_a_version_2_ledger_is_read_written_and_verified_as_it_is(tmp_path: Path):
    copy = tmp_path / "v2.db"
    shutil.copyfile(V2, copy)
    with Ledger(copy) as ledger:
        assert ledger.schema_version == 2 and ledger.notices() == []
        before = ledger.verify()
        assert before.publications == 2 and before.finalisations == 1
        with pytest.raises(LedgerStateError, match="schema version 2") as err:
            ledger.open_notice("recommendations", "2026", ITEMS, actor="subdistrict", at=bj(5))
        assert "new ledger" in str(err.value.hint)
        f = q1_members("2026-Q2")[0]
        q2 = pr.Period.parse("2026-Q2")
        ledger.publish(evaluator().evaluate(f, q2), f, actor="community", at=bj(5))
        ledger.checkpoint(at=bj(5))
        assert ledger.verify().publications == 3
    raw = sqlite3.connect(copy)
    assert raw.execute("SELECT version FROM schema_version").fetchall() == [(2,)]
    assert not raw.execute("SELECT 1 FROM sqlite_master WHERE name = 'notices'").fetchall()
    raw.close()


# -- tampering with the notice rows ---------------------------------------------------------------------------


@cache
def _built(root: str) -> Path:
    """A ledger with a finalised notice (an upheld and a rejected objection) and an open one (one objection)."""
    path = Path(root) / "notices.db"
    with Ledger(path) as ledger:
        n = ledger.open_notice("recommendations", "2026", ITEMS, actor="subdistrict", at=bj(5)).notice_id
        ledger.file_notice_objection(n, "member_award/M1", objection_id="N1", raised_by="M7", reason="a",
                                     actor="M7", at=bj(6))
        ledger.file_notice_objection(n, "member_award/M2", objection_id="N2", raised_by="M8", reason="b",
                                     actor="M8", at=bj(9, 20))
        ledger.decide_notice_objection("N1", "upheld", note="verified", actor="panel", at=bj(10))
        ledger.decide_notice_objection("N2", "rejected", note="unfounded", actor="panel", at=bj(10))
        ledger.finalise_notice(n, actor="subdistrict", at=bj(11))
        m = ledger.open_notice("recommendations", "2027", ITEMS[:1], actor="subdistrict", at=bj(20),
                               day_rule="working").notice_id
        ledger.file_notice_objection(m, "member_award/M1", objection_id="N3", raised_by="M7", reason="c",
                                     actor="M7", at=bj(21))
        assert ledger.verify().events == 8
    return path


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _built(str(tmp_path_factory.mktemp("notices")))


def _edit(base: Path, tmp_path: Path, *statements: str, params: tuple[object, ...] = ()) -> Path:
    copy = tmp_path / "copy.db"
    copy.unlink(missing_ok=True)
    shutil.copyfile(base, copy)
    raw = sqlite3.connect(copy)
    for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        raw.execute(f"DROP TRIGGER {name}")
    for s in statements:
        raw.execute(s, params) if params else raw.execute(s)
    for s in split_sql(append_only_triggers()):  # put them back, so that the schema looks untouched
        raw.execute(s)
    raw.commit()
    raw.close()
    return copy


def _problems(path: Path) -> list[str]:
    with Ledger(path, read_only=True) as ledger:
        return [f"{p.table} {p.key}: {p.message}" for p in ledger.audit().problems]


TAMPERS = {
    "an objection moved into the period (filed_on)": (
        "UPDATE notice_objections SET filed_on = '2027-01-08' WHERE objection_id = 'N2'", "notice_objections N2"),
    "the period made longer": ("UPDATE notices SET closes_on = '2027-01-20' WHERE notice_id = 1", "notices 1"),
    "a decision deleted": ("DELETE FROM notice_decisions WHERE objection_id = 'N1'", "notice_decisions N1"),
    "an upheld decision turned into a rejection": (
        "UPDATE notice_decisions SET outcome = 'rejected' WHERE objection_id = 'N1'", "notice_decisions N1"),
    "a withdrawn item put back": (
        "UPDATE notice_finalisations SET standing_json = '{\"standing\":[\"member_award/M1\"],\"withdrawn\":[]}'",
        "notice_finalisations 1"),
    "an objection added without its event": (
        "INSERT INTO notice_objections VALUES ('N9', 2, 'member_award/M1', 'M7', 'x', '2027-01-20', "
        "'2027-01-20T01:00:00.000000Z', 'M7')", "notice_objections N9"),
    "an open objection deleted": ("DELETE FROM notice_objections WHERE objection_id = 'N3'", "notice_objections N3"),
    "an item added to a notice": (
        "UPDATE notices SET items_json = replace(items_json, 'M3', 'M4') WHERE notice_id = 1", "notices 1"),
    "the notice's opening event removed": ("DELETE FROM events WHERE seq = 1", "events"),
    # verify once failed with a JSONDecodeError on this edit instead of reporting it
    "a notice's items made unreadable": ("UPDATE notices SET items_json = items_json || 'x' WHERE notice_id = 1",
                                         "notices 1"),
    "a zone offset of days": ("UPDATE notices SET utc_offset_minutes = 100000 WHERE notice_id = 1", "notices 1"),
}


@pytest.mark.parametrize("kind", sorted(TAMPERS))
def test_each_tamper_of_a_notice_row_is_detected(base: Path, tmp_path: Path, kind: str):
    statement, first = TAMPERS[kind]
    problems = _problems(_edit(base, tmp_path, statement))
    assert problems, f"undetected: {kind}"
    assert any(p.startswith(first) for p in problems), problems


def test_the_base_notice_ledger_verifies(base: Path):
    assert _problems(base) == []


def _cells(path: Path) -> list[tuple[str, int, str, object]]:
    raw = sqlite3.connect(path)
    out = []
    for table in NOTICE_TABLES:
        cur = raw.execute(f"SELECT rowid, * FROM {table}")
        names = [d[0] for d in cur.description][1:]
        for row in cur.fetchall():
            out.extend((table, row[0], c, v) for c, v in zip(names, row[1:], strict=True))
    cur = raw.execute("SELECT rowid, * FROM events WHERE action LIKE 'notice_%'")
    names = [d[0] for d in cur.description][1:]
    for row in cur.fetchall():
        out.extend(("events", row[0], c, v) for c, v in zip(names, row[1:], strict=True))
    raw.close()
    return out


def _changed(value: object, how: int) -> object:
    if value is None:
        return ["x", 0, "0" * 64][how % 3]
    if isinstance(value, int):
        return value + 1 + how
    text = str(value)
    if how % 3 == 0 or not text:
        return text + "x"
    pos = how % len(text)
    return text[:pos] + ("0" if text[pos] != "0" else "1") + text[pos + 1:]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_single_cell_edit_of_a_notice_row_or_its_event_is_detected(base: Path, tmp_path: Path,
                                                                       data: st.DataObject):
    table, rowid, column, value = data.draw(st.sampled_from(_cells(base)), label="cell")
    new = _changed(value, data.draw(st.integers(0, 1000), label="how"))
    try:
        copy = _edit(base, tmp_path, f"UPDATE {table} SET {column} = ? WHERE rowid = {rowid}", params=(new,))
    except sqlite3.IntegrityError:  # a CHECK or NOT NULL constraint refused the edit: nothing to detect
        return
    assert _problems(copy), f"undetected: {table}.{column} of row {rowid}: {value!r} -> {new!r}"
