"""Replay a decision log offline: re-evaluate every logged decision and report those that come out differently.

A decision differs when its stored hashes no longer match its stored input or breakdown (the row was edited:
``tampered``), when the rule set it names (id and content hash) is not among those given (``unknown_ruleset``),
when its input no longer reads as facts or no longer evaluates (``failed``), or when evaluating the input again
gives another breakdown (``changed``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import PartyRulesError
from ..evaluate.evaluator import Evaluator
from ..facts import parse_subject_facts
from ..rulesets.model import RuleSet
from .decisions import Decision, read_decisions, sha256_text


@dataclass(frozen=True)
class Difference:
    decision_id: int
    subject_id: str
    status: str  # tampered, unknown_ruleset, failed, changed
    detail: str


@dataclass
class ReplayReport:
    checked: int = 0
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def _replay_one(d: Decision, evaluators: dict[str, Evaluator]) -> Difference | None:
    if sha256_text(d.input_json) != d.input_hash or sha256_text(d.breakdown_json) != d.output_hash:
        return Difference(d.id, d.subject_id, "tampered", "the stored input or breakdown does not match its hash")
    ev = evaluators.get(d.ruleset_hash)
    if ev is None:
        return Difference(d.id, d.subject_id, "unknown_ruleset",
                          f"no rule set given has the hash of {d.ruleset_id} {d.ruleset_version} "
                          f"({d.ruleset_hash[:12]})")
    try:
        facts = parse_subject_facts(json.loads(d.input_json))
        again = ev.evaluate(facts, d.period).to_json()
    except (ValueError, PartyRulesError) as exc:
        return Difference(d.id, d.subject_id, "failed", str(exc).splitlines()[0][:300])
    if sha256_text(again) != d.output_hash:
        return Difference(d.id, d.subject_id, "changed", "evaluating the input again gives another breakdown")
    return None


def replay(log: str | Path, rulesets: Iterable[RuleSet]) -> ReplayReport:
    """Re-evaluate every decision of the log file at ``log`` with the rule set it names (found by content hash)."""
    evaluators = {rs.content_hash: Evaluator(rs) for rs in rulesets}
    report = ReplayReport()
    for d in read_decisions(log):
        report.checked += 1
        diff = _replay_one(d, evaluators)
        if diff is not None:
            report.differences.append(diff)
    return report
