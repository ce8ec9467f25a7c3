"""docs/rulesets/ is generated from the rule sets; this fails when it is out of date."""

from __future__ import annotations

from pathlib import Path

from partyrules.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_generated_docs_are_up_to_date(tmp_path):
    assert main(["docs", str(ROOT / "rulesets"), "--out", str(tmp_path)]) == 0
    fresh = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.glob("*.md")}
    committed = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "docs" / "rulesets").glob("*.md")}
    assert set(fresh) == set(committed), "run: partyrules docs rulesets/ --out docs/rulesets"
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"out of date: {stale}; run: partyrules docs rulesets/ --out docs/rulesets"


def test_docs_show_both_languages_and_every_rule(tmp_path):
    main(["docs", str(ROOT / "rulesets" / "community-six-star.yaml"), "--out", str(tmp_path)])
    text = (tmp_path / "community-six-star.md").read_text(encoding="utf-8")
    for star in ("班子建设星", "党员队伍星", "工作机制星", "社区服务星", "群众满意星", "发展经济星"):
        assert star in text
    assert "Public-satisfaction" in text or "satisfaction" in text
    assert text.count("| SIX.") >= 6
