"""The outputs docs/recourse.md shows for ``recourse(..., months=...)`` (the outlook's recourse in the remaining
months) are the real ones, and the change stays in the months given."""

from __future__ import annotations

import re
from pathlib import Path

import partyrules as pr
from partyrules.analyse.recourse import recourse
from partyrules.shipped_rulesets import shipped_ruleset_path
from partyrules.synthetic import generate_subdistrict

DOC = Path(__file__).resolve().parents[2] / "docs" / "recourse.md"
_SHOWN = re.compile(r"^<!-- recourse-months: seed=(\d+) subject=(\S+) ruleset=(\S+) period=(\S+) months=(\S+) "
                    r"lang=(\w+) -->\n```text\n(.*?)^```", re.M | re.S)


def test_the_months_example_in_the_recourse_guide_is_real() -> None:
    shown = _SHOWN.findall(DOC.read_text(encoding="utf-8"))
    assert len(shown) == 2
    for seed, subject, key, period, months, lang, text in shown:
        facts = next(m for m in generate_subdistrict(seed=int(seed)).members if m.subject_id == subject)
        allowed = months.split(",")
        r = recourse(pr.load_ruleset(shipped_ruleset_path(key)), facts, period, months=allowed)
        assert r.to_text(lang) == text.rstrip("\n"), (subject, lang)
        assert r.changes and all(m in allowed for c in r.changes for m in c.months)
