"""The README's what-if example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_what_if_example_runs(tmp_path, monkeypatch):
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## What-if over a population"):text.index("## Command line")]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code.group(1), "README.md (what-if)", "exec"), namespace)
    assert (tmp_path / "reform.html").exists()
    assert namespace["after"].ruleset.params["organ_volunteer_hours"] == 150
