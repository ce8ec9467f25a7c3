"""The demo's live-session section: each total it prints is a fresh evaluation of the facts at that step, in both
languages, and the replay of what it logged finds no difference."""

from __future__ import annotations

import pytest

from partyrules.cycle.scoring import choose_ruleset
from partyrules.cycle.year import shipped_rulesets
from partyrules.evaluate import Evaluator
from partyrules.service.showcase import show_live_session


@pytest.mark.parametrize(("lang", "replayed"), [("zh", "3 项决策, 0 项"), ("en", "3 decisions, 0 differ")])
def test_the_section_prints_each_step_as_a_fresh_evaluation_would(sample, capsys, lang, replayed):
    rulesets = shipped_rulesets()
    show_live_session(sample, rulesets, lang)
    out = capsys.readouterr().out
    member = next(m for m in sample.members_in("in_service") if any(i.verified for i in m.incidents))
    incident = next(i for i in member.incidents if i.verified)
    steps = [member.model_copy(update={"records": member.records[:-1]}), member,
             member.model_copy(update={"incidents": tuple(i for i in member.incidents if i is not incident)})]
    rs = choose_ruleset(member, rulesets.values(), "2026")
    lines = [ln for ln in out.splitlines() if ln.startswith("  #")]
    assert len(lines) == 3
    for line, facts in zip(lines, steps, strict=True):
        assert f": {Evaluator(rs).evaluate(facts, '2026').total:.2f} " in line and member.subject_id in line
    assert replayed in out and ("实时会话" in out) == (lang == "zh")
