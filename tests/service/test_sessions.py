"""Live sessions over real HTTP: open, add a record, withdraw an incident, read the breakdown; each answer equals a
fresh evaluation of the session's facts and is a decision in the log; owned, bounded and expired."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from serving import make_served, running

from partyrules.cycle.scoring import choose_ruleset
from partyrules.evaluate import Evaluator
from partyrules.facts import parse_subject_facts
from partyrules.results import ScoreBreakdown

PERIOD = "2026"


def fresh(served, facts):
    return Evaluator(choose_ruleset(facts, served.config.rulesets, PERIOD)).evaluate(facts, PERIOD).to_json()


def member(sample, sid="M000011"):
    return next(m for m in sample.members if m.subject_id == sid)


def without_months(facts, *months):
    return facts.model_copy(update={"records": tuple(r for r in facts.records if r.month not in months)})


def opened(c, facts):
    r = c.post("/sessions", json={"facts": facts.model_dump(mode="json"), "period": PERIOD})
    assert r.status_code == 200, r.text
    return r.json()


def check_logged(served, answer, facts):
    """The answer's breakdown is a fresh evaluation of ``facts`` and is logged with them, as /score logs."""
    assert ScoreBreakdown.model_validate(answer["breakdown"]).to_json() == fresh(served, facts)
    (row,) = served.log.query(after_id=answer["decision_id"] - 1, limit=1)
    assert row.id == answer["decision_id"] and row.breakdown_json == fresh(served, facts)
    assert parse_subject_facts(json.loads(row.input_json)) == facts and row.period == PERIOD
    rs = choose_ruleset(facts, served.config.rulesets, PERIOD)
    assert (row.subject_id, row.ruleset_id, row.ruleset_hash) == (facts.subject_id, rs.id, rs.content_hash)


def test_open_add_a_record_withdraw_an_incident_and_read_each_breakdown(served, sample):
    full = member(sample)
    start = without_months(full, "2026-11", "2026-12")
    with served.client("score") as c:
        first = opened(c, start)
        sid = first["session_id"]
        assert (first["subject_id"], first["period"]) == (full.subject_id, PERIOD)
        check_logged(served, first, start)
        nov = next(r for r in full.records if r.month == "2026-11")
        added = c.post(f"/sessions/{sid}/records", json={"record": nov.model_dump(mode="json")})
        assert added.status_code == 200, added.text
        check_logged(served, added.json(), without_months(full, "2026-12"))
        gone = c.delete(f"/sessions/{sid}/incidents/I-M000011-01")
        assert gone.status_code == 200, gone.text
        now = without_months(full, "2026-12").model_copy(
            update={"incidents": tuple(i for i in full.incidents if i.incident_id != "I-M000011-01")})
        check_logged(served, gone.json(), now)
        again = c.get(f"/sessions/{sid}")
        check_logged(served, again.json(), now)
        assert again.json()["decision_id"] > gone.json()["decision_id"]
        assert c.delete(f"/sessions/{sid}").status_code == 204
        assert c.get(f"/sessions/{sid}").status_code == 404


def test_a_branch_session_takes_branch_records(served, sample):
    branch = sample.branches[0]
    start = without_months(branch, "2026-12")
    with served.client("score") as c:
        sid = opened(c, start)["session_id"]
        dec = next(r for r in branch.records if r.month == "2026-12")
        r = c.post(f"/sessions/{sid}/records", json={"record": dec.model_dump(mode="json")})
        c.delete(f"/sessions/{sid}")
    assert r.status_code == 200, r.text
    check_logged(served, r.json(), branch)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.one_of(st.tuples(st.just("record"), st.integers(0, 11)),
                                st.tuples(st.just("retract"), st.integers(0, 1))), min_size=1, max_size=4))
def test_any_sequence_of_changes_answers_a_fresh_evaluation_of_the_facts_so_far(served, sample, steps):
    full = member(sample)
    facts = without_months(full, *(r.month for r in full.records[6:]))
    with served.client("score") as c:
        sid = opened(c, facts)["session_id"]
        for what, i in steps:
            if what == "record":
                record = full.records[i]
                r = c.post(f"/sessions/{sid}/records", json={"record": record.model_dump(mode="json")})
                kept = tuple(x for x in facts.records if x.month != record.month)
                facts = facts.model_copy(update={"records": (*kept, record)})
            else:
                incident = full.incidents[i].incident_id
                r = c.delete(f"/sessions/{sid}/incidents/{incident}")
                if all(x.incident_id != incident for x in facts.incidents):
                    assert r.status_code == 422 and incident in r.json()["detail"]["message"]
                    continue
                facts = facts.model_copy(update={"incidents": tuple(x for x in facts.incidents
                                                                    if x.incident_id != incident)})
            assert r.status_code == 200, r.text
            assert ScoreBreakdown.model_validate(r.json()["breakdown"]).to_json() == fresh(served, facts)
        c.delete(f"/sessions/{sid}")


