"""Runs every Python block of docs/tutorial.md, in order, in one namespace: the tutorial cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "tutorial.md"


def test_tutorial_blocks_run(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 8
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    for i, block in enumerate(blocks):
        code = compile(block, f"{DOC.name}[block {i + 1}]", "exec")
        exec(code, namespace)  # our own documentation, never a rule set
    assert "b" in namespace and "rs" in namespace


def test_the_fact_bundle_example_loads_and_scores():
    """The JSON shape of a bundle the tutorial documents is a complete member that loads and is scored, its
    incident and commendation counted (issue 14: the tutorial had no JSON shape of a fact bundle)."""
    import json

    import partyrules as pr

    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```json bundle\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 1
    data = json.loads(blocks[0])
    assert set(data) == {"member", "records", "incidents", "commendations", "annual"}
    facts = pr.parse_subject_facts(data)
    assert isinstance(facts, pr.MemberFacts)
    assert pr.MemberFacts.model_validate_json(blocks[0]) == facts
    assert json.loads(facts.model_dump_json()) == json.loads(pr.MemberFacts.model_validate_json(
        facts.model_dump_json()).model_dump_json())  # written back, the same shape reads again
    assert len(facts.records) == 2 and facts.annual is not None and facts.annual.year == 2026
    b = pr.evaluate(pr.load_ruleset(pr.shipped_ruleset_path("in_service")), facts, period="2026")
    counted = [c for ln in b.lines for c in ln.evidence.counted]
    assert "incident:I-M000085-01" in counted  # the substantiated complaint is deducted
    assert b.line("IN.S11").status == "met"  # the verified commendation earns its standard
    assert b.line("IN.S09").status == "met"  # the annual evaluation's employer appraisal is read
    # every key the table of the section names is a key of the bundle model
    for key in data:
        assert f"| `{key}` |" in text
