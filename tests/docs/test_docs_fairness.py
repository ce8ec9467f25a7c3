"""Runs every Python block of docs/fairness.md, in order, in one namespace: the guide cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "fairness.md"


def test_fairness_guide_blocks_run(tmp_path, monkeypatch, capsys):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 2
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    for i, block in enumerate(blocks):
        exec(compile(block, f"{DOC.name}[block {i + 1}]", "exec"), namespace)  # our own documentation
    out = capsys.readouterr().out
    assert "2026-Q1" in out and "2026" in out
    report = namespace["report"]
    assert report.findings("zh", "conduct") and all(re.search(r"[\u4e00-\u9fff]", s)
                                                    for s in report.findings("zh"))


def test_every_finding_code_is_documented():
    package = DOC.parents[1] / "src" / "partyrules" / "analyse" / "fairness"
    # the analysis modules, not the rendering (report.py names the two kinds as headings)
    src = "\n".join(p.read_text(encoding="utf-8") for p in sorted(package.glob("*.py")) if p.name != "report.py")
    codes = set(re.findall(r'"(?:structure|conduct)", "([a-z_]+)"', src))
    assert {"max_below_scale", "free_points", "conduct_gap"} <= codes
    doc = DOC.read_text(encoding="utf-8")
    assert sorted(c for c in codes if f"`{c}`" not in doc) == []