def test_concurrent_changes_to_one_session_each_log_the_breakdown_of_the_facts_they_saw(served, sample):
    """Requests on one session are serialised: every logged breakdown is the evaluation of the facts logged with
    it, and the last state holds every record sent, however the requests interleave."""
    full = member(sample, "M000005")
    start = without_months(full, *(r.month for r in full.records[4:]))
    with served.client("score") as c:
        sid = opened(c, start)["session_id"]

    def send(record):
        with served.client("score") as c:
            return c.post(f"/sessions/{sid}/records", json={"record": record.model_dump(mode="json")})

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, full.records[4:]))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    rows = {r.id: r for r in served.log.query(subject=full.subject_id, limit=1000)}
    for a in answers:
        row = rows[a.json()["decision_id"]]
        assert row.breakdown_json == fresh(served, parse_subject_facts(json.loads(row.input_json)))
    with served.client("score") as c:
        final = c.get(f"/sessions/{sid}").json()
        c.delete(f"/sessions/{sid}")
    assert ScoreBreakdown.model_validate(final["breakdown"]).to_json() == fresh(served, full)


def test_sessions_of_different_subjects_changed_at_once_each_answer_their_own_subject(served, sample):
    """Sessions of different members share the engine's pooled handles (its C core has no locks): changed from many
    threads at once, each session still answers exactly the evaluation of its own member's facts."""
    people = [m for m in sample.members if len(m.records) >= 8][:6]
    with served.client("score") as c:
        sids = {m.subject_id: opened(c, without_months(m, *(r.month for r in m.records[4:])))["session_id"]
                for m in people}

    def send(job):
        m, record = job
        with served.client("score") as c:
            return m, c.post(f"/sessions/{sids[m.subject_id]}/records", json={"record": record.model_dump(mode="json")})

    jobs = [(m, r) for i in range(4, 8) for m in people for r in m.records[i:i + 1]]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, jobs))
    assert all(a.status_code == 200 for _, a in answers), [a.text for _, a in answers]
    for m, a in answers:
        body = a.json()
        assert body["subject_id"] == m.subject_id
        row = next(r for r in served.log.query(subject=m.subject_id, limit=1000) if r.id == body["decision_id"])
        assert row.breakdown_json == fresh(served, parse_subject_facts(json.loads(row.input_json)))
    with served.client("score") as c:
        for m in people:
            now = c.get(f"/sessions/{sids[m.subject_id]}").json()
            c.delete(f"/sessions/{sids[m.subject_id]}")
            assert ScoreBreakdown.model_validate(now["breakdown"]).to_json() == fresh(
                served, without_months(m, *(r.month for r in m.records[8:])))


def test_another_key_is_told_the_session_does_not_exist(served, sample):
    with served.client("score") as c:
        sid = opened(c, sample.members[0])["session_id"]
    with httpx.Client(base_url=served.url, headers={"X-API-Key": served.keys["score2"]}) as other:
        refused = [other.get(f"/sessions/{sid}"), other.delete(f"/sessions/{sid}"),
                   other.delete(f"/sessions/{sid}/incidents/I-M000001-01"),
                   other.post(f"/sessions/{sid}/records", json={"record": {}})]
    assert [r.status_code for r in refused] == [404] * 4
    assert refused[0].json()["detail"]["code"] == "PR134"
    with served.client("score") as c:
        assert c.get(f"/sessions/{sid}").status_code == 200  # still there for its owner
        c.delete(f"/sessions/{sid}")


@pytest.mark.parametrize(("method", "path"), [("post", "/sessions"), ("get", "/sessions/x"),
                                              ("delete", "/sessions/x"), ("post", "/sessions/x/records"),
                                              ("delete", "/sessions/x/incidents/I-1")])
def test_sessions_need_a_score_key(served, method, path):
    with served.client(None) as c:
        assert c.request(method, path, json={}).status_code == 401
    with served.client("read") as c:
        assert c.request(method, path, json={}).status_code == 403


