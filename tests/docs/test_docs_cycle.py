"""Runs every Python block of docs/cycle.md, in order, in one namespace: the guide to the cycle cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "cycle.md"


def test_cycle_guide_blocks_run(tmp_path, monkeypatch, capsys):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 7
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    for i, block in enumerate(blocks):
        exec(compile(block, f"{DOC.name}[block {i + 1}]", "exec"), namespace)  # our own documentation
    out = capsys.readouterr().out
    assert "not final: ('OB-1',)" in out and "fen shared" in out


def test_every_error_code_is_documented():
    src = DOC.parents[1] / "src" / "partyrules"
    codes: set[str] = set()
    for path in src.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r'code = "(PR\d{3})"', text)) | set(re.findall(r'"(ST\d{3})"', text))
    assert {"PR000", "PR050", "PR060", "PR070", "ST001", "ST009"} <= codes
    concepts = (DOC.parent / "concepts.md").read_text(encoding="utf-8")
    assert sorted(c for c in codes if f"`{c}`" not in concepts) == []
