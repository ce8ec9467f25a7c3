"""The service's endpoints over real HTTP against a real uvicorn server (tests/service/conftest.py)."""

from __future__ import annotations

import json
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partyrules.cycle.scoring import choose_ruleset
from partyrules.evaluate import Evaluator
from partyrules.facts import parse_subject_facts
from partyrules.results import ScoreBreakdown

PERIOD = "2026"


def body(facts, period=PERIOD, **extra):
    return {"facts": facts.model_dump(mode="json"), "period": period, **extra}


def subjects(sample):
    return [*sample.members, *sample.branches, *sample.communities]


def test_rulesets_lists_every_rule_set_in_force_with_version_hash_and_dates(served):
    with served.client("read") as c:
        r = c.get("/rulesets")
    assert r.status_code == 200
    got = {x["id"]: x for x in r.json()}
    assert set(got) == {rs.id for rs in served.config.rulesets}
    for rs in served.config.rulesets:
        x = got[rs.id]
        assert (x["version"], x["content_hash"], x["subject_kind"]) == (rs.version, rs.content_hash, rs.subject_kind)
        eff = rs.spec.effective
        assert x["effective_from"] == (eff.from_.isoformat() if eff else None)


def test_score_each_subject_with_the_rule_set_of_its_kind_and_category_and_log_it(served, sample):
    with served.client("score") as c:
        for facts in subjects(sample):
            r = c.post("/score", json=body(facts))
            assert r.status_code == 200, r.text
            got = ScoreBreakdown.model_validate(r.json()["breakdown"])
            rs = choose_ruleset(facts, served.config.rulesets, PERIOD)
            assert got.to_json() == Evaluator(rs).evaluate(facts, PERIOD).to_json()
            (row,) = served.log.query(after_id=r.json()["decision_id"] - 1, limit=1)
            assert row.id == r.json()["decision_id"]
            assert (row.subject_id, row.ruleset_id, row.ruleset_hash) == (facts.subject_id, rs.id, rs.content_hash)
            assert row.breakdown_json == got.to_json()
            assert parse_subject_facts(json.loads(row.input_json)) == facts


def test_concurrent_requests_each_get_their_own_subjects_breakdown(served, sample):
    """The server evaluates on a thread pool: the engine's C core has no locks and events sharing a session are
    consumed by one rule (../shared/notes/durable-rules.md), so every request must get exactly the breakdown its own
    subject gets alone, however many run at once."""
    from concurrent.futures import ThreadPoolExecutor

    people = subjects(sample) * 3
    want = {f.subject_id: Evaluator(choose_ruleset(f, served.config.rulesets, PERIOD)).evaluate(f, PERIOD).to_json()
            for f in people}

    def one(facts):
        with served.client("score") as c:
            r = c.post("/score", json=body(facts))
        assert r.status_code == 200, r.text
        return facts.subject_id, ScoreBreakdown.model_validate(r.json()["breakdown"]).to_json()

    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(one, people))
    assert len(got) == len(people) and all(b == want[sid] for sid, b in got)


def test_choose_ruleset_picks_by_category(served, sample):
    categories = {}
    for m in sample.members:
        categories.setdefault(str(m.member.category), set()).add(
            choose_ruleset(m, served.config.rulesets, PERIOD).id)
    assert all(len(ids) == 1 for ids in categories.values())  # one index per category
    assert len({next(iter(ids)) for ids in categories.values()}) >= 2  # and not the same for every category


def test_batch_scores_in_request_order_and_logs_each(served, sample):
    items = [body(f) for f in subjects(sample)][:served.config.max_batch]
    before = served.log.count()
    with served.client("score") as c:
        r = c.post("/score/batch", json={"items": items})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["index"] for x in results] == list(range(len(items)))
    assert all(x["error"] is None and x["decision_id"] for x in results)
    assert served.log.count() == before + len(items)


def test_batch_over_the_limit_is_a_422_on_items(served, sample):
    items = [body(sample.members[0])] * (served.config.max_batch + 1)
    with served.client("score") as c:
        r = c.post("/score/batch", json={"items": items})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "items"]


