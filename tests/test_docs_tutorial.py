"""Runs every Python block of docs/tutorial.md, in order, in one namespace: the tutorial cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "tutorial.md"


def test_tutorial_blocks_run(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 8
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    for i, block in enumerate(blocks):
        code = compile(block, f"{DOC.name}[block {i + 1}]", "exec")
        exec(code, namespace)  # our own documentation, never a rule set
    assert "b" in namespace and "rs" in namespace
