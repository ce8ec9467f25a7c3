"""GET /rulesets (every version, its dates, in force for today or a period) and POST /rulesets/test (a posted rule
set run against its posted cases, with coverage) over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from serving import running

from partyrules.commands.serve import rulesets_from
from partyrules.cycle.scoring import RuleSetChooser
from partyrules.periods import Period
from partyrules.rulesets.versions import covers, effective_range
from partyrules.service import DecisionLog, KeyStore, ServiceConfig, add_key
from partyrules.service.config import MAX_CASES
from partyrules.testing.cases import run_tests
from ruleset_versions import two_versions


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    """A service over a directory holding two versions of one index: 2025.1 for 2025, 2026.1 from 2026 on."""
    base = tmp_path_factory.mktemp("versions")
    rules = base / "rulesets"
    rules.mkdir()
    two_versions(rules)
    key = add_key(base / "keys.jsonl", "reader", "read")[1]
    rulesets, root = rulesets_from(str(rules))
    config = ServiceConfig(rulesets=rulesets, keys=KeyStore.load(base / "keys.jsonl"),
                           log=DecisionLog(base / "d.sqlite"), rulesets_dir=root)
    with running(config) as url, httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=60) as c:
        c.rulesets = rulesets  # what the server loaded, for the tests to compare with
        yield c
    config.log.close()


def _by_version(r):
    assert r.status_code == 200, r.text
    return {x["version"]: x for x in r.json()}


def test_every_version_is_listed_with_its_range_and_whether_it_is_in_force(versions):
    listed = _by_version(versions.get("/rulesets", params={"period": "2025"}))
    assert set(listed) == {"2025.1", "2026.1"} and {x["id"] for x in listed.values()} == {"example-member"}
    assert (listed["2025.1"]["effective_from"], listed["2025.1"]["effective_until"]) == ("2025-01-01", "2025-12-31")
    assert (listed["2026.1"]["effective_from"], listed["2026.1"]["effective_until"]) == ("2026-01-01", None)
    assert (listed["2025.1"]["in_force"], listed["2026.1"]["in_force"]) == (True, False)
    later = _by_version(versions.get("/rulesets", params={"period": "2027-03"}))
    assert (later["2025.1"]["in_force"], later["2026.1"]["in_force"]) == (False, True)
    across = _by_version(versions.get("/rulesets", params={"period": "2025-07..2026-06"}))
    assert not any(x["in_force"] for x in across.values())  # neither covers the whole period


def test_without_a_period_in_force_means_today(versions):
    today = datetime.now(UTC).date()
    listed = _by_version(versions.get("/rulesets"))
    assert listed["2026.1"]["in_force"] == (today.isoformat() >= "2026-01-01")
    assert listed["2025.1"]["in_force"] == ("2025-01-01" <= today.isoformat() <= "2025-12-31")


@pytest.mark.parametrize("period", ["2025-13", "yesterday", "x" * 41])
def test_a_bad_period_is_a_422_on_the_query(versions, period):
    r = versions.get("/rulesets", params={"period": period})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "period"]


def _shipped(served, name):
    rules = served.config.rulesets_dir
    return (rules / f"{name}.yaml").read_text(encoding="utf-8"), (rules / f"{name}.test.yaml").read_text("utf-8")


@pytest.mark.parametrize("name", ["member-retired", "branch-combat-effectiveness"])
def test_a_shipped_rule_set_passes_its_own_cases_as_partyrules_test_says(served, name):
    ruleset, cases = _shipped(served, name)
    with served.client("administer") as c:
        r = c.post("/rulesets/test", json={"ruleset": ruleset, "cases": cases})
    assert r.status_code == 200, r.text
    got = r.json()
    (want,) = run_tests([served.config.rulesets_dir / f"{name}.yaml"])
    assert got["valid"] and got["id"] == name and got["failed"] == 0 and got["invalid"] == 0
    assert got["passed"] == len(want.results) == len(got["cases"])
    assert [x["name"] for x in got["cases"]] == [x.name for x in want.results]
    assert got["coverage"] == want.coverage.to_dict() and got["coverage"]["percent"] == 100.0


def test_a_case_whose_expectation_is_wrong_fails_with_what_differs(served):
    ruleset, cases = _shipped(served, "member-retired")
    data = yaml.safe_load(cases)
    data.pop("ruleset")  # may be left out: the posted rule set is the one tested
    data["cases"] = [{"name": "wrong total", "expect": {"total": 12}},
                     {"name": "right total", "expect": {"total": 94}},
                     {"name": "a bad key", "expectt": {}}]
    with served.client("administer") as c:
        r = c.post("/rulesets/test", json={"ruleset": ruleset, "cases": yaml.safe_dump(data)})
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["valid"] and (got["passed"], got["failed"], got["invalid"]) == (1, 1, 1)
    wrong, right, bad = got["cases"]
    assert wrong["outcome"] == "failed" and wrong["total"] == 94 and any("total" in p for p in wrong["problems"])
    assert right["outcome"] == "passed" and bad["outcome"] == "invalid" and bad["problems"]
    assert got["coverage"]["percent"] < 100 and got["coverage"]["missing"]


def test_a_broken_rule_set_or_case_file_is_invalid_with_its_diagnostics(served):
    ruleset, cases = _shipped(served, "member-retired")
    with served.client("administer") as c:
        broken = c.post("/rulesets/test", json={"ruleset": "id: x\n", "cases": cases})
        escaping = c.post("/rulesets/test", json={"ruleset": ruleset.replace("member-vetoes.yaml", "../../etc/hosts"),
                                                  "cases": cases})
        not_cases = c.post("/rulesets/test", json={"ruleset": ruleset, "cases": "just: text\n"})
        not_yaml = c.post("/rulesets/test", json={"ruleset": ruleset, "cases": "cases: [\n"})
    for r in (broken, escaping, not_cases, not_yaml):
        assert r.status_code == 200 and not r.json()["valid"] and r.json()["diagnostics"], r.text
    assert escaping.json()["diagnostics"][0]["code"] == "RS122"
    assert not_cases.json()["diagnostics"][0]["code"] == "TC001" and not_cases.json()["id"] == "member-retired"


def test_sizes_are_bounded(served):
    ruleset, _ = _shipped(served, "member-retired")
    many = yaml.safe_dump({"period": "2026", "cases": [{"name": f"c{i}"} for i in range(MAX_CASES + 1)]})
    with served.client("administer") as c:
        too_many = c.post("/rulesets/test", json={"ruleset": ruleset, "cases": many})
        too_long = c.post("/rulesets/test", json={"ruleset": ruleset, "cases": "#" * (512 * 1024 + 1)})
        missing = c.post("/rulesets/test", json={"ruleset": ruleset})
    assert too_many.status_code == 422 and too_many.json()["detail"][0]["loc"] == ["body", "cases"]
    assert too_long.status_code in (413, 422)  # the body limit of the test server may refuse it first
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "cases"]


@pytest.mark.parametrize("role", [None, "read", "score"])
def test_only_administrators_may_test_a_rule_set(served, role):
    with served.client(role) as c:
        r = c.post("/rulesets/test", json={"ruleset": "id: x\n", "cases": "cases: []\n"})
    assert r.status_code == (401 if role is None else 403)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cases=st.one_of(st.text(max_size=200), st.builds(
    lambda items: yaml.safe_dump({"period": "2026", "cases": items}),
    st.lists(st.dictionaries(st.sampled_from(["name", "expect", "member", "record", "months", "period"]),
                             st.one_of(st.none(), st.integers(), st.text(max_size=8),
                                       st.dictionaries(st.text(max_size=6), st.integers(), max_size=2)),
                             max_size=4), max_size=3))))
def test_any_posted_cases_get_a_result_or_a_4xx_never_a_500(served, cases):
    ruleset, _ = _shipped(served, "member-retired")
    with served.client("administer") as c:
        r = c.post("/rulesets/test", json={"ruleset": ruleset, "cases": cases})
    assert r.status_code in (200, 422), r.text


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(year=st.integers(2024, 2028), part=st.sampled_from(["", "-Q1", "-Q4", "-06", "-01..{y}-12", "-07..{n}-06"]))
def test_in_force_is_the_version_scoring_uses_for_the_period(versions, year, part):
    period = f"{year}{part.format(y=year, n=year + 1)}"
    listed = versions.get("/rulesets", params={"period": period})
    assert listed.status_code == 200, listed.text
    shown = sorted(x["version"] for x in listed.json() if x["in_force"])
    rulesets = versions.rulesets
    used, _ = RuleSetChooser(rulesets).in_force(Period.parse(period))
    covered = sorted(ev.ruleset.version for ev in used
                     if covers(effective_range(ev.ruleset), Period.parse(period)))
    assert shown == covered and len(shown) <= 1
