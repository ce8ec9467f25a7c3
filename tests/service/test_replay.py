"""Replaying a decision log offline: every decision made by the service is reproduced, and an edited row, a changed
breakdown or a rule set not given are each reported (with exit code 4 from ``partyrules replay``)."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest

from partyrules.cli import main
from partyrules.service import replay


@pytest.fixture(scope="module")
def logged(served, sample, tmp_path_factory):
    with served.client("score") as c:
        for facts in [*sample.members[:4], sample.branches[0], sample.communities[0]]:
            assert c.post("/score", json={"facts": facts.model_dump(mode="json"), "period": "2026"}).status_code == 200
    return served


def _copy(served, tmp_path):
    path = tmp_path / "copy.sqlite"
    with sqlite3.connect(served.log_path) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    return path


def test_every_decision_of_the_service_replays_the_same(logged, tmp_path, capsys):
    path = _copy(logged, tmp_path)
    report = replay(path, logged.config.rulesets)
    assert report.checked >= 6 and report.ok
    assert main(["replay", str(path)]) == 0


def _edit(path, sql, *args):
    with sqlite3.connect(path) as db:
        first = db.execute("SELECT min(id) FROM decisions").fetchone()[0]
        db.execute(sql + " WHERE id = ?", (*args, first))
    return first


def test_an_edited_breakdown_is_reported_as_tampered(logged, tmp_path, capsys):
    path = _copy(logged, tmp_path)
    first = _edit(path, "UPDATE decisions SET breakdown_json = replace(breakdown_json, '\"total\":', '\"total\":1')")
    (diff,) = replay(path, logged.config.rulesets).differences
    assert (diff.decision_id, diff.status) == (first, "tampered")
    assert main(["replay", str(path)]) == 4
    assert f"decision {first}" in capsys.readouterr().out


def test_a_breakdown_the_rules_do_not_give_is_reported_as_changed(logged, tmp_path):
    path = _copy(logged, tmp_path)
    with sqlite3.connect(path) as db:
        (text,) = db.execute("SELECT breakdown_json FROM decisions ORDER BY id LIMIT 1").fetchone()
    other = json.loads(text)
    other["total"] = other["total"] + 1
    other_text = json.dumps(other, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    first = _edit(path, "UPDATE decisions SET breakdown_json = ?, output_hash = ?", other_text,
                  hashlib.sha256(other_text.encode()).hexdigest())
    (diff,) = replay(path, logged.config.rulesets).differences
    assert (diff.decision_id, diff.status) == (first, "changed")


def test_a_rule_set_not_given_is_reported(logged, tmp_path):
    path = _copy(logged, tmp_path)
    first = _edit(path, "UPDATE decisions SET ruleset_hash = ?", "0" * 64)
    (diff,) = replay(path, logged.config.rulesets).differences
    assert (diff.decision_id, diff.status) == (first, "unknown_ruleset")


def test_a_file_that_is_not_a_log_is_exit_1(tmp_path):
    bad = tmp_path / "x.sqlite"
    bad.write_text("not sqlite")
    assert main(["replay", str(bad)]) == 1
    assert main(["replay", str(tmp_path / "missing.sqlite")]) == 1