def test_a_body_over_the_limit_is_refused_with_413_before_it_is_parsed(served):
    before = served.log.count()
    with served.client("score") as c:
        r = c.post("/score", content=b"{" + b" " * served.config.max_body_bytes + b"}",
                   headers={"content-type": "application/json"})
        chunked = c.post("/score", content=iter([b" " * 65536] * (served.config.max_body_bytes // 65536 + 2)),
                         headers={"content-type": "application/json"})
    assert (r.status_code, chunked.status_code) == (413, 413)
    assert served.log.count() == before


@pytest.mark.parametrize("fmt", ["json", "text", "markdown", "html"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_explain_in_each_format_and_language(served, sample, fmt, lang):
    facts = sample.members[1]
    expected = Evaluator(choose_ruleset(facts, served.config.rulesets, PERIOD)).evaluate(facts, PERIOD)
    with served.client("score") as c:
        r = c.post("/explain", json=body(facts, format=fmt, lang=lang))
    assert r.status_code == 200, r.text
    if fmt == "json":
        assert ScoreBreakdown.model_validate(r.json()["breakdown"]) == expected
        return
    assert r.headers["x-decision-id"].isdigit()
    if fmt == "text":
        assert r.text == expected.to_text(lang)
    elif fmt == "markdown":
        assert r.text == expected.to_markdown(lang) and r.headers["content-type"].startswith("text/markdown")
    else:
        assert r.headers["content-type"].startswith("text/html") and expected.subject_id in r.text
        assert f"lang='{lang}'" in r.text


ENDPOINTS = [("get", "/rulesets", "read"), ("get", "/decisions", "read"), ("post", "/score", "score"),
             ("post", "/score/batch", "score"), ("post", "/explain", "score"),
             ("post", "/rulesets/validate", "administer")]


@pytest.mark.parametrize(("method", "path", "role"), ENDPOINTS)
def test_no_key_or_an_unknown_key_is_401(served, method, path, role):
    with served.client(None) as c:
        assert c.request(method, path, json={}).status_code == 401
        forged = served.keys[role][:-4] + "AAAA"
        assert c.request(method, path, json={}, headers={"X-API-Key": forged}).status_code == 401


@pytest.mark.parametrize(("method", "path", "role"), ENDPOINTS)
def test_a_key_of_a_lower_role_is_403(served, method, path, role):
    lower = {"read": [], "score": ["read"], "administer": ["read", "score"]}[role]
    for r in lower:
        with served.client(r) as c:
            assert c.request(method, path, json={}).status_code == 403, (path, r)


def test_bad_facts_are_a_422_naming_the_field(served, sample):
    facts = sample.members[0].model_dump(mode="json")
    facts["member"]["birth_year"] = "nineteen-sixty"
    with served.client("score") as c:
        r = c.post("/score", json={"facts": facts, "period": PERIOD})
        missing = c.post("/score", json={"period": PERIOD})
        period = c.post("/score", json=body(sample.members[0], period="2026-Q9"))
        batch = c.post("/score/batch", json={"items": [body(sample.members[0]), {"facts": facts, "period": PERIOD}]})
    assert r.status_code == 422
    assert ["body", "facts", "member", "birth_year"] in [e["loc"] for e in r.json()["detail"]]
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "facts"]
    assert period.status_code == 422 and period.json()["detail"][0]["loc"] == ["body", "period"]
    assert batch.status_code == 422
    assert batch.json()["detail"][0]["loc"][:5] == ["body", "items", 1, "facts", "member"]


def test_a_period_outside_the_rule_sets_is_a_422_with_the_project_code(served, sample):
    with served.client("score") as c:
        r = c.post("/score", json=body(sample.members[0], period="2019"))
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail["code"].startswith("PR03") and detail["message"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.lists(st.sampled_from(["member", "records", 0, "month", "category", "id", "incidents"]),
                     min_size=1, max_size=3),
       value=st.one_of(st.none(), st.integers(-10**20, 10**20), st.text(max_size=20), st.lists(st.integers()),
                       st.dictionaries(st.text(max_size=5), st.integers(), max_size=2)))
def test_any_mangled_facts_get_a_4xx_or_a_score_never_a_500(served, sample, path, value):
    facts = sample.members[2].model_dump(mode="json")
    node = facts
    for step in path[:-1]:
        nxt = node[step] if isinstance(node, dict) and step in node else None
        if isinstance(step, int) and isinstance(node, list) and node:
            nxt = node[0]
        if not isinstance(nxt, dict | list):
            break
        node = nxt
    if isinstance(node, dict):
        node[str(path[-1])] = value
    elif node:
        node[0] = value
    with served.client("score") as c:
        r = c.post("/score", json={"facts": facts, "period": PERIOD})
    assert r.status_code in (200, 422), r.text


def test_decisions_query_by_subject_and_time(served, sample):
    facts = sample.members[3]
    with served.client("score") as c:
        ids = [c.post("/score", json=body(facts)).json()["decision_id"] for _ in range(2)]
    with served.client("read") as c:
        rows = c.get("/decisions", params={"subject": facts.subject_id, "limit": 1000}).json()
        later = c.get("/decisions", params={"since": "2999-01-01T00:00:00Z"}).json()
        too_many = c.get("/decisions", params={"limit": 100_000})
    assert set(ids) <= {x["id"] for x in rows} and {x["subject_id"] for x in rows} == {facts.subject_id}
    assert later == [] and too_many.status_code == 422


def test_the_log_holds_every_acknowledged_decision(served, sample):
    acknowledged = []
    with served.client("score") as c:
        for facts in subjects(sample)[:6]:
            r = c.post("/score", json=body(facts))
            acknowledged.append((r.json()["decision_id"], ScoreBreakdown.model_validate(r.json()["breakdown"])))
    with sqlite3.connect(served.log_path) as db:
        stored = dict(db.execute("SELECT id, breakdown_json FROM decisions").fetchall())
    for decision_id, b in acknowledged:
        assert stored[decision_id] == b.to_json()


def test_validate_a_posted_rule_set_for_administrators(served):
    text = (served.config.rulesets_dir / "member-retired.yaml").read_text(encoding="utf-8")
    with served.client("administer") as c:
        ok = c.post("/rulesets/validate", json={"yaml": text})
        escaping = c.post("/rulesets/validate", json={"yaml": text.replace("member-vetoes.yaml", "../../../etc/hosts")})
        broken = c.post("/rulesets/validate", json={"yaml": "id: x\n"})
    assert ok.status_code == 200 and ok.json()["valid"] and ok.json()["id"] == "member-retired"
    assert escaping.status_code == 200 and not escaping.json()["valid"]
    assert escaping.json()["diagnostics"][0]["code"] == "RS122"  # outside the rule-set directory: not read
    assert broken.status_code == 200 and not broken.json()["valid"] and broken.json()["diagnostics"]