def test_bad_input_is_a_422_naming_the_field(served, sample):
    facts = member(sample)
    other = sample.members[0].records[0].model_dump(mode="json")
    with served.client("score") as c:
        bad_facts = c.post("/sessions", json={"facts": {"member": {}}, "period": PERIOD})
        bad_period = c.post("/sessions", json={"facts": facts.model_dump(mode="json"), "period": "2026-13"})
        outside = c.post("/sessions", json={"facts": facts.model_dump(mode="json"), "period": "2019"})
        sid = opened(c, facts)["session_id"]
        record = facts.records[0].model_dump(mode="json")
        wrong_field = c.post(f"/sessions/{sid}/records", json={"record": {**record, "volunteer_hours": "lots"}})
        late = c.post(f"/sessions/{sid}/records", json={"record": {**record, "month": "2027-01"}})
        foreign = c.post(f"/sessions/{sid}/records", json={"record": other})
        no_record = c.post(f"/sessions/{sid}/records", json={})
        unknown = c.delete(f"/sessions/{sid}/incidents/I-none")
        long_id = c.get("/sessions/" + "x" * 65)
        community = opened(c, sample.communities[0])["session_id"]
        no_records = c.post(f"/sessions/{community}/records", json={"record": record})
        after = c.get(f"/sessions/{sid}")
        for s in (sid, community):
            c.delete(f"/sessions/{s}")
    assert bad_facts.status_code == 422 and bad_facts.json()["detail"][0]["loc"][:3] == ["body", "facts", "member"]
    assert bad_period.status_code == 422 and bad_period.json()["detail"][0]["loc"] == ["body", "period"]
    assert outside.status_code == 422 and outside.json()["detail"]["code"].startswith("PR03")
    assert wrong_field.status_code == 422
    assert wrong_field.json()["detail"][0]["loc"] == ["body", "record", "volunteer_hours"]
    assert late.status_code == 422 and "outside the session's period" in late.json()["detail"]["message"]
    assert foreign.status_code == 422 and foreign.json()["detail"]["code"] == "PR032"
    assert no_record.status_code == 422 and no_record.json()["detail"][0]["loc"] == ["body", "record"]
    assert unknown.status_code == 422 and "I-none" in unknown.json()["detail"]["message"]
    assert long_id.status_code == 422 and long_id.json()["detail"][0]["loc"] == ["path", "sid"]
    assert no_records.status_code == 422 and no_records.json()["detail"][0]["loc"] == ["body", "record"]
    # a refused change leaves the session as it was
    assert ScoreBreakdown.model_validate(after.json()["breakdown"]).to_json() == fresh(served, facts)


def test_sessions_are_bounded_per_key_and_per_service_and_expire_when_idle(tmp_path, sample):
    config, keys = make_served(tmp_path, max_sessions=3, max_sessions_per_key=2, session_idle_seconds=3.0)
    body = {"facts": sample.members[1].model_dump(mode="json"), "period": PERIOD}
    try:
        with running(config) as url, httpx.Client(base_url=url, timeout=60) as c:
            mine = {"X-API-Key": keys["score"]}
            theirs = {"X-API-Key": keys["score2"]}
            first = [c.post("/sessions", json=body, headers=mine) for _ in range(2)]
            over_key = c.post("/sessions", json=body, headers=mine)
            third = c.post("/sessions", json=body, headers=theirs)
            over_service = c.post("/sessions", json=body, headers=theirs)
            assert [r.status_code for r in first] == [200, 200] and third.status_code == 200
            assert over_key.status_code == 429 and over_key.json()["detail"]["code"] == "PR133"
            assert "this key" in over_key.json()["detail"]["message"]
            assert over_service.status_code == 429 and "the service" in over_service.json()["detail"]["message"]
            assert first[0].json()["idle_seconds"] == 3.0
            time.sleep(1.8)
            kept = c.get(f"/sessions/{first[0].json()['session_id']}", headers=mine)  # a call keeps it alive
            time.sleep(1.8)
            assert kept.status_code == 200
            assert c.get(f"/sessions/{first[0].json()['session_id']}", headers=mine).status_code == 200
            gone = c.get(f"/sessions/{first[1].json()['session_id']}", headers=mine)
            assert gone.status_code == 404 and gone.json()["detail"]["code"] == "PR134"
            assert c.post("/sessions", json=body, headers=theirs).status_code == 200  # the slots were freed
    finally:
        config.log.close()
