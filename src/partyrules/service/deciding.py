"""One decision: the subject's rule set chosen by kind and category, the subject evaluated, the row to log."""

from __future__ import annotations

import json

from ..cycle.scoring import RuleSetChooser
from ..facts import SubjectFacts
from ..periods import Period
from ..results import ScoreBreakdown
from .decisions import NewDecision


def canonical_facts(facts: SubjectFacts) -> str:
    """The facts as logged: canonical JSON (keys sorted), so equal facts hash equal."""
    return json.dumps(facts.model_dump(mode="json"), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def decide(chooser: RuleSetChooser, facts: SubjectFacts, period: str, caller: str) -> tuple[NewDecision,
                                                                                          ScoreBreakdown]:
    """Score ``facts`` for ``period`` (as written: 2026, 2026-Q2...) with the rule set ``chooser`` picks, and the
    decision to log for ``caller`` (a key id). Raises the library's errors (a period outside the rule set's dates,
    no rule set for the subject)."""
    when = Period.parse(period)
    b = chooser.evaluator_for(facts, when).evaluate(facts, when)
    return decision_row(facts, period, caller, b), b


def decision_row(facts: SubjectFacts, period: str, caller: str, b: ScoreBreakdown) -> NewDecision:
    """The row that logs ``b``, the breakdown of ``facts`` for ``period``: enough to evaluate it again offline."""
    return NewDecision(caller, str(type(facts).subject_kind), facts.subject_id, period, b.ruleset_id,
                       b.ruleset_version, b.ruleset_hash, canonical_facts(facts), b.to_json())
